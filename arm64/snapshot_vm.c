/* arm64's side of core/arch.h's snapshot functions: the vCPU sections
 * (arm64/snapshot_vcpu.c), the CPU_MODEL section and its check against
 * this host, MP_STATE, TIMERS (the guest's counter goes on from where it
 * stopped) and VGIC (arm64/vgic_state.c). */
#include "snapshot_vm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../core/error.h"
#include "kvm_arm64_uapi.h"
#include "snapshot_regs.h"
#include "snapshot_vcpu.h"
#include "vgic_state.h"

#ifndef KVM_MP_STATE_SUSPENDED
#define KVM_MP_STATE_SUSPENDED	10
#endif

#define TIMERS_SIZE		16
#define MODEL_HEAD_SIZE		16	/* features, flags, vcpu features, count */
#define MODEL_REG_SIZE		24	/* id, value, writable */
#define TEMPLATE_FIELD_SIZE	24	/* id, shift, width, value */
#define MODEL_EL1_32BIT		1u
#define MODEL_WRITABLE_MASKS	2u
#define FEATURES_KNOWN \
	(SYSREG_FEATURE_PMU | SYSREG_FEATURE_SVE | SYSREG_FEATURE_PTRAUTH)

/* ---- Little-endian reading over a section ---- */

struct reader {
	const uint8_t *data;
	size_t size, offset;
};

static bool
take(struct reader *r, void *out, size_t size)
{
	if (r->size - r->offset < size)
		return false;
	memcpy(out, r->data + r->offset, size);	/* vmmd runs little-endian */
	r->offset += size;
	return true;
}

/* ---- TIMERS and MP_STATE ---- */

uint64_t
arm64_counter_offset(uint64_t host_counter, uint64_t guest_counter)
{
	return host_counter - guest_counter;	/* modulo 2^64, as KVM's */
}

void
arm64_snapshot_put_timers(struct snapshot_writer *writer,
    const struct arm64_snapshot_timers *timers)
{
	snapshot_put_u64(writer, timers->counter);
	snapshot_put_u64(writer, timers->frequency);
}

int
arm64_snapshot_read_timers(const struct snapshot_blob *section,
    uint64_t host_frequency, struct arm64_snapshot_timers *timers, char *why,
    size_t why_size)
{
	if (section->size != TIMERS_SIZE)
		return error_set(why, why_size, "timers section of %zu bytes, %u "
		    "expected", section->size, TIMERS_SIZE);
	memcpy(&timers->counter, section->data, 8);
	memcpy(&timers->frequency, section->data + 8, 8);
	if (timers->frequency != host_frequency)
		return error_set(why, why_size, "the snapshot's counter ran at "
		    "%llu Hz, this host's runs at %llu Hz", (unsigned long long)
		    timers->frequency, (unsigned long long)host_frequency);
	return 0;
}

void
arm64_snapshot_put_mp_states(struct snapshot_writer *writer,
    const uint32_t *states, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		snapshot_put_u32(writer, states[i]);
}

int
arm64_snapshot_read_mp_states(const struct snapshot_blob *section,
    unsigned int count, uint32_t *states, char *why, size_t why_size)
{
	if (section->size != (size_t)count * 4)
		return error_set(why, why_size, "mp-state section of %zu bytes "
		    "for %u vcpus", section->size, count);
	for (unsigned int i = 0; i < count; i++) {
		memcpy(&states[i], section->data + 4 * i, 4);
		if (states[i] != KVM_MP_STATE_RUNNABLE &&
		    states[i] != KVM_MP_STATE_STOPPED &&
		    states[i] != KVM_MP_STATE_SUSPENDED)
			return error_set(why, why_size, "vcpu %u: mp state %u is "
			    "not runnable (0), stopped (5) or suspended (10)", i,
			    states[i]);
	}
	return 0;
}

/* ---- CPU_MODEL ---- */

static uint64_t
table_id(const char *name)
{
	const struct sysreg_desc *desc = sysreg_find_by_name(sysreg_table,
	    sysreg_table_size, name);

	return desc ? desc->kvm_id : 0;	/* 0: the reader refuses it */
}

static void
put_template(struct snapshot_writer *writer, const struct cpu_template *t)
{
	char name[CPU_TEMPLATE_NAME_MAX] = { 0 };

	snapshot_put_u32(writer, t != NULL);
	if (!t)
		return;
	snprintf(name, sizeof(name), "%s", t->name);
	snapshot_put(writer, name, sizeof(name));
	snapshot_put_u32(writer, t->features);
	snapshot_put_u32(writer, (uint32_t)t->count);
	for (size_t i = 0; i < t->count; i++) {
		snapshot_put_u64(writer, table_id(t->fields[i].reg));
		snapshot_put_u32(writer, t->fields[i].shift);
		snapshot_put_u32(writer, t->fields[i].width);
		snapshot_put_u64(writer, t->fields[i].value);
	}
}

void
arm64_snapshot_put_model(struct snapshot_writer *writer,
    const struct cpu_model *model, const struct cpu_template *cpu_template)
{
	const struct cpu_model_reg *reg;

	snapshot_put_u32(writer, model->host_features);
	snapshot_put_u32(writer, (model->el1_32bit ? MODEL_EL1_32BIT : 0) |
	    (model->writable_masks ? MODEL_WRITABLE_MASKS : 0));
	snapshot_put_u32(writer, model->vcpu_features);
	snapshot_put_u32(writer, (uint32_t)model->count);
	for (size_t i = 0; i < model->count; i++) {
		reg = &model->regs[i];
		snapshot_put_u64(writer, ARM64_SYSREG_ID(reg->enc.op0,
		    reg->enc.op1, reg->enc.crn, reg->enc.crm, reg->enc.op2));
		snapshot_put_u64(writer, reg->value);
		snapshot_put_u64(writer, reg->writable);
	}
	put_template(writer, cpu_template);
}

struct part {
	void *data;
	size_t size;
};

/* Item i of count: an ID register of the table, by KVM id, then the parts;
 * NULL with why filled. */
static const struct sysreg_desc *
take_item(struct reader *r, const char *what, uint32_t i, uint32_t count,
    const struct part *parts, size_t n, char *why, size_t why_size)
{
	const struct sysreg_desc *desc;
	uint64_t id;
	bool whole = take(r, &id, 8);

	for (size_t k = 0; whole && k < n; k++)
		whole = take(r, parts[k].data, parts[k].size);
	if (!whole) {
		error_set(why, why_size, "cpu-model: %s %u of %u past the "
		    "section's end", what, i, count);
		return NULL;
	}
	desc = sysreg_find_by_id(sysreg_table, sysreg_table_size, id);
	if (!desc || desc->class != SYSREG_CLASS_ID ||
	    desc->policy == SYSREG_POLICY_HIDDEN) {
		error_set(why, why_size, "cpu-model %s %u: %#llx is not an ID "
		    "register vmmd knows", what, i, (unsigned long long)id);
		return NULL;
	}
	return desc;
}

static int
read_model_regs(struct reader *r, struct cpu_model *model, uint32_t count,
    char *why, size_t why_size)
{
	const struct sysreg_desc *desc;
	struct cpu_model_reg *reg;

	if (count > CPU_MODEL_REGS_MAX)
		return error_set(why, why_size, "cpu-model: %u registers, at most "
		    "%u", count, CPU_MODEL_REGS_MAX);
	for (uint32_t i = 0; i < count; i++) {
		reg = &model->regs[i];
		desc = take_item(r, "register", i, count, (struct part[]){
		    { &reg->value, 8 }, { &reg->writable, 8 } }, 2, why, why_size);
		if (!desc)
			return -EINVAL;
		if (cpu_model_find(model, desc->name))
			return error_set(why, why_size, "cpu-model: %s twice",
			    desc->name);
		snprintf(reg->name, sizeof(reg->name), "%s", desc->name);
		reg->enc = desc->enc;
		reg->policy = desc->policy;
		model->count = i + 1;
	}
	return 0;
}

static int
read_template_fields(struct reader *r, struct cpu_template *t, uint32_t count,
    char *why, size_t why_size)
{
	struct cpu_template_field *field;
	const struct sysreg_desc *desc;

	if (count > CPU_TEMPLATE_FIELDS_MAX)
		return error_set(why, why_size, "cpu-model: template of %u "
		    "fields, at most %u", count, CPU_TEMPLATE_FIELDS_MAX);
	for (uint32_t i = 0; i < count; i++) {
		field = &t->fields[i];
		desc = take_item(r, "template field", i, count, (struct part[]){
		    { &field->shift, 4 }, { &field->width, 4 },
		    { &field->value, 8 } }, 3, why, why_size);
		if (!desc)
			return -EINVAL;
		snprintf(field->reg, sizeof(field->reg), "%s", desc->name);
	}
	t->count = count;
	return cpu_template_validate(t, why, why_size);
}

/* A name, then zeros to the end: one way to write each name. */
static bool
name_padded(const char *name, size_t size)
{
	const char *end = memchr(name, '\0', size);

	for (; end && end < name + size; end++)
		if (*end)
			return false;
	return end != NULL;
}

static int
read_template(struct reader *r, struct cpu_template *t, bool *has_template,
    char *why, size_t why_size)
{
	uint32_t present, count;

	memset(t, 0, sizeof(*t));
	if (!take(r, &present, 4) || present > 1)
		return error_set(why, why_size, "cpu-model: no template flag, or "
		    "one other than 0 and 1");
	*has_template = present;
	if (!present)
		return 0;
	if (!take(r, t->name, sizeof(t->name)) || !take(r, &t->features, 4) ||
	    !take(r, &count, 4))
		return error_set(why, why_size, "cpu-model: template truncated");
	if (!name_padded(t->name, sizeof(t->name)) ||
	    (t->features & ~FEATURES_KNOWN))
		return error_set(why, why_size, "cpu-model: template name not "
		    "NUL-padded, or unknown features %#x", t->features);
	return read_template_fields(r, t, count, why, why_size);
}

int
arm64_snapshot_read_model(const struct snapshot_blob *section,
    struct cpu_model *model, struct cpu_template *cpu_template,
    bool *has_template, char *why, size_t why_size)
{
	struct reader r = { section->data, section->size, 0 };
	uint32_t head[4];
	int err;

	memset(model, 0, sizeof(*model));
	if (!take(&r, head, MODEL_HEAD_SIZE))
		return error_set(why, why_size, "cpu-model section of %zu bytes: "
		    "truncated", section->size);
	if ((head[0] | head[2]) & ~FEATURES_KNOWN ||
	    head[1] & ~(MODEL_EL1_32BIT | MODEL_WRITABLE_MASKS))
		return error_set(why, why_size, "cpu-model: unknown features or "
		    "flags (%#x, %#x, %#x)", head[0], head[1], head[2]);
	model->host_features = head[0];
	model->el1_32bit = head[1] & MODEL_EL1_32BIT;
	model->writable_masks = head[1] & MODEL_WRITABLE_MASKS;
	model->vcpu_features = head[2];
	err = read_model_regs(&r, model, head[3], why, why_size);
	if (!err)
		err = read_template(&r, cpu_template, has_template, why, why_size);
	if (!err && r.offset != r.size)
		err = error_set(why, why_size, "cpu-model: %zu bytes after the "
		    "template", r.size - r.offset);
	return err;
}

/* ---- The CPU-model check ---- */

/* Differences appended to why, "; " between them. */
struct differences {
	char *why;
	size_t size, used;
	unsigned int count;
};

static void __attribute__((format(printf, 2, 3)))
difference(struct differences *d, const char *fmt, ...)
{
	va_list args;
	int n;

	if (d->count++ && d->used + 2 < d->size) {
		memcpy(d->why + d->used, "; ", 3);
		d->used += 2;
	}
	if (d->used + 1 >= d->size)
		return;
	va_start(args, fmt);
	n = vsnprintf(d->why + d->used, d->size - d->used, fmt, args);
	va_end(args);
	if (n > 0)
		d->used += (size_t)n < d->size - d->used ? (size_t)n :
		    d->size - d->used - 1;
}

/* The ID registers a vCPU sees: the model with the template's fields. */
static void
effective(struct cpu_model *out, const struct cpu_model *model,
    const struct cpu_template *t)
{
	struct cpu_model_reg *reg;
	uint64_t mask;

	*out = *model;
	for (size_t i = 0; t && i < t->count; i++) {
		reg = (struct cpu_model_reg *)cpu_model_find(out, t->fields[i].reg);
		if (!reg)
			continue;
		mask = cpu_template_field_mask(&t->fields[i]);
		reg->value = (reg->value & ~mask) |
		    ((t->fields[i].value << t->fields[i].shift) & mask);
	}
}

static void
compare_reg(struct differences *d, const struct cpu_model_reg *seen,
    const struct cpu_model_reg *here)
{
	struct cpu_template_field field = { .width = 4 };
	uint64_t a, b;
	int order;

	snprintf(field.reg, sizeof(field.reg), "%s", seen->name);
	for (field.shift = 0; field.shift < 64; field.shift += 4) {
		a = cpu_template_field_get(&field, seen->value);
		b = cpu_template_field_get(&field, here->value);
		order = cpu_template_field_compare(&field, a, b);
		if (order > 0)
			difference(d, "%s[%u:%u]: snapshot %#llx, this host %#llx",
			    seen->name, field.shift + 3, field.shift,
			    (unsigned long long)a, (unsigned long long)b);
		else if (order < 0 && (~here->writable >> field.shift & 0xf))
			difference(d, "%s[%u:%u]: snapshot %#llx, this host %#llx, "
			    "which KVM cannot lower here", seen->name,
			    field.shift + 3, field.shift, (unsigned long long)a,
			    (unsigned long long)b);
	}
}

static void
compare_models(struct differences *d, const struct cpu_model *seen,
    const struct cpu_model *here)
{
	const struct cpu_model_reg *reg;

	for (size_t i = 0; i < seen->count; i++) {
		reg = cpu_model_find(here, seen->regs[i].name);
		if (reg)
			compare_reg(d, &seen->regs[i], reg);
		else if (seen->regs[i].value)
			difference(d, "%s: snapshot %#llx, not on this host",
			    seen->regs[i].name,
			    (unsigned long long)seen->regs[i].value);
	}
}

static int
check_features(unsigned int saved, unsigned int wanted, unsigned int offered,
    char *why, size_t why_size)
{
	if (saved & ~offered) {
		error_set(why, why_size, "the snapshot's vCPUs have features %#x "
		    "(pmu 1, sve 2, ptrauth 4) KVM on this host does not offer",
		    saved & ~offered);
		return -EPERM;
	}
	if (saved != wanted) {
		error_set(why, why_size, "the snapshot's vCPUs have features %#x, "
		    "this VM's template gives %#x (pmu 1, sve 2, ptrauth 4)",
		    saved, wanted);
		return -EPERM;
	}
	return 0;
}

static int
check_template(const struct cpu_template *t, const struct cpu_model *here,
    char *why, size_t why_size)
{
	char detail[256];

	if (!t || cpu_template_check(t, here, detail, sizeof(detail)) == 0)
		return 0;
	error_set(why, why_size, "CPU template %s cannot run on this host: %s",
	    t->name, detail);
	return -EPERM;
}

int
arm64_snapshot_model_check(const struct cpu_model *saved,
    const struct cpu_template *saved_template, const struct cpu_model *here,
    const struct cpu_template *here_template, char *why, size_t why_size)
{
	struct differences d = { why, why_size, 0, 0 };
	struct cpu_model *models;
	int err;

	err = check_features(saved_template ? saved_template->features : 0,
	    here_template ? here_template->features : 0, here->host_features,
	    why, why_size);
	if (!err)
		err = check_template(here_template, here, why, why_size);
	if (err)
		return err;
	models = malloc(2 * sizeof(*models));
	if (!models)
		return -ENOMEM;
	effective(&models[0], saved, saved_template);
	effective(&models[1], here, here_template);
	snprintf(why, why_size, "this host cannot run the snapshot's CPU: ");
	d.used = strlen(why);
	compare_models(&d, &models[0], &models[1]);
	free(models);
	if (d.count)
		return -EPERM;
	if (why_size)
		why[0] = '\0';
	return 0;
}

/* ---- The host's counter, in userspace ---- */

/* A Linux host runs its userspace with a zero virtual offset (KVM resets
 * CNTVOFF_EL2 to 0 on vcpu_put under nVHE; VHE's host has none), so
 * CNTVCT_EL0 here reads the physical counter KVM's offset applies to,
 * and EL0 may read it where it may not read CNTPCT_EL0. */
static uint64_t
host_counter(void)
{
	uint64_t value = 0;

#if defined(__aarch64__)
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(value) :: "memory");
#endif
	return value;
}

static uint64_t
host_frequency(void)
{
	uint64_t value = 0;

#if defined(__aarch64__)
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(value));
#endif
	return value;
}

/* ---- core/arch.h ---- */

int
arch_snapshot_id_check(uint64_t id, char *why, size_t why_size)
{
	return arm64_snapshot_id_check(id, why, why_size);
}

int
arch_snapshot_save_vcpu(struct kvm_vcpu_fd *vcpu, uint32_t index,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	return arm64_snapshot_vcpu_save(vcpu->fd, index, writer, why, why_size);
}

int
arch_snapshot_restore_vcpu(struct kvm_vcpu_fd *vcpu,
    const struct snapshot_blob *section, char *why, size_t why_size)
{
	return arm64_snapshot_vcpu_restore(vcpu->fd, section, why, why_size);
}

/* This host's model as --cpu-model captures it: every feature KVM offers. */
static int
capture_host(int system_fd, struct cpu_model *model, char *why,
    size_t why_size)
{
	unsigned int features;
	int err;

	cpu_model_host_features_fd(system_fd, &features);
	err = cpu_model_capture_fd(system_fd, features, model, NULL);
	if (err)
		error_set(why, why_size, "capturing this host's CPU model on a "
		    "scratch vCPU: %s", strerror(-err));
	return err;
}

int
arch_snapshot_put_cpu_model(int system_fd,
    const struct cpu_template *cpu_template, struct snapshot_writer *writer,
    char *why, size_t why_size)
{
	struct cpu_model *model = malloc(sizeof(*model));
	int err;

	if (!model)
		return -ENOMEM;
	err = capture_host(system_fd, model, why, why_size);
	if (!err)
		arm64_snapshot_put_model(writer, model, cpu_template);
	free(model);
	return err;
}

struct model_check {
	struct cpu_model saved, here;
	struct cpu_template saved_template;
};

int
arch_snapshot_check_cpu_model(int system_fd,
    const struct cpu_template *cpu_template,
    const struct snapshot_blob *cpu_model, char *why, size_t why_size)
{
	struct model_check *c = malloc(sizeof(*c));
	bool has_template;
	int err;

	if (!c)
		return -ENOMEM;
	err = arm64_snapshot_read_model(cpu_model, &c->saved,
	    &c->saved_template, &has_template, why, why_size);
	if (!err)
		err = capture_host(system_fd, &c->here, why, why_size);
	if (!err)
		err = arm64_snapshot_model_check(&c->saved, has_template ?
		    &c->saved_template : NULL, &c->here, cpu_template, why,
		    why_size);
	free(c);
	return err;
}

static int
vcpu_mpidrs(struct kvm_vcpu_fd *vcpus, unsigned int count, uint64_t *mpidrs,
    char *why, size_t why_size)
{
	int err;

	for (unsigned int i = 0; i < count; i++) {
		err = arch_vcpu_id(&vcpus[i], &mpidrs[i]);
		if (err) {
			error_set(why, why_size, "vcpu %u: MPIDR_EL1: %s", i,
			    strerror(-err));
			return err;
		}
	}
	return 0;
}

static int
save_mp_states(struct kvm_vcpu_fd *vcpus, unsigned int count,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	struct kvm_mp_state state;
	int err;

	snapshot_section_begin(writer, SNAPSHOT_SEC_MP_STATE);
	for (unsigned int i = 0; i < count; i++) {
		if (ioctl(vcpus[i].fd, KVM_GET_MP_STATE, &state) != 0) {
			err = -errno;
			error_set(why, why_size, "vcpu %u: KVM_GET_MP_STATE: %s", i,
			    strerror(-err));
			return err;
		}
		arm64_snapshot_put_mp_states(writer, &state.mp_state, 1);
	}
	snapshot_section_end(writer);
	return 0;
}

static int
save_timers(struct kvm_vcpu_fd *vcpu0, struct snapshot_writer *writer,
    char *why, size_t why_size)
{
	struct arm64_snapshot_timers timers = { .frequency = host_frequency() };
	int err = kvm_vcpu_get_reg(vcpu0, ARM64_KVM_TIMER_CNT_ID,
	    &timers.counter);

	if (err) {
		error_set(why, why_size, "vcpu 0: KVM_REG_ARM_TIMER_CNT: %s",
		    strerror(-err));
		return err;
	}
	snapshot_section_begin(writer, SNAPSHOT_SEC_TIMERS);
	arm64_snapshot_put_timers(writer, &timers);
	snapshot_section_end(writer);
	return 0;
}

static int
save_vgic(struct arch_vm *arch, struct kvm_vcpu_fd *vcpus, unsigned int count,
    struct snapshot_writer *writer, char *why, size_t why_size)
{
	uint64_t *mpidrs = calloc(count, sizeof(*mpidrs));
	int err;

	if (!mpidrs)
		return -ENOMEM;
	err = vcpu_mpidrs(vcpus, count, mpidrs, why, why_size);
	if (!err) {
		snapshot_section_begin(writer, SNAPSHOT_SEC_VGIC);
		err = vgic_state_save(arm64_vm_gic(arch), mpidrs, count, writer,
		    why, why_size);
		snapshot_section_end(writer);
	}
	free(mpidrs);
	return err;
}

int
arch_snapshot_save_vm(struct arch_vm *arch, struct kvm_vcpu_fd *vcpus,
    unsigned int count, struct snapshot_writer *writer, char *why,
    size_t why_size)
{
	int err;

	if (count == 0)
		return error_set(why, why_size, "a VM with no vCPU");
	err = save_mp_states(vcpus, count, writer, why, why_size);
	if (!err)
		err = save_timers(&vcpus[0], writer, why, why_size);
	if (!err)
		err = save_vgic(arch, vcpus, count, writer, why, why_size);
	return err;
}

static int
restore_mp_states(struct kvm_vcpu_fd *vcpus, unsigned int count,
    const uint32_t *states, char *why, size_t why_size)
{
	struct kvm_mp_state state;
	int err;

	for (unsigned int i = 0; i < count; i++) {
		state.mp_state = states[i];
		if (ioctl(vcpus[i].fd, KVM_SET_MP_STATE, &state) != 0) {
			err = -errno;
			error_set(why, why_size, "vcpu %u: KVM_SET_MP_STATE %u: %s",
			    i, states[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The VM-wide offset where KVM has it: it overrides what the vCPU sections'
 * KVM_REG_ARM_TIMER_CNT set, and KVM ignores that register's writes from
 * then on. Without it, vCPU 0's TIMER_CNT, which offsets every vCPU. */
static int
restore_counter(int vm_fd, struct kvm_vcpu_fd *vcpu0, uint64_t counter,
    char *why, size_t why_size)
{
	struct arm64_counter_offset offset = { 0, 0 };
	int err;

	if (kvm_check_extension(vm_fd, KVM_CAP_COUNTER_OFFSET) > 0) {
		offset.counter_offset = arm64_counter_offset(host_counter(),
		    counter);
		if (ioctl(vm_fd, ARM64_KVM_SET_COUNTER_OFFSET, &offset) == 0)
			return 0;
		err = -errno;
		error_set(why, why_size, "KVM_ARM_SET_COUNTER_OFFSET: %s",
		    strerror(-err));
		return err;
	}
	err = kvm_vcpu_set_reg(vcpu0, ARM64_KVM_TIMER_CNT_ID, counter);
	if (err)
		error_set(why, why_size, "vcpu 0: KVM_REG_ARM_TIMER_CNT: %s",
		    strerror(-err));
	return err;
}

struct vm_state {
	struct arm64_snapshot_timers timers;
	uint32_t states[SNAPSHOT_VCPUS_MAX];
	uint64_t mpidrs[SNAPSHOT_VCPUS_MAX];
};

/* Every section is read and checked before KVM is told anything. */
static int
restore_state(struct arch_vm *arch, struct kvm_vcpu_fd *vcpus,
    unsigned int count, const struct snapshot_view *view, struct vm_state *s,
    char *why, size_t why_size)
{
	const struct vgic *gic = arm64_vm_gic(arch);
	int err;

	err = arm64_snapshot_read_mp_states(&view->mp_state, count, s->states,
	    why, why_size);
	if (!err)
		err = arm64_snapshot_read_timers(&view->timers, host_frequency(),
		    &s->timers, why, why_size);
	if (!err)
		err = vcpu_mpidrs(vcpus, count, s->mpidrs, why, why_size);
	if (!err)
		err = vgic_state_check(&view->vgic, s->mpidrs, count,
		    gic->its_fd >= 0, why, why_size);
	if (!err)
		err = restore_mp_states(vcpus, count, s->states, why, why_size);
	if (!err)
		err = restore_counter(arm64_vm_fd(arch), &vcpus[0],
		    s->timers.counter, why, why_size);
	if (!err)
		err = vgic_state_restore(gic, s->mpidrs, count, &view->vgic, why,
		    why_size);
	return err;
}

int
arch_snapshot_restore_vm(struct arch_vm *arch, struct kvm_vcpu_fd *vcpus,
    unsigned int count, const struct snapshot_view *view, char *why,
    size_t why_size)
{
	struct vm_state *s;
	int err;

	if (count == 0 || count > SNAPSHOT_VCPUS_MAX || count != view->vcpus)
		return error_set(why, why_size, "%u vcpus to restore, the snapshot "
		    "has %u", count, view->vcpus);
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	err = restore_state(arch, vcpus, count, view, s, why, why_size);
	free(s);
	return err;
}
