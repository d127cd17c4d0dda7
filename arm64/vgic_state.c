/* The vGICv3's state through KVM device attributes
 * (Documentation/virt/kvm/devices/arm-vgic-v3.rst, arm-vgic-its.rst). The
 * save reads a fixed plan of register runs, in the order KVM wants them set
 * back: GICD_IIDR and GICD_CTLR, the CPU interfaces (ICC_SRE and ICC_CTLR
 * first), the LPI tables' bases before GICR_CTLR can enable LPIs, each
 * redistributor, the SPIs (trigger configuration and line levels before the
 * pending bits), then the ITS with GITS_CTLR last. The restore replays the
 * list as saved, after a strict check of every entry. */
#include "vgic_state.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../core/error.h"
#include "../core/kvm.h"
#include "kvm_arm64_uapi.h"

/* Newer than, or absent from, the headers vmmd builds against. */
#ifndef KVM_DEV_ARM_VGIC_GRP_DIST_REGS
#define KVM_DEV_ARM_VGIC_GRP_DIST_REGS		1
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
#define KVM_DEV_ARM_VGIC_GRP_REDIST_REGS	5
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
#define KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS	6
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO
#define KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO		7
#endif
#ifndef KVM_DEV_ARM_VGIC_GRP_ITS_REGS
#define KVM_DEV_ARM_VGIC_GRP_ITS_REGS		8
#endif
#ifndef KVM_DEV_ARM_ITS_SAVE_TABLES
#define KVM_DEV_ARM_ITS_SAVE_TABLES		1
#define KVM_DEV_ARM_ITS_RESTORE_TABLES		2
#define KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES	3
#endif
#define LINE_LEVEL_INFO_SHIFT	10	/* KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT */

#define GROUP_DIST	KVM_DEV_ARM_VGIC_GRP_DIST_REGS
#define GROUP_REDIST	KVM_DEV_ARM_VGIC_GRP_REDIST_REGS
#define GROUP_ICC	KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS
#define GROUP_LEVEL	KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO
#define GROUP_ITS	KVM_DEV_ARM_VGIC_GRP_ITS_REGS

/* Register offsets (GICv3 architecture specification). */
#define GICD_CTLR	0x0000
#define GICD_IIDR	0x0008
#define GICD_STATUSR	0x0010
#define GICD_IGROUPR	0x0080
#define GICD_ISENABLER	0x0100
#define GICD_ISPENDR	0x0200
#define GICD_ISACTIVER	0x0300
#define GICD_IPRIORITYR	0x0400
#define GICD_ICFGR	0x0c00
#define GICD_IROUTER	0x6000
#define GICR_CTLR	0x0000
#define GICR_TYPER	0x0008
#define GICR_STATUSR	0x0010
#define GICR_PROPBASER	0x0070
#define GICR_SGI	0x10000		/* the SGI_base frame */
#define GICR_TYPER_PLPIS	1u
#define GITS_CTLR	0x0000
#define GITS_IIDR	0x0004
#define GITS_CBASER	0x0080
#define GITS_CWRITER	0x0088
#define GITS_CREADR	0x0090
#define GITS_BASER	0x0100
#define GITS_BASERS	8

#define SPI_WORDS	((VGIC_NR_IRQS - 32) / 32)	/* one bit a line */

/* CPU-interface registers: the instr field, Op0 Op1 CRn CRm Op2. */
#define ICC(crn, crm, op2) \
	((uint32_t)(3u << 14 | (crn) << 7 | (crm) << 3 | (op2)))
#define ICC_PMR_EL1	ICC(4, 6, 0)
#define ICC_BPR0_EL1	ICC(12, 8, 3)
#define ICC_AP0R0_EL1	ICC(12, 8, 4)
#define ICC_AP1R0_EL1	ICC(12, 9, 0)
#define ICC_BPR1_EL1	ICC(12, 12, 3)
#define ICC_CTLR_EL1	ICC(12, 12, 4)
#define ICC_SRE_EL1	ICC(12, 12, 5)
#define ICC_IGRPEN0_EL1	ICC(12, 12, 6)
#define ICC_IGRPEN1_EL1	ICC(12, 12, 7)
#define ICC_APR_MAX	4

/* count attributes from offset, step apart, in one group. */
struct vgic_run {
	uint32_t group;
	uint32_t offset;
	uint32_t count;
	uint32_t step;
};

static const struct vgic_run dist_head[] = {
	{ GROUP_DIST, GICD_IIDR, 1, 4 },
	{ GROUP_DIST, GICD_CTLR, 1, 4 },
	{ GROUP_DIST, GICD_STATUSR, 1, 4 },
};

/* ICC_SRE and ICC_CTLR first: KVM checks the others against them; the
 * active-priority registers follow, as many as ICC_CTLR's PRIbits say. */
static const struct vgic_run icc_fixed[] = {
	{ GROUP_ICC, ICC_SRE_EL1, 1, 1 },
	{ GROUP_ICC, ICC_CTLR_EL1, 1, 1 },
	{ GROUP_ICC, ICC_IGRPEN0_EL1, 1, 1 },
	{ GROUP_ICC, ICC_IGRPEN1_EL1, 1, 1 },
	{ GROUP_ICC, ICC_PMR_EL1, 1, 1 },
	{ GROUP_ICC, ICC_BPR0_EL1, 1, 1 },
	{ GROUP_ICC, ICC_BPR1_EL1, 1, 1 },
};

/* GICR_PROPBASER and GICR_PENDBASER, low and high words. */
static const struct vgic_run lpi_bases[] = {
	{ GROUP_REDIST, GICR_PROPBASER, 4, 4 },
};

/* The SGIs' and PPIs' configuration before their pending bits. */
static const struct vgic_run redist[] = {
	{ GROUP_REDIST, GICR_CTLR, 1, 4 },
	{ GROUP_REDIST, GICR_STATUSR, 2, 4 },	/* and GICR_WAKER */
	{ GROUP_REDIST, GICR_SGI + GICD_IGROUPR, 1, 4 },
	{ GROUP_REDIST, GICR_SGI + GICD_ISENABLER, 1, 4 },
	{ GROUP_REDIST, GICR_SGI + GICD_ICFGR + 4, 1, 4 },	/* ICFGR1: PPIs */
	{ GROUP_LEVEL, 0, 1, 32 },
	{ GROUP_REDIST, GICR_SGI + GICD_ISPENDR, 1, 4 },
	{ GROUP_REDIST, GICR_SGI + GICD_ISACTIVER, 1, 4 },
	{ GROUP_REDIST, GICR_SGI + GICD_IPRIORITYR, 8, 4 },
};

/* The SPIs: routes and trigger configuration before pending state. */
static const struct vgic_run dist_spis[] = {
	{ GROUP_DIST, GICD_IGROUPR + 4, SPI_WORDS, 4 },
	{ GROUP_DIST, GICD_ISENABLER + 4, SPI_WORDS, 4 },
	{ GROUP_DIST, GICD_IROUTER + 8 * 32, 2 * (VGIC_NR_IRQS - 32), 4 },
	{ GROUP_DIST, GICD_ICFGR + 8, 2 * SPI_WORDS, 4 },
	{ GROUP_LEVEL, 32, SPI_WORDS, 32 },
	{ GROUP_DIST, GICD_ISPENDR + 4, SPI_WORDS, 4 },
	{ GROUP_DIST, GICD_ISACTIVER + 4, SPI_WORDS, 4 },
	{ GROUP_DIST, GICD_IPRIORITYR + 32, VGIC_NR_IRQS - 32, 4 },
};

/* arm-vgic-its.rst's restore order: GITS_IIDR (the table ABI), GITS_CBASER
 * before GITS_CREADR (writing CBASER resets it), GITS_CTLR last. */
static const struct vgic_run its[] = {
	{ GROUP_ITS, GITS_IIDR, 1, 8 },
	{ GROUP_ITS, GITS_CBASER, 1, 8 },
	{ GROUP_ITS, GITS_CREADR, 1, 8 },
	{ GROUP_ITS, GITS_CWRITER, 1, 8 },
	{ GROUP_ITS, GITS_BASER, GITS_BASERS, 8 },
	{ GROUP_ITS, GITS_CTLR, 1, 8 },
};

#define RUNS(table)	(table), sizeof(table) / sizeof((table)[0])

uint64_t
vgic_state_mpidr_attr(uint64_t mpidr)
{
	uint64_t affinity = (mpidr >> 32 & 0xff) << 24 | (mpidr & 0xffffff);

	return affinity << 32;
}

static size_t
value_size(uint32_t group)
{
	return group == GROUP_ICC || group == GROUP_ITS ? 8 : 4;
}

static int
device_fd(const struct vgic *gic, uint32_t group)
{
	return group == GROUP_ITS ? gic->its_fd : gic->gic_fd;
}

static int
get_attr(int fd, uint32_t group, uint64_t attr, uint64_t *value)
{
	struct kvm_device_attr request = { .group = group, .attr = attr,
	    .addr = (uint64_t)(uintptr_t)value };

	*value = 0;	/* a 32-bit register fills the low half */
	return ioctl(fd, KVM_GET_DEVICE_ATTR, &request) == 0 ? 0 : -errno;
}

static int
set_attr(int fd, uint32_t group, uint64_t attr, uint64_t value)
{
	uint32_t word = (uint32_t)value;

	return kvm_device_set_attr(fd, group, attr,
	    value_size(group) == 8 ? (const void *)&value : (const void *)&word);
}

static void
put_entry(struct snapshot_writer *writer, uint32_t group, uint64_t attr,
    uint64_t value)
{
	snapshot_put_u32(writer, group);
	snapshot_put_u32(writer, 0);
	snapshot_put_u64(writer, attr);
	snapshot_put_u64(writer, value);
}

static int
save_one(const struct vgic *gic, uint32_t group, uint64_t attr,
    struct snapshot_writer *writer, uint64_t *value, char *why,
    size_t why_size)
{
	int err = get_attr(device_fd(gic, group), group, attr, value);

	if (err) {
		error_set(why, why_size, "vgic: KVM_GET_DEVICE_ATTR group %u "
		    "attr %#llx: %s", group, (unsigned long long)attr,
		    strerror(-err));
		return err;
	}
	put_entry(writer, group, attr, *value);
	return 0;
}

/* Each run's attributes, for the vCPU whose affinity is in cpu. */
static int
save_runs(const struct vgic *gic, const struct vgic_run *runs, size_t n,
    uint64_t cpu, struct snapshot_writer *writer, char *why, size_t why_size)
{
	uint64_t value;
	int err;

	for (size_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < runs[i].count; k++) {
			err = save_one(gic, runs[i].group, (runs[i].group ==
			    GROUP_DIST || runs[i].group == GROUP_ITS ? 0 : cpu) |
			    (runs[i].offset + k * runs[i].step), writer, &value,
			    why, why_size);
			if (err)
				return err;
		}
	return 0;
}

/* 5 priority bits: one AP0R and one AP1R; 6: two of each; 7: four. */
static uint32_t
icc_apr_count(uint64_t icc_ctlr)
{
	unsigned int bits = (unsigned int)(icc_ctlr >> 8 & 7) + 1;

	return bits >= 7 ? 4 : bits == 6 ? 2 : 1;
}

static int
save_icc(const struct vgic *gic, uint64_t cpu, struct snapshot_writer *writer,
    char *why, size_t why_size)
{
	struct vgic_run aprs[2] = {
		{ GROUP_ICC, ICC_AP0R0_EL1, 0, 1 },
		{ GROUP_ICC, ICC_AP1R0_EL1, 0, 1 },
	};
	uint64_t ctlr;
	int err;

	err = get_attr(gic->gic_fd, GROUP_ICC, cpu | ICC_CTLR_EL1, &ctlr);
	if (err) {
		error_set(why, why_size, "vgic: ICC_CTLR_EL1: %s", strerror(-err));
		return err;
	}
	aprs[0].count = aprs[1].count = icc_apr_count(ctlr);
	err = save_runs(gic, RUNS(icc_fixed), cpu, writer, why, why_size);
	return err ? err : save_runs(gic, RUNS(aprs), cpu, writer, why, why_size);
}

/* The ITS's tables and the LPIs' pending bits into guest memory, so that
 * the memory file written after this holds them. */
static int
control(int fd, uint64_t attr, const char *name, char *why, size_t why_size)
{
	int err = kvm_device_set_attr(fd, KVM_DEV_ARM_VGIC_GRP_CTRL, attr, NULL);

	if (err)
		error_set(why, why_size, "vgic: %s: %s", name, strerror(-err));
	return err;
}

/* The ITS's tables and the LPIs' pending bits into guest memory, so that
 * the memory file written after this holds them. */
static int
flush_tables(const struct vgic *gic, char *why, size_t why_size)
{
	int err;

	if (gic->its_fd < 0)
		return 0;
	err = control(gic->its_fd, KVM_DEV_ARM_ITS_SAVE_TABLES,
	    "KVM_DEV_ARM_ITS_SAVE_TABLES", why, why_size);
	return err ? err : control(gic->gic_fd,
	    KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES,
	    "KVM_DEV_ARM_VGIC_SAVE_PENDING_TABLES", why, why_size);
}

static int
lpis_supported(const struct vgic *gic, uint64_t cpu, bool *lpis, char *why,
    size_t why_size)
{
	uint64_t typer;
	int err = get_attr(gic->gic_fd, GROUP_REDIST, cpu | GICR_TYPER, &typer);

	if (err)
		error_set(why, why_size, "vgic: GICR_TYPER: %s", strerror(-err));
	*lpis = typer & GICR_TYPER_PLPIS;
	return err;
}

static int
save_cpus(const struct vgic *gic, const uint64_t *mpidrs, unsigned int count,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	unsigned int i;
	bool lpis = false;
	int err = 0;

	for (i = 0; !err && i < count; i++)
		err = save_icc(gic, vgic_state_mpidr_attr(mpidrs[i]), writer,
		    why, why_size);
	if (!err)
		err = lpis_supported(gic, vgic_state_mpidr_attr(mpidrs[0]), &lpis,
		    why, why_size);
	for (i = 0; !err && lpis && i < count; i++)
		err = save_runs(gic, RUNS(lpi_bases), vgic_state_mpidr_attr(
		    mpidrs[i]), writer, why, why_size);
	for (i = 0; !err && i < count; i++)
		err = save_runs(gic, RUNS(redist), vgic_state_mpidr_attr(
		    mpidrs[i]), writer, why, why_size);
	return err;
}

int
vgic_state_save(const struct vgic *gic, const uint64_t *mpidrs,
    unsigned int count, struct snapshot_writer *writer, char *why,
    size_t why_size)
{
	uint64_t cpu0 = vgic_state_mpidr_attr(mpidrs[0]);
	int err;

	err = flush_tables(gic, why, why_size);
	if (!err)
		err = save_runs(gic, RUNS(dist_head), cpu0, writer, why, why_size);
	if (!err)
		err = save_cpus(gic, mpidrs, count, writer, why, why_size);
	if (!err)	/* SPI line levels are read through any vCPU */
		err = save_runs(gic, RUNS(dist_spis), cpu0, writer, why, why_size);
	if (!err && gic->its_fd >= 0)
		err = save_runs(gic, RUNS(its), 0, writer, why, why_size);
	return err;
}

/* ---- The reader ---- */

struct vgic_entry {
	uint32_t group, reserved;
	uint64_t attr, value;
};

static uint64_t
load_u64(const uint8_t *p)
{
	uint64_t value = 0;

	for (int i = 7; i >= 0; i--)
		value = value << 8 | p[i];
	return value;
}

static struct vgic_entry
entry_at(const struct snapshot_blob *section, size_t index)
{
	const uint8_t *p = section->data + index * VGIC_STATE_ENTRY_SIZE;
	uint64_t head = load_u64(p);

	return (struct vgic_entry){ (uint32_t)head, (uint32_t)(head >> 32),
	    load_u64(p + 8), load_u64(p + 16) };
}

static bool
cpu_known(uint64_t attr, const uint64_t *mpidrs, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		if (vgic_state_mpidr_attr(mpidrs[i]) == (attr & ~0xffffffffull))
			return true;
	return false;
}

static bool
icc_known(uint32_t instr)
{
	for (size_t i = 0; i < sizeof(icc_fixed) / sizeof(icc_fixed[0]); i++)
		if (icc_fixed[i].offset == instr)
			return true;
	return (instr >= ICC_AP0R0_EL1 && instr < ICC_AP0R0_EL1 + ICC_APR_MAX) ||
	    (instr >= ICC_AP1R0_EL1 && instr < ICC_AP1R0_EL1 + ICC_APR_MAX);
}

static bool
its_known(uint64_t offset)
{
	return offset == GITS_CTLR || offset == GITS_IIDR ||
	    offset == GITS_CBASER || offset == GITS_CWRITER ||
	    offset == GITS_CREADR || (offset >= GITS_BASER && offset <
	    GITS_BASER + 8 * GITS_BASERS && offset % 8 == 0);
}

/* What is wrong with one entry, or NULL. */
static const char *
entry_fault(const struct vgic_entry *e, const uint64_t *mpidrs,
    unsigned int count)
{
	uint32_t low = (uint32_t)e->attr;

	if (e->reserved)
		return "reserved bytes are not zero";
	if (value_size(e->group) == 4 && e->value > UINT32_MAX)
		return "a 32-bit register with a value above 32 bits";
	switch (e->group) {
	case GROUP_DIST:
		return e->attr >> 32 ? "a distributor attribute with an mpidr" :
		    low >= 0x10000 || low % 4 ? "not a distributor offset" : NULL;
	case GROUP_REDIST:
		return !cpu_known(e->attr, mpidrs, count) ? "no vCPU has its mpidr" :
		    low >= 0x20000 || low % 4 ? "not a redistributor offset" : NULL;
	case GROUP_ICC:
		return !cpu_known(e->attr, mpidrs, count) ? "no vCPU has its mpidr" :
		    low > 0xffff || !icc_known(low) ?
		    "not a CPU-interface register" : NULL;
	case GROUP_LEVEL:
		return !cpu_known(e->attr, mpidrs, count) ? "no vCPU has its mpidr" :
		    low >> LINE_LEVEL_INFO_SHIFT ? "not line-level information" :
		    low % 32 || low >= VGIC_NR_IRQS ? "not a first INTID of 32" :
		    NULL;
	case GROUP_ITS:
		return !its_known(e->attr) ? "not an ITS register" : NULL;
	default:
		return "unknown group";
	}
}

int
vgic_state_check(const struct snapshot_blob *section,
    const uint64_t *mpidrs, unsigned int count, bool has_its, char *why,
    size_t why_size)
{
	size_t n = section->size / VGIC_STATE_ENTRY_SIZE, its_ctlrs = 0, i;
	struct vgic_entry e;
	bool in_its = false;
	const char *fault;

	if (section->size == 0 || section->size % VGIC_STATE_ENTRY_SIZE)
		return error_set(why, why_size, "vgic section of %zu bytes: not "
		    "a whole number of %u-byte entries", section->size,
		    VGIC_STATE_ENTRY_SIZE);
	for (i = 0; i < n; i++) {
		e = entry_at(section, i);
		fault = entry_fault(&e, mpidrs, count);
		if (!fault && in_its && e.group != GROUP_ITS)
			fault = "a vGIC register after the ITS's";
		if (fault)
			return error_set(why, why_size, "vgic entry %zu (group %u "
			    "attr %#llx): %s", i, e.group,
			    (unsigned long long)e.attr, fault);
		in_its = e.group == GROUP_ITS;
		its_ctlrs += in_its && e.attr == GITS_CTLR;
	}
	if (in_its != has_its || (has_its && its_ctlrs != 1))
		return error_set(why, why_size, "vgic section: %s", has_its ?
		    "the VM has an ITS, the section not one GITS_CTLR" :
		    "ITS registers, and the VM has no ITS");
	return 0;
}

static int
restore_entry(const struct vgic *gic, const struct vgic_entry *e, char *why,
    size_t why_size)
{
	int err = set_attr(device_fd(gic, e->group), e->group, e->attr,
	    e->value);

	if (err)
		error_set(why, why_size, "vgic: KVM_SET_DEVICE_ATTR group %u attr "
		    "%#llx = %#llx: %s", e->group, (unsigned long long)e->attr,
		    (unsigned long long)e->value, strerror(-err));
	return err;
}

int
vgic_state_restore(const struct vgic *gic, const uint64_t *mpidrs,
    unsigned int count, const struct snapshot_blob *section, char *why,
    size_t why_size)
{
	size_t n = section->size / VGIC_STATE_ENTRY_SIZE, i, its_ctlr = n;
	struct vgic_entry e;
	int err;

	err = vgic_state_check(section, mpidrs, count, gic->its_fd >= 0, why,
	    why_size);
	for (i = 0; !err && i < n; i++) {
		e = entry_at(section, i);
		if (e.group == GROUP_ITS && e.attr == GITS_CTLR)
			its_ctlr = i;	/* after the tables */
		else
			err = restore_entry(gic, &e, why, why_size);
	}
	if (!err && its_ctlr < n)
		err = control(gic->its_fd, KVM_DEV_ARM_ITS_RESTORE_TABLES,
		    "KVM_DEV_ARM_ITS_RESTORE_TABLES", why, why_size);
	if (!err && its_ctlr < n) {
		e = entry_at(section, its_ctlr);
		err = restore_entry(gic, &e, why, why_size);
	}
	return err;
}
