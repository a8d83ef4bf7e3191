/*
 * Kernel IPC test: shared helpers and the sub-tests of each file.
 *
 * Priorities decide who runs when (one hart, strict priorities): servers run
 * above clients, clients above the root thread. So a spawned client runs at
 * once and blocks in its send before runtime_thread_spawn returns, and a
 * server handles a message completely before its caller is back.
 */
#ifndef IPC_TEST_H
#define IPC_TEST_H

#include <runtime.h>
#include <stdint.h>

#define SERVER_PRIO 150
#define CLIENT_PRIO 120 /* the root thread runs at 100 */

#define MS 1000ul /* timeouts are in microseconds */

/* Ends a spawned thread: blocks forever. (Returning from a spawned thread's
 * function is not an option: the runtime then loops on THREAD_SUSPEND(0),
 * which fails with E_BADSEL, and starves every lower priority.) */
void park(void) __attribute__((noreturn));
/* Prints "ipc: <what> ok". */
void test_ok(const char *what);
/* A new gate in a fresh slot of the root task, received by `thread`. */
uint64_t new_gate(uint64_t thread, uint64_t label);

/* local.c: server and clients are threads of the root task */
void local_tests(void);
/* The echo server of local.c (for later tests): a gate to it, messages it got. */
uint64_t echo_gate(void);
uint64_t echo_served(void);
/* foreign.c: the server runs in a second task */
void foreign_tests(const struct ferry_bootinfo *bi);
/* errors.c: malformed calls */
void error_tests(void);

#endif
