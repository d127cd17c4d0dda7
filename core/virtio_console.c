/* virtio-console transmit (virtio 1.x, 5.3.6.2): every readable buffer of
 * the transmit queue goes to the sink as it is; the receive queue keeps
 * the guest's buffers. */
#include "virtio_console.h"

#include <string.h>

#define CONSOLE_QUEUE_SIZE	64
#define RX_QUEUE		0
#define TX_QUEUE		1

void
virtio_console_init(struct virtio_console *console,
    void (*output)(void *context, const uint8_t *data, size_t length),
    void *context)
{
	memset(console, 0, sizeof(*console));
	console->output = output;
	console->context = context;
}

static void
console_transmit(struct virtio_console *console, struct virtio_mmio *mmio)
{
	struct virtqueue *queue = &mmio->queues[TX_QUEUE];
	const struct virtq_segment *segment;
	unsigned int i;
	int rc;

	while ((rc = virtqueue_pop(queue, &console->chain)) == 1) {
		for (i = 0; i < console->chain.count; i++) {
			segment = &console->chain.segments[i];
			if (segment->writable || console->output == NULL)
				continue;
			console->output(console->context, segment->host,
			    segment->len);
			console->bytes_out += segment->len;
		}
		virtqueue_push(queue, console->chain.head, 0);
		mmio->stats.chains++;
	}
	if (rc < 0)
		virtio_mmio_queue_broken(mmio, TX_QUEUE);
	virtio_mmio_queue_done(mmio, TX_QUEUE);
}

static void
console_queue_notify(void *device, struct virtio_mmio *mmio,
    unsigned int index)
{
	if (index == TX_QUEUE)
		console_transmit(device, mmio);
}

const struct virtio_device_ops virtio_console_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.queue_count = 2,
	.queue_max = CONSOLE_QUEUE_SIZE,
	.queue_notify = console_queue_notify,
};
