/* The VM process's seccomp allowlist, as data: every system call its
 * steady state makes (vCPU threads, the I/O thread, the console input
 * thread, the control thread, reboots, glibc's own), with an argument
 * check where one is cheap, and the ioctls of KVM, tun, vhost-vsock and
 * block devices that it uses. Anything else kills the process (SIGSYS).
 * docs/security.md says why each entry is there. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/vhost.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../arm64/kvm_arm64_uapi.h"
#include "sandbox.h"

/* glibc's internal signal for set*id in every thread (nptl's SIGSETXID,
 * not in its public headers): its handler is installed when the first
 * thread is created, which is after the filter. */
#define GLIBC_SIGSETXID	(__SIGRTMIN + 1)

#define ALLOW(call, why)	{ call, SANDBOX_ANY, 0, 0, 0, why }
#define ALLOW_IF(call, check, arg, value, why) \
	{ call, check, arg, value, 0, why }
#define REFUSE(call, error, why)	{ call, SANDBOX_ANY, 0, 0, error, why }

const struct sandbox_rule sandbox_rules[] = {
	/* I/O on the fds it holds: control socket, console pipes and log,
	 * disk images, taps, eventfds */
	ALLOW("read", "control messages, console input, eventfds"),
	ALLOW("recvmsg", "the files a snapshot message brings (SCM_RIGHTS)"),
	ALLOW("write", "control messages, console output and log, eventfds"),
	ALLOW("readv", "tap receive"),
	ALLOW("writev", "tap transmit"),
	ALLOW("pread64", "virtio-blk reads"),
	ALLOW("pwrite64", "virtio-blk writes"),
	ALLOW("preadv", "virtio-blk reads"),
	ALLOW("pwritev", "virtio-blk writes"),
	ALLOW("lseek", "kept files rewound for a new boot"),
	ALLOW("fdatasync", "virtio-blk flush"),
	ALLOW("fsync", "virtio-blk flush"),
	ALLOW("fallocate", "virtio-blk discard (punch a hole)"),
	ALLOW("ftruncate", "the console log, cut to its newest half at its "
	    "cap; a snapshot's files, emptied and sized"),
	ALLOW("close", "a boot's fds at teardown"),
	ALLOW_IF("fcntl", SANDBOX_EQ, 1, F_GETFL, "non-blocking fds"),
	ALLOW_IF("fcntl", SANDBOX_EQ, 1, F_SETFL, "non-blocking fds"),
	ALLOW_IF("fcntl", SANDBOX_EQ, 1, F_GETFD, "stdio"),
	ALLOW_IF("fcntl", SANDBOX_EQ, 1, F_DUPFD_CLOEXEC,
	    "a kept file for a new boot"),
	ALLOW("fstat", "image and disk sizes, of an fd (core/fd_stat.h)"),
	/* A filter cannot read the path: AT_EMPTY_PATH with a path that is
	 * not empty stats that path. glibc's own fstat (stdio's buffer size)
	 * degrades on the error. */
	REFUSE("newfstatat", EACCES, "it can name a path: what a host path "
	    "is (or that it exists) stays unknown to a taken-over process"),
	ALLOW("ioctl", NULL),	/* only sandbox_ioctls: see sandbox_filter_build */
	/* waiting */
	ALLOW("ppoll", "the console input thread"),
	ALLOW("epoll_pwait", "the I/O thread"),
	ALLOW("epoll_ctl", "the I/O thread's devices, at each boot"),
	ALLOW("epoll_create1", "the I/O thread, at each boot"),
	ALLOW("eventfd2", "ioeventfds, irqfds, stop events, at each boot"),
	ALLOW("futex", "locks and condition variables"),
	ALLOW("sched_yield", "glibc's locks"),
	ALLOW("clock_gettime", "set-up timing (when the vDSO is not used)"),
	ALLOW("getrandom", "virtio-rng"),
	/* memory: guest RAM, vCPU run areas, files mapped into RAM, malloc,
	 * thread stacks; never executable */
	ALLOW_IF("mmap", SANDBOX_BITS_CLEAR, 2, PROT_EXEC,
	    "guest RAM, kvm_run, kernel and initrd at each boot, malloc"),
	ALLOW_IF("mprotect", SANDBOX_BITS_CLEAR, 2, PROT_EXEC,
	    "thread stack guards, malloc arenas"),
	ALLOW("munmap", "a boot's memory at teardown, malloc"),
	ALLOW("mremap", "realloc; the copy of kernel and initrd put in place "
	    "of their mapping"),
	ALLOW("madvise", "huge pages for guest RAM, freed thread stacks"),
	ALLOW("brk", "malloc"),
	/* threads: vCPUs, I/O and console input at each boot */
	ALLOW_IF("clone", SANDBOX_BITS_SET, 0, CLONE_THREAD,
	    "threads only, never a new process"),
	REFUSE("clone3", ENOSYS, "its flags are out of a filter's reach: "
	    "glibc falls back to clone"),
	ALLOW("set_robust_list", "each new thread"),
	ALLOW("rseq", "each new thread"),
	ALLOW("exit", "a thread ends"),
	ALLOW("exit_group", "the process ends"),
	/* signals: the vCPU kick (SIGUSR1) and abort() */
	ALLOW("rt_sigprocmask", "the kick signal unblocked, threads"),
	ALLOW("rt_sigreturn", "return from the kick handler"),
	ALLOW("restart_syscall", "after a signal"),
	ALLOW_IF("rt_sigaction", SANDBOX_EQ, 0, SIGUSR1,
	    "the kick handler, at each vm_run"),
	ALLOW_IF("rt_sigaction", SANDBOX_EQ, 0, SIGABRT, "abort()"),
	ALLOW_IF("rt_sigaction", SANDBOX_EQ, 0, GLIBC_SIGSETXID,
	    "glibc's first pthread_create (its set*id broadcast handler)"),
	ALLOW_IF("tgkill", SANDBOX_EQ_PID, 0, 0,
	    "kick a vCPU thread; abort(): this process's threads only"),
	ALLOW("getpid", "pthread_kill"),
	ALLOW("gettid", "pthread_kill, abort()"),
	/* files: everything it needs was opened before the filter; an open
	 * fails, so that glibc's lazy opens degrade, not kill */
	REFUSE("openat", EACCES, "nothing is opened after set-up"),
	REFUSE("open", EACCES, "nothing is opened after set-up"),
};

const size_t sandbox_rule_count = sizeof(sandbox_rules) / sizeof(sandbox_rules[0]);

#define IOCTL(request)	{ #request, request }

const struct sandbox_ioctl sandbox_ioctls[] = {
	/* /dev/kvm, kept open: API check, a VM per boot */
	IOCTL(KVM_GET_API_VERSION), IOCTL(KVM_CHECK_EXTENSION),
	IOCTL(KVM_CREATE_VM), IOCTL(KVM_GET_VCPU_MMAP_SIZE),
	/* the VM fd: vCPUs, memory, vGIC and its devices, SMCCC filter,
	 * interrupts, ioeventfds and irqfds */
	IOCTL(KVM_CREATE_VCPU), IOCTL(KVM_SET_USER_MEMORY_REGION),
	IOCTL(KVM_CREATE_DEVICE), IOCTL(KVM_SET_DEVICE_ATTR),
	IOCTL(KVM_HAS_DEVICE_ATTR), IOCTL(KVM_GET_DEVICE_ATTR),
	IOCTL(KVM_IRQ_LINE), IOCTL(KVM_IOEVENTFD), IOCTL(KVM_IRQFD),
	IOCTL(KVM_SIGNAL_MSI),		/* virtio-pci's MSI-X */
	IOCTL(KVM_SET_GSI_ROUTING),	/* its vectors' irqfd routes */
	IOCTL(KVM_REGISTER_COALESCED_MMIO),
	IOCTL(KVM_ARM_PREFERRED_TARGET),
	IOCTL(ARM64_KVM_SET_COUNTER_OFFSET),	/* a restore's guest counter */
	/* a snapshot's CPU model, taken on a scratch VM as --cpu-model does */
	IOCTL(KVM_ARM_GET_REG_WRITABLE_MASKS),
	/* vCPU fds */
	IOCTL(KVM_RUN), IOCTL(KVM_ARM_VCPU_INIT), IOCTL(KVM_ARM_VCPU_FINALIZE),
	IOCTL(KVM_GET_ONE_REG), IOCTL(KVM_SET_ONE_REG),
	IOCTL(KVM_GET_REG_LIST),	/* a snapshot's registers */
	IOCTL(KVM_GET_MP_STATE), IOCTL(KVM_SET_MP_STATE),
	IOCTL(KVM_SET_VCPU_EVENTS),	/* the unmapped-MMIO policy abort */
	/* taps, opened before the filter */
	IOCTL(TUNGETIFF), IOCTL(TUNSETVNETHDRSZ), IOCTL(TUNSETOFFLOAD),
	/* vhost-vsock, kept open: owned once, set up again at a reboot */
	IOCTL(VHOST_SET_OWNER),
	IOCTL(VHOST_GET_FEATURES), IOCTL(VHOST_SET_FEATURES),
	IOCTL(VHOST_SET_MEM_TABLE), IOCTL(VHOST_SET_VRING_NUM),
	IOCTL(VHOST_SET_VRING_BASE), IOCTL(VHOST_GET_VRING_BASE),
	IOCTL(VHOST_SET_VRING_ADDR),
	IOCTL(VHOST_SET_VRING_KICK), IOCTL(VHOST_SET_VRING_CALL),
	IOCTL(VHOST_VSOCK_SET_GUEST_CID), IOCTL(VHOST_VSOCK_SET_RUNNING),
	/* a disk that is a block device */
	IOCTL(BLKGETSIZE64),
};

const size_t sandbox_ioctl_count = sizeof(sandbox_ioctls) / sizeof(sandbox_ioctls[0]);

/* One argument comparison; not libseccomp's SCMP_CMP macro, whose fields
 * differ between the versions vmmd builds against. */
static int
rule_add_cmp(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned int arg,
    enum scmp_compare op, uint64_t a, uint64_t b)
{
	const struct scmp_arg_cmp cmp = {
		.arg = arg, .op = op, .datum_a = a, .datum_b = b,
	};

	return seccomp_rule_add_array(ctx, action, nr, 1, &cmp);
}

static int
rule_add(scmp_filter_ctx ctx, int nr, const struct sandbox_rule *rule,
    pid_t pid)
{
	uint32_t action = rule->error != 0 ?
	    SCMP_ACT_ERRNO((uint32_t)rule->error) : SCMP_ACT_ALLOW;

	switch (rule->check) {
	case SANDBOX_ANY:
		return seccomp_rule_add(ctx, action, nr, 0);
	case SANDBOX_EQ:
		return rule_add_cmp(ctx, action, nr, rule->arg, SCMP_CMP_EQ,
		    rule->value, 0);
	case SANDBOX_EQ_PID:
		return rule_add_cmp(ctx, action, nr, rule->arg, SCMP_CMP_EQ,
		    (uint64_t)pid, 0);
	case SANDBOX_BITS_CLEAR:
		return rule_add_cmp(ctx, action, nr, rule->arg,
		    SCMP_CMP_MASKED_EQ, rule->value, 0);
	case SANDBOX_BITS_SET:
		return rule_add_cmp(ctx, action, nr, rule->arg,
		    SCMP_CMP_MASKED_EQ, rule->value, rule->value);
	}
	return -EINVAL;
}

static int
ioctls_add(scmp_filter_ctx ctx, int nr, char *error, size_t error_size)
{
	size_t i;
	int rc;

	for (i = 0; i < sandbox_ioctl_count; i++) {
		rc = rule_add_cmp(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_CMP_EQ,
		    sandbox_ioctls[i].request, 0);
		if (rc < 0) {
			snprintf(error, error_size, "ioctl %s: %s",
			    sandbox_ioctls[i].name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* A call the architecture does not have (open on arm64) is skipped; a
 * name libseccomp does not know is an error in the table. */
static int
rules_add(scmp_filter_ctx ctx, uint32_t arch, pid_t pid, char *error,
    size_t error_size)
{
	const struct sandbox_rule *rule;
	size_t i;
	int nr, rc;

	for (i = 0; i < sandbox_rule_count; i++) {
		rule = &sandbox_rules[i];
		nr = seccomp_syscall_resolve_name_arch(arch, rule->name);
		if (nr == __NR_SCMP_ERROR) {
			snprintf(error, error_size, "unknown system call %s",
			    rule->name);
			return -EINVAL;
		}
		if (nr < 0)
			continue;
		rc = strcmp(rule->name, "ioctl") == 0 ?
		    ioctls_add(ctx, nr, error, error_size) :
		    rule_add(ctx, nr, rule, pid);
		if (rc < 0) {
			if (strcmp(rule->name, "ioctl") != 0)
				snprintf(error, error_size, "%s: %s", rule->name,
				    strerror(-rc));
			return rc;
		}
	}
	return 0;
}

void *
sandbox_filter_build(uint32_t arch, pid_t pid, char *error, size_t error_size)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	uint32_t native = seccomp_arch_native();

	if (ctx == NULL) {
		snprintf(error, error_size, "seccomp_init failed");
		return NULL;
	}
	if (arch != 0 && arch != native && (seccomp_arch_add(ctx, arch) < 0 ||
	    seccomp_arch_remove(ctx, native) < 0)) {
		snprintf(error, error_size, "architecture 0x%x refused", arch);
		goto fail;
	}
	if (rules_add(ctx, arch != 0 ? arch : native, pid, error,
	    error_size) < 0)
		goto fail;
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

int
sandbox_filter_load(char *error, size_t error_size)
{
	scmp_filter_ctx ctx = sandbox_filter_build(0, getpid(), error,
	    error_size);
	int rc;

	if (ctx == NULL)
		return -EINVAL;
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc < 0)
		snprintf(error, error_size, "cannot load the seccomp filter: %s",
		    strerror(-rc));
	seccomp_release(ctx);
	return rc;
}
