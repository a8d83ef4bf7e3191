/*
 * The runtime's badge tables, seen from outside (docs/framework.md, "Badge
 * tables"): what a checkpointer does with copies of a component's tables
 * after a restore. Freestanding (no allocation, no stdio), host-tested in
 * tests/unit/test_tables.c.
 *
 * Every table kind of the PD report (include/ferry/component.h) is in the
 * capability map's layout (capmap.h), so validation and rekeying are the
 * capability map's own functions; this module adds each kind's extra rules,
 * the report's checks and the whole-set operation:
 *
 *   report = what NPD_REPORT's page says; copies[i] = report->table[i]'s bytes
 *   tables_rekey_all(report, copies, translation, n, &failure)
 *     -> every table valid, every badge translated old -> new, valid again,
 *        or nothing written at all (the copies are unchanged on every error
 *        but TABLES_E_TABLE after the rewrite, which a translation whose new
 *        badges collide within one table cannot cause: those are refused first)
 */
#ifndef FERRY_BASE_TABLES_H
#define FERRY_BASE_TABLES_H

#include "capmap.h"
#include <ferry/component.h>
#include <stddef.h>
#include <stdint.h>

/* Largest table a report may name: a capability map of CAPMAP_MAX_CAPACITY entries. */
#define TABLES_MAX_SIZE CAPMAP_REGION_SIZE(CAPMAP_MAX_CAPACITY)

enum tables_error {
    TABLES_OK = 0,
    TABLES_E_REPORT = -1,       /* report: magic, version, count, or a nonzero unused entry */
    TABLES_E_KIND = -2,         /* a table of unknown kind, or a kind named twice */
    TABLES_E_PLACE = -3,        /* a table's vaddr unaligned, size 0 or > TABLES_MAX_SIZE,
                                   wrapping, or overlapping another table */
    TABLES_E_VERSION = -4,      /* a table's layout version is not this runtime's */
    TABLES_E_COPY = -5,         /* a copy missing or of another size than the report says */
    TABLES_E_TABLE = -6,        /* a table broke its rules: failure.detail is the CAPMAP_E_* */
    TABLES_E_TRANSLATION = -7,  /* translation table: a 0 badge, an old or new badge twice */
    TABLES_E_UNTRANSLATED = -8, /* a table holds a badge the translation lacks (failure.badge) */
};

/* A copy of one reported table, in the report's order. */
struct tables_copy {
    void *data; /* 8-byte aligned */
    size_t size;
};

/* Where an operation failed: table index in the report, its kind, the table's
 * own error (CAPMAP_E_*, for TABLES_E_TABLE) and the badge concerned. */
struct tables_failure {
    unsigned table;
    uint32_t kind;
    int detail;
    uint64_t badge;
};

/* Checks the report page itself (a copy): TABLES_OK or the first problem. */
int tables_report_validate(const struct ferry_report *report, struct tables_failure *failure);
/* Checks one table copy of `kind` and layout `version`: TABLES_OK,
 * TABLES_E_KIND, TABLES_E_VERSION or TABLES_E_TABLE (*detail = CAPMAP_E_*). */
int tables_validate(uint32_t kind, uint32_t version, const void *copy, size_t size, int *detail);
/* Validates and rekeys one table copy (capmap_rekey_all plus the kind's rules):
 * TABLES_OK, TABLES_E_KIND, TABLES_E_TABLE (*detail) or TABLES_E_UNTRANSLATED
 * (*badge, copy unchanged). */
int tables_rekey(uint32_t kind, void *copy, size_t size, const struct badge_translation *tr,
                 size_t count, int *detail, uint64_t *badge);
/* Checks a translation table: no 0 badge, no old and no new badge twice. */
int tables_translation_validate(const struct badge_translation *tr, size_t count, uint64_t *badge);
/* The whole set, all or nothing: the report, the translation, every copy, every
 * badge translatable, then every table rekeyed and validated again. */
int tables_rekey_all(const struct ferry_report *report, struct tables_copy *copies,
                     const struct badge_translation *tr, size_t count,
                     struct tables_failure *failure);
/* "TABLES_E_KIND" ... for messages; "TABLES_E_UNKNOWN" for anything else. */
const char *tables_error_name(int err);

#endif
