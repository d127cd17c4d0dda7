/* Every table vmmd runs on, checked once at the top of main() for every
 * command (the daemon and the VM process too): a broken table stops vmmd
 * before anything uses it, with one line naming the table and the entry. */
#ifndef VMMD_STARTUP_TABLES_H
#define VMMD_STARTUP_TABLES_H

#include <stddef.h>

struct table_check {
	const char *name;
	int (*check)(char *error, size_t error_size);
};

/* Runs each check; -1 with "NAME: why" for the first that fails. */
int table_checks_run(const struct table_check *checks, size_t count,
    char *error, size_t error_size);
/* vmmd's own list. */
int startup_tables_validate(char *error, size_t error_size);

#endif
