/*
 * Destroying each type of object, operations through dead capabilities,
 * TASK_UNMAP's errors, threads destroying themselves or their own task, and
 * the reference counting rules (object.h): what a plain unmap of the last
 * capability frees and what it leaves alone.
 */
#include <ferry/macros.h>
#include "destroy.h"

#define FAULT_ADDR 0x7e000000ul

/* ---- errors ---- */

void test_errors(void)
{
    uint64_t gate = make_gate(FERRY_ROOT_SEL_THREAD, 0x11);
    uint64_t gate_r = runtime_copy_cap(gate, FERRY_RIGHT_R | FERRY_RIGHT_G);
    uint64_t own_r = runtime_copy_cap(OWN, FERRY_RIGHT_R);
    uint64_t image = runtime_copy_cap(FERRY_ROOT_SEL_IMAGE, FERRY_RIGHTS_ALL);
    uint64_t factory = runtime_copy_cap(FERRY_ROOT_SEL_FACTORY, FERRY_RIGHTS_ALL);
    uint64_t empty = runtime_alloc_sel();
    const uint64_t D = FERRY_UNMAP_DESTROY;

    CHECK_ERR(sys_task_unmap_flags(OWN, gate_r, D), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_task_unmap_flags(own_r, gate, D), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_task_unmap_flags(OWN, image, D), FERRY_E_INVAL);
    CHECK_ERR(sys_task_unmap_flags(OWN, factory, D), FERRY_E_INVAL);
    CHECK_ERR(sys_task_unmap_flags(OWN, FERRY_ROOT_SEL_RAM, D), FERRY_E_INVAL);
    CHECK_ERR(sys_task_unmap_flags(OWN, empty, D), FERRY_E_BADSEL);
    CHECK_ERR(sys_task_unmap_flags(OWN, 0, D), FERRY_E_BADSEL);
    CHECK_ERR(sys_task_unmap_flags(OWN, 16384, D), FERRY_E_BADSEL);
    CHECK_ERR(sys_task_unmap_flags(OWN, gate, 2), FERRY_E_INVAL);
    CHECK_ERR(sys_task_unmap_flags(OWN, gate, D | 4), FERRY_E_INVAL);
    CHECK_ERR(sys_task_unmap_flags(gate, gate, D), FERRY_E_BADTYPE);
    /* nothing changed */
    check_live(gate, FERRY_OBJ_GATE);
    check_live(gate_r, FERRY_OBJ_GATE);
    check_live(image, FERRY_OBJ_MEMORY);
    check_live(factory, FERRY_OBJ_FACTORY);
    check_live(FERRY_ROOT_SEL_RAM, FERRY_OBJ_MEMORY);
    check_empty(empty);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(0, 0, 0), 0), FERRY_E_TIMEOUT); /* still live */
    /* memory and the factory can still be unmapped like any capability */
    CHECK_ERR(sys_task_unmap(OWN, image), FERRY_OK);
    CHECK_ERR(sys_task_unmap(OWN, factory), FERRY_OK);
    CHECK_ERR(sys_task_unmap(OWN, own_r), FERRY_OK);
    destroy(gate);
    CHECK_ERR(sys_task_unmap(OWN, gate_r), FERRY_OK);
    test_ok("destroy errors: E_NORIGHTS (slot or task without W), E_INVAL (memory, factory, "
            "flags), E_BADSEL");
}

/* ---- threads destroying themselves ---- */

static void self_thread(void)
{
    /* below the root: it waits until its copy is made, then is raised above it */
    struct blocker *self = blocker_start(B_DESTROY, 0, 0, 1);
    uint64_t copy = runtime_copy_cap(self->thread, FERRY_RIGHTS_ALL);
    blocker_go(self, 0, BLOCKER_PRIO);
    CHECK(self->progress == 1 && !self->returned, "the self-destroying call returned: %ld",
          self->result);
    check_empty(self->thread);
    check_dead(copy, FERRY_OBJ_THREAD, self->id);
    CHECK_ERR(sys_task_unmap(OWN, copy), FERRY_OK);
    test_ok("a thread destroys itself: its call never returns, the kernel runs on");
}

static void self_task(void)
{
    struct sandbox sb;
    sandbox_create(&sb);
    struct sandbox_ctx *sleeper_ctx, *ctx;
    uint64_t sleeper = sandbox_thread(&sb, S_SLEEP, 0, BLOCKER_PRIO, &sleeper_ctx);
    uint64_t sleeper_id = check_live(sleeper, FERRY_OBJ_THREAD);
    uint64_t task_id = check_live(sb.task, FERRY_OBJ_TASK);
    /* below the root: set up before it runs; then raised above it */
    uint64_t killer = sandbox_thread(&sb, S_DESTROY_TASK, 1, 1, &ctx);
    uint64_t killer_id = check_live(killer, FERRY_OBJ_THREAD);
    CHECK(sleeper_ctx->progress == 1 && ctx->progress == 0, "sandbox threads did not start");
    CHECK_ERR(sys_thread_configure(killer, 0, 0, BLOCKER_PRIO, 0), FERRY_OK);
    /* it ran: destroyed its task, itself with it, and the kernel came back here */
    CHECK(ctx->progress == 1, "the task-destroying call returned (progress %lu, %s)",
          (unsigned long)ctx->progress, ferry_error_name(ctx->result));
    check_dead(sb.task, FERRY_OBJ_TASK, task_id);
    check_dead(killer, FERRY_OBJ_THREAD, killer_id);
    check_dead(sleeper, FERRY_OBJ_THREAD, sleeper_id);
    CHECK_ERR(sys_task_cap_info(sb.task, 1, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_task_unmap(OWN, killer), FERRY_OK);
    CHECK_ERR(sys_task_unmap(OWN, sleeper), FERRY_OK);
    CHECK_ERR(sys_task_unmap(OWN, sb.task), FERRY_OK);
    test_ok("a thread destroys its own task (its own capability space): the kernel runs on");
}

void test_self(void)
{
    self_thread();
    self_task();
}

/* ---- gates ---- */

void test_gates(void)
{
    struct blocker *receiver = blocker_start(B_SLEEP, FERRY_TIMEOUT_NEVER, 0, BLOCKER_PRIO);
    uint64_t a = make_gate(receiver->thread, 0xa1), b = make_gate(receiver->thread, 0xb1);
    uint64_t a_id = check_live(a, FERRY_OBJ_GATE), b_id = check_live(b, FERRY_OBJ_GATE);
    uint64_t a_copy = runtime_copy_cap(a, FERRY_RIGHT_W | FERRY_RIGHT_G);
    struct blocker *call_a = blocker_start(B_CALL, a, 0, BLOCKER_PRIO);
    struct blocker *send_a = blocker_start(B_SEND, a, 0, BLOCKER_PRIO);
    struct blocker *call_b = blocker_start(B_CALL, b, 0, BLOCKER_PRIO);
    CHECK(!call_a->returned && !send_a->returned && !call_b->returned, "senders not queued");

    destroy(a);
    CHECK(call_a->returned && call_a->result == FERRY_E_DEAD, "queued call: %ld", call_a->result);
    CHECK(send_a->returned && send_a->result == FERRY_E_DEAD, "queued send: %ld", send_a->result);
    CHECK(!call_b->returned, "a sender through another gate of the receiver was failed");
    check_dead(a_copy, FERRY_OBJ_GATE, a_id);
    struct sys_cap_info info = runtime_cap_info(OWN, a_copy);
    CHECK(info.label == 0xa1 && info.rights == (FERRY_RIGHT_W | FERRY_RIGHT_G),
          "dead gate's label %lx rights %lx", (unsigned long)info.label,
          (unsigned long)info.rights);
    CHECK_ERR(sys_ipc_call(a_copy, FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_NEVER, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_ipc_send(a_copy, FERRY_TAG(0, 0, 0), 0), FERRY_E_DEAD);

    /* the receiver goes: its other gate dies, its queued caller fails */
    destroy(receiver->thread);
    CHECK(call_b->returned && call_b->result == FERRY_E_DEAD, "caller of the dead receiver: %ld",
          call_b->result);
    check_dead(b, FERRY_OBJ_GATE, b_id);
    CHECK_ERR(sys_task_unmap(OWN, b), FERRY_OK);
    CHECK_ERR(sys_task_unmap(OWN, a_copy), FERRY_OK);
    test_ok("gate destroyed: its queued senders get E_DEAD, later sends E_DEAD, other gates "
            "unaffected; all gates die with their receiver");
}

/* ---- IRQs ---- */

static void irq_software(void)
{
    uint64_t irq = make_irq(0, 0x1a);
    uint64_t id = check_live(irq, FERRY_OBJ_IRQ);
    uint64_t copy = runtime_copy_cap(irq, FERRY_RIGHTS_ALL);
    struct blocker *waiter = blocker_start(B_IRQ_WAIT, irq, 0, BLOCKER_PRIO);
    CHECK(!waiter->returned, "waiter did not block");
    destroy(irq);
    CHECK(waiter->returned && waiter->result == FERRY_E_DEAD, "IRQ waiter: %ld", waiter->result);
    check_dead(copy, FERRY_OBJ_IRQ, id);
    CHECK(runtime_cap_info(OWN, copy).label == 0x1a, "dead IRQ lost its label");
    CHECK_ERR(sys_irq_wait(copy, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_irq_trigger(copy), FERRY_E_DEAD);
    CHECK_ERR(sys_irq_ack(copy), FERRY_E_DEAD);
    CHECK_ERR(sys_task_unmap(OWN, copy), FERRY_OK);
}

/* A PLIC source is bound to one IRQ object at a time; destroying it, or
 * unmapping its last capability, frees the source for a new one. */
static void irq_hardware(void)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    CHECK(bi->device_count > 0 && bi->devices[0].irq, "no device with an IRQ");
    uint64_t source = bi->devices[0].irq;
    uint64_t irq = make_irq(source, 0x2a);
    uint64_t other = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, other, source, 0), FERRY_E_BUSY);
    struct blocker *waiter = blocker_start(B_IRQ_WAIT, irq, 0, BLOCKER_PRIO);
    destroy(irq);
    CHECK(waiter->returned && waiter->result == FERRY_E_DEAD, "hardware IRQ waiter: %ld",
          waiter->result);
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, other, source, 0), FERRY_OK);
    CHECK_ERR(sys_task_unmap(OWN, other), FERRY_OK); /* the last capability: freed */
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, other, source, 0), FERRY_OK);
    destroy(other);
}

void test_irqs(void)
{
    irq_software();
    irq_hardware();
    test_ok("IRQ destroyed: its waiter gets E_DEAD, later calls E_DEAD, a PLIC source is free "
            "again");
}

/* ---- tasks ---- */

void test_tasks(void)
{
    struct sandbox sb;
    sandbox_create(&sb);
    uint64_t task_copy = runtime_copy_cap(sb.task, FERRY_RIGHTS_ALL);
    uint64_t task_id = check_live(sb.task, FERRY_OBJ_TASK);

    /* a server in it holding a call of a root thread, with another call queued */
    struct sandbox_ctx *server_ctx, *sleeper_ctx;
    uint64_t server = sandbox_thread(&sb, S_WAIT_AND_HOLD, 0, BLOCKER_PRIO, &server_ctx);
    uint64_t gate = make_gate(server, 0x7a);
    struct blocker *held = blocker_start(B_CALL, gate, 0, BLOCKER_PRIO);
    struct blocker *queued = blocker_start(B_CALL, gate, 0, BLOCKER_PRIO);
    CHECK(server_ctx->progress == 2 && server_ctx->label == 0x7a, "sandbox server got nothing");
    uint64_t sleeper = sandbox_thread(&sb, S_SLEEP, 0, BLOCKER_PRIO, &sleeper_ctx);
    uint64_t inactive = runtime_create(FERRY_OBJ_THREAD, sb.task, 0x71000000ul);
    uint64_t ids[3] = {check_live(server, FERRY_OBJ_THREAD), check_live(sleeper, FERRY_OBJ_THREAD),
                       check_live(inactive, FERRY_OBJ_THREAD)};
    uint64_t gate_id = check_live(gate, FERRY_OBJ_GATE);

    /* capabilities in its space besides its own task (slot 1): a gate to the
     * root, a root thread, its own server's gate */
    uint64_t root_gate = make_gate(FERRY_ROOT_SEL_THREAD, 0x7b);
    struct blocker *outsider = blocker_start(B_SLEEP, FERRY_TIMEOUT_NEVER, 0, BLOCKER_PRIO);
    CHECK_ERR(sys_task_map(sb.task, root_gate, 2, FERRY_RIGHTS_ALL), FERRY_OK);
    CHECK_ERR(sys_task_map(sb.task, outsider->thread, 3, FERRY_RIGHTS_ALL), FERRY_OK);
    CHECK_ERR(sys_task_map(sb.task, gate, 4, FERRY_RIGHTS_ALL), FERRY_OK);
    server_ctx->result = 0x5a5a; /* RAM mapped into it: must survive it */

    destroy(sb.task);
    check_dead(task_copy, FERRY_OBJ_TASK, task_id);
    check_dead(server, FERRY_OBJ_THREAD, ids[0]);
    check_dead(sleeper, FERRY_OBJ_THREAD, ids[1]);
    check_dead(inactive, FERRY_OBJ_THREAD, ids[2]);
    check_dead(gate, FERRY_OBJ_GATE, gate_id);
    CHECK(held->returned && held->result == FERRY_E_DEAD, "caller held in the task: %ld",
          held->result);
    CHECK(queued->returned && queued->result == FERRY_E_DEAD, "caller queued in the task: %ld",
          queued->result);
    /* what its capability space named lives on */
    check_live(root_gate, FERRY_OBJ_GATE);
    CHECK_ERR(sys_ipc_send(root_gate, FERRY_TAG(0, 0, 0), 0), FERRY_E_TIMEOUT);
    check_live(outsider->thread, FERRY_OBJ_THREAD);
    CHECK(server_ctx->result == 0x5a5a && server_ctx->progress == 2, "shared RAM changed");
    /* a dead task takes nothing */
    CHECK_ERR(sys_mem_map(task_copy, runtime_bootinfo->ram[0].sel, 0, 0x100000, 1, FERRY_RIGHT_R),
              FERRY_E_DEAD);
    CHECK_ERR(sys_mem_unmap(task_copy, 0x100000, 1), FERRY_E_DEAD);
    CHECK_ERR(sys_mem_query(task_copy, 0x100000, 0, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_task_map(task_copy, root_gate, 5, FERRY_RIGHTS_ALL), FERRY_E_DEAD);
    CHECK_ERR(sys_task_unmap(task_copy, 1), FERRY_E_DEAD);
    CHECK_ERR(sys_task_cap_info(task_copy, 1, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_task_cap_next(task_copy, 1, 0), FERRY_E_DEAD);
    uint64_t slot = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, slot, task_copy, 0x72000000ul),
              FERRY_E_DEAD);
    check_empty(slot);
    const uint64_t dead[] = {task_copy, server, sleeper, inactive, gate};
    for (unsigned i = 0; i < ARRAY_SIZE(dead); i++) {
        CHECK_ERR(sys_task_unmap(OWN, dead[i]), FERRY_OK);
        check_empty(dead[i]);
    }
    destroy(outsider->thread);
    destroy(root_gate);
    test_ok("task destroyed: its threads, their gates and callers, its capability space (own "
            "task included) and page tables go; what it named and its RAM stay");
}

/* ---- operations through dead capabilities ---- */

void test_dead_caps(void)
{
    struct blocker *v = blocker_start(B_SLEEP, FERRY_TIMEOUT_NEVER, 0, BLOCKER_PRIO);
    uint64_t thread = runtime_copy_cap(v->thread, FERRY_RIGHTS_ALL);
    uint64_t gate = make_gate(v->thread, 0xde);
    destroy(v->thread);
    uint64_t slot = runtime_alloc_sel();
    CHECK_ERR(sys_thread_configure(thread, 0, 0, 1, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_thread_start(thread, 0x10000, 0, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_thread_suspend(thread), FERRY_E_DEAD);
    CHECK_ERR(sys_thread_resume(thread), FERRY_E_DEAD);
    CHECK_ERR(sys_thread_read(thread), FERRY_E_DEAD);
    CHECK_ERR(sys_thread_write(thread), FERRY_E_DEAD);
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, slot, thread, 0), FERRY_E_DEAD);
    check_empty(slot);

    /* a dead gate is no pager; a live thread cannot take it */
    struct blocker *w = blocker_start(B_SLEEP, FERRY_TIMEOUT_NEVER, 0, BLOCKER_PRIO);
    CHECK_ERR(sys_thread_configure(w->thread, gate, 0, BLOCKER_PRIO, 0), FERRY_E_DEAD);
    CHECK_ERR(sys_thread_configure(w->thread, 0, gate, BLOCKER_PRIO, 0), FERRY_E_DEAD);

    /* dead capabilities can be copied and sent: they stay dead */
    uint64_t copy = runtime_copy_cap(gate, FERRY_RIGHT_W | FERRY_RIGHT_G);
    uint64_t gate_id = runtime_cap_info(OWN, gate).id;
    check_dead(copy, FERRY_OBJ_GATE, gate_id);
    struct blocker *receiver = blocker_start(B_WAIT, 0, 0, 1);
    receiver->window = runtime_alloc_sel();
    blocker_go(receiver, 0, BLOCKER_PRIO);
    uint64_t to_receiver = make_gate(receiver->thread, 0xe0);
    sys_utcb()->snd_cap[0] = FERRY_CAPDESC(gate, FERRY_RIGHTS_ALL);
    CHECK_ERR(sys_ipc_send(to_receiver, FERRY_TAG(0, 1, 0x5e), 0), FERRY_OK);
    CHECK(receiver->returned && receiver->result == FERRY_OK &&
              !(FERRY_TAG_FLAGS(receiver->tag) & FERRY_TAG_FLAG_CAPFAIL),
          "receiver: %ld tag %lx", receiver->result, (unsigned long)receiver->tag);
    check_dead(receiver->window, FERRY_OBJ_GATE, gate_id);
    CHECK_ERR(sys_task_unmap(OWN, receiver->window), FERRY_OK);
    destroy(to_receiver);

    /* unmapping dead capabilities, plainly or with DESTROY again */
    CHECK_ERR(sys_task_unmap(OWN, thread), FERRY_OK);
    CHECK_ERR(sys_task_unmap_flags(OWN, gate, FERRY_UNMAP_DESTROY), FERRY_OK);
    check_empty(gate);
    CHECK_ERR(sys_task_unmap_flags(OWN, copy, FERRY_UNMAP_DESTROY), FERRY_OK);
    check_empty(copy);
    destroy(w->thread);
    destroy(receiver->thread);
    test_ok("dead capabilities: every operation E_DEAD, no new object or pager from them; "
            "they can be copied and unmapped");
}

/* ---- reference counting ---- */

void test_refcount(void)
{
    /* a live thread without capabilities runs on: only a destroy stops it */
    struct blocker *spinner = blocker_start(B_SPIN, 0, 0, SPIN_PRIO);
    let_run();
    CHECK_ERR(sys_task_unmap(OWN, spinner->thread), FERRY_OK);
    uint64_t before = spinner->progress;
    let_run();
    CHECK(spinner->progress > before, "a thread stopped when its last capability went");
    spinner->stop = true; /* it sleeps for good: a live thread nobody can name */
    let_run();

    /* a gate outlives its last capability while a thread has it as pager */
    uint64_t gate = make_gate(FERRY_ROOT_SEL_THREAD, 0x6a);
    struct blocker *faulter = blocker_start(B_FAULT, FAULT_ADDR, gate, BLOCKER_PRIO);
    CHECK_ERR(sys_task_unmap(OWN, gate), FERRY_OK);
    uint64_t tag = 0, label = 0;
    CHECK_ERR(sys_ipc_wait(0, &tag, &label), FERRY_OK);
    CHECK(label == 0x6a && FERRY_TAG_PROTO(tag) == FERRY_PROTO_PAGE_FAULT,
          "fault through the unmapped pager gate: tag %lx label %lx", (unsigned long)tag,
          (unsigned long)label);
    destroy(faulter->thread); /* drops the gate's last hold: it is freed */
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(0, 0, 0)), FERRY_E_NOREPLY);

    /* an IRQ outlives its last capability while a thread waits on it */
    uint64_t irq = make_irq(0, 0x6b);
    struct blocker *waiter = blocker_start(B_IRQ_WAIT, irq, 0, BLOCKER_PRIO);
    CHECK_ERR(sys_task_unmap(OWN, irq), FERRY_OK);
    let_run();
    CHECK(!waiter->returned, "the IRQ waiter was woken when its last capability went");
    destroy(waiter->thread);
    test_ok("unmapping the last capability: a live thread runs on, a gate or IRQ lives while "
            "a thread holds it");
}
