/*
 * Capability map of a component: badge -> kernel capability slot + reference count.
 *
 * When a capability arrives by IPC, the runtime looks its badge up so that one
 * object never occupies two slots (capmap_adopt). The checkpointer reads and
 * rewrites the map from outside the component (new badges after a restore),
 * so the map is one contiguous, position-independent region with a fixed,
 * documented layout (docs/framework.md, "Capability map"); nothing in it is a
 * pointer. All values are little-endian (the target's and the host's order).
 *
 * Region layout (byte offsets from the start of the region, which is the header):
 *
 *   0                 struct capmap          header (40 bytes)
 *   entries_offset    struct capmap_entry[capacity]   (40 bytes each)
 *
 * Every entry is either
 *   used: refcount >= 1, linked into the AVL tree rooted at header.root
 *         (key = badge), next_free = CAPMAP_NIL; or
 *   free: refcount == 0, on the singly linked list from header.free_head.
 * No two used entries share a badge or a slot. capmap_validate() checks all of
 * this on an untrusted copy; the other functions trust the map (the owner's
 * own, or one that validated).
 *
 * Storage: the caller supplies the region (CAPMAP_REGION_SIZE(capacity) bytes,
 * 8-byte aligned), typically a CAPMAP_STORAGE(capacity) object, whose header
 * member is the map. Functions return negative CAPMAP_E_* on error.
 *
 * Not synchronised: the runtime serialises all calls (one lock); an outsider
 * touches the map only while every thread of the component is stopped.
 * Cost: find/insert/remove/rekey O(log n); capmap_next O(log n) per step;
 * validate O(capacity), with 2 KiB of stack for a slot bitmap; rebuild O(capacity + n log n).
 */
#ifndef FERRY_LIB_BASE_CAPMAP_H
#define FERRY_LIB_BASE_CAPMAP_H

#include <stddef.h>
#include <stdint.h>

#include "avl.h"

/* The bytes "CAPMAP01" read as a little-endian u64. */
#define CAPMAP_MAGIC   0x313050414d504143ull
#define CAPMAP_VERSION 1u
/* "No entry" in root, free_head and next_free (the AVL tree's own NIL). */
#define CAPMAP_NIL AVL_NIL
/* Capability slots are 1..CAPMAP_SLOT_LIMIT-1 (docs/kernel.md: 16384 slots, 0 means none). */
#define CAPMAP_SLOT_LIMIT 16384u
/* More entries than slots could never all be used. */
#define CAPMAP_MAX_CAPACITY (CAPMAP_SLOT_LIMIT - 1u)
/* Capacity a component runtime uses unless it has a reason to differ. */
#define CAPMAP_DEFAULT_CAPACITY 1024u
/* Highest reference count: every count fits the int that capmap_ref returns. */
#define CAPMAP_REFCOUNT_MAX 0x7fffffffu

enum capmap_error {
    CAPMAP_OK = 0,
    /* operations */
    CAPMAP_E_EXISTS = -1,   /* the badge is already in the map (insert, rekey, rebuild) */
    CAPMAP_E_NOENT = -2,    /* no entry with this badge */
    CAPMAP_E_FULL = -3,     /* every entry is in use */
    CAPMAP_E_SLOT = -4,     /* slot 0 or >= CAPMAP_SLOT_LIMIT */
    CAPMAP_E_REFCOUNT = -5, /* reference count would exceed CAPMAP_REFCOUNT_MAX (or does) */
    /* layout (init, validate, rebuild) */
    CAPMAP_E_ALIGN = -6,   /* region NULL or not 8-byte aligned */
    CAPMAP_E_MAGIC = -7,   /* magic is not CAPMAP_MAGIC */
    CAPMAP_E_VERSION = -8, /* version is not CAPMAP_VERSION */
    CAPMAP_E_LAYOUT = -9,  /* entry_size, entries_offset, capacity or reserved wrong, or the
                              entry array does not fit the region */
    /* contents (validate) */
    CAPMAP_E_COUNT = -10,        /* count > capacity, or used entries / tree nodes != count */
    CAPMAP_E_INDEX = -11,        /* root, a child link or a free-list link >= capacity */
    CAPMAP_E_TREE_ORDER = -12,   /* tree keys out of order, or a node reached twice */
    CAPMAP_E_TREE_HEIGHT = -13,  /* a stored height is wrong */
    CAPMAP_E_TREE_BALANCE = -14, /* the tree is not AVL-balanced */
    CAPMAP_E_TREE_CYCLE = -15,   /* tree links form a cycle (deeper than AVL_MAX_HEIGHT) */
    CAPMAP_E_TREE_FREE = -16,    /* a free entry (refcount 0) is linked into the tree */
    CAPMAP_E_FREE_LIST = -17,    /* free list holds a used entry, misses a free one, or a used
                                    entry has next_free set */
    CAPMAP_E_FREE_CYCLE = -18,   /* free list longer than the free entries: a cycle */
    CAPMAP_E_SLOT_DUP = -19,     /* two used entries hold the same slot */
    /* rekey_all */
    CAPMAP_E_UNTRANSLATED = -20, /* a used entry's badge has no translation */
};

/*
 * Header, at offset 0 of the region. 40 bytes. Only indices and offsets, so
 * the region can be copied anywhere and back.
 */
struct capmap {
    uint64_t magic;          /* 0: CAPMAP_MAGIC */
    uint32_t version;        /* 8: CAPMAP_VERSION */
    uint32_t entry_size;     /* 12: sizeof(struct capmap_entry) = 40 */
    uint32_t capacity;       /* 16: entries in the array, 1..CAPMAP_MAX_CAPACITY */
    uint32_t count;          /* 20: used entries = nodes in the tree, <= capacity */
    uint32_t root;           /* 24: index of the tree's root entry, CAPMAP_NIL when empty */
    uint32_t free_head;      /* 28: index of the first free entry, CAPMAP_NIL when full */
    uint32_t entries_offset; /* 32: byte offset of entry 0 from the header; >= 40, multiple of 8 */
    uint32_t reserved;       /* 36: 0 */
};

/* One entry. 40 bytes; entry i is at entries_offset + 40 * i. */
struct capmap_entry {
    struct avl_link link; /* 0: key = badge (at 0), left 8, right 12, height 16, reserved 20;
                             links are entry indices; meaningful only while used */
    uint32_t slot;        /* 24: kernel capability slot, 1..CAPMAP_SLOT_LIMIT-1; 0 when free */
    uint32_t refcount;    /* 28: 0 <=> free; used: 1..CAPMAP_REFCOUNT_MAX */
    uint32_t next_free;   /* 32: free: next free entry or CAPMAP_NIL; used: CAPMAP_NIL */
    uint32_t reserved;    /* 36: 0 */
};

_Static_assert(sizeof(struct capmap) == 40, "capmap header layout");
_Static_assert(offsetof(struct capmap, version) == 8, "capmap header layout");
_Static_assert(offsetof(struct capmap, entry_size) == 12, "capmap header layout");
_Static_assert(offsetof(struct capmap, capacity) == 16, "capmap header layout");
_Static_assert(offsetof(struct capmap, count) == 20, "capmap header layout");
_Static_assert(offsetof(struct capmap, root) == 24, "capmap header layout");
_Static_assert(offsetof(struct capmap, free_head) == 28, "capmap header layout");
_Static_assert(offsetof(struct capmap, entries_offset) == 32, "capmap header layout");
_Static_assert(offsetof(struct capmap, reserved) == 36, "capmap header layout");
_Static_assert(sizeof(struct avl_link) == 24, "avl link layout");
_Static_assert(offsetof(struct avl_link, left) == 8, "avl link layout");
_Static_assert(offsetof(struct avl_link, right) == 12, "avl link layout");
_Static_assert(offsetof(struct avl_link, height) == 16, "avl link layout");
_Static_assert(sizeof(struct capmap_entry) == 40, "capmap entry layout");
_Static_assert(offsetof(struct capmap_entry, link) == 0, "capmap entry layout");
_Static_assert(offsetof(struct capmap_entry, slot) == 24, "capmap entry layout");
_Static_assert(offsetof(struct capmap_entry, refcount) == 28, "capmap entry layout");
_Static_assert(offsetof(struct capmap_entry, next_free) == 32, "capmap entry layout");

/* Bytes a region with `capacity` entries needs (entries right after the header). */
#define CAPMAP_REGION_SIZE(capacity)                                                               \
    (sizeof(struct capmap) + (size_t)(capacity) * sizeof(struct capmap_entry))

/* A statically sized region: `CAPMAP_STORAGE(1024) storage; capmap_init(&storage.header, ...)`. */
#define CAPMAP_STORAGE(capacity)                                                                   \
    struct {                                                                                       \
        struct capmap header;                                                                      \
        struct capmap_entry entries[capacity];                                                     \
    }

/*
 * Formats the region at `map` (region_size bytes, 8-byte aligned) as an empty
 * map of `capacity` entries. CAPMAP_OK, CAPMAP_E_ALIGN or CAPMAP_E_LAYOUT.
 */
int capmap_init(struct capmap *map, size_t region_size, uint32_t capacity);

/* The entry holding `badge`, or NULL. */
struct capmap_entry *capmap_find(struct capmap *map, uint64_t badge);
/* The slot holding `badge`, or 0 (the kernel's "no slot") if absent. */
uint32_t capmap_slot(struct capmap *map, uint64_t badge);
/* Used entries. */
uint32_t capmap_count(const struct capmap *map);

/* New entry badge -> slot with refcount 1. CAPMAP_E_EXISTS, _FULL or _SLOT on error. */
int capmap_insert(struct capmap *map, uint64_t badge, uint32_t slot);
/*
 * A capability to `badge` arrived in `slot`. Unknown badge: inserted, returns 0.
 * Known badge: folded into the entry's slot (refcount + 1), returns 1, and the
 * caller must free `slot`. *held (may be NULL) receives the slot now holding
 * the capability. Negative CAPMAP_E_* on error (map unchanged).
 */
int capmap_adopt(struct capmap *map, uint64_t badge, uint32_t slot, uint32_t *held);
/* refcount + 1: the new count, CAPMAP_E_NOENT or CAPMAP_E_REFCOUNT. */
int capmap_ref(struct capmap *map, uint64_t badge);
/*
 * refcount - 1: the remaining count, or CAPMAP_E_NOENT. At 0 the entry is
 * removed and the caller frees the slot written to *slot (may be NULL).
 */
int capmap_unref(struct capmap *map, uint64_t badge, uint32_t *slot);
/* Removes the entry whatever its refcount; its slot goes to *slot (may be NULL). */
int capmap_remove(struct capmap *map, uint64_t badge, uint32_t *slot);

/* Iteration in ascending badge order: NULL past the end. */
struct capmap_entry *capmap_first(struct capmap *map);
struct capmap_entry *capmap_next(struct capmap *map, const struct capmap_entry *entry);

/*
 * What a restorer does per capability: the entry of old_badge gets new_badge
 * (slot and refcount kept) and the tree is re-linked. Same badge: no-op.
 * CAPMAP_OK, CAPMAP_E_NOENT (old absent) or CAPMAP_E_EXISTS (new present).
 */
int capmap_rekey(struct capmap *map, uint64_t old_badge, uint64_t new_badge);
/*
 * For an outsider that rewrote many entries in place: checks the header like
 * capmap_validate, then re-links the tree from the used entries' current badges
 * and re-chains the free list (ascending index). Only badge, slot and refcount
 * of the entries are read; links, heights, count, root and free_head are
 * recomputed. CAPMAP_E_EXISTS if two used entries share a badge (the map is
 * then inconsistent: fix the badges and rebuild again).
 */
int capmap_rebuild(struct capmap *map, size_t region_size);
/*
 * Full integrity check of a possibly foreign, possibly garbage copy of
 * region_size bytes: header, tree invariants, counts, free list, slots. Never
 * reads outside the region and always terminates. CAPMAP_OK or the first
 * problem found, as a CAPMAP_E_*.
 */
int capmap_validate(const struct capmap *map, size_t region_size);

/* Entry `index` (< capacity) of a map whose header is valid; for code that keeps
 * entries by position (the RPC object pool). */
struct capmap_entry *capmap_entry_at(const struct capmap *map, uint32_t index);

/* One badge of a translation table: what a restore maps each old badge to. */
struct badge_translation {
    uint64_t old_badge;
    uint64_t new_badge;
};

/* The translation of `badge` (the first one naming it as old), or NULL. */
const struct badge_translation *badge_translation_find(const struct badge_translation *tr,
                                                       size_t count, uint64_t badge);

/*
 * What a restorer does to a foreign copy: validates it (capmap_validate), then
 * gives every used entry the new badge of its translation (slot, refcount and
 * position kept), rebuilds the tree and validates again. All or nothing on the
 * badges' presence: an entry whose badge has no translation is
 * CAPMAP_E_UNTRANSLATED (its badge in *untranslated, may be NULL) before
 * anything is written. CAPMAP_E_EXISTS if two entries end with the same badge
 * (the copy is then rewritten but not written back by a careful caller). The
 * translation table must map each old badge once (the first match is used).
 */
int capmap_rekey_all(struct capmap *map, size_t region_size, const struct badge_translation *tr,
                     size_t count, uint64_t *untranslated);

/* "CAPMAP_E_FULL" ... for messages; "CAPMAP_E_UNKNOWN" for anything else. */
const char *capmap_error_name(int err);

#endif
