/* The Arm SMC Calling Convention (Arm DEN0028) as vmmd uses it: function
 * IDs, return codes, vmmd's own vendor hypervisor service, and the KVM
 * SMCCC filter that decides which calls KVM serves, denies or forwards. */
#ifndef VMMD_SMCCC_H
#define VMMD_SMCCC_H

#include <stdint.h>

#include "../core/forward_map.h"

/* Function ID: bit 31 fast call, bit 30 SMC64, bits 29:24 owner, 15:0 number. */
#define SMCCC_FAST_CALL			(1u << 31)
#define SMCCC_64			(1u << 30)
#define SMCCC_OWNER_SHIFT		24
#define SMCCC_ID(is64, owner, number)					\
	(SMCCC_FAST_CALL | ((is64) ? SMCCC_64 : 0) |			\
	    ((uint32_t)(owner) << SMCCC_OWNER_SHIFT) | (uint32_t)(number))
#define SMCCC_FUNCTIONS_PER_OWNER	0x10000u

#define SMCCC_OWNER_ARCH		0
#define SMCCC_OWNER_STANDARD		4	/* PSCI, TRNG, ... */
#define SMCCC_OWNER_STANDARD_HYP	5	/* PV time, ... */
#define SMCCC_OWNER_VENDOR_HYP		6

#define SMCCC_RET_SUCCESS		0ull
#define SMCCC_RET_NOT_SUPPORTED		UINT64_MAX	/* -1 */

/* Service queries every SMCCC service answers (function numbers). */
#define SMCCC_CALL_COUNT		0xff00u
#define SMCCC_CALL_UID			0xff01u
#define SMCCC_REVISION			0xff03u

#define SMCCC_TRNG_FIRST		0x50u	/* TRNG_VERSION .. TRNG_RND */
#define SMCCC_TRNG_COUNT		0x10u
#define SMCCC_TRNG_VERSION		SMCCC_ID(0, SMCCC_OWNER_STANDARD, 0x50)

/* vmmd's service: the SMC64 vendor hypervisor range, which KVM leaves
 * free (KVM's own vendor calls are SMC32). docs/forward-map.md. */
#define VMMD_SERVICE_BASE	SMCCC_ID(1, SMCCC_OWNER_VENDOR_HYP, 0)
#define VMMD_SERVICE_VERSION	(VMMD_SERVICE_BASE + 0)	/* x0 = 1.0 */
#define VMMD_SERVICE_ADD	(VMMD_SERVICE_BASE + 1)	/* x1 = x1 + x2 */
#define VMMD_SERVICE_CALL_UID	(VMMD_SERVICE_BASE + SMCCC_CALL_UID)
#define VMMD_SERVICE_REVISION	(VMMD_SERVICE_BASE + SMCCC_REVISION)
#define VMMD_SERVICE_VERSION_1_0	0x10000ull	/* major << 16 | minor */
#define VMMD_SERVICE_UID_0	0x766d6d64u	/* "vmmd" */
#define VMMD_SERVICE_UID_1	0x9a0e4c2bu
#define VMMD_SERVICE_UID_2	0xb61f7d35u
#define VMMD_SERVICE_UID_3	0x0c5e8a41u

void smccc_vmmd_service(void *context, uint64_t function_id,
    const uint64_t args[FORWARD_HYPERCALL_ARGS],
    uint64_t result[FORWARD_HYPERCALL_RESULTS]);

int smccc_filter_supported(int vm_fd);
int smccc_filter_set(int vm_fd, uint32_t base, uint32_t count,
    uint8_t action);
int smccc_filter_action(enum forward_action action);

#endif
