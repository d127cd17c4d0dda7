/* A client's passed fds: named in the order they came, renamed as QMP does,
 * taken by a spec, closed by closefd, and every one closed when the client
 * goes, whatever state it left them in. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../vmmd/client_fds.h"
#include "suites.h"

static int
open_fds(void)
{
	int count = 0, fd;

	for (fd = 0; fd < 1024; fd++)
		count += fcntl(fd, F_GETFD) >= 0;
	return count;
}

static int
new_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_names)
{
	static const char *const good[] = { "a", "disk0", "k.img", "x_y-z",
		"abcdefghijklmnopqrstuvwxyz01234" };
	static const char *const bad[] = { "", "0disk", "a b", "a/b", "fd:x",
		"abcdefghijklmnopqrstuvwxyz012345", "é" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(client_fd_name_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!client_fd_name_valid(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(test_named_in_order)
{
	struct client_fds fds;
	char error[200];
	int a = new_fd(), b = new_fd();

	client_fds_init(&fds);
	ck_assert_int_eq(client_fds_name(&fds, "k", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "no file descriptor came"));
	ck_assert_int_eq(client_fds_arrived(&fds, a), 0);
	ck_assert_int_eq(client_fds_arrived(&fds, b), 0);
	ck_assert_int_eq(client_fds_name(&fds, "0k", error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "fdname"));
	ck_assert_int_eq(client_fds_name(&fds, "k", error, sizeof(error)), 0);
	ck_assert_int_eq(client_fds_name(&fds, "d", error, sizeof(error)), 0);
	ck_assert_int_eq(client_fds_peek(&fds, "k"), a);
	ck_assert_int_eq(client_fds_peek(&fds, "d"), b);
	ck_assert_int_eq(client_fds_take(&fds, "k"), a);
	ck_assert_int_eq(client_fds_peek(&fds, "k"), -1);
	ck_assert_int_eq(client_fds_take(&fds, "k"), -1);
	ck_assert_int_eq(client_fds_close(&fds, "d"), 0);
	ck_assert_int_eq(fcntl(b, F_GETFD), -1);	/* closed */
	ck_assert_int_eq(client_fds_close(&fds, "d"), -ENOENT);
	ck_assert_int_ge(fcntl(a, F_GETFD), 0);		/* the taker's */
	close(a);
	client_fds_release(&fds);
}
END_TEST

START_TEST(test_rename_closes_old)
{
	struct client_fds fds;
	char error[200];
	int a = new_fd(), b = new_fd();

	client_fds_init(&fds);
	client_fds_arrived(&fds, a);
	ck_assert_int_eq(client_fds_name(&fds, "k", error, sizeof(error)), 0);
	client_fds_arrived(&fds, b);
	ck_assert_int_eq(client_fds_name(&fds, "k", error, sizeof(error)), 0);
	ck_assert_int_eq(client_fds_peek(&fds, "k"), b);
	ck_assert_int_eq(fcntl(a, F_GETFD), -1);
	client_fds_release(&fds);
	ck_assert_int_eq(fcntl(b, F_GETFD), -1);
}
END_TEST

/* A client that sends more than it may, names some, and goes: every fd it
 * sent is closed. */
START_TEST(test_leaving_client_leaks_nothing)
{
	struct client_fds fds;
	int before = open_fds(), i, rc;
	char error[200], name[8];

	client_fds_init(&fds);
	for (i = 0; i < CLIENT_FDS_MAX; i++) {
		client_fds_arrived(&fds, new_fd());
		snprintf(name, sizeof(name), "f%d", i);
		ck_assert_int_eq(client_fds_name(&fds, name, error,
		    sizeof(error)), 0);
	}
	client_fds_arrived(&fds, new_fd());
	ck_assert_int_eq(client_fds_name(&fds, "one-more", error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "closefd"));
	for (i = 1; i < CLIENT_FDS_MAX; i++)
		client_fds_arrived(&fds, new_fd());
	rc = client_fds_arrived(&fds, new_fd());	/* one too many */
	ck_assert_int_eq(rc, -ENOSPC);
	ck_assert_int_eq(open_fds(), before + 2 * CLIENT_FDS_MAX);
	client_fds_release(&fds);
	ck_assert_int_eq(open_fds(), before);
	ck_assert_uint_eq(fds.named_count + fds.arrived_count, 0);
}
END_TEST

static Suite *
client_fds_suite(void)
{
	Suite *suite = suite_create("client_fds");
	TCase *tcase = tcase_create("client_fds");

	tcase_add_test(tcase, test_names);
	tcase_add_test(tcase, test_named_in_order);
	tcase_add_test(tcase, test_rename_closes_old);
	tcase_add_test(tcase, test_leaving_client_leaks_nothing);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(client_fds_suite)
