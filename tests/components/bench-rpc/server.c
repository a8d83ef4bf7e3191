/*
 * bench-rpc, role server: the Bench service. Its sessions are Bench objects
 * (bench.h) kept in a fixed table, so opening and closing one costs the
 * framework's path (init, the ROOT interface, a gate from core) and no
 * allocator. Every session hands out the same bare-IPC gate.
 */
#include "bench_rpc.h"
#include <root.h>
#include <stdio.h>

/* the client holds one session for the whole run and opens a second in a loop */
#define BENCH_MAX_SESSIONS 4

struct bench_session {
    struct bench_object bench; /* first: the session's rpc_object is at offset 0 */
    bool used;
};

static struct bench_session sessions[BENCH_MAX_SESSIONS];
static uint32_t raw_gate; /* to this task's bare-IPC thread */

static long bench_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                       uint64_t caps, struct rpc_object **session)
{
    (void)root;
    (void)label;
    (void)args;
    (void)ram;
    (void)caps;
    for (unsigned i = 0; i < BENCH_MAX_SESSIONS; i++) {
        struct bench_session *s = &sessions[i];
        if (s->used)
            continue;
        s->used = true;
        s->bench = (struct bench_object){.obj = {.iface = &bench_iface, .self = &s->bench},
                                         .raw_gate = raw_gate};
        *session = &s->bench.obj;
        return FERRY_OK;
    }
    return FERRY_E_CAPQUOTA;
}

static void bench_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    ((struct bench_session *)session)->used = false;
}

static struct service_root bench_root = {.open = bench_open, .close = bench_close};

void bench_server(struct env *env)
{
    long err;
    raw_gate = bench_raw_server(env, &err);
    if (!raw_gate) {
        printf("bare IPC server failed: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    if ((err = env_serve(env, "Bench", &bench_root))) {
        printf("cannot announce Bench: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    printf("serving Bench\n");
}
