/*
 * Boot: learn the machine from the device tree, carve the kernel pool out of
 * free RAM, build the root task from the boot module "core" and enter it.
 *
 * Physical memory at boot (QEMU virt, for example):
 *
 *   ram start  +-----------------+
 *              | OpenSBI         |  (reserved-memory)
 *   0x80200000 | kernel image    |
 *              +-----------------+ _kernel_end
 *              | free            |
 *              | initrd (cpio)   |  kept: the root task reads its modules here
 *              | free            |
 *              | device tree     |  copied into `platform`, then free
 *   ram end    +-----------------+
 *
 * The largest free region gives the kernel pool (its first 1/8 of all free
 * memory); every other free byte becomes a RAM capability of the root task.
 */
#include "arch/riscv/csr.h"
#include "arch/riscv/sbi.h"
#include "cspace.h"
#include "irq.h"
#include "klib.h"
#include "pmem.h"
#include "task.h"
#include "thread.h"
#include "timer.h"
#include "trap.h"
#include "vm.h"
#include <cpio/cpio.h>
#include <elf/elf.h>
#include <fdt/fdt.h>
#include <ferry/bootinfo.h>
#include <ferry/error.h>

#define MAX_FREE_REGIONS 8
#define DTB_MAX_SIZE (1ul << 20)
#define KERNEL_POOL_MIN (2ul << 20)
#define ROOT_PRIO 100

extern char _kernel_start[], _kernel_end[];
void console_use_device_window(void);

static struct fdt_platform platform;
static struct fdt_reg free_regions[MAX_FREE_REGIONS];
static unsigned free_count;

static void boot_fail(const char *what, const char *detail) __attribute__((noreturn));
static void boot_fail(const char *what, const char *detail)
{
    kprintf("boot error: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    sbi_shutdown(1);
}

/* Removes [start, end) from the free regions (splitting one if needed). */
static void reserve(uint64_t start, uint64_t end)
{
    start &= ~(PAGE_SIZE - 1);
    end = ALIGN_UP(end, PAGE_SIZE);
    for (unsigned i = 0; i < free_count; i++) {
        struct fdt_reg *r = &free_regions[i];
        uint64_t r_end = r->base + r->size;
        if (end <= r->base || start >= r_end)
            continue;
        if (start > r->base && end < r_end && free_count < MAX_FREE_REGIONS) {
            free_regions[free_count++] = (struct fdt_reg){end, r_end - end};
            r->size = start - r->base;
        } else if (start <= r->base) {
            r->size = end >= r_end ? 0 : r_end - end;
            r->base = end >= r_end ? r_end : end;
        } else {
            r->size = start - r->base;
        }
    }
}

static void find_free_memory(const void *dtb, uint32_t dtb_size)
{
    for (unsigned i = 0; i < platform.memory_count && free_count < MAX_FREE_REGIONS; i++)
        free_regions[free_count++] = platform.memory[i];
    /* everything below the kernel's end: firmware and the kernel image */
    reserve(0, (uint64_t)_kernel_end);
    for (unsigned i = 0; i < platform.reserved_count; i++)
        reserve(platform.reserved[i].base, platform.reserved[i].base + platform.reserved[i].size);
    if (platform.initrd_end > platform.initrd_start)
        reserve(platform.initrd_start, platform.initrd_end);
    reserve((uint64_t)dtb, (uint64_t)dtb + dtb_size);
}

static uint64_t take_kernel_pool(void)
{
    uint64_t total = 0;
    struct fdt_reg *largest = NULL;
    for (unsigned i = 0; i < free_count; i++) {
        total += free_regions[i].size;
        if (!largest || free_regions[i].size > largest->size)
            largest = &free_regions[i];
    }
    if (!largest)
        boot_fail("no free memory", NULL);
    uint64_t size = ALIGN_UP(total / 8 > KERNEL_POOL_MIN ? total / 8 : KERNEL_POOL_MIN, PAGE_SIZE);
    if (size > largest->size / 2)
        boot_fail("not enough memory for the kernel pool", NULL);
    pmem_init(largest->base, largest->base + size);
    largest->base += size;
    largest->size -= size;
    return size;
}

static void print_banner(void)
{
    uint64_t mem = 0;
    for (unsigned i = 0; i < platform.memory_count; i++)
        mem += platform.memory[i].size;
    kprintf("\nFerry kernel (RV64, Sv39)\n");
    kprintf("  memory: %lu MiB at 0x%lx\n", mem >> 20, platform.memory[0].base);
    kprintf("  initrd: 0x%lx, %lu bytes\n", platform.initrd_start,
            platform.initrd_end - platform.initrd_start);
    kprintf("  uart: 0x%lx, timebase: %lu Hz, harts: %u\n", platform.uart.base,
            platform.timebase_hz, platform.hart_count);
    kprintf("  plic: 0x%lx (%u sources), virtio-mmio: %u slots\n", platform.plic.base,
            platform.plic_ndev, platform.virtio_count);
}

/* ---- root task ---- */

static struct task *root_task;
static struct ferry_bootinfo *bootinfo;

static void root_insert(uint64_t sel, struct kobj *obj, uint64_t rights)
{
    if (!obj || cspace_insert(root_task, sel, obj, rights) < 0)
        boot_fail("out of kernel memory building the root task", NULL);
}

/* Maps fresh zeroed frames at [va, va + size) with PTE flags `flags` (OR-ed
 * into a page another segment already mapped), copying `data` to va. */
static void root_map_copy(uint64_t va, uint64_t size, const uint8_t *data, uint64_t data_size,
                          uint64_t flags)
{
    for (uint64_t page = va & ~(PAGE_SIZE - 1); page < va + size; page += PAGE_SIZE) {
        pte_t *pte = vm_lookup(root_task->root, page);
        uint8_t *frame = pte ? (uint8_t *)PTE_TO_PA(*pte) : frame_alloc();
        if (!frame || (!pte && vm_map_page(root_task->root, page, (uint64_t)frame, flags)))
            boot_fail("out of kernel memory loading the root task", NULL);
        if (pte)
            *pte |= flags;
        for (uint64_t off = 0; off < PAGE_SIZE; off++) {
            uint64_t at = page + off;
            if (at >= va && at - va < data_size)
                frame[off] = data[at - va];
        }
    }
}

static uint64_t load_root_elf(const void *image, uint64_t size)
{
    struct elf_image elf;
    int err = elf_open(&elf, image, size);
    if (err < 0)
        boot_fail("module 'core' is not a RISC-V executable", elf_error_name(err));
    for (unsigned i = 0; i < elf.phnum; i++) {
        struct elf_segment seg;
        err = elf_load_segment(&elf, i, &seg);
        if (err < 0)
            boot_fail("module 'core' has a bad segment", elf_error_name(err));
        if (err == 0 || seg.memsz == 0)
            continue;
        if (seg.vaddr >= USER_VA_END || seg.memsz > USER_VA_END - seg.vaddr)
            boot_fail("module 'core' is linked outside user space", NULL);
        uint64_t flags = PTE_U | PTE_A | PTE_D | ((seg.flags & ELF_PF_R) ? PTE_R : 0) |
                         ((seg.flags & ELF_PF_W) ? PTE_W | PTE_SW_MAXW : 0) |
                         ((seg.flags & ELF_PF_X) ? PTE_X | PTE_SW_MAXX : 0);
        root_map_copy(seg.vaddr, seg.memsz, (const uint8_t *)image + seg.offset, seg.filesz,
                      flags | PTE_R);
    }
    return elf.entry;
}

static void fill_bootinfo(void)
{
    bootinfo->magic = FERRY_BOOTINFO_MAGIC;
    /* the initrd capability starts at the page holding the archive's first byte */
    bootinfo->initrd_paddr = platform.initrd_start & ~(PAGE_SIZE - 1);
    bootinfo->initrd_size = ALIGN_UP(platform.initrd_end, PAGE_SIZE) - bootinfo->initrd_paddr;
    bootinfo->timebase_hz = platform.timebase_hz;

    unsigned sel = FERRY_ROOT_SEL_RAM;
    for (unsigned i = 0; i < free_count && sel < FERRY_ROOT_SEL_RAM + FERRY_BOOT_MAX_RAM; i++) {
        if (free_regions[i].size < PAGE_SIZE)
            continue;
        struct ferry_boot_ram *ram = &bootinfo->ram[bootinfo->ram_count++];
        ram->paddr = free_regions[i].base;
        ram->size = free_regions[i].size & ~(PAGE_SIZE - 1);
        ram->sel = sel;
        root_insert(sel++, &memory_create(ram->paddr, ram->size, 0)->obj, FERRY_RIGHTS_ALL);
    }
    for (unsigned i = 0; i < platform.virtio_count && i < FERRY_BOOT_MAX_DEVICES; i++) {
        struct ferry_boot_device *dev = &bootinfo->devices[bootinfo->device_count++];
        memcpy(dev->compatible, "virtio,mmio", sizeof("virtio,mmio"));
        dev->paddr = platform.virtio[i].base & ~(PAGE_SIZE - 1);
        dev->size = ALIGN_UP(platform.virtio[i].size, PAGE_SIZE);
        dev->irq = platform.virtio_irq[i];
        dev->sel = FERRY_ROOT_SEL_DEVICES + i;
        root_insert(dev->sel, &memory_create(dev->paddr, dev->size, 1)->obj,
                    FERRY_RIGHT_R | FERRY_RIGHT_W);
    }

    const void *archive = (const void *)platform.initrd_start;
    size_t offset = 0;
    struct cpio_entry entry;
    int r;
    while ((r = cpio_next(archive, platform.initrd_end - platform.initrd_start, &offset,
                          &entry)) > 0 &&
           bootinfo->module_count < FERRY_BOOT_MAX_MODULES) {
        if ((entry.mode & 0170000) != 0100000 || entry.name_len >= sizeof(bootinfo->modules[0].name))
            continue;
        struct ferry_boot_module *mod = &bootinfo->modules[bootinfo->module_count++];
        memcpy(mod->name, entry.name, entry.name_len);
        mod->offset = (uint64_t)entry.data - bootinfo->initrd_paddr;
        mod->size = entry.size;
    }
    if (r < 0)
        boot_fail("boot modules archive is corrupt", cpio_error_name(r));
}

static void create_root_task(void)
{
    if (platform.initrd_end <= platform.initrd_start)
        boot_fail("no initrd (boot modules archive) in the device tree", NULL);
    struct cpio_entry core;
    int found = cpio_find((const void *)platform.initrd_start,
                          platform.initrd_end - platform.initrd_start, "core", &core);
    if (found < 0)
        boot_fail("boot modules archive is corrupt", cpio_error_name(found));
    if (found == 0)
        boot_fail("no boot module named 'core'", NULL);

    root_task = task_create();
    if (!root_task)
        boot_fail("out of kernel memory", NULL);
    uint64_t entry = load_root_elf(core.data, core.size);

    root_map_copy(FERRY_ROOT_STACK_TOP - FERRY_ROOT_STACK_PAGES * PAGE_SIZE,
                  FERRY_ROOT_STACK_PAGES * PAGE_SIZE, NULL, 0, PTE_U | PTE_R | PTE_W | PTE_A |
                  PTE_D | PTE_SW_MAXW);
    bootinfo = frame_alloc();
    if (!bootinfo || vm_map_page(root_task->root, FERRY_BOOTINFO_VADDR, (uint64_t)bootinfo,
                                 PTE_U | PTE_R | PTE_A))
        boot_fail("out of kernel memory", NULL);

    long err = 0;
    struct thread *thread = thread_create(root_task, FERRY_ROOT_UTCB_VADDR, &err);
    struct factory *factory = kmem_alloc(sizeof(*factory));
    if (!thread || !factory)
        boot_fail("out of kernel memory", NULL);
    kobj_init(&factory->obj, FERRY_OBJ_FACTORY);
    root_insert(FERRY_ROOT_SEL_TASK, &root_task->obj, FERRY_RIGHTS_ALL);
    root_insert(FERRY_ROOT_SEL_THREAD, &thread->obj, FERRY_RIGHTS_ALL);
    root_insert(FERRY_ROOT_SEL_FACTORY, &factory->obj, FERRY_RIGHTS_ALL);
    fill_bootinfo();
    root_insert(FERRY_ROOT_SEL_INITRD,
                &memory_create(bootinfo->initrd_paddr, bootinfo->initrd_size, 0)->obj,
                FERRY_RIGHT_R);
    bootinfo->kernel_pool_free = pmem_free_bytes();

    thread->prio = ROOT_PRIO;
    thread->frame.pc = entry;
    thread->frame.x[REG_SP] = FERRY_ROOT_STACK_TOP;
    thread->frame.x[REG_A0] = FERRY_BOOTINFO_VADDR;
    thread->frame.x[REG_A1] = FERRY_ROOT_UTCB_VADDR;
    thread_resume(thread);
}

void kmain(uint64_t hartid, const void *dtb)
{
    int err = fdt_parse_platform(dtb, DTB_MAX_SIZE, &platform);
    if (err == 0 && platform.has_uart)
        console_init(platform.uart.base);
    if (err < 0) {
        /* no console known: try the SBI-less path of reporting nothing */
        sbi_shutdown(1);
    }
    print_banner();
    if (!platform.has_plic)
        boot_fail("no PLIC in the device tree", NULL);
    (void)hartid;

    struct fdt fdt;
    fdt_init(&fdt, dtb, DTB_MAX_SIZE);
    find_free_memory(dtb, fdt.size);
    uint64_t pool = take_kernel_pool();

    uint64_t ram_end = 0;
    for (unsigned i = 0; i < platform.memory_count; i++)
        if (platform.memory[i].base + platform.memory[i].size > ram_end)
            ram_end = platform.memory[i].base + platform.memory[i].size;
    vm_init(platform.memory[0].base, ram_end);
    console_use_device_window();
    kprintf("  kernel pool: %lu KiB\n", pool >> 10);

    timer_init(platform.timebase_hz);
    /* S-mode external interrupts of hart h are PLIC context 2h+1 (see docs/kernel.md) */
    plic_init(platform.plic.base, platform.plic_ndev, 2 * (uint32_t)hartid + 1);
    create_root_task();
    uint64_t free_ram = 0;
    for (unsigned i = 0; i < bootinfo->ram_count; i++)
        free_ram += bootinfo->ram[i].size;
    kprintf("  root task: %u modules, %lu KiB RAM for user space\n", bootinfo->module_count,
            free_ram >> 10);
    return_to_user();
}
