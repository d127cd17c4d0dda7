/* Guest console output: copied to the log and the attached side, one
 * write() per chunk a device hands over (a serial byte is already a VM
 * exit, so its own write costs little), and scanned line by line for
 * Linux's panic message, which ends the VM as a panic whatever the guest
 * does next. The log is capped: a guest that prints without end must not
 * fill the host's /run (tmpfs) under it. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fd_stat.h"
#include "log.h"

#define CONSOLE_COPY_CHUNK	4096	/* the log's newest half moves in these */

void
console_init(struct console *console, int log_fd, int attach_fd,
    void (*on_panic)(void *context), void *context)
{
	memset(console, 0, sizeof(*console));
	console->log_fd = log_fd;
	console->attach_fd = attach_fd;
	console->on_panic = on_panic;
	console->context = context;
}

/* Calls on_marker, once, when a line of output holds marker. */
void
console_watch(struct console *console, const char *marker,
    void (*on_marker)(void *context))
{
	console->marker = marker;
	console->on_marker = on_marker;
	console->marker_seen = false;
}

/* From now on, a line holding lines[i] sets bit i of seen, once, and calls
 * on_seen. Set before the guest runs; the table must outlive the console. */
void
console_note_lines(struct console *console, const char *const *lines,
    unsigned int count, void (*on_seen)(void *context))
{
	console->lines = lines;
	console->line_count = count < 32 ? count : 32;
	console->on_seen = on_seen;
	atomic_store(&console->seen, 0);
}

/* From now on the log keeps at most max bytes. Only a regular file can be
 * cut, and it is cut in place: its fd must be written at its own offset,
 * not O_APPEND (which would send the copy of the newest half to the end).
 * -EINVAL when max is below CONSOLE_LOG_MAX_MIN. */
int
console_limit_log(struct console *console, uint64_t max)
{
	struct stat st;
	off_t end;
	int flags;

	if (max < CONSOLE_LOG_MAX_MIN) {
		log_warnx("a console log cap of %" PRIu64 " bytes is below the "
		    "least, %llu", max, CONSOLE_LOG_MAX_MIN);
		return -EINVAL;
	}
	if (console->log_fd < 0 || fd_stat(console->log_fd, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0;	/* a pipe or a terminal: nothing piles up here */
	flags = fcntl(console->log_fd, F_GETFL);
	end = lseek(console->log_fd, 0, SEEK_END);
	if (flags < 0 || end < 0 || fcntl(console->log_fd, F_SETFL,
	    flags & ~O_APPEND) < 0) {
		log_warn("cannot cap the console log at %" PRIu64 " bytes", max);
		return -errno;
	}
	console->log_max = max;
	console->log_size = (uint64_t)end;
	return 0;
}

/* What a write of length bytes took; 0 when it failed. A full disk or a
 * closed terminal must not stop the guest: the rest is dropped for that
 * destination. */
static size_t
write_some(int fd, const uint8_t *data, size_t length)
{
	ssize_t n;

	do {
		n = write(fd, data, length);
	} while (n < 0 && errno == EINTR);
	return n > 0 ? (size_t)n : 0;
}

/* The newest half of the log moves to its start, in place: forward copies
 * of chunks, each to an offset below the one it is read from. */
static int
log_keep_newest(struct console *console, uint64_t keep)
{
	uint8_t chunk[CONSOLE_COPY_CHUNK];
	uint64_t from = console->log_size - keep, done = 0;
	size_t length;
	ssize_t n;

	while (done < keep) {
		length = keep - done < sizeof(chunk) ? keep - done :
		    sizeof(chunk);
		n = pread(console->log_fd, chunk, length, (off_t)(from + done));
		if (n <= 0 || pwrite(console->log_fd, chunk, (size_t)n,
		    (off_t)done) != n)
			return n == 0 ? -EIO : -errno;
		done += (uint64_t)n;
	}
	if (ftruncate(console->log_fd, (off_t)keep) < 0 ||
	    lseek(console->log_fd, (off_t)keep, SEEK_SET) < 0)
		return -errno;
	return 0;
}

/* At the cap: the log keeps its newest half, the older half is counted as
 * dropped. Said once per boot; a log that cannot be cut takes nothing more. */
static void
log_cut(struct console *console)
{
	uint64_t keep = console->log_max / 2;
	int rc;

	rc = log_keep_newest(console, keep);
	if (rc < 0) {
		log_warnx("cannot cut the console log at its cap of %" PRIu64
		    " bytes: %s; the guest's output past it is dropped",
		    console->log_max, strerror(-rc));
		console->log_cut_failed = true;
		return;
	}
	if (!console->log_cut)
		log_info("the console log reached its cap of %" PRIu64 " bytes: "
		    "it keeps the newest %" PRIu64 ", older output is dropped",
		    console->log_max, keep);
	console->log_cut = true;
	atomic_fetch_add(&console->log_dropped, console->log_size - keep);
	console->log_size = keep;
}

/* How much of length the log takes before it must be cut. */
static size_t
log_room(struct console *console, size_t length)
{
	if (console->log_max == 0)
		return length;
	if (console->log_size >= console->log_max && !console->log_cut_failed)
		log_cut(console);
	if (console->log_size >= console->log_max)
		return 0;
	return console->log_max - console->log_size < length ?
	    (size_t)(console->log_max - console->log_size) : length;
}

/* The log is the record of everything within its cap: what it cannot
 * take is counted, and said once when it starts failing and once when it
 * works again. */
static void
log_bytes(struct console *console, const uint8_t *data, size_t length)
{
	size_t piece, taken;

	while (console->log_fd >= 0 && length > 0) {
		piece = log_room(console, length);
		taken = piece > 0 ? write_some(console->log_fd, data, piece) : 0;
		console->log_size += taken;
		if (taken < piece && !console->log_failing) {
			log_warn("the console log cannot be written: the guest "
			    "runs on, its output is dropped from the log");
			console->log_failing = true;
		} else if (taken == piece && piece > 0 && console->log_failing) {
			console->log_failing = false;
			log_warnx("the console log is written again (%"
			    PRIuFAST64 " bytes were dropped)",
			    atomic_load(&console->log_dropped));
		}
		if (taken == 0) {
			atomic_fetch_add(&console->log_dropped, length);
			return;
		}
		data += taken;
		length -= taken;
	}
}

static void
note_lines(struct console *console)
{
	unsigned int i, bit;

	for (i = 0; i < console->line_count; i++) {
		bit = 1u << i;
		if ((atomic_load(&console->seen) & bit) == 0 &&
		    strstr(console->line, console->lines[i]) != NULL) {
			atomic_fetch_or(&console->seen, bit);
			if (console->on_seen != NULL)
				console->on_seen(console->context);
		}
	}
}

static void
scan_line(struct console *console)
{
	console->line[console->line_length] = '\0';
	if (!console->panicked &&
	    strstr(console->line, CONSOLE_PANIC_MARKER) != NULL) {
		console->panicked = true;
		memcpy(console->panic_line, console->line,
		    console->line_length + 1);
		if (console->on_panic != NULL)
			console->on_panic(console->context);
	}
	if (console->marker != NULL && !console->marker_seen &&
	    strstr(console->line, console->marker) != NULL) {
		console->marker_seen = true;
		console->on_marker(console->context);
	}
	note_lines(console);
	console->line_length = 0;
}

static void
scan_byte(struct console *console, uint8_t byte)
{
	if (byte == '\n' || byte == '\r') {
		scan_line(console);
		return;
	}
	if (byte == '\0')
		return;
	console->line[console->line_length++] = (char)byte;
	if (console->line_length == CONSOLE_LINE_MAX - 1)
		scan_line(console);
}

/* A chunk of output: one write to each destination (the attached side
 * loses what it cannot take at once: it must never stall the guest). */
void
console_write(struct console *console, const uint8_t *data, size_t length)
{
	size_t i;

	log_bytes(console, data, length);
	if (console->attach_fd >= 0 && length > 0)
		write_some(console->attach_fd, data, length);
	for (i = 0; i < length; i++)
		scan_byte(console, data[i]);
}

void
console_output(void *opaque, uint8_t byte)
{
	console_write(opaque, &byte, 1);
}
