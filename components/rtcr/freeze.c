/*
 * Freeze and thaw (docs/rtcr.md, "Checkpoint" step 1): every thread of the
 * cut paused at a restartable point, its state read.
 */
#include "ckpt.h"
#include <ferry/objinfo.h>
#include <sys.h>
#include <stdio.h>
#include <string.h>

/* Calls op on every recorded thread of every protected child (by rtcr's slot). */
static void each_thread(long (*op)(uint32_t thread))
{
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_THREADS; j++)
            if (c->threads[j].used)
                op(c->threads[j].slot);
    }
}

void ckpt_pause_all(void)
{
    each_thread(thread_pause);
}

void ckpt_thaw(void)
{
    each_thread(thread_resume);
}

/* Reads a paused thread's state into *out. */
static long read_state(struct rtcr_thread *t, struct ferry_thread_state *out)
{
    long err = thread_state_get(t->slot, ckpt_state_ds);
    if (!err)
        memcpy(out, ckpt_state_page, sizeof(*out));
    return err;
}

/* Pauses every thread of the cut and reads each one's state; the first one
 * waiting for a reply (REPLY_WAIT: not restartable), or NULL. */
static struct thread_entry *pause_all(long *err)
{
    struct thread_entry *waiting = NULL;
    *err = FERRY_OK;
    for (unsigned i = 0; i < cut.thread_count; i++)
        thread_pause(cut.threads[i].t->slot);
    for (unsigned i = 0; i < cut.thread_count && !*err; i++) {
        *err = read_state(cut.threads[i].t, &cut.threads[i].state);
        if (!waiting && cut.threads[i].state.run.state == FERRY_RUN_REPLY_WAIT)
            waiting = &cut.threads[i];
    }
    return waiting;
}

/* The kernel object id of the thread rtcr's slot `slot` names (core's
 * thread object: THREAD_INFO); 0 if none. */
static uint64_t thread_kobj(uint32_t slot)
{
    struct ferry_thread_info_out info;
    return thread_info(slot, &info) == FERRY_OK ? info.kobj_id : 0;
}

/* Whether rtcr's slot `slot` holds a gate the thread with kernel object id
 * `thread` receives on. */
static bool served_by(uint32_t slot, uint64_t thread)
{
    static struct ferry_obj_info oi;
    return slot && sys_task_obj_info(FERRY_COMP_SEL_TASK, slot, &oi) == FERRY_OK &&
           oi.type == FERRY_OBJ_GATE && oi.gate.receiver == thread;
}

/*
 * Who owes thread e the reply it waits for (run.blocked_on: the server
 * thread), in words for the error: a thread of a protected child by its name
 * and child; else the server of the child's session whose gate that thread
 * receives on (a server outside the cut: rtcr knows its service); else the
 * kernel object id.
 */
static void describe_server(const struct thread_entry *e, char *out, size_t size)
{
    uint64_t server = e->state.run.blocked_on;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        const struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_THREADS; j++)
            if (c->threads[j].used && thread_kobj(c->threads[j].slot) == server) {
                snprintf(out, size, "thread '%s' of '%s'", c->threads[j].name, c->name);
                return;
            }
    }
    for (unsigned i = 0; i < RTCR_SESSIONS; i++) {
        const struct rtcr_session *v = &e->c->sessions[i];
        if (v->used && served_by(v->real, server)) {
            snprintf(out, size, "the server of its %s session", v->service);
            return;
        }
    }
    snprintf(out, size, "thread object %lu, which rtcr cannot name", (unsigned long)server);
}

/*
 * Pauses every thread of every protected child and reads its state. While a
 * thread waits for a reply (REPLY_WAIT: its call was taken, the answer is
 * owed), everything runs on for a millisecond and is paused again: a server
 * inside the cut answers, one outside has CKPT_REPLY_BOUND_US; past that the
 * checkpoint fails naming the thread and what it waits on.
 */
long cut_freeze(void)
{
    cut.thread_count = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_THREADS; j++)
            if (c->threads[j].used) {
                if (cut.thread_count == CKPT_MAX_THREADS)
                    return FERRY_E_NOMEM;
                cut.threads[cut.thread_count++] =
                    (struct thread_entry){.c = c, .t = &c->threads[j]};
            }
    }
    uint64_t deadline = sys_clock_us() + CKPT_REPLY_BOUND_US;
    long err;
    struct thread_entry *e;
    while ((e = pause_all(&err)) && !err) {
        if (sys_clock_us() > deadline) {
            char server[96];
            describe_server(e, server, sizeof(server));
            printf("rtcr: checkpoint failed: thread '%s' of '%s' waits for a reply from %s "
                   "beyond %lu ms\n",
                   e->t->name, e->c->name, server, CKPT_REPLY_BOUND_US / 1000);
            return FERRY_E_TIMEOUT;
        }
        for (unsigned i = 0; i < cut.thread_count; i++)
            thread_resume(cut.threads[i].t->slot);
        sys_sleep(1000);
    }
    return err;
}
