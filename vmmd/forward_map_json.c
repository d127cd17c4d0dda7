/* Renders a VM's forward map with its counters:
 * {"kvm_filter":true, "entries":[{"name":..., "kind":..., "base":"0x...",
 *  "size":"0x...", "action":..., "hits":N}, ...],
 *  "unmapped":{"mmio":N, "hypercall":N, "system-event":N, "exit":N},
 *  "unmapped_mmio_policy":"ignore",
 *  "unmapped_addresses":[{"address":"0x...", "accesses":N}, ...]} */
#include "forward_map_json.h"

#include <inttypes.h>
#include <stdio.h>

static json_t *
hex_string(uint64_t value)
{
	char text[19];

	snprintf(text, sizeof(text), "0x%" PRIx64, value);
	return json_string(text);
}

static json_t *
entry_json(const struct forward_entry *entry, uint64_t hits)
{
	return json_pack("{s:s, s:s, s:o, s:o, s:s, s:I}",
	    "name", entry->name,
	    "kind", forward_kind_name(entry->kind),
	    "base", hex_string(entry->base),
	    "size", hex_string(entry->size),
	    "action", forward_action_name(entry->action),
	    "hits", (json_int_t)hits);
}

/* The first unmapped MMIO addresses accessed, as counted per address. */
static json_t *
unmapped_addresses_json(const struct forward_counters *counters)
{
	const struct forward_address_count *slot;
	json_t *addresses = json_array();
	unsigned int i;

	for (i = 0; addresses != NULL && i < FORWARD_UNMAPPED_ADDRESSES; i++) {
		slot = &counters->unmapped_mmio[i];
		if (slot->accesses != 0 && json_array_append_new(addresses,
		    json_pack("{s:o, s:I}", "address", hex_string(slot->address),
		    "accesses", (json_int_t)slot->accesses)) < 0) {
			json_decref(addresses);
			return NULL;
		}
	}
	return addresses;
}

json_t *
forward_map_json(const struct forward_map *map,
    const struct forward_counters *counters)
{
	json_t *entries, *unmapped, *addresses;
	unsigned int i;

	entries = json_array();
	unmapped = json_object();
	addresses = unmapped_addresses_json(counters);
	if (entries == NULL || unmapped == NULL || addresses == NULL)
		goto fail;
	for (i = 0; i < map->count && i < FORWARD_MAP_MAX; i++)
		if (json_array_append_new(entries, entry_json(&map->entries[i],
		    counters->hits[i])) < 0)
			goto fail;
	for (i = 0; i < FORWARD_KIND_COUNT; i++)
		if (json_object_set_new(unmapped, forward_kind_name(i),
		    json_integer((json_int_t)counters->unmapped[i])) < 0)
			goto fail;
	return json_pack("{s:b, s:o, s:o, s:s, s:o}", "kvm_filter",
	    map->kvm_filter, "entries", entries, "unmapped", unmapped,
	    "unmapped_mmio_policy", forward_unmapped_name(map->unmapped_mmio),
	    "unmapped_addresses", addresses);
fail:
	json_decref(entries);
	json_decref(unmapped);
	json_decref(addresses);
	return NULL;
}
