/* A boot into a snapshot and a snapshot into a boot (docs/snapshot.md).
 * Save: the vCPUs held out of KVM_RUN with their last exit completed, the
 * devices quiesced, then the state file in the format's order and guest
 * RAM into the memory file, sparsely. Restore: the state file read and
 * checked before anything is built, guest RAM mapped copy-on-write from
 * the memory file, and once the VM is built as the saved one was, every
 * vCPU, the interrupt controller, timers and devices set from the file. */
#include "vm_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_stat.h"
#include "log.h"
#include "snapshot_format.h"
#include "snapshot_memory.h"

#define SNAPSHOT_STATE_MAX	(64u << 20)	/* far above 512 SVE vCPUs */

/* A held vCPU may have left KVM_RUN on an exit it served (an MMIO read
 * whose value KVM puts in the register at the next entry): a KVM_RUN with
 * immediate_exit completes it and returns at once, so that the registers
 * read next are whole (KVM's api.rst, "immediate_exit"). */
static int
vcpus_settle(struct vm *vm, char *why, size_t why_size)
{
	unsigned int i;

	for (i = 0; i < vm->vcpu_count; i++) {
		struct kvm_vcpu_fd *vcpu = &vm->vcpus[i].fd;

		vcpu->run->immediate_exit = 1;
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0 && errno != EINTR) {
			snprintf(why, why_size, "vCPU %u: cannot complete its "
			    "last exit: %s", i, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The vCPUs' fds in an array of their own, as the architecture takes them. */
static void
vcpu_fds(const struct vm *vm, struct kvm_vcpu_fd fds[VM_MAX_VCPUS])
{
	unsigned int i;

	for (i = 0; i < vm->vcpu_count; i++)
		fds[i] = vm->vcpus[i].fd;
}

static void
put_config_sections(struct vm *vm, struct snapshot_writer *writer,
    size_t *device_count_at)
{
	snapshot_section_begin(writer, SNAPSHOT_SEC_TABLES);
	snapshot_put_u32(writer, arch_sysreg_table_entries());
	snapshot_put_u32(writer, FORWARD_MAP_VERSION);
	snapshot_section_end(writer);
	snapshot_section_begin(writer, SNAPSHOT_SEC_CONFIG);
	snapshot_put_u32(writer, vm->vcpu_count);
	*device_count_at = writer->size;
	snapshot_put_u32(writer, 0);	/* patched once the devices are in */
	snapshot_put_u64(writer, vm->config->memory_size);
	snapshot_section_end(writer);
}

/* Everything of the state file but its END, in the format's order. */
static int
put_state(struct vm *vm, struct snapshot_writer *writer, char *why,
    size_t why_size)
{
	struct kvm_vcpu_fd fds[VM_MAX_VCPUS];
	size_t device_count_at;
	uint32_t devices = 0;
	unsigned int i;
	int rc;

	snapshot_section_begin(writer, SNAPSHOT_SEC_VERSION);
	snapshot_put(writer, VMMD_VERSION, strlen(VMMD_VERSION));
	snapshot_section_end(writer);
	snapshot_section_begin(writer, SNAPSHOT_SEC_CPU_MODEL);
	rc = arch_snapshot_put_cpu_model(vm->system_fd, vm->config->cpu_template,
	    writer, why, why_size);
	snapshot_section_end(writer);
	if (rc < 0)
		return rc;
	put_config_sections(vm, writer, &device_count_at);
	for (i = 0; rc == 0 && i < vm->vcpu_count; i++)
		rc = arch_snapshot_save_vcpu(&vm->vcpus[i].fd, i, writer, why,
		    why_size);
	vcpu_fds(vm, fds);
	/* before RAM is read: the ITS writes its tables into guest memory */
	if (rc == 0)
		rc = arch_snapshot_save_vm(vm->arch, fds, vm->vcpu_count, writer,
		    why, why_size);
	if (rc == 0)
		rc = vm_snapshot_devices_save(vm, writer, &devices, why, why_size);
	snapshot_patch_u32(writer, device_count_at, devices);
	return rc;
}

static int
write_state(int fd, const struct snapshot_writer *writer, char *why,
    size_t why_size)
{
	size_t done = 0;
	ssize_t n;

	if (ftruncate(fd, 0) < 0)
		goto fail;
	while (done < writer->size) {
		n = pwrite(fd, writer->data + done, writer->size - done,
		    (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		done += (size_t)n;
	}
	return 0;
fail:
	snprintf(why, why_size, "cannot write the state file: %s",
	    strerror(errno ? errno : EIO));
	return -(errno ? errno : EIO);
}

/* The held, settled, quiesced VM into the two files. */
static int
save_files(struct vm *vm, int state_fd, int memory_fd,
    struct vm_snapshot_stats *stats, char *why, size_t why_size)
{
	const struct guest_memory_region *ram = &vm->memory.regions[0];
	struct snapshot_writer writer;
	int rc;

	snapshot_writer_init(&writer, (uint32_t)sysconf(_SC_PAGESIZE));
	rc = put_state(vm, &writer, why, why_size);
	if (rc == 0) {
		rc = snapshot_writer_finish(&writer);
		if (rc < 0)
			snprintf(why, why_size, "cannot build the state file: %s",
			    strerror(-rc));
	}
	if (rc == 0)
		rc = write_state(state_fd, &writer, why, why_size);
	stats->state_bytes = writer.size;
	snapshot_writer_free(&writer);
	stats->memory_size = ram->size;
	if (rc == 0)
		rc = snapshot_memory_write(memory_fd, ram->host, ram->size,
		    &stats->memory_written, why, why_size);
	return rc;
}

int
vm_snapshot_save(struct vm *vm, int state_fd, int memory_fd,
    struct vm_snapshot_stats *stats, char *why, size_t why_size)
{
	uint64_t start = vm_monotonic_ns();
	int rc;

	memset(stats, 0, sizeof(*stats));
	if (vm->memory.count != 1 || guest_memory_tied(&vm->memory) > 0) {
		snprintf(why, why_size, "the guest's kernel is still being "
		    "copied into its memory: try again in a moment");
		return -EAGAIN;
	}
	rc = vm_vcpus_hold_for_snapshot(vm);
	if (rc < 0) {
		snprintf(why, why_size, "the VM is ending");
		return rc;
	}
	/* no console input reaches the UART or guest RAM meanwhile: it waits
	 * in its pipe */
	vm_console_stop_input(vm);
	rc = vcpus_settle(vm, why, why_size);
	if (rc == 0)
		rc = vm_snapshot_devices_quiesce(vm, why, why_size);
	if (rc == 0) {
		rc = save_files(vm, state_fd, memory_fd, stats, why, why_size);
		vm_snapshot_devices_resume(vm);
	}
	if (vm_console_start_input(vm) < 0)
		log_warn("after the snapshot: cannot read console input again");
	vm_vcpus_release_for_snapshot(vm);
	stats->paused_ns = vm_monotonic_ns() - start;
	return rc;
}

/* ---- Restore ---- */

/* The state file, whole, into memory. */
static int
read_state(struct vm *vm, int fd)
{
	struct stat st;
	size_t done = 0;
	ssize_t n;

	if (fd_stat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_warnx("cannot restore: the state file is not a regular file");
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > SNAPSHOT_STATE_MAX) {
		log_warnx("cannot restore: the state file is %lld bytes, more "
		    "than a snapshot has (%u)", (long long)st.st_size,
		    SNAPSHOT_STATE_MAX);
		return -EFBIG;
	}
	vm->restore_state = malloc((size_t)st.st_size + 1);
	if (vm->restore_state == NULL)
		return -ENOMEM;
	while (done < (size_t)st.st_size) {
		n = pread(fd, vm->restore_state + done, (size_t)st.st_size - done,
		    (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warnx("cannot restore: cannot read the state file: %s",
			    n < 0 ? strerror(errno) : "it got shorter");
			return n < 0 ? -errno : -EIO;
		}
		done += (size_t)n;
	}
	vm->restore_state_size = done;
	return 0;
}

/* What the snapshot says against what this VM is given. */
static int
check_config(const struct vm *vm, const struct snapshot_view *view)
{
	const struct vm_config *config = vm->config;

	if (view->vcpus != config->vcpus) {
		log_warnx("cannot restore: the snapshot has %u vCPUs, the VM "
		    "is given %u", view->vcpus, config->vcpus);
		return -EINVAL;
	}
	if (view->memory_size != config->memory_size) {
		log_warnx("cannot restore: the snapshot has %" PRIu64 " MiB of "
		    "memory, the VM is given %" PRIu64 " MiB",
		    view->memory_size >> 20, config->memory_size >> 20);
		return -EINVAL;
	}
	if (view->page_size != (uint32_t)sysconf(_SC_PAGESIZE)) {
		log_warnx("cannot restore: the snapshot was taken on a host "
		    "with %u-byte pages, this one has %ld", view->page_size,
		    sysconf(_SC_PAGESIZE));
		return -EINVAL;
	}
	return 0;
}

/* Before anything is built: the state file read and checked, the memory
 * file's size, and this host's CPU against the snapshot's. Each refusal
 * is said once, here. */
int
vm_snapshot_check(struct vm *vm)
{
	const struct vm_restore *restore = vm->config->restore;
	const struct snapshot_limits limits = {
		.vcpus_max = VM_MAX_VCPUS, .memory_max = vm->config->memory_size,
	};
	char why[320];
	int rc;

	vm->restore_view = calloc(1, sizeof(*vm->restore_view));
	if (vm->restore_view == NULL)
		return -ENOMEM;
	rc = read_state(vm, restore->state_fd);
	if (rc < 0)
		return rc;
	rc = snapshot_parse(vm->restore_state, vm->restore_state_size, &limits,
	    arch_snapshot_id_check, vm->restore_view, why, sizeof(why));
	if (rc == 0)
		rc = snapshot_memory_fd_check(restore->memory_fd,
		    vm->restore_view->memory_size, why, sizeof(why));
	if (rc < 0) {
		log_warnx("cannot restore: %s", why);
		return rc;
	}
	rc = check_config(vm, vm->restore_view);
	if (rc < 0)
		return rc;
	rc = arch_snapshot_check_cpu_model(vm->system_fd,
	    vm->config->cpu_template, &vm->restore_view->cpu_model, why,
	    sizeof(why));
	if (rc < 0)
		log_warnx("cannot restore on this host: %s", why);
	return rc;
}

/* Into the VM built from the same config, instead of loading the guest. */
int
vm_snapshot_restore(struct vm *vm)
{
	const struct snapshot_view *view = vm->restore_view;
	struct kvm_vcpu_fd fds[VM_MAX_VCPUS];
	char why[320];
	unsigned int i;
	int rc = 0;

	for (i = 0; rc == 0 && i < vm->vcpu_count; i++)
		rc = arch_snapshot_restore_vcpu(&vm->vcpus[i].fd, &view->vcpu[i],
		    why, sizeof(why));
	vcpu_fds(vm, fds);
	if (rc == 0)
		rc = arch_snapshot_restore_vm(vm->arch, fds, vm->vcpu_count, view,
		    why, sizeof(why));
	if (rc == 0)
		rc = vm_snapshot_devices_restore(vm, &view->devices,
		    view->device_count, why, sizeof(why));
	if (rc < 0)
		log_warnx("cannot restore: %s", why);
	return rc;
}

void
vm_snapshot_release(struct vm *vm)
{
	free(vm->restore_state);
	free(vm->restore_view);
	vm->restore_state = NULL;
	vm->restore_view = NULL;
	vm->restore_state_size = 0;
}
