/* One command-line parser for every vmmd command: each command's options
 * are data (struct command_desc), the parser is generic, and `vmmd --help`
 * is written from the same data. */
#ifndef VMMD_OPTION_PARSER_H
#define VMMD_OPTION_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define COMMAND_OPERANDS_MAX	2

/* One option; the same entry may serve several commands. */
struct option_desc {
	const char *name;		/* the long name: --name */
	char short_name;		/* or 0 */
	const char *arg;		/* its value's name, NULL for a flag */
	const char *help;		/* one line */
	const char *default_value;	/* optional: applied before parsing */
	/* The option's effect on the command's context; the error names the
	 * option and the value. */
	int (*apply)(const struct option_desc *option, void *context,
	    const char *arg, char *error, size_t error_size);
	size_t offset;			/* for apply: a member of the context */
	const void *data;		/* for apply: anything else */
};

/* The error text into error; -1, for return. */
int option_error(char *error, size_t error_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Common effects: the value's text, or true, into the member at offset. */
int option_set_text(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size);
int option_set_flag(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size);

struct command_desc {
	int id;				/* the caller's enum */
	const char *name;		/* "run", "daemon", or a flag: "--probe" */
	const char *summary;		/* one line */
	const char *operands;		/* "A.json B.json", or NULL */
	const char *operands_needed;	/* "two report files" */
	unsigned int operands_min, operands_max;
	const struct option_desc *const *options;	/* NULL-terminated */
	/* Optional: extra options (`vmmd run`'s device kinds), and a check
	 * of the whole once parsed. */
	const struct option_desc *extra;
	size_t extra_count;
	int (*check)(void *context, char *error, size_t error_size);
};

enum command_line_result {
	COMMAND_LINE_PARSED,
	COMMAND_LINE_HELP,		/* --help: nothing else matters */
	COMMAND_LINE_VERSION,
};

struct command_line {
	enum command_line_result result;
	bool verbose;
	const char *operands[COMMAND_OPERANDS_MAX];
	unsigned int operand_count;
};

/* -h/--help, -V/--version and -v/--verbose, which every command takes. */
extern const struct option_desc option_help, option_version, option_verbose;

/* Every command, for "does not apply" (an option of another command). */
struct command_set {
	const struct command_desc *const *commands;
	size_t count;
};

/* Parses argv from optind on (the caller has set it) as the command's
 * options and operands, in any order. 0, or -1 with the error. */
int command_parse(const struct command_set *all,
    const struct command_desc *command, int argc, char **argv,
    void *context, struct command_line *line, char *error,
    size_t error_size);
/* Applies the command's defaults to context. */
int command_defaults(const struct command_desc *command, void *context,
    char *error, size_t error_size);
/* Each command's options: names and short names unique, help given, a
 * value named when the option takes one, defaults that apply to a scratch
 * context of context_size bytes (NULL: not tried). */
int command_table_validate(const struct command_set *all,
    size_t context_size, char *error, size_t error_size);
/* The command's name, usage and options, as `vmmd --help` shows them. */
void command_usage(const struct command_desc *command, FILE *out);
/* The option of that name (no dashes) among every command's. */
const struct option_desc *command_find_option(const struct command_set *all,
    const char *name);

#endif
