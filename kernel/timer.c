#include "timer.h"
#include "arch/riscv/csr.h"
#include "arch/riscv/sbi.h"
#include "klib.h"
#include "thread.h"
#include <ferry/error.h>
#include <ferry/syscall.h>

static uint64_t hz;
uint64_t timer_armed;              /* value last given to SBI, 0 = must arm again */
uint64_t timer_first = UINT64_MAX; /* deadline of the first of `timeouts` */
static struct list timeouts;       /* struct thread.timeout_link, ascending deadline */

/* timer_first after the head of `timeouts` changed */
static void first_changed(void)
{
    timer_first = list_empty(&timeouts)
                      ? UINT64_MAX
                      : container_of(timeouts.next, struct thread, timeout_link)->deadline;
}

void timer_init(uint64_t timebase_hz)
{
    hz = timebase_hz;
    list_init(&timeouts);
    csr_set(sie, SIE_STIE | SIE_SEIE);
}

uint64_t timer_us_to_ticks(uint64_t us)
{
    if (us == FERRY_TIMEOUT_NEVER)
        return UINT64_MAX;
    uint64_t whole = us / 1000000, part = us % 1000000;
    if (whole > UINT64_MAX / hz / 2)
        return UINT64_MAX;
    return whole * hz + part * hz / 1000000;
}

uint64_t timer_ticks_to_us(uint64_t ticks)
{
    return ticks / hz * 1000000 + (ticks % hz) * 1000000 / hz;
}

void timeout_add(struct thread *t, uint64_t deadline)
{
    KASSERT(!list_linked(&t->timeout_link));
    t->deadline = deadline;
    struct list *pos = timeouts.next;
    while (pos != &timeouts && container_of(pos, struct thread, timeout_link)->deadline <= deadline)
        pos = pos->next;
    list_insert_between(&t->timeout_link, pos->prev, pos);
    first_changed();
}

void timeout_remove(struct thread *t)
{
    if (list_linked(&t->timeout_link)) {
        list_remove(&t->timeout_link);
        first_changed();
    }
}

void timer_expire(void)
{
    uint64_t now = timer_now();
    timer_armed = 0;
    while (!list_empty(&timeouts)) {
        struct thread *t = container_of(timeouts.next, struct thread, timeout_link);
        if (t->deadline > now)
            break;
        /* a sleep that ran out succeeded; any other wait timed out */
        thread_complete(t, t->state == TS_SLEEP ? FERRY_OK : FERRY_E_TIMEOUT);
    }
}

void timer_arm(uint64_t when)
{
    sbi_set_timer(when);
    timer_armed = when;
}
