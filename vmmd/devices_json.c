/* One object per device: where it is, whether KVM took its notifications,
 * its virtio status (needs_reset and why), the transport's counters and
 * the device's own. */
#include "devices_json.h"

#include <inttypes.h>
#include <stdio.h>

/* The kind names its counters (core/vm_device_kinds.c): the object
 * follows, its text first (a net's tap). */
static json_t *
device_counters(const struct vm_device_result *device)
{
	const struct vm_device_ops *kind = device->kind;
	json_t *counters = json_object();
	unsigned int i;

	if (counters == NULL || kind == NULL)
		return counters;
	if (kind->text_counter != NULL)
		json_object_set_new(counters, kind->text_counter,
		    json_string(device->text));
	for (i = 0; kind->counters[i] != NULL && i < VM_DEVICE_COUNTERS_MAX; i++)
		json_object_set_new(counters, kind->counters[i],
		    json_integer((json_int_t)device->counters[i]));
	return counters;
}

static json_t *
device_json(const struct vm_device_result *device)
{
	const struct virtio_transport_stats *stats = &device->stats;
	char base[19];

	snprintf(base, sizeof(base), "0x%" PRIx64, device->base);
	return json_pack("{s:s, s:s, s:s, s:i, s:b, s:i, s:b, s:s?, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:o}",
	    "name", device->name,
	    "kind", vm_device_kind_name(device->kind),
	    "base", base,
	    "irq", (int)device->irq,
	    "ioeventfd", device->ioeventfd,
	    "status", (int)device->status,
	    "needs_reset", (device->status & VIRTIO_STATUS_NEEDS_RESET) != 0,
	    "fault", device->fault[0] != '\0' ? device->fault : NULL,
	    "notifies", (json_int_t)stats->notifies,
	    "mmio_notifies", (json_int_t)stats->mmio_notifies,
	    "interrupts", (json_int_t)stats->interrupts,
	    "chains", (json_int_t)stats->chains,
	    "resets", (json_int_t)stats->resets,
	    "needs_reset_events", (json_int_t)stats->needs_reset,
	    "counters", device_counters(device));
}

json_t *
devices_json(const struct vm_device_result *devices, unsigned int count)
{
	json_t *array = json_array();
	unsigned int i;

	for (i = 0; array != NULL && i < count; i++)
		json_array_append_new(array, device_json(&devices[i]));
	return array;
}
