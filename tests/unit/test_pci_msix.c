/* MSI-X routes: when a function's owner is told a vector's message (a
 * table write, an unmask, the enable; never for a masked vector, and
 * before a pending message goes out), and the VM's GSI routing table
 * (SPI routes as arm64's default, one GSI per device and vector, a
 * changed message the same GSI, full). */
#include <errno.h>
#include <string.h>

#include "../../core/irq_routes.h"
#include "../../core/pci.h"
#include "suites.h"

#define WINDOW64	0x8000000000ull
#define TABLE		(WINDOW64 + 0x4000)
#define PBA		(WINDOW64 + 0x5000)
#define CONTROL		(0x40 + 2)	/* MSI-X is the first capability */

static struct pci_host host;
static struct pci_function function;
/* What the owner was told, in order: 'r' route, 's' send. */
static char events[64];
static unsigned int event_count;
static uint16_t last_vector;
static uint64_t last_address;
static uint32_t last_data;

static void
note(char kind, uint16_t vector, uint64_t address, uint32_t data)
{
	ck_assert_uint_lt(event_count, sizeof(events) - 1);
	events[event_count++] = kind;
	last_vector = vector;
	last_address = address;
	last_data = data;
}

static int
fake_bar(void *context, unsigned int bar, struct mmio_access *access)
{
	(void)context;
	(void)bar;
	(void)access;
	return 0;
}

static void
fake_msi(void *context, uint16_t vector, uint64_t address, uint32_t data)
{
	(void)context;
	note('s', vector, address, data);
}

static void
fake_route(void *context, uint16_t vector, uint64_t address, uint32_t data)
{
	(void)context;
	note('r', vector, address, data);
}

static const struct pci_function_ops fake_ops = {
	.bar_access = fake_bar, .msi = fake_msi, .msi_route = fake_route,
};

static void
setup(void)
{
	const uint64_t bases[] = { 0x10000000, WINDOW64 };
	const uint64_t sizes[] = { 0x10000000, 0x10000000 };
	const struct pci_function_id id = { .vendor = 0x1af4,
	    .device = 0x1042, .revision = 1 };
	uint16_t command = PCI_COMMAND_MEMORY;
	struct mmio_access access = { 1 << 15 | PCI_COMMAND,
	    (uint8_t *)&command, 2, true };

	memset(events, 0, sizeof(events));
	event_count = 0;
	pci_host_init(&host, bases, sizes);
	pci_function_init(&function, &id, &fake_ops, NULL);
	ck_assert_int_eq(pci_function_add_bar(&function, 0, 0x8000), 0);
	ck_assert_int_eq(pci_function_add_msix(&function, 4, 0, 0x4000,
	    0x5000), 0);
	ck_assert_int_eq(pci_host_add(&host, &function, 1), 0);
	ck_assert_int_eq(pci_host_config_access(&host, &access), 0);
}

static void
teardown(void)
{
	pci_host_destroy(&host);
}

static void
window_write(uint64_t address, uint32_t value)
{
	struct mmio_access access = { address - WINDOW64, (uint8_t *)&value,
	    4, true };

	ck_assert_int_eq(pci_window_access(&host.windows[1], &access), 0);
}

static uint32_t
window_read(uint64_t address)
{
	uint32_t value = 0;
	struct mmio_access access = { address - WINDOW64, (uint8_t *)&value,
	    4, false };

	ck_assert_int_eq(pci_window_access(&host.windows[1], &access), 0);
	return value;
}

static void
control_write(uint16_t value)
{
	struct mmio_access access = { 1 << 15 | CONTROL, (uint8_t *)&value, 2,
	    true };

	ck_assert_int_eq(pci_host_config_access(&host, &access), 0);
}

static void
entry_write(unsigned int vector, uint32_t address, uint32_t data)
{
	window_write(TABLE + 16 * vector, address);
	window_write(TABLE + 16 * vector + 4, 0);
	window_write(TABLE + 16 * vector + 8, data);
}

/* Linux's order: the message written masked, the function enabled, the
 * vector unmasked at request_irq: one route, made at the unmask. */
START_TEST(test_route_at_unmask)
{
	entry_write(1, 0x08090040, 0x21);
	control_write(0x8000);
	ck_assert_str_eq(events, "");
	window_write(TABLE + 16 + 12, 0);
	ck_assert_str_eq(events, "r");
	ck_assert_uint_eq(last_vector, 1);
	ck_assert_uint_eq(last_address, 0x08090040);
	ck_assert_uint_eq(last_data, 0x21);
	pci_function_msix_fire(&function, 1);
	ck_assert_str_eq(events, "rs");
	/* a live vector's new message is routed as each dword lands */
	window_write(TABLE + 16 + 8, 0x22);
	ck_assert_str_eq(events, "rsr");
	ck_assert_uint_eq(last_data, 0x22);
}
END_TEST

/* A vector fired masked is pending; its route is made before the
 * message goes out, whichever mask is cleared. */
START_TEST(test_pending_routed_first)
{
	control_write(0x8000);
	entry_write(2, 0x08090040, 0x31);
	ck_assert_str_eq(events, "");
	pci_function_msix_fire(&function, 2);
	ck_assert_uint_eq(window_read(PBA), 1u << 2);
	window_write(TABLE + 32 + 12, 0);
	ck_assert_str_eq(events, "rs");
	ck_assert_uint_eq(window_read(PBA), 0);
	/* the function mask: no route made under it, both on clearing it */
	control_write(0xc000);
	pci_function_msix_fire(&function, 2);
	window_write(TABLE + 32 + 8, 0x32);
	ck_assert_str_eq(events, "rs");
	ck_assert_uint_eq(window_read(PBA), 1u << 2);
	control_write(0x8000);
	ck_assert_str_eq(events, "rsrs");
	ck_assert_uint_eq(last_data, 0x32);
	/* MSI-X off: nothing is routed, the vector's writes wait */
	control_write(0);
	window_write(TABLE + 32 + 8, 0x33);
	ck_assert_str_eq(events, "rsrs");
}
END_TEST

/* A restore writes the table and then the control: the unmasked vectors
 * are routed at the enable, the masked one is not. */
START_TEST(test_route_at_enable)
{
	entry_write(0, 0x08090040, 0x10);
	window_write(TABLE + 12, 0);
	entry_write(3, 0x08090040, 0x13);
	window_write(TABLE + 48 + 12, 0);
	ck_assert_str_eq(events, "");
	control_write(0x8000);
	ck_assert_str_eq(events, "rr");
	ck_assert_uint_eq(last_vector, 3);
	ck_assert_uint_eq(last_data, 0x13);
}
END_TEST

START_TEST(test_table_spis)
{
	struct irq_routes table;

	irq_routes_init(&table);
	ck_assert_int_eq(irq_routes_add_spi(&table, 35), 0);
	ck_assert_int_eq(irq_routes_add_spi(&table, 35), 0);
	ck_assert_int_eq(irq_routes_add_spi(&table, 36), 0);
	ck_assert_uint_eq(table.count, 2);
	ck_assert(!table.routes[0].msi);
	ck_assert_uint_eq(table.routes[0].gsi, 35);	/* as arm64's default */
	ck_assert_uint_eq(table.routes[0].pin, 35);
	ck_assert_int_eq(irq_routes_add_spi(&table, IRQ_ROUTES_MSI_GSI_BASE),
	    -EINVAL);
}
END_TEST

START_TEST(test_table_msis)
{
	const struct kvm_gsi_route first = { .msi = true,
	    .address = 0x08090040, .data = 1, .devid = 8 };
	struct kvm_gsi_route moved = first;
	struct irq_routes table;
	uint32_t gsi, other, again;

	irq_routes_init(&table);
	ck_assert_int_eq(irq_routes_add_spi(&table, 35), 0);
	ck_assert_int_eq(irq_routes_set_msi(&table, 0, 1, &first, &gsi), 1);
	ck_assert_uint_eq(gsi, IRQ_ROUTES_MSI_GSI_BASE);
	ck_assert_int_eq(irq_routes_set_msi(&table, 0, 1, &first, &again), 0);
	ck_assert_uint_eq(again, gsi);
	/* one GSI per device and vector */
	ck_assert_int_eq(irq_routes_set_msi(&table, 0, 2, &first, &other), 1);
	ck_assert_uint_ne(other, gsi);
	ck_assert_int_eq(irq_routes_set_msi(&table, 1, 1, &first, &other), 1);
	ck_assert_uint_eq(other, IRQ_ROUTES_MSI_GSI_BASE + 2);
	/* a new message keeps the vector's GSI (its irqfd stays bound) */
	moved.data = 7;
	ck_assert_int_eq(irq_routes_set_msi(&table, 0, 1, &moved, &again), 1);
	ck_assert_uint_eq(again, gsi);
	moved.devid = 16;
	ck_assert_int_eq(irq_routes_set_msi(&table, 0, 1, &moved, &again), 1);
	ck_assert_uint_eq(table.count, 4);	/* the SPI stays */
	ck_assert(!table.routes[0].msi);
	ck_assert(table.routes[1].msi);
	ck_assert_uint_eq(table.routes[1].data, 7);
	ck_assert_uint_eq(table.routes[1].devid, 16);
	ck_assert_uint_eq(table.routes[1].address, 0x08090040);
}
END_TEST

START_TEST(test_table_full)
{
	const struct kvm_gsi_route message = { .msi = true, .data = 1 };
	struct irq_routes table;
	unsigned int i;
	uint32_t gsi;

	irq_routes_init(&table);
	for (i = 0; i < IRQ_ROUTES_MAX; i++)
		ck_assert_int_eq(irq_routes_set_msi(&table, i / 16,
		    (uint16_t)(i % 16), &message, &gsi), 1);
	ck_assert_int_eq(irq_routes_set_msi(&table, 99, 0, &message, &gsi),
	    -ENOSPC);
	ck_assert_int_eq(irq_routes_add_spi(&table, 40), -ENOSPC);
	/* what is there can still change */
	ck_assert_int_eq(irq_routes_set_msi(&table, 0, 0, &message, &gsi), 0);
}
END_TEST

static Suite *
pci_msix_suite(void)
{
	Suite *suite = suite_create("pci_msix");
	TCase *routes = tcase_create("routes");
	TCase *table = tcase_create("table");

	tcase_add_checked_fixture(routes, setup, teardown);
	tcase_add_test(routes, test_route_at_unmask);
	tcase_add_test(routes, test_pending_routed_first);
	tcase_add_test(routes, test_route_at_enable);
	suite_add_tcase(suite, routes);
	tcase_add_test(table, test_table_spis);
	tcase_add_test(table, test_table_msis);
	tcase_add_test(table, test_table_full);
	suite_add_tcase(suite, table);
	return suite;
}

UNIT_SUITE(pci_msix_suite)
