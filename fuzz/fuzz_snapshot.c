/* libFuzzer target: the snapshot state file's reader (core/snapshot_format.c)
 * with arm64's register-id check. Each input is read as it is and, so that
 * the fuzzer gets past the checksum, with its trailing crc32 recomputed. A
 * refusal must be one non-empty line; a snapshot the reader accepts must
 * come out of the writer, from what the reader found, byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../arm64/snapshot_regs.h"
#include "../core/snapshot_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct snapshot_limits limits = { 64, 1ull << 40 };
static struct snapshot_view view;

static void
put_blob(struct snapshot_writer *writer, enum snapshot_section type,
    const struct snapshot_blob *blob)
{
	snapshot_section_begin(writer, type);
	snapshot_put(writer, blob->data, blob->size);
	snapshot_section_end(writer);
}

/* The file again from the view: the reader kept nothing back. */
static void
rewrite_same(const uint8_t *data, size_t size)
{
	struct snapshot_writer writer;

	snapshot_writer_init(&writer, view.page_size);
	put_blob(&writer, SNAPSHOT_SEC_VERSION, &view.version);
	put_blob(&writer, SNAPSHOT_SEC_CPU_MODEL, &view.cpu_model);
	put_blob(&writer, SNAPSHOT_SEC_TABLES, &view.tables);
	put_blob(&writer, SNAPSHOT_SEC_CONFIG, &view.config);
	for (uint32_t i = 0; i < view.vcpus; i++)
		put_blob(&writer, SNAPSHOT_SEC_VCPU, &view.vcpu[i]);
	put_blob(&writer, SNAPSHOT_SEC_MP_STATE, &view.mp_state);
	put_blob(&writer, SNAPSHOT_SEC_TIMERS, &view.timers);
	put_blob(&writer, SNAPSHOT_SEC_VGIC, &view.vgic);
	put_blob(&writer, SNAPSHOT_SEC_DEVICES, &view.devices);
	if (snapshot_writer_finish(&writer) != 0 || writer.size != size ||
	    memcmp(writer.data, data, size) != 0)
		__builtin_trap();
	snapshot_writer_free(&writer);
}

static void
read_one(const uint8_t *data, size_t size)
{
	char why[256];

	why[0] = '\0';
	if (snapshot_parse(data, size, &limits, arm64_snapshot_id_check, &view,
	    why, sizeof(why)) == 0)
		rewrite_same(data, size);
	else if (why[0] == '\0' || strchr(why, '\n'))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	uint32_t crc;

	read_one(data, size);
	if (size < SNAPSHOT_HEADER_SIZE + 20)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	crc = (uint32_t)crc32_z(0, copy, size - 20);
	for (int i = 0; i < 4; i++)
		copy[size - 4 + i] = (uint8_t)(crc >> (8 * i));
	read_one(copy, size);
	free(copy);
	return 0;
}
