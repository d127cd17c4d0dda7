/* The VM's GSI routing table, which KVM_SET_GSI_ROUTING takes whole: the
 * irqchip routes of the SPIs that have irqfds and one MSI route per
 * (device, MSI-X vector) in use. Pure: the caller sends the table. */
#ifndef VMMD_IRQ_ROUTES_H
#define VMMD_IRQ_ROUTES_H

#include <stdint.h>

#include "kvm.h"

/* 16 devices x 16 vectors, and the SPIs of their irqfds. */
#define IRQ_ROUTES_MAX		288
/* arm64 routes GSI n to SPI n by default (at most 988 SPIs on GICv3):
 * MSI GSIs start past them, so an SPI's irqfd keeps its number. */
#define IRQ_ROUTES_MSI_GSI_BASE	1024u

struct irq_routes {
	struct kvm_gsi_route routes[IRQ_ROUTES_MAX];
	uint32_t owners[IRQ_ROUTES_MAX];	/* MSI: device << 16 | vector */
	unsigned int count;
	uint32_t next_msi_gsi;
};

void irq_routes_init(struct irq_routes *table);
int irq_routes_add_spi(struct irq_routes *table, uint32_t spi);
int irq_routes_set_msi(struct irq_routes *table, unsigned int device,
    uint16_t vector, const struct kvm_gsi_route *message, uint32_t *gsi);

#endif
