/* Console bytes in JSON: base64 both ways (RFC 4648's test vectors and
 * every byte value), UTF-8 text that keeps valid sequences, marks the rest,
 * and holds a sequence cut at a chunk's end for the next chunk. */
#include <string.h>

#include "../../api/console_data.h"
#include "suites.h"

START_TEST(test_base64_vectors)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
	    "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
	    "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char text[16];
	uint8_t bytes[16];
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		ck_assert_uint_eq(base64_encode((const uint8_t *)plain[i],
		    strlen(plain[i]), text), strlen(coded[i]));
		ck_assert_str_eq(text, coded[i]);
		ck_assert_int_eq(base64_decode(coded[i], strlen(coded[i]),
		    bytes, sizeof(bytes)), (int)strlen(plain[i]));
		ck_assert(memcmp(bytes, plain[i], strlen(plain[i])) == 0);
	}
}
END_TEST

START_TEST(test_base64_every_byte)
{
	uint8_t bytes[256], back[256];
	char text[BASE64_LENGTH(256) + 1];
	size_t i, n;

	for (i = 0; i < 256; i++)
		bytes[i] = (uint8_t)i;
	n = base64_encode(bytes, 256, text);
	ck_assert_int_eq(base64_decode(text, n, back, sizeof(back)), 256);
	ck_assert(memcmp(bytes, back, 256) == 0);
	ck_assert_int_eq(base64_decode(text, n, back, 255), -1);
}
END_TEST

START_TEST(test_base64_refused)
{
	uint8_t out[8];

	ck_assert_int_eq(base64_decode("Zm9", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("Zm9*", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("Z===", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("Zg==Zg==", 8, out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_text_utf8)
{
	/* ASCII, é, €, 😀; then a lone continuation, an overlong, NUL */
	const uint8_t in[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
	    "\x80\xc0\xaf\x00z";
	char out[sizeof(in)];
	size_t held;

	ck_assert_uint_eq(console_text(in, sizeof(in) - 1, out, &held), 15);
	ck_assert_str_eq(out, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80????z");
	ck_assert_uint_eq(held, 0);
}
END_TEST

START_TEST(test_text_held_across_chunks)
{
	const uint8_t first[] = "ok \xe2\x82", second[] = "\xe2\x82\xac!";
	char out[16];
	size_t held;

	console_text(first, 5, out, &held);
	ck_assert_str_eq(out, "ok ");
	ck_assert_uint_eq(held, 2);
	console_text(second, 4, out, &held);	/* the caller put them back */
	ck_assert_str_eq(out, "\xe2\x82\xac!");
	console_text(first, 5, out, NULL);	/* nothing comes after */
	ck_assert_str_eq(out, "ok ??");
}
END_TEST

static Suite *
console_data_suite(void)
{
	Suite *suite = suite_create("console_data");
	TCase *tcase = tcase_create("encodings");

	tcase_add_test(tcase, test_base64_vectors);
	tcase_add_test(tcase, test_base64_every_byte);
	tcase_add_test(tcase, test_base64_refused);
	tcase_add_test(tcase, test_text_utf8);
	tcase_add_test(tcase, test_text_held_across_chunks);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(console_data_suite)
