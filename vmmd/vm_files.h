/* The files the daemon gives a VM (docs/security.md, "Who may connect, and
 * what it reaches"): a spec names each either by path, which the daemon
 * opens itself beneath its image directories (image_policy_open), or as
 * "fd:NAME", a file its client passed (getfd). At vm-create both kinds are
 * checked, so a refused file is refused there with its rule; at vm-start
 * each is opened (paths again, as they are now) and sent with the spec, so
 * the VM process, which still runs as the daemon's user, opens none of
 * them by a name a client chose. */
#ifndef VMMD_VM_FILES_H
#define VMMD_VM_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "../api/vm_spec.h"
#include "image_policy.h"
#include "vm_channel.h"

/* Every path of spec opened as vm-start would open it for a client that
 * is (or is not) root, and closed again; a tap by name only for root,
 * unless images.taps_by_name (the VM process attaches it, TUNSETIFF, with
 * the daemon's rights: a client could create taps or join another's):
 * 0, or -1 with one line in error that names the file, its use and the
 * rule. */
int vm_files_check(const struct image_policy *policy,
    const struct api_vm_spec *spec, bool client_is_root, char *error,
    size_t error_size);

/* The fds of spec's files in vm_channel_files' order, for the VM process:
 * a passed file's is a duplicate of the fd held for it (held[], in the
 * same order, passed ones only), a path's is opened now. Their count, or
 * -1 with error (and none left open). */
int vm_files_open(const struct image_policy *policy,
    const struct api_vm_spec *spec, const int *held, unsigned int held_count,
    bool client_is_root, int fds[VM_CHANNEL_FILES_MAX], char *error,
    size_t error_size);

void vm_files_close(int *fds, unsigned int count);

#endif
