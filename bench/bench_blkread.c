/* Block read throughput of a file or block device, run the same way in the
 * emulated host (on the image) and in the guest (on the virtio disk): a
 * sequential pass in 8 MiB reads, then 4 KiB reads at random offsets from
 * several processes at once (a busy queue). O_DIRECT where the file system
 * takes it, so that the guest's page cache does not answer for the disk.
 * Each pass runs RUNS times (default 5); the median is printed.
 * Usage: bench-blkread PATH [SEQ_MIB] [RANDOM_READS] [JOBS] [RUNS]
 * Prints one line: seq_mib_s=... rand_iops=... direct=0|1 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SEQ_BLOCK	(8u << 20)	/* several requests in flight per read */
#define RAND_BLOCK	4096u
#define ALIGNMENT	4096u

static double
now_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
open_input(const char *path, int *direct)
{
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);

	*direct = fd >= 0;
	if (fd < 0 && errno == EINVAL)	/* tmpfs: no O_DIRECT */
		fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd;
}

static uint64_t
input_size(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);

	return end < 0 ? 0 : (uint64_t)end;
}

static double
sequential(int fd, uint64_t bytes, void *buffer)
{
	double start = now_seconds();
	uint64_t done = 0;
	ssize_t got;

	while (done < bytes) {
		got = pread(fd, buffer, SEQ_BLOCK, (off_t)done);
		if (got <= 0)
			break;
		done += (uint64_t)got;
	}
	return (double)done / (1 << 20) / (now_seconds() - start);
}

static int
random_reads(int fd, uint64_t blocks, unsigned int count, uint64_t seed,
    void *buffer)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	unsigned int i;

	for (i = 0; i < count; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (pread(fd, buffer, RAND_BLOCK, (off_t)((x % blocks) *
		    RAND_BLOCK)) != RAND_BLOCK)
			return 1;
	}
	return 0;
}

/* Each job reads its share with its own descriptor, all at once. */
static double
random_iops(const char *path, uint64_t size, unsigned int count,
    unsigned int jobs, void *buffer)
{
	double start = now_seconds();
	unsigned int j, failed = 0;
	int status, fd, direct;
	pid_t pid;

	for (j = 0; j < jobs; j++) {
		pid = fork();
		if (pid == 0) {
			fd = open_input(path, &direct);
			_exit(fd < 0 ? 1 : random_reads(fd, size / RAND_BLOCK,
			    count / jobs, j + 1, buffer));
		}
		if (pid < 0)
			failed++;
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed++;
	if (failed > 0)
		return -1;
	return (double)(count / jobs * jobs) / (now_seconds() - start);
}

static int
compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define MAX_RUNS	15

static double
median(double *values, unsigned int count)
{
	qsort(values, count, sizeof(*values), compare_doubles);
	return values[count / 2];
}

int
main(int argc, char **argv)
{
	unsigned int seq_mib = 64, count = 4000, jobs = 4, runs = 5, r;
	double seq, iops, seqs[MAX_RUNS], iopses[MAX_RUNS];
	void *buffer;
	uint64_t size;
	int fd, direct;

	if (argc < 2) {
		fprintf(stderr, "usage: bench-blkread PATH [SEQ_MIB] "
		    "[RANDOM_READS] [JOBS]\n");
		return 2;
	}
	if (argc > 2)
		seq_mib = (unsigned int)strtoul(argv[2], NULL, 10);
	if (argc > 3)
		count = (unsigned int)strtoul(argv[3], NULL, 10);
	if (argc > 4)
		jobs = (unsigned int)strtoul(argv[4], NULL, 10);
	if (argc > 5)
		runs = (unsigned int)strtoul(argv[5], NULL, 10);
	if (jobs == 0)
		jobs = 1;
	if (runs == 0 || runs > MAX_RUNS)
		runs = 5;
	fd = open_input(argv[1], &direct);
	if (fd < 0) {
		fprintf(stderr, "bench-blkread: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	size = input_size(fd);
	if ((uint64_t)seq_mib << 20 > size)
		seq_mib = (unsigned int)(size >> 20);
	if (size < RAND_BLOCK || posix_memalign(&buffer, ALIGNMENT,
	    SEQ_BLOCK) != 0) {
		fprintf(stderr, "bench-blkread: %s is too small\n", argv[1]);
		return 1;
	}
	for (r = 0; r < runs; r++) {
		seqs[r] = sequential(fd, (uint64_t)seq_mib << 20, buffer);
		iopses[r] = random_iops(argv[1], size, count, jobs, buffer);
		if (iopses[r] < 0) {
			fprintf(stderr, "bench-blkread: random reads failed\n");
			return 1;
		}
	}
	seq = median(seqs, runs);
	iops = median(iopses, runs);
	printf("seq_mib_s=%.1f rand_iops=%.0f rand_mib_s=%.2f direct=%d "
	    "seq_mib=%u rand_reads=%u jobs=%u runs=%u\n", seq, iops,
	    iops * RAND_BLOCK / (1 << 20), direct, seq_mib, count / jobs * jobs,
	    jobs, runs);
	free(buffer);
	close(fd);
	return 0;
}
