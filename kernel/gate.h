/*
 * IPC gates and message passing.
 *
 * A gate is bound, at creation, to the one thread that receives through it,
 * and carries a label fixed for its lifetime. The receiver learns the label of
 * the gate each message came through (a2 of IPC_WAIT); the sender cannot
 * choose or see it. Core uses the label as the object's badge.
 *
 * Each receiving thread has one queue of blocked senders, FIFO across all of
 * its gates, and owes at most one reply: receiving a new call while a reply is
 * still owed cancels the older caller with E_CANCELED.
 *
 * A gate dies when it is destroyed or its receiver is: threads queued sending
 * through it fail with E_DEAD (a fault in delivery reruns its instruction and
 * finds no handler), later sends fail with E_DEAD through the capability check.
 */
#ifndef KERNEL_GATE_H
#define KERNEL_GATE_H

#include "list.h"
#include "object.h"
#include <stdint.h>

struct thread;

/*
 * Holds on a gate (object.h): one per thread that has it as pager or exception
 * handler (thread.pager, thread.exc_handler), one per thread blocked sending
 * through it (thread.send_gate).
 */
struct gate {
    struct kobj obj;
    /* live gate: a live thread, and receiver_link is on its `gates` list;
     * dead gate: NULL (a gate never keeps its receiver's memory) */
    struct thread *receiver;
    struct list receiver_link;
    /* its label is obj.label (kobj_label), fixed at creation */
};

/* receiver must be live. */
struct gate *gate_create(struct thread *receiver, uint64_t label);
void gate_destroy(struct gate *gate);

/* Thread t is being destroyed: its gates die (their queued senders fail) and
 * the caller waiting for t's reply fails with E_DEAD (a fault reruns). */
void ipc_release_thread(struct thread *t);

/* These return an error code to complete the caller's syscall with, or
 * SYSCALL_DEFERRED if it blocked or was already completed. */
#define SYSCALL_DEFERRED (-1l)
long ipc_send(struct thread *sender, struct gate *gate, uint64_t timeout_us, int is_call);
long ipc_wait(struct thread *receiver, uint64_t timeout_us);
long ipc_reply(struct thread *replier, uint64_t tag);

/* Delivers t's fault (t->fault filled in; t the running thread) to handler
 * as a call; never fails: a fault waits for its handler as long as it takes.
 * Hands over directly (does not return) where the fastpath's conditions hold. */
void ipc_send_fault(struct thread *t, struct gate *handler);

/*
 * IPC fastpath (docs/kernel.md, "IPC fastpath"), entered from trap.S for an
 * ecall of IPC_CALL or IPC_REPLY_WAIT by t, the running thread. If the call
 * qualifies, does it exactly as the slow path would and switches straight to
 * the other thread; otherwise changes nothing and takes the slow path
 * (trap_syscall). Neither returns.
 */
void ipc_fast_call(struct thread *t) __attribute__((noreturn));
void ipc_fast_reply_wait(struct thread *t) __attribute__((noreturn));

/* Checks a tag and the sender's capability descriptors before sending. */
long ipc_check_message(struct thread *sender, uint64_t tag);

#endif
