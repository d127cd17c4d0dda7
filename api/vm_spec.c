/* VM specifications: every member checked for type, range and the daemon's
 * limits, unknown members refused, each error naming the member. */
#include "vm_spec.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_MEMORY_MIB_MIN	16

struct spec_member {
	const char *name;
	enum api_type type;
	bool required;
};

static const struct spec_member spec_members[] = {
	{ "name", API_STRING, true },
	{ "vcpus", API_INTEGER, true },
	{ "memory_mib", API_INTEGER, true },
	{ "kernel", API_STRING, false },	/* required, but with restore */
	{ "initrd", API_STRING, false },
	{ "cmdline", API_STRING, false },
	{ "cpu_template", API_STRING, false },
	{ "unmapped_mmio", API_STRING, false },
	{ "transport", API_STRING, false },
	{ "devices", API_ARRAY, false },
	{ "restore", API_OBJECT, false },
};

static const char *const unmapped_mmio_names[] = {
	[API_UNMAPPED_MMIO_IGNORE] = "ignore",
	[API_UNMAPPED_MMIO_STOP] = "stop",
	[API_UNMAPPED_MMIO_ABORT] = "abort",
};

static const char *const transport_names[] = {
	[API_TRANSPORT_MMIO] = "mmio", [API_TRANSPORT_PCI] = "pci",
};

static const char *const type_words[] = {
	[API_STRING] = "a string", [API_INTEGER] = "an integer",
	[API_BOOLEAN] = "a boolean", [API_OBJECT] = "an object",
	[API_ARRAY] = "an array",
};

static bool
member_type_ok(enum api_type type, const json_t *value)
{
	return (type == API_STRING && json_is_string(value)) ||
	    (type == API_INTEGER && json_is_integer(value)) ||
	    (type == API_OBJECT && json_is_object(value)) ||
	    (type == API_ARRAY && json_is_array(value));
}

/* Letters, digits, '-', '_', starting with a letter or a digit: the name
 * becomes part of file names. */
int
api_vm_name_valid(const char *name)
{
	size_t i, length = strlen(name);

	if (length == 0 || length > API_VM_NAME_MAX || name[0] == '-' ||
	    name[0] == '_')
		return 0;
	for (i = 0; i < length; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') ||
		    (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '-' || name[i] == '_'))
			return 0;
	return 1;
}

static int
spec_shape(json_t *spec, struct api_error *error)
{
	const struct spec_member *member;
	const char *key;
	json_t *value;
	size_t i, count = sizeof(spec_members) / sizeof(spec_members[0]);

	json_object_foreach(spec, key, value) {
		for (i = 0; i < count; i++)
			if (strcmp(spec_members[i].name, key) == 0)
				break;
		if (i == count) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "spec: unknown member '%s'", key);
			return -1;
		}
		if (!member_type_ok(spec_members[i].type, value)) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "spec: '%s' must be %s", key,
			    type_words[spec_members[i].type]);
			return -1;
		}
	}
	for (member = spec_members; member < spec_members + count; member++)
		if (member->required && json_object_get(spec, member->name) == NULL) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "spec: missing member '%s'", member->name);
			return -1;
		}
	return 0;
}

static int
copy_string(json_t *spec, const char *member, char *out, size_t size,
    struct api_error *error)
{
	json_t *value = json_object_get(spec, member);
	size_t length;

	out[0] = '\0';
	if (value == NULL)
		return 0;
	length = json_string_length(value);
	if (length >= size || strlen(json_string_value(value)) != length) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: '%s' "
		    "is longer than %zu bytes or holds a NUL", member, size - 1);
		return -1;
	}
	memcpy(out, json_string_value(value), length + 1);
	return 0;
}

static int
device_member_known(const struct api_vm_device_kind *type, const char *key)
{
	unsigned int i;

	if (strcmp(key, "type") == 0)
		return 1;
	for (i = 0; type->members[i] != NULL; i++)
		if (strcmp(type->members[i], key) == 0)
			return 1;
	return 0;
}

/* A string member of devices[i] into out: its type and length checked. */
static int
device_string(json_t *device, size_t i, const char *member, bool required,
    char *out, size_t size, struct api_error *error)
{
	json_t *value = json_object_get(device, member);

	out[0] = '\0';
	if (value == NULL && !required)
		return 0;
	if (!json_is_string(value) || json_string_length(value) == 0 ||
	    json_string_length(value) >= size ||
	    strlen(json_string_value(value)) != json_string_length(value)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "devices[%zu].%s must be a string of 1 to %zu bytes", i,
		    member, size - 1);
		return -1;
	}
	memcpy(out, json_string_value(value), json_string_length(value) + 1);
	return 0;
}

/* A name the kernel takes for a network interface, and that the VM
 * process's "tap=NAME,mac=..." option cannot mistake. */
static bool
tap_valid(const char *tap)
{
	if (strcmp(tap, ".") == 0 || strcmp(tap, "..") == 0)
		return false;
	for (; *tap != '\0'; tap++)
		if (*tap == '/' || *tap == ':' || *tap == ',' ||
		    isspace((unsigned char)*tap))
			return false;
	return true;
}

/* XX:XX:XX:XX:XX:XX in hex, a unicast address ("" is the default). */
static bool
mac_valid(const char *mac)
{
	unsigned int i;

	if (mac[0] == '\0')
		return true;
	if (strlen(mac) != 17)
		return false;
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? mac[i] != ':' : !isxdigit((unsigned char)mac[i]))
			return false;
	return (strtoul(mac, NULL, 16) & 1) == 0;
}

bool
api_vm_spec_fd_ref(const char *value)
{
	size_t i, length;

	if (strncmp(value, API_VM_FD_PREFIX, strlen(API_VM_FD_PREFIX)) != 0)
		return false;
	value += strlen(API_VM_FD_PREFIX);
	length = strlen(value);
	if (length == 0 || length > 31 || (value[0] >= '0' && value[0] <= '9'))
		return false;
	for (i = 0; i < length; i++)
		if (!isalnum((unsigned char)value[i]) && value[i] != '_' &&
		    value[i] != '.' && value[i] != '-')
			return false;
	return true;
}

static int
net_members(json_t *device, size_t i, struct api_vm_device *out,
    struct api_error *error)
{
	if (device_string(device, i, "tap", true, out->tap, sizeof(out->tap),
	    error) < 0 || device_string(device, i, "mac", false, out->mac,
	    sizeof(out->mac), error) < 0)
		return -1;
	if ((!tap_valid(out->tap) && !api_vm_spec_fd_ref(out->tap)) ||
	    !mac_valid(out->mac)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "devices[%zu]: a net's tap must be an interface name (no "
		    "'/', ':', ',' or space) or fd:NAME, and its mac a unicast "
		    "XX:XX:XX:XX:XX:XX", i);
		return -1;
	}
	return 0;
}

static int
disk_members(json_t *device, size_t i, struct api_vm_device *out,
    struct api_error *error)
{
	json_t *value = json_object_get(device, "read_only");

	if (value != NULL && !json_is_boolean(value)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "spec: devices[%zu].read_only must be a boolean", i);
		return -1;
	}
	out->read_only = json_is_true(value);
	if (device_string(device, i, "path", true, out->path,
	    sizeof(out->path), error) < 0 || device_string(device, i,
	    "serial", false, out->serial, sizeof(out->serial), error) < 0)
		return -1;
	if ((out->path[0] != '/' && !api_vm_spec_fd_ref(out->path)) ||
	    strchr(out->path, ',') != NULL ||
	    strchr(out->serial, ',') != NULL) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "devices[%zu]: a disk's path must be absolute or fd:NAME, and "
		    "neither it nor its serial may hold a comma", i);
		return -1;
	}
	return 0;
}

static int
vsock_members(json_t *device, size_t i, struct api_vm_device *out,
    struct api_error *error)
{
	/* 0xffffffff is VMADDR_CID_ANY: no guest's */
	json_t *value = json_object_get(device, "cid");

	if (!json_is_integer(value) || json_integer_value(value) < 3 ||
	    json_integer_value(value) >= UINT32_MAX) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "devices[%zu].cid must be an integer from 3 to %u", i,
		    UINT32_MAX - 1);
		return -1;
	}
	out->cid = (uint64_t)json_integer_value(value);
	return 0;
}

static void
disk_render(const struct api_vm_device *device, json_t *json)
{
	json_object_set_new(json, "path", json_string(device->path));
	if (device->read_only)
		json_object_set_new(json, "read_only", json_true());
	if (device->serial[0] != '\0')
		json_object_set_new(json, "serial", json_string(device->serial));
}

static void
net_render(const struct api_vm_device *device, json_t *json)
{
	json_object_set_new(json, "tap", json_string(device->tap));
	if (device->mac[0] != '\0')
		json_object_set_new(json, "mac", json_string(device->mac));
}

static void
vsock_render(const struct api_vm_device *device, json_t *json)
{
	json_object_set_new(json, "cid", json_integer((json_int_t)device->cid));
}

/* The device types and the members each takes: a table, like the spec's,
 * in the order of enum api_vm_device_type. */
static const struct api_vm_device_kind device_types[] = {
	[API_DEVICE_DISK] = { "disk", { "path", "read_only", "serial", NULL },
	    disk_members, disk_render, .single = false },
	[API_DEVICE_NET] = { "net", { "tap", "mac", NULL }, net_members,
	    net_render, .single = false },
	[API_DEVICE_RNG] = { "rng", { NULL }, NULL, NULL, .single = false },
	[API_DEVICE_VSOCK] = { "vsock", { "cid", NULL }, vsock_members,
	    vsock_render, .single = true },	/* one vhost per VM process */
	[API_DEVICE_CONSOLE] = { "console", { NULL }, NULL, NULL,
	    .single = false },
};

#define DEVICE_TYPES	(sizeof(device_types) / sizeof(device_types[0]))
#define MEMBERS_MAX	(sizeof(device_types[0].members) / \
			    sizeof(device_types[0].members[0]))

const char *
api_vm_device_type_name(enum api_vm_device_type type)
{
	return (unsigned int)type < DEVICE_TYPES ? device_types[type].name : "?";
}

const struct api_vm_device_kind *
api_vm_device_types(size_t *count)
{
	*count = DEVICE_TYPES;
	return device_types;
}

static int
device_type_check(const struct api_vm_device_kind *types, size_t t,
    char *error, size_t error_size)
{
	const struct api_vm_device_kind *type = &types[t];
	size_t i, j;

	if (type->name == NULL || type->name[0] == '\0') {
		snprintf(error, error_size, "device type %zu has no name", t);
		return -1;
	}
	for (j = 0; j < t; j++)
		if (strcmp(types[j].name, type->name) == 0) {
			snprintf(error, error_size, "device type '%s' is listed "
			    "twice (%zu and %zu)", type->name, j, t);
			return -1;
		}
	for (i = 0; i < MEMBERS_MAX && type->members[i] != NULL; i++)
		for (j = 0; j <= i; j++)
			if (strcmp(type->members[i], j < i ? type->members[j] :
			    "type") == 0) {
				snprintf(error, error_size, "device type '%s': "
				    "member '%s' is listed twice", type->name,
				    type->members[i]);
				return -1;
			}
	if (i == MEMBERS_MAX || (i > 0) != (type->parse != NULL &&
	    type->render != NULL)) {
		snprintf(error, error_size, "device type '%s': its members "
		    "end without NULL, or have no parse and render", type->name);
		return -1;
	}
	return 0;
}

/* Names unique and present, members unique and NULL-terminated, members
 * parsed and rendered: one entry per enum api_vm_device_type. */
int
api_vm_device_types_validate(const struct api_vm_device_kind *types,
    size_t count, char *error, size_t error_size)
{
	size_t t;

	if (count != API_DEVICE_TYPE_COUNT) {
		snprintf(error, error_size, "%zu device types for %d kinds",
		    count, API_DEVICE_TYPE_COUNT);
		return -1;
	}
	for (t = 0; t < count; t++)
		if (device_type_check(types, t, error, error_size) < 0)
			return -1;
	return 0;
}

/* "disk, net, rng, vsock, console": what an unknown type is told. */
static void
device_type_names(char *out, size_t size)
{
	size_t t, used = 0;

	out[0] = '\0';
	for (t = 0; t < DEVICE_TYPES && used < size; t++)
		used += (size_t)snprintf(out + used, size - used, "%s%s",
		    t > 0 ? ", " : "", device_types[t].name);
}

static int
spec_device(json_t *device, size_t i, struct api_vm_device *out,
    struct api_error *error)
{
	const char *type = json_string_value(json_object_get(device, "type"));
	char names[128];
	const char *key;
	json_t *value;
	unsigned int t;

	if (!json_is_object(device) || type == NULL) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "devices[%zu] must be an object with a string 'type'", i);
		return -1;
	}
	for (t = 0; t < DEVICE_TYPES && strcmp(device_types[t].name, type); t++)
		;
	if (t == DEVICE_TYPES) {
		device_type_names(names, sizeof(names));
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "devices[%zu]: unknown type '%.32s' (%s)", i, type, names);
		return -1;
	}
	json_object_foreach(device, key, value)
		if (!device_member_known(&device_types[t], key)) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
			    "devices[%zu]: a %s has no member '%.32s'", i, type,
			    key);
			return -1;
		}
	memset(out, 0, sizeof(*out));
	out->type = (enum api_vm_device_type)t;
	return device_types[t].parse != NULL ?
	    device_types[t].parse(device, i, out, error) : 0;
}

/* A type a VM has at most one of, given again at index i. */
static int
spec_device_once(const struct api_vm_device *devices, size_t i,
    struct api_error *error)
{
	size_t j;

	if (!device_types[devices[i].type].single)
		return 0;
	for (j = 0; j < i; j++)
		if (devices[j].type == devices[i].type) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
			    "devices[%zu]: a VM has one %s device (devices[%zu] "
			    "is one)", i, device_types[devices[i].type].name, j);
			return -1;
		}
	return 0;
}

static int
spec_devices(json_t *spec, struct api_vm_spec *out, struct api_error *error)
{
	json_t *devices = json_object_get(spec, "devices"), *device;
	size_t i;

	if (json_array_size(devices) > API_VM_DEVICES_MAX) {
		api_error_set(error, API_ERROR_LIMIT, "spec: %zu devices, more "
		    "than the %d a VM may have", json_array_size(devices),
		    API_VM_DEVICES_MAX);
		return -1;
	}
	json_array_foreach(devices, i, device)
		if (spec_device(device, i, &out->devices[i], error) < 0 ||
		    spec_device_once(out->devices, i, error) < 0)
			return -1;
	out->device_count = (unsigned int)json_array_size(devices);
	return 0;
}

static json_t *
device_json(const struct api_vm_device *device)
{
	json_t *json = json_pack("{s:s}", "type",
	    api_vm_device_type_name(device->type));

	if (json != NULL && device_types[device->type].render != NULL)
		device_types[device->type].render(device, json);
	return json;
}

static int
spec_sizes(json_t *spec, const struct api_vm_limits *limits,
    struct api_vm_spec *out, struct api_error *error)
{
	json_int_t vcpus = json_integer_value(json_object_get(spec, "vcpus"));
	json_int_t mib = json_integer_value(json_object_get(spec, "memory_mib"));

	if (vcpus < 1 || (uint64_t)vcpus > limits->vcpus_per_vm) {
		api_error_set(error, vcpus < 1 ? API_ERROR_INVALID_ARGUMENT :
		    API_ERROR_LIMIT, "spec: vcpus is %" JSON_INTEGER_FORMAT
		    ", outside 1..%u (the limit per VM)", vcpus,
		    limits->vcpus_per_vm);
		return -1;
	}
	if (mib < SPEC_MEMORY_MIB_MIN || (uint64_t)mib > limits->memory_mib_per_vm) {
		api_error_set(error, mib < SPEC_MEMORY_MIB_MIN ?
		    API_ERROR_INVALID_ARGUMENT : API_ERROR_LIMIT,
		    "spec: memory_mib is %" JSON_INTEGER_FORMAT ", outside "
		    "%d..%" PRIu64 " (the limit per VM)", mib,
		    SPEC_MEMORY_MIB_MIN, limits->memory_mib_per_vm);
		return -1;
	}
	out->vcpus = (unsigned int)vcpus;
	out->memory_mib = (uint64_t)mib;
	return 0;
}

/* An absolute path, or a passed file's fd:NAME; empty when optional. */
static bool
file_valid(const char *value, bool required)
{
	if (value[0] == '\0')
		return !required;
	return value[0] == '/' || api_vm_spec_fd_ref(value);
}

const char *
api_unmapped_mmio_name(enum api_unmapped_mmio policy)
{
	return (unsigned int)policy < API_UNMAPPED_MMIO_COUNT ?
	    unmapped_mmio_names[policy] : NULL;
}

const char *
api_transport_name(enum api_transport transport)
{
	return (unsigned int)transport < API_TRANSPORT_COUNT ?
	    transport_names[transport] : NULL;
}

/* A string member naming one of count choices (expected says which, for
 * the error); absent: choice fallback. */
static int
spec_choice(json_t *spec, const char *member, const char *const *names,
    unsigned int count, unsigned int fallback, const char *expected,
    unsigned int *out, struct api_error *error)
{
	const char *name = json_string_value(json_object_get(spec, member));
	unsigned int i;

	*out = fallback;
	if (name == NULL)
		return 0;
	for (i = 0; i < count; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = i;
			return 0;
		}
	api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: '%s' must be "
	    "%s", member, expected);
	return -1;
}

/* unmapped_mmio absent: ignore, as QEMU and kvmtool do; transport
 * absent: PCI, which stock distribution kernels have built in. */
static int
spec_choices(json_t *spec, struct api_vm_spec *out, struct api_error *error)
{
	unsigned int policy, transport;

	if (spec_choice(spec, "unmapped_mmio", unmapped_mmio_names,
	    API_UNMAPPED_MMIO_COUNT, API_UNMAPPED_MMIO_IGNORE,
	    "\"ignore\", \"stop\" or \"abort\"", &policy, error) < 0 ||
	    spec_choice(spec, "transport", transport_names,
	    API_TRANSPORT_COUNT, API_TRANSPORT_PCI, "\"pci\" or \"mmio\"",
	    &transport, error) < 0)
		return -1;
	out->unmapped_mmio = (enum api_unmapped_mmio)policy;
	out->transport = (enum api_transport)transport;
	return 0;
}

/* restore: {"state": FILE, "memory": FILE}, both, nothing else: the VM's
 * first boot comes from that snapshot (docs/snapshot.md). */
static int
spec_restore(json_t *spec, struct api_vm_spec *out, struct api_error *error)
{
	json_t *restore = json_object_get(spec, "restore");

	if (restore == NULL)
		return 0;
	if (json_object_size(restore) != 2 ||
	    !json_is_string(json_object_get(restore, "state")) ||
	    !json_is_string(json_object_get(restore, "memory")) ||
	    copy_string(restore, "state", out->restore_state,
	    sizeof(out->restore_state), error) < 0 ||
	    copy_string(restore, "memory", out->restore_memory,
	    sizeof(out->restore_memory), error) < 0 ||
	    !file_valid(out->restore_state, true) ||
	    !file_valid(out->restore_memory, true)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: "
		    "'restore' must be {\"state\": FILE, \"memory\": FILE}, "
		    "each an absolute path or fd:NAME");
		return -1;
	}
	return 0;
}

int
api_vm_spec_parse(json_t *spec, const struct api_vm_limits *limits,
    struct api_vm_spec *out, struct api_error *error)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(spec)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "spec: must be an object");
		return -1;
	}
	if (spec_shape(spec, error) < 0)
		return -1;
	if (copy_string(spec, "name", out->name, sizeof(out->name), error) < 0 ||
	    !api_vm_name_valid(out->name)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: 'name' "
		    "must be 1 to %d letters, digits, '-' or '_', not starting "
		    "with '-' or '_'", API_VM_NAME_MAX);
		return -1;
	}
	if (spec_sizes(spec, limits, out, error) < 0)
		return -1;
	if (copy_string(spec, "kernel", out->kernel, sizeof(out->kernel), error) < 0 ||
	    copy_string(spec, "initrd", out->initrd, sizeof(out->initrd), error) < 0 ||
	    copy_string(spec, "cmdline", out->cmdline, sizeof(out->cmdline), error) < 0 ||
	    copy_string(spec, "cpu_template", out->cpu_template,
	    sizeof(out->cpu_template), error) < 0)
		return -1;
	if (spec_restore(spec, out, error) < 0)
		return -1;
	if (!file_valid(out->kernel, out->restore_state[0] == '\0') ||
	    !file_valid(out->initrd, false) ||
	    !file_valid(out->cpu_template, false)) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: kernel, "
		    "initrd and cpu_template must be absolute paths or fd:NAME "
		    "(a file passed with getfd); kernel is required but with "
		    "restore");
		return -1;
	}
	if (spec_choices(spec, out, error) < 0)
		return -1;
	return spec_devices(spec, out, error);
}

/* Optional members that are empty are left out, so that the result parses
 * back to the same spec. */
json_t *
api_vm_spec_json(const struct api_vm_spec *spec)
{
	unsigned int i;
	json_t *json;

	json = json_pack("{s:s,s:i,s:I,s:[]}", "name", spec->name, "vcpus",
	    (int)spec->vcpus, "memory_mib", (json_int_t)spec->memory_mib,
	    "devices");
	if (json == NULL)
		return NULL;
	if (spec->kernel[0] != '\0')
		json_object_set_new(json, "kernel", json_string(spec->kernel));
	if (spec->restore_state[0] != '\0')
		json_object_set_new(json, "restore", json_pack("{s:s,s:s}",
		    "state", spec->restore_state, "memory",
		    spec->restore_memory));
	for (i = 0; i < spec->device_count; i++)
		json_array_append_new(json_object_get(json, "devices"),
		    device_json(&spec->devices[i]));
	if (spec->initrd[0] != '\0')
		json_object_set_new(json, "initrd", json_string(spec->initrd));
	if (spec->cmdline[0] != '\0')
		json_object_set_new(json, "cmdline", json_string(spec->cmdline));
	if (spec->cpu_template[0] != '\0')
		json_object_set_new(json, "cpu_template",
		    json_string(spec->cpu_template));
	if (spec->unmapped_mmio != API_UNMAPPED_MMIO_IGNORE)
		json_object_set_new(json, "unmapped_mmio", json_string(
		    api_unmapped_mmio_name(spec->unmapped_mmio)));
	if (spec->transport != API_TRANSPORT_PCI)
		json_object_set_new(json, "transport", json_string(
		    api_transport_name(spec->transport)));
	return json;
}
