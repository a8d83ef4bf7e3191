/*
 * Batched capability-space read: what TASK_CAP_BATCH writes into the caller's
 * UTCB buf, one fixed-size entry per occupied slot, slots ascending. A
 * checkpointer reads a whole capability space in a few calls instead of one
 * TASK_CAP_NEXT and one TASK_CAP_INFO per slot (docs/kernel.md).
 *
 * An entry is what TASK_CAP_INFO reports about the slot (type, rights, the
 * dead flag, label, object id); a layout change bumps FERRY_CAP_ENTRY_VERSION,
 * which the call returns in a3 so a reader can refuse a layout it does not
 * know. Core's NPD_CAP_BATCH passes the entries on unchanged in its reply
 * (include/ferry/iface/pd.h).
 *
 * struct ferry_cap_entry:
 *   0x00  slot     u32  the occupied slot
 *   0x04  type     u8   enum ferry_obj_type (never NONE)
 *   0x05  rights   u8   FERRY_RIGHT_* of the capability
 *   0x06  flags    u16  FERRY_CAP_ENTRY_DEAD
 *   0x08  label    u64  a gate's or IRQ's label, else 0
 *   0x10  id       u64  kernel object id
 *   0x18  (size)
 */
#ifndef FERRY_CAPBATCH_H
#define FERRY_CAPBATCH_H

#include <ferry/utcb.h>
#include <stdint.h>

#define FERRY_CAP_ENTRY_VERSION 1u
#define FERRY_CAP_ENTRY_DEAD    0x1u /* the object was destroyed (TASK_CAP_INFO's FERRY_CAP_DEAD) */

struct ferry_cap_entry {
    uint32_t slot;
    uint8_t type;
    uint8_t rights;
    uint16_t flags;
    uint64_t label;
    uint64_t id;
};

_Static_assert(__builtin_offsetof(struct ferry_cap_entry, slot) == 0x00, "cap entry layout");
_Static_assert(__builtin_offsetof(struct ferry_cap_entry, type) == 0x04, "cap entry layout");
_Static_assert(__builtin_offsetof(struct ferry_cap_entry, rights) == 0x05, "cap entry layout");
_Static_assert(__builtin_offsetof(struct ferry_cap_entry, flags) == 0x06, "cap entry layout");
_Static_assert(__builtin_offsetof(struct ferry_cap_entry, label) == 0x08, "cap entry layout");
_Static_assert(__builtin_offsetof(struct ferry_cap_entry, id) == 0x10, "cap entry layout");
_Static_assert(sizeof(struct ferry_cap_entry) == 0x18, "cap entry layout");

/* Entries one TASK_CAP_BATCH call writes at most: the UTCB buf's worth (128). */
#define FERRY_CAP_BATCH_MAX (FERRY_UTCB_BUF / sizeof(struct ferry_cap_entry))
_Static_assert(FERRY_CAP_BATCH_MAX == 128, "a whole number of entries in the UTCB buf");

#endif
