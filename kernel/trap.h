#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

/* Picks the next thread and enters user mode. Never returns. */
void return_to_user(void) __attribute__((noreturn));

#endif
