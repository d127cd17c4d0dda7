/* The probe's I/O: reads the kernel command line, the kernel log, sysfs and
 * the KVM device into the evidence, recording for each source whether it
 * could be read and why not; then hands the evidence to probe_decide(). */
#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../core/kvm.h"

#define PROBE_LOG_BUFFER	(1u << 20)	/* the kernel's ring is smaller */
#define SYSLOG_ACTION_READ_ALL	3
#define SYSLOG_ACTION_SIZE_BUFFER	10

void
probe_config_default(struct probe_config *config, const char *kvm_path)
{
	*config = (struct probe_config){
		.kvm_path = kvm_path != NULL ? kvm_path : KVM_DEVICE_PATH,
		.cmdline_path = "/proc/cmdline",
		.sysfs_cpu_path = "/sys/devices/system/cpu",
		.kvm_sysfs_path = "/sys/module/kvm",
		.kernel_log = true,
	};
}

static void
source_set(struct probe_source *source, const char *path, int rc)
{
	snprintf(source->path, sizeof(source->path), "%s", path);
	source->error = rc < 0 ? -rc : 0;
	if (rc >= 0)
		source->state = PROBE_SOURCE_READ;
	else if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO || rc == -ENOTDIR)
		source->state = PROBE_SOURCE_ABSENT;
	else if (rc == -EACCES || rc == -EPERM)
		source->state = PROBE_SOURCE_REFUSED;
	else
		source->state = PROBE_SOURCE_ERROR;
}

/* Reads a small file whole into text (NUL-terminated); -errno on failure. */
static int
read_text(const char *path, char *text, size_t size, size_t *length)
{
	ssize_t n;
	size_t used = 0;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (used + 1 < size) {
		n = read(fd, text + used, size - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	text[used] = '\0';
	*length = used;
	return rc;
}

static void
read_cmdline(const struct probe_config *config, struct probe_evidence *e)
{
	char text[4096];
	size_t length = 0;
	int rc;

	rc = read_text(config->cmdline_path, text, sizeof(text), &length);
	source_set(&e->cmdline_source, config->cmdline_path, rc);
	if (rc == 0 && probe_cmdline_parse(text, length, &e->cmdline) < 0) {
		e->cmdline_source.state = PROBE_SOURCE_BROKEN;
		e->cmdline_source.error = EINVAL;
	}
}

/* /dev/kmsg gives one record per read, from the oldest the ring still
 * holds; EAGAIN is the end, EPIPE a record overwritten while reading. */
static int
read_kmsg(char *buffer, size_t size, size_t *length)
{
	char record[8192];
	ssize_t n;
	int fd;

	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	*length = 0;
	for (;;) {
		n = read(fd, record, sizeof(record));
		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		if (*length + (size_t)n >= size)
			break;
		memcpy(buffer + *length, record, (size_t)n);
		*length += (size_t)n;
	}
	n = n < 0 && errno != EAGAIN ? -errno : 0;
	close(fd);
	return (int)n;
}

static int
read_klogctl(char *buffer, size_t size, size_t *length)
{
	int n = klogctl(SYSLOG_ACTION_SIZE_BUFFER, NULL, 0);

	if (n < 0)
		return -errno;
	n = klogctl(SYSLOG_ACTION_READ_ALL, buffer,
	    (int)(size < (size_t)n ? size : (size_t)n));
	if (n < 0)
		return -errno;
	*length = (size_t)n;
	return 0;
}

static void
read_kernel_log(struct probe_evidence *e)
{
	char *buffer = malloc(PROBE_LOG_BUFFER);
	const char *path = "/dev/kmsg";
	size_t length = 0;
	int rc;

	if (buffer == NULL) {
		source_set(&e->log_source, path, -ENOMEM);
		return;
	}
	rc = read_kmsg(buffer, PROBE_LOG_BUFFER, &length);
	if (rc < 0 && rc != -ENOMEM) {
		/* dmesg_restrict refuses both alike; another failure of
		 * /dev/kmsg alone may still leave syslog(2). */
		path = "/dev/kmsg, syslog(2)";
		rc = read_klogctl(buffer, PROBE_LOG_BUFFER, &length);
	}
	source_set(&e->log_source, path, rc);
	if (rc == 0)
		probe_klog_parse(buffer, length, &e->log);
	free(buffer);
}

static int
read_cpu_register(const char *base, unsigned int cpu, const char *name,
    uint64_t *value)
{
	char path[256], text[64];
	size_t length;
	int rc;

	snprintf(path, sizeof(path), "%s/cpu%u/regs/identification/%s", base,
	    cpu, name);
	rc = read_text(path, text, sizeof(text), &length);
	if (rc < 0)
		return rc;
	return probe_midr_parse(text, length, value);
}

static void
read_cpus(const struct probe_config *config, struct probe_evidence *e)
{
	char path[256], text[256];
	struct probe_cpu *cpu;
	uint64_t online = 0;
	unsigned int i;
	size_t length;
	int rc;

	snprintf(path, sizeof(path), "%s/online", config->sysfs_cpu_path);
	rc = read_text(path, text, sizeof(text), &length);
	if (rc == 0)
		rc = probe_cpu_list_parse(text, length, &online, &e->cpus_not_read);
	for (i = 0; rc == 0 && i < PROBE_MAX_CPUS; i++) {
		if ((online & (1ull << i)) == 0)
			continue;
		cpu = &e->cpus[e->cpu_count];
		cpu->index = i;
		rc = read_cpu_register(config->sysfs_cpu_path, i, "midr_el1",
		    &cpu->midr);
		if (rc == 0)
			cpu->has_revidr = read_cpu_register(config->sysfs_cpu_path,
			    i, "revidr_el1", &cpu->revidr) == 0;
		if (rc == 0)
			e->cpu_count++;
	}
	source_set(&e->cpu_source, config->sysfs_cpu_path, rc);
	if (rc == -EINVAL || rc == -ERANGE)
		e->cpu_source.state = PROBE_SOURCE_BROKEN;
}

static void
read_kvm(const struct probe_config *config, struct probe_evidence *e)
{
	struct stat st;
	int fd;

	source_set(&e->kvm_sysfs_source, config->kvm_sysfs_path,
	    stat(config->kvm_sysfs_path, &st) == 0 ? 0 : -errno);
	fd = kvm_system_open(config->kvm_path);
	source_set(&e->device_source, config->kvm_path, fd < 0 ? fd : 0);
	if (fd < 0)
		return;
	e->api_version = kvm_api_version(fd);
	if (e->api_version == KVM_STABLE_API)
		kvm_caps_query(fd, &e->caps);
	close(fd);
}

static void
skip_source(struct probe_source *source, const char *path)
{
	source->state = PROBE_SOURCE_SKIPPED;
	snprintf(source->path, sizeof(source->path), "%s", path);
}

int
probe_host(const struct probe_config *config, struct probe_report *report)
{
	struct probe_evidence *e = &report->evidence;
	struct utsname uts;

	memset(report, 0, sizeof(*report));
	e->api_version = -1;
	if (uname(&uts) == 0)
		snprintf(e->machine, sizeof(e->machine), "%s", uts.machine);
	skip_source(&e->cmdline_source, config->cmdline_path);
	skip_source(&e->log_source, "/dev/kmsg");
	skip_source(&e->device_source, config->kvm_path);
	skip_source(&e->kvm_sysfs_source, config->kvm_sysfs_path);
	skip_source(&e->cpu_source, config->sysfs_cpu_path);
	if (strcmp(e->machine, "aarch64") == 0) {
		read_cmdline(config, e);
		if (config->kernel_log)
			read_kernel_log(e);
		read_cpus(config, e);
		read_kvm(config, e);
	}
	probe_decide(report);
	return 0;
}

/* The probe's tables, checked once before the first probe: a broken table
 * is a bug in vmmd, named here with its entry. */
int
probe_tables_check(char *error, size_t error_size)
{
	const struct kvm_cap_desc *caps;
	const struct cpu_erratum *errata;
	size_t count;
	int rc;

	caps = kvm_caps_table(&count);
	if ((rc = kvm_caps_table_check(caps, count, error, error_size)) < 0)
		return rc;
	errata = cpu_errata_table(&count);
	if ((rc = cpu_errata_table_check(errata, count, error, error_size)) < 0)
		return rc;
	return probe_klog_table_check(error, error_size);
}
