/* A vCPU's registers through KVM one-reg, for snapshots. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../core/error.h"
#include "kvm_arm64_uapi.h"
#include "snapshot_regs.h"
#include "snapshot_vcpu.h"
#include "sysreg.h"

#define REG_VALUE_MAX	256	/* KVM_REG_SIZE_U2048, an SVE Z register */

static int
reg_list(int vcpu_fd, struct kvm_reg_list **out)
{
	struct kvm_reg_list probe = { .n = 0 }, *list;

	if (ioctl(vcpu_fd, KVM_GET_REG_LIST, &probe) == 0)
		return -EIO;	/* a vCPU with no registers */
	if (errno != E2BIG)
		return -errno;
	list = malloc(sizeof(*list) + probe.n * sizeof(list->reg[0]));
	if (!list)
		return -ENOMEM;
	list->n = probe.n;
	if (ioctl(vcpu_fd, KVM_GET_REG_LIST, list) != 0) {
		free(list);
		return -errno;
	}
	*out = list;
	return 0;
}

static int
get_reg(int vcpu_fd, uint64_t id, void *value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)value };

	return ioctl(vcpu_fd, KVM_GET_ONE_REG, &reg) == 0 ? 0 : -errno;
}

static int
save_list(int vcpu_fd, const struct kvm_reg_list *list,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	uint8_t value[REG_VALUE_MAX];
	int err;

	for (uint64_t i = 0; i < list->n; i++) {
		err = arm64_snapshot_id_check(list->reg[i], why, why_size);
		if (err)
			return err;
		err = get_reg(vcpu_fd, list->reg[i], value);
		if (err) {
			error_set(why, why_size, "KVM_GET_ONE_REG %#llx: %s",
			    (unsigned long long)list->reg[i], strerror(-err));
			return err;
		}
		snapshot_put_u64(writer, list->reg[i]);
		snapshot_put(writer, value, snapshot_reg_size(list->reg[i]));
	}
	return 0;
}

int
arm64_snapshot_vcpu_save(int vcpu_fd, uint32_t index,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	struct kvm_reg_list *list = NULL;
	int err = reg_list(vcpu_fd, &list);

	if (err) {
		error_set(why, why_size, "KVM_GET_REG_LIST: %s", strerror(-err));
		return err;
	}
	snapshot_section_begin(writer, SNAPSHOT_SEC_VCPU);
	snapshot_put_u32(writer, index);
	snapshot_put_u32(writer, (uint32_t)list->n);
	err = save_list(vcpu_fd, list, writer, why, why_size);
	snapshot_section_end(writer);
	free(list);
	return err;
}

/* KVM takes these only before the first KVM_RUN, and the rest may depend
 * on them (the ID registers say which features the others have). */
static bool
set_first(uint64_t id)
{
	const struct sysreg_desc *desc;

	switch (id & KVM_REG_ARM_COPROC_MASK) {
	case KVM_REG_ARM_FW:
	case KVM_REG_ARM_FW_FEAT_BMAP:
		return true;
	case KVM_REG_ARM64_SYSREG:
		desc = sysreg_find_by_id(sysreg_table, sysreg_table_size, id);
		return desc && desc->class == SYSREG_CLASS_ID;
	default:
		return false;
	}
}

static int
set_reg(int vcpu_fd, uint64_t id, const uint8_t *value, char *why,
    size_t why_size)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)value };
	uint8_t current[REG_VALUE_MAX];
	int err;

	if (ioctl(vcpu_fd, KVM_SET_ONE_REG, &reg) == 0)
		return 0;
	err = -errno;
	if (get_reg(vcpu_fd, id, current) == 0 &&
	    memcmp(current, value, snapshot_reg_size(id)) == 0)
		return 0;
	error_set(why, why_size, "KVM_SET_ONE_REG %#llx: %s",
	    (unsigned long long)id, strerror(-err));
	return err;
}

static int
restore_pass(int vcpu_fd, const struct snapshot_blob *section, bool first,
    char *why, size_t why_size)
{
	size_t offset = 8;
	uint64_t id;
	int err;

	while (offset < section->size) {
		memcpy(&id, section->data + offset, sizeof(id));
		if (set_first(id) == first) {
			err = set_reg(vcpu_fd, id, section->data + offset + 8,
			    why, why_size);
			if (err)
				return err;
		}
		offset += 8 + snapshot_reg_size(id);
	}
	return 0;
}

int
arm64_snapshot_vcpu_restore(int vcpu_fd, const struct snapshot_blob *section,
    char *why, size_t why_size)
{
	int err = restore_pass(vcpu_fd, section, true, why, why_size);

	return err ? err : restore_pass(vcpu_fd, section, false, why, why_size);
}
