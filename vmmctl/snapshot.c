/* vmmctl snapshot, restore and clone (snapshot.h). */
#include "snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pass_files.h"

static int
reply_status(struct snapshot_request *request, json_t *reply)
{
	json_t *error = json_object_get(reply, "error");

	if (reply == NULL) {
		fprintf(stderr, "vmmctl: the daemon closed the connection\n");
		return VMMCTL_UNREACHABLE;
	}
	if (error != NULL) {
		fprintf(stderr, "vmmctl: %s: %s\n",
		    json_string_value(json_object_get(error, "class")),
		    json_string_value(json_object_get(error, "desc")));
		json_decref(reply);
		return VMMCTL_ERROR_REPLY;
	}
	request->reply = json_incref(json_object_get(reply, "return"));
	json_decref(reply);
	return VMMCTL_OK;
}

/* dir/name, created for reading and writing by this caller, and passed
 * (getfd) as name: "fd:NAME" in *reference. */
static int
output_pass(struct snapshot_request *request, const char *dir,
    const char *name, char *reference, size_t size)
{
	char path[PATH_MAX], error[512];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (request->paths) {
		snprintf(reference, size, "%s", path);
		return 0;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fprintf(stderr, "vmmctl: cannot create %s: %s\n", path,
		    strerror(errno));
		return VMMCTL_USAGE;
	}
	rc = pass_file_fd(request->connection, name, fd, "snapshot file", path,
	    error, sizeof(error));
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "vmmctl: %s\n", error);
		return VMMCTL_ERROR_REPLY;
	}
	snprintf(reference, size, PASS_FILES_PREFIX "%s", name);
	return 0;
}

int
snapshot_take(struct snapshot_request *request, const char *vm,
    const char *dir)
{
	char state[PATH_MAX + 8], memory[PATH_MAX + 8];
	int rc;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "vmmctl: cannot create %s: %s\n", dir,
		    strerror(errno));
		return VMMCTL_USAGE;
	}
	if ((rc = output_pass(request, dir, "state", state, sizeof(state))) != 0 ||
	    (rc = output_pass(request, dir, "memory", memory,
	    sizeof(memory))) != 0)
		return rc;
	return reply_status(request, connection_execute(request->connection,
	    "vm-snapshot", json_pack("{s:s,s:s,s:s}", "vm", vm, "state", state,
	    "memory", memory)));
}

int
snapshot_restore(struct snapshot_request *request, const char *spec_path,
    const char *dir, const char *name, unsigned int count)
{
	char state[PATH_MAX], memory[PATH_MAX], error[512];
	json_error_t json_error;
	json_t *spec, *arguments;

	spec = json_load_file(spec_path, 0, &json_error);
	if (!json_is_object(spec)) {
		fprintf(stderr, "vmmctl: %s: line %d: %s\n", spec_path,
		    json_error.line, spec == NULL ? json_error.text :
		    "not an object");
		json_decref(spec);
		return VMMCTL_USAGE;
	}
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(memory, sizeof(memory), "%s/memory", dir);
	json_object_set_new(spec, "name", json_string(name));
	json_object_set_new(spec, "restore", json_pack("{s:s,s:s}", "state",
	    state, "memory", memory));
	if (!request->paths && pass_files(request->connection, spec, error,
	    sizeof(error)) < 0) {
		fprintf(stderr, "vmmctl: %s\n", error);
		json_decref(spec);
		return VMMCTL_ERROR_REPLY;
	}
	arguments = json_pack("{s:o}", "spec", spec);
	if (count > 0)
		json_object_set_new(arguments, "count", json_integer(count));
	return reply_status(request, connection_execute(request->connection,
	    count > 0 ? "vm-clone" : "vm-restore", arguments));
}
