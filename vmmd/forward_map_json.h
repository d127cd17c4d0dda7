/* The trap forward map and its per-entry hit counters as JSON, for
 * `vmmd run --json`. */
#ifndef VMMD_FORWARD_MAP_JSON_H
#define VMMD_FORWARD_MAP_JSON_H

#include <jansson.h>

#include "../core/forward_map.h"

json_t *forward_map_json(const struct forward_map *map,
    const struct forward_counters *counters);

#endif
