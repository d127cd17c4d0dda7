/* Checking a CPU template against a host's CPU model, and applying it to a
 * vCPU between KVM_ARM_VCPU_INIT and the first KVM_RUN (KVM freezes the ID
 * registers once the VM has run). */
#include "cpu_template.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kvm_arm64_uapi.h"
#include "../core/error.h"

/* ID fields whose values are signed: 0xf means "not implemented" and sits
 * below 0 (Arm ARM, D19.1.3). The others compare unsigned. */
static const struct {
	const char *reg;
	unsigned int shift;
} signed_fields[] = {
	{ "ID_AA64PFR0_EL1", 16 },	/* FP */
	{ "ID_AA64PFR0_EL1", 20 },	/* AdvSIMD */
	{ "ID_AA64MMFR0_EL1", 24 },	/* TGran64 */
	{ "ID_AA64MMFR0_EL1", 28 },	/* TGran4 */
};

uint64_t
cpu_template_field_mask(const struct cpu_template_field *field)
{
	uint64_t ones = field->width >= 64 ? ~0ull :
	    (1ull << field->width) - 1;

	return ones << field->shift;
}

uint64_t
cpu_template_field_get(const struct cpu_template_field *field,
    uint64_t reg_value)
{
	return (reg_value & cpu_template_field_mask(field)) >> field->shift;
}

static bool
field_is_signed(const struct cpu_template_field *field)
{
	size_t i;

	for (i = 0; i < sizeof(signed_fields) / sizeof(signed_fields[0]); i++)
		if (strcasecmp(signed_fields[i].reg, field->reg) == 0 &&
		    signed_fields[i].shift == field->shift && field->width == 4)
			return true;
	return false;
}

/* <0, 0, >0 as field value a is below, equal to or above b. */
int
cpu_template_field_compare(const struct cpu_template_field *field, uint64_t a,
    uint64_t b)
{
	int64_t sa = (int64_t)a, sb = (int64_t)b;

	if (field_is_signed(field)) {
		sa = a >= 8 ? (int64_t)a - 16 : (int64_t)a;
		sb = b >= 8 ? (int64_t)b - 16 : (int64_t)b;
		return sa < sb ? -1 : sa > sb;
	}
	return a < b ? -1 : a > b;
}

/* The template alone: known ID registers that vmmd lets templates touch,
 * fields inside the register, values that fit. */
int
cpu_template_validate(const struct cpu_template *template, char *error,
    size_t error_size)
{
	const struct cpu_template_field *field;
	const struct sysreg_desc *desc;
	size_t i;

	if (template->count > CPU_TEMPLATE_FIELDS_MAX)
		return error_set(error, error_size, "too many fields (%zu, at most "
		    "%d)", template->count, CPU_TEMPLATE_FIELDS_MAX);
	for (i = 0; i < template->count; i++) {
		field = &template->fields[i];
		desc = sysreg_find_by_name(sysreg_table, sysreg_table_size,
		    field->reg);
		if (desc == NULL)
			return error_set(error, error_size, "field %zu: unknown "
			    "register '%s'", i, field->reg);
		if (desc->policy != SYSREG_POLICY_TEMPLATE)
			return error_set(error, error_size, "field %zu: %s is %s, "
			    "not a register a template may change", i,
			    desc->name, sysreg_policy_name(desc->policy));
		if (field->width == 0 || field->width > 64 ||
		    field->shift >= 64 || field->shift + field->width > 64)
			return error_set(error, error_size, "field %zu: %s bits "
			    "[%u, %u) are not inside a 64-bit register", i,
			    desc->name, field->shift, field->shift + field->width);
		if (field->width < 64 && field->value >> field->width != 0)
			return error_set(error, error_size, "field %zu: %s[%u:%u] "
			    "value 0x%" PRIx64 " does not fit in %u bits", i,
			    desc->name, field->shift + field->width - 1,
			    field->shift, field->value, field->width);
	}
	return 0;
}

static int
cpu_template_check_field(const struct cpu_template_field *field, size_t i,
    const struct cpu_model *model, char *error, size_t error_size)
{
	const struct cpu_model_reg *reg = cpu_model_find(model, field->reg);
	uint64_t mask = cpu_template_field_mask(field), host;

	if (reg == NULL)
		return error_set(error, error_size, "field %zu: this host does not "
		    "have %s", i, field->reg);
	if (!model->writable_masks)
		return error_set(error, error_size, "field %zu: %s: KVM on this "
		    "host cannot lower ID registers (no "
		    "KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES)", i, reg->name);
	if ((reg->writable & mask) != mask)
		return error_set(error, error_size, "field %zu: %s[%u:%u] is not "
		    "writable on this host (KVM's writable mask 0x%016" PRIx64
		    ")", i, reg->name, field->shift + field->width - 1,
		    field->shift, reg->writable);
	host = cpu_template_field_get(field, reg->value);
	if (cpu_template_field_compare(field, field->value, host) > 0)
		return error_set(error, error_size, "field %zu: %s[%u:%u] = 0x%"
		    PRIx64 " would raise the host's 0x%" PRIx64 ": a template "
		    "can only lower ID fields", i, reg->name,
		    field->shift + field->width - 1, field->shift,
		    field->value, host);
	return 0;
}

/* The template against a host: features it offers, fields writable there
 * and not above its values. */
int
cpu_template_check(const struct cpu_template *template,
    const struct cpu_model *model, char *error, size_t error_size)
{
	static const struct {
		unsigned int feature;
		const char *name;
	} features[] = {
		{ SYSREG_FEATURE_PMU, "pmu" },
		{ SYSREG_FEATURE_SVE, "sve" },
		{ SYSREG_FEATURE_PTRAUTH, "ptrauth" },
	};
	size_t i;
	int rc;

	rc = cpu_template_validate(template, error, error_size);
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if ((template->features & features[i].feature) != 0 &&
		    (model->host_features & features[i].feature) == 0)
			return error_set(error, error_size, "feature %s: KVM on "
			    "this host does not offer it", features[i].name);
	for (i = 0; i < template->count; i++) {
		rc = cpu_template_check_field(&template->fields[i], i, model,
		    error, error_size);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* KVM_ARM_VCPU_INIT with PSCI 0.2 and the features asked for; SVE also
 * needs KVM_ARM_VCPU_FINALIZE before its registers can be used. */
int
cpu_template_vcpu_init(int vm_fd, struct kvm_vcpu_fd *vcpu,
    unsigned int features, bool powered_off)
{
	struct kvm_vcpu_init init = { 0 };
	int what = KVM_ARM_VCPU_SVE;

	if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -errno;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (powered_off)	/* a secondary, waiting for PSCI CPU_ON */
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (features & SYSREG_FEATURE_PMU)
		init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (features & SYSREG_FEATURE_SVE)
		init.features[0] |= 1u << KVM_ARM_VCPU_SVE;
	if (features & SYSREG_FEATURE_PTRAUTH)
		init.features[0] |= 1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
		    1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0)
		return -errno;
	if ((features & SYSREG_FEATURE_SVE) &&
	    ioctl(vcpu->fd, KVM_ARM_VCPU_FINALIZE, &what) < 0)
		return -errno;
	return 0;
}

/* Each field: read the register, lower the field, write it back. KVM
 * checks again (arm64_check_features) and refuses what it cannot do. */
int
cpu_template_apply(struct kvm_vcpu_fd *vcpu,
    const struct cpu_template *template, size_t *failed_field)
{
	const struct cpu_template_field *field;
	const struct sysreg_desc *desc;
	uint64_t value, mask;
	size_t i;
	int rc;

	for (i = 0; i < template->count; i++) {
		field = &template->fields[i];
		*failed_field = i;
		desc = sysreg_find_by_name(sysreg_table, sysreg_table_size,
		    field->reg);
		if (desc == NULL || desc->policy != SYSREG_POLICY_TEMPLATE)
			return -EINVAL;
		rc = kvm_vcpu_get_reg(vcpu, desc->kvm_id, &value);
		if (rc < 0)
			return rc;
		mask = cpu_template_field_mask(field);
		value = (value & ~mask) | ((field->value << field->shift) & mask);
		rc = kvm_vcpu_set_reg(vcpu, desc->kvm_id, value);
		if (rc < 0)
			return rc;
	}
	return 0;
}
