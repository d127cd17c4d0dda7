/* The snapshot state file (docs/snapshot.md). The reader first checks the
 * framing (header, each section's type, order and length, the checksum),
 * then decodes the contents it needs; each refusal is one line in why. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "error.h"
#include "snapshot_format.h"
#include "snapshot_memory.h"

static const char *const section_names[] = {
	[SNAPSHOT_SEC_VERSION] = "version",
	[SNAPSHOT_SEC_CPU_MODEL] = "cpu-model",
	[SNAPSHOT_SEC_TABLES] = "tables",
	[SNAPSHOT_SEC_CONFIG] = "config",
	[SNAPSHOT_SEC_VCPU] = "vcpu",
	[SNAPSHOT_SEC_MP_STATE] = "mp-state",
	[SNAPSHOT_SEC_TIMERS] = "timers",
	[SNAPSHOT_SEC_VGIC] = "vgic",
	[SNAPSHOT_SEC_DEVICES] = "devices",
	[SNAPSHOT_SEC_END] = "end",
};

static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static uint64_t
get_u64(const uint8_t *p)
{
	return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void
set_u32(uint8_t *p, uint32_t value)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(value >> (8 * i));
}

static void
set_u64(uint8_t *p, uint64_t value)
{
	set_u32(p, (uint32_t)value);
	set_u32(p + 4, (uint32_t)(value >> 32));
}

size_t
snapshot_reg_size(uint64_t id)
{
	size_t size = (size_t)1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);

	return size >= 4 && size <= 256 ? size : 0;	/* U32 .. U2048 */
}

/* ---- Writer ---- */

static bool
reserve(struct snapshot_writer *writer, size_t more)
{
	size_t capacity = writer->capacity ? writer->capacity : 4096;
	uint8_t *data;

	if (writer->error)
		return false;
	while (capacity - writer->size < more)
		capacity *= 2;
	if (capacity == writer->capacity)
		return true;
	data = realloc(writer->data, capacity);
	if (!data) {
		writer->error = -ENOMEM;
		return false;
	}
	writer->data = data;
	writer->capacity = capacity;
	return true;
}

void
snapshot_put(struct snapshot_writer *writer, const void *data, size_t size)
{
	if (!reserve(writer, size))
		return;
	if (size)
		memcpy(writer->data + writer->size, data, size);
	writer->size += size;
}

void
snapshot_put_u32(struct snapshot_writer *writer, uint32_t value)
{
	uint8_t bytes[4];

	set_u32(bytes, value);
	snapshot_put(writer, bytes, sizeof(bytes));
}

void
snapshot_put_u64(struct snapshot_writer *writer, uint64_t value)
{
	uint8_t bytes[8];

	set_u64(bytes, value);
	snapshot_put(writer, bytes, sizeof(bytes));
}

/* A u32 put earlier at offset, known only later (CONFIG's device count). */
void
snapshot_patch_u32(struct snapshot_writer *writer, size_t offset,
    uint32_t value)
{
	if (!writer->error && offset + 4 <= writer->size)
		set_u32(writer->data + offset, value);
}

void
snapshot_writer_init(struct snapshot_writer *writer, uint32_t page_size)
{
	uint8_t header[SNAPSHOT_HEADER_SIZE] = { 0 };

	memset(writer, 0, sizeof(*writer));
	memcpy(header, SNAPSHOT_MAGIC, 8);
	set_u32(header + 8, SNAPSHOT_VERSION);
	set_u32(header + 12, page_size);
	memcpy(header + 16, SNAPSHOT_ARCH, strlen(SNAPSHOT_ARCH));
	snapshot_put(writer, header, sizeof(header));
}

void
snapshot_section_begin(struct snapshot_writer *writer,
    enum snapshot_section type)
{
	writer->section = writer->size;
	snapshot_put_u32(writer, type);
	snapshot_put_u32(writer, 0);
	snapshot_put_u64(writer, 0);
}

void
snapshot_section_end(struct snapshot_writer *writer)
{
	if (writer->error)
		return;
	set_u64(writer->data + writer->section + 8,
	    writer->size - writer->section - SNAPSHOT_SECTION_HEAD);
}

int
snapshot_writer_finish(struct snapshot_writer *writer)
{
	uint32_t crc;

	snapshot_section_begin(writer, SNAPSHOT_SEC_END);
	if (writer->error)
		return writer->error;
	crc = (uint32_t)crc32_z(0, writer->data, writer->section);
	snapshot_put_u32(writer, crc);
	snapshot_section_end(writer);
	return writer->error;
}

void
snapshot_writer_free(struct snapshot_writer *writer)
{
	free(writer->data);
	memset(writer, 0, sizeof(*writer));
}

/* ---- Reader ---- */

static int
parse_header(const uint8_t *data, size_t size, struct snapshot_view *view,
    char *why, size_t why_size)
{
	char arch[9] = { 0 };

	if (size < SNAPSHOT_HEADER_SIZE)
		return error_set(why, why_size, "truncated: %zu bytes, shorter "
		    "than the %u-byte header", size, SNAPSHOT_HEADER_SIZE);
	if (memcmp(data, SNAPSHOT_MAGIC, 8) != 0)
		return error_set(why, why_size, "bad magic: not a vmmd snapshot");
	if (get_u32(data + 8) != SNAPSHOT_VERSION)
		return error_set(why, why_size, "unknown format version %u "
		    "(this vmmd reads %u)", get_u32(data + 8), SNAPSHOT_VERSION);
	memcpy(arch, data + 16, 8);
	for (int i = 0; i < 8; i++)
		if (arch[i] && (arch[i] < 0x21 || arch[i] > 0x7e))
			arch[i] = '?';
	if (memcmp(data + 16, SNAPSHOT_ARCH "\0", 8) != 0)
		return error_set(why, why_size, "architecture \"%s\", not "
		    "\"%s\"", arch, SNAPSHOT_ARCH);
	if (get_u64(data + 24) != 0)
		return error_set(why, why_size, "header's reserved bytes are "
		    "not zero");
	view->page_size = get_u32(data + 12);
	if (view->page_size < 4096 || view->page_size > 65536 ||
	    (view->page_size & (view->page_size - 1)))
		return error_set(why, why_size, "page size %u is not 4, 16 or "
		    "64 KiB", view->page_size);
	return 0;
}

/* One section's place in the fixed order: each once, the vCPUs' in a run. */
static int
take_section(struct snapshot_view *view, uint32_t type, uint32_t last,
    struct snapshot_blob blob, char *why, size_t why_size)
{
	struct snapshot_blob *slots[] = {
		[SNAPSHOT_SEC_VERSION] = &view->version,
		[SNAPSHOT_SEC_CPU_MODEL] = &view->cpu_model,
		[SNAPSHOT_SEC_TABLES] = &view->tables,
		[SNAPSHOT_SEC_CONFIG] = &view->config,
		[SNAPSHOT_SEC_MP_STATE] = &view->mp_state,
		[SNAPSHOT_SEC_TIMERS] = &view->timers,
		[SNAPSHOT_SEC_VGIC] = &view->vgic,
		[SNAPSHOT_SEC_DEVICES] = &view->devices,
	};

	if (type < SNAPSHOT_SEC_VERSION || type > SNAPSHOT_SEC_END)
		return error_set(why, why_size, "unknown section type %u", type);
	if (type != last + 1 && !(type == SNAPSHOT_SEC_VCPU && last == type))
		return error_set(why, why_size, "section %s out of order (after "
		    "%s)", section_names[type], last ? section_names[last] :
		    "the header");
	if (type == SNAPSHOT_SEC_VCPU) {
		if (view->vcpu_sections == SNAPSHOT_VCPUS_MAX)
			return error_set(why, why_size, "more than %u vcpu "
			    "sections", SNAPSHOT_VCPUS_MAX);
		view->vcpu[view->vcpu_sections++] = blob;
	} else if (type != SNAPSHOT_SEC_END) {
		*slots[type] = blob;
	}
	return 0;
}

/* The framing: sections back to back up to END, whose crc32 covers every
 * byte before it and which ends the file. */
static int
walk_sections(const uint8_t *data, size_t size, struct snapshot_view *view,
    char *why, size_t why_size)
{
	size_t offset = SNAPSHOT_HEADER_SIZE;
	uint32_t last = 0, type;
	uint64_t length;
	int err;

	while (last != SNAPSHOT_SEC_END) {
		if (size - offset < SNAPSHOT_SECTION_HEAD)
			return error_set(why, why_size, "truncated: the file "
			    "ends at byte %zu, before section %s", offset,
			    last < SNAPSHOT_SEC_END && last != SNAPSHOT_SEC_VCPU ?
			    section_names[last + 1] : "vcpu or later");
		type = get_u32(data + offset);
		length = get_u64(data + offset + 8);
		if (type >= SNAPSHOT_SEC_VERSION && type <= SNAPSHOT_SEC_END &&
		    length > size - offset - SNAPSHOT_SECTION_HEAD)
			return error_set(why, why_size, "truncated: section %s at "
			    "byte %zu is %llu bytes, longer than the file",
			    section_names[type],
			    offset, (unsigned long long)length);
		err = take_section(view, type, last, (struct snapshot_blob) {
		    data + offset + SNAPSHOT_SECTION_HEAD, (size_t)length },
		    why, why_size);
		if (err)
			return err;
		if (get_u32(data + offset + 4) != 0)
			return error_set(why, why_size, "section %s has unknown "
			    "flags %#x", section_names[type],
			    get_u32(data + offset + 4));
		if (type == SNAPSHOT_SEC_END)
			break;
		offset += SNAPSHOT_SECTION_HEAD + (size_t)length;
		last = type;
	}
	if (length != 4 || offset + SNAPSHOT_SECTION_HEAD + 4 != size)
		return error_set(why, why_size, "the end section is not 4 bytes "
		    "at the end of the file");
	if (crc32_z(0, data, offset) != get_u32(data + offset +
	    SNAPSHOT_SECTION_HEAD))
		return error_set(why, why_size, "checksum mismatch: crc32 %08lx, "
		    "the file says %08x", crc32_z(0, data, offset),
		    get_u32(data + offset + SNAPSHOT_SECTION_HEAD));
	return 0;
}

static int
decode_config(struct snapshot_view *view, const struct snapshot_limits *limits,
    char *why, size_t why_size)
{
	if (view->tables.size != 8 || view->config.size != 16)
		return error_set(why, why_size, "tables section of %zu bytes or "
		    "config of %zu: 8 and 16 expected", view->tables.size,
		    view->config.size);
	view->sysreg_entries = get_u32(view->tables.data);
	view->forward_map_version = get_u32(view->tables.data + 4);
	view->vcpus = get_u32(view->config.data);
	view->device_count = get_u32(view->config.data + 4);
	view->memory_size = get_u64(view->config.data + 8);
	if (view->vcpus < 1 || view->vcpus > limits->vcpus_max)
		return error_set(why, why_size, "%u vcpus, outside 1..%u",
		    view->vcpus, limits->vcpus_max);
	if (view->memory_size == 0 || view->memory_size > limits->memory_max ||
	    view->memory_size % view->page_size)
		return error_set(why, why_size, "memory size %llu bytes: not a "
		    "whole number of pages in 1..%llu", (unsigned long long)
		    view->memory_size, (unsigned long long)limits->memory_max);
	if (view->vcpu_sections != view->vcpus)
		return error_set(why, why_size, "%u vcpu sections for %u vcpus",
		    view->vcpu_sections, view->vcpus);
	return 0;
}

static int
decode_vcpu(const struct snapshot_blob *blob, uint32_t index,
    snapshot_id_check_fn *check, char *why, size_t why_size)
{
	size_t offset = 8, value_size;
	uint32_t count;
	uint64_t id;
	int n;

	if (blob->size < 8 || get_u32(blob->data) != index)
		return error_set(why, why_size, "vcpu section %u: no header or "
		    "another index", index);
	count = get_u32(blob->data + 4);
	for (uint32_t i = 0; i < count; i++) {
		if (blob->size - offset < 8)
			return error_set(why, why_size, "vcpu %u: register %u of "
			    "%u past the section's end", index, i, count);
		id = get_u64(blob->data + offset);
		value_size = snapshot_reg_size(id);
		if (!value_size || blob->size - offset - 8 < value_size)
			return error_set(why, why_size, "vcpu %u: register "
			    "%#llx: bad size or past the section's end", index,
			    (unsigned long long)id);
		n = snprintf(why, why_size, "vcpu %u: ", index);
		if ((size_t)n >= why_size)	/* why too short for more */
			n = why_size ? (int)why_size - 1 : 0;
		if (check(id, why + n, why_size - (size_t)n) != 0)
			return -EINVAL;
		offset += 8 + value_size;
	}
	if (offset != blob->size)
		return error_set(why, why_size, "vcpu %u: %zu bytes after its %u "
		    "registers", index, blob->size - offset, count);
	return 0;
}

int
snapshot_parse(const uint8_t *data, size_t size,
    const struct snapshot_limits *limits, snapshot_id_check_fn *check,
    struct snapshot_view *view, char *why, size_t why_size)
{
	int err;

	memset(view, 0, sizeof(*view));
	err = parse_header(data, size, view, why, why_size);
	if (!err)
		err = walk_sections(data, size, view, why, why_size);
	if (!err)
		err = decode_config(view, limits, why, why_size);
	for (uint32_t i = 0; !err && i < view->vcpus; i++)
		err = decode_vcpu(&view->vcpu[i], i, check, why, why_size);
	return err;
}

int
snapshot_memory_check(int dir_fd, uint64_t memory_size, char *why,
    size_t why_size)
{
	int fd, err;

	fd = openat(dir_fd, "memory", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return error_set(why, why_size, "memory file: %s",
		    strerror(errno));
	err = snapshot_memory_fd_check(fd, memory_size, why, why_size);
	close(fd);
	return err < 0 ? -EINVAL : 0;
}
