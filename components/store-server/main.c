/*
 * store-server: serves the Store service (include/ferry/iface/store.h).
 * Every session gets its own objects (RPC objects, named by id) and
 * a shared RAM dataspace the client can write and the server reads.
 */
#include <ferry/iface/store.h>
#include <ferry/macros.h>
#include <root.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STORE_SHARED_BYTES 4096ul

struct store_object {
    struct rpc_object obj;
    uint64_t value;
    bool used;
};

struct store_session {
    struct rpc_object obj;
    char label[FERRY_LABEL_MAX];
    struct store_object objects[STORE_MAX_OBJECTS];
    uint32_t shared_ds;
    const uint64_t *shared; /* the server's view of the shared dataspace */
};

static struct env *env;

static long object_dispatch(void *self, struct rpc_request *req)
{
    struct store_object *o = self;
    switch (req->opcode) {
    case OBJECT_GET:
        FERRY_RPC_MSG(ferry_object_get_out, req->mr)->value = o->value;
        req->reply_words = FERRY_RPC_WORDS(ferry_object_get_out);
        return FERRY_OK;
    case OBJECT_ADD:
        o->value += FERRY_RPC_MSG(ferry_object_add_in, req->mr)->n;
        FERRY_RPC_MSG(ferry_object_add_out, req->mr)->value = o->value;
        req->reply_words = FERRY_RPC_WORDS(ferry_object_add_out);
        return FERRY_OK;
    default:
        return FERRY_E_BADOP;
    }
}

static const struct rpc_iface object_iface = {"object", ferry_object_sigs,
                                              ARRAY_SIZE(ferry_object_sigs), object_dispatch};

static long store_op_create(struct store_session *s, struct rpc_request *req)
{
    for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++) {
        struct store_object *o = &s->objects[i];
        if (o->used)
            continue;
        long err;
        o->obj = (struct rpc_object){.iface = &object_iface, .self = o};
        o->value = FERRY_RPC_MSG(ferry_store_create_in, req->mr)->value;
        uint32_t gate = env_rpc_register(env, &o->obj, &err);
        if (!gate)
            return err;
        o->used = true;
        rpc_reply_cap(req, gate, FERRY_RIGHTS_ALL);
        FERRY_RPC_MSG(ferry_store_create_out, req->mr)->id = i;
        req->reply_words = FERRY_RPC_WORDS(ferry_store_create_out);
        return FERRY_OK;
    }
    return FERRY_E_CAPQUOTA;
}

static long store_op_sum(struct store_session *s, struct rpc_request *req)
{
    uint64_t count = FERRY_RPC_MSG(ferry_store_sum_in, req->mr)->count, sum = 0;
    if (count > STORE_SHARED_BYTES / 8)
        return FERRY_E_RANGE;
    for (uint64_t i = 0; i < count; i++)
        sum += s->shared[i];
    FERRY_RPC_MSG(ferry_store_sum_out, req->mr)->sum = sum;
    req->reply_words = FERRY_RPC_WORDS(ferry_store_sum_out);
    return FERRY_OK;
}

static long store_op_lookup(struct store_session *s, struct rpc_request *req)
{
    uint64_t id = FERRY_RPC_MSG(ferry_store_lookup_in, req->mr)->id;
    if (id >= STORE_MAX_OBJECTS || !s->objects[id].used)
        return FERRY_E_NOENT;
    rpc_reply_cap(req, env_rpc_gate(env, &s->objects[id].obj), FERRY_RIGHTS_ALL);
    return FERRY_OK;
}

static long store_dispatch(void *self, struct rpc_request *req)
{
    struct store_session *s = self;
    switch (req->opcode) {
    case STORE_CREATE:
        return store_op_create(s, req);
    case STORE_SHARED:
        rpc_reply_cap(req, s->shared_ds, FERRY_RIGHTS_ALL);
        return FERRY_OK;
    case STORE_SUM:
        return store_op_sum(s, req);
    case STORE_LOOKUP:
        return store_op_lookup(s, req);
    default:
        return FERRY_E_BADOP;
    }
}

static const struct rpc_iface store_iface = {"store", ferry_store_sigs,
                                             ARRAY_SIZE(ferry_store_sigs), store_dispatch};

static long store_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                       uint64_t caps, struct rpc_object **session)
{
    (void)root;
    (void)args;
    if (ram < STORE_SHARED_BYTES || caps < STORE_MAX_OBJECTS + 2)
        return FERRY_E_QUOTA;
    struct store_session *s = calloc(1, sizeof(*s));
    if (!s)
        return FERRY_E_QUOTA;
    long err;
    s->shared = env_alloc_attached(env, STORE_SHARED_BYTES, &s->shared_ds, &err);
    if (!s->shared) {
        free(s);
        return err;
    }
    snprintf(s->label, sizeof(s->label), "%s", label);
    s->obj = (struct rpc_object){.iface = &store_iface, .self = s};
    printf("session for '%s'\n", label);
    *session = &s->obj;
    return FERRY_OK;
}

static void store_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    struct store_session *s = session->self;
    for (unsigned i = 0; i < STORE_MAX_OBJECTS; i++)
        if (s->objects[i].used)
            env_rpc_unregister(env, &s->objects[i].obj);
    printf("session of '%s' closed\n", s->label);
    env_capmap_dump("store-server");
    /* the shared dataspace stays with the PD: a freed session's memory is not reused here */
    free(s);
}

static struct service_root store_root = {.open = store_open, .close = store_close};

void component_construct(struct env *e)
{
    env = e;
    long err = env_serve(env, "Store", &store_root);
    if (err) {
        printf("cannot announce Store: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    printf("serving Store\n");
}
