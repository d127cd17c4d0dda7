/* Files a process opens once and keeps: a VM rebuilt at a reboot gets the
 * same files back as duplicates, so a process that may no longer open
 * anything (the daemon's VM process, docs/security.md) still reboots. */
#ifndef VMMD_KEPT_FILES_H
#define VMMD_KEPT_FILES_H

#define KEPT_FILES_MAX	32

/* Opens path with flags (O_CLOEXEC added) and keeps it; a path that cannot
 * be opened is kept with its errno, which later opens report. Returns 0,
 * or -ENOSPC when the table is full. Keeping a path twice keeps the first. */
int kept_files_keep(const char *path, int flags);

/* open(2) for core's files: a kept path gives a new fd for the same open
 * file, rewound to its start (-1 and errno EACCES when flags ask to write
 * and it was kept read-only; the kept errno when it could not be opened);
 * any other path is opened. */
int kept_files_open(const char *path, int flags);

/* Closes and forgets every kept file. */
void kept_files_release(void);

#endif
