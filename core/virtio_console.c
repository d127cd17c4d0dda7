/* virtio-console (virtio 1.x, 5.3.6): the readable buffers of the transmit
 * queue are gathered and go to the sink a chunk at a time; host input
 * fills the receive queue's buffers, and what finds no buffer is dropped,
 * as a UART's full FIFO would. */
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
console_flush(struct virtio_console *console)
{
	if (console->batch_length > 0 && console->output != NULL)
		console->output(console->context, console->batch,
		    console->batch_length);
	console->batch_length = 0;
}

static void
console_gather(struct virtio_console *console, const uint8_t *data,
    size_t length)
{
	size_t room;

	while (length > 0) {
		room = sizeof(console->batch) - console->batch_length;
		if (room > length)
			room = length;
		memcpy(console->batch + console->batch_length, data, room);
		console->batch_length += room;
		data += room;
		length -= room;
		if (console->batch_length == sizeof(console->batch))
			console_flush(console);
	}
}

/* One chain's readable segments, up to VIRTIO_CONSOLE_CHAIN_MAX bytes. */
static void
console_take_chain(struct virtio_console *console)
{
	const struct virtq_segment *segment;
	uint64_t taken = 0, length;
	unsigned int i;

	for (i = 0; i < console->chain.count; i++) {
		segment = &console->chain.segments[i];
		if (segment->writable)
			continue;
		length = segment->len;
		if (length > VIRTIO_CONSOLE_CHAIN_MAX - taken)
			length = VIRTIO_CONSOLE_CHAIN_MAX - taken;
		console_gather(console, segment->host, (size_t)length);
		taken += length;
		console->bytes_dropped += segment->len - length;
	}
	console->bytes_out += taken;
}

/* The chains are used as soon as their bytes are copied into the batch;
 * one flush at the end, so that many small chains make one write. */
static void
console_transmit(struct virtio_console *console,
    struct virtio_transport *transport)
{
	struct virtqueue *queue = &transport->queues[TX_QUEUE];
	int rc;

	while ((rc = virtqueue_pop(queue, &console->chain)) == 1) {
		console_take_chain(console);
		virtqueue_push(queue, console->chain.head, 0);
		transport->stats.chains++;
	}
	console_flush(console);
	if (rc < 0)
		virtio_transport_queue_broken(transport, TX_QUEUE);
	virtio_transport_queue_done(transport, TX_QUEUE);
}

/* On the console input thread: the transport's lock keeps the I/O thread
 * and the driver's resets out while the receive queue is filled. */
size_t
virtio_console_receive(struct virtio_console *console,
    struct virtio_transport *transport, const uint8_t *data, size_t length)
{
	struct virtqueue *queue = &transport->queues[RX_QUEUE];
	size_t taken = 0, put;
	int rc = 0;

	pthread_mutex_lock(&transport->lock);
	if (!(transport->status & VIRTIO_STATUS_DRIVER_OK) ||
	    (transport->status & VIRTIO_STATUS_NEEDS_RESET) || !queue->active) {
		pthread_mutex_unlock(&transport->lock);
		return 0;
	}
	while (taken < length &&
	    (rc = virtqueue_pop(queue, &console->rx_chain)) == 1) {
		put = virtq_chain_write(&console->rx_chain, 0, data + taken,
		    length - taken);
		virtqueue_push(queue, console->rx_chain.head, (uint32_t)put);
		transport->stats.chains++;
		taken += put;
	}
	if (rc < 0)
		virtio_transport_queue_broken(transport, RX_QUEUE);
	console->bytes_in += taken;
	virtio_transport_queue_done(transport, RX_QUEUE);
	pthread_mutex_unlock(&transport->lock);
	return taken;
}

static void
console_queue_notify(void *device, struct virtio_transport *transport,
    unsigned int index)
{
	if (index == TX_QUEUE)
		console_transmit(device, transport);
}

const struct virtio_device_ops virtio_console_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.queue_count = 2,
	.queue_max = CONSOLE_QUEUE_SIZE,
	.queue_notify = console_queue_notify,
};
