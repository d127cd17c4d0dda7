/* The Prometheus text exposition (metrics.h): one table of families, each
 * written whole (HELP, TYPE, then its samples for the daemon or for every
 * VM), so that a name is one family and appears once. A VM's figures are
 * read from its info: the live counters when it runs, else its last run's. */
#include "metrics.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define LABELS_MAX	4

struct label {
	const char *name, *value;
};

/* Label values escape \\, " and newline; HELP text only \\ and newline. */
static void
escape(FILE *out, const char *text, bool quote)
{
	for (; *text != '\0'; text++)
		if (*text == '\\')
			fputs("\\\\", out);
		else if (*text == '"' && quote)
			fputs("\\\"", out);
		else if (*text == '\n')
			fputs("\\n", out);
		else
			fputc(*text, out);
}

void
api_metrics_label_escape(FILE *out, const char *value)
{
	escape(out, value, true);
}

/* labels: up to LABELS_MAX, ended by a NULL name. */
static void
sample(FILE *out, const char *name, const struct label *labels,
    const char *value)
{
	unsigned int i;

	fputs(name, out);
	for (i = 0; i < LABELS_MAX && labels[i].name != NULL; i++) {
		fprintf(out, "%s%s=\"", i == 0 ? "{" : ",", labels[i].name);
		api_metrics_label_escape(out, labels[i].value);
		fputc('"', out);
	}
	fprintf(out, "%s %s\n", i > 0 ? "}" : "", value);
}

static void
sample_u64(FILE *out, const char *name, const struct label *labels,
    uint64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "%" PRIu64, value);
	sample(out, name, labels, text);
}

/* A JSON count: a non-negative integer, else nothing (never a guess). */
static int
count_of(const json_t *value, uint64_t *count)
{
	if (!json_is_integer(value) || json_integer_value(value) < 0)
		return -1;
	*count = (uint64_t)json_integer_value(value);
	return 0;
}

static const char *
string_of(const json_t *object, const char *key)
{
	const char *value = json_string_value(json_object_get(object, key));

	return value != NULL ? value : "";
}

static const char *
vm_name(const struct api_metrics_vm *vm)
{
	return string_of(vm->info, "name");
}

/* The live counters, or the last run's figures of a VM that has ended. */
static const json_t *
vm_figures(const struct api_metrics_vm *vm)
{
	const json_t *counters = json_object_get(vm->info, "counters");

	return json_is_object(counters) ? counters :
	    json_object_get(vm->info, "last_run");
}

static const json_t *
vm_forward_map(const struct api_metrics_vm *vm)
{
	return json_object_get(vm_figures(vm), "forward_map");
}

static void
daemon_uptime(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon)
{
	const struct label none[] = { { NULL, NULL } };
	char text[32];

	snprintf(text, sizeof(text), "%.3f", daemon->uptime_seconds);
	sample(out, family->name, none, text);
}

/* A count of the daemon's own, named by the family's member. */
static void
daemon_count(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon)
{
	const struct label none[] = { { NULL, NULL } };
	uint64_t value = strcmp(family->member, "clients") == 0 ?
	    daemon->clients : strcmp(family->member, "vms") == 0 ?
	    daemon->vms : daemon->requests;

	sample_u64(out, family->name, none, value);
}

static void
daemon_errors(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon)
{
	struct label labels[] = { { "class", NULL }, { NULL, NULL } };
	unsigned int class;

	for (class = 0; class < API_ERROR_CLASS_COUNT; class++) {
		labels[0].value = api_error_class_name(class);
		sample_u64(out, family->name, labels, daemon->errors[class]);
	}
}

/* One sample per state: 1 for the state the VM is in. */
static void
vm_state(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	struct label labels[] = { { "vm", vm_name(vm) }, { "state", NULL },
	    { NULL, NULL } };
	size_t state;

	for (state = 0; state < daemon->state_count; state++) {
		labels[1].value = daemon->states[state];
		sample_u64(out, family->name, labels, strcmp(string_of(vm->info,
		    "state"), daemon->states[state]) == 0);
	}
}

/* A member of the VM's config, times member's unit (vcpus, memory_mib). */
static void
vm_config(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	const struct label labels[] = { { "vm", vm_name(vm) }, { NULL, NULL } };
	uint64_t unit = strcmp(family->member, "memory_mib") == 0 ? 1 << 20 : 1;
	uint64_t value;

	(void)daemon;
	if (count_of(json_object_get(json_object_get(vm->info, "config"),
	    family->member), &value) == 0)
		sample_u64(out, family->name, labels, value * unit);
}

static void
vm_resident(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	const struct label labels[] = { { "vm", vm_name(vm) }, { NULL, NULL } };

	(void)daemon;
	if (vm->resident_bytes != 0)
		sample_u64(out, family->name, labels, vm->resident_bytes);
}

/* A count at the top of the VM's figures (console_log_dropped, ...). */
static void
vm_figure(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	const struct label labels[] = { { "vm", vm_name(vm) }, { NULL, NULL } };
	uint64_t value;

	(void)daemon;
	if (count_of(json_object_get(vm_figures(vm), family->member),
	    &value) == 0)
		sample_u64(out, family->name, labels, value);
}

/* The exits of one kind: its entries' hits and those no entry covered. */
static uint64_t
exits_of_kind(const json_t *map, const char *kind)
{
	const json_t *entry;
	uint64_t total = 0, n;
	size_t i;

	json_array_foreach(json_object_get(map, "entries"), i, entry)
		if (strcmp(string_of(entry, "kind"), kind) == 0 &&
		    count_of(json_object_get(entry, "hits"), &n) == 0)
			total += n;
	if (count_of(json_object_get(json_object_get(map, "unmapped"), kind),
	    &n) == 0)
		total += n;
	return total;
}

/* By kind, the kinds being the unmapped object's keys (every kind the map
 * has): all the exits of the kind (member "exits") or the unmapped ones. */
static void
vm_exits(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	struct label labels[] = { { "vm", vm_name(vm) }, { "kind", NULL },
	    { NULL, NULL } };
	const json_t *map = vm_forward_map(vm), *value;
	const char *kind;
	uint64_t n;

	(void)daemon;
	json_object_foreach((json_t *)json_object_get(map, "unmapped"), kind,
	    value) {
		labels[1].value = kind;
		if (strcmp(family->member, "exits") == 0)
			sample_u64(out, family->name, labels,
			    exits_of_kind(map, kind));
		else if (count_of(value, &n) == 0)
			sample_u64(out, family->name, labels, n);
	}
}

/* Entries are told apart by name and base: two may share a name. */
static void
vm_hits(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	struct label labels[] = { { "vm", vm_name(vm) }, { "entry", NULL },
	    { "kind", NULL }, { "base", NULL } };
	const json_t *entry;
	uint64_t hits;
	size_t i;

	(void)daemon;
	json_array_foreach(json_object_get(vm_forward_map(vm), "entries"), i,
	    entry)
		if (count_of(json_object_get(entry, "hits"), &hits) == 0) {
			labels[1].value = string_of(entry, "name");
			labels[2].value = string_of(entry, "kind");
			labels[3].value = string_of(entry, "base");
			sample_u64(out, family->name, labels, hits);
		}
}

/* Each virtio device: a transport count (member), needs_reset (0/1), or
 * with member NULL every one of the kind's own counters by name. */
static void
vm_virtio(FILE *out, const struct api_metrics_family *family,
    const struct api_metrics_daemon *daemon, const struct api_metrics_vm *vm)
{
	struct label labels[] = { { "vm", vm_name(vm) }, { "device", NULL },
	    { "kind", NULL }, { "stat", NULL } };
	const json_t *device, *value;
	const char *stat;
	uint64_t n;
	size_t i;

	(void)daemon;
	labels[3].name = family->member == NULL ? "stat" : NULL;
	json_array_foreach(json_object_get(vm_figures(vm), "devices"), i,
	    device) {
		labels[1].value = string_of(device, "name");
		labels[2].value = string_of(device, "kind");
		value = family->member != NULL ?
		    json_object_get(device, family->member) : NULL;
		if (json_is_boolean(value))
			sample_u64(out, family->name, labels, json_is_true(value));
		else if (count_of(value, &n) == 0)
			sample_u64(out, family->name, labels, n);
		if (family->member != NULL)
			continue;
		json_object_foreach(json_object_get(device, "counters"), stat,
		    value)
			if (count_of(value, &n) == 0) {
				labels[3].value = stat;
				sample_u64(out, family->name, labels, n);
			}
	}
}

#define DAEMON(name, type, help, write, member)				\
	{ name, type, help, write, NULL, member }
#define VM(name, type, help, write, member)				\
	{ name, type, help, NULL, write, member }
#define VIRTIO(member, help)						\
	VM("vmmd_vm_virtio_" member "_total", "counter", help, vm_virtio, member)

/* In the order they are written; docs/protocol.md lists every one. */
const struct api_metrics_family api_metrics_families[] = {
	DAEMON("vmmd_uptime_seconds", "gauge", "Seconds since the daemon "
	    "started.", daemon_uptime, NULL),
	DAEMON("vmmd_clients", "gauge", "Clients connected to the control "
	    "socket.", daemon_count, "clients"),
	DAEMON("vmmd_requests_total", "counter", "Requests read from clients.",
	    daemon_count, "requests"),
	DAEMON("vmmd_request_errors_total", "counter", "Error replies, by error "
	    "class.", daemon_errors, NULL),
	DAEMON("vmmd_vms", "gauge", "VMs the daemon holds, in any state.",
	    daemon_count, "vms"),
	VM("vmmd_vm_state", "gauge", "1 for the state the VM is in, 0 for the "
	    "others.", vm_state, NULL),
	VM("vmmd_vm_vcpus", "gauge", "The VM's vCPUs.", vm_config, "vcpus"),
	VM("vmmd_vm_memory_bytes", "gauge", "The VM's guest memory.", vm_config,
	    "memory_mib"),
	VM("vmmd_vm_process_resident_memory_bytes", "gauge", "Resident memory "
	    "of the VM's process, guest memory included.", vm_resident, NULL),
	VM("vmmd_vm_exits_total", "counter", "vCPU exits dispatched through the "
	    "forward map, by kind.", vm_exits, "exits"),
	VM("vmmd_vm_forward_map_hits_total", "counter", "vCPU exits each entry "
	    "of the forward map served.", vm_hits, NULL),
	VM("vmmd_vm_forward_map_unmapped_total", "counter", "vCPU exits no "
	    "entry of the forward map covered, by kind.", vm_exits, "unmapped"),
	VIRTIO("notifies", "Queue notifications the device received."),
	VIRTIO("mmio_notifies", "Queue notifications that came as MMIO exits."),
	VIRTIO("interrupts", "Interrupts the device raised."),
	VIRTIO("chains", "Descriptor chains the device served."),
	VIRTIO("resets", "Resets of the device by the guest."),
	VIRTIO("needs_reset_events", "Times the device entered NEEDS_RESET."),
	VM("vmmd_vm_virtio_needs_reset", "gauge", "1 while the device needs a "
	    "reset.", vm_virtio, "needs_reset"),
	VM("vmmd_vm_virtio_device_stat", "untyped", "A device kind's own "
	    "counters, by name (docs/devices.md).", vm_virtio, NULL),
	VM("vmmd_vm_console_log_dropped_bytes_total", "counter", "Console bytes "
	    "that the console log could not take.", vm_figure,
	    "console_log_dropped"),
};
const size_t api_metrics_family_count = sizeof(api_metrics_families) /
    sizeof(api_metrics_families[0]);

char *
api_metrics_render(const struct api_metrics_daemon *daemon,
    const struct api_metrics_vm *vms, size_t count)
{
	const struct api_metrics_family *family;
	char *text = NULL;
	size_t length = 0, i;
	FILE *out = open_memstream(&text, &length);

	if (out == NULL)
		return NULL;
	for (family = api_metrics_families; family < api_metrics_families +
	    api_metrics_family_count; family++) {
		fprintf(out, "# HELP %s ", family->name);
		escape(out, family->help, false);
		fprintf(out, "\n# TYPE %s %s\n", family->name, family->type);
		if (family->write_daemon != NULL)
			family->write_daemon(out, family, daemon);
		for (i = 0; family->write_vm != NULL && i < count; i++)
			family->write_vm(out, family, daemon, &vms[i]);
	}
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
