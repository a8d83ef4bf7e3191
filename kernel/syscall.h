#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

struct thread;

/* Decodes and runs the ecall of t (the current thread). */
void syscall_dispatch(struct thread *t);

#endif
