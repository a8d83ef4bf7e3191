/*
 * rtcr's images on disk (rtcr.h): lib/image's store over a Block session
 * (docs/image.md, "Store"; docs/block.md). The session is opened on first use
 * (route Block to the virtio-blk driver in rtcr's parent) and kept.
 */
#include "rtcr.h"
#include <client.h>
#include <image/store.h>
#include <stdio.h>
#include <string.h>

#define DISK_BUFFER (256ul * 1024) /* the Block session's buffer */

static struct block_client block;
static bool block_open_done;
static struct imgstore store;
static bool mounted;

/* Moves `count` sectors between buf and the disk in buffer-sized pieces. */
static long transfer(uint64_t sector, uint8_t *buf, uint32_t count, bool write)
{
    uint64_t per = block.info.max_sectors;
    while (count) {
        uint32_t n = count < per ? count : (uint32_t)per;
        long err;
        if (write) {
            memcpy(block.buf, buf, n * IMGSTORE_SECTOR);
            err = block_write(block.session, sector, n, 0);
        } else {
            err = block_read(block.session, sector, n, 0);
            if (!err)
                memcpy(buf, block.buf, n * IMGSTORE_SECTOR);
        }
        if (err)
            return err;
        sector += n;
        buf += n * IMGSTORE_SECTOR;
        count -= n;
    }
    return FERRY_OK;
}

static long dev_read(void *ctx, uint64_t sector, void *buf, uint32_t count)
{
    (void)ctx;
    return transfer(sector, buf, count, false);
}

static long dev_write(void *ctx, uint64_t sector, const void *buf, uint32_t count)
{
    (void)ctx;
    return transfer(sector, (uint8_t *)buf, count, true);
}

static long dev_flush(void *ctx)
{
    (void)ctx;
    return block_sync(block.session);
}

/* The store, mounted (formatted first if `format` and the disk holds none). */
static long disk_store(bool format)
{
    if (mounted)
        return FERRY_OK;
    long err;
    if (!block_open_done) {
        if ((err = block_open(rtcr.env, "rtcr", DISK_BUFFER, &block))) {
            printf("rtcr: no disk: Block session: %s\n", ferry_error_name(err));
            return err;
        }
        block_open_done = true;
    }
    struct imgstore_dev dev = {NULL, block.info.sector_count, dev_read, dev_write, dev_flush};
    err = imgstore_mount(&store, &dev);
    if (err == IMGSTORE_E_NOT_FORMATTED && format) {
        printf("rtcr: disk holds no image store: formatting it\n");
        err = imgstore_format(&store, &dev);
        if (!err)
            err = imgstore_mount(&store, &dev);
    }
    if (err) {
        printf("rtcr: disk: %s\n", imgstore_error_text(err));
        return FERRY_E_INVAL;
    }
    mounted = true;
    return FERRY_OK;
}

long disk_write_image(const char *name)
{
    size_t len;
    const uint8_t *data = ckpt_image(name, &len);
    if (!data)
        return FERRY_E_NOENT;
    long err = disk_store(true);
    if (err)
        return err;
    if ((err = imgstore_write(&store, name, data, len))) {
        printf("rtcr: image '%s' not written to disk: %s\n", name, imgstore_error_text(err));
        return FERRY_E_INVAL;
    }
    printf("rtcr: image '%s' written to disk (%lu bytes)\n", name, (unsigned long)len);
    return FERRY_OK;
}

/* Reads one image of the store into memory under its name. */
static long read_one(const struct imgstore_entry *e)
{
    uint8_t *buf;
    size_t len;
    long err = ckpt_image_room(e->name, e->bytes, &buf);
    if (err)
        return err;
    if ((err = imgstore_read(&store, e->name, buf, e->bytes, &len))) {
        printf("rtcr: image '%s' not read from disk: %s\n", e->name, imgstore_error_text(err));
        ckpt_image_forget(e->name);
        return FERRY_E_INVAL;
    }
    ckpt_image_set_digest(e->name, &e->digest);
    printf("rtcr: image '%s' read from disk (%lu bytes)\n", e->name, (unsigned long)len);
    return FERRY_OK;
}

/* The images the last disk_read_image read (dropped again by disk_forget_read). */
static char read_names[8][IMGSTORE_NAME_MAX];
static unsigned read_count;

void disk_forget_read(void)
{
    for (unsigned i = 0; i < read_count; i++)
        ckpt_image_forget(read_names[i]);
    read_count = 0;
}

long disk_read_image(const char *name)
{
    read_count = 0;
    long err = disk_store(false);
    if (err)
        return err;
    const struct imgstore_entry *chain[8];
    unsigned n;
    if ((err = imgstore_chain(&store, name, chain, 8, &n))) {
        printf("rtcr: image '%s' not on disk: %s\n", name, imgstore_error_text(err));
        return FERRY_E_NOENT;
    }
    for (unsigned i = 0; i < n && !err; i++) {
        err = read_one(chain[i]);
        if (!err)
            memcpy(read_names[read_count++], chain[i]->name, IMGSTORE_NAME_MAX);
    }
    if (err)
        disk_forget_read();
    return err;
}

void disk_close(void)
{
    if (block_open_done)
        block_close(rtcr.env, &block);
    block_open_done = mounted = false;
}
