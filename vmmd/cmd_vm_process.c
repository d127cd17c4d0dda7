/* `vmmd vm-process`: one VM's process, started by the daemon with the fds
 * of vm_channel.h (the control socketpair, the console's pipes). It reads
 * the spec, runs the VM with the same core code as `vmmd run` on a thread
 * of its own, serves the daemon's pause, resume, stop and info on the main
 * thread, and reports how the VM ended; every message both ways goes
 * through vm_channel.c. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../core/kept_files.h"
#include "../core/log.h"
#include "../core/vm.h"
#include "../core/vm_shutdown.h"
#include "cmd_cpu_model.h"
#include "cmd_vm_process.h"
#include "config.h"
#include "devices_json.h"
#include "exit_status.h"
#include "forward_map_json.h"
#include "options.h"
#include "sandbox.h"
#include "vm_channel.h"

#define CONSOLE_OUT_FD	VM_CHANNEL_CONSOLE_OUT_FD
#define CONSOLE_IN_FD	VM_CHANNEL_CONSOLE_IN_FD
#define VM_PROCESS_OOM_SCORE_ADJ	"500"

/* This VM process, from the inside (the daemon's view of it is
 * vm_process.h's struct vm_process). */
struct vm_side {
	pthread_mutex_t write_lock;
	struct vm_control control;
	struct vmmd_options options;	/* the VM's config, as `vmmd run` has it */
	struct cpu_template cpu_template;
	struct api_vm_spec spec;
	char console_log[VM_CHANNEL_PATH_MAX];
	char kvm_path[VM_CHANNEL_PATH_MAX];
	unsigned int stop_budget_ms;	/* for the guest to shut down */
	atomic_bool stop_asked;		/* a stop is under way */
	atomic_bool ran;		/* its guest has begun */
	bool paused;			/* by the daemon, on the main thread */
	bool stop_force;
	char vm_user[VM_CHANNEL_USER_MAX];	/* "": no user change */
	bool test_hooks;
	struct vm_restore restore;	/* the spec's restore, when it has one */
};

/* The fds that came with a line (at its first byte, vm_channel.h). */
struct passed_fds {
	int fds[VM_CHANNEL_FILES_MAX];
	int count;
};

static void
passed_fds_close(struct passed_fds *passed)
{
	while (passed->count > 0)
		close(passed->fds[--passed->count]);
}

/* One message, one write, never interleaved with another thread's. */
static void
send_message(struct vm_side *process, const struct vm_message *message)
{
	char *text = vm_message_encode(message);
	size_t length, done = 0;
	ssize_t n;

	if (text == NULL) {
		log_warnx("vm-process: cannot encode a '%s' message",
		    vm_message_name(message->kind));
		return;
	}
	length = strlen(text);
	pthread_mutex_lock(&process->write_lock);
	while (done < length) {
		n = write(VM_CHANNEL_CONTROL_FD, text + done, length - done);
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
	const struct vm_message running = { .kind = VM_MSG_RUNNING };
	struct vm_side *process = context;

	atomic_store(&process->ran, true);
	send_message(process, &running);
}

/* The result, then the end: the daemon reads the one before the other. */
static void
send_result(struct vm_side *process, json_t *result)
{
	struct vm_message message = { .kind = VM_MSG_RESULT, .result = result };

	send_message(process, &message);
	json_decref(result);
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
	struct vm_side *process = argument;
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
	send_result(process, report);
	free(result);
	exit(0);
}

/* The next line from the daemon and the fds that came with it: 1 with a
 * message (to clear), 0 for a line that is none (said), -1 at the end. The
 * stream is unbuffered, so the socket is at the line's first byte when its
 * fds are peeked (vm_channel_receive_fds). */
static int
receive(FILE *in, struct vm_message *message, struct passed_fds *passed)
{
	static char *line;
	static size_t size;
	char error[160];
	ssize_t length;

	passed->count = vm_channel_receive_fds(VM_CHANNEL_CONTROL_FD,
	    passed->fds, error, sizeof(error));
	if (passed->count < 0)
		passed->count = 0;	/* the end, or what getline says next */
	length = getline(&line, &size, in);
	if (length < 0) {
		passed_fds_close(passed);
		free(line);
		line = NULL;
		return -1;
	}
	/* an empty line ends what a daemon that died left half-written
	 * (a new one sends it before adopt) */
	if (length == 1 && line[0] == '\n') {
		passed_fds_close(passed);
		return 0;
	}
	if (vm_message_decode(line, (size_t)length, VM_CHANNEL_TO_PROCESS,
	    message, error, sizeof(error)) < 0) {
		log_warnx("vm-process: from the daemon: %s", error);
		passed_fds_close(passed);
		return 0;
	}
	return 1;
}

/* The first line: what to run, as the daemon validated it. */
static int
read_spec(struct vm_side *process, FILE *in, struct passed_fds *passed)
{
	struct vm_message message;
	int rc = receive(in, &message, passed);

	if (rc < 0)
		log_warnx("vm-process: no spec from the daemon");
	if (rc <= 0)
		return -1;
	if (message.kind != VM_MSG_SPEC) {
		log_warnx("vm-process: '%s' where the spec was due",
		    vm_message_name(message.kind));
		vm_message_clear(&message);
		return -1;
	}
	process->spec = message.spec->spec;
	memcpy(process->console_log, message.spec->console_log,
	    sizeof(process->console_log));
	memcpy(process->kvm_path, message.spec->kvm_path,
	    sizeof(process->kvm_path));
	process->stop_budget_ms = message.spec->stop_timeout_ms;
	memcpy(process->vm_user, message.spec->vm_user,
	    sizeof(process->vm_user));
	process->test_hooks = message.spec->test_hooks;
	vm_message_clear(&message);
	return 0;
}

/* The spec and its files, which came with it (peeked before the reader
 * takes the line): the daemon opened each path under its image policy and
 * sent each fd its client passed; each is kept under the spec's string,
 * so that core opens it by that name and nothing by path. */
static int
passed_files_receive(struct vm_side *process, FILE *in)
{
	struct vm_channel_file files[VM_CHANNEL_FILES_MAX];
	struct passed_fds passed;
	unsigned int n, i;
	int count, *fds = passed.fds, rc = 0;

	if (read_spec(process, in, &passed) < 0)
		rc = -1;
	count = passed.count;
	n = rc == 0 ? vm_channel_files(&process->spec, files) : 0;
	if (rc == 0 && n != (unsigned int)count) {
		log_warnx("vm-process: the spec names %u files, %d came",
		    n, count);
		rc = -1;
	}
	for (i = 0; i < (unsigned int)count; i++) {
		if (rc < 0) {
			close(fds[i]);
			continue;
		}
		rc = kept_files_adopt(files[i].ref, files[i].use ==
		    IMAGE_USE_DISK_WRITABLE || files[i].use == IMAGE_USE_TAP ?
		    O_RDWR : O_RDONLY, fds[i]);
		if (rc == -EEXIST)	/* one file named twice alike */
			rc = 0;
		if (rc < 0)
			log_warnx("vm-process: cannot keep %s: %s",
			    files[i].ref, strerror(-rc));
	}
	return rc;
}

/* The spec's devices, through the same parsers as `vmmd run`'s options. */
static int
configure_devices(struct vm_side *process)
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

/* A spec with restore: its two files, which came with the spec. */
static int
configure_restore(struct vm_side *process)
{
	const struct api_vm_spec *spec = &process->spec;
	struct vm_restore *restore = &process->restore;

	if (spec->restore_state[0] == '\0')
		return 0;
	restore->state_fd = kept_files_open(spec->restore_state, O_RDONLY);
	restore->memory_fd = kept_files_open(spec->restore_memory, O_RDONLY);
	if (restore->state_fd < 0 || restore->memory_fd < 0) {
		log_warn("vm-process: cannot open the snapshot to restore");
		return -1;
	}
	process->options.vm.restore = restore;
	return 0;
}

static int
configure(struct vm_side *process)
{
	struct vm_config *vm = &process->options.vm;
	const struct api_vm_spec *spec = &process->spec;

	memset(&process->options, 0, sizeof(process->options));
	vm->kvm_path = process->kvm_path;
	vm->memory_size = spec->memory_mib << 20;
	vm->vcpus = spec->vcpus;
	/* one name for one transport, both tables (checked at start-up) */
	vm->transport = (enum vm_transport)spec->transport;
	vm->kernel_path = spec->kernel[0] != '\0' ? spec->kernel : NULL;
	vm->initrd_path = spec->initrd[0] != '\0' ? spec->initrd : NULL;
	vm->cmdline = spec->cmdline[0] != '\0' ? spec->cmdline :
	    VMMD_DEFAULT_CMDLINE;
	/* the same policies in the same order (checked at start-up) */
	vm->unmapped_mmio = (enum forward_unmapped)spec->unmapped_mmio;
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
	if (configure_devices(process) < 0 || configure_restore(process) < 0)
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
ack(struct vm_side *process, int rc, const char *what)
{
	struct vm_message message = { .kind = VM_MSG_ACK, .ok = rc == 0 };

	if (rc != 0)
		snprintf(message.desc, sizeof(message.desc), "cannot %s: %s",
		    what, rc == -EALREADY ? "it is so already" : rc == -EAGAIN ?
		    "no boot of it is running (starting or rebooting)" :
		    "it is stopping");
	send_message(process, &message);
}

static void
send_counters(struct vm_side *process)
{
	static struct forward_map map;
	static struct forward_counters counters;
	static struct vm_device_result devices[VM_IO_MAX_DEVICES];
	unsigned int device_count;
	uint64_t exits;

	struct vm_message message = { .kind = VM_MSG_ACK, .ok = true };

	if (vm_control_counters(&process->control, &map, &counters, &exits) == 0) {
		vm_control_devices(&process->control, devices, &device_count);
		message.counters = json_pack("{s:o,s:o,s:I}", "forward_map",
		    forward_map_json(&map, &counters), "devices",
		    devices_json(devices, device_count), "console_log_dropped",
		    (json_int_t)vm_control_console_dropped(&process->control));
	}
	send_message(process, &message);	/* no counters: null */
	json_decref(message.counters);
}

/* The guest is asked to shut down (vm_shutdown.c); one that cannot be
 * asked, refuses or does not finish in time is stopped. */
static void *
stop_thread(void *argument)
{
	struct vm_side *process = argument;
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
stop(struct vm_side *process, bool force)
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

/* A daemon started after the one that ran this process has its channel
 * (through the service manager's store, docs/design.md): what the VM is
 * doing now, since nothing it was told on the way can be trusted to have
 * arrived. */
static void
adopted(struct vm_side *process)
{
	struct vm_message message = { .kind = VM_MSG_ADOPTED };

	message.adopted = atomic_load(&process->stop_asked) ?
	    VM_ADOPTED_STOPPING : !atomic_load(&process->ran) ?
	    VM_ADOPTED_STARTING : process->paused ? VM_ADOPTED_PAUSED :
	    VM_ADOPTED_RUNNING;
	log_info("vm-process: adopted by a new daemon, %s",
	    vm_adopted_state_name(message.adopted));
	send_message(process, &message);
}

static void
pause_or_resume(struct vm_side *process, bool pause)
{
	int rc = pause ? vm_control_pause(&process->control) :
	    vm_control_resume(&process->control);

	if (rc == 0 || rc == -EALREADY)
		process->paused = pause;
	ack(process, rc, pause ? "pause" : "resume");
}

/* The VM into the two files that came with the message, and the figures
 * back (docs/snapshot.md). The main thread waits for it: nothing else is
 * asked of a VM while its snapshot is taken. */
static void
snapshot(struct vm_side *process, struct passed_fds *passed)
{
	struct vm_message message = { .kind = VM_MSG_ACK };
	struct vm_snapshot_stats stats;
	char why[320];
	int rc = -EINVAL;

	snprintf(why, sizeof(why), "the message brought %d files, not the "
	    "state's and the memory's", passed->count);
	if (passed->count == 2)
		rc = vm_control_snapshot(&process->control, passed->fds[0],
		    passed->fds[1], &stats, why, sizeof(why));
	passed_fds_close(passed);
	message.ok = rc == 0;
	if (rc == 0)
		message.counters = json_pack("{s:I,s:I,s:I,s:I}", "state_bytes",
		    (json_int_t)stats.state_bytes, "memory_bytes",
		    (json_int_t)stats.memory_size, "memory_written",
		    (json_int_t)stats.memory_written, "paused_us",
		    (json_int_t)(stats.paused_ns / 1000));
	else {
		log_warnx("vm-process: cannot snapshot: %s", why);
		snprintf(message.desc, sizeof(message.desc), "cannot snapshot: "
		    "%.*s", (int)sizeof(message.desc) - 18, why);
	}
	send_message(process, &message);
	json_decref(message.counters);
}

static void
obey(struct vm_side *process, const struct vm_message *message,
    struct passed_fds *passed)
{
	switch (message->kind) {
	case VM_MSG_SNAPSHOT:
		snapshot(process, passed);
		break;
	case VM_MSG_PAUSE:
		pause_or_resume(process, true);
		break;
	case VM_MSG_RESUME:
		pause_or_resume(process, false);
		break;
	case VM_MSG_ADOPT:
		adopted(process);
		break;
	case VM_MSG_INFO:
		send_counters(process);
		break;
	case VM_MSG_STOP:
		stop(process, message->force);
		break;
	case VM_MSG_X_FORBIDDEN_SYSCALL:
		if (process->test_hooks)
			forbidden_syscall();
		else
			log_warnx("vm-process: a test hook, and no test_hooks");
		break;
	default:
		log_warnx("vm-process: '%s' once the VM runs",
		    vm_message_name(message->kind));
	}
}

static void
serve(struct vm_side *process, FILE *in)
{
	struct vm_message message;
	struct passed_fds passed;
	int rc;

	while ((rc = receive(in, &message, &passed)) >= 0)
		if (rc > 0) {
			obey(process, &message, &passed);
			passed_fds_close(&passed);	/* what no message took */
			vm_message_clear(&message);
		}
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
	static struct vm_side process;
	pthread_t thread;
	FILE *in;

	(void)argv;
	if (argc != 1 || fcntl(VM_CHANNEL_CONTROL_FD, F_GETFD) < 0) {
		log_warnx("vm-process: for the daemon only (it passes fd 3)");
		return VMMD_EXIT_USAGE;
	}
	log_init("vmmd vm-process", false);
	oom_first();
	pthread_mutex_init(&process.write_lock, NULL);
	vm_control_init(&process.control, on_running, &process);
	in = fdopen(VM_CHANNEL_CONTROL_FD, "r");
	/* unbuffered: each line's fds are peeked at its first byte */
	if (in != NULL)
		setvbuf(in, NULL, _IONBF, 0);
	if (in == NULL || passed_files_receive(&process, in) < 0 ||
	    configure(&process) < 0) {
		send_result(&process, json_pack("{s:s,s:s}", "outcome",
		    "setup-failed", "detail", "the VM process could not "
		    "configure the VM: see the daemon's log"));
		return 0;
	}
	/* Everything is open: from here on, least privilege. */
	if (sandbox_enter(&process.options.vm, process.options.devices.specs,
	    process.options.devices.count, process.vm_user[0] != '\0' ?
	    process.vm_user : NULL) < 0) {
		send_result(&process, json_pack("{s:s,s:s}", "outcome",
		    "setup-failed", "detail", "the VM process could not enter "
		    "its sandbox: see the daemon's log"));
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
