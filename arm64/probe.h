/* The host probe: can this host run arm64 VMs on KVM, and how, decided the
 * way the kernel's kvm_arm_init() decides it, with the evidence of each
 * source. Parsers take text (unit-tested); probe_io.c reads the host. */
#ifndef VMMD_PROBE_H
#define VMMD_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu_errata.h"
#include "kvm_caps.h"

#define PROBE_MAX_CPUS		64
#define PROBE_MAX_EVIDENCE	16
#define PROBE_MAX_WARNINGS	8
#define PROBE_TEXT		256

/* How sure an answer is: the kernel said it (its log) or the KVM API proved
 * it; several sources agree without the kernel's own word; one indirect
 * source or the kernel's documented default; nothing to go on. */
enum probe_certainty {
	PROBE_CERTAIN,
	PROBE_LIKELY,
	PROBE_GUESS,
	PROBE_UNKNOWN,
};

enum probe_reason {
	PROBE_REASON_OK,
	PROBE_REASON_NOT_ARM64,
	PROBE_REASON_KVM_DISABLED,	/* kvm-arm.mode=none */
	PROBE_REASON_NO_HYP_MODE,	/* no EL2: "HYP mode not available" */
	PROBE_REASON_INIT_FAILED,	/* "error initializing Hyp mode" */
	PROBE_REASON_KVM_ABSENT,	/* not built, not loaded, or unknown why */
	PROBE_REASON_NO_DEVICE,		/* KVM is up but the path is wrong */
	PROBE_REASON_NO_PERMISSION,
	PROBE_REASON_KVM_ERROR,		/* opening or asking KVM failed otherwise */
	PROBE_REASON_BAD_API_VERSION,
	PROBE_REASON_MISSING_CAPS,
};

/* What KVM runs as; kvm-arm.mode's values, and what the kernel did. */
enum probe_mode {
	PROBE_MODE_UNKNOWN,
	PROBE_MODE_NONE,
	PROBE_MODE_VHE,
	PROBE_MODE_NVHE,
	PROBE_MODE_PROTECTED,
	PROBE_MODE_NESTED,
};

/* How the hypervisor sits at EL2. */
enum probe_el2 {
	PROBE_EL2_UNKNOWN,
	PROBE_EL2_VHE,		/* the kernel itself runs at EL2 */
	PROBE_EL2_NVHE,		/* a small hypervisor at EL2, the kernel at EL1 */
	PROBE_EL2_HVHE,		/* that hypervisor with VHE's EL2 layout */
};

/* kvm-arm.mode as the command line asks it. */
enum probe_request {
	PROBE_REQUEST_DEFAULT,	/* not given */
	PROBE_REQUEST_NONE,
	PROBE_REQUEST_NVHE,
	PROBE_REQUEST_PROTECTED,
	PROBE_REQUEST_NESTED,
	PROBE_REQUEST_INVALID,	/* a value the kernel ignores */
};

enum probe_source_state {
	PROBE_SOURCE_SKIPPED,	/* not asked (e.g. not an arm64 host) */
	PROBE_SOURCE_READ,
	PROBE_SOURCE_ABSENT,	/* ENOENT and the like */
	PROBE_SOURCE_REFUSED,	/* EPERM/EACCES: exists, not for us */
	PROBE_SOURCE_BROKEN,	/* read, but the text made no sense */
	PROBE_SOURCE_ERROR,	/* any other failure */
};

struct probe_source {
	enum probe_source_state state;
	int error;		/* errno of the failure, 0 when read */
	char path[64];
};

struct probe_cmdline {
	enum probe_request request;
	char value[32];		/* kvm-arm.mode's value as written */
	bool vhe_disabled;	/* id_aa64mmfr1.vh=0 forces nVHE */
};

/* What the kernel log says about KVM, as flags (see probe_klog.c's table). */
enum probe_log_fact {
	PROBE_LOG_VHE = 1u << 0,		/* "VHE mode initialized ..." */
	PROBE_LOG_HYP_NVHE = 1u << 1,
	PROBE_LOG_HYP_HVHE = 1u << 2,
	PROBE_LOG_PROTECTED_NVHE = 1u << 3,
	PROBE_LOG_PROTECTED_HVHE = 1u << 4,
	PROBE_LOG_DISABLED = 1u << 5,		/* "KVM disabled from command line" */
	PROBE_LOG_NO_HYP = 1u << 6,		/* "HYP mode not available" */
	PROBE_LOG_INIT_ERROR = 1u << 7,
	PROBE_LOG_STARTED_EL2 = 1u << 8,
	PROBE_LOG_STARTED_EL1 = 1u << 9,
	PROBE_LOG_NV_DETECTED = 1u << 10,
	PROBE_LOG_NV_UNAVAILABLE = 1u << 11,
	PROBE_LOG_PKVM_FEATURE = 1u << 12,
	PROBE_LOG_ERRATA_WARNING = 1u << 13,	/* "... can deadlock system!" */
	PROBE_LOG_IPA_LIMIT = 1u << 14,
};

#define PROBE_LOG_MAX_LINES	8

struct probe_log {
	uint32_t facts;			/* enum probe_log_fact */
	unsigned int ipa_limit;		/* "IPA Size Limit: N bits" */
	unsigned int kvm_lines;		/* lines from KVM ("kvm [") */
	unsigned int line_count;	/* lines that gave a fact, kept below */
	char lines[PROBE_LOG_MAX_LINES][160];
};

struct probe_cpu {
	unsigned int index;
	uint64_t midr;
	uint64_t revidr;
	bool has_revidr;
};

/* Everything the decision needs, gathered by probe_io.c or by a test. */
struct probe_evidence {
	char machine[65];		/* uname -m */
	struct probe_source cmdline_source;
	struct probe_cmdline cmdline;
	struct probe_source log_source;
	struct probe_log log;
	struct probe_source device_source;	/* the KVM device */
	int api_version;		/* -1 when not asked */
	struct probe_source kvm_sysfs_source;	/* /sys/module/kvm */
	struct probe_source cpu_source;
	struct probe_cpu cpus[PROBE_MAX_CPUS];
	unsigned int cpu_count;
	unsigned int cpus_not_read;	/* online CPUs past PROBE_MAX_CPUS */
	struct kvm_caps_result caps;
};

struct probe_note {
	const char *source;	/* "cmdline", "kernel_log", "kvm_api", "sysfs" */
	char says[PROBE_TEXT];
};

struct probe_report {
	struct probe_evidence evidence;
	bool usable;
	enum probe_reason reason;
	enum probe_certainty reason_certainty;
	char message[2 * PROBE_TEXT];	/* one line, in the kernel's terms */
	enum probe_mode mode;
	enum probe_el2 el2;
	enum probe_certainty mode_certainty;
	bool nested_fallback;
	char mode_basis[PROBE_TEXT];
	struct probe_note notes[PROBE_MAX_EVIDENCE];
	unsigned int note_count;
	bool heterogeneous;
	struct cpu_errata_hit errata[CPU_ERRATA_MAX_HITS];
	unsigned int errata_count;
	char warnings[PROBE_MAX_WARNINGS][PROBE_TEXT];
	unsigned int warning_count;
};

struct probe_config {
	const char *kvm_path;
	const char *cmdline_path;	/* normally /proc/cmdline */
	const char *sysfs_cpu_path;	/* normally /sys/devices/system/cpu */
	const char *kvm_sysfs_path;	/* normally /sys/module/kvm */
	bool kernel_log;		/* read the kernel log (tests turn it off) */
};

/* Parsers: text in, facts out; they never read files. */
int probe_cmdline_parse(const char *text, size_t length,
    struct probe_cmdline *cmdline);
int probe_klog_parse(const char *text, size_t length, struct probe_log *log);
int probe_klog_table_check(char *error, size_t error_size);
int probe_phrases_check(const char *const *phrases, size_t count, char *error,
    size_t error_size);
int probe_midr_parse(const char *text, size_t length, uint64_t *value);
int probe_cpu_list_parse(const char *text, size_t length, uint64_t *mask,
    unsigned int *beyond);

/* The decision: evidence in, verdict and mode out. No I/O. */
void probe_decide(struct probe_report *report);

/* Reads the host into report->evidence, then decides. */
int probe_host(const struct probe_config *config, struct probe_report *report);
void probe_config_default(struct probe_config *config, const char *kvm_path);
int probe_tables_check(char *error, size_t error_size);

const char *probe_reason_name(enum probe_reason reason);
const char *probe_mode_name(enum probe_mode mode);
const char *probe_el2_name(enum probe_el2 el2);
const char *probe_certainty_name(enum probe_certainty certainty);
const char *probe_request_name(enum probe_request request);
const char *probe_source_state_name(enum probe_source_state state);

#endif
