/* virtio-net receive against a real tap, in a network namespace of its
 * own (root only: skipped otherwise): a frame longer than the guest's
 * chain is dropped and counted, never handed over cut (a tap's read stops
 * at the buffer's end and says only what it copied); one that fits is
 * delivered with its length. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/guest_memory.h"
#include "../../core/virtio_mmio.h"
#include "../../core/virtio_net.h"
#include "suites.h"

#define BASE		0x80000000ull
#define DESC		(BASE + 0x0000)
#define AVAIL		(BASE + 0x1000)
#define USED		(BASE + 0x2000)
#define BUFFER		(BASE + 0x3000)
#define CHAIN_SIZE	32	/* the 12-byte header and 20 bytes of frame */

/* A tap up in this (new) network namespace, and a packet socket on it
 * that sends frames to the tap's reader. */
static int
tap_up(int *tap, int *sender, int *ifindex)
{
	struct ifreq request;
	int control;

	*tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (*tap < 0)
		return -1;
	memset(&request, 0, sizeof(request));
	request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strcpy(request.ifr_name, "vmmdtest0");
	control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ioctl(*tap, TUNSETIFF, &request) < 0 || control < 0 ||
	    ioctl(control, SIOCGIFINDEX, &request) < 0)
		return -1;
	*ifindex = request.ifr_ifindex;
	request.ifr_flags = IFF_UP;
	if (ioctl(control, SIOCSIFFLAGS, &request) < 0)
		return -1;
	close(control);
	*sender = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	return *sender < 0 ? -1 : 0;
}

static int
send_frame(int sender, int ifindex, size_t length)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET,
	    .sll_ifindex = ifindex, .sll_halen = ETH_ALEN };
	uint8_t frame[1500];

	memset(frame, 0xff, ETH_ALEN);			/* broadcast */
	memset(frame + ETH_ALEN, 0x02, ETH_ALEN);
	frame[12] = 0x88;				/* local experimental */
	frame[13] = 0xb5;
	memset(frame + 14, 0xa5, sizeof(frame) - 14);
	return sendto(sender, frame, length, 0, (struct sockaddr *)&to,
	    sizeof(to)) == (ssize_t)length ? 0 : -1;
}

/* Serves the tap until the used ring reaches idx or nothing more comes
 * in 1 s (the kernel may send frames of its own on the tap too: IPv6's,
 * all longer than the chain). */
static void
serve_until(struct virtio_transport *mmio, int tap,
    const struct virtq_used *used, uint16_t idx)
{
	struct pollfd ready = { .fd = tap, .events = POLLIN };

	while (used->idx != idx && poll(&ready, 1, 1000) == 1)
		virtio_transport_poll(mmio);
}

/* The driver's side: VERSION_1, RX queue 0 of 8 entries with one
 * CHAIN_SIZE-byte writable chain, DRIVER_OK. */
static void
driver_up(struct virtio_transport *mmio, const struct guest_memory *memory)
{
	static const struct { uint64_t offset; uint32_t value; } writes[] = {
		{ 0x070, 3 }, { 0x024, 1 }, { 0x020, 1 }, { 0x070, 0xb },
		{ 0x030, 0 }, { 0x038, 8 }, { 0x080, (uint32_t)DESC },
		{ 0x090, (uint32_t)AVAIL }, { 0x0a0, (uint32_t)USED },
		{ 0x044, 1 }, { 0x070, 0xf },
	};
	struct virtq_desc *desc = guest_memory_ptr(memory, DESC, 16);
	uint16_t *avail = guest_memory_ptr(memory, AVAIL, 6);
	struct mmio_access access;
	uint32_t value;
	unsigned int i;

	*desc = (struct virtq_desc){ BUFFER, CHAIN_SIZE, VIRTQ_DESC_F_WRITE, 0 };
	avail[2] = 0;		/* ring[0]: descriptor 0 */
	avail[1] = 1;		/* idx */
	for (i = 0; i < sizeof(writes) / sizeof(writes[0]); i++) {
		value = writes[i].value;
		access = (struct mmio_access){ writes[i].offset,
		    (uint8_t *)&value, 4, true };
		virtio_mmio_access(mmio, &access);
	}
}

/* The scenario, in a child of its own network namespace; returns the
 * first step that went wrong, or 0. */
static int
receive_scenario(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0x12, 0x34, 0x56 };
	struct guest_memory memory = { 0 };
	struct virtio_transport mmio;
	struct virtio_net net;
	struct virtq_used *used;
	int tap, sender, ifindex;

	if (unshare(CLONE_NEWNET) < 0 || tap_up(&tap, &sender, &ifindex) < 0)
		return 1;
	if (guest_memory_add(&memory, BASE, 1 << 20) < 0 ||
	    virtio_net_open(&net, NULL, tap, mac) < 0 ||
	    virtio_transport_init(&mmio, "net0", &virtio_net_ops, &net,
	    virtio_net_features(&net), net.config, sizeof(net.config),
	    &memory) < 0)
		return 2;
	driver_up(&mmio, &memory);
	if (mmio.status != 0xf)
		return 3;
	used = guest_memory_ptr(&memory, USED, 16);
	/* 12 + 100 bytes for a 32-byte chain: the tap says 112 */
	if (send_frame(sender, ifindex, 100) < 0)
		return 4;
	serve_until(&mmio, tap, used, 1);
	if (used->idx != 0 || net.stats.rx_dropped < 1 ||
	    net.stats.rx_packets != 0)
		return 5;
	/* 12 + 20 bytes: exactly the chain, which was kept for it */
	if (send_frame(sender, ifindex, 20) < 0)
		return 6;
	serve_until(&mmio, tap, used, 1);
	if (used->idx != 1 || used->ring[0].len != CHAIN_SIZE ||
	    used->ring[0].id != 0 || net.stats.rx_packets != 1 ||
	    net.stats.rx_bytes != CHAIN_SIZE)
		return 7;
	virtio_transport_destroy(&mmio);
	virtio_net_close(&net);
	close(tap);
	close(sender);
	guest_memory_release(&memory);
	return 0;
}

START_TEST(test_frame_longer_than_chain_dropped)
{
	int status = 0;
	pid_t pid;

	if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0)
		return;	/* a tap needs root and the tun module */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(receive_scenario());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status 0x%x", status);
}
END_TEST

static Suite *
virtio_net_suite(void)
{
	Suite *suite = suite_create("virtio_net");
	TCase *tc = tcase_create("receive");

	tcase_add_test(tc, test_frame_longer_than_chain_dropped);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(virtio_net_suite)
