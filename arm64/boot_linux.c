/* The Linux boot protocol for arm64 (booting.rst), done in order: read the
 * Image header (none: a raw kernel, at 0x80000 as QEMU's -kernel puts it),
 * load the kernel at its text_offset, check the file was
 * whole, plan where the initrd and the DTB go, load the initrd, write the
 * DTB. The vCPU then starts at the kernel with x0 = the DTB's address. */
#include "boot_linux.h"

#include <errno.h>
#include <inttypes.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fd_stat.h"
#include "../core/guest_load.h"
#include "../core/kept_files.h"
#include "linux_image.h"

static int
read_header(const char *path, struct linux_image *image, char *why,
    size_t why_size)
{
	uint8_t start[LINUX_IMAGE_PEEK_SIZE];
	const char *what = NULL;
	size_t got = 0;
	int rc;

	rc = guest_load_peek(path, start, sizeof(start), &got);
	if (rc < 0) {
		snprintf(why, why_size, "cannot read kernel %s: %s", path,
		    guest_load_strerror(rc));
		return rc;
	}
	rc = linux_image_identify(start, got, image, &what);
	if (rc < 0)
		snprintf(why, why_size, "kernel %s is %s", path, what);
	return rc;
}

static int
load_kernel(const struct guest_memory *memory, const char *path,
    const struct device_tree_machine *machine, const struct linux_image *image,
    struct linux_boot *boot, char *why, size_t why_size)
{
	uint64_t limit = machine->ram_size - BOOT_LAYOUT_FDT_RESERVE -
	    (boot->layout.kernel_addr - machine->ram_base);
	int rc;

	rc = guest_load_file(memory, boot->layout.kernel_addr, limit, path,
	    GUEST_LOAD_DECOMPRESS, &boot->kernel_size);
	if (rc == -EFBIG) {
		snprintf(why, why_size, "kernel %s does not fit in %" PRIu64
		    " MiB of guest memory", path, machine->ram_size >> 20);
		return rc;
	}
	if (rc < 0) {
		snprintf(why, why_size, "cannot load kernel %s: %s", path,
		    guest_load_strerror(rc));
		return rc;
	}
	if (boot->kernel_size < image->file_extent) {
		snprintf(why, why_size, "kernel %s is truncated: %" PRIu64
		    " bytes, where its headers say %" PRIu64, path,
		    boot->kernel_size, image->file_extent);
		return -ENOEXEC;
	}
	return 0;
}

static int
load_initrd(const struct guest_memory *memory, const char *path,
    struct linux_boot *boot, char *why, size_t why_size)
{
	uint64_t size = boot->layout.initrd_end - boot->layout.initrd_addr;
	int rc;

	rc = guest_load_file(memory, boot->layout.initrd_addr, size, path,
	    GUEST_LOAD_RAW, &boot->initrd_size);
	if (rc == 0 && boot->initrd_size != size)
		rc = -EIO;	/* it changed while we read it */
	if (rc < 0)
		snprintf(why, why_size, "cannot load initrd %s: %s", path,
		    guest_load_strerror(rc));
	return rc;
}

static int
initrd_size_of(const char *path, uint64_t *size, char *why, size_t why_size)
{
	struct stat st;
	int fd, rc;

	*size = 0;
	if (path == NULL)
		return 0;
	/* through the kept files: the VM process may not open it again */
	fd = kept_files_open(path, O_RDONLY | O_CLOEXEC);
	rc = fd < 0 || fd_stat(fd, &st) < 0 ? -errno : 0;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		snprintf(why, why_size, "cannot read initrd %s: %s", path,
		    strerror(-rc));
		return -ENOENT;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_size, "initrd %s is not a regular file", path);
		return -EINVAL;
	}
	if (st.st_size == 0) {
		snprintf(why, why_size, "initrd %s is empty", path);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

static int
write_device_tree(const struct guest_memory *memory,
    const struct device_tree_machine *machine, struct linux_boot *boot,
    char *why, size_t why_size)
{
	void *fdt = guest_memory_ptr(memory, boot->layout.fdt_addr,
	    DEVICE_TREE_MAX_SIZE);
	int rc;

	rc = fdt == NULL ? -EFAULT :
	    device_tree_build(machine, fdt, DEVICE_TREE_MAX_SIZE);
	if (rc < 0) {
		snprintf(why, why_size, "cannot build the device tree: %s",
		    rc == -ENOSPC ? "it exceeds 64 KiB" : strerror(-rc));
		return rc;
	}
	boot->fdt_size = fdt_totalsize(fdt);
	return 0;
}

int
linux_boot_load(const struct guest_memory *memory,
    const struct linux_boot_files *files, struct device_tree_machine *machine,
    struct linux_boot *boot, char *why, size_t why_size)
{
	struct linux_image image;
	uint64_t initrd_size = 0;
	int rc;

	memset(boot, 0, sizeof(*boot));
	rc = read_header(files->kernel, &image, why, why_size);
	if (rc == 0)
		rc = initrd_size_of(files->initrd, &initrd_size, why, why_size);
	if (rc == 0 && boot_layout_plan(machine->ram_base, machine->ram_size,
	    &image, 0, initrd_size, &boot->layout, why, why_size) < 0)
		rc = -ENOMEM;
	if (rc == 0)
		rc = load_kernel(memory, files->kernel, machine, &image, boot,
		    why, why_size);
	/* again, now that the kernel's real size is known */
	if (rc == 0 && boot_layout_plan(machine->ram_base, machine->ram_size,
	    &image, boot->kernel_size, initrd_size, &boot->layout, why,
	    why_size) < 0)
		rc = -ENOMEM;
	if (rc == 0 && files->initrd != NULL)
		rc = load_initrd(memory, files->initrd, boot, why, why_size);
	if (rc < 0)
		return rc;
	boot->raw = image.raw;
	machine->initrd_start = boot->layout.initrd_addr;
	machine->initrd_end = boot->layout.initrd_end;
	return write_device_tree(memory, machine, boot, why, why_size);
}
