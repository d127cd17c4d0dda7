/* systemd's two small daemon protocols, without libsystemd: readiness and
 * status datagrams to $NOTIFY_SOCKET, and sockets passed by socket
 * activation ($LISTEN_FDS from fd 3 on). docs/building.md says why. */
#ifndef VMMD_SD_DAEMON_H
#define VMMD_SD_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

#define SD_DAEMON_LISTEN_FDS_START	3

/* Sends STATE ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET (a path, or an
 * abstract name written @name). 0: no $NOTIFY_SOCKET; 1: sent; or a
 * negative errno. */
int sd_daemon_notify(const char *state);

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

#endif
