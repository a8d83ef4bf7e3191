/*
 * Threads and the scheduler.
 *
 * A thread is always in exactly one of these states (field `state`):
 *
 *   INACTIVE    created, never started; registers writable
 *   READY       runnable; on its priority's ready queue unless suspended or
 *               holding the queue's head (sched_head: see the scheduler below)
 *   SEND        blocked sending: linked on the receiver's send queue (`wait_link`)
 *   RECV        blocked in IPC_WAIT: waits for a sender to pick it
 *   REPLY_WAIT  call delivered, waiting for the reply (`reply_from` holds us)
 *   IRQ_WAIT    blocked on irq `waiting_irq`
 *   SLEEP       blocked in THREAD_SLEEP until `deadline`
 *   FAULTED     fault or exception with no handler: halted until its state is
 *               rewritten and it is resumed
 *   DEAD        destroyed: on no queue, in no task, owns no UTCB; never runs again
 *
 * Restart rule: in SEND, RECV, IRQ_WAIT and SLEEP the thread's pc still points
 * at its ecall and a0..a7 hold the call's arguments. Cancelling such a block
 * (suspension) just makes it READY again; it re-issues the call when it runs.
 * A fault in progress (`fault.kind` != 0, SEND or REPLY_WAIT) is cancelled the
 * same way: the faulting instruction runs again and faults again.
 * Only a call in REPLY_WAIT cannot be restarted (the server has the request);
 * suspending it takes effect when the reply arrives.
 *
 * `suspended` is orthogonal: a suspended thread is never on a ready queue
 * (nor sched_head).
 */
#ifndef KERNEL_THREAD_H
#define KERNEL_THREAD_H

#include "arch/riscv/csr.h"
#include "bits.h"
#include "klib.h"
#include "list.h"
#include "object.h"
#include <ferry/syscall.h>
#include <ferry/utcb.h>
#include <stdbool.h>
#include <stdint.h>

/*
 * Saved user registers. Shared with trap.S, which takes every offset from
 * asm-offsets.h, generated from this structure at build time
 * (arch/riscv/asm-offsets.c); the asserts pin the layout so that a change is
 * deliberate. A thread's frame is the first member of struct thread: sscratch
 * holds the thread pointer while it runs in user mode.
 *
 *   0x000  x[32]      x[0] unused
 *   0x100  pc
 *   0x108  kernel_sp  stack the kernel switches to on a trap
 *   0x110  magic      TRAP_FRAME_MAGIC, set at creation, checked when the state
 *                     is read or written (an overwritten frame stops the kernel)
 *   0x118  version    TRAP_FRAME_VERSION: bumped with any layout change
 *   0x120  (size)
 */
#define TRAP_FRAME_MAGIC   0x46524654u /* "TFRF": 32 bits, cheap to set at thread creation */
#define TRAP_FRAME_VERSION 1u

struct trap_frame {
    uint64_t x[32];
    uint64_t pc;
    uint64_t kernel_sp;
    uint64_t magic;
    uint64_t version;
};
_Static_assert(__builtin_offsetof(struct trap_frame, x) == 0x000, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, pc) == 0x100, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, kernel_sp) == 0x108, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, magic) == 0x110, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, version) == 0x118, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == 0x120, "trap frame layout");

enum thread_state {
    TS_INACTIVE,
    TS_READY,
    TS_SEND,
    TS_RECV,
    TS_REPLY_WAIT,
    TS_IRQ_WAIT,
    TS_SLEEP,
    TS_FAULTED,
    TS_DEAD,
};

/* Register numbers of the syscall ABI */
#define REG_A0 10
#define REG_A1 11
#define REG_A2 12
#define REG_A3 13
#define REG_A4 14
#define REG_A5 15
#define REG_A7 17
#define REG_SP 2

struct fault_record {
    uint64_t kind; /* 0 none, FERRY_PROTO_PAGE_FAULT or FERRY_PROTO_EXCEPTION */
    uint64_t addr, access, pc, cause;
};

struct gate;
struct irq;

/*
 * Every pointer to another object below is either a hold on it (object.h) or
 * cleared before that object can be freed; a destroyed thread gives up all of
 * them (thread_destroy). Holds a thread has:
 *   task                      on its task, while the thread is live
 *   pager, exc_handler        on those gates, until reconfigured or destroyed
 *   send_gate                 on that gate, while in SEND
 *   waiting_irq               on that IRQ, while in IRQ_WAIT
 * Pointers that are not holds, and who clears them:
 *   reply_to / reply_from     paired; both cleared by whichever side goes first
 *   gates (list)              gates bound to this thread; they die with it
 *   send_queue                senders of those gates; they fail when the gates die
 * No other object holds a thread: its memory is freed as soon as it is dead and
 * no capability names it. Pointers to a thread from elsewhere (irq.waiter,
 * gate.receiver, ready and timeout queues, fpu_owner, current, the dispatcher's
 * last thread) are all cleared when it dies.
 */
struct thread {
    struct trap_frame frame; /* must be first: sscratch points here */
    uint64_t fpr[32];
    uint64_t fcsr;
    bool fp_used;

    struct kobj obj;
    struct task *task;       /* NULL once dead */
    struct list task_link;   /* on task->threads while live */
    struct ferry_utcb *utcb; /* kernel pointer to the UTCB page; NULL once dead */
    uint64_t utcb_va;        /* where the task sees it */

    struct gate *pager, *exc_handler;
    uint8_t prio;
    uint64_t slice_ticks;

    enum thread_state state;
    bool suspended;
    /* The block a suspension cancelled, for THREAD_READ (ferry_thread_run):
     * blocked_what is 0 (none), the syscall the thread re-issues, or the fault
     * kind whose instruction reruns. The other two are valid only while it is
     * nonzero. Set by thread_suspend, kept by THREAD_WRITE (read only), cleared
     * when the thread is dispatched again. */
    uint64_t blocked_what;
    uint64_t blocked_on;      /* kernel object id of what it waited for, or 0 */
    uint64_t blocked_left_us; /* what was left of its timeout, or FERRY_TIMEOUT_NEVER */

    struct list ready_link; /* ready queue */
    struct list wait_link;  /* a receiver's send queue while in SEND */
    struct list send_queue; /* senders waiting for this thread to receive */
    struct list gates;      /* gates bound to this thread: gate.receiver_link */
    struct list timeout_link;
    uint64_t deadline; /* ticks; valid while timeout_link is linked */

    struct gate *send_gate;    /* SEND: gate we send through */
    struct thread *reply_to;   /* a caller in REPLY_WAIT whose reply we owe */
    struct thread *reply_from; /* REPLY_WAIT: the thread that owes us the reply */
    struct irq *waiting_irq;   /* IRQ_WAIT */
    struct fault_record fault;
};
_Static_assert(__builtin_offsetof(struct thread, frame) == 0, "sscratch points at the frame");

/* task must be live. */
struct thread *thread_create(struct task *task, uint64_t utcb_va, long *err);
/* See the field comments above; thread_free only once it is dead and unreferenced. */
void thread_destroy(struct thread *t);
void thread_free(struct thread *t);

/* The thread running on this hart (the one whose trap is being handled). */
extern struct thread *current;

/*
 * Scheduler (the invariant of who is on a ready queue when: thread.c, above
 * the ready queues). The running thread is not linked on its queue but holds
 * its head; every function here keeps FIFO order per priority as if it were.
 */
/* t became runnable: to the back of its queue, or with front to its head. */
void sched_make_ready(struct thread *t, bool front);
void sched_remove(struct thread *t); /* t blocks, is suspended or dies */
void sched_rotate(struct thread *t); /* time slice used up, or a yield: to the back */
void sched_set_prio(struct thread *t, uint8_t prio); /* a runnable t goes to the back */
/* Takes the highest priority runnable thread (the running one while no
 * higher priority is queued) and makes it the running one; NULL: none. */
struct thread *sched_pick(void);

/* The scheduler's state, private to thread.c but for the inline functions
 * below, which the IPC fastpath and the return from a system call use. */
#define SCHED_PRIO_WORDS ((FERRY_PRIO_MAX + 1) / 64)
extern struct thread *sched_head;
extern uint64_t ready_summary, ready_bitmap[SCHED_PRIO_WORDS];

/* Highest priority with a queued thread, -1 if none (the running one is not). */
static inline __attribute__((always_inline)) int sched_highest_queued(void)
{
    if (!ready_summary)
        return -1;
    unsigned word = bit_lowest(ready_summary);
    return FERRY_PRIO_MAX - (int)(word * 64 + bit_lowest(ready_bitmap[word]));
}

/* t runs on: it is the running thread, still runnable, and no queued thread
 * has a higher priority (the cheap return from a system call). */
static inline __attribute__((always_inline)) bool sched_keeps_running(const struct thread *t)
{
    return t == sched_head && (int)t->prio >= sched_highest_queued();
}

/* Direct switch: `from`, the running thread, blocked, and `to`, runnable and
 * on no queue, takes its place without queue traffic. The caller has checked
 * that sched_pick would choose `to` (docs/kernel.md, "IPC fastpath"). */
static inline __attribute__((always_inline)) void sched_hand_over(struct thread *from,
                                                                  struct thread *to)
{
    KASSERT(from == sched_head);
    sched_head = to;
}

/* Blocking and waking (see the restart rule above). */
void thread_block(struct thread *t, enum thread_state state, uint64_t timeout_us);
/* Completes t's pending syscall with err and results, makes it READY. */
void thread_complete(struct thread *t, long err);
/* The same, but t goes to the head of its queue: a call's server, which runs
 * next unless a higher priority is ready (the caller is blocked anyway). */
void thread_complete_first(struct thread *t, long err);
/* Cancels a block without completing: t will re-issue its call (state READY,
 * not yet queued: follow with thread_make_runnable unless it stays suspended). */
void thread_cancel_block(struct thread *t);
/* Takes t off send queue, timeout list, IRQ and reply bookkeeping. */
void thread_unlink_waits(struct thread *t);
/* state = READY and, unless suspended, runnable (sched_make_ready). */
void thread_make_runnable(struct thread *t);

long thread_suspend(struct thread *t);
long thread_resume(struct thread *t);
/* THREAD_READ: the parts of t's state that sel (a valid FERRY_TS_* selection)
 * names, plus magic and version, into *out; the other bytes of *out stay as
 * they were. E_BUSY if t could run (not suspended, inactive or faulted). */
long thread_read_state(struct thread *t, uint64_t sel, struct ferry_thread_state *out);
/* THREAD_WRITE: the parts sel names from *in into t (run is read only);
 * nothing else of t changes. E_INVAL if *in's magic or version is not this
 * kernel's, E_BUSY if t could run or waits for a reply. */
long thread_write_state(struct thread *t, uint64_t sel, const struct ferry_thread_state *in);
/* What t is doing now (or, once a suspension cancelled a block, was doing);
 * changes nothing. */
void thread_run_info(const struct thread *t, struct ferry_thread_run *out);

/* FPU ownership: FP registers hold the state of `fpu_owner` while it is set. */
void fpu_switch_to(struct thread *next);
/* fpu_switch_to(next), with the common case inline: neither the FP registers
 * dirty nor `next` using them needs only the FPU off (sstatus.FS). */
static inline void fpu_switch_fast(struct thread *next)
{
    uint64_t fs = csr_read(sstatus) & SSTATUS_FS;
    if (next->fp_used || fs == SSTATUS_FS_DIRTY)
        fpu_switch_to(next);
    else if (fs)
        csr_clear(sstatus, SSTATUS_FS);
}
void fpu_release(struct thread *t);

/* Replaces a thread's pager and exception handler (NULL: none; live gates). */
void thread_set_handlers(struct thread *t, struct gate *pager, struct gate *exc_handler);

#endif
