/* virtio-console, one port (no MULTIPORT): the guest's hvc0, an
 * alternative to the serial port. Output goes to the VM's console sink;
 * host console input is offered to it as to the serial port. */
#ifndef VMMD_VIRTIO_CONSOLE_H
#define VMMD_VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_transport.h"

#define VIRTIO_CONSOLE_CONFIG_SIZE	12
/* Output goes to the sink in chunks of at most this many bytes: a chain of
 * many tiny segments is one write, not one per segment. */
#define VIRTIO_CONSOLE_BATCH		4096
/* Bytes of one chain written out; the rest is dropped (bytes_dropped). A
 * driver's buffer is a page or so; 256 segments over the same guest pages
 * would make one notification write gigabytes. */
#define VIRTIO_CONSOLE_CHAIN_MAX	(64u << 10)

struct virtio_console {
	void (*output)(void *context, const uint8_t *data, size_t length);
	void *context;
	uint8_t config[VIRTIO_CONSOLE_CONFIG_SIZE];	/* cols, rows, ports, emerg_wr */
	uint64_t bytes_out;
	uint64_t bytes_dropped;		/* past VIRTIO_CONSOLE_CHAIN_MAX */
	uint64_t bytes_in;
	uint8_t batch[VIRTIO_CONSOLE_BATCH];	/* output gathered, not yet out */
	size_t batch_length;
	struct virtq_chain rx_chain;	/* scratch for the console input thread */
	struct virtq_chain chain;	/* scratch for the I/O thread */
};

extern const struct virtio_device_ops virtio_console_ops;

size_t virtio_console_receive(struct virtio_console *console,
    struct virtio_transport *transport, const uint8_t *data, size_t length);
void virtio_console_init(struct virtio_console *console,
    void (*output)(void *context, const uint8_t *data, size_t length),
    void *context);

#endif
