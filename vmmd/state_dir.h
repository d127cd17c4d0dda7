/* Each VM's record in the daemon's state directory, for a daemon started
 * after one that died (state_dir.c). */
#ifndef VMMD_STATE_DIR_H
#define VMMD_STATE_DIR_H

#include <stdint.h>
#include <sys/types.h>

#include "../api/vm_spec.h"
#include "vm_state.h"

#define STATE_OUTCOME_MAX	32
#define STATE_DETAIL_MAX	256

struct state_record {
	struct api_vm_spec spec;
	enum vm_state state;
	uid_t owner;			/* the creating client's uid */
	pid_t pid;			/* 0: no process */
	uint64_t start_time;		/* the process's: pid reuse shows */
	int64_t started_at;		/* its guest's, wall-clock s; 0: none */
	char outcome[STATE_OUTCOME_MAX];	/* the last run's, "" for none */
	char detail[STATE_DETAIL_MAX];
};

int state_dir_lock(const char *dir);
typedef void state_record_fn(const struct state_record *record, void *context);
int state_record_write(const char *dir, const struct state_record *record);
void state_record_remove(const char *dir, const char *name);
int state_record_parse(const char *text, size_t length,
    const struct api_vm_limits *limits, struct state_record *record,
    char *error, size_t error_size);
int state_records_load(const char *dir, const struct api_vm_limits *limits,
    state_record_fn *fn, void *context);

/* NAME.pid: a VM process's pid and start time, the daemon's own two
 * numbers, so that a record that cannot be read still names its process. */
int state_pid_write(const char *dir, const char *name, pid_t pid,
    uint64_t start_time);
void state_pid_remove(const char *dir, const char *name);
typedef void state_pid_fn(const char *name, pid_t pid, uint64_t start_time,
    void *context);
/* Calls fn for each pid file, then removes it. */
int state_pids_load(const char *dir, state_pid_fn *fn, void *context);

#endif
