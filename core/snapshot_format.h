/* The snapshot state file (docs/snapshot.md): a writer into a growing
 * buffer and a strict reader over a buffer. Pure: no KVM, no files beyond
 * the memory file's check. Architecture-neutral: a register id is checked
 * by the architecture's function passed in (arm64/snapshot_regs.c). */
#ifndef CORE_SNAPSHOT_FORMAT_H
#define CORE_SNAPSHOT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAPSHOT_MAGIC		"VMMDSNAP"
#define SNAPSHOT_VERSION	1u
#define SNAPSHOT_ARCH		"aarch64"
#define SNAPSHOT_HEADER_SIZE	32u
#define SNAPSHOT_SECTION_HEAD	16u
#define SNAPSHOT_VCPUS_MAX	512u	/* KVM's arm64 KVM_MAX_VCPUS */

enum snapshot_section {
	SNAPSHOT_SEC_VERSION = 1,
	SNAPSHOT_SEC_CPU_MODEL,
	SNAPSHOT_SEC_TABLES,
	SNAPSHOT_SEC_CONFIG,
	SNAPSHOT_SEC_VCPU,
	SNAPSHOT_SEC_MP_STATE,
	SNAPSHOT_SEC_TIMERS,
	SNAPSHOT_SEC_VGIC,
	SNAPSHOT_SEC_DEVICES,
	SNAPSHOT_SEC_END,
};

struct snapshot_blob {
	const uint8_t *data;
	size_t size;
};

struct snapshot_limits {
	uint32_t vcpus_max;
	uint64_t memory_max;	/* bytes */
};

/* What the reader found; every blob points into the caller's buffer. */
struct snapshot_view {
	uint32_t page_size;
	struct snapshot_blob version, cpu_model, tables, config, mp_state,
	    timers, vgic, devices;
	uint32_t sysreg_entries, forward_map_version;
	uint32_t vcpus, device_count;
	uint64_t memory_size;
	uint32_t vcpu_sections;
	struct snapshot_blob vcpu[SNAPSHOT_VCPUS_MAX];	/* whole sections */
};

/* 0 if the architecture knows the register id, else -ENOENT with the reason
 * (naming its encoding) in why. */
typedef int snapshot_id_check_fn(uint64_t id, char *why, size_t why_size);

size_t snapshot_reg_size(uint64_t id);	/* 0: a size the format refuses */

/* The writer: calls in the order of the sections; an allocation failure is
 * kept and returned by snapshot_writer_finish. */
struct snapshot_writer {
	uint8_t *data;
	size_t size, capacity;
	size_t section;		/* offset of the open section's head */
	int error;
};

void snapshot_writer_init(struct snapshot_writer *writer, uint32_t page_size);
void snapshot_section_begin(struct snapshot_writer *writer,
    enum snapshot_section type);
void snapshot_section_end(struct snapshot_writer *writer);
void snapshot_put(struct snapshot_writer *writer, const void *data,
    size_t size);
void snapshot_put_u32(struct snapshot_writer *writer, uint32_t value);
void snapshot_put_u64(struct snapshot_writer *writer, uint64_t value);
void snapshot_patch_u32(struct snapshot_writer *writer, size_t offset,
    uint32_t value);
int snapshot_writer_finish(struct snapshot_writer *writer);
void snapshot_writer_free(struct snapshot_writer *writer);

int snapshot_parse(const uint8_t *data, size_t size,
    const struct snapshot_limits *limits, snapshot_id_check_fn *check,
    struct snapshot_view *view, char *why, size_t why_size);
/* The memory file beside the state file: there, and the config's size. */
int snapshot_memory_check(int dir_fd, uint64_t memory_size, char *why,
    size_t why_size);

#endif
