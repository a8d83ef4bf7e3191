/*
 * Split virtqueues (virtio 1.x, "Split Virtqueues"): the descriptor table,
 * the available ring (driver -> device) and the used ring (device -> driver),
 * all in one physically contiguous DMA region shared with the device.
 *
 * Pure memory logic: no register access, no system calls, so it runs in the
 * drivers (virtio-blk, virtio-net) and in the host unit test, which plays the
 * device (tests/unit/test_virtio.c). The transport (virtio.h) tells the
 * device where the three parts are and rings its doorbell.
 *
 * Layout of the region for a queue of N entries (N a power of two, at most
 * VIRTQ_MAX_SIZE), little-endian (RISC-V is, so plain loads and stores):
 *
 *   offset 0                       descriptor table, N x 16 bytes (align 16)
 *   offset 16 N                    available ring, 6 + 2 N bytes (align 2)
 *   offset VIRTQ_USED_OFFSET(N)    used ring, 6 + 8 N bytes; placed on the
 *                                  next 4 KiB boundary, which satisfies the
 *                                  modern alignment (4) and the legacy one
 *   VIRTQ_BYTES(N)                 total, a whole number of pages
 */
#ifndef FERRY_VIRTIO_VIRTQUEUE_H
#define FERRY_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256

/* Descriptor flags */
#define VIRTQ_DESC_F_NEXT  1 /* the chain continues in `next` */
#define VIRTQ_DESC_F_WRITE 2 /* the device writes this buffer (else reads it) */

/* One buffer of a chain. Shared with the device. */
struct virtq_desc {
    uint64_t addr;  /* 0: physical address of the buffer */
    uint32_t len;   /* 8: its length in bytes */
    uint16_t flags; /* 12: VIRTQ_DESC_F_* */
    uint16_t next;  /* 14: the next descriptor if F_NEXT */
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes");

/* Driver -> device: heads of chains ready for the device. Shared. */
struct virtq_avail {
    uint16_t flags;  /* 0: 1 = VIRTQ_AVAIL_F_NO_INTERRUPT (we never set it) */
    uint16_t idx;    /* 2: where the driver puts the next entry (free running) */
    uint16_t ring[]; /* 4: N heads; then uint16_t used_event at 4 + 2 N (unused) */
};

/* Device -> driver: one finished chain. Shared. */
struct virtq_used_elem {
    uint32_t id;  /* 0: head of the chain */
    uint32_t len; /* 4: bytes the device wrote into the chain's buffers */
};
_Static_assert(sizeof(struct virtq_used_elem) == 8, "virtq_used_elem is 8 bytes");

struct virtq_used {
    uint16_t flags;                /* 0: 1 = VIRTQ_USED_F_NO_NOTIFY (a hint; we notify anyway) */
    uint16_t idx;                  /* 2: where the device puts the next entry (free running) */
    struct virtq_used_elem ring[]; /* 4: N entries; then uint16_t avail_event */
};

#define VIRTQ_PAGE            4096u
#define VIRTQ_AVAIL_OFFSET(n) (16u * (n))
#define VIRTQ_USED_OFFSET(n)                                                                       \
    ((VIRTQ_AVAIL_OFFSET(n) + 6u + 2u * (n) + VIRTQ_PAGE - 1) & ~(VIRTQ_PAGE - 1))
#define VIRTQ_BYTES(n) ((VIRTQ_USED_OFFSET(n) + 6u + 8u * (n) + VIRTQ_PAGE - 1) & ~(VIRTQ_PAGE - 1))

/* One buffer the driver hands to the device. */
struct virtq_buf {
    uint64_t addr; /* physical */
    uint32_t len;
    bool device_writes;
};

/* Results of the ring operations (the drivers map them to ferry errors). */
enum virtq_error {
    VIRTQ_OK = 0,
    VIRTQ_E_SIZE,   /* init: size 0, not a power of two, above VIRTQ_MAX_SIZE, region too small or
                       unaligned */
    VIRTQ_E_FULL,   /* add: not enough free descriptors for the chain */
    VIRTQ_E_EMPTY,  /* add: a chain of 0 buffers */
    VIRTQ_E_NONE,   /* get: nothing new in the used ring */
    VIRTQ_E_DEVICE, /* get: the device returned an id that is no chain in flight (or too many) */
};

/*
 * The driver's side of one queue, in driver memory (never trusted to the
 * device). Invariants: free_count descriptors are on the free list from
 * free_head, linked through link[]; the others belong to chains in flight,
 * linked through link[] as well (desc[].next is the device's copy), whose
 * heads have chain_len[head] > 0 (their length) and every other entry 0;
 * avail_idx is what the driver last wrote to avail->idx; last_used is the
 * used->idx up to which entries were taken; in_flight counts the heads with
 * chain_len > 0.
 */
struct virtq {
    uint16_t size;
    uint16_t free_head, free_count;
    uint16_t avail_idx, last_used, in_flight;
    struct virtq_desc *desc;
    struct virtq_avail *avail;
    struct virtq_used *used;
    uint64_t desc_phys, avail_phys, used_phys;
    uint16_t chain_len[VIRTQ_MAX_SIZE];
    uint16_t link[VIRTQ_MAX_SIZE];
};

/* Sets up q over `mem` (VIRTQ_BYTES(size) bytes, page aligned, physical address
 * `phys`), zeroing it: every descriptor free, both rings empty. */
enum virtq_error virtq_init(struct virtq *q, uint16_t size, void *mem, uint64_t phys, size_t bytes);

/* Puts a chain of n buffers (device-readable ones first, as virtio devices
 * expect) into the descriptor table and its head into the available ring;
 * the device sees it once notified (virtio_notify). *head names the chain. */
enum virtq_error virtq_add(struct virtq *q, const struct virtq_buf *bufs, unsigned n,
                           uint16_t *head);

/* Takes the next finished chain from the used ring and frees its descriptors:
 * *head and the bytes the device wrote (*len). VIRTQ_E_NONE if there is none.
 * VIRTQ_E_DEVICE if the device breaks the protocol: an entry naming no chain
 * in flight (nothing freed, the entry skipped), or a used index further ahead
 * than the chains in flight (nothing taken; the device needs a reset). */
enum virtq_error virtq_get(struct virtq *q, uint16_t *head, uint32_t *len);

/* Chains handed to the device and not yet taken back with virtq_get. */
static inline uint16_t virtq_in_flight(const struct virtq *q)
{
    return q->in_flight;
}

const char *virtq_error_name(enum virtq_error e);

/* Orders memory (and device I/O) accesses before it against those after it. */
static inline void virtq_barrier(void)
{
#ifdef __riscv
    __asm__ volatile("fence iorw, iorw" ::: "memory");
#else
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

#endif
