/* virtio-console (virtio 1.x, 5.3.6): every readable buffer of the
 * transmit queue goes to the sink as it is; host input fills the receive
 * queue's buffers, and what finds no buffer is dropped, as a UART's full
 * FIFO would. */
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

/* On the console input thread: the transport's lock keeps the I/O thread
 * and the driver's resets out while the receive queue is filled. */
size_t
virtio_console_receive(struct virtio_console *console,
    struct virtio_mmio *mmio, const uint8_t *data, size_t length)
{
	struct virtqueue *queue = &mmio->queues[RX_QUEUE];
	size_t taken = 0, put;
	int rc = 0;

	pthread_mutex_lock(&mmio->lock);
	if (!(mmio->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (mmio->status & VIRTIO_STATUS_NEEDS_RESET) || !queue->active) {
		pthread_mutex_unlock(&mmio->lock);
		return 0;
	}
	while (taken < length &&
	    (rc = virtqueue_pop(queue, &console->rx_chain)) == 1) {
		put = virtq_chain_write(&console->rx_chain, 0, data + taken,
		    length - taken);
		virtqueue_push(queue, console->rx_chain.head, (uint32_t)put);
		mmio->stats.chains++;
		taken += put;
	}
	if (rc < 0)
		virtio_mmio_queue_broken(mmio, RX_QUEUE);
	console->bytes_in += taken;
	virtio_mmio_queue_done(mmio, RX_QUEUE);
	pthread_mutex_unlock(&mmio->lock);
	return taken;
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
