/*
 * Capability map (see capmap.h for the layout and its invariants).
 *
 * The header stores only the tree's root and count; every operation builds a
 * struct avl_tree view over the entry array, works on it and stores root and
 * count back (store_tree), so the region never holds a pointer.
 */
#include <ferry/macros.h>
#include "capmap.h"

#include <stdbool.h>
#include <string.h>

/* CAPMAP_STORAGE puts the entries right after the header, where capmap_init expects them. */
typedef CAPMAP_STORAGE(1) capmap_storage_one;
_Static_assert(offsetof(capmap_storage_one, entries) == sizeof(struct capmap),
               "CAPMAP_STORAGE layout");
_Static_assert(sizeof(struct capmap) % 8 == 0, "entries stay 8-byte aligned");

static struct capmap_entry *entries_of(const struct capmap *map)
{
    /* Casts away const: validate reads through the same helpers the mutators use. */
    return (struct capmap_entry *)(void *)((uint8_t *)(uintptr_t)map + map->entries_offset);
}

static void tree_view(const struct capmap *map, struct avl_tree *t)
{
    avl_init(t, entries_of(map), sizeof(struct capmap_entry), offsetof(struct capmap_entry, link),
             map->capacity);
    t->root = map->root;
    t->count = map->count;
}

static void store_tree(struct capmap *map, const struct avl_tree *t)
{
    map->root = t->root;
    map->count = t->count;
}

static struct capmap_entry *entry_or_null(const struct capmap *map, uint32_t index)
{
    return index == CAPMAP_NIL ? NULL : &entries_of(map)[index];
}

/* Puts entry `index` (off the tree) at the head of the free list. */
static void release_entry(struct capmap *map, uint32_t index)
{
    struct capmap_entry *e = &entries_of(map)[index];
    e->link.key = 0;
    e->slot = 0;
    e->refcount = 0;
    e->next_free = map->free_head;
    map->free_head = index;
}

static bool slot_in_range(uint32_t slot)
{
    return slot != 0 && slot < CAPMAP_SLOT_LIMIT;
}

int capmap_init(struct capmap *map, size_t region_size, uint32_t capacity)
{
    if (map == NULL || (uintptr_t)map % 8 != 0)
        return CAPMAP_E_ALIGN;
    if (capacity == 0 || capacity > CAPMAP_MAX_CAPACITY ||
        region_size < CAPMAP_REGION_SIZE(capacity))
        return CAPMAP_E_LAYOUT;
    map->magic = CAPMAP_MAGIC;
    map->version = CAPMAP_VERSION;
    map->entry_size = sizeof(struct capmap_entry);
    map->capacity = capacity;
    map->count = 0;
    map->root = CAPMAP_NIL;
    map->free_head = CAPMAP_NIL;
    map->entries_offset = sizeof(struct capmap);
    map->reserved = 0;
    struct capmap_entry *entries = entries_of(map);
    memset(entries, 0, (size_t)capacity * sizeof(struct capmap_entry));
    /* Chained from the top down so the list runs in ascending index order. */
    for (uint32_t i = capacity; i-- > 0;) {
        entries[i].link.left = CAPMAP_NIL;
        entries[i].link.right = CAPMAP_NIL;
        release_entry(map, i);
    }
    return CAPMAP_OK;
}

struct capmap_entry *capmap_find(struct capmap *map, uint64_t badge)
{
    struct avl_tree t;
    tree_view(map, &t);
    return entry_or_null(map, avl_find(&t, badge));
}

uint32_t capmap_slot(struct capmap *map, uint64_t badge)
{
    const struct capmap_entry *e = capmap_find(map, badge);
    return e == NULL ? 0 : e->slot;
}

uint32_t capmap_count(const struct capmap *map)
{
    return map->count;
}

int capmap_insert(struct capmap *map, uint64_t badge, uint32_t slot)
{
    if (!slot_in_range(slot))
        return CAPMAP_E_SLOT;
    if (capmap_find(map, badge) != NULL)
        return CAPMAP_E_EXISTS;
    uint32_t index = map->free_head;
    if (index == CAPMAP_NIL)
        return CAPMAP_E_FULL;
    struct capmap_entry *e = &entries_of(map)[index];
    map->free_head = e->next_free;
    e->link.key = badge;
    e->slot = slot;
    e->refcount = 1;
    e->next_free = CAPMAP_NIL;
    struct avl_tree t;
    tree_view(map, &t);
    avl_insert(&t, index); /* cannot fail: index < capacity, badge absent */
    store_tree(map, &t);
    return CAPMAP_OK;
}

int capmap_adopt(struct capmap *map, uint64_t badge, uint32_t slot, uint32_t *held)
{
    struct capmap_entry *e = capmap_find(map, badge);
    if (e == NULL) {
        int status = capmap_insert(map, badge, slot);
        if (status == CAPMAP_OK && held != NULL)
            *held = slot;
        return status;
    }
    if (e->refcount >= CAPMAP_REFCOUNT_MAX)
        return CAPMAP_E_REFCOUNT;
    e->refcount++;
    if (held != NULL)
        *held = e->slot;
    return 1;
}

int capmap_ref(struct capmap *map, uint64_t badge)
{
    struct capmap_entry *e = capmap_find(map, badge);
    if (e == NULL)
        return CAPMAP_E_NOENT;
    if (e->refcount >= CAPMAP_REFCOUNT_MAX)
        return CAPMAP_E_REFCOUNT;
    e->refcount++;
    return (int)e->refcount;
}

int capmap_unref(struct capmap *map, uint64_t badge, uint32_t *slot)
{
    struct capmap_entry *e = capmap_find(map, badge);
    if (e == NULL)
        return CAPMAP_E_NOENT;
    if (e->refcount > 1) {
        e->refcount--;
        return (int)e->refcount;
    }
    return capmap_remove(map, badge, slot);
}

int capmap_remove(struct capmap *map, uint64_t badge, uint32_t *slot)
{
    struct avl_tree t;
    tree_view(map, &t);
    uint32_t index = avl_remove(&t, badge);
    if (index == AVL_NIL)
        return CAPMAP_E_NOENT;
    store_tree(map, &t);
    if (slot != NULL)
        *slot = entries_of(map)[index].slot;
    release_entry(map, index);
    return CAPMAP_OK;
}

struct capmap_entry *capmap_first(struct capmap *map)
{
    struct avl_tree t;
    tree_view(map, &t);
    return entry_or_null(map, avl_first(&t));
}

struct capmap_entry *capmap_next(struct capmap *map, const struct capmap_entry *entry)
{
    struct avl_tree t;
    tree_view(map, &t);
    uint32_t index = (uint32_t)(entry - entries_of(map));
    return entry_or_null(map, avl_next(&t, index));
}

int capmap_rekey(struct capmap *map, uint64_t old_badge, uint64_t new_badge)
{
    if (capmap_find(map, old_badge) == NULL)
        return CAPMAP_E_NOENT;
    if (old_badge == new_badge)
        return CAPMAP_OK;
    if (capmap_find(map, new_badge) != NULL)
        return CAPMAP_E_EXISTS;
    struct avl_tree t;
    tree_view(map, &t);
    uint32_t index = avl_remove(&t, old_badge);
    entries_of(map)[index].link.key = new_badge;
    avl_insert(&t, index); /* cannot fail: new_badge absent */
    store_tree(map, &t);
    return CAPMAP_OK;
}

/* ---- untrusted maps: header, rebuild, validate ---- */

/* Everything the entry array's position depends on; after this, entries_of() stays inside. */
static int check_header(const struct capmap *map, size_t region_size)
{
    if (map == NULL || (uintptr_t)map % 8 != 0)
        return CAPMAP_E_ALIGN;
    if (region_size < sizeof(struct capmap))
        return CAPMAP_E_LAYOUT;
    if (map->magic != CAPMAP_MAGIC)
        return CAPMAP_E_MAGIC;
    if (map->version != CAPMAP_VERSION)
        return CAPMAP_E_VERSION;
    if (map->entry_size != sizeof(struct capmap_entry) || map->reserved != 0)
        return CAPMAP_E_LAYOUT;
    if (map->entries_offset < sizeof(struct capmap) || map->entries_offset % 8 != 0)
        return CAPMAP_E_LAYOUT;
    if (map->capacity == 0 || map->capacity > CAPMAP_MAX_CAPACITY)
        return CAPMAP_E_LAYOUT;
    /* 64-bit sum: offset < 2^32 and the array < 2^14 * 40 bytes, no overflow. */
    uint64_t end = (uint64_t)map->entries_offset + (uint64_t)map->capacity * map->entry_size;
    if (end > region_size)
        return CAPMAP_E_LAYOUT;
    return CAPMAP_OK;
}

int capmap_rebuild(struct capmap *map, size_t region_size)
{
    int status = check_header(map, region_size);
    if (status != CAPMAP_OK)
        return status;
    struct capmap_entry *entries = entries_of(map);
    struct avl_tree t;
    avl_init(&t, entries, sizeof(struct capmap_entry), offsetof(struct capmap_entry, link),
             map->capacity);
    map->free_head = CAPMAP_NIL;
    /* From the top down, so the free list ends up in ascending index order. */
    for (uint32_t i = map->capacity; i-- > 0;) {
        struct capmap_entry *e = &entries[i];
        e->link.left = CAPMAP_NIL;
        e->link.right = CAPMAP_NIL;
        e->link.height = 0;
        if (e->refcount == 0) {
            release_entry(map, i);
            continue;
        }
        e->next_free = CAPMAP_NIL;
        if (avl_insert(&t, i) != AVL_OK)
            status = CAPMAP_E_EXISTS; /* keep going: everything else is linked */
    }
    store_tree(map, &t);
    return status;
}

static int error_of_avl(int avl_status)
{
    switch (avl_status) {
    case AVL_E_INDEX:
        return CAPMAP_E_INDEX;
    case AVL_E_ORDER:
        return CAPMAP_E_TREE_ORDER;
    case AVL_E_HEIGHT:
        return CAPMAP_E_TREE_HEIGHT;
    case AVL_E_BALANCE:
        return CAPMAP_E_TREE_BALANCE;
    case AVL_E_DEPTH:
        return CAPMAP_E_TREE_CYCLE;
    case AVL_E_VISIT:
        return CAPMAP_E_TREE_FREE;
    default: /* AVL_E_COUNT */
        return CAPMAP_E_COUNT;
    }
}

/* Visitor of validate_tree: a node must be a used entry. */
static int reject_free_entry(void *map, uint32_t index)
{
    return entries_of(map)[index].refcount == 0;
}

/* The tree is well formed, holds `count` nodes, and all of them are used entries. */
static int validate_tree(const struct capmap *map)
{
    struct avl_tree t;
    tree_view(map, &t);
    int height = avl_check_each(&t, reject_free_entry, (void *)(uintptr_t)map);
    return height < 0 ? error_of_avl(height) : CAPMAP_OK;
}

/*
 * Per entry: refcount and slot in range, no slot twice, next_free NIL when
 * used, and exactly `count` used entries (which, with validate_tree, makes the
 * used entries exactly the tree's nodes).
 */
static int validate_entries(const struct capmap *map)
{
    uint64_t slot_seen[CAPMAP_SLOT_LIMIT / 64];
    memset(slot_seen, 0, sizeof(slot_seen));
    const struct capmap_entry *entries = entries_of(map);
    uint32_t used = 0;
    for (uint32_t i = 0; i < map->capacity; i++) {
        const struct capmap_entry *e = &entries[i];
        if (e->refcount == 0)
            continue;
        used++;
        if (e->refcount > CAPMAP_REFCOUNT_MAX)
            return CAPMAP_E_REFCOUNT;
        if (!slot_in_range(e->slot))
            return CAPMAP_E_SLOT;
        uint64_t bit = 1ull << (e->slot % 64);
        if (slot_seen[e->slot / 64] & bit)
            return CAPMAP_E_SLOT_DUP;
        slot_seen[e->slot / 64] |= bit;
        if (e->next_free != CAPMAP_NIL)
            return CAPMAP_E_FREE_LIST;
    }
    return used == map->count ? CAPMAP_OK : CAPMAP_E_COUNT;
}

/*
 * The free list holds only free entries and all of them. With exactly
 * capacity - count free entries (validate_entries), a walk that reaches NIL
 * within that many steps visited distinct entries (a repeat would loop
 * forever), hence every free entry; one that does not is a cycle.
 */
static int validate_free_list(const struct capmap *map)
{
    const struct capmap_entry *entries = entries_of(map);
    const uint64_t capacity = map->capacity;
    uint32_t left = map->capacity - map->count; /* free entries not reached yet */
    _Static_assert(CAPMAP_NIL >= CAPMAP_MAX_CAPACITY, "NIL is never an index");
    /* a 64-bit index: no zero-extension per step (the walk is most of a validation) */
    for (uint64_t i = map->free_head;; i = entries[i].next_free) {
        if (i >= capacity) /* one test per step for the end and a bad index */
            return i != CAPMAP_NIL ? CAPMAP_E_INDEX : left == 0 ? CAPMAP_OK : CAPMAP_E_FREE_LIST;
        if (entries[i].refcount != 0)
            return CAPMAP_E_FREE_LIST;
        if (left-- == 0)
            return CAPMAP_E_FREE_CYCLE;
    }
}

int capmap_validate(const struct capmap *map, size_t region_size)
{
    int status = check_header(map, region_size);
    if (status != CAPMAP_OK)
        return status;
    if (map->count > map->capacity)
        return CAPMAP_E_COUNT;
    status = validate_tree(map);
    if (status != CAPMAP_OK)
        return status;
    status = validate_entries(map);
    if (status != CAPMAP_OK)
        return status;
    return validate_free_list(map);
}

struct capmap_entry *capmap_entry_at(const struct capmap *map, uint32_t index)
{
    return &entries_of(map)[index];
}

const struct badge_translation *badge_translation_find(const struct badge_translation *tr,
                                                       size_t count, uint64_t badge)
{
    for (size_t i = 0; i < count; i++)
        if (tr[i].old_badge == badge)
            return &tr[i];
    return NULL;
}

int capmap_rekey_all(struct capmap *map, size_t region_size, const struct badge_translation *tr,
                     size_t count, uint64_t *untranslated)
{
    int status = capmap_validate(map, region_size);
    if (status != CAPMAP_OK)
        return status;
    struct capmap_entry *entries = entries_of(map);
    /* decode: every used badge has a translation, before anything is written */
    for (uint32_t i = 0; i < map->capacity; i++) {
        if (entries[i].refcount != 0 && !badge_translation_find(tr, count, entries[i].link.key)) {
            if (untranslated)
                *untranslated = entries[i].link.key;
            return CAPMAP_E_UNTRANSLATED;
        }
    }
    for (uint32_t i = 0; i < map->capacity; i++)
        if (entries[i].refcount != 0)
            entries[i].link.key = badge_translation_find(tr, count, entries[i].link.key)->new_badge;
    status = capmap_rebuild(map, region_size);
    return status != CAPMAP_OK ? status : capmap_validate(map, region_size);
}

const char *capmap_error_name(int err)
{
    static const char *const names[] = {
        [-CAPMAP_OK] = "CAPMAP_OK",
        [-CAPMAP_E_EXISTS] = "CAPMAP_E_EXISTS",
        [-CAPMAP_E_NOENT] = "CAPMAP_E_NOENT",
        [-CAPMAP_E_FULL] = "CAPMAP_E_FULL",
        [-CAPMAP_E_SLOT] = "CAPMAP_E_SLOT",
        [-CAPMAP_E_REFCOUNT] = "CAPMAP_E_REFCOUNT",
        [-CAPMAP_E_ALIGN] = "CAPMAP_E_ALIGN",
        [-CAPMAP_E_MAGIC] = "CAPMAP_E_MAGIC",
        [-CAPMAP_E_VERSION] = "CAPMAP_E_VERSION",
        [-CAPMAP_E_LAYOUT] = "CAPMAP_E_LAYOUT",
        [-CAPMAP_E_COUNT] = "CAPMAP_E_COUNT",
        [-CAPMAP_E_INDEX] = "CAPMAP_E_INDEX",
        [-CAPMAP_E_TREE_ORDER] = "CAPMAP_E_TREE_ORDER",
        [-CAPMAP_E_TREE_HEIGHT] = "CAPMAP_E_TREE_HEIGHT",
        [-CAPMAP_E_TREE_BALANCE] = "CAPMAP_E_TREE_BALANCE",
        [-CAPMAP_E_TREE_CYCLE] = "CAPMAP_E_TREE_CYCLE",
        [-CAPMAP_E_TREE_FREE] = "CAPMAP_E_TREE_FREE",
        [-CAPMAP_E_FREE_LIST] = "CAPMAP_E_FREE_LIST",
        [-CAPMAP_E_FREE_CYCLE] = "CAPMAP_E_FREE_CYCLE",
        [-CAPMAP_E_SLOT_DUP] = "CAPMAP_E_SLOT_DUP",
        [-CAPMAP_E_UNTRANSLATED] = "CAPMAP_E_UNTRANSLATED",
    };
    if (err > 0 || err <= -(int)(ARRAY_SIZE(names)))
        return "CAPMAP_E_UNKNOWN";
    return names[-err];
}
