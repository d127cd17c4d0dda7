/* The virtio-mmio register window: identification, feature negotiation,
 * queue set-up, NEEDS_RESET with a config interrupt, reset, widths. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../../core/guest_memory.h"
#include "../../core/virtio_mmio.h"
#include "../../core/virtio_rng.h"
#include "suites.h"

#define BASE	0x80000000ull
#define SIZE	(1ull << 20)

static struct guest_memory memory;
static struct virtio_transport mmio;
static struct virtio_rng rng;

static void
setup(void)
{
	memset(&memory, 0, sizeof(memory));
	memset(&rng, 0, sizeof(rng));
	ck_assert_int_eq(guest_memory_add(&memory, BASE, SIZE), 0);
	ck_assert_int_eq(virtio_transport_init(&mmio, "rng0", &virtio_rng_ops, &rng,
	    0, NULL, 0, &memory), 0);
}

static void
teardown(void)
{
	virtio_transport_destroy(&mmio);
	guest_memory_release(&memory);
}

static uint32_t
reg_read(uint64_t offset)
{
	uint32_t value = 0xdeadbeef;
	struct mmio_access access = { offset, (uint8_t *)&value, 4, false };

	ck_assert_int_eq(virtio_mmio_access(&mmio, &access), 0);
	return value;
}

static void
reg_write(uint64_t offset, uint32_t value)
{
	struct mmio_access access = { offset, (uint8_t *)&value, 4, true };

	ck_assert_int_eq(virtio_mmio_access(&mmio, &access), 0);
}

static uint64_t
irq_count(void)
{
	uint64_t count = 0;

	if (read(mmio.irq_fd, &count, sizeof(count)) != sizeof(count))
		return 0;
	return count;
}

static void
negotiate(uint32_t high)
{
	reg_write(0x070, 3);
	reg_write(0x024, 1);
	reg_write(0x020, high);
	reg_write(0x070, 0xb);
}

START_TEST(test_identity)
{
	uint16_t half;
	struct mmio_access narrow = { 0x000, (uint8_t *)&half, 2, false };

	ck_assert_uint_eq(reg_read(0x000), 0x74726976);
	ck_assert_uint_eq(reg_read(0x004), 2);
	ck_assert_uint_eq(reg_read(0x008), VIRTIO_ID_RNG);
	reg_write(0x014, 1);
	ck_assert_uint_eq(reg_read(0x010), 1);	/* VERSION_1 */
	reg_write(0x014, 0);
	ck_assert_uint_eq(reg_read(0x010), 1u << VIRTIO_F_EVENT_IDX |
	    1u << VIRTIO_F_INDIRECT_DESC);
	ck_assert_uint_eq(reg_read(0x034), 64);	/* QueueNumMax */
	reg_write(0x030, 1);			/* no queue 1 */
	ck_assert_uint_eq(reg_read(0x034), 0);
	ck_assert_int_eq(virtio_mmio_access(&mmio, &narrow), -EINVAL);
}
END_TEST

START_TEST(test_features_ok_needs_version_1)
{
	negotiate(0);
	ck_assert_uint_eq(reg_read(0x070), 3);	/* FEATURES_OK refused */
	reg_write(0x070, 0);
	negotiate(1 | 2);			/* a feature not offered */
	ck_assert_uint_eq(reg_read(0x070), 3);
	reg_write(0x070, 0);
	negotiate(1);
	ck_assert_uint_eq(reg_read(0x070), 0xb);
	reg_write(0x024, 0);
	reg_write(0x020, 1u << VIRTIO_F_EVENT_IDX);	/* too late: ignored */
	ck_assert(!virtio_transport_driver_has(&mmio, VIRTIO_F_EVENT_IDX));
}
END_TEST

START_TEST(test_bad_ring_needs_reset)
{
	negotiate(1);
	reg_write(0x030, 0);
	reg_write(0x038, 8);
	reg_write(0x080, 0x0f000000);		/* outside guest memory */
	reg_write(0x090, (uint32_t)(BASE + 0x1000));
	reg_write(0x0a0, (uint32_t)(BASE + 0x2000));
	reg_write(0x044, 1);
	ck_assert_uint_eq(reg_read(0x044), 0);
	ck_assert_uint_eq(reg_read(0x070) & VIRTIO_STATUS_NEEDS_RESET,
	    VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(reg_read(0x060), VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(irq_count(), 1);
	ck_assert_uint_eq(mmio.stats.needs_reset, 1);
	ck_assert_ptr_nonnull(strstr(mmio.fault, "queue 0"));
	reg_write(0x064, VIRTIO_INT_CONFIG);
	ck_assert_uint_eq(reg_read(0x060), 0);
	reg_write(0x070, 0);			/* reset clears it */
	ck_assert_uint_eq(reg_read(0x070), 0);
	negotiate(1);
	reg_write(0x038, 8);
	reg_write(0x080, (uint32_t)(BASE + 0x3000));
	reg_write(0x090, (uint32_t)(BASE + 0x1000));
	reg_write(0x0a0, (uint32_t)(BASE + 0x2000));
	reg_write(0x044, 1);
	ck_assert_uint_eq(reg_read(0x044), 1);
	ck_assert_uint_eq(reg_read(0x070) & VIRTIO_STATUS_NEEDS_RESET, 0);
	/* a live queue's registers do not move */
	reg_write(0x080, 0x0f000000);
	ck_assert_uint_eq(mmio.queues[0].desc_addr, BASE + 0x3000);
}
END_TEST

START_TEST(test_notify_exit_signals_eventfd)
{
	uint64_t count = 0;

	reg_write(0x050, 0);
	reg_write(0x050, 0);
	ck_assert_int_eq(read(mmio.notify_fd, &count, sizeof(count)), 8);
	ck_assert_uint_eq(count, 2);
	ck_assert_uint_eq(mmio.stats.mmio_notifies, 2);
}
END_TEST

/* A device that records what it was activated with. */
static unsigned int activations;
static uint64_t activated_features;

static int
record_activate(void *device, struct virtio_transport *transport)
{
	(void)device;
	activations++;
	activated_features = transport->driver_features;
	return 0;
}

static void
record_notify(void *device, struct virtio_transport *transport,
    unsigned int queue)
{
	(void)device;
	(void)transport;
	(void)queue;
}

static const struct virtio_device_ops record_ops = {
	.device_id = VIRTIO_ID_VSOCK,
	.queue_count = 1,
	.queue_max = 8,
	.queue_notify = record_notify,
	.activate = record_activate,
};

static void
record_setup(void)
{
	setup();
	virtio_transport_destroy(&mmio);
	activations = 0;
	activated_features = 0;
	ck_assert_int_eq(virtio_transport_init(&mmio, "vsock0", &record_ops, NULL,
	    1ull << 1, NULL, 0, &memory), 0);
}

/* VIRTIO_F_ACCESS_PLATFORM (33) and VHOST_F_LOG_ALL (26), never offered,
 * are written by the driver: FEATURES_OK is refused, the bits are not
 * kept, and DRIVER_OK without FEATURES_OK is a driver error: the device
 * needs a reset and is never activated. */
START_TEST(test_unoffered_features_never_reach_the_device)
{
	reg_write(0x070, 3);
	reg_write(0x024, 0);
	reg_write(0x020, 0xffffffff);
	reg_write(0x024, 1);
	reg_write(0x020, 0xffffffff);
	reg_write(0x070, 0xb);
	ck_assert_uint_eq(reg_read(0x070), 3);	/* FEATURES_OK refused */
	ck_assert_uint_eq(mmio.driver_features & ~mmio.features, 0);
	ck_assert(!virtio_transport_driver_has(&mmio, 33));
	ck_assert(!virtio_transport_driver_has(&mmio, 26));
	reg_write(0x070, 0xf);			/* DRIVER_OK anyway */
	ck_assert_uint_eq(activations, 0);
	ck_assert_uint_eq(reg_read(0x070), 7 | VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_uint_eq(mmio.stats.needs_reset, 1);
	ck_assert_uint_eq(reg_read(0x060), VIRTIO_INT_CONFIG);
	ck_assert_ptr_nonnull(strstr(mmio.fault, "FEATURES_OK"));
}
END_TEST

/* DRIVER_OK written before any FEATURES_OK, in one write with ACKNOWLEDGE
 * and DRIVER: the same driver error. */
START_TEST(test_driver_ok_without_features_ok)
{
	reg_write(0x070, 0x7);
	ck_assert_uint_eq(activations, 0);
	ck_assert_uint_eq(reg_read(0x070), 7 | VIRTIO_STATUS_NEEDS_RESET);
	reg_write(0x070, 0);			/* a reset brings it back */
	negotiate(1);
	reg_write(0x070, 0xf);
	ck_assert_uint_eq(activations, 1);
	ck_assert_uint_eq(reg_read(0x070), 0xf);
}
END_TEST

/* A driver that first asks too much and then asks again within the offer
 * gets FEATURES_OK, and the device sees exactly what it took. */
START_TEST(test_features_asked_again)
{
	reg_write(0x070, 3);
	reg_write(0x024, 0);
	reg_write(0x020, 1u << 1 | 1u << 26);
	reg_write(0x024, 1);
	reg_write(0x020, 1 | 2);
	reg_write(0x070, 0xb);
	ck_assert_uint_eq(reg_read(0x070), 3);
	reg_write(0x024, 0);
	reg_write(0x020, 1u << 1);
	reg_write(0x024, 1);
	reg_write(0x020, 1);
	reg_write(0x070, 0xb);
	ck_assert_uint_eq(reg_read(0x070), 0xb);
	reg_write(0x070, 0xf);
	ck_assert_uint_eq(activations, 1);
	ck_assert_uint_eq(activated_features, 1ull << 32 | 1ull << 1);
}
END_TEST

/* The driver may not clear a status bit (virtio 1.x, 2.1.2): with
 * FEATURES_OK dropped it could otherwise change the features of a live
 * device. Only a reset clears them. */
START_TEST(test_status_bits_stick)
{
	negotiate(1);
	reg_write(0x070, 0xf);
	ck_assert_uint_eq(activations, 1);
	reg_write(0x070, 0x3);			/* FEATURES_OK, DRIVER_OK off */
	ck_assert_uint_eq(reg_read(0x070), 0xf);
	reg_write(0x024, 0);
	reg_write(0x020, 1u << 1);		/* ignored: negotiation is over */
	ck_assert(!virtio_transport_driver_has(&mmio, 1));
	reg_write(0x070, 0xf);
	ck_assert_uint_eq(activations, 1);	/* not activated twice */
}
END_TEST

static Suite *
virtio_mmio_suite(void)
{
	Suite *suite = suite_create("virtio_mmio");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_features_ok_needs_version_1);
	tcase_add_test(tc, test_bad_ring_needs_reset);
	tcase_add_test(tc, test_notify_exit_signals_eventfd);
	suite_add_tcase(suite, tc);
	tc = tcase_create("driver errors");
	tcase_add_checked_fixture(tc, record_setup, teardown);
	tcase_add_test(tc, test_unoffered_features_never_reach_the_device);
	tcase_add_test(tc, test_driver_ok_without_features_ok);
	tcase_add_test(tc, test_features_asked_again);
	tcase_add_test(tc, test_status_bits_stick);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(virtio_mmio_suite)
