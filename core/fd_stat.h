/* fstat(2) made as the fstat system call. glibc makes fstat() a
 * newfstatat(fd, "", AT_EMPTY_PATH) (on aarch64 always, on x86_64 since
 * 2.33), and newfstatat can name any path: the VM process's seccomp filter
 * refuses it (docs/security.md), so the code that runs under that filter
 * stats its fds through this. The kernel's struct stat is glibc's on both
 * architectures vmmd builds for. */
#ifndef VMMD_FD_STAT_H
#define VMMD_FD_STAT_H

#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static inline int
fd_stat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

#endif
