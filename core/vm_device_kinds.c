/* Opening, closing and counting the devices of each kind: the glue between
 * a device's own file (virtio_blk.c, ...) and the VM's I/O (vm_io.c). */
#include "vm_device_kinds.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "virtio_blk.h"
#include "virtio_console.h"
#include "virtio_net.h"
#include "virtio_rng.h"
#include "virtio_vsock.h"

static int
block_open(struct vm_io_device *device, const struct vm_device_spec *spec,
    const struct guest_memory *memory, const struct vm_io_sink *sink)
{
	struct virtio_blk *blk = device->state;
	int rc;

	(void)sink;
	rc = virtio_blk_open(blk, spec->path, spec->read_only, spec->serial);
	if (rc < 0) {
		log_warnx("cannot open disk %s%s: %s", spec->path,
		    spec->read_only ? " read-only" : "",
		    rc == -EINVAL ? "not a regular file or block device of a "
		    "whole, non-zero number of 512-byte sectors" : strerror(-rc));
		return rc;
	}
	rc = virtio_transport_init(&device->transport, device->name,
	    &virtio_blk_ops, blk, virtio_blk_features(blk), blk->config,
	    sizeof(blk->config), memory);
	if (rc < 0)
		virtio_blk_close(blk);
	return rc;
}

static void
block_close(struct vm_io_device *device)
{
	virtio_blk_close(device->state);
}

static void
block_results(const struct vm_io_device *device,
    struct vm_device_result *result)
{
	const struct virtio_blk_stats *stats =
	    &((const struct virtio_blk *)device->state)->stats;
	const uint64_t values[] = { stats->reads, stats->writes,
	    stats->flushes, stats->discards, stats->get_ids, stats->bytes_read,
	    stats->bytes_written, stats->errors };

	memcpy(result->counters, values, sizeof(values));
}

const struct vm_device_ops vm_device_block = {
	.name = "block", .names = VM_DEVICE_NAMES("block"),
	.state_size = sizeof(struct virtio_blk),
	.open = block_open, .close = block_close,
	.counters = (const char *const[]){ "reads", "writes", "flushes",
	    "discards", "get_ids", "bytes_read", "bytes_written", "errors",
	    NULL },
	.results = block_results,
	.save = virtio_blk_save, .restore = virtio_blk_restore,
};

static int
net_open(struct vm_io_device *device, const struct vm_device_spec *spec,
    const struct guest_memory *memory, const struct vm_io_sink *sink)
{
	struct virtio_net *net = device->state;
	int rc;

	(void)sink;
	rc = virtio_net_open(net, spec->tap_name, spec->tap_fd, spec->mac);
	if (rc < 0) {
		if (spec->tap_name != NULL)
			log_warnx("cannot open tap %s: %s%s", spec->tap_name,
			    strerror(-rc), rc == -ENOENT ? " (no /dev/net/tun: "
			    "load the tun module)" : "");
		else
			log_warnx("cannot use fd %d as a tap: %s",
			    spec->tap_fd, rc == -EINVAL ? "not a tap opened "
			    "with IFF_VNET_HDR" : strerror(-rc));
		return rc;
	}
	rc = virtio_transport_init(&device->transport, device->name,
	    &virtio_net_ops, net, virtio_net_features(net), net->config,
	    sizeof(net->config), memory);
	if (rc < 0)
		virtio_net_close(net);
	return rc;
}

static void
net_close(struct vm_io_device *device)
{
	virtio_net_close(device->state);
}

static void
net_results(const struct vm_io_device *device, struct vm_device_result *result)
{
	const struct virtio_net *net = device->state;
	const uint64_t values[] = { net->stats.rx_packets, net->stats.rx_bytes,
	    net->stats.tx_packets, net->stats.tx_bytes, net->stats.rx_dropped,
	    net->stats.tx_errors };

	snprintf(result->text, sizeof(result->text), "%s", net->ifname);
	memcpy(result->counters, values, sizeof(values));
}

const struct vm_device_ops vm_device_net = {
	.name = "net", .names = VM_DEVICE_NAMES("net"),
	.state_size = sizeof(struct virtio_net),
	.open = net_open, .close = net_close, .text_counter = "tap",
	.counters = (const char *const[]){ "rx_packets", "rx_bytes",
	    "tx_packets", "tx_bytes", "rx_dropped", "tx_errors", NULL },
	.results = net_results,
	.save = virtio_net_save, .restore = virtio_net_restore,
};

static int
vsock_open(struct vm_io_device *device, const struct vm_device_spec *spec,
    const struct guest_memory *memory, const struct vm_io_sink *sink)
{
	struct virtio_vsock *vsock = device->state;
	int rc;

	(void)sink;
	rc = virtio_vsock_open(vsock, spec->cid, memory);
	if (rc < 0) {
		log_warnx("cannot give the guest vsock CID %" PRIu64 ": %s%s",
		    spec->cid, strerror(-rc), rc == -ENOENT ? " (no "
		    "/dev/vhost-vsock: load the vhost_vsock module)" :
		    rc == -EADDRINUSE ? " (another VM has it)" : "");
		return rc;
	}
	rc = virtio_transport_init(&device->transport, device->name,
	    &virtio_vsock_ops, vsock, virtio_vsock_features(vsock),
	    vsock->config, sizeof(vsock->config), memory);
	if (rc < 0)
		virtio_vsock_close(vsock);
	return rc;
}

static void
vsock_close(struct vm_io_device *device)
{
	virtio_vsock_close(device->state);
}

static void
vsock_results(const struct vm_io_device *device,
    struct vm_device_result *result)
{
	const struct virtio_vsock *vsock = device->state;

	result->counters[0] = vsock->cid;
	result->counters[1] = vsock->interrupts;
}

const struct vm_device_ops vm_device_vsock = {
	.name = "vsock", .names = VM_DEVICE_NAMES("vsock"),
	.state_size = sizeof(struct virtio_vsock),
	.open = vsock_open, .close = vsock_close,
	.counters = (const char *const[]){ "cid", "vhost_interrupts", NULL },
	.results = vsock_results,
	.save = virtio_vsock_save, .restore = virtio_vsock_restore,
	.quiesce = virtio_vsock_quiesce, .resume = virtio_vsock_resume,
};

static int
console_open(struct vm_io_device *device, const struct vm_device_spec *spec,
    const struct guest_memory *memory, const struct vm_io_sink *sink)
{
	struct virtio_console *console = device->state;
	int rc;

	(void)spec;
	virtio_console_init(console, sink->console, sink->context);
	rc = virtio_transport_init(&device->transport, device->name,
	    &virtio_console_ops, console, 0, console->config,
	    sizeof(console->config), memory);
	if (rc < 0)
		log_warnx("cannot create %s: %s", device->name, strerror(-rc));
	return rc;
}

static void
console_input(struct vm_io_device *device, const uint8_t *data, size_t length)
{
	virtio_console_receive(device->state, &device->transport, data, length);
}

static void
console_results(const struct vm_io_device *device,
    struct vm_device_result *result)
{
	const struct virtio_console *console = device->state;

	result->counters[0] = console->bytes_out;
	result->counters[1] = console->bytes_in;
	result->counters[2] = console->bytes_dropped;
}

const struct vm_device_ops vm_device_console = {
	.name = "console", .names = VM_DEVICE_NAMES("console"),
	.state_size = sizeof(struct virtio_console),
	.open = console_open, .input = console_input,
	.counters = (const char *const[]){ "bytes_out", "bytes_in",
	    "bytes_dropped", NULL },
	.results = console_results,
	.save = vm_device_save_none, .restore = vm_device_restore_none,
};

static int
rng_open(struct vm_io_device *device, const struct vm_device_spec *spec,
    const struct guest_memory *memory, const struct vm_io_sink *sink)
{
	int rc;

	(void)spec;
	(void)sink;
	rc = virtio_transport_init(&device->transport, device->name,
	    &virtio_rng_ops, device->state, 0, NULL, 0, memory);
	if (rc < 0)
		log_warnx("cannot create %s: %s", device->name, strerror(-rc));
	return rc;
}

static void
rng_results(const struct vm_io_device *device, struct vm_device_result *result)
{
	result->counters[0] = ((const struct virtio_rng *)device->state)->bytes;
}

const struct vm_device_ops vm_device_rng = {
	.name = "rng", .names = VM_DEVICE_NAMES("rng"),
	.state_size = sizeof(struct virtio_rng),
	.open = rng_open,
	.counters = (const char *const[]){ "bytes", NULL },
	.results = rng_results,
	.save = vm_device_save_none, .restore = vm_device_restore_none,
};
