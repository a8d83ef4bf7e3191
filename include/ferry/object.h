/*
 * Kernel object types and capability rights, as user space sees them.
 */
#ifndef FERRY_OBJECT_H
#define FERRY_OBJECT_H

enum ferry_obj_type {
    FERRY_OBJ_NONE = 0, /* empty slot */
    FERRY_OBJ_TASK = 1,
    FERRY_OBJ_THREAD = 2,
    FERRY_OBJ_GATE = 3,
    FERRY_OBJ_IRQ = 4,
    FERRY_OBJ_FACTORY = 5,
    FERRY_OBJ_MEMORY = 6, /* a range of physical memory (RAM or device) */
    FERRY_OBJ_TYPE_COUNT
};

/*
 * Rights of a capability. A map or a transfer can only keep or drop
 * rights, never add them: new = source & requested.
 *   R  read:  introspect a task, read thread state, wait on an IRQ, map readable
 *   W  write: change the object (map into a task, control a thread, send on a
 *             gate, trigger an IRQ, create from a factory), map writable
 *   X  exec:  map executable (memory only)
 *   G  grant: capabilities may travel in messages sent through this gate
 */
#define FERRY_RIGHT_R   0x1u
#define FERRY_RIGHT_W   0x2u
#define FERRY_RIGHT_X   0x4u
#define FERRY_RIGHT_G   0x8u
#define FERRY_RIGHTS_ALL 0xfu

#endif
