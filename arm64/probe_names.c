/* The probe's words: the names its report uses for each enum, stable
 * because scripts and the control protocol read them. */
#include "probe.h"

#define NAME_OF(table, value) \
	((unsigned int)(value) < sizeof(table) / sizeof(table[0]) && \
	table[value] != NULL ? table[value] : "?")

const char *
probe_reason_name(enum probe_reason reason)
{
	static const char *const names[] = {
		[PROBE_REASON_OK] = "ok",
		[PROBE_REASON_NOT_ARM64] = "not-arm64",
		[PROBE_REASON_KVM_DISABLED] = "kvm-disabled",
		[PROBE_REASON_NO_HYP_MODE] = "no-hyp-mode",
		[PROBE_REASON_INIT_FAILED] = "init-failed",
		[PROBE_REASON_KVM_ABSENT] = "kvm-absent",
		[PROBE_REASON_NO_DEVICE] = "no-device",
		[PROBE_REASON_NO_PERMISSION] = "no-permission",
		[PROBE_REASON_KVM_ERROR] = "kvm-error",
		[PROBE_REASON_BAD_API_VERSION] = "bad-api-version",
		[PROBE_REASON_MISSING_CAPS] = "missing-capabilities",
	};

	return NAME_OF(names, reason);
}

const char *
probe_mode_name(enum probe_mode mode)
{
	static const char *const names[] = {
		[PROBE_MODE_UNKNOWN] = "unknown",
		[PROBE_MODE_NONE] = "none",
		[PROBE_MODE_VHE] = "vhe",
		[PROBE_MODE_NVHE] = "nvhe",
		[PROBE_MODE_PROTECTED] = "protected",
		[PROBE_MODE_NESTED] = "nested",
	};

	return NAME_OF(names, mode);
}

const char *
probe_el2_name(enum probe_el2 el2)
{
	static const char *const names[] = {
		[PROBE_EL2_UNKNOWN] = "unknown",
		[PROBE_EL2_VHE] = "vhe",
		[PROBE_EL2_NVHE] = "nvhe",
		[PROBE_EL2_HVHE] = "hvhe",
	};

	return NAME_OF(names, el2);
}

const char *
probe_certainty_name(enum probe_certainty certainty)
{
	static const char *const names[] = {
		[PROBE_CERTAIN] = "certain",
		[PROBE_LIKELY] = "likely",
		[PROBE_GUESS] = "guess",
		[PROBE_UNKNOWN] = "unknown",
	};

	return NAME_OF(names, certainty);
}

const char *
probe_request_name(enum probe_request request)
{
	static const char *const names[] = {
		[PROBE_REQUEST_DEFAULT] = "default",
		[PROBE_REQUEST_NONE] = "none",
		[PROBE_REQUEST_NVHE] = "nvhe",
		[PROBE_REQUEST_PROTECTED] = "protected",
		[PROBE_REQUEST_NESTED] = "nested",
		[PROBE_REQUEST_INVALID] = "invalid",
	};

	return NAME_OF(names, request);
}

const char *
probe_source_state_name(enum probe_source_state state)
{
	static const char *const names[] = {
		[PROBE_SOURCE_SKIPPED] = "skipped",
		[PROBE_SOURCE_READ] = "read",
		[PROBE_SOURCE_ABSENT] = "absent",
		[PROBE_SOURCE_REFUSED] = "refused",
		[PROBE_SOURCE_BROKEN] = "broken",
		[PROBE_SOURCE_ERROR] = "error",
	};

	return NAME_OF(names, state);
}
