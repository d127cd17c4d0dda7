/* The control protocol's framing. The stream (QMP as QEMU frames it):
 * values with and without newlines, several per arrival or one byte per
 * arrival, strings holding braces and escapes, whitespace and newlines
 * inside a value, garbage up to its newline, a message over the limit
 * reported once and skipped to its end, a value cut short. The lines:
 * lines under the limit, trimming, a message over the limit reported once
 * whether its newline came with it or arrives later. */
#include <stdio.h>
#include <string.h>

#include "../../api/framing.h"
#include "suites.h"

#define LIMIT	16

static bool discarding;
static char buffer_out[1024];

static void
setup(void)
{
	discarding = false;
}

static void
assert_frame(struct api_frame frame, enum api_frame_action action,
    size_t length, size_t consume)
{
	ck_assert_int_eq(frame.action, action);
	ck_assert_uint_eq(frame.length, length);
	ck_assert_uint_eq(frame.consume, consume);
}

START_TEST(test_line)
{
	assert_frame(api_frame_next(&discarding, 10, -1, LIMIT),
	    API_FRAME_WAIT, 0, 0);
	assert_frame(api_frame_next(&discarding, 30, 9, LIMIT),
	    API_FRAME_LINE, 9, 10);
	/* exactly at the limit is still a message */
	assert_frame(api_frame_next(&discarding, LIMIT + 1, LIMIT, LIMIT),
	    API_FRAME_LINE, LIMIT, LIMIT + 1);
	assert_frame(api_frame_next(&discarding, LIMIT, -1, LIMIT),
	    API_FRAME_WAIT, 0, 0);
	ck_assert(!discarding);
}
END_TEST

START_TEST(test_too_large_whole)
{
	assert_frame(api_frame_next(&discarding, 40, LIMIT + 1, LIMIT),
	    API_FRAME_TOO_LARGE, LIMIT + 1, LIMIT + 2);
	ck_assert(!discarding);
	assert_frame(api_frame_next(&discarding, 5, 3, LIMIT),
	    API_FRAME_LINE, 3, 4);
}
END_TEST

/* Reported when the buffer passes the limit, then skipped up to the
 * newline however many arrivals it takes, and never reported again. */
START_TEST(test_too_large_in_pieces)
{
	assert_frame(api_frame_next(&discarding, LIMIT + 1, -1, LIMIT),
	    API_FRAME_TOO_LARGE, LIMIT + 1, LIMIT + 1);
	ck_assert(discarding);
	assert_frame(api_frame_next(&discarding, LIMIT * 3, -1, LIMIT),
	    API_FRAME_SKIP, 0, LIMIT * 3);
	assert_frame(api_frame_next(&discarding, 3, -1, LIMIT),
	    API_FRAME_WAIT, 0, 0);
	ck_assert(discarding);
	assert_frame(api_frame_next(&discarding, 10, 4, LIMIT),
	    API_FRAME_SKIP, 0, 5);
	ck_assert(!discarding);
	assert_frame(api_frame_next(&discarding, 5, 4, LIMIT),
	    API_FRAME_LINE, 4, 5);
}
END_TEST

START_TEST(test_trim)
{
	ck_assert_uint_eq(api_line_trim("{}\r", 3), 2);
	ck_assert_uint_eq(api_line_trim("{} \r \r", 6), 2);
	ck_assert_uint_eq(api_line_trim(" \r ", 3), 0);
	ck_assert_uint_eq(api_line_trim("", 0), 0);
	ck_assert_uint_eq(api_line_trim(" {}", 3), 3);
}
END_TEST

/* Feeds text to the stream framer in arrivals of chunk bytes, as the
 * client's buffer would hold them, and writes what came out, one item a
 * line: "M:<message>", "L:<length>" (too large, whole) or "l:<length>"
 * (too large, at least), then "W:<bytes left>" at the end. */
static void
stream_feed(const char *text, size_t chunk, size_t limit, char *out,
    size_t out_size)
{
	struct api_stream stream;
	char buffer[512];
	size_t arrived = 0, start = 0, total = strlen(text), used = 0;
	struct api_frame frame;

	memset(&stream, 0, sizeof(stream));
	out[0] = '\0';
	while (arrived < total) {
		arrived += total - arrived < chunk ? total - arrived : chunk;
		memcpy(buffer, text + start, arrived - start);
		for (;;) {
			frame = api_stream_next(&stream, buffer, arrived - start,
			    limit);
			ck_assert_uint_le(stream.scanned, arrived - start);
			if (frame.action == API_FRAME_WAIT) {
				ck_assert_uint_eq(frame.consume, 0);
				break;
			}
			ck_assert_uint_gt(frame.consume, 0);
			ck_assert_uint_le(frame.consume, arrived - start);
			if (frame.action == API_FRAME_LINE)
				used += (size_t)snprintf(out + used, out_size - used,
				    "M:%.*s\n", (int)frame.length, buffer);
			else if (frame.action == API_FRAME_TOO_LARGE)
				used += (size_t)snprintf(out + used, out_size - used,
				    "%c:%zu\n", frame.whole ? 'L' : 'l', frame.length);
			start += frame.consume;
			memmove(buffer, buffer + frame.consume, arrived - start);
		}
	}
	snprintf(out + used, out_size - used, "W:%zu", arrived - start);
}

/* The same messages whatever the arrivals: all at once, a byte at a
 * time, and three bytes at a time. */
static void
assert_stream(const char *text, size_t limit, const char *expected)
{
	static const size_t chunks[] = { 4096, 1, 3 };
	char out[1024];
	unsigned int i;

	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		stream_feed(text, chunks[i], limit, out, sizeof(out));
		ck_assert_msg(strcmp(out, expected) == 0, "%zu bytes at a "
		    "time: got\n%s\nexpected\n%s", chunks[i], out, expected);
	}
}

START_TEST(test_stream_without_newlines)
{
	assert_stream("{\"execute\":\"qmp_capabilities\"}{\"execute\":"
	    "\"query-version\",\"id\":1}", 64,
	    "M:{\"execute\":\"qmp_capabilities\"}\n"
	    "M:{\"execute\":\"query-version\",\"id\":1}\nW:0");
	/* with newlines, the old way, and whitespace between */
	assert_stream("{\"a\":1}\n \r\n\t{\"b\":2}\n", 64,
	    "M:{\"a\":1}\nM:{\"b\":2}\nW:0");
}
END_TEST

START_TEST(test_stream_value_shapes)
{
	/* braces and quotes inside strings, escapes, nesting, arrays */
	assert_stream("{\"d\":\"}{\\\"}\\\\\"}[{\"a\":[1,{\"b\":[]}]}]", 64,
	    "M:{\"d\":\"}{\\\"}\\\\\"}\nM:[{\"a\":[1,{\"b\":[]}]}]\nW:0");
	/* whitespace and newlines inside a value are part of it */
	assert_stream("{\n \"execute\" :\n \"x\"\n}", 64,
	    "M:{\n \"execute\" :\n \"x\"\n}\nW:0");
}
END_TEST

/* What is not an object or array runs to its newline, as a line did, and
 * the value after it is framed as usual. */
START_TEST(test_stream_garbage)
{
	assert_stream("hello world\r\n{\"a\":1}42\n", 64,
	    "M:hello world\r\nM:{\"a\":1}\nM:42\nW:0");
	assert_stream("}{\n{}", 64, "M:}{\nM:{}\nW:0");
}
END_TEST

START_TEST(test_stream_too_large)
{
	/* reported once, skipped to the value's end: the next one is served */
	stream_feed("{\"a\":\"0123456789abcdef\"}{\"b\":1}", 4096, 16,
	    buffer_out, sizeof(buffer_out));
	ck_assert_str_eq(buffer_out, "L:24\nM:{\"b\":1}\nW:0");
	stream_feed("{\"a\":\"0123456789abcdef\"}{\"b\":1}", 1, 16,
	    buffer_out, sizeof(buffer_out));
	ck_assert_str_eq(buffer_out, "l:17\nM:{\"b\":1}\nW:0");
	/* a string holding a '}' does not end the skip */
	stream_feed("{\"a\":\"}}}}}}}}}}}}}}}}}}}}\"}{}", 5, 16, buffer_out,
	    sizeof(buffer_out));
	ck_assert_str_eq(buffer_out, "l:20\nM:{}\nW:0");
	/* garbage over the limit: skipped to its newline */
	stream_feed("xxxxxxxxxxxxxxxxxxxxxxxxx\n{}", 1, 16, buffer_out,
	    sizeof(buffer_out));
	ck_assert_str_eq(buffer_out, "l:17\nM:{}\nW:0");
	/* exactly at the limit is still a message */
	assert_stream("{\"a\":\"01234567\"}", 16, "M:{\"a\":\"01234567\"}\nW:0");
}
END_TEST

/* A value cut short waits, under the limit, each byte looked at once. */
START_TEST(test_stream_cut)
{
	struct api_stream stream;
	struct api_frame frame;

	memset(&stream, 0, sizeof(stream));
	frame = api_stream_next(&stream, "{\"execute\":", 11, 64);
	ck_assert_int_eq(frame.action, API_FRAME_WAIT);
	ck_assert_uint_eq(stream.scanned, 11);
	ck_assert_uint_eq(stream.depth, 1);
	frame = api_stream_next(&stream, "{\"execute\":\"x", 13, 64);
	ck_assert_int_eq(frame.action, API_FRAME_WAIT);
	ck_assert_uint_eq(stream.scanned, 13);
	ck_assert(stream.in_string);
	frame = api_stream_next(&stream, "{\"execute\":\"x\"}", 15, 64);
	ck_assert_int_eq(frame.action, API_FRAME_LINE);
	ck_assert_uint_eq(frame.length, 15);
	ck_assert(!stream.started);
	stream_feed("{\"execute\":\"x\"", 1, 64, buffer_out, sizeof(buffer_out));
	ck_assert_str_eq(buffer_out, "W:14");
}
END_TEST

static Suite *
framing_suite(void)
{
	Suite *suite = suite_create("framing");
	TCase *tcase = tcase_create("lines");
	TCase *stream = tcase_create("stream");

	tcase_add_checked_fixture(tcase, setup, NULL);
	tcase_add_test(tcase, test_line);
	tcase_add_test(tcase, test_too_large_whole);
	tcase_add_test(tcase, test_too_large_in_pieces);
	tcase_add_test(tcase, test_trim);
	tcase_add_test(stream, test_stream_without_newlines);
	tcase_add_test(stream, test_stream_value_shapes);
	tcase_add_test(stream, test_stream_garbage);
	tcase_add_test(stream, test_stream_too_large);
	tcase_add_test(stream, test_stream_cut);
	suite_add_tcase(suite, tcase);
	suite_add_tcase(suite, stream);
	return suite;
}

UNIT_SUITE(framing_suite)
