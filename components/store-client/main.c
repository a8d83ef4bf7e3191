/*
 * store-client: uses the Store service and passes one of its objects on to
 * store-peer (Relay). Shows capability delegation, folding of a capability
 * received twice, and a RAM dataspace shared with the server.
 */
#include <ferry/iface/store.h>
#include <client.h>
#include <env.h>
#include <stdio.h>

static struct env *env;

#define FAIL_IF(err, what)                                                                         \
    do {                                                                                           \
        if (err) {                                                                                 \
            printf("%s failed: %s\n", what, ferry_error_name(err));                                \
            env_exit(env, 1);                                                                      \
        }                                                                                          \
    } while (0)

static uint32_t create_object(uint32_t store, uint64_t value, uint64_t *id)
{
    uint32_t object;
    FAIL_IF(store_create(store, value, &object, id), "STORE_CREATE");
    return object;
}

static void shared_memory(uint32_t store)
{
    uint32_t ds;
    uint64_t addr, sum;
    long err = store_shared(store, &ds);
    FAIL_IF(err, "STORE_SHARED");
    err = env_attach(env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr);
    FAIL_IF(err, "attach shared dataspace");
    uint64_t *words = (uint64_t *)addr;
    for (unsigned i = 0; i < 16; i++)
        words[i] = i + 1;
    err = store_sum(store, 16, &sum);
    FAIL_IF(err, "STORE_SUM");
    printf("server sums the shared words 1..16 to %lu\n", (unsigned long)sum);
}

static void relay(uint32_t obj)
{
    uint32_t peer;
    uint64_t value;
    long err = env_session(env, "Relay", "", NULL, 4096, 2, &peer);
    FAIL_IF(err, "Relay session");
    for (int i = 0; i < 2; i++) {
        err = relay_give(peer, obj, &value);
        FAIL_IF(err, "RELAY_GIVE");
        printf("peer read %lu\n", (unsigned long)value);
    }
    /* a capability without a badge (our own task) is refused, not mistaken for another */
    printf("peer given a capability without a badge: %s\n",
           ferry_error_name(relay_give(peer, FERRY_COMP_SEL_TASK, &value)));
    FAIL_IF(env_session_close(env, peer), "closing Relay");
}

void component_construct(struct env *e)
{
    env = e;
    uint32_t store;
    uint64_t id_a, id_b;
    long err = env_session(env, "Store", "", NULL, 64 * 1024, 16, &store);
    FAIL_IF(err, "Store session");
    uint32_t a = create_object(store, 10, &id_a);
    uint32_t b = create_object(store, 20, &id_b);
    uint64_t value_a, value_b;
    FAIL_IF(object_add(a, 5, &value_a), "OBJECT_ADD");
    FAIL_IF(object_get(b, &value_b), "OBJECT_GET");
    printf("object A = %lu, object B = %lu\n", (unsigned long)value_a, (unsigned long)value_b);

    uint32_t again;
    err = store_lookup(store, id_a, &again);
    FAIL_IF(err, "STORE_LOOKUP");
    printf("A received again: %s (refs %u)\n", again == a ? "same slot" : "NEW SLOT",
           env_cap_refs(a));

    shared_memory(store);
    relay(a);
    env_capmap_dump("store-client");
    FAIL_IF(env_session_close(env, store), "closing Store");
    env_exit(env, 0);
}
