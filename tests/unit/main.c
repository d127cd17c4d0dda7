/* The unit-test runner: every registered suite, Check's summary, and the
 * counts that `make check` adds up (written to the file named by the first
 * argument). */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "suites.h"

#define MAX_SUITES	128

static unit_suite_maker suites[MAX_SUITES];
static unsigned int suite_count;

void
unit_suite_register(unit_suite_maker make)
{
	if (suite_count == MAX_SUITES) {
		fprintf(stderr, "unit: more than %d suites\n", MAX_SUITES);
		exit(EXIT_FAILURE);
	}
	suites[suite_count++] = make;
}

int
main(int argc, char **argv)
{
	SRunner *runner;
	int run, failed;
	unsigned int i;
	FILE *counts;

	if (suite_count == 0) {
		fprintf(stderr, "unit: no suites registered\n");
		return EXIT_FAILURE;
	}
	runner = srunner_create(NULL);
	for (i = 0; i < suite_count; i++)
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

void
unit_expand(char *out, size_t size, const char *text, const char *marker,
    const char *value)
{
	const char *at;
	size_t used = 0, length;

	while ((at = strstr(text, marker)) != NULL) {
		length = (size_t)(at - text);
		used += (size_t)snprintf(out + used, size - used, "%.*s%s",
		    (int)length, text, value);
		ck_assert_uint_lt(used, size);
		text = at + strlen(marker);
	}
	snprintf(out + used, size - used, "%s", text);
	ck_assert_uint_lt(used + strlen(text), size);
}

void
unit_write_file(const char *directory, const char *name, const char *text)
{
	char path[512];
	FILE *file;

	snprintf(path, sizeof(path), "%s/%s", directory, name);
	file = fopen(path, "w");
	ck_assert_ptr_nonnull(file);
	fputs(text, file);
	fclose(file);
}
