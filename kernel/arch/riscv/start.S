/* Entry from OpenSBI: a0 = hart id, a1 = physical address of the device tree.
 * S-mode, paging off, interrupts off. Only hart 0 (the boot hart OpenSBI
 * picks) comes here; the design keeps per-hart state separate for SMP later. */
    .section .text.boot
    .globl _start
_start:
    la      sp, boot_stack_top
    csrw    sscratch, zero      /* 0: the kernel runs (trap.S) */
    la      t0, trap_entry      /* for good: it tells kernel traps by sscratch */
    csrw    stvec, t0
    /* clear .bss: kmain relies on zeroed globals */
    la      t0, _bss_start
    la      t1, _bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:  call    kmain
3:  wfi
    j       3b

    .section .bss
    .balign 16
    .globl boot_stack_top
boot_stack:
    .space  16384
boot_stack_top:
