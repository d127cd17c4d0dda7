/* `vmmd --probe`, and the probe that `vmmd run` passes before it builds a
 * VM: KVM must be able to serve, or vmmd refuses with one line. */
#ifndef VMMD_CMD_PROBE_H
#define VMMD_CMD_PROBE_H

#include <jansson.h>
#include <stdbool.h>

int cmd_probe(const char *kvm_path, bool json);
int cmd_probe_gate(const char *kvm_path);
json_t *cmd_probe_json(const char *kvm_path);

#endif
