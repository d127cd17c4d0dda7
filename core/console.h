/* A VM's console: where the guest's serial output goes (a log file, capped,
 * and an attached terminal or client), and the watch for a kernel panic in
 * it. */
#ifndef VMMD_CONSOLE_H
#define VMMD_CONSOLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE_MAX	512
#define CONSOLE_PANIC_MARKER	"Kernel panic - not syncing"
/* The log keeps at most this many bytes; at the cap it keeps its newest
 * half and drops the rest (counted in log_dropped). */
#define CONSOLE_LOG_MAX_DEFAULT	(1ull << 20)
#define CONSOLE_LOG_MAX_MIN	(64ull << 10)	/* well above one write's chunk */

struct console {
	int log_fd;		/* -1: none */
	uint64_t log_max;	/* 0: no cap (not a regular file, or not asked) */
	uint64_t log_size;	/* bytes in the log file now */
	bool log_cut;		/* it reached its cap once (said once) */
	bool log_cut_failed;	/* cutting it failed: what is past the cap is dropped */
	bool log_failing;	/* its last write failed (said once) */
	atomic_uint_fast64_t log_dropped;	/* bytes it could not take or cut */
	int attach_fd;		/* -1: none */
	char line[CONSOLE_LINE_MAX];
	size_t line_length;
	bool panicked;
	char panic_line[CONSOLE_LINE_MAX];	/* the line that said so */
	void (*on_panic)(void *context);
	const char *marker;		/* NULL, or text to watch for */
	bool marker_seen;
	void (*on_marker)(void *context);
	const char *const *lines;	/* texts noted in seen when a line holds them */
	unsigned int line_count;	/* at most 32 */
	atomic_uint seen;		/* bit i: a line held lines[i] */
	void (*on_seen)(void *context);
	void *context;
};

void console_init(struct console *console, int log_fd, int attach_fd,
    void (*on_panic)(void *context), void *context);
void console_watch(struct console *console, const char *marker,
    void (*on_marker)(void *context));
void console_note_lines(struct console *console, const char *const *lines,
    unsigned int count, void (*on_seen)(void *context));
int console_limit_log(struct console *console, uint64_t max);
void console_output(void *console, uint8_t byte);
void console_write(struct console *console, const uint8_t *data,
    size_t length);

#endif
