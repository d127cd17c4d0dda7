/* One query-metrics request (metrics_scrape.h): every VM's info taken at
 * once, each live VM's process asked for its counters through the
 * registry's gather (the same answer vm-info gets), its process's resident
 * memory read from /proc, then the exposition rendered and sent. A client
 * that leaves meanwhile is not answered; a VM that ends meanwhile is
 * rendered as it was, without counters. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../core/log.h"
#include "metrics_scrape.h"

struct scrape {
	struct vm_gather gather;	/* first: the registry hands it back */
	struct vm_registry *registry;
	struct client *client;		/* NULL once it has gone */
	json_t *id;
	json_t *infos;			/* one per VM, in the registry's order */
	struct api_metrics_vm *vms;
	unsigned int count, waiting;
};

/* 0 when there is no process or /proc does not say. */
static uint64_t
process_resident(pid_t pid)
{
	unsigned long long size, resident;
	char path[32];
	FILE *statm;
	int n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), METRICS_STATM_PATH, (int)pid);
	statm = fopen(path, "re");
	if (statm == NULL)
		return 0;
	n = fscanf(statm, "%llu %llu", &size, &resident);
	fclose(statm);
	return n == 2 ? (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE) : 0;
}

static void
scrape_free(struct scrape *scrape)
{
	json_decref(scrape->infos);
	json_decref(scrape->id);
	free(scrape->vms);
	free(scrape);
}

static void
scrape_reply(struct scrape *scrape)
{
	struct vm_registry *registry = scrape->registry;
	const char *states[VM_STATE_COUNT];
	struct api_metrics_daemon figures = { 0 };
	unsigned int i;
	char *text;

	for (i = 0; i < VM_STATE_COUNT; i++)
		states[i] = vm_state_name((enum vm_state)i);
	registry->output->daemon_figures(registry->output->context, &figures);
	figures.vms = registry->count;
	figures.states = states;
	figures.state_count = VM_STATE_COUNT;
	for (i = 0; i < scrape->count; i++)
		scrape->vms[i].info = json_array_get(scrape->infos, i);
	text = api_metrics_render(&figures, scrape->vms, scrape->count);
	if (text == NULL)
		vm_error(registry, scrape->client, scrape->id, API_ERROR_GENERIC,
		    "query-metrics: out of memory");
	else
		vm_reply(registry, scrape->client, json_pack("{s:s,s:s}",
		    "content_type", API_METRICS_CONTENT_TYPE, "text", text),
		    scrape->id);
	free(text);
}

static void
scrape_answer(struct vm_gather *gather, unsigned int slot, json_t *counters,
    struct client *client)
{
	struct scrape *scrape = (struct scrape *)gather;

	if (client == NULL)
		scrape->client = NULL;
	if (counters != NULL)
		json_object_set(json_array_get(scrape->infos, slot), "counters",
		    counters);
	if (--scrape->waiting > 0)
		return;
	if (scrape->client != NULL)
		scrape_reply(scrape);
	scrape_free(scrape);
}

static struct scrape *
scrape_new(const struct vm_call *call)
{
	struct scrape *scrape = calloc(1, sizeof(*scrape));

	if (scrape == NULL)
		return NULL;
	scrape->gather.answer = scrape_answer;
	scrape->registry = call->registry;
	scrape->client = call->client;
	scrape->id = json_incref(call->request->id);
	scrape->infos = json_array();
	scrape->vms = calloc(call->registry->count + 1, sizeof(*scrape->vms));
	if (scrape->infos == NULL || scrape->vms == NULL) {
		scrape_free(scrape);
		return NULL;
	}
	return scrape;
}

/* The VMs this client may see (its own; all for root). The scrape waits
 * for one answer more than it asked: its own, last, so
 * that no answer that comes at once can end it before every VM is asked. */
void
metrics_scrape_start(const struct vm_call *call)
{
	uid_t uid = call->registry->output->client_uid(call->client);
	struct scrape *scrape = scrape_new(call);
	struct vm_record *vm;
	json_t *info;
	bool live;

	if (scrape == NULL) {
		vm_error(call->registry, call->client, call->request->id,
		    API_ERROR_GENERIC, "query-metrics: out of memory");
		return;
	}
	scrape->waiting = 1;
	TAILQ_FOREACH(vm, &call->registry->vms, entry) {
		if (!vm_record_visible(vm, uid))
			continue;	/* another user's: not this client's */
		info = vm_record_info_json(vm);
		json_array_append_new(scrape->infos, info ?: json_object());
		scrape->vms[scrape->count].resident_bytes =
		    process_resident(vm->process.pid);
		live = vm->state == VM_STATE_RUNNING ||
		    vm->state == VM_STATE_PAUSED;
		if (live && vm_record_ask_gather(vm, call->client,
		    &scrape->gather, scrape->count) == 0)
			scrape->waiting++;
		else if (live)
			log_warnx("query-metrics: cannot reach VM %s's process: "
			    "its counters are left out", vm->spec.name);
		scrape->count++;
	}
	scrape_answer(&scrape->gather, 0, NULL, call->client);
}
