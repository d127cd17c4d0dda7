/* The control protocol's framing, decided without the buffer's type: what
 * the connection does with its buffered bytes. api_stream_next frames QMP
 * as QEMU does, a stream of JSON values: a message ends where its top-level
 * object (or array) closes, newline or not. api_frame_next is the older
 * line framing (newline-delimited messages). Both keep a size limit, a
 * longer message reported once and skipped. */
#ifndef VMMD_API_FRAMING_H
#define VMMD_API_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum api_frame_action {
	API_FRAME_WAIT,		/* no message's end yet, under the limit: read more */
	API_FRAME_LINE,		/* a message of length bytes, then consume */
	API_FRAME_TOO_LARGE,	/* over the limit (length bytes so far): tell,
				 * then consume */
	API_FRAME_SKIP,		/* consume silently */
};

struct api_frame {
	enum api_frame_action action;
	size_t length;		/* LINE, TOO_LARGE: the message's size, its
				 * newline not counted */
	size_t consume;		/* the bytes done with */
	bool whole;		/* TOO_LARGE: the message's end was seen, so
				 * length is its size, not a lower bound */
};

/* buffered bytes are waiting, the first line-feed at newline (-1 for none);
 * *discarding carries the state of a message over the limit across calls. */
struct api_frame api_frame_next(bool *discarding, size_t buffered,
    ssize_t newline, size_t limit);
/* A stream's state between calls: how far into the message at the
 * buffer's start it has looked (each byte is looked at once), and where
 * that is in the JSON value. Zero it for a new connection. */
struct api_stream {
	size_t scanned;
	size_t depth;		/* open objects and arrays */
	bool started;		/* the message's first byte has been seen */
	bool in_string, escaped;
	bool garbage;		/* it starts with no '{' or '[': it ends at a
				 * newline, as a line would */
	bool discarding;	/* over the limit: skipped to its end */
};

/* bytes[0 .. buffered) is what the connection holds (the first message's
 * bytes are still at its start while WAIT is returned). Whitespace between
 * messages is consumed silently (SKIP). A message starting with '{' or '['
 * ends where that value closes (strings and escapes respected); one that
 * starts with anything else ends at the next newline, which is not part of
 * it. A message over limit is reported once (TOO_LARGE) and skipped up to
 * its end, however many arrivals that takes. */
struct api_frame api_stream_next(struct api_stream *stream, const char *bytes,
    size_t buffered, size_t limit);
/* A message's length without its trailing "\r" and spaces: 0 is nothing. */
size_t api_line_trim(const char *line, size_t length);

#endif
