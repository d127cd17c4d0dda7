/* libFuzzer target: arm64's readers of a snapshot's VM sections
 * (arm64/vgic_state.c's check, arm64/snapshot_vm.c's CPU_MODEL, MP_STATE
 * and TIMERS readers), each fed the whole input. A refusal must be one
 * non-empty line; a CPU model the reader accepts must come back from the
 * writer byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../arm64/snapshot_vm.h"
#include "../arm64/vgic_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint64_t mpidrs[2] = { 0x80000000ull, 0x80000001ull };
static struct cpu_model model;
static struct cpu_template cpu_template;

static void
refusal_is_a_line(int err, const char *why)
{
	if (err && (why[0] == '\0' || strchr(why, '\n')))
		__builtin_trap();
}

static void
model_again(const struct snapshot_blob *blob)
{
	struct snapshot_writer writer;
	bool has_template;
	char why[256] = "";
	int err;

	err = arm64_snapshot_read_model(blob, &model, &cpu_template,
	    &has_template, why, sizeof(why));
	refusal_is_a_line(err, why);
	if (err)
		return;
	snapshot_writer_init(&writer, 4096);
	arm64_snapshot_put_model(&writer, &model, has_template ?
	    &cpu_template : NULL);
	if (writer.error || writer.size - SNAPSHOT_HEADER_SIZE != blob->size ||
	    memcmp(writer.data + SNAPSHOT_HEADER_SIZE, blob->data, blob->size))
		__builtin_trap();
	snapshot_writer_free(&writer);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snapshot_blob blob = { data, size };
	struct arm64_snapshot_timers timers;
	uint32_t states[4];
	char why[256] = "";

	refusal_is_a_line(vgic_state_check(&blob, mpidrs, 2, size % 2, why,
	    sizeof(why)), why);
	why[0] = '\0';
	refusal_is_a_line(arm64_snapshot_read_mp_states(&blob, 4, states, why,
	    sizeof(why)), why);
	why[0] = '\0';
	refusal_is_a_line(arm64_snapshot_read_timers(&blob, 62500000, &timers,
	    why, sizeof(why)), why);
	model_again(&blob);
	return 0;
}
