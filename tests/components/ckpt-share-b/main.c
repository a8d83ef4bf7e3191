/*
 * ckpt-share-b: attaches the dataspace ckpt-share-a shares (Share service)
 * and checks in a loop that writes go both ways: it writes a word, asks
 * ckpt-share-a what it sees there (SHARE_CHECK), and reads the answer
 * ckpt-share-a wrote into the next word. A restore that copied the
 * dataspace once per component instead of sharing it breaks this at the
 * first round after it.
 *
 * Each round it also writes one word of the dataspace's upper half, which
 * ckpt-share-a never writes, and every `report` rounds it checks all of them:
 * an incremental checkpoint that tracks only the owner's writes to a shared
 * dataspace loses these.
 *
 *     NAME: started
 *     NAME: round R: both ways                    (every `report` rounds)
 *     NAME: round R: wrote W, the server saw S     (a failure)
 *     NAME: round R: the server wrote A, read B    (a failure)
 *     NAME: round R: its own word of round I reads X, wrote Y   (a failure)
 *     NAME: done: R rounds shared both ways
 *
 * Arguments: rounds (0 = never stop; default 0), report (default 10),
 * period_ms (pause between rounds, default 5), alias (1: the dataspace is
 * attached a second time and the upper-half words are written only through
 * that second attachment, read through the first; default 0).
 */
#include <client.h>
#include <ferry/iface/ckpt.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

/* ---- Share client stubs (include/ferry/iface/ckpt.h) ---- */

static long share_dataspace(uint32_t session, uint32_t *ds)
{
    return rpc_get_cap(session, SHARE_DATASPACE, ds);
}

static long share_check(uint32_t session, uint64_t word, uint64_t *seen)
{
    FERRY_RPC_MSG(ferry_share_check_in, rpc_mr())->word = word;
    return client_call(session, SHARE_CHECK, FERRY_RPC_WORDS(ferry_share_check_in), 0, seen,
                       FERRY_RPC_WORDS(ferry_share_check_out), NULL);
}

/* The upper half of the dataspace: word of round r and what it holds. */
static uint64_t own_index(uint64_t count, uint64_t r)
{
    return count / 2 + (r - 1) % (count / 2);
}
static uint64_t own_value(uint64_t r)
{
    return r * 3 + 7;
}

/* Checks the own words of the last rounds up to r (as many as fit); exits on
 * the first one that does not hold what this component wrote. */
static void check_own(volatile uint64_t *words, uint64_t count, uint64_t r)
{
    uint64_t first = r > count / 2 ? r - count / 2 + 1 : 1;
    for (uint64_t i = first; i <= r; i++)
        if (words[own_index(count, i)] != own_value(i)) {
            printf("%s: round %lu: its own word of round %lu reads %lu, wrote %lu\n", ckpt_name,
                   (unsigned long)r, (unsigned long)i, (unsigned long)words[own_index(count, i)],
                   (unsigned long)own_value(i));
            env_exit(ckpt_env, 1);
        }
}

/* One round through the server: b writes, a reads and answers, b reads. */
static void share_round(uint32_t session, volatile uint64_t *words, uint64_t count, uint64_t r)
{
    uint64_t w = (2 * r) % (count / 2 - 1) & ~1ul, wrote = r * 7 + 1, seen;
    words[w] = wrote;
    long err = share_check(session, w, &seen);
    if (err)
        ckpt_fail("SHARE_CHECK", err);
    if (seen != wrote) {
        printf("%s: round %lu: wrote %lu, the server saw %lu\n", ckpt_name, (unsigned long)r,
               (unsigned long)wrote, (unsigned long)seen);
        env_exit(ckpt_env, 1);
    }
    if (words[w + 1] != seen * 2 + 1) {
        printf("%s: round %lu: the server wrote %lu, read %lu\n", ckpt_name, (unsigned long)r,
               (unsigned long)(seen * 2 + 1), (unsigned long)words[w + 1]);
        env_exit(ckpt_env, 1);
    }
}

void component_construct(struct env *e)
{
    ckpt_init(e);
    uint64_t rounds = ckpt_arg("rounds", 0), report = ckpt_arg("report", 10);
    uint64_t period_ms = ckpt_arg("period_ms", 5);
    printf("%s: started\n", ckpt_name);

    uint32_t session, ds;
    uint64_t addr;
    struct ferry_ds_info_out info;
    long err = env_session(ckpt_env, "Share", "", NULL, 4096, 2, &session);
    if (err)
        ckpt_fail("Share session", err);
    if ((err = share_dataspace(session, &ds)))
        ckpt_fail("SHARE_DATASPACE", err);
    if ((err = ds_info(ds, &info)))
        ckpt_fail("DS_INFO", err);
    if ((err = env_attach(ckpt_env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr)))
        ckpt_fail("attaching the shared dataspace", err);
    volatile uint64_t *words = (volatile uint64_t *)addr, *own = words;
    if (ckpt_arg("alias", 0)) {
        if ((err = env_attach(ckpt_env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr)))
            ckpt_fail("attaching the shared dataspace a second time", err);
        own = (volatile uint64_t *)addr;
    }
    uint64_t count = info.size / 8, r;
    if (count < 8 || !report)
        ckpt_fail("checking the arguments and the dataspace's size", FERRY_E_INVAL);

    for (r = 1; !rounds || r <= rounds; r++) {
        share_round(session, words, count, r);
        own[own_index(count, r)] = own_value(r);
        if (r % report == 0) {
            check_own(words, count, r);
            printf("%s: round %lu: both ways\n", ckpt_name, (unsigned long)r);
        }
        if (period_ms)
            sys_sleep(period_ms * 1000);
    }
    printf("%s: done: %lu rounds shared both ways\n", ckpt_name, (unsigned long)rounds);
    env_exit(ckpt_env, 0);
}
