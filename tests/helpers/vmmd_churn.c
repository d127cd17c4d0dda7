/* A purpose-built client of the daemon for the fault tests (static, no
 * libraries: it looks for fixed strings in the daemon's one-line replies),
 * so that a thousand VM lives take one process, not four thousand vmmctl.
 *   vmmd-churn SOCKET cycles N FROM DAEMON_PID KERNEL
 *       N lives of VM "churn" (1 vCPU, 128 MiB, the Linux Image KERNEL):
 *       create, start, running, then vm-kill (or, every tenth, SIGKILL to
 *       its process: VM_CRASHED), stopped, delete; after cycles FROM, 10,
 *       100 and every 100th, one line "cycle N fds F rss_kib R children C
 *       zombies Z" about the daemon (its /proc), and the time taken
 *   vmmd-churn SOCKET cut WAY COMMAND ARGUMENTS
 *       sends qmp_capabilities and the command with those arguments (JSON),
 *       then goes at once: WAY is whole (after the greeting), unread (not
 *       even the greeting read) or half (the message cut in its middle) */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char input[1 << 16];
static size_t input_used;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	fputs("vmmd-churn: ", stderr);
	vfprintf(stderr, format, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un address = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(address.sun_path, sizeof(address.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&address,
	    sizeof(address)) < 0)
		die("cannot connect to %s: %s", path, strerror(errno));
	return fd;
}

static void
send_line(int fd, const char *line)
{
	size_t length = strlen(line);

	if (send(fd, line, length, MSG_NOSIGNAL) != (ssize_t)length)
		die("send: %s", strerror(errno));
}

/* The next line (without its newline), in a static buffer. */
static char *
next_line(int fd)
{
	static char line[sizeof(input)];
	char *newline;
	ssize_t n;
	size_t length;

	while ((newline = memchr(input, '\n', input_used)) == NULL) {
		if (input_used == sizeof(input))
			die("a line longer than %zu bytes", sizeof(input));
		n = read(fd, input + input_used, sizeof(input) - input_used);
		if (n <= 0)
			die("the daemon closed the connection");
		input_used += (size_t)n;
	}
	length = (size_t)(newline - input);
	memcpy(line, input, length);
	line[length] = '\0';
	memmove(input, newline + 1, input_used - length - 1);
	input_used -= length + 1;
	return line;
}

/* Lines until one holds text; one with "error" first is fatal. */
static char *
wait_for(int fd, const char *text, const char *what)
{
	char *line;

	for (;;) {
		line = next_line(fd);
		if (strstr(line, text) != NULL)
			return line;
		if (strstr(line, "\"error\"") != NULL ||
		    strstr(line, "VM_CRASHED") != NULL ||
		    (strstr(line, "VM_STOPPED") != NULL &&
		    strstr(text, "VM_STOPPED") == NULL))
			die("%s: %s", what, line);
	}
}

static void
request(int fd, int id, const char *execute, const char *arguments)
{
	char line[4096];

	snprintf(line, sizeof(line), "{\"execute\":\"%s\",\"arguments\":%s,"
	    "\"id\":%d}\n", execute, arguments, id);
	send_line(fd, line);
}

static int
negotiate(const char *path)
{
	int fd = connect_to(path);

	next_line(fd);	/* the greeting */
	send_line(fd, "{\"execute\":\"qmp_capabilities\"}\n");
	wait_for(fd, "\"return\"", "qmp_capabilities");
	return fd;
}

static int
count_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	int count = 0;

	if (dir == NULL)
		return -1;
	while ((entry = readdir(dir)) != NULL)
		count += entry->d_name[0] != '.';
	closedir(dir);
	return count;
}

static long
rss_kib(int pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *status;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((status = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), status) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(status);
	return kib;
}

/* The daemon's children, and those of them that are zombies. */
static void
children(int pid, int *count, int *zombies)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	char path[300], text[512], state, *end;
	int parent;
	FILE *stat;

	*count = *zombies = 0;
	while (proc != NULL && (entry = readdir(proc)) != NULL) {
		if (entry->d_name[0] < '0' || entry->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", entry->d_name);
		if ((stat = fopen(path, "r")) == NULL)
			continue;
		if (fgets(text, sizeof(text), stat) != NULL &&
		    (end = strrchr(text, ')')) != NULL &&
		    sscanf(end + 1, " %c %d", &state, &parent) == 2 &&
		    parent == pid) {
			(*count)++;
			*zombies += state == 'Z';
		}
		fclose(stat);
	}
	if (proc != NULL)
		closedir(proc);
}

static void
report(int cycle, int daemon, double seconds)
{
	char path[64];
	int count, zombies;

	snprintf(path, sizeof(path), "/proc/%d/fd", daemon);
	children(daemon, &count, &zombies);
	printf("cycle %d fds %d rss_kib %ld children %d zombies %d seconds %.1f\n",
	    cycle, count_dir(path), rss_kib(daemon), count, zombies, seconds);
	fflush(stdout);
}

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
one_life(int fd, int cycle, const char *kernel)
{
	char arguments[1024];
	const char *at;
	int pid;

	snprintf(arguments, sizeof(arguments), "{\"spec\":{\"name\":\"churn\","
	    "\"vcpus\":1,\"memory_mib\":128,\"kernel\":\"%s\",\"cmdline\":"
	    "\"console=ttyS0 quiet\"}}", kernel);
	request(fd, 1, "vm-create", arguments);
	wait_for(fd, "\"id\":1}", "vm-create");
	request(fd, 2, "vm-start", "{\"vm\":\"churn\"}");
	at = strstr(wait_for(fd, "\"id\":2}", "vm-start"), "\"pid\":");
	pid = at != NULL ? atoi(at + 6) : 0;
	if (pid <= 0)
		die("cycle %d: no pid in vm-start's reply", cycle);
	wait_for(fd, "\"VM_RUNNING\"", "waiting for VM_RUNNING");
	if (cycle % 10 == 0) {
		kill(pid, SIGKILL);	/* a crash: no vm-kill */
		while (strstr(next_line(fd), "\"VM_CRASHED\"") == NULL)
			;
	} else {
		request(fd, 3, "vm-kill", "{\"vm\":\"churn\"}");
		wait_for(fd, "\"VM_STOPPED\"", "vm-kill");
	}
	request(fd, 4, "vm-delete", "{\"vm\":\"churn\"}");
	wait_for(fd, "\"id\":4}", "vm-delete");
}

static int
cycles(const char *path, int count, int from, int daemon, const char *kernel)
{
	int fd = negotiate(path), cycle;
	double start = now();

	request(fd, 0, "events-subscribe", "{\"events\":[\"VM_RUNNING\","
	    "\"VM_STOPPED\",\"VM_CRASHED\"]}");
	wait_for(fd, "\"id\":0}", "events-subscribe");
	report(0, daemon, 0);
	for (cycle = 1; cycle <= count; cycle++) {
		one_life(fd, cycle, kernel);
		if (cycle == from || cycle == 10 || cycle % 100 == 0 ||
		    cycle == count)
			report(cycle, daemon, now() - start);
	}
	close(fd);
	return 0;
}

static int
cut(const char *path, const char *way, const char *execute,
    const char *arguments)
{
	char line[4096];
	int fd = connect_to(path);
	size_t length;

	if (strcmp(way, "unread") != 0)
		next_line(fd);	/* the greeting */
	length = (size_t)snprintf(line, sizeof(line), "{\"execute\":"
	    "\"qmp_capabilities\"}\n{\"execute\":\"%s\",\"arguments\":%s}\n",
	    execute, arguments);
	if (strcmp(way, "half") == 0)
		length -= (length - 31) / 2;	/* 31: the first line */
	if (send(fd, line, length, MSG_NOSIGNAL) != (ssize_t)length)
		die("send: %s", strerror(errno));
	close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[2], "cycles") == 0)
		return cycles(argv[1], atoi(argv[3]), atoi(argv[4]),
		    atoi(argv[5]), argv[6]);
	if (argc == 6 && strcmp(argv[2], "cut") == 0)
		return cut(argv[1], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: vmmd-churn SOCKET cycles N FROM DAEMON_PID "
	    "KERNEL\n       vmmd-churn SOCKET cut whole|unread|half COMMAND "
	    "ARGUMENTS\n");
	return 2;
}
