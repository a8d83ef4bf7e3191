/*
 * Flattened device tree reader (see fdt.h for the safety rules).
 *
 * Layout (all values big-endian):
 *   header (40 bytes) | memory reserve map | structure block | strings block
 * The structure block is a sequence of 4-aligned tokens:
 *   BEGIN_NODE name\0 (padded) | PROP len nameoff value (padded) |
 *   END_NODE | NOP | END
 * Properties come before the subnodes of a node.
 */
#include <ferry/macros.h>
#include "common/bytes.h"
#include "fdt.h"

#define FDT_MAGIC         0xd00dfeedu
#define FDT_HEADER_SIZE   40u
#define FDT_MAX_LAST_COMP 17u /* newest format we can read */

enum fdt_token {
    FDT_TOKEN_BEGIN_NODE = 1,
    FDT_TOKEN_END_NODE = 2,
    FDT_TOKEN_PROP = 3,
    FDT_TOKEN_NOP = 4,
    FDT_TOKEN_END = 9,
};

/* ---- small helpers (no libc) ---- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}


/* True if a property value of `len` bytes is exactly the string `s` with its NUL. */
static bool prop_is_string(const char *value, uint32_t len, const char *s)
{
    size_t n = str_len(s);
    return value != NULL && len == n + 1 && value[n] == '\0' && bytes_equal(value, s, n);
}

/* ---- header ---- */

/* off..off+size lies after the header and inside the blob (no overflow: all u32). */
static bool block_inside(uint32_t off, uint32_t size, uint32_t total)
{
    return off >= FDT_HEADER_SIZE && off <= total && size <= total - off;
}

static int parse_header(const void *blob, size_t max_size, struct fdt *f)
{
    const uint8_t *b = blob;

    if (b == NULL)
        return FDT_E_BADARG;
    if (max_size < FDT_HEADER_SIZE)
        return FDT_E_TRUNCATED;
    if (be32(b) != FDT_MAGIC)
        return FDT_E_MAGIC;
    if (be32(b + 20) < 16 || be32(b + 24) > FDT_MAX_LAST_COMP)
        return FDT_E_VERSION;

    uint32_t total = be32(b + 4);
    uint32_t off_rsvmap = be32(b + 16);
    if (total > max_size)
        return FDT_E_TRUNCATED;
    /* Node handles are ints: keep every offset below 2^31. */
    if (total < FDT_HEADER_SIZE || total > INT32_MAX)
        return FDT_E_LAYOUT;

    f->blob = b;
    f->size = total;
    f->off_struct = be32(b + 8);
    f->off_strings = be32(b + 12);
    f->size_strings = be32(b + 32);
    if (be32(b + 20) >= 17) {
        f->size_struct = be32(b + 36);
    } else {
        /* Version 16 has no size_dt_struct: let the block run to the end (its END token stops
         * every walk). */
        if (f->off_struct > total)
            return FDT_E_LAYOUT;
        f->size_struct = (total - f->off_struct) & ~3u;
    }

    /* A 4-aligned size means a token that starts inside the block also ends inside it. */
    if (f->off_struct % 4 != 0 || f->size_struct % 4 != 0 || off_rsvmap % 8 != 0)
        return FDT_E_ALIGN;
    if (!block_inside(f->off_struct, f->size_struct, total) ||
        !block_inside(f->off_strings, f->size_strings, total) ||
        !block_inside(off_rsvmap, 0, total))
        return FDT_E_LAYOUT;
    return FDT_OK;
}

int fdt_check(const void *blob, size_t max_size)
{
    struct fdt scratch;
    return parse_header(blob, max_size, &scratch);
}

/* ---- structure block ---- */

static uint32_t struct_word(const struct fdt *f, uint32_t off)
{
    return be32(f->blob + f->off_struct + off);
}

/*
 * Decodes the token at structure offset `off`. Returns its tag (> 0) and sets
 * *next to the offset of the following token, or returns FDT_E_STRUCTURE.
 * On success: off < *next <= size_struct, a BEGIN_NODE name is NUL-terminated
 * inside the block, and a PROP value lies inside the block.
 */
static int next_token(const struct fdt *f, uint32_t off, uint32_t *next)
{
    if (off % 4 != 0 || off >= f->size_struct) /* size_struct % 4 == 0: 4 bytes readable */
        return FDT_E_STRUCTURE;

    uint32_t tag = struct_word(f, off);
    uint32_t pos = off + 4;
    switch (tag) {
    case FDT_TOKEN_BEGIN_NODE:
        while (pos < f->size_struct && f->blob[f->off_struct + pos] != '\0')
            pos++;
        if (pos == f->size_struct)
            return FDT_E_STRUCTURE;
        pos++; /* the NUL */
        break;
    case FDT_TOKEN_PROP: {
        if (f->size_struct - pos < 8)
            return FDT_E_STRUCTURE;
        uint32_t len = struct_word(f, pos);
        pos += 8;
        if (len > f->size_struct - pos)
            return FDT_E_STRUCTURE;
        pos += len;
        break;
    }
    case FDT_TOKEN_END_NODE:
    case FDT_TOKEN_NOP:
    case FDT_TOKEN_END:
        break;
    default:
        return FDT_E_STRUCTURE;
    }
    /* pos <= size_struct, which is 4-aligned, so rounding up cannot pass it. */
    *next = (pos + 3) & ~3u;
    return (int)tag;
}

/* Checks that `node` is a BEGIN_NODE and sets *body to the token after it. */
static int node_body(const struct fdt *f, int node, uint32_t *body)
{
    if (node < 0 || next_token(f, (uint32_t)node, body) != FDT_TOKEN_BEGIN_NODE)
        return FDT_E_BADNODE;
    return FDT_OK;
}

int fdt_init(struct fdt *f, const void *blob, size_t max_size)
{
    uint32_t body;

    /* Empty until validated: with size_struct == 0 every lookup fails safely. */
    *f = (struct fdt){0};
    int err = parse_header(blob, max_size, f);
    if (err == FDT_OK && node_body(f, FDT_ROOT, &body) != FDT_OK)
        err = FDT_E_STRUCTURE; /* everything assumes the block opens with the root */
    if (err != FDT_OK)
        *f = (struct fdt){0};
    return err;
}

int fdt_first_child(const struct fdt *f, int node)
{
    uint32_t off, next;
    if (node_body(f, node, &off) != FDT_OK)
        return FDT_E_BADNODE;

    for (;; off = next) {
        int tag = next_token(f, off, &next);
        if (tag < 0)
            return tag;
        if (tag == FDT_TOKEN_BEGIN_NODE)
            return (int)off;
        if (tag == FDT_TOKEN_END_NODE)
            return FDT_E_NOT_FOUND;
        if (tag == FDT_TOKEN_END)
            return FDT_E_STRUCTURE; /* node never closed */
        /* PROP or NOP: keep looking */
    }
}

int fdt_next_sibling(const struct fdt *f, int node)
{
    uint32_t off, next;
    unsigned depth = 0;

    if (node_body(f, node, &off) != FDT_OK)
        return FDT_E_BADNODE;
    if (node == FDT_ROOT)
        return FDT_E_NOT_FOUND;

    /* Skip the node's subtree: count BEGIN/END_NODE until they balance. */
    off = (uint32_t)node;
    do {
        int tag = next_token(f, off, &next);
        if (tag < 0)
            return tag;
        if (tag == FDT_TOKEN_BEGIN_NODE)
            depth++;
        else if (tag == FDT_TOKEN_END_NODE)
            depth--;
        else if (tag == FDT_TOKEN_END)
            return FDT_E_STRUCTURE;
        off = next;
    } while (depth > 0);

    for (;; off = next) {
        int tag = next_token(f, off, &next);
        if (tag < 0)
            return tag;
        if (tag == FDT_TOKEN_BEGIN_NODE)
            return (int)off;
        if (tag == FDT_TOKEN_END_NODE)
            return FDT_E_NOT_FOUND; /* the parent ends */
        if (tag == FDT_TOKEN_END)
            return FDT_E_STRUCTURE; /* the parent never closed */
    }
}

const char *fdt_node_name(const struct fdt *f, int node)
{
    uint32_t body;
    if (node_body(f, node, &body) != FDT_OK)
        return NULL;
    return (const char *)f->blob + f->off_struct + (uint32_t)node + 4;
}

/* True if the strings-block entry at `nameoff` is name[0..len) followed by NUL. */
static bool prop_name_is(const struct fdt *f, uint32_t nameoff, const char *name, size_t len)
{
    if (nameoff >= f->size_strings || len >= f->size_strings - nameoff)
        return false;
    const char *s = (const char *)f->blob + f->off_strings + nameoff;
    return bytes_equal(s, name, len) && s[len] == '\0';
}

static const void *find_prop(const struct fdt *f, int node, const char *name, size_t name_len,
                             uint32_t *len)
{
    uint32_t off, next;
    if (node_body(f, node, &off) != FDT_OK)
        return NULL;

    for (;; off = next) {
        int tag = next_token(f, off, &next);
        if (tag == FDT_TOKEN_NOP)
            continue;
        if (tag != FDT_TOKEN_PROP)
            return NULL; /* subnode, end of node, or corrupt */
        if (prop_name_is(f, struct_word(f, off + 8), name, name_len)) {
            if (len != NULL)
                *len = struct_word(f, off + 4);
            return f->blob + f->off_struct + off + 12;
        }
    }
}

const void *fdt_get_prop(const struct fdt *f, int node, const char *name, uint32_t *len)
{
    return find_prop(f, node, name, str_len(name), len);
}

/* ---- paths ---- */

/* Node `name` matches path component comp[0..len): exactly, or up to its '@'. */
static bool component_matches(const char *name, const char *comp, size_t len)
{
    bool comp_has_unit = false;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '\0' || name[i] != comp[i])
            return false;
        if (comp[i] == '@')
            comp_has_unit = true;
    }
    return name[len] == '\0' || (name[len] == '@' && !comp_has_unit);
}

static int lookup_path(const struct fdt *f, const char *path, size_t len, bool allow_alias);

/* Node named by alias name[0..len). Alias values must be absolute paths. */
static int resolve_alias(const struct fdt *f, const char *name, size_t len)
{
    uint32_t value_len;
    int aliases = lookup_path(f, "/aliases", 8, false);
    if (aliases < 0)
        return aliases;
    const char *value = find_prop(f, aliases, name, len, &value_len);
    if (value == NULL)
        return FDT_E_NOT_FOUND;
    if (value_len < 2 || value[value_len - 1] != '\0' || value[0] != '/')
        return FDT_E_BADPATH;
    /* No aliases inside aliases: recursion stops here. */
    return lookup_path(f, value, value_len - 1, false);
}

/* path[0..len) need not be NUL-terminated (stdout-path options follow a ':'). */
static int lookup_path(const struct fdt *f, const char *path, size_t len, bool allow_alias)
{
    int node = FDT_ROOT;
    size_t i = 0;
    uint32_t body;

    if (len == 0)
        return FDT_E_BADPATH;
    if (node_body(f, FDT_ROOT, &body) != FDT_OK)
        return FDT_E_BADNODE; /* an empty (failed fdt_init) tree has not even a root */
    if (path[0] != '/') {
        if (!allow_alias)
            return FDT_E_BADPATH;
        while (i < len && path[i] != '/')
            i++;
        node = resolve_alias(f, path, i);
        if (node < 0)
            return node;
    }

    while (i < len) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t end = i;
        while (end < len && path[end] != '/')
            end++;
        /* Handles from first_child/next_sibling are valid nodes: their names are non-NULL. */
        int child = fdt_first_child(f, node);
        while (child >= 0 && !component_matches(fdt_node_name(f, child), path + i, end - i))
            child = fdt_next_sibling(f, child);
        if (child < 0)
            return child;
        node = child;
        i = end;
    }
    return node;
}

int fdt_path_lookup(const struct fdt *f, const char *path)
{
    return lookup_path(f, path, str_len(path), true);
}

bool fdt_is_compatible(const struct fdt *f, int node, const char *compat)
{
    uint32_t len;
    const char *list = fdt_get_prop(f, node, "compatible", &len);
    size_t want = str_len(compat);

    if (list == NULL)
        return false;
    /* A list of NUL-separated strings; a last one missing its NUL still ends at len. */
    for (uint32_t i = 0; i < len;) {
        uint32_t end = i;
        while (end < len && list[end] != '\0')
            end++;
        if (end - i == want && bytes_equal(list + i, compat, want))
            return true;
        i = end + 1;
    }
    return false;
}

uint64_t fdt_read_cells(const void *p, int cells)
{
    const uint8_t *b = p;
    uint64_t value = 0;
    for (int i = 0; i < cells; i++)
        value = value << 32 | be32(b + 4 * i);
    return value;
}

const char *fdt_error_name(int err)
{
    static const char *const names[] = {
        [-FDT_OK] = "FDT_OK",
        [-FDT_E_BADARG] = "FDT_E_BADARG",
        [-FDT_E_TRUNCATED] = "FDT_E_TRUNCATED",
        [-FDT_E_MAGIC] = "FDT_E_MAGIC",
        [-FDT_E_VERSION] = "FDT_E_VERSION",
        [-FDT_E_LAYOUT] = "FDT_E_LAYOUT",
        [-FDT_E_ALIGN] = "FDT_E_ALIGN",
        [-FDT_E_STRUCTURE] = "FDT_E_STRUCTURE",
        [-FDT_E_BADNODE] = "FDT_E_BADNODE",
        [-FDT_E_NOT_FOUND] = "FDT_E_NOT_FOUND",
        [-FDT_E_BADPATH] = "FDT_E_BADPATH",
        [-FDT_E_BADPROP] = "FDT_E_BADPROP",
        [-FDT_E_DEPTH] = "FDT_E_DEPTH",
        [-FDT_E_TOO_MANY] = "FDT_E_TOO_MANY",
        [-FDT_E_NO_MEMORY] = "FDT_E_NO_MEMORY",
        [-FDT_E_NO_TIMEBASE] = "FDT_E_NO_TIMEBASE",
    };
    if (err > 0 || err <= -(int)(ARRAY_SIZE(names)))
        return "FDT_E_UNKNOWN";
    return names[-err];
}

/* ---- platform extraction ---- */

/* A 32-bit property: 1 if read, 0 if absent, FDT_E_BADPROP if not 4 bytes. */
static int prop_u32(const struct fdt *f, int node, const char *name, uint32_t *out)
{
    uint32_t len;
    const uint8_t *p = fdt_get_prop(f, node, name, &len);
    if (p == NULL)
        return 0;
    if (len != 4)
        return FDT_E_BADPROP;
    *out = be32(p);
    return 1;
}

/* A property of one or two cells (initrd addresses, frequencies); same results as prop_u32. */
static int prop_u64(const struct fdt *f, int node, const char *name, uint64_t *out)
{
    uint32_t len;
    const uint8_t *p = fdt_get_prop(f, node, name, &len);
    if (p == NULL)
        return 0;
    if (len != 4 && len != 8)
        return FDT_E_BADPROP;
    *out = fdt_read_cells(p, (int)(len / 4));
    return 1;
}

static bool node_enabled(const struct fdt *f, int node)
{
    uint32_t len;
    const char *status = fdt_get_prop(f, node, "status", &len);
    return status == NULL || prop_is_string(status, len, "okay") ||
           prop_is_string(status, len, "ok");
}

static bool has_device_type(const struct fdt *f, int node, const char *type)
{
    uint32_t len;
    const char *value = fdt_get_prop(f, node, "device_type", &len);
    return prop_is_string(value, len, type);
}

/* Cell counts of the addresses and sizes in the "reg" of a node's children. */
struct bus_cells {
    uint32_t addr, size;
};

static int read_bus_cells(const struct fdt *f, int node, struct bus_cells *cells)
{
    cells->addr = 2; /* defaults from the devicetree specification */
    cells->size = 1;
    int err = prop_u32(f, node, "#address-cells", &cells->addr);
    if (err >= 0)
        err = prop_u32(f, node, "#size-cells", &cells->size);
    return err < 0 ? err : FDT_OK;
}

/*
 * Appends every region of the node's "reg" to list[*count] (capacity FDT_MAX_MEM).
 * Regions that do not fit are dropped, or FDT_E_TOO_MANY if `must_fit`.
 * A missing reg adds nothing; a malformed or wrapping one is FDT_E_BADPROP.
 */
static int add_regions(const struct fdt *f, int node, const struct bus_cells *bus,
                       struct fdt_reg *list, unsigned *count, bool must_fit)
{
    uint32_t len;
    const uint8_t *reg = fdt_get_prop(f, node, "reg", &len);
    uint32_t entry = 4 * (bus->addr + bus->size);

    if (reg == NULL)
        return FDT_OK;
    /* Values of more than two cells do not fit our 64-bit fields. */
    if (bus->addr > 2 || bus->size > 2 || entry == 0 || len % entry != 0)
        return FDT_E_BADPROP;
    for (uint32_t off = 0; off < len; off += entry) {
        struct fdt_reg r = {
            .base = fdt_read_cells(reg + off, (int)bus->addr),
            .size = fdt_read_cells(reg + off + 4 * bus->addr, (int)bus->size),
        };
        if (r.size > UINT64_MAX - r.base)
            return FDT_E_BADPROP;
        if (r.size == 0)
            continue;
        if (*count == FDT_MAX_MEM) {
            if (must_fit)
                return FDT_E_TOO_MANY;
            continue;
        }
        list[(*count)++] = r;
    }
    return FDT_OK;
}

/* First reg region of a device node, and the first cell of its "interrupts" (0 if none). */
static int read_device(const struct fdt *f, int node, const struct bus_cells *bus,
                       struct fdt_reg *reg, uint32_t *irq)
{
    struct fdt_reg regs[FDT_MAX_MEM];
    unsigned count = 0;
    uint32_t len;

    int err = add_regions(f, node, bus, regs, &count, false);
    if (err != FDT_OK)
        return err;
    if (count == 0)
        return FDT_E_BADPROP; /* a device without a register window is useless */
    *reg = regs[0];

    const uint8_t *irqs = fdt_get_prop(f, node, "interrupts", &len);
    *irq = 0;
    if (irqs != NULL && len >= 4)
        *irq = be32(irqs);
    return FDT_OK;
}

/* State of one fdt_parse_platform() pass over the tree. */
struct platform_walk {
    const struct fdt *f;
    struct fdt_platform *out;
    int stdout_node;     /* node named by stdout-path, or negative */
    int reserved_parent; /* /reserved-memory, or negative */
};

/* Looks at one enabled node; `parent` and `bus` describe the node it sits in. */
static int visit_node(struct platform_walk *w, int node, int parent, const struct bus_cells *bus)
{
    const struct fdt *f = w->f;
    struct fdt_platform *out = w->out;
    int err = FDT_OK;

    if (!node_enabled(f, node))
        return FDT_OK;

    if (has_device_type(f, node, "memory"))
        err = add_regions(f, node, bus, out->memory, &out->memory_count, false);
    else if (parent == w->reserved_parent)
        err = add_regions(f, node, bus, out->reserved, &out->reserved_count, true);
    else if (fdt_is_compatible(f, node, "ns16550a")) {
        /* The console named by stdout-path wins over any earlier uart. */
        if (node == w->stdout_node || !out->has_uart) {
            err = read_device(f, node, bus, &out->uart, &out->uart_irq);
            out->has_uart = true;
        }
    } else if (fdt_is_compatible(f, node, "riscv,plic0") ||
               fdt_is_compatible(f, node, "sifive,plic-1.0.0")) {
        uint32_t unused_irq;
        if (!out->has_plic) {
            err = read_device(f, node, bus, &out->plic, &unused_irq);
            if (err == FDT_OK && prop_u32(f, node, "riscv,ndev", &out->plic_ndev) < 0)
                err = FDT_E_BADPROP;
            out->has_plic = true;
        }
    } else if (fdt_is_compatible(f, node, "virtio,mmio")) {
        unsigned i = out->virtio_count;
        if (i < FDT_MAX_VIRTIO) {
            err = read_device(f, node, bus, &out->virtio[i], &out->virtio_irq[i]);
            out->virtio_count++;
        }
    }
    return err;
}

/*
 * Depth-first walk over every node below the root, with an explicit stack of
 * ancestors (bounded by FDT_MAX_DEPTH, so a hostile tree cannot exhaust the
 * kernel stack). Each step visits a node at a larger offset than the last,
 * so the walk ends after at most size_struct / 4 visits.
 */
static int walk_tree(struct platform_walk *w)
{
    struct {
        int node;
        struct bus_cells cells; /* what the node's children use */
    } stack[FDT_MAX_DEPTH];
    unsigned depth = 0; /* stack[depth] is the parent of `node` */

    stack[0].node = FDT_ROOT;
    int err = read_bus_cells(w->f, FDT_ROOT, &stack[0].cells);
    if (err != FDT_OK)
        return err;

    int node = fdt_first_child(w->f, FDT_ROOT);
    for (;;) {
        if (node == FDT_E_NOT_FOUND) {
            /* No more children here: go on with the parent's next sibling. */
            if (depth == 0)
                return FDT_OK;
            node = fdt_next_sibling(w->f, stack[depth].node);
            depth--;
            continue;
        }
        if (node < 0)
            return node;

        err = visit_node(w, node, stack[depth].node, &stack[depth].cells);
        if (err != FDT_OK)
            return err;
        if (depth + 1 == FDT_MAX_DEPTH)
            return FDT_E_DEPTH;
        depth++;
        stack[depth].node = node;
        err = read_bus_cells(w->f, node, &stack[depth].cells);
        if (err != FDT_OK)
            return err;
        node = fdt_first_child(w->f, node);
    }
}

/* /chosen: the initrd range and the stdout-path node (negative if none). */
static int parse_chosen(const struct fdt *f, struct fdt_platform *out, int *stdout_node)
{
    uint32_t len;
    *stdout_node = FDT_E_NOT_FOUND;

    int chosen = fdt_path_lookup(f, "/chosen");
    if (chosen == FDT_E_NOT_FOUND)
        return FDT_OK;
    if (chosen < 0)
        return chosen;

    int has_start = prop_u64(f, chosen, "linux,initrd-start", &out->initrd_start);
    int has_end = prop_u64(f, chosen, "linux,initrd-end", &out->initrd_end);
    if (has_start < 0 || has_end < 0 || has_start != has_end || out->initrd_end < out->initrd_start)
        return FDT_E_BADPROP;

    const char *path = fdt_get_prop(f, chosen, "stdout-path", &len);
    if (path == NULL)
        path = fdt_get_prop(f, chosen, "linux,stdout-path", &len);
    if (path != NULL) {
        /* "serial0:115200n8": the path (or alias) ends at ':' or the NUL. */
        uint32_t n = 0;
        while (n < len && path[n] != ':' && path[n] != '\0')
            n++;
        /* A console we cannot resolve is no error: the first uart stands in. */
        *stdout_node = lookup_path(f, path, n, true);
    }
    return FDT_OK;
}

/* /cpus: timebase frequency and the number of enabled harts. */
static int parse_cpus(const struct fdt *f, struct fdt_platform *out)
{
    int cpus = fdt_path_lookup(f, "/cpus");
    if (cpus == FDT_E_NOT_FOUND)
        return FDT_OK; /* reported as FDT_E_NO_TIMEBASE */
    if (cpus < 0)
        return cpus;
    if (prop_u64(f, cpus, "timebase-frequency", &out->timebase_hz) < 0)
        return FDT_E_BADPROP;

    int cpu;
    for (cpu = fdt_first_child(f, cpus); cpu >= 0; cpu = fdt_next_sibling(f, cpu)) {
        if (!has_device_type(f, cpu, "cpu") || !node_enabled(f, cpu))
            continue;
        out->hart_count++;
        /* Some trees put the frequency in each cpu node instead. */
        if (out->timebase_hz == 0 && prop_u64(f, cpu, "timebase-frequency", &out->timebase_hz) < 0)
            return FDT_E_BADPROP;
    }
    return cpu == FDT_E_NOT_FOUND ? FDT_OK : cpu;
}

/* The memory reserve map: (address, size) pairs of u64 ending with (0, 0). */
static int parse_memreserve(const struct fdt *f, struct fdt_platform *out)
{
    uint32_t off = be32(f->blob + 16); /* off_mem_rsvmap, checked to be <= size */

    for (;; off += 16) {
        if (f->size - off < 16)
            return FDT_E_LAYOUT; /* no terminating entry before the end */
        struct fdt_reg r = {be64(f->blob + off), be64(f->blob + off + 8)};
        if (r.base == 0 && r.size == 0)
            return FDT_OK;
        if (r.size > UINT64_MAX - r.base)
            return FDT_E_BADPROP;
        if (r.size == 0)
            continue;
        if (out->reserved_count == FDT_MAX_MEM)
            return FDT_E_TOO_MANY;
        out->reserved[out->reserved_count++] = r;
    }
}

/* Insertion sort by base: QEMU lists its virtio transports from the top down. */
static void sort_virtio(struct fdt_platform *out)
{
    for (unsigned i = 1; i < out->virtio_count; i++) {
        for (unsigned j = i; j > 0 && out->virtio[j - 1].base > out->virtio[j].base; j--) {
            struct fdt_reg reg = out->virtio[j];
            uint32_t irq = out->virtio_irq[j];
            out->virtio[j] = out->virtio[j - 1];
            out->virtio_irq[j] = out->virtio_irq[j - 1];
            out->virtio[j - 1] = reg;
            out->virtio_irq[j - 1] = irq;
        }
    }
}

int fdt_parse_platform(const void *blob, size_t max_size, struct fdt_platform *out)
{
    struct fdt f;
    struct platform_walk w = {.f = &f, .out = out};

    *out = (struct fdt_platform){0};
    int err = fdt_init(&f, blob, max_size);
    if (err == FDT_OK)
        err = parse_chosen(&f, out, &w.stdout_node);
    if (err == FDT_OK)
        err = parse_cpus(&f, out);
    if (err == FDT_OK) {
        w.reserved_parent = fdt_path_lookup(&f, "/reserved-memory");
        if (w.reserved_parent < 0 && w.reserved_parent != FDT_E_NOT_FOUND)
            err = w.reserved_parent;
    }
    if (err == FDT_OK)
        err = walk_tree(&w);
    if (err == FDT_OK)
        err = parse_memreserve(&f, out);
    if (err == FDT_OK && out->memory_count == 0)
        err = FDT_E_NO_MEMORY;
    if (err == FDT_OK && out->timebase_hz == 0)
        err = FDT_E_NO_TIMEBASE;
    if (err == FDT_OK)
        sort_virtio(out);
    return err;
}
