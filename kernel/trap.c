/*
 * Trap handling and the way back to user mode.
 *
 * One kernel stack per hart: every trap starts on it afresh and ends in
 * return_to_user(), which never returns. No kernel state lives on the stack
 * across a block, which is what makes every blocking point restartable.
 */
#include "arch/riscv/csr.h"
#include "gate.h"
#include "irq.h"
#include "klib.h"
#include "syscall.h"
#include "task.h"
#include "thread.h"
#include "timer.h"
#include "trap.h"
#include "vm.h"
#include <ferry/syscall.h>

void trap_return(struct trap_frame *frame) __attribute__((noreturn));

/* Both compared by address only; cleared by trap_forget_* before the object
 * they point at can be freed. active_task: whose root table satp holds (NULL:
 * the kernel's own). */
static struct task *active_task;
static struct thread *last_dispatched;
static uint64_t slice_end;

void trap_forget_thread(struct thread *t)
{
    if (current == t)
        current = NULL; /* destroyed by its own call: the next dispatch picks another */
    if (last_dispatched == t)
        last_dispatched = NULL;
}

void trap_forget_task(struct task *task)
{
    if (active_task != task)
        return;
    vm_activate_kernel();
    active_task = NULL;
}

void kernel_trap_panic(uint64_t scause, uint64_t sepc, uint64_t stval)
{
    panic("trap in kernel: scause=%lx sepc=%lx stval=%lx", scause, sepc, stval);
}

static void handle_interrupts(uint64_t pending)
{
    if (pending & SIP_STIP) {
        timer_expire();
        if (current && current->state == TS_READY && timer_now() >= slice_end) {
            sched_rotate(current);
            last_dispatched = NULL; /* gets a fresh slice when it runs again */
        }
    }
    if (pending & SIP_SEIP)
        plic_handle_interrupts();
}

static const char *exception_name(uint64_t cause)
{
    switch (cause) {
    case EXC_INST_MISALIGNED:
        return "instruction address misaligned";
    case EXC_INST_ACCESS:
        return "instruction access fault";
    case EXC_ILLEGAL_INST:
        return "illegal instruction";
    case EXC_BREAKPOINT:
        return "breakpoint";
    case EXC_LOAD_MISALIGNED:
        return "load address misaligned";
    case EXC_LOAD_ACCESS:
        return "load access fault";
    case EXC_STORE_MISALIGNED:
        return "store address misaligned";
    case EXC_STORE_ACCESS:
        return "store access fault";
    case EXC_INST_PAGE_FAULT:
        return "instruction page fault";
    case EXC_LOAD_PAGE_FAULT:
        return "load page fault";
    case EXC_STORE_PAGE_FAULT:
        return "store page fault";
    default:
        return "exception";
    }
}

static void handle_exception(struct thread *t, uint64_t cause, uint64_t stval)
{
    /* lazy FPU: the first FP instruction of a thread arrives here */
    if (cause == EXC_ILLEGAL_INST && !t->fp_used) {
        t->fp_used = true;
        return; /* retried with the FPU on */
    }
    bool page_fault = cause == EXC_INST_PAGE_FAULT || cause == EXC_LOAD_PAGE_FAULT ||
                      cause == EXC_STORE_PAGE_FAULT;
    struct gate *handler = page_fault ? t->pager : t->exc_handler;
    t->fault.kind = page_fault ? FERRY_PROTO_PAGE_FAULT : FERRY_PROTO_EXCEPTION;
    t->fault.addr = stval;
    t->fault.access = cause == EXC_INST_PAGE_FAULT    ? FERRY_RIGHT_X
                      : cause == EXC_STORE_PAGE_FAULT ? FERRY_RIGHT_W
                                                      : FERRY_RIGHT_R;
    t->fault.pc = t->frame.pc;
    t->fault.cause = cause;
    if (handler && !handler->obj.dead) {
        ipc_send_fault(t, handler);
        return;
    }
    /* a destroyed handler (or its receiving thread) is as good as none */
    kprintf("[kernel] thread %lu (task %lu): %s at 0x%lx, pc 0x%lx, %s %s: halted\n", t->obj.id,
            t->task->obj.id, exception_name(cause), stval, t->frame.pc, handler ? "dead" : "no",
            page_fault ? "pager" : "exception handler");
    sched_remove(t);
    t->state = TS_FAULTED;
}

void trap_syscall(struct thread *t)
{
    KASSERT(t == current);
    syscall_dispatch(t);
    /* A call that neither blocked nor woke a higher priority returns straight
     * away: same thread, so same address space, FPU state, time slice and
     * timer; sstatus.SPP/SPIE are as the trap from user mode left them. */
    if (sched_keeps_running(t))
        trap_return(&t->frame);
    return_to_user();
}

void trap_from_user(struct trap_frame *frame)
{
    struct thread *t = (struct thread *)frame;
    KASSERT(t == current);
    uint64_t cause = csr_read(scause);
    if (cause & SCAUSE_INTERRUPT)
        handle_interrupts(csr_read(sip));
    else
        handle_exception(t, cause, csr_read(stval));
    return_to_user();
}

/* Waits, with interrupts masked, until one is pending, then handles it. */
static void idle(void)
{
    timer_program(UINT64_MAX);
    uint64_t pending;
    while (!((pending = csr_read(sip)) & (SIP_STIP | SIP_SEIP)))
        __asm__ volatile("wfi");
    handle_interrupts(pending);
}

void trap_switch_to(struct thread *next)
{
    if (next->task != active_task) {
        vm_activate(next->task->root);
        active_task = next->task;
    }
    fpu_switch_fast(next);
    if (next != last_dispatched) {
        uint64_t now = timer_now();
        slice_end = next->slice_ticks > UINT64_MAX - now ? UINT64_MAX : now + next->slice_ticks;
        last_dispatched = next;
    }
    timer_program(slice_end);
    next->blocked_what = 0; /* running again: no longer blocked in a call */
    current = next;
    trap_return(&next->frame);
}

void return_to_user(void)
{
    struct thread *next;
    while (!(next = sched_pick()))
        idle();
    /* sret to user mode with interrupts on (not yet so after boot or idle) */
    csr_clear(sstatus, SSTATUS_SPP);
    csr_set(sstatus, SSTATUS_SPIE);
    trap_switch_to(next);
}
