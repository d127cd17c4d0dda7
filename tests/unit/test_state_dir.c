/* The VM records of the state directory: written whole and read back;
 * every kind of corrupt record refused with a reason (never a crash), and
 * skipped by the loader while the good ones load; a process's start time,
 * which tells a VM process from a later one with the same pid. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../vmmd/daemon.h"
#include "suites.h"

static const struct api_vm_limits limits = { 8, 4096 };
static char directory[64];

#define SPEC "{\"name\":\"web\",\"vcpus\":2,\"memory_mib\":256," \
	"\"kernel\":\"/srv/Image\",\"devices\":[]}"

static void
setup(void)
{
	snprintf(directory, sizeof(directory), "/tmp/vmmd-state-%d", (int)getpid());
	ck_assert_int_eq(mkdir(directory, 0750), 0);
}

static void
teardown(void)
{
	char command[128];

	snprintf(command, sizeof(command), "rm -rf %s", directory);
	ck_assert_int_eq(system(command), 0);
}

static int
parse(const char *text, struct state_record *record, char *why, size_t size)
{
	return state_record_parse(text, strlen(text), &limits, record, why, size);
}

START_TEST(test_parse_good)
{
	struct state_record record;
	char why[300];

	ck_assert_int_eq(parse("{\"version\":1,\"spec\":" SPEC ",\"state\":"
	    "\"running\",\"pid\":1234,\"start_time\":99}", &record, why,
	    sizeof(why)), 0);
	ck_assert_str_eq(record.spec.name, "web");
	ck_assert_int_eq(record.state, VM_STATE_RUNNING);
	ck_assert_int_eq(record.pid, 1234);
	ck_assert_uint_eq(record.start_time, 99);
	ck_assert_int_eq(record.started_at, 0);
	ck_assert_str_eq(record.outcome, "");
	/* when its guest began, kept for its uptime across a restart */
	ck_assert_int_eq(parse("{\"version\":1,\"spec\":" SPEC ",\"state\":"
	    "\"running\",\"pid\":1234,\"start_time\":99,\"started_at\":"
	    "1700000000}", &record, why, sizeof(why)), 0);
	ck_assert_int_eq(record.started_at, 1700000000);
	ck_assert_int_eq(parse("{\"version\":1,\"spec\":" SPEC ",\"state\":"
	    "\"crashed\",\"pid\":0,\"start_time\":0,\"last_run\":{\"outcome\":"
	    "\"crashed\",\"detail\":\"signal 9\"}}", &record, why,
	    sizeof(why)), 0);
	ck_assert_int_eq(record.state, VM_STATE_CRASHED);
	ck_assert_str_eq(record.outcome, "crashed");
	ck_assert_str_eq(record.detail, "signal 9");
}
END_TEST

/* Each corrupt record, and what the refusal must say. */
static const struct {
	const char *text;
	const char *says;
} corrupt[] = {
	{ "", "not JSON" },
	{ "{\"version\":1,\"spec\":" SPEC, "not JSON" },	/* cut short */
	{ "[1]", "object" },
	{ "{\"version\":2,\"spec\":" SPEC ",\"state\":\"defined\",\"pid\":0,"
	    "\"start_time\":0}", "version 2" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"defined\",\"pid\":0}",
	    "start_time" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"defined\",\"pid\":0,"
	    "\"start_time\":0,\"extra\":1}", "extra" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"exploded\",\"pid\":0,"
	    "\"start_time\":0}", "no state named 'exploded'" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"running\",\"pid\":0,"
	    "\"start_time\":0}", "not possible" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"defined\",\"pid\":7,"
	    "\"start_time\":0}", "not possible" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"running\",\"pid\":-3,"
	    "\"start_time\":0}", "not possible" },
	{ "{\"version\":1,\"spec\":{\"name\":\"web\",\"vcpus\":64,\"memory_mib\":"
	    "256,\"kernel\":\"/k\"},\"state\":\"defined\",\"pid\":0,"
	    "\"start_time\":0}", "vcpus is 64" },
	{ "{\"version\":1,\"spec\":{\"name\":\"../etc\",\"vcpus\":1,"
	    "\"memory_mib\":64,\"kernel\":\"/k\"},\"state\":\"defined\",\"pid\":0,"
	    "\"start_time\":0}", "name" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"stopped\",\"pid\":0,"
	    "\"start_time\":0,\"last_run\":{\"outcome\":3}}", "last_run" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"stopped\",\"pid\":0,"
	    "\"start_time\":0,\"started_at\":5}", "started_at 5" },
	{ "{\"version\":1,\"spec\":" SPEC ",\"state\":\"running\",\"pid\":9,"
	    "\"start_time\":1,\"started_at\":-5}", "started_at -5" },
	{ "{\"version\":\"1\",\"spec\":" SPEC ",\"state\":\"defined\",\"pid\":0,"
	    "\"start_time\":0}", "Expected integer" },
};

START_TEST(test_parse_corrupt)
{
	struct state_record record;
	char why[300];
	size_t i;

	for (i = 0; i < sizeof(corrupt) / sizeof(corrupt[0]); i++) {
		why[0] = '\0';
		ck_assert_msg(parse(corrupt[i].text, &record, why,
		    sizeof(why)) < 0, "record %zu accepted", i);
		ck_assert_msg(strstr(why, corrupt[i].says) != NULL, "record %zu: "
		    "'%s' does not say '%s'", i, why, corrupt[i].says);
	}
}
END_TEST

struct loaded {
	char names[8][API_VM_NAME_MAX + 48];
	enum vm_state states[8];
	int count;
};

static void
collect(const struct state_record *record, void *context)
{
	struct loaded *loaded = context;

	ck_assert_int_lt(loaded->count, 8);
	snprintf(loaded->names[loaded->count], sizeof(loaded->names[0]), "%s",
	    record->spec.name);
	loaded->states[loaded->count++] = record->state;
}

static struct state_record *
entry(const char *name, enum vm_state state, pid_t pid)
{
	struct state_record *vm = calloc(1, sizeof(*vm));

	snprintf(vm->spec.name, sizeof(vm->spec.name), "%s", name);
	vm->spec.vcpus = 1;
	vm->spec.memory_mib = 64;
	snprintf(vm->spec.kernel, sizeof(vm->spec.kernel), "/srv/Image");
	vm->state = state;
	vm->pid = pid;
	vm->start_time = 42;
	return vm;
}

/* Written records load back; the corrupt ones around them are skipped. */
START_TEST(test_write_and_load)
{
	struct state_record *a = entry("a", VM_STATE_RUNNING, 77),
	    *b = entry("b", VM_STATE_DEFINED, 0);
	struct loaded loaded = { .count = 0 };
	struct stat st;
	char path[128];

	ck_assert_int_eq(state_record_write(directory, a), 0);
	ck_assert_int_eq(state_record_write(directory, b), 0);
	b->state = VM_STATE_STOPPED;	/* written again, over the old one */
	ck_assert_int_eq(state_record_write(directory, b), 0);
	unit_write_file(directory, "c.vm", "{\"version\":1,\"spec\":{\"name\":");
	unit_write_file(directory, "d.vm", "\x01\x02\xff garbage");
	unit_write_file(directory, "e.vm", "{\"version\":1,\"spec\":" SPEC ",\"state\":"
	    "\"defined\",\"pid\":0,\"start_time\":0}");	/* names web */
	unit_write_file(directory, ".f.vm.tmp", "half a rec");
	unit_write_file(directory, "a.console.log", "console bytes");
	unit_write_file(directory, "notes.txt", "not a record");
	ck_assert_int_eq(state_records_load(directory, &limits, collect,
	    &loaded), 0);
	ck_assert_int_eq(loaded.count, 2);
	ck_assert_str_eq(loaded.names[0], "a");
	ck_assert_int_eq(loaded.states[0], VM_STATE_RUNNING);
	ck_assert_str_eq(loaded.names[1], "b");
	ck_assert_int_eq(loaded.states[1], VM_STATE_STOPPED);
	snprintf(path, sizeof(path), "%s/.f.vm.tmp", directory);
	ck_assert_int_eq(stat(path, &st), -1);	/* an unfinished write, gone */
	snprintf(path, sizeof(path), "%s/c.vm", directory);
	ck_assert_int_eq(stat(path, &st), 0);	/* left for a human to see */
	state_record_remove(directory, "a");
	state_record_remove(directory, "a");	/* twice: no harm */
	loaded.count = 0;
	ck_assert_int_eq(state_records_load(directory, &limits, collect,
	    &loaded), 0);
	ck_assert_int_eq(loaded.count, 1);
	ck_assert_int_eq(state_records_load("/nonexistent/vmmd", &limits,
	    collect, &loaded), -ENOENT);
	free(a);
	free(b);
}
END_TEST

/* A write that cannot be done leaves the old record whole and no
 * temporary file (here: the directory refuses new files). */
START_TEST(test_write_fails_cleanly)
{
	struct state_record *a = entry("a", VM_STATE_DEFINED, 0);
	struct loaded loaded = { .count = 0 };

	ck_assert_int_eq(state_record_write(directory, a), 0);
	ck_assert_int_eq(state_record_write("/nonexistent/vmmd", a), -ENOENT);
	if (geteuid() != 0) {	/* root writes into a read-only directory */
		chmod(directory, 0500);
		a->state = VM_STATE_STOPPED;
		ck_assert_int_eq(state_record_write(directory, a), -EACCES);
		chmod(directory, 0750);
	}
	ck_assert_int_eq(state_records_load(directory, &limits, collect,
	    &loaded), 0);
	ck_assert_int_eq(loaded.count, 1);
	ck_assert_int_eq(loaded.states[0], VM_STATE_DEFINED);
	free(a);
}
END_TEST

START_TEST(test_start_time)
{
	uint64_t mine, again, child_time;
	bool zombie;
	pid_t child;
	int status;

	ck_assert_int_eq(vm_process_start_time(getpid(), &mine, &zombie), 0);
	ck_assert(!zombie);
	ck_assert_int_eq(vm_process_start_time(getpid(), &again, NULL), 0);
	ck_assert_uint_eq(mine, again);
	child = fork();
	if (child == 0)
		_exit(0);
	/* Ended but not reaped: a zombie, which counts as ended. */
	ck_assert_int_eq(vm_process_start_time(child, &child_time, NULL), 0);
	ck_assert_int_eq(vm_process_outlive(child, child_time, 5000), 0);
	ck_assert_int_eq(vm_process_start_time(child, &child_time, &zombie), 0);
	ck_assert(zombie);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_int_eq(vm_process_start_time(child, &child_time, NULL),
	    -ENOENT);
	/* Gone, or a start time that is not its: ended, nothing killed. */
	ck_assert_int_eq(vm_process_outlive(child, child_time, 5000), 0);
	ck_assert_int_eq(vm_process_outlive(getpid(), mine + 1, 5000), 0);
}
END_TEST

/* One that does not end within the time given is killed. */
START_TEST(test_outlive_kills)
{
	uint64_t start_time;
	pid_t child;
	int status;

	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	ck_assert_int_eq(vm_process_start_time(child, &start_time, NULL), 0);
	ck_assert_int_eq(vm_process_outlive(child, start_time, 1000), 1);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}
END_TEST

static void
collect_pid(const char *name, pid_t pid, uint64_t start_time, void *context)
{
	struct loaded *loaded = context;

	ck_assert_int_lt(loaded->count, 8);
	snprintf(loaded->names[loaded->count], sizeof(loaded->names[0]),
	    "%s:%d:%llu", name, (int)pid, (unsigned long long)start_time);
	loaded->count++;
}

/* Pid files: written whole, each read once (then gone), a malformed one
 * skipped and removed. */
START_TEST(test_pid_files)
{
	struct loaded loaded = { .count = 0 };
	char path[128];

	ck_assert_int_eq(state_pid_write(directory, "a", 77, 4242), 0);
	ck_assert_int_eq(state_pid_write(directory, "b", 78, 1), 0);
	state_pid_remove(directory, "b");
	state_pid_remove(directory, "b");	/* twice: no harm */
	unit_write_file(directory, "c.pid", "12 x\n");
	unit_write_file(directory, "d.pid", "-5 3\n");
	unit_write_file(directory, "a.vm", "not a pid file");
	ck_assert_int_eq(state_pids_load(directory, collect_pid, &loaded), 0);
	ck_assert_int_eq(loaded.count, 1);
	ck_assert_str_eq(loaded.names[0], "a:77:4242");
	snprintf(path, sizeof(path), "%s/a.pid", directory);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/c.pid", directory);
	ck_assert_int_eq(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/a.vm", directory);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(state_pids_load("/nonexistent/vmmd", collect_pid,
	    &loaded), -ENOENT);
}
END_TEST

static Suite *
state_dir_suite(void)
{
	Suite *suite = suite_create("state_dir");
	TCase *tcase = tcase_create("records");

	tcase_add_checked_fixture(tcase, setup, teardown);
	tcase_add_test(tcase, test_parse_good);
	tcase_add_test(tcase, test_parse_corrupt);
	tcase_add_test(tcase, test_write_and_load);
	tcase_add_test(tcase, test_write_fails_cleanly);
	tcase_add_test(tcase, test_start_time);
	tcase_add_test(tcase, test_outlive_kills);
	tcase_add_test(tcase, test_pid_files);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(state_dir_suite)
