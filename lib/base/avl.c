/*
 * AVL tree linked by array index (see avl.h for the layout and trust rules).
 *
 * Insert and remove walk down from the root, remembering the way (struct
 * avl_path: nodes and the links that point at them, so no parent links are
 * needed), change the bottom, and rebalance back up only as far as heights
 * change.
 */
#include <ferry/macros.h>
#include "avl.h"

#include <stdbool.h>
#include <stddef.h>

void avl_init(struct avl_tree *t, void *base, uint32_t stride, uint32_t link_offset,
              uint32_t capacity)
{
    t->base = base;
    t->stride = stride;
    t->link_offset = link_offset;
    t->capacity = capacity;
    t->root = AVL_NIL;
    t->count = 0;
}

struct avl_link *avl_link_at(const struct avl_tree *t, uint32_t index)
{
    return (struct avl_link *)(void *)(t->base + (size_t)index * t->stride + t->link_offset);
}

static int32_t height_of(const struct avl_tree *t, uint32_t index)
{
    return index == AVL_NIL ? 0 : avl_link_at(t, index)->height;
}

/* height(left) - height(right) */
static int32_t balance_of(const struct avl_tree *t, uint32_t index)
{
    const struct avl_link *n = avl_link_at(t, index);
    return height_of(t, n->left) - height_of(t, n->right);
}

static void update_height(const struct avl_tree *t, uint32_t index)
{
    struct avl_link *n = avl_link_at(t, index);
    int32_t left = height_of(t, n->left);
    int32_t right = height_of(t, n->right);
    n->height = (left > right ? left : right) + 1;
}

/* The left child becomes the subtree root; returns it. */
static uint32_t rotate_right(const struct avl_tree *t, uint32_t index)
{
    struct avl_link *n = avl_link_at(t, index);
    uint32_t pivot = n->left;
    struct avl_link *p = avl_link_at(t, pivot);
    n->left = p->right;
    p->right = index;
    update_height(t, index);
    update_height(t, pivot);
    return pivot;
}

/* The right child becomes the subtree root; returns it. */
static uint32_t rotate_left(const struct avl_tree *t, uint32_t index)
{
    struct avl_link *n = avl_link_at(t, index);
    uint32_t pivot = n->right;
    struct avl_link *p = avl_link_at(t, pivot);
    n->right = p->left;
    p->left = index;
    update_height(t, index);
    update_height(t, pivot);
    return pivot;
}

/* rebalance's rotations, for a node whose heights differ by 2 (`balance`):
 * out of line, so that the common case saves no registers. */
static __attribute__((noinline)) uint32_t rotate_to_balance(const struct avl_tree *t,
                                                            uint32_t index, int32_t balance)
{
    struct avl_link *n = avl_link_at(t, index);
    if (balance > 1) {
        if (balance_of(t, n->left) < 0)
            n->left = rotate_left(t, n->left);
        return rotate_right(t, index);
    }
    if (balance_of(t, n->right) > 0)
        n->right = rotate_right(t, n->right);
    return rotate_left(t, index);
}

/*
 * Restores the AVL property at `index`, whose subtrees are valid AVL trees
 * with heights differing by at most 2. Returns the new subtree root.
 */
static inline uint32_t rebalance(const struct avl_tree *t, uint32_t index)
{
    struct avl_link *n = avl_link_at(t, index);
    int32_t left = height_of(t, n->left), right = height_of(t, n->right);
    n->height = (left > right ? left : right) + 1; /* update_height with the heights at hand */
    int32_t balance = left - right;
    if (balance > 1 || balance < -1)
        return rotate_to_balance(t, index, balance);
    return index;
}

uint32_t avl_find(const struct avl_tree *t, uint64_t key)
{
    return avl_find_below(t, t->root, key);
}

uint32_t avl_find_below(const struct avl_tree *t, uint32_t node, uint64_t key)
{
    while (node != AVL_NIL) {
        const struct avl_link *n = avl_link_at(t, node);
        if (key == n->key)
            return node;
        node = key < n->key ? n->left : n->right;
    }
    return AVL_NIL;
}

/*
 * The way down from the root to a node: the nodes passed, and for each the
 * link that points at it (t->root or a parent's left or right), which the way
 * back up rewrites when a rotation gives the subtree a new root.
 */
struct avl_path {
    uint32_t node[AVL_MAX_HEIGHT];
    uint32_t *link[AVL_MAX_HEIGHT];
    unsigned depth;
};

/*
 * After a change below the path's deepest node: rebalances the path's nodes
 * from the deepest up, and stops at the first whose subtree ends as high as
 * it was before (its stored height until rebalance rewrites it): nothing
 * above it can change then, since a node's height and balance depend only on
 * its children's heights.
 */
static void rebalance_up(const struct avl_tree *t, struct avl_path *p)
{
    while (p->depth > 0) {
        unsigned d = --p->depth;
        uint32_t node = p->node[d];
        int32_t before = avl_link_at(t, node)->height;
        uint32_t top = rebalance(t, node);
        if (top != node)
            *p->link[d] = top;
        if (avl_link_at(t, top)->height == before)
            return;
    }
}

int avl_insert(struct avl_tree *t, uint32_t index)
{
    if (index >= t->capacity)
        return AVL_E_INDEX;
    struct avl_link *n = avl_link_at(t, index);
    /* The way down; a duplicate (even `index` itself) leaves every link untouched. */
    struct avl_path p; /* only the first `depth` entries are defined: no memset */
    p.depth = 0;
    uint32_t *link = &t->root;
    while (*link != AVL_NIL) {
        struct avl_link *at = avl_link_at(t, *link);
        if (n->key == at->key)
            return AVL_E_EXISTS;
        if (p.depth == AVL_MAX_HEIGHT)
            return AVL_E_DEPTH; /* not a valid tree: nothing changed */
        p.node[p.depth] = *link;
        p.link[p.depth++] = link;
        link = n->key < at->key ? &at->left : &at->right;
    }
    n->left = AVL_NIL;
    n->right = AVL_NIL;
    n->height = 1;
    *link = index;
    rebalance_up(t, &p);
    t->count++;
    return AVL_OK;
}

uint32_t avl_remove(struct avl_tree *t, uint64_t key)
{
    struct avl_path p; /* only the first `depth` entries are defined: no memset */
    p.depth = 0;
    uint32_t *link = &t->root;
    while (*link != AVL_NIL && avl_link_at(t, *link)->key != key) {
        struct avl_link *at = avl_link_at(t, *link);
        if (p.depth == AVL_MAX_HEIGHT)
            return AVL_NIL; /* not a valid tree: nothing changed */
        p.node[p.depth] = *link;
        p.link[p.depth++] = link;
        link = key < at->key ? &at->left : &at->right;
    }
    uint32_t removed = *link;
    if (removed == AVL_NIL)
        return AVL_NIL;
    struct avl_link *n = avl_link_at(t, removed);
    if (n->left == AVL_NIL || n->right == AVL_NIL) {
        *link = n->left == AVL_NIL ? n->right : n->left;
    } else {
        /* Two children: the in-order successor (the right subtree's leftmost
         * node) is unlinked and takes the node's place, links and height. The
         * way down to its old parent continues below that place. */
        if (p.depth == AVL_MAX_HEIGHT)
            return AVL_NIL; /* not a valid tree: nothing changed */
        unsigned at_removed = p.depth++;
        uint32_t *down = &n->right;
        while (avl_link_at(t, *down)->left != AVL_NIL) {
            if (p.depth == AVL_MAX_HEIGHT)
                return AVL_NIL; /* not a valid tree: nothing changed */
            p.node[p.depth] = *down;
            p.link[p.depth++] = down;
            down = &avl_link_at(t, *down)->left;
        }
        uint32_t successor = *down;
        struct avl_link *s = avl_link_at(t, successor);
        *down = s->right; /* (n->right itself if the successor is its right child) */
        s->left = n->left;
        s->right = n->right;
        s->height = n->height;
        *link = successor;
        p.node[at_removed] = successor;
        p.link[at_removed] = link;
        if (p.depth > at_removed + 1)
            p.link[at_removed + 1] = &s->right;
    }
    rebalance_up(t, &p);
    /* An unlinked element carries no stale links (height 0 = off-tree). */
    n->left = AVL_NIL;
    n->right = AVL_NIL;
    n->height = 0;
    t->count--;
    return removed;
}

uint32_t avl_first(const struct avl_tree *t)
{
    uint32_t node = t->root;
    if (node == AVL_NIL)
        return AVL_NIL;
    while (avl_link_at(t, node)->left != AVL_NIL)
        node = avl_link_at(t, node)->left;
    return node;
}

uint32_t avl_next(const struct avl_tree *t, uint32_t index)
{
    uint64_t key = avl_link_at(t, index)->key;
    uint32_t successor = AVL_NIL;
    uint32_t node = t->root;
    /* The last node where the search for `key` turned left is the successor. */
    while (node != AVL_NIL) {
        const struct avl_link *n = avl_link_at(t, node);
        if (n->key > key) {
            successor = node;
            node = n->left;
        } else {
            node = n->right;
        }
    }
    return successor;
}

/* ---- checking an untrusted tree ---- */

struct check_walk {
    const struct avl_tree *tree;
    avl_visit_fn visit; /* may be NULL */
    void *context;
    uint32_t visited; /* nodes passed in order so far */
    bool have_previous;
    uint64_t previous; /* key of the last node passed in order */
};

/* Records `key` as the next in-order key. */
static int check_in_order(struct check_walk *w, uint64_t key)
{
    if (w->have_previous && key <= w->previous)
        return AVL_E_ORDER;
    w->have_previous = true;
    w->previous = key;
    /* More nodes than count: stop now rather than walk a huge shared structure. */
    if (++w->visited > w->tree->count)
        return AVL_E_COUNT;
    return AVL_OK;
}

/*
 * Height of the subtree at `node`, `depth` levels below the root, or AVL_E_*.
 * Every error returns at once, so the walk visits at most count + 1 nodes in
 * order, each at most AVL_MAX_HEIGHT levels down: it ends on any input.
 */
static int check_subtree(struct check_walk *w, uint32_t node, int depth)
{
    if (node == AVL_NIL)
        return 0;
    if (node >= w->tree->capacity)
        return AVL_E_INDEX;
    if (depth >= AVL_MAX_HEIGHT)
        return AVL_E_DEPTH;
    const struct avl_link *n = avl_link_at(w->tree, node);
    int left = check_subtree(w, n->left, depth + 1);
    if (left < 0)
        return left;
    int status = check_in_order(w, n->key);
    if (status != AVL_OK)
        return status;
    if (w->visit != NULL && w->visit(w->context, node) != 0)
        return AVL_E_VISIT;
    int right = check_subtree(w, n->right, depth + 1);
    if (right < 0)
        return right;
    int height = (left > right ? left : right) + 1;
    if (n->height != height)
        return AVL_E_HEIGHT;
    if (left - right > 1 || right - left > 1)
        return AVL_E_BALANCE;
    return height;
}

int avl_check(const struct avl_tree *t)
{
    return avl_check_each(t, NULL, NULL);
}

int avl_check_each(const struct avl_tree *t, avl_visit_fn visit, void *context)
{
    struct check_walk w = {.tree = t, .visit = visit, .context = context};
    int height = check_subtree(&w, t->root, 0);
    if (height < 0)
        return height;
    if (w.visited != t->count)
        return AVL_E_COUNT;
    return height;
}

const char *avl_error_name(int err)
{
    static const char *const names[] = {
        [-AVL_OK] = "AVL_OK",
        [-AVL_E_EXISTS] = "AVL_E_EXISTS",
        [-AVL_E_INDEX] = "AVL_E_INDEX",
        [-AVL_E_ORDER] = "AVL_E_ORDER",
        [-AVL_E_HEIGHT] = "AVL_E_HEIGHT",
        [-AVL_E_BALANCE] = "AVL_E_BALANCE",
        [-AVL_E_DEPTH] = "AVL_E_DEPTH",
        [-AVL_E_COUNT] = "AVL_E_COUNT",
        [-AVL_E_VISIT] = "AVL_E_VISIT",
    };
    if (err > 0 || err <= -(int)(ARRAY_SIZE(names)))
        return "AVL_E_UNKNOWN";
    return names[-err];
}
