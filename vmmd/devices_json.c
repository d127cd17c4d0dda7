/* One object per device: where it is, whether KVM took its notifications,
 * its virtio status (needs_reset and why), the transport's counters and
 * the device's own. */
#include "devices_json.h"

#include <inttypes.h>
#include <stdio.h>

static json_t *
device_counters(const struct vm_device_result *device)
{
	const struct virtio_blk_stats *blk = &device->blk;

	if (device->kind == VM_DEVICE_BLOCK)
		return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "reads", (json_int_t)blk->reads,
		    "writes", (json_int_t)blk->writes,
		    "flushes", (json_int_t)blk->flushes,
		    "discards", (json_int_t)blk->discards,
		    "get_ids", (json_int_t)blk->get_ids,
		    "bytes_read", (json_int_t)blk->bytes_read,
		    "bytes_written", (json_int_t)blk->bytes_written,
		    "errors", (json_int_t)blk->errors);
	if (device->kind == VM_DEVICE_NET)
		return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "tap", device->ifname,
		    "rx_packets", (json_int_t)device->net.rx_packets,
		    "rx_bytes", (json_int_t)device->net.rx_bytes,
		    "tx_packets", (json_int_t)device->net.tx_packets,
		    "tx_bytes", (json_int_t)device->net.tx_bytes,
		    "rx_dropped", (json_int_t)device->net.rx_dropped,
		    "tx_errors", (json_int_t)device->net.tx_errors);
	if (device->kind == VM_DEVICE_VSOCK)
		return json_pack("{s:I, s:I}", "cid", (json_int_t)device->cid,
		    "vhost_interrupts", (json_int_t)device->vhost_interrupts);
	if (device->kind == VM_DEVICE_CONSOLE)
		return json_pack("{s:I, s:I}", "bytes_out",
		    (json_int_t)device->console_bytes, "bytes_in",
		    (json_int_t)device->console_bytes_in);
	if (device->kind == VM_DEVICE_RNG)
		return json_pack("{s:I}", "bytes", (json_int_t)device->rng_bytes);
	return json_object();
}

static json_t *
device_json(const struct vm_device_result *device)
{
	const struct virtio_mmio_stats *stats = &device->stats;
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
