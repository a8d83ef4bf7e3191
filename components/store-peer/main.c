/*
 * store-peer: serves Relay. A client hands it a Store object capability
 * (delegation through IPC); the peer calls the object itself. Receiving the
 * same object twice leaves one entry in its capability map, with two
 * references.
 */
#include <ferry/iface/store.h>
#include <ferry/macros.h>
#include <client.h>
#include <root.h>
#include <stdio.h>

static struct env *env;
static long relay_op_give(struct rpc_request *req)
{
    uint32_t slot = env_cap_keep(req, FERRY_RELAY_GIVE_CAP_OBJECT);
    if (!slot)
        return FERRY_E_INVAL;
    uint64_t value;
    long err = object_get(slot, &value);
    if (err)
        return err;
    printf("object in slot %u (refs %u) has value %lu\n", slot, env_cap_refs(slot),
           (unsigned long)value);
    FERRY_RPC_MSG(ferry_relay_give_out, req->mr)->value = value;
    req->reply_words = FERRY_RPC_WORDS(ferry_relay_give_out);
    return FERRY_OK;
}

static long relay_dispatch(void *self, struct rpc_request *req)
{
    (void)self;
    return relay_op_give(req);
}

static const struct rpc_iface relay_iface = {"relay", ferry_relay_sigs,
                                             ARRAY_SIZE(ferry_relay_sigs), relay_dispatch};
static struct rpc_object relay_session = {.iface = &relay_iface};

static long relay_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                       uint64_t caps, struct rpc_object **session)
{
    (void)root, (void)args, (void)ram, (void)caps;
    if (relay_session.handle)
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
