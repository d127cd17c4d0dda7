/* Length-prefixed parts and a cursor that never reads past its blob. */
#include "snapshot_blob.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

size_t
snapshot_part_begin(struct snapshot_writer *writer)
{
	size_t at = writer->size;

	snapshot_put_u32(writer, 0);
	return at;
}

void
snapshot_part_end(struct snapshot_writer *writer, size_t at)
{
	uint32_t length = (uint32_t)(writer->size - at - 4);

	if (writer->error)
		return;
	memcpy(writer->data + at, &length, 4);	/* little-endian hosts only */
}

void
snapshot_put_u8(struct snapshot_writer *writer, uint8_t value)
{
	snapshot_put(writer, &value, 1);
}

void
snapshot_put_u16(struct snapshot_writer *writer, uint16_t value)
{
	snapshot_put(writer, &value, 2);
}

void
snapshot_cursor_init(struct snapshot_cursor *cursor,
    const struct snapshot_blob *blob)
{
	cursor->data = blob->data;
	cursor->size = blob->data != NULL ? blob->size : 0;
	cursor->offset = 0;
	cursor->short_read = false;
}

void
snapshot_get(struct snapshot_cursor *cursor, void *out, size_t size)
{
	if (cursor->short_read || size > cursor->size - cursor->offset) {
		cursor->short_read = true;
		memset(out, 0, size);
		return;
	}
	memcpy(out, cursor->data + cursor->offset, size);
	cursor->offset += size;
}

/* size bytes, little-endian as the host is */
static uint64_t
get_le(struct snapshot_cursor *cursor, size_t size)
{
	uint64_t value = 0;

	snapshot_get(cursor, &value, size);
	return value;
}

uint8_t
snapshot_get_u8(struct snapshot_cursor *cursor)
{
	return (uint8_t)get_le(cursor, 1);
}

uint16_t
snapshot_get_u16(struct snapshot_cursor *cursor)
{
	return (uint16_t)get_le(cursor, 2);
}

uint32_t
snapshot_get_u32(struct snapshot_cursor *cursor)
{
	return (uint32_t)get_le(cursor, 4);
}

uint64_t
snapshot_get_u64(struct snapshot_cursor *cursor)
{
	return get_le(cursor, 8);
}

void
snapshot_get_part(struct snapshot_cursor *cursor, struct snapshot_blob *part)
{
	uint32_t length = snapshot_get_u32(cursor);

	part->data = NULL;
	part->size = 0;
	if (cursor->short_read || length > cursor->size - cursor->offset) {
		cursor->short_read = true;
		return;
	}
	part->data = cursor->data + cursor->offset;
	part->size = length;
	cursor->offset += length;
}

int
snapshot_cursor_end(const struct snapshot_cursor *cursor, const char *what,
    char *why, size_t why_size)
{
	if (cursor->short_read)
		snprintf(why, why_size, "%s: truncated", what);
	else if (cursor->offset != cursor->size)
		snprintf(why, why_size, "%s: %zu bytes too many", what,
		    cursor->size - cursor->offset);
	else
		return 0;
	return -EINVAL;
}
