/* The PL031's registers. The match interrupt is computed when the guest
 * touches the device: RIS is set once the counter has reached MR since MR
 * (or LR) was written, and the line follows RIS & IMSC. No timer thread
 * raises it in between, so a guest that unmasks the interrupt and then
 * waits for it without reading the RTC does not get it (docs/devices.md). */
#include "pl031.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "snapshot_blob.h"

#define PL031_DR	0x00	/* data: the counter (read only) */
#define PL031_MR	0x04	/* match */
#define PL031_LR	0x08	/* load: sets the counter */
#define PL031_CR	0x0c	/* control: 1, the counter always runs */
#define PL031_IMSC	0x10	/* interrupt mask set/clear */
#define PL031_RIS	0x14	/* raw interrupt status (read only) */
#define PL031_MIS	0x18	/* masked interrupt status (read only) */
#define PL031_ICR	0x1c	/* interrupt clear (write only) */
#define PL031_ID_BASE	0xfe0	/* PeriphID0..3, PCellID0..3 */
#define NS_PER_SECOND	1000000000ull

/* PeriphID: part 0x031, designer 0x41 (Arm), revision 1; PCellID: the
 * PrimeCell preamble. As the TRM gives them and QEMU and Linux expect. */
static const uint8_t pl031_ids[8] = {
	0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1,
};

static uint32_t
counter(const struct pl031 *rtc)
{
	return rtc->tick_offset +
	    (uint32_t)((rtc->clock_ns() - rtc->start_ns) / NS_PER_SECOND);
}

/* Unsigned distances, so that the counter's wrap at 2^32 works as the
 * hardware's does: MR behind the counter matches after the wrap. */
static void
check_match(struct pl031 *rtc, uint32_t now)
{
	if (rtc->match_armed && now - rtc->armed_at >=
	    rtc->match - rtc->armed_at) {
		rtc->ris |= 1;
		rtc->match_armed = false;
	}
}

static void
arm_match(struct pl031 *rtc, uint32_t now)
{
	rtc->match_armed = true;
	rtc->armed_at = now;
	check_match(rtc, now);
}

static void
update_irq(struct pl031 *rtc)
{
	bool level = (rtc->ris & rtc->imsc & 1) != 0;

	if (level != rtc->irq_level && rtc->sink.set_irq != NULL)
		rtc->sink.set_irq(rtc->sink.context, level);
	rtc->irq_level = level;
}

static uint32_t
read_register(const struct pl031 *rtc, uint64_t offset, uint32_t now)
{
	switch (offset) {
	case PL031_DR:
		return now;
	case PL031_MR:
		return rtc->match;
	case PL031_LR:
		return rtc->load;
	case PL031_CR:
		return 1;
	case PL031_IMSC:
		return rtc->imsc;
	case PL031_RIS:
		return rtc->ris;
	case PL031_MIS:
		return rtc->ris & rtc->imsc;
	default:
		if (offset >= PL031_ID_BASE && offset < PL031_SIZE)
			return pl031_ids[(offset - PL031_ID_BASE) / 4];
		return 0;	/* ICR, reserved: read as zero */
	}
}

static void
write_register(struct pl031 *rtc, uint64_t offset, uint32_t value,
    uint32_t now)
{
	switch (offset) {
	case PL031_MR:
		rtc->match = value;
		arm_match(rtc, now);
		break;
	case PL031_LR:
		rtc->load = value;
		rtc->tick_offset += value - now;
		arm_match(rtc, value);
		break;
	case PL031_IMSC:
		rtc->imsc = value & 1;
		break;
	case PL031_ICR:
		rtc->ris &= (uint8_t)~(value & 1);
		break;
	default:
		break;	/* DR, CR, RIS, MIS, the IDs: read only */
	}
}

/* Registers are 32 bits wide; narrower reads see their low bytes, writes
 * take effect at the register's own offset only. */
int
pl031_mmio(void *device, struct mmio_access *access)
{
	struct pl031 *rtc = device;
	uint64_t reg = access->offset & ~3ull;
	unsigned int shift = (unsigned int)(access->offset & 3) * 8;
	uint32_t value = 0, now;

	if (access->length != 1 && access->length != 2 && access->length != 4)
		return -EINVAL;
	if (access->offset > PL031_SIZE - access->length)
		return -ERANGE;
	pthread_mutex_lock(&rtc->lock);
	now = counter(rtc);
	check_match(rtc, now);
	if (access->is_write) {
		memcpy(&value, access->data, access->length);
		if (shift == 0)
			write_register(rtc, reg, value, now);
	} else {
		value = read_register(rtc, reg, now) >> shift;
		memcpy(access->data, &value, access->length);
	}
	update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}

void
pl031_init(struct pl031 *rtc, const struct pl031_sink *sink,
    uint64_t (*clock_ns)(void), uint64_t wall_seconds)
{
	memset(rtc, 0, sizeof(*rtc));
	pthread_mutex_init(&rtc->lock, NULL);
	rtc->sink = *sink;
	rtc->clock_ns = clock_ns;
	rtc->start_ns = clock_ns();
	rtc->tick_offset = (uint32_t)wall_seconds;
}

void
pl031_destroy(struct pl031 *rtc)
{
	pthread_mutex_destroy(&rtc->lock);
}

int
pl031_attach(struct forward_map *map, struct pl031 *rtc, uint64_t base)
{
	const struct forward_entry entry = {
		.name = "rtc", .kind = FORWARD_MMIO, .base = base,
		.size = PL031_SIZE, .action = FORWARD_DEVICE,
		.mmio = pl031_mmio, .context = rtc,
	};

	return forward_map_add(map, &entry);
}

/* The counter at the save, MR, LR, the counter when the match was armed,
 * then the armed flag, IMSC and RIS. */
void
pl031_save(struct pl031 *rtc, struct snapshot_writer *writer)
{
	uint32_t now;

	pthread_mutex_lock(&rtc->lock);
	now = counter(rtc);
	check_match(rtc, now);
	snapshot_put_u32(writer, now);
	snapshot_put_u32(writer, rtc->match);
	snapshot_put_u32(writer, rtc->load);
	snapshot_put_u32(writer, rtc->armed_at);
	snapshot_put_u8(writer, rtc->match_armed);
	snapshot_put_u8(writer, rtc->imsc);
	snapshot_put_u8(writer, rtc->ris);
	pthread_mutex_unlock(&rtc->lock);
}

/* The counter is the host's wall time now, not the saved value: time
 * went on while the snapshot waited. A match armed before is decided
 * against the new counter (an alarm that passed meanwhile fires); when the
 * clock reads earlier than at the save, it is armed again from now. */
int
pl031_restore(struct pl031 *rtc, const struct snapshot_blob *blob, char *why,
    size_t why_size)
{
	struct snapshot_cursor cursor;
	uint32_t saved_now, match, load, armed_at, now;
	uint8_t armed, imsc, ris;

	snapshot_cursor_init(&cursor, blob);
	saved_now = snapshot_get_u32(&cursor);
	match = snapshot_get_u32(&cursor);
	load = snapshot_get_u32(&cursor);
	armed_at = snapshot_get_u32(&cursor);
	armed = snapshot_get_u8(&cursor);
	imsc = snapshot_get_u8(&cursor);
	ris = snapshot_get_u8(&cursor);
	if (snapshot_cursor_end(&cursor, "rtc", why, why_size) < 0)
		return -EINVAL;
	if (armed > 1 || imsc > 1 || ris > 1) {
		snprintf(why, why_size, "rtc: the match flag, IMSC or RIS is "
		    "not 0 or 1");
		return -EINVAL;
	}
	pthread_mutex_lock(&rtc->lock);
	now = counter(rtc);
	rtc->match = match;
	rtc->load = load;
	rtc->match_armed = armed;
	rtc->armed_at = (int32_t)(now - saved_now) < 0 ? now : armed_at;
	rtc->imsc = imsc;
	rtc->ris = ris;
	check_match(rtc, now);
	update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}
