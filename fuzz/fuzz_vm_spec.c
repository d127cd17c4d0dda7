/* libFuzzer target: VM spec validation (api/vm_spec.c). The first two
 * bytes set the daemon's per-VM limits, the rest is the spec as JSON. A
 * spec that is accepted must be within the limits, hold only what it
 * checks (a valid name, absolute paths, known devices) and render back to
 * JSON that parses to the same spec, and each of its devices must be one
 * the VM process's parsers take (vmmd/device_options.c) with the same
 * settings; a refusal must say why. */
#include <stdint.h>
#include <string.h>

#include "../api/vm_spec.h"
#include "../core/vm_device_kinds.h"
#include "../vmmd/device_options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct api_vm_spec spec, again;
static struct device_options options;

static bool
same_text(const char *parsed, const char *spec_text)
{
	return strcmp(parsed != NULL ? parsed : "", spec_text) == 0;
}

/* What the VM process makes of the device: the same thing. */
static void
check_in_vm_process(const struct api_vm_device *d)
{
	const struct vm_device_spec *made;
	char error[256];

	options.count = 0;
	if (device_options_spec(&options, d, error, sizeof(error)) != 0 ||
	    options.count != 1)
		__builtin_trap();
	made = &options.specs[0];
	if ((d->type == API_DEVICE_DISK && (made->kind != &vm_device_block ||
	    !same_text(made->path, d->path) || made->read_only != d->read_only ||
	    !same_text(made->serial, d->serial))) ||
	    (d->type == API_DEVICE_NET && (made->kind != &vm_device_net ||
	    !same_text(made->tap_name, d->tap) || made->tap_fd != -1)) ||
	    (d->type == API_DEVICE_VSOCK && (made->kind != &vm_device_vsock ||
	    made->cid != d->cid)))
		__builtin_trap();
}

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
		check_in_vm_process(d);
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
