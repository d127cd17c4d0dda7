/* virtio-net (virtio 1.x, 5.1) between a tap and the guest's two queues,
 * with the tap's checksum and TSO offloads when the guest takes them.
 * Transmit: each chain's readable part (header + frame) is one writev to
 * the tap. Receive: a chain's writable part takes one readv from the tap;
 * with no packet waiting the chain goes back, and the I/O thread waits for
 * the tap (edge-triggered) or for the guest's next buffers; a frame longer
 * than the chain is dropped and the chain kept for the next. */
#include "virtio_net.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "snapshot_blob.h"

#define VIRTIO_NET_F_CSUM	0
#define VIRTIO_NET_F_GUEST_CSUM	1
#define VIRTIO_NET_F_MAC	5
#define VIRTIO_NET_F_GUEST_TSO4	7
#define VIRTIO_NET_F_GUEST_TSO6	8
#define VIRTIO_NET_F_HOST_TSO4	11
#define VIRTIO_NET_F_HOST_TSO6	12

#define TAP_OFFLOADS		(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)

#define NET_QUEUE_SIZE		256
#define NET_HEADER_SIZE		12	/* struct virtio_net_hdr_mrg_rxbuf */
#define RX_QUEUE		0
#define TX_QUEUE		1

/* A tap vmmd opens: multi-queue off, the virtio-net header on. Returns
 * the fd or a negative errno. */
int
virtio_net_tap_open(const char *name)
{
	struct ifreq request;
	int fd;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&request, 0, sizeof(request));
	request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(request.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &request) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* Returns 0 or a negative errno: -ENOENT no /dev/net/tun, -EPERM not
 * allowed, -EINVAL a handed fd that is not a tap with IFF_VNET_HDR. A
 * handed fd stays open after virtio_net_close, for the next boot. */
int
virtio_net_open(struct virtio_net *net, const char *tap_name, int tap_fd,
    const uint8_t mac[6])
{
	int header = NET_HEADER_SIZE;
	struct ifreq request;

	memset(net, 0, sizeof(*net));
	net->owns_tap = tap_name != NULL;
	net->tap_fd = net->owns_tap ? virtio_net_tap_open(tap_name) : tap_fd;
	if (net->tap_fd < 0)
		return net->tap_fd;
	memset(&request, 0, sizeof(request));
	if (ioctl(net->tap_fd, TUNGETIFF, &request) < 0 ||
	    !(request.ifr_flags & IFF_VNET_HDR) ||
	    ioctl(net->tap_fd, TUNSETVNETHDRSZ, &header) < 0) {
		if (net->owns_tap)
			close(net->tap_fd);
		net->tap_fd = -1;
		return -EINVAL;
	}
	memcpy(net->ifname, request.ifr_name, sizeof(net->ifname) - 1);
	fcntl(net->tap_fd, F_SETFL, fcntl(net->tap_fd, F_GETFL) | O_NONBLOCK);
	memcpy(net->config, mac, 6);
	/* Whether the tap can hand the guest partial checksums and large
	 * segments; off until the guest says it takes them (net_activate). */
	net->offloads_on = ioctl(net->tap_fd, TUNSETOFFLOAD, TAP_OFFLOADS) == 0 &&
	    ioctl(net->tap_fd, TUNSETOFFLOAD, 0) == 0;
	return 0;
}

uint64_t
virtio_net_features(const struct virtio_net *net)
{
	uint64_t features = 1ull << VIRTIO_NET_F_MAC;

	/* The tap takes the guest's partial checksums and large segments
	 * (HOST_*) whatever its own offloads; the GUEST_* ones need them. */
	if (net->offloads_on)
		features |= 1ull << VIRTIO_NET_F_CSUM |
		    1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_HOST_TSO6 |
		    1ull << VIRTIO_NET_F_GUEST_CSUM |
		    1ull << VIRTIO_NET_F_GUEST_TSO4 | 1ull << VIRTIO_NET_F_GUEST_TSO6;
	return features;
}

void
virtio_net_close(struct virtio_net *net)
{
	if (net->tap_fd >= 0 && net->owns_tap)
		close(net->tap_fd);
	net->tap_fd = -1;
}

static void
net_transmit(struct virtio_net *net, struct virtio_transport *transport)
{
	struct virtqueue *queue = &transport->queues[TX_QUEUE];
	ssize_t sent;
	int rc, count;

	while ((rc = virtqueue_pop(queue, &net->chain)) == 1) {
		count = virtq_chain_iov(&net->chain, false, 0,
		    net->chain.readable, net->iov, VIRTQ_MAX_SEGMENTS);
		sent = -1;
		if (count > 0 && net->chain.readable > NET_HEADER_SIZE)
			sent = writev(net->tap_fd, net->iov, count);
		if (sent < 0)
			net->stats.tx_errors++;	/* dropped, as a wire would */
		else {
			net->stats.tx_packets++;
			net->stats.tx_bytes += net->chain.readable -
			    NET_HEADER_SIZE;
		}
		virtqueue_push(queue, net->chain.head, 0);
		transport->stats.chains++;
	}
	if (rc < 0)
		virtio_transport_queue_broken(transport, TX_QUEUE);
	virtio_transport_queue_done(transport, TX_QUEUE);
}

/* The header's num_buffers (bytes 10-11) is 1: one chain per packet. A
 * read from a tap stops at the end of the buffers it is given and says
 * only what it copied, so one spare byte after the chain's buffers tells
 * a frame that filled the chain from one that was longer. */
static void
net_receive(struct virtio_net *net, struct virtio_transport *transport)
{
	struct virtqueue *queue = &transport->queues[RX_QUEUE];
	const uint16_t one = 1;
	ssize_t got;
	int rc, count;

	while ((rc = virtqueue_pop(queue, &net->chain)) == 1) {
		count = virtq_chain_iov(&net->chain, true, 0,
		    net->chain.writable, net->iov, VIRTQ_MAX_SEGMENTS);
		if (count <= 0 || net->chain.writable < NET_HEADER_SIZE) {
			net->stats.rx_dropped++;
			virtqueue_push(queue, net->chain.head, 0);
			continue;
		}
		net->iov[count].iov_base = &net->spare;
		net->iov[count].iov_len = sizeof(net->spare);
		got = readv(net->tap_fd, net->iov, count + 1);
		if (got < 0) {
			virtqueue_unpop(queue);	/* nothing to receive now */
			break;
		}
		if ((uint64_t)got > net->chain.writable) {
			/* Longer than the chain: dropped, as a NIC drops a
			 * frame longer than its buffer, and the chain waits
			 * for the next; the guest never gets a cut frame nor
			 * hears of more bytes than it gave. */
			net->stats.rx_dropped++;
			virtqueue_unpop(queue);
			continue;
		}
		virtq_chain_write(&net->chain, 10, &one, sizeof(one));
		net->stats.rx_packets++;
		net->stats.rx_bytes += (uint64_t)got;
		virtqueue_push(queue, net->chain.head, (uint32_t)got);
		transport->stats.chains++;
	}
	if (rc < 0)
		virtio_transport_queue_broken(transport, RX_QUEUE);
	virtio_transport_queue_done(transport, RX_QUEUE);
}

static void
net_queue_notify(void *device, struct virtio_transport *transport,
    unsigned int index)
{
	if (index == TX_QUEUE)
		net_transmit(device, transport);
	else
		net_receive(device, transport);	/* new buffers: the tap may wait */
}

/* At DRIVER_OK: the tap hands the guest only what it negotiated. */
static int
net_activate(void *device, struct virtio_transport *transport)
{
	struct virtio_net *net = device;
	unsigned int offloads = 0;

	if (virtio_transport_driver_has(transport, VIRTIO_NET_F_GUEST_CSUM)) {
		offloads |= TUN_F_CSUM;
		if (virtio_transport_driver_has(transport,
		    VIRTIO_NET_F_GUEST_TSO4))
			offloads |= TUN_F_TSO4;
		if (virtio_transport_driver_has(transport,
		    VIRTIO_NET_F_GUEST_TSO6))
			offloads |= TUN_F_TSO6;
	}
	if (!net->offloads_on)
		return 0;
	return ioctl(net->tap_fd, TUNSETOFFLOAD, offloads) < 0 ? -errno : 0;
}

static void
net_reset(void *device)
{
	struct virtio_net *net = device;

	if (net->offloads_on)
		ioctl(net->tap_fd, TUNSETOFFLOAD, 0);
}

static int
net_poll_fd(void *device)
{
	return ((struct virtio_net *)device)->tap_fd;
}

static void
net_poll_ready(void *device, struct virtio_transport *transport)
{
	if (transport->queues[RX_QUEUE].active)
		net_receive(device, transport);
}

const struct virtio_device_ops virtio_net_ops = {
	.device_id = VIRTIO_ID_NET,
	.queue_count = 2,
	.queue_max = NET_QUEUE_SIZE,
	.queue_notify = net_queue_notify,
	.reset = net_reset,
	.activate = net_activate,
	.poll_fd = net_poll_fd,
	.poll_ready = net_poll_ready,
};

/* The MAC the guest was given; the tap is the spec's (vm_io_create opened
 * or was handed it) with the 12-byte vnet header set at open. */
int
virtio_net_save(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	const struct virtio_net *net = device;

	(void)transport;
	(void)why;
	(void)why_size;
	snapshot_put(writer, net->config, 6);
	return 0;
}

/* The tap takes again the offloads the guest negotiated (as at its
 * DRIVER_OK); the transport's restore already held the offer to this
 * tap's, so a tap without offloads cannot meet a guest that took them. */
int
virtio_net_restore(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct virtio_net *net = device;
	struct snapshot_cursor cursor;
	uint8_t mac[6];
	int rc;

	snapshot_cursor_init(&cursor, blob);
	snapshot_get(&cursor, mac, sizeof(mac));
	if (snapshot_cursor_end(&cursor, "net state", why, why_size) < 0)
		return -EINVAL;
	if (memcmp(mac, net->config, sizeof(mac)) != 0) {
		snprintf(why, why_size, "the snapshot's guest had another MAC "
		    "address");
		return -EINVAL;
	}
	if (!virtio_transport_running(transport))
		return 0;
	rc = net_activate(net, transport);
	if (rc < 0)
		snprintf(why, why_size, "cannot set the tap's offloads "
		    "(TUNSETOFFLOAD): %s", strerror(-rc));
	return rc;
}
