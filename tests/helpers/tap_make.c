/* Makes a persistent tap owned by a user, as an operator does with
 * `ip tuntap add dev NAME mode tap user UID` (the hosts' busybox has no
 * tuntap, and its tunctl no owner): that user may then open it.
 * Usage: tap-make NAME UID */
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
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: tap-make NAME UID\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("tap-make: /dev/net/tun");
		return 1;
	}
	memset(&request, 0, sizeof(request));
	request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	strncpy(request.ifr_name, argv[1], IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &request) < 0 ||
	    ioctl(fd, TUNSETOWNER, (unsigned long)strtoul(argv[2], NULL, 10)) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		perror("tap-make: TUNSETIFF, TUNSETOWNER or TUNSETPERSIST");
		return 1;
	}
	close(fd);
	return 0;
}
