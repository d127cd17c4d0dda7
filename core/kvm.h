/* Thin wrappers over the KVM ioctls that are the same on every
 * architecture. Every function returns 0 (or a value) on success and a
 * negative errno on failure; none of them logs: the caller decides. */
#ifndef VMMD_KVM_H
#define VMMD_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KVM_DEVICE_PATH	"/dev/kvm"
#define KVM_STABLE_API	12	/* KVM_GET_API_VERSION never changed from this */

struct kvm_run;
struct kvm_coalesced_mmio_ring;

/* One route of the VM's GSI routing table (KVM_SET_GSI_ROUTING): an MSI
 * (on arm64 to the ITS, devid its PCI requester ID) or a pin of the
 * in-kernel irqchip (on arm64 pin n is SPI n). */
struct kvm_gsi_route {
	uint32_t gsi;
	bool msi;
	uint32_t pin;			/* irqchip 0's */
	uint64_t address;		/* MSI */
	uint32_t data;
	uint32_t devid;
};

struct kvm_vcpu_fd {
	int fd;
	unsigned int index;
	struct kvm_run *run;
	size_t run_size;
};

int kvm_system_open(const char *path);
int kvm_api_version(int system_fd);
int kvm_check_extension(int fd, long capability);
int kvm_vm_create(int system_fd, unsigned long machine_type);
int kvm_vm_set_memory(int vm_fd, uint32_t slot, uint64_t guest_phys,
    void *host, uint64_t size);
int kvm_vm_set_memory_readonly(int vm_fd, uint32_t slot, uint64_t guest_phys,
    void *host, uint64_t size);
int kvm_coalesced_mmio(int vm_fd, uint64_t address, uint32_t size,
    bool assign);
struct kvm_coalesced_mmio_ring *kvm_coalesced_ring(int system_fd,
    const struct kvm_vcpu_fd *vcpu);
int kvm_device_create(int vm_fd, uint32_t type);
int kvm_device_has_attr(int fd, uint32_t group, uint64_t attribute);
int kvm_device_set_attr(int fd, uint32_t group, uint64_t attribute,
    const void *value);
int kvm_irq_line(int vm_fd, uint32_t irq, int level);
int kvm_ioeventfd(int vm_fd, uint64_t address, uint32_t length, int fd,
    bool assign);
int kvm_ioeventfd_match(int vm_fd, uint64_t address, uint32_t length,
    uint64_t value, int fd, bool assign);
int kvm_irqfd(int vm_fd, uint32_t gsi, int fd, bool assign);
int kvm_irqfd_resample(int vm_fd, uint32_t gsi, int fd, int resample_fd,
    bool assign);
int kvm_signal_msi(int vm_fd, uint64_t address, uint32_t data,
    uint32_t devid);
bool kvm_has_msi_routing(int vm_fd);
int kvm_set_gsi_routing(int vm_fd, const struct kvm_gsi_route *routes,
    unsigned int count);
int kvm_vcpu_create(int system_fd, int vm_fd, unsigned int index,
    struct kvm_vcpu_fd *vcpu);
void kvm_vcpu_destroy(struct kvm_vcpu_fd *vcpu);
int kvm_vcpu_run(struct kvm_vcpu_fd *vcpu);
int kvm_vcpu_set_reg(struct kvm_vcpu_fd *vcpu, uint64_t id, uint64_t value);
int kvm_vcpu_get_reg(struct kvm_vcpu_fd *vcpu, uint64_t id, uint64_t *value);

#endif
