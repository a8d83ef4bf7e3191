/*
 * bench-rpc: guest instruction counts of the component framework for
 * `make bench` (bench/framework.scn). One program, two roles, chosen by the
 * configuration argument "role":
 *
 *   client (default)  measures and prints the `bench:` lines (client.c)
 *   server            serves the Bench service the client calls across
 *                     tasks and opens sessions of (server.c)
 *
 * The Bench interface is private to these two roles, so it is declared here
 * rather than in include/ferry/iface/:
 *
 * BENCH_NOP:      out word = BENCH_REPLY_WORD; nothing else happens
 * BENCH_RAW_GATE: out cap[0] a gate to a thread in the object's task that
 *                     answers every call with bare kernel IPC (no framework
 *                     code on its side) and the same message as BENCH_NOP's
 */
#ifndef BENCH_RPC_BENCH_H
#define BENCH_RPC_BENCH_H

#include <child.h>
#include <client.h>
#include <env.h>

struct bench_nop_out {
    uint64_t word; /* BENCH_REPLY_WORD */
};
FERRY_RPC_LAYOUT(bench_nop_out);

#define BENCH_RPCS(RPC)                                                                            \
    RPC(BENCH_NOP, 1, 0, 0)                                                                        \
    RPC(BENCH_RAW_GATE, 2, 0, 0)
FERRY_RPC_ENUM(BENCH_RPCS);

/* What every server here replies with: the client checks it on each call. */
#define BENCH_REPLY_WORD 0xbe4c4e0fu

/* Server threads run above the components' main threads (init starts them at
 * CHILD_PRIO): after each reply a server is back in its wait before the
 * client can call again, so no call ever waits for a server to get there. */
#define BENCH_SERVER_PRIO (CHILD_PRIO + 10)

/* A Bench object: the same interface and dispatch in both tasks, so the
 * same-task and cross-task RPC numbers differ only in where the server is. */
struct bench_object {
    struct rpc_object obj;
    uint32_t raw_gate; /* what BENCH_RAW_GATE hands out */
};

extern const struct rpc_iface bench_iface;

/* A new gate (PD_ALLOC_RPC_CAP) bound to `thread` (a CPU thread capability);
 * returns its slot and its badge in *badge, or 0 with *err. */
uint32_t bench_gate_to(struct env *env, uint32_t thread, uint64_t *badge, long *err);

/* Starts a thread that answers calls with bare IPC; returns a gate to it, or 0 with *err. */
uint32_t bench_raw_server(struct env *env, long *err);

void bench_client(struct env *env);
void bench_server(struct env *env);

#endif
