/* The virtio-pci BAR (virtio 1.2, 4.1.4): the common config's fields by
 * offset and width, the ISR read-to-clear, the device config, the notify
 * region, MSI-X vectors per queue and for config changes; what a write
 * means is the transport's (virtio_transport.c). */
#include "virtio_pci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pci_msix.h"
#include "snapshot_blob.h"

#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5
/* struct virtio_pci_cfg_cap from its ID byte: what the driver writes */
#define PCI_CFG_BAR			4
#define PCI_CFG_OFFSET			8
#define PCI_CFG_LENGTH			12
#define PCI_CFG_DATA			16
#define VIRTIO_PCI_COMMON_SIZE		0x38u
#define VIRTIO_PCI_SUBSYSTEM		0x40	/* modern only (4.1.2.1) */
#define VIRTIO_PCI_CONFIG_MAX		0x1000u

enum {
	COMMON_DFSELECT = 0x00, COMMON_DF = 0x04, COMMON_GFSELECT = 0x08,
	COMMON_GF = 0x0c, COMMON_MSIX = 0x10, COMMON_NUMQ = 0x12,
	COMMON_STATUS = 0x14, COMMON_CFGGENERATION = 0x15,
	COMMON_Q_SELECT = 0x16, COMMON_Q_SIZE = 0x18, COMMON_Q_MSIX = 0x1a,
	COMMON_Q_ENABLE = 0x1c, COMMON_Q_NOFF = 0x1e, COMMON_Q_DESCLO = 0x20,
	COMMON_Q_DESCHI = 0x24, COMMON_Q_AVAILLO = 0x28,
	COMMON_Q_AVAILHI = 0x2c, COMMON_Q_USEDLO = 0x30,
	COMMON_Q_USEDHI = 0x34,
};

/* Each field's width: an access must be one whole field (a 64-bit one
 * may also be two 32-bit halves or one 8-byte access). */
static const uint8_t common_widths[VIRTIO_PCI_COMMON_SIZE] = {
	[COMMON_DFSELECT] = 4, [COMMON_DF] = 4, [COMMON_GFSELECT] = 4,
	[COMMON_GF] = 4, [COMMON_MSIX] = 2, [COMMON_NUMQ] = 2,
	[COMMON_STATUS] = 1, [COMMON_CFGGENERATION] = 1,
	[COMMON_Q_SELECT] = 2, [COMMON_Q_SIZE] = 2, [COMMON_Q_MSIX] = 2,
	[COMMON_Q_ENABLE] = 2, [COMMON_Q_NOFF] = 2, [COMMON_Q_DESCLO] = 4,
	[COMMON_Q_DESCHI] = 4, [COMMON_Q_AVAILLO] = 4, [COMMON_Q_AVAILHI] = 4,
	[COMMON_Q_USEDLO] = 4, [COMMON_Q_USEDHI] = 4,
};

/* PCI class codes by virtio ID; others are "unclassified". */
static const struct {
	uint32_t device_id;
	uint32_t class_code;
} class_codes[] = {
	{ VIRTIO_ID_NET, 0x020000 },		/* Ethernet */
	{ VIRTIO_ID_BLOCK, 0x018000 },		/* other mass storage */
	{ VIRTIO_ID_CONSOLE, 0x078000 },	/* other communication */
};

static uint32_t
class_code(uint32_t device_id)
{
	size_t i;

	for (i = 0; i < sizeof(class_codes) / sizeof(class_codes[0]); i++)
		if (class_codes[i].device_id == device_id)
			return class_codes[i].class_code;
	return 0xff0000;
}

static uint16_t
valid_vector(const struct virtio_pci *pci, uint32_t vector)
{
	return vector < pci->function.msix.count ? (uint16_t)vector :
	    VIRTIO_PCI_NO_VECTOR;
}

static void
reset_vectors(struct virtio_pci *pci)
{
	unsigned int i;

	pci->config_vector = VIRTIO_PCI_NO_VECTOR;
	for (i = 0; i < VIRTIO_MAX_QUEUES; i++)
		pci->queue_vectors[i] = VIRTIO_PCI_NO_VECTOR;
}

static uint32_t
queue_read(struct virtio_pci *pci, uint32_t offset)
{
	struct virtio_transport *transport = pci->transport;
	const struct virtqueue *queue =
	    virtio_transport_selected_queue(transport);

	if (queue == NULL)
		return offset == COMMON_Q_MSIX ? VIRTIO_PCI_NO_VECTOR : 0;
	switch (offset) {
	case COMMON_Q_SIZE:
		return queue->size != 0 ? queue->size :
		    transport->ops->queue_max;
	case COMMON_Q_MSIX:
		return pci->queue_vectors[transport->queue_sel];
	case COMMON_Q_ENABLE:
		return queue->active;
	case COMMON_Q_NOFF:
		return transport->queue_sel;
	case COMMON_Q_DESCLO: case COMMON_Q_DESCHI:
		return (uint32_t)(queue->desc_addr >> (offset & 4) * 8);
	case COMMON_Q_AVAILLO: case COMMON_Q_AVAILHI:
		return (uint32_t)(queue->avail_addr >> (offset & 4) * 8);
	default:
		return (uint32_t)(queue->used_addr >> (offset & 4) * 8);
	}
}

static uint32_t
common_read(struct virtio_pci *pci, uint32_t offset)
{
	struct virtio_transport *transport = pci->transport;

	switch (offset) {
	case COMMON_DFSELECT:
		return transport->device_features_sel;
	case COMMON_DF:
		return virtio_transport_device_features(transport);
	case COMMON_GFSELECT:
		return transport->driver_features_sel;
	case COMMON_GF:
		return transport->driver_features_sel > 1 ? 0 :
		    (uint32_t)(transport->driver_asked >>
		    (32 * transport->driver_features_sel));
	case COMMON_MSIX:
		return pci->config_vector;
	case COMMON_NUMQ:
		return transport->ops->queue_count;
	case COMMON_STATUS:
		return transport->status;
	case COMMON_CFGGENERATION:
		return transport->config_generation;
	case COMMON_Q_SELECT:
		return transport->queue_sel;
	default:
		return queue_read(pci, offset);
	}
}

/* The ring addresses and size are writable only while the queue is not
 * live; a queue is enabled once, a reset disables it. */
static void
queue_write(struct virtio_pci *pci, uint32_t offset, uint32_t value)
{
	struct virtio_transport *transport = pci->transport;
	struct virtqueue *queue = virtio_transport_selected_queue(transport);

	if (queue == NULL)
		return;
	if (offset == COMMON_Q_MSIX) {
		pci->queue_vectors[transport->queue_sel] =
		    valid_vector(pci, value);
		return;
	}
	if (offset == COMMON_Q_ENABLE) {
		if (value == 1 && queue->size == 0)
			queue->size = transport->ops->queue_max;
		if (value == 1)
			virtio_transport_queue_enable(transport, queue, 1);
		return;
	}
	if (queue->active)
		return;
	if (offset == COMMON_Q_SIZE)
		queue->size = (uint16_t)value;
	else if (offset == COMMON_Q_DESCLO || offset == COMMON_Q_DESCHI)
		virtio_set_half(&queue->desc_addr, offset & 4, value);
	else if (offset == COMMON_Q_AVAILLO || offset == COMMON_Q_AVAILHI)
		virtio_set_half(&queue->avail_addr, offset & 4, value);
	else if (offset == COMMON_Q_USEDLO || offset == COMMON_Q_USEDHI)
		virtio_set_half(&queue->used_addr, offset & 4, value);
}

static void
common_write(struct virtio_pci *pci, uint32_t offset, uint32_t value)
{
	struct virtio_transport *transport = pci->transport;

	switch (offset) {
	case COMMON_DFSELECT:
		transport->device_features_sel = value;
		break;
	case COMMON_GFSELECT:
		transport->driver_features_sel = value;
		break;
	case COMMON_GF:
		virtio_transport_write_driver_features(transport, value);
		break;
	case COMMON_MSIX:
		pci->config_vector = valid_vector(pci, value);
		break;
	case COMMON_STATUS:
		virtio_transport_set_status(transport, value);
		if (value == 0)
			reset_vectors(pci);
		break;
	case COMMON_Q_SELECT:
		transport->queue_sel = value;
		break;
	case COMMON_DF: case COMMON_NUMQ: case COMMON_CFGGENERATION:
	case COMMON_Q_NOFF:
		break;	/* read-only */
	default:
		queue_write(pci, offset, value);
		break;
	}
}

static int
common_access(struct virtio_pci *pci, struct mmio_access *access,
    uint32_t offset)
{
	uint32_t half, value = 0;

	if (access->length == 8 && offset >= COMMON_Q_DESCLO &&
	    offset % 8 == 0 && offset < VIRTIO_PCI_COMMON_SIZE) {
		for (half = 0; half < 8; half += 4) {
			memcpy(&value, access->data + half, 4);
			if (access->is_write)
				queue_write(pci, offset + half, value);
			else
				value = queue_read(pci, offset + half);
			memcpy(access->data + half, &value, 4);
		}
		return 0;
	}
	if (offset >= VIRTIO_PCI_COMMON_SIZE ||
	    common_widths[offset] != access->length)
		return -EINVAL;
	memcpy(&value, access->data, access->length);
	if (access->is_write) {
		common_write(pci, offset, value);
		return 0;
	}
	value = common_read(pci, offset);
	memcpy(access->data, &value, access->length);
	return 0;
}

/* Reading the ISR clears it (and, for INTx, the line drops at the
 * guest's EOI and stays down: the resample finds it clear). */
static int
isr_access(struct virtio_pci *pci, struct mmio_access *access)
{
	if (access->is_write)
		return 0;
	memset(access->data, 0, access->length);
	access->data[0] = (uint8_t)pci->transport->interrupt_status;
	pci->transport->interrupt_status = 0;
	return 0;
}

/* A notify that exited (no ioeventfd took it): the queue is the one
 * whose address it is, whatever the value. */
static int
notify_access(struct virtio_pci *pci, struct mmio_access *access,
    uint32_t offset)
{
	uint32_t queue = offset / VIRTIO_PCI_NOTIFY_MULTIPLIER;

	if (!access->is_write) {
		memset(access->data, 0, access->length);
		return 0;
	}
	if (offset % VIRTIO_PCI_NOTIFY_MULTIPLIER != 0 ||
	    queue >= pci->transport->ops->queue_count)
		return -EINVAL;
	virtio_transport_notify(pci->transport, queue);
	return 0;
}

static int
bar_dispatch(struct virtio_pci *pci, struct mmio_access *access)
{
	uint64_t offset = access->offset;

	if (offset < VIRTIO_PCI_ISR)
		return common_access(pci, access, (uint32_t)offset);
	if (offset == VIRTIO_PCI_ISR)
		return isr_access(pci, access);
	if (offset >= VIRTIO_PCI_DEVICE_CONFIG && offset < VIRTIO_PCI_NOTIFY) {
		if (!access->is_write)
			virtio_transport_config_read(pci->transport,
			    offset - VIRTIO_PCI_DEVICE_CONFIG, access->data,
			    access->length);
		return 0;
	}
	if (offset >= VIRTIO_PCI_NOTIFY && offset < VIRTIO_PCI_MSIX_TABLE)
		return notify_access(pci, access,
		    (uint32_t)(offset - VIRTIO_PCI_NOTIFY));
	return -EINVAL;
}

static int
virtio_pci_bar_access(void *context, unsigned int bar,
    struct mmio_access *access)
{
	struct virtio_pci *pci = context;
	int rc;

	(void)bar;	/* the function has one BAR */
	pthread_mutex_lock(&pci->transport->lock);
	rc = bar_dispatch(pci, access);
	if (rc < 0)
		pci->bad_accesses++;
	pthread_mutex_unlock(&pci->transport->lock);
	return rc;
}

static void
virtio_pci_bar_moved(void *context, unsigned int bar, uint64_t address)
{
	struct virtio_pci *pci = context;

	(void)bar;
	if (pci->hooks != NULL && pci->hooks->bar_moved != NULL)
		pci->hooks->bar_moved(pci->context, address);
}

static void
virtio_pci_msi(void *context, uint16_t vector, uint64_t address,
    uint32_t data)
{
	struct virtio_pci *pci = context;

	if (pci->hooks != NULL && pci->hooks->msi != NULL)
		pci->hooks->msi(pci->context, vector, address, data,
		    pci_function_requester_id(&pci->function));
}

static void
virtio_pci_msi_route(void *context, uint16_t vector, uint64_t address,
    uint32_t data)
{
	struct virtio_pci *pci = context;

	if (pci->hooks != NULL && pci->hooks->msi_route != NULL)
		pci->hooks->msi_route(pci->context, vector, address, data,
		    pci_function_requester_id(&pci->function));
}

/* The transport's interrupt: MSI-X when enabled (nothing for a queue the
 * driver gave no vector), else the common INTx way; with INTx disabled in
 * the command register, the ISR alone says it. */
static bool
virtio_pci_deliver(void *context, unsigned int queue)
{
	struct virtio_pci *pci = context;
	uint16_t vector = queue == VIRTIO_QUEUE_NONE ? pci->config_vector :
	    queue < VIRTIO_MAX_QUEUES ? pci->queue_vectors[queue] :
	    VIRTIO_PCI_NO_VECTOR;

	if (pci_function_msix_fire(&pci->function, vector) != -ENOTSUP)
		return true;
	if (pci_function_intx_enabled(&pci->function))
		return false;
	pci->transport->interrupt_status |= queue == VIRTIO_QUEUE_NONE ?
	    VIRTIO_INT_CONFIG : VIRTIO_INT_VRING;
	return true;
}

static bool
pci_cfg_writable(uint32_t at)
{
	return at == PCI_CFG_BAR || (at >= PCI_CFG_OFFSET &&
	    at < VIRTIO_PCI_CFG_SIZE);
}

/* The window PCI_CFG names: a BAR of the function, a length of 1, 2 or
 * 4 and an offset aligned to it (4.1.4.9.2), inside the BAR. */
static bool
pci_cfg_window(struct virtio_pci *pci, struct mmio_access *window,
    bool is_write)
{
	uint32_t offset, length;
	uint8_t bar = pci->pci_cfg[PCI_CFG_BAR];

	memcpy(&offset, pci->pci_cfg + PCI_CFG_OFFSET, 4);
	memcpy(&length, pci->pci_cfg + PCI_CFG_LENGTH, 4);
	if (bar != VIRTIO_PCI_BAR || (length != 1 && length != 2 &&
	    length != 4) || offset % length != 0 ||
	    offset >= VIRTIO_PCI_BAR_SIZE)
		return false;
	window->offset = offset;
	window->length = length;
	window->is_write = is_write;
	return true;
}

/* VIRTIO_PCI_CAP_PCI_CFG (virtio 1.2, 4.1.4.9): the driver names a BAR,
 * an offset and a length, and an access to pci_cfg_data is that access
 * of the BAR, wherever it decodes (or if nowhere). The BAR's own handlers
 * take the transport's and the host's locks: none is held across them. */
static int
virtio_pci_config_access(void *context, struct mmio_access *access)
{
	struct virtio_pci *pci = context;
	uint32_t i, at = (uint32_t)access->offset - pci->pci_cfg_offset;
	uint8_t data[4];
	struct mmio_access window = { .data = data };
	bool through;

	pthread_mutex_lock(&pci->transport->lock);
	for (i = 0; access->is_write && i < access->length; i++)
		if (pci_cfg_writable(at + i))
			pci->pci_cfg[at + i] = access->data[i];
	through = at >= PCI_CFG_DATA &&
	    pci_cfg_window(pci, &window, access->is_write);
	if (at >= PCI_CFG_DATA && !through)
		pci->bad_accesses++;
	memcpy(data, pci->pci_cfg + PCI_CFG_DATA, sizeof(data));
	pthread_mutex_unlock(&pci->transport->lock);
	if (through)
		(void)pci_function_bar_access(&pci->function, VIRTIO_PCI_BAR,
		    &window);
	pthread_mutex_lock(&pci->transport->lock);
	if (through && !access->is_write)
		memcpy(pci->pci_cfg + PCI_CFG_DATA, data, window.length);
	if (!access->is_write)
		memcpy(access->data, pci->pci_cfg + at, access->length);
	pthread_mutex_unlock(&pci->transport->lock);
	return 0;
}

static const struct pci_function_ops virtio_pci_function_ops = {
	.bar_access = virtio_pci_bar_access, .bar_moved = virtio_pci_bar_moved,
	.msi = virtio_pci_msi, .msi_route = virtio_pci_msi_route,
	.config_access = virtio_pci_config_access,
};

static int
add_virtio_capability(struct pci_function *function, uint8_t type,
    uint32_t offset, uint32_t length, bool notify)
{
	uint8_t body[18] = { notify ? 20 : 16, type, VIRTIO_PCI_BAR };
	uint32_t multiplier = VIRTIO_PCI_NOTIFY_MULTIPLIER;

	memcpy(body + 6, &offset, 4);
	memcpy(body + 10, &length, 4);
	if (notify)
		memcpy(body + 14, &multiplier, 4);
	return pci_function_add_capability(function, PCI_CAP_ID_VENDOR, body,
	    notify ? 18 : 14);
}

/* Last, so that the copy its accesses are served from is whole (its
 * next pointer stays 0). */
static int
add_pci_cfg_capability(struct virtio_pci *pci)
{
	uint8_t body[VIRTIO_PCI_CFG_SIZE - 2] = { VIRTIO_PCI_CFG_SIZE,
	    VIRTIO_PCI_CAP_PCI_CFG };
	int offset;

	offset = pci_function_add_capability(&pci->function, PCI_CAP_ID_VENDOR,
	    body, sizeof(body));
	if (offset < 0)
		return offset;
	pci->pci_cfg_offset = (uint8_t)offset;
	memcpy(pci->pci_cfg, pci->function.config + offset, VIRTIO_PCI_CFG_SIZE);
	pci_function_serve_config(&pci->function, (uint8_t)offset,
	    VIRTIO_PCI_CFG_SIZE);
	return 0;
}

static int
add_capabilities(struct virtio_pci *pci)
{
	const struct virtio_transport *transport = pci->transport;
	struct pci_function *function = &pci->function;
	uint32_t config = transport->config_size;
	uint16_t vectors = (uint16_t)(transport->ops->queue_count + 1);
	int rc;

	if (add_virtio_capability(function, VIRTIO_PCI_CAP_COMMON_CFG,
	    VIRTIO_PCI_COMMON, VIRTIO_PCI_COMMON_SIZE, false) < 0 ||
	    add_virtio_capability(function, VIRTIO_PCI_CAP_NOTIFY_CFG,
	    VIRTIO_PCI_NOTIFY, transport->ops->queue_count *
	    VIRTIO_PCI_NOTIFY_MULTIPLIER, true) < 0 ||
	    add_virtio_capability(function, VIRTIO_PCI_CAP_ISR_CFG,
	    VIRTIO_PCI_ISR, 1, false) < 0 ||
	    (config != 0 && add_virtio_capability(function,
	    VIRTIO_PCI_CAP_DEVICE_CFG, VIRTIO_PCI_DEVICE_CONFIG, config,
	    false) < 0))
		return -ENOSPC;
	rc = pci_function_add_msix(function, vectors, VIRTIO_PCI_BAR,
	    VIRTIO_PCI_MSIX_TABLE, VIRTIO_PCI_MSIX_PBA);
	return rc < 0 ? rc : add_pci_cfg_capability(pci);
}

/* The transport is initialised (virtio_transport_init); the function is
 * then added to a host (pci_host_add). */
int
virtio_pci_init(struct virtio_pci *pci, struct virtio_transport *transport,
    const struct virtio_pci_hooks *hooks, void *context)
{
	const struct pci_function_id id = {
		.vendor = VIRTIO_PCI_VENDOR,
		.device = (uint16_t)(VIRTIO_PCI_DEVICE_BASE +
		    transport->ops->device_id),
		.revision = 1,
		.class_code = class_code(transport->ops->device_id),
		.subsystem_vendor = VIRTIO_PCI_VENDOR,
		.subsystem = VIRTIO_PCI_SUBSYSTEM, .interrupt_pin = 1,
	};
	int rc;

	if (transport->config_size > VIRTIO_PCI_CONFIG_MAX)
		return -EINVAL;
	memset(pci, 0, sizeof(*pci));
	pci->transport = transport;
	pci->hooks = hooks;
	pci->context = context;
	reset_vectors(pci);
	pci_function_init(&pci->function, &id, &virtio_pci_function_ops, pci);
	rc = pci_function_add_bar(&pci->function, VIRTIO_PCI_BAR,
	    VIRTIO_PCI_BAR_SIZE);
	if (rc == 0)
		rc = add_capabilities(pci);
	if (rc == 0)
		transport->route = (struct virtio_interrupt_route){
		    virtio_pci_deliver, pci };
	return rc;
}

/* u16 config vector, u16 per queue, then two parts: the header and the
 * MSI-X table. */
void
virtio_pci_save(struct virtio_pci *pci, struct snapshot_writer *writer)
{
	unsigned int i;
	size_t at;

	pthread_mutex_lock(&pci->transport->lock);
	snapshot_put_u16(writer, pci->config_vector);
	for (i = 0; i < pci->transport->ops->queue_count; i++)
		snapshot_put_u16(writer, pci->queue_vectors[i]);
	pthread_mutex_unlock(&pci->transport->lock);
	at = snapshot_part_begin(writer);
	pci_function_save(&pci->function, writer);
	snapshot_part_end(writer, at);
	at = snapshot_part_begin(writer);
	pci_msix_save(&pci->function, writer);
	snapshot_part_end(writer, at);
}

static void
common_write_u16(struct virtio_pci *pci, uint32_t offset, uint16_t value)
{
	struct mmio_access access = { VIRTIO_PCI_COMMON + offset,
	    (uint8_t *)&value, 2, true };

	(void)virtio_pci_bar_access(pci, VIRTIO_PCI_BAR, &access);
}

/* Through the common config, as the guest set them; the queue selector
 * is put back as the transport's restore left it. */
static void
restore_vectors(struct virtio_pci *pci, const uint16_t *vectors)
{
	struct virtio_transport *transport = pci->transport;
	uint32_t queue_sel = transport->queue_sel;
	uint16_t q;

	common_write_u16(pci, COMMON_MSIX, vectors[0]);
	for (q = 0; q < transport->ops->queue_count; q++) {
		common_write_u16(pci, COMMON_Q_SELECT, q);
		common_write_u16(pci, COMMON_Q_MSIX, vectors[1 + q]);
	}
	pthread_mutex_lock(&transport->lock);
	transport->queue_sel = queue_sel;
	pthread_mutex_unlock(&transport->lock);
}

static int
read_vectors(const struct virtio_pci *pci, struct snapshot_cursor *cursor,
    uint16_t *vectors, char *why, size_t why_size)
{
	unsigned int i, count = 1 + pci->transport->ops->queue_count;

	for (i = 0; i < count; i++) {
		vectors[i] = snapshot_get_u16(cursor);
		if (vectors[i] != VIRTIO_PCI_NO_VECTOR &&
		    vectors[i] >= pci->function.msix.count) {
			snprintf(why, why_size, "MSI-X vector %u for %s%u, the "
			    "function has %u", vectors[i], i == 0 ? "config" :
			    "queue ", i == 0 ? 0 : i - 1, pci->function.msix.count);
			return -EINVAL;
		}
	}
	return 0;
}

int
virtio_pci_restore(struct virtio_pci *pci, const struct snapshot_blob *blob,
    char *why, size_t why_size)
{
	uint16_t vectors[1 + VIRTIO_MAX_QUEUES];
	struct snapshot_blob header, msix;
	struct snapshot_cursor cursor;

	snapshot_cursor_init(&cursor, blob);
	if (read_vectors(pci, &cursor, vectors, why, why_size) < 0)
		return -EINVAL;
	snapshot_get_part(&cursor, &header);
	snapshot_get_part(&cursor, &msix);
	if (snapshot_cursor_end(&cursor, "virtio-pci", why, why_size) < 0 ||
	    pci_msix_restore(&pci->function, &msix, why, why_size) < 0)
		return -EINVAL;
	restore_vectors(pci, vectors);
	return pci_function_restore(&pci->function, &header, why, why_size);
}
