/*
 * What the kernel tells the root task at start. The page is mapped read-only
 * at FERRY_BOOTINFO_VADDR in the root task; its first thread starts with
 * a0 = FERRY_BOOTINFO_VADDR, a1 = its UTCB (FERRY_ROOT_UTCB_VADDR), sp =
 * FERRY_ROOT_STACK_TOP. The kernel never sets tp: it is the ABI thread pointer.
 *
 * Initial capability slots of the root task are fixed (FERRY_ROOT_SEL_*).
 */
#ifndef FERRY_BOOTINFO_H
#define FERRY_BOOTINFO_H

#include <stdint.h>

#define FERRY_BOOTINFO_VADDR 0x7ff00000ul
#define FERRY_ROOT_UTCB_VADDR 0x7fe00000ul
#define FERRY_ROOT_STACK_TOP 0x7fd00000ul
#define FERRY_ROOT_STACK_PAGES 16

/* Root task's initial capability slots. Slot 0 is never used ("null"). */
#define FERRY_ROOT_SEL_TASK    1 /* its own task */
#define FERRY_ROOT_SEL_THREAD  2 /* its own thread */
#define FERRY_ROOT_SEL_FACTORY 3 /* the root factory */
#define FERRY_ROOT_SEL_INITRD  4 /* the boot modules archive (R) */
#define FERRY_ROOT_SEL_IMAGE   5 /* the root task's own loaded image (R|W|X), see image_* */
#define FERRY_ROOT_SEL_RAM     8 /* first free RAM region (R|W|X); see ram[] */
#define FERRY_ROOT_SEL_DEVICES 16 /* first device MMIO window (R|W); see devices[] */
#define FERRY_ROOT_SEL_FREE    32 /* first slot the root task may use freely */

#define FERRY_BOOT_MAX_DEVICES 16
#define FERRY_BOOT_MAX_MODULES 32
#define FERRY_BOOT_MAX_RAM     8

struct ferry_boot_ram {
    uint64_t paddr, size;
    uint64_t sel; /* slot of the memory capability covering it */
};

struct ferry_boot_device {
    char compatible[32]; /* first "compatible" string of the node */
    uint64_t paddr;      /* physical base of its MMIO window */
    uint64_t size;
    uint32_t irq;        /* PLIC interrupt number, 0 if none */
    uint32_t sel;        /* slot of the memory capability for the window */
};

struct ferry_boot_module {
    char name[48];
    uint64_t offset; /* from the start of the initrd memory capability */
    uint64_t size;
};

struct ferry_bootinfo {
    uint64_t magic; /* FERRY_BOOTINFO_MAGIC */
    uint64_t initrd_paddr, initrd_size; /* FERRY_ROOT_SEL_INITRD */
    uint64_t timebase_hz;
    /* the root task's ELF image as loaded: virtual image_vaddr.. is physical
     * image_paddr.., image_size bytes, all of FERRY_ROOT_SEL_IMAGE */
    uint64_t image_vaddr, image_paddr, image_size;
    uint64_t kernel_pool_free; /* bytes left for kernel objects after boot */
    uint32_t ram_count, device_count, module_count, reserved0;
    struct ferry_boot_ram ram[FERRY_BOOT_MAX_RAM];
    struct ferry_boot_device devices[FERRY_BOOT_MAX_DEVICES];
    struct ferry_boot_module modules[FERRY_BOOT_MAX_MODULES];
};

_Static_assert(sizeof(struct ferry_bootinfo) <= 4096, "boot info is one page");

#define FERRY_BOOTINFO_MAGIC 0x4f464e4959525246ull /* "FRRYINFO" */

#endif
