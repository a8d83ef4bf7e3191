/*
 * Block: a disk of 512-byte sectors (components/virtio-blk; docs/block.md).
 *
 * Session arguments: "buffer=BYTES", the size of the session's I/O buffer
 * (a multiple of 4096, 4096 .. FERRY_BLOCK_BUFFER_MAX; default
 * FERRY_BLOCK_BUFFER_DEFAULT; E_INVAL otherwise). Donation: at least
 * buffer + 4096 bytes and 2 capabilities (E_QUOTA / E_CAPQUOTA).
 *
 * Data moves through the buffer, a RAM dataspace the driver allocates for the
 * session and the client attaches read-write: the device reads and writes it
 * directly (DMA), no data travels in message words. Requests are synchronous:
 * the reply comes when the device has finished.
 *
 * BLOCK_INFO:   out struct ferry_block_info_out
 * BLOCK_BUFFER: out cap[FERRY_BLOCK_BUFFER_CAP_DS] the buffer dataspace
 * BLOCK_READ:   in struct ferry_block_io_in: sectors lba .. lba + count - 1
 *                  into the buffer at byte `offset`
 * BLOCK_WRITE:  in struct ferry_block_io_in: the buffer at `offset` to the disk
 * BLOCK_SYNC:   the device's write cache to stable storage
 *
 * Errors of READ and WRITE, checked in this order:
 *   E_INVAL     count is 0
 *   E_QUOTA     too large: count > max_sectors (more than the buffer holds)
 *   E_RANGE     lba + count > sector_count (beyond the end of the disk)
 *   E_ALIGN     bad buffer window: offset not a multiple of the sector size
 *   E_NOMEM     bad buffer window: offset + count * sector size > buffer size
 *   E_NORIGHTS  WRITE on a read-only disk
 *   E_CANCELED  the device failed the request (virtio status IOERR or UNSUPP)
 *   E_DEAD      the device broke (no completion in time, a protocol error):
 *                  every later request gets E_DEAD as well
 */
#ifndef FERRY_IFACE_BLOCK_H
#define FERRY_IFACE_BLOCK_H

#include <ferry/rpc.h>

#define FERRY_BLOCK_SECTOR_SIZE    512u
#define FERRY_BLOCK_BUFFER_DEFAULT (64u * 1024)
#define FERRY_BLOCK_BUFFER_MAX     (1024u * 1024)

#define FERRY_BLOCK_READ_ONLY 0x1u /* ferry_block_info_out.flags */

struct ferry_block_info_out {
    uint64_t sector_size;  /* bytes per sector: FERRY_BLOCK_SECTOR_SIZE */
    uint64_t sector_count; /* sectors on the disk */
    uint64_t flags;        /* FERRY_BLOCK_* */
    uint64_t max_sectors;  /* per request: buffer size / sector size */
    uint64_t buffer_size;  /* bytes of the session's buffer */
    uint64_t requests;     /* requests the driver has completed (all sessions) */
    uint64_t interrupts;   /* device interrupts the driver has taken (all sessions) */
};
FERRY_RPC_LAYOUT(ferry_block_info_out);

struct ferry_block_io_in {
    uint64_t lba;    /* first sector */
    uint64_t count;  /* sectors */
    uint64_t offset; /* bytes into the session's buffer */
};
FERRY_RPC_LAYOUT(ferry_block_io_in);

enum { FERRY_BLOCK_BUFFER_CAP_DS = 0 };

#define FERRY_BLOCK_RPCS(RPC)                                                                      \
    RPC(FERRY_BLOCK_INFO, 1, 0, 0)                                                                 \
    RPC(FERRY_BLOCK_BUFFER, 2, 0, 0)                                                               \
    RPC(FERRY_BLOCK_READ, 3, FERRY_RPC_WORDS(ferry_block_io_in), 0)                                \
    RPC(FERRY_BLOCK_WRITE, 4, FERRY_RPC_WORDS(ferry_block_io_in), 0)                               \
    RPC(FERRY_BLOCK_SYNC, 5, 0, 0)
FERRY_RPC_ENUM(FERRY_BLOCK_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_block_sigs, FERRY_BLOCK_RPCS);

#endif
