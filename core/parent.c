/*
 * The PARENT interface core serves to init (init is core's only child).
 *
 * PARENT_SESSION is paid by init's own PD, PARENT_SESSION_PAID by the PD
 * session passed as cap[0] (init opens its children's sessions so, paying
 * from the child's PD). Every session is labelled "init -> <label>".
 * Nobody can announce a service to core (E_DENIED); PARENT_EXIT of init powers
 * the machine off.
 */
#include "core.h"
#include <ferry/iface/parent.h>
#include <stdio.h>

struct parent {
    struct core_obj obj;
    struct session *pd; /* init's PD: pays for PARENT_SESSION, names the requester */
};

static struct parent init_parent;

static long parent_dispatch(void *object, struct rpc_request *req);
const struct rpc_iface parent_iface = {"parent", ferry_parent_sigs, ARRAY_SIZE(ferry_parent_sigs),
                                       parent_dispatch};

long parent_create(struct session *init_pd, struct core_obj **out)
{
    long err = obj_publish_gate(&init_parent.obj, OBJ_PARENT, &parent_iface, FERRY_ROOT_SEL_THREAD);
    if (err)
        return err;
    init_parent.pd = init_pd;
    *out = &init_parent.obj;
    return FERRY_OK;
}

static long parent_session(struct parent *p, struct session *payer, struct rpc_request *req)
{
    struct session_request sr;
    session_request_decode(req->mr, &sr);
    struct session *s;
    long err = session_open(payer, p->pd->label, &sr, &s);
    if (err)
        return err;
    rpc_reply_cap(req, s->obj.sel, FERRY_RIGHT_W | FERRY_RIGHT_G);
    return FERRY_OK;
}

static long parent_dispatch(void *object, struct rpc_request *req)
{
    struct parent *p = container_of((struct core_obj *)object, struct parent, obj);
    switch (req->opcode) {
    case FERRY_PARENT_SESSION:
        return parent_session(p, p->pd, req);
    case FERRY_PARENT_SESSION_PAID: {
        struct session *payer = session_from_cap(req, FERRY_PARENT_SESSION_PAID_CAP_PAYER, SVC_PD);
        return payer ? parent_session(p, payer, req)
                     : obj_cap_error(req, FERRY_PARENT_SESSION_PAID_CAP_PAYER);
    }
    case FERRY_PARENT_UPGRADE: {
        const struct ferry_parent_upgrade_in *in = FERRY_RPC_MSG(ferry_parent_upgrade_in, req->mr);
        struct session *s = session_from_cap(req, FERRY_PARENT_UPGRADE_CAP_SESSION, SVC_COUNT);
        return s ? session_upgrade(s, in->ram, in->caps)
                 : obj_cap_error(req, FERRY_PARENT_UPGRADE_CAP_SESSION);
    }
    case FERRY_PARENT_CLOSE: {
        struct session *s = session_from_cap(req, FERRY_PARENT_CLOSE_CAP_SESSION, SVC_COUNT);
        if (!s)
            return obj_cap_error(req, FERRY_PARENT_CLOSE_CAP_SESSION);
        if (!s->payer || s == p->pd)
            return FERRY_E_DENIED; /* init's own PD: core funds it, it goes with init */
        session_close(s);
        return FERRY_OK;
    }
    case FERRY_PARENT_ANNOUNCE:
        return FERRY_E_DENIED; /* core's children serve nobody through core */
    case FERRY_PARENT_EXIT: {
        long code = (long)FERRY_RPC_MSG(ferry_parent_exit_in, req->mr)->code;
        printf("core: init exited with code %ld\n", code);
        core_poweroff(code != 0);
    }
    }
    return FERRY_E_BADOP;
}
