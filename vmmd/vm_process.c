/* One process per VM, from the daemon's side: fork and exec `vmmd
 * vm-process` with a socketpair (fd 3) and the console's pipes (fds 4 and
 * 5), send it the spec, read its JSON messages, and turn its end — reported
 * or not — into a state and an event. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "../core/log.h"
#include "daemon.h"

#define VM_PROCESS_CONTROL_FD	3
#define VM_PROCESS_CONSOLE_OUT	4
#define VM_PROCESS_CONSOLE_IN	5
#define VM_MESSAGE_MAX		(1 << 20)

static uint64_t
now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* In the child, between fork and exec: only async-signal-safe calls. The
 * fds go high first so that none is overwritten before it is copied. */
static void
exec_child(const char *self, int control, int console_out, int console_in)
{
	int high[3] = {
		fcntl(control, F_DUPFD, 10), fcntl(console_out, F_DUPFD, 10),
		fcntl(console_in, F_DUPFD, 10),
	};

	if (high[0] < 0 || high[1] < 0 || high[2] < 0 ||
	    dup2(high[0], VM_PROCESS_CONTROL_FD) < 0 ||
	    dup2(high[1], VM_PROCESS_CONSOLE_OUT) < 0 ||
	    dup2(high[2], VM_PROCESS_CONSOLE_IN) < 0)
		_exit(127);
	execl(self, "vmmd", "vm-process", (char *)NULL);
	_exit(127);
}

static void
pending_fail_all(struct vm_entry *vm, const char *why)
{
	struct vm_pending *pending;

	while ((pending = TAILQ_FIRST(&vm->pending)) != NULL) {
		TAILQ_REMOVE(&vm->pending, pending, entry);
		/* a question about the VM is answered with how it ended;
		 * only commands to its gone process fail */
		if (pending->client != NULL &&
		    pending->command == API_CMD_VM_INFO)
			client_reply(pending->client, vm_info_json(vm),
			    pending->id);
		else if (pending->client != NULL)
			client_error(pending->client, pending->id,
			    API_ERROR_WRONG_STATE, "%s: VM %s %s",
			    api_commands[pending->command].name, vm->spec.name,
			    why);
		json_decref(pending->id);
		free(pending);
	}
}

/* Until the pipe is empty; at its end, the event stops (it would fire
 * for ever) and the socketpair's end finishes the VM. */
static void
console_drain(struct vm_entry *vm)
{
	char buffer[4096];
	ssize_t n;

	while ((n = read(vm->console_out, buffer, sizeof(buffer))) > 0)
		vm_console_output(vm, buffer, (size_t)n);
	if (n == 0 && vm->console_event != NULL)
		event_del(vm->console_event);
}

static void
console_cb(evutil_socket_t fd, short what, void *context)
{
	struct vm_entry *vm = context;

	(void)fd;
	(void)what;
	console_drain(vm);
}

static json_t *
end_of(struct vm_entry *vm, int status, enum vm_state *state)
{
	json_t *result = json_object_get(vm->last_result, "outcome");

	if (vm->kill_requested) {
		*state = VM_STATE_STOPPED;
		return json_pack("{s:s,s:s}", "outcome", "killed", "detail",
		    "killed on request (SIGKILL)");
	}
	if (vm->result_seen && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		*state = VM_STATE_STOPPED;
		/* graceful: only after a stop was asked */
		return json_pack("{s:O,s:O,s:O*}", "outcome", result, "detail",
		    json_object_get(vm->last_result, "detail"), "graceful",
		    json_object_get(vm->last_result, "graceful"));
	}
	*state = VM_STATE_CRASHED;
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		return json_pack("{s:s,s:i,s:s}", "outcome", "crashed", "signal",
		    SIGSYS, "detail", "killed by its seccomp filter: a system "
		    "call outside its allowlist (docs/security.md)");
	if (WIFSIGNALED(status))
		return json_pack("{s:s,s:i}", "outcome", "crashed", "signal",
		    WTERMSIG(status));
	return json_pack("{s:s,s:i}", "outcome", "crashed", "exit_status",
	    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* The socketpair closed: the process is gone or going. */
static void
process_ended(struct vm_entry *vm)
{
	enum vm_state state;
	int status = 0;
	json_t *extra;

	if (!vm->result_seen)
		kill(vm->pid, SIGKILL);	/* it closed fd 3: make sure */
	while (waitpid(vm->pid, &status, 0) < 0 && errno == EINTR)
		;
	console_drain(vm);
	event_free(vm->console_event);
	vm->console_event = NULL;
	close(vm->console_out);
	close(vm->console_in);
	vm->console_out = vm->console_in = -1;
	bufferevent_free(vm->control);
	vm->control = NULL;
	if (vm->kill_timer != NULL) {
		event_free(vm->kill_timer);
		vm->kill_timer = NULL;
	}
	vm->pid = 0;
	extra = end_of(vm, status, &state);
	vm->kill_requested = false;
	vm_set_state(vm, state, extra);
	pending_fail_all(vm, "has stopped");
	daemon_maybe_exit(vm->daemon);
}

static void
pending_done(struct vm_entry *vm, json_t *message)
{
	struct vm_pending *pending = TAILQ_FIRST(&vm->pending);
	json_t *info;
	bool ok = json_is_true(json_object_get(message, "ok"));

	if (pending == NULL) {
		log_warnx("VM %s: an answer to no question", vm->spec.name);
		return;
	}
	TAILQ_REMOVE(&vm->pending, pending, entry);
	if (ok && pending->command == API_CMD_VM_PAUSE)
		vm_set_state(vm, VM_STATE_PAUSED, NULL);
	else if (ok && pending->command == API_CMD_VM_RESUME)
		vm_set_state(vm, VM_STATE_RUNNING, NULL);
	if (pending->client == NULL)
		goto out;
	if (!ok)
		client_error(pending->client, pending->id, API_ERROR_WRONG_STATE,
		    "%s: VM %s: %s", api_commands[pending->command].name,
		    vm->spec.name, json_string_value(json_object_get(message,
		    "desc")) ?: "refused by its process");
	else if (pending->command == API_CMD_VM_INFO) {
		info = vm_info_json(vm);
		json_object_set(info, "counters", json_object_get(message,
		    "counters"));
		client_reply(pending->client, info, pending->id);
	} else
		client_reply(pending->client, NULL, pending->id);
out:
	json_decref(pending->id);
	free(pending);
}

static void
process_message(struct vm_entry *vm, json_t *message)
{
	const char *kind = json_string_value(json_object_get(message, "msg"));

	if (kind == NULL) {
		log_warnx("VM %s: a message of no kind from its process",
		    vm->spec.name);
		return;
	}
	if (strcmp(kind, "running") == 0) {
		if (vm->state == VM_STATE_STARTING)
			vm_set_state(vm, VM_STATE_RUNNING, json_pack("{s:I}",
			    "start_us", (json_int_t)((now_ns() - vm->start_ns) /
			    1000)));
	} else if (strcmp(kind, "ack") == 0)
		pending_done(vm, message);
	else if (strcmp(kind, "result") == 0) {
		json_decref(vm->last_result);
		vm->last_result = json_incref(json_object_get(message, "result"));
		vm->result_seen = vm->last_result != NULL;
	} else
		log_warnx("VM %s: unknown message '%.32s' from its process",
		    vm->spec.name, kind);
}

static void
control_read_cb(struct bufferevent *bev, void *context)
{
	struct vm_entry *vm = context;
	struct evbuffer *input = bufferevent_get_input(bev);
	json_t *message;
	size_t length;
	char *line;

	while ((line = evbuffer_readln(input, &length, EVBUFFER_EOL_LF)) != NULL) {
		message = json_loadb(line, length, 0, NULL);
		if (message != NULL)
			process_message(vm, message);
		else
			log_warnx("VM %s: a message that is not JSON from its "
			    "process", vm->spec.name);
		json_decref(message);
		free(line);
	}
	if (evbuffer_get_length(input) > VM_MESSAGE_MAX) {
		log_warnx("VM %s: its process sends an endless line: killing it",
		    vm->spec.name);
		kill(vm->pid, SIGKILL);
	}
}

static void
control_event_cb(struct bufferevent *bev, short what, void *context)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		process_ended(context);
}

static int
send_spec(struct vm_entry *vm)
{
	json_t *message;
	char *text;
	int rc;

	message = json_pack("{s:s,s:o,s:s,s:s,s:I,s:s,s:b}", "msg", "spec",
	    "spec", api_vm_spec_json(&vm->spec), "console_log", vm->console_log,
	    "kvm_path", vm->daemon->config.kvm_path, "stop_timeout_ms",
	    (json_int_t)vm->daemon->config.stop_timeout_s * 1000, "vm_user",
	    vm->daemon->config.vm_user, "test_hooks",
	    vm->daemon->config.test_hooks);
	text = message != NULL ? json_dumps(message, JSON_COMPACT) : NULL;
	json_decref(message);
	if (text == NULL)
		return -1;
	rc = vm_process_send(vm, text);
	if (rc == 0)
		rc = vm_process_send(vm, "\n");
	free(text);
	return rc;
}

#define VM_PROCESS_CONSOLE_PIPE	(1 << 20)

static int
spawn_fds(int control[2], int out[2], int in[2])
{
	control[0] = control[1] = out[0] = out[1] = in[0] = in[1] = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) < 0 ||
	    pipe2(out, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0)
		return -errno;
	/* The VM process drops what the console pipe cannot take; with the
	 * console's fast path (docs/design.md) a guest's burst comes faster
	 * than a busy daemon reads, so the pipe holds up to 1 MiB (the
	 * default pipe-max-size; less where that is lower: best effort). */
	fcntl(out[1], F_SETPIPE_SZ, VM_PROCESS_CONSOLE_PIPE);
	return 0;
}

static void
close_fds(int *fds, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* A process's start time (clock ticks after boot, field 22 of
 * /proc/PID/stat), which tells it from a later one given the same pid;
 * zombie says whether it has ended and waits for its parent. */
int
vm_process_start_time(pid_t pid, uint64_t *start_time, bool *zombie)
{
	char path[64], text[1024], state = 0;
	unsigned long long ticks;
	const char *end;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -ESRCH;
	text[n] = '\0';
	end = strrchr(text, ')');	/* the command's name may hold any byte */
	if (end == NULL || sscanf(end + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u "
	    "%*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &state, &ticks) != 2)
		return -EINVAL;
	*start_time = ticks;
	if (zombie != NULL)
		*zombie = state == 'Z' || state == 'X';
	return 0;
}

static bool
process_lives(pid_t pid, uint64_t start_time)
{
	uint64_t now;
	bool zombie;

	return vm_process_start_time(pid, &now, &zombie) == 0 &&
	    now == start_time && !zombie;
}

static bool
wait_for_end(pid_t pid, uint64_t start_time, unsigned int timeout_ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	unsigned int waited;

	for (waited = 0; waited < timeout_ms; waited += 10) {
		if (!process_lives(pid, start_time))
			return true;
		nanosleep(&tick, NULL);
	}
	return !process_lives(pid, start_time);
}

/* A VM process left by a daemon that died (not a child of this one): it
 * stops its VM when its control socket ends, so it is given timeout_ms to
 * go, then killed. 0: it had ended; 1: it was killed; -1: it lives on. */
int
vm_process_outlive(pid_t pid, uint64_t start_time, unsigned int timeout_ms)
{
	if (wait_for_end(pid, start_time, timeout_ms))
		return 0;
	kill(pid, SIGKILL);
	return wait_for_end(pid, start_time, 2000) ? 1 : -1;
}

int
vm_process_spawn(struct vm_entry *vm, char *error, size_t error_size)
{
	struct event_base *base = vm->daemon->base;
	int fds[6], rc;
	pid_t pid;

	rc = spawn_fds(&fds[0], &fds[2], &fds[4]);
	if (rc < 0) {
		snprintf(error, error_size, "cannot make the VM process's "
		    "channels: %s", strerror(-rc));
		close_fds(fds, 6);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(error, error_size, "cannot fork: %s", strerror(errno));
		close_fds(fds, 6);
		return -1;
	}
	if (pid == 0)
		exec_child(vm->daemon->self_exe, fds[1], fds[3], fds[4]);
	close(fds[1]);
	close(fds[3]);
	close(fds[4]);
	vm->pid = pid;
	vm->start_ns = now_ns();
	if (vm_process_start_time(pid, &vm->start_time, NULL) < 0)
		vm->start_time = 0;	/* a record that matches no process */
	vm->result_seen = false;
	vm->console_out = fds[2];
	vm->console_in = fds[5];
	evutil_make_socket_nonblocking(fds[0]);
	evutil_make_socket_nonblocking(fds[2]);
	evutil_make_socket_nonblocking(fds[5]);
	vm->control = bufferevent_socket_new(base, fds[0], BEV_OPT_CLOSE_ON_FREE);
	vm->console_event = event_new(base, fds[2], EV_READ | EV_PERSIST,
	    console_cb, vm);
	if (vm->control == NULL || vm->console_event == NULL) {
		snprintf(error, error_size, "out of memory");
		kill(pid, SIGKILL);	/* its end closes: process_ended */
		return vm->control == NULL ? -1 : 0;
	}
	bufferevent_setcb(vm->control, control_read_cb, NULL, control_event_cb,
	    vm);
	bufferevent_enable(vm->control, EV_READ | EV_WRITE);
	event_add(vm->console_event, NULL);
	if (send_spec(vm) < 0)
		kill(pid, SIGKILL);
	log_info("VM %s: process %d", vm->spec.name, (int)pid);
	return 0;
}

int
vm_process_send(struct vm_entry *vm, const char *message)
{
	if (vm->control == NULL)
		return -1;
	return bufferevent_write(vm->control, message, strlen(message));
}

void
vm_process_kill(struct vm_entry *vm)
{
	if (vm->pid != 0)
		kill(vm->pid, SIGKILL);
}

static void
kill_timer_cb(evutil_socket_t fd, short what, void *context)
{
	struct vm_entry *vm = context;

	(void)fd;
	(void)what;
	log_warnx("VM %s did not stop in %u s: killing its process",
	    vm->spec.name, vm->daemon->config.stop_timeout_s + VM_STOP_GRACE_S);
	vm->kill_requested = true;
	vm_process_kill(vm);
}

/* The process asks the guest to shut down for up to stop_timeout_s, then
 * (or at once when forced) stops its vCPUs and tears the VM down; if it
 * has not ended VM_STOP_GRACE_S after that, it is killed. */
void
vm_process_stop(struct vm_entry *vm, bool force)
{
	struct timeval timeout = {
		vm->daemon->config.stop_timeout_s + VM_STOP_GRACE_S, 0 };

	if (vm->pid == 0)
		return;
	vm_process_send(vm, force ? "{\"msg\":\"stop\",\"force\":true}\n" :
	    "{\"msg\":\"stop\"}\n");
	if (vm->state != VM_STATE_STOPPING)
		vm_set_state(vm, VM_STATE_STOPPING, NULL);
	if (vm->kill_timer == NULL)
		vm->kill_timer = evtimer_new(vm->daemon->base, kill_timer_cb, vm);
	if (vm->kill_timer != NULL)
		evtimer_add(vm->kill_timer, &timeout);
}
