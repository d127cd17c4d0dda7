/* libFuzzer target: the DEVICES section's reader (core/vm_snapshot_devices.c
 * and every device's restore) on a VM built as core builds one, without
 * KVM: a 16550, a PL031 and an rng, a console and a disk, on virtio-mmio or
 * (the first byte's low bit) virtio-pci; the rest of the input is the
 * section. A refusal must be one non-empty line; an accepted section, saved
 * again, must restore into a fresh VM and save to the same bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/vm_device_kinds.h"
#include "../core/vm_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE	0x40000000ull
#define RAM_SIZE	(1u << 20)

static struct guest_memory ram;

static const struct arch_layout layout = { .ram_base = RAM_BASE,
    .rtc_base = 0x09010000 };
static const struct vm_io_placement placements[2] = {
	{ .base = 0x0a000000, .stride = 0x200, .irq_base = 16, .max = 32 },
	{ .base = 0x0a000000, .stride = 0x200, .irq_base = 16, .max = 32,
	  .pci = true, .pci_ecam_base = 0x0b000000, .pci_ecam_size = 1 << 20,
	  .pci_window_bases = { 0x10000000, 0x8000000000 },
	  .pci_window_sizes = { 0x2f000000, 0x4000000000 },
	  .pci_irq_base = 48, .pci_irq_lines = 4 },
};
static char disk[] = "/tmp/fuzz-snapshot-devices-XXXXXX";
static struct vm vms[2];

static uint64_t
fixed_clock(void)
{
	return 42ull * 1000000000ull;
}

/* Guest RAM, zeroed for every input, and one sparse 1 MiB disk for the
 * process's inputs. */
static void
prepare(void)
{
	int fd;

	if (ram.count == 0 && guest_memory_add(&ram, RAM_BASE, RAM_SIZE) != 0)
		__builtin_trap();
	memset(ram.regions[0].host, 0, RAM_SIZE);
	if (disk[sizeof(disk) - 2] != 'X')
		return;
	fd = mkstemp(disk);
	if (fd < 0 || ftruncate(fd, 1 << 20) < 0)
		__builtin_trap();
	close(fd);
}

static void
vm_build(struct vm *vm, bool pci)
{
	const struct vm_device_spec specs[] = {
		{ .kind = &vm_device_rng }, { .kind = &vm_device_console },
		{ .kind = &vm_device_block, .path = disk },
	};
	const struct vm_io_sink sink = { NULL, NULL };

	memset(vm, 0, sizeof(*vm));
	vm->layout = &layout;
	uart_16550_init(&vm->uart, &(struct uart_16550_sink){ 0 });
	pl031_init(&vm->rtc, &(struct pl031_sink){ 0 }, fixed_clock, 1000);
	if (vm_io_create(&vm->io, specs, 3, &ram, &placements[pci],
	    &sink) < 0)
		__builtin_trap();
}

static void
vm_free(struct vm *vm)
{
	vm_io_destroy(&vm->io);
	uart_16550_destroy(&vm->uart);
	pl031_destroy(&vm->rtc);
}

static uint32_t
entries(const struct vm *vm)
{
	return 2 + vm->io.pci + vm->io.count;	/* uart, rtc */
}

/* The DEVICES section's content, after its header, into writer. */
static struct snapshot_blob
save(struct vm *vm, struct snapshot_writer *writer)
{
	char why[256];
	uint32_t count;

	snapshot_writer_init(writer, 4096);
	if (vm_snapshot_devices_save(vm, writer, &count, why, sizeof(why)) < 0 ||
	    count != entries(vm))
		__builtin_trap();
	return (struct snapshot_blob){ writer->data + SNAPSHOT_HEADER_SIZE +
	    SNAPSHOT_SECTION_HEAD, writer->size - SNAPSHOT_HEADER_SIZE -
	    SNAPSHOT_SECTION_HEAD };
}

static void
check_stable(const struct snapshot_blob *first, bool pci)
{
	struct snapshot_writer writer;
	struct snapshot_blob again;
	char why[256];

	vm_build(&vms[1], pci);
	if (vm_snapshot_devices_restore(&vms[1], first, entries(&vms[1]), why,
	    sizeof(why)) < 0)
		__builtin_trap();	/* what vmmd wrote, vmmd must take */
	again = save(&vms[1], &writer);
	if (again.size != first->size ||
	    memcmp(again.data, first->data, first->size) != 0)
		__builtin_trap();
	snapshot_writer_free(&writer);
	vm_free(&vms[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot_writer writer;
	struct snapshot_blob devices, first;
	char why[256];
	bool pci;

	if (size < 1)
		return 0;
	prepare();
	pci = data[0] & 1;
	devices = (struct snapshot_blob){ data + 1, size - 1 };
	vm_build(&vms[0], pci);
	why[0] = '\0';
	if (vm_snapshot_devices_restore(&vms[0], &devices, entries(&vms[0]),
	    why, sizeof(why)) == 0) {
		first = save(&vms[0], &writer);
		check_stable(&first, pci);
		snapshot_writer_free(&writer);
	} else if (why[0] == '\0' || strchr(why, '\n') != NULL) {
		__builtin_trap();
	}
	vm_free(&vms[0]);
	return 0;
}
