/*
 * Nic: an Ethernet interface (components/virtio-net; docs/network.md).
 *
 * Each session is one interface with its own MAC address; the driver
 * switches frames between its sessions and the wire (unicast by destination
 * MAC, broadcast and multicast to every session and the wire, never back to
 * the sender).
 *
 * Frames move through the session's shared buffer, a RAM dataspace the
 * driver allocates and the client attaches read-write (struct
 * ferry_nic_shared): a transmit ring the client fills and a receive ring the
 * driver fills, each FERRY_NIC_SLOTS slots of one frame. No frame travels in
 * message words. The driver copies every frame out of a transmit slot before
 * it looks at it, so a client changing a slot behind its back only hurts
 * itself.
 *
 * Session arguments: none. Donation: at least FERRY_NIC_SHARED_BYTES + 4096
 * bytes and 2 capabilities (E_QUOTA / E_CAPQUOTA).
 *
 * NIC_INFO:   out struct ferry_nic_info_out
 * NIC_BUFFER: out cap[FERRY_NIC_BUFFER_CAP_DS] the shared buffer
 * NIC_SIGH:   in cap[FERRY_NIC_SIGH_CAP_SIGNAL]: triggered when frames were
 *             put into the receive ring, when transmit slots were freed
 *             after the driver ran out of wire buffers, and on a link change
 * NIC_TX:     the transmit ring has new frames (tx.head moved): the driver
 *             takes every slot from its tail up to head and advances tail.
 *             Replies E_INVAL (counted as bad_index) if head is more than
 *             FERRY_NIC_SLOTS ahead of tail: the ring is left as it was.
 *
 * Dropped and counted, never an error to the other sessions: a frame shorter
 * than FERRY_NIC_FRAME_MIN or longer than FERRY_NIC_FRAME_MAX (malformed), a
 * frame whose source MAC is not the session's (spoofed), a frame for a
 * session whose receive ring is full or whose rx.tail is not within
 * FERRY_NIC_SLOTS of the driver's head (rx_full / bad_index).
 */
#ifndef FERRY_IFACE_NIC_H
#define FERRY_IFACE_NIC_H

#include <ferry/rpc.h>

#define FERRY_NIC_FRAME_MIN  14u   /* an Ethernet header */
#define FERRY_NIC_FRAME_MAX  1514u /* header + 1500 bytes payload, no FCS */
#define FERRY_NIC_SLOTS      32u   /* per ring, a power of two */
#define FERRY_NIC_SLOT_BYTES 2048u

/* One frame. Byte offsets: len 0, data 8. */
struct ferry_nic_slot {
    uint32_t len; /* bytes of data[] that are the frame */
    uint32_t reserved;
    uint8_t data[FERRY_NIC_SLOT_BYTES - 8];
};

/*
 * A ring: the producer writes slots, then advances head; the consumer reads
 * slots, then advances tail. Both are free-running counters: the slot of
 * counter c is c % FERRY_NIC_SLOTS, the ring holds head - tail frames
 * (0 .. FERRY_NIC_SLOTS). Byte offsets: head 0, tail 64 (separate cache lines).
 */
struct ferry_nic_ring {
    volatile uint32_t head;
    uint32_t pad0[15];
    volatile uint32_t tail;
    uint32_t pad1[15];
};

/*
 * The shared buffer. Byte offsets: tx ring 0 (client produces, driver
 * consumes), rx ring 128 (driver produces, client consumes), tx slots 4096,
 * rx slots 4096 + FERRY_NIC_SLOTS * FERRY_NIC_SLOT_BYTES.
 */
struct ferry_nic_shared {
    struct ferry_nic_ring tx;
    struct ferry_nic_ring rx;
    uint8_t pad[4096 - 2 * sizeof(struct ferry_nic_ring)];
    struct ferry_nic_slot tx_slot[FERRY_NIC_SLOTS];
    struct ferry_nic_slot rx_slot[FERRY_NIC_SLOTS];
};
#define FERRY_NIC_SHARED_BYTES sizeof(struct ferry_nic_shared)

#define FERRY_NIC_LINK_UP 0x1u /* ferry_nic_info_out.flags */

struct ferry_nic_info_out {
    uint64_t mac;        /* the session's MAC, byte 0 in bits 40..47 */
    uint64_t flags;      /* FERRY_NIC_* */
    uint64_t mtu;        /* payload bytes per frame: 1500 */
    uint64_t tx_frames;  /* frames this session sent (delivered or on the wire) */
    uint64_t rx_frames;  /* frames put into this session's receive ring */
    uint64_t malformed;  /* this session's transmit slots dropped for their length */
    uint64_t spoofed;    /* this session's frames dropped: source MAC not the session's */
    uint64_t rx_full;    /* frames for this session dropped: its receive ring was full */
    uint64_t bad_index;  /* this session's ring indices out of range */
    uint64_t interrupts; /* device interrupts the driver has taken (all sessions) */
    uint64_t wire_bad;   /* frames from the wire dropped as malformed (all sessions) */
};
FERRY_RPC_LAYOUT(ferry_nic_info_out);

enum { FERRY_NIC_BUFFER_CAP_DS = 0 };
enum { FERRY_NIC_SIGH_CAP_SIGNAL = 0 };

#define FERRY_NIC_RPCS(RPC)                                                                        \
    RPC(FERRY_NIC_INFO, 1, 0, 0)                                                                   \
    RPC(FERRY_NIC_BUFFER, 2, 0, 0)                                                                 \
    RPC(FERRY_NIC_SIGH, 3, 0, 1)                                                                   \
    RPC(FERRY_NIC_TX, 4, 0, 0)
FERRY_RPC_ENUM(FERRY_NIC_RPCS);
FERRY_RPC_SIGS_DECLARE(ferry_nic_sigs, FERRY_NIC_RPCS);

#endif
