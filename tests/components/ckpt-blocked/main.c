/*
 * ckpt-blocked: threads that are blocked in every way a checkpoint can find
 * them, and counters that show each message delivered exactly once.
 *
 *   entrypoint  serves BLOCKED_PING (checks seq = last + 1) and BLOCKED_WORK
 *               (spins `busy_ms`: a busy server)
 *   caller      round r = 1..rounds: a note to the receiver, a ping to the
 *               entrypoint, a trigger of the signal; prints every `report`
 *   receiver    raw IPC on a gate of its own: in receive (reply-and-wait)
 *               between notes; checks seq = last + 1
 *   waiter      waits on the signal (a counting semaphore)
 *   worker      at round `hold` keeps the entrypoint busy with one long
 *               BLOCKED_WORK: it waits for the reply, and the caller's ping
 *               waits for the busy entrypoint
 *   reporter    once that is so, prints the line a checkpoint can be
 *               triggered on:
 *
 *     NAME: started
 *     NAME: all blocked at round H: entrypoint busy, caller and worker in calls to it,
 *           receiver in receive, waiter in a signal wait            (one line)
 *     NAME: round R                                                (every `report`)
 *     NAME: done: N pings, N notes, N signals, 1 work: each delivered exactly once
 *
 * A ping, note or signal delivered twice or lost prints DUPLICATE or LOST and
 * the last line ends in FAILED.
 *
 * Arguments: rounds (default 20), hold (default 10), busy_ms (default 400),
 * period_ms (pause between rounds, default 10), report (default 5).
 */
#include <client.h>
#include <ferry/iface/ckpt.h>
#include <ferry/macros.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

#define THREAD_PRIO 100

static uint64_t rounds, hold, busy_ms, period_ms, report;

/* capabilities (slots) */
static uint32_t ping_gate, work_gate, note_gate, signal;

/* what each side counted; flags between the threads */
static uint64_t pings, last_ping, notes, last_note, signals, works;
static unsigned ep_busy, caller_calling, work_wanted, caller_done;

static void sleep_ms(uint64_t ms)
{
    sys_sleep(ms * 1000);
}

static void wait_flag(unsigned *flag)
{
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        sleep_ms(1);
}

static void check_seq(const char *what, uint64_t seq, uint64_t *last, uint64_t *count)
{
    if (seq != *last + 1)
        printf("%s: %s %lu after %lu: %s\n", ckpt_name, what, (unsigned long)seq,
               (unsigned long)*last, seq <= *last ? "DUPLICATE" : "LOST");
    *last = seq;
    (*count)++;
}

/* ---- the entrypoint's objects ---- */

static const struct ferry_rpc_sig blocked_sigs[] = FERRY_RPC_SIGS(FERRY_BLOCKED_RPCS);

static long blocked_dispatch(void *self, struct rpc_request *req)
{
    (void)self;
    if (req->opcode == BLOCKED_PING) {
        uint64_t seq = FERRY_RPC_MSG(ferry_blocked_ping_in, req->mr)->seq;
        check_seq("ping", seq, &last_ping, &pings);
        FERRY_RPC_MSG(ferry_blocked_ping_out, req->mr)->seq = seq;
        req->reply_words = FERRY_RPC_WORDS(ferry_blocked_ping_out);
        return FERRY_OK;
    }
    uint64_t us = FERRY_RPC_MSG(ferry_blocked_work_in, req->mr)->us;
    __atomic_store_n(&ep_busy, 1, __ATOMIC_RELEASE);
    ckpt_spin_us(us);
    __atomic_store_n(&ep_busy, 0, __ATOMIC_RELEASE);
    works++;
    req->reply_words = 0;
    return FERRY_OK;
}

static const struct rpc_iface blocked_iface = {"blocked", blocked_sigs, ARRAY_SIZE(blocked_sigs),
                                               blocked_dispatch};
static struct rpc_object ping_obj = {.iface = &blocked_iface};
static struct rpc_object work_obj = {.iface = &blocked_iface};

/* ---- stubs ---- */

static long blocked_ping(uint32_t gate, uint64_t seq)
{
    uint64_t back;
    FERRY_RPC_MSG(ferry_blocked_ping_in, rpc_mr())->seq = seq;
    long err = client_call(gate, BLOCKED_PING, FERRY_RPC_WORDS(ferry_blocked_ping_in), 0, &back,
                           FERRY_RPC_WORDS(ferry_blocked_ping_out), NULL);
    return err ? err : back == seq ? FERRY_OK : FERRY_E_INVAL;
}

static long blocked_work(uint32_t gate, uint64_t us)
{
    FERRY_RPC_MSG(ferry_blocked_work_in, rpc_mr())->us = us;
    return client_call(gate, BLOCKED_WORK, FERRY_RPC_WORDS(ferry_blocked_work_in), 0, NULL, 0,
                       NULL);
}

/* ---- threads ---- */

/* Raw IPC: blocked in receive (IPC_WAIT, then REPLY_WAIT) between notes. */
static void receiver(void *arg)
{
    (void)arg;
    uint64_t tag, label;
    long err = sys_ipc_wait(FERRY_TIMEOUT_NEVER, &tag, &label);
    for (;;) {
        if (err)
            ckpt_fail("receiving a note", err);
        struct ferry_utcb *u = sys_utcb();
        uint64_t seq = FERRY_RPC_MSG(ferry_blocked_ping_in, u->mr)->seq;
        check_seq("note", seq, &last_note, &notes);
        FERRY_RPC_MSG(ferry_blocked_ping_out, u->mr)->seq = seq;
        err = sys_ipc_reply_wait(FERRY_TAG(FERRY_RPC_WORDS(ferry_blocked_ping_out), 0, FERRY_OK),
                                 FERRY_TIMEOUT_NEVER, &tag, &label);
    }
}

static void waiter(void *arg)
{
    (void)arg;
    for (;;) {
        long err = sys_irq_wait(signal, FERRY_TIMEOUT_NEVER);
        if (err)
            ckpt_fail("waiting for the signal", err);
        __atomic_add_fetch(&signals, 1, __ATOMIC_RELEASE);
    }
}

static void worker(void *arg)
{
    (void)arg;
    wait_flag(&work_wanted);
    long err = blocked_work(work_gate, busy_ms * 1000);
    if (err)
        ckpt_fail("BLOCKED_WORK", err);
}

static void reporter(void *arg)
{
    (void)arg;
    wait_flag(&caller_calling);
    sleep_ms(20); /* the caller is in its call by now: the entrypoint spins for busy_ms */
    printf("%s: all blocked at round %lu: entrypoint busy, caller and worker in calls to it, "
           "receiver in receive, waiter in a signal wait\n",
           ckpt_name, (unsigned long)hold);
}

static void finish(void)
{
    for (unsigned i = 0; i < 2000 && __atomic_load_n(&signals, __ATOMIC_ACQUIRE) < rounds; i++)
        sleep_ms(1);
    sleep_ms(50); /* a duplicate arriving late is counted too */
    uint64_t s = __atomic_load_n(&signals, __ATOMIC_ACQUIRE);
    int ok = pings == rounds && last_ping == rounds && notes == rounds && last_note == rounds &&
             s == rounds && works == (hold && hold <= rounds);
    printf("%s: done: %lu pings, %lu notes, %lu signals, %lu work: %s\n", ckpt_name,
           (unsigned long)pings, (unsigned long)notes, (unsigned long)s, (unsigned long)works,
           ok ? "each delivered exactly once" : "FAILED");
    env_exit(ckpt_env, !ok);
}

static void caller(void *arg)
{
    (void)arg;
    long err;
    for (uint64_t r = 1; r <= rounds; r++) {
        FERRY_RPC_MSG(ferry_blocked_ping_in, rpc_mr())->seq = r;
        uint64_t back;
        if ((err = client_call(note_gate, BLOCKED_PING, FERRY_RPC_WORDS(ferry_blocked_ping_in), 0,
                               &back, FERRY_RPC_WORDS(ferry_blocked_ping_out), NULL)))
            ckpt_fail("note", err);
        if (r == hold) {
            __atomic_store_n(&work_wanted, 1, __ATOMIC_RELEASE);
            wait_flag(&ep_busy);
            __atomic_store_n(&caller_calling, 1, __ATOMIC_RELEASE);
        }
        if ((err = blocked_ping(ping_gate, r)))
            ckpt_fail("BLOCKED_PING", err);
        if ((err = sys_irq_trigger(signal)))
            ckpt_fail("triggering the signal", err);
        if (r % report == 0)
            printf("%s: round %lu\n", ckpt_name, (unsigned long)r);
        sleep_ms(period_ms);
    }
    __atomic_store_n(&caller_done, 1, __ATOMIC_RELEASE);
    finish();
}

static uint32_t spawn(const char *what, void (*fn)(void *))
{
    long err;
    uint32_t thread = env_thread_spawn(ckpt_env, what, THREAD_PRIO, fn, NULL, &err);
    if (!thread)
        ckpt_fail(what, err);
    return thread;
}

void component_construct(struct env *e)
{
    ckpt_init(e);
    rounds = ckpt_arg("rounds", 20);
    hold = ckpt_arg("hold", 10);
    busy_ms = ckpt_arg("busy_ms", 400);
    period_ms = ckpt_arg("period_ms", 10);
    report = ckpt_arg("report", 5);
    if (!rounds || !report) {
        printf("%s: bad arguments: rounds and report > 0\n", ckpt_name);
        env_exit(ckpt_env, 1);
    }
    printf("%s: started\n", ckpt_name);
    long err;
    uint64_t badge;
    if (!(ping_gate = env_rpc_register(ckpt_env, &ping_obj, &err)) ||
        !(work_gate = env_rpc_register(ckpt_env, &work_obj, &err)))
        ckpt_fail("registering the objects", err);
    if ((err = env_signal_alloc(ckpt_env, &signal)))
        ckpt_fail("signal", err);
    uint32_t receiver_thread = spawn("receiver", receiver);
    if ((err = pd_alloc_rpc_cap(ckpt_env->pd, receiver_thread, &note_gate, &badge)))
        ckpt_fail("PD_ALLOC_RPC_CAP for the receiver", err);
    spawn("waiter", waiter);
    spawn("worker", worker);
    if (hold && hold <= rounds)
        spawn("reporter", reporter);
    spawn("caller", caller);
    /* returns: this thread becomes the entrypoint serving the two objects */
}
