/* libFuzzer target: VM spec validation (api/vm_spec.c). The first two
 * bytes set the daemon's per-VM limits, the rest is the spec as JSON. A
 * spec that is accepted must be within the limits, hold only what it
 * checks (a valid name, absolute paths, known devices) and render back to
 * JSON that parses to the same spec; a refusal must say why. */
#include <stdint.h>
#include <string.h>

#include "../api/vm_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct api_vm_spec spec, again;

static void
check_accepted(const struct api_vm_spec *s, const struct api_vm_limits *limits)
{
	unsigned int i;

	if (!api_vm_name_valid(s->name) || s->vcpus < 1 ||
	    s->vcpus > limits->vcpus_per_vm || s->memory_mib < 16 ||
	    s->memory_mib > limits->memory_mib_per_vm || s->kernel[0] != '/' ||
	    s->device_count > API_VM_DEVICES_MAX)
		__builtin_trap();
	for (i = 0; i < s->device_count; i++) {
		const struct api_vm_device *d = &s->devices[i];

		if (strcmp(api_vm_device_type_name(d->type), "?") == 0 ||
		    (d->type == API_DEVICE_DISK && (d->path[0] != '/' ||
		    strchr(d->path, ',') != NULL)) ||
		    (d->type == API_DEVICE_NET && d->tap[0] == '\0') ||
		    (d->type == API_DEVICE_VSOCK && (d->cid < 3 ||
		    d->cid > UINT32_MAX)))
			__builtin_trap();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_vm_limits limits;
	struct api_error error;
	json_t *json, *rendered;

	if (size < 2)
		return 0;
	limits.vcpus_per_vm = 1 + data[0] % 64;
	limits.memory_mib_per_vm = 16ull << (data[1] % 21);
	json = json_loadb((const char *)data + 2, size - 2,
	    JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, NULL);
	if (json == NULL)
		return 0;
	error.desc[0] = '\0';
	if (api_vm_spec_parse(json, &limits, &spec, &error) < 0) {
		if (error.desc[0] == '\0')
			__builtin_trap();
	} else {
		check_accepted(&spec, &limits);
		rendered = api_vm_spec_json(&spec);
		if (api_vm_spec_parse(rendered, &limits, &again, &error) < 0 ||
		    memcmp(&spec, &again, sizeof(spec)) != 0)
			__builtin_trap();
		json_decref(rendered);
	}
	json_decref(json);
	return 0;
}
