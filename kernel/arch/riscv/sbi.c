#include "sbi.h"

#define SBI_EXT_TIME 0x54494D45ul
#define SBI_EXT_SRST 0x53525354ul
#define SBI_SRST_SHUTDOWN 0
#define SBI_SRST_REASON_NONE 0
#define SBI_SRST_REASON_FAILURE 1

static long sbi_call(uint64_t ext, uint64_t fid, uint64_t a0, uint64_t a1)
{
    register uint64_t r_a0 __asm__("a0") = a0;
    register uint64_t r_a1 __asm__("a1") = a1;
    register uint64_t r_a6 __asm__("a6") = fid;
    register uint64_t r_a7 __asm__("a7") = ext;
    __asm__ volatile("ecall" : "+r"(r_a0), "+r"(r_a1) : "r"(r_a6), "r"(r_a7) : "memory");
    return (long)r_a0;
}

void sbi_set_timer(uint64_t stime_value)
{
    sbi_call(SBI_EXT_TIME, 0, stime_value, 0);
}

void sbi_shutdown(int failure)
{
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
             failure ? SBI_SRST_REASON_FAILURE : SBI_SRST_REASON_NONE);
    for (;;)
        __asm__ volatile("wfi");
}
