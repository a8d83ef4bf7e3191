/*
 * Client stubs: Store, object and Relay, the example service of
 * components/store-server and store-peer (include/ferry/iface/store.h).
 */
#include "../client.h"

long store_create(uint32_t store, uint64_t value, uint32_t *object, uint64_t *id)
{
    FERRY_RPC_MSG(ferry_store_create_in, rpc_mr())->value = value;
    return client_call(store, STORE_CREATE, FERRY_RPC_WORDS(ferry_store_create_in), 0, id,
                       FERRY_RPC_WORDS(ferry_store_create_out), object);
}

long store_shared(uint32_t store, uint32_t *ds)
{
    return rpc_get_cap(store, STORE_SHARED, ds);
}

long store_sum(uint32_t store, uint64_t count, uint64_t *sum)
{
    FERRY_RPC_MSG(ferry_store_sum_in, rpc_mr())->count = count;
    return client_call(store, STORE_SUM, FERRY_RPC_WORDS(ferry_store_sum_in), 0, sum,
                       FERRY_RPC_WORDS(ferry_store_sum_out), NULL);
}

long store_lookup(uint32_t store, uint64_t id, uint32_t *object)
{
    FERRY_RPC_MSG(ferry_store_lookup_in, rpc_mr())->id = id;
    return client_call(store, STORE_LOOKUP, FERRY_RPC_WORDS(ferry_store_lookup_in), 0, NULL, 0,
                       object);
}

long object_get(uint32_t object, uint64_t *value)
{
    return client_call(object, OBJECT_GET, 0, 0, value, FERRY_RPC_WORDS(ferry_object_get_out),
                       NULL);
}

long object_add(uint32_t object, uint64_t n, uint64_t *value)
{
    FERRY_RPC_MSG(ferry_object_add_in, rpc_mr())->n = n;
    return client_call(object, OBJECT_ADD, FERRY_RPC_WORDS(ferry_object_add_in), 0, value,
                       FERRY_RPC_WORDS(ferry_object_add_out), NULL);
}

long relay_give(uint32_t relay, uint32_t object, uint64_t *value)
{
    rpc_send_cap(FERRY_RELAY_GIVE_CAP_OBJECT, object, FERRY_RIGHTS_ALL);
    return client_call(relay, RELAY_GIVE, 0, 1, value, FERRY_RPC_WORDS(ferry_relay_give_out), NULL);
}
