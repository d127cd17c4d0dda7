/* The control API's throughput and latency: requests per second, p50 and
 * p99 of info-class commands (vm-info of a defined VM, query-version) with
 * 1, 16 and 64 clients at once, each on its own connection, against a
 * daemon without KVM. Figures, never verdicts. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../vmmd/daemon.h"

#define REQUESTS_PER_LEVEL	64000

struct worker {
	pthread_t thread;
	const char *socket_path;
	const char *request;
	unsigned int count;
	uint64_t *latencies;
	int failed;
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

static void *
worker_run(void *argument)
{
	struct worker *worker = argument;
	size_t length = strlen(worker->request), have = 0;
	char buffer[8192];
	uint64_t start;
	unsigned int i;
	int fd;

	fd = connect_negotiated(worker->socket_path, buffer, sizeof(buffer), &have);
	if (fd < 0) {
		worker->failed = 1;
		return NULL;
	}
	for (i = 0; i < worker->count; i++) {
		start = now_ns();
		if (write(fd, worker->request, length) != (ssize_t)length ||
		    read_line(fd, buffer, sizeof(buffer), &have) < 0) {
			worker->failed = 1;
			break;
		}
		worker->latencies[i] = now_ns() - start;
	}
	close(fd);
	return NULL;
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
	unsigned int per = REQUESTS_PER_LEVEL / clients, i, total = per * clients;
	struct worker *workers = calloc(clients, sizeof(*workers));
	uint64_t *latencies = calloc(total, sizeof(*latencies)), start, elapsed;
	int failed = 0;

	if (workers == NULL || latencies == NULL)
		return -1;
	start = now_ns();
	for (i = 0; i < clients; i++) {
		workers[i] = (struct worker){ .socket_path = path, .request = request,
		    .count = per, .latencies = latencies + (size_t)i * per };
		pthread_create(&workers[i].thread, NULL, worker_run, &workers[i]);
	}
	for (i = 0; i < clients; i++) {
		pthread_join(workers[i].thread, NULL);
		failed |= workers[i].failed;
	}
	elapsed = now_ns() - start;
	qsort(latencies, total, sizeof(*latencies), compare);
	printf("bench-api: %-13s clients=%-3u requests=%u  %.0f req/s  p50=%.1f us"
	    "  p99=%.1f us%s\n", name, clients, total,
	    total / (elapsed / 1e9), latencies[total / 2] / 1e3,
	    latencies[(size_t)(total * 0.99)] / 1e3, failed ? "  (FAILURES)" : "");
	free(workers);
	free(latencies);
	return failed ? -1 : 0;
}

int
main(void)
{
	static const unsigned int levels[] = { 1, 16, 64 };
	struct daemon_config config;
	char directory[64], byte, buffer[8192];
	const char *create = "{\"execute\":\"vm-create\",\"arguments\":{\"spec\":"
	    "{\"name\":\"bench\",\"vcpus\":1,\"memory_mib\":64,\"kernel\":\"/k\"}}}\n";
	int fds[2], fd, rc = 0, status;
	size_t i, have = 0;
	pid_t pid;

	signal(SIGPIPE, SIG_IGN);
	daemon_config_defaults(&config);
	snprintf(directory, sizeof(directory), "/tmp/vmmd-bench-%d", (int)getpid());
	snprintf(config.socket_path, sizeof(config.socket_path), "%s/s", directory);
	snprintf(config.state_dir, sizeof(config.state_dir), "%s", directory);
	config.kvm = false;
	if (pipe(fds) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(daemon_run_ready(&config, fds[1]));
	}
	close(fds[1]);
	if (read(fds[0], &byte, 1) != 1)
		return 1;
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
	rmdir(directory);
	return rc != 0;
}
