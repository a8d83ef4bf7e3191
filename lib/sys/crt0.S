/* Entry of a root task: a0 = boot info, a1 = UTCB, sp = stack (see bootinfo.h).
 * The first thread uses the static TLS block directly. */
    .section .text.start
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      tp, __tls_base
    call    runtime_root_start
1:  j       1b

/* New threads of the task (runtime_thread_spawn): a0 = struct spawn_block. */
    .globl runtime_thread_entry
runtime_thread_entry:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    call    runtime_thread_start
2:  j       2b
