/*
 * Core's structs of the objects clients create (dataspaces, threads, region
 * maps, attachments, signals, RPC gates) live in slices of 4 KiB pages of
 * core's RAM, each page charged to the account of one session: Genode's
 * sliced heap. A session pays for every byte core keeps for it, and core has
 * no table that several clients share, so a client within its quota always
 * gets its objects, whatever the others do; running out of its own quota
 * gives it E_QUOTA, never E_NOMEM.
 *
 * Invariant: every page of core's RAM in use is charged to exactly one
 * account (a dataspace's pages, a session's own page, a page of slices), and
 * all quota comes from init's, which is the RAM core had at boot: so
 * ram_alloc of one page cannot fail after a successful charge.
 *
 * A page: struct meta_page at its start (CORE_SLICE_HEADER bytes), then
 * CORE_SLICES_PER_PAGE slices. It goes back to core, and its charge to the
 * account, when its last slice is freed.
 */
#include <string.h>
#include "core.h"

struct meta_page {
    struct list link;      /* in the account's meta_pages */
    struct ram_extent ram; /* the page itself, to give back */
    void **free;           /* first freed slice; each freed slice's first word: the next */
    uint32_t fresh;        /* slices [0, fresh) were handed out at least once */
    uint32_t used;         /* slices handed out now */
};
_Static_assert(sizeof(struct meta_page) <= CORE_SLICE_HEADER, "header fits");

static struct meta_page *page_of(void *p)
{
    return (struct meta_page *)((uintptr_t)p & ~(uintptr_t)(FERRY_PAGE_SIZE - 1));
}

/* A new page of slices, charged to `a`, linked first in its list. */
static long page_new(struct account *a, struct meta_page **out)
{
    long err = account_charge(a, FERRY_PAGE_SIZE, 0);
    if (err)
        return err;
    struct ram_extent ram;
    if (ram_alloc_dirty(1, &ram)) /* meta_alloc zeroes each slice it hands out */
        core_panic("no page for a charged slice: quotas exceed core's RAM");
    struct meta_page *page = (struct meta_page *)ram.core_addr;
    page->ram = ram;
    page->free = NULL;
    page->fresh = page->used = 0;
    list_push_front(&a->meta_pages, &page->link);
    *out = page;
    return FERRY_OK;
}

long meta_alloc(struct account *a, uint64_t ram, uint64_t caps, size_t size, void **out)
{
    if (size > CORE_SLICE_SIZE)
        core_panic("a struct of %zu bytes does not fit a slice", size);
    long err = account_charge(a, ram, caps);
    if (err)
        return err;
    struct meta_page *page = NULL;
    for (struct list *l = a->meta_pages.next; l != &a->meta_pages && !page; l = l->next)
        if (container_of(l, struct meta_page, link)->used < CORE_SLICES_PER_PAGE)
            page = container_of(l, struct meta_page, link);
    if (!page && (err = page_new(a, &page))) {
        account_release(a, ram, caps);
        return err;
    }
    void **slice = page->free;
    if (slice)
        page->free = *slice;
    else /* no freed slice: then one never used yet */
        slice = (void **)((uint8_t *)page + CORE_SLICE_HEADER + page->fresh++ * CORE_SLICE_SIZE);
    page->used++;
    *out = slice;
    memset(*out, 0, (size + 7) & ~(size_t)7); /* the rest of the slice is never read */
    return FERRY_OK;
}

void meta_free(struct account *a, uint64_t ram, uint64_t caps, void *p)
{
    account_release(a, ram, caps);
    struct meta_page *page = page_of(p);
    *(void **)p = page->free;
    page->free = p;
    if (--page->used)
        return;
    list_remove(&page->link);
    struct ram_extent extent = page->ram; /* the page is free once ram_free returns */
    ram_free(&extent);
    account_release(a, FERRY_PAGE_SIZE, 0);
}
