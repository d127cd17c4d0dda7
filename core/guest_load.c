/* File loading straight into bounds-checked guest memory: no staging copy
 * of a 30 MB kernel. Nothing done to the file later (a truncate, an edit in
 * place) may reach a running guest or the VMM, so every byte ends up in the
 * guest's own anonymous RAM. Where guest memory keeps a record of ties (a
 * VM that runs, core/vm_detach.c), a plain file is mapped copy-on-write
 * first, so the guest starts at once, and copied beside it; otherwise it
 * is read in one read(2), the cheapest copy measured (docs/design.md,
 * "Files are copied into guest RAM"). A gzip stream goes through zlib's
 * gz* API. */
#include "guest_load.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fd_stat.h"
#include "kept_files.h"

#define GZ_CHUNK	(1u << 20)
/* Smaller files are read at once: a copy of a few ms at most under
 * emulation, and no hold of the vCPUs later (bare-metal payloads). */
#define TIE_MIN		(1u << 20)

struct source {
	int fd;		/* raw reads, when gz is NULL */
	gzFile gz;
};

static bool
is_gzip(int fd)
{
	uint8_t magic[2];

	return pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
	    magic[0] == 0x1f && magic[1] == 0x8b;
}

static int
source_open(const char *path, enum guest_load_mode mode, struct source *source)
{
	struct stat st;
	int fd;

	fd = kept_files_open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fd_stat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	source->fd = fd;
	source->gz = NULL;
	/* anything else is copied as it is, without zlib's extra copy */
	if (mode == GUEST_LOAD_RAW || !is_gzip(fd))
		return 0;
	source->gz = gzdopen(fd, "rb");	/* owns fd from now on */
	if (source->gz == NULL) {
		close(fd);
		return -ENOMEM;
	}
	return 0;
}

static void
source_close(struct source *source)
{
	if (source->gz != NULL)
		gzclose(source->gz);
	else
		close(source->fd);
}

/* A damaged or truncated gzip stream is -EBADMSG; an I/O error its errno.
 * zlib reports a truncated stream as a short read with Z_BUF_ERROR. */
static int
gz_status(gzFile gz)
{
	int zerror;

	gzerror(gz, &zerror);
	if (zerror == Z_OK)
		return 0;
	return zerror == Z_ERRNO ? -errno : -EBADMSG;
}

/* Reads up to length bytes, fewer only at the end of the file. Returns the
 * count, or a negative errno. */
static int64_t
source_read(struct source *source, void *buffer, uint64_t length)
{
	uint64_t done = 0;
	ssize_t n;
	int got;

	if (source->gz != NULL) {
		got = gzread(source->gz, buffer, (unsigned int)length);
		if (got < 0 || (uint64_t)got < length) {
			int rc = gz_status(source->gz);

			if (rc < 0)
				return rc;
		}
		return got;
	}
	while (done < length) {
		n = read(source->fd, (char *)buffer + done, length - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (uint64_t)n;
	}
	return (int64_t)done;
}

int
guest_load_peek(const char *path, uint8_t *buffer, size_t size, size_t *got)
{
	struct source source;
	int64_t n;
	int rc;

	rc = source_open(path, GUEST_LOAD_DECOMPRESS, &source);
	if (rc < 0)
		return rc;
	n = source_read(&source, buffer, size);
	source_close(&source);
	if (n < 0)
		return (int)n;
	*got = (size_t)n;
	return 0;
}

/* Copies (or decompresses) a whole file to guest_phys, at most limit bytes.
 * -EFAULT when guest_phys is outside guest memory, -EFBIG when the file does
 * not fit in the limit or in the memory region. */
/* A plain file mapped (guest_memory_map_file): 0 and its size, -EFBIG when
 * it does not fit, or -EAGAIN when it is to be read instead. */
static int
source_map(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t limit, const struct source *source, uint64_t *loaded)
{
	struct stat st;
	int rc;

	if (source->gz != NULL || memory->ties == NULL ||
	    fd_stat(source->fd, &st) < 0)
		return -EAGAIN;
	if ((uint64_t)st.st_size > limit)
		return -EFBIG;
	if (st.st_size < TIE_MIN)
		return -EAGAIN;
	rc = guest_memory_map_file(memory, guest_phys, source->fd, &st);
	if (rc == 0)
		*loaded = (uint64_t)st.st_size;
	return rc;
}

int
guest_load_file(const struct guest_memory *memory, uint64_t guest_phys,
    uint64_t limit, const char *path, enum guest_load_mode mode,
    uint64_t *loaded)
{
	uint64_t done = 0, chunk, room;
	struct source source;
	uint8_t probe;
	int64_t n;
	int rc;

	room = guest_memory_room(memory, guest_phys);
	if (room == 0)
		return -EFAULT;
	if (limit > room)
		limit = room;
	rc = source_open(path, mode, &source);
	if (rc < 0)
		return rc;
	rc = source_map(memory, guest_phys, limit, &source, loaded);
	if (rc != -EAGAIN) {
		source_close(&source);
		return rc;
	}
	rc = 0;
	for (;;) {
		/* gzread takes an unsigned int; read(2) the rest at once */
		chunk = limit - done;
		if (source.gz != NULL && chunk > GZ_CHUNK)
			chunk = GZ_CHUNK;
		if (chunk == 0) {
			/* full: fine only if the file has nothing more */
			n = source_read(&source, &probe, 1);
			rc = n < 0 ? (int)n : n > 0 ? -EFBIG : 0;
			break;
		}
		n = source_read(&source, guest_memory_ptr(memory,
		    guest_phys + done, chunk), chunk);
		if (n < 0) {
			rc = (int)n;
			break;
		}
		done += (uint64_t)n;
		if ((uint64_t)n < chunk)
			break;
	}
	source_close(&source);
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
