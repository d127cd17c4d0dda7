/* virtio-rng requests (virtio 1.x, 5.4): device-writable buffers, filled
 * from the host's getrandom(2); device-readable ones are ignored. */
#include "virtio_rng.h"

#include <errno.h>
#include <sys/random.h>

#define RNG_QUEUE_SIZE	64
#define RNG_MAX_REQUEST	(64u * 1024)	/* per chain: the guest asks again */

static uint32_t
rng_fill(struct virtio_rng *rng)
{
	const struct virtq_segment *segment;
	uint32_t filled = 0, take;
	unsigned int i;
	ssize_t got;

	for (i = 0; i < rng->chain.count && filled < RNG_MAX_REQUEST; i++) {
		segment = &rng->chain.segments[i];
		if (!segment->writable)
			continue;
		take = segment->len;
		if (take > RNG_MAX_REQUEST - filled)
			take = RNG_MAX_REQUEST - filled;
		got = getrandom(segment->host, take, 0);
		if (got <= 0)
			break;
		filled += (uint32_t)got;
		if ((uint32_t)got < take)
			break;
	}
	rng->bytes += filled;
	return filled;
}

static void
rng_queue_notify(void *device, struct virtio_transport *transport,
    unsigned int index)
{
	struct virtio_rng *rng = device;
	struct virtqueue *queue = &transport->queues[index];
	int rc;

	while ((rc = virtqueue_pop(queue, &rng->chain)) == 1) {
		virtqueue_push(queue, rng->chain.head, rng_fill(rng));
		transport->stats.chains++;
	}
	if (rc < 0)
		virtio_transport_queue_broken(transport, index);
	virtio_transport_queue_done(transport, index);
}

const struct virtio_device_ops virtio_rng_ops = {
	.device_id = VIRTIO_ID_RNG,
	.queue_count = 1,
	.queue_max = RNG_QUEUE_SIZE,
	.queue_notify = rng_queue_notify,
};
