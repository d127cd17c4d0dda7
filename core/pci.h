/* A generic ECAM PCIe host bridge (pci-host-ecam-generic): the config space
 * of bus 0, each endpoint a type 0 header with 64-bit memory BARs, a
 * capabilities list and MSI-X (table and PBA in a BAR), and the decode of
 * the BARs in the host's MMIO windows. Pure logic: the handlers are
 * mmio_handlers; what a BAR holds, where it moved and where an MSI goes are
 * the function's callbacks. */
#ifndef VMMD_PCI_H
#define VMMD_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmio.h"

#define PCI_MAX_DEVICES		32	/* slots on bus 0 */
#define PCI_ECAM_BUS_SIZE	(1ull << 20)	/* 32 slots x 8 functions x 4 KiB */
#define PCI_HEADER_SIZE		256	/* conventional config space */
#define PCI_MAX_BARS		6
#define PCI_MAX_WINDOWS		2	/* the 32-bit and the 64-bit window */
#define PCI_MSIX_MAX_VECTORS	16
#define PCI_MSIX_ENTRY_SIZE	16

#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x0002
#define PCI_COMMAND_MASTER	0x0004
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_BAR0		0x10
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_CAP_ID_VENDOR	0x09
#define PCI_CAP_ID_MSIX		0x11

/* What a function's owner (a virtio-pci device) does for it. */
struct pci_function_ops {
	/* An access inside BAR bar, offset from its start (not the MSI-X
	 * table or PBA): 0, or a negative errno as an mmio_handler. */
	int (*bar_access)(void *context, unsigned int bar,
	    struct mmio_access *access);
	/* Optional: BAR bar now decodes at address, or no more (0). */
	void (*bar_moved)(void *context, unsigned int bar, uint64_t address);
	/* Optional: an unmasked MSI-X vector fires with this message. */
	void (*msi)(void *context, uint16_t vector, uint64_t address,
	    uint32_t data);
	/* Optional: the vector can fire (MSI-X on, unmasked) with this
	 * message, which may have changed: the owner (re)programs what
	 * carries it (an MSI route behind an irqfd). Called from a table
	 * write, an unmask or the enable, before a pending message is sent;
	 * the one place routes are made, a restore's table writes too. */
	void (*msi_route)(void *context, uint16_t vector, uint64_t address,
	    uint32_t data);
	/* Optional: the MSI-X enable or function mask changed. */
	void (*msix_changed)(void *context, bool enabled);
	/* Optional: an access inside the config range the owner serves
	 * (pci_function_serve_config), offset from the header's start;
	 * called without the host's lock. */
	int (*config_access)(void *context, struct mmio_access *access);
};

struct pci_window {
	struct pci_host *host;
	uint64_t base;
	uint64_t size;
};

struct pci_bar {
	uint64_t size;			/* a power of two, 0: no BAR */
	uint64_t decoded;		/* where it decodes now, 0: nowhere */
};

struct pci_msix_entry {
	uint32_t address_low;
	uint32_t address_high;
	uint32_t data;
	uint32_t control;		/* bit 0: masked */
};

struct pci_msix {
	uint16_t count;			/* vectors, 0: no MSI-X capability */
	uint8_t capability;		/* its offset in config space */
	uint8_t bar;
	uint32_t table_offset;		/* in the BAR */
	uint32_t pba_offset;
	struct pci_msix_entry entries[PCI_MSIX_MAX_VECTORS];
	uint32_t pending;		/* the PBA */
};

struct pci_function {
	const struct pci_function_ops *ops;
	void *context;
	struct pci_host *host;
	unsigned int slot;
	uint8_t config[PCI_HEADER_SIZE];
	uint8_t capability_end;		/* where the next capability goes */
	uint8_t last_capability;	/* 0, or the last one's offset */
	struct pci_bar bars[PCI_MAX_BARS];
	struct pci_msix msix;
	uint8_t served_offset;		/* config the owner serves, 0: none */
	uint8_t served_length;
};

/* The lock covers config space, the decode and MSI-X; a BAR's owner is
 * called without it for its own accesses, with it for bar_moved, msi and
 * msi_route (so an owner's lock may be taken before it, never after). */
struct pci_host {
	pthread_mutex_t lock;
	struct pci_function *functions[PCI_MAX_DEVICES];
	struct pci_window windows[PCI_MAX_WINDOWS];
	uint64_t next_address;		/* in the last window: the next BAR */
	uint32_t bad_accesses;		/* refused: widths, alignment */
};

struct pci_function_id {
	uint16_t vendor;
	uint16_t device;
	uint8_t revision;
	uint32_t class_code;		/* class, subclass, interface */
	uint16_t subsystem_vendor;
	uint16_t subsystem;
	uint8_t interrupt_pin;		/* 1 (INTA) to 4, 0: none */
};

void pci_host_init(struct pci_host *host, const uint64_t bases[PCI_MAX_WINDOWS],
    const uint64_t sizes[PCI_MAX_WINDOWS]);
void pci_host_destroy(struct pci_host *host);
int pci_host_add(struct pci_host *host, struct pci_function *function,
    unsigned int slot);
int pci_host_config_access(void *host, struct mmio_access *access);
int pci_window_access(void *window, struct mmio_access *access);

void pci_function_init(struct pci_function *function,
    const struct pci_function_id *id, const struct pci_function_ops *ops,
    void *context);
int pci_function_add_bar(struct pci_function *function, unsigned int bar,
    uint64_t size);
int pci_function_add_capability(struct pci_function *function, uint8_t id,
    const uint8_t *body, uint8_t length);
int pci_function_add_msix(struct pci_function *function, uint16_t count,
    unsigned int bar, uint32_t table_offset, uint32_t pba_offset);
void pci_function_serve_config(struct pci_function *function,
    uint8_t offset, uint8_t length);
int pci_function_bar_access(struct pci_function *function, unsigned int bar,
    struct mmio_access *access);
bool pci_function_msix_enabled(const struct pci_function *function);
bool pci_function_intx_enabled(struct pci_function *function);
int pci_function_msix_fire(struct pci_function *function, uint16_t vector);
uint64_t pci_function_bar_address(const struct pci_function *function,
    unsigned int bar);
uint16_t pci_function_requester_id(const struct pci_function *function);

/* For snapshots: the function's 256-byte header as the guest programmed
 * it, and back through the guest's own config write (BARs decode and move
 * as they did, MSI-X enable and mask take effect last); a header a guest
 * could not have written here is refused. Each takes the host's lock. */
struct snapshot_blob;
struct snapshot_writer;
void pci_function_save(struct pci_function *function,
    struct snapshot_writer *writer);
int pci_function_restore(struct pci_function *function,
    const struct snapshot_blob *blob, char *why, size_t why_size);

#endif
