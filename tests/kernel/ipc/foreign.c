/*
 * IPC with a server in a second task F, and capability transfer into it.
 *
 * F gets the root task's image mapped at the same addresses, so its thread
 * runs foreign_main below. F has no TLS (the kernel never sets tp): the server
 * uses raw system calls and the UTCB address it is given, never printf,
 * CHECK or sys_utcb(). Its stack and `struct foreign_ctx` live in RAM mapped
 * at the same address in both tasks, so the root task sees what it records.
 *
 * Protocol: every message is answered with a report (REP_*): the receive
 * result, the label and tag seen, word 1 + 1, and for the first two slots of
 * the receive window what the kernel wrote (rcv_type/rcv_label) and what
 * TASK_CAP_INFO on F's own task says about the slot. mr[0] == CMD_SET_WINDOW
 * first sets the window to mr[1] (for this report and later messages).
 */
#include <ferry/macros.h>
#include "ipc.h"

#define F_UTCB_VA 0x70000000ul
#define F_SHARED_PAGES 4 /* context at the bottom, stack above it */
#define F_SELF 1         /* F's own task (R only) in F's capability space */
#define F_LABEL 0xf00d
#define F_LABEL2 0xf00e
#define X_LABEL 0x1234 /* label of the gate that travels */
#define WINDOW 100
#define POISON 0xdeadbeeful /* rcv_type/rcv_label before a receive */

enum { CMD_REPORT = 1, CMD_SET_WINDOW = 2 };
enum { REP_ERR, REP_LABEL, REP_TAG, REP_WORD1, REP_CAP0 };
enum { CAP_TYPE, CAP_LABEL, CAP_INFO_ERR, CAP_INFO_TYPE_RIGHTS, CAP_INFO_LABEL, CAP_INFO_ID,
       CAP_STRIDE };
#define REP_CAPS 2
#define REP_WORDS (REP_CAP0 + REP_CAPS * CAP_STRIDE)
#define REP_PROTO 0xf1
#define CALL_PROTO 0x33

struct foreign_ctx {
    uint64_t utcb_va;
    volatile uint64_t served; /* messages the server received */
};

/* ---- the server, running in F ---- */

void foreign_entry(void);
void foreign_main(struct foreign_ctx *ctx) __attribute__((noreturn));

/* F's thread starts here: gp as crt0 sets it for the root task, tp unset. */
__asm__(".pushsection .text.foreign_entry,\"ax\",@progbits\n"
        ".globl foreign_entry\n"
        "foreign_entry:\n"
        ".option push\n"
        ".option norelax\n"
        "la gp, __global_pointer$\n"
        ".option pop\n"
        "tail foreign_main\n"
        ".popsection\n");

/* So that a report of NONE proves the kernel wrote it. */
static void poison_receive_info(struct ferry_utcb *u)
{
    for (unsigned i = 0; i < FERRY_MSG_CAPS; i++) {
        u->rcv_type[i] = POISON;
        u->rcv_label[i] = POISON;
    }
}

/* Builds the report on a received message in the UTCB; returns the reply tag. */
static uint64_t foreign_serve(struct foreign_ctx *ctx, struct ferry_utcb *u, struct sys_result r)
{
    uint64_t rep[REP_WORDS];
    uint64_t words = FERRY_TAG_WORDS(r.r1);
    rep[REP_ERR] = (uint64_t)r.err;
    rep[REP_LABEL] = r.r2;
    rep[REP_TAG] = r.r1;
    rep[REP_WORD1] = words > 1 ? u->mr[1] + 1 : 0;
    if (words > 1 && u->mr[0] == CMD_SET_WINDOW)
        u->rcv_window = u->mr[1];
    uint64_t first = u->rcv_window & 0xffffffffu;
    for (unsigned i = 0; i < REP_CAPS; i++) {
        uint64_t *c = &rep[REP_CAP0 + i * CAP_STRIDE];
        struct sys_result info = sys_call6(FERRY_SYS_TASK_CAP_INFO, F_SELF, first + i, 0, 0, 0, 0);
        c[CAP_TYPE] = u->rcv_type[i];
        c[CAP_LABEL] = u->rcv_label[i];
        c[CAP_INFO_ERR] = (uint64_t)info.err;
        c[CAP_INFO_TYPE_RIGHTS] = info.r1;
        c[CAP_INFO_LABEL] = info.r2;
        c[CAP_INFO_ID] = info.r3;
    }
    for (unsigned i = 0; i < REP_WORDS; i++)
        u->mr[i] = rep[i];
    ctx->served++;
    return FERRY_TAG(REP_WORDS, 0, REP_PROTO);
}

void foreign_main(struct foreign_ctx *ctx)
{
    struct ferry_utcb *u = (struct ferry_utcb *)ctx->utcb_va;
    poison_receive_info(u);
    struct sys_result r = sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER, 0, 0, 0);
    for (;;) {
        uint64_t rtag = foreign_serve(ctx, u, r);
        poison_receive_info(u);
        r = sys_call6(FERRY_SYS_IPC_REPLY_WAIT, 0, rtag, FERRY_TIMEOUT_NEVER, 0, 0, 0);
        if (r.err == FERRY_E_NOREPLY) /* a one-way send: just wait */
            r = sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER, 0, 0, 0);
    }
}

/* ---- the root task's side ---- */

static struct foreign_ctx *ctx;
static uint64_t f_task, f_gate, f_gate2;

static void start_foreign(const struct ferry_bootinfo *bi)
{
    f_task = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, f_task, 0, 0), FERRY_OK);
    CHECK_ERR(sys_mem_map(f_task, FERRY_ROOT_SEL_IMAGE, 0, bi->image_vaddr,
                          bi->image_size / FERRY_PAGE_SIZE,
                          FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X),
              FERRY_OK);
    uint8_t *shared = runtime_alloc_pages(F_SHARED_PAGES);
    CHECK(shared != 0, "out of RAM");
    CHECK_ERR(sys_mem_map(f_task, bi->ram[0].sel, runtime_ram_offset(shared), (uint64_t)shared,
                          F_SHARED_PAGES, FERRY_RIGHT_R | FERRY_RIGHT_W),
              FERRY_OK);
    ctx = (struct foreign_ctx *)shared;
    ctx->utcb_va = F_UTCB_VA;

    uint64_t thread = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, thread, f_task, F_UTCB_VA),
              FERRY_OK);
    CHECK_ERR(sys_thread_configure(thread, 0, 0, SERVER_PRIO, 0), FERRY_OK);
    CHECK_ERR(sys_task_map(f_task, f_task, F_SELF, FERRY_RIGHT_R), FERRY_OK);
    f_gate = new_gate(thread, F_LABEL);
    f_gate2 = new_gate(thread, F_LABEL2);
    CHECK_ERR(sys_thread_start(thread, (uint64_t)foreign_entry,
                               (uint64_t)(shared + F_SHARED_PAGES * FERRY_PAGE_SIZE),
                               (uint64_t)ctx),
              FERRY_OK);
}

/* Calls F with words {cmd, arg} and `caps` capabilities (snd_cap set by the
 * caller). On success the report is in our mr[]. */
static long foreign_call(uint64_t gate, uint64_t cmd, uint64_t arg, unsigned caps)
{
    struct ferry_utcb *u = sys_utcb();
    u->mr[0] = cmd;
    u->mr[1] = arg;
    uint64_t rtag;
    long err = sys_ipc_call(gate, FERRY_TAG(2, caps, CALL_PROTO), FERRY_TIMEOUT_NEVER, &rtag);
    if (err == FERRY_OK) {
        CHECK(rtag == FERRY_TAG(REP_WORDS, 0, REP_PROTO), "reply tag %lx", (unsigned long)rtag);
        CHECK(u->mr[REP_ERR] == FERRY_OK, "server's receive failed: %s",
              ferry_error_name((long)u->mr[REP_ERR]));
        CHECK(u->mr[REP_WORD1] == arg + 1, "word 1: %lx", (unsigned long)u->mr[REP_WORD1]);
    }
    return err;
}

static const uint64_t *report(void)
{
    return sys_utcb()->mr;
}

static const uint64_t *report_cap(unsigned i)
{
    return &sys_utcb()->mr[REP_CAP0 + i * CAP_STRIDE];
}

static void set_window(uint64_t first, uint64_t count)
{
    CHECK_ERR(foreign_call(f_gate, CMD_SET_WINDOW, FERRY_RCV_WINDOW(first, count), 0), FERRY_OK);
}

/* The tag F received had `caps` capabilities and the CAPFAIL flag `capfail`. */
static void check_received_tag(unsigned caps, int capfail)
{
    uint64_t tag = report()[REP_TAG];
    CHECK(FERRY_TAG_WORDS(tag) == 2 && FERRY_TAG_CAPS(tag) == caps &&
              FERRY_TAG_PROTO(tag) == CALL_PROTO,
          "received tag %lx", (unsigned long)tag);
    CHECK(FERRY_TAG_FLAGS(tag) == (capfail ? FERRY_TAG_FLAG_CAPFAIL : 0u), "received tag %lx",
          (unsigned long)tag);
}

/* Capability i of the last message is in F's slot WINDOW + i, as F and we see it. */
static void check_arrived(unsigned i, uint64_t type, uint64_t rights, uint64_t label, uint64_t id)
{
    const uint64_t *c = report_cap(i);
    CHECK(c[CAP_TYPE] == type && c[CAP_LABEL] == label, "cap %u: rcv_type %lx rcv_label %lx", i,
          (unsigned long)c[CAP_TYPE], (unsigned long)c[CAP_LABEL]);
    CHECK(c[CAP_INFO_ERR] == FERRY_OK && c[CAP_INFO_TYPE_RIGHTS] == (type | rights << 8) &&
              c[CAP_INFO_LABEL] == label && c[CAP_INFO_ID] == id,
          "cap %u in F's view: %s type/rights %lx label %lx id %lu", i,
          ferry_error_name((long)c[CAP_INFO_ERR]), (unsigned long)c[CAP_INFO_TYPE_RIGHTS],
          (unsigned long)c[CAP_INFO_LABEL], (unsigned long)c[CAP_INFO_ID]);
    struct sys_cap_info info = runtime_cap_info(f_task, WINDOW + i);
    CHECK(info.type == type && info.rights == rights && info.label == label && info.id == id,
          "cap %u in our view of F: type %lu rights %lx", i, (unsigned long)info.type,
          (unsigned long)info.rights);
}

static void check_dropped(unsigned i)
{
    const uint64_t *c = report_cap(i);
    CHECK(c[CAP_TYPE] == FERRY_OBJ_NONE && c[CAP_LABEL] == 0, "cap %u: rcv_type %lx label %lx", i,
          (unsigned long)c[CAP_TYPE], (unsigned long)c[CAP_LABEL]);
}

static void test_cross_task_call(void)
{
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 0x777, 0), FERRY_OK);
    CHECK(report()[REP_LABEL] == F_LABEL, "label %lx", (unsigned long)report()[REP_LABEL]);
    check_received_tag(0, 0);
    CHECK_ERR(foreign_call(f_gate2, CMD_REPORT, 0x778, 0), FERRY_OK);
    CHECK(report()[REP_LABEL] == F_LABEL2, "label %lx", (unsigned long)report()[REP_LABEL]);

    /* the server really runs in F: slot 1 of its own space is F, not us */
    set_window(F_SELF, 1);
    const uint64_t *c = report_cap(0);
    uint64_t f_id = runtime_cap_info(FERRY_ROOT_SEL_TASK, f_task).id;
    CHECK(c[CAP_INFO_ERR] == FERRY_OK &&
              c[CAP_INFO_TYPE_RIGHTS] == (FERRY_OBJ_TASK | FERRY_RIGHT_R << 8) &&
              c[CAP_INFO_ID] == f_id,
          "F's slot 1: type/rights %lx id %lu (F is %lu)", (unsigned long)c[CAP_INFO_TYPE_RIGHTS],
          (unsigned long)c[CAP_INFO_ID], (unsigned long)f_id);
    CHECK(f_id != runtime_cap_info(FERRY_ROOT_SEL_TASK, FERRY_ROOT_SEL_TASK).id, "F is the root task");
    test_ok("cross-task call/reply with per-gate labels");
}

static uint64_t x_gate, x_id, initrd_id;

static void test_transfer(void)
{
    x_gate = new_gate(FERRY_ROOT_SEL_THREAD, X_LABEL);
    x_id = runtime_cap_info(FERRY_ROOT_SEL_TASK, x_gate).id;
    initrd_id = runtime_cap_info(FERRY_ROOT_SEL_TASK, FERRY_ROOT_SEL_INITRD).id;
    set_window(WINDOW, 2);
    struct ferry_utcb *u = sys_utcb();
    u->snd_cap[0] = FERRY_CAPDESC(x_gate, FERRY_RIGHTS_ALL);
    u->snd_cap[1] = FERRY_CAPDESC(FERRY_ROOT_SEL_INITRD, FERRY_RIGHTS_ALL);
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 1, 2), FERRY_OK);
    check_received_tag(2, 0);
    check_arrived(0, FERRY_OBJ_GATE, FERRY_RIGHTS_ALL, X_LABEL, x_id);
    check_arrived(1, FERRY_OBJ_MEMORY, FERRY_RIGHT_R, 0, initrd_id);
    /* a transfer copies: the sender keeps its capabilities */
    CHECK(runtime_cap_info(FERRY_ROOT_SEL_TASK, x_gate).type == FERRY_OBJ_GATE, "sender lost the gate");
    test_ok("capability transfer into the receiver's window");
}

static void test_transfer_rights(void)
{
    CHECK_ERR(sys_task_unmap(f_task, WINDOW), FERRY_OK);
    CHECK_ERR(sys_task_unmap(f_task, WINDOW + 1), FERRY_OK);
    struct ferry_utcb *u = sys_utcb();
    u->snd_cap[0] = FERRY_CAPDESC(runtime_copy_cap(x_gate, FERRY_RIGHT_R), FERRY_RIGHTS_ALL);
    u->snd_cap[1] = FERRY_CAPDESC(x_gate, FERRY_RIGHT_R | FERRY_RIGHT_W);
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 2, 2), FERRY_OK);
    check_received_tag(2, 0);
    check_arrived(0, FERRY_OBJ_GATE, FERRY_RIGHT_R, X_LABEL, x_id);
    check_arrived(1, FERRY_OBJ_GATE, FERRY_RIGHT_R | FERRY_RIGHT_W, X_LABEL, x_id);
    test_ok("transferred rights = source & mask, never more");
}

static void test_transfer_needs_grant(void)
{
    uint64_t no_grant = runtime_copy_cap(f_gate, FERRY_RIGHT_R | FERRY_RIGHT_W);
    uint64_t served = ctx->served;
    sys_utcb()->snd_cap[0] = FERRY_CAPDESC(x_gate, FERRY_RIGHTS_ALL);
    CHECK_ERR(foreign_call(no_grant, CMD_REPORT, 3, 1), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_ipc_send(no_grant, FERRY_TAG(2, 1, 0), FERRY_TIMEOUT_NEVER), FERRY_E_NORIGHTS);
    CHECK(ctx->served == served, "a rejected message reached the server");
    /* words alone need no G */
    CHECK_ERR(foreign_call(no_grant, CMD_REPORT, 4, 0), FERRY_OK);
    CHECK(ctx->served == served + 1 && report()[REP_LABEL] == F_LABEL, "words-only call");
    test_ok("capabilities through a gate without G: E_NORIGHTS");
}

static void test_window_failures(void)
{
    /* window WINDOW..+1 still holds the two gates of test_transfer_rights */
    struct ferry_utcb *u = sys_utcb();
    u->snd_cap[0] = FERRY_CAPDESC(FERRY_ROOT_SEL_INITRD, FERRY_RIGHTS_ALL);
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 0x55, 1), FERRY_OK);
    check_received_tag(1, 1);
    check_dropped(0);
    struct sys_cap_info info = runtime_cap_info(f_task, WINDOW);
    CHECK(info.type == FERRY_OBJ_GATE && info.id == x_id && info.rights == FERRY_RIGHT_R,
          "occupied slot was overwritten: type %lu", (unsigned long)info.type);
    test_ok("occupied receive window: message arrives with CAPFAIL");

    CHECK_ERR(sys_task_unmap(f_task, WINDOW), FERRY_OK);
    CHECK_ERR(sys_task_unmap(f_task, WINDOW + 1), FERRY_OK);
    set_window(WINDOW, 1);
    u->snd_cap[0] = FERRY_CAPDESC(x_gate, FERRY_RIGHTS_ALL);
    u->snd_cap[1] = FERRY_CAPDESC(FERRY_ROOT_SEL_INITRD, FERRY_RIGHTS_ALL);
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 0x56, 2), FERRY_OK);
    check_received_tag(2, 1);
    check_arrived(0, FERRY_OBJ_GATE, FERRY_RIGHTS_ALL, X_LABEL, x_id);
    check_dropped(1);
    CHECK(runtime_cap_info(f_task, WINDOW + 1).type == FERRY_OBJ_NONE, "cap placed beyond the window");

    set_window(0, 0); /* no window at all */
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 0x57, 1), FERRY_OK);
    check_received_tag(1, 1);
    check_dropped(0);
    test_ok("receive window too small: message arrives with CAPFAIL");
}

static void test_bad_sender_slot(void)
{
    struct ferry_utcb *u = sys_utcb();
    uint64_t served = ctx->served, empty = runtime_alloc_sel();
    const uint64_t bad[] = {empty, 0, 16384, 0x80000000ul};
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        u->snd_cap[0] = FERRY_CAPDESC(bad[i], FERRY_RIGHTS_ALL);
        CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 5, 1), FERRY_E_BADSEL);
    }
    u->snd_cap[0] = FERRY_CAPDESC(x_gate, FERRY_RIGHTS_ALL);
    u->snd_cap[1] = FERRY_CAPDESC(empty, FERRY_RIGHTS_ALL);
    CHECK_ERR(foreign_call(f_gate, CMD_REPORT, 6, 2), FERRY_E_BADSEL);
    CHECK_ERR(sys_ipc_send(f_gate, FERRY_TAG(2, 2, 0), FERRY_TIMEOUT_NEVER), FERRY_E_BADSEL);
    CHECK(ctx->served == served, "a rejected message reached the server");
    test_ok("capability from an empty sender slot: E_BADSEL");
}

void foreign_tests(const struct ferry_bootinfo *bi)
{
    start_foreign(bi);
    test_cross_task_call();
    test_transfer();
    test_transfer_rights();
    test_transfer_needs_grant();
    test_window_failures();
    test_bad_sender_slot();
}
