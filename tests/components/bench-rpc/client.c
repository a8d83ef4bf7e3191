/*
 * bench-rpc, role client: the framework's costs in guest instructions, next
 * to the bare kernel IPC they are built on, all from one run.
 *
 * The method is the kernel benchmark's (tests/kernel/bench): each operation
 * runs BENCH_WARMUP times unmeasured, then BENCH_ITERATIONS times between two
 * rdinstret reads, whose own cost (an empty measurement) is subtracted. Under
 * QEMU -icount shift=0 the counter is exact and counts every instruction of
 * every privilege level and every task an operation passes through (this
 * component, init, the server, core, the kernel, OpenSBI). Results are
 * printed only after all measurements, because printing is itself RPC (LOG).
 *
 *   ipc_raw_same_task        sys_ipc_call to a second thread of this task
 *                            answering with sys_ipc_reply_wait
 *   rpc_same_task            rpc_call to a second thread of this task running
 *                            rpc_ep_serve, object pool of one object whose
 *                            dispatch only returns one word
 *   rpc_ep_handle_no_ipc     what the entrypoint does with such a request
 *                            between receiving it and replying (lookup,
 *                            signature check, dispatch), called directly
 *   ipc_raw_cross_task       as ipc_raw_same_task, the thread in the server
 *   rpc_cross_task           rpc_call of a Bench session object in the server
 *   session_open_close_core  env_session + env_session_close of a LOG session:
 *                            through init (PARENT) to core
 *   session_open_close_sibling  the same for a Bench session: queued in init
 *                            for the server, which fetches and answers it
 *                            (PARENT_REQUEST_NEXT, PARENT_REQUEST_DELIVER)
 *
 * Every server replies with one word, BENCH_REPLY_WORD, so the bare and the
 * framework round trips move the same message, and `rpc overhead` (RPC minus
 * bare IPC, in one task and across tasks) is the framework's own share.
 */
#include "bench_rpc.h"
#include <badge_runtime.h> /* the capability map's size: nothing may leak */
#include <bench.h>
#include <ferry/iface/pd.h>
#include <stdio.h>

/* donations of the sessions opened in the loop (a core session costs one
 * page and one capability of its donation; the server takes none) */
#define LOG_SESSION_RAM    8192u
#define LOG_SESSION_CAPS   2u
#define BENCH_SESSION_RAM  0u
#define BENCH_SESSION_CAPS 0u

/* What this component holds: an operation that opens and closes must not
 * change it, however often it runs. */
struct footprint {
    uint64_t ram_used, caps_used; /* of the PD's account */
    uint32_t capmap_entries;
};

/* The framework's checks beside each measurement. */
struct check {
    unsigned failed; /* operations that did not return what they must */
    bool leaked;     /* the footprint after the runs differs from before */
    struct footprint before, after;
};

static struct bench_table table;
static struct check checks[BENCH_MAX];
static unsigned failures; /* of the operation being measured */

static struct env *env;

static struct footprint footprint(void)
{
    struct footprint f = {0, 0, capmap_count(env_capmap)};
    struct ferry_pd_quota_out q;
    if (pd_quota(env->pd, &q) == FERRY_OK) {
        f.ram_used = q.ram_used;
        f.caps_used = q.cap_used;
    }
    return f;
}

static void bench(const char *name, bench_op op)
{
    failures = 0;
    struct footprint before = footprint();
    unsigned i = table.count;
    if (!bench_run(&table, name, op, NULL))
        return;
    struct footprint after = footprint();
    bool leaked = after.ram_used != before.ram_used || after.caps_used != before.caps_used ||
                  after.capmap_entries != before.capmap_entries;
    checks[i] = (struct check){failures, leaked, before, after};
}

/* ---- operations (their targets are set before each benchmark) ---- */

static uint32_t call_gate;
static const char *session_service;
static uint64_t session_ram, session_caps;

/* The second entrypoint of this task (local_rpc_thread) and its one object.
 * op_ep_handle uses the same ep from the main thread while that thread
 * waits for a call, so the two never touch it at the same time. */
static RPC_POOL_STORAGE(1) local_pool_storage __attribute__((aligned(8)));
static struct rpc_pool local_pool;
static uint64_t local_badge; /* the benchmark plays the kernel: it passes the label itself */
static struct rpc_ep local_ep = {.pool = &local_pool};
static struct bench_object local_object = {.obj = {.iface = &bench_iface, .self = &local_object}};

static void op_ipc_raw(void)
{
    uint64_t rtag = 0;
    if (sys_ipc_call(call_gate, FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_NEVER, &rtag) ||
        FERRY_TAG_WORDS(rtag) != FERRY_RPC_WORDS(bench_nop_out) ||
        FERRY_RPC_MSG(bench_nop_out, rpc_mr())->word != BENCH_REPLY_WORD)
        failures++;
}

static void op_rpc(void)
{
    if (rpc_call(call_gate, BENCH_NOP, 0, 0, NULL) ||
        FERRY_RPC_MSG(bench_nop_out, rpc_mr())->word != BENCH_REPLY_WORD)
        failures++;
}

/* The server side's own work for one request, without any IPC: rpc_ep_handle
 * on this thread, with the request rpc_call would have sent. */
static void op_ep_handle(void)
{
    if (rpc_ep_handle(&local_ep, FERRY_TAG(0, 0, BENCH_NOP), local_badge) !=
            FERRY_TAG(FERRY_RPC_WORDS(bench_nop_out), 0, FERRY_OK) ||
        FERRY_RPC_MSG(bench_nop_out, rpc_mr())->word != BENCH_REPLY_WORD)
        failures++;
}

static void op_session_open_close(void)
{
    uint32_t session;
    if (env_session(env, session_service, "bench", NULL, session_ram, session_caps, &session) ||
        env_session_close(env, session))
        failures++;
}

/* ---- setup ---- */

static void local_rpc_thread(void *arg)
{
    rpc_ep_serve(arg);
}

static void fail(const char *what, long err)
{
    printf("setup failed: %s: %s\n", what, ferry_error_name(err));
    env_exit(env, 1);
}

/* A second entrypoint in this task serving local_object alone. */
static uint32_t local_rpc_server(void)
{
    long err;
    uint64_t badge;
    rpc_pool_init(&local_pool, &local_pool_storage.index.header, sizeof(local_pool_storage.index),
                  local_pool_storage.objects, 1);
    uint32_t thread =
        env_thread_spawn(env, "rpc", BENCH_SERVER_PRIO, local_rpc_thread, &local_ep, &err);
    if (!thread)
        fail("entrypoint thread", err);
    uint32_t gate = bench_gate_to(env, thread, &badge, &err);
    if (!gate)
        fail("gate to the entrypoint thread", err);
    local_badge = badge;
    if (rpc_pool_insert(&local_pool, &local_object.obj, badge) < 0)
        fail("object pool", FERRY_E_NOMEM);
    return gate;
}

/* ---- results ---- */

/* The framework's own share of an RPC: its mean minus that of the bare IPC it
 * is made of (same run, same message), the number issue 11's goal is about. */
static void print_overhead(const char *what, const char *rpc, const char *ipc)
{
    uint64_t r = bench_result_of(&table, rpc), i = bench_result_of(&table, ipc);
    if (!r || !i || r < i) {
        printf("bench: rpc overhead %s n/a\n", what);
        return;
    }
    printf("bench: rpc overhead %s %lu instr/op (%s - %s)\n", what, (unsigned long)(r - i), rpc,
           ipc);
}

/* Reports every benchmark whose operations did not all succeed or left
 * something behind; returns how many. */
static unsigned report_failures(void)
{
    unsigned bad = 0;
    for (unsigned i = 0; i < table.count; i++) {
        const struct check *r = &checks[i];
        const char *name = table.results[i].name;
        if (r->failed)
            printf("%s: %u of %u operations failed\n", name, r->failed,
                   BENCH_WARMUP + BENCH_ITERATIONS);
        if (r->leaked)
            printf("%s failed to clean up: PD RAM used %lu -> %lu, caps used %lu -> %lu, "
                   "capability map entries %u -> %u\n",
                   name, (unsigned long)r->before.ram_used, (unsigned long)r->after.ram_used,
                   (unsigned long)r->before.caps_used, (unsigned long)r->after.caps_used,
                   r->before.capmap_entries, r->after.capmap_entries);
        bad += r->failed || r->leaked;
    }
    return bad;
}

static const char *const IPC_SAME = "ipc_raw_same_task";
static const char *const RPC_SAME = "rpc_same_task";
static const char *const EP_HANDLE = "rpc_ep_handle_no_ipc";
static const char *const IPC_CROSS = "ipc_raw_cross_task";
static const char *const RPC_CROSS = "rpc_cross_task";
static const char *const SESSION_CORE = "session_open_close_core";
static const char *const SESSION_SIBLING = "session_open_close_sibling";

void bench_client(struct env *e)
{
    env = e;
    bench_calibrate(&table);

    /* every thread, gate and session exists before the first measurement */
    long err;
    uint32_t raw_same = bench_raw_server(env, &err);
    if (!raw_same)
        fail("bare IPC thread", err);
    uint32_t rpc_same = local_rpc_server();
    uint32_t bench_session; /* waits until the server has announced Bench */
    if ((err = env_session(env, "Bench", "", NULL, BENCH_SESSION_RAM, BENCH_SESSION_CAPS,
                           &bench_session)))
        fail("Bench session", err);
    uint32_t raw_cross;
    if ((err = rpc_get_cap(bench_session, BENCH_RAW_GATE, &raw_cross)))
        fail("BENCH_RAW_GATE", err);

    call_gate = raw_same;
    bench(IPC_SAME, op_ipc_raw);
    call_gate = rpc_same;
    bench(RPC_SAME, op_rpc);
    bench(EP_HANDLE, op_ep_handle);
    call_gate = raw_cross;
    bench(IPC_CROSS, op_ipc_raw);
    call_gate = bench_session;
    bench(RPC_CROSS, op_rpc);
    session_service = "LOG";
    session_ram = LOG_SESSION_RAM;
    session_caps = LOG_SESSION_CAPS;
    bench(SESSION_CORE, op_session_open_close);
    session_service = "Bench";
    session_ram = BENCH_SESSION_RAM;
    session_caps = BENCH_SESSION_CAPS;
    bench(SESSION_SIBLING, op_session_open_close);

    bench_print(&table);
    bench_print_ratio("rpc_same_task/ipc_raw_same_task", bench_result_of(&table, RPC_SAME),
                      bench_result_of(&table, IPC_SAME));
    bench_print_ratio("rpc_cross_task/ipc_raw_cross_task", bench_result_of(&table, RPC_CROSS),
                      bench_result_of(&table, IPC_CROSS));
    bench_print_ratio("rpc_cross_task/rpc_same_task", bench_result_of(&table, RPC_CROSS),
                      bench_result_of(&table, RPC_SAME));
    bench_print_ratio("session_open_close_core/ipc_raw_same_task",
                      bench_result_of(&table, SESSION_CORE), bench_result_of(&table, IPC_SAME));
    bench_print_ratio("session_open_close_sibling/ipc_raw_same_task",
                      bench_result_of(&table, SESSION_SIBLING), bench_result_of(&table, IPC_SAME));
    print_overhead("same task", RPC_SAME, IPC_SAME);
    print_overhead("cross task", RPC_CROSS, IPC_CROSS);
    unsigned bad = report_failures();
    printf("bench: done\n");
    env_exit(env, bad ? 1 : 0);
}
