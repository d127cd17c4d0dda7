/* A VM's devices in a snapshot's DEVICES section: the entries framed and
 * walked in the VM's order; what each holds is its device's own save and
 * restore (uart_16550.c, pl031.c, vm_io_pci.c, virtio_transport.c,
 * virtio_pci.c and the kinds' hooks). docs/snapshot.md has the layout. */
#include <errno.h>
#include <stdio.h>

#include "snapshot_blob.h"
#include "vm_internal.h"

#define WHY_INNER	200

static uint32_t
virtio_kind(const struct vm_io_device *device)
{
	return VM_SNAPSHOT_DEVICE_VIRTIO + device->transport.ops->device_id;
}

static unsigned int
entry_count(const struct vm *vm)
{
	return 1 + (vm->layout->rtc_base != 0) + vm->io.pci + vm->io.count;
}

/* Entry i's kind, and the virtio device behind it (NULL for the others). */
static uint32_t
entry_kind(struct vm *vm, unsigned int i, struct vm_io_device **device)
{
	*device = NULL;
	if (i == 0)
		return VM_SNAPSHOT_DEVICE_UART;
	if (vm->layout->rtc_base != 0 && --i == 0)
		return VM_SNAPSHOT_DEVICE_RTC;
	if (vm->io.pci && --i == 0)
		return VM_SNAPSHOT_DEVICE_PCI_HOST;
	*device = &vm->io.devices[i - 1];
	return virtio_kind(*device);
}

/* Transport, the virtio-pci part with PCI, the device's own: three parts. */
static int
save_virtio(struct vm_io_device *device, bool pci,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	struct virtio_transport *transport = &device->transport;
	size_t at;
	int rc;

	if (device->kind->save == NULL) {
		snprintf(why, why_size, "%s: a %s device's state cannot be saved "
		    "yet", device->name, device->kind->name);
		return -ENOTSUP;
	}
	at = snapshot_part_begin(writer);
	pthread_mutex_lock(&transport->lock);
	virtio_transport_save(transport, writer);
	pthread_mutex_unlock(&transport->lock);
	snapshot_part_end(writer, at);
	if (pci) {
		at = snapshot_part_begin(writer);
		virtio_pci_save(&device->pci, writer);
		snapshot_part_end(writer, at);
	}
	at = snapshot_part_begin(writer);
	pthread_mutex_lock(&transport->lock);
	rc = device->kind->save(device->state, transport, writer, why,
	    why_size);
	pthread_mutex_unlock(&transport->lock);
	snapshot_part_end(writer, at);
	return rc;
}

static int
save_entry(struct vm *vm, unsigned int i, struct snapshot_writer *writer,
    char *why, size_t why_size)
{
	struct vm_io_device *device;
	uint32_t kind = entry_kind(vm, i, &device);
	char inner[WHY_INNER] = "";
	size_t at;
	int rc = 0;

	snapshot_put_u32(writer, kind);
	at = snapshot_part_begin(writer);
	if (kind == VM_SNAPSHOT_DEVICE_UART)
		uart_16550_save(&vm->uart, writer);
	else if (kind == VM_SNAPSHOT_DEVICE_RTC)
		pl031_save(&vm->rtc, writer);
	else if (kind == VM_SNAPSHOT_DEVICE_PCI_HOST)
		vm_io_pci_host_save(&vm->io, writer);
	else
		rc = save_virtio(device, vm->io.pci, writer, inner,
		    sizeof(inner));
	snapshot_part_end(writer, at);
	if (rc < 0)
		snprintf(why, why_size, "%s", inner);
	return rc;
}

int
vm_snapshot_devices_save(struct vm *vm, struct snapshot_writer *writer,
    uint32_t *count, char *why, size_t why_size)
{
	unsigned int i, entries = entry_count(vm);
	int rc;

	*count = 0;
	/* THR writes KVM coalesced reach the console before the UART is
	 * taken: the guest's output is not cut at a snapshot. */
	mmio_ring_drain(&vm->mmio_ring);
	snapshot_section_begin(writer, SNAPSHOT_SEC_DEVICES);
	for (i = 0; i < entries; i++) {
		rc = save_entry(vm, i, writer, why, why_size);
		if (rc < 0)
			return rc;
	}
	snapshot_section_end(writer);
	if (writer->error) {
		snprintf(why, why_size, "cannot grow the state file's buffer");
		return writer->error;
	}
	*count = entries;
	return 0;
}

static int
restore_virtio(struct vm_io_device *device, bool pci,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct virtio_transport *transport = &device->transport;
	struct snapshot_blob parts[3] = { { NULL, 0 } };
	struct snapshot_cursor cursor;
	int rc;

	if (device->kind->restore == NULL) {
		snprintf(why, why_size, "a %s device's state cannot be restored "
		    "yet", device->kind->name);
		return -ENOTSUP;
	}
	snapshot_cursor_init(&cursor, blob);
	snapshot_get_part(&cursor, &parts[0]);
	if (pci)
		snapshot_get_part(&cursor, &parts[1]);
	snapshot_get_part(&cursor, &parts[2]);
	rc = snapshot_cursor_end(&cursor, "entry", why, why_size);
	if (rc == 0)
		rc = virtio_transport_restore(transport, &parts[0], why,
		    why_size);
	if (rc == 0 && pci)
		rc = virtio_pci_restore(&device->pci, &parts[1], why, why_size);
	if (rc == 0)
		rc = device->kind->restore(device->state, transport, &parts[2],
		    why, why_size);
	return rc;
}

static int
restore_entry(struct vm *vm, unsigned int i, uint32_t kind,
    const struct snapshot_blob *blob, char *why, size_t why_size)
{
	struct vm_io_device *device;
	uint32_t expected = entry_kind(vm, i, &device);
	char inner[WHY_INNER] = "";
	int rc;

	if (kind != expected) {
		snprintf(why, why_size, "device entry %u is of kind %#x, this VM "
		    "has kind %#x there", i, kind, expected);
		return -EINVAL;
	}
	if (kind == VM_SNAPSHOT_DEVICE_UART)
		rc = uart_16550_restore(&vm->uart, blob, inner, sizeof(inner));
	else if (kind == VM_SNAPSHOT_DEVICE_RTC)
		rc = pl031_restore(&vm->rtc, blob, inner, sizeof(inner));
	else if (kind == VM_SNAPSHOT_DEVICE_PCI_HOST)
		rc = vm_io_pci_host_restore(&vm->io, blob, inner, sizeof(inner));
	else
		rc = restore_virtio(device, vm->io.pci, blob, inner,
		    sizeof(inner));
	if (rc < 0)
		snprintf(why, why_size, "%s%s%s", device != NULL ? device->name :
		    "", device != NULL ? ": " : "", inner);
	return rc;
}

/* A refusal part-way leaves the devices before it restored: the VM is
 * not to run, its builder tears it down. */
int
vm_snapshot_devices_restore(struct vm *vm, const struct snapshot_blob *devices,
    uint32_t count, char *why, size_t why_size)
{
	unsigned int i, entries = entry_count(vm);
	struct snapshot_cursor cursor;
	struct snapshot_blob blob;
	uint32_t kind;
	int rc;

	if (count != entries) {
		snprintf(why, why_size, "the snapshot has %u device entries, "
		    "this VM %u devices", count, entries);
		return -EINVAL;
	}
	snapshot_cursor_init(&cursor, devices);
	for (i = 0; i < entries; i++) {
		kind = snapshot_get_u32(&cursor);
		snapshot_get_part(&cursor, &blob);
		if (cursor.short_read) {
			snprintf(why, why_size, "device entry %u: truncated", i);
			return -EINVAL;
		}
		rc = restore_entry(vm, i, kind, &blob, why, why_size);
		if (rc < 0)
			return rc;
	}
	if (snapshot_cursor_end(&cursor, "devices", why, why_size) < 0)
		return -EINVAL;
	vm_io_kick(&vm->io);
	return 0;
}

/* The UART's reg-shift as the snapshot has it: the guest's device tree,
 * fixed at its boot, placed its registers so. -1 where no UART entry. */
int
vm_snapshot_devices_uart_shift(const struct snapshot_blob *devices,
    uint32_t count)
{
	struct snapshot_cursor cursor, uart;
	struct snapshot_blob blob;
	uint32_t i, kind;
	uint8_t shift;

	snapshot_cursor_init(&cursor, devices);
	for (i = 0; i < count && !cursor.short_read; i++) {
		kind = snapshot_get_u32(&cursor);
		snapshot_get_part(&cursor, &blob);
		if (cursor.short_read || kind != VM_SNAPSHOT_DEVICE_UART)
			continue;
		snapshot_cursor_init(&uart, &blob);
		shift = snapshot_get_u8(&uart);
		return uart.short_read ? -1 : shift;
	}
	return -1;
}

int
vm_snapshot_devices_quiesce(struct vm *vm, char *why, size_t why_size)
{
	struct vm_io_device *device;
	char inner[WHY_INNER] = "";
	unsigned int i;
	int rc;

	vm->io.quiesced = vm->io.started;
	vm_io_stop(&vm->io);	/* a request it serves completes first */
	for (i = 0; i < vm->io.count; i++) {
		device = &vm->io.devices[i];
		if (device->kind->quiesce == NULL)
			continue;
		rc = device->kind->quiesce(device->state, &device->transport,
		    inner, sizeof(inner));
		if (rc < 0) {
			snprintf(why, why_size, "%s: %s", device->name, inner);
			vm_snapshot_devices_resume(vm);
			return rc;
		}
	}
	return 0;
}

void
vm_snapshot_devices_resume(struct vm *vm)
{
	struct vm_io_device *device;
	unsigned int i;

	for (i = 0; i < vm->io.count; i++) {
		device = &vm->io.devices[i];
		if (device->kind->resume != NULL)
			device->kind->resume(device->state, &device->transport);
	}
	if (!vm->io.quiesced)
		return;
	vm->io.quiesced = false;
	vm_io_kick(&vm->io);
	(void)vm_io_start(&vm->io);	/* it says why it could not */
}
