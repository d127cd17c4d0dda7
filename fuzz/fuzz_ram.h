/* Guest RAM for the fuzz targets over virtqueues: two 64 KiB regions with a
 * hole between, mapped once per process and refilled for every input, the
 * first with the input's bytes, the second with a pattern. */
#ifndef VMMD_FUZZ_RAM_H
#define VMMD_FUZZ_RAM_H

#include <stdint.h>
#include <string.h>

#include "../core/guest_memory.h"

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(64u * 1024)
#define RAM2_BASE	(RAM_BASE + 2 * RAM_SIZE)

static struct guest_memory fuzz_ram;

static void
fuzz_ram_load(const uint8_t *data, size_t size)
{
	if (fuzz_ram.count == 0 && (guest_memory_add(&fuzz_ram, RAM_BASE,
	    RAM_SIZE) != 0 || guest_memory_add(&fuzz_ram, RAM2_BASE,
	    RAM_SIZE) != 0))
		__builtin_trap();
	memset(fuzz_ram.regions[0].host, 0, RAM_SIZE);
	memset(fuzz_ram.regions[1].host, 0xa5, RAM_SIZE);
	memcpy(fuzz_ram.regions[0].host, data, size < RAM_SIZE ? size : RAM_SIZE);
}

/* An input that drives a device: its first byte counts the accesses that
 * follow (at most max, each access_size bytes, copied to accesses), the
 * rest is loaded as RAM. Returns the count, or -1 for an input too short. */
static int
fuzz_split_input(const uint8_t *data, size_t size, void *accesses,
    size_t access_size, size_t max)
{
	size_t count;

	if (size < 1)
		return -1;
	count = data[0] % (max + 1);
	if (size < 1 + count * access_size)
		return -1;
	memcpy(accesses, data + 1, count * access_size);
	fuzz_ram_load(data + 1 + count * access_size,
	    size - 1 - count * access_size);
	return (int)count;
}

#endif
