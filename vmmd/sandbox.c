/* The VM process's privilege drop (sandbox.h, docs/security.md): the
 * files every boot needs are kept, then the user, the capabilities and
 * the right to gain any go, then the seccomp allowlist (sandbox_policy.c)
 * is loaded. It runs while the process has one thread, so what it sets
 * is what every later thread inherits. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../core/guest_memory.h"
#include "../core/kept_files.h"
#include "../core/log.h"
#include "../core/rss.h"
#include "device_kinds.h"
#include "sandbox.h"


int
sandbox_user_resolve(const char *spec, struct sandbox_user *user,
    char *error, size_t error_size)
{
	const struct passwd *entry;
	unsigned long uid, gid;
	char *end;

	uid = strtoul(spec, &end, 10);
	if (end != spec && *end == ':') {
		gid = strtoul(end + 1, &end, 10);
		if (*end == '\0' && uid < (uid_t)-1 && gid < (gid_t)-1) {
			user->uid = (uid_t)uid;
			user->gid = (gid_t)gid;
			return 0;
		}
	}
	entry = getpwnam(spec);
	if (entry == NULL) {
		snprintf(error, error_size, "vm_user %s: no such user (a name, "
		    "or UID:GID)", spec);
		return -ENOENT;
	}
	user->uid = entry->pw_uid;
	user->gid = entry->pw_gid;
	return 0;
}

/* The bounding set needs CAP_SETPCAP, so it goes first; a capability
 * already out of it needs nothing. */
static int
drop_bounding_set(char *error, size_t error_size)
{
	int cap;

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			snprintf(error, error_size, "cannot drop capability %d "
			    "from the bounding set: %s", cap, strerror(errno));
			return -errno;
		}
	return 0;
}

/* Permitted, effective and inheritable emptied, unless they are already
 * (under systemd's filter, capset itself is refused). */
static int
drop_capabilities(char *error, size_t error_size)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2], none[2];

	memset(none, 0, sizeof(none));
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &header, data) == 0 &&
	    memcmp(data, none, sizeof(none)) == 0)
		return 0;
	if (syscall(SYS_capset, &header, none) < 0) {
		snprintf(error, error_size, "cannot drop the capabilities: %s",
		    strerror(errno));
		return -errno;
	}
	return 0;
}

static int
become(const struct sandbox_user *user, char *error, size_t error_size)
{
	if (setgroups(0, NULL) < 0 ||
	    setresgid(user->gid, user->gid, user->gid) < 0 ||
	    setresuid(user->uid, user->uid, user->uid) < 0) {
		snprintf(error, error_size, "cannot become uid %u gid %u: %s",
		    (unsigned int)user->uid, (unsigned int)user->gid,
		    strerror(errno));
		return -errno;
	}
	if (user->uid != 0 && setresuid(0, 0, 0) == 0) {
		snprintf(error, error_size, "uid 0 is still reachable");
		return -EPERM;
	}
	return 0;
}

int
sandbox_drop_privileges(const struct sandbox_user *user, char *error,
    size_t error_size)
{
	int rc;

	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	rc = drop_bounding_set(error, error_size);
	if (rc == 0 && user != NULL && geteuid() == 0)
		rc = become(user, error, error_size);
	if (rc == 0)
		rc = drop_capabilities(error, error_size);
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(error, error_size, "cannot set no_new_privs: %s",
		    strerror(errno));
		rc = -errno;
	}
	/* no core dump of guest memory, no ptrace by the same user */
	if (rc == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(error, error_size, "cannot stop being dumpable: %s",
		    strerror(errno));
		rc = -errno;
	}
	return rc;
}

static int
keep(const char *path, int flags, char *error, size_t error_size)
{
	int rc = kept_files_keep(path, flags);

	if (rc < 0)
		snprintf(error, error_size, "cannot keep %s open: %s", path,
		    strerror(-rc));
	return rc;
}

/* For the kinds' prepare hooks (vmmd/device_options.c). */
int
sandbox_keep_file(const char *path, int flags, char *error, size_t error_size)
{
	return keep(path, flags, error, error_size);
}

/* What each kind opens before the sandbox: the table of kinds says. */
static int
keep_device(struct vm_device_spec *device, char *error, size_t error_size)
{
	const struct device_kind *kind = device_kind_of(device->kind);

	return kind != NULL && kind->prepare != NULL ?
	    kind->prepare(device, error, error_size) : 0;
}

int
sandbox_keep_files(const struct vm_config *vm, struct vm_device_spec *devices,
    unsigned int device_count, char *error, size_t error_size)
{
	unsigned int i;
	int rc;

	rc = keep(vm->kvm_path, O_RDWR, error, error_size);
	if (rc == 0 && vm->kernel_path != NULL)
		rc = keep(vm->kernel_path, O_RDONLY, error, error_size);
	if (rc == 0 && vm->initrd_path != NULL)
		rc = keep(vm->initrd_path, O_RDONLY, error, error_size);
	if (rc == 0 && vm->payload_path != NULL)
		rc = keep(vm->payload_path, O_RDONLY, error, error_size);
	if (rc == 0)
		rc = keep(RSS_SMAPS_PATH, O_RDONLY, error, error_size);
	if (rc == 0)	/* which kernel pages the guest wrote (vm_detach.c) */
		rc = keep(GUEST_MEMORY_PAGEMAP_PATH, O_RDONLY, error, error_size);
	for (i = 0; rc == 0 && i < device_count; i++)
		rc = keep_device(&devices[i], error, error_size);
	return rc;
}

int
sandbox_stat_path(const char *path)
{
	struct stat st;

	/* the call itself, past any sanitizer's interceptor */
	return syscall(SYS_newfstatat, AT_FDCWD, path, &st, AT_EMPTY_PATH) == 0 ?
	    0 : -errno;
}

int
sandbox_enter(const struct vm_config *vm, struct vm_device_spec *devices,
    unsigned int device_count, const char *user_spec)
{
	struct sandbox_user user;
	char error[256];
	int rc;

	/* only root can become someone else */
	if (geteuid() != 0)
		user_spec = NULL;
	rc = sandbox_keep_files(vm, devices, device_count, error, sizeof(error));
	if (rc == 0 && user_spec != NULL)
		rc = sandbox_user_resolve(user_spec, &user, error, sizeof(error));
	if (rc == 0)
		rc = sandbox_drop_privileges(user_spec != NULL ? &user : NULL,
		    error, sizeof(error));
	if (rc == 0)
		rc = sandbox_filter_load(error, sizeof(error));
	if (rc < 0)
		log_warnx("vm-process: sandbox: %s", error);
	return rc;
}
