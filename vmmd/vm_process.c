/* One process per VM, from the daemon's side: fork and exec `vmmd
 * vm-process` with the fds of vm_channel.h, send it the spec, decode its
 * messages (vm_channel.c validates each) and report them, and its end,
 * through the callbacks of whoever started it (vm_process.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "../core/log.h"
#include "vm_process.h"

static uint64_t
now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static int
pidfd_signal(int pidfd, int signal_number)
{
#ifdef SYS_pidfd_send_signal
	return (int)syscall(SYS_pidfd_send_signal, pidfd, signal_number, NULL,
	    0);
#else
	(void)pidfd;
	(void)signal_number;
	errno = ENOSYS;
	return -1;
#endif
}

/* A process this daemon did not start may have been reaped (by the
 * service manager) and its pid reused: it is signalled through its pidfd
 * only (opened when it was adopted), never by its pid. */
static void
kill_process(struct vm_process *process)
{
	if (!process->adopted)
		kill(process->pid, SIGKILL);
	else if (process->pidfd >= 0)
		pidfd_signal(process->pidfd, SIGKILL);
}

void
vm_process_init(struct vm_process *process, const char *name)
{
	memset(process, 0, sizeof(*process));
	process->name = name;
	process->console_out = process->console_in = process->pidfd = -1;
}

/* In the child, between fork and exec: only async-signal-safe calls. The
 * fds go high first so that none is overwritten before it is copied; the
 * high copies close on exec, which leaves the VM process fds 3, 4 and 5
 * and no spare copy of them. */
static void
exec_child(const char *self, int control, int console_out, int console_in)
{
	int high[3] = {
		fcntl(control, F_DUPFD_CLOEXEC, 10),
		fcntl(console_out, F_DUPFD_CLOEXEC, 10),
		fcntl(console_in, F_DUPFD_CLOEXEC, 10),
	};

	if (high[0] < 0 || high[1] < 0 || high[2] < 0 ||
	    dup2(high[0], VM_CHANNEL_CONTROL_FD) < 0 ||
	    dup2(high[1], VM_CHANNEL_CONSOLE_OUT_FD) < 0 ||
	    dup2(high[2], VM_CHANNEL_CONSOLE_IN_FD) < 0)
		_exit(127);
	execl(self, "vmmd", "vm-process", (char *)NULL);
	_exit(127);
}

/* Until the pipe is empty; at its end, the event stops (it would fire
 * for ever) and the socketpair's end finishes the VM. */
static void
console_drain(struct vm_process *process)
{
	char buffer[4096];
	ssize_t n;

	while ((n = read(process->console_out, buffer, sizeof(buffer))) > 0)
		process->events->console(process->context, buffer, (size_t)n);
	if (n == 0 && process->console_event != NULL)
		event_del(process->console_event);
}

static void
console_cb(evutil_socket_t fd, short what, void *context)
{
	(void)fd;
	(void)what;
	console_drain(context);
}

static void
let_go(struct vm_process *process)
{
	if (process->console_event != NULL)
		event_free(process->console_event);
	if (process->console_out >= 0)
		close(process->console_out);
	if (process->console_in >= 0)
		close(process->console_in);
	if (process->control != NULL)
		bufferevent_free(process->control);
	if (process->kill_timer != NULL)
		event_free(process->kill_timer);
	if (process->reap_event != NULL)
		event_free(process->reap_event);
	if (process->end_timer != NULL)
		event_free(process->end_timer);
	if (process->pidfd >= 0)
		close(process->pidfd);
	process->console_event = NULL;
	process->console_out = process->console_in = process->pidfd = -1;
	process->control = NULL;
	process->kill_timer = process->reap_event = process->end_timer = NULL;
	process->pid = 0;
	process->closed = false;
	process->adopted = false;
}

static void
finish(struct vm_process *process, int status)
{
	struct vm_process_end end = { status, process->reported,
	    process->killed };

	console_drain(process);
	let_go(process);
	process->killed = false;
	process->events->ended(process->context, &end);
}

/* Never waits: a child that has not ended is looked at again when its
 * pidfd (or the poll timer) says so. */
/* One this daemon adopted is not its child: no status to wait for. Its
 * pidfd is readable once it has ended (or, without one, it is gone once
 * its channel has ended and the grace passed: end_timer_cb). Its end is a
 * clean exit when it said how its VM ended, else a kill. */
static void
try_reap_adopted(struct vm_process *process)
{
	struct pollfd pfd = { .fd = process->pidfd, .events = POLLIN };

	if (process->pidfd < 0 || poll(&pfd, 1, 0) == 1)
		finish(process, process->reported ? 0 : SIGKILL);
}

static void
try_reap(struct vm_process *process)
{
	int status = 0;
	pid_t rc;

	if (process->adopted) {
		try_reap_adopted(process);
		return;
	}
	while ((rc = waitpid(process->pid, &status, WNOHANG)) < 0 &&
	    errno == EINTR)
		;
	if (rc == process->pid)
		finish(process, status);
	else if (rc < 0) {	/* not our child: nothing will tell its end */
		log_warn("VM %s: waitpid %d", process->name, (int)process->pid);
		finish(process, SIGKILL);
	}
}

static void
reap_cb(evutil_socket_t fd, short what, void *context)
{
	(void)fd;
	(void)what;
	try_reap(context);
}

/* A process that closed its socketpair and has not ended in the grace is
 * taken over or stuck: killed, never waited for. */
static void
end_timer_cb(evutil_socket_t fd, short what, void *context)
{
	struct vm_process *process = context;

	(void)fd;
	(void)what;
	log_warnx("VM %s: its process %d has not ended %d ms after closing "
	    "its channel: killing it", process->name, (int)process->pid,
	    VM_END_GRACE_MS);
	kill_process(process);
}

static int
pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	errno = ENOSYS;
	return -1;
#endif
}

/* What tells the child's end: its pidfd, or (a kernel without pidfd_open,
 * or a service filter that refuses it) a timer. */
static int
watch_end(struct vm_process *process)
{
	const struct timeval poll = { 0, VM_REAP_POLL_MS * 1000 };
	const struct timeval grace = { VM_END_GRACE_MS / 1000,
	    (VM_END_GRACE_MS % 1000) * 1000 };

	if (process->pidfd < 0)		/* an adopted one has its own */
		process->pidfd = pidfd_open(process->pid);
	process->reap_event = event_new(process->base, process->pidfd,
	    process->pidfd >= 0 ? EV_READ | EV_PERSIST : EV_PERSIST, reap_cb,
	    process);
	process->end_timer = evtimer_new(process->base, end_timer_cb, process);
	if (process->reap_event == NULL || process->end_timer == NULL ||
	    event_add(process->reap_event, process->pidfd >= 0 ? NULL :
	    &poll) < 0 || evtimer_add(process->end_timer, &grace) < 0)
		return -1;
	return 0;
}

/* The socketpair closed: the process is gone or going. One that did not
 * say how it ended is killed at once (it closed fd 3: make sure); one
 * that did has VM_END_GRACE_MS to exit. The daemon never blocks on it. */
static void
process_closed(struct vm_process *process)
{
	int status = 0;

	process->closed = true;
	bufferevent_disable(process->control, EV_READ | EV_WRITE);
	if (!process->reported)
		kill_process(process);
	if (watch_end(process) < 0) {
		/* out of memory: the one wait left, on a killed child */
		log_warnx("VM %s: cannot watch its process's end: killing it",
		    process->name);
		kill_process(process);
		while (waitpid(process->pid, &status, 0) < 0 && errno == EINTR)
			;
		finish(process, status);
		return;
	}
	try_reap(process);
}

/* An answer that is refused still answers its question (as a refusal),
 * so that the requests waiting behind it keep their order. */
static void
refused_ack(struct vm_process *process, const char *line, size_t length)
{
	struct vm_message ack = { .kind = VM_MSG_ACK, .ok = false };
	json_t *json = json_loadb(line, length, 0, NULL);
	const char *kind = json_string_value(json_object_get(json, "msg"));

	if (kind != NULL && strcmp(kind, vm_message_name(VM_MSG_ACK)) == 0) {
		snprintf(ack.desc, sizeof(ack.desc), "its process answered "
		    "what cannot be (see the daemon's log)");
		process->events->ack(process->context, &ack);
	}
	json_decref(json);
}

static void
process_message(struct vm_process *process, const char *line, size_t length)
{
	struct vm_message message;
	char error[160];

	if (vm_message_decode(line, length, VM_CHANNEL_TO_DAEMON, &message,
	    error, sizeof(error)) < 0) {
		log_warnx("VM %s: its process says what cannot be: %s",
		    process->name, error);
		refused_ack(process, line, length);
		return;
	}
	switch (message.kind) {
	case VM_MSG_RUNNING:
		process->events->running(process->context,
		    (now_ns() - process->start_ns) / 1000);
		break;
	case VM_MSG_ACK:
		process->events->ack(process->context, &message);
		break;
	case VM_MSG_RESULT:
		process->reported = true;
		process->events->result(process->context, message.result);
		break;
	case VM_MSG_ADOPTED:	/* answered in the handshake only */
		log_warnx("VM %s: its process says it is adopted, unasked",
		    process->name);
		break;
	default:	/* the decoder takes only the kinds sent to the daemon */
		break;
	}
	vm_message_clear(&message);
}

static void
control_read_cb(struct bufferevent *bev, void *context)
{
	struct vm_process *process = context;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t length;
	char *line;

	while ((line = evbuffer_readln(input, &length, EVBUFFER_EOL_LF)) != NULL) {
		process_message(process, line, length);
		free(line);
	}
	if (evbuffer_get_length(input) > VM_CHANNEL_LINE_MAX) {
		log_warnx("VM %s: its process sends an endless line: killing it",
		    process->name);
		kill_process(process);
	}
}

static void
control_event_cb(struct bufferevent *bev, short what, void *context)
{
	(void)bev;
	struct vm_process *process = context;

	if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) && !process->closed)
		process_closed(process);
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

/* The parent's ends: control, console out, console in. */
static int
watch(struct vm_process *process, int control, int console_out,
    int console_in)
{
	process->console_out = console_out;
	process->console_in = console_in;
	evutil_make_socket_nonblocking(control);
	evutil_make_socket_nonblocking(console_out);
	evutil_make_socket_nonblocking(console_in);
	process->control = bufferevent_socket_new(process->base, control,
	    BEV_OPT_CLOSE_ON_FREE);
	if (process->control == NULL) {
		close(control);
		return -1;
	}
	process->console_event = event_new(process->base, console_out,
	    EV_READ | EV_PERSIST, console_cb, process);
	if (process->console_event == NULL)
		return 0;	/* the caller kills it: its end is reported */
	bufferevent_setcb(process->control, control_read_cb, NULL,
	    control_event_cb, process);
	bufferevent_enable(process->control, EV_READ | EV_WRITE);
	event_add(process->console_event, NULL);
	return 1;
}

/* fds go with a line's first byte, straight on the socket: only when
 * nothing is queued before it, so that no line overtakes another. */
static int
send_with_fds(struct vm_process *process, const char *line, const int *fds,
    unsigned int count)
{
	size_t length = strlen(line);
	ssize_t sent;

	if (evbuffer_get_length(bufferevent_get_output(process->control)) > 0)
		return -1;
	sent = vm_channel_send_with_fds(bufferevent_getfd(process->control),
	    line, length, fds, count);
	if (sent < 0)
		return -1;
	if ((size_t)sent < length)
		return bufferevent_write(process->control, line + sent,
		    length - (size_t)sent);
	return 0;
}

/* The spec goes first, with the VM's passed files attached to its first
 * byte (vm_channel.h). */
static int
send_spec(struct vm_process *process, const struct vm_message *message,
    const int *files, unsigned int file_count)
{
	char *line = vm_message_encode(message);
	int rc;

	if (line == NULL)
		return -1;
	rc = send_with_fds(process, line, files, file_count);
	if (rc < 0)
		log_warn("VM %s: cannot send its spec", process->name);
	free(line);
	return rc;
}

int
vm_process_spawn(struct vm_process *process, struct event_base *base,
    const char *exe, const struct vm_spec_message *spec,
    const int *files, unsigned int file_count,
    const struct vm_process_events *events, void *context,
    char *error, size_t error_size)
{
	struct vm_message message = { .kind = VM_MSG_SPEC };
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
		exec_child(exe, fds[1], fds[3], fds[4]);
	close(fds[1]);
	close(fds[3]);
	close(fds[4]);
	process->base = base;
	process->events = events;
	process->context = context;
	process->pid = pid;
	process->start_ns = now_ns();
	if (vm_process_start_time(pid, &process->start_time, NULL) < 0)
		process->start_time = 0;	/* a record that matches no process */
	process->reported = process->killed = false;
	rc = watch(process, fds[0], fds[2], fds[5]);
	if (rc <= 0) {
		snprintf(error, error_size, "out of memory");
		kill(pid, SIGKILL);	/* its end closes: process_closed */
		if (rc < 0) {
			let_go(process);
			return -1;
		}
		return 0;
	}
	message.spec = (struct vm_spec_message *)spec;
	if (send_spec(process, &message, files, file_count) < 0)
		kill(pid, SIGKILL);
	log_info("VM %s: process %d", process->name, (int)pid);
	return 0;
}

int
vm_process_send(struct vm_process *process, const struct vm_message *message)
{
	char *line;
	int rc;

	if (process->control == NULL)
		return -1;
	line = vm_message_encode(message);
	if (line == NULL)
		return -1;
	if (message->fd_count > 0)
		rc = send_with_fds(process, line, message->fds,
		    message->fd_count);
	else
		rc = bufferevent_write(process->control, line, strlen(line));
	free(line);
	return rc;
}

void
vm_process_kill(struct vm_process *process, bool on_request)
{
	if (process->pid == 0)
		return;
	if (on_request)
		process->killed = true;
	kill_process(process);
}

static void
kill_timer_cb(evutil_socket_t fd, short what, void *context)
{
	struct vm_process *process = context;

	(void)fd;
	(void)what;
	log_warnx("VM %s did not stop in %u s: killing its process",
	    process->name, process->stop_deadline_s);
	vm_process_kill(process, true);
}

void
vm_process_stop(struct vm_process *process, bool force,
    unsigned int deadline_s)
{
	struct vm_message message = { .kind = VM_MSG_STOP, .force = force };
	struct timeval timeout = { deadline_s, 0 };

	if (process->pid == 0)
		return;
	vm_process_send(process, &message);
	process->stop_deadline_s = deadline_s;
	if (process->kill_timer == NULL)
		process->kill_timer = evtimer_new(process->base, kill_timer_cb,
		    process);
	if (process->kill_timer != NULL)
		evtimer_add(process->kill_timer, &timeout);
}

ssize_t
vm_process_console_write(struct vm_process *process, const void *bytes,
    size_t length)
{
	if (process->console_in < 0) {
		errno = EPIPE;
		return -1;
	}
	return write(process->console_in, bytes, length);
}

int
vm_process_channel_fds(const struct vm_process *process,
    int fds[VM_HANDOVER_FDS])
{
	if (process->control == NULL || process->console_out < 0 ||
	    process->console_in < 0)
		return -1;
	fds[VM_HANDOVER_CONTROL] = bufferevent_getfd(process->control);
	fds[VM_HANDOVER_CONSOLE_OUT] = process->console_out;
	fds[VM_HANDOVER_CONSOLE_IN] = process->console_in;
	return 0;
}

void
vm_process_detach(struct vm_process *process)
{
	let_go(process);
}

/* What came back through the store is checked before it is used: the
 * console fds are the two ends of pipes, each the way round it must be.
 * Who holds the control socket's other end is the handshake's to prove
 * (adopt_handshake): its /proc entry cannot (a VM process is not
 * dumpable, and the unit's ProtectProc=invisible hides it). */
static int
adoptable(const int fds[VM_HANDOVER_FDS], char *error, size_t error_size)
{
	struct stat st;
	int out, in;

	out = fcntl(fds[VM_HANDOVER_CONSOLE_OUT], F_GETFL);
	in = fcntl(fds[VM_HANDOVER_CONSOLE_IN], F_GETFL);
	if (fstat(fds[VM_HANDOVER_CONSOLE_OUT], &st) < 0 ||
	    !S_ISFIFO(st.st_mode) || out < 0 || (out & O_ACCMODE) != O_RDONLY ||
	    fstat(fds[VM_HANDOVER_CONSOLE_IN], &st) < 0 ||
	    !S_ISFIFO(st.st_mode) || in < 0 || (in & O_ACCMODE) != O_WRONLY) {
		snprintf(error, error_size, "its console fds are not the ends "
		    "of its console pipes");
		return -1;
	}
	return 0;
}

/* One byte of the channel, within the deadline, with the pid of the
 * process that sent it (SCM_CREDENTIALS, which the kernel fills in: a
 * sender without CAP_SYS_ADMIN cannot name another pid). 1, 0 at its
 * end, -1 on a timeout or an error. */
static int
read_credited(int fd, char *byte, pid_t *sender, int timeout_ms)
{
	union {
		char buffer[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { byte, 1 };
	struct msghdr message = { .msg_iov = &iov, .msg_iovlen = 1,
	    .msg_control = control.buffer,
	    .msg_controllen = sizeof(control.buffer) };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct cmsghdr *header;
	struct ucred credentials;
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -1;
	n = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	*sender = 0;
	for (header = CMSG_FIRSTHDR(&message); header != NULL;
	    header = CMSG_NXTHDR(&message, header))
		if (header->cmsg_level == SOL_SOCKET &&
		    header->cmsg_type == SCM_CREDENTIALS &&
		    header->cmsg_len == CMSG_LEN(sizeof(credentials))) {
			memcpy(&credentials, CMSG_DATA(header),
			    sizeof(credentials));
			*sender = credentials.pid;
		}
	return 1;
}

/* adopt, then its answer: the first line that decodes as adopted, sent by
 * the process the record names. Lines before it (what it said while no
 * daemon read) are dropped. Read a byte at a time, so that nothing after
 * the answer is taken from the event loop's reader. */
static int
adopt_handshake(int fd, pid_t pid, enum vm_adopted_state *state,
    char *error, size_t error_size)
{
	static const char adopt[] = "\n{\"msg\":\"adopt\"}\n";
	char line[VM_CHANNEL_DESC_MAX * 2], why[160];
	struct vm_message message;
	size_t length = 0;
	pid_t sender = 0;
	int one = 1, rc;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    write(fd, adopt, strlen(adopt)) != (ssize_t)strlen(adopt)) {
		snprintf(error, error_size, "cannot write to its channel: %s",
		    strerror(errno));
		return -1;
	}
	for (;;) {
		rc = read_credited(fd, &line[length], &sender,
		    VM_ADOPT_TIMEOUT_MS);
		if (rc <= 0) {
			snprintf(error, error_size, "%s", rc == 0 ? "its channel "
			    "ended (its VM stopped meanwhile)" : "no answer to "
			    "adopt in time");
			return -1;
		}
		if (line[length] != '\n') {
			length = length + 1 < sizeof(line) ? length + 1 : 0;
			continue;
		}
		rc = vm_message_decode(line, length, VM_CHANNEL_TO_DAEMON,
		    &message, why, sizeof(why));
		length = 0;
		if (rc < 0 || message.kind != VM_MSG_ADOPTED) {
			vm_message_clear(&message);
			continue;
		}
		if (sender != pid) {
			snprintf(error, error_size, "its answer came from "
			    "process %d, not %d", (int)sender, (int)pid);
			return -1;
		}
		*state = message.adopted;
		return 0;
	}
}

int
vm_process_adopt(struct vm_process *process, struct event_base *base,
    pid_t pid, uint64_t start_time, const int fds[VM_HANDOVER_FDS],
    const struct vm_process_events *events, void *context,
    enum vm_adopted_state *state, char *error, size_t error_size)
{
	int one = 0, pidfd = -1;
	unsigned int i;

	/* the pidfd right after the answer: the process that sent it holds
	 * the channel, so its pid cannot have been reused between the two */
	error[0] = '\0';
	if (adoptable(fds, error, error_size) < 0 ||
	    adopt_handshake(fds[VM_HANDOVER_CONTROL], pid, state, error,
	    error_size) < 0 || ((pidfd = pidfd_open(pid)) < 0 &&
	    errno != ENOSYS)) {
		if (pidfd < 0 && error[0] == '\0')
			snprintf(error, error_size, "process %d: pidfd_open: "
			    "%s", (int)pid, strerror(errno));
		for (i = 0; i < VM_HANDOVER_FDS; i++)
			close(fds[i]);
		return -1;
	}
	setsockopt(fds[VM_HANDOVER_CONTROL], SOL_SOCKET, SO_PASSCRED, &one,
	    sizeof(one));
	process->pidfd = pidfd;
	process->base = base;
	process->events = events;
	process->context = context;
	process->pid = pid;
	process->start_time = start_time;
	process->start_ns = now_ns();
	process->reported = process->killed = false;
	process->adopted = true;
	/* its end is the channel's, as for a child: the store holds only
	 * the daemon's end */
	if (watch(process, fds[VM_HANDOVER_CONTROL],
	    fds[VM_HANDOVER_CONSOLE_OUT], fds[VM_HANDOVER_CONSOLE_IN]) <= 0) {
		snprintf(error, error_size, "out of memory");
		let_go(process);
		return -1;
	}
	return 0;
}

void
vm_process_release(struct vm_process *process)
{
	if (process->pid != 0)
		kill_process(process);
	let_go(process);
}
