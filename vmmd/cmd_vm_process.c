/* `vmmd vm-process`: one VM's process, started by the daemon with its
 * control socketpair on fd 3 and the console's pipes on fds 4 (output) and
 * 5 (input). It reads the spec, runs the VM with the same core code as
 * `vmmd run` on a thread of its own, serves the daemon's pause, resume,
 * stop and info on the main thread, and reports how the VM ended. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/vm.h"
#include "../core/vm_shutdown.h"
#include "cmd_cpu_model.h"
#include "daemon.h"
#include "devices_json.h"
#include "exit_status.h"
#include "forward_map_json.h"
#include "options.h"
#include "sandbox.h"

#define CONTROL_FD	3
#define CONSOLE_OUT_FD	4
#define CONSOLE_IN_FD	5
#define VM_PROCESS_OOM_SCORE_ADJ	"500"

struct vm_process {
	pthread_mutex_t write_lock;
	struct vm_control control;
	struct vmmd_options options;	/* the VM's config, as `vmmd run` has it */
	struct cpu_template cpu_template;
	struct api_vm_spec spec;
	char console_log[DAEMON_PATH_MAX + 64];
	char kvm_path[DAEMON_PATH_MAX];
	unsigned int stop_budget_ms;	/* for the guest to shut down */
	atomic_bool stop_asked;		/* a stop is under way */
	bool stop_force;
	char vm_user[DAEMON_USER_MAX];	/* "": no user change */
	bool test_hooks;
};

/* One message, one write, never interleaved with another thread's. */
static void
send_message(struct vm_process *process, json_t *message)
{
	char *text = message != NULL ? json_dumps(message, JSON_COMPACT) : NULL;
	size_t length, done = 0;
	ssize_t n;

	json_decref(message);
	if (text == NULL)
		return;
	length = strlen(text);
	text[length++] = '\n';	/* json_dumps' NUL becomes the newline */
	pthread_mutex_lock(&process->write_lock);
	while (done < length) {
		n = write(CONTROL_FD, text + done, length - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	pthread_mutex_unlock(&process->write_lock);
	free(text);
}

static void
on_running(void *context)
{
	send_message(context, json_pack("{s:s}", "msg", "running"));
}

static json_t *
result_json(enum vm_run_status status, const struct vm_result *result)
{
	if (status == VM_RUN_NO_KVM || status == VM_RUN_SETUP_FAILED)
		return json_pack("{s:s,s:s}", "outcome", "setup-failed", "detail",
		    status == VM_RUN_NO_KVM ? "KVM cannot serve on this host" :
		    "the VM could not be built: see the daemon's log");
	return json_pack("{s:s,s:s,s:i,s:I,s:I,s:I,s:o?}", "outcome",
	    status == VM_RUN_FAILED ? "failed" :
	    vm_outcome_name(result->stop.outcome), "detail", result->stop.detail,
	    "boots", (int)result->boots, "exits", (json_int_t)result->exits,
	    "setup_us", (json_int_t)(result->setup_ns / 1000),
	    "console_log_dropped", (json_int_t)result->console_log_dropped,
	    "forward_map", forward_map_json(&result->map, &result->counters));
}

/* The VM's thread: when the VM ends, so does the process. */
static void *
vm_thread(void *argument)
{
	struct vm_process *process = argument;
	enum vm_run_status status;
	struct vm_result *result;
	json_t *report;

	result = calloc(1, sizeof(*result));
	if (result == NULL)
		exit(VMMD_EXIT_FAILURE);
	status = vm_run(&process->options.vm, result);
	report = result_json(status, result);
	/* asked to stop: did the guest shut down, or was it stopped? */
	if (atomic_load(&process->stop_asked))
		json_object_set_new(report, "graceful", json_boolean(
		    status == VM_RUN_STOPPED &&
		    result->stop.outcome == VM_OUTCOME_POWEROFF));
	send_message(process, json_pack("{s:s,s:o}", "msg", "result", "result",
	    report));
	free(result);
	exit(0);
}

static int
read_spec(struct vm_process *process, FILE *in)
{
	const struct api_vm_limits limits = { VM_MAX_VCPUS, UINT64_MAX >> 20 };
	struct api_error error;
	char *line = NULL;
	size_t size = 0;
	json_t *message;
	int rc = -1;

	if (getline(&line, &size, in) < 0) {
		log_warnx("vm-process: no spec from the daemon");
		goto out;
	}
	message = json_loads(line, 0, NULL);
	if (api_vm_spec_parse(json_object_get(message, "spec"), &limits,
	    &process->spec, &error) < 0)
		log_warnx("vm-process: a bad spec: %s", error.desc);
	else if (!json_is_string(json_object_get(message, "console_log")) ||
	    !json_is_string(json_object_get(message, "kvm_path")))
		log_warnx("vm-process: the spec has no console_log or kvm_path");
	else {
		snprintf(process->console_log, sizeof(process->console_log), "%s",
		    json_string_value(json_object_get(message, "console_log")));
		snprintf(process->kvm_path, sizeof(process->kvm_path), "%s",
		    json_string_value(json_object_get(message, "kvm_path")));
		process->stop_budget_ms = (unsigned int)json_integer_value(
		    json_object_get(message, "stop_timeout_ms"));
		snprintf(process->vm_user, sizeof(process->vm_user), "%s",
		    json_string_value(json_object_get(message, "vm_user")) ?: "");
		process->test_hooks = json_is_true(json_object_get(message,
		    "test_hooks"));
		rc = 0;
	}
	json_decref(message);
out:
	free(line);
	return rc;
}

/* The spec's devices, through the same parsers as `vmmd run`'s options. */
static int
configure_devices(struct vm_process *process)
{
	struct device_options *devices = &process->options.devices;
	char error[256];
	unsigned int i;
	int rc = 0;

	for (i = 0; rc == 0 && i < process->spec.device_count; i++) {
		rc = device_options_spec(devices, &process->spec.devices[i],
		    error, sizeof(error));
		if (rc < 0)
			log_warnx("vm-process: devices[%u]: %s", i, error);
	}
	process->options.vm.devices = devices->specs;
	process->options.vm.device_count = devices->count;
	return rc;
}

static int
configure(struct vm_process *process)
{
	struct vm_config *vm = &process->options.vm;
	const struct api_vm_spec *spec = &process->spec;

	memset(&process->options, 0, sizeof(process->options));
	vm->kvm_path = process->kvm_path;
	vm->memory_size = spec->memory_mib << 20;
	vm->vcpus = spec->vcpus;
	vm->kernel_path = spec->kernel;
	vm->initrd_path = spec->initrd[0] != '\0' ? spec->initrd : NULL;
	vm->cmdline = spec->cmdline[0] != '\0' ? spec->cmdline :
	    VMMD_DEFAULT_CMDLINE;
	vm->console_fd = CONSOLE_OUT_FD;
	vm->console_input_fd = CONSOLE_IN_FD;
	vm->control = &process->control;
	/* A daemon that is slow to read loses console bytes, never stalls
	 * the guest: the log file has them all. */
	fcntl(CONSOLE_OUT_FD, F_SETFL, fcntl(CONSOLE_OUT_FD, F_GETFL) | O_NONBLOCK);
	vm->console_log_fd = open(process->console_log, O_WRONLY | O_CREAT |
	    O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
	if (vm->console_log_fd < 0) {
		log_warn("vm-process: cannot open the console log %s",
		    process->console_log);
		return -1;
	}
	if (configure_devices(process) < 0)
		return -1;
	if (spec->cpu_template[0] == '\0')
		return 0;
	process->options.cpu_template_path = spec->cpu_template;
	if (cmd_cpu_template_prepare(&process->options,
	    &process->cpu_template) != 0)
		return -1;
	vm->cpu_template = &process->cpu_template;
	return 0;
}

static void
ack(struct vm_process *process, int rc, const char *what)
{
	char desc[128];

	if (rc == 0) {
		send_message(process, json_pack("{s:s,s:b}", "msg", "ack", "ok", 1));
		return;
	}
	snprintf(desc, sizeof(desc), "cannot %s: %s", what,
	    rc == -EALREADY ? "it is so already" : rc == -EAGAIN ?
	    "no boot of it is running (starting or rebooting)" :
	    "it is stopping");
	send_message(process, json_pack("{s:s,s:b,s:s}", "msg", "ack", "ok", 0,
	    "desc", desc));
}

static void
send_counters(struct vm_process *process)
{
	static struct forward_map map;
	static struct forward_counters counters;
	static struct vm_device_result devices[VM_IO_MAX_DEVICES];
	unsigned int device_count;
	uint64_t exits;

	if (vm_control_counters(&process->control, &map, &counters, &exits) < 0) {
		send_message(process, json_pack("{s:s,s:b,s:n}", "msg", "ack",
		    "ok", 1, "counters"));
		return;
	}
	vm_control_devices(&process->control, devices, &device_count);
	send_message(process, json_pack("{s:s,s:b,s:{s:o,s:o,s:I}}", "msg",
	    "ack", "ok", 1, "counters", "forward_map", forward_map_json(&map,
	    &counters), "devices", devices_json(devices, device_count),
	    "console_log_dropped", (json_int_t)vm_control_console_dropped(
	    &process->control)));
}

/* The guest is asked to shut down (vm_shutdown.c); one that cannot be
 * asked, refuses or does not finish in time is stopped. */
static void *
stop_thread(void *argument)
{
	struct vm_process *process = argument;
	char why[160], detail[200];
	int rc = -1;

	snprintf(why, sizeof(why), "forced");
	if (!process->stop_force)
		rc = vm_shutdown_guest(&process->control,
		    process->stop_budget_ms, why, sizeof(why));
	if (rc < 0) {
		snprintf(detail, sizeof(detail), "stopped on request (%s)", why);
		vm_control_stop(&process->control, detail);
	}
	return NULL;
}

/* The first stop starts stop_thread; a forced one after it stops the VM at
 * once; others change nothing. */
static void
stop(struct vm_process *process, bool force)
{
	pthread_t thread;

	if (atomic_exchange(&process->stop_asked, true)) {
		if (force)
			vm_control_stop(&process->control,
			    "stopped on request (forced)");
		return;
	}
	process->stop_force = force;
	if (pthread_create(&thread, NULL, stop_thread, process) != 0) {
		vm_control_stop(&process->control, "stopped on request "
		    "(forced: no thread to ask the guest)");
		return;
	}
	pthread_detach(thread);
}

/* A test hook (the daemon's test_hooks): a call outside the seccomp
 * allowlist, which kills this process and only it; before it, the stat of
 * a host path, which the filter refuses. */
static void
forbidden_syscall(void)
{
	int fd;

	/* first, what a host path tells it: the same whether it exists */
	log_warnx("vm-process: stat /etc/passwd %d, /etc/vmmd-none %d",
	    sandbox_stat_path("/etc/passwd"),
	    sandbox_stat_path("/etc/vmmd-none"));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	log_warnx("vm-process: socket() was not refused (fd %d)", fd);
}

static void
serve(struct vm_process *process, FILE *in)
{
	char *line = NULL;
	size_t size = 0;
	json_t *message;
	const char *kind;

	while (getline(&line, &size, in) >= 0) {
		message = json_loads(line, 0, NULL);
		kind = json_string_value(json_object_get(message, "msg"));
		if (kind == NULL)
			log_warnx("vm-process: a message of no kind");
		else if (strcmp(kind, "pause") == 0)
			ack(process, vm_control_pause(&process->control), "pause");
		else if (strcmp(kind, "resume") == 0)
			ack(process, vm_control_resume(&process->control),
			    "resume");
		else if (strcmp(kind, "info") == 0)
			send_counters(process);
		else if (strcmp(kind, "stop") == 0)
			stop(process, json_is_true(json_object_get(message,
			    "force")));
		else if (strcmp(kind, "x-forbidden-syscall") == 0 &&
		    process->test_hooks)
			forbidden_syscall();
		else
			log_warnx("vm-process: unknown message '%.32s'", kind);
		json_decref(message);
	}
	free(line);
	/* The daemon has gone: nobody is left to serve. The guest is asked
	 * to shut down as on vm-stop. */
	log_warnx("vm-process: the daemon has gone: stopping the VM");
	stop(process, false);
}

/* When the host runs out of memory, the kernel takes a VM process before
 * the daemon (whose unit lowers its own score): one VM is lost, not the
 * daemon that supervises them all. Raising one's own score needs no
 * privilege. */
static void
oom_first(void)
{
	int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, VM_PROCESS_OOM_SCORE_ADJ,
	    strlen(VM_PROCESS_OOM_SCORE_ADJ)) < 0)
		log_warn("vm-process: cannot raise its OOM score");
	if (fd >= 0)
		close(fd);
}

int
cmd_vm_process(int argc, char **argv)
{
	static struct vm_process process;
	pthread_t thread;
	FILE *in;

	(void)argv;
	if (argc != 1 || fcntl(CONTROL_FD, F_GETFD) < 0) {
		log_warnx("vm-process: for the daemon only (it passes fd 3)");
		return VMMD_EXIT_USAGE;
	}
	log_init("vmmd vm-process", false);
	oom_first();
	pthread_mutex_init(&process.write_lock, NULL);
	vm_control_init(&process.control, on_running, &process);
	in = fdopen(CONTROL_FD, "r");
	if (in == NULL || read_spec(&process, in) < 0 || configure(&process) < 0) {
		send_message(&process, json_pack("{s:s,s:{s:s,s:s}}", "msg",
		    "result", "result", "outcome", "setup-failed", "detail",
		    "the VM process could not configure the VM: see the "
		    "daemon's log"));
		return 0;
	}
	/* Everything is open: from here on, least privilege. */
	if (sandbox_enter(&process.options.vm, process.options.devices.specs,
	    process.options.devices.count, process.vm_user[0] != '\0' ?
	    process.vm_user : NULL) < 0) {
		send_message(&process, json_pack("{s:s,s:{s:s,s:s}}", "msg",
		    "result", "result", "outcome", "setup-failed", "detail",
		    "the VM process could not enter its sandbox: see the "
		    "daemon's log"));
		return 0;
	}
	if (pthread_create(&thread, NULL, vm_thread, &process) != 0) {
		log_warnx("vm-process: cannot start the VM's thread");
		return VMMD_EXIT_FAILURE;
	}
	serve(&process, in);
	pthread_join(thread, NULL);	/* it exits the process */
	return 0;
}
