/* Inside a snapshot section: length-prefixed parts for the writer, and a
 * strict cursor over a blob for the readers (the devices' restore
 * functions). Pure; little-endian like the rest of the state file. */
#ifndef CORE_SNAPSHOT_BLOB_H
#define CORE_SNAPSHOT_BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot_format.h"

/* A part: u32 length, then its bytes. begin returns where the length
 * goes, end fills it in. */
size_t snapshot_part_begin(struct snapshot_writer *writer);
void snapshot_part_end(struct snapshot_writer *writer, size_t at);
void snapshot_put_u8(struct snapshot_writer *writer, uint8_t value);
void snapshot_put_u16(struct snapshot_writer *writer, uint16_t value);

/* Reads past the end return zeros and mark the cursor short; the
 * caller checks once, at the end (snapshot_cursor_end). */
struct snapshot_cursor {
	const uint8_t *data;
	size_t size, offset;
	bool short_read;
};

void snapshot_cursor_init(struct snapshot_cursor *cursor,
    const struct snapshot_blob *blob);
void snapshot_get(struct snapshot_cursor *cursor, void *out, size_t size);
uint8_t snapshot_get_u8(struct snapshot_cursor *cursor);
uint16_t snapshot_get_u16(struct snapshot_cursor *cursor);
uint32_t snapshot_get_u32(struct snapshot_cursor *cursor);
uint64_t snapshot_get_u64(struct snapshot_cursor *cursor);
/* A part (u32 length, bytes) as a blob pointing into the cursor's data. */
void snapshot_get_part(struct snapshot_cursor *cursor,
    struct snapshot_blob *part);
/* 0 when the blob was read exactly to its end; else -EINVAL and why
 * says "WHAT: truncated" or "WHAT: N bytes too many". */
int snapshot_cursor_end(const struct snapshot_cursor *cursor,
    const char *what, char *why, size_t why_size);

#endif
