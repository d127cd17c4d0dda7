/* The control API's throughput and latency: requests per second, p50 and
 * p99 of info-class commands (vm-info of a defined VM, query-version) with
 * 1, 16 and 64 clients at once, each on its own connection with one
 * request in flight, against a daemon without KVM. Figures, never
 * verdicts. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../vmmd/daemon.h"

#define REQUESTS_PER_LEVEL	64000

/* One client: a connection with at most one request in flight. */
struct client_conn {
	int fd;
	unsigned int left;		/* requests still to send */
	uint64_t sent_ns;
	size_t have;
	char buffer[512];
};

static uint64_t
now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Reads up to and including one newline; the rest stays in *buffer. */
static int
read_line(int fd, char *buffer, size_t size, size_t *have)
{
	char *newline;
	ssize_t n;
	size_t used;

	for (;;) {
		newline = memchr(buffer, '\n', *have);
		if (newline != NULL) {
			used = (size_t)(newline - buffer) + 1;
			memmove(buffer, buffer + used, *have - used);
			*have -= used;
			return 0;
		}
		if (*have == size)
			return -1;
		n = read(fd, buffer + *have, size - *have);
		if (n <= 0)
			return -1;
		*have += (size_t)n;
	}
}

static int
connect_negotiated(const char *path, char *buffer, size_t size, size_t *have)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	const char *negotiate = "{\"execute\":\"qmp_capabilities\"}\n";
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0 ||
	    read_line(fd, buffer, size, have) < 0 ||
	    write(fd, negotiate, strlen(negotiate)) < 0 ||
	    read_line(fd, buffer, size, have) < 0)
		return -1;
	return fd;
}

static int
send_request(struct client_conn *conn, const char *request, size_t length)
{
	conn->sent_ns = now_ns();
	conn->left--;
	return write(conn->fd, request, length) == (ssize_t)length ? 0 : -1;
}

/* A reply (or more) arrived: one latency per complete line. */
static int
take_replies(struct client_conn *conn, uint64_t *latencies, size_t *done)
{
	ssize_t n = read(conn->fd, conn->buffer + conn->have,
	    sizeof(conn->buffer) - conn->have);
	char *newline;

	if (n <= 0)
		return -1;
	conn->have += (size_t)n;
	while ((newline = memchr(conn->buffer, '\n', conn->have)) != NULL) {
		latencies[(*done)++] = now_ns() - conn->sent_ns;
		conn->have -= (size_t)(newline - conn->buffer) + 1;
		memmove(conn->buffer, newline + 1, conn->have);
	}
	return conn->have == sizeof(conn->buffer) ? -1 : 0;
}

/* The clients are driven by one thread with epoll, as load generators
 * (wrk, memtier) do: each connection keeps one request in flight, and
 * the figures measure the daemon rather than 64 client threads' context
 * switches on two cores. */
static int
drive(struct client_conn *conns, unsigned int clients, const char *request,
    uint64_t *latencies, size_t total)
{
	size_t length = strlen(request), done = 0;
	struct epoll_event events[64];
	struct client_conn *conn;
	int epoll_fd = epoll_create1(0), n, i, rc = 0;
	unsigned int c;

	for (c = 0; c < clients && epoll_fd >= 0; c++) {
		events[0] = (struct epoll_event){ .events = EPOLLIN,
		    .data.ptr = &conns[c] };
		if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, conns[c].fd, &events[0]) < 0 ||
		    send_request(&conns[c], request, length) < 0)
			rc = -1;
	}
	while (rc == 0 && epoll_fd >= 0 && done < total) {
		n = epoll_wait(epoll_fd, events, 64, 10000);
		if (n <= 0)
			rc = -1;
		for (i = 0; i < n && rc == 0; i++) {
			conn = events[i].data.ptr;
			if (take_replies(conn, latencies, &done) < 0 ||
			    (conn->left > 0 &&
			    send_request(conn, request, length) < 0))
				rc = -1;
		}
	}
	if (epoll_fd >= 0)
		close(epoll_fd);
	return epoll_fd < 0 ? -1 : rc;
}

static int
compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int
level(const char *path, const char *name, const char *request,
    unsigned int clients)
{
	unsigned int per = REQUESTS_PER_LEVEL / clients, i;
	size_t total = (size_t)per * clients;
	struct client_conn *conns = calloc(clients, sizeof(*conns));
	uint64_t *latencies = calloc(total, sizeof(*latencies)), start, elapsed;
	int failed = 0;

	if (conns == NULL || latencies == NULL)
		return -1;
	for (i = 0; i < clients; i++) {
		conns[i].left = per;
		conns[i].fd = connect_negotiated(path, conns[i].buffer,
		    sizeof(conns[i].buffer), &conns[i].have);
		failed |= conns[i].fd < 0;
	}
	start = now_ns();
	if (!failed)
		failed = drive(conns, clients, request, latencies, total) < 0;
	elapsed = now_ns() - start;
	qsort(latencies, total, sizeof(*latencies), compare);
	printf("bench-api: %-13s clients=%-3u requests=%zu  %.0f req/s  p50=%.1f us"
	    "  p99=%.1f us%s\n", name, clients, total,
	    total / (elapsed / 1e9), latencies[total / 2] / 1e3,
	    latencies[(size_t)(total * 0.99)] / 1e3, failed ? "  (FAILURES)" : "");
	for (i = 0; i < clients; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	free(conns);
	free(latencies);
	return failed ? -1 : 0;
}

int
main(void)
{
	static const unsigned int levels[] = { 1, 16, 64 };
	struct daemon_config config;
	char directory[64], kernel[80], create[256], byte, buffer[8192];
	int fds[2], fd, rc = 0, status;
	size_t i, have = 0;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	daemon_config_defaults(&config);
	snprintf(directory, sizeof(directory), "/tmp/vmmd-bench-%d", (int)getpid());
	snprintf(config.socket_path, sizeof(config.socket_path), "%s/s", directory);
	snprintf(config.state_dir, sizeof(config.state_dir), "%s", directory);
	config.kvm = false;
	/* the VM's kernel: a file beneath the image directory (never read) */
	snprintf(config.images.directories[0], IMAGE_POLICY_PATH_MAX, "%s",
	    directory);
	snprintf(kernel, sizeof(kernel), "%s/k", directory);
	snprintf(create, sizeof(create), "{\"execute\":\"vm-create\","
	    "\"arguments\":{\"spec\":{\"name\":\"bench\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"%s\"}}}\n", kernel);
	if (pipe(fds) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(daemon_run_ready(&config, fds[1]));
	}
	close(fds[1]);
	if (read(fds[0], &byte, 1) != 1 || (fd = open(kernel, O_WRONLY |
	    O_CREAT | O_CLOEXEC, 0600)) < 0)
		return 1;
	close(fd);
	fd = connect_negotiated(config.socket_path, buffer, sizeof(buffer), &have);
	if (fd < 0 || write(fd, create, strlen(create)) < 0)
		return 1;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		rc |= level(config.socket_path, "vm-info", "{\"execute\":\"vm-info\","
		    "\"arguments\":{\"vm\":\"bench\"}}\n", levels[i]);
		rc |= level(config.socket_path, "query-version",
		    "{\"execute\":\"query-version\"}\n", levels[i]);
	}
	close(fd);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	unlink(kernel);
	rmdir(directory);
	return rc != 0;
}
