/*
 * Checkpoint (rtcr.h; the protocol in docs/rtcr.md): freeze every thread of
 * every protected child (one cut), capture the capability spaces and badge
 * tables, harvest the memory, encode, thaw; print the statistics.
 */
#include "ckpt.h"
#include <stdio.h>
#include <string.h>

uint32_t ckpt_state_ds;
struct ferry_thread_state *ckpt_state_page;

long ckpt_init(void)
{
    if (ckpt_state_ds)
        return FERRY_OK;
    long err;
    ckpt_state_page =
        env_alloc_attached(rtcr.env, sizeof(struct ferry_thread_state), &ckpt_state_ds, &err);
    return ckpt_state_page ? FERRY_OK : err;
}

long ckpt_checkpoint(const char *name, bool incremental, bool stop)
{
    if (incremental && !ckpt_have_last) {
        printf("rtcr: checkpoint '%s': no earlier image to be incremental on\n", name);
        return FERRY_E_NOENT;
    }
    if (incremental && stored_in_chain(name, &ckpt_last_digest)) {
        printf("rtcr: checkpoint '%s' (incremental): an image of its chain is called '%s'; "
               "replacing it would leave the new one without its parent\n",
               name, name);
        return FERRY_E_INVAL;
    }
    if (incremental && ckpt_dirty_lost) {
        printf("rtcr: checkpoint '%s' (incremental): the dirty pages since the last image were "
               "read by a checkpoint that failed; take a full one\n",
               name);
        return FERRY_E_NOENT;
    }
    long err = ckpt_init();
    if (err)
        return err;
    cut.cap_count = cut.table_count = 0;
    memset(cut.signal_pending, 0, sizeof(cut.signal_pending));
    struct image_stats stats = {0};
    uint64_t t0 = sys_instret();
    err = cut_freeze();
    uint64_t t1 = sys_instret();
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++)
        if (rtcr.children[i].used)
            err = capture_caps(&rtcr.children[i]);
    if (!err)
        err = collect_dataspaces();
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN && !err; i++)
        if (rtcr.children[i].used)
            err = capture_tables(&rtcr.children[i]);
    bool harvested = !err;
    if (!err)
        err = harvest_dirty();
    if (!err)
        err = mark_nonzero(incremental);
    uint64_t t2 = sys_instret();
    if (!err)
        err = snapshot_take(name);
    uint64_t t3 = sys_instret();
    unmap_dataspaces();
    if (err || !stop)
        ckpt_thaw();
    uint64_t t4 = sys_instret();
    struct encode_totals tot = {.incremental = incremental};
    size_t bytes = 0;
    stats.freeze_instret = t4 - t0;
    stats.capture_instret = t2 - t1;
    stats.copy_instret = t3 - t2;
    if (!err)
        err = encode_cut(name, &tot, &stats, &bytes);
    snapshot_drop();
    if (harvested)
        ckpt_dirty_lost = err != FERRY_OK; /* a full image is a new base */
    uint64_t t5 = sys_instret();
    if (err || rtcr.quiet)
        return err;
    if (incremental)
        printf("rtcr: checkpoint '%s' (incremental): %u components, %u threads, %u slots, %u "
               "dirty pages (%u clean), %lu bytes\n",
               name, tot.components, tot.threads, cut.cap_count, tot.pages, tot.clean,
               (unsigned long)bytes);
    else
        printf("rtcr: checkpoint '%s': %u components, %u threads, %u slots, %u pages (%u zero "
               "elided), %lu bytes\n",
               name, tot.components, tot.threads, cut.cap_count, tot.pages, tot.zero,
               (unsigned long)bytes);
    printf("rtcr: checkpoint '%s' statistics: freeze %lu, capture %lu, snapshot %lu, thaw %lu, "
           "encode %lu instructions; paused %lu; %lu of %lu memory bytes stored\n",
           name, (unsigned long)(t1 - t0), (unsigned long)(t2 - t1), (unsigned long)(t3 - t2),
           (unsigned long)(t4 - t3), (unsigned long)(t5 - t4), (unsigned long)(t4 - t0),
           (unsigned long)(tot.pages * PAGE), (unsigned long)stats.memory_bytes);
    return FERRY_OK;
}
