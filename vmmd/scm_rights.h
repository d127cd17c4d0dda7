/* Fds attached to a message (SCM_RIGHTS), built once for every sender:
 * the spec to a VM process (vm_channel.c), FDSTORE=1 to the service
 * manager (sd_daemon.c). */
#ifndef VMMD_SCM_RIGHTS_H
#define VMMD_SCM_RIGHTS_H

#include <sys/socket.h>

/* Room for count fds in a message's control data. */
#define SCM_RIGHTS_SPACE(count)	CMSG_SPACE(sizeof(int) * (count))

/* Attaches fds[0..count) to message, in buffer (SCM_RIGHTS_SPACE(count)
 * bytes at least, aligned for a cmsghdr); nothing when count is 0. */
void scm_rights_attach(struct msghdr *message, void *buffer, const int *fds,
    unsigned int count);

#endif
