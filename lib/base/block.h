/*
 * Client stubs for the Block interface (include/ferry/iface/block.h,
 * docs/block.md). Each returns the RPC's error; results go through pointers.
 */
#ifndef FERRY_BASE_BLOCK_H
#define FERRY_BASE_BLOCK_H

#include "client.h"
#include "env.h"
#include <ferry/iface/block.h>

long block_info(uint32_t session, struct ferry_block_info_out *info);
/* The session's buffer dataspace (imported). */
long block_buffer(uint32_t session, uint32_t *ds);
/* count sectors from lba into / out of the buffer at byte offset. */
long block_read(uint32_t session, uint64_t lba, uint64_t count, uint64_t offset);
long block_write(uint32_t session, uint64_t lba, uint64_t count, uint64_t offset);
long block_sync(uint32_t session);

/* A Block session with its buffer attached read-write. */
struct block_client {
    uint32_t session;
    uint32_t ds;
    uint8_t *buf;                     /* the buffer: info.buffer_size bytes */
    struct ferry_block_info_out info; /* as at open */
};

/* Opens a Block session with a buffer of `buffer_bytes` (0: the driver's
 * default), donating what it needs, attaches the buffer and reads the info.
 * On failure nothing stays open. */
long block_open(struct env *env, const char *label, uint64_t buffer_bytes, struct block_client *c);
/* Detaches the buffer and closes the session. */
void block_close(struct env *env, struct block_client *c);

#endif
