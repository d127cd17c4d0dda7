/* The flattened device tree a Linux guest boots with, built with libfdt's
 * sequential-write API from a plain description of the machine. */
#ifndef VMMD_DEVICE_TREE_H
#define VMMD_DEVICE_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEVICE_TREE_MAX_SIZE	(64u * 1024)
#define DEVICE_TREE_MAX_VCPUS	123	/* redistributors below ARM64_GICR_LIMIT */

struct device_tree_machine {
	uint64_t ram_base;
	uint64_t ram_size;
	unsigned int vcpus;
	const uint64_t *mpidrs;		/* MPIDR_EL1 of each vCPU, from KVM */
	const char *bootargs;
	uint64_t initrd_start;		/* both 0: no initrd */
	uint64_t initrd_end;
	bool has_its;
	bool has_pmu;			/* the vCPUs have a PMUv3 */
	unsigned int virtio_count;	/* virtio-mmio nodes, placed by memory_map.h */
	bool pci;			/* a PCIe host (ECAM) node */
};

int device_tree_build(const struct device_tree_machine *machine, void *buffer,
    size_t size);

#endif
