/*
 * Compare (docs/rtcr.md, "Restore" step 7): the restored capability space
 * against the image, slot by slot.
 */
#include "ckpt.h"
#include <stdio.h>

/* The restored capability space against the image, slot by slot: type,
 * rights, and the object (its new badge). Returns the number of mismatches. */
unsigned compare_caps(struct restore *r, unsigned *slots)
{
    struct child *ch = &r->c->pc->child;
    unsigned bad = 0;
    *slots = 0;
    uint64_t slot = 1, next;
    while (npd_cap_next(ch->npd, slot, &next) == FERRY_OK) {
        struct ferry_npd_cap_info_out info;
        struct image_cap cap;
        uint64_t badge = 0;
        bool ok =
            npd_cap_info(ch->npd, next, &info) == FERRY_OK &&
            cap_record(r->view, r->comp.id, (uint32_t)next, &cap) &&
            ((cap.flags & IMAGE_CAP_STALE) || (info.type == cap.type && info.rights == cap.rights));
        if (ok && cap.role != IMAGE_ROLE_TASK && !(cap.flags & IMAGE_CAP_STALE))
            ok = new_badge(r, (uint32_t)next, &badge) && badge == info.label;
        if (!ok) {
            printf("rtcr: slot %lu of '%s' differs from the image\n", (unsigned long)next,
                   r->c->name);
            bad++;
        }
        ++*slots;
        slot = next + 1;
    }
    return bad;
}
