/* The probe's decision, from evidence already gathered: can KVM serve, why
 * not in the kernel's own terms, which mode it runs in and how sure that
 * is. Pure: no I/O, so every branch is unit-tested natively. */
#include "probe.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../core/kvm.h"

static void __attribute__((format(printf, 3, 4)))
add_note(struct probe_report *r, const char *source, const char *fmt, ...)
{
	struct probe_note *note;
	va_list ap;

	if (r->note_count == PROBE_MAX_EVIDENCE)
		return;
	note = &r->notes[r->note_count++];
	note->source = source;
	va_start(ap, fmt);
	vsnprintf(note->says, sizeof(note->says), fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 2, 3)))
add_warning(struct probe_report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->warning_count == PROBE_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(r->warnings[r->warning_count++], PROBE_TEXT, fmt, ap);
	va_end(ap);
}

static const char *
source_error(const struct probe_source *source)
{
	return source->error != 0 ? strerror(source->error) :
	    probe_source_state_name(source->state);
}

/* The first kept log line that carries one of these facts. */
static const char *
log_line(const struct probe_log *log, const char *phrase)
{
	unsigned int i;

	for (i = 0; i < log->line_count; i++)
		if (strstr(log->lines[i], phrase) != NULL)
			return log->lines[i];
	return "";
}

/* 1: KVM accepted a vCPU with EL2; 0: it refused; -1: not asked. */
static int
nested_answer(const struct probe_evidence *e)
{
	int i = kvm_caps_find("KVM_ARM_VCPU_HAS_EL2");
	const struct kvm_cap_value *value;

	if (i < 0 || !e->caps.asked)
		return -1;
	value = &e->caps.values[i];
	if (!value->asked || value->error != 0)
		return -1;
	return value->value > 0;
}

static void
set_mode(struct probe_report *r, enum probe_mode mode, enum probe_el2 el2,
    enum probe_certainty certainty, const char *basis)
{
	r->mode = mode;
	r->el2 = el2;
	r->mode_certainty = certainty;
	snprintf(r->mode_basis, sizeof(r->mode_basis), "%s", basis);
}

/* What each of the kernel's closing lines of kvm_arm_init() means, in the
 * order they are believed when a log (wrongly) holds several. */
static const struct {
	uint32_t fact;
	enum probe_mode mode;
	enum probe_el2 el2;
	const char *phrase;	/* finds the kept line that says it */
} log_outcomes[] = {
	{ PROBE_LOG_PROTECTED_HVHE, PROBE_MODE_PROTECTED, PROBE_EL2_HVHE,
	    "Protected hVHE mode" },
	{ PROBE_LOG_PROTECTED_NVHE, PROBE_MODE_PROTECTED, PROBE_EL2_NVHE,
	    "Protected nVHE mode" },
	{ PROBE_LOG_HYP_HVHE, PROBE_MODE_NVHE, PROBE_EL2_HVHE, "Hyp hVHE mode" },
	{ PROBE_LOG_HYP_NVHE, PROBE_MODE_NVHE, PROBE_EL2_NVHE, "Hyp " },
	{ PROBE_LOG_VHE, PROBE_MODE_VHE, PROBE_EL2_VHE, "VHE mode" },
	{ PROBE_LOG_DISABLED, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN,
	    "KVM disabled from command line" },
	{ PROBE_LOG_NO_HYP, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN,
	    "HYP mode not available" },
	{ PROBE_LOG_INIT_ERROR, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN,
	    "error initializing Hyp mode" },
};

static bool
mode_from_log(struct probe_report *r)
{
	const struct probe_log *log = &r->evidence.log;
	enum probe_mode mode;
	char basis[PROBE_TEXT];
	size_t i;

	for (i = 0; i < sizeof(log_outcomes) / sizeof(log_outcomes[0]); i++)
		if (log->facts & log_outcomes[i].fact)
			break;
	if (i == sizeof(log_outcomes) / sizeof(log_outcomes[0]))
		return false;
	mode = log_outcomes[i].mode;
	if (mode == PROBE_MODE_VHE && ((log->facts & PROBE_LOG_NV_DETECTED) ||
	    nested_answer(&r->evidence) == 1))
		mode = PROBE_MODE_NESTED;
	snprintf(basis, sizeof(basis), "the kernel log says '%s'",
	    log_line(log, log_outcomes[i].phrase));
	set_mode(r, mode, log_outcomes[i].el2, PROBE_CERTAIN, basis);
	return true;
}

/* Why the kernel's own word is missing, for a basis or a message. */
static const char *
log_unread_why(const struct probe_evidence *e)
{
	if (e->log_source.state != PROBE_SOURCE_READ)
		return e->log_source.state == PROBE_SOURCE_REFUSED ?
		    "the kernel log cannot be read (not permitted)" :
		    "the kernel log cannot be read";
	return "the kernel log has no line saying which mode KVM took";
}

static void
mode_when_kvm_is_up(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	char basis[PROBE_TEXT];
	int nested = nested_answer(e);

	if (nested == 1) {
		set_mode(r, PROBE_MODE_NESTED, PROBE_EL2_VHE, PROBE_CERTAIN,
		    "KVM accepted a vCPU with EL2 (KVM_ARM_VCPU_HAS_EL2)");
		return;
	}
	switch (e->cmdline.request) {
	case PROBE_REQUEST_NONE:
		snprintf(basis, sizeof(basis), "kvm-arm.mode=none, yet the KVM "
		    "device exists; %s", log_unread_why(e));
		set_mode(r, PROBE_MODE_UNKNOWN, PROBE_EL2_UNKNOWN, PROBE_UNKNOWN,
		    basis);
		return;
	case PROBE_REQUEST_NVHE:
	case PROBE_REQUEST_PROTECTED:
		snprintf(basis, sizeof(basis), "kvm-arm.mode=%s and KVM is up; %s",
		    e->cmdline.value, log_unread_why(e));
		set_mode(r, e->cmdline.request == PROBE_REQUEST_NVHE ?
		    PROBE_MODE_NVHE : PROBE_MODE_PROTECTED,
		    e->cmdline.request == PROBE_REQUEST_NVHE ? PROBE_EL2_NVHE :
		    PROBE_EL2_UNKNOWN, PROBE_LIKELY, basis);
		return;
	case PROBE_REQUEST_NESTED:
		snprintf(basis, sizeof(basis), "kvm-arm.mode=nested, but KVM %s a "
		    "vCPU with EL2; %s", nested == 0 ? "refused" : "was not asked for",
		    log_unread_why(e));
		set_mode(r, PROBE_MODE_VHE, PROBE_EL2_VHE,
		    nested == 0 ? PROBE_LIKELY : PROBE_GUESS, basis);
		return;
	default:
		break;
	}
	if (e->cmdline.vhe_disabled) {
		snprintf(basis, sizeof(basis), "id_aa64mmfr1.vh=0 turns VHE off; %s",
		    log_unread_why(e));
		set_mode(r, PROBE_MODE_NVHE, PROBE_EL2_NVHE, PROBE_LIKELY, basis);
		return;
	}
	snprintf(basis, sizeof(basis), "no kvm-arm.mode: the kernel's default is "
	    "VHE on a CPU with VHE booted at EL2, nVHE otherwise; %s",
	    log_unread_why(e));
	set_mode(r, PROBE_MODE_VHE, PROBE_EL2_VHE, PROBE_GUESS, basis);
}

static void
decide_mode(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	enum probe_source_state device = e->device_source.state;
	char basis[PROBE_TEXT];

	if (mode_from_log(r))
		return;
	if (device == PROBE_SOURCE_READ || device == PROBE_SOURCE_REFUSED) {
		mode_when_kvm_is_up(r);
		return;
	}
	if (device == PROBE_SOURCE_ABSENT) {
		snprintf(basis, sizeof(basis), "%s does not exist; %s",
		    e->device_source.path, log_unread_why(e));
		set_mode(r, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN, PROBE_LIKELY, basis);
		return;
	}
	set_mode(r, PROBE_MODE_UNKNOWN, PROBE_EL2_UNKNOWN, PROBE_UNKNOWN,
	    "the KVM device could not be asked and the kernel log says nothing");
}

/* kvm-arm.mode=nested on a CPU without FEAT_NV: the kernel says
 * "unavailable: Nested Virtualization Support" and runs plain VHE. */
static void
decide_nested_fallback(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	const char *how;

	if (e->cmdline.request != PROBE_REQUEST_NESTED ||
	    r->mode == PROBE_MODE_NESTED || r->mode == PROBE_MODE_NONE ||
	    r->mode == PROBE_MODE_UNKNOWN)
		return;
	r->nested_fallback = true;
	how = (e->log.facts & PROBE_LOG_NV_UNAVAILABLE) ?
	    "the kernel log says 'unavailable: Nested Virtualization Support'" :
	    nested_answer(e) == 0 ? "KVM refuses a vCPU with EL2" :
	    "nothing confirms nested virtualization";
	add_warning(r, "kvm-arm.mode=nested asked for nested virtualization, "
	    "but the CPU lacks FEAT_NV (%s): the kernel fell back to %s", how,
	    probe_mode_name(r->mode));
}

/* The command line and what the kernel did should agree; say when not. */
static void
decide_mode_consistency(struct probe_report *r)
{
	enum probe_request request = r->evidence.cmdline.request;
	static const enum probe_mode expected[] = {
		[PROBE_REQUEST_NONE] = PROBE_MODE_NONE,
		[PROBE_REQUEST_NVHE] = PROBE_MODE_NVHE,
		[PROBE_REQUEST_PROTECTED] = PROBE_MODE_PROTECTED,
	};

	if (r->mode_certainty != PROBE_CERTAIN || r->mode == PROBE_MODE_NONE)
		return;
	if (request == PROBE_REQUEST_NONE || request == PROBE_REQUEST_NVHE ||
	    request == PROBE_REQUEST_PROTECTED) {
		if (expected[request] != r->mode)
			add_warning(r, "the command line asks kvm-arm.mode=%s but "
			    "the kernel runs KVM in %s mode",
			    r->evidence.cmdline.value, probe_mode_name(r->mode));
	}
	if (request == PROBE_REQUEST_INVALID)
		add_warning(r, "kvm-arm.mode=%s is not a mode the kernel knows: "
		    "it kept its default", r->evidence.cmdline.value);
}

static void __attribute__((format(printf, 4, 5)))
set_reason(struct probe_report *r, enum probe_reason reason,
    enum probe_certainty certainty, const char *fmt, ...)
{
	va_list ap;

	r->reason = reason;
	r->reason_certainty = certainty;
	r->usable = reason == PROBE_REASON_OK;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

/* The device is not there: why, in the order the kernel would say it. */
static void
decide_absent(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	const struct probe_log *log = &e->log;
	const char *path = e->device_source.path;
	char open_failed[96];

	snprintf(open_failed, sizeof(open_failed), "cannot open %s: %s", path,
	    strerror(e->device_source.error));
	if (log->facts & PROBE_LOG_DISABLED)
		set_reason(r, PROBE_REASON_KVM_DISABLED, PROBE_CERTAIN, "%s: KVM "
		    "disabled from command line (kvm-arm.mode=none; kernel log: "
		    "'%s')", open_failed, log_line(log, "KVM disabled"));
	else if (log->facts & PROBE_LOG_NO_HYP)
		set_reason(r, PROBE_REASON_NO_HYP_MODE, PROBE_CERTAIN, "%s: HYP mode "
		    "not available: the CPUs did not start at EL2 (kernel log: "
		    "'%s')", open_failed, log_line(log, "HYP mode not available"));
	else if (log->facts & PROBE_LOG_INIT_ERROR)
		set_reason(r, PROBE_REASON_INIT_FAILED, PROBE_CERTAIN, "%s: the "
		    "kernel failed to bring KVM up (kernel log: '%s')", open_failed,
		    log_line(log, "error initializing"));
	else if (r->mode_certainty == PROBE_CERTAIN && r->mode != PROBE_MODE_NONE)
		set_reason(r, PROBE_REASON_NO_DEVICE, PROBE_CERTAIN, "%s, although "
		    "the kernel brought KVM up in %s mode: is the path right?",
		    open_failed, probe_mode_name(r->mode));
	else if (e->cmdline.request == PROBE_REQUEST_NONE)
		set_reason(r, PROBE_REASON_KVM_DISABLED, PROBE_LIKELY, "%s: KVM "
		    "disabled from command line (kvm-arm.mode=none in /proc/cmdline;"
		    " %s)", open_failed, log_unread_why(e));
	else if (log->facts & PROBE_LOG_STARTED_EL1)
		set_reason(r, PROBE_REASON_NO_HYP_MODE, PROBE_LIKELY, "%s: HYP mode "
		    "not available: the kernel log says the CPUs started at EL1",
		    open_failed);
	else if (e->kvm_sysfs_source.state == PROBE_SOURCE_ABSENT)
		set_reason(r, PROBE_REASON_KVM_ABSENT, PROBE_LIKELY, "%s: KVM not "
		    "built or not loaded (no %s)", open_failed,
		    e->kvm_sysfs_source.path);
	else
		set_reason(r, PROBE_REASON_KVM_ABSENT, PROBE_GUESS, "%s: KVM did not "
		    "come up (not built, not loaded, disabled or no HYP mode); %s",
		    open_failed, log_unread_why(e));
}

static void
decide_caps(struct probe_report *r)
{
	const struct kvm_caps_result *caps = &r->evidence.caps;
	const struct kvm_cap_desc *table;
	char missing[PROBE_TEXT] = "";
	size_t count, i, used = 0;

	table = kvm_caps_table(&count);
	if (caps->vm_error != 0) {
		set_reason(r, PROBE_REASON_KVM_ERROR, PROBE_CERTAIN, "KVM is up but "
		    "refuses a VM: KVM_CREATE_VM: %s", strerror(-caps->vm_error));
		return;
	}
	for (i = 0; i < count && i < caps->count; i++) {
		if (!table[i].required || kvm_cap_available(&table[i],
		    &caps->values[i]))
			continue;
		used += (size_t)snprintf(missing + used, sizeof(missing) - used,
		    "%s%s (%s)", used > 0 ? ", " : "", table[i].name,
		    table[i].feature);
		if (used >= sizeof(missing))
			break;
	}
	if (missing[0] != '\0')
		set_reason(r, PROBE_REASON_MISSING_CAPS, PROBE_CERTAIN, "KVM lacks "
		    "what vmmd needs: %s", missing);
	else
		set_reason(r, PROBE_REASON_OK, PROBE_CERTAIN, "KVM can serve: %s "
		    "mode, API version %d", probe_mode_name(r->mode),
		    r->evidence.api_version);
}

static void
decide_verdict(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	const struct probe_source *device = &e->device_source;

	switch (device->state) {
	case PROBE_SOURCE_READ:
		if (e->api_version != KVM_STABLE_API)
			set_reason(r, PROBE_REASON_BAD_API_VERSION, PROBE_CERTAIN,
			    "%s speaks KVM API version %d, vmmd needs %d",
			    device->path, e->api_version, KVM_STABLE_API);
		else
			decide_caps(r);
		return;
	case PROBE_SOURCE_REFUSED:
		set_reason(r, PROBE_REASON_NO_PERMISSION, PROBE_CERTAIN, "cannot "
		    "open %s: %s: no permission on %s (KVM is up; run vmmd as root "
		    "or in the group that owns it)", device->path,
		    strerror(device->error), device->path);
		return;
	case PROBE_SOURCE_ABSENT:
		decide_absent(r);
		return;
	default:
		set_reason(r, PROBE_REASON_KVM_ERROR, PROBE_CERTAIN, "cannot open "
		    "%s: %s", device->path, source_error(device));
		return;
	}
}

static void
note_sources(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	unsigned int i;

	if (e->cmdline_source.state != PROBE_SOURCE_READ)
		add_note(r, "cmdline", "cannot read %s: %s", e->cmdline_source.path,
		    source_error(&e->cmdline_source));
	else if (e->cmdline.request == PROBE_REQUEST_DEFAULT)
		add_note(r, "cmdline", "no kvm-arm.mode: the kernel's default");
	else
		add_note(r, "cmdline", "kvm-arm.mode=%s", e->cmdline.value);
	if (e->cmdline.vhe_disabled)
		add_note(r, "cmdline", "id_aa64mmfr1.vh=0: VHE turned off");
	if (e->log_source.state != PROBE_SOURCE_READ)
		add_note(r, "kernel_log", "cannot read %s: %s: the verdict rests on "
		    "the other sources", e->log_source.path,
		    source_error(&e->log_source));
	else if (e->log.line_count == 0)
		add_note(r, "kernel_log", "no KVM line in the kernel log (%u lines "
		    "from kvm; it may have been overwritten)", e->log.kvm_lines);
	for (i = 0; i < e->log.line_count; i++)
		add_note(r, "kernel_log", "%s", e->log.lines[i]);
}

static void
note_kvm(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	int nested = nested_answer(e);

	if (e->device_source.state == PROBE_SOURCE_READ)
		add_note(r, "kvm_api", "%s: KVM_GET_API_VERSION = %d",
		    e->device_source.path, e->api_version);
	else
		add_note(r, "kvm_api", "%s: %s", e->device_source.path,
		    source_error(&e->device_source));
	if (nested >= 0)
		add_note(r, "kvm_api", "KVM_ARM_VCPU_INIT with KVM_ARM_VCPU_HAS_EL2: "
		    "%s", nested ? "accepted (nested virtualization)" : "refused");
	if (e->kvm_sysfs_source.state != PROBE_SOURCE_SKIPPED)
		add_note(r, "sysfs", "%s: %s", e->kvm_sysfs_source.path,
		    e->kvm_sysfs_source.state == PROBE_SOURCE_READ ? "present" :
		    source_error(&e->kvm_sysfs_source));
}

static void
decide_cpus(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;
	uint64_t midrs[PROBE_MAX_CPUS];
	unsigned int indices[PROBE_MAX_CPUS], i, kvm_unsafe = 0;

	for (i = 0; i < e->cpu_count; i++) {
		midrs[i] = e->cpus[i].midr;
		indices[i] = e->cpus[i].index;
		if (midrs[i] != midrs[0] && !r->heterogeneous) {
			r->heterogeneous = true;
			add_warning(r, "CPUs differ: cpu%u has MIDR 0x%08llx, cpu%u "
			    "0x%08llx (big.LITTLE?): vCPUs migrate between them, so "
			    "pin each VM to one kind of CPU", indices[0],
			    (unsigned long long)midrs[0], indices[i],
			    (unsigned long long)midrs[i]);
		}
	}
	if (e->cpus_not_read > 0)
		add_warning(r, "only the first %d CPUs were read: %u more are not "
		    "checked for errata or for differing", PROBE_MAX_CPUS,
		    e->cpus_not_read);
	r->errata_count = cpu_errata_match(midrs, indices, e->cpu_count,
	    r->errata, CPU_ERRATA_MAX_HITS);
	for (i = 0; i < r->errata_count; i++) {
		if (!r->errata[i].erratum->kvm_unsafe)
			continue;
		kvm_unsafe++;
		add_warning(r, "%s (%s): %s", r->errata[i].erratum->name,
		    r->errata[i].erratum->workaround, r->errata[i].erratum->effect);
	}
	if (kvm_unsafe == 0 && (e->log.facts & PROBE_LOG_ERRATA_WARNING))
		add_warning(r, "the kernel warns that guests without required CPU "
		    "erratum workarounds can deadlock the system (an erratum "
		    "vmmd's table does not know)");
}

void
probe_decide(struct probe_report *r)
{
	const struct probe_evidence *e = &r->evidence;

	memset((char *)r + offsetof(struct probe_report, usable), 0,
	    sizeof(*r) - offsetof(struct probe_report, usable));
	if (strcmp(e->machine, "aarch64") != 0) {
		set_mode(r, PROBE_MODE_NONE, PROBE_EL2_UNKNOWN, PROBE_CERTAIN,
		    "not an arm64 host");
		set_reason(r, PROBE_REASON_NOT_ARM64, PROBE_CERTAIN, "not an arm64 "
		    "host: the kernel runs on %s; vmmd runs arm64 guests on arm64 "
		    "KVM only", e->machine[0] != '\0' ? e->machine : "an unknown machine");
		return;
	}
	note_sources(r);
	note_kvm(r);
	decide_mode(r);
	decide_nested_fallback(r);
	decide_mode_consistency(r);
	decide_verdict(r);
	if (r->reason_certainty != PROBE_CERTAIN)
		snprintf(r->message + strlen(r->message),
		    sizeof(r->message) - strlen(r->message), " [%s]",
		    probe_certainty_name(r->reason_certainty));
	decide_cpus(r);
}
