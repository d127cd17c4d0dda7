/* libFuzzer target: a virtio-rng device behind its virtio-pci transport
 * and the ECAM host, driven as a hostile guest would: the input starts with
 * accesses (config space: commands, BARs moved anywhere, MSI-X enabled and
 * masked; the BAR: common config at any offset and width, ISR, device
 * config, notifies, the MSI-X table and PBA), the rest is guest RAM holding
 * the rings. A notify runs the I/O thread's part, and so may an INTx
 * resample. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/virtio_pci.h"
#include "../core/virtio_rng.h"
#include "fuzz_ram.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ACCESSES_MAX	64
#define SLOT		2
#define WINDOW32_BASE	0x10000000ull
#define WINDOW64_BASE	0x8000000000ull
#define WINDOW_SIZE	0x10000000ull

/* One access, little-endian. flags: bit 0 write, bits 1-2 width 1, 2, 4
 * or 8, bit 3 config space (else a window), bit 4 the 32-bit window, bit 5
 * an INTx resample after it. */
struct access {
	uint32_t offset;
	uint8_t flags;
	uint8_t pad[3];
	uint32_t value;
};

static struct pci_host host;
static struct virtio_transport transport;
static struct virtio_pci pci;
static struct virtio_rng rng;
static unsigned long msis, moves, routes;

static void
count_moves(void *context, uint64_t address)
{
	(void)context;
	(void)address;
	moves++;
}

static void
count_msi(void *context, uint16_t vector, uint64_t address, uint32_t data,
    uint16_t requester)
{
	(void)context;
	if (vector >= PCI_MSIX_MAX_VECTORS)
		abort();	/* the owner indexes its irqfds by it */
	(void)address;
	(void)data;
	(void)requester;
	msis++;
}

static void
count_route(void *context, uint16_t vector, uint64_t address, uint32_t data,
    uint16_t requester)
{
	(void)context;
	if (vector >= PCI_MSIX_MAX_VECTORS)
		abort();
	(void)address;
	(void)data;
	(void)requester;
	routes++;
}

static const struct virtio_pci_hooks hooks = { count_moves, count_msi,
    count_route };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	stderr = fopen("/dev/null", "w");	/* each broken ring logs */
	return 0;
}

static void
run_access(const struct access *a)
{
	uint8_t bytes[8];
	struct pci_window *window = &host.windows[a->flags & 16 ? 0 : 1];
	struct mmio_access access = {
		.data = bytes, .length = 1u << ((a->flags >> 1) & 3),
		.is_write = a->flags & 1,
	};
	int rc;

	memset(bytes, 0, sizeof(bytes));
	memcpy(bytes, &a->value, 4);
	if (a->flags & 8) {
		access.offset = a->offset % PCI_ECAM_BUS_SIZE;
		pci_host_config_access(&host, &access);
	} else {
		access.offset = a->offset % window->size;
		rc = pci_window_access(window, &access);
		if (rc == 0 && access.is_write)
			virtio_transport_process(&transport);
	}
	if (a->flags & 32)
		virtio_transport_resample(&transport);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t bases[PCI_MAX_WINDOWS] = { WINDOW32_BASE, WINDOW64_BASE };
	const uint64_t sizes[PCI_MAX_WINDOWS] = { WINDOW_SIZE, WINDOW_SIZE };
	struct access accesses[ACCESSES_MAX];
	int count;

	count = fuzz_split_input(data, size, accesses, sizeof(accesses[0]),
	    ACCESSES_MAX);
	if (count < 0)
		return 0;
	memset(&rng, 0, sizeof(rng));
	pci_host_init(&host, bases, sizes);
	if (virtio_transport_init(&transport, "fuzz-rng", &virtio_rng_ops, &rng,
	    0, NULL, 0, &fuzz_ram) != 0 ||
	    virtio_pci_init(&pci, &transport, &hooks, NULL) != 0 ||
	    pci_host_add(&host, &pci.function, SLOT) != 0)
		__builtin_trap();
	for (int i = 0; i < count; i++)
		run_access(&accesses[i]);
	virtio_transport_destroy(&transport);
	pci_host_destroy(&host);
	return 0;
}
