/* Unit-test suites register themselves: a test file defines its suite and
 * names it with UNIT_SUITE(); tests/unit/main.c runs every one. */
#ifndef VMMD_TEST_SUITES_H
#define VMMD_TEST_SUITES_H

#include <check.h>

typedef Suite *(*unit_suite_maker)(void);

void unit_suite_register(unit_suite_maker make);

/* Writes text to directory/name, or fails the test. */
/* text with each marker replaced by value, into out (asserted to fit) */
void unit_expand(char *out, size_t size, const char *text, const char *marker,
    const char *value);
void unit_write_file(const char *directory, const char *name,
    const char *text);

#define UNIT_SUITE(maker)						\
	static void __attribute__((constructor))			\
	unit_suite_register_##maker(void)				\
	{								\
		unit_suite_register(maker);				\
	}

#endif
