/*
 * ckpt-client: a client of ckpt-server (Ckpt) that creates objects at the
 * start and keeps calling them in a loop, checking every answer against the
 * value it expects (kept in its own memory). A restore must give it back
 * working capabilities to the same objects (same slots, new badges) and a
 * capability map that agrees with its capability space.
 *
 *     NAME: started
 *     NAME: call K: values V0 V1 ... ok           (every `report` calls)
 *     NAME: capability map: N entries, each badge once, every slot's badge matches
 *     NAME: object I in slot S: value V, expected E        (a wrong answer)
 *     NAME: call K: second session: object value V, closed      (arg second)
 *     NAME: closed its Ckpt session                           (arg close)
 *
 * Arguments: objects (created at the start, default 3), calls (stop after
 * that many, 0 = never; default 0), report (default 10), period_ms (pause
 * between calls, default 5), check (print the capability map check every
 * that many calls, 0 = only at the start and the end; default 0), late (at
 * that call, create one more object and use it too; 0 = never), second (at
 * that call, open a second Ckpt session, create an object through it, call it
 * and close the session; 0 = never), close (1: close the Ckpt session through
 * the parent at the end; 0 = never).
 */
#include <badge_runtime.h> /* the capability map itself: this test checks it */
#include <client.h>
#include <ferry/iface/ckpt.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

/* ---- Ckpt client stubs (include/ferry/iface/ckpt.h) ---- */

static long ckpt_create(uint32_t session, uint64_t value, uint32_t *object)
{
    FERRY_RPC_MSG(ferry_ckpt_create_in, rpc_mr())->value = value;
    return client_call(session, CKPT_CREATE, FERRY_RPC_WORDS(ferry_ckpt_create_in), 0, NULL, 0,
                       object);
}

static long ckpt_stats(uint32_t session, struct ferry_ckpt_stats_out *stats)
{
    return client_call(session, CKPT_STATS, 0, 0, stats, FERRY_RPC_WORDS(ferry_ckpt_stats_out),
                       NULL);
}

static long ckpt_obj_add(uint32_t object, uint64_t n, uint64_t *value)
{
    FERRY_RPC_MSG(ferry_ckpt_obj_add_in, rpc_mr())->n = n;
    return client_call(object, CKPT_OBJ_ADD, FERRY_RPC_WORDS(ferry_ckpt_obj_add_in), 0, value,
                       FERRY_RPC_WORDS(ferry_ckpt_obj_value_out), NULL);
}

/* A second Ckpt session (opened while the first is held): an object made
 * through it answers once, then the session is closed through the parent. */
static void second_session(uint64_t k)
{
    uint32_t session, object;
    uint64_t value;
    long err =
        env_session(ckpt_env, "Ckpt", "second", NULL, 16 * 1024, CKPT_MAX_OBJECTS + 1, &session);
    if (err)
        ckpt_fail("second Ckpt session", err);
    if ((err = ckpt_create(session, 7000, &object)) || (err = ckpt_obj_add(object, 7, &value)))
        ckpt_fail("second session's object", err);
    if ((err = env_session_close(ckpt_env, session)))
        ckpt_fail("closing the second session", err);
    printf("%s: call %lu: second session: object value %lu, closed\n", ckpt_name, (unsigned long)k,
           (unsigned long)value);
}

/* ---- the capability map against the capability space ---- */

/* Prints whether every entry's badge is the one the kernel reports for its
 * slot (after a restore: the rewritten map against the new objects). */
static int check_capmap(void)
{
    int layout = capmap_validate(env_capmap, CAPMAP_REGION_SIZE(env_capmap->capacity));
    if (layout != CAPMAP_OK) {
        printf("%s: capability map INVALID: %s\n", ckpt_name, capmap_error_name(layout));
        return 0;
    }
    unsigned n = 0, bad = 0;
    for (struct capmap_entry *e = capmap_first(env_capmap); e; e = capmap_next(env_capmap, e)) {
        uint64_t held = env_cap_badge(e->slot);
        n++;
        if (held != e->link.key) {
            bad++;
            printf("%s: capability map MISMATCH: slot %u: map says badge %lu, the slot holds "
                   "badge %lu\n",
                   ckpt_name, e->slot, (unsigned long)e->link.key, (unsigned long)held);
        }
    }
    if (!bad)
        printf("%s: capability map: %u entries, each badge once, every slot's badge matches\n",
               ckpt_name, n);
    return !bad;
}

void component_construct(struct env *e)
{
    ckpt_init(e);
    uint64_t objects = ckpt_arg("objects", 3), calls = ckpt_arg("calls", 0);
    uint64_t report = ckpt_arg("report", 10), period_ms = ckpt_arg("period_ms", 5);
    uint64_t check = ckpt_arg("check", 0), late = ckpt_arg("late", 0);
    uint64_t second = ckpt_arg("second", 0), close = ckpt_arg("close", 0);
    if (!objects || objects + (late != 0) > CKPT_MAX_OBJECTS || !report) {
        printf("%s: bad arguments: objects 1..%u (one less with late), report > 0\n", ckpt_name,
               CKPT_MAX_OBJECTS);
        env_exit(ckpt_env, 1);
    }
    printf("%s: started\n", ckpt_name);

    uint32_t session, obj[CKPT_MAX_OBJECTS];
    uint64_t expect[CKPT_MAX_OBJECTS];
    long err = env_session(ckpt_env, "Ckpt", "", NULL, 16 * 1024, CKPT_MAX_OBJECTS + 1, &session);
    if (err)
        ckpt_fail("Ckpt session", err);
    for (unsigned i = 0; i < objects; i++) {
        expect[i] = 1000 * (i + 1);
        if ((err = ckpt_create(session, expect[i], &obj[i])))
            ckpt_fail("CKPT_CREATE", err);
    }
    int ok = check_capmap();

    for (uint64_t k = 1; ok && (!calls || k <= calls); k++) {
        if (late && k == late) {
            expect[objects] = 1000 * (objects + 1);
            if ((err = ckpt_create(session, expect[objects], &obj[objects])))
                ckpt_fail("CKPT_CREATE (late)", err);
            printf("%s: call %lu: created object %lu\n", ckpt_name, (unsigned long)k,
                   (unsigned long)objects);
            objects++;
        }
        if (second && k == second)
            second_session(k);
        unsigned i = k % objects;
        uint64_t value;
        if ((err = ckpt_obj_add(obj[i], i + 1, &value))) {
            printf("%s: object %u in slot %u: %s\n", ckpt_name, i, obj[i], ferry_error_name(err));
            env_exit(ckpt_env, 1);
        }
        expect[i] += i + 1;
        if (value != expect[i]) {
            printf("%s: object %u in slot %u: value %lu, expected %lu\n", ckpt_name, i, obj[i],
                   (unsigned long)value, (unsigned long)expect[i]);
            ok = 0;
        }
        if (k % report == 0) {
            char line[160];
            int len =
                snprintf(line, sizeof(line), "%s: call %lu: values", ckpt_name, (unsigned long)k);
            for (unsigned j = 0; j < objects && len < (int)sizeof(line) - 24; j++)
                len += snprintf(line + len, sizeof(line) - len, " %lu", (unsigned long)expect[j]);
            printf("%s ok\n", line);
        }
        if (check && k % check == 0)
            ok &= check_capmap();
        if (period_ms)
            sys_sleep(period_ms * 1000);
    }

    struct ferry_ckpt_stats_out stats;
    if ((err = ckpt_stats(session, &stats)))
        ckpt_fail("CKPT_STATS", err);
    ok &= check_capmap();
    if (close && (err = env_session_close(ckpt_env, session)))
        ckpt_fail("closing the Ckpt session", err);
    if (close)
        printf("%s: closed its Ckpt session\n", ckpt_name);
    printf("%s: done: %lu objects, the server counted %lu calls%s\n", ckpt_name,
           (unsigned long)stats.objects, (unsigned long)stats.calls, ok ? "" : ", FAILED");
    env_exit(ckpt_env, !ok);
}
