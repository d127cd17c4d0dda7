/* The image policy: a path is opened only beneath an image directory, never
 * through a symlink or '..' out of it, never when it is a FIFO, a device or
 * a directory where a file is wanted; a passed fd only for what it is and
 * how it was opened. Each refusal names its rule. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_tun.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../../vmmd/image_policy.h"
#include "suites.h"

static char root[] = "/tmp/vmmd-test-images-XXXXXX";
static char images[256], outside[256];
static struct image_policy policy;
static char error[512];

static void
path_in(char *out, size_t size, const char *dir, const char *name)
{
	snprintf(out, size, "%s/%s", dir, name);
}

static void
setup(void)
{
	char link[300], target[300];

	strcpy(root, "/tmp/vmmd-test-images-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	path_in(images, sizeof(images), root, "images");
	path_in(outside, sizeof(outside), root, "outside");
	ck_assert_int_eq(mkdir(images, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	unit_write_file(images, "Image", "kernel");
	unit_write_file(outside, "secret", "shadow");
	path_in(link, sizeof(link), images, "inside-link");
	ck_assert_int_eq(symlink("Image", link), 0);
	path_in(link, sizeof(link), images, "outside-link");
	path_in(target, sizeof(target), outside, "secret");
	ck_assert_int_eq(symlink(target, link), 0);
	path_in(link, sizeof(link), images, "fifo");
	ck_assert_int_eq(mkfifo(link, 0600), 0);
	path_in(link, sizeof(link), images, "subdir");
	ck_assert_int_eq(mkdir(link, 0755), 0);
	memset(&policy, 0, sizeof(policy));
	snprintf(policy.directories[0], sizeof(policy.directories[0]), "%s",
	    images);
	policy.directory_count = 1;
}

static void
teardown(void)
{
	char command[400];

	snprintf(command, sizeof(command), "rm -rf %s", root);
	ck_assert_int_eq(system(command), 0);
}

static bool
openat2_works(void)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
}

static int
open_named(const char *dir, const char *name, enum image_use use, bool is_root)
{
	char path[400];

	path_in(path, sizeof(path), dir, name);
	error[0] = '\0';
	return image_policy_open(&policy, path, use, is_root, error,
	    sizeof(error));
}

START_TEST(test_policy_check)
{
	static const char *const bad[] = {
		"relative", "/", "/srv/", "/srv//images", "/srv/./images",
		"/srv/../etc", "/srv/..", "/srv/.",
	};
	size_t i;

	ck_assert_int_eq(image_policy_check(&policy, error, sizeof(error)), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(policy.directories[0], IMAGE_POLICY_PATH_MAX, "%s",
		    bad[i]);
		ck_assert_int_eq(image_policy_check(&policy, error,
		    sizeof(error)), -1);
		ck_assert_ptr_nonnull(strstr(error, "images.directories"));
	}
	snprintf(policy.directories[0], IMAGE_POLICY_PATH_MAX, "/srv/images");
	snprintf(policy.directories[1], IMAGE_POLICY_PATH_MAX, "/srv/images");
	policy.directory_count = 2;
	ck_assert_int_eq(image_policy_check(&policy, error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "listed twice"));
}
END_TEST

START_TEST(test_regular_file_opens_nonblocking)
{
	char buffer[8] = { 0 };
	int fd = open_named(images, "Image", IMAGE_USE_KERNEL, false);

	ck_assert_msg(fd >= 0, "%s", error);
	ck_assert_int_eq(read(fd, buffer, 6), 6);
	ck_assert_str_eq(buffer, "kernel");
	ck_assert(fcntl(fd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(fd);
	fd = open_named(images, "Image", IMAGE_USE_DISK_WRITABLE, false);
	ck_assert_msg(fd >= 0, "%s", error);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	close(fd);
	/* a symlink that stays inside: followed by openat2's RESOLVE_BENEATH;
	 * where the kernel (or valgrind) has no openat2, the fallback walks
	 * one O_NOFOLLOW component at a time and refuses every symlink */
	fd = open_named(images, "inside-link", IMAGE_USE_INITRD, false);
	if (openat2_works())
		ck_assert_msg(fd >= 0, "a symlink that stays inside: %s", error);
	else
		ck_assert_msg(fd < 0 && strstr(error, "a symlink where none "
		    "may be followed") != NULL, "without openat2: %s", error);
	if (fd >= 0)
		close(fd);
}
END_TEST

START_TEST(test_outside_refused)
{
	ck_assert_int_eq(open_named(outside, "secret", IMAGE_USE_INITRD,
	    false), -1);
	ck_assert_ptr_nonnull(strstr(error, "not beneath an image directory"));
	ck_assert_ptr_nonnull(strstr(error, images));
	ck_assert_int_eq(open_named("/etc", "shadow", IMAGE_USE_INITRD, false),
	    -1);
	ck_assert_ptr_nonnull(strstr(error, "initrd /etc/shadow"));
	ck_assert_int_eq(open_named(images, "../outside/secret",
	    IMAGE_USE_KERNEL, false), -1);
	ck_assert_ptr_nonnull(strstr(error, "leads out"));
	ck_assert_int_eq(open_named(images, "outside-link", IMAGE_USE_KERNEL,
	    false), -1);
	ck_assert_msg(strstr(error, "leads out") != NULL ||
	    strstr(error, "symlink") != NULL, "%s", error);
	ck_assert_int_eq(image_policy_open(&policy, "Image", IMAGE_USE_KERNEL,
	    false, error, sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "not an absolute path"));
}
END_TEST

START_TEST(test_root_any_path)
{
	int fd;

	ck_assert_int_eq(open_named(outside, "secret", IMAGE_USE_KERNEL, true),
	    -1);	/* root, but the configuration does not say so */
	policy.root_any_path = true;
	ck_assert_int_eq(open_named(outside, "secret", IMAGE_USE_KERNEL, false),
	    -1);	/* said so, but not root */
	fd = open_named(outside, "secret", IMAGE_USE_KERNEL, true);
	ck_assert_msg(fd >= 0, "%s", error);
	close(fd);
	ck_assert_int_eq(open_named(images, "fifo", IMAGE_USE_KERNEL, true), -1);
	ck_assert_ptr_nonnull(strstr(error, "a FIFO"));
}
END_TEST

START_TEST(test_types_refused)
{
	char node[400];

	ck_assert_int_eq(open_named(images, "fifo", IMAGE_USE_KERNEL, false), -1);
	ck_assert_ptr_nonnull(strstr(error, "a FIFO, not a regular file"));
	ck_assert_int_eq(open_named(images, "subdir", IMAGE_USE_DISK_READ_ONLY,
	    false), -1);
	ck_assert_ptr_nonnull(strstr(error, "a directory"));
	ck_assert_int_eq(open_named(images, "missing", IMAGE_USE_KERNEL, false),
	    -1);
	ck_assert_ptr_nonnull(strstr(error, "No such file"));
	ck_assert_int_eq(open_named(images, "Image", IMAGE_USE_TAP, false), -1);
	ck_assert_ptr_nonnull(strstr(error, "not a file a path can name"));
	if (geteuid() != 0)
		return;		/* device nodes need root to make */
	path_in(node, sizeof(node), images, "watchdog");
	ck_assert_int_eq(mknod(node, S_IFCHR | 0600, makedev(10, 130)), 0);
	ck_assert_int_eq(open_named(images, "watchdog", IMAGE_USE_DISK_WRITABLE,
	    false), -1);
	ck_assert_ptr_nonnull(strstr(error, "a character device"));
	path_in(node, sizeof(node), images, "sda");
	ck_assert_int_eq(mknod(node, S_IFBLK | 0600, makedev(8, 0)), 0);
	ck_assert_int_eq(open_named(images, "sda", IMAGE_USE_DISK_WRITABLE,
	    false), -1);
	ck_assert_ptr_nonnull(strstr(error, "images.block_devices is false"));
	ck_assert_int_eq(open_named(images, "sda", IMAGE_USE_KERNEL, false), -1);
	ck_assert_ptr_nonnull(strstr(error, "a block device, not a regular"));
}
END_TEST

static int
check_fd(int fd, enum image_use use)
{
	error[0] = '\0';
	return image_fd_check(fd, use, false, error, sizeof(error));
}

START_TEST(test_fd_checks)
{
	char path[400];
	int ro, rw, opath, pipes[2], sockets[2], null;

	path_in(path, sizeof(path), images, "Image");
	ro = open(path, O_RDONLY | O_CLOEXEC);
	rw = open(path, O_RDWR | O_CLOEXEC);
	opath = open(path, O_PATH | O_CLOEXEC);
	ck_assert(ro >= 0 && rw >= 0 && opath >= 0);
	ck_assert_int_eq(check_fd(ro, IMAGE_USE_KERNEL), 0);
	ck_assert_int_eq(check_fd(ro, IMAGE_USE_DISK_READ_ONLY), 0);
	ck_assert_int_eq(check_fd(ro, IMAGE_USE_DISK_WRITABLE), -1);
	ck_assert_ptr_nonnull(strstr(error, "the fd is open "
	    "read-only"));
	ck_assert_int_eq(check_fd(rw, IMAGE_USE_DISK_WRITABLE), 0);
	ck_assert_int_eq(check_fd(opath, IMAGE_USE_KERNEL), -1);
	ck_assert_ptr_nonnull(strstr(error, "O_PATH"));
	ck_assert_int_eq(check_fd(ro, IMAGE_USE_TAP), -1);
	ck_assert_ptr_nonnull(strstr(error, "not a tap"));
	ck_assert_int_eq(check_fd(ro, IMAGE_USE_VHOST_VSOCK), -1);
	ck_assert_ptr_nonnull(strstr(error, "not /dev/vhost-vsock"));
	ck_assert_int_eq(pipe(pipes), 0);
	ck_assert_int_eq(check_fd(pipes[0], IMAGE_USE_INITRD), -1);
	ck_assert_ptr_nonnull(strstr(error, "a FIFO"));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sockets), 0);
	ck_assert_int_eq(check_fd(sockets[0], IMAGE_USE_DISK_READ_ONLY), -1);
	ck_assert_ptr_nonnull(strstr(error, "a socket"));
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(null, 0);
	ck_assert_int_eq(check_fd(null, IMAGE_USE_DISK_WRITABLE), -1);
	ck_assert_ptr_nonnull(strstr(error, "a character device"));
	ck_assert_int_eq(check_fd(-1, IMAGE_USE_KERNEL), -1);
	ck_assert_ptr_nonnull(strstr(error, "cannot be read"));
	close(ro);
	close(rw);
	close(opath);
	close(pipes[0]);
	close(pipes[1]);
	close(sockets[0]);
	close(sockets[1]);
	close(null);
}
END_TEST

/* A tap made here (gone when its fd closes), with flags. */
static int
tap_make(short flags)
{
	struct ifreq request;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	memset(&request, 0, sizeof(request));
	request.ifr_flags = flags;
	snprintf(request.ifr_name, sizeof(request.ifr_name), "vmmdtest%d",
	    (int)getpid() % 10000);
	if (ioctl(fd, TUNSETIFF, &request) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A fresh /dev/net/tun fd is attached to no tap; a tap must have the
 * virtio-net header; a tap vmmd would make itself passes. */
START_TEST(test_fd_taps)
{
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return;		/* no tun device here: nothing to check */
	ck_assert_int_eq(check_fd(fd, IMAGE_USE_TAP), -1);
	ck_assert_ptr_nonnull(strstr(error, "attached to no interface"));
	close(fd);
	fd = tap_make(IFF_TAP | IFF_NO_PI);
	if (fd < 0)
		return;		/* no CAP_NET_ADMIN: no tap to make */
	ck_assert_int_eq(check_fd(fd, IMAGE_USE_TAP), -1);
	ck_assert_ptr_nonnull(strstr(error, "IFF_VNET_HDR"));
	close(fd);
	fd = tap_make(IFF_TUN | IFF_NO_PI | IFF_VNET_HDR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(check_fd(fd, IMAGE_USE_TAP), -1);
	ck_assert_ptr_nonnull(strstr(error, "a tun interface"));
	close(fd);
	fd = tap_make(IFF_TAP | IFF_NO_PI | IFF_VNET_HDR);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(check_fd(fd, IMAGE_USE_TAP) == 0, "%s", error);
	ck_assert_int_eq(check_fd(fd, IMAGE_USE_VHOST_VSOCK), -1);
	close(fd);
}
END_TEST

static Suite *
image_policy_suite(void)
{
	Suite *suite = suite_create("image_policy");
	TCase *tcase = tcase_create("image_policy");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_policy_check);
	tcase_add_test(tcase, test_regular_file_opens_nonblocking);
	tcase_add_test(tcase, test_outside_refused);
	tcase_add_test(tcase, test_root_any_path);
	tcase_add_test(tcase, test_types_refused);
	tcase_add_test(tcase, test_fd_checks);
	tcase_add_test(tcase, test_fd_taps);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(image_policy_suite)
