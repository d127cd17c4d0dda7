/* Guest console bytes in JSON: as UTF-8 text (what is not valid UTF-8
 * becomes '?'), or exact, in base64. */
#ifndef VMMD_CONSOLE_DATA_H
#define VMMD_CONSOLE_DATA_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BASE64_LENGTH(n)	(((n) + 2) / 3 * 4)

size_t base64_encode(const uint8_t *bytes, size_t length, char *out);
ssize_t base64_decode(const char *text, size_t length, uint8_t *out,
    size_t out_size);
size_t console_text(const uint8_t *bytes, size_t length, char *out,
    size_t *held);

#endif
