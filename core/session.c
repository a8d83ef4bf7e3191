/*
 * Sessions by service name: open, upgrade, close, plus the helpers every
 * service uses (session arguments, labels).
 *
 * Quota flow (docs/framework.md, "Quota"): opening moves the donation from the
 * payer's account (its `used` grows) into the new session's quota; the session
 * itself then costs CORE_SESSION_COST_RAM (the page its struct lives in) and
 * one capability (its gate) of that quota.
 * Upgrades move more from the same payer; closing frees everything the session
 * owns and gives the whole quota back to the payer.
 */
#include "core.h"
#include <ferry/iface/parent.h>
#include <stdio.h>
#include <string.h>

struct service {
    const char *name;
    const struct rpc_iface *iface;
    long (*open)(struct session *s, const char *args);
    void (*close)(struct session *s);
};

static const struct service services[SVC_COUNT] = {
    [SVC_PD] = {"PD", &pd_iface, pd_open, pd_close},
    [SVC_CPU] = {"CPU", &cpu_iface, cpu_open, cpu_close},
    [SVC_RM] = {"RM", &rm_session_iface, rm_session_open, rm_session_close},
    [SVC_LOG] = {"LOG", &log_iface, log_open, log_close},
    [SVC_ROM] = {"ROM", &rom_iface, rom_open, rom_close},
    [SVC_TIMER] = {"Timer", &timer_iface, timer_open, timer_close},
    [SVC_IRQ] = {"IRQ", &irq_iface, irq_open, irq_close},
    [SVC_IO_MEM] = {"IO_MEM", &io_mem_iface, io_mem_open, io_mem_close},
};

static struct list sessions = {&sessions, &sessions}; /* every open session */

void session_request_decode(const uint64_t *mr, struct session_request *out)
{
    out->ram = mr[FERRY_SESSION_W_RAM];
    out->caps = mr[FERRY_SESSION_W_CAPS];
    rpc_get_string(mr + FERRY_SESSION_W_SERVICE, FERRY_NAME_WORDS, out->service);
    rpc_get_string(mr + FERRY_SESSION_W_LABEL, FERRY_LABEL_WORDS, out->label);
    rpc_get_string(mr + FERRY_SESSION_W_ARGS, FERRY_ARGS_WORDS, out->args);
}

static const struct service *service_by_name(const char *name, enum core_service *id)
{
    for (unsigned i = 0; i < SVC_COUNT; i++) {
        if (strcmp(services[i].name, name) == 0) {
            *id = (enum core_service)i;
            return &services[i];
        }
    }
    return NULL;
}

/* "<requester> -> <label>", or either alone if the other is empty; truncated to fit. */
static void label_compose(char *out, const char *requester, const char *label)
{
    if (requester && requester[0] && label[0])
        snprintf(out, CORE_LABEL_MAX, "%s -> %s", requester, label);
    else
        snprintf(out, CORE_LABEL_MAX, "%s", requester && requester[0] ? requester : label);
}

/*
 * A zeroed session in a page of its own, with its quota set and the session's
 * own cost charged to it: E_QUOTA / E_CAPQUOTA if the donation does not cover it.
 */
static long session_new(uint64_t ram_quota, uint64_t cap_quota, struct session **out)
{
    _Static_assert(sizeof(struct session) <= CORE_SESSION_COST_RAM, "a session fits its page");
    struct account account = {.ram_quota = ram_quota, .cap_quota = cap_quota};
    long err = account_charge(&account, CORE_SESSION_COST_RAM, CORE_SESSION_COST_CAPS);
    if (err)
        return err;
    struct ram_extent ram;
    if (ram_alloc_dirty(1, &ram)) /* charged above: see the invariant in meta.c */
        core_panic("no page for a charged session: quotas exceed core's RAM");
    struct session *s = (struct session *)ram.core_addr;
    memset(s, 0, sizeof(*s));
    s->ram = ram;
    s->account = account;
    s->account.label = s->label;
    list_init(&s->account.meta_pages);
    *out = s;
    return FERRY_OK;
}

/* Gives the page back (the charge goes with the account). */
static void session_delete(struct session *s)
{
    struct ram_extent ram = s->ram;
    ram_free(&ram);
}

long session_open(struct session *payer, const char *requester, const struct session_request *req,
                  struct session **out)
{
    enum core_service id;
    const struct service *svc = service_by_name(req->service, &id);
    if (!svc)
        return FERRY_E_NOENT;
    if (payer) {
        long err = account_charge(&payer->account, req->ram, req->caps);
        if (err)
            return err;
    }
    struct session *s = NULL;
    long err = session_new(req->ram, req->caps, &s);
    if (!err) {
        s->service = id;
        s->payer = payer;
        label_compose(s->label, requester, req->label);
        err = obj_publish_gate(&s->obj, OBJ_SESSION, svc->iface, FERRY_ROOT_SEL_THREAD);
        if (err)
            session_delete(s);
    }
    if (!err) {
        err = svc->open(s, req->args);
        if (err) {
            obj_retire(&s->obj);
            session_delete(s);
        }
    }
    if (err) {
        if (payer)
            account_release(&payer->account, req->ram, req->caps);
        return err;
    }
    list_push_back(&sessions, &s->link);
    *out = s;
    return FERRY_OK;
}

long session_upgrade(struct session *s, uint64_t ram, uint64_t caps)
{
    if (!s->payer)
        return FERRY_E_DENIED;
    long err = account_charge(&s->payer->account, ram, caps);
    if (err)
        return err;
    s->account.ram_quota += ram;
    s->account.cap_quota += caps;
    s->account.reported = false;
    return FERRY_OK;
}

/* An open session that `payer` pays for, or NULL. */
static struct session *session_paid_by(const struct session *payer)
{
    for (struct list *l = sessions.next; l != &sessions; l = l->next)
        if (container_of(l, struct session, link)->payer == payer)
            return container_of(l, struct session, link);
    return NULL;
}

void session_close(struct session *s)
{
    /* a PD's paid sessions first: they may hold threads and memory of this PD
     * (each close may close others: search again from the start) */
    struct session *paid;
    while ((paid = session_paid_by(s)) != NULL)
        session_close(paid);
    services[s->service].close(s);
    /* every object of the session is freed by now; a slice left would be an
     * object still linked into core's lists, in a page about to be reused */
    if (!list_empty(&s->account.meta_pages))
        core_panic("session [%s] closed with objects left", s->label);
    if (s->payer)
        account_release(&s->payer->account, s->account.ram_quota, s->account.cap_quota);
    list_remove(&s->link);
    obj_retire(&s->obj);
    session_delete(s);
}

struct session *session_of(void *object)
{
    return container_of((struct core_obj *)object, struct session, obj);
}

struct session *session_from_cap(const struct rpc_request *req, unsigned i,
                                 enum core_service service)
{
    struct core_obj *o = obj_from_cap(req, i, OBJ_SESSION);
    if (!o)
        return NULL;
    struct session *s = session_of(o);
    return service == SVC_COUNT || s->service == service ? s : NULL;
}
