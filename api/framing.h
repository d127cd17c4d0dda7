/* The control protocol's line framing: newline-delimited messages under a
 * size limit, a longer one skipped up to its newline. What the connection
 * does with its buffered bytes, decided without the buffer's type. */
#ifndef VMMD_API_FRAMING_H
#define VMMD_API_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum api_frame_action {
	API_FRAME_WAIT,		/* no newline yet, under the limit: read more */
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
};

/* buffered bytes are waiting, the first line-feed at newline (-1 for none);
 * *discarding carries the state of a message over the limit across calls. */
struct api_frame api_frame_next(bool *discarding, size_t buffered,
    ssize_t newline, size_t limit);
/* A message's length without its trailing "\r" and spaces: 0 is nothing. */
size_t api_line_trim(const char *line, size_t length);

#endif
