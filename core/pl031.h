/* An emulated Arm PL031 real-time clock (PrimeCell, DDI 0224): a 32-bit
 * seconds counter that starts at the host's wall-clock time, a load and a
 * match register, the match interrupt and the PrimeCell ID registers that
 * Linux's AMBA bus reads. The architecture places it (arch_layout). */
#ifndef VMMD_PL031_H
#define VMMD_PL031_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "forward_map.h"
#include "mmio.h"

struct snapshot_blob;
struct snapshot_writer;

#define PL031_SIZE	0x1000u

struct pl031_sink {
	void (*set_irq)(void *context, bool level);	/* the interrupt line */
	void *context;
};

struct pl031 {
	pthread_mutex_t lock;		/* any vCPU may touch it */
	struct pl031_sink sink;
	uint64_t (*clock_ns)(void);	/* monotonic: the counter's ticks */
	uint64_t start_ns;		/* clock_ns() when the counter was at... */
	uint32_t tick_offset;		/* ...this value (wall clock, then LR) */
	uint32_t match, load;		/* MR, LR as last written */
	bool match_armed;		/* the counter has not reached MR since */
	uint32_t armed_at;		/* the counter when MR (or LR) was written */
	uint8_t imsc, ris;		/* interrupt mask, raw status (bit 0) */
	bool irq_level;
};

/* The counter starts at wall_seconds (seconds since the epoch, as the PL031
 * counts in Linux guests) and ticks each second of clock_ns. */
void pl031_init(struct pl031 *rtc, const struct pl031_sink *sink,
    uint64_t (*clock_ns)(void), uint64_t wall_seconds);
void pl031_destroy(struct pl031 *rtc);
int pl031_mmio(void *device, struct mmio_access *access);
int pl031_attach(struct forward_map *map, struct pl031 *rtc, uint64_t base);
/* Its registers for a snapshot, and back: the counter goes on reading the
 * host's wall time (as pl031_init set it), LR, MR, IMSC and RIS are the
 * guest's, a match armed before the save stays armed. */
void pl031_save(struct pl031 *rtc, struct snapshot_writer *writer);
int pl031_restore(struct pl031 *rtc, const struct snapshot_blob *blob,
    char *why, size_t why_size);

#endif
