/* `vmmd vm-process`: the VM process, the daemon's other end. */
#ifndef VMMD_CMD_VM_PROCESS_H
#define VMMD_CMD_VM_PROCESS_H

int cmd_vm_process(int argc, char **argv);

#endif
