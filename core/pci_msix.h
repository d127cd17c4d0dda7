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

#endif
