/*
 * Host tests of lib/virtio: the split virtqueue ring logic, with the test
 * playing the device (it reads chains from the available ring and returns
 * them through the used ring as a virtio device does), and the transport's
 * probe against a fake register window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtio/virtio.h"

#define QSIZE 8

static _Alignas(4096) uint8_t ring_mem[VIRTQ_BYTES(VIRTQ_MAX_SIZE)];
static struct virtq q;
static uint16_t dev_last_avail; /* the device's position in the available ring */

static int setup(void **state)
{
    (void)state;
    dev_last_avail = 0;
    return virtq_init(&q, QSIZE, ring_mem, 0x80001000, sizeof(ring_mem)) == VIRTQ_OK ? 0 : -1;
}

/* Device side: takes the next available chain, checks its shape, returns its
 * head; *count and *total are its buffers and bytes. */
static uint16_t dev_take(unsigned *count, uint64_t *first_addr)
{
    assert_int_not_equal(q.avail->idx, dev_last_avail);
    uint16_t head = q.avail->ring[dev_last_avail++ % q.size];
    unsigned n = 0;
    uint16_t d = head;
    *first_addr = q.desc[d].addr;
    for (;;) {
        n++;
        assert_true(n <= q.size);
        if (!(q.desc[d].flags & VIRTQ_DESC_F_NEXT))
            break;
        d = q.desc[d].next;
        assert_true(d < q.size);
    }
    *count = n;
    return head;
}

/* Device side: puts (id, len) into the used ring. */
static void dev_complete(uint32_t id, uint32_t len)
{
    q.used->ring[q.used->idx % q.size] = (struct virtq_used_elem){id, len};
    q.used->idx++;
}

static void test_layout(void **state)
{
    (void)state;
    assert_int_equal(VIRTQ_AVAIL_OFFSET(8), 128);
    assert_int_equal(VIRTQ_USED_OFFSET(8), 4096);
    assert_int_equal(VIRTQ_BYTES(8), 8192);
    assert_int_equal(VIRTQ_USED_OFFSET(256), 8192); /* 4096 + 6 + 512 rounded up */
    assert_int_equal(VIRTQ_BYTES(256), 12288);
    assert_int_equal(offsetof(struct virtq_desc, len), 8);
    assert_int_equal(offsetof(struct virtq_desc, flags), 12);
    assert_int_equal(offsetof(struct virtq_desc, next), 14);
    assert_int_equal(offsetof(struct virtq_avail, ring), 4);
    assert_int_equal(offsetof(struct virtq_used, ring), 4);
    assert_ptr_equal((uint8_t *)q.avail, ring_mem + 128);
    assert_ptr_equal((uint8_t *)q.used, ring_mem + 4096);
    assert_int_equal(q.desc_phys, 0x80001000);
    assert_int_equal(q.avail_phys, 0x80001000 + 128);
    assert_int_equal(q.used_phys, 0x80002000);
    assert_int_equal(q.free_count, QSIZE);
}

static void test_init_rejects(void **state)
{
    (void)state;
    struct virtq r;
    assert_int_equal(virtq_init(&r, 0, ring_mem, 0, sizeof(ring_mem)), VIRTQ_E_SIZE);
    assert_int_equal(virtq_init(&r, 6, ring_mem, 0, sizeof(ring_mem)), VIRTQ_E_SIZE);
    assert_int_equal(virtq_init(&r, 512, ring_mem, 0, sizeof(ring_mem)), VIRTQ_E_SIZE);
    assert_int_equal(virtq_init(&r, 8, ring_mem, 0, VIRTQ_BYTES(8) - 1), VIRTQ_E_SIZE);
    assert_int_equal(virtq_init(&r, 8, ring_mem, 0x1008, sizeof(ring_mem)), VIRTQ_E_SIZE);
    assert_int_equal(virtq_init(&r, 8, NULL, 0, sizeof(ring_mem)), VIRTQ_E_SIZE);
    assert_int_equal(virtq_init(&r, VIRTQ_MAX_SIZE, ring_mem, 0, sizeof(ring_mem)), VIRTQ_OK);
}

/* A virtio-blk style chain: header (device reads), data (device writes), status. */
static void test_chain_and_completion(void **state)
{
    (void)state;
    struct virtq_buf bufs[3] = {{0x1000, 16, false}, {0x2000, 4096, true}, {0x3000, 1, true}};
    uint16_t head;
    assert_int_equal(virtq_add(&q, bufs, 3, &head), VIRTQ_OK);
    assert_int_equal(q.free_count, QSIZE - 3);
    assert_int_equal(q.avail->idx, 1);
    assert_int_equal(q.avail->ring[0], head);
    assert_int_equal(virtq_in_flight(&q), 1);

    uint16_t d = head;
    assert_int_equal(q.desc[d].addr, 0x1000);
    assert_int_equal(q.desc[d].len, 16);
    assert_int_equal(q.desc[d].flags, VIRTQ_DESC_F_NEXT);
    d = q.desc[d].next;
    assert_int_equal(q.desc[d].addr, 0x2000);
    assert_int_equal(q.desc[d].flags, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
    d = q.desc[d].next;
    assert_int_equal(q.desc[d].addr, 0x3000);
    assert_int_equal(q.desc[d].flags, VIRTQ_DESC_F_WRITE);

    uint16_t got;
    uint32_t len;
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_NONE);
    unsigned n;
    uint64_t addr;
    dev_complete(dev_take(&n, &addr), 4097);
    assert_int_equal(n, 3);
    assert_int_equal(addr, 0x1000);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_OK);
    assert_int_equal(got, head);
    assert_int_equal(len, 4097);
    assert_int_equal(q.free_count, QSIZE);
    assert_int_equal(virtq_in_flight(&q), 0);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_NONE);
}

static void test_full_and_out_of_order(void **state)
{
    (void)state;
    struct virtq_buf bufs[3] = {{0x10, 1, false}, {0x20, 2, true}, {0x30, 3, true}};
    uint16_t heads[4], got;
    uint32_t len;
    assert_int_equal(virtq_add(&q, bufs, 3, &heads[0]), VIRTQ_OK);
    assert_int_equal(virtq_add(&q, bufs, 3, &heads[1]), VIRTQ_OK);
    assert_int_equal(virtq_add(&q, bufs, 3, &heads[2]), VIRTQ_E_FULL);
    assert_int_equal(virtq_add(&q, bufs, 0, &heads[2]), VIRTQ_E_EMPTY);
    assert_int_equal(virtq_add(&q, bufs, 2, &heads[2]), VIRTQ_OK);
    assert_int_equal(q.free_count, 0);
    assert_int_equal(virtq_add(&q, bufs, 1, &heads[3]), VIRTQ_E_FULL);
    unsigned n;
    uint64_t addr;
    for (int i = 0; i < 3; i++)
        dev_take(&n, &addr);
    /* the device finishes the second chain first */
    dev_complete(heads[1], 7);
    dev_complete(heads[2], 8);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_OK);
    assert_int_equal(got, heads[1]);
    assert_int_equal(len, 7);
    assert_int_equal(q.free_count, 3);
    /* the freed descriptors hold a new chain of 3 */
    assert_int_equal(virtq_add(&q, bufs, 3, &heads[3]), VIRTQ_OK);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_OK);
    assert_int_equal(got, heads[2]);
    dev_complete(heads[0], 9);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_OK);
    assert_int_equal(got, heads[0]);
    assert_int_equal(q.free_count, QSIZE - 3);
    assert_int_equal(virtq_in_flight(&q), 1);
}

/* The 16-bit indices wrap: 70 000 chains through a queue of 8. */
static void test_index_wrap(void **state)
{
    (void)state;
    struct virtq_buf bufs[2] = {{0x100, 16, false}, {0x200, 512, true}};
    for (unsigned i = 0; i < 70000; i++) {
        uint16_t head, got;
        uint32_t len;
        assert_int_equal(virtq_add(&q, bufs, 1 + i % 2, &head), VIRTQ_OK);
        unsigned n;
        uint64_t addr;
        assert_int_equal(dev_take(&n, &addr), head);
        assert_int_equal(n, 1 + i % 2);
        dev_complete(head, i);
        assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_OK);
        assert_int_equal(got, head);
        assert_int_equal(len, i);
    }
    assert_int_equal(q.free_count, QSIZE);
    assert_int_equal(q.avail->idx, (uint16_t)70000);
}

/* A device that breaks the protocol cannot make the driver free descriptors
 * twice or walk outside the table. */
static void test_device_errors(void **state)
{
    (void)state;
    struct virtq_buf bufs[2] = {{0x100, 16, false}, {0x200, 512, true}};
    uint16_t head, got;
    uint32_t len;
    assert_int_equal(virtq_add(&q, bufs, 2, &head), VIRTQ_OK);
    dev_complete(QSIZE + 3, 0); /* id beyond the table */
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_DEVICE);
    assert_int_equal(q.free_count, QSIZE - 2);
    uint16_t head2;
    assert_int_equal(virtq_add(&q, bufs, 2, &head2), VIRTQ_OK);
    dev_complete((uint16_t)(head + 1), 0); /* a descriptor that is no head */
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_DEVICE);
    assert_int_equal(q.free_count, QSIZE - 4);
    /* the shared table scribbled over: the driver's own links still hold */
    for (unsigned i = 0; i < QSIZE; i++)
        q.desc[i].next = 0xffff;
    dev_complete(head, 1);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_OK);
    assert_int_equal(got, head);
    assert_int_equal(q.free_count, QSIZE - 2);
    dev_complete(head, 1); /* the same chain twice */
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_DEVICE);
    assert_int_equal(q.free_count, QSIZE - 2);
    /* a used index far ahead of what is in flight, its next entry naming
     * the chain still in flight: nothing is taken */
    q.used->ring[q.used->idx % q.size] = (struct virtq_used_elem){head2, 0};
    q.used->idx = (uint16_t)(q.used->idx + 100);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_DEVICE);
    assert_int_equal(virtq_get(&q, &got, &len), VIRTQ_E_DEVICE);
    assert_int_equal(q.free_count, QSIZE - 2);
}

static void test_probe(void **state)
{
    (void)state;
    static uint32_t regs[VIRTIO_MMIO_WINDOW / 4];
    struct virtio_dev d;
    memset(regs, 0, sizeof(regs));
    assert_int_equal(virtio_probe(&d, regs), VIRTIO_E_MAGIC);
    regs[VIRTIO_MMIO_MAGIC / 4] = VIRTIO_MMIO_MAGIC_VALUE;
    regs[VIRTIO_MMIO_VERSION / 4] = 1;
    assert_int_equal(virtio_probe(&d, regs), VIRTIO_E_LEGACY);
    regs[VIRTIO_MMIO_VERSION / 4] = 3;
    assert_int_equal(virtio_probe(&d, regs), VIRTIO_E_VERSION);
    regs[VIRTIO_MMIO_VERSION / 4] = 2;
    assert_int_equal(virtio_probe(&d, regs), VIRTIO_E_NODEVICE);
    regs[VIRTIO_MMIO_DEVICE_ID / 4] = VIRTIO_ID_BLOCK;
    assert_int_equal(virtio_probe(&d, regs), VIRTIO_OK);
    assert_int_equal(d.device_id, VIRTIO_ID_BLOCK);
    /* a register file that keeps what is written plays a device that offers
     * the same 32 bits in both halves: VERSION_1 (bit 32) then needs bit 0 */
    regs[VIRTIO_MMIO_DEVICE_FEATURES / 4] = 0;
    assert_int_equal(virtio_start(&d, 0, 0), VIRTIO_E_FEATURES);
    assert_true(regs[VIRTIO_MMIO_STATUS / 4] & VIRTIO_STATUS_FAILED);
    regs[VIRTIO_MMIO_DEVICE_FEATURES / 4] = 0x21;
    assert_int_equal(virtio_start(&d, 0x20, 0), VIRTIO_OK);
    assert_int_equal(d.features, VIRTIO_F_VERSION_1 | 0x20); /* bit 37 offered, not wanted */
    assert_int_equal(regs[VIRTIO_MMIO_STATUS / 4],
                     VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
    regs[VIRTIO_MMIO_QUEUE_NUM_MAX / 4] = 4;
    assert_int_equal(virtio_queue_setup(&d, 0, &q, 8, ring_mem, 0x1000, sizeof(ring_mem)),
                     VIRTIO_E_QUEUE);
    regs[VIRTIO_MMIO_QUEUE_NUM_MAX / 4] = 64;
    assert_int_equal(
        virtio_queue_setup(&d, 0, &q, 8, ring_mem, 0x123456789000ull, sizeof(ring_mem)), VIRTIO_OK);
    assert_int_equal(regs[VIRTIO_MMIO_QUEUE_NUM / 4], 8);
    assert_int_equal(regs[VIRTIO_MMIO_QUEUE_DESC_LOW / 4], 0x56789000u);
    assert_int_equal(regs[VIRTIO_MMIO_QUEUE_DESC_HIGH / 4], 0x1234u);
    assert_int_equal(regs[VIRTIO_MMIO_QUEUE_DEVICE_LOW / 4], 0x56789000u + 4096);
    assert_int_equal(regs[VIRTIO_MMIO_QUEUE_READY / 4], 1);
    assert_int_equal(virtio_queue_setup(&d, 0, &q, 8, ring_mem, 0x1000, sizeof(ring_mem)),
                     VIRTIO_E_QUEUE); /* already ready */
    regs[VIRTIO_MMIO_INTERRUPT_STATUS / 4] = VIRTIO_INT_USED;
    assert_int_equal(virtio_irq_ack(&d), VIRTIO_INT_USED);
    assert_int_equal(regs[VIRTIO_MMIO_INTERRUPT_ACK / 4], VIRTIO_INT_USED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_layout, setup),
        cmocka_unit_test_setup(test_init_rejects, setup),
        cmocka_unit_test_setup(test_chain_and_completion, setup),
        cmocka_unit_test_setup(test_full_and_out_of_order, setup),
        cmocka_unit_test_setup(test_index_wrap, setup),
        cmocka_unit_test_setup(test_device_errors, setup),
        cmocka_unit_test_setup(test_probe, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
