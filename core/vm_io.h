/* A VM's virtio devices and the one I/O thread that serves them: each
 * device is a virtio-mmio window in the forward map or a virtio-pci
 * function behind the VM's PCIe host (vm_io_pci.c), its queue
 * notifications an eventfd KVM signals (KVM_IOEVENTFD) and the I/O thread
 * waits on (epoll), its interrupt an eventfd KVM injects (KVM_IRQFD: an
 * SPI, or an MSI through its GSI route). The vCPUs never wait for a
 * device's I/O. */
#ifndef VMMD_VM_IO_H
#define VMMD_VM_IO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "forward_map.h"
#include "guest_memory.h"
#include "irq_routes.h"
#include "pci.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"

#define VM_IO_MAX_DEVICES	16
#define VM_IO_NAME_MAX		24
#define VM_DEVICE_COUNTERS_MAX	8
#define VM_DEVICE_TEXT_MAX	16

struct vm_io_device;
struct vm_device_result;
struct snapshot_blob;
struct snapshot_writer;

/* Where a virtio-console's output goes (the VM's console). */
struct vm_io_sink {
	void (*console)(void *context, const uint8_t *data, size_t length);
	void *context;
};

struct vm_device_spec;

/* core's part of one kind of device (vmmd/device_kinds.c holds the one
 * table of kinds and points at these): how a device of the kind is opened
 * behind its virtio-mmio transport, closed, fed host console input and
 * counted. The transport's own hooks (activate, notify, reset) are the
 * device's virtio_device_ops. */
struct vm_device_ops {
	const char *name;		/* "block": reports name devices block0.. */
	const char *const *names;	/* VM_IO_MAX_DEVICES static names: the
					 * forward map keeps them after the VM */
	size_t state_size;		/* the device's struct, vm_io allocates it */
	/* Opens the device in device->state and initialises device->transport;
	 * on failure says why once and leaves nothing open. */
	int (*open)(struct vm_io_device *device,
	    const struct vm_device_spec *spec, const struct guest_memory *memory,
	    const struct vm_io_sink *sink);
	void (*close)(struct vm_io_device *device);	/* optional */
	void (*input)(struct vm_io_device *device, const uint8_t *data,
	    size_t length);		/* optional: host console input */
	const char *text_counter;	/* optional: a text shown first ("tap") */
	const char *const *counters;	/* names, NULL-terminated */
	void (*results)(const struct vm_io_device *device,
	    struct vm_device_result *result);	/* text and counters */
	/* Optional, for snapshots (docs/snapshot.md): the device's own state
	 * after its transport's, with the transport's lock held, and back into
	 * a device opened from the same spec after its transport was restored
	 * (refusing a malformed blob or another device with why). A kind
	 * without save refuses a snapshot. */
	int (*save)(void *device, const struct virtio_transport *transport,
	    struct snapshot_writer *writer, char *why, size_t why_size);
	int (*restore)(void *device, struct virtio_transport *transport,
	    const struct snapshot_blob *blob, char *why, size_t why_size);
	/* Optional: the host side's own work stopped for a snapshot (the I/O
	 * thread is already stopped) and started again. */
	int (*quiesce)(void *device, struct virtio_transport *transport,
	    char *why, size_t why_size);
	void (*resume)(void *device, struct virtio_transport *transport);
};

/* VM_IO_MAX_DEVICES names for one kind: "rng0" to "rng15". */
#define VM_DEVICE_NAMES(kind) ((const char *const[VM_IO_MAX_DEVICES]){ \
	kind "0", kind "1", kind "2", kind "3", kind "4", kind "5", kind "6", \
	kind "7", kind "8", kind "9", kind "10", kind "11", kind "12", \
	kind "13", kind "14", kind "15" })

/* One device as the user asked for it. */
struct vm_device_spec {
	const struct vm_device_ops *kind;
	const char *path;		/* block: the image or block device */
	bool read_only;			/* block */
	const char *serial;		/* block: or NULL */
	const char *tap_name;		/* net: a tap vmmd opens, or NULL */
	int tap_fd;			/* net: a tap vmmd is handed */
	uint8_t mac[6];			/* net */
	uint64_t cid;			/* vsock: the guest's context ID */
};

/* Which transport a VM's devices sit on. `vmmd run` and a spec default to
 * PCI, which stock distribution kernels have built in; a zeroed vm_config
 * keeps virtio-mmio, what every VM had before PCI (and what the daemon's
 * VM processes get until they copy the spec's choice). */
enum vm_transport {
	VM_TRANSPORT_MMIO,
	VM_TRANSPORT_PCI,
	VM_TRANSPORT_COUNT,
};

/* Where the devices go. virtio-mmio: device i at base + i * stride,
 * interrupt irq_base + i. PCI: device i in slot i behind a host whose ECAM
 * and windows are given, INTA of slot i on pci_irq_base + i % pci_irq_lines. */
struct vm_io_placement {
	uint64_t base;
	uint64_t stride;
	unsigned int irq_base;
	unsigned int max;
	bool pci;
	uint64_t pci_ecam_base;
	uint64_t pci_ecam_size;
	uint64_t pci_window_bases[PCI_MAX_WINDOWS];
	uint64_t pci_window_sizes[PCI_MAX_WINDOWS];
	unsigned int pci_irq_base;
	unsigned int pci_irq_lines;
};

enum vm_io_event {
	VM_IO_NOTIFY,			/* the notify eventfd */
	VM_IO_POLL,			/* the device's own fd (a tap) */
	VM_IO_RESAMPLE,			/* KVM lowered a level INTx at EOI */
};

struct vm_io;

struct vm_io_device {
	const struct vm_device_ops *kind;
	const char *name;		/* static: the forward map and reports keep it */
	struct vm_io *io;
	uint64_t base;			/* the window, or the BAR as first placed */
	unsigned int irq;		/* the SPI (PCI: its INTA line) */
	bool ioeventfd;			/* KVM takes the notifications */
	bool irqfd;
	struct vm_io_source {		/* what an epoll event is about */
		struct vm_io_device *device;
		enum vm_io_event event;
	} notify_source, poll_source, resample_source;
	struct virtio_transport transport;
	struct virtio_pci pci;		/* with the PCI transport */
	int resample_fd;		/* PCI: the INTx resample eventfd, or -1 */
	uint64_t notify_base;		/* PCI: where the ioeventfds are, 0: none */
	struct vm_io_msi {		/* PCI: an MSI-X vector's irqfd */
		bool bound;		/* fd is an irqfd on gsi */
		int fd;
		uint32_t gsi;
		uint64_t address;	/* the message its route carries */
		uint32_t data;
	} msi[PCI_MSIX_MAX_VECTORS];
	uint64_t msi_irqfd;		/* PCI: MSIs sent through an irqfd */
	uint64_t msi_signalled;		/* PCI: MSIs sent with KVM_SIGNAL_MSI */
	void *state;			/* the kind's struct: state_size bytes */
};

struct vm_io {
	struct vm_io_device *devices;
	unsigned int count;
	uint64_t window;		/* each device's register window: the stride */
	bool pci;			/* the devices are behind pci_host */
	struct pci_host pci_host;
	uint64_t pci_ecam_base;
	uint64_t pci_ecam_size;
	/* The GSI routes (under pci_host's lock): MSI-X through irqfds
	 * while msi_routing, else KVM_SIGNAL_MSI for why_no_routing. */
	struct irq_routes routes;
	bool msi_routing;
	bool fallback_logged;
	char why_no_routing[96];
	int vm_fd;
	int epoll_fd;
	int stop_fd;
	pthread_t thread;
	bool started;
	bool quiesced;			/* stopped for a snapshot, to start again */
};

/* What a device did, for `vmmd run --json`, kept after the VM is gone. */
struct vm_device_result {
	const struct vm_device_ops *kind;
	char name[VM_IO_NAME_MAX];
	uint64_t base;
	unsigned int irq;
	bool ioeventfd;
	uint32_t status;		/* the virtio status register at the end */
	char fault[160];		/* why it needed a reset, or "" */
	struct virtio_transport_stats stats;
	uint64_t msi_irqfd;		/* of the interrupts, MSIs by irqfd */
	uint64_t msi_signalled;		/* and by KVM_SIGNAL_MSI */
	char text[VM_DEVICE_TEXT_MAX];	/* kind->text_counter's value */
	uint64_t counters[VM_DEVICE_COUNTERS_MAX];	/* as kind->counters */
};

const char *vm_transport_name(enum vm_transport transport);
int vm_transport_parse(const char *name, enum vm_transport *transport);
int vm_device_ops_check(const struct vm_device_ops *ops, char *error,
    size_t error_size);
const char *vm_device_kind_name(const struct vm_device_ops *kind);
int vm_io_create(struct vm_io *io, const struct vm_device_spec *specs,
    unsigned int count, const struct guest_memory *memory,
    const struct vm_io_placement *placement, const struct vm_io_sink *sink);
int vm_io_attach(struct vm_io *io, int vm_fd, struct forward_map *map);
int vm_io_start(struct vm_io *io);
void vm_io_stop(struct vm_io *io);
void vm_io_console_input(struct vm_io *io, const uint8_t *data,
    size_t length);
void vm_io_results(const struct vm_io *io, struct vm_device_result *results,
    unsigned int *count);
void vm_io_destroy(struct vm_io *io);
/* For snapshots: every live queue looked at once when the I/O thread
 * (re)starts, as if the guest had notified it; and the save and restore
 * of a kind whose device has no state of its own beyond its transport. */
void vm_io_kick(struct vm_io *io);
int vm_device_save_none(void *device, const struct virtio_transport *transport,
    struct snapshot_writer *writer, char *why, size_t why_size);
int vm_device_restore_none(void *device, struct virtio_transport *transport,
    const struct snapshot_blob *blob, char *why, size_t why_size);

/* vm_io_pci.c: the PCI transport's part. */
void vm_io_pci_host_init(struct vm_io *io,
    const struct vm_io_placement *placement);
int vm_io_pci_add(struct vm_io *io, struct vm_io_device *device,
    unsigned int slot, const struct vm_io_placement *placement);
int vm_io_pci_attach(struct vm_io *io, struct forward_map *map);
int vm_io_pci_attach_device(struct vm_io *io, struct vm_io_device *device);
void vm_io_pci_destroy_device(struct vm_io *io, struct vm_io_device *device);
/* For snapshots: the host's shape (ECAM, windows, the slots taken), which a
 * restore's host must have. */
void vm_io_pci_host_save(const struct vm_io *io,
    struct snapshot_writer *writer);
int vm_io_pci_host_restore(const struct vm_io *io,
    const struct snapshot_blob *blob, char *why, size_t why_size);

#endif
