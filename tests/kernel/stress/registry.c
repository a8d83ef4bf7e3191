/*
 * What the root knows about each kernel object, by object id (ids are small,
 * sequential and never reused). Random calls shuffle capabilities between
 * slots and tasks, so the safety rules ask "which object is this?" (via
 * TASK_CAP_INFO) instead of trusting slot numbers.
 */
#include "stress.h"

#define REG_IDS 16384

struct obj_info {
    uint8_t known;
    uint8_t type;
    uint8_t mem;        /* enum mem_kind */
    uint8_t dangerous;  /* may reach victim tasks with R rights only */
    uint8_t protected_; /* thread the test depends on */
    uint32_t task;      /* thread: its task's id */
    uint32_t receiver;  /* gate: its thread's id */
};

static struct obj_info reg[REG_IDS];
static uint64_t root_task_id, root_thread_id, echo_thread_id;

uint64_t victim_window_offset, victim_window_pages;
uint64_t image_start, image_end;

bool sel_lookup(uint64_t sel, struct sel_info *out)
{
    struct sys_cap_info info;
    if (sys_task_cap_info(FERRY_ROOT_SEL_TASK, sel, &info) != FERRY_OK ||
        info.type == FERRY_OBJ_NONE)
        return false;
    *out = (struct sel_info){info.type, info.rights, info.id};
    return true;
}

uint64_t sel_id(uint64_t sel)
{
    struct sel_info info;
    return sel_lookup(sel, &info) ? info.id : 0;
}

static struct obj_info *entry(uint64_t id)
{
    return id && id < REG_IDS ? &reg[id] : 0;
}

static void note(uint64_t sel, enum mem_kind mem, bool dangerous)
{
    struct sel_info info;
    if (!sel_lookup(sel, &info))
        return;
    struct obj_info *e = entry(info.id);
    CHECK(e, "object id %lu of slot %lu beyond the registry", (unsigned long)info.id,
          (unsigned long)sel);
    *e = (struct obj_info){.known = 1, .type = (uint8_t)info.type, .mem = (uint8_t)mem,
                           .dangerous = dangerous};
}

void reg_init(const struct ferry_bootinfo *bi)
{
    root_task_id = sel_id(FERRY_ROOT_SEL_TASK);
    root_thread_id = sel_id(FERRY_ROOT_SEL_THREAD);
    CHECK(root_task_id && root_thread_id, "root task/thread ids unknown");
    note(FERRY_ROOT_SEL_TASK, MEM_NONE, true);
    note(FERRY_ROOT_SEL_THREAD, MEM_NONE, true);
    reg[root_thread_id].task = (uint32_t)root_task_id;
    reg[root_thread_id].protected_ = 1;
    note(FERRY_ROOT_SEL_FACTORY, MEM_NONE, true);
    note(FERRY_ROOT_SEL_INITRD, MEM_FREE, false);
    note(FERRY_ROOT_SEL_IMAGE, MEM_NO_WRITE, true);
    for (unsigned i = 0; i < bi->ram_count; i++)
        note(bi->ram[i].sel, i == 0 ? MEM_RAM0 : MEM_FREE, i == 0);
    for (unsigned i = 0; i < bi->device_count; i++)
        note(bi->devices[i].sel, MEM_NO_WRITE, true);

    /* victims may write the last 2 MiB of ram[0]; the runtime's heap grows
     * from its start and stays far below */
    victim_window_pages = 512;
    victim_window_offset = bi->ram[0].size - victim_window_pages * FERRY_PAGE_SIZE;
    image_start = bi->image_vaddr;
    image_end = bi->image_vaddr + bi->image_size;
}

void reg_created(uint64_t type, uint64_t dest, uint64_t task_id, uint64_t receiver_id)
{
    struct sel_info info;
    if (!sel_lookup(dest, &info))
        return;
    struct obj_info *e = entry(info.id);
    if (!e)
        return; /* unknown ids count as dangerous: the safe default */
    bool root_side = type == FERRY_OBJ_THREAD && (task_id == root_task_id || !entry(task_id) ||
                                                  !reg[task_id].known);
    *e = (struct obj_info){.known = 1, .type = (uint8_t)type, .mem = MEM_NONE,
                           .dangerous = root_side, .task = (uint32_t)task_id,
                           .receiver = (uint32_t)receiver_id};
}

void reg_protect_thread(uint64_t sel)
{
    uint64_t id = sel_id(sel);
    CHECK(entry(id), "protected thread in slot %lu unknown", (unsigned long)sel);
    reg[id] = (struct obj_info){.known = 1, .type = FERRY_OBJ_THREAD, .dangerous = 1,
                                .protected_ = 1, .task = (uint32_t)root_task_id};
}

uint64_t reg_root_task_id(void)
{
    return root_task_id;
}

uint64_t reg_root_thread_id(void)
{
    return root_thread_id;
}

bool reg_is_protected_thread(uint64_t id)
{
    struct obj_info *e = entry(id);
    return !e || !e->known || e->protected_;
}

bool reg_is_root_side_thread(uint64_t id)
{
    struct obj_info *e = entry(id);
    return !e || !e->known || e->task == root_task_id || e->protected_;
}

bool reg_is_dangerous(uint64_t id)
{
    struct obj_info *e = entry(id);
    return !e || !e->known || e->dangerous;
}

enum mem_kind reg_mem_kind(uint64_t id)
{
    struct obj_info *e = entry(id);
    if (!e || !e->known)
        return MEM_NO_WRITE;
    return (enum mem_kind)e->mem;
}

uint64_t reg_gate_receiver(uint64_t id)
{
    struct obj_info *e = entry(id);
    return e && e->known && e->type == FERRY_OBJ_GATE ? e->receiver : 0;
}

uint64_t reg_echo_thread_id(void)
{
    return echo_thread_id;
}

void reg_set_echo(uint64_t thread_id)
{
    echo_thread_id = thread_id;
}
