/* The daemon's record of each VM in its state directory (NAME.vm, one JSON
 * object), so that a daemon started after one that died knows which VMs
 * there were and which processes may still run: written whole to a
 * temporary file and renamed over the old one (a reader never sees half a
 * record), removed when the VM is deleted or the daemon exits cleanly, and
 * validated member by member when read back. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/log.h"
#include "config.h"
#include "state_dir.h"

#define RECORD_SUFFIX		".vm"
#define PID_SUFFIX		".pid"
#define RECORD_VERSION		1
#define RECORD_BYTES_MAX	(64 * 1024)

/* One daemon per state directory: a second one would take the first's
 * running VMs for those of a daemon that died. The lock is on the
 * directory itself (no file to leave behind) and goes with the daemon. */
int
state_dir_lock(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int rc = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void
file_path(char *path, size_t size, const char *dir, const char *name,
    const char *suffix, bool temporary)
{
	snprintf(path, size, "%s/%s%s%s%s", dir, temporary ? "." : "", name,
	    suffix, temporary ? ".tmp" : "");
}

static void
record_path(char *path, size_t size, const char *dir, const char *name,
    bool temporary)
{
	file_path(path, size, dir, name, RECORD_SUFFIX, temporary);
}

static json_t *
record_json(const struct state_record *record)
{
	json_t *json;

	json = json_pack("{s:i,s:o,s:s,s:I,s:i,s:I}", "version", RECORD_VERSION,
	    "spec", api_vm_spec_json(&record->spec), "state",
	    vm_state_name(record->state), "owner", (json_int_t)record->owner,
	    "pid", (int)record->pid, "start_time",
	    (json_int_t)(record->pid != 0 ? record->start_time : 0));
	if (json != NULL && record->pid != 0 && record->started_at > 0)
		json_object_set_new(json, "started_at",
		    json_integer(record->started_at));
	if (json != NULL && (record->outcome[0] != '\0' ||
	    record->detail[0] != '\0'))
		json_object_set_new(json, "last_run", json_pack("{s:s,s:s}",
		    "outcome", record->outcome, "detail", record->detail));
	return json;
}

static int
write_all(int fd, const char *bytes, size_t length)
{
	ssize_t n;

	while (length > 0) {
		n = write(fd, bytes, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		bytes += n;
		length -= (size_t)n;
	}
	return 0;
}

/* Whole or not at all: 0, or a negative errno, the old file (if any)
 * intact and no temporary file left. */
static int
file_replace(const char *dir, const char *name, const char *suffix,
    const char *text)
{
	char path[DAEMON_PATH_MAX + 64], temporary[DAEMON_PATH_MAX + 64];
	int fd, rc;

	file_path(path, sizeof(path), dir, name, suffix, false);
	file_path(temporary, sizeof(temporary), dir, name, suffix, true);
	fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	rc = write_all(fd, text, strlen(text));
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(temporary, path) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(temporary);
	return rc;
}

int
state_record_write(const char *dir, const struct state_record *record)
{
	json_t *json = record_json(record);
	char *text = json != NULL ? json_dumps(json, JSON_COMPACT) : NULL;
	int rc;

	json_decref(json);
	if (text == NULL)
		return -ENOMEM;
	rc = file_replace(dir, record->spec.name, RECORD_SUFFIX, text);
	free(text);
	return rc;
}

int
state_pid_write(const char *dir, const char *name, pid_t pid,
    uint64_t start_time)
{
	char text[64];

	snprintf(text, sizeof(text), "%d %llu\n", (int)pid,
	    (unsigned long long)start_time);
	return file_replace(dir, name, PID_SUFFIX, text);
}

void
state_pid_remove(const char *dir, const char *name)
{
	char path[DAEMON_PATH_MAX + 64];

	file_path(path, sizeof(path), dir, name, PID_SUFFIX, false);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s", path);
}

void
state_record_remove(const char *dir, const char *name)
{
	char path[DAEMON_PATH_MAX + 64];

	record_path(path, sizeof(path), dir, name, false);
	if (unlink(path) < 0 && errno != ENOENT)
		log_warn("cannot remove %s", path);
}

static int
last_run_parse(json_t *last, struct state_record *record, char *error,
    size_t error_size)
{
	const char *outcome = NULL, *detail = NULL;
	json_error_t json_error;

	if (last == NULL)
		return 0;
	if (json_unpack_ex(last, &json_error, JSON_STRICT, "{s?s,s?s}",
	    "outcome", &outcome, "detail", &detail) < 0) {
		snprintf(error, error_size, "last_run: %s", json_error.text);
		return -1;
	}
	snprintf(record->outcome, sizeof(record->outcome), "%s", outcome ?: "");
	snprintf(record->detail, sizeof(record->detail), "%s", detail ?: "");
	return 0;
}

/* Every member checked: a record is data from a file, not trusted. */
int
state_record_parse(const char *text, size_t length,
    const struct api_vm_limits *limits, struct state_record *record,
    char *error, size_t error_size)
{
	json_t *root, *spec = NULL, *last = NULL;
	json_int_t version = 0, pid = 0, start_time = 0, owner = 0;
	json_int_t started_at = 0;
	const char *state = NULL;
	json_error_t json_error;
	struct api_error spec_error;
	int rc = -1;

	memset(record, 0, sizeof(*record));
	root = json_loadb(text, length, JSON_REJECT_DUPLICATES, &json_error);
	if (root == NULL) {
		snprintf(error, error_size, "not JSON: %s", json_error.text);
		return -1;
	}
	if (json_unpack_ex(root, &json_error, JSON_STRICT, "{s:I,s:o,s:s,s?I,"
	    "s:I,s:I,s?I,s?o}", "version", &version, "spec", &spec, "state",
	    &state, "owner", &owner, "pid", &pid, "start_time", &start_time,
	    "started_at", &started_at, "last_run", &last) < 0)
		snprintf(error, error_size, "%s", json_error.text);
	else if (version != RECORD_VERSION)
		snprintf(error, error_size, "version %lld, not %d",
		    (long long)version, RECORD_VERSION);
	else if (api_vm_spec_parse(spec, limits, &record->spec, &spec_error) < 0)
		snprintf(error, error_size, "%s", spec_error.desc);
	else if (vm_state_by_name(state, &record->state) < 0)
		snprintf(error, error_size, "no state named '%.32s'", state);
	else if (owner < 0 || owner >= UINT32_MAX)
		snprintf(error, error_size, "owner %lld: not a uid",
		    (long long)owner);
	else if (pid < 0 || pid > INT32_MAX || start_time < 0 ||
	    (pid != 0) != vm_state_has_process(record->state))
		snprintf(error, error_size, "pid %lld, start_time %lld: not "
		    "possible for a VM that is %s", (long long)pid,
		    (long long)start_time, state);
	else if (started_at < 0 || (started_at != 0 && pid == 0))
		snprintf(error, error_size, "started_at %lld: not possible for "
		    "a VM that is %s", (long long)started_at, state);
	else if (last_run_parse(last, record, error, error_size) == 0) {
		record->owner = (uid_t)owner;
		record->pid = (pid_t)pid;
		record->start_time = (uint64_t)start_time;
		record->started_at = started_at;
		rc = 0;
	}
	json_decref(root);
	return rc;
}

static int
read_record(int dir_fd, const char *file, char *text, size_t size,
    size_t *length)
{
	int fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	*length = 0;
	while ((n = read(fd, text + *length, size - *length)) > 0)
		*length += (size_t)n;
	close(fd);
	if (n < 0)
		return -errno;
	return *length == size ? -EFBIG : 0;
}

/* The name in the file's name, when it ends in suffix. */
static bool
name_of(const char *file, const char *ending, char *name, size_t size)
{
	size_t length = strlen(file), suffix = strlen(ending);

	if (length <= suffix || length - suffix >= size ||
	    strcmp(file + length - suffix, ending) != 0)
		return false;
	memcpy(name, file, length - suffix);
	name[length - suffix] = '\0';
	return true;
}

static void
load_one(const char *dir, int dir_fd, const char *file, const char *name,
    const struct api_vm_limits *limits, state_record_fn *fn, void *context)
{
	struct state_record *record = malloc(sizeof(*record));
	char *text = malloc(RECORD_BYTES_MAX), why[300] = "";
	size_t length = 0;
	int rc;

	if (text == NULL || record == NULL)
		snprintf(why, sizeof(why), "out of memory");
	else if ((rc = read_record(dir_fd, file, text, RECORD_BYTES_MAX,
	    &length)) < 0)
		snprintf(why, sizeof(why), "%s", strerror(-rc));
	else if (state_record_parse(text, length, limits, record, why,
	    sizeof(why)) < 0)
		;	/* why says it */
	else if (strcmp(record->spec.name, name) != 0)
		snprintf(why, sizeof(why), "it names VM '%s'", record->spec.name);
	if (why[0] == '\0')
		fn(record, context);
	else
		log_warnx("state directory %s: skipping the record %s: %s", dir,
		    file, why);
	free(text);
	free(record);
}

typedef void dir_file_fn(int dir_fd, const char *file, void *context);

/* fn for each file of dir, in name order. */
static int
dir_each(const char *dir, dir_file_fn *fn, void *context)
{
	struct dirent **entries;
	int count, dir_fd, i;

	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	count = scandirat(dir_fd, ".", &entries, NULL, alphasort);
	if (count < 0) {
		close(dir_fd);
		return -errno;
	}
	for (i = 0; i < count; i++) {
		if (entries[i]->d_type == DT_REG ||
		    entries[i]->d_type == DT_UNKNOWN)
			fn(dir_fd, entries[i]->d_name, context);
		free(entries[i]);
	}
	free(entries);
	close(dir_fd);
	return 0;
}

struct records_load {
	const char *dir;
	const struct api_vm_limits *limits;
	state_record_fn *fn;
	void *context;
};

static void
record_file(int dir_fd, const char *file, void *context)
{
	struct records_load *load = context;
	size_t length = strlen(file);
	char name[API_VM_NAME_MAX + 2];

	if (file[0] == '.' && length > 4 && strcmp(file + length - 4,
	    ".tmp") == 0)
		unlinkat(dir_fd, file, 0);
	else if (file[0] != '.' && name_of(file, RECORD_SUFFIX, name,
	    sizeof(name)))
		load_one(load->dir, dir_fd, file, name, load->limits, load->fn,
		    load->context);
}

/* Calls fn for each valid record, in name order; a file that is not one
 * is logged and skipped (left in place for whoever wants to look at it).
 * Temporary files of a write that never finished are removed. */
int
state_records_load(const char *dir, const struct api_vm_limits *limits,
    state_record_fn *fn, void *context)
{
	struct records_load load = { dir, limits, fn, context };

	return dir_each(dir, record_file, &load);
}

static void
pid_one(int dir_fd, const char *file, const char *name, state_pid_fn *fn,
    void *context)
{
	unsigned long long start_time;
	char text[64], end;
	size_t length;
	int pid;

	if (read_record(dir_fd, file, text, sizeof(text) - 1, &length) == 0) {
		text[length] = '\0';
		if (sscanf(text, "%d %llu%c", &pid, &start_time, &end) == 3 &&
		    end == '\n' && pid > 0)
			fn(name, (pid_t)pid, start_time, context);
		else
			log_warnx("skipping the pid file %s: not 'PID START_TIME'",
			    file);
	}
	unlinkat(dir_fd, file, 0);
}

struct pids_load {
	state_pid_fn *fn;
	void *context;
};

static void
pid_file(int dir_fd, const char *file, void *context)
{
	struct pids_load *load = context;
	char name[API_VM_NAME_MAX + 2];

	if (file[0] != '.' && name_of(file, PID_SUFFIX, name, sizeof(name)))
		pid_one(dir_fd, file, name, load->fn, load->context);
}

int
state_pids_load(const char *dir, state_pid_fn *fn, void *context)
{
	struct pids_load load = { fn, context };

	return dir_each(dir, pid_file, &load);
}
