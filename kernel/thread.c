#include "thread.h"
#include "arch/riscv/csr.h"
#include "bits.h"
#include "gate.h"
#include "irq.h"
#include "klib.h"
#include "pmem.h"
#include "task.h"
#include "timer.h"
#include "trap.h"
#include <ferry/error.h>
#include <ferry/syscall.h>

struct thread *current;
extern char boot_stack_top[];

/*
 * Ready queues: one FIFO per priority, a bitmap of the non-empty ones.
 *
 * Scheduling invariant (lazy scheduling; docs/kernel.md "Scheduling"): a
 * thread is linked on ready_queue[prio] exactly when it is READY, not
 * suspended, not dead and not `sched_head`. sched_head is the thread that
 * holds the head of its priority's queue without being linked there: the one
 * last dispatched, as long as it stays runnable, or one a call put first while
 * nobody held that place (sched_make_ready with front). It loses the place
 * when it blocks, is suspended, destroyed or reprioritised (sched_remove) or
 * uses up its slice or yields (sched_rotate: to the back). A thread that
 * stays runnable while a higher priority preempts it goes back to the front of
 * its queue (sched_pick). So the order is exactly that of one FIFO per
 * priority with the running thread at its head, but the running thread costs
 * no queue traffic while it keeps running, blocks or hands over directly.
 *
 * Bit i of ready_bitmap stands for priority FERRY_PRIO_MAX - i (the highest
 * priority is the lowest bit: one bit_lowest, no loop); bit w of
 * ready_summary says ready_bitmap[w] is nonzero.
 */
_Static_assert(SCHED_PRIO_WORDS <= 64, "one summary word");
static struct list ready_queue[FERRY_PRIO_MAX + 1];
uint64_t ready_bitmap[SCHED_PRIO_WORDS];
uint64_t ready_summary;
struct thread *sched_head;
static bool sched_initialised;

static void sched_init(void)
{
    for (unsigned i = 0; i <= FERRY_PRIO_MAX; i++)
        list_init(&ready_queue[i]);
    sched_initialised = true;
}

struct thread *thread_create(struct task *task, uint64_t utcb_va, long *err)
{
    if (!sched_initialised)
        sched_init();
    struct thread *t = kmem_alloc(sizeof(*t));
    struct ferry_utcb *utcb = frame_alloc();
    if (!t || !utcb)
        goto nomem;
    /* SW_MAXW: mapped R|W, so MEM_PROTECT may take W away and give it back */
    if (vm_map_page(task->root, utcb_va, (uint64_t)utcb,
                    PTE_U | PTE_R | PTE_W | PTE_A | PTE_D | PTE_SW_MAXW))
        goto nomem;
    kobj_init(&t->obj, FERRY_OBJ_THREAD);
    t->task = task;
    t->utcb = utcb;
    t->utcb_va = utcb_va;
    t->prio = 0;
    t->slice_ticks = timer_us_to_ticks(FERRY_DEFAULT_SLICE_US);
    t->state = TS_INACTIVE;
    t->frame.kernel_sp = (uint64_t)boot_stack_top;
    t->frame.magic = TRAP_FRAME_MAGIC;
    t->frame.version = TRAP_FRAME_VERSION;
    list_init(&t->ready_link);
    list_init(&t->wait_link);
    list_init(&t->send_queue);
    list_init(&t->timeout_link);
    list_init(&t->gates);
    KASSERT(!task->obj.dead);
    list_push_back(&task->threads, &t->task_link);
    kobj_hold(&task->obj); /* the thread keeps its task */
    return t;
nomem:
    if (utcb)
        frame_free(utcb);
    if (t)
        kmem_free(t, sizeof(*t));
    *err = FERRY_E_NOMEM;
    return NULL;
}

/* ---- scheduler ---- */

static void queue_insert(struct thread *t, bool front)
{
    unsigned bit = FERRY_PRIO_MAX - t->prio;
    if (front)
        list_push_front(&ready_queue[t->prio], &t->ready_link);
    else
        list_push_back(&ready_queue[t->prio], &t->ready_link);
    ready_bitmap[bit / 64] |= 1ull << (bit % 64);
    ready_summary |= 1ull << (bit / 64);
}

static void queue_unlink(struct thread *t)
{
    list_remove(&t->ready_link);
    if (list_empty(&ready_queue[t->prio])) {
        unsigned bit = FERRY_PRIO_MAX - t->prio;
        ready_bitmap[bit / 64] &= ~(1ull << (bit % 64));
        if (!ready_bitmap[bit / 64])
            ready_summary &= ~(1ull << (bit / 64));
    }
}

void sched_make_ready(struct thread *t, bool front)
{
    KASSERT(t->state == TS_READY && !t->suspended && !t->obj.dead);
    if (t == sched_head || list_linked(&t->ready_link))
        return;
    if (front && !sched_head)
        sched_head = t; /* the head of its queue, without queue traffic */
    else
        queue_insert(t, front);
}

void sched_remove(struct thread *t)
{
    if (t == sched_head)
        sched_head = NULL;
    else if (list_linked(&t->ready_link))
        queue_unlink(t);
}

void sched_rotate(struct thread *t)
{
    if (t == sched_head) {
        sched_head = NULL;
        queue_insert(t, false);
    } else if (list_linked(&t->ready_link)) {
        queue_unlink(t);
        queue_insert(t, false);
    }
}

void sched_set_prio(struct thread *t, uint8_t prio)
{
    bool queued = t == sched_head || list_linked(&t->ready_link);
    sched_remove(t);
    t->prio = prio;
    if (queued)
        sched_make_ready(t, false);
}

struct thread *sched_pick(void)
{
    KASSERT(!sched_head || (sched_head->state == TS_READY && !sched_head->suspended));
    int best = sched_highest_queued();
    if (sched_head && (int)sched_head->prio >= best)
        return sched_head;
    if (best < 0)
        return NULL;
    if (sched_head)
        queue_insert(sched_head, true); /* preempted: first of its priority again */
    struct thread *next = container_of(ready_queue[best].next, struct thread, ready_link);
    queue_unlink(next);
    sched_head = next;
    return next;
}

/* ---- blocking ---- */

void thread_block(struct thread *t, enum thread_state state, uint64_t timeout_us)
{
    sched_remove(t);
    t->state = state;
    if (timeout_us != FERRY_TIMEOUT_NEVER) {
        uint64_t ticks = timer_us_to_ticks(timeout_us);
        uint64_t now = timer_now();
        timeout_add(t, ticks > UINT64_MAX - now ? UINT64_MAX : now + ticks);
    }
}

/* The rare parts of thread_unlink_waits, out of the path every system call takes. */
static void __attribute__((noinline)) unlink_irq(struct thread *t)
{
    struct irq *irq = t->waiting_irq;
    irq->waiter = NULL;
    t->waiting_irq = NULL;
    kobj_unhold(&irq->obj); /* may free it: t is off it already */
}

static void __attribute__((noinline)) unlink_send_gate(struct thread *t)
{
    struct gate *gate = t->send_gate;
    t->send_gate = NULL;
    kobj_unhold(&gate->obj); /* may free it: t is off its receiver's queue already */
}

/* Takes t off every wait structure; leaves registers alone. Inlined into
 * thread_complete, which every wake-up goes through. */
static inline __attribute__((always_inline)) void unlink_waits(struct thread *t)
{
    timeout_remove(t);
    if (list_linked(&t->wait_link))
        list_remove(&t->wait_link);
    if (t->state == TS_REPLY_WAIT && t->reply_from) {
        t->reply_from->reply_to = NULL;
        t->reply_from = NULL;
    }
    if (t->waiting_irq)
        unlink_irq(t);
    if (t->send_gate)
        unlink_send_gate(t);
}

void thread_unlink_waits(struct thread *t)
{
    unlink_waits(t);
}

void thread_make_runnable(struct thread *t)
{
    t->state = TS_READY;
    if (!t->suspended)
        sched_make_ready(t, false);
}

static inline __attribute__((always_inline)) void complete(struct thread *t, long err, bool first)
{
    unlink_waits(t);
    t->frame.x[REG_A0] = (uint64_t)err;
    t->frame.pc += 4;
    t->state = TS_READY;
    if (!t->suspended)
        sched_make_ready(t, first);
}

void thread_complete(struct thread *t, long err)
{
    complete(t, err, false);
}

void thread_complete_first(struct thread *t, long err)
{
    complete(t, err, true);
}

void thread_cancel_block(struct thread *t)
{
    thread_unlink_waits(t);
    t->fault.kind = 0;
    t->state = TS_READY;
}

/* ---- control ---- */

static bool is_fault_kind(uint64_t what)
{
    return what == FERRY_PROTO_PAGE_FAULT || what == FERRY_PROTO_EXCEPTION;
}

/* Microseconds left until t's timeout, FERRY_TIMEOUT_NEVER without one. */
static uint64_t timeout_left_us(const struct thread *t)
{
    if (!list_linked(&t->timeout_link))
        return FERRY_TIMEOUT_NEVER;
    uint64_t now = timer_now();
    return t->deadline > now ? timer_ticks_to_us(t->deadline - now) : 0;
}

/*
 * The block t is in right now: `what` is the syscall it re-issues or the
 * fault kind whose instruction reruns (0: not in a restartable block), `on`
 * the object it waits for (ferry_thread_run.blocked_on), `left` the rest of
 * its timeout. A call in its reply phase is no restartable block (what 0),
 * but it does wait for the server thread.
 */
static void block_now(const struct thread *t, uint64_t *what, uint64_t *on, uint64_t *left)
{
    *what = *on = 0;
    *left = FERRY_TIMEOUT_NEVER;
    switch (t->state) {
    case TS_SEND:
        *on = t->send_gate->obj.id;
        break;
    case TS_IRQ_WAIT:
        *on = t->waiting_irq->obj.id;
        break;
    case TS_RECV:
    case TS_SLEEP:
        break;
    case TS_REPLY_WAIT:
        if (!t->fault.kind) {
            *on = t->reply_from ? t->reply_from->obj.id : 0;
            return;
        }
        /* a fault delivered to its handler, waiting for the answer */
        struct gate *handler = t->fault.kind == FERRY_PROTO_PAGE_FAULT ? t->pager : t->exc_handler;
        *on = handler ? handler->obj.id : 0;
        break;
    default:
        return;
    }
    *what = t->fault.kind ? t->fault.kind : t->frame.x[REG_A7];
    *left = timeout_left_us(t);
}

/* Cancels t's restartable block (SEND, RECV, IRQ_WAIT, SLEEP, or a fault in
 * delivery) and remembers it for THREAD_READ. */
static void suspend_block(struct thread *t)
{
    block_now(t, &t->blocked_what, &t->blocked_on, &t->blocked_left_us);
    thread_cancel_block(t);
}

long thread_suspend(struct thread *t)
{
    if (t->suspended)
        return FERRY_OK;
    t->suspended = true;
    switch (t->state) {
    case TS_READY:
        sched_remove(t);
        break;
    case TS_SEND:
    case TS_RECV:
    case TS_IRQ_WAIT:
    case TS_SLEEP:
        suspend_block(t);
        break;
    case TS_REPLY_WAIT:
        if (t->fault.kind)
            suspend_block(t); /* the faulting instruction reruns on resume */
        /* a call waits for its reply; the suspension holds when it arrives */
        break;
    case TS_INACTIVE:
    case TS_FAULTED:
    case TS_DEAD:
        break;
    }
    return FERRY_OK;
}

long thread_resume(struct thread *t)
{
    t->suspended = false;
    if (t->state == TS_INACTIVE || t->state == TS_FAULTED) {
        t->fault.kind = 0;
        t->state = TS_READY;
    }
    if (t->state == TS_READY)
        sched_make_ready(t, false);
    return FERRY_OK;
}

/* THREAD_READ/WRITE need a thread that cannot run: suspended, never started
 * or halted by a fault without handler. */
static bool state_accessible(const struct thread *t)
{
    return t->suspended || t->state == TS_INACTIVE || t->state == TS_FAULTED;
}

static enum ferry_run_state run_state(const struct thread *t)
{
    switch (t->state) {
    case TS_INACTIVE:
        return FERRY_RUN_INACTIVE;
    case TS_FAULTED:
        return FERRY_RUN_FAULTED;
    case TS_REPLY_WAIT:
        return FERRY_RUN_REPLY_WAIT;
    case TS_READY:
        return t->blocked_what ? FERRY_RUN_BLOCKED : FERRY_RUN_READY;
    default:
        return FERRY_RUN_BLOCKED;
    }
}

void thread_run_info(const struct thread *t, struct ferry_thread_run *out)
{
    uint64_t what = t->blocked_what, on = t->blocked_on, left = t->blocked_left_us;
    if (t->state != TS_READY || !what)
        block_now(t, &what, &on, &left);
    out->state = run_state(t);
    out->suspended = t->suspended;
    out->blocked_call = is_fault_kind(what) ? 0 : what;
    out->blocked_fault = is_fault_kind(what) ? what : 0;
    out->blocked_on = on;
    out->timeout_left_us = left;
}

/* x[1..31] and pc, one run of words in both the trap frame and the state. */
_Static_assert(__builtin_offsetof(struct trap_frame, pc) ==
                   __builtin_offsetof(struct trap_frame, x) + 32 * 8,
               "pc follows x[31] in the trap frame");
_Static_assert(__builtin_offsetof(struct ferry_thread_state, pc) ==
                   __builtin_offsetof(struct ferry_thread_state, x) + 32 * 8,
               "pc follows x[31] in the thread state");
/* f[0..31] and fcsr, likewise. */
_Static_assert(__builtin_offsetof(struct thread, fcsr) ==
                   __builtin_offsetof(struct thread, fpr) + 32 * 8,
               "fcsr follows fpr in the thread");
_Static_assert(__builtin_offsetof(struct ferry_thread_state, fcsr) ==
                   __builtin_offsetof(struct ferry_thread_state, f) + 32 * 8,
               "fcsr follows f in the thread state");
#define REG_WORDS 32 /* x[1..31], pc */
#define FP_WORDS  33 /* f[0..31], fcsr */

long thread_read_state(struct thread *t, uint64_t sel, struct ferry_thread_state *out)
{
    KASSERT(ferry_ts_sel_valid(sel));
    if (!state_accessible(t))
        return FERRY_E_BUSY;
    KASSERT(t->frame.magic == TRAP_FRAME_MAGIC && t->frame.version == TRAP_FRAME_VERSION);
    out->magic = FERRY_THREAD_STATE_MAGIC;
    out->version = FERRY_THREAD_STATE_VERSION;
    if (sel & FERRY_TS_REGS) {
        out->x[0] = 0;
        copy_words(&out->x[1], &t->frame.x[1], REG_WORDS);
    }
    if (sel & FERRY_TS_FP) {
        fpu_release(t); /* live FP registers back into t->fpr first */
        copy_words(out->f, t->fpr, FP_WORDS);
        out->fp_used = t->fp_used;
    }
    if (sel & FERRY_TS_RUN)
        thread_run_info(t, &out->run);
    if (sel & FERRY_TS_UTCB)
        copy_words((uint64_t *)out->utcb, (const uint64_t *)t->utcb, FERRY_UTCB_STATE / 8);
    return FERRY_OK;
}

long thread_write_state(struct thread *t, uint64_t sel, const struct ferry_thread_state *in)
{
    KASSERT(ferry_ts_sel_valid(sel));
    if (in->magic != FERRY_THREAD_STATE_MAGIC || in->version != FERRY_THREAD_STATE_VERSION)
        return FERRY_E_INVAL;
    if (!state_accessible(t) || t->state == TS_REPLY_WAIT)
        return FERRY_E_BUSY;
    KASSERT(t->frame.magic == TRAP_FRAME_MAGIC && t->frame.version == TRAP_FRAME_VERSION);
    if (sel & FERRY_TS_REGS) {
        copy_words(&t->frame.x[1], &in->x[1], REG_WORDS);
        t->fault.kind = 0; /* the faulting instruction is no longer where pc points */
    }
    if (sel & FERRY_TS_FP) {
        fpu_release(t); /* the FP registers no longer hold t's state */
        copy_words(t->fpr, in->f, FP_WORDS);
        /* FP state moves with the thread: a thread that had used the FPU keeps
         * its registers live from its first instruction on. */
        t->fp_used = in->fp_used || in->fcsr;
    }
    /* FERRY_TS_RUN: in->run is read only; what t was doing stays as it was */
    if (sel & FERRY_TS_UTCB)
        copy_words((uint64_t *)t->utcb, (const uint64_t *)in->utcb, FERRY_UTCB_STATE / 8);
    return FERRY_OK;
}

/* ---- FPU ---- */

void fpu_save(uint64_t *regs); /* trap.S: f0-f31, fcsr after them */
void fpu_restore(const uint64_t *regs);

static struct thread *fpu_owner; /* whose state the FP registers hold */

static void fpu_save_owner(void)
{
    if (fpu_owner && (csr_read(sstatus) & SSTATUS_FS) == SSTATUS_FS_DIRTY) {
        _Static_assert(__builtin_offsetof(struct thread, fcsr) ==
                           __builtin_offsetof(struct thread, fpr) + 32 * 8,
                       "fcsr follows fpr");
        fpu_save(fpu_owner->fpr);
        csr_clear(sstatus, SSTATUS_FS);
        csr_set(sstatus, SSTATUS_FS_CLEAN);
    }
}

void fpu_switch_to(struct thread *next)
{
    fpu_save_owner();
    csr_clear(sstatus, SSTATUS_FS);
    if (!next->fp_used)
        return; /* FS off: the first FP instruction traps and turns it on */
    if (fpu_owner != next) {
        csr_set(sstatus, SSTATUS_FS_INITIAL);
        fpu_restore(next->fpr);
        fpu_owner = next;
        csr_clear(sstatus, SSTATUS_FS);
    }
    csr_set(sstatus, SSTATUS_FS_CLEAN);
}

void fpu_release(struct thread *t)
{
    if (fpu_owner != t)
        return;
    fpu_save_owner();
    fpu_owner = NULL;
}

/* t is being destroyed: its FP registers are garbage now, nothing to save. */
static void fpu_forget(struct thread *t)
{
    if (fpu_owner == t)
        fpu_owner = NULL;
}

/* ---- handlers and destruction ---- */

void thread_set_handlers(struct thread *t, struct gate *pager, struct gate *exc_handler)
{
    struct gate *old_pager = t->pager, *old_exc = t->exc_handler;
    if (pager)
        kobj_hold(&pager->obj);
    if (exc_handler)
        kobj_hold(&exc_handler->obj);
    t->pager = pager;
    t->exc_handler = exc_handler;
    if (old_pager)
        kobj_unhold(&old_pager->obj);
    if (old_exc)
        kobj_unhold(&old_exc->obj);
}

/* Unmaps the UTCB from the task (unless a MEM_MAP replaced it there) and frees it. */
static void utcb_release(struct thread *t)
{
    pte_t *pte = vm_lookup(t->task->root, t->utcb_va);
    if (pte && PTE_TO_PA(*pte) == (uint64_t)t->utcb)
        vm_unmap_page(t->task->root, t->utcb_va);
    frame_free(t->utcb);
    t->utcb = NULL;
}

void thread_destroy(struct thread *t)
{
    t->obj.dead = true;
    sched_remove(t);
    thread_unlink_waits(t); /* off a send queue, timeouts, an IRQ, a reply wait */
    t->state = TS_DEAD;
    t->fault.kind = 0;
    ipc_release_thread(t); /* its gates die, its caller fails */
    thread_set_handlers(t, NULL, NULL);
    fpu_forget(t);
    trap_forget_thread(t);
    utcb_release(t);
    struct task *task = t->task;
    list_remove(&t->task_link);
    t->task = NULL;
    kobj_unhold(&task->obj);
}

void thread_free(struct thread *t)
{
    KASSERT(t->obj.dead && !t->utcb && !t->task);
    kmem_free(t, sizeof(*t));
}
