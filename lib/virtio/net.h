/*
 * The virtio network device's protocol (virtio 1.x, "Network Device"):
 * feature bits, configuration layout and the header in front of every
 * frame. Queue 0 receives, queue 1 transmits. With VIRTIO_F_VERSION_1 the
 * header is 12 bytes (num_buffers included) and may share one buffer with
 * the frame: each receive buffer and each transmit buffer here is one
 * descriptor, header then frame.
 */
#ifndef FERRY_VIRTIO_NET_H
#define FERRY_VIRTIO_NET_H

#include <stdint.h>

/* Feature bits */
#define VIRTIO_NET_F_MAC    (1ull << 5)  /* config mac is valid */
#define VIRTIO_NET_F_STATUS (1ull << 16) /* config status is valid */

/* Configuration: byte offsets from VIRTIO_MMIO_CONFIG */
#define VIRTIO_NET_CFG_MAC    0x00 /* u8[6] */
#define VIRTIO_NET_CFG_STATUS 0x06 /* u16: VIRTIO_NET_S_* */

#define VIRTIO_NET_S_LINK_UP 1

#define VIRTIO_NET_Q_RX 0
#define VIRTIO_NET_Q_TX 1

/* In front of every frame. Byte offsets: flags 0, gso_type 1, hdr_len 2,
 * gso_size 4, csum_start 6, csum_offset 8, num_buffers 10. All zero on
 * transmit (no offloads negotiated). */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    uint16_t hdr_len;
    uint16_t gso_size;
    uint16_t csum_start;
    uint16_t csum_offset;
    uint16_t num_buffers;
};
#define VIRTIO_NET_HDR_BYTES 12

#endif
