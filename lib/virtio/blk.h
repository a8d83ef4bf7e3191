/*
 * The virtio block device's protocol (virtio 1.x, "Block Device"): feature
 * bits, configuration layout and the request format. One request is a chain
 * of three buffers: the header (device reads), the data (device reads for
 * OUT, writes for IN; absent for FLUSH) and one status byte (device writes).
 */
#ifndef FERRY_VIRTIO_BLK_H
#define FERRY_VIRTIO_BLK_H

#include <stdint.h>

/* Feature bits */
#define VIRTIO_BLK_F_SIZE_MAX (1ull << 1) /* config size_max: largest data buffer */
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2) /* config seg_max: data buffers per request */
#define VIRTIO_BLK_F_RO       (1ull << 5) /* the disk is read-only */
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6) /* config blk_size */
#define VIRTIO_BLK_F_FLUSH    (1ull << 9) /* VIRTIO_BLK_T_FLUSH exists */

/* Configuration: byte offsets from VIRTIO_MMIO_CONFIG */
#define VIRTIO_BLK_CFG_CAPACITY 0x00 /* u64: size in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08 /* u32 */
#define VIRTIO_BLK_CFG_SEG_MAX  0x0c /* u32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 0x14 /* u32 */

#define VIRTIO_BLK_SECTOR 512u /* the unit of `sector` and capacity, whatever blk_size says */

/* Request types */
#define VIRTIO_BLK_T_IN    0u /* read */
#define VIRTIO_BLK_T_OUT   1u /* write */
#define VIRTIO_BLK_T_FLUSH 4u

/* Status byte values */
#define VIRTIO_BLK_S_OK     0u
#define VIRTIO_BLK_S_IOERR  1u
#define VIRTIO_BLK_S_UNSUPP 2u

/* The request header. Shared with the device (it reads it). */
struct virtio_blk_req_hdr {
    uint32_t type;     /* 0: VIRTIO_BLK_T_* */
    uint32_t reserved; /* 4: 0 */
    uint64_t sector;   /* 8: first 512-byte sector */
};
_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req_hdr is 16 bytes");

#endif
