/* SCM_RIGHTS control data (scm_rights.h). */
#include <string.h>

#include "scm_rights.h"

void
scm_rights_attach(struct msghdr *message, void *buffer, const int *fds,
    unsigned int count)
{
	struct cmsghdr *header;

	if (count == 0)
		return;
	memset(buffer, 0, SCM_RIGHTS_SPACE(count));
	message->msg_control = buffer;
	message->msg_controllen = SCM_RIGHTS_SPACE(count);
	header = CMSG_FIRSTHDR(message);
	header->cmsg_level = SOL_SOCKET;
	header->cmsg_type = SCM_RIGHTS;
	header->cmsg_len = CMSG_LEN(sizeof(int) * count);
	memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
}
