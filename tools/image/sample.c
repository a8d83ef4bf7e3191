/* The sample checkpoint image (sample.h). */
#include "sample.h"

#include <string.h>

#define KIB 1024ull

void sample_page(uint32_t dataspace, uint64_t index, unsigned generation, uint8_t *page)
{
    for (unsigned i = 0; i < IMAGE_PAGE_SIZE; i++)
        page[i] = (uint8_t)(dataspace * 31u + index * 7u + generation * 101u + i);
}

static const struct image_component components[] = {
    {.id = 1, .ram_quota = 1024 * KIB, .cap_quota = 64, .name = "counter"},
    {.id = 2, .ram_quota = 512 * KIB, .cap_quota = 32, .name = "server"},
};
static const struct image_session sessions[] = {
    {.id = 10,
     .component = 1,
     .service = "LOG",
     .label = "counter",
     .args = "label=counter",
     .ram_quota = 8 * KIB,
     .cap_quota = 4},
    {.id = 11,
     .component = 1,
     .service = "Timer",
     .label = "counter",
     .args = "label=counter",
     .ram_quota = 8 * KIB,
     .cap_quota = 4},
    {.id = 12,
     .component = 1,
     .server = 2,
     .service = "Store",
     .label = "counter -> store",
     .args = "label=counter,objects=4",
     .ram_quota = 16 * KIB,
     .cap_quota = 8},
    {.id = 13,
     .component = 2,
     .service = "LOG",
     .label = "server",
     .args = "label=server",
     .ram_quota = 8 * KIB,
     .cap_quota = 4},
};
static const struct image_region_map rms[] = {
    {.id = 20, .component = 1, .flags = IMAGE_RM_ADDRESS_SPACE, .size = IMAGE_VA_LIMIT},
    {.id = 21, .component = 2, .flags = IMAGE_RM_ADDRESS_SPACE, .size = IMAGE_VA_LIMIT},
    {.id = 22, .component = 1, .flags = IMAGE_RM_MANAGED, .size = 64 * KIB},
};
static const struct image_dataspace dataspaces[] = {
    {.id = 30, .component = 1, .size = 16 * KIB},
    {.id = 31, .component = 1, .size = 64 * KIB},
    {.id = 32, .component = 2, .flags = IMAGE_DS_SHARED, .size = 8 * KIB},
    {.id = 33, .component = 2, .size = 16 * KIB},
};
static const struct image_gate gates[] = {{.id = 50, .component = 2, .thread = 42}};
static const struct image_signal signals[] = {{.id = 60, .component = 1, .pending = 2}};
static const struct image_attachment attachments[] = {
    {.rm = 20, .target = 30, .rights = 3, .addr = 0x40000000, .size = 16 * KIB},
    {.rm = 20, .target = 31, .rights = 3, .addr = 0x40010000, .size = 64 * KIB},
    {.rm = 20, .target = 32, .rights = 3, .addr = 0x50000000, .size = 8 * KIB},
    {.rm = 20, .target = 22, .rights = 1, .addr = 0x60000000, .size = 64 * KIB},
    {.rm = 21, .target = 33, .rights = 3, .addr = 0x40000000, .size = 16 * KIB},
    {.rm = 21, .target = 32, .rights = 3, .addr = 0x50000000, .size = 8 * KIB},
    {.rm = 22, .target = 31, .rights = 1, .addr = 0x1000, .size = 4 * KIB, .offset = 8 * KIB},
};
/* types: 1 task, 2 thread, 3 gate, 4 irq, 6 memory (enum ferry_obj_type) */
static const struct image_cap caps[] = {
    {.component = 1, .slot = 1, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_PARENT},
    {.component = 1, .slot = 2, .type = 1, .rights = 0xf, .role = IMAGE_ROLE_TASK, .object = 1},
    {.component = 1, .slot = 3, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_SESSION, .object = 10},
    {.component = 1, .slot = 4, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_SESSION, .object = 11},
    {.component = 1, .slot = 5, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_SESSION, .object = 12},
    {.component = 1,
     .slot = 6,
     .type = 3,
     .rights = 0xa,
     .role = IMAGE_ROLE_DATASPACE,
     .object = 31},
    {.component = 1,
     .slot = 7,
     .type = 3,
     .rights = 0xa,
     .role = IMAGE_ROLE_REGION_MAP,
     .object = 22},
    {.component = 1, .slot = 8, .type = 2, .rights = 0xf, .role = IMAGE_ROLE_THREAD, .object = 40},
    {.component = 1, .slot = 9, .type = 4, .rights = 0x3, .role = IMAGE_ROLE_SIGNAL, .object = 60},
    {.component = 1, .slot = 10, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_GATE, .object = 50},
    {.component = 1,
     .slot = 11,
     .type = 3,
     .rights = 0x2,
     .role = IMAGE_ROLE_GATE,
     .flags = IMAGE_CAP_STALE},
    {.component = 2, .slot = 1, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_PARENT},
    {.component = 2, .slot = 2, .type = 1, .rights = 0xf, .role = IMAGE_ROLE_TASK, .object = 2},
    {.component = 2, .slot = 3, .type = 3, .rights = 0xa, .role = IMAGE_ROLE_SESSION, .object = 13},
    {.component = 2, .slot = 4, .type = 3, .rights = 0xf, .role = IMAGE_ROLE_GATE, .object = 50},
    {.component = 2, .slot = 5, .type = 2, .rights = 0xf, .role = IMAGE_ROLE_THREAD, .object = 42},
};
static const struct image_table_entry tables[] = {
    {.component = 1, .table = IMAGE_TABLE_CAPMAP, .slot = 3, .object = 10, .refcount = 1},
    {.component = 1, .table = IMAGE_TABLE_CAPMAP, .slot = 4, .object = 11, .refcount = 1},
    {.component = 1, .table = IMAGE_TABLE_CAPMAP, .slot = 5, .object = 12, .refcount = 1},
    {.component = 1, .table = IMAGE_TABLE_CAPMAP, .slot = 10, .object = 50, .refcount = 2},
    {.component = 1, .table = IMAGE_TABLE_SIGNALS, .slot = 9, .object = 60},
    {.component = 2, .table = IMAGE_TABLE_CAPMAP, .slot = 3, .object = 13, .refcount = 1},
    {.component = 2, .table = IMAGE_TABLE_RPC_POOL, .slot = 4, .object = 50},
};
/* Pages of the full image (dataspace, index); 31/2 is all zero and elided. */
static const struct {
    uint32_t ds;
    uint64_t index;
} pages[] = {{30, 3}, {31, 0}, {31, 1}, {31, 2}, {31, 15}, {32, 0}, {33, 3}};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void sample_thread(struct image_thread *t, uint32_t id, uint32_t component, const char *name,
                          uint8_t *blob)
{
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->component = component;
    t->priority = 100;
    t->run_state = id == 40 ? 1 : 2; /* ready, blocked */
    t->blocked_call = id == 40 ? 0 : 20;
    t->utcb = 0x7fff0000 + (id - 40) * 0x1000ull;
    strcpy(t->name, name);
    for (unsigned i = 1; i < 32; i++)
        t->x[i] = (uint64_t)id << 32 | i;
    t->pc = 0x10000 + id * 0x10ull;
    for (unsigned i = 0; i < 32; i++)
        t->f[i] = 0x3ff0000000000000ull + i * 0x0001000000000000ull / 16 + id;
    t->fcsr = id == 41 ? 0x20 : 0;
    for (unsigned i = 0; i < 32; i++)
        blob[i] = (uint8_t)(id + i);
    t->blob = blob;
    t->blob_len = 32;
}

/* Writes one record array with `fn`; stops at the first error. */
#define EACH(enc, fn, array)                                                                       \
    for (size_t i_ = 0; i_ < ARRAY_LEN(array); i_++)                                               \
        if ((err = fn(enc, &(array)[i_])))                                                         \
            return err;

long sample_image_write(image_sink_fn sink, void *ctx, const struct image_digest *parent,
                        struct image_digest *digest)
{
    struct image_encoder enc;
    struct image_header h = {.ecu = 0xa, .sequence = parent ? 2 : 1};
    static const char *const names[] = {"main", "timer-ep", "ep"};
    static const uint32_t thread_owner[] = {1, 1, 2};
    uint8_t blob[32], page[IMAGE_PAGE_SIZE];
    struct image_stats stats = {.memory_bytes = 104 * KIB,
                                .freeze_instret = 12345,
                                .capture_instret = 2345,
                                .copy_instret = 34567,
                                .encode_instret = 45678};
    long err;

    if (parent) {
        h.flags = IMAGE_FLAG_INCREMENTAL;
        h.parent = *parent;
    }
    if ((err = image_encode_begin(&enc, sink, ctx, &h)))
        return err;
    EACH(&enc, image_encode_component, components);
    EACH(&enc, image_encode_session, sessions);
    EACH(&enc, image_encode_region_map, rms);
    EACH(&enc, image_encode_dataspace, dataspaces);
    for (uint32_t i = 0; i < 3; i++) {
        struct image_thread t;
        sample_thread(&t, 40 + i, thread_owner[i], names[i], blob);
        if ((err = image_encode_thread(&enc, &t)))
            return err;
    }
    EACH(&enc, image_encode_gate, gates);
    EACH(&enc, image_encode_signal, signals);
    EACH(&enc, image_encode_attachment, attachments);
    EACH(&enc, image_encode_cap, caps);
    EACH(&enc, image_encode_table, tables);
    for (size_t i = 0; i < ARRAY_LEN(pages); i++) {
        bool changed = pages[i].ds == 31 && pages[i].index == 1;
        if (parent && !changed) {
            stats.pages_clean++;
            continue;
        }
        sample_page(pages[i].ds, pages[i].index, parent ? 1 : 0, page);
        if (pages[i].ds == 31 && pages[i].index == 2)
            memset(page, 0, sizeof(page));
        if (image_page_is_zero(page)) {
            stats.pages_zero++;
            continue;
        }
        if ((err = image_encode_page(&enc, pages[i].ds, pages[i].index, page)))
            return err;
        stats.pages_stored++;
    }
    if ((err = image_encode_stats(&enc, &stats)))
        return err;
    return image_encode_end(&enc, digest);
}
