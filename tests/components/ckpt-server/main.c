/*
 * ckpt-server: serves Ckpt (include/ferry/iface/ckpt.h). Each session creates
 * up to CKPT_MAX_OBJECTS objects on request, each an RPC object of its own
 * holding a counter; the session counts the calls its objects served. The
 * state a restore must bring back is all here: the object pool (badges of
 * every session and object), the counters, the sessions' labels.
 *
 *     NAME: serving Ckpt
 *     NAME: session for 'LABEL'
 *     NAME: session of 'LABEL' closed after N calls
 */
#include <ferry/iface/ckpt.h>
#include <ferry/macros.h>
#include <root.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

struct ckpt_object {
    struct rpc_object obj;
    struct ckpt_session *session;
    uint32_t gate; /* the object's capability in this component */
    uint64_t value;
};

struct ckpt_session {
    struct rpc_object obj;
    char label[FERRY_LABEL_MAX];
    unsigned count;
    uint64_t calls;
    struct ckpt_object objects[CKPT_MAX_OBJECTS];
};

static const struct ferry_rpc_sig ckpt_sigs[] = FERRY_RPC_SIGS(FERRY_CKPT_RPCS);
static const struct ferry_rpc_sig obj_sigs[] = FERRY_RPC_SIGS(FERRY_CKPT_OBJ_RPCS);

static long obj_dispatch(void *self, struct rpc_request *req)
{
    struct ckpt_object *o = self;
    if (req->opcode == CKPT_OBJ_ADD)
        o->value += FERRY_RPC_MSG(ferry_ckpt_obj_add_in, req->mr)->n;
    if (req->opcode == CKPT_OBJ_ADD_SLOW) {
        const struct ferry_ckpt_obj_add_slow_in *in =
            FERRY_RPC_MSG(ferry_ckpt_obj_add_slow_in, req->mr);
        uint64_t n = in->n;
        ckpt_spin_us(in->us);
        o->value += n;
    }
    o->session->calls++;
    FERRY_RPC_MSG(ferry_ckpt_obj_value_out, req->mr)->value = o->value;
    req->reply_words = FERRY_RPC_WORDS(ferry_ckpt_obj_value_out);
    return FERRY_OK;
}

static const struct rpc_iface obj_iface = {"ckpt object", obj_sigs, ARRAY_SIZE(obj_sigs),
                                           obj_dispatch};

static long ckpt_create(struct ckpt_session *s, struct rpc_request *req)
{
    if (s->count == CKPT_MAX_OBJECTS)
        return FERRY_E_CAPQUOTA;
    struct ckpt_object *o = &s->objects[s->count];
    long err;
    *o = (struct ckpt_object){.obj = {.iface = &obj_iface, .self = o},
                              .session = s,
                              .value = FERRY_RPC_MSG(ferry_ckpt_create_in, req->mr)->value};
    o->gate = env_rpc_register(ckpt_env, &o->obj, &err);
    if (!o->gate)
        return err;
    s->count++;
    rpc_reply_cap(req, o->gate, FERRY_RIGHTS_ALL);
    req->reply_words = 0;
    return FERRY_OK;
}

static long ckpt_dispatch(void *self, struct rpc_request *req)
{
    struct ckpt_session *s = self;
    switch (req->opcode) {
    case CKPT_CREATE:
        return ckpt_create(s, req);
    case CKPT_STATS: {
        struct ferry_ckpt_stats_out *out = FERRY_RPC_MSG(ferry_ckpt_stats_out, req->mr);
        out->objects = s->count;
        out->calls = s->calls;
        req->reply_words = FERRY_RPC_WORDS(ferry_ckpt_stats_out);
        return FERRY_OK;
    }
    default:
        return FERRY_E_BADOP;
    }
}

static const struct rpc_iface ckpt_iface = {"ckpt", ckpt_sigs, ARRAY_SIZE(ckpt_sigs),
                                            ckpt_dispatch};

static long ckpt_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                      uint64_t caps, struct rpc_object **session)
{
    (void)root;
    (void)args;
    if (ram < sizeof(struct ckpt_session) || caps < CKPT_MAX_OBJECTS + 1)
        return FERRY_E_QUOTA;
    struct ckpt_session *s = calloc(1, sizeof(*s));
    if (!s)
        return FERRY_E_QUOTA;
    snprintf(s->label, sizeof(s->label), "%s", label);
    s->obj = (struct rpc_object){.iface = &ckpt_iface, .self = s};
    printf("%s: session for '%s'\n", ckpt_name, label);
    *session = &s->obj;
    return FERRY_OK;
}

static void ckpt_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    struct ckpt_session *s = session->self;
    for (unsigned i = 0; i < s->count; i++)
        env_rpc_unregister(ckpt_env, &s->objects[i].obj);
    printf("%s: session of '%s' closed after %lu calls\n", ckpt_name, s->label,
           (unsigned long)s->calls);
    free(s);
}

static struct service_root ckpt_root = {.open = ckpt_open, .close = ckpt_close};

void component_construct(struct env *e)
{
    ckpt_init(e);
    long err = env_serve(ckpt_env, "Ckpt", &ckpt_root);
    if (err) {
        printf("%s: cannot announce Ckpt: %s\n", ckpt_name, ferry_error_name(err));
        env_exit(ckpt_env, 1);
    }
    printf("%s: serving Ckpt\n", ckpt_name);
}
