#include "timer.h"
#include "arch/riscv/csr.h"
#include "arch/riscv/sbi.h"
#include "klib.h"
#include "thread.h"
#include <ferry/error.h>
#include <ferry/syscall.h>

static uint64_t hz;
static uint64_t programmed; /* value last given to SBI, 0 = must reprogram */
static struct list timeouts; /* struct thread.timeout_link, ascending deadline */

void timer_init(uint64_t timebase_hz)
{
    hz = timebase_hz;
    list_init(&timeouts);
    csr_set(sie, SIE_STIE | SIE_SEIE);
}

uint64_t timer_now(void)
{
    return read_time();
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
}

void timeout_remove(struct thread *t)
{
    if (list_linked(&t->timeout_link))
        list_remove(&t->timeout_link);
}

void timer_expire(void)
{
    uint64_t now = timer_now();
    programmed = 0;
    while (!list_empty(&timeouts)) {
        struct thread *t = container_of(timeouts.next, struct thread, timeout_link);
        if (t->deadline > now)
            break;
        /* a sleep that ran out succeeded; any other wait timed out */
        thread_complete(t, t->state == TS_SLEEP ? FERRY_OK : FERRY_E_TIMEOUT);
    }
}

void timer_program(uint64_t slice_end)
{
    uint64_t next = slice_end;
    if (!list_empty(&timeouts)) {
        uint64_t first = container_of(timeouts.next, struct thread, timeout_link)->deadline;
        if (first < next)
            next = first;
    }
    /* An SBI call costs hundreds of instructions, so the timer only ever moves
     * earlier. One armed for a later event than needed just interrupts early:
     * timer_expire() then clears `programmed` and the next call re-arms it. */
    if (programmed == 0 || next < programmed) {
        sbi_set_timer(next);
        programmed = next;
    }
}
