/* What a VM may be given, and how the daemon opens it: a spec's paths only
 * beneath the configured image directories (no symlink out, no FIFO, no
 * device unless allowed), and a client's passed fds only for what they are
 * (a regular file, a block device, a tap, vhost-vsock) and how they were
 * opened (a read-only fd never becomes a writable disk). docs/security.md. */
#ifndef VMMD_IMAGE_POLICY_H
#define VMMD_IMAGE_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#define IMAGE_POLICY_DIRS_MAX	8
#define IMAGE_POLICY_PATH_MAX	512

/* What a file is for: each use has its own rule of types and access. */
enum image_use {
	IMAGE_USE_KERNEL,
	IMAGE_USE_INITRD,
	IMAGE_USE_CPU_TEMPLATE,
	IMAGE_USE_DISK_READ_ONLY,
	IMAGE_USE_DISK_WRITABLE,
	IMAGE_USE_TAP,
	IMAGE_USE_VHOST_VSOCK,
	IMAGE_USE_SNAPSHOT,		/* a snapshot's file, to restore from */
	IMAGE_USE_SNAPSHOT_OUT,		/* one vm-snapshot writes */
	IMAGE_USE_COUNT,
};

struct image_policy {
	char directories[IMAGE_POLICY_DIRS_MAX][IMAGE_POLICY_PATH_MAX];
	unsigned int directory_count;
	bool block_devices;	/* disks may be host block devices */
	bool root_any_path;	/* a root client's paths need no directory */
	bool taps_by_name;	/* anyone may name a tap for the VM process to
				 * attach with the daemon's rights; else root */
};

const char *image_use_name(enum image_use use);

/* 0 when every directory is absolute, normalised (no "//", ".", "..", no
 * trailing '/') and listed once; else -1 with the reason. */
int image_policy_check(const struct image_policy *policy, char *error,
    size_t error_size);

/* Opens path for use, as the policy allows for a client that is (or is
 * not) root: beneath the image directory that holds it (openat2 with
 * RESOLVE_BENEATH, or one O_NOFOLLOW component at a time where the kernel
 * lacks openat2), first as O_PATH so that nothing is opened whose type is
 * wrong (a device's open can act: a watchdog arms), then reopened for real,
 * O_NONBLOCK. Returns the fd (O_CLOEXEC), or -1 with a line in error that
 * names the rule. */
int image_policy_open(const struct image_policy *policy, const char *path,
    enum image_use use, bool client_is_root, char *error, size_t error_size);

/* Checks an fd a client passed for use: its type (by fstat; a tap by
 * TUNGETIFF; vhost-vsock by its device number) and its access mode.
 * block_devices as in the policy. 0, or -1 with the reason in error. */
int image_fd_check(int fd, enum image_use use, bool block_devices,
    char *error, size_t error_size);

#endif
