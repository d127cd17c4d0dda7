/* The generic parser over getopt_long: a command's table becomes getopt's,
 * each option's apply runs in the order given, operands are taken between
 * options, and every error names the command, the option and the value. */
#include "option_parser.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define COMMAND_OPTIONS_MAX	64

int
option_set_text(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size)
{
	(void)error;
	(void)error_size;
	*(const char **)((char *)context + option->offset) = arg;
	return 0;
}

int
option_set_flag(const struct option_desc *option, void *context,
    const char *arg, char *error, size_t error_size)
{
	(void)arg;
	(void)error;
	(void)error_size;
	*(bool *)((char *)context + option->offset) = true;
	return 0;
}

static int
no_effect(const struct option_desc *option, void *context, const char *arg,
    char *error, size_t error_size)
{
	(void)option;
	(void)context;
	(void)arg;
	(void)error;
	(void)error_size;
	return 0;	/* the parser itself acts on these */
}

const struct option_desc option_help = {
	"help", 'h', NULL, "this text", NULL, no_effect, 0, NULL };
const struct option_desc option_version = {
	"version", 'V', NULL, "vmmd's version", NULL, no_effect, 0, NULL };
const struct option_desc option_verbose = {
	"verbose", 'v', NULL, "log debugging lines too", NULL, no_effect, 0, NULL };

static const struct option_desc *const common_options[] = {
	&option_help, &option_version, &option_verbose,
};

#define COMMON_COUNT	(sizeof(common_options) / sizeof(common_options[0]))

int
option_error(char *error, size_t error_size, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	vsnprintf(error, error_size, format, ap);
	va_end(ap);
	return -1;
}

/* The command's options, the extra ones, then the common ones: index i of
 * the result is getopt's val. */
static size_t
command_options(const struct command_desc *command,
    const struct option_desc **out)
{
	size_t n = 0, i;

	for (i = 0; command->options[i] != NULL && n < COMMAND_OPTIONS_MAX; i++)
		out[n++] = command->options[i];
	for (i = 0; i < command->extra_count && n < COMMAND_OPTIONS_MAX; i++)
		out[n++] = &command->extra[i];
	for (i = 0; i < COMMON_COUNT && n < COMMAND_OPTIONS_MAX; i++)
		out[n++] = common_options[i];
	return n;
}

static void
getopt_tables(const struct option_desc *const *options, size_t count,
    struct option *longs, char *shorts)
{
	size_t i, s = 0;

	shorts[s++] = '+';	/* operands are taken between options */
	shorts[s++] = ':';	/* a missing value is ':' */
	for (i = 0; i < count; i++) {
		longs[i] = (struct option){ options[i]->name, options[i]->arg !=
		    NULL ? required_argument : no_argument, NULL, (int)i + 256 };
		if (options[i]->short_name != 0) {
			shorts[s++] = options[i]->short_name;
			if (options[i]->arg != NULL)
				shorts[s++] = ':';
		}
	}
	longs[count] = (struct option){ NULL, 0, NULL, 0 };
	shorts[s] = '\0';
}

/* getopt gives short options as themselves: back to their index. */
static int
option_index(const struct option_desc *const *options, size_t count, int id)
{
	size_t i;

	if (id >= 256)
		return id - 256;
	for (i = 0; i < count; i++)
		if (options[i]->short_name == id)
			return (int)i;
	return -1;
}

/* --name or --name=value, as an option's name. */
static void
option_word(const char *arg, char *name, size_t size)
{
	size_t length;

	while (*arg == '-')
		arg++;
	length = strcspn(arg, "=");
	snprintf(name, size, "%.*s", (int)(length < size ? length : size - 1),
	    arg);
}

const struct option_desc *
command_find_option(const struct command_set *all, const char *name)
{
	const struct option_desc *options[COMMAND_OPTIONS_MAX + 1];
	size_t c, i, count;

	for (c = 0; c < all->count; c++) {
		count = command_options(all->commands[c], options);
		for (i = 0; i < count; i++)
			if (strcmp(options[i]->name, name) == 0)
				return options[i];
	}
	return NULL;
}

static int
refused_option(const struct command_set *all,
    const struct command_desc *command, int id, const char *arg,
    char *error, size_t error_size)
{
	char name[64];

	if (id == ':')
		return option_error(error, error_size, "%s: option '%s' needs a "
		    "value", command->name, arg);
	option_word(arg, name, sizeof(name));
	if (strncmp(arg, "--", 2) == 0 && command_find_option(all, name) != NULL)
		return option_error(error, error_size, "%s: option '--%s' does "
		    "not apply", command->name, name);
	return option_error(error, error_size, "%s: unknown option '%s'",
	    command->name, arg);
}

static int
take_operand(const struct command_desc *command, struct command_line *line,
    const char *operand, char *error, size_t error_size)
{
	if (line->operand_count == command->operands_max)
		return option_error(error, error_size, "%s: unexpected argument "
		    "'%s'", command->name, operand);
	line->operands[line->operand_count++] = operand;
	return 0;
}

static int
apply_option(const struct option_desc *option, void *context,
    struct command_line *line, const char *arg, char *error,
    size_t error_size)
{
	if (option == &option_help)
		line->result = COMMAND_LINE_HELP;
	else if (option == &option_version)
		line->result = COMMAND_LINE_VERSION;
	else if (option == &option_verbose)
		line->verbose = true;
	else
		return option->apply(option, context, arg, error, error_size);
	return 0;
}

int
command_parse(const struct command_set *all,
    const struct command_desc *command, int argc, char **argv,
    void *context, struct command_line *line, char *error,
    size_t error_size)
{
	const struct option_desc *options[COMMAND_OPTIONS_MAX + 1];
	struct option longs[COMMAND_OPTIONS_MAX + 1];
	char shorts[3 * COMMAND_OPTIONS_MAX + 3];
	size_t count = command_options(command, options);
	int id, index;

	getopt_tables(options, count, longs, shorts);
	opterr = 0;
	while (optind < argc) {
		id = getopt_long(argc, argv, shorts, longs, NULL);
		if (id == -1) {
			if (optind < argc && take_operand(command, line,
			    argv[optind++], error, error_size) < 0)
				return -1;
			continue;
		}
		index = option_index(options, count, id);
		if (id == ':' || index < 0)
			return refused_option(all, command, id, argv[optind - 1],
			    error, error_size);
		if (apply_option(options[index], context, line, optarg, error,
		    error_size) < 0)
			return -1;
		if (line->result != COMMAND_LINE_PARSED)
			return 0;	/* --help, --version: the rest is moot */
	}
	if (line->operand_count < command->operands_min)
		return option_error(error, error_size, "%s needs %s",
		    command->name, command->operands_needed);
	return command->check != NULL ? command->check(context, error,
	    error_size) : 0;
}

int
command_defaults(const struct command_desc *command, void *context,
    char *error, size_t error_size)
{
	const struct option_desc *options[COMMAND_OPTIONS_MAX + 1];
	size_t count = command_options(command, options), i;

	for (i = 0; i < count; i++)
		if (options[i]->default_value != NULL && options[i]->apply(
		    options[i], context, options[i]->default_value, error,
		    error_size) < 0)
			return -1;
	return 0;
}

static int
option_check(const struct command_desc *command,
    const struct option_desc *const *options, size_t count, size_t i,
    char *error, size_t error_size)
{
	const struct option_desc *option = options[i];
	size_t j;

	if (option->name == NULL || option->name[0] == '\0' ||
	    option->help == NULL || option->apply == NULL ||
	    (option->default_value != NULL && option->arg == NULL))
		return option_error(error, error_size, "%s: option %zu has no "
		    "name, help or effect, or a default but no value",
		    command->name, i);
	for (j = 0; j < i; j++)
		if (strcmp(options[j]->name, option->name) == 0 ||
		    (option->short_name != 0 &&
		    options[j]->short_name == option->short_name))
			return option_error(error, error_size, "%s: option --%s "
			    "is given twice, or its short name is taken",
			    command->name, option->name);
	(void)count;
	return 0;
}

static int
command_check(const struct command_desc *command, size_t context_size,
    char *error, size_t error_size)
{
	const struct option_desc *options[COMMAND_OPTIONS_MAX + 1];
	size_t count, i;
	void *scratch;
	int rc;

	if (command->name == NULL || command->summary == NULL ||
	    command->options == NULL || command->operands_min >
	    command->operands_max || command->operands_max >
	    COMMAND_OPERANDS_MAX || (command->operands_max > 0) !=
	    (command->operands != NULL) || (command->operands_min > 0 &&
	    command->operands_needed == NULL))
		return option_error(error, error_size, "command %s: no name, "
		    "summary or options, or its operands are not described",
		    command->name != NULL ? command->name : "?");
	count = command_options(command, options);
	if (count == COMMAND_OPTIONS_MAX)
		return option_error(error, error_size, "%s: more than %d options",
		    command->name, COMMAND_OPTIONS_MAX - 1);
	for (i = 0; i < count; i++)
		if (option_check(command, options, count, i, error,
		    error_size) < 0)
			return -1;
	if (context_size == 0)
		return 0;
	scratch = calloc(1, context_size);
	if (scratch == NULL)
		return option_error(error, error_size, "out of memory");
	rc = command_defaults(command, scratch, error, error_size);
	free(scratch);
	return rc;
}

int
command_table_validate(const struct command_set *all, size_t context_size,
    char *error, size_t error_size)
{
	size_t c, d;

	for (c = 0; c < all->count; c++) {
		for (d = 0; d < c; d++)
			if (strcmp(all->commands[c]->name,
			    all->commands[d]->name) == 0)
				return option_error(error, error_size, "command "
				    "%s is listed twice", all->commands[c]->name);
		if (command_check(all->commands[c], context_size, error,
		    error_size) < 0)
			return -1;
	}
	return 0;
}

static void
usage_option(const struct option_desc *option, FILE *out)
{
	char left[80];
	int n;

	if (option->short_name != 0)
		n = snprintf(left, sizeof(left), "  -%c, --%s%s%s",
		    option->short_name, option->name, option->arg != NULL ?
		    " " : "", option->arg != NULL ? option->arg : "");
	else
		n = snprintf(left, sizeof(left), "      --%s%s%s", option->name,
		    option->arg != NULL ? " " : "", option->arg != NULL ?
		    option->arg : "");
	if (n < 32)
		fprintf(out, "%-32s%s", left, option->help);
	else
		fprintf(out, "%s\n%32s%s", left, "", option->help);
	if (option->default_value != NULL)
		fprintf(out, " (default %s)", option->default_value);
	fputc('\n', out);
}

void
command_usage(const struct command_desc *command, FILE *out)
{
	const struct option_desc *options[COMMAND_OPTIONS_MAX + 1];
	size_t count = command_options(command, options), i;

	fprintf(out, "vmmd %s%s%s%s\n  %s\n", command->name,
	    command->operands != NULL ? " " : "",
	    command->operands != NULL ? command->operands : "",
	    count > COMMON_COUNT ? " [OPTIONS]" : "", command->summary);
	for (i = 0; i + COMMON_COUNT < count; i++)
		usage_option(options[i], out);
}
