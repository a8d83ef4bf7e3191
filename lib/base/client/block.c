/*
 * Client stubs: Block session (include/ferry/iface/block.h, docs/block.md),
 * and a session with its buffer attached.
 */
#include "../client.h"
#include <stdio.h>

long block_info(uint32_t session, struct ferry_block_info_out *info)
{
    return client_call(session, FERRY_BLOCK_INFO, 0, 0, info, FERRY_RPC_WORDS(ferry_block_info_out),
                       NULL);
}

long block_buffer(uint32_t session, uint32_t *ds)
{
    return rpc_get_cap(session, FERRY_BLOCK_BUFFER, ds);
}

static long block_io(uint32_t session, unsigned op, uint64_t lba, uint64_t count, uint64_t offset)
{
    *FERRY_RPC_MSG(ferry_block_io_in, rpc_mr()) = (struct ferry_block_io_in){lba, count, offset};
    return client_call(session, op, FERRY_RPC_WORDS(ferry_block_io_in), 0, NULL, 0, NULL);
}

long block_read(uint32_t session, uint64_t lba, uint64_t count, uint64_t offset)
{
    return block_io(session, FERRY_BLOCK_READ, lba, count, offset);
}

long block_write(uint32_t session, uint64_t lba, uint64_t count, uint64_t offset)
{
    return block_io(session, FERRY_BLOCK_WRITE, lba, count, offset);
}

long block_sync(uint32_t session)
{
    return client_call(session, FERRY_BLOCK_SYNC, 0, 0, NULL, 0, NULL);
}

long block_open(struct env *env, const char *label, uint64_t buffer_bytes, struct block_client *c)
{
    char args[FERRY_ARGS_MAX] = "";
    uint64_t bytes = buffer_bytes ? buffer_bytes : FERRY_BLOCK_BUFFER_DEFAULT;
    if (buffer_bytes)
        snprintf(args, sizeof(args), "buffer=%llu", (unsigned long long)buffer_bytes);
    c->ds = 0;
    c->buf = NULL;
    long err = env_session(env, "Block", label, args, bytes + 4096, 2, &c->session);
    if (err)
        return err;
    uint64_t addr = 0;
    err = block_buffer(c->session, &c->ds);
    if (!err)
        err = env_attach(env, c->ds, FERRY_RM_ANY, 0, 0, FERRY_RM_WRITE, &addr);
    if (!err)
        err = block_info(c->session, &c->info);
    if (err) {
        if (addr)
            env_detach(env, addr);
        if (c->ds)
            env_cap_drop(c->ds);
        env_session_close(env, c->session);
        return err;
    }
    c->buf = (uint8_t *)addr;
    return FERRY_OK;
}

void block_close(struct env *env, struct block_client *c)
{
    env_detach(env, (uint64_t)c->buf);
    env_cap_drop(c->ds);
    env_session_close(env, c->session);
    c->buf = NULL;
}
