/* The VM processes' channels kept by the service manager across a restart
 * of the daemon (vm_handover.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/log.h"
#include "sd_daemon.h"
#include "vm_handover.h"

static const char *const fd_prefixes[VM_HANDOVER_FDS] = {
	[VM_HANDOVER_CONTROL] = "vmmd-control.",
	[VM_HANDOVER_CONSOLE_OUT] = "vmmd-console-out.",
	[VM_HANDOVER_CONSOLE_IN] = "vmmd-console-in.",
};

void
vm_handover_fd_name(char *out, size_t size, const char *vm,
    enum vm_handover_fd which)
{
	snprintf(out, size, "%s%s", fd_prefixes[which], vm);
}

int
vm_handover_fd_parse(const char *fdname, char *vm, size_t size,
    enum vm_handover_fd *which)
{
	size_t prefix, length;
	unsigned int i;

	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		prefix = strlen(fd_prefixes[i]);
		if (strncmp(fdname, fd_prefixes[i], prefix) != 0)
			continue;
		length = strlen(fdname + prefix);
		if (length >= size || !api_vm_name_valid(fdname + prefix))
			return -1;
		memcpy(vm, fdname + prefix, length + 1);
		*which = (enum vm_handover_fd)i;
		return 0;
	}
	return -1;
}

static struct vm_handover_entry *
entry_find(struct vm_handover *handover, const char *vm)
{
	unsigned int i;

	for (i = 0; i < handover->count; i++)
		if (strcmp(handover->entries[i].name, vm) == 0)
			return &handover->entries[i];
	return NULL;
}

static struct vm_handover_entry *
entry_new(struct vm_handover *handover, const char *vm)
{
	struct vm_handover_entry *entries, *entry;
	unsigned int i;

	entries = realloc(handover->entries, (handover->count + 1) *
	    sizeof(*entries));
	if (entries == NULL)
		return NULL;
	handover->entries = entries;
	entry = &entries[handover->count++];
	snprintf(entry->name, sizeof(entry->name), "%s", vm);
	for (i = 0; i < VM_HANDOVER_FDS; i++)
		entry->fds[i] = -1;
	return entry;
}

int
vm_handover_add(struct vm_handover *handover, const char *fdname, int fd)
{
	char vm[API_VM_NAME_MAX + 1];
	struct vm_handover_entry *entry;
	enum vm_handover_fd which;

	if (vm_handover_fd_parse(fdname, vm, sizeof(vm), &which) < 0)
		return 0;
	entry = entry_find(handover, vm);
	if (entry == NULL)
		entry = entry_new(handover, vm);
	if (entry == NULL || entry->fds[which] >= 0) {
		log_warnx("passed fd %s: %s", fdname, entry == NULL ?
		    "out of memory" : "passed twice: the second is closed");
		close(fd);
		return -1;
	}
	entry->fds[which] = fd;
	return 1;
}

static void
entry_close(struct vm_handover_entry *entry)
{
	unsigned int i;

	for (i = 0; i < VM_HANDOVER_FDS; i++)
		if (entry->fds[i] >= 0) {
			close(entry->fds[i]);
			entry->fds[i] = -1;
		}
}

int
vm_handover_take(struct vm_handover *handover, const char *vm,
    int fds[VM_HANDOVER_FDS])
{
	struct vm_handover_entry *entry = entry_find(handover, vm);
	unsigned int i;

	if (entry == NULL)
		return -ENOENT;
	for (i = 0; i < VM_HANDOVER_FDS; i++)
		if (entry->fds[i] < 0) {
			entry_close(entry);
			return -EINVAL;
		}
	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		fds[i] = entry->fds[i];
		entry->fds[i] = -1;
	}
	return 0;
}

unsigned int
vm_handover_drop_rest(struct vm_handover *handover)
{
	unsigned int i, j, dropped = 0;
	bool any;

	for (i = 0; i < handover->count; i++) {
		any = false;
		for (j = 0; j < VM_HANDOVER_FDS; j++)
			any |= handover->entries[i].fds[j] >= 0;
		if (!any)
			continue;
		log_warnx("VM %s: its process's channels were passed back, but "
		    "no record names it: they are closed (its process stops "
		    "its guest)", handover->entries[i].name);
		entry_close(&handover->entries[i]);
		vm_handover_forget(handover->entries[i].name);
		dropped++;
	}
	free(handover->entries);
	handover->entries = NULL;
	handover->count = 0;
	return dropped;
}

int
vm_handover_store(const char *vm, const int fds[VM_HANDOVER_FDS])
{
	char state[64 + VM_HANDOVER_NAME_MAX], name[VM_HANDOVER_NAME_MAX];
	unsigned int i;
	int rc;

	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		vm_handover_fd_name(name, sizeof(name), vm,
		    (enum vm_handover_fd)i);
		snprintf(state, sizeof(state), "FDSTORE=1\nFDNAME=%s", name);
		rc = sd_daemon_notify_fds(state, &fds[i], 1);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void
vm_handover_forget(const char *vm)
{
	char state[64 + VM_HANDOVER_NAME_MAX], name[VM_HANDOVER_NAME_MAX];
	unsigned int i;

	for (i = 0; i < VM_HANDOVER_FDS; i++) {
		vm_handover_fd_name(name, sizeof(name), vm,
		    (enum vm_handover_fd)i);
		snprintf(state, sizeof(state), "FDSTOREREMOVE=1\nFDNAME=%s",
		    name);
		sd_daemon_notify(state);
	}
}
