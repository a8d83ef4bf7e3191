/* RISC-V supervisor CSRs and bits the kernel uses (privileged spec 1.12). */
#ifndef KERNEL_CSR_H
#define KERNEL_CSR_H

#include <stdint.h>

#define SSTATUS_SIE        (1ul << 1)
#define SSTATUS_SPIE       (1ul << 5)
#define SSTATUS_SPP        (1ul << 8)
#define SSTATUS_FS         (3ul << 13)
#define SSTATUS_FS_OFF     (0ul << 13)
#define SSTATUS_FS_INITIAL (1ul << 13)
#define SSTATUS_FS_CLEAN   (2ul << 13)
#define SSTATUS_FS_DIRTY   (3ul << 13)
#define SSTATUS_SUM        (1ul << 18)

#define SIE_STIE (1ul << 5)
#define SIE_SEIE (1ul << 9)
#define SIP_STIP (1ul << 5)
#define SIP_SEIP (1ul << 9)

#define SCAUSE_INTERRUPT (1ul << 63)
#define IRQ_S_TIMER      5
#define IRQ_S_EXTERNAL   9

#define EXC_INST_MISALIGNED  0
#define EXC_INST_ACCESS      1
#define EXC_ILLEGAL_INST     2
#define EXC_BREAKPOINT       3
#define EXC_LOAD_MISALIGNED  4
#define EXC_LOAD_ACCESS      5
#define EXC_STORE_MISALIGNED 6
#define EXC_STORE_ACCESS     7
#define EXC_ECALL_U          8
#define EXC_INST_PAGE_FAULT  12
#define EXC_LOAD_PAGE_FAULT  13
#define EXC_STORE_PAGE_FAULT 15

#define csr_read(csr)                                                                              \
    ({                                                                                             \
        uint64_t v_;                                                                               \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_));                                             \
        v_;                                                                                        \
    })
#define csr_write(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"rK"((uint64_t)(val)))
#define csr_set(csr, val)   __asm__ volatile("csrs " #csr ", %0" ::"rK"((uint64_t)(val)))
#define csr_clear(csr, val) __asm__ volatile("csrc " #csr ", %0" ::"rK"((uint64_t)(val)))

/* satp (Sv39): MODE 63:60, ASID 59:44 (WARL: only ASIDLEN low bits stick), PPN 43:0. */
#define SATP_MODE_SV39  (8ul << 60)
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK  (0xfffful << SATP_ASID_SHIFT)

/* Every translation of every address space, global ones included. */
static inline void sfence_vma_all(void)
{
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/* Every non-global translation tagged with asid. */
static inline void sfence_vma_asid(uint64_t asid)
{
    __asm__ volatile("sfence.vma zero, %0" ::"r"(asid) : "memory");
}

/* The translation of va tagged with asid. */
static inline void sfence_vma_page_asid(uint64_t va, uint64_t asid)
{
    __asm__ volatile("sfence.vma %0, %1" ::"r"(va), "r"(asid) : "memory");
}

static inline uint64_t read_time(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

#endif
