/*
 * Offsets trap.S needs, taken from the C structures (the Linux asm-offsets
 * technique): mk/kernel.mk compiles this file to assembly only, where each
 * DEFINE leaves a line "->NAME value", and turns those lines into
 * asm-offsets.h. So the assembly can never disagree with the structures.
 * Not linked into the kernel.
 */
#include "arch/riscv/csr.h"
#include "thread.h"
#include <ferry/syscall.h>

#define DEFINE(sym, val) __asm__ volatile("\n.ascii \"->" #sym " %0\"" : : "i"(val))

void asm_offsets(void);
void asm_offsets(void)
{
    /* struct trap_frame: sscratch holds the thread, whose frame is first */
    DEFINE(FRAME_X, __builtin_offsetof(struct trap_frame, x));
    DEFINE(FRAME_PC, __builtin_offsetof(struct trap_frame, pc));
    DEFINE(FRAME_KSP, __builtin_offsetof(struct trap_frame, kernel_sp));
    DEFINE(THREAD_FRAME, __builtin_offsetof(struct thread, frame));
    /* fpu_save/fpu_restore get &thread->fpr; fcsr lies behind it */
    /* trap.S sends these ecalls to the IPC fastpath (gate.h) */
    DEFINE(CAUSE_ECALL_U, EXC_ECALL_U);
    DEFINE(SYS_IPC_CALL, FERRY_SYS_IPC_CALL);
    DEFINE(SYS_IPC_REPLY_WAIT, FERRY_SYS_IPC_REPLY_WAIT);
    DEFINE(FPU_FCSR,
           __builtin_offsetof(struct thread, fcsr) - __builtin_offsetof(struct thread, fpr));
}
