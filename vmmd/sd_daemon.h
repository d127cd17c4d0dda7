/* systemd's small daemon protocols, without libsystemd: readiness and
 * status datagrams to $NOTIFY_SOCKET, sockets passed by socket activation
 * ($LISTEN_FDS from fd 3 on), and the journal's native datagrams (entries
 * with fields of their own). docs/building.md says why. */
#ifndef VMMD_SD_DAEMON_H
#define VMMD_SD_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SD_DAEMON_LISTEN_FDS_START	3

/* Sends STATE ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET (a path, or an
 * abstract name written @name). 0: no $NOTIFY_SOCKET; 1: sent; or a
 * negative errno (-EAGAIN: the manager's queue stayed full for
 * SD_DAEMON_NOTIFY_WAIT_MS; the daemon never waits longer). */
#define SD_DAEMON_NOTIFY_WAIT_MS	1000
int sd_daemon_notify(const char *state);

/* The same with fds attached (SCM_RIGHTS), for FDSTORE=1: the service
 * manager keeps them for the next start of the service (sd_notify(3),
 * FileDescriptorStoreMax= in the unit). */
#define SD_DAEMON_NOTIFY_FDS_MAX	16
int sd_daemon_notify_fds(const char *state, const int *fds,
    unsigned int count);

/* The name of passed fd number index (from 0, fd 3 + index) in NAMES, the
 * value of $LISTEN_FDNAMES (colon-separated): 0 with it in name, -ENOENT
 * when there is none, -ENAMETOOLONG when it does not fit. */
int sd_daemon_listen_name(const char *names, unsigned int index, char *name,
    size_t size);

/* The number of sockets passed for this process (LISTEN_PID and LISTEN_FDS
 * as given, self its pid): 0 when they are not for it, -EINVAL when
 * malformed. */
int sd_daemon_listen_fds_parse(const char *listen_pid, const char *listen_fds,
    pid_t self);

/* The sockets passed to this process, from fd 3 on, made close-on-exec;
 * with unset, the LISTEN_* variables are removed so that children do not
 * see them. The count, or a negative errno. */
int sd_daemon_listen_fds(bool unset);

/* The first passed fd that is a listening AF_UNIX stream socket: the fd, or
 * -ENOENT when there is none, or a negative errno. */
int sd_daemon_listen_unix(int count);

/* Whether stderr is the journal's stream ($JOURNAL_STREAM names its device
 * and inode): then structured entries may go to the journal instead. */
bool sd_daemon_stderr_is_journal(void);

/* Sends one journal entry of FIELDS ("KEY=value", no newline in a value)
 * to the journal's native socket at PATH: 0, or a negative errno. */
int sd_daemon_journal_send(const char *path, const char *const *fields,
    size_t count);

#define SD_DAEMON_JOURNAL_SOCKET	"/run/systemd/journal/socket"

#endif
