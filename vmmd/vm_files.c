/* The files a VM is given (vm_files.h): paths through the image policy,
 * passed fds as the daemon holds them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vm_files.h"

/* A tap the spec names for the VM process to attach. */
static const char *
tap_by_name(const struct api_vm_spec *spec)
{
	unsigned int i;

	for (i = 0; i < spec->device_count && i < API_VM_DEVICES_MAX; i++)
		if (spec->devices[i].type == API_DEVICE_NET &&
		    !api_vm_spec_fd_ref(spec->devices[i].tap))
			return spec->devices[i].tap;
	return NULL;
}

int
vm_files_check(const struct image_policy *policy,
    const struct api_vm_spec *spec, bool client_is_root, char *error,
    size_t error_size)
{
	struct vm_channel_file files[VM_CHANNEL_FILES_MAX];
	unsigned int n = vm_channel_files(spec, files), i;
	const char *tap = tap_by_name(spec);
	int fd;

	if (tap != NULL && !client_is_root && !policy->taps_by_name) {
		snprintf(error, error_size, "tap %s: by name only for root "
		    "(images.taps_by_name): pass it instead, opened as its "
		    "owner (vmmctl does; ip tuntap add NAME mode tap user USER)",
		    tap);
		return -1;
	}

	for (i = 0; i < n; i++) {
		if (files[i].passed)
			continue;
		fd = image_policy_open(policy, files[i].ref, files[i].use,
		    client_is_root, error, error_size);
		if (fd < 0)
			return -1;
		close(fd);
	}
	return 0;
}

int
vm_files_open(const struct image_policy *policy,
    const struct api_vm_spec *spec, const int *held, unsigned int held_count,
    bool client_is_root, int fds[VM_CHANNEL_FILES_MAX], char *error,
    size_t error_size)
{
	struct vm_channel_file files[VM_CHANNEL_FILES_MAX];
	unsigned int n = vm_channel_files(spec, files), i, next_held = 0;
	int fd;

	for (i = 0; i < n; i++) {
		if (files[i].passed && next_held >= held_count) {
			snprintf(error, error_size, "%s %s: the daemon holds no "
			    "fd for it", image_use_name(files[i].use),
			    files[i].ref);
			fd = -1;
		} else if (files[i].passed) {
			fd = fcntl(held[next_held++], F_DUPFD_CLOEXEC, 0);
			if (fd < 0)
				snprintf(error, error_size, "%s %s: %s",
				    image_use_name(files[i].use), files[i].ref,
				    strerror(errno));
		} else {
			fd = image_policy_open(policy, files[i].ref,
			    files[i].use, client_is_root, error, error_size);
		}
		if (fd < 0) {
			vm_files_close(fds, i);
			return -1;
		}
		fds[i] = fd;
	}
	return (int)n;
}

void
vm_files_close(int *fds, unsigned int count)
{
	while (count > 0)
		close(fds[--count]);
}
