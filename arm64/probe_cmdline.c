/* The kernel command line as the probe reads it: which kvm-arm.mode was
 * asked for, split and unquoted the way the kernel's next_arg() does. */
#include "probe.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PROBE_PARAM_MAX	256

static const struct {
	const char *value;
	enum probe_request request;
} kvm_arm_modes[] = {
	{ "none", PROBE_REQUEST_NONE },
	{ "nvhe", PROBE_REQUEST_NVHE },
	{ "protected", PROBE_REQUEST_PROTECTED },
	{ "nested", PROBE_REQUEST_NESTED },
};

/* Parameter names compare with '-' and '_' as the same character, as the
 * kernel's parameq() does. */
static bool
param_is(const char *param, size_t length, const char *name)
{
	size_t i;

	if (strlen(name) != length)
		return false;
	for (i = 0; i < length; i++) {
		char a = param[i] == '_' ? '-' : param[i];
		char b = name[i] == '_' ? '-' : name[i];

		if (a != b)
			return false;
	}
	return true;
}

static void
take_mode(struct probe_cmdline *cmdline, const char *value)
{
	size_t i;

	for (i = 0; i < sizeof(kvm_arm_modes) / sizeof(kvm_arm_modes[0]); i++) {
		if (value != NULL && strcmp(value, kvm_arm_modes[i].value) == 0) {
			cmdline->request = kvm_arm_modes[i].request;
			snprintf(cmdline->value, sizeof(cmdline->value), "%s", value);
			return;
		}
	}
	/* The kernel rejects the value and keeps what it had: remember it
	 * only when no valid value came before. */
	if (cmdline->request == PROBE_REQUEST_DEFAULT ||
	    cmdline->request == PROBE_REQUEST_INVALID) {
		cmdline->request = PROBE_REQUEST_INVALID;
		snprintf(cmdline->value, sizeof(cmdline->value), "%s",
		    value != NULL ? value : "");
	}
}

static void
take_param(struct probe_cmdline *cmdline, char *param)
{
	char *value = strchr(param, '=');
	size_t name_length = value != NULL ? (size_t)(value - param) : strlen(param);

	if (value != NULL)
		value++;
	if (param_is(param, name_length, "kvm-arm.mode"))
		take_mode(cmdline, value);
	else if (param_is(param, name_length, "id_aa64mmfr1.vh") &&
	    value != NULL && strcmp(value, "0") == 0)
		cmdline->vhe_disabled = true;
}

/* Copies the next argument, without its quotes, into param; returns where
 * the one after it starts. Quotes group spaces, as in param="a b". */
static const char *
next_param(const char *p, const char *end, char *param, size_t size)
{
	bool quoted = false;
	size_t n = 0;

	for (; p < end; p++) {
		if (*p == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (*p == ' ' || *p == '\t' || *p == '\n'))
			break;
		if (n + 1 < size)
			param[n++] = *p;
	}
	param[n] = '\0';
	return p;
}

/* Returns 0, or -EINVAL for text that cannot be a command line (a NUL or a
 * control character inside), leaving cmdline at the kernel's defaults. */
int
probe_cmdline_parse(const char *text, size_t length, struct probe_cmdline *cmdline)
{
	char param[PROBE_PARAM_MAX];
	const char *p = text, *end = text + length;
	size_t i;

	memset(cmdline, 0, sizeof(*cmdline));
	for (i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 && c != '\n' && c != '\t')
			return -EINVAL;
	}
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n'))
			p++;
		if (p == end)
			break;
		p = next_param(p, end, param, sizeof(param));
		if (strcmp(param, "--") == 0)
			break;	/* the rest is for init */
		take_param(cmdline, param);
	}
	return 0;
}
