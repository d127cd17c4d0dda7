/* File loading through zlib's gz* API, which reads gzip streams and plain
 * files alike ("transparent" mode), straight into bounds-checked guest
 * memory: no staging copy of a 30 MB kernel. */
#include "guest_load.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define LOAD_CHUNK	(1u << 20)

static int
open_regular(const char *path, gzFile *file)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	*file = gzdopen(fd, "rb");
	if (*file == NULL) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

/* A damaged or truncated gzip stream is -EBADMSG; an I/O error its errno. */
static int
read_error(gzFile file)
{
	int zerror;

	gzerror(file, &zerror);
	return zerror == Z_ERRNO ? -errno : -EBADMSG;
}

/* After a short read: a clean end of file, or what went wrong. A truncated
 * gzip stream ends short with Z_BUF_ERROR ("unexpected end of file"). */
static int
stream_status(gzFile file)
{
	int zerror;

	gzerror(file, &zerror);
	return zerror == Z_OK ? 0 : read_error(file);
}

int
guest_load_peek(const char *path, uint8_t *buffer, size_t size, size_t *got)
{
	gzFile file;
	int n, rc;

	rc = open_regular(path, &file);
	if (rc < 0)
		return rc;
	n = gzread(file, buffer, (unsigned int)size);
	rc = n < 0 ? read_error(file) : 0;
	if (n >= 0)
		*got = (size_t)n;
	gzclose(file);
	return rc;
}

/* Copies (or decompresses) a whole file to guest_phys, at most limit bytes.
 * -EFAULT when guest_phys is outside guest memory, -EFBIG when the file does
 * not fit in the limit or in the memory region. */
int
guest_load_file(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t limit, const char *path, uint64_t *loaded)
{
	uint64_t done = 0, chunk, room;
	gzFile file;
	void *target;
	int n, rc;

	room = guest_memory_room(memory, guest_phys);
	if (room == 0)
		return -EFAULT;
	if (limit > room)
		limit = room;
	rc = open_regular(path, &file);
	if (rc < 0)
		return rc;
	for (;;) {
		chunk = limit - done < LOAD_CHUNK ? limit - done : LOAD_CHUNK;
		if (chunk == 0) {
			/* full: fine only if the file has nothing more */
			rc = gzgetc(file) == -1 ? stream_status(file) : -EFBIG;
			break;
		}
		target = guest_memory_ptr(memory, guest_phys + done, chunk);
		n = gzread(file, target, (unsigned int)chunk);
		if (n < 0) {
			rc = read_error(file);
			break;
		}
		done += (uint64_t)n;
		if ((uint64_t)n < chunk) {
			rc = stream_status(file);
			break;
		}
	}
	gzclose(file);
	if (rc == 0)
		*loaded = done;
	return rc;
}

const char *
guest_load_strerror(int error)
{
	switch (error) {
	case -EFAULT:
		return "the address is outside guest memory";
	case -EFBIG:
		return "it does not fit in guest memory";
	case -EINVAL:
		return "not a regular file";
	case -EBADMSG:
		return "a damaged or truncated gzip stream";
	default:
		return strerror(-error);
	}
}
