/*
 * AVL tree over a caller-provided array, linked by 32-bit index.
 *
 * Nodes are elements of one array (base, stride bytes apart) that each embed a
 * struct avl_link at link_offset. Children are array indices, never pointers,
 * so a tree is position-independent: a checkpointer can copy the array out of
 * one address space, rewrite keys, re-link it and write it back at another
 * address. The tree never allocates; it only links elements the caller owns.
 *
 * Keys are unique uint64_t values ordered as unsigned integers.
 *
 * Trust: avl_find/insert/remove/first/next assume a valid tree (the owner's
 * own, or one avl_check() accepted). avl_check() assumes nothing: every index
 * is bounds-checked and the walk is depth-limited, so it terminates without a
 * fault on any content of the array.
 *
 * Insert and remove remember their way down (at most AVL_MAX_HEIGHT nodes; a
 * deeper one is not a valid tree and changes nothing); the check's recursion
 * is bounded the same way.
 */
#ifndef FERRY_LIB_BASE_AVL_H
#define FERRY_LIB_BASE_AVL_H

#include <stdint.h>

/* "No node": an empty subtree, the end of an iteration, "not found". */
#define AVL_NIL 0xffffffffu

/*
 * Highest possible AVL tree with fewer than 2^32 nodes: the sparsest AVL tree
 * of height h has Fib(h + 2) - 1 nodes, and Fib(48) - 1 > 2^32 - 1.
 */
#define AVL_MAX_HEIGHT 45

/* Embedded in every element. 24 bytes, 8-byte aligned (offsets in the comments). */
struct avl_link {
    uint64_t key;      /* 0: set by the caller before avl_insert; unique in the tree */
    uint32_t left;     /* 8: index of the subtree with smaller keys, or AVL_NIL */
    uint32_t right;    /* 12: index of the subtree with larger keys, or AVL_NIL */
    int32_t height;    /* 16: nodes on the longest path down to a leaf (a leaf: 1); 0 off-tree */
    uint32_t reserved; /* 20: 0 (keeps the size a multiple of 8) */
};

/*
 * The view of one tree. Only root and count describe the tree itself; owners
 * that keep the tree in shared memory store those two and rebuild the view.
 * Invariants (checked by avl_check): every linked index < capacity; in-order
 * keys strictly increasing; heights exact; |height(left) - height(right)| <= 1
 * at every node; count = number of nodes reachable from root.
 */
struct avl_tree {
    uint8_t *base;        /* element 0 */
    uint32_t stride;      /* bytes from one element to the next (multiple of 8) */
    uint32_t link_offset; /* offset of struct avl_link inside an element (multiple of 8) */
    uint32_t capacity;    /* elements in the array; indices >= capacity are invalid */
    uint32_t root;        /* index of the root, AVL_NIL when empty */
    uint32_t count;       /* nodes in the tree */
};

enum avl_error {
    AVL_OK = 0,
    AVL_E_EXISTS = -1,  /* avl_insert: the key is already in the tree */
    AVL_E_INDEX = -2,   /* an index >= capacity (argument, root or child link) */
    AVL_E_ORDER = -3,   /* check: in-order keys not strictly increasing (misplaced or duplicate
                           key, or one node reached twice through a shared or cyclic link) */
    AVL_E_HEIGHT = -4,  /* check: a stored height differs from the real one */
    AVL_E_BALANCE = -5, /* check: subtree heights differ by more than one */
    AVL_E_DEPTH = -6,   /* check: deeper than AVL_MAX_HEIGHT: a cycle of links */
    AVL_E_COUNT = -7,   /* check: count differs from the number of reachable nodes */
    AVL_E_VISIT = -8,   /* check: the caller's visitor rejected a node */
};

/* Called by avl_check_each for every node, in key order: 0 to go on, nonzero to stop. */
typedef int (*avl_visit_fn)(void *context, uint32_t index);

/* An empty tree over `capacity` elements; base + link_offset must be 8-byte aligned. */
void avl_init(struct avl_tree *t, void *base, uint32_t stride, uint32_t link_offset,
              uint32_t capacity);
/* The link embedded in element `index` (index < capacity). */
struct avl_link *avl_link_at(const struct avl_tree *t, uint32_t index);

/* Index of the node holding `key`, or AVL_NIL. */
uint32_t avl_find(const struct avl_tree *t, uint64_t key);
/* The same below `node` instead of t->root: for a tree whose root lives
 * elsewhere (the RPC pool reads it from its index on every lookup, since a
 * checkpointer may have rebuilt the index). */
uint32_t avl_find_below(const struct avl_tree *t, uint32_t node, uint64_t key);
/*
 * Links element `index`, whose link.key the caller has set, into the tree; its
 * left/right/height are overwritten. AVL_OK, AVL_E_EXISTS (tree and element unchanged) or
 * AVL_E_INDEX. The element must not already be in the tree.
 */
int avl_insert(struct avl_tree *t, uint32_t index);
/* Unlinks the node holding `key`: its index, or AVL_NIL if absent (tree unchanged). */
uint32_t avl_remove(struct avl_tree *t, uint64_t key);

/* In-order iteration: smallest key first; AVL_NIL past the end. */
uint32_t avl_first(const struct avl_tree *t);
/* The node with the smallest key greater than element `index`'s key. O(height), no parent links. */
uint32_t avl_next(const struct avl_tree *t, uint32_t index);

/* Full invariant check (see struct avl_tree). The tree's height (0 when empty), or AVL_E_*. */
int avl_check(const struct avl_tree *t);
/*
 * avl_check that also hands every node, once its index and key order are
 * checked, to visit (may be NULL): a per-node check of the caller's own
 * fields in the same single pass. A nonzero visit result ends it with AVL_E_VISIT.
 */
int avl_check_each(const struct avl_tree *t, avl_visit_fn visit, void *context);
/* "AVL_E_ORDER" ... for messages; "AVL_E_UNKNOWN" for anything else. */
const char *avl_error_name(int err);

#endif
