/* query-metrics: one scrape of the daemon's figures and every VM's, the
 * live VMs' counters asked of their processes at once, answered with the
 * Prometheus text (api/metrics.h) once the last of them has answered. */
#ifndef VMMD_METRICS_SCRAPE_H
#define VMMD_METRICS_SCRAPE_H

#include "vm_commands.h"

#define METRICS_STATM_PATH	"/proc/%d/statm"

vm_command_fn metrics_scrape_start;

#endif
