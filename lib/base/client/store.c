/*
 * Client stubs: Store, object and Relay, the example service of
 * components/store-server and store-peer (include/ferry/iface/store.h).
 */
#include "../client.h"

long store_create(uint32_t store, uint64_t value, uint32_t *object, uint64_t *badge)
{
    struct rpc_result res;
    FERRY_RPC_MSG(ferry_store_create_in, rpc_mr())->value = value;
    long err = rpc_call(store, STORE_CREATE, FERRY_RPC_WORDS(ferry_store_create_in), 0, &res);
    if (err)
        return err;
    uint64_t b = FERRY_RPC_MSG(ferry_store_create_out, rpc_mr())->badge;
    err = env_import_cap(&res, object);
    if (!err)
        *badge = b;
    return err;
}

long store_shared(uint32_t store, uint32_t *ds)
{
    return rpc_get_cap(store, STORE_SHARED, ds);
}

long store_sum(uint32_t store, uint64_t count, uint64_t *sum)
{
    FERRY_RPC_MSG(ferry_store_sum_in, rpc_mr())->count = count;
    long err = rpc_call(store, STORE_SUM, FERRY_RPC_WORDS(ferry_store_sum_in), 0, NULL);
    if (!err)
        *sum = FERRY_RPC_MSG(ferry_store_sum_out, rpc_mr())->sum;
    return err;
}

long store_lookup(uint32_t store, uint64_t badge, uint32_t *object)
{
    struct rpc_result res;
    FERRY_RPC_MSG(ferry_store_lookup_in, rpc_mr())->badge = badge;
    long err = rpc_call(store, STORE_LOOKUP, FERRY_RPC_WORDS(ferry_store_lookup_in), 0, &res);
    return err ? err : env_import_cap(&res, object);
}

long object_get(uint32_t object, uint64_t *value)
{
    long err = rpc_call(object, OBJECT_GET, 0, 0, NULL);
    if (!err)
        *value = FERRY_RPC_MSG(ferry_object_get_out, rpc_mr())->value;
    return err;
}

long object_add(uint32_t object, uint64_t n, uint64_t *value)
{
    FERRY_RPC_MSG(ferry_object_add_in, rpc_mr())->n = n;
    long err = rpc_call(object, OBJECT_ADD, FERRY_RPC_WORDS(ferry_object_add_in), 0, NULL);
    if (!err)
        *value = FERRY_RPC_MSG(ferry_object_add_out, rpc_mr())->value;
    return err;
}

long relay_give(uint32_t relay, uint32_t object, uint64_t *value)
{
    rpc_send_cap(FERRY_RELAY_GIVE_CAP_OBJECT, object, FERRY_RIGHTS_ALL);
    long err = rpc_call(relay, RELAY_GIVE, 0, 1, NULL);
    if (!err)
        *value = FERRY_RPC_MSG(ferry_relay_give_out, rpc_mr())->value;
    return err;
}
