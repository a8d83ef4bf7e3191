/*
 * What the checkpoint test components (tests/components/ckpt-*) share: their
 * name for every line they print, numeric arguments, and the way they give
 * up. Each component is one translation unit that includes this once.
 */
#ifndef FERRY_TESTS_CKPT_H
#define FERRY_TESTS_CKPT_H

#include <env.h>
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

#endif
