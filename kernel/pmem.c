#include "pmem.h"
#include "klib.h"

/*
 * Frames: a bump pointer over the untouched part of the pool plus a free
 * list threaded through freed frames. Small objects: power-of-two size
 * classes from 64 bytes to one page, each with its own free list, refilled
 * a frame at a time. Freed small objects go back to their class, never to
 * the frame list (no coalescing: simple and bounded).
 */
struct free_node {
    struct free_node *next;
};

static uint64_t bump, pool_end;
static struct free_node *free_frames;
static uint64_t free_frame_count;

#define CLASS_MIN_SHIFT 6 /* 64 bytes */
#define CLASS_COUNT     7 /* 64 .. 4096 */
static struct free_node *class_free[CLASS_COUNT];

void pmem_init(uint64_t start, uint64_t end)
{
    bump = ALIGN_UP(start, PAGE_SIZE);
    pool_end = end & ~(PAGE_SIZE - 1);
}

void *frame_alloc(void)
{
    void *frame = NULL;
    if (free_frames) {
        frame = free_frames;
        free_frames = free_frames->next;
        free_frame_count--;
    } else if (bump < pool_end) {
        frame = (void *)bump;
        bump += PAGE_SIZE;
    }
    if (frame)
        memset(frame, 0, PAGE_SIZE);
    return frame;
}

void frame_free(void *frame)
{
    struct free_node *node = frame;
    node->next = free_frames;
    free_frames = node;
    free_frame_count++;
}

static unsigned size_class(size_t size)
{
    unsigned c = 0;
    while ((1ul << (c + CLASS_MIN_SHIFT)) < size)
        c++;
    return c;
}

void *kmem_alloc(size_t size)
{
    KASSERT(size > 0 && size <= PAGE_SIZE);
    unsigned c = size_class(size);
    size_t obj_size = 1ul << (c + CLASS_MIN_SHIFT);
    if (!class_free[c]) {
        uint8_t *frame = frame_alloc();
        if (!frame)
            return NULL;
        for (size_t off = 0; off < PAGE_SIZE; off += obj_size) {
            struct free_node *node = (struct free_node *)(frame + off);
            node->next = class_free[c];
            class_free[c] = node;
        }
    }
    struct free_node *obj = class_free[c];
    class_free[c] = obj->next;
    memset(obj, 0, obj_size);
    return obj;
}

void kmem_free(void *obj, size_t size)
{
    unsigned c = size_class(size);
    struct free_node *node = obj;
    node->next = class_free[c];
    class_free[c] = node;
}

uint64_t pmem_free_bytes(void)
{
    return (pool_end - bump) + free_frame_count * PAGE_SIZE;
}
