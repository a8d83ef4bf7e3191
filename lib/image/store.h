/*
 * The image store: named checkpoint images on a block device of 512-byte
 * sectors (docs/image.md, "Store").
 *
 *   sectors 0..7    superblock copy 0 (4 KiB: directory of up to 32 images)
 *   sectors 8..15   superblock copy 1
 *   sectors 16..    image data, one contiguous extent per image
 *
 * Atomic replace: an image's bytes go to free sectors (referenced by no entry
 * of the current directory), then the device is flushed, then the new
 * directory goes to the *other* superblock copy with the next sequence
 * number, then flushed again. Mounting takes the valid copy (magic, checksum,
 * every entry sane) with the higher sequence. A crash at any point leaves
 * either the old or the new directory, each pointing only at complete data.
 *
 * The device is two callbacks, so the same code runs in rtcr over a Block
 * session and on the host over a file. Freestanding; no allocation: the
 * caller owns the struct imgstore (about 12 KiB).
 */
#ifndef FERRY_LIB_IMAGE_STORE_H
#define FERRY_LIB_IMAGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "image.h"

#define IMGSTORE_SECTOR        512u
#define IMGSTORE_SUPER_BYTES   4096u
#define IMGSTORE_SUPER_SECTORS (IMGSTORE_SUPER_BYTES / IMGSTORE_SECTOR)
#define IMGSTORE_DATA_START    (2u * IMGSTORE_SUPER_SECTORS)
#define IMGSTORE_MAX_IMAGES    32u
#define IMGSTORE_NAME_MAX      32u /* NUL-terminated: 31 characters */
#define IMGSTORE_MAGIC         "FERRYSTO"
#define IMGSTORE_VERSION       1u

enum imgstore_error {
    IMGSTORE_OK = 0,
    IMGSTORE_E_IO,            /* the device refused a read, write or flush */
    IMGSTORE_E_NOT_FORMATTED, /* neither superblock copy is valid */
    IMGSTORE_E_TOO_SMALL,     /* device too small for the superblocks and one sector */
    IMGSTORE_E_NAME,          /* name empty or longer than 31 characters */
    IMGSTORE_E_NOENT,         /* no image of that name */
    IMGSTORE_E_DIR_FULL,      /* already IMGSTORE_MAX_IMAGES images */
    IMGSTORE_E_NOSPACE,       /* no free extent large enough */
    IMGSTORE_E_EMPTY,         /* an image of zero bytes */
    IMGSTORE_E_BUFFER,        /* the caller's buffer is smaller than the image */
    IMGSTORE_E_CORRUPT,       /* image bytes differ from what was written (checksum) */
    IMGSTORE_E_HAS_CHILD,     /* delete: another image is incremental on this one */
    IMGSTORE_E_NO_PARENT,     /* chain: a parent image is not in the store */
    IMGSTORE_E_CHAIN_LONG,    /* chain longer than the caller's array */
    IMGSTORE_E_WRITER,        /* writer misuse: not open, or overflowing its extent */
    IMGSTORE_ERROR_COUNT
};

const char *imgstore_error_name(long err);
const char *imgstore_error_text(long err);

/* The block device: `count` sectors from `sector`. Return 0 or nonzero on
 * failure. flush may be NULL (writes are then assumed to be in order). */
struct imgstore_dev {
    void *ctx;
    uint64_t sectors;
    long (*read)(void *ctx, uint64_t sector, void *buf, uint32_t count);
    long (*write)(void *ctx, uint64_t sector, const void *buf, uint32_t count);
    long (*flush)(void *ctx);
};

/* One image in the directory. Digest and parent are read from the image's
 * own END record and header when the bytes are a Ferry image (else zero);
 * they are claims for chaining, restore still validates the image. */
struct imgstore_entry {
    char name[IMGSTORE_NAME_MAX];
    uint64_t start;    /* first sector */
    uint64_t bytes;    /* image length */
    uint64_t sequence; /* store sequence at the commit that wrote it */
    uint64_t checksum; /* XXH3-64 of the bytes */
    uint32_t flags;    /* IMAGE_FLAG_INCREMENTAL when the header says so */
    struct image_digest digest, parent;
};

struct imgstore {
    struct imgstore_dev dev;
    uint64_t sequence; /* of the current directory */
    unsigned copy;     /* superblock copy (0/1) holding the current directory */
    uint32_t count;
    struct imgstore_entry entries[IMGSTORE_MAX_IMAGES]; /* [0, count) used */
    struct imgstore_entry scratch[IMGSTORE_MAX_IMAGES]; /* the next directory */
    _Alignas(8) uint8_t block[IMGSTORE_SUPER_BYTES];    /* superblock scratch */
};

/* Writes an empty directory to both copies. */
long imgstore_format(struct imgstore *s, const struct imgstore_dev *dev);
/* Reads the directory (the newer valid copy). */
long imgstore_mount(struct imgstore *s, const struct imgstore_dev *dev);
/* The entry of `name`, or NULL. */
const struct imgstore_entry *imgstore_find(const struct imgstore *s, const char *name);
/* Free sectors in total, and the largest free extent (in sectors). */
void imgstore_free(const struct imgstore *s, uint64_t *free_sectors, uint64_t *largest);

/* Writes (or atomically replaces) image `name` with data[len]. */
long imgstore_write(struct imgstore *s, const char *name, const void *data, size_t len);
/* Reads image `name` into buf[cap]; *len = its length. */
long imgstore_read(struct imgstore *s, const char *name, void *buf, size_t cap, size_t *len);
/* Removes `name` (refused while an image names it as parent). */
long imgstore_delete(struct imgstore *s, const char *name);
/* The chain ending in `name`: out[0] the full base image, out[*n-1] = name. */
long imgstore_chain(const struct imgstore *s, const char *name, const struct imgstore_entry **out,
                    unsigned max, unsigned *n);

/*
 * Streaming writer: an image of unknown length goes straight from the encoder
 * to the disk (the sink is imgstore_writer_sink). It takes the largest free
 * extent; commit makes it visible, abort (or a crash) leaves the store as it
 * was. Only one writer per store at a time; no other change while it is open.
 */
#define IMGSTORE_STAGE 4096u /* bytes a writer collects before a device write */
struct imgstore_writer {
    struct imgstore *store;
    char name[IMGSTORE_NAME_MAX];
    uint64_t start, sectors;         /* the extent */
    uint64_t bytes;                  /* written so far */
    long error;                      /* sticky */
    uint8_t head[IMAGE_HEADER_SIZE]; /* the first bytes: the image header */
    uint8_t tail[16];                /* the last 16 bytes: the digest */
    uint32_t fill;                   /* bytes staged in `stage` */
    _Alignas(8) uint8_t stage[IMGSTORE_STAGE];
    struct image_hash_state hash;
};

long imgstore_writer_begin(struct imgstore_writer *w, struct imgstore *s, const char *name);
long imgstore_writer_put(struct imgstore_writer *w, const void *data, size_t len);
/* image_sink_fn adapter: ctx is the writer. */
long imgstore_writer_sink(void *ctx, const void *data, size_t len);
long imgstore_writer_commit(struct imgstore_writer *w);

#endif
