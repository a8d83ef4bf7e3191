/*
 * User <-> kernel transitions.
 *
 * While a thread runs in user mode, sscratch holds its struct thread, whose
 * first member is its struct trap_frame (thread.h). Every offset below comes
 * from asm-offsets.h, generated from those structures at build time
 * (asm-offsets.c, mk/kernel.mk): none is restated here. The kernel never
 * takes traps itself: it runs with interrupts off and polls for them when
 * idle. stvec always points at trap_entry: sscratch is 0 while the kernel
 * runs, so a trap with sscratch == 0 is the kernel's own (a panic).
 */
#include "asm-offsets.h"

#if THREAD_FRAME != 0
#error "sscratch points at the thread: its trap frame must come first"
#endif

/* offset of register xN in the frame */
#define X(n) (FRAME_X + (n) * 8)

    .section .text
    .globl trap_entry
    .balign 4
trap_entry:
    csrrw   t6, sscratch, t6        /* t6 = frame, sscratch = user t6 */
    beqz    t6, kernel_trap         /* sscratch is 0 while the kernel runs */
    .irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30
    sd      x\n, X(\n)(t6)
    .endr
    csrrw   t5, sscratch, zero      /* user t6; sscratch = 0: in the kernel now */
    sd      t5, X(31)(t6)
    csrr    t5, sepc
    sd      t5, FRAME_PC(t6)
    ld      sp, FRAME_KSP(t6)
    mv      a0, t6
    /* system calls straight to C, IPC_CALL and IPC_REPLY_WAIT to the IPC
     * fastpath (a7 still holds the number); none of these returns */
    csrr    t5, scause
    li      t4, CAUSE_ECALL_U
    bne     t5, t4, trap_from_user
    li      t4, SYS_IPC_CALL
    beq     a7, t4, ipc_fast_call
    li      t4, SYS_IPC_REPLY_WAIT
    beq     a7, t4, ipc_fast_reply_wait
    j       trap_syscall

/* trap_return(frame): resume the thread whose frame is in a0. */
    .globl trap_return
trap_return:
    csrw    sscratch, a0
    ld      t0, FRAME_PC(a0)
    csrw    sepc, t0
    /* every register but a0 (x10), which holds the frame until last */
    .irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    ld      x\n, X(\n)(a0)
    .endr
    ld      x10, X(10)(a0)
    sret

/* A trap while the kernel itself runs is a kernel bug (stvec is trap_entry
 * always; it tells a kernel trap by sscratch == 0). */
kernel_trap:
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    kernel_trap_panic

/* fpu_save(regs) / fpu_restore(regs): f0-f31 then fcsr. The kernel is built
 * without F/D; only these two functions touch FP state. */
    .option push
    .option arch, +d
    .globl fpu_save
fpu_save:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    fsd     f\n, \n * 8(a0)
    .endr
    frcsr t0
    sd   t0, FPU_FCSR(a0)
    ret

    .globl fpu_restore
fpu_restore:
    .irp n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
    fld     f\n, \n * 8(a0)
    .endr
    ld   t0, FPU_FCSR(a0)
    fscsr t0
    ret
    .option pop
