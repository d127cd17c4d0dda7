/* Every unit-test suite, one per module; tests/unit/main.c runs them all. */
#ifndef VMMD_TEST_SUITES_H
#define VMMD_TEST_SUITES_H

#include <check.h>

Suite *options_suite(void);
Suite *guest_memory_suite(void);
Suite *vm_exit_suite(void);
Suite *arm64_uapi_suite(void);

#endif
