/* VM specifications: every member checked for type, range and the daemon's
 * limits, unknown members refused, each error naming the member. */
#include "vm_spec.h"

#include <inttypes.h>
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
	{ "kernel", API_STRING, true },
	{ "initrd", API_STRING, false },
	{ "cmdline", API_STRING, false },
	{ "cpu_template", API_STRING, false },
	{ "devices", API_ARRAY, false },
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

/* Each device must be an object with a string "type"; none is served yet. */
static int
spec_devices(json_t *spec, struct api_error *error)
{
	json_t *devices = json_object_get(spec, "devices"), *device;
	size_t i;

	json_array_foreach(devices, i, device) {
		if (!json_is_object(device) ||
		    !json_is_string(json_object_get(device, "type"))) {
			api_error_set(error, API_ERROR_INVALID_ARGUMENT,
			    "spec: devices[%zu] must be an object with a "
			    "string 'type'", i);
			return -1;
		}
		api_error_set(error, API_ERROR_INVALID_ARGUMENT,
		    "spec: devices[%zu] (type '%.32s'): devices: not supported "
		    "yet", i, json_string_value(json_object_get(device, "type")));
		return -1;
	}
	return 0;
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
	if (out->kernel[0] != '/' || (out->initrd[0] != '\0' &&
	    out->initrd[0] != '/') || (out->cpu_template[0] != '\0' &&
	    out->cpu_template[0] != '/')) {
		api_error_set(error, API_ERROR_INVALID_ARGUMENT, "spec: kernel, "
		    "initrd and cpu_template must be absolute paths");
		return -1;
	}
	return spec_devices(spec, error);
}

/* Optional members that are empty are left out, so that the result parses
 * back to the same spec. */
json_t *
api_vm_spec_json(const struct api_vm_spec *spec)
{
	json_t *json;

	json = json_pack("{s:s,s:i,s:I,s:s,s:[]}", "name", spec->name, "vcpus",
	    (int)spec->vcpus, "memory_mib", (json_int_t)spec->memory_mib,
	    "kernel", spec->kernel, "devices");
	if (json == NULL)
		return NULL;
	if (spec->initrd[0] != '\0')
		json_object_set_new(json, "initrd", json_string(spec->initrd));
	if (spec->cmdline[0] != '\0')
		json_object_set_new(json, "cmdline", json_string(spec->cmdline));
	if (spec->cpu_template[0] != '\0')
		json_object_set_new(json, "cpu_template",
		    json_string(spec->cpu_template));
	return json;
}
