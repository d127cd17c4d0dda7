/* The VM process's sandbox: the allowlist builds for arm64 and for this
 * machine, its entries are sane, a call outside it kills the process with
 * SIGSYS while the calls in it work, an open fails with EACCES, and, as
 * root, the drop leaves no capability, no way back to root and
 * no_new_privs. Each sandbox runs in a child process of its own. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../core/console.h"
#include "../../core/fd_stat.h"
#include "../../vmmd/sandbox.h"
#include "suites.h"

/* valgrind runs the client's system calls with its own, which a filter
 * made for vmmd would kill. */
static bool
under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload != NULL && strstr(preload, "vgpreload") != NULL;
}

/* The child's status after body() ran in it, sandboxed. */
static int
in_sandbox(int (*body)(void))
{
	char error[256];
	int status = 0;
	pid_t pid;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (sandbox_drop_privileges(NULL, error, sizeof(error)) < 0 ||
		    sandbox_filter_load(error, sizeof(error)) < 0)
			_exit(100);
		_exit(body());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

START_TEST(test_builds_for_arm64_and_here)
{
	const uint32_t arches[] = { SCMP_ARCH_AARCH64, 0 };
	char error[256] = "";
	unsigned int i;
	void *filter;

	if (under_valgrind())
		return;	/* libseccomp finds no usable seccomp under it */
	for (i = 0; i < 2; i++) {
		filter = sandbox_filter_build(arches[i], 1234, error,
		    sizeof(error));
		ck_assert_msg(filter != NULL, "arch %u: %s", i, error);
		seccomp_release(filter);
	}
}
END_TEST

START_TEST(test_table_sane)
{
	size_t i, j;

	for (i = 0; i < sandbox_rule_count; i++)
		ck_assert_msg(sandbox_rules[i].why != NULL ||
		    strcmp(sandbox_rules[i].name, "ioctl") == 0,
		    "%s has no reason", sandbox_rules[i].name);
	for (i = 0; i < sandbox_ioctl_count; i++)
		for (j = 0; j < i; j++)
			ck_assert_msg(sandbox_ioctls[i].request !=
			    sandbox_ioctls[j].request, "%s twice",
			    sandbox_ioctls[i].name);
}
END_TEST

/* The calls that take a path and say something of it (existence, type,
 * size, owner, times, target) are refused or absent: the filter cannot read
 * a path, so none may take one (docs/security.md). */
START_TEST(test_no_path_lookup_allowed)
{
	static const char *const by_path[] = {
		"stat", "lstat", "newfstatat", "fstatat64", "statx", "access",
		"faccessat", "faccessat2", "readlink", "readlinkat", "statfs",
		"getxattr", "lgetxattr", "listxattr", "chdir", "getdents64",
		"open", "openat", "openat2", "name_to_handle_at", "inotify_add_watch",
	};
	size_t i, j;

	for (i = 0; i < sandbox_rule_count; i++)
		for (j = 0; j < sizeof(by_path) / sizeof(by_path[0]); j++)
			ck_assert_msg(strcmp(sandbox_rules[i].name, by_path[j])
			    != 0 || sandbox_rules[i].error != 0,
			    "%s is allowed: it takes a path", by_path[j]);
}
END_TEST

/* A file opened before the filter, for what fd_stat() says of it. */
static int sized_fd = -1;

/* A host path that exists and one that does not look the same; an fd's
 * size is still known. */
static int
paths_unknown(void)
{
	struct console console;
	struct stat st;

	if (sandbox_stat_path("/") != -EACCES)
		return 20;
	if (sandbox_stat_path("/vmmd-no-such-path") != -EACCES)
		return 21;
	if (fd_stat(sized_fd, &st) != 0 || st.st_size != 1234)
		return 22;
	/* the console log's cap knows its file is one (it stats its fd) */
	console_init(&console, sized_fd, -1, NULL, NULL);
	if (console_limit_log(&console, 1u << 20) != 0 ||
	    console.log_max != 1u << 20)
		return 23;
	return 0;
}

START_TEST(test_paths_unknown)
{
	char path[] = "/tmp/vmmd-sandbox-XXXXXX";
	struct stat st;
	int status;

	ck_assert_int_eq(sandbox_stat_path("/"), 0);	/* outside: known */
	ck_assert_int_eq(sandbox_stat_path("/vmmd-no-such-path"), -ENOENT);
#ifdef __SANITIZE_ADDRESS__
	return;	/* ASan's own calls in the child are outside the list */
#endif
	if (under_valgrind())
		return;
	sized_fd = mkstemp(path);
	ck_assert_int_ge(sized_fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(sized_fd, 1234), 0);
	ck_assert_int_eq(fd_stat(sized_fd, &st), 0);
	ck_assert_int_eq(st.st_size, 1234);
	status = in_sandbox(paths_unknown);
	close(sized_fd);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status 0x%x", status);
}
END_TEST

/* Allowed: writes, an eventfd, memory; then a pipe, which is not. */
static int
pipe_made(void)
{
	int fds[2];
	void *memory;

	if (write(STDERR_FILENO, "", 0) != 0 || getpid() <= 0)
		return 1;
	memory = malloc(1 << 20);
	free(memory);
	if (pipe(fds) == 0)
		return 2;
	return 3;
}

static int
forbidden_call(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
	return 3;	/* never reached */
}

static int
open_refused(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	return fd < 0 && errno == EACCES ? 0 : 4;
}

START_TEST(test_forbidden_call_kills)
{
	int status;

	if (under_valgrind())
		return;
	status = in_sandbox(forbidden_call);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "status 0x%x", status);
}
END_TEST

START_TEST(test_open_refused)
{
	int status;

#ifdef __SANITIZE_ADDRESS__
	return;	/* ASan's open interceptor then calls sigaltstack: killed */
#endif
	if (under_valgrind())
		return;
	status = in_sandbox(open_refused);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status 0x%x", status);
}
END_TEST

START_TEST(test_allowed_then_pipe)
{
	int status;

	/* what came before ran; pipe2 is not in the list */
	if (under_valgrind())
		return;
	status = in_sandbox(pipe_made);
	ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	    "status 0x%x", status);
}
END_TEST

START_TEST(test_user_resolve)
{
	struct sandbox_user user;
	char error[200];

	ck_assert_int_eq(sandbox_user_resolve("65534:65533", &user, error,
	    sizeof(error)), 0);
	ck_assert_uint_eq(user.uid, 65534);
	ck_assert_uint_eq(user.gid, 65533);
	ck_assert_int_eq(sandbox_user_resolve("root", &user, error,
	    sizeof(error)), 0);
	ck_assert_uint_eq(user.uid, 0);
	ck_assert_int_eq(sandbox_user_resolve("no-such-vmmd-user", &user,
	    error, sizeof(error)), -ENOENT);
	ck_assert_ptr_nonnull(strstr(error, "no-such-vmmd-user"));
}
END_TEST

/* As root: the user, every capability set, the bounding set, no way back. */
static int
dropped(void)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { 0 } };
	const struct sandbox_user user = { 65534, 65534 };
	char error[256];

	if (sandbox_drop_privileges(&user, error, sizeof(error)) < 0)
		return 10;
	if (getuid() != 65534 || geteuid() != 65534 || getgid() != 65534 ||
	    getgroups(0, NULL) != 0)
		return 11;
	if (syscall(SYS_capget, &header, data) < 0 || data[0].effective != 0 ||
	    data[0].permitted != 0 || data[1].permitted != 0)
		return 12;
	if (prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0) != 0 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1 ||
	    prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 13;
	return setuid(0) == 0 ? 14 : 0;
}

START_TEST(test_drop_as_root)
{
	int status = 0;
	pid_t pid;

	if (geteuid() != 0)
		return;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(dropped());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "status 0x%x", status);
}
END_TEST

static Suite *
sandbox_suite(void)
{
	Suite *suite = suite_create("sandbox");
	TCase *tcase = tcase_create("sandbox");

	tcase_add_test(tcase, test_builds_for_arm64_and_here);
	tcase_add_test(tcase, test_table_sane);
	tcase_add_test(tcase, test_no_path_lookup_allowed);
	tcase_add_test(tcase, test_paths_unknown);
	tcase_add_test(tcase, test_forbidden_call_kills);
	tcase_add_test(tcase, test_open_refused);
	tcase_add_test(tcase, test_allowed_then_pipe);
	tcase_add_test(tcase, test_user_resolve);
	tcase_add_test(tcase, test_drop_as_root);
	suite_add_tcase(suite, tcase);
	return suite;
}

UNIT_SUITE(sandbox_suite)
