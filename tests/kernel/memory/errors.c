/*
 * Argument errors of the memory calls. Each refused call is aimed at a free
 * address, and the address is checked to be still unmapped afterwards, so a
 * call that wrongly succeeded is caught even if it returned the right code.
 */
#include <ferry/macros.h>
#include "memory.h"

#define FREE_VA ALIAS_VA(200) /* never mapped by this test */
#define USER_END 0x80000000ul
#define VIRTIO_MAGIC 0x74726976u /* "virt": first register of a virtio-mmio window */

static uint64_t ram_sel(void)
{
    return runtime_bootinfo->ram[0].sel;
}

static void check_free(uint64_t va)
{
    CHECK(query(ROOT, va, 0) == 0, "refused call mapped 0x%lx", (unsigned long)va);
}

static uint64_t copy_cap(uint64_t src, uint64_t rights)
{
    uint64_t sel = runtime_alloc_sel();
    CHECK_ERR(sys_task_map(ROOT, src, sel, rights), FERRY_OK);
    return sel;
}

static void test_align(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t off = runtime_ram_offset(page);
    const uint64_t bad_va[] = {FREE_VA + 1, FREE_VA + 8, FREE_VA + 0x800, FREE_VA + 0xfff};
    for (unsigned i = 0; i < ARRAY_SIZE(bad_va); i++) {
        CHECK_ERR(sys_mem_map(ROOT, ram_sel(), off, bad_va[i], 1, RW), FERRY_E_ALIGN);
        CHECK_ERR(sys_mem_unmap(ROOT, bad_va[i], 1), FERRY_E_ALIGN);
        CHECK_ERR(sys_mem_protect(ROOT, bad_va[i], 1, FERRY_RIGHT_R), FERRY_E_ALIGN);
        CHECK_ERR(sys_mem_dirty(ROOT, bad_va[i], 1, 0, 0), FERRY_E_ALIGN);
        CHECK_ERR(sys_mem_map(ROOT, ram_sel(), off + (bad_va[i] - FREE_VA), FREE_VA, 1, RW),
                  FERRY_E_ALIGN);
    }
    check_free(FREE_VA);
    test_ok("unaligned address or offset: E_ALIGN");
}

static void test_range(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t off = runtime_ram_offset(page);
    /* (va, pages) outside user space or wrapping around */
    const struct {
        uint64_t va, pages;
    } bad[] = {
        {USER_END, 1},
        {0x80200000ul, 1},
        {~0ul & ~(FERRY_PAGE_SIZE - 1), 1},
        {USER_END - FERRY_PAGE_SIZE, 2},
        {FREE_VA, 0},
        {FREE_VA, 1ul << 52},
        {FREE_VA, ~0ul},
        {FERRY_PAGE_SIZE, (USER_END >> 12)},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_ERR(sys_mem_map(ROOT, ram_sel(), off, bad[i].va, bad[i].pages, RW), FERRY_E_RANGE);
        CHECK_ERR(sys_mem_unmap(ROOT, bad[i].va, bad[i].pages), FERRY_E_RANGE);
        CHECK_ERR(sys_mem_protect(ROOT, bad[i].va, bad[i].pages, FERRY_RIGHT_R), FERRY_E_RANGE);
        CHECK_ERR(sys_mem_dirty(ROOT, bad[i].va, bad[i].pages, 0, 0), FERRY_E_RANGE);
    }
    CHECK_ERR(sys_mem_query(ROOT, USER_END, 0, 0), FERRY_E_RANGE);
    CHECK_ERR(sys_mem_query(ROOT, ~0ul, 0, 0), FERRY_E_RANGE);
    /* a bitmap larger than the UTCB buffer */
    CHECK_ERR(sys_mem_dirty(ROOT, 0, FERRY_UTCB_BUF * 8 + 1, 0, 0), FERRY_E_RANGE);
    check_free(FREE_VA);
    CHECK(!(query(ROOT, 0, 0) & FERRY_MEMQ_MAPPED), "page 0 mapped");

    /* the last user page is fine */
    uint64_t top = USER_END - FERRY_PAGE_SIZE;
    CHECK_ERR(sys_mem_map(ROOT, ram_sel(), off, top, 1, RW), FERRY_OK);
    page[0] = 0xf00;
    CHECK(*(volatile uint64_t *)top == 0xf00, "last user page");
    CHECK_ERR(sys_mem_unmap(ROOT, top, 1), FERRY_OK);
    test_ok("kernel addresses, empty and overflowing ranges: E_RANGE");
}

static void test_object_range(const struct ferry_bootinfo *bi)
{
    uint64_t size = bi->ram[0].size;
    const struct {
        uint64_t offset, pages;
    } bad[] = {
        {size, 1},
        {size - FERRY_PAGE_SIZE, 2},
        {0, size / FERRY_PAGE_SIZE + 1},
        {~0ul & ~(FERRY_PAGE_SIZE - 1), 1},
        {1ul << 63, 1},
    };
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
        CHECK_ERR(sys_mem_map(ROOT, ram_sel(), bad[i].offset, FREE_VA, bad[i].pages, RW),
                  FERRY_E_RANGE);
    CHECK_ERR(sys_mem_map(ROOT, FERRY_ROOT_SEL_IMAGE, bi->image_size, FREE_VA, 1, RW),
              FERRY_E_RANGE);
    CHECK_ERR(sys_mem_map(ROOT, FERRY_ROOT_SEL_INITRD, 0, FREE_VA,
                          bi->initrd_size / FERRY_PAGE_SIZE + 1, FERRY_RIGHT_R),
              FERRY_E_RANGE);
    check_free(FREE_VA);
    /* the last page of the object is fine */
    CHECK_ERR(sys_mem_map(ROOT, ram_sel(), size - FERRY_PAGE_SIZE, FREE_VA, 1, FERRY_RIGHT_R),
              FERRY_OK);
    uint64_t pa;
    query(ROOT, FREE_VA, &pa);
    CHECK(pa == bi->ram[0].paddr + size - FERRY_PAGE_SIZE, "last page at %lx", (unsigned long)pa);
    CHECK_ERR(sys_mem_unmap(ROOT, FREE_VA, 1), FERRY_OK);
    test_ok("offset or size beyond the memory object: E_RANGE");
}

static void test_rights(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t off = runtime_ram_offset(page);
    const uint64_t bad[] = {0,
                            FERRY_RIGHT_W,
                            FERRY_RIGHT_X,
                            FERRY_RIGHT_W | FERRY_RIGHT_X,
                            FERRY_RIGHT_R | FERRY_RIGHT_G,
                            FERRY_RIGHT_R | 0x10,
                            FERRY_RIGHT_R | (1ul << 32),
                            ~0ul};
    map_ram(ROOT, page, ALIAS_VA(201), 1, RWX);
    for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK_ERR(sys_mem_map(ROOT, ram_sel(), off, FREE_VA, 1, bad[i]), FERRY_E_INVAL);
        CHECK_ERR(sys_mem_protect(ROOT, ALIAS_VA(201), 1, bad[i]), FERRY_E_INVAL);
    }
    check_free(FREE_VA);
    CHECK((query(ROOT, ALIAS_VA(201), 0) & RWX) == RWX, "refused protect changed rights");
    CHECK_ERR(sys_mem_unmap(ROOT, ALIAS_VA(201), 1), FERRY_OK);
    test_ok("rights without R or with unknown bits: E_INVAL");
}

static void test_device(const struct ferry_bootinfo *bi)
{
    CHECK(bi->device_count > 0, "no device windows");
    uint64_t dev = bi->devices[0].sel;
    CHECK(dev == FERRY_ROOT_SEL_DEVICES, "first device in slot %lu", (unsigned long)dev);
    CHECK_ERR(sys_mem_map(ROOT, dev, 0, FREE_VA, 1, RX), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_map(ROOT, dev, 0, FREE_VA, 1, RWX), FERRY_E_NORIGHTS);
    check_free(FREE_VA);
    /* readable and writable it maps, and shows the device's registers */
    CHECK_ERR(sys_mem_map(ROOT, dev, 0, FREE_VA, 1, RW), FERRY_OK);
    uint32_t magic = *(volatile uint32_t *)FREE_VA;
    CHECK(magic == VIRTIO_MAGIC, "virtio magic %x", magic);
    CHECK_ERR(sys_mem_unmap(ROOT, FREE_VA, 1), FERRY_OK);
    test_ok("X on a device window: E_NORIGHTS");
}

static void test_initrd(const struct ferry_bootinfo *bi)
{
    uint64_t pages = bi->initrd_size / FERRY_PAGE_SIZE;
    CHECK_ERR(sys_mem_map(ROOT, FERRY_ROOT_SEL_INITRD, 0, FREE_VA, pages, RW), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_map(ROOT, FERRY_ROOT_SEL_INITRD, 0, FREE_VA, pages, RX), FERRY_E_NORIGHTS);
    check_free(FREE_VA);
    CHECK_ERR(sys_mem_map(ROOT, FERRY_ROOT_SEL_INITRD, 0, FREE_VA, pages, FERRY_RIGHT_R),
              FERRY_OK);
    const char *cpio = (const char *)FREE_VA;
    CHECK(cpio[0] == '0' && cpio[1] == '7' && cpio[2] == '0' && cpio[3] == '7' &&
              cpio[4] == '0' && cpio[5] == '1',
          "initrd does not start with a cpio header");
    CHECK_ERR(sys_mem_protect(ROOT, FREE_VA, 1, RW), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_unmap(ROOT, FREE_VA, pages), FERRY_OK);
    test_ok("initrd (R only) mapped writable or executable: E_NORIGHTS");
}

static void test_caps(void)
{
    uint64_t *page = fresh_pages(1);
    uint64_t off = runtime_ram_offset(page);
    const uint64_t not_memory[] = {FERRY_ROOT_SEL_TASK, FERRY_ROOT_SEL_THREAD,
                                   FERRY_ROOT_SEL_FACTORY};
    for (unsigned i = 0; i < ARRAY_SIZE(not_memory); i++)
        CHECK_ERR(sys_mem_map(ROOT, not_memory[i], 0, FREE_VA, 1, FERRY_RIGHT_R),
                  FERRY_E_BADTYPE);
    CHECK_ERR(sys_mem_map(ROOT, runtime_alloc_sel(), 0, FREE_VA, 1, FERRY_RIGHT_R),
              FERRY_E_BADSEL);
    /* the task argument must be a task */
    CHECK_ERR(sys_mem_map(ram_sel(), ram_sel(), off, FREE_VA, 1, FERRY_RIGHT_R), FERRY_E_BADTYPE);
    CHECK_ERR(sys_mem_query(FERRY_ROOT_SEL_THREAD, FREE_VA, 0, 0), FERRY_E_BADTYPE);
    check_free(FREE_VA);
    test_ok("a non-memory capability as memory (or non-task as task): E_BADTYPE");

    /* a memory capability's rights bound the mapping's */
    uint64_t ram_r = copy_cap(ram_sel(), FERRY_RIGHT_R);
    CHECK_ERR(sys_mem_map(ROOT, ram_r, off, FREE_VA, 1, RW), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_map(ROOT, ram_r, off, FREE_VA, 1, FERRY_RIGHT_R), FERRY_OK);
    CHECK_ERR(sys_mem_unmap(ROOT, FREE_VA, 1), FERRY_OK);

    /* task rights: W to change mappings, R to look at them, W to clear dirty bits */
    uint64_t task_r = copy_cap(ROOT, FERRY_RIGHT_R), task_w = copy_cap(ROOT, FERRY_RIGHT_W);
    map_ram(ROOT, page, FREE_VA, 1, RW);
    CHECK_ERR(sys_mem_map(task_r, ram_sel(), off, ALIAS_VA(202), 1, RW), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_unmap(task_r, FREE_VA, 1), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_protect(task_r, FREE_VA, 1, FERRY_RIGHT_R), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_dirty(task_r, FREE_VA, 1, FERRY_DIRTY_CLEAR, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_dirty(task_r, FREE_VA, 1, 0, 0), FERRY_OK);
    CHECK_ERR(sys_mem_query(task_r, FREE_VA, 0, 0), FERRY_OK);
    CHECK_ERR(sys_mem_query(task_w, FREE_VA, 0, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_dirty(task_w, FREE_VA, 1, 0, 0), FERRY_E_NORIGHTS);
    CHECK_ERR(sys_mem_dirty(ROOT, FREE_VA, 1, 0x2, 0), FERRY_E_INVAL);
    CHECK((query(ROOT, FREE_VA, 0) & RWX) == RW, "refused calls changed the mapping");
    CHECK(query(ROOT, ALIAS_VA(202), 0) == 0, "refused map mapped");
    CHECK_ERR(sys_mem_unmap(task_w, FREE_VA, 1), FERRY_OK);
    check_free(FREE_VA);
    test_ok("missing rights on the memory or task capability: E_NORIGHTS");
}

void error_tests(const struct ferry_bootinfo *bi)
{
    test_align();
    test_range();
    test_object_range(bi);
    test_rights();
    test_device(bi);
    test_initrd(bi);
    test_caps();
}
