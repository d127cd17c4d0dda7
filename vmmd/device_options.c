/* Parsing the device options of `vmmd run`, and each kind's part of the
 * table of kinds (vmmd/device_kinds.c): its option, its spec written as
 * the option, what it opens before the sandbox. Errors name the value. */
#include "device_options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/kept_files.h"
#include "../core/virtio_net.h"
#include "../core/virtio_vsock.h"
#include "../core/vm_device_kinds.h"
#include "sandbox.h"

/* A kind a VM has at most one of (the api's table says which: vsock, as
 * the VM process keeps one vhost and a guest's driver takes one device). */
static int
device_options_once(const struct device_options *devices,
    const struct device_kind *kind, char *error, size_t error_size)
{
	size_t count;
	unsigned int i;

	if (!api_vm_device_types(&count)[kind->type].single)
		return 0;
	for (i = 0; i < devices->count; i++)
		if (devices->specs[i].kind == kind->core) {
			snprintf(error, error_size, "--%s: a VM has one %s device "
			    "(%s given already)", kind->option, kind->option,
			    devices->text[i]);
			return -1;
		}
	return 0;
}

/* The option's value is copied: the spec points into the copy. */
int
device_options_add(struct device_options *devices,
    const struct device_kind *kind, const char *arg, char *error,
    size_t error_size)
{
	unsigned int index = devices->count;
	struct vm_device_spec *spec;

	if (index == VM_IO_MAX_DEVICES) {
		snprintf(error, error_size, "a VM has at most %d devices",
		    VM_IO_MAX_DEVICES);
		return -1;
	}
	if (arg != NULL && strlen(arg) >= DEVICE_OPTION_TEXT_MAX) {
		snprintf(error, error_size, "--%s: the value is longer than %d "
		    "bytes", kind->option, DEVICE_OPTION_TEXT_MAX - 1);
		return -1;
	}
	if (device_options_once(devices, kind, error, error_size) < 0)
		return -1;
	spec = &devices->specs[index];
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind->core;
	snprintf(devices->text[index], DEVICE_OPTION_TEXT_MAX, "%s",
	    arg != NULL ? arg : "");
	if (kind->parse != NULL && kind->parse(spec, devices->text[index],
	    arg, index, error, error_size) < 0)
		return -1;
	devices->count++;
	return 0;
}

/* PATH[,ro][,serial=ID]: the path may not hold a comma. */
static int
disk_parse(struct vm_device_spec *spec, char *text, const char *arg,
    unsigned int index, char *error, size_t error_size)
{
	char *item, *rest;

	(void)index;
	if (arg[0] == '\0' || arg[0] == ',') {
		snprintf(error, error_size, "--disk: '%s' is not PATH[,ro]"
		    "[,serial=ID]", arg);
		return -1;
	}
	rest = text;
	spec->path = strsep(&rest, ",");
	while ((item = strsep(&rest, ",")) != NULL) {
		if (strcmp(item, "ro") == 0)
			spec->read_only = true;
		else if (strncmp(item, "serial=", 7) == 0 &&
		    strlen(item + 7) <= 20)
			spec->serial = item + 7;
		else {
			snprintf(error, error_size, "--disk %s: unknown or bad "
			    "setting '%s' (ro, serial=ID of at most 20 "
			    "characters)", arg, item);
			return -1;
		}
	}
	return 0;
}

static int
parse_mac(const char *text, uint8_t mac[6])
{
	unsigned int bytes[6], i;
	char end;

	if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &bytes[0], &bytes[1],
	    &bytes[2], &bytes[3], &bytes[4], &bytes[5], &end) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)bytes[i];
	return (mac[0] & 1) ? -1 : 0;	/* a multicast address is no NIC's */
}

/* tap=NAME or fd=N, then [,mac=52:54:00:xx:xx:xx]. The default MAC is
 * 52:54:00:12:34:(0x56 + the device's index). */
static int
net_parse(struct vm_device_spec *spec, char *text, const char *arg,
    unsigned int index, char *error, size_t error_size)
{
	static const uint8_t base_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	char *item, *rest, *end;

	spec->tap_fd = -1;
	memcpy(spec->mac, base_mac, 6);
	spec->mac[5] = (uint8_t)(spec->mac[5] + index);
	rest = text;
	while ((item = strsep(&rest, ",")) != NULL) {
		if (strncmp(item, "tap=", 4) == 0 && item[4] != '\0' &&
		    strlen(item + 4) < 16)
			spec->tap_name = item + 4;
		else if (strncmp(item, "fd=", 3) == 0 && item[3] >= '0' &&
		    item[3] <= '9') {
			spec->tap_fd = (int)strtol(item + 3, &end, 10);
			if (*end != '\0')
				goto bad;
		} else if (strncmp(item, "mac=", 4) != 0 ||
		    parse_mac(item + 4, spec->mac) < 0)
			goto bad;
	}
	if ((spec->tap_name == NULL) == (spec->tap_fd < 0))
		goto bad;
	return 0;
bad:
	snprintf(error, error_size, "--net: '%s' is not tap=NAME|fd=N"
	    "[,mac=XX:XX:XX:XX:XX:XX] (a name under 16 characters, a unicast "
	    "MAC)", arg);
	return -1;
}

/* CIDs 0-2 are the hypervisor's, the local and the host's; -1 is "any". */
static int
vsock_parse(struct vm_device_spec *spec, char *text, const char *arg,
    unsigned int index, char *error, size_t error_size)
{
	unsigned long long cid;
	char *end;

	(void)text;
	(void)index;
	cid = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || cid < 3 ||
	    cid >= 0xffffffffull) {
		snprintf(error, error_size, "--vsock: '%s' is not a guest CID "
		    "(3 to 4294967294)", arg);
		return -1;
	}
	spec->cid = cid;
	return 0;
}

/* Every device a spec accepts has an option text that fits. */
_Static_assert(API_VM_DISK_PATH_MAX + sizeof(",ro,serial=") - 1 +
    API_VM_SERIAL_MAX < DEVICE_OPTION_TEXT_MAX, "a disk spec's option text "
    "does not fit");

/* A text that would not fit is refused, never cut: cut, a disk's ",ro"
 * could fall off the end. */
static int
fits(int length, size_t size)
{
	return length < 0 || (size_t)length >= size ? -1 : 0;
}

static int
disk_from_spec(const struct api_vm_device *device, char *text, size_t size)
{
	return fits(snprintf(text, size, "%s%s%s%s", device->path,
	    device->read_only ? ",ro" : "", device->serial[0] != '\0' ?
	    ",serial=" : "", device->serial), size);
}

static int
net_from_spec(const struct api_vm_device *device, char *text, size_t size)
{
	return fits(snprintf(text, size, "tap=%s%s%s", device->tap,
	    device->mac[0] != '\0' ? ",mac=" : "", device->mac), size);
}

static int
vsock_from_spec(const struct api_vm_device *device, char *text, size_t size)
{
	return fits(snprintf(text, size, "%llu",
	    (unsigned long long)device->cid), size);
}

int
device_options_spec(struct device_options *devices,
    const struct api_vm_device *device, char *error, size_t error_size)
{
	const struct device_kind *const *kinds;
	const struct device_kind *kind;
	char text[DEVICE_OPTION_TEXT_MAX];
	size_t count;

	kinds = device_kinds(&count);
	if ((unsigned int)device->type >= count) {
		snprintf(error, error_size, "no device of type %d",
		    (int)device->type);
		return -1;
	}
	kind = kinds[device->type];
	if (kind->from_spec == NULL)
		return device_options_add(devices, kind, NULL, error,
		    error_size);
	if (kind->from_spec(device, text, sizeof(text)) < 0) {
		snprintf(error, error_size, "the device's settings are longer "
		    "than %d bytes", DEVICE_OPTION_TEXT_MAX - 1);
		return -1;
	}
	return device_options_add(devices, kind, text, error, error_size);
}

/* Before the sandbox: a disk's file and vhost-vsock are kept open (one
 * that cannot be is kept with its errno: the boot reports it as it always
 * has), a tap is opened here, by name, and handed. */
static int
disk_prepare(struct vm_device_spec *spec, char *error, size_t error_size)
{
	return sandbox_keep_file(spec->path, spec->read_only ? O_RDONLY :
	    O_RDWR, error, error_size);
}

static int
vsock_prepare(struct vm_device_spec *spec, char *error, size_t error_size)
{
	(void)spec;
	return sandbox_keep_file(VHOST_VSOCK_PATH, O_RDWR, error, error_size);
}

static int
net_prepare(struct vm_device_spec *spec, char *error, size_t error_size)
{
	int fd;

	if (spec->tap_name == NULL)
		return 0;
	if (strncmp(spec->tap_name, API_VM_FD_PREFIX,
	    strlen(API_VM_FD_PREFIX)) == 0) {	/* passed: kept already */
		fd = kept_files_open(spec->tap_name, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			snprintf(error, error_size, "tap %s was not passed: %s",
			    spec->tap_name, strerror(errno));
			return -errno;
		}
		spec->tap_name = NULL;
		spec->tap_fd = fd;
		return 0;
	}
	fd = virtio_net_tap_open(spec->tap_name);
	if (fd < 0) {
		snprintf(error, error_size, "cannot open tap %s: %s%s",
		    spec->tap_name, strerror(-fd), fd == -ENOENT ?
		    " (no /dev/net/tun: load the tun module)" : "");
		return fd;
	}
	spec->tap_name = NULL;
	spec->tap_fd = fd;
	return 0;
}

const struct device_kind device_kind_disk = {
	.type = API_DEVICE_DISK, .core = &vm_device_block,
	.option = "disk", .option_arg = "PATH[,ro][,serial=ID]",
	.option_help = "a virtio-blk disk (repeatable)",
	.parse = disk_parse, .from_spec = disk_from_spec,
	.prepare = disk_prepare,
};

const struct device_kind device_kind_net = {
	.type = API_DEVICE_NET, .core = &vm_device_net,
	.option = "net", .option_arg = "tap=NAME|fd=N[,mac=MAC]",
	.option_help = "a virtio-net NIC on a tap (repeatable)",
	.parse = net_parse, .from_spec = net_from_spec,
	.prepare = net_prepare,
};

const struct device_kind device_kind_rng = {
	.type = API_DEVICE_RNG, .core = &vm_device_rng,
	.option = "rng", .option_help = "a virtio-rng entropy device",
};

const struct device_kind device_kind_vsock = {
	.type = API_DEVICE_VSOCK, .core = &vm_device_vsock,
	.option = "vsock", .option_arg = "CID",
	.option_help = "a virtio-vsock device with this guest CID "
	    "(vhost-vsock)",
	.parse = vsock_parse, .from_spec = vsock_from_spec,
	.prepare = vsock_prepare,
};

const struct device_kind device_kind_console = {
	.type = API_DEVICE_CONSOLE, .core = &vm_device_console,
	.option = "virtio-console",
	.option_help = "a virtio-console (hvc0), output to the console",
};
