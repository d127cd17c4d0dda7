/* What the kernel log says about KVM: a table of the kernel's own phrases
 * (arch/arm64/kvm/arm.c, arch/arm64/kernel/cpufeature.c), matched line by
 * line. Takes the text of /dev/kmsg records, of dmesg, or of klogctl. */
#include "probe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct klog_phrase {
	const char *text;
	uint32_t fact;
};

/* Order matters: a line gives the fact of the first phrase it contains, so
 * "Hyp nVHE mode ..." must come before "VHE mode ...", which it contains.
 * probe_klog_table_check refuses a table where an earlier phrase hides a
 * later one. */
static const struct klog_phrase klog_phrases[] = {
	{ "Protected hVHE mode initialized successfully", PROBE_LOG_PROTECTED_HVHE },
	{ "Protected nVHE mode initialized successfully", PROBE_LOG_PROTECTED_NVHE },
	{ "Hyp hVHE mode initialized successfully", PROBE_LOG_HYP_HVHE },
	{ "Hyp nVHE mode initialized successfully", PROBE_LOG_HYP_NVHE },
	{ "Hyp mode initialized successfully", PROBE_LOG_HYP_NVHE },	/* < 5.10 */
	{ "VHE mode initialized successfully", PROBE_LOG_VHE },
	{ "KVM disabled from command line", PROBE_LOG_DISABLED },
	{ "HYP mode not available", PROBE_LOG_NO_HYP },
	{ "error initializing Hyp mode", PROBE_LOG_INIT_ERROR },
	{ "All CPU(s) started at EL2", PROBE_LOG_STARTED_EL2 },
	{ "All CPU(s) started at EL1", PROBE_LOG_STARTED_EL1 },
	{ "unavailable: Nested Virtualization Support", PROBE_LOG_NV_UNAVAILABLE },
	{ "detected: Nested Virtualization Support", PROBE_LOG_NV_DETECTED },
	{ "detected: Protected KVM", PROBE_LOG_PKVM_FEATURE },
	{ "Guests without required CPU erratum workarounds can deadlock system",
	    PROBE_LOG_ERRATA_WARNING },
	{ "IPA Size Limit: ", PROBE_LOG_IPA_LIMIT },
};

#define KLOG_PHRASES	(sizeof(klog_phrases) / sizeof(klog_phrases[0]))

/* Each phrase says something, and none hides a later one: matching stops
 * at the first phrase a line contains. */
int
probe_phrases_check(const char *const *phrases, size_t count, char *error,
    size_t error_size)
{
	size_t i, j;

	for (i = 0; i < count; i++) {
		if (phrases[i] == NULL || phrases[i][0] == '\0') {
			snprintf(error, error_size, "kernel log phrase %zu: empty", i);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (strstr(phrases[i], phrases[j]) != NULL) {
				snprintf(error, error_size, "kernel log phrase %zu "
				    "('%s') is hidden by phrase %zu ('%s')", i,
				    phrases[i], j, phrases[j]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int
probe_klog_table_check(char *error, size_t error_size)
{
	const char *phrases[KLOG_PHRASES];
	size_t i;

	for (i = 0; i < KLOG_PHRASES; i++) {
		if (klog_phrases[i].fact == 0) {
			snprintf(error, error_size, "kernel log phrase %zu ('%s') "
			    "gives no fact", i, klog_phrases[i].text);
			return -EINVAL;
		}
		phrases[i] = klog_phrases[i].text;
	}
	return probe_phrases_check(phrases, KLOG_PHRASES, error, error_size);
}

/* A /dev/kmsg record is "prio,seq,usec,flags;message"; dmesg prints
 * "[ seconds] message". Either way the message is what matters. */
static const char *
message_of(const char *line)
{
	const char *semicolon = strchr(line, ';');
	const char *p = line;

	if (line[0] == '[') {
		p = strchr(line, ']');
		return p != NULL ? p + 1 + (p[1] == ' ') : line;
	}
	while (*p >= '0' && *p <= '9')
		p++;
	if (p != line && *p == ',' && semicolon != NULL)
		return semicolon + 1;
	return line;
}

/* Long lines are cut: the phrase that matters comes early. */
static void
keep_line(struct probe_log *log, const char *message)
{
	char *line;
	size_t n;

	if (log->line_count == PROBE_LOG_MAX_LINES)
		return;
	line = log->lines[log->line_count++];
	n = strnlen(message, sizeof(log->lines[0]) - 1);
	memcpy(line, message, n);
	line[n] = '\0';
}

static void
take_line(struct probe_log *log, const char *line)
{
	const char *message = message_of(line);
	const char *hit;
	size_t i;

	if (strncmp(message, "kvm [", 5) == 0)
		log->kvm_lines++;
	for (i = 0; i < KLOG_PHRASES; i++) {
		hit = strstr(message, klog_phrases[i].text);
		if (hit == NULL)
			continue;
		if (klog_phrases[i].fact == PROBE_LOG_IPA_LIMIT) {
			char *end;
			unsigned long bits = strtoul(hit + strlen(klog_phrases[i].text),
			    &end, 10);

			if (end == hit + strlen(klog_phrases[i].text) || bits > 64)
				return;	/* truncated or garbled: no fact */
			log->ipa_limit = (unsigned int)bits;
		}
		if ((log->facts & klog_phrases[i].fact) == 0)
			keep_line(log, message);
		log->facts |= klog_phrases[i].fact;
		return;
	}
}

/* Any text is accepted: lines that say nothing known are skipped, a last
 * line without its newline counts, NUL bytes end a line. Returns the number
 * of lines read. */
int
probe_klog_parse(const char *text, size_t length, struct probe_log *log)
{
	char line[512];
	size_t i, n = 0;
	int lines = 0;

	memset(log, 0, sizeof(*log));
	for (i = 0; i <= length; i++) {
		if (i < length && text[i] != '\n' && text[i] != '\0') {
			if (n + 1 < sizeof(line))
				line[n++] = text[i];
			continue;
		}
		if (n == 0)
			continue;
		line[n] = '\0';
		take_line(log, line);
		lines++;
		n = 0;
	}
	return lines;
}
