/* libFuzzer target: the daemon <-> VM process channel (vmmd/vm_channel.c),
 * both ways, as each side reads it. The first byte says who receives (even:
 * the daemon, which reads what a VM process taken over by its guest may
 * write; odd: the VM process); the rest is cut into lines the way both
 * sides read them. A line the decoder takes must encode again into one
 * line that decodes to the same message; a line it refuses must leave no
 * message behind. The counters a daemon takes are rendered as metrics
 * (api/metrics.c) the way query-metrics does: every family once, and every
 * line a comment or a sample of vmmd's, whatever the process said. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../api/metrics.h"
#include "../vmmd/vm_channel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const struct vm_message *a, const struct vm_message *b)
{
	if (a->kind != b->kind || a->force != b->force || a->ok != b->ok ||
	    a->adopted != b->adopted ||
	    strcmp(a->desc, b->desc) != 0 ||
	    (a->counters != NULL) != (b->counters != NULL) ||
	    (a->counters != NULL && !json_equal(a->counters, b->counters)) ||
	    (a->result != NULL) != (b->result != NULL) ||
	    (a->result != NULL && !json_equal(a->result, b->result)) ||
	    (a->spec != NULL) != (b->spec != NULL) ||
	    (a->spec != NULL && (memcmp(&a->spec->spec, &b->spec->spec,
	    sizeof(a->spec->spec)) != 0 || strcmp(a->spec->console_log,
	    b->spec->console_log) != 0 || strcmp(a->spec->kvm_path,
	    b->spec->kvm_path) != 0 || strcmp(a->spec->vm_user,
	    b->spec->vm_user) != 0 || a->spec->stop_timeout_ms !=
	    b->spec->stop_timeout_ms || a->spec->test_hooks !=
	    b->spec->test_hooks)))
		__builtin_trap();
}

static void
metrics_of(json_t *counters)
{
	static const char *const states[] = { "running" };
	struct api_metrics_daemon daemon = { .states = states, .state_count = 1 };
	json_t *info = json_pack("{s:s,s:s,s:O}", "name", "fuzz", "state",
	    "running", "counters", counters);
	struct api_metrics_vm vm = { info, 1 };
	char *text = api_metrics_render(&daemon, &vm, 1), *line;
	size_t families = 0;

	if (text == NULL)
		__builtin_trap();
	for (line = text; *line != '\0'; line = strchr(line, '\n') + 1) {
		if (strncmp(line, "# HELP ", 7) == 0)
			families++;
		else if (strncmp(line, "# TYPE vmmd_", 12) != 0 &&
		    strncmp(line, "vmmd_", 5) != 0)
			__builtin_trap();
		if (strchr(line, '\n') == NULL)
			__builtin_trap();	/* every line ends */
	}
	if (families != api_metrics_family_count)
		__builtin_trap();
	free(text);
	json_decref(info);
}

static void
one_line(const char *line, size_t length, enum vm_channel_side side)
{
	struct vm_message message, again;
	char error[160];
	char *encoded;

	if (vm_message_decode(line, length, side, &message, error,
	    sizeof(error)) < 0) {
		if (message.kind != VM_MSG_NONE || message.spec != NULL ||
		    message.result != NULL || message.counters != NULL ||
		    error[0] == '\0')
			__builtin_trap();
		return;
	}
	encoded = vm_message_encode(&message);
	if (encoded == NULL)
		__builtin_trap();	/* what was taken can be said again */
	if (memchr(encoded, '\n', strlen(encoded) - 1) != NULL ||
	    vm_message_decode(encoded, strlen(encoded), side, &again, error,
	    sizeof(error)) < 0)
		__builtin_trap();
	same(&message, &again);
	if (message.counters != NULL)
		metrics_of(message.counters);
	vm_message_clear(&again);
	vm_message_clear(&message);
	free(encoded);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum vm_channel_side side;
	const uint8_t *newline;

	if (size < 1)
		return 0;
	side = data[0] & 1 ? VM_CHANNEL_TO_PROCESS : VM_CHANNEL_TO_DAEMON;
	data++;
	size--;
	while (size > 0) {
		newline = memchr(data, '\n', size);
		one_line((const char *)data, newline != NULL ?
		    (size_t)(newline - data) : size, side);
		if (newline == NULL)
			break;
		size -= (size_t)(newline - data) + 1;
		data = newline + 1;
	}
	return 0;
}
