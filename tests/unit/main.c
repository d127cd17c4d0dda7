/* The unit-test runner: every suite, Check's summary, and the counts that
 * `make check` adds up (written to the file named by the first argument). */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

static Suite *(*const suites[])(void) = {
	options_suite,
	guest_memory_suite,
	vm_exit_suite,
	arm64_uapi_suite,
};

int
main(int argc, char **argv)
{
	SRunner *runner;
	int run, failed;
	unsigned int i;
	FILE *counts;

	runner = srunner_create(suites[0]());
	for (i = 1; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(runner, suites[i]());
	srunner_run_all(runner, CK_NORMAL);
	run = srunner_ntests_run(runner);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	if (argc > 1 && (counts = fopen(argv[1], "w")) != NULL) {
		fprintf(counts, "%d %d\n", run - failed, failed);
		fclose(counts);
	}
	printf("unit: %d passed, %d failed\n", run - failed, failed);
	return failed == 0 && run > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
