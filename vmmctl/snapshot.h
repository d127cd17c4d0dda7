/* vmmctl's snapshot subcommands (docs/snapshot.md): a VM into a directory
 * of files vmmctl creates with the caller's rights, and VMs back from one.
 * Each returns a VMMCTL_* status, having said what went wrong. */
#ifndef VMMCTL_SNAPSHOT_H
#define VMMCTL_SNAPSHOT_H

#include <jansson.h>
#include <stdbool.h>

#include "connection.h"

struct snapshot_request {
	struct connection *connection;
	bool paths;		/* send paths, not files (--paths) */
	json_t *reply;		/* the command's return, to print (a new ref) */
};

/* vm-snapshot of vm into dir (created if need be): dir/state, dir/memory. */
int snapshot_take(struct snapshot_request *request, const char *vm,
    const char *dir);
/* vm-restore (count 0) or vm-clone (count clones) of spec_path's spec,
 * named name, from dir. */
int snapshot_restore(struct snapshot_request *request, const char *spec_path,
    const char *dir, const char *name, unsigned int count);

#endif
