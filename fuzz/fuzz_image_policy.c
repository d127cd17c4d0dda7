/* libFuzzer target: a client's path through the image policy
 * (vmmd/image_policy.c), against a small tree made once: an image
 * directory with a kernel, a subdirectory, a FIFO, a symlink that stays
 * inside and symlinks and '..' ways out, beside a directory of secrets.
 * The input's first byte picks the use and whether the client is root;
 * the rest is the path, tried as it is and beneath the image directory.
 * Whatever the path, an fd that comes back is a regular file beneath the
 * image directory (no secret, never the FIFO, never a directory), open
 * O_NONBLOCK with the use's access; a refusal says why. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../vmmd/image_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct image_policy policy;
static char images[64];
static struct stat allowed[2];	/* Image and sub/initrd */

static void
make_file(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");

	if (file == NULL || fputs(text, file) < 0 || fclose(file) != 0)
		abort();
}

static void
tree_make(void)
{
	static char root[] = "/tmp/vmmd-fuzz-images-XXXXXX";
	char path[160];

	if (mkdtemp(root) == NULL)
		abort();
	snprintf(images, sizeof(images), "%s/images", root);
	snprintf(path, sizeof(path), "%s/secret", root);
	if (mkdir(images, 0755) < 0 || mkdir(path, 0755) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/secret/shadow", root);
	make_file(path, "secret");
	snprintf(path, sizeof(path), "%s/Image", images);
	make_file(path, "kernel");
	if (stat(path, &allowed[0]) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/sub", images);
	if (mkdir(path, 0755) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/sub/initrd", images);
	make_file(path, "initrd");
	if (stat(path, &allowed[1]) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/fifo", images);
	if (mkfifo(path, 0600) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/inside", images);
	if (symlink("sub/initrd", path) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/out", images);
	if (symlink("../secret/shadow", path) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/sub/up", images);
	if (symlink("../..", path) < 0)
		abort();
	snprintf(path, sizeof(path), "%s/abs", images);
	if (symlink("/etc/passwd", path) < 0)
		abort();
	snprintf(policy.directories[0], IMAGE_POLICY_PATH_MAX, "%s", images);
	policy.directory_count = 1;
}

static bool
is_allowed(const struct stat *st)
{
	size_t i;

	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (st->st_dev == allowed[i].st_dev &&
		    st->st_ino == allowed[i].st_ino)
			return true;
	return false;
}

static void
try_path(const char *path, enum image_use use, bool root)
{
	char error[512] = "";
	struct stat st;
	int fd = image_policy_open(&policy, path, use, root, error,
	    sizeof(error));
	int flags;

	if (fd < 0) {
		if (error[0] == '\0')
			__builtin_trap();	/* a refusal must say why */
		return;
	}
	flags = fcntl(fd, F_GETFL);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !is_allowed(&st) ||
	    !(flags & O_NONBLOCK) || ((flags & O_ACCMODE) == O_RDWR) !=
	    (use == IMAGE_USE_DISK_WRITABLE))
		__builtin_trap();	/* out of the image directory, or wrong */
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum image_use uses[] = {
		IMAGE_USE_KERNEL, IMAGE_USE_INITRD, IMAGE_USE_CPU_TEMPLATE,
		IMAGE_USE_DISK_READ_ONLY, IMAGE_USE_DISK_WRITABLE,
	};
	char path[IMAGE_POLICY_PATH_MAX], beneath[IMAGE_POLICY_PATH_MAX + 80];
	enum image_use use;

	if (images[0] == '\0')
		tree_make();
	if (size < 1 || size > sizeof(path))
		return 0;
	use = uses[(data[0] & 0x7f) % (sizeof(uses) / sizeof(uses[0]))];
	memcpy(path, data + 1, size - 1);
	path[size - 1] = '\0';
	/* root_any_path off: being root must not matter */
	try_path(path, use, data[0] & 0x80);
	snprintf(beneath, sizeof(beneath), "%s/%s", images, path);
	try_path(beneath, use, data[0] & 0x80);
	return 0;
}
