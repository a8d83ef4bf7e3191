/*
 * A thread destroyed in each state it can be in, and what the threads it was
 * dealing with see: its gates die, its caller and the senders queued on it
 * fail with E_DEAD, a server it called no longer owes a reply, an IRQ it
 * waited on has no waiter, a timeout of it expires harmlessly. Faults:
 * states of a faulting thread and of its pager.
 */
#include "destroy.h"

#define FAULT_ADDR 0x7e000000ul /* never mapped in the root task */

/* The copy of a thread capability that outlives the destroyed original. */
static uint64_t thread_copy(struct blocker *b)
{
    return runtime_copy_cap(b->thread, FERRY_RIGHTS_ALL);
}

/* Destroys b's thread through its own slot and checks that a copy is dead. */
static void destroy_blocker(struct blocker *b)
{
    uint64_t copy = thread_copy(b);
    destroy(b->thread);
    check_dead(copy, FERRY_OBJ_THREAD, b->id);
    CHECK_ERR(sys_task_unmap(OWN, copy), FERRY_OK);
    check_empty(copy);
}

/* RECV: waiting in IPC_WAIT; its gate dies with it. */
static void state_recv(void)
{
    struct blocker *v = blocker_start(B_WAIT, 0, 0, BLOCKER_PRIO);
    uint64_t gate = make_gate(v->thread, 0x51);
    uint64_t gate_id = check_live(gate, FERRY_OBJ_GATE);
    destroy_blocker(v);
    CHECK(!v->returned, "a destroyed receiver returned from IPC_WAIT");
    check_dead(gate, FERRY_OBJ_GATE, gate_id);
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(0, 0, 1), 0, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(0, 0, 1), FERRY_TIMEOUT_NEVER), FERRY_E_DEAD);
    test_ok("thread in IPC_WAIT destroyed: its gates are dead (E_DEAD)");
}

/* SEND: queued on the root's send queue; its message is withdrawn. */
static void state_send(void)
{
    uint64_t gate = make_gate(FERRY_ROOT_SEL_THREAD, 0x52);
    struct blocker *v = blocker_start(B_CALL, gate, 0, BLOCKER_PRIO);
    struct blocker *w = blocker_start(B_SEND, gate, 0, BLOCKER_PRIO);
    destroy_blocker(v);
    uint64_t tag = 0, label = 0;
    CHECK_ERR(sys_ipc_wait(0, &tag, &label), FERRY_OK);
    CHECK(label == 0x52 && FERRY_TAG_PROTO(tag) == 0x5e4d && sys_utcb()->mr[0] == w->thread,
          "received tag %lx label %lx from %lu, expected the second sender's", (unsigned long)tag,
          (unsigned long)label, (unsigned long)sys_utcb()->mr[0]);
    CHECK(w->returned && w->result == FERRY_OK, "second sender: %ld", w->result);
    CHECK_ERR(sys_ipc_wait(0, 0, 0), FERRY_E_TIMEOUT);
    CHECK(!v->returned, "a destroyed sender returned");
    test_ok("thread in IPC_CALL's send phase destroyed: its message is withdrawn");
}

/* REPLY_WAIT: the root holds its call; the reply finds nobody. */
static void state_reply_wait(void)
{
    uint64_t gate = make_gate(FERRY_ROOT_SEL_THREAD, 0x53);
    struct blocker *v = blocker_start(B_CALL, gate, 0, BLOCKER_PRIO);
    uint64_t label = 0;
    CHECK_ERR(sys_ipc_wait(0, 0, &label), FERRY_OK);
    CHECK(label == 0x53, "label %lx", (unsigned long)label);
    destroy_blocker(v);
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(0, 0, 0)), FERRY_E_NOREPLY);
    CHECK(!v->returned, "a destroyed caller returned");
    test_ok("thread waiting for a reply destroyed: the server's reply gets E_NOREPLY");
}

/* A server destroyed while one caller waits for its reply and another is queued. */
static void state_server(void)
{
    struct blocker *server = blocker_start(B_HOLD, 0, 0, BLOCKER_PRIO);
    uint64_t gate = make_gate(server->thread, 0x54);
    uint64_t gate_id = check_live(gate, FERRY_OBJ_GATE);
    struct blocker *held = blocker_start(B_CALL, gate, 0, BLOCKER_PRIO);
    struct blocker *queued = blocker_start(B_CALL, gate, 0, BLOCKER_PRIO);
    CHECK(server->returned && server->label == 0x54, "server received nothing");
    CHECK(!held->returned && !queued->returned, "callers returned early");
    destroy_blocker(server);
    CHECK(held->returned && held->result == FERRY_E_DEAD, "caller in REPLY_WAIT: %ld",
          held->result);
    CHECK(queued->returned && queued->result == FERRY_E_DEAD, "queued caller: %ld", queued->result);
    check_dead(gate, FERRY_OBJ_GATE, gate_id);
    test_ok("server destroyed: its caller and its queued caller get E_DEAD");
}

/* IRQ_WAIT: the IRQ has no waiter afterwards. */
static void state_irq_wait(void)
{
    uint64_t irq = make_irq(0, 0x55);
    struct blocker *v = blocker_start(B_IRQ_WAIT, irq, 0, BLOCKER_PRIO);
    CHECK_ERR(sys_irq_wait(irq, 0), FERRY_E_BUSY);
    destroy_blocker(v);
    CHECK_ERR(sys_irq_wait(irq, 0), FERRY_E_TIMEOUT);
    CHECK_ERR(sys_irq_trigger(irq), FERRY_OK);
    CHECK_ERR(sys_irq_wait(irq, 0), FERRY_OK); /* nobody took the signal meanwhile */
    CHECK(!v->returned, "a destroyed IRQ waiter returned");
    test_ok("thread in IRQ_WAIT destroyed: the IRQ is free for another waiter");
}

/* SLEEP: its deadline passes without it. */
static void state_sleep(void)
{
    struct blocker *v = blocker_start(B_SLEEP, 20000, 0, BLOCKER_PRIO);
    struct blocker *forever = blocker_start(B_SLEEP, FERRY_TIMEOUT_NEVER, 0, BLOCKER_PRIO);
    destroy_blocker(v);
    destroy_blocker(forever);
    CHECK_ERR(sys_sleep(40000), FERRY_OK);
    CHECK(!v->returned && !forever->returned, "a destroyed sleeper returned");
    test_ok("sleeping thread destroyed: its timeout expires without it");
}

/* READY (preempted) and suspended: it never runs again. */
static void state_ready_suspended(void)
{
    struct blocker *ready = blocker_start(B_SPIN, 0, 0, SPIN_PRIO);
    struct blocker *suspended = blocker_start(B_SPIN, 0, 0, SPIN_PRIO);
    let_run();
    CHECK(ready->progress > 1 && suspended->progress > 1, "spinners did not run");
    CHECK_ERR(sys_thread_suspend(suspended->thread), FERRY_OK);
    destroy_blocker(ready);
    destroy_blocker(suspended);
    uint64_t p1 = ready->progress, p2 = suspended->progress;
    let_run();
    CHECK(ready->progress == p1 && suspended->progress == p2, "a destroyed thread ran");
    test_ok("ready and suspended threads destroyed: they never run again");
}

/* INACTIVE: never started. Its UTCB page is unmapped and free again. */
static void state_inactive(void)
{
    const uint64_t utcb = 0x68000000ul;
    uint64_t thread = runtime_create(FERRY_OBJ_THREAD, OWN, utcb);
    uint64_t info = 0;
    CHECK_ERR(sys_mem_query(OWN, utcb, 0, &info), FERRY_OK);
    CHECK(info & FERRY_MEMQ_MAPPED, "UTCB not mapped");
    uint64_t id = check_live(thread, FERRY_OBJ_THREAD);
    uint64_t copy = runtime_copy_cap(thread, FERRY_RIGHTS_ALL);
    destroy(thread);
    check_dead(copy, FERRY_OBJ_THREAD, id);
    CHECK_ERR(sys_mem_query(OWN, utcb, 0, &info), FERRY_OK);
    CHECK(!(info & FERRY_MEMQ_MAPPED), "UTCB still mapped: %lx", (unsigned long)info);
    /* the address can take the next thread's UTCB */
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, thread, OWN, utcb), FERRY_OK);
    destroy(thread);
    CHECK_ERR(sys_task_unmap(OWN, copy), FERRY_OK);
    test_ok("inactive thread destroyed: its UTCB is unmapped, the address reusable");
}

void test_states(void)
{
    state_recv();
    state_send();
    state_reply_wait();
    state_server();
    state_irq_wait();
    state_sleep();
    state_ready_suspended();
    state_inactive();
}

/* ---- faults ---- */

/* FAULTED: no pager, halted. */
static void fault_halted(void)
{
    struct blocker *v = blocker_start(B_FAULT, FAULT_ADDR, 0, BLOCKER_PRIO);
    CHECK(run_state(v->thread) == FERRY_RUN_FAULTED, "not faulted");
    destroy_blocker(v);
    test_ok("faulted thread destroyed");
}

/* A fault queued at a pager that is not receiving; the pager gate is destroyed:
 * the thread reruns its instruction and finds its pager dead. */
static void fault_pager_gate_destroyed(void)
{
    struct blocker *pager = blocker_start(B_SLEEP, FERRY_TIMEOUT_NEVER, 0, BLOCKER_PRIO);
    uint64_t gate = make_gate(pager->thread, 0x61);
    struct blocker *v = blocker_start(B_FAULT, FAULT_ADDR, gate, BLOCKER_PRIO);
    CHECK_ERR(sys_thread_read(v->thread), FERRY_E_BUSY); /* blocked: not readable */
    destroy(gate);
    CHECK(run_state(v->thread) == FERRY_RUN_FAULTED, "fault to a dead pager: not halted");
    CHECK(!v->returned, "the faulting load completed");
    destroy_blocker(v);
    destroy_blocker(pager);
    test_ok("pager gate destroyed while a fault waits in it: the thread halts (dead pager)");
}

/* The faulting thread is destroyed while its fault waits in the pager's queue. */
static void fault_sender_destroyed(void)
{
    uint64_t gate = make_gate(FERRY_ROOT_SEL_THREAD, 0x62);
    struct blocker *v = blocker_start(B_FAULT, FAULT_ADDR, gate, BLOCKER_PRIO);
    destroy_blocker(v);
    CHECK_ERR(sys_ipc_wait(0, 0, 0), FERRY_E_TIMEOUT); /* the fault left the root's queue */
    destroy(gate);
    test_ok("faulting thread destroyed while its fault is queued: the fault is withdrawn");
}

/* The pager holds the fault (REPLY_WAIT) and is destroyed: the thread halts. */
static void fault_pager_thread_destroyed(void)
{
    struct blocker *pager = blocker_start(B_HOLD, 0, 0, BLOCKER_PRIO);
    uint64_t gate = make_gate(pager->thread, 0x63);
    struct blocker *v = blocker_start(B_FAULT, FAULT_ADDR, gate, BLOCKER_PRIO);
    CHECK(pager->returned && pager->label == 0x63 &&
              FERRY_TAG_PROTO(pager->tag) == FERRY_PROTO_PAGE_FAULT,
          "the pager got no fault: tag %lx", (unsigned long)pager->tag);
    destroy_blocker(pager);
    CHECK(run_state(v->thread) == FERRY_RUN_FAULTED, "fault of a dead pager: not halted");
    destroy_blocker(v);
    destroy(gate);
    test_ok("pager thread destroyed while it holds a fault: the thread halts (dead pager)");
}

void test_faults(void)
{
    fault_halted();
    fault_pager_gate_destroyed();
    fault_sender_destroyed();
    fault_pager_thread_destroyed();
}
