/*
 * Timer sessions. A core thread (above the entrypoint's priority, so deadlines
 * are met while core serves) sleeps in IRQ_WAIT on a software IRQ with the
 * time to the next deadline as timeout, triggers the signals of the timers
 * that are due, re-arms periodic ones and computes the next deadline. The
 * entrypoint triggers that IRQ whenever it moves a deadline, so the thread
 * recomputes at once.
 *
 * Shared between the two threads: the list of timers (each in its session,
 * struct timer_entry) and nothing else (the timer thread triggers signals
 * through core's slots stored there, never through the object pool), always
 * under timer_lock. A session leaves the list before its page is freed. A signal being freed is
 * first removed from every timer (timer_forget_signal), so its slot is never triggered after it may
 * have been reused.
 */
#include "core.h"
#include "lock.h"
#include "roottask.h"
#include <ferry/iface/timer.h>

#define NO_DEADLINE UINT64_MAX

static struct list timers = {&timers, &timers};
static struct lock timer_lock = LOCK_INIT;
static uint32_t wakeup_sel; /* software IRQ: "the schedule changed" */

/* ---- the timer thread ---- */

static uint64_t next_deadline(void)
{
    uint64_t next = NO_DEADLINE;
    for (struct list *l = timers.next; l != &timers; l = l->next) {
        const struct timer_entry *t = container_of(l, struct timer_entry, link);
        if (t->armed && t->deadline_us < next)
            next = t->deadline_us;
    }
    return next;
}

static void fire_due(uint64_t now)
{
    for (struct list *l = timers.next; l != &timers; l = l->next) {
        struct timer_entry *t = container_of(l, struct timer_entry, link);
        if (!t->armed || t->deadline_us > now)
            continue;
        if (t->sigh_sel)
            sys_irq_trigger(t->sigh_sel);
        if (t->period_us) /* skip the periods that passed unseen: one signal for them */
            t->deadline_us += ((now - t->deadline_us) / t->period_us + 1) * t->period_us;
        else
            t->armed = false;
    }
}

static void timer_thread(void *arg)
{
    (void)arg;
    for (;;) {
        lock_acquire(&timer_lock);
        uint64_t next = next_deadline();
        lock_release(&timer_lock);
        uint64_t now = sys_clock_us();
        if (next == NO_DEADLINE)
            sys_irq_wait(wakeup_sel, FERRY_TIMEOUT_NEVER);
        else if (next > now)
            sys_irq_wait(wakeup_sel, next - now);
        lock_acquire(&timer_lock);
        fire_due(sys_clock_us());
        lock_release(&timer_lock);
    }
}

long timer_service_init(void)
{
    wakeup_sel = rpc_slot_alloc();
    if (!wakeup_sel)
        return FERRY_E_NOMEM;
    long err = sys_create(FERRY_ROOT_SEL_FACTORY, FERRY_OBJ_IRQ, wakeup_sel, 0, 0);
    if (err)
        return err;
    return runtime_thread_spawn(timer_thread, NULL, CORE_TIMER_PRIO) ? FERRY_OK : FERRY_E_NOMEM;
}

void timer_forget_signal(uint32_t sel)
{
    lock_acquire(&timer_lock);
    for (struct list *l = timers.next; l != &timers; l = l->next)
        if (container_of(l, struct timer_entry, link)->sigh_sel == sel)
            container_of(l, struct timer_entry, link)->sigh_sel = 0;
    lock_release(&timer_lock);
}

/* ---- sessions (entrypoint) ---- */

static long timer_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface timer_iface = {"Timer", ferry_timer_sigs, ARRAY_SIZE(ferry_timer_sigs),
                                      timer_dispatch};

long timer_open(struct session *s, const char *args)
{
    (void)args;
    lock_acquire(&timer_lock);
    list_push_back(&timers, &s->timer.link); /* the rest is zero: disarmed, no signal */
    lock_release(&timer_lock);
    return FERRY_OK;
}

void timer_close(struct session *s)
{
    lock_acquire(&timer_lock);
    list_remove(&s->timer.link);
    lock_release(&timer_lock);
}

/* Arms the session's timer (period 0: one-shot) and wakes the timer thread. */
static void timer_arm(struct session *s, uint64_t delay_us, uint64_t period_us)
{
    uint64_t now = sys_clock_us();
    lock_acquire(&timer_lock);
    struct timer_entry *t = &s->timer;
    t->armed = true;
    t->deadline_us = delay_us > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + delay_us;
    t->period_us = period_us;
    lock_release(&timer_lock);
    sys_irq_trigger(wakeup_sel);
}

static long timer_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_TIMER_SIGH: {
        struct pd_cap *signal = signal_from_cap(req, FERRY_TIMER_SIGH_CAP_SIGNAL);
        if (!signal)
            return obj_cap_error(req, FERRY_TIMER_SIGH_CAP_SIGNAL);
        lock_acquire(&timer_lock);
        s->timer.sigh_sel = signal->obj.sel;
        lock_release(&timer_lock);
        return FERRY_OK;
    }
    case FERRY_TIMER_ONESHOT:
        timer_arm(s, FERRY_RPC_MSG(ferry_timer_oneshot_in, req->mr)->us, 0);
        return FERRY_OK;
    case FERRY_TIMER_PERIODIC: {
        uint64_t period = FERRY_RPC_MSG(ferry_timer_periodic_in, req->mr)->period_us;
        if (period < FERRY_TIMER_MIN_PERIOD_US)
            return FERRY_E_INVAL;
        timer_arm(s, period, period);
        return FERRY_OK;
    }
    case FERRY_TIMER_STOP:
        lock_acquire(&timer_lock);
        s->timer.armed = false;
        lock_release(&timer_lock);
        return FERRY_OK;
    case FERRY_TIMER_ELAPSED:
        FERRY_RPC_MSG(ferry_timer_elapsed_out, req->mr)->us = sys_clock_us();
        req->reply_words = FERRY_RPC_WORDS(ferry_timer_elapsed_out);
        return FERRY_OK;
    }
    return FERRY_E_BADOP;
}
