/* vmmctl: the command-line client of vmmd's control socket. One subcommand
 * per protocol command, human output by default, --json for scripts. */
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../api/console_data.h"
#include "connection.h"
#include "pass_files.h"
#include "snapshot.h"

#define DEFAULT_SOCKET	"/run/vmmd/vmmd.sock"

struct vmmctl {
	const char *socket_path;
	bool json;
	int timeout_s;			/* for waits; 0: none */
	const char *wait_for;		/* an event name */
	const char *until;		/* console text */
	const char *ready_file;		/* created once negotiated */
	const char *only;		/* events: a comma-separated list */
	bool force;			/* stop: do not ask the guest first */
	bool paths;			/* create: send paths, not files */
	struct connection connection;
};

/* A subcommand: the protocol command it sends, how many operands. */
struct subcommand {
	const char *name;
	const char *execute;
	int operands;
	const char *operand_help;
	int (*run)(struct vmmctl *ctl, char **operands);
};

static const char usage_text[] =
    "usage: vmmctl [--socket PATH] [--json] [--timeout S] [--wait-for EVENT]\n"
    "              [--until TEXT] [--ready-file FILE] [--only EVENTS] [--force]\n"
    "              [--paths]\n"
    "              COMMAND [OPERANDS]\n"
    "commands:\n";

static long long
now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static int
remaining_ms(long long deadline)
{
	long long left;

	if (deadline < 0)
		return -1;
	left = deadline - now_ms();
	return left > 0 ? (int)left : 0;
}

static void
print_json(json_t *value)
{
	json_dumpf(value, stdout, JSON_COMPACT | JSON_ENCODE_ANY);
	fputc('\n', stdout);
}

static int
error_of(json_t *reply)
{
	json_t *error = json_object_get(reply, "error");

	if (reply == NULL) {
		fprintf(stderr, "vmmctl: the daemon closed the connection\n");
		return VMMCTL_UNREACHABLE;
	}
	if (error == NULL)
		return VMMCTL_OK;
	fprintf(stderr, "vmmctl: %s: %s\n",
	    json_string_value(json_object_get(error, "class")),
	    json_string_value(json_object_get(error, "desc")));
	return VMMCTL_ERROR_REPLY;
}

/* 93s, 47m, 5h12m, 3d04h: short enough for a column */
static void
uptime_text(json_t *seconds, char *text, size_t size)
{
	json_int_t s = json_integer_value(seconds);

	if (!json_is_integer(seconds) || s < 0)
		snprintf(text, size, "-");
	else if (s < 120)
		snprintf(text, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(text, size, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(text, size, "%lldh%02lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else
		snprintf(text, size, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
}

static void
print_info(json_t *info)
{
	json_t *config = json_object_get(info, "config");
	json_t *last = json_object_get(info, "last_run");
	char uptime[32];

	printf("name:        %s\n", json_string_value(json_object_get(info, "name")));
	printf("state:       %s\n", json_string_value(json_object_get(info, "state")));
	printf("pid:         %" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(info, "pid")));
	printf("vcpus:       %" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(config, "vcpus")));
	printf("memory:      %" JSON_INTEGER_FORMAT " MiB\n",
	    json_integer_value(json_object_get(config, "memory_mib")));
	printf("kernel:      %s\n", json_string_value(json_object_get(config, "kernel")));
	printf("console log: %s\n", json_string_value(json_object_get(info,
	    "console_log")));
	printf("owner:       uid %" JSON_INTEGER_FORMAT "\n",
	    json_integer_value(json_object_get(info, "owner")));
	if (json_object_get(info, "uptime_s") != NULL) {
		uptime_text(json_object_get(info, "uptime_s"), uptime,
		    sizeof(uptime));
		printf("uptime:      %s\n", uptime);
	}
	if (last != NULL)
		printf("last run:    %s: %s\n", json_string_value(json_object_get(last,
		    "outcome")), json_string_value(json_object_get(last, "detail")) ?: "");
}

static void
print_list(json_t *list)
{
	char uptime[32];
	json_t *vm;
	size_t i;

	printf("%-20s %-9s %5s %8s %8s %8s\n", "NAME", "STATE", "VCPUS",
	    "MEMORY", "PID", "UPTIME");
	json_array_foreach(list, i, vm) {
		uptime_text(json_object_get(vm, "uptime_s"), uptime,
		    sizeof(uptime));
		printf("%-20s %-9s %5" JSON_INTEGER_FORMAT " %7" JSON_INTEGER_FORMAT
		    "M %8" JSON_INTEGER_FORMAT " %8s\n",
		    json_string_value(json_object_get(vm, "name")),
		    json_string_value(json_object_get(vm, "state")),
		    json_integer_value(json_object_get(vm, "vcpus")),
		    json_integer_value(json_object_get(vm, "memory_mib")),
		    json_integer_value(json_object_get(vm, "pid")), uptime);
	}
}

static void
print_result(struct vmmctl *ctl, const char *execute, json_t *value,
    const char *vm)
{
	if (ctl->json)
		print_json(value);
	else if (strcmp(execute, "vm-list") == 0)
		print_list(value);
	else if (strcmp(execute, "vm-info") == 0 || strcmp(execute, "vm-create") == 0)
		print_info(value);
	else if (strcmp(execute, "query-version") == 0)
		printf("vmmd %s, protocol %" JSON_INTEGER_FORMAT ".%" JSON_INTEGER_FORMAT "\n",
		    json_string_value(json_object_get(value, "vmmd")),
		    json_integer_value(json_object_get(json_object_get(value,
		    "protocol"), "major")),
		    json_integer_value(json_object_get(json_object_get(value,
		    "protocol"), "minor")));
	else if (strcmp(execute, "query-metrics") == 0)
		fputs(json_string_value(json_object_get(value, "text")) ?: "",
		    stdout);
	else if (vm != NULL)
		printf("%s: %s: done\n", vm, execute);
	else {
		json_dumpf(value, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY);
		fputc('\n', stdout);
	}
}

static bool
event_matches(json_t *event, const char *name, const char *vm)
{
	json_t *data = json_object_get(event, "data");

	if (strcmp(json_string_value(json_object_get(event, "event")) ?: "",
	    name) != 0)
		return false;
	return vm == NULL || strcmp(json_string_value(json_object_get(data,
	    "vm")) ?: "", vm) == 0;
}

static int
wait_for_event(struct vmmctl *ctl, const char *name, const char *vm)
{
	long long deadline = ctl->timeout_s > 0 ? now_ms() + ctl->timeout_s * 1000ll : -1;
	json_t *event;
	int timed_out;

	for (;;) {
		event = connection_next_event(&ctl->connection,
		    remaining_ms(deadline), &timed_out);
		if (event == NULL) {
			fprintf(stderr, "vmmctl: %s waiting for %s\n", timed_out ?
			    "timed out" : "the daemon went away", name);
			return timed_out ? VMMCTL_TIMEOUT : VMMCTL_UNREACHABLE;
		}
		if (event_matches(event, name, vm)) {
			if (ctl->json)
				print_json(event);
			else
				printf("%s\n", name);
			json_decref(event);
			return VMMCTL_OK;
		}
		if (vm != NULL && (event_matches(event, "VM_STOPPED", vm) ||
		    event_matches(event, "VM_CRASHED", vm))) {
			fprintf(stderr, "vmmctl: VM %s ended (%s: %s) before %s\n",
			    vm, json_string_value(json_object_get(event, "event")),
			    json_string_value(json_object_get(json_object_get(event,
			    "data"), "outcome")) ?: "?", name);
			json_decref(event);
			return VMMCTL_ERROR_REPLY;
		}
		json_decref(event);
	}
}

/* The generic subcommand: one command, its VM as the only argument. */
static int
run_simple(struct vmmctl *ctl, const char *execute, const char *vm)
{
	json_t *reply, *arguments = NULL;
	int rc;

	if (vm != NULL)
		arguments = json_pack("{s:s}", "vm", vm);
	if (ctl->force)
		json_object_set_new(arguments, "force", json_true());
	reply = connection_execute(&ctl->connection, execute, arguments);
	rc = error_of(reply);
	if (rc == VMMCTL_OK)
		print_result(ctl, execute, json_object_get(reply, "return"), vm);
	json_decref(reply);
	if (rc == VMMCTL_OK && ctl->wait_for != NULL)
		rc = wait_for_event(ctl, ctl->wait_for, vm);
	return rc;
}

static json_t *
load_spec(const char *path)
{
	json_error_t error;
	json_t *spec = json_load_file(path, 0, &error);

	if (spec == NULL)
		fprintf(stderr, "vmmctl: %s: line %d: %s\n", path, error.line,
		    error.text);
	return spec;
}

static int
create(struct vmmctl *ctl, const char *path, char *name, size_t name_size)
{
	json_t *spec = load_spec(path), *reply;
	char error[512];
	int rc;

	if (spec == NULL)
		return VMMCTL_USAGE;
	/* The files go with the caller's rights, unless paths are asked for
	 * (the daemon's image directories then decide). */
	if (!ctl->paths && pass_files(&ctl->connection, spec, error,
	    sizeof(error)) < 0) {
		fprintf(stderr, "vmmctl: %s\n", error);
		json_decref(spec);
		return VMMCTL_ERROR_REPLY;
	}
	snprintf(name, name_size, "%s", json_string_value(json_object_get(spec,
	    "name")) ?: "");
	reply = connection_execute(&ctl->connection, "vm-create",
	    json_pack("{s:o}", "spec", spec));
	rc = error_of(reply);
	if (rc == VMMCTL_OK && name_size == 0)
		print_result(ctl, "vm-create", json_object_get(reply, "return"), NULL);
	json_decref(reply);
	return rc;
}

static int
cmd_create(struct vmmctl *ctl, char **operands)
{
	char name[64];
	int rc = create(ctl, operands[0], name, sizeof(name));
	json_t *reply;

	if (rc != VMMCTL_OK)
		return rc;
	reply = connection_execute(&ctl->connection, "vm-info",
	    json_pack("{s:s}", "vm", name));
	rc = error_of(reply);
	if (rc == VMMCTL_OK)
		print_result(ctl, "vm-info", json_object_get(reply, "return"), name);
	json_decref(reply);
	if (rc == VMMCTL_OK && ctl->wait_for != NULL)
		rc = wait_for_event(ctl, ctl->wait_for, name);
	return rc;
}

static int
send_text(struct vmmctl *ctl, const char *vm, const char *text, size_t length)
{
	json_t *reply;
	int rc;

	reply = connection_execute(&ctl->connection, "console-write",
	    json_pack("{s:s,s:s%}", "vm", vm, "data", text, length));
	rc = error_of(reply);
	json_decref(reply);
	return rc;
}

/* The tail of the console seen so far, to find --until in text that came
 * in pieces. */
struct seen {
	char text[8192];
	size_t length;
};

/* Prints bytes as they came; true once until has been seen. */
static bool
seen_add(struct seen *seen, const char *until, const char *bytes, size_t n)
{
	size_t keep;

	fwrite(bytes, 1, n, stdout);
	fflush(stdout);
	if (n >= sizeof(seen->text) / 2) {
		bytes += n - sizeof(seen->text) / 2 + 1;
		n = sizeof(seen->text) / 2 - 1;
	}
	if (seen->length + n >= sizeof(seen->text)) {
		keep = sizeof(seen->text) / 2 - 1 - n / 2;
		keep = keep < seen->length ? keep : seen->length;
		memmove(seen->text, seen->text + seen->length - keep, keep);
		seen->length = keep;
	}
	memcpy(seen->text + seen->length, bytes, n);
	seen->length += n;
	return until != NULL &&
	    memmem(seen->text, seen->length, until, strlen(until)) != NULL;
}

/* The console's bytes, exactly: vmmctl attaches with base64. */
static bool
seen_base64(struct seen *seen, const char *until, json_t *text)
{
	static uint8_t bytes[65536];
	ssize_t n = json_is_string(text) ? base64_decode(json_string_value(text),
	    json_string_length(text), bytes, sizeof(bytes)) : -1;

	if (n < 0) {
		fprintf(stderr, "vmmctl: console data that is not base64\n");
		return false;
	}
	return seen_add(seen, until, (const char *)bytes, (size_t)n);
}

/* Prints the console; with --until, stops at that text (exit 0) or at the
 * timeout (exit 4); without it, stdin goes to the guest until the VM ends. */
static int
console_loop(struct vmmctl *ctl, const char *vm, json_t *recent)
{
	long long deadline = ctl->timeout_s > 0 ? now_ms() + ctl->timeout_s * 1000ll : -1;
	struct pollfd fds[2] = {
		{ .fd = ctl->connection.fd, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
	};
	static struct seen seen;
	int timed_out, stdin_open = ctl->until == NULL;
	json_t *event, *data;
	char input[1024];
	int rc = VMMCTL_OK;
	ssize_t n;

	if (seen_base64(&seen, ctl->until, recent))
		return VMMCTL_OK;
	for (;;) {
		if (json_array_size(ctl->connection.events) == 0 &&
		    ctl->connection.length == 0) {
			if (poll(fds, stdin_open ? 2 : 1, remaining_ms(deadline)) == 0) {
				fprintf(stderr, "vmmctl: timed out%s%s\n", ctl->until ?
				    " waiting for " : "", ctl->until ?: "");
				return VMMCTL_TIMEOUT;
			}
			if (stdin_open && fds[1].revents) {
				n = read(STDIN_FILENO, input, sizeof(input));
				if (n <= 0)
					stdin_open = 0;
				else if ((rc = send_text(ctl, vm, input, (size_t)n)) != 0)
					return rc;
				continue;
			}
		}
		event = connection_next_event(&ctl->connection, remaining_ms(deadline),
		    &timed_out);
		if (event == NULL)
			return timed_out ? VMMCTL_TIMEOUT : VMMCTL_UNREACHABLE;
		data = json_object_get(event, "data");
		if (event_matches(event, "CONSOLE", vm)) {
			if (seen_base64(&seen, ctl->until, json_object_get(data,
			    "base64"))) {
				json_decref(event);
				return VMMCTL_OK;
			}
		} else if (event_matches(event, "VM_STOPPED", vm) ||
		    event_matches(event, "VM_CRASHED", vm)) {
			fprintf(stderr, "vmmctl: VM %s: %s\n", vm, json_string_value(
			    json_object_get(data, "outcome")) ?: "ended");
			json_decref(event);
			return ctl->until == NULL ? VMMCTL_OK : VMMCTL_ERROR_REPLY;
		}
		json_decref(event);
	}
}

static int
attach(struct vmmctl *ctl, const char *vm)
{
	json_t *reply;
	int rc;

	reply = connection_execute(&ctl->connection, "console-attach",
	    json_pack("{s:s,s:s}", "vm", vm, "encoding", "base64"));
	rc = error_of(reply);
	if (rc == VMMCTL_OK)
		rc = console_loop(ctl, vm, json_object_get(json_object_get(reply,
		    "return"), "recent_base64"));
	json_decref(reply);
	return rc;
}

static int
cmd_console(struct vmmctl *ctl, char **operands)
{
	return attach(ctl, operands[0]);
}

static int
cmd_send(struct vmmctl *ctl, char **operands)
{
	char text[4096];
	int length = snprintf(text, sizeof(text), "%s\n", operands[1]);

	if (length < 0 || (size_t)length >= sizeof(text))
		return VMMCTL_USAGE;
	return send_text(ctl, operands[0], text, (size_t)length);
}

static int
cmd_run(struct vmmctl *ctl, char **operands)
{
	json_t *reply;
	char name[64];
	int rc = create(ctl, operands[0], name, sizeof(name));

	if (rc != VMMCTL_OK)
		return rc;
	reply = connection_execute(&ctl->connection, "vm-start",
	    json_pack("{s:s}", "vm", name));
	rc = error_of(reply);
	json_decref(reply);
	return rc == VMMCTL_OK ? attach(ctl, name) : rc;
}

/* Race-free: events flow from negotiation on, so a change between the
 * vm-info and the first event read is not missed. */
static int
cmd_wait(struct vmmctl *ctl, char **operands)
{
	long long deadline = ctl->timeout_s > 0 ? now_ms() + ctl->timeout_s * 1000ll : -1;
	json_t *reply, *event;
	int timed_out, rc;
	const char *state;

	reply = connection_execute(&ctl->connection, "vm-info",
	    json_pack("{s:s}", "vm", operands[0]));
	if ((rc = error_of(reply)) != VMMCTL_OK) {
		json_decref(reply);
		return rc;
	}
	state = json_string_value(json_object_get(json_object_get(reply,
	    "return"), "state"));
	rc = state != NULL && strcmp(state, operands[1]) == 0;
	json_decref(reply);
	while (!rc) {
		event = connection_next_event(&ctl->connection,
		    remaining_ms(deadline), &timed_out);
		if (event == NULL) {
			fprintf(stderr, "vmmctl: %s waiting for VM %s to be %s\n",
			    timed_out ? "timed out" : "the daemon went away",
			    operands[0], operands[1]);
			return timed_out ? VMMCTL_TIMEOUT : VMMCTL_UNREACHABLE;
		}
		state = json_string_value(json_object_get(json_object_get(event,
		    "data"), "state"));
		rc = state != NULL && strcmp(json_string_value(json_object_get(
		    json_object_get(event, "data"), "vm")) ?: "", operands[0]) == 0 &&
		    strcmp(state, operands[1]) == 0;
		if (rc && ctl->json)
			print_json(event);
		json_decref(event);
	}
	if (!ctl->json)
		printf("%s: %s\n", operands[0], operands[1]);
	return VMMCTL_OK;
}

/* --only A,B: events-subscribe to those names. */
static int
subscribe(struct vmmctl *ctl)
{
	json_t *names = json_array(), *reply;
	char *list = strdup(ctl->only), *name, *save = NULL;
	int rc;

	for (name = strtok_r(list, ",", &save); name != NULL;
	    name = strtok_r(NULL, ",", &save))
		json_array_append_new(names, json_string(name));
	free(list);
	reply = connection_execute(&ctl->connection, "events-subscribe",
	    json_pack("{s:o}", "events", names));
	rc = error_of(reply);
	json_decref(reply);
	return rc;
}

static int
cmd_events(struct vmmctl *ctl, char **operands)
{
	long long deadline = ctl->timeout_s > 0 ? now_ms() + ctl->timeout_s * 1000ll : -1;
	json_t *event;
	int timed_out, rc;

	(void)operands;
	if (ctl->only != NULL && (rc = subscribe(ctl)) != VMMCTL_OK)
		return rc;
	for (;;) {
		event = connection_next_event(&ctl->connection,
		    remaining_ms(deadline), &timed_out);
		if (event == NULL)
			return timed_out ? VMMCTL_OK : VMMCTL_UNREACHABLE;
		if (ctl->json)
			print_json(event);
		else
			printf("%s %s\n", json_string_value(json_object_get(event,
			    "event")), json_string_value(json_object_get(
			    json_object_get(event, "data"), "vm")) ?: "");
		fflush(stdout);
		json_decref(event);
	}
}

static int
cmd_snapshot(struct vmmctl *ctl, char **operands)
{
	struct snapshot_request request = { &ctl->connection, ctl->paths, NULL };
	json_t *r;
	int rc = snapshot_take(&request, operands[0], operands[1]);

	if (rc != VMMCTL_OK)
		return rc;
	r = request.reply;
	if (ctl->json)
		print_json(r);
	else
		printf("%s: snapshot in %s: state %" JSON_INTEGER_FORMAT " bytes, "
		    "memory %" JSON_INTEGER_FORMAT " MiB (%" JSON_INTEGER_FORMAT
		    " KiB of it data), paused %" JSON_INTEGER_FORMAT " ms\n",
		    operands[0], operands[1],
		    json_integer_value(json_object_get(r, "state_bytes")),
		    json_integer_value(json_object_get(r, "memory_bytes")) >> 20,
		    json_integer_value(json_object_get(r, "memory_written")) >> 10,
		    json_integer_value(json_object_get(r, "paused_us")) / 1000);
	json_decref(r);
	return VMMCTL_OK;
}

/* restore SPEC DIR NAME, clone SPEC DIR N */
static int
restore_or_clone(struct vmmctl *ctl, char **operands, bool clone)
{
	struct snapshot_request request = { &ctl->connection, ctl->paths, NULL };
	char *end, name[64];
	unsigned long count = 0;
	json_t *base;
	int rc;

	if (clone) {
		count = strtoul(operands[2], &end, 10);
		base = json_load_file(operands[0], 0, NULL);
		snprintf(name, sizeof(name), "%s", json_string_value(
		    json_object_get(base, "name")) ?: "");
		json_decref(base);
		if (*end != '\0' || count == 0 || count > 64 || name[0] == '\0') {
			fprintf(stderr, "vmmctl: clone: N is 1 to 64, and the "
			    "spec must have a name\n");
			return VMMCTL_USAGE;
		}
	} else
		snprintf(name, sizeof(name), "%s", operands[2]);
	rc = snapshot_restore(&request, operands[0], operands[1], name,
	    (unsigned int)count);
	if (rc != VMMCTL_OK)
		return rc;
	print_result(ctl, clone ? "vm-clone" : "vm-create", request.reply, NULL);
	json_decref(request.reply);
	return VMMCTL_OK;
}

static int
cmd_restore(struct vmmctl *ctl, char **operands)
{
	return restore_or_clone(ctl, operands, false);
}

static int
cmd_clone(struct vmmctl *ctl, char **operands)
{
	return restore_or_clone(ctl, operands, true);
}

static const struct subcommand subcommands[] = {
	{ "version", "query-version", 0, "", NULL },
	{ "host", "query-host", 0, "", NULL },
	{ "commands", "query-commands", 0, "", NULL },
	{ "metrics", "query-metrics", 0, "  (Prometheus text: node_exporter's textfile collector)", NULL },
	{ "list", "vm-list", 0, "", NULL },
	{ "info", "vm-info", 1, "VM", NULL },
	{ "create", "vm-create", 1, "SPEC.json", cmd_create },
	{ "start", "vm-start", 1, "VM", NULL },
	{ "pause", "vm-pause", 1, "VM", NULL },
	{ "resume", "vm-resume", 1, "VM", NULL },
	{ "stop", "vm-stop", 1, "VM  (--force: without asking the guest)", NULL },
	{ "kill", "vm-kill", 1, "VM", NULL },
	{ "delete", "vm-delete", 1, "VM", NULL },
	{ "console", "console-attach", 1, "VM  (--until TEXT: up to TEXT)", cmd_console },
	{ "send", "console-write", 2, "VM LINE", cmd_send },
	{ "run", NULL, 1, "SPEC.json  (create, start, attach)", cmd_run },
	{ "wait", NULL, 2, "VM STATE", cmd_wait },
	{ "events", NULL, 0, "  (prints events; --only E1,E2; --timeout S)", cmd_events },
	{ "snapshot", NULL, 2, "VM DIR  (writes DIR/state and DIR/memory)", cmd_snapshot },
	{ "restore", NULL, 3, "SPEC.json DIR NAME  (a new VM from DIR's snapshot)", cmd_restore },
	{ "clone", NULL, 3, "SPEC.json DIR N  (N VMs from it: SPEC's name-1 to -N)", cmd_clone },
	{ "x-forbidden-syscall", "x-forbidden-syscall", 1, "VM  (a test hook: the daemon's test_hooks)", NULL },
};

static void
touch(const char *path)
{
	FILE *file = fopen(path, "w");

	if (file == NULL)
		perror(path);
	else
		fclose(file);
}

static void
usage(FILE *out)
{
	size_t i;

	fputs(usage_text, out);
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(out, "  %-9s %s\n", subcommands[i].name,
		    subcommands[i].operand_help);
	fputs("exit status: 0 done, 1 the daemon refused, 2 usage, 3 no daemon, "
	    "4 timed out\n", out);
}

static int
parse(int argc, char **argv, struct vmmctl *ctl)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "wait-for", required_argument, NULL, 'w' },
		{ "until", required_argument, NULL, 'u' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "paths", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int option;

	/* Called twice (before and after the subcommand): a --socket of the
	 * first pass stays. */
	if (ctl->socket_path == NULL)
		ctl->socket_path = getenv("VMMD_SOCKET") ?: DEFAULT_SOCKET;
	while ((option = getopt_long(argc, argv, "+", options, NULL)) != -1) {
		switch (option) {
		case 's':
			ctl->socket_path = optarg;
			break;
		case 'j':
			ctl->json = true;
			break;
		case 't':
			ctl->timeout_s = atoi(optarg);
			break;
		case 'w':
			ctl->wait_for = optarg;
			break;
		case 'u':
			ctl->until = optarg;
			break;
		case 'r':
			ctl->ready_file = optarg;
			break;
		case 'o':
			ctl->only = optarg;
			break;
		case 'f':
			ctl->force = true;
			break;
		case 'p':
			ctl->paths = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const struct subcommand *sub = NULL;
	struct vmmctl ctl = { 0 };
	size_t i;
	int rc;

	if (parse(argc, argv, &ctl) < 0 || optind >= argc) {
		usage(stderr);
		return VMMCTL_USAGE;
	}
	for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(subcommands[i].name, argv[optind]) == 0)
			sub = &subcommands[i];
	/* Options may follow the subcommand too. */
	if (sub == NULL) {
		fprintf(stderr, "vmmctl: unknown command '%s'\n", argv[optind]);
		return VMMCTL_USAGE;
	}
	optind++;
	if (parse(argc, argv, &ctl) < 0 || argc - optind != sub->operands ||
	    (ctl.force && strcmp(sub->name, "stop") != 0)) {
		fprintf(stderr, "vmmctl: usage: vmmctl %s %s\n", sub->name,
		    sub->operand_help);
		return VMMCTL_USAGE;
	}
	if (connection_open(&ctl.connection, ctl.socket_path) < 0) {
		fprintf(stderr, "vmmctl: cannot talk to vmmd at %s\n",
		    ctl.socket_path);
		connection_close(&ctl.connection);
		return VMMCTL_UNREACHABLE;
	}
	if (ctl.ready_file != NULL)	/* events flow from here on */
		touch(ctl.ready_file);
	if (sub->run != NULL)
		rc = sub->run(&ctl, argv + optind);
	else
		rc = run_simple(&ctl, sub->execute, sub->operands ? argv[optind] : NULL);
	connection_close(&ctl.connection);
	return rc;
}
