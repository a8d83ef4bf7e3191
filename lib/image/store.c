/*
 * The image store (store.h; on-disk layout in docs/image.md, "Store").
 *
 * Superblock (4096 bytes, little-endian):
 *   0x000  magic "FERRYSTO"      0x008  u32 version     0x00c  u32 count
 *   0x010  u64 sequence          0x018  u64 sectors (device size at format)
 *   0x020  u64 reserved[3]
 *   0x038  entries[32], 112 bytes each (ENTRY_* offsets below); unused zero
 *   0xe38  zero
 *   0xff8  u64 XXH3-64 of bytes 0x000..0xff7
 */
#include "store.h"
#include "le.h"

#include <string.h>

#include "xxh.h"

#define HASH(s) ((XXH3_state_t *)(void *)(s)->bytes)

#define SB_MAGIC    0x000
#define SB_VERSION  0x008
#define SB_COUNT    0x00c
#define SB_SEQUENCE 0x010
#define SB_SECTORS  0x018
#define SB_ENTRIES  0x038
#define SB_CHECKSUM 0xff8

#define ENTRY_SIZE     112u
#define ENTRY_NAME     0x00
#define ENTRY_START    0x20
#define ENTRY_BYTES    0x28
#define ENTRY_SEQUENCE 0x30
#define ENTRY_CHECKSUM 0x38
#define ENTRY_FLAGS    0x40 /* u32, then u32 reserved */
#define ENTRY_DIGEST   0x48 /* lo, hi */
#define ENTRY_PARENT   0x58 /* lo, hi */
/* 0x68: u64 reserved */

_Static_assert(SB_ENTRIES + IMGSTORE_MAX_IMAGES * ENTRY_SIZE <= SB_CHECKSUM, "entries fit");

static const char *const names[IMGSTORE_ERROR_COUNT] = {
    [IMGSTORE_OK] = "OK",
    [IMGSTORE_E_IO] = "IO",
    [IMGSTORE_E_NOT_FORMATTED] = "NOT_FORMATTED",
    [IMGSTORE_E_TOO_SMALL] = "TOO_SMALL",
    [IMGSTORE_E_NAME] = "NAME",
    [IMGSTORE_E_NOENT] = "NOENT",
    [IMGSTORE_E_DIR_FULL] = "DIR_FULL",
    [IMGSTORE_E_NOSPACE] = "NOSPACE",
    [IMGSTORE_E_EMPTY] = "EMPTY",
    [IMGSTORE_E_BUFFER] = "BUFFER",
    [IMGSTORE_E_CORRUPT] = "CORRUPT",
    [IMGSTORE_E_HAS_CHILD] = "HAS_CHILD",
    [IMGSTORE_E_NO_PARENT] = "NO_PARENT",
    [IMGSTORE_E_CHAIN_LONG] = "CHAIN_LONG",
    [IMGSTORE_E_WRITER] = "WRITER",
};

static const char *const texts[IMGSTORE_ERROR_COUNT] = {
    [IMGSTORE_OK] = "ok",
    [IMGSTORE_E_IO] = "device read, write or flush failed",
    [IMGSTORE_E_NOT_FORMATTED] = "no valid image store on the device",
    [IMGSTORE_E_TOO_SMALL] = "device too small for an image store",
    [IMGSTORE_E_NAME] = "image name empty or longer than 31 characters",
    [IMGSTORE_E_NOENT] = "no image of that name",
    [IMGSTORE_E_DIR_FULL] = "the store already holds 32 images",
    [IMGSTORE_E_NOSPACE] = "no free space large enough for the image",
    [IMGSTORE_E_EMPTY] = "an image cannot be empty",
    [IMGSTORE_E_BUFFER] = "buffer smaller than the image",
    [IMGSTORE_E_CORRUPT] = "image bytes on the device differ from those written",
    [IMGSTORE_E_HAS_CHILD] = "another image is incremental on this one",
    [IMGSTORE_E_NO_PARENT] = "the parent of an incremental image is not in the store",
    [IMGSTORE_E_CHAIN_LONG] = "chain of incremental images too long",
    [IMGSTORE_E_WRITER] = "image writer not open or beyond its space",
};

const char *imgstore_error_name(long err)
{
    return err >= 0 && err < IMGSTORE_ERROR_COUNT ? names[err] : "UNKNOWN";
}

const char *imgstore_error_text(long err)
{
    return err >= 0 && err < IMGSTORE_ERROR_COUNT ? texts[err] : "unknown error";
}

/* Sectors holding `bytes` (no overflow for any value: directories are input). */
static uint64_t sectors_for(uint64_t bytes)
{
    return bytes / IMGSTORE_SECTOR + (bytes % IMGSTORE_SECTOR != 0);
}

static bool name_ok(const char *name)
{
    size_t n = 0;
    while (n < IMGSTORE_NAME_MAX && name[n] != 0)
        n++;
    return n > 0 && n < IMGSTORE_NAME_MAX;
}

/* ---- superblock ---- */

static void entry_pack(const struct imgstore_entry *e, uint8_t *w)
{
    memset(w, 0, ENTRY_SIZE);
    for (unsigned i = 0; i < IMGSTORE_NAME_MAX && e->name[i]; i++)
        w[ENTRY_NAME + i] = (uint8_t)e->name[i];
    put_le(w + ENTRY_START, e->start, 8);
    put_le(w + ENTRY_BYTES, e->bytes, 8);
    put_le(w + ENTRY_SEQUENCE, e->sequence, 8);
    put_le(w + ENTRY_CHECKSUM, e->checksum, 8);
    put_le(w + ENTRY_FLAGS, e->flags, 4);
    put_le(w + ENTRY_DIGEST, e->digest.lo, 8);
    put_le(w + ENTRY_DIGEST + 8, e->digest.hi, 8);
    put_le(w + ENTRY_PARENT, e->parent.lo, 8);
    put_le(w + ENTRY_PARENT + 8, e->parent.hi, 8);
}

static void entry_unpack(const uint8_t *w, struct imgstore_entry *e)
{
    memcpy(e->name, w + ENTRY_NAME, IMGSTORE_NAME_MAX);
    e->start = get_le(w + ENTRY_START, 8);
    e->bytes = get_le(w + ENTRY_BYTES, 8);
    e->sequence = get_le(w + ENTRY_SEQUENCE, 8);
    e->checksum = get_le(w + ENTRY_CHECKSUM, 8);
    e->flags = (uint32_t)get_le(w + ENTRY_FLAGS, 4);
    e->digest.lo = get_le(w + ENTRY_DIGEST, 8);
    e->digest.hi = get_le(w + ENTRY_DIGEST + 8, 8);
    e->parent.lo = get_le(w + ENTRY_PARENT, 8);
    e->parent.hi = get_le(w + ENTRY_PARENT + 8, 8);
}

static bool overlaps(const struct imgstore_entry *a, const struct imgstore_entry *b)
{
    return a->start < b->start + sectors_for(b->bytes) &&
           b->start < a->start + sectors_for(a->bytes);
}

/* Decodes s->block into a directory; false if the copy is not a sane one. */
static bool super_unpack(const uint8_t *w, uint64_t dev_sectors, uint64_t *sequence,
                         uint32_t *count, struct imgstore_entry *entries)
{
    if (memcmp(w + SB_MAGIC, IMGSTORE_MAGIC, 8) != 0 ||
        get_le(w + SB_VERSION, 4) != IMGSTORE_VERSION ||
        get_le(w + SB_CHECKSUM, 8) != XXH3_64bits(w, SB_CHECKSUM))
        return false;
    *count = (uint32_t)get_le(w + SB_COUNT, 4);
    *sequence = get_le(w + SB_SEQUENCE, 8);
    uint64_t sectors = get_le(w + SB_SECTORS, 8);
    if (*count > IMGSTORE_MAX_IMAGES || sectors > dev_sectors ||
        !all_zero(w + SB_ENTRIES + *count * ENTRY_SIZE,
                  SB_CHECKSUM - SB_ENTRIES - *count * ENTRY_SIZE))
        return false;
    for (uint32_t i = 0; i < *count; i++) {
        const uint8_t *ew = w + SB_ENTRIES + i * ENTRY_SIZE;
        struct imgstore_entry *e = &entries[i];
        if (!string_field_ok(ew + ENTRY_NAME, IMGSTORE_NAME_MAX, true))
            return false;
        entry_unpack(ew, e);
        if (e->bytes == 0 || e->start < IMGSTORE_DATA_START || e->start > sectors ||
            sectors_for(e->bytes) > sectors - e->start)
            return false;
        for (uint32_t j = 0; j < i; j++)
            if (overlaps(e, &entries[j]) || strcmp(e->name, entries[j].name) == 0)
                return false;
    }
    return true;
}

static void super_pack(const struct imgstore *s, uint64_t sequence, uint32_t count,
                       const struct imgstore_entry *entries, uint8_t *w)
{
    memset(w, 0, IMGSTORE_SUPER_BYTES);
    memcpy(w + SB_MAGIC, IMGSTORE_MAGIC, 8);
    put_le(w + SB_VERSION, IMGSTORE_VERSION, 4);
    put_le(w + SB_COUNT, count, 4);
    put_le(w + SB_SEQUENCE, sequence, 8);
    put_le(w + SB_SECTORS, s->dev.sectors, 8);
    for (uint32_t i = 0; i < count; i++)
        entry_pack(&entries[i], w + SB_ENTRIES + i * ENTRY_SIZE);
    put_le(w + SB_CHECKSUM, XXH3_64bits(w, SB_CHECKSUM), 8);
}

static long dev_flush(struct imgstore *s)
{
    if (s->dev.flush && s->dev.flush(s->dev.ctx) != 0)
        return IMGSTORE_E_IO;
    return IMGSTORE_OK;
}

/* Writes the directory `entries[count]` with the next sequence to the copy
 * that is not current, then makes it current. Data must already be on disk. */
static long super_commit(struct imgstore *s, uint32_t count, const struct imgstore_entry *entries)
{
    unsigned copy = s->copy ^ 1u;
    long err;
    if ((err = dev_flush(s)))
        return err;
    super_pack(s, s->sequence + 1, count, entries, s->block);
    if (s->dev.write(s->dev.ctx, copy * IMGSTORE_SUPER_SECTORS, s->block, IMGSTORE_SUPER_SECTORS) !=
        0)
        return IMGSTORE_E_IO;
    if ((err = dev_flush(s)))
        return err;
    s->copy = copy;
    s->sequence++;
    if (entries != s->entries)
        memmove(s->entries, entries, count * sizeof(*entries));
    s->count = count;
    return IMGSTORE_OK;
}

long imgstore_format(struct imgstore *s, const struct imgstore_dev *dev)
{
    memset(s, 0, sizeof(*s));
    s->dev = *dev;
    if (dev->sectors <= IMGSTORE_DATA_START)
        return IMGSTORE_E_TOO_SMALL;
    /* copy 1 first, then copy 0 with a higher sequence: a crash in between
     * leaves one valid empty store or the previous one */
    s->copy = 0;
    s->sequence = 0;
    long err = super_commit(s, 0, s->entries);
    if (err == IMGSTORE_OK)
        err = super_commit(s, 0, s->entries);
    return err;
}

long imgstore_mount(struct imgstore *s, const struct imgstore_dev *dev)
{
    uint64_t seq[2];
    uint32_t count;
    bool valid[2];

    memset(s, 0, sizeof(*s));
    s->dev = *dev;
    if (dev->sectors <= IMGSTORE_DATA_START)
        return IMGSTORE_E_TOO_SMALL;
    for (unsigned c = 0; c < 2; c++) {
        if (dev->read(dev->ctx, c * IMGSTORE_SUPER_SECTORS, s->block, IMGSTORE_SUPER_SECTORS))
            return IMGSTORE_E_IO;
        valid[c] = super_unpack(s->block, dev->sectors, &seq[c], &count, s->entries);
    }
    if (!valid[0] && !valid[1])
        return IMGSTORE_E_NOT_FORMATTED;
    s->copy = !valid[0] || (valid[1] && seq[1] > seq[0]) ? 1 : 0;
    /* decode the chosen copy again: the loop left the last one's entries */
    if (dev->read(dev->ctx, s->copy * IMGSTORE_SUPER_SECTORS, s->block, IMGSTORE_SUPER_SECTORS) ||
        !super_unpack(s->block, dev->sectors, &s->sequence, &s->count, s->entries))
        return IMGSTORE_E_IO;
    return IMGSTORE_OK;
}

const struct imgstore_entry *imgstore_find(const struct imgstore *s, const char *name)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (strncmp(s->entries[i].name, name, IMGSTORE_NAME_MAX) == 0)
            return &s->entries[i];
    return NULL;
}

/* ---- free space ---- */

/* Walks the gaps between extents in address order: calls back for each. */
static void each_gap(const struct imgstore *s, void (*fn)(void *, uint64_t, uint64_t), void *ctx)
{
    uint64_t at = IMGSTORE_DATA_START;
    for (;;) {
        /* the extent with the lowest start at or after `at` */
        const struct imgstore_entry *next = NULL;
        for (uint32_t i = 0; i < s->count; i++)
            if (s->entries[i].start >= at && (!next || s->entries[i].start < next->start))
                next = &s->entries[i];
        uint64_t end = next ? next->start : s->dev.sectors;
        if (end > at)
            fn(ctx, at, end - at);
        if (!next)
            return;
        at = next->start + sectors_for(next->bytes);
    }
}

struct gaps {
    uint64_t total, need;
    uint64_t best_start, best_len; /* largest gap, or the first that fits `need` */
};

static void gap_largest(void *ctx, uint64_t start, uint64_t len)
{
    struct gaps *g = ctx;
    g->total += len;
    if (len > g->best_len)
        g->best_start = start, g->best_len = len;
}

static void gap_first_fit(void *ctx, uint64_t start, uint64_t len)
{
    struct gaps *g = ctx;
    if (g->best_len == 0 && len >= g->need)
        g->best_start = start, g->best_len = len;
}

void imgstore_free(const struct imgstore *s, uint64_t *free_sectors, uint64_t *largest)
{
    struct gaps g = {0};
    each_gap(s, gap_largest, &g);
    *free_sectors = g.total;
    *largest = g.best_len;
}

/* ---- writing ---- */

/* The directory with `e` added (replacing an entry of the same name). */
static long commit_entry(struct imgstore *s, const struct imgstore_entry *e)
{
    struct imgstore_entry *dir = s->scratch;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->count; i++)
        if (strcmp(s->entries[i].name, e->name) != 0)
            dir[n++] = s->entries[i];
    if (n == IMGSTORE_MAX_IMAGES)
        return IMGSTORE_E_DIR_FULL;
    dir[n] = *e;
    dir[n].sequence = s->sequence + 1;
    return super_commit(s, n + 1, dir);
}

/* Fills digest and parent from the image's first and last bytes. */
static void entry_describe(struct imgstore_entry *e, const uint8_t *head, size_t head_len,
                           const uint8_t tail[16])
{
    struct image_header h;
    if (image_read_header(head, head_len, &h) != IMAGE_OK || e->bytes < IMAGE_HEADER_SIZE + 16)
        return;
    e->flags = h.flags & IMAGE_FLAG_INCREMENTAL;
    e->parent = h.parent;
    e->digest.lo = get_le(tail, 8);
    e->digest.hi = get_le(tail + 8, 8);
}

static long begin_entry(struct imgstore *s, const char *name, struct imgstore_entry *e)
{
    if (!name_ok(name))
        return IMGSTORE_E_NAME;
    if (!imgstore_find(s, name) && s->count == IMGSTORE_MAX_IMAGES)
        return IMGSTORE_E_DIR_FULL;
    memset(e, 0, sizeof(*e));
    strncpy(e->name, name, IMGSTORE_NAME_MAX - 1);
    return IMGSTORE_OK;
}

long imgstore_write(struct imgstore *s, const char *name, const void *data, size_t len)
{
    struct imgstore_entry e;
    struct gaps g = {.need = sectors_for(len)};
    const uint8_t *bytes = data;
    long err;

    if ((err = begin_entry(s, name, &e)))
        return err;
    if (len == 0)
        return IMGSTORE_E_EMPTY;
    each_gap(s, gap_first_fit, &g);
    if (g.best_len == 0)
        return IMGSTORE_E_NOSPACE;
    e.start = g.best_start;
    e.bytes = len;
    e.checksum = XXH3_64bits(data, len);
    uint64_t whole = len / IMGSTORE_SECTOR, rest = len % IMGSTORE_SECTOR;
    if (whole && s->dev.write(s->dev.ctx, e.start, bytes, (uint32_t)whole) != 0)
        return IMGSTORE_E_IO;
    if (rest) {
        memset(s->block, 0, IMGSTORE_SECTOR);
        memcpy(s->block, bytes + whole * IMGSTORE_SECTOR, rest);
        if (s->dev.write(s->dev.ctx, e.start + whole, s->block, 1) != 0)
            return IMGSTORE_E_IO;
    }
    entry_describe(&e, bytes, len, len >= 16 ? bytes + len - 16 : bytes);
    return commit_entry(s, &e);
}

long imgstore_read(struct imgstore *s, const char *name, void *buf, size_t cap, size_t *len)
{
    const struct imgstore_entry *e = imgstore_find(s, name);
    uint8_t *bytes = buf;
    if (!e)
        return IMGSTORE_E_NOENT;
    if (e->bytes > cap)
        return IMGSTORE_E_BUFFER;
    uint64_t whole = e->bytes / IMGSTORE_SECTOR, rest = e->bytes % IMGSTORE_SECTOR;
    if (whole && s->dev.read(s->dev.ctx, e->start, bytes, (uint32_t)whole) != 0)
        return IMGSTORE_E_IO;
    if (rest) {
        if (s->dev.read(s->dev.ctx, e->start + whole, s->block, 1) != 0)
            return IMGSTORE_E_IO;
        memcpy(bytes + whole * IMGSTORE_SECTOR, s->block, rest);
    }
    if (XXH3_64bits(buf, e->bytes) != e->checksum)
        return IMGSTORE_E_CORRUPT;
    *len = e->bytes;
    return IMGSTORE_OK;
}

static bool same_digest(const struct image_digest *a, const struct image_digest *b)
{
    return a->lo == b->lo && a->hi == b->hi;
}

/* The image whose digest `d` is, or NULL. */
static const struct imgstore_entry *find_digest(const struct imgstore *s,
                                                const struct image_digest *d)
{
    for (uint32_t i = 0; i < s->count; i++)
        if (same_digest(&s->entries[i].digest, d))
            return &s->entries[i];
    return NULL;
}

long imgstore_delete(struct imgstore *s, const char *name)
{
    struct imgstore_entry *dir = s->scratch;
    const struct imgstore_entry *e = imgstore_find(s, name);
    uint32_t n = 0;
    if (!e)
        return IMGSTORE_E_NOENT;
    for (uint32_t i = 0; i < s->count; i++)
        if ((s->entries[i].flags & IMAGE_FLAG_INCREMENTAL) &&
            same_digest(&s->entries[i].parent, &e->digest) && &s->entries[i] != e)
            return IMGSTORE_E_HAS_CHILD;
    for (uint32_t i = 0; i < s->count; i++)
        if (&s->entries[i] != e)
            dir[n++] = s->entries[i];
    return super_commit(s, n, dir);
}

long imgstore_chain(const struct imgstore *s, const char *name, const struct imgstore_entry **out,
                    unsigned max, unsigned *n)
{
    const struct imgstore_entry *e = imgstore_find(s, name);
    unsigned len = 0;
    if (!e)
        return IMGSTORE_E_NOENT;
    /* collect newest first, then reverse */
    for (;;) {
        if (len == max || len == IMGSTORE_MAX_IMAGES)
            return IMGSTORE_E_CHAIN_LONG; /* also breaks digest cycles */
        out[len++] = e;
        if (!(e->flags & IMAGE_FLAG_INCREMENTAL))
            break;
        if (!(e = find_digest(s, &e->parent)))
            return IMGSTORE_E_NO_PARENT;
    }
    for (unsigned i = 0; i < len / 2; i++) {
        const struct imgstore_entry *t = out[i];
        out[i] = out[len - 1 - i];
        out[len - 1 - i] = t;
    }
    *n = len;
    return IMGSTORE_OK;
}

/* ---- streaming writer ---- */

long imgstore_writer_begin(struct imgstore_writer *w, struct imgstore *s, const char *name)
{
    struct imgstore_entry e;
    struct gaps g = {0};
    long err;

    memset(w, 0, sizeof(*w));
    w->store = s;
    if ((err = begin_entry(s, name, &e))) {
        w->error = err;
        return err;
    }
    memcpy(w->name, e.name, sizeof(w->name));
    each_gap(s, gap_largest, &g);
    w->start = g.best_start;
    w->sectors = g.best_len;
    XXH3_INITSTATE(HASH(&w->hash));
    XXH3_64bits_reset(HASH(&w->hash));
    return IMGSTORE_OK;
}

/* Writes the staged bytes (a partial last sector zero-padded). */
static long writer_drain(struct imgstore_writer *w)
{
    uint64_t at = w->start + (w->bytes - w->fill) / IMGSTORE_SECTOR;
    uint32_t n = (uint32_t)sectors_for(w->fill);
    memset(w->stage + w->fill, 0, n * IMGSTORE_SECTOR - w->fill);
    if (n && w->store->dev.write(w->store->dev.ctx, at, w->stage, n) != 0)
        return IMGSTORE_E_IO;
    w->fill = 0;
    return IMGSTORE_OK;
}

long imgstore_writer_put(struct imgstore_writer *w, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (w->error)
        return w->error;
    if (len > w->sectors * IMGSTORE_SECTOR - w->bytes)
        return w->error = IMGSTORE_E_NOSPACE;
    XXH3_64bits_update(HASH(&w->hash), data, len);
    for (size_t i = 0; i < len; i++) { /* the header's bytes, the last 16 bytes */
        if (w->bytes + i < IMAGE_HEADER_SIZE)
            w->head[w->bytes + i] = p[i];
        if (len - i <= 16) {
            memmove(w->tail, w->tail + 1, 15);
            w->tail[15] = p[i];
        }
    }
    while (len) {
        size_t n = IMGSTORE_STAGE - w->fill < len ? IMGSTORE_STAGE - w->fill : len;
        memcpy(w->stage + w->fill, p, n);
        w->fill += (uint32_t)n;
        w->bytes += n;
        p += n;
        len -= n;
        if (w->fill == IMGSTORE_STAGE && (w->error = writer_drain(w)))
            return w->error;
    }
    return IMGSTORE_OK;
}

long imgstore_writer_sink(void *ctx, const void *data, size_t len)
{
    return imgstore_writer_put(ctx, data, len);
}

long imgstore_writer_commit(struct imgstore_writer *w)
{
    struct imgstore_entry e;
    if (w->error)
        return w->error;
    if (w->store == NULL)
        return IMGSTORE_E_WRITER;
    if (w->bytes == 0)
        return w->error = IMGSTORE_E_EMPTY;
    if ((w->error = writer_drain(w)))
        return w->error;
    memset(&e, 0, sizeof(e));
    memcpy(e.name, w->name, sizeof(e.name));
    e.start = w->start;
    e.bytes = w->bytes;
    e.checksum = XXH3_64bits_digest(HASH(&w->hash));
    entry_describe(&e, w->head, w->bytes < IMAGE_HEADER_SIZE ? w->bytes : IMAGE_HEADER_SIZE,
                   w->tail);
    w->error = IMGSTORE_E_WRITER; /* closed */
    return commit_entry(w->store, &e);
}
