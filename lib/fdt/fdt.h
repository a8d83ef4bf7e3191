/*
 * Flattened device tree (DTB format, versions 16 and 17) reader.
 *
 * Shared by the kernel (freestanding) and the host unit tests. The blob is
 * untrusted boot data, so:
 *   - fdt_init() validates the header once; every later read is checked
 *     against the block sizes it recorded;
 *   - multi-byte values are assembled byte by byte (the blob may sit at any
 *     alignment);
 *   - every walk moves strictly forward through the structure block, so
 *     corrupt input ends in an error, never in a fault or an endless loop.
 *
 * Node handles are byte offsets of a node's BEGIN_NODE token inside the
 * structure block; the root is FDT_ROOT. Negative values are FDT_E_* errors.
 */
#ifndef FERRY_LIB_FDT_H
#define FERRY_LIB_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fdt_error {
    FDT_OK = 0,
    FDT_E_BADARG = -1,      /* NULL blob */
    FDT_E_TRUNCATED = -2,   /* header or totalsize larger than the memory given */
    FDT_E_MAGIC = -3,       /* not 0xd00dfeed */
    FDT_E_VERSION = -4,     /* version < 16 or last_comp_version > 17 */
    FDT_E_LAYOUT = -5,      /* a block overlaps the header or lies outside totalsize */
    FDT_E_ALIGN = -6,       /* structure offset/size not 4-aligned, reserve map not 8-aligned */
    FDT_E_STRUCTURE = -7,   /* bad token, unterminated name, unbalanced nodes */
    FDT_E_BADNODE = -8,     /* handle is not the offset of a node */
    FDT_E_NOT_FOUND = -9,   /* no such node (or no further child/sibling) */
    FDT_E_BADPATH = -10,    /* empty path, or an alias whose value is not absolute */
    FDT_E_BADPROP = -11,    /* property (or reserve map entry) with an unusable length/value */
    FDT_E_DEPTH = -12,      /* tree deeper than FDT_MAX_DEPTH levels */
    FDT_E_TOO_MANY = -13,   /* more reserved regions than FDT_MAX_MEM */
    FDT_E_NO_MEMORY = -14,  /* no usable device_type = "memory" region */
    FDT_E_NO_TIMEBASE = -15 /* no /cpus timebase-frequency */
};

#define FDT_ROOT      0  /* handle of the root node */
#define FDT_MAX_DEPTH 16 /* levels fdt_parse_platform() descends, the root counting as one */

/* A validated blob. Offsets and sizes are in bytes; size is the totalsize. */
struct fdt {
    const uint8_t *blob;
    uint32_t size;
    uint32_t off_struct, size_struct;
    uint32_t off_strings, size_strings;
};

/* Validates the header of the blob at `blob`, of which `max_size` bytes may be read. */
int fdt_check(const void *blob, size_t max_size);
/* fdt_check(), then records the layout in *f. On error *f is left empty (every lookup fails). */
int fdt_init(struct fdt *f, const void *blob, size_t max_size);

/* First child / next sibling of a node: a handle, FDT_E_NOT_FOUND, or another error. */
int fdt_first_child(const struct fdt *f, int node);
int fdt_next_sibling(const struct fdt *f, int node);
/* Name of a node ("" for the root, "serial@10000000" ...), or NULL for a bad handle. */
const char *fdt_node_name(const struct fdt *f, int node);
/*
 * Value of property `name` of `node`, and its length in *len (len may be NULL).
 * NULL if the node has no such property or the handle is bad.
 */
const void *fdt_get_prop(const struct fdt *f, int node, const char *name, uint32_t *len);
/*
 * Node at an absolute path ("/soc/serial@10000000"). A component matches a
 * node name exactly, or the part before '@' ("/soc/serial"); the first match
 * wins. A path not starting with '/' begins with an alias from /aliases
 * ("serial0", "serial0/child").
 */
int fdt_path_lookup(const struct fdt *f, const char *path);
/* True if any string of the node's "compatible" list equals `compat`. */
bool fdt_is_compatible(const struct fdt *f, int node, const char *compat);
/*
 * Big-endian value of `cells` 32-bit cells at p (0 for cells <= 0; only the
 * low 64 bits are kept). The caller guarantees 4 * cells readable bytes.
 */
uint64_t fdt_read_cells(const void *p, int cells);

/* "FDT_E_MAGIC" ... for logs; "FDT_E_UNKNOWN" for anything else. */
const char *fdt_error_name(int err);

/* ---- what the kernel needs from the tree ---- */

#define FDT_MAX_MEM    4
#define FDT_MAX_VIRTIO 16

struct fdt_reg {
    uint64_t base, size;
};

/*
 * Addresses are taken from "reg" as they are: bus "ranges" are assumed to be
 * identity mappings (true for QEMU virt and every RISC-V board we target).
 * Nodes whose "status" is neither absent, "okay" nor "ok" are ignored (their
 * subnodes are still looked at).
 */
struct fdt_platform {
    /* device_type = "memory" nodes, all reg entries; regions beyond FDT_MAX_MEM are dropped */
    struct fdt_reg memory[FDT_MAX_MEM];
    unsigned memory_count;
    /* /reserved-memory children with reg, then the memreserve block; overflow is an error */
    struct fdt_reg reserved[FDT_MAX_MEM];
    unsigned reserved_count;
    /* /chosen linux,initrd-start / -end (32 or 64 bit); both 0 if absent */
    uint64_t initrd_start, initrd_end;
    /* ns16550a named by /chosen stdout-path, else the first ns16550a node */
    struct fdt_reg uart;
    uint32_t uart_irq; /* first cell of "interrupts", 0 if none */
    bool has_uart;
    uint64_t timebase_hz; /* /cpus timebase-frequency (or the first cpu's) */
    unsigned hart_count;  /* enabled /cpus children with device_type = "cpu" */
    /* first node compatible with "riscv,plic0" or "sifive,plic-1.0.0" */
    struct fdt_reg plic;
    uint32_t plic_ndev; /* riscv,ndev, 0 if absent */
    bool has_plic;
    /* "virtio,mmio" nodes sorted by base address; beyond FDT_MAX_VIRTIO dropped */
    struct fdt_reg virtio[FDT_MAX_VIRTIO];
    uint32_t virtio_irq[FDT_MAX_VIRTIO];
    unsigned virtio_count;
};

/*
 * Fills *out from the blob. Returns 0, a validation/structure error, or
 * FDT_E_NO_MEMORY / FDT_E_NO_TIMEBASE if the tree lacks what the kernel
 * cannot run without. *out is always fully written (zeroed first).
 */
int fdt_parse_platform(const void *blob, size_t max_size, struct fdt_platform *out);

#endif
