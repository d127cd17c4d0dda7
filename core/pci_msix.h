/* The MSI-X capability of a PCI function (PCI 3.0, 6.8.2): its message
 * control, the vector table and the pending bits in a BAR, masks. What
 * core/pci.c calls; the public part is in pci.h. */
#ifndef VMMD_PCI_MSIX_H
#define VMMD_PCI_MSIX_H

#include <stdint.h>

#include "pci.h"

uint32_t pci_msix_control_dword(uint32_t old, uint32_t value);
void pci_msix_control_changed(struct pci_function *function);
int pci_msix_access(struct pci_function *function, unsigned int bar,
    struct mmio_access *access);

/* For snapshots: the vector table and the pending bits; and back, each
 * table entry written as a guest's table write is (so whatever delivers
 * the vectors programs itself), the pending bits as they were. Each takes
 * the host's lock; restore before the header (pci_function_restore). */
struct snapshot_blob;
struct snapshot_writer;
void pci_msix_save(struct pci_function *function,
    struct snapshot_writer *writer);
int pci_msix_restore(struct pci_function *function,
    const struct snapshot_blob *blob, char *why, size_t why_size);

#endif
