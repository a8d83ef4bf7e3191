/*
 * Images in memory (ckpt.h): up to CKPT_MAX_IMAGES named images, each in a
 * dataspace of rtcr, with the digest an incremental image names as its parent.
 */
#include "ckpt.h"
#include <stdio.h>
#include <string.h>

struct image_digest ckpt_last_digest;
bool ckpt_have_last;
bool ckpt_dirty_lost;
static struct stored_image images[CKPT_MAX_IMAGES];
static uint32_t base_ds[CKPT_MAX_DS]; /* the base's dataspace ids */
static unsigned base_count;

/* The base becomes the image just encoded from the cut (cut.dss). */
void base_from_cut(const struct image_digest *digest)
{
    ckpt_last_digest = *digest;
    ckpt_have_last = true;
    ckpt_dirty_lost = false;
    base_count = 0;
    for (unsigned i = 0; i < cut.ds_count; i++)
        base_ds[base_count++] = cut.dss[i].ds->id;
}

/* The base becomes the restored image `view` (its dataspaces under the ids
 * the restore gave them: shifted by id_shift). */
void base_from_image(const struct image_view *view, uint32_t id_shift)
{
    struct image_dataspace d;
    ckpt_last_digest = view->digest;
    ckpt_have_last = true;
    ckpt_dirty_lost = false;
    base_count = 0;
    for (uint32_t i = 0; i < image_count(view, IMAGE_DATASPACE) && base_count < CKPT_MAX_DS; i++)
        if (image_get(view, IMAGE_DATASPACE, i, &d, sizeof(d)))
            base_ds[base_count++] = d.id + id_shift;
}

/* Whether an image called `name` is on the chain ending in the image whose
 * digest is *from (that image, its parent, ...). */
bool stored_in_chain(const char *name, const struct image_digest *from)
{
    struct stored_image *cur = stored_by_digest(from);
    for (unsigned n = 0; cur && n < CKPT_MAX_CHAIN; n++) {
        struct image_header h;
        if (!strcmp(cur->name, name))
            return true;
        if (image_read_header(cur->buf, cur->len, &h) || !(h.flags & IMAGE_FLAG_INCREMENTAL))
            return false;
        cur = stored_by_digest(&h.parent);
    }
    return false;
}

/* Whether the base holds dataspace `ds` (by id). */
bool base_holds(uint32_t ds)
{
    for (unsigned i = 0; i < base_count; i++)
        if (base_ds[i] == ds)
            return true;
    return false;
}

struct stored_image *stored_named(const char *name)
{
    for (unsigned i = 0; i < CKPT_MAX_IMAGES; i++)
        if (images[i].used && !strcmp(images[i].name, name))
            return &images[i];
    return NULL;
}

void stored_drop(struct stored_image *im)
{
    if (im->buf)
        env_free_attached(rtcr.env, im->buf, im->ds);
    memset(im, 0, sizeof(*im));
}

/* A slot for image `name` with room for `len` bytes (an older one of the
 * name goes). Its buffer is reused when it holds len bytes and is at most
 * twice as large: not allocated, and zeroed by core, again (a checkpoint
 * taken under the same name again; its bytes are overwritten up to len). */
struct stored_image *stored_new(const char *name, size_t len, long *err)
{
    struct stored_image *im = stored_named(name);
    uint8_t *buf = NULL;
    uint32_t ds = 0;
    size_t cap = 0;
    if (im && im->cap >= len && im->cap / 2 <= len) {
        buf = im->buf, ds = im->ds, cap = im->cap;
        im->buf = NULL; /* kept from stored_drop */
    }
    if (im)
        stored_drop(im);
    for (unsigned i = 0; i < CKPT_MAX_IMAGES && !im; i++)
        if (!images[i].used)
            im = &images[i];
    if (!im) {
        printf("rtcr: image '%s': no room, rtcr holds %u images in memory already\n", name,
               CKPT_MAX_IMAGES);
        *err = FERRY_E_NOMEM;
        return NULL;
    }
    if (!buf) {
        cap = len;
        if (!(buf = env_alloc_attached(rtcr.env, len, &ds, err)))
            return NULL;
    }
    im->buf = buf, im->ds = ds, im->cap = cap;
    im->used = true;
    snprintf(im->name, sizeof(im->name), "%s", name);
    return im;
}

const uint8_t *ckpt_image(const char *name, size_t *len)
{
    struct stored_image *im = stored_named(name);
    if (!im)
        return NULL;
    *len = im->len;
    return im->buf;
}

long ckpt_image_room(const char *name, size_t len, uint8_t **buf)
{
    long err;
    struct stored_image *im = stored_new(name, len, &err);
    if (!im)
        return err;
    im->len = len;
    *buf = im->buf;
    return FERRY_OK;
}

void ckpt_image_set_digest(const char *name, const struct image_digest *digest)
{
    struct stored_image *im = stored_named(name);
    if (im) {
        im->digest = *digest;
        im->known = true;
    }
}

void ckpt_image_truncate(const char *name, size_t len)
{
    struct stored_image *im = stored_named(name);
    if (im && len < im->len)
        im->len = len;
}

void ckpt_image_forget(const char *name)
{
    struct stored_image *im = stored_named(name);
    if (im)
        stored_drop(im);
}

struct stored_image *stored_by_digest(const struct image_digest *d)
{
    for (unsigned i = 0; i < CKPT_MAX_IMAGES; i++)
        if (images[i].used && images[i].known && images[i].digest.lo == d->lo &&
            images[i].digest.hi == d->hi)
            return &images[i];
    return NULL;
}
