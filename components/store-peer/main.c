/*
 * store-peer: serves Relay. A client hands it a Store object capability
 * (delegation through IPC); the peer calls the object itself. Receiving the
 * same object twice leaves one entry in its capability map, with two
 * references.
 */
#include <ferry/iface/store.h>
#include <root.h>
#include <stdio.h>

static struct env *env;
static const struct ferry_rpc_sig relay_sigs[] = FERRY_RPC_SIGS(FERRY_RELAY_RPCS);

static long relay_give(struct rpc_request *req)
{
    uint64_t badge = req->cap_badge[0];
    uint32_t slot = env_cap_import(rpc_keep_cap(req, 0), badge);
    if (!slot)
        return FERRY_E_INVAL;
    long err = rpc_call(slot, OBJECT_GET, 0, 0, NULL);
    if (err)
        return err;
    uint64_t value = rpc_mr()[0];
    struct capmap_entry *e = capmap_find(env_capmap, badge);
    printf("object badge %lu in slot %u (refs %u) has value %lu\n", (unsigned long)badge, slot,
           e ? e->refcount : 0, (unsigned long)value);
    req->mr[0] = value;
    req->reply_words = 1;
    return FERRY_OK;
}

static long relay_dispatch(void *self, struct rpc_request *req)
{
    (void)self;
    return relay_give(req);
}

static const struct rpc_iface relay_iface = {"relay", relay_sigs, 1, relay_dispatch};
static struct rpc_object relay_session = {.iface = &relay_iface};

static long relay_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                       uint64_t caps, struct rpc_object **session)
{
    (void)root, (void)args, (void)ram, (void)caps;
    if (relay_session.badge)
        return FERRY_E_BUSY; /* one client at a time */
    printf("session for '%s'\n", label);
    *session = &relay_session;
    return FERRY_OK;
}

static void relay_close(struct service_root *root, struct rpc_object *session)
{
    (void)root, (void)session;
    env_capmap_dump("store-peer");
}

static struct service_root relay_root = {.open = relay_open, .close = relay_close};

void component_construct(struct env *e)
{
    env = e;
    long err = env_serve(env, "Relay", &relay_root);
    if (err) {
        printf("cannot announce Relay: %s\n", ferry_error_name(err));
        env_exit(env, 1);
    }
    printf("serving Relay\n");
}
