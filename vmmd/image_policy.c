/* The rules for what a VM is given (image_policy.h): paths beneath the
 * image directories, passed fds by what they are and how they were opened.
 * A refusal is one line that names the file, its use and the rule. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/if_tun.h>

#include "image_policy.h"

/* The misc devices a VM may be handed (include/linux/miscdevice.h). */
#define MISC_MAJOR		10
#define TUN_MINOR		200
#define VHOST_VSOCK_MINOR	241

enum image_kind { KIND_FILE, KIND_TAP, KIND_VHOST_VSOCK };

struct image_rule {
	const char *name;
	enum image_kind kind;
	bool writable;		/* the fd must be open for writing */
	bool disk;		/* a block device may do, where allowed */
};

static const struct image_rule image_rules[IMAGE_USE_COUNT] = {
	[IMAGE_USE_KERNEL] = { "kernel", KIND_FILE, false, false },
	[IMAGE_USE_INITRD] = { "initrd", KIND_FILE, false, false },
	[IMAGE_USE_CPU_TEMPLATE] = { "cpu_template", KIND_FILE, false, false },
	[IMAGE_USE_DISK_READ_ONLY] = { "disk", KIND_FILE, false, true },
	[IMAGE_USE_DISK_WRITABLE] = { "writable disk", KIND_FILE, true, true },
	[IMAGE_USE_TAP] = { "tap", KIND_TAP, true, false },
	[IMAGE_USE_VHOST_VSOCK] = { "vhost-vsock", KIND_VHOST_VSOCK, true, false },
	[IMAGE_USE_SNAPSHOT] = { "snapshot file", KIND_FILE, false, false },
	[IMAGE_USE_SNAPSHOT_OUT] = { "snapshot output", KIND_FILE, true,
	    false },
};

const char *
image_use_name(enum image_use use)
{
	return (unsigned int)use < IMAGE_USE_COUNT ? image_rules[use].name : "?";
}

static bool
directory_normal(const char *dir)
{
	size_t length = strlen(dir);

	if (dir[0] != '/' || length < 2 || dir[length - 1] == '/' ||
	    strstr(dir, "//") != NULL || strstr(dir, "/./") != NULL ||
	    strstr(dir, "/../") != NULL)
		return false;
	return !(length >= 2 && strcmp(dir + length - 2, "/.") == 0) &&
	    !(length >= 3 && strcmp(dir + length - 3, "/..") == 0);
}

int
image_policy_check(const struct image_policy *policy, char *error,
    size_t error_size)
{
	unsigned int i, j;

	if (policy->directory_count > IMAGE_POLICY_DIRS_MAX) {
		snprintf(error, error_size, "images.directories: more than %d",
		    IMAGE_POLICY_DIRS_MAX);
		return -1;
	}
	for (i = 0; i < policy->directory_count; i++) {
		if (!directory_normal(policy->directories[i])) {
			snprintf(error, error_size, "images.directories: '%s' "
			    "is not an absolute, normalised directory (no "
			    "'//', '.', '..' or trailing '/'; not '/')",
			    policy->directories[i]);
			return -1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(policy->directories[i],
			    policy->directories[j]) == 0) {
				snprintf(error, error_size, "images.directories:"
				    " '%s' is listed twice",
				    policy->directories[i]);
				return -1;
			}
	}
	return 0;
}

/* The type a use takes; why not, in words, otherwise. */
static const char *
type_refused(const struct stat *st, const struct image_rule *rule,
    bool block_devices)
{
	if (rule->kind == KIND_TAP)
		return S_ISCHR(st->st_mode) && st->st_rdev ==
		    makedev(MISC_MAJOR, TUN_MINOR) ? NULL :
		    "not a tap (a /dev/net/tun fd attached to one)";
	if (rule->kind == KIND_VHOST_VSOCK)
		return S_ISCHR(st->st_mode) && st->st_rdev ==
		    makedev(MISC_MAJOR, VHOST_VSOCK_MINOR) ? NULL :
		    "not /dev/vhost-vsock";
	if (S_ISREG(st->st_mode))
		return NULL;
	if (S_ISBLK(st->st_mode) && rule->disk)
		return block_devices ? NULL : "a block device, and "
		    "images.block_devices is false";
	if (S_ISBLK(st->st_mode))
		return "a block device, not a regular file";
	if (S_ISCHR(st->st_mode))
		return "a character device: never a VM's file";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO, not a regular file";
	if (S_ISSOCK(st->st_mode))
		return "a socket, not a regular file";
	if (S_ISDIR(st->st_mode))
		return "a directory, not a regular file";
	return "not a regular file";
}

static const char *
access_refused(int flags, const struct image_rule *rule)
{
	int mode = flags & O_ACCMODE;

	if (flags & O_PATH)
		return "an O_PATH fd, which cannot be read";
	if (rule->writable && mode != O_RDWR)
		return mode == O_RDONLY ? "open read-only: it cannot be "
		    "written to" : "not open for reading";
	if (!rule->writable && mode == O_WRONLY)
		return "open write-only: it cannot be read";
	return NULL;
}

/* A tap fd is attached to an interface; a fresh /dev/net/tun fd is not. */
static const char *
tap_refused(int fd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(fd, TUNGETIFF, &ifr) < 0)
		return "a /dev/net/tun fd attached to no interface";
	if ((ifr.ifr_flags & IFF_TAP) == 0)
		return "a tun interface, not a tap";
	if ((ifr.ifr_flags & IFF_VNET_HDR) == 0 || (ifr.ifr_flags & IFF_NO_PI) == 0)
		return "a tap without IFF_VNET_HDR and IFF_NO_PI (open it with "
		    "IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)";
	return NULL;
}

int
image_fd_check(int fd, enum image_use use, bool block_devices, char *error,
    size_t error_size)
{
	const struct image_rule *rule;
	const char *why;
	struct stat st;
	int flags;

	if ((unsigned int)use >= IMAGE_USE_COUNT) {
		snprintf(error, error_size, "no such use of a file");
		return -1;
	}
	rule = &image_rules[use];
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fstat(fd, &st) < 0) {
		snprintf(error, error_size, "the fd cannot be read: %s",
		    strerror(errno));
		return -1;
	}
	why = type_refused(&st, rule, block_devices);
	if (why == NULL)
		why = access_refused(flags, rule);
	if (why == NULL && rule->kind == KIND_TAP)
		why = tap_refused(fd);
	if (why != NULL) {
		snprintf(error, error_size, "the fd is %s", why);
		return -1;
	}
	return 0;
}

/* The image directory that holds path, and path's part beneath it. */
static const char *
directory_of(const struct image_policy *policy, const char *path,
    const char **beneath)
{
	unsigned int i;
	size_t length;

	for (i = 0; i < policy->directory_count; i++) {
		length = strlen(policy->directories[i]);
		if (strncmp(path, policy->directories[i], length) == 0 &&
		    path[length] == '/' && path[length + 1] != '\0') {
			*beneath = path + length + 1;
			return policy->directories[i];
		}
	}
	return NULL;
}

static void
directories_text(const struct image_policy *policy, char *out, size_t size)
{
	size_t used = 0;
	unsigned int i;

	out[0] = '\0';
	for (i = 0; i < policy->directory_count && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
		    i ? ", " : "", policy->directories[i]);
	if (policy->directory_count == 0)
		snprintf(out, size, "none configured");
}

/* Without openat2: one component at a time, never following a symlink,
 * never going up. */
static int
open_components(int dir_fd, const char *beneath)
{
	char component[256];
	const char *next;
	struct stat st;
	size_t length;
	int fd = dup(dir_fd), child;

	while (fd >= 0 && *beneath != '\0') {
		next = strchrnul(beneath, '/');
		length = (size_t)(next - beneath);
		if (length == 0 || length >= sizeof(component)) {
			beneath = next + (*next == '/');
			continue;
		}
		memcpy(component, beneath, length);
		component[length] = '\0';
		beneath = next + (*next == '/');
		if (strcmp(component, "..") == 0) {
			close(fd);
			errno = EXDEV;
			return -1;
		}
		child = openat(fd, component, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (child >= 0 && fstat(child, &st) == 0 && S_ISLNK(st.st_mode)) {
			close(child);
			errno = ELOOP;
			return -1;
		}
		fd = child;
	}
	return fd;
}

/* anywhere: images.root_any_path, where symlinks may go anywhere too */
static int
open_beneath(int dir_fd, const char *beneath, bool anywhere)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_NO_MAGICLINKS | (anywhere ? 0 : RESOLVE_BENEATH),
	};
	long fd = syscall(SYS_openat2, dir_fd, beneath, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS && anywhere)
		return openat(dir_fd, beneath, O_PATH | O_CLOEXEC);
	if (fd < 0 && errno == ENOSYS)
		return open_components(dir_fd, beneath);
	return (int)fd;
}

static const char *
resolve_refused(int error_number)
{
	switch (error_number) {
	case EXDEV:
		return "it leads out of its image directory (a symlink or "
		    "'..')";
	case ELOOP:
		return "a symlink where none may be followed";
	default:
		return strerror(error_number);
	}
}

/* The O_PATH fd's file, opened for real: same inode, or nothing. */
static int
reopen(int path_fd, const struct stat *st, const struct image_rule *rule)
{
	char proc_path[64];
	struct stat now;
	int fd;

	snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", path_fd);
	fd = open(proc_path, (rule->writable ? O_RDWR : O_RDONLY) | O_NONBLOCK |
	    O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static int
open_checked(const struct image_policy *policy, int path_fd, const char *path,
    const struct image_rule *rule, char *error, size_t error_size)
{
	const char *why;
	struct stat st;
	int fd;

	if (fstat(path_fd, &st) < 0) {
		snprintf(error, error_size, "%s %s: %s", rule->name, path,
		    strerror(errno));
		return -1;
	}
	why = type_refused(&st, rule, policy->block_devices);
	if (why != NULL) {
		snprintf(error, error_size, "%s %s: %s", rule->name, path, why);
		return -1;
	}
	fd = reopen(path_fd, &st, rule);
	if (fd < 0)
		snprintf(error, error_size, "%s %s: cannot open it%s: %s",
		    rule->name, path, rule->writable ? " for writing" : "",
		    strerror(errno));
	return fd;
}

int
image_policy_open(const struct image_policy *policy, const char *path,
    enum image_use use, bool client_is_root, char *error, size_t error_size)
{
	const struct image_rule *rule;
	const char *dir, *beneath = NULL;
	bool anywhere = false;
	char dirs[256];
	int dir_fd, path_fd, fd;

	if ((unsigned int)use >= IMAGE_USE_COUNT ||
	    image_rules[use].kind != KIND_FILE) {
		snprintf(error, error_size, "%s: not a file a path can name",
		    image_use_name(use));
		return -1;
	}
	rule = &image_rules[use];
	if (path[0] != '/') {
		snprintf(error, error_size, "%s %s: not an absolute path",
		    rule->name, path);
		return -1;
	}
	dir = directory_of(policy, path, &beneath);
	if (dir == NULL && client_is_root && policy->root_any_path) {
		dir = "/";	/* images.root_any_path: the old rule */
		beneath = path + 1;
		anywhere = true;
	}
	if (dir == NULL) {
		directories_text(policy, dirs, sizeof(dirs));
		snprintf(error, error_size, "%s %s: not beneath an image "
		    "directory (images.directories: %s); pass the file "
		    "instead (getfd)", rule->name, path, dirs);
		return -1;
	}
	dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0) {
		snprintf(error, error_size, "%s %s: its image directory %s: %s",
		    rule->name, path, dir, strerror(errno));
		return -1;
	}
	path_fd = open_beneath(dir_fd, beneath, anywhere);
	close(dir_fd);
	if (path_fd < 0) {
		snprintf(error, error_size, "%s %s: %s", rule->name, path,
		    resolve_refused(errno));
		return -1;
	}
	fd = open_checked(policy, path_fd, path, rule, error, error_size);
	close(path_fd);
	return fd;
}
