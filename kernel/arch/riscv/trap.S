/*
 * User <-> kernel transitions.
 *
 * While a thread runs in user mode, sscratch holds its struct trap_frame
 * (thread.h: x[32], pc, kernel_sp). The kernel never takes traps itself: it
 * runs with interrupts off and polls for them when idle, and stvec points at
 * kernel_trap (panic) while it runs.
 */
#define FRAME_PC  256
#define FRAME_KSP 264

    .section .text
    .globl trap_entry
    .balign 4
trap_entry:
    csrrw   t6, sscratch, t6        /* t6 = frame, sscratch = user t6 */
    sd      x1, 8(t6)
    sd      x2, 16(t6)
    sd      x3, 24(t6)
    sd      x4, 32(t6)
    sd      x5, 40(t6)
    sd      x6, 48(t6)
    sd      x7, 56(t6)
    sd      x8, 64(t6)
    sd      x9, 72(t6)
    sd      x10, 80(t6)
    sd      x11, 88(t6)
    sd      x12, 96(t6)
    sd      x13, 104(t6)
    sd      x14, 112(t6)
    sd      x15, 120(t6)
    sd      x16, 128(t6)
    sd      x17, 136(t6)
    sd      x18, 144(t6)
    sd      x19, 152(t6)
    sd      x20, 160(t6)
    sd      x21, 168(t6)
    sd      x22, 176(t6)
    sd      x23, 184(t6)
    sd      x24, 192(t6)
    sd      x25, 200(t6)
    sd      x26, 208(t6)
    sd      x27, 216(t6)
    sd      x28, 224(t6)
    sd      x29, 232(t6)
    sd      x30, 240(t6)
    csrr    t5, sscratch
    sd      t5, 248(t6)
    csrr    t5, sepc
    sd      t5, FRAME_PC(t6)
    ld      sp, FRAME_KSP(t6)
    la      t5, kernel_trap
    csrw    stvec, t5
    mv      a0, t6
    call    trap_from_user          /* does not return */

/* trap_return(frame): resume the thread whose frame is in a0. */
    .globl trap_return
trap_return:
    csrw    sscratch, a0
    la      t0, trap_entry
    csrw    stvec, t0
    ld      t0, FRAME_PC(a0)
    csrw    sepc, t0
    ld      x1, 8(a0)
    ld      x2, 16(a0)
    ld      x3, 24(a0)
    ld      x4, 32(a0)
    ld      x5, 40(a0)
    ld      x6, 48(a0)
    ld      x7, 56(a0)
    ld      x8, 64(a0)
    ld      x9, 72(a0)
    ld      x11, 88(a0)
    ld      x12, 96(a0)
    ld      x13, 104(a0)
    ld      x14, 112(a0)
    ld      x15, 120(a0)
    ld      x16, 128(a0)
    ld      x17, 136(a0)
    ld      x18, 144(a0)
    ld      x19, 152(a0)
    ld      x20, 160(a0)
    ld      x21, 168(a0)
    ld      x22, 176(a0)
    ld      x23, 184(a0)
    ld      x24, 192(a0)
    ld      x25, 200(a0)
    ld      x26, 208(a0)
    ld      x27, 216(a0)
    ld      x28, 224(a0)
    ld      x29, 232(a0)
    ld      x30, 240(a0)
    ld      x31, 248(a0)
    ld      x10, 80(a0)
    sret

/* A trap while the kernel itself runs is a kernel bug. */
    .balign 4
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
    fsd f0, 0(a0);   fsd f1, 8(a0);   fsd f2, 16(a0);  fsd f3, 24(a0)
    fsd f4, 32(a0);  fsd f5, 40(a0);  fsd f6, 48(a0);  fsd f7, 56(a0)
    fsd f8, 64(a0);  fsd f9, 72(a0);  fsd f10, 80(a0); fsd f11, 88(a0)
    fsd f12, 96(a0); fsd f13, 104(a0); fsd f14, 112(a0); fsd f15, 120(a0)
    fsd f16, 128(a0); fsd f17, 136(a0); fsd f18, 144(a0); fsd f19, 152(a0)
    fsd f20, 160(a0); fsd f21, 168(a0); fsd f22, 176(a0); fsd f23, 184(a0)
    fsd f24, 192(a0); fsd f25, 200(a0); fsd f26, 208(a0); fsd f27, 216(a0)
    fsd f28, 224(a0); fsd f29, 232(a0); fsd f30, 240(a0); fsd f31, 248(a0)
    frcsr t0
    sd   t0, 256(a0)
    ret

    .globl fpu_restore
fpu_restore:
    fld f0, 0(a0);   fld f1, 8(a0);   fld f2, 16(a0);  fld f3, 24(a0)
    fld f4, 32(a0);  fld f5, 40(a0);  fld f6, 48(a0);  fld f7, 56(a0)
    fld f8, 64(a0);  fld f9, 72(a0);  fld f10, 80(a0); fld f11, 88(a0)
    fld f12, 96(a0); fld f13, 104(a0); fld f14, 112(a0); fld f15, 120(a0)
    fld f16, 128(a0); fld f17, 136(a0); fld f18, 144(a0); fld f19, 152(a0)
    fld f20, 160(a0); fld f21, 168(a0); fld f22, 176(a0); fld f23, 184(a0)
    fld f24, 192(a0); fld f25, 200(a0); fld f26, 208(a0); fld f27, 216(a0)
    fld f28, 224(a0); fld f29, 232(a0); fld f30, 240(a0); fld f31, 248(a0)
    ld   t0, 256(a0)
    fscsr t0
    ret
    .option pop
