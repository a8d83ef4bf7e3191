/* Blockers, capability checks and sandbox tasks: see destroy.h. */
#include "destroy.h"

#define MAX_BLOCKERS       64
#define BLOCKER_TAG(proto) FERRY_TAG(1, 0, proto)

static struct blocker blockers[MAX_BLOCKERS];
static unsigned blocker_count;

/* ---- blockers ---- */

static void __attribute__((noreturn)) park(void)
{
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

static struct sys_result blocker_call(struct blocker *b)
{
    switch (b->op) {
    case B_WAIT:
    case B_HOLD:
        sys_utcb()->rcv_window = b->window ? FERRY_RCV_WINDOW(b->window, 1) : 0;
        return sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER, 0, 0, 0);
    case B_CALL:
        sys_utcb()->mr[0] = b->thread;
        return sys_call6(FERRY_SYS_IPC_CALL, b->arg, BLOCKER_TAG(0xca11), FERRY_TIMEOUT_NEVER, 0, 0,
                         0);
    case B_SEND:
        sys_utcb()->mr[0] = b->thread;
        return sys_call6(FERRY_SYS_IPC_SEND, b->arg, BLOCKER_TAG(0x5e4d), FERRY_TIMEOUT_NEVER, 0, 0,
                         0);
    case B_IRQ_WAIT:
        return sys_call6(FERRY_SYS_IRQ_WAIT, b->arg, FERRY_TIMEOUT_NEVER, 0, 0, 0, 0);
    case B_SLEEP:
        return sys_call6(FERRY_SYS_THREAD_SLEEP, b->arg, 0, 0, 0, 0, 0);
    case B_SPIN:
        while (!b->stop)
            b->progress++;
        return (struct sys_result){.err = 0};
    case B_FAULT:
        (void)*(volatile uint64_t *)b->arg;
        return (struct sys_result){.err = 0};
    case B_DESTROY:
        return sys_call6(FERRY_SYS_TASK_UNMAP, OWN, b->arg, FERRY_UNMAP_DESTROY, 0, 0, 0);
    }
    return (struct sys_result){.err = -1};
}

static void blocker_main(void *arg)
{
    struct blocker *b = arg;
    b->progress = 1;
    struct sys_result r = blocker_call(b);
    b->result = r.err;
    b->tag = r.r1;
    b->label = r.r2;
    b->returned = true;
    park(); /* B_HOLD: without replying */
}

struct blocker *blocker_start(enum block_op op, uint64_t arg, uint64_t pager, unsigned prio)
{
    CHECK(blocker_count < MAX_BLOCKERS, "too many blockers");
    struct blocker *b = &blockers[blocker_count++];
    b->op = op;
    b->arg = arg;
    /* created below the root, so that it is set up before it first runs */
    b->thread = runtime_thread_spawn(blocker_main, b, 1);
    CHECK(b->thread != 0, "spawning a blocker failed");
    b->id = runtime_cap_info(OWN, b->thread).id;
    if (op == B_DESTROY)
        b->arg = b->thread;
    blocker_go(b, pager, prio);
    return b;
}

void blocker_go(struct blocker *b, uint64_t pager, unsigned prio)
{
    CHECK_ERR(sys_thread_configure(b->thread, pager, pager, prio, 0), FERRY_OK);
}

void let_run(void)
{
    CHECK_ERR(sys_sleep(30000), FERRY_OK); /* three time slices */
}

/* ---- capabilities ---- */

void destroy(uint64_t sel)
{
    CHECK_ERR(sys_task_unmap_flags(OWN, sel, FERRY_UNMAP_DESTROY), FERRY_OK);
    check_empty(sel);
}

void check_empty(uint64_t sel)
{
    struct sys_cap_info info = runtime_cap_info(OWN, sel);
    CHECK(info.type == FERRY_OBJ_NONE && info.id == 0 && info.flags == 0,
          "slot %lu not empty: type %lu id %lu flags %lx", (unsigned long)sel,
          (unsigned long)info.type, (unsigned long)info.id, (unsigned long)info.flags);
}

void check_dead(uint64_t sel, uint64_t type, uint64_t id)
{
    struct sys_cap_info info = runtime_cap_info(OWN, sel);
    CHECK(info.type == type && info.id == id && (info.flags & FERRY_CAP_DEAD),
          "slot %lu: type %lu id %lu flags %lx, expected a dead type %lu id %lu",
          (unsigned long)sel, (unsigned long)info.type, (unsigned long)info.id,
          (unsigned long)info.flags, (unsigned long)type, (unsigned long)id);
}

uint64_t check_live(uint64_t sel, uint64_t type)
{
    struct sys_cap_info info = runtime_cap_info(OWN, sel);
    CHECK(info.type == type && info.id != 0 && info.flags == 0,
          "slot %lu: type %lu id %lu flags %lx, expected a live type %lu", (unsigned long)sel,
          (unsigned long)info.type, (unsigned long)info.id, (unsigned long)info.flags,
          (unsigned long)type);
    return info.id;
}

uint64_t make_gate(uint64_t receiver, uint64_t label)
{
    return runtime_create(FERRY_OBJ_GATE, receiver, label);
}

uint64_t make_irq(uint64_t source, uint64_t label)
{
    return runtime_create(FERRY_OBJ_IRQ, source, label);
}

uint64_t run_state(uint64_t thread)
{
    CHECK_ERR(sys_thread_read(thread), FERRY_OK);
    return ((const struct ferry_thread_state *)sys_utcb()->buf)->run.state;
}

/* ---- sandbox tasks: code without TLS, on RAM shared with the root ---- */

#define SANDBOX_PAGES     2 /* context at the bottom, stack above it */
#define SANDBOX_UTCB_BASE 0x70000000ul
#define SANDBOX_SELF      1

void sandbox_entry(void);
void sandbox_main(struct sandbox_ctx *ctx) __attribute__((noreturn));

/* gp as crt0 sets it for the root task; tp stays unset (no TLS here) */
__asm__(".pushsection .text.sandbox_entry,\"ax\",@progbits\n"
        ".globl sandbox_entry\n"
        "sandbox_entry:\n"
        ".option push\n"
        ".option norelax\n"
        "la gp, __global_pointer$\n"
        ".option pop\n"
        "tail sandbox_main\n"
        ".popsection\n");

void sandbox_main(struct sandbox_ctx *ctx)
{
    struct sys_result r = {.err = 0};
    ctx->progress = 1;
    switch (ctx->op) {
    case S_WAIT_AND_HOLD:
        r = sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER, 0, 0, 0);
        break;
    case S_SLEEP:
        break;
    case S_DESTROY_TASK:
        r = sys_call6(FERRY_SYS_TASK_UNMAP, ctx->arg, ctx->arg, FERRY_UNMAP_DESTROY, 0, 0, 0);
        ctx->progress = 3; /* never reached: the task died with the call */
        break;
    }
    ctx->result = r.err;
    ctx->label = r.r2;
    if (ctx->op != S_SLEEP)
        ctx->progress = 2;
    for (;;)
        sys_call6(FERRY_SYS_THREAD_SLEEP, FERRY_TIMEOUT_NEVER, 0, 0, 0, 0, 0);
}

void sandbox_create(struct sandbox *sb)
{
    const struct ferry_bootinfo *bi = runtime_bootinfo;
    sb->task = runtime_create(FERRY_OBJ_TASK, 0, 0);
    sb->next_utcb = SANDBOX_UTCB_BASE;
    CHECK_ERR(sys_mem_map(sb->task, FERRY_ROOT_SEL_IMAGE, 0, bi->image_vaddr,
                          bi->image_size / FERRY_PAGE_SIZE, FERRY_RIGHT_R | FERRY_RIGHT_X),
              FERRY_OK);
    CHECK_ERR(sys_task_map(sb->task, sb->task, SANDBOX_SELF, FERRY_RIGHTS_ALL), FERRY_OK);
}

uint64_t sandbox_thread(struct sandbox *sb, enum sandbox_op op, uint64_t arg, unsigned prio,
                        struct sandbox_ctx **ctx_out)
{
    struct sandbox_ctx *ctx = runtime_alloc_pages(SANDBOX_PAGES);
    CHECK(ctx != 0, "out of RAM");
    CHECK_ERR(sys_mem_map(sb->task, runtime_bootinfo->ram[0].sel, runtime_ram_offset(ctx),
                          (uint64_t)ctx, SANDBOX_PAGES, FERRY_RIGHT_R | FERRY_RIGHT_W),
              FERRY_OK);
    ctx->op = op;
    ctx->arg = arg;
    uint64_t thread = runtime_create(FERRY_OBJ_THREAD, sb->task, sb->next_utcb);
    sb->next_utcb += FERRY_PAGE_SIZE;
    CHECK_ERR(sys_thread_configure(thread, 0, 0, prio, 0), FERRY_OK);
    CHECK_ERR(sys_thread_start(thread, (uint64_t)sandbox_entry,
                               (uint64_t)ctx + SANDBOX_PAGES * FERRY_PAGE_SIZE, (uint64_t)ctx),
              FERRY_OK);
    if (ctx_out)
        *ctx_out = ctx;
    return thread;
}
