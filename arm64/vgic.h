/* The in-kernel GICv3 (and its ITS when the host has one) that KVM
 * emulates for a VM, and the SPI lines devices raise through it. */
#ifndef VMMD_VGIC_H
#define VMMD_VGIC_H

#include <stdbool.h>

#define VGIC_NR_IRQS	128	/* 32 private + 96 SPIs */

struct vgic {
	int gic_fd;
	int its_fd;		/* -1: the host has no ITS emulation */
};

int vgic_create(int vm_fd, unsigned int vcpus, struct vgic *gic);
int vgic_finalize(struct vgic *gic);
void vgic_destroy(struct vgic *gic);
int vgic_spi_line(int vm_fd, unsigned int spi, bool level);

#endif
