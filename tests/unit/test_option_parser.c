/* The generic parser and the command tables: broken tables are refused
 * with the command and option named; --help shows every option of every
 * command once per command with the defaults the parser applies; the man
 * page and docs/usage.md name every option; `vmmd daemon`'s options. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../vmmd/options.h"
#include "suites.h"

static char error[256];

struct scratch {
	const char *name;
	bool flag;
};

static int
refuse(const struct option_desc *option, void *context, const char *arg,
    char *why, size_t why_size)
{
	(void)option;
	(void)context;
	return option_error(why, why_size, "'%s' refused", arg);
}

static const struct option_desc opt_name = { "name", 'n', "NAME", "a name",
	NULL, option_set_text, offsetof(struct scratch, name), NULL };
static const struct option_desc opt_flag = { "flag", 0, NULL, "a flag",
	NULL, option_set_flag, offsetof(struct scratch, flag), NULL };

static const struct command_desc good = {
	1, "good", "a command", "A", NULL, 0, 1,
	(const struct option_desc *const[]){ &opt_name, &opt_flag, NULL },
	NULL, 0, NULL,
};

static int
validate(const struct command_desc *command)
{
	const struct command_desc *list[] = { &good, command };
	const struct command_set set = { list, 2 };

	error[0] = '\0';
	return command_table_validate(&set, sizeof(struct scratch), error,
	    sizeof(error));
}

START_TEST(test_real_tables_pass)
{
	ck_assert_int_eq(vmmd_options_validate(error, sizeof(error)), 0);
}
END_TEST

START_TEST(test_broken_tables)
{
	const struct option_desc twice = { "name", 0, "X", "again", NULL,
	    option_set_text, 0, NULL };
	const struct option_desc short_taken = { "other", 'v', NULL, "-v is "
	    "--verbose's", NULL, option_set_flag, 0, NULL };
	const struct option_desc no_help = { "quiet", 0, NULL, NULL, NULL,
	    option_set_flag, 0, NULL };
	const struct option_desc flag_default = { "loud", 0, NULL, "a flag",
	    "1", option_set_flag, 0, NULL };
	const struct option_desc bad_default = { "size", 0, "N", "a size",
	    "lots", refuse, 0, NULL };
	struct command_desc command = { 2, "other", "another", NULL, NULL, 0,
	    0, NULL, NULL, 0, NULL };

	command.options = (const struct option_desc *const[]){ &twice, &twice,
	    NULL };
	ck_assert_int_eq(validate(&command), -1);
	ck_assert_str_eq(error, "other: option --name is given twice, or its "
	    "short name is taken");
	command.options = (const struct option_desc *const[]){ &short_taken,
	    NULL };
	ck_assert_int_eq(validate(&command), -1);
	command.options = (const struct option_desc *const[]){ &no_help, NULL };
	ck_assert_int_eq(validate(&command), -1);
	ck_assert_ptr_nonnull(strstr(error, "other: option 0 has no name"));
	command.options = (const struct option_desc *const[]){ &flag_default,
	    NULL };
	ck_assert_int_eq(validate(&command), -1);
	command.options = (const struct option_desc *const[]){ &bad_default,
	    NULL };
	ck_assert_int_eq(validate(&command), -1);
	ck_assert_str_eq(error, "'lots' refused");
	command.options = (const struct option_desc *const[]){ NULL };
	command.operands_max = 1;	/* operands not described */
	ck_assert_int_eq(validate(&command), -1);
	command.operands = "X";
	ck_assert_int_eq(validate(&command), 0);
	command.name = "good";
	ck_assert_int_eq(validate(&command), -1);
	ck_assert_str_eq(error, "command good is listed twice");
}
END_TEST

#define ARGV(...)	((char *[]){ "good", __VA_ARGS__, NULL })
#define ARGC(...)	((int)(sizeof((char *[]){ "good", __VA_ARGS__ }) / sizeof(char *)))

static int
parse(int argc, char **argv, struct scratch *scratch, struct command_line *line)
{
	const struct command_desc *list[] = { &good };
	const struct command_set set = { list, 1 };

	memset(scratch, 0, sizeof(*scratch));
	memset(line, 0, sizeof(*line));
	optind = 0;	/* getopt's full reset; argv[0] is the command */
	error[0] = '\0';
	return command_parse(&set, &good, argc, argv, scratch, line, error,
	    sizeof(error));
}

START_TEST(test_parser)
{
	struct command_line line;
	struct scratch s;

	ck_assert_int_eq(parse(ARGC("op", "-n", "x", "--flag"),
	    ARGV("op", "-n", "x", "--flag"), &s, &line), 0);
	ck_assert_str_eq(s.name, "x");
	ck_assert(s.flag);
	ck_assert_str_eq(line.operands[0], "op");
	ck_assert_int_eq(parse(ARGC("--name=y", "-v"), ARGV("--name=y", "-v"),
	    &s, &line), 0);
	ck_assert_str_eq(s.name, "y");
	ck_assert(line.verbose);
	ck_assert_int_eq(parse(ARGC("a", "b"), ARGV("a", "b"), &s, &line), -1);
	ck_assert_str_eq(error, "good: unexpected argument 'b'");
	ck_assert_int_eq(parse(ARGC("--name"), ARGV("--name"), &s, &line), -1);
	ck_assert_str_eq(error, "good: option '--name' needs a value");
	ck_assert_int_eq(parse(ARGC("--what"), ARGV("--what"), &s, &line), -1);
	ck_assert_str_eq(error, "good: unknown option '--what'");
	ck_assert_int_eq(parse(ARGC("--help", "--what"), ARGV("--help",
	    "--what"), &s, &line), 0);
	ck_assert_int_eq(line.result, COMMAND_LINE_HELP);
}
END_TEST

static char *
usage_text(void)
{
	char *text = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&text, &size);

	ck_assert_ptr_nonnull(out);
	vmmd_usage(out);
	fclose(out);
	return text;
}

static char *
file_text(const char *path)
{
	FILE *in = fopen(path, "r");
	char *text = calloc(1, 1 << 17);

	ck_assert_msg(in != NULL, "cannot open %s", path);
	ck_assert_uint_lt(fread(text, 1, (1 << 17) - 1, in), (1 << 17) - 1);
	fclose(in);
	return text;
}

/* "cpu-template" as the man page writes it: Fl \-cpu\-template */
static void
man_name(const char *name, char *out, size_t size)
{
	size_t n = 0;

	n += (size_t)snprintf(out, size, "Fl \\-");
	for (; *name != '\0' && n + 3 < size; name++) {
		if (*name == '-')
			out[n++] = '\\';
		out[n++] = *name;
	}
	out[n] = '\0';
}

/* One --help, for every command: each of its options, with the default
 * the parser applies; the man page and docs/usage.md name them all. */
START_TEST(test_help_is_the_tables)
{
	const struct command_set *set = vmmd_commands();
	const struct option_desc *option;
	char *text = usage_text(), *man = file_text("man/vmmd.8");
	char *usage = file_text("docs/usage.md"), want[96];
	struct vmmd_options options;
	size_t c, i;

	for (c = 0; c < set->count; c++) {
		snprintf(want, sizeof(want), "vmmd %s", set->commands[c]->name);
		ck_assert_msg(strstr(text, want) != NULL, "no '%s'", want);
		for (i = 0; (option = set->commands[c]->options[i]) != NULL;
		    i++) {
			snprintf(want, sizeof(want), "--%s", option->name);
			ck_assert_msg(strstr(text, want) != NULL, "--help has "
			    "no %s", want);
			ck_assert_msg(strstr(usage, want) != NULL, "usage.md "
			    "has no %s", want);
			man_name(option->name, want, sizeof(want));
			ck_assert_msg(strstr(man, want) != NULL, "vmmd.8 has "
			    "no %s", want);
		}
		for (i = 0; i < set->commands[c]->extra_count; i++) {
			snprintf(want, sizeof(want), "--%s",
			    set->commands[c]->extra[i].name);
			ck_assert_msg(strstr(text, want) != NULL, "no %s", want);
			ck_assert_msg(strstr(usage, want) != NULL, "no %s", want);
		}
	}
	/* the two usage blocks of old disagreed on this */
	ck_assert_ptr_nonnull(strstr(text, "(default " VMMD_DEFAULT_MEMORY_TEXT
	    ")"));
	ck_assert_ptr_null(strstr(text, "64M"));
	ck_assert_int_eq(vmmd_options_parse(3, (char *[]){ "vmmd", "run",
	    "--rng", NULL }, &options, error, sizeof(error)), -1);
	ck_assert_int_eq(vmmd_options_parse(4, (char *[]){ "vmmd", "run",
	    "--payload", "p", NULL }, &options, error, sizeof(error)), 0);
	ck_assert_uint_eq(options.vm.memory_size, VMMD_DEFAULT_MEMORY);
	free(text);
	free(man);
	free(usage);
}
END_TEST

START_TEST(test_daemon_options)
{
	struct daemon_config config;
	struct daemon_options options = { .config = &config };

	daemon_config_defaults(&config);
	ck_assert_int_eq(daemon_options_parse(7, (char *[]){ "daemon",
	    "--socket", "/tmp/s.sock", "--no-kvm", "--detach", "--pid-file",
	    "/tmp/p", NULL }, &options, error, sizeof(error)), 0);
	ck_assert_str_eq(config.socket_path, "/tmp/s.sock");
	ck_assert(!config.kvm);
	ck_assert(options.detach);
	ck_assert_str_eq(options.pid_file, "/tmp/p");
	ck_assert_int_eq(options.result, COMMAND_LINE_PARSED);
	ck_assert_int_eq(daemon_options_parse(2, (char *[]){ "daemon",
	    "--payload", NULL }, &options, error, sizeof(error)), -1);
	ck_assert_str_eq(error, "daemon: option '--payload' does not apply");
	ck_assert_int_eq(daemon_options_parse(2, (char *[]){ "daemon",
	    "extra", NULL }, &options, error, sizeof(error)), -1);
	ck_assert_str_eq(error, "daemon: unexpected argument 'extra'");
	ck_assert_int_eq(daemon_options_parse(3, (char *[]){ "daemon",
	    "--config", "/nonexistent/vmmd.json", NULL }, &options, error,
	    sizeof(error)), -1);
	ck_assert_ptr_nonnull(strstr(error, "/nonexistent/vmmd.json"));
	ck_assert_int_eq(daemon_options_parse(3, (char *[]){ "daemon", "-v",
	    "--help", NULL }, &options, error, sizeof(error)), 0);
	ck_assert(options.verbose);
	ck_assert_int_eq(options.result, COMMAND_LINE_HELP);
}
END_TEST

START_TEST(test_command_words)
{
	struct vmmd_options options;

	ck_assert_int_eq(vmmd_options_parse(4, (char *[]){ "vmmd", "-v",
	    "daemon", "--detach", NULL }, &options, error, sizeof(error)), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_DAEMON);
	ck_assert_int_eq(options.command_index, 2);
	ck_assert(options.verbose);
	ck_assert_int_eq(vmmd_options_parse(2, (char *[]){ "vmmd",
	    "vm-process", NULL }, &options, error, sizeof(error)), 0);
	ck_assert_int_eq(options.command, VMMD_COMMAND_VM_PROCESS);
	ck_assert_int_eq(vmmd_options_parse(2, (char *[]){ "vmmd",
	    "--probe", NULL }, &options, error, sizeof(error)), 0);
	ck_assert_int_eq(vmmd_options_parse(3, (char *[]){ "vmmd",
	    "--cpu-model", "--cpu-template", NULL }, &options, error,
	    sizeof(error)), -1);
}
END_TEST

static Suite *
option_parser_suite(void)
{
	Suite *suite = suite_create("option_parser");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, test_real_tables_pass);
	tcase_add_test(tc, test_broken_tables);
	tcase_add_test(tc, test_parser);
	tcase_add_test(tc, test_help_is_the_tables);
	tcase_add_test(tc, test_daemon_options);
	tcase_add_test(tc, test_command_words);
	suite_add_tcase(suite, tc);
	return suite;
}

UNIT_SUITE(option_parser_suite)
