/* libFuzzer target: the device tree builder fed arbitrary machines (vCPU
 * counts, MPIDRs, bootargs, initrd bounds, buffer sizes); whatever it
 * accepts must be a tree libfdt reads back. */
#include <libfdt.h>
#include <stdint.h>
#include <string.h>

#include "../arm64/device_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t blob[DEVICE_TREE_MAX_SIZE];
static uint64_t mpidrs[DEVICE_TREE_MAX_VCPUS + 1];
static char bootargs[4096];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct device_tree_machine machine = { .ram_base = 0x80000000ull };
	uint8_t head[40];
	size_t text, buffer;

	if (size < sizeof(head))
		return 0;
	memcpy(head, data, sizeof(head));
	data += sizeof(head);
	size -= sizeof(head);
	memcpy(&machine.ram_size, head, 8);
	memcpy(&machine.initrd_start, head + 8, 8);
	memcpy(&machine.initrd_end, head + 16, 8);
	machine.vcpus = head[24] | (head[25] & 1) << 8;
	machine.has_its = head[26] & 1;
	machine.has_pmu = head[26] & 2;
	buffer = 64 + (size_t)(head[27] | head[28] << 8) % (sizeof(blob) - 64);
	for (size_t i = 0; i < sizeof(mpidrs) / sizeof(mpidrs[0]); i++)
		mpidrs[i] = i * 0x101u ^ head[29 + i % 11];
	text = size < sizeof(bootargs) - 1 ? size : sizeof(bootargs) - 1;
	memcpy(bootargs, data, text);
	bootargs[text] = '\0';
	machine.mpidrs = mpidrs;
	machine.bootargs = bootargs;
	if (device_tree_build(&machine, blob, buffer) == 0 &&
	    (fdt_check_header(blob) != 0 || fdt_totalsize(blob) > buffer ||
	    fdt_path_offset(blob, "/chosen") < 0))
		__builtin_trap();
	return 0;
}
