/*
 * store-client: uses the Store service and passes one of its objects on to
 * store-peer (Relay). Shows capability delegation, folding of a capability
 * received twice, and a RAM dataspace shared with the server.
 */
#include <ferry/iface/store.h>
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

static uint32_t create_object(uint32_t store, uint64_t value, uint64_t *badge)
{
    struct rpc_result res;
    rpc_mr()[0] = value;
    long err = rpc_call(store, STORE_CREATE, 1, 0, &res);
    FAIL_IF(err, "STORE_CREATE");
    *badge = res.cap_badge[0];
    return env_import_result(&res);
}

static uint64_t object_call(uint32_t obj, unsigned op, uint64_t arg)
{
    rpc_mr()[0] = arg;
    long err = rpc_call(obj, op, op == OBJECT_ADD ? 1 : 0, 0, NULL);
    FAIL_IF(err, "object call");
    return rpc_mr()[0];
}

static void shared_memory(uint32_t store)
{
    struct rpc_result res;
    uint64_t addr;
    long err = rpc_call(store, STORE_SHARED, 0, 0, &res);
    FAIL_IF(err, "STORE_SHARED");
    uint32_t ds = env_import_result(&res);
    err = env_attach(env, ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr);
    FAIL_IF(err, "attach shared dataspace");
    uint64_t *words = (uint64_t *)addr;
    for (unsigned i = 0; i < 16; i++)
        words[i] = i + 1;
    rpc_mr()[0] = 16;
    err = rpc_call(store, STORE_SUM, 1, 0, NULL);
    FAIL_IF(err, "STORE_SUM");
    printf("server sums the shared words 1..16 to %lu\n", (unsigned long)rpc_mr()[0]);
}

static void relay(uint32_t obj)
{
    uint32_t peer;
    long err = env_session(env, "Relay", "", NULL, 4096, 2, &peer);
    FAIL_IF(err, "Relay session");
    for (int i = 0; i < 2; i++) {
        rpc_send_cap(0, obj, FERRY_RIGHTS_ALL);
        err = rpc_call(peer, RELAY_GIVE, 0, 1, NULL);
        FAIL_IF(err, "RELAY_GIVE");
        printf("peer read %lu\n", (unsigned long)rpc_mr()[0]);
    }
    /* a capability without a badge (our own task) is refused, not mistaken for another */
    rpc_send_cap(0, FERRY_COMP_SEL_TASK, FERRY_RIGHT_R);
    printf("peer given a capability without a badge: %s\n",
           ferry_error_name(rpc_call(peer, RELAY_GIVE, 0, 1, NULL)));
    FAIL_IF(env_session_close(env, peer), "closing Relay");
}

void component_construct(struct env *e)
{
    env = e;
    uint32_t store;
    uint64_t badge_a, badge_b;
    long err = env_session(env, "Store", "", NULL, 64 * 1024, 16, &store);
    FAIL_IF(err, "Store session");
    uint32_t a = create_object(store, 10, &badge_a);
    uint32_t b = create_object(store, 20, &badge_b);
    printf("object A = %lu, object B = %lu\n", (unsigned long)object_call(a, OBJECT_ADD, 5),
           (unsigned long)object_call(b, OBJECT_GET, 0));

    struct rpc_result res;
    rpc_mr()[0] = badge_a;
    err = rpc_call(store, STORE_LOOKUP, 1, 0, &res);
    FAIL_IF(err, "STORE_LOOKUP");
    uint32_t again = env_import_result(&res);
    printf("A received again: %s (refs %u)\n", again == a ? "same slot" : "NEW SLOT",
           capmap_find(env_capmap, badge_a)->refcount);

    shared_memory(store);
    relay(a);
    env_capmap_dump("store-client");
    FAIL_IF(env_session_close(env, store), "closing Store");
    env_exit(env, 0);
}
