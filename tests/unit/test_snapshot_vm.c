/* arm64's VM-level snapshot sections without KVM: MP_STATE, TIMERS, VGIC
 * and CPU_MODEL read back what was written and refuse each kind of bad
 * content with its own line; the CPU-model check names a lowered field;
 * the counter offset is host minus guest, modulo 2^64. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../arm64/kvm_arm64_uapi.h"
#include "../../arm64/snapshot_vm.h"
#include "../../arm64/vgic_state.h"
#include "suites.h"

static struct snapshot_writer writer;
static size_t start;
static char why[512];

static void
writer_open(void)
{
	snapshot_writer_init(&writer, 4096);
	start = writer.size;
}

static struct snapshot_blob
written(void)
{
	ck_assert_int_eq(writer.error, 0);
	return (struct snapshot_blob){ writer.data + start, writer.size - start };
}

static void
writer_close(void)
{
	snapshot_writer_free(&writer);
}

/* ---- MP_STATE and TIMERS ---- */

START_TEST(test_mp_states_round_trip)
{
	const uint32_t states[3] = { 0, 5, 10 };
	uint32_t back[3];
	struct snapshot_blob blob;

	writer_open();
	arm64_snapshot_put_mp_states(&writer, states, 3);
	blob = written();
	ck_assert_int_eq(arm64_snapshot_read_mp_states(&blob, 3, back, why,
	    sizeof(why)), 0);
	ck_assert_mem_eq(back, states, sizeof(states));
	ck_assert_int_lt(arm64_snapshot_read_mp_states(&blob, 2, back, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(why, "mp-state section of 12 bytes for 2 vcpus");
	writer_close();
}
END_TEST

START_TEST(test_mp_state_unknown_refused)
{
	const uint32_t states[2] = { 0, 3 };
	uint32_t back[2];
	struct snapshot_blob blob;

	writer_open();
	arm64_snapshot_put_mp_states(&writer, states, 2);
	blob = written();
	ck_assert_int_lt(arm64_snapshot_read_mp_states(&blob, 2, back, why,
	    sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "vcpu 1: mp state 3 is not"));
	writer_close();
}
END_TEST

START_TEST(test_timers_round_trip_and_refusals)
{
	const struct arm64_snapshot_timers timers = { 123456789, 62500000 };
	struct arm64_snapshot_timers back;
	struct snapshot_blob blob;

	writer_open();
	arm64_snapshot_put_timers(&writer, &timers);
	blob = written();
	ck_assert_int_eq(arm64_snapshot_read_timers(&blob, 62500000, &back, why,
	    sizeof(why)), 0);
	ck_assert_uint_eq(back.counter, timers.counter);
	ck_assert_uint_eq(back.frequency, timers.frequency);
	ck_assert_int_lt(arm64_snapshot_read_timers(&blob, 1000000000, &back,
	    why, sizeof(why)), 0);
	ck_assert_str_eq(why, "the snapshot's counter ran at 62500000 Hz, this "
	    "host's runs at 1000000000 Hz");
	blob.size = 15;
	ck_assert_int_lt(arm64_snapshot_read_timers(&blob, 62500000, &back, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(why, "timers section of 15 bytes, 16 expected");
	writer_close();
}
END_TEST

START_TEST(test_counter_offset)
{
	/* The guest reads host - offset: its saved count, whatever the
	 * host's counter has become since. */
	ck_assert_uint_eq(arm64_counter_offset(1000000, 400), 999600);
	ck_assert_uint_eq(1000000 - arm64_counter_offset(1000000, 400), 400);
	/* A guest ahead of this host (another host's counter): wraps, and
	 * the subtraction KVM does brings the guest's count back. */
	ck_assert_uint_eq(arm64_counter_offset(100, 400), UINT64_MAX - 299);
	ck_assert_uint_eq(100 - arm64_counter_offset(100, 400), 400);
}
END_TEST

/* ---- VGIC ---- */

#define GROUP_DIST	1
#define GROUP_REDIST	5
#define GROUP_ICC	6
#define GROUP_LEVEL	7
#define GROUP_ITS	8
#define ICC_CTLR_EL1	0xc664u
#define ICC_AP1R0_EL1	0xc648u

static const uint64_t mpidrs[2] = { 0x80000000ull, 0x80000001ull };

static void
entry(uint32_t group, uint32_t reserved, uint64_t attr, uint64_t value)
{
	snapshot_put_u32(&writer, group);
	snapshot_put_u32(&writer, reserved);
	snapshot_put_u64(&writer, attr);
	snapshot_put_u64(&writer, value);
}

/* A short list of each group, as vgic_state_save orders them. */
static void
valid_entries(bool with_its)
{
	uint64_t cpu1 = vgic_state_mpidr_attr(mpidrs[1]);

	entry(GROUP_DIST, 0, 0x0008, 0x0300043b);	/* GICD_IIDR */
	entry(GROUP_DIST, 0, 0x0000, 0x12);		/* GICD_CTLR */
	entry(GROUP_ICC, 0, cpu1 | ICC_CTLR_EL1, 0x4400);
	entry(GROUP_ICC, 0, cpu1 | ICC_AP1R0_EL1, 0);
	entry(GROUP_REDIST, 0, cpu1 | 0x10100, 0xffff);
	entry(GROUP_LEVEL, 0, cpu1 | 32, 0x4);
	entry(GROUP_DIST, 0, 0x6100, 0x1);		/* GICD_IROUTER32 */
	if (!with_its)
		return;
	entry(GROUP_ITS, 0, 0x0004, 0x4300043b);	/* GITS_IIDR */
	entry(GROUP_ITS, 0, 0x0100, 0x8000000000000000ull);
	entry(GROUP_ITS, 0, 0x0000, 1);			/* GITS_CTLR */
}

START_TEST(test_vgic_mpidr_attr)
{
	ck_assert_uint_eq(vgic_state_mpidr_attr(0x80000001ull), 1ull << 32);
	ck_assert_uint_eq(vgic_state_mpidr_attr(0x8000000000030201ull |
	    0x12ull << 32), 0x1203020100000000ull);
}
END_TEST

START_TEST(test_vgic_valid)
{
	struct snapshot_blob blob;

	writer_open();
	valid_entries(true);
	blob = written();
	ck_assert_msg(vgic_state_check(&blob, mpidrs, 2, true, why,
	    sizeof(why)) == 0, "%s", why);
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, false, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(why, "vgic section: ITS registers, and the VM has no "
	    "ITS");
	writer_close();
	writer_open();
	valid_entries(false);
	blob = written();
	ck_assert_int_eq(vgic_state_check(&blob, mpidrs, 2, false, why,
	    sizeof(why)), 0);
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, true, why,
	    sizeof(why)), 0);
	writer_close();
}
END_TEST

/* Each bad entry after a valid list, and the line naming it. */
static const struct {
	uint32_t group, reserved;
	uint64_t attr, value;
	const char *why;
} bad_entries[] = {
	{ 2, 0, 0, 0, "(group 2 attr 0): unknown group" },
	{ GROUP_DIST, 1, 0, 0, "reserved bytes are not zero" },
	{ GROUP_DIST, 0, 0, 1ull << 32, "a 32-bit register with a value" },
	{ GROUP_DIST, 0, 1ull << 32, 0, "a distributor attribute with an mpidr" },
	{ GROUP_DIST, 0, 0x10000, 0, "not a distributor offset" },
	{ GROUP_DIST, 0, 0x6102, 0, "not a distributor offset" },
	{ GROUP_REDIST, 0, 2ull << 32, 0, "no vCPU has its mpidr" },
	{ GROUP_REDIST, 0, 0x20000, 0, "not a redistributor offset" },
	{ GROUP_ICC, 0, 0xc660, 0, "not a CPU-interface register" },
	{ GROUP_ICC, 0, ICC_AP1R0_EL1 + 4, 0, "not a CPU-interface register" },
	{ GROUP_LEVEL, 0, 33, 0, "not a first INTID of 32" },
	{ GROUP_LEVEL, 0, 128, 0, "not a first INTID of 32" },
	{ GROUP_LEVEL, 0, 1u << 10, 0, "not line-level information" },
	{ GROUP_ITS, 0, 0x0008, 0, "not an ITS register" },
	{ GROUP_ITS, 0, 0x0140, 0, "not an ITS register" },
};

START_TEST(test_vgic_bad_entry)
{
	struct snapshot_blob blob;

	writer_open();
	valid_entries(false);
	entry(bad_entries[_i].group, bad_entries[_i].reserved,
	    bad_entries[_i].attr, bad_entries[_i].value);
	blob = written();
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, false, why,
	    sizeof(why)), 0);
	ck_assert_msg(strstr(why, bad_entries[_i].why) != NULL, "%s", why);
	ck_assert_ptr_nonnull(strstr(why, "vgic entry 7 "));
	writer_close();
}
END_TEST

START_TEST(test_vgic_framing_refused)
{
	struct snapshot_blob blob;

	writer_open();
	valid_entries(true);
	entry(GROUP_DIST, 0, 0, 0);	/* after the ITS */
	blob = written();
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, true, why,
	    sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "a vGIC register after the ITS's"));
	blob.size -= 1;
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, true, why,
	    sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "not a whole number of 24-byte"));
	blob.size = 0;
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, true, why,
	    sizeof(why)), 0);
	writer_close();
	writer_open();
	valid_entries(true);
	entry(GROUP_ITS, 0, 0, 1);	/* a second GITS_CTLR */
	blob = written();
	ck_assert_int_lt(vgic_state_check(&blob, mpidrs, 2, true, why,
	    sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "not one GITS_CTLR"));
	writer_close();
}
END_TEST

/* ---- CPU_MODEL ---- */

static const struct {
	const char *name;
	struct sysreg_encoding enc;
	uint64_t value, writable;
} host_regs[] = {
	{ "ID_AA64PFR0_EL1", { 3, 0, 0, 4, 0 }, 0x1101001121110222ull,
	    0xffff00f00f00ffffull },
	{ "ID_AA64ISAR0_EL1", { 3, 0, 0, 6, 0 }, 0x1221111110212120ull,
	    0xfffffffffffffff0ull },
};

static void
host_model(struct cpu_model *model)
{
	memset(model, 0, sizeof(*model));
	model->host_features = SYSREG_FEATURE_PMU | SYSREG_FEATURE_PTRAUTH;
	model->writable_masks = true;
	model->vcpu_features = model->host_features;
	for (size_t i = 0; i < sizeof(host_regs) / sizeof(host_regs[0]); i++) {
		snprintf(model->regs[i].name, CPU_MODEL_NAME_MAX, "%s",
		    host_regs[i].name);
		model->regs[i].enc = host_regs[i].enc;
		model->regs[i].policy = SYSREG_POLICY_TEMPLATE;
		model->regs[i].value = host_regs[i].value;
		model->regs[i].writable = host_regs[i].writable;
		model->count = i + 1;
	}
}

/* ISAR0's AES field, bits [7:4], lowered to 1. */
static void
aes_template(struct cpu_template *t, uint64_t value)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "no-pmull");
	t->count = 1;
	snprintf(t->fields[0].reg, CPU_MODEL_NAME_MAX, "ID_AA64ISAR0_EL1");
	t->fields[0].shift = 4;
	t->fields[0].width = 4;
	t->fields[0].value = value;
}

START_TEST(test_model_round_trip)
{
	struct cpu_template t, t_back;
	struct cpu_model model, back;
	struct snapshot_blob blob;
	bool has_template;

	host_model(&model);
	aes_template(&t, 1);
	writer_open();
	arm64_snapshot_put_model(&writer, &model, &t);
	blob = written();
	ck_assert_msg(arm64_snapshot_read_model(&blob, &back, &t_back,
	    &has_template, why, sizeof(why)) == 0, "%s", why);
	ck_assert(has_template);
	ck_assert_uint_eq(cpu_model_compare(&model, &back, NULL, 0), 0);
	ck_assert_uint_eq(back.host_features, model.host_features);
	ck_assert(back.writable_masks);
	ck_assert_uint_eq(back.regs[1].writable, model.regs[1].writable);
	ck_assert_str_eq(t_back.name, "no-pmull");
	ck_assert_str_eq(t_back.fields[0].reg, "ID_AA64ISAR0_EL1");
	ck_assert_uint_eq(t_back.fields[0].value, 1);
	writer_close();
	writer_open();
	arm64_snapshot_put_model(&writer, &model, NULL);
	blob = written();
	ck_assert_int_eq(arm64_snapshot_read_model(&blob, &back, &t_back,
	    &has_template, why, sizeof(why)), 0);
	ck_assert(!has_template);
	writer_close();
}
END_TEST

START_TEST(test_model_malformed)
{
	struct cpu_template t;
	struct cpu_model model, back;
	struct snapshot_blob blob;
	bool has_template;
	uint8_t bytes[4096];

	host_model(&model);
	writer_open();
	arm64_snapshot_put_model(&writer, &model, NULL);
	blob = written();
	memcpy(bytes, blob.data, blob.size);
	blob.data = bytes;
	blob.size -= 1;		/* the template flag cut */
	ck_assert_int_lt(arm64_snapshot_read_model(&blob, &back, &t,
	    &has_template, why, sizeof(why)), 0);
	blob.size = 16 + 10;	/* inside the first register */
	ck_assert_int_lt(arm64_snapshot_read_model(&blob, &back, &t,
	    &has_template, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "cpu-model: register 0 of 2 past the section's "
	    "end");
	blob.size = writer.size - start;
	memcpy(bytes + 16 + 24, bytes + 16, 8);	/* PFR0 twice */
	ck_assert_int_lt(arm64_snapshot_read_model(&blob, &back, &t,
	    &has_template, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "cpu-model: ID_AA64PFR0_EL1 twice");
	memcpy(bytes + 16, &(uint64_t){ ARM64_SYSREG_ID(3, 0, 1, 0, 0) }, 8);
	ck_assert_int_lt(arm64_snapshot_read_model(&blob, &back, &t,
	    &has_template, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "is not an ID register vmmd knows"));
	writer_close();
}
END_TEST

START_TEST(test_model_same_host_runs)
{
	struct cpu_model model;
	struct cpu_template t;

	host_model(&model);
	ck_assert_int_eq(arm64_snapshot_model_check(&model, NULL, &model, NULL,
	    why, sizeof(why)), 0);
	aes_template(&t, 1);
	ck_assert_msg(arm64_snapshot_model_check(&model, &t, &model, &t, why,
	    sizeof(why)) == 0, "%s", why);
	/* The guest saw AES 1; a host without the template gives 2, which
	 * KVM can lower (writable): it runs. */
	ck_assert_int_eq(arm64_snapshot_model_check(&model, &t, &model, NULL,
	    why, sizeof(why)), 0);
}
END_TEST

START_TEST(test_model_lowered_field_refused)
{
	struct cpu_model saved, here;
	struct cpu_template t;

	host_model(&saved);
	host_model(&here);
	here.regs[1].value &= ~0xf0ull;
	here.regs[1].value |= 0x10;	/* AES 2 -> 1 on this host */
	ck_assert_int_eq(arm64_snapshot_model_check(&saved, NULL, &here, NULL,
	    why, sizeof(why)), -EPERM);
	ck_assert_str_eq(why, "this host cannot run the snapshot's CPU: "
	    "ID_AA64ISAR0_EL1[7:4]: snapshot 0x2, this host 0x1");
	/* Lowered by this VM's template below what the guest saw. */
	aes_template(&t, 1);
	ck_assert_int_eq(arm64_snapshot_model_check(&saved, NULL, &saved, &t,
	    why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "[7:4]: snapshot 0x2, this host 0x1"));
}
END_TEST

START_TEST(test_model_unlowerable_and_missing_refused)
{
	struct cpu_model saved, here;

	host_model(&saved);
	host_model(&here);
	saved.regs[0].value &= ~0xfull;	/* PFR0.EL0 2 -> 0 in the snapshot */
	here.regs[0].writable = 0;
	ck_assert_int_eq(arm64_snapshot_model_check(&saved, NULL, &here, NULL,
	    why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "ID_AA64PFR0_EL1[3:0]: snapshot 0, "
	    "this host 0x2, which KVM cannot lower here"));
	here = saved;
	here.count = 1;		/* no ISAR0 here */
	ck_assert_int_eq(arm64_snapshot_model_check(&saved, NULL, &here, NULL,
	    why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "ID_AA64ISAR0_EL1: snapshot "
	    "0x1221111110212120, not on this host"));
}
END_TEST

START_TEST(test_model_features_refused)
{
	struct cpu_model model;
	struct cpu_template t;

	host_model(&model);
	aes_template(&t, 2);
	t.features = SYSREG_FEATURE_SVE;
	ck_assert_int_eq(arm64_snapshot_model_check(&model, &t, &model, NULL,
	    why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "features 0x2 (pmu 1, sve 2, ptrauth "
	    "4) KVM on this host does not offer"));
	t.features = SYSREG_FEATURE_PMU;
	ck_assert_int_eq(arm64_snapshot_model_check(&model, &t, &model, NULL,
	    why, sizeof(why)), -EPERM);
	ck_assert_ptr_nonnull(strstr(why, "this VM's template gives 0"));
}
END_TEST

static Suite *
snapshot_vm_suite(void)
{
	Suite *suite = suite_create("snapshot_vm");
	TCase *tcase = tcase_create("sections");

	tcase_add_test(tcase, test_mp_states_round_trip);
	tcase_add_test(tcase, test_mp_state_unknown_refused);
	tcase_add_test(tcase, test_timers_round_trip_and_refusals);
	tcase_add_test(tcase, test_counter_offset);
	tcase_add_test(tcase, test_vgic_mpidr_attr);
	tcase_add_test(tcase, test_vgic_valid);
	tcase_add_loop_test(tcase, test_vgic_bad_entry, 0,
	    sizeof(bad_entries) / sizeof(bad_entries[0]));
	tcase_add_test(tcase, test_vgic_framing_refused);
	tcase_add_test(tcase, test_model_round_trip);
	tcase_add_test(tcase, test_model_malformed);
	tcase_add_test(tcase, test_model_same_host_runs);
	tcase_add_test(tcase, test_model_lowered_field_refused);
	tcase_add_test(tcase, test_model_unlowerable_and_missing_refused);
	tcase_add_test(tcase, test_model_features_refused);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(snapshot_vm_suite)
