/* Intrusive doubly linked lists (circular, with a head node). */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <ferry/macros.h>

struct list {
    struct list *prev, *next;
};

static inline void list_init(struct list *head)
{
    head->prev = head->next = head;
}

static inline bool list_empty(const struct list *head)
{
    return head->next == head;
}

/* A node not on any list points to itself (after list_init or list_remove). */
static inline bool list_linked(const struct list *node)
{
    return node->next != node;
}

static inline void list_insert_between(struct list *node, struct list *prev, struct list *next)
{
    node->prev = prev;
    node->next = next;
    prev->next = node;
    next->prev = node;
}

static inline void list_push_back(struct list *head, struct list *node)
{
    list_insert_between(node, head->prev, head);
}

static inline void list_push_front(struct list *head, struct list *node)
{
    list_insert_between(node, head, head->next);
}

static inline void list_remove(struct list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    list_init(node);
}

#endif
