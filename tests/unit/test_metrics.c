/* The Prometheus exposition (api/metrics.c): label values escaped, each
 * family's HELP then TYPE then only its own samples, every name once and
 * following the naming conventions, and the counters equal to the numbers
 * of the VM's info they come from. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../api/metrics.h"
#include "suites.h"

static const char *const states[] = { "defined", "running", "stopped" };

static void
daemon_figures(struct api_metrics_daemon *daemon)
{
	memset(daemon, 0, sizeof(*daemon));
	daemon->uptime_seconds = 12.5;
	daemon->clients = 2;
	daemon->vms = 2;
	daemon->requests = 40;
	daemon->errors[API_ERROR_WRONG_STATE] = 3;
	daemon->states = states;
	daemon->state_count = sizeof(states) / sizeof(states[0]);
}

/* A running VM's info, as vm-info gives it, counters included. */
static json_t *
live_info(const char *name)
{
	json_t *info = json_pack("{s:s,s:s,s:{s:i,s:i},s:i}", "name", name,
	    "state", "running", "config", "vcpus", 2, "memory_mib", 256, "pid",
	    99);
	json_t *counters = json_loads("{\"forward_map\":{\"kvm_filter\":true,"
	    "\"entries\":[{\"name\":\"uart\",\"kind\":\"mmio\",\"base\":"
	    "\"0x9000000\",\"size\":\"0x1000\",\"action\":\"device\",\"hits\":"
	    "17},{\"name\":\"psci\",\"kind\":\"hypercall\",\"base\":\"0x84000000\","
	    "\"size\":\"0x20\",\"action\":\"kvm\",\"hits\":5},{\"name\":\"rtc\","
	    "\"kind\":\"mmio\",\"base\":\"0x9010000\",\"size\":\"0x1000\","
	    "\"action\":\"device\",\"hits\":4}],\"unmapped\":{\"mmio\":2,"
	    "\"hypercall\":0,\"system-event\":0,\"exit\":1},"
	    "\"unmapped_mmio_policy\":\"ignore\",\"unmapped_addresses\":[]},"
	    "\"devices\":[{\"name\":\"virtio-blk0\",\"kind\":\"block\",\"base\":"
	    "\"0xa000000\",\"irq\":48,\"ioeventfd\":true,\"status\":15,"
	    "\"needs_reset\":false,\"notifies\":30,\"mmio_notifies\":1,"
	    "\"interrupts\":29,\"chains\":31,\"resets\":1,"
	    "\"needs_reset_events\":0,\"counters\":{\"reads\":20,"
	    "\"bytes_read\":81920}}],\"console_log_dropped\":7}", 0, NULL);

	ck_assert_ptr_nonnull(info);
	ck_assert_ptr_nonnull(counters);
	json_object_set_new(info, "counters", counters);
	return info;
}

static char *
render_two(json_t **live, json_t **defined)
{
	struct api_metrics_daemon daemon;
	struct api_metrics_vm vms[2];
	char *text;

	daemon_figures(&daemon);
	*live = live_info("web");
	*defined = json_pack("{s:s,s:s,s:{s:i,s:i},s:i}", "name", "idle",
	    "state", "defined", "config", "vcpus", 1, "memory_mib", 64, "pid", 0);
	vms[0] = (struct api_metrics_vm){ *live, 300u << 20 };
	vms[1] = (struct api_metrics_vm){ *defined, 0 };
	text = api_metrics_render(&daemon, vms, 2);
	ck_assert_ptr_nonnull(text);
	return text;
}

/* The value of the sample whose name and labels are exactly series. */
static const char *
value_of(const char *text, const char *series)
{
	static char value[64];
	const char *line;
	size_t length = strlen(series);

	for (line = text; line != NULL && *line != '\0';
	    line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, series, length) == 0 && line[length] == ' ') {
			sscanf(line + length + 1, "%63s", value);
			return value;
		}
	return NULL;
}

static void
expect(const char *text, const char *series, const char *value)
{
	const char *got = value_of(text, series);

	ck_assert_msg(got != NULL, "no sample %s in:\n%s", series, text);
	ck_assert_msg(strcmp(got, value) == 0, "%s is %s, not %s", series, got,
	    value);
}

START_TEST(test_label_escaping)
{
	char *text = NULL;
	size_t length = 0;
	FILE *out = open_memstream(&text, &length);

	api_metrics_label_escape(out, "a\"b\\c\nd");
	fclose(out);
	ck_assert_str_eq(text, "a\\\"b\\\\c\\nd");
	free(text);
}
END_TEST

/* A name the format must escape reaches the output escaped, once. */
START_TEST(test_escaped_in_output)
{
	struct api_metrics_daemon daemon;
	struct api_metrics_vm vm;
	json_t *info = live_info("we\"ird\\vm\n");
	char *text;

	daemon_figures(&daemon);
	vm = (struct api_metrics_vm){ info, 0 };
	text = api_metrics_render(&daemon, &vm, 1);
	expect(text, "vmmd_vm_vcpus{vm=\"we\\\"ird\\\\vm\\n\"}", "2");
	ck_assert_ptr_null(strstr(text, "ird\\vm\n"));
	free(text);
	json_decref(info);
}
END_TEST

/* HELP, TYPE, samples; then the next family: no name twice, no sample of
 * another name inside a family, conventional names and types. */
START_TEST(test_families_in_order)
{
	json_t *live, *defined;
	char *text = render_two(&live, &defined), *copy = strdup(text), *line;
	char family[128] = "", type[16] = "", seen[4096] = " ", name[128];
	enum { HELP, TYPE, SAMPLES } next = HELP;
	int families = 0;

	for (line = strtok(copy, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		if (strncmp(line, "# HELP ", 7) == 0) {
			ck_assert_int_ne(next, TYPE);
			ck_assert_int_eq(sscanf(line + 7, "%127s", family), 1);
			snprintf(name, sizeof(name), " %s ", family);
			ck_assert_msg(strstr(seen, name) == NULL, "%s twice", family);
			strncat(seen, name + 1, sizeof(seen) - strlen(seen) - 1);
			ck_assert(strncmp(family, "vmmd_", 5) == 0);
			families++;
			next = TYPE;
			continue;
		}
		ck_assert_msg(next != HELP, "a sample before any HELP: %s", line);
		if (next == TYPE) {
			ck_assert_int_eq(sscanf(line, "# TYPE %127s %15s", name,
			    type), 2);
			ck_assert_str_eq(name, family);
			ck_assert_int_eq(strcmp(type, "counter") == 0,
			    strlen(family) > 6 && strcmp(family + strlen(family) -
			    6, "_total") == 0);
			next = SAMPLES;
			continue;
		}
		ck_assert_int_eq(sscanf(line, "%127[^{ ]", name), 1);
		ck_assert_msg(strcmp(name, family) == 0, "%s in family %s", name,
		    family);
	}
	ck_assert_int_eq(families, (int)api_metrics_family_count);
	free(copy);
	free(text);
	json_decref(live);
	json_decref(defined);
}
END_TEST

START_TEST(test_daemon_figures)
{
	json_t *live, *defined;
	char *text = render_two(&live, &defined);

	expect(text, "vmmd_uptime_seconds", "12.500");
	expect(text, "vmmd_clients", "2");
	expect(text, "vmmd_vms", "2");
	expect(text, "vmmd_requests_total", "40");
	expect(text, "vmmd_request_errors_total{class=\"WrongState\"}", "3");
	expect(text, "vmmd_request_errors_total{class=\"JSONError\"}", "0");
	expect(text, "vmmd_vm_state{vm=\"web\",state=\"running\"}", "1");
	expect(text, "vmmd_vm_state{vm=\"web\",state=\"defined\"}", "0");
	expect(text, "vmmd_vm_state{vm=\"idle\",state=\"defined\"}", "1");
	expect(text, "vmmd_vm_memory_bytes{vm=\"idle\"}", "67108864");
	expect(text, "vmmd_vm_process_resident_memory_bytes{vm=\"web\"}",
	    "314572800");
	/* no process, no resident memory; no counters, no exits */
	ck_assert_ptr_null(strstr(text, "resident_memory_bytes{vm=\"idle\"}"));
	ck_assert_ptr_null(strstr(text, "vmmd_vm_exits_total{vm=\"idle\""));
	free(text);
	json_decref(live);
	json_decref(defined);
}
END_TEST

/* Each counter is the info's number, read back from the exposition. */
START_TEST(test_counters_equal_info)
{
	json_t *live, *defined, *entry, *device;
	char *text = render_two(&live, &defined), series[256], value[32];
	json_t *counters = json_object_get(live, "counters");
	size_t i;

	json_array_foreach(json_object_get(json_object_get(counters,
	    "forward_map"), "entries"), i, entry) {
		snprintf(series, sizeof(series), "vmmd_vm_forward_map_hits_total"
		    "{vm=\"web\",entry=\"%s\",kind=\"%s\",base=\"%s\"}",
		    json_string_value(json_object_get(entry, "name")),
		    json_string_value(json_object_get(entry, "kind")),
		    json_string_value(json_object_get(entry, "base")));
		snprintf(value, sizeof(value), "%lld",
		    json_integer_value(json_object_get(entry, "hits")));
		expect(text, series, value);
	}
	expect(text, "vmmd_vm_exits_total{vm=\"web\",kind=\"mmio\"}", "23");
	expect(text, "vmmd_vm_exits_total{vm=\"web\",kind=\"hypercall\"}", "5");
	expect(text, "vmmd_vm_exits_total{vm=\"web\",kind=\"exit\"}", "1");
	expect(text, "vmmd_vm_forward_map_unmapped_total{vm=\"web\",kind="
	    "\"mmio\"}", "2");
	device = json_array_get(json_object_get(counters, "devices"), 0);
	expect(text, "vmmd_vm_virtio_chains_total{vm=\"web\",device="
	    "\"virtio-blk0\",kind=\"block\"}", "31");
	expect(text, "vmmd_vm_virtio_notifies_total{vm=\"web\",device="
	    "\"virtio-blk0\",kind=\"block\"}", "30");
	expect(text, "vmmd_vm_virtio_needs_reset{vm=\"web\",device="
	    "\"virtio-blk0\",kind=\"block\"}", json_is_true(json_object_get(
	    device, "needs_reset")) ? "1" : "0");
	expect(text, "vmmd_vm_virtio_device_stat{vm=\"web\",device="
	    "\"virtio-blk0\",kind=\"block\",stat=\"bytes_read\"}", "81920");
	expect(text, "vmmd_vm_console_log_dropped_bytes_total{vm=\"web\"}", "7");
	free(text);
	json_decref(live);
	json_decref(defined);
}
END_TEST

/* A VM that ran has its last run's figures; a count that is not one
 * (hostile or broken info) is left out, never written as a number. */
START_TEST(test_last_run_and_bad_counts)
{
	struct api_metrics_daemon daemon;
	struct api_metrics_vm vm;
	json_t *info = json_loads("{\"name\":\"done\",\"state\":\"stopped\","
	    "\"config\":{\"vcpus\":\"two\",\"memory_mib\":-1},\"last_run\":{"
	    "\"console_log_dropped\":9,\"forward_map\":{\"entries\":[{\"name\":"
	    "\"uart\",\"kind\":\"mmio\",\"base\":\"0x9000000\",\"hits\":\"x\"}],"
	    "\"unmapped\":{\"mmio\":3}}}}", 0, NULL);
	char *text;

	daemon_figures(&daemon);
	vm = (struct api_metrics_vm){ info, 0 };
	text = api_metrics_render(&daemon, &vm, 1);
	expect(text, "vmmd_vm_console_log_dropped_bytes_total{vm=\"done\"}", "9");
	expect(text, "vmmd_vm_exits_total{vm=\"done\",kind=\"mmio\"}", "3");
	ck_assert_ptr_null(strstr(text, "vmmd_vm_vcpus{"));
	ck_assert_ptr_null(strstr(text, "vmmd_vm_memory_bytes{"));
	ck_assert_ptr_null(strstr(text, "vmmd_vm_forward_map_hits_total{"));
	free(text);
	json_decref(info);
}
END_TEST

/* The label names of family's first sample, as the doc writes them:
 * "`vm`, `kind`", or "—" for none. */
static void
labels_of(const char *text, const char *family, char *out, size_t size)
{
	char start[160];
	const char *at;

	snprintf(start, sizeof(start), "\n%s{", family);
	at = strstr(text, start);
	snprintf(out, size, "%s", "\xe2\x80\x94");
	if (at == NULL)
		return;
	out[0] = '\0';
	for (at += strlen(start); *at != '}' && *at != '\0';) {
		snprintf(out + strlen(out), size - strlen(out), "%s`%.*s`",
		    out[0] != '\0' ? ", " : "", (int)strcspn(at, "="), at);
		at += strcspn(at, "=") + 2;
		while (*at != '"' && *at != '\0')
			at += *at == '\\' ? 2 : 1;
		at += *at == '"';
		at += *at == ',';
	}
}

/* docs/protocol.md's table of families is the code's: each row's name,
 * type and labels, in the order of the text. */
START_TEST(test_doc_families)
{
	FILE *doc = fopen("docs/protocol.md", "r");
	json_t *live, *defined;
	char *text = render_two(&live, &defined), line[1024], name[128];
	char type[16], labels[128], want[128];
	size_t rows = 0;

	ck_assert_ptr_nonnull(doc);
	while (fgets(line, sizeof(line), doc) != NULL) {
		if (strncmp(line, "| `vmmd_", 8) != 0)
			continue;
		ck_assert_int_eq(sscanf(line, "| `%127[^`]` | %15[^ ] | %127[^|]",
		    name, type, labels), 3);
		labels[strcspn(labels, "|")] = '\0';
		while (labels[0] != '\0' && labels[strlen(labels) - 1] == ' ')
			labels[strlen(labels) - 1] = '\0';
		ck_assert_msg(rows < api_metrics_family_count, "docs/protocol.md "
		    "lists %s, a family the code does not have", name);
		ck_assert_str_eq(name, api_metrics_families[rows].name);
		ck_assert_str_eq(type, api_metrics_families[rows].type);
		labels_of(text, name, want, sizeof(want));
		ck_assert_msg(strcmp(labels, want) == 0, "docs/protocol.md: %s's "
		    "labels are '%s', the code's '%s'", name, labels, want);
		rows++;
	}
	fclose(doc);
	ck_assert_uint_eq(rows, api_metrics_family_count);
	free(text);
	json_decref(live);
	json_decref(defined);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *suite = suite_create("metrics");
	TCase *tcase = tcase_create("exposition");

	tcase_add_test(tcase, test_label_escaping);
	tcase_add_test(tcase, test_escaped_in_output);
	tcase_add_test(tcase, test_families_in_order);
	tcase_add_test(tcase, test_daemon_figures);
	tcase_add_test(tcase, test_counters_equal_info);
	tcase_add_test(tcase, test_last_run_and_bad_counts);
	tcase_add_test(tcase, test_doc_families);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(metrics_suite)
