#include "cspace.h"
#include "gate.h"
#include "klib.h"
#include "pmem.h"
#include "task.h"
#include "thread.h"
#include "trap.h"
#include <ferry/error.h>
#include <ferry/syscall.h>

struct gate *gate_create(struct thread *receiver, uint64_t label)
{
    struct gate *gate = kmem_alloc(sizeof(*gate));
    if (!gate)
        return NULL;
    KASSERT(!receiver->obj.dead);
    kobj_init(&gate->obj, FERRY_OBJ_GATE);
    gate->receiver = receiver;
    gate->obj.label = label;
    list_push_back(&receiver->gates, &gate->receiver_link);
    return gate;
}

/* t's partner went away for good (gate or thread destroyed): a call fails with
 * E_DEAD, a fault in delivery reruns its instruction (the restart rule). */
static void fail_waiter(struct thread *t)
{
    if (t->fault.kind) {
        thread_cancel_block(t);
        thread_make_runnable(t);
    } else {
        thread_complete(t, FERRY_E_DEAD);
    }
}

void gate_destroy(struct gate *gate)
{
    gate->obj.dead = true;
    struct list *queue = &gate->receiver->send_queue;
    for (struct list *pos = queue->next; pos != queue;) {
        struct thread *sender = container_of(pos, struct thread, wait_link);
        pos = pos->next; /* fail_waiter takes sender off the queue */
        if (sender->send_gate == gate)
            fail_waiter(sender);
    }
    list_remove(&gate->receiver_link);
    gate->receiver = NULL;
}

void ipc_release_thread(struct thread *t)
{
    /* each gate fails its own queued senders: together, all of t's queue */
    while (!list_empty(&t->gates))
        kobj_destroy(&container_of(t->gates.next, struct gate, receiver_link)->obj);
    KASSERT(list_empty(&t->send_queue));
    struct thread *caller = t->reply_to;
    if (caller) {
        caller->reply_from = NULL;
        t->reply_to = NULL;
        fail_waiter(caller);
    }
}

long ipc_check_message(struct thread *sender, uint64_t tag)
{
    if (FERRY_TAG_WORDS(tag) > FERRY_MSG_WORDS || FERRY_TAG_CAPS(tag) > FERRY_MSG_CAPS)
        return FERRY_E_INVAL;
    for (unsigned i = 0; i < FERRY_TAG_CAPS(tag); i++) {
        uint64_t sel = sender->utcb->snd_cap[i] & 0xffffffffu;
        struct cap *cap = cspace_slot(sender->task, sel);
        if (!cap || !cap->obj)
            return FERRY_E_BADSEL;
    }
    return FERRY_OK;
}

/*
 * Moves words and capabilities from `from`'s UTCB to `to`'s. Capabilities go
 * into the receiver's window; one that cannot be placed (window too small,
 * slot occupied, sender's slot emptied meanwhile) is dropped and flagged, the
 * rest of the message still arrives. Returns the tag the receiver sees.
 */
static uint64_t copy_message(struct thread *from, struct thread *to, uint64_t tag)
{
    struct ferry_utcb *src = from->utcb, *dst = to->utcb;
    unsigned words = FERRY_TAG_WORDS(tag), caps = FERRY_TAG_CAPS(tag), flags = 0;
    memcpy(dst->mr, src->mr, words * sizeof(uint64_t));

    uint64_t first = dst->rcv_window & 0xffffffffu, room = dst->rcv_window >> 32;
    for (unsigned i = 0; i < caps; i++) {
        uint64_t desc = src->snd_cap[i];
        struct cap *cap = cspace_slot(from->task, desc & 0xffffffffu);
        dst->rcv_type[i] = FERRY_OBJ_NONE;
        dst->rcv_label[i] = 0;
        if (!cap || !cap->obj || i >= room ||
            cspace_insert(to->task, first + i, cap->obj, cap->rights & (desc >> 32)) < 0) {
            flags |= FERRY_TAG_FLAG_CAPFAIL;
            continue;
        }
        dst->rcv_type[i] = cap->obj->type;
        dst->rcv_label[i] = kobj_label(cap->obj);
    }
    return FERRY_TAG(words, caps, FERRY_TAG_PROTO(tag)) |
           ((uint64_t)flags << FERRY_TAG_FLAGS_SHIFT);
}

/* Writes sender's fault record into receiver's message words; returns the tag. */
static uint64_t fault_message(const struct thread *sender, struct thread *receiver)
{
    const struct fault_record *f = &sender->fault;
    uint64_t *mr = receiver->utcb->mr;
    mr[0] = f->addr;
    mr[1] = f->access;
    mr[2] = f->pc;
    mr[3] = f->cause;
    mr[4] = sender->obj.id;
    return FERRY_TAG(5, 0, f->kind);
}

/* Hands the sender's message (or fault) to a receiver blocked in IPC_WAIT. */
static void deliver(struct thread *sender, struct thread *receiver, uint64_t label, bool first)
{
    uint64_t tag;
    if (sender->fault.kind) {
        tag = fault_message(sender, receiver);
    } else {
        tag = copy_message(sender, receiver, sender->frame.x[REG_A1]);
    }
    receiver->frame.x[REG_A1] = tag;
    receiver->frame.x[REG_A2] = label;
    if (first)
        thread_complete_first(receiver, FERRY_OK);
    else
        thread_complete(receiver, FERRY_OK);
}

/* A caller whose reply will never come: a call fails, a fault reruns. */
static void cancel_reply_wait(struct thread *caller)
{
    if (caller->fault.kind) {
        thread_cancel_block(caller);
        thread_make_runnable(caller);
    } else {
        thread_complete(caller, FERRY_E_CANCELED);
    }
}

/* Sender's call (or fault) was delivered: it now waits for receiver's reply. */
static void enter_reply_wait(struct thread *caller, struct thread *receiver)
{
    if (receiver->reply_to)
        cancel_reply_wait(receiver->reply_to); /* receiver moved on without replying */
    thread_unlink_waits(caller);
    sched_remove(caller);
    caller->state = TS_REPLY_WAIT;
    caller->reply_from = receiver;
    receiver->reply_to = caller;
}

static bool sender_wants_reply(const struct thread *sender)
{
    return sender->fault.kind || sender->frame.x[REG_A7] == FERRY_SYS_IPC_CALL;
}

long ipc_send(struct thread *sender, struct gate *gate, uint64_t timeout_us, int is_call)
{
    KASSERT(!gate->obj.dead); /* callers look it up, or check a fault handler */
    struct thread *receiver = gate->receiver;
    if (receiver->state == TS_RECV) {
        if (!is_call) {
            deliver(sender, receiver, kobj_label(&gate->obj), false);
            return FERRY_OK;
        }
        /* the caller blocks first, so the server takes its place at the head
         * of the server's queue: it runs next unless a higher priority waits */
        enter_reply_wait(sender, receiver);
        deliver(sender, receiver, kobj_label(&gate->obj), true);
        return SYSCALL_DEFERRED;
    }
    if (timeout_us == FERRY_TIMEOUT_POLL)
        return FERRY_E_TIMEOUT;
    sender->send_gate = gate;
    kobj_hold(&gate->obj); /* dropped by thread_unlink_waits */
    list_push_back(&receiver->send_queue, &sender->wait_link);
    thread_block(sender, TS_SEND, timeout_us);
    return SYSCALL_DEFERRED;
}

long ipc_wait(struct thread *receiver, uint64_t timeout_us)
{
    if (!list_empty(&receiver->send_queue)) {
        struct thread *sender = container_of(receiver->send_queue.next, struct thread, wait_link);
        struct gate *gate = sender->send_gate;
        list_remove(&sender->wait_link);
        deliver(sender, receiver, kobj_label(&gate->obj), false);
        if (sender_wants_reply(sender)) {
            enter_reply_wait(sender, receiver);
        } else {
            thread_complete(sender, FERRY_OK);
        }
        return SYSCALL_DEFERRED; /* deliver() completed the receiver */
    }
    if (timeout_us == FERRY_TIMEOUT_POLL)
        return FERRY_E_TIMEOUT;
    thread_block(receiver, TS_RECV, timeout_us);
    return SYSCALL_DEFERRED;
}

long ipc_reply(struct thread *replier, uint64_t tag)
{
    struct thread *caller = replier->reply_to;
    if (!caller)
        return FERRY_E_NOREPLY;
    replier->reply_to = NULL;
    caller->reply_from = NULL;
    if (caller->fault.kind) {
        /* resolved (or not): the faulting instruction runs again */
        caller->fault.kind = 0;
        thread_make_runnable(caller);
        return FERRY_OK;
    }
    caller->frame.x[REG_A1] = copy_message(replier, caller, tag);
    caller->frame.x[REG_A2] = 0;
    thread_complete(caller, FERRY_OK);
    return FERRY_OK;
}

/* ---- fastpath ---- */

/*
 * The IPC fastpath (docs/kernel.md, "IPC fastpath"): IPC_CALL, a fault and
 * IPC_REPLY_WAIT in their common case, without the generic dispatch and
 * completion layers, handed over straight to the other thread without ready
 * queue traffic. Each function first checks every condition and changes
 * nothing unless all hold; then it leaves exactly the state the slow path
 * would (registers, UTCB words, thread states, queue order: see the priority
 * checks) and does not return. Else it returns and the slow path runs.
 */

/* A message the fastpath takes: at most FASTPATH_WORDS words, no capability. */
#define FASTPATH_WORDS 8u
static bool fast_tag(uint64_t tag)
{
    _Static_assert(FASTPATH_WORDS <= FERRY_MSG_WORDS, "a valid message");
    uint64_t mask = FERRY_TAG_WORDS_MASK << FERRY_TAG_WORDS_SHIFT | FERRY_TAG_CAPS_MASK
                                                                        << FERRY_TAG_CAPS_SHIFT;
    return (tag & mask) <= FASTPATH_WORDS; /* caps 0 and words <= FASTPATH_WORDS */
}

/* copy_message for a fast_tag message: the tag the receiver sees. */
static uint64_t fast_copy(const struct thread *from, struct thread *to, uint64_t tag)
{
    const uint64_t *src = from->utcb->mr;
    uint64_t *dst = to->utcb->mr;
    uint64_t words = FERRY_TAG_WORDS(tag);
    for (uint64_t i = 0; i < words; i++)
        dst[i] = src[i];
    return FERRY_TAG(words, 0, FERRY_TAG_PROTO(tag));
}

/*
 * sender (the running thread) calls through the live gate: with tag, or with
 * its fault (fault: sender->fault is filled in). Fast if the receiver waits in IPC_WAIT
 * without a timeout, owes no reply, and no queued thread has a higher
 * priority than it: the slow path would put it at the head of its queue and
 * pick it. (A suspended thread is never in RECV: suspension cancels the wait.)
 */
static inline __attribute__((always_inline)) void
fast_call(struct thread *sender, struct gate *gate, uint64_t tag, bool fault)
{
    struct thread *receiver = gate->receiver;
    if (receiver->state != TS_RECV || receiver->reply_to || list_linked(&receiver->timeout_link) ||
        (int)receiver->prio < sched_highest_queued())
        return;
    /* deliver() */
    if (fault) {
        tag = fault_message(sender, receiver);
    } else {
        tag = fast_copy(sender, receiver, tag);
    }
    receiver->frame.x[REG_A0] = FERRY_OK;
    receiver->frame.x[REG_A1] = tag;
    receiver->frame.x[REG_A2] = kobj_label(&gate->obj);
    receiver->frame.pc += 4;
    receiver->state = TS_READY;
    /* enter_reply_wait(): the sender waits for nothing else, as it was running */
    sender->state = TS_REPLY_WAIT;
    sender->reply_from = receiver;
    receiver->reply_to = sender;
    sched_hand_over(sender, receiver);
    trap_switch_to(receiver);
}

void ipc_send_fault(struct thread *t, struct gate *handler)
{
    fast_call(t, handler, 0, true); /* returns only if the slow path must do it */
    /* a fault is a call without a timeout; deliver() sends the fault record */
    (void)ipc_send(t, handler, FERRY_TIMEOUT_NEVER, 1);
}

/* IPC_CALL: the capability checks of send_common, then fast_call. */
void ipc_fast_call(struct thread *caller)
{
    uint64_t tag = caller->frame.x[REG_A1];
    if (fast_tag(tag)) {
        struct cap *cap = cspace_slot_in(caller->task->cspace, caller->frame.x[REG_A0]);
        if (cap && cap->obj && cap->obj->type == FERRY_OBJ_GATE && (cap->rights & FERRY_RIGHT_W) &&
            !cap->obj->dead)
            fast_call(caller, container_of(cap->obj, struct gate, obj), tag, false);
    }
    trap_syscall(caller);
}

/*
 * IPC_REPLY_WAIT: fast if the reply is a fast_tag message to a caller that is
 * not suspended, no sender is queued for the server, the wait has no timeout
 * (a7 becomes IPC_WAIT, as in the slow path), and every queued thread has a
 * lower priority than the caller: the slow path would put it at the back of
 * its queue and pick it.
 */
void ipc_fast_reply_wait(struct thread *server)
{
    struct thread *caller = server->reply_to;
    uint64_t tag = server->frame.x[REG_A1];
    if (!caller || !fast_tag(tag) || server->frame.x[REG_A2] != FERRY_TIMEOUT_NEVER ||
        !list_empty(&server->send_queue) || caller->suspended ||
        (int)caller->prio <= sched_highest_queued())
        trap_syscall(server);
    /* ipc_reply() */
    server->reply_to = NULL;
    caller->reply_from = NULL;
    if (caller->fault.kind) {
        caller->fault.kind = 0; /* the faulting instruction runs again */
    } else {
        caller->frame.x[REG_A0] = FERRY_OK;
        caller->frame.x[REG_A1] = fast_copy(server, caller, tag);
        caller->frame.x[REG_A2] = 0;
        caller->frame.pc += 4;
    }
    caller->state = TS_READY;
    /* ipc_wait(): blocks, the restart rule's rewrite first */
    server->frame.x[REG_A7] = FERRY_SYS_IPC_WAIT;
    server->state = TS_RECV;
    sched_hand_over(server, caller);
    trap_switch_to(caller);
}
