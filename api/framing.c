/* Line framing: a message ends at a line-feed; api_line_trim drops its
 * trailing "\r" and spaces, and an empty line is nothing. A message over
 * the limit is reported once and skipped up to its newline, however it
 * arrives. */
#include "framing.h"

size_t
api_line_trim(const char *line, size_t length)
{
	while (length > 0 && (line[length - 1] == '\r' ||
	    line[length - 1] == ' '))
		length--;
	return length;
}

struct api_frame
api_frame_next(bool *discarding, size_t buffered, ssize_t newline,
    size_t limit)
{
	struct api_frame frame = { API_FRAME_SKIP, 0, 0 };

	if (newline < 0) {
		if (buffered <= limit) {
			frame.action = API_FRAME_WAIT;
			return frame;
		}
		if (!*discarding) {
			frame.action = API_FRAME_TOO_LARGE;
			frame.length = buffered;
		}
		*discarding = true;
		frame.consume = buffered;
		return frame;
	}
	frame.consume = (size_t)newline + 1;
	if (*discarding) {
		*discarding = false;	/* the line's end */
	} else if ((size_t)newline > limit) {
		frame.action = API_FRAME_TOO_LARGE;
		frame.length = (size_t)newline;
	} else {
		frame.action = API_FRAME_LINE;
		frame.length = (size_t)newline;
	}
	return frame;
}
