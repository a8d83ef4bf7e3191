/*
 * bench-rpc: the parts both roles share (bench.h): the Bench interface's
 * dispatch, gates to threads, the bare-IPC server thread, and the choice of
 * role.
 */
#include <ferry/macros.h>
#include "bench_rpc.h"
#include <ferry/iface/pd.h>
#include <stdio.h>
#include <string.h>

static const struct ferry_rpc_sig bench_sigs[] = FERRY_RPC_SIGS(BENCH_RPCS);

/* BENCH_NOP is the operation measured: it does nothing but give one word back. */
static long bench_dispatch(void *self, struct rpc_request *req)
{
    struct bench_object *b = self;
    switch (req->opcode) {
    case BENCH_NOP:
        FERRY_RPC_MSG(bench_nop_out, req->mr)->word = BENCH_REPLY_WORD;
        req->reply_words = FERRY_RPC_WORDS(bench_nop_out);
        return FERRY_OK;
    case BENCH_RAW_GATE:
        if (!b->raw_gate)
            return FERRY_E_NOENT;
        rpc_reply_cap(req, b->raw_gate, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    default:
        return FERRY_E_BADOP;
    }
}

const struct rpc_iface bench_iface = {"bench", bench_sigs, ARRAY_SIZE(bench_sigs), bench_dispatch};

uint32_t bench_gate_to(struct env *env, uint32_t thread, uint64_t *badge, long *err)
{
    uint32_t gate;
    *err = pd_alloc_rpc_cap(env->pd, thread, &gate, badge);
    return *err ? 0 : gate;
}

/*
 * The bare-IPC server: the kernel's call/reply and nothing else, the
 * baseline the framework's numbers are compared with. A reply that fails
 * (no caller yet, on the first round) returns at once without waiting, so
 * then it waits explicitly.
 */
static void raw_echo(void *arg)
{
    (void)arg;
    struct ferry_utcb *u = sys_utcb();
    for (;;) {
        FERRY_RPC_MSG(bench_nop_out, u->mr)->word = BENCH_REPLY_WORD;
        if (sys_ipc_reply_wait(FERRY_TAG(FERRY_RPC_WORDS(bench_nop_out), 0, 0), FERRY_TIMEOUT_NEVER,
                               0, 0))
            sys_ipc_wait(FERRY_TIMEOUT_NEVER, 0, 0);
    }
}

uint32_t bench_raw_server(struct env *env, long *err)
{
    uint64_t badge;
    uint32_t thread = env_thread_spawn(env, "raw", BENCH_SERVER_PRIO, raw_echo, NULL, err);
    return thread ? bench_gate_to(env, thread, &badge, err) : 0;
}

void component_construct(struct env *env)
{
    const char *role = env_arg(env, "role");
    if (role && !strcmp(role, "server")) {
        bench_server(env);
        return; /* the entrypoint serves Bench from now on */
    }
    if (role && strcmp(role, "client")) {
        printf("unknown role '%s'\n", role);
        env_exit(env, 1);
    }
    bench_client(env);
}
