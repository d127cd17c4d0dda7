/* Opens tap NAME the way vmmd wants a handed one (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR), puts it at fd FD and runs COMMAND with it: how a
 * privileged parent hands vmmd a tap (`--net fd=FD`).
 * Usage: tap-exec NAME FD COMMAND [ARG...] */
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct ifreq request;
	int fd, target;

	if (argc < 4) {
		fprintf(stderr, "usage: tap-exec NAME FD COMMAND [ARG...]\n");
		return 2;
	}
	target = atoi(argv[2]);
	fd = open("/dev/net/tun", O_RDWR);
	if (fd < 0) {
		perror("tap-exec: /dev/net/tun");
		return 1;
	}
	memset(&request, 0, sizeof(request));
	request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(request.ifr_name, argv[1], IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &request) < 0) {
		perror("tap-exec: TUNSETIFF");
		return 1;
	}
	if (fd != target && (dup2(fd, target) < 0 || close(fd) < 0)) {
		perror("tap-exec: dup2");
		return 1;
	}
	execvp(argv[3], argv + 3);
	perror("tap-exec: exec");
	return 127;
}
