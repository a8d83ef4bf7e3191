/* Entry of a component's threads: a0 = the thread's UTCB, sp = its startup
 * block (struct ferry_startup for the first thread, struct base_spawn for
 * threads the runtime creates). See include/ferry/component.h. */
    .section .text.start
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      tp, __tls_base
    mv      a1, sp
    call    base_main_start
1:  j       1b

    .globl base_thread_entry
base_thread_entry:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    mv      a1, sp
    call    base_thread_start
2:  j       2b
