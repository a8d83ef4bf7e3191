/*
 * What the checkpoint test components (tests/components/ckpt-*) share: their
 * name for every line they print, numeric arguments, and the way they give
 * up. Each component is one translation unit that includes this once.
 */
#ifndef FERRY_TESTS_CKPT_H
#define FERRY_TESTS_CKPT_H

#include <client.h>
#include <env.h>
#include <ferry/component.h>
#include <ferry/object.h>
#include <ferry/objinfo.h>
#include <stdio.h>
#include <stdlib.h>

static struct env *ckpt_env;
static const char *ckpt_name; /* the child's name: two instances of one binary differ */

/* Call first in component_construct. */
static inline void ckpt_init(struct env *env)
{
    ckpt_env = env;
    ckpt_name = env->startup->name;
}

/* The configuration argument `key` as a number (decimal or 0x hex), `dflt`
 * when it is not given. */
static inline uint64_t ckpt_arg(const char *key, uint64_t dflt)
{
    const char *arg = env_arg(ckpt_env, key);
    return arg ? strtoul(arg, NULL, 0) : dflt;
}

/* Prints "NAME: WHAT failed: ERROR" and ends the component with code 1. */
static inline void __attribute__((noreturn)) ckpt_fail(const char *what, long err)
{
    printf("%s: %s failed: %s\n", ckpt_name, what, ferry_error_name(err));
    env_exit(ckpt_env, 1);
}

/* Keeps the calling thread busy (running, not sleeping) for `us` microseconds: a busy
 * server. A clock that went back (restored on another machine) ends it early. */
static inline void ckpt_spin_us(uint64_t us)
{
    uint64_t start = sys_clock_us(), now;
    do
        now = sys_clock_us();
    while (now >= start && now - start < us);
}

/* A Timer session (slot in *timer) signalling a new signal, returned: the
 * caller then configures it (periodic or one-shot). Gives up on failure. */
static inline uint32_t ckpt_timer_signal(uint32_t *timer)
{
    uint32_t signal;
    long err;
    if ((err = env_session(ckpt_env, "Timer", "", NULL, 8192, 4, timer)))
        ckpt_fail("Timer session", err);
    if ((err = env_signal_alloc(ckpt_env, &signal)))
        ckpt_fail("signal", err);
    if ((err = timer_sigh(*timer, signal)))
        ckpt_fail("TIMER_SIGH", err);
    return signal;
}

/* "yes" if the gate in `slot` is served by the thread serving the parent
 * object (under rtcr: rtcr's virtual object, not core's), "no" if not (the
 * kernel's TASK_CAP_INFO: the gate's receiver). */
static inline const char *ckpt_served_by_parent(uint32_t slot)
{
    struct ferry_obj_info parent, obj;
    if (sys_task_obj_info(FERRY_COMP_SEL_TASK, FERRY_COMP_SEL_PARENT, &parent) ||
        sys_task_obj_info(FERRY_COMP_SEL_TASK, slot, &obj))
        return "unknown";
    return obj.type == FERRY_OBJ_GATE && obj.gate.receiver == parent.gate.receiver ? "yes" : "no";
}

#endif
