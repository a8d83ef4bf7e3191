/*
 * IPC between threads of the root task: call/reply, labels, one-way sends,
 * the FIFO send queue, reply_wait servers, missing callers, timeouts and a
 * cancelled caller. Gates received by the root thread itself (slot 2) let
 * the test decide exactly when a receiver waits.
 */
#include "ipc.h"

#define LABEL_A 0xa11ce0001ul
#define LABEL_B 0xb0b0002ul
#define ROOT_LABEL_A 0x1a
#define ROOT_LABEL_B 0x1b
#define ECHO_DELTA 0x100 /* the echo server adds this to every word */

/* ---- echo server: replies to each call with every word + ECHO_DELTA ---- */

static struct {
    volatile uint64_t served;      /* messages received */
    volatile uint64_t last_tag;    /* tag and label of the last one */
    volatile uint64_t last_label;
    volatile uint64_t last_word0;  /* its first word, before the server changed it */
    volatile uint64_t word_after;  /* the server's word just past the message */
} echo;

static void echo_main(void *arg)
{
    (void)arg;
    struct ferry_utcb *u = sys_utcb();
    uint64_t tag, label;
    long err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label);
    for (;;) {
        CHECK_ERR(err, FERRY_OK);
        unsigned words = FERRY_TAG_WORDS(tag);
        echo.last_tag = tag;
        echo.last_label = label;
        echo.last_word0 = words ? u->mr[0] : 0;
        echo.word_after = words < FERRY_MSG_WORDS ? u->mr[words] : 0;
        echo.served++;
        for (unsigned i = 0; i < words; i++)
            u->mr[i] += ECHO_DELTA;
        err = sys_ipc_reply_wait(FERRY_TAG(words, 0, FERRY_TAG_PROTO(tag) + 1),
                                 FERRY_TIMEOUT_NEVER, &tag, &label);
        if (err == FERRY_E_NOREPLY) /* that was a one-way send: nothing to answer */
            err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label);
    }
}

static uint64_t gate_a, gate_b; /* two gates to the echo server */

/* ---- clients: threads that send or call once and record the outcome ---- */

struct client {
    uint64_t gate, word;
    int is_call;
    volatile long err;
    volatile int done;
    volatile uint64_t reply_word;
};

static void client_main(void *arg)
{
    struct client *c = arg;
    struct ferry_utcb *u = sys_utcb();
    u->mr[0] = c->word;
    if (c->is_call) {
        uint64_t rtag;
        c->err = sys_ipc_call(c->gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_NEVER, &rtag);
        c->reply_word = u->mr[0];
    } else {
        c->err = sys_ipc_send(c->gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_NEVER);
    }
    c->done = 1;
    park();
}

static void spawn_client(struct client *c)
{
    CHECK(runtime_thread_spawn(client_main, c, CLIENT_PRIO) != 0, "spawn client");
    CHECK(!c->done, "client %lu finished without a receiver", (unsigned long)c->word);
}

/* The root thread receives: asserts one queued message with `word` via `label`. */
static void root_receive(uint64_t word, uint64_t label)
{
    uint64_t tag, got_label;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &got_label), FERRY_OK);
    CHECK(FERRY_TAG_WORDS(tag) == 1, "tag %lx", (unsigned long)tag);
    CHECK(sys_utcb()->mr[0] == word, "word %lx, expected %lx", (unsigned long)sys_utcb()->mr[0],
          (unsigned long)word);
    CHECK(got_label == label, "label %lx, expected %lx", (unsigned long)got_label,
          (unsigned long)label);
}

/* ---- sub-tests ---- */

static void test_call_reply(void)
{
    struct ferry_utcb *u = sys_utcb();
    for (unsigned i = 0; i < FERRY_MSG_WORDS; i++)
        u->mr[i] = 0x1000ul * i + 7;
    uint64_t served = echo.served;
    struct sys_result r = sys_call6(FERRY_SYS_IPC_CALL, gate_a, FERRY_TAG(64, 0, 0x4242),
                                    FERRY_TIMEOUT_NEVER, 0, 0, 0);
    CHECK_ERR(r.err, FERRY_OK);
    CHECK(r.r1 == FERRY_TAG(64, 0, 0x4243), "reply tag %lx", (unsigned long)r.r1);
    CHECK(r.r2 == 0, "a reply carries no label, got %lx", (unsigned long)r.r2);
    for (unsigned i = 0; i < FERRY_MSG_WORDS; i++)
        CHECK(u->mr[i] == 0x1000ul * i + 7 + ECHO_DELTA, "word %u: %lx", i,
              (unsigned long)u->mr[i]);
    CHECK(echo.served == served + 1 && echo.last_tag == FERRY_TAG(64, 0, 0x4242),
          "server saw tag %lx", (unsigned long)echo.last_tag);
    test_ok("call/reply with 64 words");

    /* only the words the tag counts travel, both ways */
    u->mr[0] = 1;
    u->mr[1] = 2;
    u->mr[2] = 0xcafe; /* the server's mr[2] holds 0x2007 + delta from the call above */
    uint64_t rtag;
    CHECK_ERR(sys_ipc_call(gate_a, FERRY_TAG(2, 0, 9), FERRY_TIMEOUT_NEVER, &rtag), FERRY_OK);
    CHECK(rtag == FERRY_TAG(2, 0, 10), "reply tag %lx", (unsigned long)rtag);
    CHECK(u->mr[0] == 1 + ECHO_DELTA && u->mr[1] == 2 + ECHO_DELTA, "echoed words");
    CHECK(echo.word_after == 0x2007 + ECHO_DELTA, "server's word 2 was overwritten: %lx",
          (unsigned long)echo.word_after);
    CHECK(u->mr[2] == 0xcafe, "our word 2 was overwritten: %lx", (unsigned long)u->mr[2]);
    CHECK_ERR(sys_ipc_call(gate_a, FERRY_TAG(0, 0, 0x31), FERRY_TIMEOUT_NEVER, &rtag), FERRY_OK);
    CHECK(rtag == FERRY_TAG(0, 0, 0x32) && echo.last_tag == FERRY_TAG(0, 0, 0x31),
          "empty call: reply tag %lx", (unsigned long)rtag);
    test_ok("call/reply with 2 and 0 words");
}

/* Calls the echo server through `gate` and returns the label it saw. */
static uint64_t label_seen_via(uint64_t gate)
{
    uint64_t rtag, served = echo.served;
    sys_utcb()->mr[0] = 0;
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_NEVER, &rtag), FERRY_OK);
    CHECK(echo.served == served + 1, "server did not receive");
    return echo.last_label;
}

static void test_labels(void)
{
    CHECK(label_seen_via(gate_a) == LABEL_A, "gate a: %lx", (unsigned long)echo.last_label);
    CHECK(label_seen_via(gate_b) == LABEL_B, "gate b: %lx", (unsigned long)echo.last_label);
    CHECK(label_seen_via(gate_a) == LABEL_A, "gate a again: %lx", (unsigned long)echo.last_label);

    /* the sender offers the other gate's label everywhere it can: registers,
     * protocol bits and message words */
    struct ferry_utcb *u = sys_utcb();
    u->mr[0] = LABEL_B;
    struct sys_result r = sys_call6(FERRY_SYS_IPC_CALL, gate_a, FERRY_TAG(1, 0, LABEL_B),
                                    FERRY_TIMEOUT_NEVER, LABEL_B, LABEL_B, LABEL_B);
    CHECK_ERR(r.err, FERRY_OK);
    CHECK(echo.last_label == LABEL_A, "sender chose the label: %lx",
          (unsigned long)echo.last_label);
    CHECK(echo.last_word0 == LABEL_B, "word 0 %lx", (unsigned long)echo.last_word0);

    /* a copy of a gate, even with fewer rights, is the same gate: same label */
    uint64_t copy = runtime_copy_cap(gate_b, FERRY_RIGHT_W);
    CHECK(label_seen_via(copy) == LABEL_B, "copy of gate b: %lx", (unsigned long)echo.last_label);
    test_ok("labels per gate, not chosen by the sender");
}

static void test_send_to_waiting(void)
{
    uint64_t served = echo.served;
    sys_utcb()->mr[0] = 0x5e5d;
    /* a poll succeeds: the receiver is waiting */
    CHECK_ERR(sys_ipc_send(gate_b, FERRY_TAG(1, 0, 0x77), FERRY_TIMEOUT_POLL), FERRY_OK);
    CHECK(echo.served == served + 1, "server did not receive the send");
    CHECK(echo.last_tag == FERRY_TAG(1, 0, 0x77) && echo.last_label == LABEL_B &&
              echo.last_word0 == 0x5e5d,
          "received tag %lx label %lx word %lx", (unsigned long)echo.last_tag,
          (unsigned long)echo.last_label, (unsigned long)echo.last_word0);
    /* the server is back in its wait: a call still works */
    CHECK(label_seen_via(gate_a) == LABEL_A, "call after send");
    test_ok("send to a waiting receiver");
}

/* A receiver busy sleeping 30 ms before its first wait. */
struct sleepy {
    volatile uint64_t wait_time, word, label, done;
    volatile long err;
};

static void sleepy_main(void *arg)
{
    struct sleepy *s = arg;
    uint64_t tag, label;
    sys_sleep(30 * MS);
    s->wait_time = sys_clock_us();
    s->err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label);
    s->word = sys_utcb()->mr[0];
    s->label = label;
    s->done = 1;
    park();
}

static void test_send_to_busy(void)
{
    static struct sleepy s;
    uint64_t thread = runtime_thread_spawn(sleepy_main, &s, SERVER_PRIO);
    CHECK(thread != 0, "spawn");
    uint64_t gate = new_gate(thread, 0x51ee);
    sys_utcb()->mr[0] = 0xb051;
    uint64_t t0 = sys_clock_us();
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_NEVER), FERRY_OK);
    uint64_t t1 = sys_clock_us();
    CHECK(s.done && s.err == FERRY_OK, "receiver did not get the message");
    CHECK(s.word == 0xb051 && s.label == 0x51ee, "word %lx label %lx", (unsigned long)s.word,
          (unsigned long)s.label);
    CHECK(t1 - t0 >= 20 * MS, "send returned after %lu us, before the receiver waited",
          (unsigned long)(t1 - t0));
    CHECK(t1 >= s.wait_time, "send returned before the receiver waited");
    test_ok("send to a busy receiver blocks until it waits");
}

static void test_fifo(void)
{
    uint64_t ra = new_gate(FERRY_ROOT_SEL_THREAD, ROOT_LABEL_A);
    uint64_t rb = new_gate(FERRY_ROOT_SEL_THREAD, ROOT_LABEL_B);
    static struct client c[4];
    const uint64_t gates[4] = {ra, rb, ra, rb}, labels[4] = {ROOT_LABEL_A, ROOT_LABEL_B,
                                                            ROOT_LABEL_A, ROOT_LABEL_B};
    for (unsigned i = 0; i < 4; i++) {
        c[i] = (struct client){.gate = gates[i], .word = 0x100 + i};
        spawn_client(&c[i]); /* blocks in its send: we are not waiting */
    }
    for (unsigned i = 0; i < 4; i++) {
        root_receive(0x100 + i, labels[i]);
        CHECK(c[i].done && c[i].err == FERRY_OK, "sender %u not released by our wait", i);
        CHECK(i == 3 || !c[i + 1].done, "sender %u released too early", i + 1);
    }
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &label), FERRY_E_TIMEOUT);
    test_ok("senders served in FIFO order across gates");
}

static void test_reply_wait_loop(void)
{
    struct ferry_utcb *u = sys_utcb();
    uint64_t served = echo.served;
    for (unsigned i = 0; i < 8; i++) {
        uint64_t gate = (i & 1) ? gate_b : gate_a, rtag;
        u->mr[0] = 0x7000 + i;
        u->mr[1] = i;
        CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(2, 0, i), FERRY_TIMEOUT_NEVER, &rtag), FERRY_OK);
        CHECK(rtag == FERRY_TAG(2, 0, i + 1), "call %u: reply tag %lx", i, (unsigned long)rtag);
        CHECK(u->mr[0] == 0x7000 + i + ECHO_DELTA && u->mr[1] == i + ECHO_DELTA,
              "call %u: reply words %lx %lx", i, (unsigned long)u->mr[0], (unsigned long)u->mr[1]);
        CHECK(echo.last_label == ((i & 1) ? LABEL_B : LABEL_A), "call %u: label", i);
    }
    CHECK(echo.served == served + 8, "served %lu", (unsigned long)(echo.served - served));
    test_ok("reply_wait server loop served 8 calls");
}

static void test_no_reply_owed(void)
{
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(0, 0, 0)), FERRY_E_NOREPLY);
    /* with no caller the wait part must not run: it would time out */
    CHECK_ERR(sys_ipc_reply_wait(FERRY_TAG(0, 0, 0), 200 * MS, &tag, &label), FERRY_E_NOREPLY);

    /* a call answered once: the second reply has no caller any more */
    uint64_t gate = new_gate(FERRY_ROOT_SEL_THREAD, 0x2e);
    static struct client caller = {.word = 0x31, .is_call = 1};
    caller.gate = gate;
    spawn_client(&caller);
    root_receive(0x31, 0x2e);
    sys_utcb()->mr[0] = 0x32;
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(1, 0, 0)), FERRY_OK);
    CHECK(caller.done && caller.err == FERRY_OK && caller.reply_word == 0x32,
          "caller: done %d err %s word %lx", caller.done, ferry_error_name(caller.err),
          (unsigned long)caller.reply_word);
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(1, 0, 0)), FERRY_E_NOREPLY);

    /* a one-way send leaves no reply owed */
    static struct client sender = {.word = 0x33};
    sender.gate = gate;
    spawn_client(&sender);
    root_receive(0x33, 0x2e);
    CHECK(sender.done && sender.err == FERRY_OK, "sender not released");
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(0, 0, 0)), FERRY_E_NOREPLY);
    CHECK_ERR(sys_ipc_reply_wait(FERRY_TAG(0, 0, 0), FERRY_TIMEOUT_POLL, &tag, &label),
              FERRY_E_NOREPLY);
    test_ok("reply and reply_wait without a caller: E_NOREPLY");
}

static void idle_main(void *arg)
{
    (void)arg;
    park(); /* alive, but never receives */
}

static void test_timeouts(void)
{
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &label), FERRY_E_TIMEOUT);
    uint64_t t0 = sys_clock_us();
    CHECK_ERR(sys_ipc_wait(10 * MS, &tag, &label), FERRY_E_TIMEOUT);
    uint64_t waited = sys_clock_us() - t0;
    CHECK(waited >= 10 * MS, "wait timed out after %lu us", (unsigned long)waited);
    test_ok("wait: poll and 10 ms timeout");

    uint64_t idle = runtime_thread_spawn(idle_main, 0, SERVER_PRIO);
    CHECK(idle != 0, "spawn");
    uint64_t gate = new_gate(idle, 0x1d1e);
    sys_utcb()->mr[0] = 0;
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_POLL, 0), FERRY_E_TIMEOUT);
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(1, 0, 0), FERRY_TIMEOUT_POLL), FERRY_E_TIMEOUT);
    t0 = sys_clock_us();
    CHECK_ERR(sys_ipc_send(gate, FERRY_TAG(1, 0, 0), 20 * MS), FERRY_E_TIMEOUT);
    waited = sys_clock_us() - t0;
    CHECK(waited >= 20 * MS, "send timed out after %lu us", (unsigned long)waited);
    t0 = sys_clock_us();
    CHECK_ERR(sys_ipc_call(gate, FERRY_TAG(1, 0, 0), 20 * MS, 0), FERRY_E_TIMEOUT);
    waited = sys_clock_us() - t0;
    CHECK(waited >= 20 * MS, "call timed out after %lu us", (unsigned long)waited);

    /* a send that timed out is withdrawn from the receiver's queue */
    uint64_t own = new_gate(FERRY_ROOT_SEL_THREAD, 0x5e1f);
    CHECK_ERR(sys_ipc_send(own, FERRY_TAG(1, 0, 0), 5 * MS), FERRY_E_TIMEOUT);
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_POLL, &tag, &label), FERRY_E_TIMEOUT);
    test_ok("send/call to a receiver that never waits: poll and 20 ms timeout");
}

static void test_canceled(void)
{
    uint64_t gate = new_gate(FERRY_ROOT_SEL_THREAD, 0xc0);
    static struct client first = {.word = 0x41, .is_call = 1};
    static struct client second = {.word = 0x42, .is_call = 1};
    first.gate = second.gate = gate;
    spawn_client(&first);
    spawn_client(&second);
    root_receive(0x41, 0xc0);
    CHECK(!first.done, "first caller returned before its reply");
    root_receive(0x42, 0xc0); /* takes the second call without answering the first */
    CHECK(first.done && first.err == FERRY_E_CANCELED, "first caller: done %d err %s",
          first.done, ferry_error_name(first.err));
    CHECK(!second.done, "second caller returned before its reply");
    sys_utcb()->mr[0] = 0x99;
    CHECK_ERR(sys_ipc_reply(FERRY_TAG(1, 0, 0)), FERRY_OK);
    CHECK(second.done && second.err == FERRY_OK && second.reply_word == 0x99,
          "second caller: done %d err %s word %lx", second.done, ferry_error_name(second.err),
          (unsigned long)second.reply_word);
    test_ok("second call without reply cancels the first caller");
}

void local_tests(void)
{
    uint64_t server = runtime_thread_spawn(echo_main, 0, SERVER_PRIO);
    CHECK(server != 0, "spawn echo server");
    gate_a = new_gate(server, LABEL_A);
    gate_b = new_gate(server, LABEL_B);

    test_call_reply();
    test_labels();
    test_send_to_waiting();
    test_send_to_busy();
    test_fifo();
    test_reply_wait_loop();
    test_no_reply_owed();
    test_timeouts();
    test_canceled();
}

/* errors.c calls the echo server too: a malformed call must not reach it */
uint64_t echo_gate(void)
{
    return gate_a;
}
uint64_t echo_served(void)
{
    return echo.served;
}
