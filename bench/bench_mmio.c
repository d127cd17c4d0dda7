/* A benchmark, not a test: the cost of one MMIO exit dispatched through
 * the trap forward map (lookup, device handler, counter) against a bare
 * KVM_RUN loop that only re-enters the guest, measured in the same run on
 * the same VM set-up, runs interleaved; prints the medians and the ratio. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/log.h"
/* bench-only: it builds a VM with vm_prepare and drives vCPU 0 itself,
 * the one use of struct vm outside core (docs/design.md) */
#include "../core/vm_internal.h"

#define BENCH_SCRATCH_BASE	0x0a000000ull
#define BENCH_EXTRA_DEVICES	31	/* a map as deep as a VM with 32 devices */
#define BENCH_EXTRA_BASE	0x0b000000ull
#define BENCH_MAX_RUNS		101

struct bench_options {
	struct vm_config vm;
	uint64_t exits;
	unsigned int runs;
};

static struct dev_scratch extra_devices[BENCH_EXTRA_DEVICES];

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The baseline: what any VMM must do for an MMIO exit, and nothing more. */
static int
bare_loop(struct kvm_vcpu_fd *vcpu, uint64_t *exits)
{
	int rc;

	for (*exits = 0;; (*exits)++) {
		rc = kvm_vcpu_run(vcpu);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			return rc;
		if (vcpu->run->exit_reason == KVM_EXIT_SYSTEM_EVENT) {
			(*exits)++;
			return 0;
		}
		if (vcpu->run->exit_reason != KVM_EXIT_MMIO)
			return -EPROTO;
	}
}

static int
add_extra_devices(struct vm *vm)
{
	char error[320];
	unsigned int i;
	int rc;

	for (i = 0; i < BENCH_EXTRA_DEVICES; i++) {
		rc = dev_scratch_attach(&vm->map, &extra_devices[i], "extra",
		    BENCH_EXTRA_BASE + i * 0x10000ull);
		if (rc < 0)
			return rc;
	}
	if (forward_map_validate(&vm->map, error, sizeof(error)) < 0 ||
	    forward_map_check_installed(&vm->map, error, sizeof(error)) < 0) {
		log_warnx("%s", error);
		return -EINVAL;
	}
	return 0;
}

/* One run: a fresh VM, the guest doing options->exits stores; returns the
 * nanoseconds per exit, or a negative value on failure. */
static double
bench_run(const struct bench_options *options, bool through_map)
{
	struct vm_result *result = calloc(1, sizeof(*result));
	struct vm *vm = calloc(1, sizeof(*vm));
	uint64_t start, elapsed, exits = 0;
	double per_exit = -1;
	int rc = -ENOMEM;

	if (vm == NULL || result == NULL)
		goto out;
	if (vm_prepare(vm, &options->vm, result) != VM_RUN_STOPPED)
		goto out_vm;
	rc = add_extra_devices(vm);
	if (rc == 0)
		rc = arch_vcpu_set_entry(&vm->vcpus[0].fd, arch_ram_base(),
		    options->exits);
	if (rc < 0)
		goto out_vm;
	start = now_ns();
	if (through_map) {
		rc = vcpu_run_until_stop(&vm->vcpus[0].fd, &vm->map,
		    &vm->mmio_ring, &vm->vcpus[0].counters, NULL, &result->stop);
		exits = result->stop.exits;
		if (rc == 0 && result->stop.outcome != VM_OUTCOME_POWEROFF)
			rc = -EPROTO;
	} else
		rc = bare_loop(&vm->vcpus[0].fd, &exits);
	elapsed = now_ns() - start;
	if (rc == 0 && exits == options->exits + 1)
		per_exit = (double)elapsed / (double)exits;
	else
		log_warnx("%s run: %" PRIu64 " exits, expected %" PRIu64 ": %s",
		    through_map ? "forward map" : "bare", exits,
		    options->exits + 1, rc < 0 ? strerror(-rc) : "wrong count");
out_vm:
	vm_destroy(vm);
out:
	free(vm);
	free(result);
	return per_exit;
}

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *values, unsigned int count)
{
	qsort(values, count, sizeof(*values), compare_double);
	return count % 2 ? values[count / 2] :
	    (values[count / 2 - 1] + values[count / 2]) / 2;
}

static int
parse_options(int argc, char **argv, struct bench_options *options)
{
	static const struct option long_options[] = {
		{ "payload", required_argument, NULL, 'p' },
		{ "exits", required_argument, NULL, 'e' },
		{ "runs", required_argument, NULL, 'r' },
		{ "kvm", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	int id;

	*options = (struct bench_options){
		.vm = { .kvm_path = KVM_DEVICE_PATH, .memory_size = 16ull << 20,
		    .vcpus = 1, .console_log_fd = -1, .console_fd = -1,
		    .console_input_fd = -1, .scratch_device = true,
		    .scratch_base = BENCH_SCRATCH_BASE },
		.exits = 2000, .runs = 7,
	};
	while ((id = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
		switch (id) {
		case 'p': options->vm.payload_path = optarg; break;
		case 'e': options->exits = strtoull(optarg, NULL, 0); break;
		case 'r': options->runs = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'k': options->vm.kvm_path = optarg; break;
		default: return -1;
		}
	}
	if (options->vm.payload_path == NULL || options->exits == 0 ||
	    options->runs == 0 || options->runs > BENCH_MAX_RUNS || optind != argc)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	double bare[BENCH_MAX_RUNS], mapped[BENCH_MAX_RUNS], first, second;
	struct bench_options options;
	double bare_median, map_median;
	unsigned int i;
	bool map_first;

	log_init("bench-mmio", false);
	if (parse_options(argc, argv, &options) < 0) {
		fprintf(stderr, "usage: bench-mmio --payload bench_mmio_loop.bin "
		    "[--exits N] [--runs N (at most %d)] [--kvm PATH]\n",
		    BENCH_MAX_RUNS);
		return 2;
	}
	for (i = 0; i < options.runs; i++) {
		map_first = i % 2;	/* alternate the order against drift */
		first = bench_run(&options, map_first);
		second = bench_run(&options, !map_first);
		if (first < 0 || second < 0)
			return 1;
		bare[i] = map_first ? second : first;
		mapped[i] = map_first ? first : second;
		printf("run %u: bare %.0f ns/exit, forward map %.0f ns/exit\n",
		    i + 1, bare[i], mapped[i]);
	}
	bare_median = median(bare, options.runs);
	map_median = median(mapped, options.runs);
	printf("bench-mmio: %" PRIu64 " MMIO exits per run, %u runs, "
	    "%d MMIO entries in the map\n", options.exits, options.runs,
	    BENCH_EXTRA_DEVICES + 2);
	printf("bench-mmio: bare KVM_RUN loop   median %.0f ns/exit\n",
	    bare_median);
	printf("bench-mmio: through forward map median %.0f ns/exit\n",
	    map_median);
	printf("bench-mmio: ratio %.3f (target <= 1.05)\n",
	    map_median / bare_median);
	return 0;
}
