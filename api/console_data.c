/* Guest console bytes in JSON strings. JSON text is UTF-8: console_text
 * keeps every valid UTF-8 sequence (a guest printing UTF-8 is shown as it
 * meant) and turns other bytes, and NUL, into '?'. Clients that want the
 * bytes exactly ask for base64 (RFC 4648, with padding). */
#include "console_data.h"

#include <string.h>

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* out holds BASE64_LENGTH(length) + 1 bytes; returns the text's length. */
size_t
base64_encode(const uint8_t *bytes, size_t length, char *out)
{
	size_t i, o = 0;
	uint32_t v;

	for (i = 0; i + 2 < length; i += 3) {
		v = (uint32_t)bytes[i] << 16 | (uint32_t)bytes[i + 1] << 8 |
		    bytes[i + 2];
		out[o++] = base64_alphabet[v >> 18];
		out[o++] = base64_alphabet[(v >> 12) & 63];
		out[o++] = base64_alphabet[(v >> 6) & 63];
		out[o++] = base64_alphabet[v & 63];
	}
	if (i < length) {
		v = (uint32_t)bytes[i] << 16 |
		    (i + 1 < length ? (uint32_t)bytes[i + 1] << 8 : 0);
		out[o++] = base64_alphabet[v >> 18];
		out[o++] = base64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < length ? base64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int
base64_value(char c)
{
	const char *at = c != '\0' ? strchr(base64_alphabet, c) : NULL;

	return at != NULL ? (int)(at - base64_alphabet) : -1;
}

/* The bytes, or -1 when text is not padded base64 or does not fit. */
ssize_t
base64_decode(const char *text, size_t length, uint8_t *out, size_t out_size)
{
	size_t i, o = 0, pad;
	int v[4], k;

	if (length % 4 != 0)
		return -1;
	for (i = 0; i < length; i += 4) {
		pad = i + 4 == length ? (text[i + 3] == '=') +
		    (text[i + 2] == '=' && text[i + 3] == '=') : 0;
		for (k = 0; k < 4; k++) {
			v[k] = k >= 4 - (int)pad ? 0 : base64_value(text[i + k]);
			if (v[k] < 0)
				return -1;
		}
		if (o + 3 - pad > out_size)
			return -1;
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	return (ssize_t)o;
}

/* The length of the valid UTF-8 sequence at bytes: 0 when it is not one,
 * -1 when it is the valid start of one that length cuts short. */
static int
utf8_sequence(const uint8_t *bytes, size_t length)
{
	uint8_t b = bytes[0];
	int need = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 && b >= 0xc2 ? 2 :
	    (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 && b <= 0xf4 ? 4 : 0;
	int i;

	for (i = 1; i < need; i++) {
		if ((size_t)i >= length)
			return -1;
		if ((bytes[i] & 0xc0) != 0x80)
			return 0;
	}
	/* overlong three-byte forms, surrogates, and beyond U+10FFFF */
	if (need == 3 && ((b == 0xe0 && bytes[1] < 0xa0) ||
	    (b == 0xed && bytes[1] >= 0xa0)))
		return 0;
	if (need == 4 && ((b == 0xf0 && bytes[1] < 0x90) ||
	    (b == 0xf4 && bytes[1] >= 0x90)))
		return 0;
	return need;
}

/* out holds length + 1 bytes. A sequence cut short at the end is left
 * out; *held says how many bytes that is, for the caller to put before
 * what comes next (NULL: they become '?'). */
size_t
console_text(const uint8_t *bytes, size_t length, char *out, size_t *held)
{
	size_t i = 0, o = 0;
	int n;

	if (held != NULL)
		*held = 0;
	while (i < length) {
		n = utf8_sequence(bytes + i, length - i);
		if (n < 0 && held != NULL) {
			*held = length - i;
			break;
		}
		if (n <= 0 || bytes[i] == '\0') {
			out[o++] = '?';
			i++;
			continue;
		}
		memcpy(out + o, bytes + i, (size_t)n);
		o += (size_t)n;
		i += (size_t)n;
	}
	out[o] = '\0';
	return o;
}
