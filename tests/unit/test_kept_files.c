/* Kept files: a later open of a kept path is the same file from its
 * start, with the access it was kept with; a path that could not be kept
 * reports its errno again; any other path is opened as usual. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/kept_files.h"
#include "suites.h"

static char path[] = "/tmp/vmmd-test-kept-XXXXXX";

static void
setup(void)
{
	int fd;

	strcpy(path, "/tmp/vmmd-test-kept-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "kernel", 6), 6);
	close(fd);
}

static void
teardown(void)
{
	kept_files_release();
	unlink(path);
}

START_TEST(test_same_file_rewound)
{
	char buffer[8] = { 0 };
	int fd;

	ck_assert_int_eq(kept_files_keep(path, O_RDONLY), 0);
	unlink(path);	/* gone from the file system: still kept */
	fd = kept_files_open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, buffer, 6), 6);
	close(fd);
	fd = kept_files_open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	memset(buffer, 0, sizeof(buffer));
	ck_assert_int_eq(read(fd, buffer, 6), 6);	/* from its start again */
	ck_assert_str_eq(buffer, "kernel");
	close(fd);
}
END_TEST

/* Kept with one access, opened with another: refused, both ways (a
 * read-only open never gets the writable file). */
static void
assert_refused(int keep_flags, int open_flags)
{
	kept_files_release();
	ck_assert_int_eq(kept_files_keep(path, keep_flags), 0);
	errno = 0;
	ck_assert_int_eq(kept_files_open(path, open_flags), -1);
	ck_assert_int_eq(errno, EACCES);
}

START_TEST(test_access_kept)
{
	assert_refused(O_RDONLY, O_RDWR);
	assert_refused(O_RDWR, O_RDONLY);
}
END_TEST

START_TEST(test_error_kept)
{
	ck_assert_int_eq(kept_files_keep("/nonexistent/vmmd-disk.img", O_RDWR), 0);
	errno = 0;
	ck_assert_int_eq(kept_files_open("/nonexistent/vmmd-disk.img", O_RDWR), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

START_TEST(test_other_paths_open)
{
	int fd = kept_files_open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);	/* nothing kept: a plain open */
	close(fd);
}
END_TEST

START_TEST(test_table_full)
{
	unsigned int i;
	char name[64];

	for (i = 0; i < KEPT_FILES_MAX; i++) {
		snprintf(name, sizeof(name), "/nonexistent/%u", i);
		ck_assert_int_eq(kept_files_keep(name, O_RDONLY), 0);
	}
	ck_assert_int_eq(kept_files_keep(path, O_RDONLY), -ENOSPC);
	ck_assert_int_eq(kept_files_keep("/nonexistent/0", O_RDONLY), 0);
}
END_TEST

/* The same file kept read-only and read-write (one disk given twice): each
 * open gets the access it asks for, whichever was kept first. */
START_TEST(test_kept_by_access)
{
	int ro, rw;

	ck_assert_int_eq(kept_files_keep(path, O_RDONLY), 0);
	ck_assert_int_eq(kept_files_keep(path, O_RDWR), 0);
	rw = kept_files_open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(rw, 0);
	ck_assert_int_eq(fcntl(rw, F_GETFL) & O_ACCMODE, O_RDWR);
	ro = kept_files_open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(ro, 0);
	ck_assert_int_eq(fcntl(ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	ck_assert_int_eq(write(ro, "x", 1), -1);	/* never a writable fd */
	close(ro);
	close(rw);
}
END_TEST

/* Keeping the same path with the same access twice keeps one entry. */
START_TEST(test_same_access_kept_once)
{
	unsigned int i;
	char name[64];

	ck_assert_int_eq(kept_files_keep(path, O_RDONLY), 0);
	ck_assert_int_eq(kept_files_keep(path, O_RDONLY), 0);
	for (i = 1; i < KEPT_FILES_MAX; i++) {
		snprintf(name, sizeof(name), "/nonexistent/%u", i);
		ck_assert_int_eq(kept_files_keep(name, O_RDONLY), 0);
	}
	ck_assert_int_eq(kept_files_keep(path, O_RDWR), -ENOSPC);
}
END_TEST

/* A passed file is kept under its spec string: opened by that name with
 * its access only; a name "fd:..." never passed is never opened as a
 * relative path (a file of that name in the working directory). */
START_TEST(test_adopted)
{
	char buffer[8] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC), again;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kept_files_adopt("fd:kernel", O_RDONLY, fd), 0);
	again = kept_files_open("fd:kernel", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(again, 0);
	ck_assert_int_eq(read(again, buffer, 6), 6);
	ck_assert_str_eq(buffer, "kernel");
	close(again);
	ck_assert_int_eq(kept_files_open("fd:kernel", O_RDWR), -1);
	ck_assert_int_eq(errno, EACCES);
	fd = open("fd:other", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(kept_files_open("fd:other", O_RDONLY), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(kept_files_keep("fd:other", O_RDONLY), 0);
	ck_assert_int_eq(kept_files_open("fd:other", O_RDONLY), -1);
	ck_assert_int_eq(errno, EBADF);
	unlink("fd:other");
}
END_TEST

static Suite *
kept_files_suite(void)
{
	Suite *suite = suite_create("kept_files");
	TCase *tcase = tcase_create("kept_files");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_same_file_rewound);
	tcase_add_test(tcase, test_access_kept);
	tcase_add_test(tcase, test_error_kept);
	tcase_add_test(tcase, test_other_paths_open);
	tcase_add_test(tcase, test_table_full);
	tcase_add_test(tcase, test_kept_by_access);
	tcase_add_test(tcase, test_same_access_kept_once);
	tcase_add_test(tcase, test_adopted);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(kept_files_suite)
