/* Guest console output: copied byte by byte to the log and the attached
 * side (a serial byte is already a VM exit, so a write per byte costs
 * little), and scanned line by line for Linux's panic message, which ends
 * the VM as a panic whatever the guest does next. */
#include "console.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

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

/* A full disk or a closed terminal must not stop the guest: the byte is
 * dropped for that destination. */
static bool
write_byte(int fd, uint8_t byte)
{
	ssize_t n;

	if (fd < 0)
		return true;
	do {
		n = write(fd, &byte, 1);
	} while (n < 0 && errno == EINTR);
	return n == 1;
}

/* The log is the record of everything: what it cannot take is counted, and
 * said once when it starts failing and once when it works again. */
static void
log_byte(struct console *console, uint8_t byte)
{
	if (!write_byte(console->log_fd, byte)) {
		if (!console->log_failing)
			log_warn("the console log cannot be written: the guest "
			    "runs on, its output is dropped from the log");
		console->log_failing = true;
		atomic_fetch_add(&console->log_dropped, 1);
	} else if (console->log_failing) {
		console->log_failing = false;
		log_warnx("the console log is written again (%" PRIuFAST64
		    " bytes were dropped)", atomic_load(&console->log_dropped));
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

void
console_output(void *opaque, uint8_t byte)
{
	struct console *console = opaque;

	log_byte(console, byte);
	write_byte(console->attach_fd, byte);
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
