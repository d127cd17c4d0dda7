/* The daemon's and its VMs' figures in the Prometheus text exposition
 * format (version 0.0.4), rendered from plain figures and each VM's info
 * (vm-info's JSON): no socket, no process, no clock. The families are a
 * table (metrics.c), documented one for one in docs/protocol.md. */
#ifndef VMMD_API_METRICS_H
#define VMMD_API_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "protocol.h"

#define API_METRICS_CONTENT_TYPE	"text/plain; version=0.0.4"

/* The daemon's own figures. */
struct api_metrics_daemon {
	double uptime_seconds;
	unsigned int clients;		/* connected now */
	unsigned int vms;
	uint64_t requests;		/* every request read, answered or not */
	uint64_t errors[API_ERROR_CLASS_COUNT];	/* error replies, by class */
	const char *const *states;	/* every state a VM can be in */
	size_t state_count;
};

/* One VM: its info as vm-info gives it (name, state, config, and counters
 * when live or last_run when it ran), and its process's resident memory
 * (0: no process, or it could not be read). */
struct api_metrics_vm {
	const json_t *info;
	uint64_t resident_bytes;
};

/* One family: its samples are the daemon's (write_daemon) or one VM's
 * each (write_vm, called for every VM in turn). */
struct api_metrics_family {
	const char *name;
	const char *type;		/* "counter", "gauge" or "untyped" */
	const char *help;
	void (*write_daemon)(FILE *out, const struct api_metrics_family *family,
	    const struct api_metrics_daemon *daemon);
	void (*write_vm)(FILE *out, const struct api_metrics_family *family,
	    const struct api_metrics_daemon *daemon,
	    const struct api_metrics_vm *vm);
	const char *member;		/* what the write takes, where it varies */
};

extern const struct api_metrics_family api_metrics_families[];
extern const size_t api_metrics_family_count;

/* The whole exposition, malloc'ed and NUL-ended; NULL when out of memory. */
char *api_metrics_render(const struct api_metrics_daemon *daemon,
    const struct api_metrics_vm *vms, size_t count);
/* A label value as the format wants it: \\, \" and \n. */
void api_metrics_label_escape(FILE *out, const char *value);

#endif
