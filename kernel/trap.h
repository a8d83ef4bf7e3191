#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

/* Picks the next thread and enters user mode. Never returns. */
void return_to_user(void) __attribute__((noreturn));

struct thread;
struct trap_frame;
/* Enters user mode in `next`, the thread the scheduler chose (sched_pick or
 * sched_hand_over): its address space, FPU state, a fresh time slice if it is
 * not the thread dispatched last, the timer. Only on the way back from a trap
 * from user mode (sstatus.SPP/SPIE as that trap left them). Never returns. */
void trap_switch_to(struct thread *next) __attribute__((noreturn));

/* Entered from trap.S (sscratch's thread = current): trap_from_user for
 * interrupts and exceptions, trap_syscall for system calls (the IPC fastpath
 * falls back to it). Neither returns. */
void trap_from_user(struct trap_frame *frame) __attribute__((noreturn));
void trap_syscall(struct thread *t) __attribute__((noreturn));

struct task;
/* A thread or task is being destroyed: the dispatcher forgets it (`current`,
 * the last dispatched thread, the active address space, which is left for the
 * kernel's own table), so a later object at the same address is not mistaken
 * for it and no freed page table stays in use. */
void trap_forget_thread(struct thread *t);
void trap_forget_task(struct task *task);

#endif
