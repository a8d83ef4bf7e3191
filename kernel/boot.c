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
#define DTB_MAX_SIZE     (1ul << 20)
#define KERNEL_POOL_MIN  (2ul << 20)
#define ROOT_PRIO        100
/* The root task's image and RAM: mapped with MEM_MAP, into its own task or any
 * other it creates, which needs R/W/X on the memory and nothing else (G only
 * means something on a gate: it lets capabilities travel through it). */
#define MEMORY_RIGHTS (FERRY_RIGHT_R | FERRY_RIGHT_W | FERRY_RIGHT_X)

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

/* Takes `size` bytes (page aligned) from the front of the largest free region. */
static uint64_t carve_largest(uint64_t size)
{
    struct fdt_reg *largest = NULL;
    for (unsigned i = 0; i < free_count; i++)
        if (!largest || free_regions[i].size > largest->size)
            largest = &free_regions[i];
    if (!largest || largest->size < size)
        return 0;
    uint64_t base = largest->base;
    largest->base += size;
    largest->size -= size;
    return base;
}

static uint64_t take_kernel_pool(void)
{
    uint64_t total = 0, largest = 0;
    for (unsigned i = 0; i < free_count; i++) {
        total += free_regions[i].size;
        if (free_regions[i].size > largest)
            largest = free_regions[i].size;
    }
    uint64_t size = ALIGN_UP(total / 8 > KERNEL_POOL_MIN ? total / 8 : KERNEL_POOL_MIN, PAGE_SIZE);
    if (size > largest / 2)
        boot_fail("not enough memory for the kernel pool", NULL);
    uint64_t base = carve_largest(size);
    pmem_init(base, base + size);
    return size;
}

/*
 * The PLIC context that delivers S-mode external interrupts to `hart`: the
 * index of the pair (hart's interrupt controller, 9 = S external) in the
 * PLIC's interrupts-extended property. Falls back to 2 * hart + 1 (the QEMU
 * virt layout) only if the tree does not say.
 */
static uint32_t plic_s_context(const void *dtb, uint64_t hart)
{
    struct fdt f;
    if (fdt_init(&f, dtb, DTB_MAX_SIZE) < 0)
        return 2 * (uint32_t)hart + 1;
    uint32_t len = 0, intc_phandle = 0;
    for (int cpu = fdt_first_child(&f, fdt_path_lookup(&f, "/cpus")); cpu >= 0;
         cpu = fdt_next_sibling(&f, cpu)) {
        const void *reg = fdt_get_prop(&f, cpu, "reg", &len);
        if (!reg || len < 4 || fdt_read_cells(reg, len >= 8 ? 2 : 1) != hart)
            continue;
        for (int child = fdt_first_child(&f, cpu); child >= 0;
             child = fdt_next_sibling(&f, child)) {
            const void *ph = fdt_get_prop(&f, child, "phandle", &len);
            if (ph && len == 4 && fdt_is_compatible(&f, child, "riscv,cpu-intc"))
                intc_phandle = (uint32_t)fdt_read_cells(ph, 1);
        }
    }
    for (int node = fdt_first_child(&f, fdt_path_lookup(&f, "/soc")); node >= 0;
         node = fdt_next_sibling(&f, node)) {
        if (!fdt_is_compatible(&f, node, "riscv,plic0") &&
            !fdt_is_compatible(&f, node, "sifive,plic-1.0.0"))
            continue;
        const uint8_t *ext = fdt_get_prop(&f, node, "interrupts-extended", &len);
        for (uint32_t i = 0; ext && intc_phandle && (i + 1) * 8 <= len; i++)
            if (fdt_read_cells(ext + 8 * i, 1) == intc_phandle &&
                fdt_read_cells(ext + 8 * i + 4, 1) == IRQ_S_EXTERNAL)
                return i;
    }
    kprintf("  plic: S-mode context of hart %lu not in the device tree, using %lu\n", hart,
            2 * hart + 1);
    return 2 * (uint32_t)hart + 1;
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

/* Gives the root task a memory capability for [paddr, paddr + size). */
static void root_insert_memory(uint64_t sel, uint64_t paddr, uint64_t size, int device,
                               uint64_t rights)
{
    struct memory *mem = memory_create(paddr, size, device);
    root_insert(sel, mem ? &mem->obj : NULL, rights);
}

/* The root task's image lives in one contiguous piece of RAM that the root
 * task holds a capability to (FERRY_ROOT_SEL_IMAGE), so that it can share its
 * code with tasks it creates or copy itself. vaddr v is at image_paddr + v - image_vaddr. */
static uint64_t image_vaddr, image_paddr, image_size;

static void root_map_segment(const struct elf_segment *seg, const uint8_t *file, uint64_t flags)
{
    for (uint64_t page = seg->vaddr & ~(PAGE_SIZE - 1); page < seg->vaddr + seg->memsz;
         page += PAGE_SIZE) {
        uint8_t *frame = (uint8_t *)(image_paddr + page - image_vaddr);
        pte_t *pte = vm_lookup(root_task->root, page);
        if (pte)
            *pte |= flags; /* page shared with the previous segment */
        else if (vm_map_page(root_task->root, page, (uint64_t)frame, flags))
            boot_fail("out of kernel memory loading the root task", NULL);
    }
    uint8_t *dst = (uint8_t *)(image_paddr + seg->vaddr - image_vaddr);
    memcpy(dst, file + seg->offset, seg->filesz);
}

/* Walks the loadable segments: checks them and finds the image's span. */
static void root_image_span(const struct elf_image *elf)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < elf->phnum; i++) {
        struct elf_segment seg;
        int err = elf_load_segment(elf, i, &seg);
        if (err < 0)
            boot_fail("module 'core' has a bad segment", elf_error_name(err));
        if (err == 0 || seg.memsz == 0)
            continue;
        if (seg.vaddr >= USER_VA_END || seg.memsz > USER_VA_END - seg.vaddr)
            boot_fail("module 'core' is linked outside user space", NULL);
        lo = seg.vaddr < lo ? seg.vaddr : lo;
        hi = seg.vaddr + seg.memsz > hi ? seg.vaddr + seg.memsz : hi;
    }
    if (hi == 0)
        boot_fail("module 'core' has no loadable segment", NULL);
    image_vaddr = lo & ~(PAGE_SIZE - 1);
    image_size = ALIGN_UP(hi, PAGE_SIZE) - image_vaddr;
}

static uint64_t load_root_elf(const void *image, uint64_t size)
{
    struct elf_image elf;
    int err = elf_open(&elf, image, size);
    if (err < 0)
        boot_fail("module 'core' is not a RISC-V executable", elf_error_name(err));
    root_image_span(&elf);
    image_paddr = carve_largest(image_size);
    if (!image_paddr)
        boot_fail("not enough memory for the root task's image", NULL);
    memset((void *)image_paddr, 0, image_size);
    for (unsigned i = 0; i < elf.phnum; i++) {
        struct elf_segment seg;
        if (elf_load_segment(&elf, i, &seg) <= 0 || seg.memsz == 0)
            continue;
        uint64_t flags = PTE_U | PTE_A | PTE_D | PTE_R |
                         ((seg.flags & ELF_PF_W) ? PTE_W | PTE_SW_MAXW : 0) |
                         ((seg.flags & ELF_PF_X) ? PTE_X | PTE_SW_MAXX : 0);
        root_map_segment(&seg, image, flags);
    }
    return elf.entry;
}

/* Maps zeroed pool frames for the root task's initial stack. */
static void root_map_stack(void)
{
    for (uint64_t i = 1; i <= FERRY_ROOT_STACK_PAGES; i++) {
        void *frame = frame_alloc();
        if (!frame ||
            vm_map_page(root_task->root, FERRY_ROOT_STACK_TOP - i * PAGE_SIZE, (uint64_t)frame,
                        PTE_U | PTE_R | PTE_W | PTE_A | PTE_D | PTE_SW_MAXW))
            boot_fail("out of kernel memory", NULL);
    }
}

static void fill_bootinfo(void)
{
    bootinfo->magic = FERRY_BOOTINFO_MAGIC;
    /* the initrd capability starts at the page holding the archive's first byte */
    bootinfo->initrd_paddr = platform.initrd_start & ~(PAGE_SIZE - 1);
    bootinfo->initrd_size = ALIGN_UP(platform.initrd_end, PAGE_SIZE) - bootinfo->initrd_paddr;
    bootinfo->timebase_hz = platform.timebase_hz;
    bootinfo->image_vaddr = image_vaddr;
    bootinfo->image_paddr = image_paddr;
    bootinfo->image_size = image_size;
    root_insert_memory(FERRY_ROOT_SEL_IMAGE, image_paddr, image_size, 0, MEMORY_RIGHTS);

    unsigned sel = FERRY_ROOT_SEL_RAM;
    for (unsigned i = 0; i < free_count && sel < FERRY_ROOT_SEL_RAM + FERRY_BOOT_MAX_RAM; i++) {
        if (free_regions[i].size < PAGE_SIZE)
            continue;
        struct ferry_boot_ram *ram = &bootinfo->ram[bootinfo->ram_count++];
        ram->paddr = free_regions[i].base;
        ram->size = free_regions[i].size & ~(PAGE_SIZE - 1);
        ram->sel = sel;
        root_insert_memory(sel++, ram->paddr, ram->size, 0, MEMORY_RIGHTS);
    }
    for (unsigned i = 0; i < platform.virtio_count && i < FERRY_BOOT_MAX_DEVICES; i++) {
        struct ferry_boot_device *dev = &bootinfo->devices[bootinfo->device_count++];
        memcpy(dev->compatible, "virtio,mmio", sizeof("virtio,mmio"));
        dev->paddr = platform.virtio[i].base & ~(PAGE_SIZE - 1);
        dev->size = ALIGN_UP(platform.virtio[i].size, PAGE_SIZE);
        dev->irq = platform.virtio_irq[i];
        dev->sel = FERRY_ROOT_SEL_DEVICES + i;
        root_insert_memory(dev->sel, dev->paddr, dev->size, 1, FERRY_RIGHT_R | FERRY_RIGHT_W);
    }

    const void *archive = (const void *)platform.initrd_start;
    size_t offset = 0;
    struct cpio_entry entry;
    int r;
    while ((r = cpio_next(archive, platform.initrd_end - platform.initrd_start, &offset, &entry)) >
               0 &&
           bootinfo->module_count < FERRY_BOOT_MAX_MODULES) {
        if ((entry.mode & 0170000) != 0100000 ||
            entry.name_len >= sizeof(bootinfo->modules[0].name))
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

    root_map_stack();
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
    root_insert_memory(FERRY_ROOT_SEL_INITRD, bootinfo->initrd_paddr, bootinfo->initrd_size, 0,
                       FERRY_RIGHT_R);
    bootinfo->kernel_pool_free = pmem_free_bytes();

    thread->prio = ROOT_PRIO;
    thread->frame.pc = entry;
    thread->frame.x[REG_SP] = FERRY_ROOT_STACK_TOP;
    thread->frame.x[REG_A0] = FERRY_BOOTINFO_VADDR;
    thread->frame.x[REG_A1] = FERRY_ROOT_UTCB_VADDR;
    thread_resume(thread);
}

/* The number N of boot argument "asids=N" (/chosen/bootargs, QEMU -append),
 * or ~0 if there is none: a test's way to make the kernel run out of ASIDs. */
static uint64_t boot_asid_limit(const struct fdt *f)
{
    static const char key[] = "asids=";
    uint32_t len;
    const char *args = fdt_get_prop(f, fdt_path_lookup(f, "/chosen"), "bootargs", &len);
    for (uint32_t i = 0; args && i + sizeof(key) - 1 < len; i++) {
        if ((i && args[i - 1] != ' ') || memcmp(args + i, key, sizeof(key) - 1))
            continue;
        uint64_t n = 0;
        for (i += sizeof(key) - 1; i < len && args[i] >= '0' && args[i] <= '9'; i++)
            n = n * 10 + (uint64_t)(args[i] - '0');
        return n;
    }
    return ~0ul;
}

void kmain(uint64_t hartid, const void *dtb)
{
    int err = fdt_parse_platform(dtb, DTB_MAX_SIZE, &platform);
    if (err < 0)
        sbi_shutdown(1); /* without a device tree there is no console to say why */
    if (platform.has_uart)
        console_init(platform.uart.base);
    print_banner();
    if (!platform.has_plic)
        boot_fail("no PLIC in the device tree", NULL);

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
    vm_limit_asids(boot_asid_limit(&fdt));
    kprintf("  asids: %lu for tasks\n", vm_asid_count());

    timer_init(platform.timebase_hz);
    uint32_t plic_context = plic_s_context(dtb, hartid);
    kprintf("  plic context for hart %lu: %u\n", hartid, plic_context);
    plic_init(platform.plic.base, platform.plic_ndev, plic_context);
    create_root_task();
    uint64_t free_ram = 0;
    for (unsigned i = 0; i < bootinfo->ram_count; i++)
        free_ram += bootinfo->ram[i].size;
    kprintf("  root task: %u modules, %lu KiB RAM for user space\n", bootinfo->module_count,
            free_ram >> 10);
    return_to_user();
}
