/*
 * Badges: the labels of the gates core creates. A badge names one object for
 * the lifetime of the machine: a counter from 1 that never wraps in practice
 * (2^64 objects) and is never reused, so a capability to a freed object can
 * never reach a new one (it gets E_BADOBJ instead). Badges are unique on this
 * machine only; a restore on another machine gets new ones from that core.
 */
#include "core.h"

static uint64_t badge_next = 1;

uint64_t badge_alloc(void)
{
    return badge_next++;
}
