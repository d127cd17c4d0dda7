/* The daemon's configuration (config.c reads it from its file). A leaf:
 * the registry and the daemon both read it, neither owns the other. */
#ifndef VMMD_CONFIG_H
#define VMMD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image_policy.h"

#define DAEMON_PATH_MAX		512
#define DAEMON_USER_MAX		64
#define DAEMON_GROUPS_MAX	8

struct daemon_limits {
	size_t message_bytes;		/* one request line */
	size_t output_bytes;		/* queued for one client before it is dropped */
	unsigned int clients;
	unsigned int vms;
	unsigned int vcpus_per_vm;
	uint64_t memory_mib_per_vm;
	unsigned int vcpus_total;
	uint64_t memory_mib_total;
};

struct daemon_config {
	char socket_path[DAEMON_PATH_MAX];
	char state_dir[DAEMON_PATH_MAX];	/* console logs, VM records */
	char group[64];			/* its members may connect */
	bool allow_root;
	bool kvm;			/* false: no VM can start (tests) */
	char kvm_path[DAEMON_PATH_MAX];
	char vm_process[DAEMON_PATH_MAX];	/* "": vmmd itself (tests: a fake) */
	unsigned int stop_timeout_s;	/* for a guest to shut down when asked */
	char vm_user[DAEMON_USER_MAX];	/* VM processes run as it (root only) */
	bool test_hooks;		/* x- commands for the tests */
	/* under a service manager: VMs outlive the daemon's exit, crash or
	 * restart, their channels kept in its store (vm_handover.h) */
	bool keep_vms_on_restart;
	struct daemon_limits limits;
	struct image_policy images;	/* what a spec's paths may name */
	char config_path[DAEMON_PATH_MAX];	/* read again on SIGHUP */
};

void daemon_config_defaults(struct daemon_config *config);
int daemon_config_load(struct daemon_config *config, const char *path,
    char *error, size_t error_size);

#endif
