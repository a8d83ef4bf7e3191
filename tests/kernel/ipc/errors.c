/*
 * Malformed IPC: bad selectors, wrong types, missing rights, oversized tags
 * and unknown system call numbers. Each is aimed at the live echo server, so
 * a check that wrongly passed would show up as a delivered message.
 */
#include <ferry/macros.h>
#include "ipc.h"

static void test_bad_gates(void)
{
    uint64_t gate = echo_gate(), served = echo_served(), empty = runtime_alloc_sel();
    uint64_t tag = FERRY_TAG(1, 0, 0);
    sys_utcb()->mr[0] = 0;
    const uint64_t bad[] = {empty, 0, 16384, ~0ul};
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_ERR(sys_ipc_call(bad[i], tag, FERRY_TIMEOUT_NEVER, 0), FERRY_E_BADSEL);
        CHECK_ERR(sys_ipc_send(bad[i], tag, FERRY_TIMEOUT_NEVER), FERRY_E_BADSEL);
    }
    test_ok("call/send on an empty slot: E_BADSEL");

    CHECK_ERR(sys_ipc_call(FERRY_ROOT_SEL_TASK, tag, FERRY_TIMEOUT_NEVER, 0), FERRY_E_BADTYPE);
    CHECK_ERR(sys_ipc_call(FERRY_ROOT_SEL_THREAD, tag, FERRY_TIMEOUT_NEVER, 0), FERRY_E_BADTYPE);
    CHECK_ERR(sys_ipc_send(FERRY_ROOT_SEL_IMAGE, tag, FERRY_TIMEOUT_NEVER), FERRY_E_BADTYPE);
    test_ok("call/send on a non-gate: E_BADTYPE");

    uint64_t no_write = runtime_copy_cap(gate, FERRY_RIGHT_R | FERRY_RIGHT_G);
    CHECK_ERR(sys_ipc_call(no_write, tag, FERRY_TIMEOUT_NEVER, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_ipc_send(no_write, tag, FERRY_TIMEOUT_NEVER), FERRY_E_NORIGHTS);
    CHECK(echo_served() == served, "a rejected message reached the server");
    test_ok("call/send on a gate without W: E_NORIGHTS");
}

static void test_bad_tags(void)
{
    uint64_t gate = echo_gate(), served = echo_served();
    const uint64_t bad[] = {FERRY_TAG(65, 0, 0), FERRY_TAG(FERRY_TAG_WORDS_MASK, 0, 0),
                            FERRY_TAG(0, 9, 0), FERRY_TAG(1, FERRY_TAG_CAPS_MASK, 0)};
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_ERR(sys_ipc_call(gate, bad[i], FERRY_TIMEOUT_NEVER, 0), FERRY_E_INVAL);
        CHECK_ERR(sys_ipc_send(gate, bad[i], FERRY_TIMEOUT_NEVER), FERRY_E_INVAL);
        /* a malformed reply is refused before looking for a caller */
        CHECK_ERR(sys_ipc_reply(bad[i]), FERRY_E_INVAL);
    }
    CHECK(echo_served() == served, "a rejected message reached the server");
    /* the largest valid tag goes through */
    uint64_t rtag;
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(64, 0, 0), FERRY_TIMEOUT_NEVER, &rtag), FERRY_OK);
    CHECK(FERRY_TAG_WORDS(rtag) == 64 && echo_served() == served + 1, "64-word call");
    test_ok("tags with 65 words or 9 capabilities: E_INVAL");
}

static void test_unknown_syscalls(void)
{
    const uint64_t numbers[] = {999, 0, 6, 9, 63, 1ul << 32, ~0ul};
    for (unsigned i = 0; i < ARRAY_SIZE(numbers); i++) {
        struct sys_result r = sys_call6(numbers[i], 1, 2, 3, 4, 5, 6);
        CHECK(r.err == FERRY_E_NOSYS, "syscall %lx returned %s", (unsigned long)numbers[i],
              ferry_error_name(r.err));
    }
    test_ok("unknown system calls (999, 0, ...): E_NOSYS");
}

void error_tests(void)
{
    test_bad_gates();
    test_bad_tags();
    test_unknown_syscalls();
}
