/*
 * Memory of the cut (docs/rtcr.md, "Checkpoint" step 4): every recorded
 * dataspace mapped into rtcr once, the dirty pages harvested, zero pages
 * found; the badge tables found through the report page.
 */
#include "ckpt.h"
#include <ferry/iface/rm.h>
#include <string.h>
#include <tables.h>

struct cut cut;
#define CKPT_DIRTY_PAGES (64ul * 1024) /* pages of all dataspaces of one cut (256 MiB) */
static uint64_t dirty_bits[CKPT_DIRTY_PAGES / 64];

/* Where the child's address `addr` (len bytes) is in rtcr: through the
 * attachment holding it, mapped with the dataspaces (dss). 0 if nowhere. */
uint64_t local_addr(struct rtcr_child *c, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < RTCR_ATTACHMENTS; i++) {
        const struct rtcr_attach *a = &c->attach[i];
        if (!a->used || a->rm != c->rm_id || addr < a->addr || addr - a->addr > a->size ||
            len > a->size - (addr - a->addr))
            continue;
        for (unsigned j = 0; j < cut.ds_count; j++)
            if (cut.dss[j].c == c && cut.dss[j].ds->id == a->ds)
                return cut.dss[j].local + a->offset + (addr - a->addr);
    }
    return 0;
}

/* The child's report page (struct ferry_report: its badge tables), checked. */
long find_report(struct rtcr_child *c, const struct ferry_report **out)
{
    for (unsigned j = 0; j < cut.ds_count; j++) {
        if (cut.dss[j].c != c || !(cut.dss[j].ds->flags & IMAGE_DS_REPORT))
            continue;
        const struct ferry_report *r = (const void *)cut.dss[j].local;
        struct tables_failure f;
        if (r->magic != FERRY_REPORT_MAGIC)
            return FERRY_E_NOENT;
        if (tables_report_validate(r, &f) != TABLES_OK)
            return FERRY_E_INVAL;
        *out = r;
        return FERRY_OK;
    }
    return FERRY_E_NOENT;
}

/* rtcr's view of every table the report names: copies[i] for cut.table[i]. */
long map_tables(struct rtcr_child *c, const struct ferry_report *report, struct tables_copy *copies)
{
    for (unsigned i = 0; i < report->count; i++) {
        const struct ferry_report_table *t = &report->table[i];
        uint64_t at = local_addr(c, t->vaddr, t->size);
        if (!at || (at & 7))
            return FERRY_E_RANGE;
        copies[i] = (struct tables_copy){(void *)at, t->size};
    }
    return FERRY_OK;
}

void unmap_dataspaces(void)
{
    for (unsigned i = 0; i < cut.ds_count; i++)
        if (cut.dss[i].local)
            env_detach(rtcr.env, cut.dss[i].local);
    cut.ds_count = 0;
}

long map_dataspaces(void)
{
    cut.ds_count = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_DATASPACES; j++) {
            if (!c->ds[j].used)
                continue;
            struct ds_entry *e = &cut.dss[cut.ds_count++];
            *e = (struct ds_entry){c, &c->ds[j], 0, NULL};
            long err =
                env_attach(rtcr.env, c->ds[j].slot, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &e->local);
            if (err) {
                e->local = 0;
                return err;
            }
        }
    }
    return FERRY_OK;
}

/* Marks in e's bitmap the pages of `pages` written since the last cut at
 * address space address `at` (dataspace page `first` there), re-armed. */
static long harvest_range(struct ds_entry *e, uint64_t at, uint64_t first, uint64_t pages)
{
    for (uint64_t done = 0; done < pages;) {
        uint64_t n = pages - done;
        n = n < FERRY_RM_DIRTY_MAX_PAGES ? n : FERRY_RM_DIRTY_MAX_PAGES;
        static struct ferry_rm_dirty_out out;
        long err = rm_dirty(e->c->pc->child.rm, at + done * PAGE, n, FERRY_RM_DIRTY_CLEAR, &out);
        if (err)
            return err;
        for (uint64_t b = 0; b < n; b++)
            if (out.bits[b / 64] >> (b % 64) & 1) {
                uint64_t page = first + done + b;
                e->dirty[page / 64] |= 1ull << (page % 64);
            }
        done += n;
    }
    return FERRY_OK;
}

/* The dirty pages of attachment a (in a managed map of e's child): the
 * address space sees them where the map is attached (core counts them
 * there), for the part of a each such attachment shows. */
static long harvest_managed(struct ds_entry *e, const struct rtcr_attach *a)
{
    const struct rtcr_child *c = e->c;
    for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++) {
        const struct rtcr_attach *w = &c->attach[k];
        if (!w->used || w->rm != c->rm_id || w->ds != a->rm)
            continue;
        uint64_t lo = a->addr > w->offset ? a->addr : w->offset;
        uint64_t hi_a = a->addr + a->size, hi_w = w->offset + w->size;
        uint64_t hi = hi_a < hi_w ? hi_a : hi_w;
        long err = lo < hi
                       ? harvest_range(e, w->addr + (lo - w->offset),
                                       a->offset / PAGE + (lo - a->addr) / PAGE, (hi - lo) / PAGE)
                       : FERRY_OK;
        if (err)
            return err;
    }
    return FERRY_OK;
}

/*
 * The pages of every dataspace written through its child's address space
 * since the last cut (core's RM_DIRTY on each attachment, a managed map's
 * where the map is attached), re-armed for the next one: each ds_entry's
 * dirty bitmap.
 */
long harvest_dirty(void)
{
    uint64_t used = 0;
    memset(dirty_bits, 0, sizeof(dirty_bits));
    for (unsigned i = 0; i < cut.ds_count; i++) {
        struct ds_entry *e = &cut.dss[i];
        uint64_t pages = e->ds->size / PAGE;
        if (used + pages > CKPT_DIRTY_PAGES)
            return FERRY_E_NOMEM;
        e->dirty = &dirty_bits[used / 64];
        used += (pages + 63) & ~63ul;
        for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++) {
            const struct rtcr_attach *a = &e->c->attach[k];
            if (!a->used || a->ds != e->ds->id)
                continue;
            long err = a->rm == e->c->rm_id
                           ? harvest_range(e, a->addr, a->offset / PAGE, a->size / PAGE)
                           : harvest_managed(e, a);
            if (err)
                return err;
        }
    }
    return FERRY_OK;
}

/* For a full image: each dataspace's bitmap becomes its non-zero pages. */
void mark_nonzero(void)
{
    for (unsigned i = 0; i < cut.ds_count; i++) {
        struct ds_entry *e = &cut.dss[i];
        uint64_t pages = e->ds->size / PAGE;
        for (uint64_t p = 0; p < pages; p++) {
            uint64_t bit = 1ull << (p % 64);
            if (image_page_is_zero((const void *)(e->local + p * PAGE)))
                e->dirty[p / 64] &= ~bit;
            else
                e->dirty[p / 64] |= bit;
        }
    }
}

/* Pages the image will hold (the bits set). */
uint64_t pages_to_store(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < cut.ds_count; i++)
        for (uint64_t w = 0; w < (cut.dss[i].ds->size / PAGE + 63) / 64; w++)
            n += (uint64_t)__builtin_popcountll(cut.dss[i].dirty[w]);
    return n;
}

/* Copies words where it can: picolibc's memcpy moves one byte per iteration. */
void copy_bytes(void *dst, const void *src, size_t len)
{
    if (!(((uintptr_t)dst | (uintptr_t)src | len) & 7)) {
        uint64_t *d = dst;
        const uint64_t *s = src;
        for (size_t i = 0; i < len / 8; i++)
            d[i] = s[i];
    } else {
        memcpy(dst, src, len);
    }
}

void zero_bytes(void *dst, size_t len)
{
    uint64_t *d = dst;
    for (size_t i = 0; i < len / 8; i++)
        d[i] = 0;
}
