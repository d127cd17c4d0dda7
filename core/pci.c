/* The ECAM config space of bus 0 and the decode of the BARs: which bits of
 * a type 0 header a guest may write, BAR sizing by all-ones, a BAR that
 * decodes only where the host has a window and no other BAR is, and the
 * capabilities list. MSI-X's table and PBA are core/pci_msix.c's. */
#include "pci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pci_msix.h"
#include "snapshot_blob.h"

#define PCI_VENDOR_ID		0x00
#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x0010
#define PCI_REVISION		0x08
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR_END		0x28
#define PCI_SUBSYSTEM_VENDOR	0x2c
#define PCI_CAPABILITIES	0x34
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAPABILITY_START	0x40
#define PCI_BAR_MEM64_PREFETCH	0x0cu	/* memory, 64-bit, prefetchable */
#define PCI_COMMAND_WRITABLE	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
	PCI_COMMAND_INTX_DISABLE)

static uint32_t
get32(const uint8_t *bytes)
{
	uint32_t value;

	memcpy(&value, bytes, 4);
	return value;
}

static void
put32(uint8_t *bytes, uint32_t value)
{
	memcpy(bytes, &value, 4);
}

static void
put16(uint8_t *bytes, uint16_t value)
{
	memcpy(bytes, &value, 2);
}

void
pci_host_init(struct pci_host *host, const uint64_t bases[PCI_MAX_WINDOWS],
    const uint64_t sizes[PCI_MAX_WINDOWS])
{
	unsigned int i;

	memset(host, 0, sizeof(*host));
	for (i = 0; i < PCI_MAX_WINDOWS; i++)
		host->windows[i] = (struct pci_window){ host, bases[i],
		    sizes[i] };
	host->next_address = bases[PCI_MAX_WINDOWS - 1];
	pthread_mutex_init(&host->lock, NULL);
}

void
pci_host_destroy(struct pci_host *host)
{
	pthread_mutex_destroy(&host->lock);
}

void
pci_function_init(struct pci_function *function,
    const struct pci_function_id *id, const struct pci_function_ops *ops,
    void *context)
{
	uint8_t *config = function->config;

	memset(function, 0, sizeof(*function));
	function->ops = ops;
	function->context = context;
	function->capability_end = PCI_CAPABILITY_START;
	put16(config + PCI_VENDOR_ID, id->vendor);
	put16(config + PCI_VENDOR_ID + 2, id->device);
	put32(config + PCI_REVISION, id->class_code << 8 | id->revision);
	config[PCI_HEADER_TYPE] = 0;	/* type 0, one function */
	put16(config + PCI_SUBSYSTEM_VENDOR, id->subsystem_vendor);
	put16(config + PCI_SUBSYSTEM_VENDOR + 2, id->subsystem);
	config[PCI_INTERRUPT_PIN] = id->interrupt_pin;
}

/* Only 64-bit memory BARs, so bar is even; the size a power of two. */
int
pci_function_add_bar(struct pci_function *function, unsigned int bar,
    uint64_t size)
{
	if (bar % 2 != 0 || bar + 1 >= PCI_MAX_BARS || size < 16 ||
	    (size & (size - 1)) != 0 || function->bars[bar].size != 0)
		return -EINVAL;
	function->bars[bar].size = size;
	put32(function->config + PCI_BAR0 + 4 * bar, PCI_BAR_MEM64_PREFETCH);
	return 0;
}

/* body: what follows the ID and next pointer; capabilities stay 4-byte
 * aligned and inside the 256-byte header. */
int
pci_function_add_capability(struct pci_function *function, uint8_t id,
    const uint8_t *body, uint8_t length)
{
	unsigned int offset = function->capability_end;
	uint8_t *config = function->config;

	if (offset == 0 || offset + 2u + length > PCI_HEADER_SIZE)
		return -ENOSPC;	/* 0: the header is full */
	config[offset] = id;
	config[offset + 1] = 0;
	memcpy(config + offset + 2, body, length);
	if (function->last_capability == 0) {
		config[PCI_CAPABILITIES] = (uint8_t)offset;
		put16(config + PCI_STATUS, PCI_STATUS_CAP_LIST);
	} else {
		config[function->last_capability + 1] = (uint8_t)offset;
	}
	function->last_capability = (uint8_t)offset;
	/* 4-byte aligned; past the header (256 wraps to 0): full */
	function->capability_end = (uint8_t)((offset + 2u + length + 3u) & ~3u);
	return (int)offset;
}

/* Accesses inside [offset, offset + length) of config space go to the
 * owner's config_access (a capability with side effects: virtio's
 * PCI_CFG window into its BAR). */
void
pci_function_serve_config(struct pci_function *function, uint8_t offset,
    uint8_t length)
{
	function->served_offset = offset;
	function->served_length = length;
}

static bool
config_served(const struct pci_function *function, unsigned int offset)
{
	return function->served_offset != 0 &&
	    function->ops->config_access != NULL &&
	    offset >= function->served_offset &&
	    offset - function->served_offset < function->served_length;
}

/* An access to a BAR wherever it decodes, or when it decodes nowhere (a
 * config window into it): the MSI-X table and PBA, else the owner's.
 * Called without the host's lock. */
int
pci_function_bar_access(struct pci_function *function, unsigned int bar,
    struct mmio_access *access)
{
	int rc;

	if (bar >= PCI_MAX_BARS || access->offset + access->length >
	    function->bars[bar].size)
		return -EINVAL;
	pthread_mutex_lock(&function->host->lock);
	rc = pci_msix_access(function, bar, access);
	pthread_mutex_unlock(&function->host->lock);
	if (rc != -ENOENT)
		return rc;
	return function->ops->bar_access(function->context, bar, access);
}

uint16_t
pci_function_requester_id(const struct pci_function *function)
{
	return (uint16_t)(function->slot << 3);	/* bus 0, function 0 */
}

/* Takes the host's lock (the command register is the guest's to write). */
bool
pci_function_intx_enabled(struct pci_function *function)
{
	uint16_t command;

	pthread_mutex_lock(&function->host->lock);
	memcpy(&command, function->config + PCI_COMMAND, 2);
	pthread_mutex_unlock(&function->host->lock);
	return !(command & PCI_COMMAND_INTX_DISABLE);
}

/* As programmed, whether or not it decodes. */
uint64_t
pci_function_bar_address(const struct pci_function *function,
    unsigned int bar)
{
	const uint8_t *config = function->config + PCI_BAR0 + 4 * bar;

	return ((uint64_t)get32(config + 4) << 32 | get32(config)) & ~0xfull;
}

static bool
range_in_window(const struct pci_host *host, uint64_t base, uint64_t size)
{
	const struct pci_window *window;
	unsigned int i;

	for (i = 0; i < PCI_MAX_WINDOWS; i++) {
		window = &host->windows[i];
		if (base >= window->base && size <= window->size &&
		    base - window->base <= window->size - size)
			return true;
	}
	return false;
}

static bool
overlaps_decoded(const struct pci_host *host, uint64_t base, uint64_t size,
    unsigned int slots, unsigned int bars)
{
	const struct pci_function *other;
	const struct pci_bar *bar;
	unsigned int s, b;

	for (s = 0; s <= slots && s < PCI_MAX_DEVICES; s++) {
		other = host->functions[s];
		for (b = 0; other != NULL && b < PCI_MAX_BARS; b++) {
			if (s == slots && b >= bars)
				break;
			bar = &other->bars[b];
			if (bar->decoded != 0 &&
			    base < bar->decoded + bar->size &&
			    bar->decoded < base + size)
				return true;
		}
	}
	return false;
}

/* Where BAR bar of the function in slot decodes: nowhere while memory
 * decode is off, outside the windows (a guest that moved it over RAM), or
 * over a BAR decoded before it. */
static uint64_t
bar_decode(const struct pci_host *host, const struct pci_function *function,
    unsigned int slot, unsigned int bar)
{
	uint64_t size = function->bars[bar].size;
	uint64_t address = pci_function_bar_address(function, bar);
	uint16_t command;

	memcpy(&command, function->config + PCI_COMMAND, 2);
	if (size == 0 || !(command & PCI_COMMAND_MEMORY) || address == 0 ||
	    !range_in_window(host, address, size) ||
	    overlaps_decoded(host, address, size, slot, bar))
		return 0;
	return address;
}

/* Recomputed after every write that may move a BAR, in slot order: an
 * overlap is decided for the earlier BAR, whichever moved. */
static void
pci_host_update_decode(struct pci_host *host)
{
	struct pci_function *function;
	struct pci_bar *bar;
	unsigned int s, b;
	uint64_t old;

	for (s = 0; s < PCI_MAX_DEVICES; s++) {
		function = host->functions[s];
		for (b = 0; function != NULL && b < PCI_MAX_BARS; b++) {
			bar = &function->bars[b];
			old = bar->decoded;
			bar->decoded = 0;	/* not in its own way */
			bar->decoded = bar_decode(host, function, s, b);
			if (bar->decoded != old &&
			    function->ops->bar_moved != NULL)
				function->ops->bar_moved(function->context, b,
				    bar->decoded);
		}
	}
}

/* The BARs start where a firmware would have put them, each aligned to its
 * size in the last window; memory decode stays off until the guest sets it. */
int
pci_host_add(struct pci_host *host, struct pci_function *function,
    unsigned int slot)
{
	const struct pci_window *window = &host->windows[PCI_MAX_WINDOWS - 1];
	uint64_t address, size;
	uint8_t *config;
	unsigned int b;

	if (slot >= PCI_MAX_DEVICES || host->functions[slot] != NULL)
		return -EINVAL;
	for (b = 0; b < PCI_MAX_BARS; b++) {
		size = function->bars[b].size;
		if (size == 0)
			continue;
		address = (host->next_address + size - 1) & ~(size - 1);
		if (!range_in_window(host, address, size) ||
		    address + size > window->base + window->size)
			return -ENOSPC;
		config = function->config + PCI_BAR0 + 4 * b;
		put32(config, (uint32_t)address | PCI_BAR_MEM64_PREFETCH);
		put32(config + 4, (uint32_t)(address >> 32));
		host->next_address = address + size;
	}
	function->host = host;
	function->slot = slot;
	host->functions[slot] = function;
	return 0;
}

/* A BAR register as written: the address bits the size leaves, the type
 * bits fixed; all-ones reads back the size. */
static uint32_t
bar_register(const struct pci_function *function, unsigned int index,
    uint32_t value)
{
	unsigned int bar = index & ~1u;
	uint64_t mask = ~(function->bars[bar].size - 1);

	if (function->bars[bar].size == 0)
		return 0;
	if (index % 2 == 1)
		return value & (uint32_t)(mask >> 32);
	return (value & (uint32_t)mask & ~0xfu) | PCI_BAR_MEM64_PREFETCH;
}

/* What a write makes of one aligned dword of the header. */
static uint32_t
config_dword(const struct pci_function *function, unsigned int offset,
    uint32_t old, uint32_t value)
{
	if (offset == PCI_COMMAND)
		return (old & ~(uint32_t)PCI_COMMAND_WRITABLE) |
		    (value & PCI_COMMAND_WRITABLE);
	if (offset >= PCI_BAR0 && offset < PCI_BAR_END)
		return bar_register(function, (offset - PCI_BAR0) / 4, value);
	if (offset == PCI_INTERRUPT_LINE)
		return (old & ~0xffu) | (value & 0xffu);
	if (function->msix.count != 0 && offset == function->msix.capability)
		return pci_msix_control_dword(old, value);
	return old;
}

static void
config_write(struct pci_function *function, unsigned int offset,
    const uint8_t *data, uint32_t length)
{
	unsigned int dword = offset & ~3u;
	uint8_t merged[4];
	uint32_t old, value;

	memcpy(merged, function->config + dword, 4);
	memcpy(merged + (offset - dword), data, length);
	old = get32(function->config + dword);
	value = config_dword(function, dword, old, get32(merged));
	put32(function->config + dword, value);
	if (value == old)
		return;
	if (dword == PCI_COMMAND || (dword >= PCI_BAR0 && dword < PCI_BAR_END))
		pci_host_update_decode(function->host);
	else if (function->msix.count != 0 && dword == function->msix.capability)
		pci_msix_control_changed(function);
}

static bool
width_ok(const struct mmio_access *access)
{
	return (access->length == 1 || access->length == 2 ||
	    access->length == 4) && access->offset % access->length == 0;
}

/* ECAM: bus 0 only (the window is one bus), function 0 of each slot; an
 * absent function reads all-ones, as a master abort does. */
int
pci_host_config_access(void *context, struct mmio_access *access)
{
	struct pci_host *host = context;
	struct pci_function *function = NULL;
	unsigned int slot = (unsigned int)(access->offset >> 15) & 31;
	unsigned int offset = (unsigned int)(access->offset & 0xfff);
	struct mmio_access served;

	if (!width_ok(access)) {
		host->bad_accesses++;
		return -EINVAL;
	}
	if (access->offset < PCI_ECAM_BUS_SIZE &&
	    (access->offset >> 12 & 7) == 0)
		function = host->functions[slot];
	if (function != NULL && config_served(function, offset)) {
		served = *access;
		served.offset = offset;
		return function->ops->config_access(function->context, &served);
	}
	pthread_mutex_lock(&host->lock);
	if (access->is_write) {
		if (function != NULL && offset < PCI_HEADER_SIZE)
			config_write(function, offset, access->data,
			    access->length);
	} else if (function == NULL) {
		memset(access->data, 0xff, access->length);
	} else if (offset >= PCI_HEADER_SIZE) {
		memset(access->data, 0, access->length);
	} else {
		memcpy(access->data, function->config + offset, access->length);
	}
	pthread_mutex_unlock(&host->lock);
	return 0;
}

static struct pci_function *
find_bar(struct pci_host *host, uint64_t address, unsigned int *bar_out)
{
	struct pci_function *function;
	const struct pci_bar *bar;
	unsigned int s, b;

	for (s = 0; s < PCI_MAX_DEVICES; s++) {
		function = host->functions[s];
		for (b = 0; function != NULL && b < PCI_MAX_BARS; b++) {
			bar = &function->bars[b];
			if (bar->decoded != 0 && address >= bar->decoded &&
			    address - bar->decoded < bar->size) {
				*bar_out = b;
				return function;
			}
		}
	}
	return NULL;
}

/* An access in a window: the BAR that decodes there serves it, the MSI-X
 * table and PBA first; where none does, reads are all-ones. */
int
pci_window_access(void *context, struct mmio_access *access)
{
	struct pci_window *window = context;
	uint64_t address = window->base + access->offset;
	struct pci_function *function;
	struct mmio_access inner = *access;
	unsigned int bar = 0;
	int rc;

	pthread_mutex_lock(&window->host->lock);
	function = find_bar(window->host, address, &bar);
	if (function == NULL) {
		pthread_mutex_unlock(&window->host->lock);
		if (!access->is_write)
			memset(access->data, 0xff, access->length);
		return 0;
	}
	inner.offset = address - function->bars[bar].decoded;
	rc = -EINVAL;	/* straddles the BAR's end */
	if (inner.offset + access->length <= function->bars[bar].size)
		rc = pci_msix_access(function, bar, &inner);
	pthread_mutex_unlock(&window->host->lock);
	if (rc != -ENOENT)
		return rc;
	return function->ops->bar_access(function->context, bar, &inner);
}

void
pci_function_save(struct pci_function *function,
    struct snapshot_writer *writer)
{
	pthread_mutex_lock(&function->host->lock);
	snapshot_put(writer, function->config, PCI_HEADER_SIZE);
	pthread_mutex_unlock(&function->host->lock);
}

/* Every dword as a guest's write would leave it, from the header here. */
static int
header_check(const struct pci_function *function, const uint8_t *saved,
    char *why, size_t why_size)
{
	uint32_t old, value;
	unsigned int dword;

	for (dword = 0; dword < PCI_HEADER_SIZE; dword += 4) {
		old = get32(function->config + dword);
		value = get32(saved + dword);
		if (config_dword(function, dword, old, value) != value) {
			snprintf(why, why_size, "config space dword %#x is %#x, "
			    "not what a guest can write there", dword, value);
			return -EINVAL;
		}
	}
	return 0;
}

static bool
header_late(const struct pci_function *function, unsigned int dword)
{
	return dword == PCI_COMMAND ||
	    (function->msix.count != 0 && dword == function->msix.capability);
}

/* The BARs and the rest first, then memory decode, then MSI-X's enable. */
int
pci_function_restore(struct pci_function *function,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	unsigned int dword;
	int rc;

	if (blob->size != PCI_HEADER_SIZE) {
		snprintf(why, why_size, "a config space of %zu bytes, not %d",
		    blob->size, PCI_HEADER_SIZE);
		return -EINVAL;
	}
	pthread_mutex_lock(&function->host->lock);
	rc = header_check(function, blob->data, why, why_size);
	for (dword = 0; rc == 0 && dword < PCI_HEADER_SIZE; dword += 4)
		if (!header_late(function, dword))
			config_write(function, dword, blob->data + dword, 4);
	if (rc == 0)
		config_write(function, PCI_COMMAND, blob->data + PCI_COMMAND, 4);
	if (rc == 0 && function->msix.count != 0)
		config_write(function, function->msix.capability,
		    blob->data + function->msix.capability, 4);
	pthread_mutex_unlock(&function->host->lock);
	return rc;
}
