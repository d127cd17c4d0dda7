/* Files a process opens once and keeps: a VM rebuilt at a reboot gets the
 * same files back as duplicates, so a process that may no longer open
 * anything (the daemon's VM process, docs/security.md) still reboots. */
#ifndef VMMD_KEPT_FILES_H
#define VMMD_KEPT_FILES_H

#define KEPT_FILES_MAX	32

/* Opens path with flags (O_CLOEXEC added) and keeps it, per path and
 * access mode (O_RDONLY, O_WRONLY, O_RDWR): the same path kept read-only
 * and read-write is two open files. A path that cannot be opened is kept
 * with its errno, which later opens report. Returns 0, or -ENOSPC when the
 * table is full. Keeping a path with the same access twice keeps the
 * first. */
int kept_files_keep(const char *path, int flags);

/* Keeps fd (the caller's no longer) as path's open file with flags'
 * access: a file passed by the VM's client, named by the spec's string
 * ("fd:NAME"), so nothing is opened by that name. 0, or -ENOSPC, or
 * -EEXIST when path is kept with that access already (fd is closed). */
int kept_files_adopt(const char *path, int flags, int fd);

/* open(2) for core's files: a path kept with the access flags ask for
 * gives a new fd for that open file, rewound to its start (the kept errno
 * when it could not be opened); a path kept only with other access gives
 * -1 and errno EACCES (a read-only open never gets a writable file, nor
 * the reverse); any other path is opened. */
int kept_files_open(const char *path, int flags);

/* Closes and forgets every kept file. */
void kept_files_release(void);

#endif
