/* MSI-X: a table of vectors (address, data, mask) and a pending bit array
 * in one of the function's BARs; a vector fired while masked is pending and
 * is sent when it is unmasked. The owner is told a vector's message
 * (msi_route) whenever it may fire with one it was not told yet. */
#include "pci_msix.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "snapshot_blob.h"

#define MSIX_CONTROL_MASKALL	(1u << 14)
#define MSIX_CONTROL_ENABLE	(1u << 15)
#define MSIX_CONTROL_WRITABLE	(MSIX_CONTROL_MASKALL | MSIX_CONTROL_ENABLE)
#define MSIX_ENTRY_MASKED	1u
#define MSIX_PBA_SIZE		8u	/* 64 vectors' bits, aligned */

static uint16_t
msix_control(const struct pci_function *function)
{
	uint16_t control;

	memcpy(&control, function->config + function->msix.capability + 2, 2);
	return control;
}

int
pci_function_add_msix(struct pci_function *function, uint16_t count,
    unsigned int bar, uint32_t table_offset, uint32_t pba_offset)
{
	uint8_t body[10];
	uint16_t control = (uint16_t)(count - 1);
	uint32_t table = table_offset | bar, pba = pba_offset | bar;
	uint64_t size;
	unsigned int i;
	int offset;

	if (count == 0 || count > PCI_MSIX_MAX_VECTORS || bar >= PCI_MAX_BARS ||
	    function->msix.count != 0 || table_offset % 8 != 0 ||
	    pba_offset % 8 != 0)
		return -EINVAL;
	size = function->bars[bar].size;
	if (size < (uint64_t)table_offset + count * PCI_MSIX_ENTRY_SIZE ||
	    size < (uint64_t)pba_offset + MSIX_PBA_SIZE)
		return -EINVAL;
	memcpy(body, &control, 2);
	memcpy(body + 2, &table, 4);
	memcpy(body + 6, &pba, 4);
	offset = pci_function_add_capability(function, PCI_CAP_ID_MSIX, body,
	    sizeof(body));
	if (offset < 0)
		return offset;
	function->msix = (struct pci_msix){ .count = count,
	    .capability = (uint8_t)offset, .bar = (uint8_t)bar,
	    .table_offset = table_offset, .pba_offset = pba_offset };
	for (i = 0; i < count; i++)
		function->msix.entries[i].control = MSIX_ENTRY_MASKED;
	return 0;
}

bool
pci_function_msix_enabled(const struct pci_function *function)
{
	return function->msix.count != 0 &&
	    (msix_control(function) & MSIX_CONTROL_ENABLE);
}

static bool
vector_masked(const struct pci_function *function, uint16_t vector)
{
	return (msix_control(function) & MSIX_CONTROL_MASKALL) ||
	    (function->msix.entries[vector].control & MSIX_ENTRY_MASKED);
}

static uint64_t
entry_address(const struct pci_msix_entry *entry)
{
	return (uint64_t)entry->address_high << 32 | entry->address_low;
}

static void
vector_send(struct pci_function *function, uint16_t vector)
{
	const struct pci_msix_entry *entry = &function->msix.entries[vector];

	function->msix.pending &= ~(1u << vector);
	if (function->ops->msi != NULL)
		function->ops->msi(function->context, vector,
		    entry_address(entry), entry->data);
}

/* A vector that can fire has its route made now (a masked one waits for
 * its unmask: its message may still be half written). */
static void
vector_route(struct pci_function *function, uint16_t vector)
{
	const struct pci_msix_entry *entry = &function->msix.entries[vector];

	if (function->ops->msi_route != NULL &&
	    pci_function_msix_enabled(function) &&
	    !vector_masked(function, vector))
		function->ops->msi_route(function->context, vector,
		    entry_address(entry), entry->data);
}

/* -ENOTSUP with MSI-X off (the owner uses INTx); a vector past the table
 * sends nothing. Takes the host's lock. */
int
pci_function_msix_fire(struct pci_function *function, uint16_t vector)
{
	int rc = 0;

	pthread_mutex_lock(&function->host->lock);
	if (!pci_function_msix_enabled(function))
		rc = -ENOTSUP;
	else if (vector < function->msix.count &&
	    vector_masked(function, vector))
		function->msix.pending |= 1u << vector;
	else if (vector < function->msix.count)
		vector_send(function, vector);
	pthread_mutex_unlock(&function->host->lock);
	return rc;
}

static void
send_unmasked_pending(struct pci_function *function)
{
	uint16_t vector;

	if (!pci_function_msix_enabled(function))
		return;
	for (vector = 0; vector < function->msix.count; vector++) {
		vector_route(function, vector);
		if ((function->msix.pending & (1u << vector)) &&
		    !vector_masked(function, vector))
			vector_send(function, vector);
	}
}

/* The capability's first dword: ID and next pointer fixed, the message
 * control's enable and function mask writable, the table size fixed. */
uint32_t
pci_msix_control_dword(uint32_t old, uint32_t value)
{
	uint32_t writable = MSIX_CONTROL_WRITABLE << 16;

	return (old & ~writable) | (value & writable);
}

void
pci_msix_control_changed(struct pci_function *function)
{
	if (function->ops->msix_changed != NULL)
		function->ops->msix_changed(function->context,
		    pci_function_msix_enabled(function));
	send_unmasked_pending(function);
}

static void
table_write_dword(struct pci_function *function, uint32_t offset,
    uint32_t value)
{
	struct pci_msix_entry *entry =
	    &function->msix.entries[offset / PCI_MSIX_ENTRY_SIZE];
	uint16_t vector = (uint16_t)(offset / PCI_MSIX_ENTRY_SIZE);

	switch (offset % PCI_MSIX_ENTRY_SIZE) {
	case 0:
		entry->address_low = value;
		vector_route(function, vector);
		break;
	case 4:
		entry->address_high = value;
		vector_route(function, vector);
		break;
	case 8:
		entry->data = value;
		vector_route(function, vector);
		break;
	default:
		entry->control = value & MSIX_ENTRY_MASKED;
		vector_route(function, vector);
		if ((function->msix.pending & (1u << vector)) &&
		    pci_function_msix_enabled(function) &&
		    !vector_masked(function, vector))
			vector_send(function, vector);
		break;
	}
}

static int
table_access(struct pci_function *function, uint32_t offset,
    struct mmio_access *access)
{
	uint32_t i, value;

	if ((access->length != 4 && access->length != 8) ||
	    offset % access->length != 0)
		return -EINVAL;
	if (!access->is_write) {
		memcpy(access->data, (const uint8_t *)function->msix.entries +
		    offset, access->length);
		return 0;
	}
	for (i = 0; i < access->length; i += 4) {
		memcpy(&value, access->data + i, 4);
		table_write_dword(function, offset + i, value);
	}
	return 0;
}

static int
pba_access(const struct pci_function *function, uint32_t offset,
    struct mmio_access *access)
{
	uint64_t pending = function->msix.pending;

	if ((access->length != 4 && access->length != 8) ||
	    offset % access->length != 0)
		return -EINVAL;
	if (!access->is_write)
		memcpy(access->data, (const uint8_t *)&pending + offset,
		    access->length);
	return 0;	/* the pending bits are read-only */
}

/* -ENOENT: not the table nor the PBA, the BAR's owner serves it. */
int
pci_msix_access(struct pci_function *function, unsigned int bar,
    struct mmio_access *access)
{
	const struct pci_msix *msix = &function->msix;
	uint64_t table_size = (uint64_t)msix->count * PCI_MSIX_ENTRY_SIZE;

	if (msix->count == 0 || bar != msix->bar)
		return -ENOENT;
	if (access->offset >= msix->table_offset &&
	    access->offset - msix->table_offset < table_size) {
		if (access->offset - msix->table_offset + access->length >
		    table_size)
			return -EINVAL;
		return table_access(function,
		    (uint32_t)(access->offset - msix->table_offset), access);
	}
	if (access->offset >= msix->pba_offset &&
	    access->offset - msix->pba_offset < MSIX_PBA_SIZE)
		return pba_access(function,
		    (uint32_t)(access->offset - msix->pba_offset), access);
	return -ENOENT;
}

/* u16 vectors, each entry's four dwords, u32 pending bits. */
void
pci_msix_save(struct pci_function *function, struct snapshot_writer *writer)
{
	const struct pci_msix_entry *entry;
	uint16_t i;

	pthread_mutex_lock(&function->host->lock);
	snapshot_put_u16(writer, function->msix.count);
	for (i = 0; i < function->msix.count; i++) {
		entry = &function->msix.entries[i];
		snapshot_put_u32(writer, entry->address_low);
		snapshot_put_u32(writer, entry->address_high);
		snapshot_put_u32(writer, entry->data);
		snapshot_put_u32(writer, entry->control);
	}
	snapshot_put_u32(writer, function->msix.pending);
	pthread_mutex_unlock(&function->host->lock);
}

static int
msix_read_table(const struct pci_function *function,
    struct snapshot_cursor *cursor, struct pci_msix_entry *entries,
    uint32_t *pending, char *why, size_t why_size)
{
	uint16_t count = snapshot_get_u16(cursor), i;

	if (!cursor->short_read && count != function->msix.count) {
		snprintf(why, why_size, "%u MSI-X vectors where the function "
		    "has %u", count, function->msix.count);
		return -EINVAL;
	}
	for (i = 0; i < count && !cursor->short_read; i++) {
		entries[i].address_low = snapshot_get_u32(cursor);
		entries[i].address_high = snapshot_get_u32(cursor);
		entries[i].data = snapshot_get_u32(cursor);
		entries[i].control = snapshot_get_u32(cursor);
		if (entries[i].control & ~MSIX_ENTRY_MASKED) {
			snprintf(why, why_size, "MSI-X vector %u's control %#x "
			    "has bits a guest cannot set", i, entries[i].control);
			return -EINVAL;
		}
	}
	*pending = snapshot_get_u32(cursor);
	if (snapshot_cursor_end(cursor, "MSI-X", why, why_size) < 0)
		return -EINVAL;
	if (count < 32 && (*pending >> count) != 0) {
		snprintf(why, why_size, "MSI-X pending bits %#x past its %u "
		    "vectors", *pending, count);
		return -EINVAL;
	}
	return 0;
}

static void
msix_write_entry(struct pci_function *function, uint16_t vector,
    const struct pci_msix_entry *entry)
{
	struct mmio_access access = { .length = 4, .is_write = true };
	const uint32_t dwords[4] = { entry->address_low, entry->address_high,
	    entry->data, entry->control };
	uint8_t data[4];
	unsigned int i;

	access.data = data;
	for (i = 0; i < 4; i++) {
		memcpy(data, &dwords[i], 4);
		access.offset = function->msix.table_offset +
		    (uint64_t)vector * PCI_MSIX_ENTRY_SIZE + 4 * i;
		(void)pci_msix_access(function, function->msix.bar, &access);
	}
}

int
pci_msix_restore(struct pci_function *function,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct pci_msix_entry entries[PCI_MSIX_MAX_VECTORS];
	struct snapshot_cursor cursor;
	uint32_t pending;
	uint16_t i;

	snapshot_cursor_init(&cursor, blob);
	if (msix_read_table(function, &cursor, entries, &pending, why,
	    why_size) < 0)
		return -EINVAL;
	pthread_mutex_lock(&function->host->lock);
	for (i = 0; i < function->msix.count; i++)
		msix_write_entry(function, i, &entries[i]);
	function->msix.pending = pending;
	pthread_mutex_unlock(&function->host->lock);
	return 0;
}
