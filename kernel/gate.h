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
 */
#ifndef KERNEL_GATE_H
#define KERNEL_GATE_H

#include "object.h"
#include <stdint.h>

struct thread;

struct gate {
    struct kobj obj;
    struct thread *receiver;
    uint64_t label;
};

struct gate *gate_create(struct thread *receiver, uint64_t label);

/* These return an error code to complete the caller's syscall with, or
 * SYSCALL_DEFERRED if it blocked or was already completed. */
#define SYSCALL_DEFERRED (-1l)
long ipc_send(struct thread *sender, struct gate *gate, uint64_t timeout_us, int is_call);
long ipc_wait(struct thread *receiver, uint64_t timeout_us);
long ipc_reply(struct thread *replier, uint64_t tag);

/* Delivers t's fault (t->fault filled in) to handler as a call; never fails:
 * a fault waits for its handler as long as it takes. */
void ipc_send_fault(struct thread *t, struct gate *handler);

/* Checks a tag and the sender's capability descriptors before sending. */
long ipc_check_message(struct thread *sender, uint64_t tag);

#endif
