/* A VM's virtio devices, their state and counters, as JSON for
 * `vmmd run --json` and the daemon's vm-info. */
#ifndef VMMD_DEVICES_JSON_H
#define VMMD_DEVICES_JSON_H

#include <jansson.h>

#include "../core/vm.h"

json_t *devices_json(const struct vm_device_result *devices,
    unsigned int count);

#endif
