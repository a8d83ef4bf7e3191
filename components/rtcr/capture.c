/*
 * Capture (docs/rtcr.md, "Checkpoint" steps 2 and 3): every slot of every
 * protected child resolved to a recorded object, every badge table recorded
 * by slot and object.
 */
#include "ckpt.h"
#include <capmap.h>
#include <ferry/component.h>
#include <ferry/object.h>
#include <stdio.h>
#include <tables.h>

const char *type_name(uint64_t type)
{
    static const char *const names[] = {"empty", "task",    "thread", "gate",
                                        "IRQ",   "factory", "memory"};
    return type < ARRAY_SIZE(names) ? names[type] : "unknown";
}

/* A sibling's gate, dataspace or signal in a slot (the role and the id). */
static bool resolve_sibling(const struct ferry_cap_entry *info, struct image_cap *cap)
{
    struct rtcr_child *owner;
    struct rtcr_gate *g;
    struct rtcr_ds *ds;
    struct rtcr_signal *s;
    if (info->type == FERRY_OBJ_GATE && (g = model_any_gate_by_badge(info->label, &owner))) {
        cap->role = IMAGE_ROLE_GATE;
        cap->object = g->id;
    } else if (info->type == FERRY_OBJ_GATE && (ds = model_any_ds_by_badge(info->label, &owner))) {
        cap->role = IMAGE_ROLE_DATASPACE;
        cap->object = ds->id;
    } else if (info->type == FERRY_OBJ_IRQ &&
               (s = model_any_signal_by_badge(info->label, &owner))) {
        cap->role = IMAGE_ROLE_SIGNAL;
        cap->object = s->id;
    } else {
        return false;
    }
    return true;
}

/* The pending count of the signal in c's slot `slot` (NPD_CAP_INFO: the batch
 * does not carry object state) into the cut; false (reported) if core cannot
 * tell it. */
static bool capture_pending(struct rtcr_child *c, uint32_t slot, const struct rtcr_signal *s)
{
    struct ferry_npd_cap_info_out info;
    long err = npd_cap_info(c->pc->child.npd, slot, &info);
    if (err) {
        printf("rtcr: checkpoint failed: slot %u of '%s': the signal's state: %s\n", slot, c->name,
               ferry_error_name(err));
        return false;
    }
    cut.signal_pending[c - rtcr.children][s - c->signals] = (uint32_t)info.obj.irq.pending;
    return true;
}

/* What slot `info->slot` of c holds, as a CAP record; false (reported) if rtcr cannot account
 * for it. */
static bool resolve(struct rtcr_child *c, const struct ferry_cap_entry *info, struct image_cap *cap)
{
    uint32_t slot = info->slot;
    *cap = (struct image_cap){.component = c->id,
                              .slot = slot,
                              .type = (uint8_t)info->type,
                              .rights = (uint8_t)info->rights};
    uint64_t label = info->label;
    struct rtcr_session *v;
    struct rtcr_ds *ds;
    struct rtcr_thread *t;
    struct rtcr_gate *g;
    struct rtcr_signal *s;
    struct rtcr_rm *m;
    struct rtcr_child *owner;
    if (info->type == FERRY_OBJ_TASK && slot == FERRY_COMP_SEL_TASK) {
        cap->role = IMAGE_ROLE_TASK;
        cap->object = c->id;
    } else if (info->type == FERRY_OBJ_GATE && label == env_cap_badge(c->pc->child.parent_gate)) {
        cap->role = IMAGE_ROLE_PARENT;
    } else if (info->type == FERRY_OBJ_GATE && (v = model_session_by_badge(c, label))) {
        bool as = v == &c->sessions[RTCR_S_RM];
        cap->role = as ? IMAGE_ROLE_REGION_MAP : IMAGE_ROLE_SESSION;
        cap->object = as ? c->rm_id : v->id;
    } else if (info->type == FERRY_OBJ_GATE && (ds = model_ds_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_DATASPACE;
        cap->object = ds->id;
    } else if (info->type == FERRY_OBJ_GATE && (t = model_thread_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_THREAD;
        cap->object = t->id;
    } else if (info->type == FERRY_OBJ_GATE && (g = model_gate_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_GATE;
        cap->object = g->id;
    } else if (info->type == FERRY_OBJ_IRQ && (s = model_signal_by_badge(c, label))) {
        cap->role = IMAGE_ROLE_SIGNAL;
        cap->object = s->id;
        if (!capture_pending(c, slot, s))
            return false;
    } else if (info->type == FERRY_OBJ_GATE && (m = model_any_rm_by_badge(label, true, &owner)) &&
               owner == c) {
        cap->role = m->map.badge == label ? IMAGE_ROLE_REGION_MAP : IMAGE_ROLE_MANAGED_DS;
        cap->object = m->id;
    } else if (resolve_sibling(info, cap)) {
        /* a sibling's object: its RPC object (a session), a shared dataspace or signal */
    } else if (rtcr.config.policy_stale) {
        cap->role = info->type == FERRY_OBJ_IRQ ? IMAGE_ROLE_SIGNAL : IMAGE_ROLE_GATE;
        cap->flags = IMAGE_CAP_STALE;
        printf("rtcr: slot %u of '%s': a %s capability rtcr cannot account for: recorded stale\n",
               slot, c->name, type_name(info->type));
    } else {
        printf("rtcr: checkpoint failed: slot %u of '%s': cannot account for a %s capability\n",
               slot, c->name, type_name(info->type));
        return false;
    }
    return true;
}

/* Every occupied slot of c as a CAP entry of the cut: the capability space
 * read in batches (NPD_CAP_BATCH, FERRY_NPD_CAP_BATCH_MAX slots a core call). */
long capture_caps(struct rtcr_child *c)
{
    uint32_t npd = c->pc->child.npd;
    long err = virt_sync_links(c); /* its services and sessions with siblings */
    if (err) {
        printf("rtcr: checkpoint failed: '%s' has more than %u sessions and services\n", c->name,
               RTCR_SESSIONS - RTCR_S_INITIAL);
        return err;
    }
    struct ferry_npd_cap_batch_out batch;
    for (uint64_t slot = 1; slot; slot = batch.head.next) {
        if ((err = npd_cap_batch(npd, slot, &batch)))
            return err;
        if (batch.head.count > CKPT_MAX_CAPS - cut.cap_count)
            return FERRY_E_NOMEM;
        for (uint64_t i = 0; i < batch.head.count; i++) {
            struct cap_entry *e = &cut.caps[cut.cap_count];
            if (!resolve(c, &batch.entry[i], &e->cap))
                return FERRY_E_BADOBJ;
            e->c = c;
            e->label = batch.entry[i].label;
            cut.cap_count++;
        }
    }
    return FERRY_OK;
}

/* The captured CAP entry of c's slot `slot`, or NULL. */
static const struct cap_entry *cap_of(const struct rtcr_child *c, uint32_t slot)
{
    for (unsigned i = 0; i < cut.cap_count; i++)
        if (cut.caps[i].c == c && cut.caps[i].cap.slot == slot)
            return &cut.caps[i];
    return NULL;
}

/* The child's badge tables as TABLE records (by slot and object): every badge
 * of every table must be what one of its slots holds. */
long capture_tables(struct rtcr_child *c)
{
    const struct ferry_report *report;
    struct tables_copy copies[FERRY_REPORT_MAX_TABLES];
    long err = find_report(c, &report);
    if (!err)
        err = map_tables(c, report, copies);
    if (err) {
        printf("rtcr: checkpoint failed: badge tables of '%s' not found: %s\n", c->name,
               ferry_error_name(err));
        return err;
    }
    for (unsigned i = 0; i < report->count; i++) {
        const struct ferry_report_table *t = &report->table[i];
        int detail = 0;
        if (tables_validate(t->kind, t->version, copies[i].data, copies[i].size, &detail)) {
            printf("rtcr: checkpoint failed: badge table %u of '%s': %s\n", t->kind, c->name,
                   capmap_error_name(detail));
            return FERRY_E_INVAL;
        }
        struct capmap *map = copies[i].data;
        for (struct capmap_entry *e = capmap_first(map); e; e = capmap_next(map, e)) {
            const struct cap_entry *cap = NULL;
            if (t->kind == FERRY_TABLE_CAPMAP)
                cap = cap_of(c, e->slot);
            for (unsigned k = 0; k < cut.cap_count && t->kind != FERRY_TABLE_CAPMAP && !cap; k++)
                if (cut.caps[k].c == c && cut.caps[k].label == e->link.key)
                    cap = &cut.caps[k];
            if (!cap || cap->label != e->link.key) {
                printf("rtcr: checkpoint failed: badge table %u of '%s': badge %lu is in no "
                       "slot\n",
                       t->kind, c->name, (unsigned long)e->link.key);
                return FERRY_E_INVAL;
            }
            if (cut.table_count == CKPT_MAX_TABLE)
                return FERRY_E_NOMEM;
            uint16_t kind =
                t->kind == FERRY_TABLE_CAPMAP ? IMAGE_TABLE_CAPMAP : IMAGE_TABLE_RPC_POOL;
            cut.table[cut.table_count++] =
                (struct image_table_entry){c->id, kind, cap->cap.slot, cap->cap.object,
                                           t->kind == FERRY_TABLE_CAPMAP ? e->refcount : 1};
        }
    }
    return FERRY_OK;
}
