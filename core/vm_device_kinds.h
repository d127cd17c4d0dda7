/* core's part of the five device kinds vmmd has today: each one's open,
 * close, console input and counters (struct vm_device_ops). A new kind
 * defines its ops beside its device, in its own file (docs/devices.md). */
#ifndef VMMD_VM_DEVICE_KINDS_H
#define VMMD_VM_DEVICE_KINDS_H

#include "vm_io.h"

extern const struct vm_device_ops vm_device_block;
extern const struct vm_device_ops vm_device_net;
extern const struct vm_device_ops vm_device_rng;
extern const struct vm_device_ops vm_device_vsock;
extern const struct vm_device_ops vm_device_console;

#endif
