/*
 * Kernel micro-benchmarks in guest instructions (`make bench`); the method is
 * lib/sys/bench.h's.
 */
#include <bench.h>
#include <runtime.h>
#include <stdio.h>

#define SERVER_PRIO 150u /* above the root (100): a server is always back in its wait */
#define VICTIM_PRIO 50u
#define FAULT_VA    0x58000000ul /* never mapped except by the pager */
#define OTHER_UTCB  0x00900000ul

typedef bench_op op_fn;
static struct bench_table table;

static void bench_reset(const char *name, op_fn op, op_fn reset)
{
    CHECK(bench_run(&table, name, op, reset), "too many benchmarks");
}

static void bench(const char *name, op_fn op)
{
    bench_reset(name, op, 0);
}

/* ---- operations ---- */

static void op_null_syscall(void)
{
    CHECK_ERR(sys_call6(63, 0, 0, 0, 0, 0, 0).err, FERRY_E_NOSYS);
}

static void op_clock(void)
{
    (void)sys_clock_us();
}

static uint64_t call_gate; /* gate of the current IPC benchmark */

static void op_ipc_call(void)
{
    CHECK_ERR(sys_ipc_call(call_gate, FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_NEVER, 0), FERRY_OK);
}

/* 9 words: one more than the fastpath takes, so the call goes the slow path */
static void op_ipc_call_9_words(void)
{
    CHECK_ERR(sys_ipc_call(call_gate, FERRY_TAG(9, 0, 0), FERRY_TIMEOUT_NEVER, 0), FERRY_OK);
}

static void op_ipc_call_cap(void)
{
    uint64_t rtag = 0;
    CHECK_ERR(sys_ipc_call(call_gate, FERRY_TAG(0, 1, 0), FERRY_TIMEOUT_NEVER, &rtag), FERRY_OK);
    CHECK(FERRY_TAG_PROTO(rtag) == 1, "the server did not get the capability");
}

static void op_page_fault(void)
{
    (void)*(volatile uint64_t *)FAULT_VA;
}

static uint64_t map_mem_sel, map_offset;

static void unmap_fault_page(void)
{
    CHECK_ERR(sys_mem_unmap(FERRY_ROOT_SEL_TASK, FAULT_VA, 1), FERRY_OK);
}

static void op_map_unmap(void)
{
    CHECK_ERR(sys_mem_map(FERRY_ROOT_SEL_TASK, map_mem_sel, map_offset, FAULT_VA, 1,
                          FERRY_RIGHT_R | FERRY_RIGHT_W),
              FERRY_OK);
    CHECK_ERR(sys_mem_unmap(FERRY_ROOT_SEL_TASK, FAULT_VA, 1), FERRY_OK);
}

static uint64_t state_thread;

static void op_thread_read_write(void)
{
    CHECK_ERR(sys_thread_read(state_thread), FERRY_OK);
    CHECK_ERR(sys_thread_write(state_thread), FERRY_OK);
}

static void op_thread_read_write_regs(void)
{
    CHECK_ERR(sys_thread_read_sel(state_thread, FERRY_TS_REGS), FERRY_OK);
    CHECK_ERR(sys_thread_write_sel(state_thread, FERRY_TS_REGS), FERRY_OK);
}

/* ---- servers ---- */

/* Replies with nothing, in the root task. */
static void echo_server(void *arg)
{
    (void)arg;
    for (;;)
        if (sys_ipc_reply_wait(FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_NEVER, 0, 0))
            sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
}

/* The same without TLS or stack, for a thread of another task. */
static __attribute__((noinline, noreturn, used)) void raw_echo_server(uint64_t unused)
{
    (void)unused;
    for (;;)
        if (sys_call6(FERRY_SYS_IPC_REPLY_WAIT, 0, 0, FERRY_TIMEOUT_NEVER, 0, 0, 0).err)
            sys_call6(FERRY_SYS_IPC_WAIT, 0, 0, FERRY_TIMEOUT_NEVER, 0, 0, 0);
}

#define CAP_WINDOW 200 /* where the cap server receives */

/* Receives one capability per call and unmaps it again before replying. */
static void cap_server(void *arg)
{
    (void)arg;
    struct ferry_utcb *u = sys_utcb();
    u->rcv_window = FERRY_RCV_WINDOW(CAP_WINDOW, 1);
    uint64_t tag = 0;
    long err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, 0);
    for (;;) {
        uint64_t got = err == FERRY_OK && FERRY_TAG_CAPS(tag) == 1 && !FERRY_TAG_FLAGS(tag) &&
                       sys_task_unmap(FERRY_ROOT_SEL_TASK, CAP_WINDOW) == FERRY_OK;
        err = sys_ipc_reply_wait(FERRY_TAG(0, 0, got), FERRY_TIMEOUT_NEVER, &tag, 0);
    }
}

static volatile unsigned faults_resolved;

/* Maps the page the root faults on, then lets it retry. */
static void pager(void *arg)
{
    (void)arg;
    struct ferry_utcb *u = sys_utcb();
    uint64_t tag = 0;
    long err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, 0);
    for (;;) {
        if (err == FERRY_OK && FERRY_TAG_PROTO(tag) == FERRY_PROTO_PAGE_FAULT &&
            sys_mem_map(FERRY_ROOT_SEL_TASK, map_mem_sel, map_offset,
                        u->mr[0] & ~(FERRY_PAGE_SIZE - 1), 1,
                        FERRY_RIGHT_R | FERRY_RIGHT_W) == FERRY_OK)
            faults_resolved++;
        err = sys_ipc_reply_wait(FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_NEVER, &tag, 0);
    }
}

static void idle_thread(void *arg)
{
    (void)arg;
    for (;;)
        sys_yield();
}

/* ---- setup ---- */

static uint64_t gate_to(uint64_t thread, uint64_t label)
{
    uint64_t gate = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, gate, thread, label), FERRY_OK);
    return gate;
}

static uint64_t spawn(void (*fn)(void *), unsigned prio)
{
    uint64_t sel = runtime_thread_spawn(fn, 0, prio);
    CHECK(sel, "thread spawn failed");
    return sel;
}

/* A second task running the root's code read-only, with a server thread. */
static uint64_t other_task_server(const struct ferry_bootinfo *bi)
{
    uint64_t task = runtime_alloc_sel(), thread = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_TASK, task, 0, 0), FERRY_OK);
    CHECK_ERR(sys_mem_map(task, FERRY_ROOT_SEL_IMAGE, 0, bi->image_vaddr,
                          bi->image_size / FERRY_PAGE_SIZE, FERRY_RIGHT_R | FERRY_RIGHT_X),
              FERRY_OK);
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_THREAD, thread, task, OTHER_UTCB),
              FERRY_OK);
    CHECK_ERR(sys_thread_configure(thread, 0, 0, SERVER_PRIO, 0), FERRY_OK);
    CHECK_ERR(sys_thread_start(thread, (uint64_t)raw_echo_server, 0, 0), FERRY_OK);
    return thread;
}

static const char *const NULL_SYSCALL = "null_syscall";
static const char *const IPC_SAME = "ipc_call_reply_same_task";
static const char *const IPC_CROSS = "ipc_call_reply_cross_task";

int root_main(const struct ferry_bootinfo *bi)
{
    uint64_t a = sys_instret(), b = sys_instret();
    CHECK(b > a, "rdinstret does not count (%lu, %lu)", (unsigned long)a, (unsigned long)b);
    bench_calibrate(&table);

    /* every thread and object exists before the first measurement */
    uint64_t *fault_page = runtime_alloc_pages(1);
    CHECK(fault_page, "no RAM");
    map_mem_sel = bi->ram[0].sel;
    map_offset = runtime_ram_offset(fault_page);
    uint64_t same_gate = gate_to(spawn(echo_server, SERVER_PRIO), 1);
    uint64_t cross_gate = gate_to(other_task_server(bi), 2);
    uint64_t cap_gate = gate_to(spawn(cap_server, SERVER_PRIO), 3);
    uint64_t pager_gate = gate_to(spawn(pager, SERVER_PRIO), 4);
    state_thread = spawn(idle_thread, VICTIM_PRIO);
    CHECK_ERR(sys_thread_suspend(state_thread), FERRY_OK);
    sys_utcb()->snd_cap[0] = FERRY_CAPDESC(pager_gate, FERRY_RIGHT_W);

    bench(NULL_SYSCALL, op_null_syscall);
    bench("clock", op_clock);
    call_gate = same_gate;
    bench(IPC_SAME, op_ipc_call);
    call_gate = cross_gate;
    bench(IPC_CROSS, op_ipc_call);
    call_gate = same_gate;
    bench("ipc_call_9_words_slow_path_reply_0", op_ipc_call_9_words);
    call_gate = cap_gate;
    bench("ipc_call_reply_cap_transfer_unmap", op_ipc_call_cap);
    bench("mem_map_unmap_page", op_map_unmap);
    /* the root is its own client: its page faults go to the pager */
    CHECK_ERR(sys_thread_configure(FERRY_ROOT_SEL_THREAD, pager_gate, 0, 100, 0), FERRY_OK);
    bench_reset("page_fault_pager_map_reply", op_page_fault, unmap_fault_page);
    CHECK(faults_resolved == BENCH_WARMUP + BENCH_ITERATIONS, "%u page faults resolved",
          faults_resolved);
    bench("thread_read_write_suspended", op_thread_read_write);
    bench("thread_read_write_regs_only", op_thread_read_write_regs);

    bench_print(&table);
    bench_print_ratio("ipc_call_reply_same_task/null_syscall", bench_result_of(&table, IPC_SAME),
                      bench_result_of(&table, NULL_SYSCALL));
    bench_print_ratio("ipc_call_reply_cross_task/ipc_call_reply_same_task",
                      bench_result_of(&table, IPC_CROSS), bench_result_of(&table, IPC_SAME));
    printf("bench: done\n");
    return 0;
}
