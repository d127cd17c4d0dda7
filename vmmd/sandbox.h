/* The VM process's least privilege (docs/security.md): once its VM is
 * configured it keeps the files every boot needs, becomes an unprivileged
 * user, drops every capability, sets no_new_privs and installs a seccomp
 * allowlist made for its steady state. */
#ifndef VMMD_SANDBOX_H
#define VMMD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/vm.h"

/* One allowed (or refused) system call; rules of one call OR together. */
enum sandbox_check {
	SANDBOX_ANY,		/* any arguments */
	SANDBOX_EQ,		/* argument arg == value */
	SANDBOX_EQ_PID,		/* argument arg == the process's pid */
	SANDBOX_BITS_CLEAR,	/* (argument arg & value) == 0 */
	SANDBOX_BITS_SET,	/* (argument arg & value) == value */
};

struct sandbox_rule {
	const char *name;	/* as libseccomp names it */
	enum sandbox_check check;
	unsigned int arg;
	uint64_t value;
	int error;		/* 0: allowed; else it fails with this errno */
	const char *why;
};

struct sandbox_ioctl {
	const char *name;
	unsigned long request;
};

extern const struct sandbox_rule sandbox_rules[];
extern const size_t sandbox_rule_count;
extern const struct sandbox_ioctl sandbox_ioctls[];
extern const size_t sandbox_ioctl_count;

/* The filter for an architecture (SCMP_ARCH_*, 0: the native one), built
 * but not loaded: for the tests and for sandbox_filter_load. */
void *sandbox_filter_build(uint32_t arch, pid_t pid, char *error,
    size_t error_size);
int sandbox_filter_load(char *error, size_t error_size);

/* The user to become when root: a name, or "UID:GID". */
struct sandbox_user {
	uid_t uid;
	gid_t gid;
};

int sandbox_user_resolve(const char *spec, struct sandbox_user *user,
    char *error, size_t error_size);
/* Every capability in every set and the bounding set, the user (when
 * root and user is not NULL), then no_new_privs and not dumpable. */
int sandbox_drop_privileges(const struct sandbox_user *user, char *error,
    size_t error_size);
/* One file kept open for every boot; one that cannot be opened is kept
 * with its errno. */
int sandbox_keep_file(const char *path, int flags, char *error,
    size_t error_size);
/* The VM's files, kept for every boot (core/kept_files.h); a tap by name
 * becomes a handed fd in devices. */
int sandbox_keep_files(const struct vm_config *vm,
    struct vm_device_spec *devices, unsigned int device_count, char *error,
    size_t error_size);

/* What stat(2) of a path tells the process: 0 or a negative errno. Made
 * as newfstatat with AT_EMPTY_PATH, which the filter once let through; under
 * the filter it is -EACCES whether the path exists or not. For the tests
 * and the x-forbidden-syscall test hook. */
int sandbox_stat_path(const char *path);

/* All of the above, in that order; logs once what failed. */
int sandbox_enter(const struct vm_config *vm, struct vm_device_spec *devices,
    unsigned int device_count, const char *user);

#endif
