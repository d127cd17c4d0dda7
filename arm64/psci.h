/* PSCI function IDs (Arm DEN0022), SMC32 calling convention. */
#ifndef VMMD_PSCI_H
#define VMMD_PSCI_H

#define PSCI_0_2_FN_BASE		0x84000000u
#define PSCI_0_2_FN(n)			(PSCI_0_2_FN_BASE + (n))
#define PSCI_0_2_FN_PSCI_VERSION	PSCI_0_2_FN(0)
#define PSCI_0_2_FN_CPU_OFF		PSCI_0_2_FN(2)
#define PSCI_0_2_FN_SYSTEM_OFF		PSCI_0_2_FN(8)
#define PSCI_0_2_FN_SYSTEM_RESET	PSCI_0_2_FN(9)

#endif
