/*
 * The runtime's badge tables seen from outside (tables.h).
 */
#include "tables.h"
#include "rpc_pool.h"
#include <ferry/macros.h>
#include <stdbool.h>
#include <string.h>

#define FAIL(f, err, index, k, d, b)                                                               \
    ((f) ? (*(f) = (struct tables_failure){(index), (k), (d), (b)}, (err)) : (err))

/* The layout version this runtime writes for `kind`; 0 for an unknown kind. */
static uint32_t kind_version(uint32_t kind)
{
    switch (kind) {
    case FERRY_TABLE_CAPMAP:
    case FERRY_TABLE_RPC_POOL:
        return CAPMAP_VERSION;
    default:
        return 0;
    }
}

/* One entry's placement: aligned, sized, not wrapping. */
static bool placed(const struct ferry_report_table *t)
{
    return t->vaddr % 8 == 0 && t->size != 0 && t->size <= TABLES_MAX_SIZE &&
           t->vaddr + t->size > t->vaddr;
}

static bool all_zero(const struct ferry_report_table *t)
{
    return !t->kind && !t->version && !t->vaddr && !t->size;
}

int tables_report_validate(const struct ferry_report *r, struct tables_failure *f)
{
    if (r->magic != FERRY_REPORT_MAGIC || r->version != FERRY_REPORT_VERSION ||
        r->count > FERRY_REPORT_MAX_TABLES)
        return FAIL(f, TABLES_E_REPORT, 0, 0, 0, 0);
    for (unsigned i = r->count; i < FERRY_REPORT_MAX_TABLES; i++)
        if (!all_zero(&r->table[i]))
            return FAIL(f, TABLES_E_REPORT, i, r->table[i].kind, 0, 0);
    for (unsigned i = 0; i < r->count; i++) {
        const struct ferry_report_table *t = &r->table[i];
        if (!kind_version(t->kind))
            return FAIL(f, TABLES_E_KIND, i, t->kind, 0, 0);
        if (t->version != kind_version(t->kind))
            return FAIL(f, TABLES_E_VERSION, i, t->kind, 0, 0);
        if (!placed(t))
            return FAIL(f, TABLES_E_PLACE, i, t->kind, 0, 0);
        for (unsigned j = 0; j < i; j++) {
            const struct ferry_report_table *u = &r->table[j];
            if (u->kind == t->kind)
                return FAIL(f, TABLES_E_KIND, i, t->kind, 0, 0);
            if (t->vaddr < u->vaddr + u->size && u->vaddr < t->vaddr + t->size)
                return FAIL(f, TABLES_E_PLACE, i, t->kind, 0, 0);
        }
    }
    return TABLES_OK;
}

int tables_validate(uint32_t kind, uint32_t version, const void *copy, size_t size, int *detail)
{
    if (!kind_version(kind))
        return TABLES_E_KIND;
    if (version != kind_version(kind))
        return TABLES_E_VERSION;
    int err = kind == FERRY_TABLE_RPC_POOL ? rpc_pool_index_validate(copy, size)
                                           : capmap_validate(copy, size);
    if (detail)
        *detail = err;
    return err == CAPMAP_OK ? TABLES_OK : TABLES_E_TABLE;
}

int tables_rekey(uint32_t kind, void *copy, size_t size, const struct badge_translation *tr,
                 size_t count, int *detail, uint64_t *badge)
{
    int err = tables_validate(kind, kind_version(kind), copy, size, detail);
    if (err)
        return err;
    err = capmap_rekey_all(copy, size, tr, count, badge);
    if (err == CAPMAP_E_UNTRANSLATED)
        return TABLES_E_UNTRANSLATED;
    if (err == CAPMAP_OK)
        return tables_validate(kind, kind_version(kind), copy, size, detail);
    if (detail)
        *detail = err;
    return TABLES_E_TABLE;
}

int tables_translation_validate(const struct badge_translation *tr, size_t count, uint64_t *badge)
{
    for (size_t i = 0; i < count; i++) {
        bool bad = !tr[i].old_badge || !tr[i].new_badge;
        for (size_t j = 0; j < i && !bad; j++)
            bad = tr[j].old_badge == tr[i].old_badge || tr[j].new_badge == tr[i].new_badge;
        if (bad) {
            if (badge)
                *badge = tr[i].old_badge;
            return TABLES_E_TRANSLATION;
        }
    }
    return TABLES_OK;
}

/* Decode for one validated copy: the first used badge without a translation, or 0. */
static uint64_t first_untranslated(struct capmap *copy, const struct badge_translation *tr,
                                   size_t count)
{
    for (struct capmap_entry *e = capmap_first(copy); e; e = capmap_next(copy, e))
        if (!badge_translation_find(tr, count, e->link.key))
            return e->link.key;
    return 0;
}

int tables_rekey_all(const struct ferry_report *r, struct tables_copy *copies,
                     const struct badge_translation *tr, size_t count, struct tables_failure *f)
{
    int err = tables_report_validate(r, f);
    if (err)
        return err;
    uint64_t badge = 0;
    if ((err = tables_translation_validate(tr, count, &badge)))
        return FAIL(f, err, 0, 0, 0, badge);
    /* decode the whole set before anything is written */
    for (unsigned i = 0; i < r->count; i++) {
        const struct ferry_report_table *t = &r->table[i];
        int detail = 0;
        if (!copies[i].data || copies[i].size != t->size)
            return FAIL(f, TABLES_E_COPY, i, t->kind, 0, 0);
        if ((err = tables_validate(t->kind, t->version, copies[i].data, copies[i].size, &detail)))
            return FAIL(f, err, i, t->kind, detail, 0);
        if ((badge = first_untranslated(copies[i].data, tr, count)))
            return FAIL(f, TABLES_E_UNTRANSLATED, i, t->kind, 0, badge);
    }
    /* invoke: cannot fail on a missing translation or a collision any more */
    for (unsigned i = 0; i < r->count; i++) {
        int detail = 0;
        err = tables_rekey(r->table[i].kind, copies[i].data, copies[i].size, tr, count, &detail,
                           &badge);
        if (err)
            return FAIL(f, err, i, r->table[i].kind, detail, badge);
    }
    return TABLES_OK;
}

const char *tables_error_name(int err)
{
    static const char *const names[] = {
        [-TABLES_OK] = "TABLES_OK",
        [-TABLES_E_REPORT] = "TABLES_E_REPORT",
        [-TABLES_E_KIND] = "TABLES_E_KIND",
        [-TABLES_E_PLACE] = "TABLES_E_PLACE",
        [-TABLES_E_VERSION] = "TABLES_E_VERSION",
        [-TABLES_E_COPY] = "TABLES_E_COPY",
        [-TABLES_E_TABLE] = "TABLES_E_TABLE",
        [-TABLES_E_TRANSLATION] = "TABLES_E_TRANSLATION",
        [-TABLES_E_UNTRANSLATED] = "TABLES_E_UNTRANSLATED",
    };
    if (err > 0 || err <= -(int)ARRAY_SIZE(names))
        return "TABLES_E_UNKNOWN";
    return names[-err];
}
