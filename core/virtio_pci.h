/* The virtio 1.x modern PCI transport (virtio 1.2, 4.1): a PCI function
 * (vendor 0x1af4, device 0x1040 + the virtio ID, revision 1) whose one
 * 64-bit BAR holds the common config, the ISR, the device config, the
 * notify region and MSI-X's table and PBA, each named by a vendor
 * capability, and a PCI_CFG capability that reaches the BAR through config
 * space. Interrupts are MSI-X when the driver enabled it, else INTx
 * through the transport's irq_fd (level, resampled by the owner). */
#ifndef VMMD_VIRTIO_PCI_H
#define VMMD_VIRTIO_PCI_H

#include <stdint.h>

#include "pci.h"
#include "virtio_transport.h"

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_DEVICE_BASE		0x1040
#define VIRTIO_PCI_BAR			0
#define VIRTIO_PCI_BAR_SIZE		0x8000u
#define VIRTIO_PCI_COMMON		0x0000u
#define VIRTIO_PCI_ISR			0x1000u
#define VIRTIO_PCI_DEVICE_CONFIG	0x2000u
#define VIRTIO_PCI_NOTIFY		0x3000u
#define VIRTIO_PCI_NOTIFY_MULTIPLIER	4u	/* queue q at NOTIFY + 4q */
#define VIRTIO_PCI_NOTIFY_WIDTH		2u	/* the driver writes a le16 */
#define VIRTIO_PCI_MSIX_TABLE		0x4000u
#define VIRTIO_PCI_MSIX_PBA		0x5000u
#define VIRTIO_PCI_NO_VECTOR		0xffffu
#define VIRTIO_PCI_CFG_SIZE		20u	/* struct virtio_pci_cfg_cap */

/* What the owner (vm_io) does for the function. */
struct virtio_pci_hooks {
	/* The BAR moved to address, or decodes no more (0): the notify
	 * region's ioeventfds follow it. Called with the host's lock held. */
	void (*bar_moved)(void *context, uint64_t address);
	/* An MSI to send, vector's message, from requester_id. */
	void (*msi)(void *context, uint16_t vector, uint64_t address,
	    uint32_t data, uint16_t requester_id);
	/* Optional: vector may now fire with this message: its route
	 * (KVM_IRQ_ROUTING_MSI behind an irqfd) is (re)programmed. Both are
	 * called with the host's lock held. */
	void (*msi_route)(void *context, uint16_t vector, uint64_t address,
	    uint32_t data, uint16_t requester_id);
};

struct virtio_pci {
	struct virtio_transport *transport;
	struct pci_function function;
	const struct virtio_pci_hooks *hooks;	/* or NULL */
	void *context;
	uint16_t config_vector;
	uint16_t queue_vectors[VIRTIO_MAX_QUEUES];
	uint8_t pci_cfg_offset;		/* the PCI_CFG capability's */
	uint8_t pci_cfg[VIRTIO_PCI_CFG_SIZE];	/* it, from its ID byte */
	uint32_t bad_accesses;		/* widths and offsets refused */
};

int virtio_pci_init(struct virtio_pci *pci, struct virtio_transport *transport,
    const struct virtio_pci_hooks *hooks, void *context);

/* For snapshots: the MSI-X vectors of the config and each queue, the
 * function's header and its MSI-X table; and back after the transport's
 * restore: the table first, the vectors as the guest's common-config
 * writes set them, the header (BARs, decode, MSI-X enable) last. */
struct snapshot_blob;
struct snapshot_writer;
void virtio_pci_save(struct virtio_pci *pci, struct snapshot_writer *writer);
int virtio_pci_restore(struct virtio_pci *pci, const struct snapshot_blob *blob,
    char *why, size_t why_size);

#endif
