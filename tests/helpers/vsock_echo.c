/* A vsock peer for the e2e tests, the same static program on the host and
 * in the guest.
 *   vsock-echo listen PORT          accept one connection, read a line,
 *                                   answer "echo:LINE", print what came
 *   vsock-echo connect CID PORT MSG send MSG, print the answer */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vm_sockets.h>	/* after sys/socket.h: it needs sockaddr */

static ssize_t
read_line(int fd, char *buffer, size_t size)
{
	size_t used = 0;
	ssize_t got;

	while (used + 1 < size) {
		got = read(fd, buffer + used, size - 1 - used);
		if (got <= 0)
			break;
		used += (size_t)got;
		if (memchr(buffer, '\n', used) != NULL)
			break;
	}
	buffer[used] = '\0';
	buffer[strcspn(buffer, "\n")] = '\0';
	return (ssize_t)used;
}

static int
do_listen(unsigned int port)
{
	struct sockaddr_vm address = { .svm_family = AF_VSOCK,
	    .svm_cid = VMADDR_CID_ANY, .svm_port = port };
	struct sockaddr_vm peer;
	socklen_t peer_size = sizeof(peer);
	char line[4096], answer[4200];
	int fd, client;

	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0 ||
	    listen(fd, 1) < 0) {
		perror("vsock-echo: listen");
		return 1;
	}
	printf("listening on port %u\n", port);
	fflush(stdout);
	client = accept(fd, (struct sockaddr *)&peer, &peer_size);
	if (client < 0) {
		perror("vsock-echo: accept");
		return 1;
	}
	read_line(client, line, sizeof(line));
	snprintf(answer, sizeof(answer), "echo:%s\n", line);
	if (write(client, answer, strlen(answer)) < 0)
		perror("vsock-echo: write");
	printf("got=%s from_cid=%u\n", line, peer.svm_cid);
	close(client);
	close(fd);
	return 0;
}

static int
do_connect(unsigned int cid, unsigned int port, const char *message)
{
	struct sockaddr_vm address = { .svm_family = AF_VSOCK,
	    .svm_cid = cid, .svm_port = port };
	char line[4096];
	int fd;

	fd = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address,
	    sizeof(address)) < 0) {
		printf("connect-error=%s\n", strerror(errno));
		return 1;
	}
	if (write(fd, message, strlen(message)) < 0 || write(fd, "\n", 1) < 0) {
		printf("write-error=%s\n", strerror(errno));
		return 1;
	}
	read_line(fd, line, sizeof(line));
	printf("reply=%s\n", line);
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "listen") == 0)
		return do_listen((unsigned int)strtoul(argv[2], NULL, 10));
	if (argc == 5 && strcmp(argv[1], "connect") == 0)
		return do_connect((unsigned int)strtoul(argv[2], NULL, 10),
		    (unsigned int)strtoul(argv[3], NULL, 10), argv[4]);
	fprintf(stderr, "usage: vsock-echo listen PORT | connect CID PORT MSG\n");
	return 2;
}
