/* The VM processes' channels that come back from the service manager's
 * store: their names, the three fds of each VM taken together or not at
 * all, and those no record claims closed, so that their processes see
 * their channels end. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../vmmd/vm_handover.h"
#include "suites.h"

START_TEST(test_names)
{
	char name[VM_HANDOVER_NAME_MAX], vm[API_VM_NAME_MAX + 1];
	enum vm_handover_fd which;
	unsigned int i;

	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		vm_handover_fd_name(name, sizeof(name), "web-1",
		    (enum vm_handover_fd)i);
		ck_assert_int_eq(vm_handover_fd_parse(name, vm, sizeof(vm),
		    &which), 0);
		ck_assert_str_eq(vm, "web-1");
		ck_assert_int_eq(which, (int)i);
	}
	vm_handover_fd_name(name, sizeof(name), "a", VM_HANDOVER_CONTROL);
	ck_assert_str_eq(name, "vmmd-control.a");
	/* the socket's own fd, and names that hold no VM */
	ck_assert_int_eq(vm_handover_fd_parse("vmmd.socket", vm, sizeof(vm),
	    &which), -1);
	ck_assert_int_eq(vm_handover_fd_parse("vmmd-control.", vm, sizeof(vm),
	    &which), -1);
	ck_assert_int_eq(vm_handover_fd_parse("vmmd-control.../x", vm,
	    sizeof(vm), &which), -1);
	ck_assert_int_eq(vm_handover_fd_parse("vmmd-control.a.b", vm,
	    sizeof(vm), &which), -1);
}
END_TEST

static void
add_vm(struct vm_handover *handover, const char *vm, int peers[3],
    unsigned int count)
{
	char name[VM_HANDOVER_NAME_MAX];
	unsigned int i;
	int pair[2];

	for (i = 0; i < count; i++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
		vm_handover_fd_name(name, sizeof(name), vm,
		    (enum vm_handover_fd)i);
		ck_assert_int_eq(vm_handover_add(handover, name, pair[0]), 1);
		peers[i] = pair[1];
	}
}

/* The peer sees its end when (and only when) every copy is closed. */
static bool
peer_ended(int peer)
{
	char byte;

	return recv(peer, &byte, 1, MSG_DONTWAIT) == 0;
}

START_TEST(test_take_and_drop)
{
	struct vm_handover handover = { 0 };
	int a[3], b[3], c[3], fds[VM_HANDOVER_FDS], other[2];
	unsigned int i;

	add_vm(&handover, "a", a, 3);
	add_vm(&handover, "b", b, 2);	/* its console input did not come */
	add_vm(&handover, "c", c, 3);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, other), 0);
	ck_assert_int_eq(vm_handover_add(&handover, "vmmd.socket", other[0]),
	    0);	/* not ours: left to the caller */
	ck_assert_int_eq(vm_handover_add(&handover, "vmmd-control.a",
	    other[0]), -1);	/* passed twice: that one is closed */
	ck_assert(peer_ended(other[1]));

	ck_assert_int_eq(vm_handover_take(&handover, "a", fds), 0);
	ck_assert_int_eq(vm_handover_take(&handover, "a", fds + 0), -EINVAL);
	ck_assert_int_eq(vm_handover_take(&handover, "none", fds), -ENOENT);
	ck_assert_int_eq(vm_handover_take(&handover, "b", fds + 0), -EINVAL);
	for (i = 0; i < 2; i++)
		ck_assert(peer_ended(b[i]));
	/* c is claimed by no record: dropped, its process sees the end */
	ck_assert_uint_eq(vm_handover_drop_rest(&handover), 1);
	for (i = 0; i < 3; i++) {
		ck_assert(peer_ended(c[i]));
		ck_assert(!peer_ended(a[i]));	/* taken: the caller's */
		ck_assert_int_eq(write(fds[i], "x", 1), 1);
		close(fds[i]);
		close(a[i]);
		close(c[i]);
	}
	close(b[0]);
	close(b[1]);
	close(other[1]);
	ck_assert_ptr_null(handover.entries);
}
END_TEST

static Suite *
vm_handover_suite(void)
{
	Suite *suite = suite_create("vm_handover");
	TCase *tcase = tcase_create("vm_handover");

	tcase_add_test(tcase, test_names);
	tcase_add_test(tcase, test_take_and_drop);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(vm_handover_suite)
