/* The console: output reaches both destinations, a chunk in one write,
 * the log stays within its cap and keeps the newest output, and a panic is
 * seen once, whatever the line endings. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/console.h"
#include "suites.h"

static int panics;

static void
count_panic(void *context)
{
	(void)context;
	panics++;
}

static void
feed(struct console *console, const char *text)
{
	while (*text != '\0')
		console_output(console, (uint8_t)*text++);
}

static size_t
drain(int fd, char *buffer, size_t size)
{
	ssize_t n = read(fd, buffer, size - 1);

	buffer[n > 0 ? n : 0] = '\0';
	return n > 0 ? (size_t)n : 0;
}

START_TEST(test_both_destinations)
{
	int log_pipe[2], attach_pipe[2];
	struct console console;
	char text[64];

	signal(SIGPIPE, SIG_IGN);	/* as vmmd does: EPIPE, not death */
	ck_assert_int_eq(pipe2(log_pipe, O_NONBLOCK), 0);
	ck_assert_int_eq(pipe2(attach_pipe, O_NONBLOCK), 0);
	console_init(&console, log_pipe[1], attach_pipe[1], count_panic, NULL);
	feed(&console, "login: ");
	drain(log_pipe[0], text, sizeof(text));
	ck_assert_str_eq(text, "login: ");
	drain(attach_pipe[0], text, sizeof(text));
	ck_assert_str_eq(text, "login: ");
	/* a closed destination loses its copy, nothing else */
	close(attach_pipe[0]);
	feed(&console, "ok\n");
	drain(log_pipe[0], text, sizeof(text));
	ck_assert_str_eq(text, "ok\n");
	close(log_pipe[0]);
	close(log_pipe[1]);
	close(attach_pipe[1]);
}
END_TEST

START_TEST(test_panic_seen_once)
{
	struct console console;

	panics = 0;
	console_init(&console, -1, -1, count_panic, NULL);
	feed(&console, "[    1.0] Run /init as init process\r\n");
	ck_assert_int_eq(panics, 0);
	feed(&console, "[    2.1] Kernel panic - not syncing: Attempted to kill init!");
	ck_assert_int_eq(panics, 0);	/* seen when the line ends */
	feed(&console, "\r\n");
	ck_assert_int_eq(panics, 1);
	ck_assert(console.panicked);
	ck_assert_str_eq(console.panic_line,
	    "[    2.1] Kernel panic - not syncing: Attempted to kill init!");
	feed(&console, "Kernel panic - not syncing: again\n");
	ck_assert_int_eq(panics, 1);
}
END_TEST

START_TEST(test_long_lines)
{
	struct console console;
	char noise[3 * CONSOLE_LINE_MAX];

	panics = 0;
	console_init(&console, -1, -1, count_panic, NULL);
	memset(noise, 'x', sizeof(noise) - 1);
	noise[sizeof(noise) - 1] = '\0';
	feed(&console, noise);		/* no overflow, no false panic */
	ck_assert_int_eq(panics, 0);
	feed(&console, "\nKernel panic - not syncing\n");
	ck_assert_int_eq(panics, 1);
}
END_TEST

static int markers;

static void
count_marker(void *context)
{
	(void)context;
	markers++;
}

START_TEST(test_marker)
{
	struct console console;

	markers = 0;
	console_init(&console, -1, -1, count_panic, NULL);
	console_watch(&console, "@@guest-init", count_marker);
	feed(&console, "[ 1.0] booting\n@@guest-in");
	ck_assert_int_eq(markers, 0);
	feed(&console, "it online=0\n@@guest-init again\n");
	ck_assert_int_eq(markers, 1);
	ck_assert(console.marker_seen);
}
END_TEST

static int seen_calls;

static void
count_seen(void *context)
{
	(void)context;
	seen_calls++;
}

/* Each noted text sets its bit once, whatever comes around it. */
START_TEST(test_noted_lines)
{
	static const char *const lines[] = { "sysrq: Emergency Sync",
	    "Emergency Sync complete" };
	struct console console;

	seen_calls = 0;
	console_init(&console, -1, -1, count_panic, NULL);
	console_note_lines(&console, lines, 2, count_seen);
	feed(&console, "[  3.1] sysrq: Emergency Sy");
	ck_assert_uint_eq(atomic_load(&console.seen), 0);
	feed(&console, "nc\r\n[  3.2] sysrq: Emergency Sync\n");
	ck_assert_uint_eq(atomic_load(&console.seen), 1);
	ck_assert_int_eq(seen_calls, 1);
	feed(&console, "Emergency Sync complete\n");
	ck_assert_uint_eq(atomic_load(&console.seen), 3);
	ck_assert_int_eq(seen_calls, 2);
}
END_TEST

/* A log on a full disk: the bytes are counted, the rest goes on. */
START_TEST(test_log_full)
{
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC), fds[2];
	struct console console;
	char seen[64];

	ck_assert_int_ge(full, 0);
	ck_assert_int_eq(pipe(fds), 0);
	console_init(&console, full, fds[1], count_panic, NULL);
	feed(&console, "twelve bytes");
	ck_assert(console.log_failing);
	ck_assert_uint_eq(atomic_load(&console.log_dropped), 12);
	ck_assert_uint_eq(drain(fds[0], seen, sizeof(seen)), 12);
	close(full);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* A chunk is one write to each side: a SOCK_SEQPACKET socket keeps each
 * write a message of its own. */
START_TEST(test_chunk_one_write)
{
	int fds[2];
	struct console console;
	char seen[64];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0,
	    fds), 0);
	console_init(&console, -1, fds[1], count_panic, NULL);
	console_write(&console, (const uint8_t *)"one chunk\n", 10);
	ck_assert_int_eq(recv(fds[0], seen, sizeof(seen), 0), 10);
	ck_assert_int_eq(recv(fds[0], seen, sizeof(seen), 0), -1);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/* The log capped at CONSOLE_LOG_MAX_MIN, written far past it: the file
 * never holds more than the cap, holds the newest output, and what it lost
 * is counted; the line watches saw every byte. */
START_TEST(test_log_cap)
{
	char path[] = "/tmp/vmmd-console-XXXXXX";
	const uint64_t max = CONSOLE_LOG_MAX_MIN, total = 5 * max + 123;
	uint8_t chunk[1000], *file;
	uint64_t written = 0, i;
	struct console console;
	struct stat st;
	size_t n;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_APPEND), 0);	/* as vmmd opens it */
	console_init(&console, fd, -1, count_panic, NULL);
	ck_assert_int_eq(console_limit_log(&console, max - 1), -EINVAL);
	ck_assert_int_eq(console_limit_log(&console, max), 0);
	while (written < total) {
		n = total - written < sizeof(chunk) ? total - written :
		    sizeof(chunk);
		for (i = 0; i < n; i++)
			chunk[i] = (uint8_t)('a' + (written + i) % 26);
		console_write(&console, chunk, n);
		written += n;
		ck_assert_int_eq(fstat(fd, &st), 0);
		ck_assert_uint_le((uint64_t)st.st_size, max);
	}
	ck_assert_uint_ge((uint64_t)st.st_size, max / 2);
	ck_assert_uint_eq(atomic_load(&console.log_dropped) +
	    (uint64_t)st.st_size, total);
	file = malloc((size_t)st.st_size);
	ck_assert_int_eq(pread(fd, file, (size_t)st.st_size, 0), st.st_size);
	for (i = 0; i < (uint64_t)st.st_size; i++)	/* the newest bytes, in order */
		ck_assert_uint_eq(file[i], 'a' + (total - (uint64_t)st.st_size + i) % 26);
	free(file);
	ck_assert(!console.log_failing);
	close(fd);
}
END_TEST

static Suite *
console_suite(void)
{
	Suite *suite = suite_create("console");
	TCase *tcase = tcase_create("output");

	tcase_add_test(tcase, test_both_destinations);
	tcase_add_test(tcase, test_panic_seen_once);
	tcase_add_test(tcase, test_long_lines);
	tcase_add_test(tcase, test_marker);
	tcase_add_test(tcase, test_noted_lines);
	tcase_add_test(tcase, test_log_full);
	tcase_add_test(tcase, test_chunk_one_write);
	tcase_add_test(tcase, test_log_cap);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(console_suite)
