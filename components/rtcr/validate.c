/*
 * Before a restore creates anything (docs/rtcr.md, "Restore" step 1): the
 * image chain validated, the configuration and quota checked.
 */
#include "ckpt.h"
#include <stdio.h>
#include <string.h>

/* The configured child a component of an image is an instance of: the one of
 * its name, else (an instance restored `as NAME2`) the one whose name it
 * extends by digits. */
const struct init_child *configured_child(const char *name)
{
    const struct init_child *cfg = config_child(&rtcr.config, name);
    for (unsigned i = 0; i < rtcr.config.child_count && !cfg; i++) {
        const struct init_child *c = &rtcr.config.children[i];
        size_t n = strlen(c->name);
        bool digits = !strncmp(name, c->name, n) && name[n];
        for (const char *p = name + n; digits && *p; p++)
            digits = *p >= '0' && *p <= '9';
        if (digits)
            cfg = c;
    }
    return cfg;
}

/*
 * Before anything is created: every component of the image has a configured
 * child, whose RAM quota holds the image's dataspaces, and rtcr can give all
 * of those quotas (and the loan of a construction) now.
 */
long check_quota(const char *name, const struct image_view *view)
{
    uint64_t give = CHILD_ROM_RAM, caps = 0;
    uint32_t n = image_count(view, IMAGE_COMPONENT);
    for (uint32_t i = 0; i < n; i++) {
        struct image_component comp;
        image_get(view, IMAGE_COMPONENT, i, &comp, sizeof(comp));
        const struct init_child *cfg = configured_child(comp.name);
        if (!cfg) {
            printf("rtcr: cannot restore '%s': no child of that name in rtcr.cfg\n", comp.name);
            return FERRY_E_NOENT;
        }
        uint64_t memory = 0;
        for (uint32_t k = 0; k < image_count(view, IMAGE_DATASPACE); k++) {
            struct image_dataspace d;
            image_get(view, IMAGE_DATASPACE, k, &d, sizeof(d));
            if (d.component == comp.id)
                memory += d.size;
        }
        if (memory > cfg->ram) {
            printf("rtcr: image '%s' refused: '%s' has %lu bytes of memory, its RAM quota is "
                   "%lu\n",
                   name, comp.name, (unsigned long)memory, (unsigned long)cfg->ram);
            return FERRY_E_QUOTA;
        }
        give += cfg->ram; /* its PD's donation; CPU and LOG are paid by the PD */
        caps += cfg->caps;
    }
    struct ferry_pd_quota_out q;
    long err = pd_quota(rtcr.env->pd, &q);
    if (err)
        return err;
    if (give > q.ram_quota - q.ram_used || caps > q.cap_quota - q.cap_used) {
        printf("rtcr: image '%s' refused: its components need %lu bytes and %lu capabilities, "
               "rtcr has %lu and %lu\n",
               name, (unsigned long)give, (unsigned long)caps,
               (unsigned long)(q.ram_quota - q.ram_used),
               (unsigned long)(q.cap_quota - q.cap_used));
        return FERRY_E_QUOTA;
    }
    return FERRY_OK;
}

void report_rejected(const char *name, long err, const struct image_fault *fault)
{
    if (fault->record == IMAGE_AT_HEADER)
        printf("rtcr: image '%s' rejected: %s in the header (offset %lu)\n", name,
               image_error_name(err), (unsigned long)fault->offset);
    else
        printf("rtcr: image '%s' rejected: %s at record %u (offset %lu)\n", name,
               image_error_name(err), fault->record, (unsigned long)fault->offset);
}

/* The chain ending in `im`, validated from the base on (each against its
 * parent's digest): views[0] is im. Returns the count, 0 if rejected. */
unsigned validate_chain(struct stored_image *im, struct image_view *views)
{
    struct stored_image *chain[CKPT_MAX_CHAIN];
    unsigned n = 0;
    for (struct stored_image *cur = im; cur;) {
        struct image_header h;
        long err = image_read_header(cur->buf, cur->len, &h);
        if (err) {
            struct image_fault f = {err, IMAGE_AT_HEADER, 0};
            report_rejected(cur->name, err, &f);
            return 0;
        }
        if (n == CKPT_MAX_CHAIN) {
            printf("rtcr: image '%s' rejected: a chain longer than %u images\n", im->name,
                   CKPT_MAX_CHAIN);
            return 0;
        }
        chain[n++] = cur;
        if (!(h.flags & IMAGE_FLAG_INCREMENTAL))
            break;
        if (!(cur = stored_by_digest(&h.parent))) {
            printf("rtcr: image '%s' rejected: its parent image is not here\n", chain[n - 1]->name);
            return 0;
        }
    }
    for (unsigned k = n; k-- > 0;) {
        struct image_fault fault;
        long err = image_validate(chain[k]->buf, chain[k]->len,
                                  k + 1 < n ? &views[k + 1].digest : NULL, &views[k], &fault);
        if (err) {
            report_rejected(chain[k]->name, err, &fault);
            return 0;
        }
        chain[k]->digest = views[k].digest;
        chain[k]->known = true;
    }
    return n;
}
