/*
 * A known sample checkpoint image, built with the lib/image encoder: what the
 * unit tests and `ferry-image sample` write, so the tool's output can be
 * checked before rtcr exists. Two components ("counter" and "server") with
 * every record type: sessions, region maps (address spaces and a managed one),
 * dataspaces (one shared), threads with distinct registers, an RPC gate, a
 * signal, attachments, capabilities (one stale), capability-map and other
 * table entries, pages and statistics.
 */
#ifndef FERRY_TOOLS_IMAGE_SAMPLE_H
#define FERRY_TOOLS_IMAGE_SAMPLE_H

#include "image/image.h"

/* Writes the sample image to `sink`. With `parent` non-NULL it is the
 * incremental child of that image: the same objects, one page changed.
 * The new image's digest goes to *digest (may be NULL). */
long sample_image_write(image_sink_fn sink, void *ctx, const struct image_digest *parent,
                        struct image_digest *digest);

/* The bytes a page of the sample holds (also what tests compare with). */
void sample_page(uint32_t dataspace, uint64_t index, unsigned generation, uint8_t *page);

#endif
