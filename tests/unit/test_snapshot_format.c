/* The snapshot state file: a written snapshot reads back field by field;
 * each kind of bad file is refused with its own line, never a crash. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../arm64/kvm_arm64_uapi.h"
#include "../../arm64/snapshot_regs.h"
#include "../../arm64/snapshot_vcpu.h"
#include "../../arm64/sysreg.h"
#include "../../core/snapshot_format.h"
#include "suites.h"

static const struct snapshot_limits limits = { 8, 1ull << 32 };
static struct snapshot_writer writer;
static struct snapshot_view view;
static char why[256];

/* x0, v1 (U128), fpsr (U32) and the table's first ID register KVM has. */
static uint64_t
table_id(void)
{
	for (size_t i = 0; i < sysreg_table_size; i++)
		if (sysreg_table[i].kvm_id &&
		    sysreg_table[i].class == SYSREG_CLASS_ID)
			return sysreg_table[i].kvm_id;
	ck_abort_msg("no sysreg with a KVM id");
	return 0;
}

static void
put_reg(uint64_t id, uint8_t fill)
{
	uint8_t value[256];

	memset(value, fill, sizeof(value));
	snapshot_put_u64(&writer, id);
	snapshot_put(&writer, value, snapshot_reg_size(id));
}

static void
put_vcpu(uint32_t index, uint64_t extra_id)
{
	snapshot_section_begin(&writer, SNAPSHOT_SEC_VCPU);
	snapshot_put_u32(&writer, index);
	snapshot_put_u32(&writer, extra_id ? 5 : 4);
	put_reg(arm64_core_reg_id(ARM64_CORE_REG_X(0)), (uint8_t)index);
	put_reg(KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE | 88,
	    0x11);
	put_reg(KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE | 212, 0x22);
	put_reg(table_id(), 0x33);
	if (extra_id)
		put_reg(extra_id, 0x44);
	snapshot_section_end(&writer);
}

static void
blob(enum snapshot_section type, const char *text)
{
	snapshot_section_begin(&writer, type);
	snapshot_put(&writer, text, strlen(text));
	snapshot_section_end(&writer);
}

/* A whole snapshot of 2 vCPUs and 64 MiB; extra_id goes into vCPU 1. */
static void
build(uint32_t vcpus, uint64_t memory, uint64_t extra_id)
{
	snapshot_writer_init(&writer, 4096);
	blob(SNAPSHOT_SEC_VERSION, "0.1.0");
	blob(SNAPSHOT_SEC_CPU_MODEL, "model");
	snapshot_section_begin(&writer, SNAPSHOT_SEC_TABLES);
	snapshot_put_u32(&writer, (uint32_t)sysreg_table_size);
	snapshot_put_u32(&writer, 1);
	snapshot_section_end(&writer);
	snapshot_section_begin(&writer, SNAPSHOT_SEC_CONFIG);
	snapshot_put_u32(&writer, vcpus);
	snapshot_put_u32(&writer, 0);
	snapshot_put_u64(&writer, memory);
	snapshot_section_end(&writer);
	put_vcpu(0, 0);
	put_vcpu(1, extra_id);
	blob(SNAPSHOT_SEC_MP_STATE, "mp");
	blob(SNAPSHOT_SEC_TIMERS, "timers");
	blob(SNAPSHOT_SEC_VGIC, "vgic");
	blob(SNAPSHOT_SEC_DEVICES, "");
	ck_assert_int_eq(snapshot_writer_finish(&writer), 0);
}

static int
parse(void)
{
	why[0] = '\0';
	return snapshot_parse(writer.data, writer.size, &limits,
	    arm64_snapshot_id_check, &view, why, sizeof(why));
}

static void
refused(const char *expected)
{
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_msg(strstr(why, expected), "\"%s\" lacks \"%s\"", why,
	    expected);
	ck_assert_ptr_null(strchr(why, '\n'));
}

/* Rewrites the trailing crc32 after a change in the body. */
static void
reseal(void)
{
	uint32_t crc = (uint32_t)crc32_z(0, writer.data, writer.size - 20);

	for (int i = 0; i < 4; i++)
		writer.data[writer.size - 4 + i] = (uint8_t)(crc >> (8 * i));
}

static void
teardown(void)
{
	snapshot_writer_free(&writer);
}

START_TEST(test_round_trip)
{
	build(2, 64 << 20, 0);
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(view.page_size, 4096);
	ck_assert_uint_eq(view.vcpus, 2);
	ck_assert_uint_eq(view.memory_size, 64 << 20);
	ck_assert_uint_eq(view.sysreg_entries, sysreg_table_size);
	ck_assert_uint_eq(view.forward_map_version, 1);
	ck_assert_uint_eq(view.version.size, 5);
	ck_assert_mem_eq(view.version.data, "0.1.0", 5);
	ck_assert_mem_eq(view.cpu_model.data, "model", 5);
	ck_assert_mem_eq(view.timers.data, "timers", 6);
	ck_assert_mem_eq(view.vgic.data, "vgic", 4);
	ck_assert_uint_eq(view.devices.size, 0);
	/* vCPU 1: index, 4 registers, x0 = 0x0101.. */
	ck_assert_uint_eq(view.vcpu[1].size, 8 + 4 * 8 + 8 + 16 + 4 + 8);
	ck_assert_uint_eq(view.vcpu[1].data[16], 1);
}
END_TEST

START_TEST(test_refuse_framing)
{
	build(2, 64 << 20, 0);
	writer.size = 20;
	refused("truncated: 20 bytes");
	teardown();
	build(2, 64 << 20, 0);
	writer.size -= 3;
	refused("section end at byte");
	refused("is 4 bytes, longer than the file");
	teardown();
	build(2, 64 << 20, 0);
	writer.size = SNAPSHOT_HEADER_SIZE + 4;
	refused("truncated: the file ends at byte 32, before section version");
	teardown();
	build(2, 64 << 20, 0);
	writer.data[0] = 'X';
	refused("bad magic");
	teardown();
	build(2, 64 << 20, 0);
	writer.data[8] = 2;
	refused("unknown format version 2");
	teardown();
	build(2, 64 << 20, 0);
	memcpy(writer.data + 16, "x86_64\0", 8);
	refused("architecture \"x86_64\", not \"aarch64\"");
	teardown();
	build(2, 64 << 20, 0);
	writer.data[27] = 0x11;
	refused("header's reserved bytes are not zero");
	teardown();
	build(2, 64 << 20, 0);
	writer.data[SNAPSHOT_HEADER_SIZE] = 77;
	refused("unknown section type 77");
	teardown();
	build(2, 64 << 20, 0);
	writer.data[SNAPSHOT_HEADER_SIZE] = SNAPSHOT_SEC_CPU_MODEL;
	refused("section cpu-model out of order (after the header)");
}
END_TEST

START_TEST(test_refuse_checksum)
{
	build(2, 64 << 20, 0);
	writer.data[SNAPSHOT_HEADER_SIZE + SNAPSHOT_SECTION_HEAD] ^= 1;
	refused("checksum mismatch");
	teardown();
	build(2, 64 << 20, 0);
	snapshot_put_u32(&writer, 0);
	refused("the end section is not 4 bytes at the end of the file");
}
END_TEST

START_TEST(test_refuse_registers)
{
	uint64_t unknown = ARM64_SYSREG_ID(3, 7, 15, 15, 7);

	ck_assert_ptr_null(sysreg_find_by_id(sysreg_table, sysreg_table_size,
	    unknown));
	build(2, 64 << 20, unknown);
	refused("vcpu 1: register id 0x603000000013ffff: system register "
	    "S3_7_C15_C15_7 is not in vmmd's sysreg table");
	teardown();
	build(2, 64 << 20, KVM_REG_ARM64 | KVM_REG_SIZE_U64 |
	    KVM_REG_ARM_CORE | 82);
	refused("not a core register");
	teardown();
	build(2, 64 << 20, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | (0x99ull << 16));
	refused("a register group vmmd does not know");
}
END_TEST

START_TEST(test_refuse_limits)
{
	build(9, 64 << 20, 0);
	refused("9 vcpus, outside 1..8");
	teardown();
	build(0, 64 << 20, 0);
	refused("0 vcpus");
	teardown();
	build(1, 64 << 20, 0);
	refused("2 vcpu sections for 1 vcpus");
	teardown();
	build(2, (1ull << 32) + 4096, 0);
	refused("memory size 4294971392 bytes");
	teardown();
	build(2, 4095, 0);
	refused("not a whole number of pages");
	teardown();
	build(2, 64 << 20, 0);
	writer.data[12] = 1;	/* page size 4097 */
	reseal();
	refused("page size 4097");
}
END_TEST

START_TEST(test_memory_file)
{
	char dir[64];
	int dir_fd, fd;

	snprintf(dir, sizeof(dir), "/tmp/vmmd-snap-%d", (int)getpid());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dir_fd, 0);
	ck_assert_int_eq(snapshot_memory_check(dir_fd, 1 << 20, why,
	    sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "memory file: No such file or directory");
	fd = openat(dir_fd, "memory", O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);	/* all a hole */
	close(fd);
	ck_assert_int_eq(snapshot_memory_check(dir_fd, 1 << 20, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(snapshot_memory_check(dir_fd, 2 << 20, why,
	    sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "memory file is 1048576 bytes, the config says "
	    "2097152");
	ck_assert_int_eq(unlinkat(dir_fd, "memory", 0), 0);
	close(dir_fd);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* The ID register, last in vCPU 0's section, is set first: on a fd that is
 * not a vCPU the first refusal names it. */
START_TEST(test_restore_order)
{
	char expected[64];
	int fd = open("/dev/null", O_RDWR);

	ck_assert_int_ge(fd, 0);
	build(2, 64 << 20, 0);
	ck_assert_int_eq(parse(), 0);
	ck_assert_int_eq(arm64_snapshot_vcpu_restore(fd, &view.vcpu[0], why,
	    sizeof(why)), -ENOTTY);
	snprintf(expected, sizeof(expected), "KVM_SET_ONE_REG %#llx: ",
	    (unsigned long long)table_id());
	ck_assert_msg(strstr(why, expected), "%s", why);
	ck_assert_int_eq(arm64_snapshot_vcpu_save(fd, 0, &writer, why,
	    sizeof(why)), -ENOTTY);
	ck_assert_str_eq(why, "KVM_GET_REG_LIST: Inappropriate ioctl for device");
	close(fd);
}
END_TEST

static Suite *
snapshot_format_suite(void)
{
	Suite *suite = suite_create("snapshot_format");
	TCase *tcase = tcase_create("format");

	tcase_add_checked_fixture(tcase, NULL, teardown);
	tcase_add_test(tcase, test_round_trip);
	tcase_add_test(tcase, test_refuse_framing);
	tcase_add_test(tcase, test_refuse_checksum);
	tcase_add_test(tcase, test_refuse_registers);
	tcase_add_test(tcase, test_refuse_limits);
	tcase_add_test(tcase, test_memory_file);
	tcase_add_test(tcase, test_restore_order);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(snapshot_format_suite)
