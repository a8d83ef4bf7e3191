/*
 * The one call of the client stubs (client.h) that is not inline.
 */
#include "../client.h"

long rpc_get_cap(uint32_t object, unsigned opcode, uint32_t *cap)
{
    return client_call(object, opcode, 0, 0, NULL, 0, cap);
}

long client_open_buffer(struct env *env, const char *service, const char *label, const char *args,
                        uint64_t ram, uint64_t caps, unsigned buffer_op, uint32_t *session,
                        uint32_t *ds, void **addr)
{
    *ds = 0;
    *addr = NULL;
    long err = env_session(env, service, label, args, ram, caps, session);
    if (err)
        return err;
    uint64_t at = 0;
    err = rpc_get_cap(*session, buffer_op, ds);
    if (!err)
        err = env_attach(env, *ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &at);
    if (err) {
        if (*ds)
            env_cap_drop(*ds);
        env_session_close(env, *session);
        *ds = 0;
        return err;
    }
    *addr = (void *)at;
    return FERRY_OK;
}

void client_close_buffer(struct env *env, uint32_t session, uint32_t ds, void *addr)
{
    env_detach(env, (uint64_t)addr);
    env_cap_drop(ds);
    env_session_close(env, session);
}
