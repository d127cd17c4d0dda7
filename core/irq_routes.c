/* The VM-wide GSI routing table. Once KVM_SET_GSI_ROUTING has been called,
 * only what it was given routes: arm64's default GSI n -> SPI n is gone,
 * so every SPI an irqfd injects must be in the table (irq_routes_add_spi,
 * where the irqfd is assigned). An MSI route's GSI stays its vector's for
 * the VM's life, so its irqfd is bound once. */
#include "irq_routes.h"

#include <errno.h>
#include <string.h>

#define MSI_OWNER(device, vector)	((uint32_t)(device) << 16 | (vector))

void
irq_routes_init(struct irq_routes *table)
{
	memset(table, 0, sizeof(*table));
	table->next_msi_gsi = IRQ_ROUTES_MSI_GSI_BASE;
}

/* The SPI's irqchip route, as arm64's default has it (GSI = pin = SPI
 * number); 0 if it was there already. */
int
irq_routes_add_spi(struct irq_routes *table, uint32_t spi)
{
	unsigned int i;

	if (spi >= IRQ_ROUTES_MSI_GSI_BASE)
		return -EINVAL;
	for (i = 0; i < table->count; i++)
		if (!table->routes[i].msi && table->routes[i].gsi == spi)
			return 0;
	if (table->count == IRQ_ROUTES_MAX)
		return -ENOSPC;
	table->routes[table->count++] = (struct kvm_gsi_route){
	    .gsi = spi, .pin = spi };
	return 0;
}

static int
find_msi(const struct irq_routes *table, uint32_t owner)
{
	unsigned int i;

	for (i = 0; i < table->count; i++)
		if (table->routes[i].msi && table->owners[i] == owner)
			return (int)i;
	return -ENOENT;
}

/* The vector's route carries message (address, data, devid): a new GSI
 * for a vector seen first. Returns 1 when the table changed (to be sent),
 * 0 when it already said so, -ENOSPC when it is full; *gsi is the
 * vector's. */
int
irq_routes_set_msi(struct irq_routes *table, unsigned int device,
    uint16_t vector, const struct kvm_gsi_route *message, uint32_t *gsi)
{
	uint32_t owner = MSI_OWNER(device, vector);
	struct kvm_gsi_route *route;
	int i = find_msi(table, owner);

	if (i < 0) {
		if (table->count == IRQ_ROUTES_MAX)
			return -ENOSPC;
		i = (int)table->count++;
		table->owners[i] = owner;
		table->routes[i] = (struct kvm_gsi_route){
		    .gsi = table->next_msi_gsi++, .msi = true };
	} else if (table->routes[i].address == message->address &&
	    table->routes[i].data == message->data &&
	    table->routes[i].devid == message->devid) {
		*gsi = table->routes[i].gsi;
		return 0;
	}
	route = &table->routes[i];
	route->address = message->address;
	route->data = message->data;
	route->devid = message->devid;
	*gsi = route->gsi;
	return 1;
}
