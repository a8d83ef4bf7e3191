/*
 * Badges: the labels of the gates core creates. A badge names one object for
 * the lifetime of the machine: a counter from 1 that never wraps in practice
 * (2^64 objects) and is never reused, so a capability to a freed object can
 * never reach a new one (it gets E_BADOBJ instead). Badges are unique on this
 * machine only; a restore on another machine gets new ones from that core.
 * The counter starts at the boot option `badge-base` (config.c), so that two
 * ECUs can be given disjoint badge spaces.
 */
#include "core.h"

static uint64_t badge_next = 1;
static bool badge_started; /* a badge was handed out: the base is fixed */

long badge_set_base(uint64_t base)
{
    if (badge_started)
        return FERRY_E_BUSY;
    if (base == 0 || base > CORE_BADGE_BASE_MAX)
        return FERRY_E_RANGE;
    badge_next = base;
    return FERRY_OK;
}

uint64_t badge_alloc(void)
{
    badge_started = true;
    return badge_next++;
}
