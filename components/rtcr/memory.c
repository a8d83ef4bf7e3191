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

/* rtcr's mapping of entry e's dataspace, made at the first use (a checkpoint
 * maps only the dataspaces it reads: tables, pages to store); 0 if it fails. */
static uint64_t ds_local(struct ds_entry *e)
{
    if (!e->local &&
        env_attach(rtcr.env, e->ds->slot, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &e->local))
        e->local = 0;
    return e->local;
}

/* The entry of the dataspace with this id, or NULL. */
static struct ds_entry *entry_of(uint32_t id)
{
    for (unsigned j = 0; j < cut.ds_count; j++)
        if (cut.dss[j].ds->id == id)
            return &cut.dss[j];
    return NULL;
}

uint64_t local_addr(struct rtcr_child *c, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < RTCR_ATTACHMENTS; i++) {
        const struct rtcr_attach *a = &c->attach[i];
        if (!a->used || a->rm != c->rm_id || addr < a->addr || addr - a->addr > a->size ||
            len > a->size - (addr - a->addr))
            continue;
        struct ds_entry *e = entry_of(a->ds);
        uint64_t base = e ? ds_local(e) : 0;
        return base ? base + a->offset + (addr - a->addr) : 0;
    }
    return 0;
}

long find_report(struct rtcr_child *c, const struct ferry_report **out)
{
    for (unsigned j = 0; j < cut.ds_count; j++) {
        if (cut.dss[j].c != c || !(cut.dss[j].ds->flags & IMAGE_DS_REPORT))
            continue;
        const struct ferry_report *r = (const void *)ds_local(&cut.dss[j]);
        struct tables_failure f;
        if (!r)
            return FERRY_E_NOMEM;
        if (r->magic != FERRY_REPORT_MAGIC)
            return FERRY_E_NOENT;
        if (tables_report_validate(r, &f) != TABLES_OK)
            return FERRY_E_INVAL;
        *out = r;
        return FERRY_OK;
    }
    return FERRY_E_NOENT;
}

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
    for (unsigned i = 0; i < cut.ds_count; i++)
        cut.dss[i].local = 0;
}

long collect_dataspaces(void)
{
    uint64_t used = 0;
    cut.ds_count = 0;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        for (unsigned j = 0; c->used && j < RTCR_DATASPACES; j++) {
            if (!c->ds[j].used)
                continue;
            uint64_t pages = c->ds[j].size / PAGE;
            if (used + pages > CKPT_DIRTY_PAGES)
                return FERRY_E_NOMEM;
            cut.dss[cut.ds_count++] =
                (struct ds_entry){c, &c->ds[j], 0, &dirty_bits[used / 64], NULL};
            used += (pages + 63) & ~63ul;
        }
    }
    memset(dirty_bits, 0, used / 8);
    return FERRY_OK;
}

long map_dataspaces(void)
{
    long err = collect_dataspaces();
    for (unsigned i = 0; i < cut.ds_count && !err; i++)
        if (!ds_local(&cut.dss[i]))
            err = FERRY_E_NOMEM;
    return err;
}

/* The attachments of c's address space in address order (indices into
 * c->attach): *n. */
static void attachments_by_address(const struct rtcr_child *c, unsigned *idx, unsigned *n)
{
    *n = 0;
    for (unsigned k = 0; k < RTCR_ATTACHMENTS; k++) {
        if (!c->attach[k].used || c->attach[k].rm != c->rm_id)
            continue;
        unsigned at = (*n)++;
        for (; at > 0 && c->attach[idx[at - 1]].addr > c->attach[k].addr; at--)
            idx[at] = idx[at - 1];
        idx[at] = k;
    }
}

/* Pages between two attachments that one RM_DIRTY call still spans: a page
 * with nothing attached reads clean, and a call costs more than the kernel's
 * walk over a few dozen empty pages. */
#define HARVEST_GAP_PAGES 64

/* Marks page p of attachment a (in c's address space) written: a page of
 * its dataspace, or (a managed map attached there) of the dataspace
 * attached in the map at that offset, if any. */
static void mark_dirty(const struct rtcr_child *c, const struct rtcr_attach *a, uint64_t p)
{
    uint32_t ds = a->ds;
    uint64_t page = a->offset / PAGE + p;
    if (!entry_of(ds)) { /* a managed map: where its page lies in the map */
        uint64_t at = a->offset + p * PAGE;
        const struct rtcr_attach *m = NULL;
        for (unsigned k = 0; k < RTCR_ATTACHMENTS && !m; k++)
            if (c->attach[k].used && c->attach[k].rm == a->ds && at >= c->attach[k].addr &&
                at - c->attach[k].addr < c->attach[k].size)
                m = &c->attach[k];
        if (!m)
            return;
        ds = m->ds;
        page = m->offset / PAGE + (at - m->addr) / PAGE;
    }
    struct ds_entry *e = entry_of(ds);
    if (e && page < e->ds->size / PAGE)
        e->dirty[page / 64] |= 1ull << (page % 64);
}

/*
 * ORs into each dataspace's bitmap the pages written through attachments
 * idx[first..last] of c (ascending addresses, one RM_DIRTY range of at most
 * FERRY_RM_DIRTY_MAX_PAGES pages), re-arming them.
 */
static long harvest_range(struct rtcr_child *c, const unsigned *idx, unsigned first, unsigned last)
{
    static struct ferry_rm_dirty_out out;
    uint64_t start = c->attach[idx[first]].addr;
    uint64_t end = c->attach[idx[last]].addr + c->attach[idx[last]].size;
    long err = rm_dirty(c->pc->child.rm, start, (end - start) / PAGE, FERRY_RM_DIRTY_CLEAR, &out);
    if (err || !out.count)
        return err;
    for (unsigned k = first; k <= last; k++) {
        const struct rtcr_attach *a = &c->attach[idx[k]];
        for (uint64_t p = 0; p < a->size / PAGE; p++) {
            uint64_t b = (a->addr - start) / PAGE + p;
            if (out.bits[b / 64] >> (b % 64) & 1)
                mark_dirty(c, a, p);
        }
    }
    return FERRY_OK;
}

/* harvest_range over a single attachment larger than one RM_DIRTY call. */
static long harvest_large(struct rtcr_child *c, const struct rtcr_attach *a)
{
    static struct ferry_rm_dirty_out out;
    for (uint64_t done = 0; done < a->size / PAGE;) {
        uint64_t n = a->size / PAGE - done;
        n = n < FERRY_RM_DIRTY_MAX_PAGES ? n : FERRY_RM_DIRTY_MAX_PAGES;
        long err = rm_dirty(c->pc->child.rm, a->addr + done * PAGE, n, FERRY_RM_DIRTY_CLEAR, &out);
        if (err)
            return err;
        for (uint64_t b = 0; out.count && b < n; b++)
            if (out.bits[b / 64] >> (b % 64) & 1)
                mark_dirty(c, a, done + b);
        done += n;
    }
    return FERRY_OK;
}

/*
 * The pages of every dataspace written since the last cut, re-armed for the
 * next one: each ds_entry's dirty bitmap. A dataspace is written through
 * every attachment of it, in the address space of every protected child (a
 * shared one: its owner's and each sibling's it was handed to), so the
 * bitmap is the OR over all of them (docs/rtcr.md, "Checkpoint" step 4).
 * Neighbouring attachments of one address space are read with one RM_DIRTY
 * call (HARVEST_GAP_PAGES).
 */
long harvest_dirty(void)
{
    unsigned idx[RTCR_ATTACHMENTS], n;
    for (unsigned i = 0; i < RTCR_MAX_CHILDREN; i++) {
        struct rtcr_child *c = &rtcr.children[i];
        if (!c->used)
            continue;
        attachments_by_address(c, idx, &n);
        for (unsigned first = 0, last; first < n; first = last + 1) {
            const struct rtcr_attach *f = &c->attach[idx[first]];
            long err;
            if (f->size / PAGE > FERRY_RM_DIRTY_MAX_PAGES) {
                last = first;
                err = harvest_large(c, f);
            } else {
                for (last = first; last + 1 < n; last++) {
                    const struct rtcr_attach *a = &c->attach[idx[last]];
                    const struct rtcr_attach *b = &c->attach[idx[last + 1]];
                    if (b->addr < a->addr + a->size ||
                        b->addr - (a->addr + a->size) > HARVEST_GAP_PAGES * PAGE ||
                        b->addr + b->size - f->addr > FERRY_RM_DIRTY_MAX_PAGES * PAGE)
                        break;
                }
                err = harvest_range(c, idx, first, last);
            }
            if (err)
                return err;
        }
    }
    return FERRY_OK;
}

long mark_nonzero(bool incremental)
{
    for (unsigned i = 0; i < cut.ds_count; i++) {
        struct ds_entry *e = &cut.dss[i];
        uint64_t pages = e->ds->size / PAGE;
        if (incremental && base_holds(e->ds->id))
            continue; /* its dirty pages */
        if (!ds_local(e))
            return FERRY_E_NOMEM;
        for (uint64_t p = 0; p < pages; p++) {
            uint64_t bit = 1ull << (p % 64);
            if (image_page_is_zero((const void *)(e->local + p * PAGE)))
                e->dirty[p / 64] &= ~bit;
            else
                e->dirty[p / 64] |= bit;
        }
    }
    return FERRY_OK;
}

uint64_t entry_pages(const struct ds_entry *e)
{
    uint64_t n = 0;
    for (uint64_t w = 0; w < (e->ds->size / PAGE + 63) / 64; w++)
        n += (uint64_t)__builtin_popcountll(e->dirty[w]);
    return n;
}

uint64_t pages_to_store(void)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < cut.ds_count; i++)
        n += entry_pages(&cut.dss[i]);
    return n;
}

/* Where each entry's pages go in the image: the contents of PAGE record
 * `first` (among the page records, which are in dataspace id order) onward. */
static void place_pages(uint8_t *records)
{
    static uint64_t count[CKPT_MAX_DS];
    size_t stride = image_record_size(IMAGE_PAGE);
    for (unsigned i = 0; i < cut.ds_count; i++)
        count[i] = entry_pages(&cut.dss[i]);
    for (unsigned i = 0; i < cut.ds_count; i++) {
        uint64_t first = 0;
        for (unsigned j = 0; j < cut.ds_count; j++)
            if (cut.dss[j].ds->id < cut.dss[i].ds->id)
                first += count[j];
        cut.dss[i].snap = records + first * stride + IMAGE_PAGE_DATA;
    }
}

long snapshot_take(const char *name)
{
    long err = encode_reserve(name);
    if (err)
        return err;
    size_t stride = image_record_size(IMAGE_PAGE);
    place_pages(cut.image->buf + cut.prefix);
    for (unsigned i = 0; i < cut.ds_count; i++) {
        struct ds_entry *e = &cut.dss[i];
        uint64_t n = e->ds->size / PAGE;
        uint8_t *at = e->snap;
        for (uint64_t w = 0; w < (n + 63) / 64; w++) {
            for (uint64_t bits = e->dirty[w]; bits; bits &= bits - 1) {
                uint64_t p = w * 64 + (uint64_t)__builtin_ctzll(bits);
                if (!ds_local(e))
                    return FERRY_E_NOMEM;
                memcpy(at, (const void *)(e->local + p * PAGE), PAGE);
                at += stride;
            }
        }
    }
    return FERRY_OK;
}

void snapshot_drop(void)
{
    if (cut.image)
        stored_drop(cut.image);
    cut.image = NULL;
}
