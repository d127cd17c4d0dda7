/* Time from launching a program to a marker in its output: runs COMMAND with
 * its stdout on a pipe (stdin from /dev/null, stderr left as it is), copies
 * what comes through to LOG, and notes when MARKER first appears in that
 * stream, from just before the fork. It then reads on until the program
 * ends (a guest that powers off ends its VMM). After SECONDS in all the
 * program gets SIGTERM, then SIGKILL 5 s later. The console benchmark times
 * vmmd's and kvmtool's boots with it, the same way for both.
 * Usage: bench-marker SECONDS MARKER LOG COMMAND [ARG...]
 * Prints one JSON object: marker_us (0: never seen), status (the exit
 * status, 128 + N for signal N), output_bytes, run_us, timed_out. Exits 0
 * when the marker was seen and the program exited 0 in time, else 1. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK		65536
#define MAX_MARKER	256
#define KILL_GRACE_MS	5000

static uint64_t
now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t done;

	while (n > 0) {
		done = write(fd, p, n);
		if (done < 0 && errno == EINTR)
			continue;
		if (done <= 0)
			return -1;
		p += done;
		n -= (size_t)done;
	}
	return 0;
}

static pid_t
launch(char **argv, int out_fd, int pipe_read, const sigset_t *mask)
{
	pid_t pid = fork();
	int null;

	if (pid != 0)
		return pid;
	sigprocmask(SIG_SETMASK, mask, NULL);
	null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	close(pipe_read);
	execvp(argv[0], argv);
	fprintf(stderr, "bench-marker: cannot run %s: %s\n", argv[0],
	    strerror(errno));
	_exit(127);
}

/* waitpid, bounded: SIGTERM at the deadline, SIGKILL KILL_GRACE_MS later.
 * SIGCHLD is blocked (main), so that it waits, pending, for sigtimedwait. */
static int
reap(pid_t pid, uint64_t deadline, int *timed_out)
{
	struct timespec wait;
	int status, signalled = 0;
	sigset_t chld;
	uint64_t now;
	pid_t got;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
			return 127;
		now = now_us();
		if (now >= deadline) {
			*timed_out = 1;
			kill(pid, signalled ? SIGKILL : SIGTERM);
			signalled = 1;
			deadline = now + KILL_GRACE_MS * 1000u;
			continue;
		}
		wait.tv_sec = (time_t)((deadline - now) / 1000000u);
		wait.tv_nsec = (long)((deadline - now) % 1000000u) * 1000;
		sigtimedwait(&chld, NULL, &wait);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int
main(int argc, char **argv)
{
	static char window[MAX_MARKER + CHUNK];
	uint64_t start, deadline, marker_us = 0, bytes = 0;
	const char *marker;
	size_t marker_len, kept = 0;
	int fds[2], log_fd, timed_out = 0, status;
	sigset_t chld, mask;
	long seconds;
	pid_t pid;

	if (argc < 5) {
		fprintf(stderr, "usage: bench-marker SECONDS MARKER LOG COMMAND [ARG...]\n");
		return 2;
	}
	seconds = strtol(argv[1], NULL, 10);
	marker = argv[2];
	marker_len = strlen(marker);
	if (seconds <= 0 || marker_len == 0 || marker_len > MAX_MARKER) {
		fprintf(stderr, "bench-marker: bad SECONDS or MARKER\n");
		return 2;
	}
	log_fd = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0 || pipe2(fds, O_CLOEXEC) < 0) {
		fprintf(stderr, "bench-marker: %s: %s\n", argv[3], strerror(errno));
		return 2;
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &mask);
	start = now_us();
	deadline = start + (uint64_t)seconds * 1000000u;
	/* The child's stdout is the pipe's write end (dup2 clears its
	 * close-on-exec); the parent keeps only the read end. */
	pid = launch(argv + 4, fds[1], fds[0], &mask);
	close(fds[1]);
	if (pid < 0) {
		fprintf(stderr, "bench-marker: fork: %s\n", strerror(errno));
		return 2;
	}
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		uint64_t now = now_us();
		ssize_t got;
		int ready;

		if (now >= deadline)
			break;
		ready = poll(&p, 1, (int)((deadline - now) / 1000u) + 1);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			continue;	/* the deadline, checked above */
		got = read(fds[0], window + kept, CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;		/* the program closed its output */
		bytes += (uint64_t)got;
		if (marker_us == 0 && memmem(window, kept + (size_t)got, marker,
		    marker_len) != NULL)
			marker_us = now_us() - start;
		if (write_all(log_fd, window + kept, (size_t)got) < 0) {
			fprintf(stderr, "bench-marker: writing %s: %s\n", argv[3],
			    strerror(errno));
			break;
		}
		/* Keep the tail that could begin a marker cut by the next read. */
		kept += (size_t)got;
		if (kept >= marker_len) {
			memmove(window, window + kept - (marker_len - 1),
			    marker_len - 1);
			kept = marker_len - 1;
		}
	}
	close(fds[0]);
	status = reap(pid, deadline, &timed_out);
	close(log_fd);
	printf("{\"marker_us\":%llu,\"status\":%d,\"output_bytes\":%llu,"
	    "\"run_us\":%llu,\"timed_out\":%d}\n", (unsigned long long)marker_us,
	    status, (unsigned long long)bytes,
	    (unsigned long long)(now_us() - start), timed_out);
	return marker_us != 0 && status == 0 && !timed_out ? 0 : 1;
}
