/* Capturing a host's CPU model on a scratch vCPU, cross-checking what
 * KVM_GET_REG_LIST gives against the sysreg table, and comparing two
 * models. Only cpu_model_capture and cpu_model_host_features touch KVM. */
#include "cpu_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../core/kvm.h"
#include "cpu_template.h"
#include "kvm_arm64_uapi.h"

const char *
cpu_reg_group_name(enum cpu_reg_group group)
{
	static const char *const names[] = {
		[CPU_REG_GROUP_CORE] = "core",
		[CPU_REG_GROUP_DEMUX] = "ccsidr_demux",
		[CPU_REG_GROUP_SYSREG] = "sysreg",
		[CPU_REG_GROUP_FIRMWARE] = "firmware",
		[CPU_REG_GROUP_SVE] = "sve",
		[CPU_REG_GROUP_FW_FEATURES] = "firmware_features",
		[CPU_REG_GROUP_OTHER] = "other",
	};

	if ((unsigned int)group >= CPU_REG_GROUP_COUNT)
		return "invalid";
	return names[group];
}

enum cpu_reg_group
cpu_reg_group_of(uint64_t kvm_id)
{
	if ((kvm_id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64)
		return CPU_REG_GROUP_OTHER;
	switch (kvm_id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_CORE:
		return CPU_REG_GROUP_CORE;
	case KVM_REG_ARM_DEMUX:
		return CPU_REG_GROUP_DEMUX;
	case KVM_REG_ARM64_SYSREG:
		return CPU_REG_GROUP_SYSREG;
	case KVM_REG_ARM_FW:
		return CPU_REG_GROUP_FIRMWARE;
	case KVM_REG_ARM64_SVE:
		return CPU_REG_GROUP_SVE;
	case KVM_REG_ARM_FW_FEAT_BMAP:
		return CPU_REG_GROUP_FW_FEATURES;
	default:
		return CPU_REG_GROUP_OTHER;
	}
}

static bool
id_listed(const uint64_t *ids, size_t count, uint64_t id)
{
	size_t i;

	for (i = 0; i < count; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/* KVM's list against the table: sysreg ids the table does not know, and
 * registers the table requires for these features that KVM did not list.
 * Ids are grouped by their coproc field; only sysregs are looked up. */
void
cpu_cross_check(const uint64_t *ids, size_t count, unsigned int features,
    const struct sysreg_desc *table, size_t table_size,
    struct cpu_cross_check *result)
{
	enum cpu_reg_group group;
	size_t i;

	memset(result, 0, sizeof(*result));
	result->listed = count;
	for (i = 0; i < count; i++) {
		group = cpu_reg_group_of(ids[i]);
		result->groups[group]++;
		if (group != CPU_REG_GROUP_SYSREG)
			continue;
		if (sysreg_find_by_id(table, table_size, ids[i]) != NULL)
			result->known++;
		else if (result->unknown_count < CPU_CROSS_CHECK_MAX)
			result->unknown[result->unknown_count++] = ids[i];
	}
	for (i = 0; i < table_size; i++)
		if (sysreg_is_required(&table[i], features) &&
		    !id_listed(ids, count, table[i].kvm_id) &&
		    result->missing_count < CPU_CROSS_CHECK_MAX)
			result->missing[result->missing_count++] = &table[i];
}

const struct cpu_model_reg *
cpu_model_find(const struct cpu_model *model, const char *name)
{
	size_t i;

	for (i = 0; i < model->count; i++)
		if (strcasecmp(model->regs[i].name, name) == 0)
			return &model->regs[i];
	return NULL;
}

static size_t
add_difference(struct cpu_model_difference *differences, size_t n, size_t max,
    struct cpu_model_difference difference)
{
	if (n < max)
		differences[n] = difference;
	return n + 1;
}

static size_t
compare_reg(const struct cpu_model_reg *a, const struct cpu_model_reg *b,
    struct cpu_model_difference *differences, size_t n, size_t max)
{
	unsigned int shift;
	uint64_t fa, fb, field = 0xf;

	for (shift = 0; shift < 64; shift += 4) {
		fa = (a->value >> shift) & field;
		fb = (b->value >> shift) & field;
		if (fa == fb)
			continue;
		n = add_difference(differences, n, max,
		    (struct cpu_model_difference){ .name = a->name,
		    .shift = shift, .a = fa, .b = fb,
		    .writable_a = ((a->writable >> shift) & field) == field,
		    .writable_b = ((b->writable >> shift) & field) == field });
	}
	return n;
}

/* The 4-bit ID fields in which two models differ, and the registers only
 * one has. Returns how many differences there are (may exceed max). */
size_t
cpu_model_compare(const struct cpu_model *a, const struct cpu_model *b,
    struct cpu_model_difference *differences, size_t max)
{
	const struct cpu_model_reg *other;
	size_t i, n = 0;

	for (i = 0; i < a->count; i++) {
		other = cpu_model_find(b, a->regs[i].name);
		if (other == NULL)
			n = add_difference(differences, n, max,
			    (struct cpu_model_difference){
			    .name = a->regs[i].name, .shift = 64,
			    .a = a->regs[i].value });
		else
			n = compare_reg(&a->regs[i], other, differences, n, max);
	}
	for (i = 0; i < b->count; i++)
		if (cpu_model_find(a, b->regs[i].name) == NULL)
			n = add_difference(differences, n, max,
			    (struct cpu_model_difference){
			    .name = b->regs[i].name, .shift = 64,
			    .b = b->regs[i].value });
	return n;
}

int
cpu_model_host_features_fd(int system_fd, unsigned int *features)
{
	*features = 0;
	if (kvm_check_extension(system_fd, KVM_CAP_ARM_PMU_V3) > 0)
		*features |= SYSREG_FEATURE_PMU;
	if (kvm_check_extension(system_fd, KVM_CAP_ARM_SVE) > 0)
		*features |= SYSREG_FEATURE_SVE;
	if (kvm_check_extension(system_fd, KVM_CAP_ARM_PTRAUTH_ADDRESS) > 0 &&
	    kvm_check_extension(system_fd, KVM_CAP_ARM_PTRAUTH_GENERIC) > 0)
		*features |= SYSREG_FEATURE_PTRAUTH;
	return 0;
}

int
cpu_model_host_features(const char *kvm_path, unsigned int *features)
{
	int fd = kvm_system_open(kvm_path);

	if (fd < 0)
		return fd;
	cpu_model_host_features_fd(fd, features);
	close(fd);
	return 0;
}

static int
read_reg_list(struct kvm_vcpu_fd *vcpu, uint64_t **ids, size_t *count)
{
	struct kvm_reg_list probe = { .n = 0 }, *list;

	if (ioctl(vcpu->fd, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG)
		return errno != 0 ? -errno : -EIO;
	list = calloc(1, sizeof(*list) + probe.n * sizeof(uint64_t));
	if (list == NULL)
		return -ENOMEM;
	list->n = probe.n;
	if (ioctl(vcpu->fd, KVM_GET_REG_LIST, list) < 0) {
		free(list);
		return -errno;
	}
	*count = list->n;
	*ids = malloc(list->n * sizeof(uint64_t));
	if (*ids == NULL) {
		free(list);
		return -ENOMEM;
	}
	memcpy(*ids, list->reg, list->n * sizeof(uint64_t));
	free(list);
	return 0;
}

/* The ID registers KVM lists, with their values and writable masks. */
static int
read_id_registers(int vm_fd, struct kvm_vcpu_fd *vcpu, struct cpu_model *model)
{
	uint64_t masks[KVM_ARM_FEATURE_ID_RANGE_SIZE] = { 0 };
	struct reg_mask_range range = { .addr = (uint64_t)(uintptr_t)masks,
	    .range = KVM_ARM_FEATURE_ID_RANGE };
	const struct sysreg_desc *desc;
	struct cpu_model_reg *reg;
	size_t i;
	int rc, index;

	if (model->writable_masks &&
	    ioctl(vm_fd, KVM_ARM_GET_REG_WRITABLE_MASKS, &range) < 0)
		return -errno;
	for (i = 0; i < sysreg_table_size; i++) {
		desc = &sysreg_table[i];
		if (desc->class != SYSREG_CLASS_ID ||
		    desc->policy == SYSREG_POLICY_HIDDEN)
			continue;
		if (model->count == CPU_MODEL_REGS_MAX)
			return -ENOSPC;
		reg = &model->regs[model->count];
		rc = kvm_vcpu_get_reg(vcpu, desc->kvm_id, &reg->value);
		if (rc == -ENOENT)
			continue;
		if (rc < 0)
			return rc;
		snprintf(reg->name, sizeof(reg->name), "%s", desc->name);
		reg->enc = desc->enc;
		reg->policy = desc->policy;
		index = sysreg_feature_id_index(desc->enc);
		reg->writable = index >= 0 ? masks[index] : 0;
		model->count++;
	}
	return 0;
}

static int
capture_on_vcpu(int system_fd, int vm_fd, unsigned int features,
    struct cpu_model *model, struct cpu_cross_check *check)
{
	struct kvm_vcpu_fd vcpu = { .fd = -1 };
	uint64_t *ids = NULL;
	size_t count = 0;
	int rc;

	rc = kvm_vcpu_create(system_fd, vm_fd, 0, &vcpu);
	if (rc == 0)
		rc = cpu_template_vcpu_init(vm_fd, &vcpu, features, false);
	if (rc == 0)
		rc = read_id_registers(vm_fd, &vcpu, model);
	if (rc == 0 && check != NULL)
		rc = read_reg_list(&vcpu, &ids, &count);
	if (rc == 0 && check != NULL)
		cpu_cross_check(ids, count, features, sysreg_table,
		    sysreg_table_size, check);
	free(ids);
	kvm_vcpu_destroy(&vcpu);
	return rc;
}

/* A scratch VM with one vCPU given these features (which KVM must offer):
 * its ID registers, KVM's writable masks, and the cross-check of its
 * register list. Nothing runs; the VM is gone when this returns. */
int
cpu_model_capture_fd(int system_fd, unsigned int features,
    struct cpu_model *model, struct cpu_cross_check *check)
{
	int vm_fd, rc;

	memset(model, 0, sizeof(*model));
	cpu_model_host_features_fd(system_fd, &model->host_features);
	if ((features & ~model->host_features) != 0)
		return -EOPNOTSUPP;
	model->vcpu_features = features;
	model->el1_32bit = kvm_check_extension(system_fd,
	    KVM_CAP_ARM_EL1_32BIT) > 0;
	vm_fd = kvm_vm_create(system_fd, 0);
	if (vm_fd < 0)
		return vm_fd;
	model->writable_masks = kvm_check_extension(vm_fd,
	    KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES) > 0;
	rc = capture_on_vcpu(system_fd, vm_fd, features, model, check);
	close(vm_fd);
	return rc;
}

int
cpu_model_capture(const char *kvm_path, unsigned int features,
    struct cpu_model *model, struct cpu_cross_check *check)
{
	int system_fd = kvm_system_open(kvm_path), rc;

	if (system_fd < 0)
		return system_fd;
	rc = cpu_model_capture_fd(system_fd, features, model, check);
	close(system_fd);
	return rc;
}
