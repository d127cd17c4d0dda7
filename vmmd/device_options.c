/* Parsing the device options of `vmmd run`; each names the value at fault. */
#include "device_options.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct vm_device_spec *
device_add(struct device_options *devices, enum vm_device_kind kind,
    char *error, size_t error_size)
{
	struct vm_device_spec *spec;

	if (devices->count == VM_IO_MAX_DEVICES) {
		snprintf(error, error_size, "a VM has at most %d devices",
		    VM_IO_MAX_DEVICES);
		return NULL;
	}
	spec = &devices->specs[devices->count++];
	memset(spec, 0, sizeof(*spec));
	spec->kind = kind;
	return spec;
}

/* PATH[,ro][,serial=ID]: the path may not hold a comma. */
int
device_options_disk(struct device_options *devices, const char *arg,
    char *error, size_t error_size)
{
	struct vm_device_spec *spec;
	char *text, *item, *rest;

	if (strlen(arg) >= DEVICE_OPTION_TEXT_MAX || arg[0] == '\0' ||
	    arg[0] == ',') {
		snprintf(error, error_size, "--disk: '%s' is not PATH[,ro]"
		    "[,serial=ID]", arg);
		return -1;
	}
	text = devices->text[devices->count];
	spec = device_add(devices, VM_DEVICE_BLOCK, error, error_size);
	if (spec == NULL)
		return -1;
	strcpy(text, arg);
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
int
device_options_net(struct device_options *devices, const char *arg,
    char *error, size_t error_size)
{
	static const uint8_t base_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	struct vm_device_spec *spec;
	char *text, *item, *rest, *end;
	unsigned int index = devices->count;

	text = devices->text[index];
	if (strlen(arg) >= DEVICE_OPTION_TEXT_MAX)
		goto bad;
	spec = device_add(devices, VM_DEVICE_NET, error, error_size);
	if (spec == NULL)
		return -1;
	strcpy(text, arg);
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
int
device_options_vsock(struct device_options *devices, const char *arg,
    char *error, size_t error_size)
{
	struct vm_device_spec *spec;
	unsigned long long cid;
	unsigned int i;
	char *end;

	cid = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || cid < 3 ||
	    cid >= 0xffffffffull) {
		snprintf(error, error_size, "--vsock: '%s' is not a guest CID "
		    "(3 to 4294967294)", arg);
		return -1;
	}
	/* A guest's driver takes one device; the VM process keeps one vhost. */
	for (i = 0; i < devices->count; i++)
		if (devices->specs[i].kind == VM_DEVICE_VSOCK) {
			snprintf(error, error_size, "--vsock: a VM has one vsock "
			    "device (CID %llu given already)",
			    (unsigned long long)devices->specs[i].cid);
			return -1;
		}
	spec = device_add(devices, VM_DEVICE_VSOCK, error, error_size);
	if (spec == NULL)
		return -1;
	spec->cid = cid;
	return 0;
}

int
device_options_rng(struct device_options *devices, char *error,
    size_t error_size)
{
	return device_add(devices, VM_DEVICE_RNG, error, error_size) == NULL ?
	    -1 : 0;
}

int
device_options_console(struct device_options *devices, char *error,
    size_t error_size)
{
	return device_add(devices, VM_DEVICE_CONSOLE, error, error_size) ==
	    NULL ? -1 : 0;
}

/* Every device a spec accepts has an option text that fits. */
_Static_assert(API_VM_DISK_PATH_MAX + sizeof(",ro,serial=") - 1 +
    API_VM_SERIAL_MAX < DEVICE_OPTION_TEXT_MAX, "a disk spec's option text "
    "does not fit");

/* A text that would not fit is refused, never cut: cut, a disk's ",ro"
 * could fall off the end. */
static int __attribute__((format(printf, 4, 5)))
spec_text(char *text, char *error, size_t error_size, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(text, DEVICE_OPTION_TEXT_MAX, format, ap);
	va_end(ap);
	if (n < 0 || n >= DEVICE_OPTION_TEXT_MAX) {
		snprintf(error, error_size, "the device's settings are longer "
		    "than %d bytes", DEVICE_OPTION_TEXT_MAX - 1);
		return -1;
	}
	return 0;
}

int
device_options_spec(struct device_options *devices,
    const struct api_vm_device *device, char *error, size_t error_size)
{
	char text[DEVICE_OPTION_TEXT_MAX];

	switch (device->type) {
	case API_DEVICE_DISK:
		return spec_text(text, error, error_size, "%s%s%s%s",
		    device->path, device->read_only ? ",ro" : "",
		    device->serial[0] != '\0' ? ",serial=" : "",
		    device->serial) < 0 ? -1 :
		    device_options_disk(devices, text, error, error_size);
	case API_DEVICE_NET:
		return spec_text(text, error, error_size, "tap=%s%s%s",
		    device->tap, device->mac[0] != '\0' ? ",mac=" : "",
		    device->mac) < 0 ? -1 :
		    device_options_net(devices, text, error, error_size);
	case API_DEVICE_VSOCK:
		snprintf(text, sizeof(text), "%llu",
		    (unsigned long long)device->cid);
		return device_options_vsock(devices, text, error, error_size);
	case API_DEVICE_RNG:
		return device_options_rng(devices, error, error_size);
	case API_DEVICE_CONSOLE:
		return device_options_console(devices, error, error_size);
	}
	snprintf(error, error_size, "no device of type %d", (int)device->type);
	return -1;
}
