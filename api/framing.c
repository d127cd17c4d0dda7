/* Framing. The stream: a message is one JSON value, found by following
 * its nesting, as QEMU's JSON streamer does (the value is parsed whole
 * afterwards, by jansson). Lines: a message ends at a line-feed;
 * api_line_trim drops its trailing "\r" and spaces, and an empty line is
 * nothing. Either way a message over the limit is reported once and
 * skipped up to its end, however it arrives. */
#include "framing.h"

#include <string.h>

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* One byte of a value: true when it closes the top-level value. */
static bool
value_byte(struct api_stream *stream, char c)
{
	if (stream->in_string) {
		if (stream->escaped)
			stream->escaped = false;
		else if (c == '\\')
			stream->escaped = true;
		else if (c == '"')
			stream->in_string = false;
		return false;
	}
	if (c == '"')
		stream->in_string = true;
	else if (c == '{' || c == '[')
		stream->depth++;
	else if ((c == '}' || c == ']') && --stream->depth == 0)
		return true;
	return false;
}

/* Whether the message at the buffer's start ends in it, and where (its
 * length: 0 for the rest of a skipped line whose newline comes first);
 * stream->scanned moves past what was looked at. */
static bool
message_end(struct api_stream *stream, const char *bytes, size_t buffered,
    size_t *length)
{
	const char *newline;

	if (stream->garbage) {
		newline = memchr(bytes + stream->scanned, '\n',
		    buffered - stream->scanned);
		stream->scanned = newline != NULL ?
		    (size_t)(newline - bytes) : buffered;
		*length = stream->scanned;
		return newline != NULL;
	}
	while (stream->scanned < buffered)
		if (value_byte(stream, bytes[stream->scanned++])) {
			*length = stream->scanned;
			return true;
		}
	return false;
}

static struct api_frame
message_done(struct api_stream *stream, size_t length, size_t limit)
{
	struct api_frame frame = { API_FRAME_SKIP, 0, length, true };

	if (stream->garbage)
		frame.consume++;	/* its newline */
	if (!stream->discarding) {
		frame.action = length > limit ? API_FRAME_TOO_LARGE :
		    API_FRAME_LINE;
		frame.length = length;
	}
	memset(stream, 0, sizeof(*stream));
	return frame;
}

struct api_frame
api_stream_next(struct api_stream *stream, const char *bytes, size_t buffered,
    size_t limit)
{
	struct api_frame frame = { API_FRAME_WAIT, 0, 0, false };
	size_t length;

	if (buffered == 0)
		return frame;
	if (!stream->started) {
		while (frame.consume < buffered && is_space(bytes[frame.consume]))
			frame.consume++;
		if (frame.consume > 0) {
			frame.action = API_FRAME_SKIP;
			return frame;
		}
		stream->started = true;
		stream->garbage = bytes[0] != '{' && bytes[0] != '[';
	}
	if (message_end(stream, bytes, buffered, &length))
		return message_done(stream, length, limit);
	if (!stream->discarding && buffered <= limit)
		return frame;	/* WAIT, and look no further than scanned */
	frame.action = stream->discarding ? API_FRAME_SKIP : API_FRAME_TOO_LARGE;
	frame.length = frame.action == API_FRAME_TOO_LARGE ? buffered : 0;
	frame.consume = buffered;
	stream->discarding = true;
	stream->scanned = 0;	/* what it looked at is consumed */
	return frame;
}

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
	struct api_frame frame = { API_FRAME_SKIP, 0, 0, false };

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
	frame.whole = true;
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
