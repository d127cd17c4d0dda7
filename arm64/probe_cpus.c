/* The CPU side of the probe's input: sysfs's MIDR_EL1/REVIDR_EL1 text and
 * its CPU lists ("0-3,6"), parsed strictly: a value is all there or it is
 * refused. */
#include "probe.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Exactly what the kernel writes: "0x" and 16 hex digits, a newline. Shorter
 * hex is accepted; anything else (empty, truncated "0x", junk) is -EINVAL. */
int
probe_midr_parse(const char *text, size_t length, uint64_t *value)
{
	uint64_t result = 0;
	size_t i, digits = 0;

	while (length > 0 && isspace((unsigned char)text[length - 1]))
		length--;
	if (length < 3 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
		return -EINVAL;
	for (i = 2; i < length; i++) {
		int c = (unsigned char)text[i];

		if (!isxdigit(c) || ++digits > 16)
			return -EINVAL;
		result = result << 4 |
		    (uint64_t)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	*value = result;
	return 0;
}

#define CPU_NUMBER_LIMIT	65536	/* far past any kernel's NR_CPUS */

static int
parse_cpu_number(const char **p, const char *end, unsigned int *cpu)
{
	unsigned int n = 0;
	const char *start = *p;

	while (*p < end && **p >= '0' && **p <= '9') {
		n = n * 10 + (unsigned int)(**p - '0');
		if (n >= CPU_NUMBER_LIMIT)
			return -ERANGE;
		(*p)++;
	}
	if (*p == start)
		return -EINVAL;
	*cpu = n;
	return 0;
}

/* "0-3,6\n" -> bits 0,1,2,3,6. CPUs at or past PROBE_MAX_CPUS are not in
 * the mask but counted in *beyond; absurd numbers are -ERANGE. */
int
probe_cpu_list_parse(const char *text, size_t length, uint64_t *mask,
    unsigned int *beyond)
{
	const char *p = text, *end = text + length;
	unsigned int first, last, cpu;
	int rc;

	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (p == end)
		return -EINVAL;
	*mask = 0;
	*beyond = 0;
	while (p < end) {
		if ((rc = parse_cpu_number(&p, end, &first)) < 0)
			return rc;
		last = first;
		if (p < end && *p == '-') {
			p++;
			if ((rc = parse_cpu_number(&p, end, &last)) < 0)
				return rc;
			if (last < first)
				return -EINVAL;
		}
		for (cpu = first; cpu <= last; cpu++) {
			if (cpu < PROBE_MAX_CPUS)
				*mask |= 1ull << cpu;
			else
				(*beyond)++;
		}
		if (p < end && *p++ != ',')
			return -EINVAL;
		if (p == end && p[-1] == ',')
			return -EINVAL;
	}
	return 0;
}
