/* A spec's files, opened here and passed (pass_files.h). Opening is
 * non-blocking, so a FIFO never hangs vmmctl: the daemon refuses it. */
#include "pass_files.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Opens a tap by name, as vmmd would (IFF_VNET_HDR): allowed when the
 * caller owns the tap (`ip tuntap add NAME mode tap user USER`). */
static int
tap_open(const char *name)
{
	struct ifreq request;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -1;
	memset(&request, 0, sizeof(request));
	request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(request.ifr_name, sizeof(request.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &request) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Sends fd under name; the daemon holds its own copy from then on. */
int
pass_file_fd(struct connection *connection, const char *name, int fd,
    const char *what, const char *path, char *error, size_t error_size)
{
	json_t *reply = connection_execute_fd(connection, "getfd",
	    json_pack("{s:s}", "fdname", name), fd);
	json_t *refusal = json_object_get(reply, "error");
	int rc = 0;

	if (reply == NULL || refusal != NULL) {
		snprintf(error, error_size, "%s %s: the daemon did not take it: "
		    "%s", what, path, reply == NULL ? "the connection broke" :
		    json_string_value(json_object_get(refusal, "desc")) ?: "?");
		rc = -1;
	}
	json_decref(reply);
	return rc;
}

/* member of object: a path (or a tap's name) that becomes "fd:NAME". */
static int
pass_member(struct connection *connection, json_t *object, const char *member,
    const char *name, int flags, bool tap, char *error, size_t error_size)
{
	const char *value = json_string_value(json_object_get(object, member));
	char reference[64];
	int fd, rc;

	if (value == NULL || value[0] == '\0' ||
	    strncmp(value, PASS_FILES_PREFIX, strlen(PASS_FILES_PREFIX)) == 0)
		return 0;
	fd = tap ? tap_open(value) : open(value, flags | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd < 0) {
		snprintf(error, error_size, "cannot open %s %s: %s", member,
		    value, strerror(errno));
		return -1;
	}
	rc = pass_file_fd(connection, name, fd, member, value, error,
	    error_size);
	close(fd);
	if (rc < 0)
		return -1;
	snprintf(reference, sizeof(reference), PASS_FILES_PREFIX "%s", name);
	return json_object_set_new(object, member, json_string(reference));
}

static int
pass_devices(struct connection *connection, json_t *devices, char *error,
    size_t error_size)
{
	char name[32];
	json_t *device;
	const char *type;
	size_t i;
	int rc = 0;

	json_array_foreach(devices, i, device) {
		type = json_string_value(json_object_get(device, "type"));
		snprintf(name, sizeof(name), "device%zu", i);
		if (type != NULL && strcmp(type, "disk") == 0)
			rc = pass_member(connection, device, "path", name,
			    json_is_true(json_object_get(device, "read_only")) ?
			    O_RDONLY : O_RDWR, false, error, error_size);
		else if (type != NULL && strcmp(type, "net") == 0)
			rc = pass_member(connection, device, "tap", name, 0,
			    true, error, error_size);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
pass_files(struct connection *connection, json_t *spec, char *error,
    size_t error_size)
{
	static const char *const files[] = { "kernel", "initrd",
		"cpu_template" };
	size_t i;

	json_t *restore = json_object_get(spec, "restore");

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		if (pass_member(connection, spec, files[i], files[i], O_RDONLY,
		    false, error, error_size) < 0)
			return -1;
	if (json_is_object(restore) && (pass_member(connection, restore,
	    "state", "restore-state", O_RDONLY, false, error, error_size) < 0 ||
	    pass_member(connection, restore, "memory", "restore-memory",
	    O_RDONLY, false, error, error_size) < 0))
		return -1;
	return pass_devices(connection, json_object_get(spec, "devices"),
	    error, error_size);
}
