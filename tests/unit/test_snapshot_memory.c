/* core/snapshot_memory.c: guest RAM into a sparse memory file (zero chunks
 * stay holes, data lands where it was, an earlier file's data does not
 * survive), and the memory file's check. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/snapshot_memory.h"
#include "suites.h"

#define CHUNK	SNAPSHOT_MEMORY_CHUNK
#define CHUNKS	16

static char path[64];
static uint8_t *ram;
static int fd = -1;

static void
setup(void)
{
	snprintf(path, sizeof(path), "/tmp/vmmd-memory-%d", (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ram = calloc(CHUNKS, CHUNK);
	ck_assert_ptr_nonnull(ram);
}

static void
teardown(void)
{
	free(ram);
	close(fd);
	unlink(path);
}

/* The file's bytes at offset are ram's. */
static void
assert_file_is_ram(void)
{
	uint8_t *back = malloc(CHUNKS * CHUNK);

	ck_assert_ptr_nonnull(back);
	ck_assert_int_eq(pread(fd, back, CHUNKS * CHUNK, 0), CHUNKS * CHUNK);
	ck_assert_int_eq(memcmp(back, ram, CHUNKS * CHUNK), 0);
	free(back);
}

START_TEST(test_sparse)
{
	uint64_t written;
	char why[160];
	off_t data;

	ram[3 * CHUNK + 17] = 0xaa;			/* chunk 3 */
	memset(ram + 9 * CHUNK, 0x55, CHUNK);		/* chunk 9, whole */
	ram[CHUNKS * CHUNK - 1] = 1;			/* the last byte */
	ck_assert_int_eq(snapshot_memory_write(fd, ram, CHUNKS * CHUNK, &written,
	    why, sizeof(why)), 0);
	ck_assert_uint_eq(written, 3 * CHUNK);
	assert_file_is_ram();
	/* the zero chunks are holes, where the file system keeps them so */
	data = lseek(fd, 0, SEEK_DATA);
	ck_assert_int_ge(data, 0);
	ck_assert_int_le(data, 3 * CHUNK);
	ck_assert_int_eq(snapshot_memory_fd_check(fd, CHUNKS * CHUNK, why,
	    sizeof(why)), 0);
}
END_TEST

/* A file that held an earlier snapshot: what is zero now reads zero. */
START_TEST(test_rewrite_clears)
{
	uint64_t written;
	char why[160];

	memset(ram, 0x77, CHUNKS * CHUNK);
	ck_assert_int_eq(snapshot_memory_write(fd, ram, CHUNKS * CHUNK, &written,
	    why, sizeof(why)), 0);
	ck_assert_uint_eq(written, CHUNKS * CHUNK);
	memset(ram, 0, CHUNKS * CHUNK);
	ram[5 * CHUNK] = 9;
	ck_assert_int_eq(snapshot_memory_write(fd, ram, CHUNKS * CHUNK, &written,
	    why, sizeof(why)), 0);
	ck_assert_uint_eq(written, CHUNK);
	assert_file_is_ram();
}
END_TEST

START_TEST(test_refusals)
{
	uint64_t written;
	char why[160];
	int dir;

	ck_assert_int_eq(snapshot_memory_write(fd, ram, CHUNK + 1, &written,
	    why, sizeof(why)), -EINVAL);
	ck_assert_msg(strstr(why, "not a multiple of") != NULL, "%s", why);
	ck_assert_int_eq(snapshot_memory_write(-1, ram, CHUNK, &written, why,
	    sizeof(why)), -EBADF);
	ck_assert_msg(strstr(why, "cannot size the memory file") != NULL,
	    "%s", why);
	ck_assert_int_eq(ftruncate(fd, CHUNK), 0);
	ck_assert_int_eq(snapshot_memory_fd_check(fd, 2 * CHUNK, why,
	    sizeof(why)), -EINVAL);
	ck_assert_str_eq(why, "memory file is 65536 bytes, the config says "
	    "131072");
	dir = open("/tmp", O_RDONLY | O_DIRECTORY);
	ck_assert_int_eq(snapshot_memory_fd_check(dir, CHUNK, why, sizeof(why)),
	    -EINVAL);
	ck_assert_str_eq(why, "memory file: not a regular file");
	close(dir);
}
END_TEST

static Suite *
snapshot_memory_suite(void)
{
	Suite *suite = suite_create("snapshot_memory");
	TCase *tcase = tcase_create("memory");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_sparse);
	tcase_add_test(tcase, test_rewrite_clears);
	tcase_add_test(tcase, test_refusals);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(snapshot_memory_suite)
