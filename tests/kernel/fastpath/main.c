/*
 * The IPC fastpath's exit conditions (docs/kernel.md, "IPC fastpath"). For
 * each condition that sends IPC_CALL or IPC_REPLY_WAIT down the slow path,
 * the operation is done on both sides of it and must give exactly the same
 * result: registers, message words, tags, who runs in which order. Which path
 * ran is only visible by counting: the scenario runs under -icount, where
 * rdinstret is exact, and each half of a round trip (call: from the client's
 * ecall until the server holds the message; reply: from the server's ecall
 * until the client is back) is classified "fast" or "slow" by its cost, the
 * least of three tries (a timer interrupt may hit one).
 *
 * Priorities (one hart, strict): servers 150, clients 120, root 100.
 */
#include <runtime.h>
#include <stdio.h>

#define SERVER_PRIO 150
#define CLIENT_PRIO 120
#define ROOT_PRIO   100
#define MIDDLE_PRIO 80
#define LOW_PRIO    50
#define MS          1000ul
#define WINDOW      4000 /* where servers receive a capability */
#define PROTO       5    /* the clients' protocol value; servers answer PROTO + 1 */
#define FILL        7    /* a reply word past those received is built from this */
/* A half round trip through the fastpath costs about 200 instructions (more
 * with words), through the slow path about twice that or more. */
#define FAST_HALF_MAX 400

static void park(void)
{
    for (;;)
        sys_sleep(FERRY_TIMEOUT_NEVER);
}

/* ---- order of events ---- */

static volatile char order[16];
static volatile unsigned order_len;

static void mark(char c)
{
    CHECK(order_len < sizeof(order) - 1, "order log full");
    order[order_len++] = c;
    order[order_len] = 0;
}

static void order_reset(void)
{
    order_len = 0;
    order[0] = 0;
}

/* ---- servers ---- */

#define AS_RECEIVED (~0ul)

struct server {
    uint64_t thread;
    volatile uint64_t wait_timeout;     /* of each wait */
    volatile uint64_t reply_words;      /* AS_RECEIVED or a count */
    volatile uint64_t sleep_us;         /* before replying (0: none) */
    volatile char mark;                 /* marked when a message arrives (0: none) */
    volatile uint64_t got_at, reply_at; /* instret: message arrived, reply about to go */
    volatile uint64_t served, timeouts, last_label, rcv_type0;
};

/*
 * Answers each call with reply_words words (as many as received by default):
 * word i is (received word i, or FILL past them) * 3 + 1, protocol + 1. A
 * received capability is noted (rcv_type0) and unmapped again.
 */
static void server_main(void *arg)
{
    struct server *s = arg;
    struct ferry_utcb *u = sys_utcb();
    u->rcv_window = FERRY_RCV_WINDOW(WINDOW, 1);
    uint64_t tag = 0, label = 0;
    long err = sys_ipc_wait(s->wait_timeout, &tag, &label);
    for (;;) {
        s->got_at = sys_instret();
        if (err == FERRY_E_TIMEOUT) {
            s->timeouts++;
            err = sys_ipc_wait(s->wait_timeout, &tag, &label);
            continue;
        }
        CHECK_ERR(err, FERRY_OK);
        if (s->mark)
            mark(s->mark);
        s->served++;
        s->last_label = label;
        s->rcv_type0 = u->rcv_type[0];
        if (FERRY_TAG_CAPS(tag))
            CHECK_ERR(sys_task_unmap(FERRY_ROOT_SEL_TASK, WINDOW), FERRY_OK);
        u->rcv_type[0] = FERRY_OBJ_NONE;
        uint64_t got = FERRY_TAG_WORDS(tag);
        uint64_t n = s->reply_words == AS_RECEIVED ? got : s->reply_words;
        for (uint64_t i = 0; i < n; i++)
            u->mr[i] = (i < got ? u->mr[i] : FILL) * 3 + 1;
        if (s->sleep_us)
            sys_sleep(s->sleep_us);
        s->reply_at = sys_instret();
        err = sys_ipc_reply_wait(FERRY_TAG(n, 0, FERRY_TAG_PROTO(tag) + 1), s->wait_timeout, &tag,
                                 &label);
    }
}

static uint64_t new_gate(struct server *s, uint64_t label)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, sel, s->thread, label), FERRY_OK);
    return sel;
}

/* A server thread at prio (it runs at once, and waits, if above the root). */
static uint64_t start_server(struct server *s, unsigned prio, uint64_t label)
{
    if (!s->wait_timeout)
        s->wait_timeout = FERRY_TIMEOUT_NEVER;
    if (!s->reply_words)
        s->reply_words = AS_RECEIVED;
    s->thread = runtime_thread_spawn(server_main, s, prio);
    CHECK(s->thread, "spawn server");
    return new_gate(s, label);
}

/* ---- calls ---- */

struct call {
    long err;
    uint64_t tag;
    uint64_t call_cost, reply_cost; /* instructions of each half */
};

static const char *path(uint64_t cost)
{
    return cost <= FAST_HALF_MAX ? "fast" : "slow";
}

/* One call of `words` words (+ caps capability descriptors) from this thread. */
static struct call call_once(struct server *s, uint64_t gate, uint64_t words, uint64_t caps,
                             uint64_t timeout)
{
    struct ferry_utcb *u = sys_utcb();
    for (uint64_t i = 0; i < FERRY_MSG_WORDS; i++)
        u->mr[i] = 1000 + i;
    struct call c;
    uint64_t before = sys_instret();
    c.err = sys_ipc_call(gate, FERRY_TAG(words, caps, PROTO), timeout, &c.tag);
    uint64_t after = sys_instret();
    c.call_cost = s->got_at - before;
    c.reply_cost = after - s->reply_at;
    return c;
}

/* The reply to a call of `sent` words answered with `replied` words is exact:
 * those words, nothing past them. */
static void check_reply(const struct call *c, uint64_t sent, uint64_t replied)
{
    CHECK_ERR(c->err, FERRY_OK);
    CHECK(c->tag == FERRY_TAG(replied, 0, PROTO + 1), "reply tag 0x%lx", (unsigned long)c->tag);
    const uint64_t *mr = sys_utcb()->mr;
    for (uint64_t i = 0; i < FERRY_MSG_WORDS; i++) {
        uint64_t want = i >= replied ? 1000 + i : (i < sent ? 1000 + i : FILL) * 3 + 1;
        CHECK(mr[i] == want, "reply word %lu: 0x%lx, expected 0x%lx", (unsigned long)i,
              (unsigned long)mr[i], (unsigned long)want);
    }
}

/* Three round trips with the same result; the cheapest of each half. */
static struct call call_checked(struct server *s, uint64_t gate, uint64_t words, uint64_t caps,
                                uint64_t replied)
{
    struct call best = {0};
    for (int i = 0; i < 3; i++) {
        struct call c = call_once(s, gate, words, caps, FERRY_TIMEOUT_NEVER);
        check_reply(&c, words, replied);
        if (i == 0 || c.call_cost < best.call_cost)
            best.call_cost = c.call_cost;
        if (i == 0 || c.reply_cost < best.reply_cost)
            best.reply_cost = c.reply_cost;
    }
    return best;
}

static void print_paths(const char *what, const struct call *c)
{
    printf("fastpath: %s: ok, call %s, reply %s\n", what, path(c->call_cost), path(c->reply_cost));
}

/* ---- exit conditions ---- */

static struct server echo; /* at SERVER_PRIO, waiting forever */
static uint64_t echo_gate;

static void message_length(void)
{
    static const uint64_t counts[] = {0, 1, 8, 9, 64};
    for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        struct call c = call_checked(&echo, echo_gate, counts[i], 0, counts[i]);
        char what[48];
        snprintf(what, sizeof(what), "call and reply of %lu words", (unsigned long)counts[i]);
        print_paths(what, &c);
    }
    for (uint64_t replied = 8; replied <= 9; replied++) {
        echo.reply_words = replied;
        struct call c = call_checked(&echo, echo_gate, 1, 0, replied);
        char what[48];
        snprintf(what, sizeof(what), "reply of %lu words to 1", (unsigned long)replied);
        print_paths(what, &c);
    }
    echo.reply_words = AS_RECEIVED;
}

static void capability_transfer(void)
{
    struct ferry_utcb *u = sys_utcb();
    u->snd_cap[0] = FERRY_CAPDESC(echo_gate, FERRY_RIGHT_W);
    struct call c = call_checked(&echo, echo_gate, 2, 1, 2);
    CHECK(echo.rcv_type0 == FERRY_OBJ_GATE, "the server got type %lu",
          (unsigned long)echo.rcv_type0);
    print_paths("call with a capability, delivered", &c);
    /* the same descriptor, but the tag names no capability: none moves */
    c = call_checked(&echo, echo_gate, 2, 0, 2);
    CHECK(echo.rcv_type0 == FERRY_OBJ_NONE, "a capability moved: type %lu",
          (unsigned long)echo.rcv_type0);
    struct sys_cap_info info = runtime_cap_info(FERRY_ROOT_SEL_TASK, WINDOW);
    CHECK(info.type == FERRY_OBJ_NONE, "the window slot is not empty");
    print_paths("call with a descriptor but no capability in the tag, none moved", &c);
}

static void receiver_not_waiting(void)
{
    /* below the root: started, but not yet in its wait when the call comes */
    static struct server late;
    uint64_t gate = start_server(&late, MIDDLE_PRIO, 0x1a7e);
    struct call c = call_once(&late, gate, 3, 0, FERRY_TIMEOUT_POLL);
    CHECK_ERR(c.err, FERRY_E_TIMEOUT);
    c = call_once(&late, gate, 3, 0, FERRY_TIMEOUT_NEVER);
    check_reply(&c, 3, 3);
    CHECK(late.served == 1 && late.last_label == 0x1a7e, "late server");
    printf("fastpath: call to a receiver not waiting: timeout 0 E_TIMEOUT, else ok, call %s\n",
           path(c.call_cost));
    c = call_checked(&late, gate, 3, 0, 3);
    print_paths("the same receiver, now waiting", &c);
}

/* Clients: threads of CLIENT_PRIO that call once and note the outcome. */
struct client {
    uint64_t gate, words, thread;
    char mark;
    volatile int done;
    struct call result;
};

static void client_main(void *arg)
{
    struct client *cl = arg;
    struct ferry_utcb *u = sys_utcb();
    for (uint64_t i = 0; i < FERRY_MSG_WORDS; i++)
        u->mr[i] = 1000 + i;
    cl->result.err = sys_ipc_call(cl->gate, FERRY_TAG(cl->words, 0, PROTO), FERRY_TIMEOUT_NEVER,
                                  &cl->result.tag);
    check_reply(&cl->result, cl->words, cl->words);
    mark(cl->mark);
    cl->done = 1;
    park();
}

static void spawn_client(struct client *cl, unsigned prio)
{
    cl->thread = runtime_thread_spawn(client_main, cl, prio);
    CHECK(cl->thread, "spawn client");
}

static void sender_queued(void)
{
    /* the server sleeps with the first call, the second caller queues meanwhile */
    static struct server busy;
    static struct client first = {.words = 2, .mark = '1'}, second = {.words = 4, .mark = '2'};
    busy.sleep_us = 20 * MS;
    first.gate = second.gate = start_server(&busy, SERVER_PRIO, 0xb5);
    order_reset();
    spawn_client(&first, CLIENT_PRIO);
    spawn_client(&second, CLIENT_PRIO);
    while (!first.done || !second.done)
        sys_sleep(5 * MS);
    CHECK(busy.served == 2, "served %lu", (unsigned long)busy.served);
    printf("fastpath: reply_wait with a sender queued: both served, in order %s\n", order);
}

static void middle_main(void *arg)
{
    mark(*(const char *)arg);
    park();
}

static void priorities(void)
{
    static struct server low = {.mark = 'L'};
    uint64_t gate = start_server(&low, LOW_PRIO, 0x10);
    /* the low server waits only once the root blocks: let it get there */
    sys_sleep(1 * MS);
    struct call c = call_checked(&low, gate, 1, 0, 1);
    print_paths("call to a lower priority receiver, nothing else ready", &c);

    /* a ready thread between the receiver's and the root's priority runs first */
    order_reset();
    static const char m = 'M';
    CHECK(runtime_thread_spawn(middle_main, (void *)&m, MIDDLE_PRIO), "spawn");
    c = call_once(&low, gate, 1, 0, FERRY_TIMEOUT_NEVER);
    check_reply(&c, 1, 1);
    printf("fastpath: call to a lower priority receiver, a higher one ready: order %s, call %s\n",
           order, path(c.call_cost));

    /* a reply to a caller with a thread of its own priority ready: that one first */
    order_reset();
    static const char e = 'E';
    CHECK(runtime_thread_spawn(middle_main, (void *)&e, ROOT_PRIO), "spawn");
    c = call_once(&echo, echo_gate, 1, 0, FERRY_TIMEOUT_NEVER);
    mark('R');
    check_reply(&c, 1, 1);
    printf("fastpath: reply to a caller with its priority ready: order %s, call %s, reply %s\n",
           order, path(c.call_cost), path(c.reply_cost));
}

static void timeouts(void)
{
    static struct server timed = {.wait_timeout = 50 * MS};
    uint64_t gate = start_server(&timed, SERVER_PRIO, 0x71);
    struct call c = call_once(&timed, gate, 2, 0, FERRY_TIMEOUT_NEVER);
    check_reply(&c, 2, 2);
    CHECK(timed.timeouts == 0, "the receiver's timeout fired during the call");
    uint64_t start = sys_clock_us();
    while (!timed.timeouts)
        sys_sleep(5 * MS);
    uint64_t waited = sys_clock_us() - start;
    CHECK(waited >= 45 * MS, "the next wait timed out after %lu us", (unsigned long)waited);
    CHECK_ERR(sys_thread_suspend(timed.thread), FERRY_OK); /* no more timeouts */
    printf("fastpath: receiver and its next wait with a timeout: ok, call %s, reply %s; "
           "then one timeout\n",
           path(c.call_cost), path(c.reply_cost));
    c = call_once(&echo, echo_gate, 2, 0, FERRY_TIMEOUT_POLL);
    check_reply(&c, 2, 2);
    printf("fastpath: call with timeout 0 to a waiting receiver: ok, call %s, reply %s\n",
           path(c.call_cost), path(c.reply_cost));
}

static void suspension(void)
{
    static struct server sus;
    uint64_t gate = start_server(&sus, SERVER_PRIO, 0x505);
    CHECK_ERR(sys_thread_suspend(sus.thread), FERRY_OK);
    struct call c = call_once(&sus, gate, 1, 0, FERRY_TIMEOUT_POLL);
    CHECK_ERR(c.err, FERRY_E_TIMEOUT);
    c = call_once(&sus, gate, 1, 0, 10 * MS);
    CHECK_ERR(c.err, FERRY_E_TIMEOUT);
    CHECK_ERR(sys_thread_resume(sus.thread), FERRY_OK);
    c = call_checked(&sus, gate, 1, 0, 1);
    print_paths("suspended receiver: E_TIMEOUT; resumed", &c);

    /* a caller suspended in its reply phase: the reply lands, it stays suspended */
    static struct client cl = {.words = 3, .mark = 'C'};
    sus.sleep_us = 20 * MS;
    cl.gate = gate;
    order_reset();
    spawn_client(&cl, CLIENT_PRIO);
    CHECK_ERR(sys_thread_suspend(cl.thread), FERRY_OK);
    sys_sleep(40 * MS);
    CHECK(sus.served == 4 && !cl.done, "the server did not reply yet, or the client ran");
    CHECK_ERR(sys_thread_read(cl.thread), FERRY_OK);
    const struct ferry_thread_state *st = (const struct ferry_thread_state *)sys_utcb()->buf;
    CHECK(st->run.state == FERRY_RUN_READY && st->run.suspended, "client state %lu",
          (unsigned long)st->run.state);
    CHECK(st->x[10] == FERRY_OK && st->x[11] == FERRY_TAG(3, 0, PROTO + 1),
          "reply registers a0 %lu a1 0x%lx", (unsigned long)st->x[10], (unsigned long)st->x[11]);
    CHECK_ERR(sys_thread_resume(cl.thread), FERRY_OK);
    while (!cl.done)
        sys_sleep(1 * MS);
    printf("fastpath: reply to a suspended caller: it landed, the caller stayed suspended, "
           "order %s\n",
           order);
}

static void destruction(void)
{
    uint64_t doomed = new_gate(&echo, 0xd0);
    uint64_t copy = runtime_copy_cap(doomed, FERRY_RIGHTS_ALL);
    CHECK_ERR(sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, doomed, FERRY_UNMAP_DESTROY), FERRY_OK);
    struct call c = call_once(&echo, copy, 1, 0, FERRY_TIMEOUT_NEVER);
    CHECK_ERR(c.err, FERRY_E_DEAD);
    c = call_checked(&echo, echo_gate, 1, 0, 1);
    print_paths("destroyed gate: E_DEAD; the server's other gate", &c);

    static struct server gone;
    uint64_t gate = start_server(&gone, SERVER_PRIO, 0x60);
    CHECK_ERR(sys_task_unmap_flags(FERRY_ROOT_SEL_TASK, gone.thread, FERRY_UNMAP_DESTROY),
              FERRY_OK);
    c = call_once(&gone, gate, 1, 0, FERRY_TIMEOUT_NEVER);
    CHECK_ERR(c.err, FERRY_E_DEAD);
    printf("fastpath: gate of a destroyed receiver: E_DEAD\n");
}

/* ---- lazy scheduling: the running thread's place in its queue ---- */

#define PEER_PRIO 90

static uint64_t order_irq;

static void high_main(void *arg)
{
    (void)arg;
    CHECK_ERR(sys_irq_wait(order_irq, FERRY_TIMEOUT_NEVER), FERRY_OK);
    mark('H');
    park();
}

/* Marks a, wakes the high thread (which preempts it), marks A. */
static void preempted_main(void *arg)
{
    (void)arg;
    mark('a');
    CHECK_ERR(sys_irq_trigger(order_irq), FERRY_OK);
    mark('A');
    park();
}

static void peer_main(void *arg)
{
    mark(*(const char *)arg);
    park();
}

static uint64_t self_sel;

/* Marks a, sets its own priority (unchanged), marks A. */
static void reprioritised_main(void *arg)
{
    (void)arg;
    mark('a');
    CHECK_ERR(sys_thread_configure(self_sel, 0, 0, PEER_PRIO, 0), FERRY_OK);
    mark('A');
    park();
}

static void scheduling_order(void)
{
    static const char b = 'B';
    order_irq = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, order_irq, 0, 0), FERRY_OK);
    CHECK(runtime_thread_spawn(high_main, 0, SERVER_PRIO), "spawn");
    /* a preempted thread keeps the head of its queue: it goes on before B */
    order_reset();
    CHECK(runtime_thread_spawn(preempted_main, 0, PEER_PRIO), "spawn");
    CHECK(runtime_thread_spawn(peer_main, (void *)&b, PEER_PRIO), "spawn");
    sys_sleep(5 * MS); /* both run now, in order */
    printf("fastpath: a preempted thread resumes before its queued peer: order %s\n", order);
    /* a thread that changes its own priority goes to the back of its queue */
    order_reset();
    self_sel = runtime_thread_spawn(reprioritised_main, 0, PEER_PRIO);
    CHECK(self_sel, "spawn");
    CHECK(runtime_thread_spawn(peer_main, (void *)&b, PEER_PRIO), "spawn");
    sys_sleep(5 * MS);
    printf("fastpath: a thread setting its own priority goes behind its peer: order %s\n", order);
}

/* A server that takes a call and moves on to its next wait without replying
 * (its caller's reply is still owed), then echoes one call and parks. */
static volatile uint64_t forgetful_served;
static void forgetful_main(void *arg)
{
    (void)arg;
    uint64_t tag, label;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label), FERRY_OK);
    forgetful_served++;
    CHECK_ERR(sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label), FERRY_OK);
    forgetful_served++;
    (void)sys_ipc_reply_wait(FERRY_TAG(0, 0, PROTO + 1), FERRY_TIMEOUT_NEVER, &tag, &label);
    park();
}

static uint64_t forgetful_gate;
static volatile long abandoned_err = 1; /* no result yet */
static void abandoned_main(void *arg)
{
    (void)arg;
    uint64_t tag;
    abandoned_err = sys_ipc_call(forgetful_gate, FERRY_TAG(1, 0, PROTO), FERRY_TIMEOUT_NEVER, &tag);
    park();
}

/* A receiver waiting while it owes a reply (it waited again without
 * replying): the next call is delivered by the slow path, which cancels the
 * earlier caller's wait for the reply (E_CANCELED); a fastpath that ignored
 * the owed reply would leave that caller blocked for ever. */
static void owed_reply(void)
{
    uint64_t server = runtime_thread_spawn(forgetful_main, 0, SERVER_PRIO);
    CHECK(server, "spawn server");
    forgetful_gate = runtime_alloc_sel();
    CHECK_ERR(sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_GATE, forgetful_gate, server, 0xf0),
              FERRY_OK);
    CHECK(runtime_thread_spawn(abandoned_main, 0, CLIENT_PRIO), "spawn client");
    CHECK(forgetful_served == 1 && abandoned_err == 1, "first call taken, not answered");
    uint64_t tag;
    CHECK_ERR(sys_ipc_call(forgetful_gate, FERRY_TAG(1, 0, PROTO), FERRY_TIMEOUT_NEVER, &tag),
              FERRY_OK);
    sys_sleep(5 * MS);
    CHECK(forgetful_served == 2, "second call served");
    CHECK_ERR(abandoned_err, FERRY_E_CANCELED);
    printf("fastpath: call to a receiver owing a reply: the earlier caller E_CANCELED, ok\n");
}

int root_main(const struct ferry_bootinfo *bi)
{
    (void)bi;
    uint64_t a = sys_instret(), b = sys_instret();
    CHECK(b > a, "rdinstret does not count: run under icount");
    echo_gate = start_server(&echo, SERVER_PRIO, 0xec);
    message_length();
    capability_transfer();
    receiver_not_waiting();
    sender_queued();
    priorities();
    timeouts();
    suspension();
    destruction();
    scheduling_order();
    owed_reply();
    printf("fastpath: all tests passed\n");
    return 0;
}
