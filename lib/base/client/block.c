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
    void *addr;
    long err = client_open_buffer(env, "Block", label, args, bytes + 4096, 2, FERRY_BLOCK_BUFFER,
                                  &c->session, &c->ds, &addr);
    if (err)
        return err;
    err = block_info(c->session, &c->info);
    if (err) {
        client_close_buffer(env, c->session, c->ds, addr);
        return err;
    }
    c->buf = addr;
    return FERRY_OK;
}

void block_close(struct env *env, struct block_client *c)
{
    client_close_buffer(env, c->session, c->ds, c->buf);
    c->buf = NULL;
}
