/*
 * Unit tests for the interface declarations (include/ferry/iface/) and
 * their signature tables (lib/base/ifaces.c): in every interface the
 * opcodes are unique, each operation's IN_WORDS is the size of its _in
 * structure and its IN_CAPS the number of its named capability arguments,
 * and every operation of every interface is reachable by number (what a
 * forwarder relies on).
 *
 * The expectations below are written from the structures and capability
 * enums, not from the X-macro lists: a list entry with a stale word count,
 * an operation added without its layout, or a duplicated opcode fails here.
 */
// host-sources: lib/base/ifaces.c
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ferry/iface/block.h>
#include <ferry/iface/cpu.h>
#include <ferry/iface/dataspace.h>
#include <ferry/iface/device.h>
#include <ferry/iface/log.h>
#include <ferry/iface/nic.h>
#include <ferry/iface/pager.h>
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/rom.h>
#include <ferry/iface/store.h>
#include <ferry/iface/timer.h>
#include <ferry/ifaces.h>
#include <ferry/macros.h>

/* What one operation must take: words of its _in structure, capability arguments. */
struct expect {
    unsigned iface, opcode, words, caps;
    const char *name;
};

#define IN(iface, op, type, caps)                                                                  \
    {                                                                                              \
        iface, op, FERRY_RPC_WORDS(type), caps, #op                                                \
    }
#define NONE(iface, op, caps)                                                                      \
    {                                                                                              \
        iface, op, 0, caps, #op                                                                    \
    }

static const struct expect expected[] = {
    IN(FERRY_IFACE_PD, FERRY_PD_ALLOC_RAM, ferry_pd_alloc_ram_in, 0),
    NONE(FERRY_IFACE_PD, FERRY_PD_FREE_RAM, FERRY_PD_FREE_RAM_CAP_DS + 1),
    NONE(FERRY_IFACE_PD, FERRY_PD_ALLOC_RPC_CAP, FERRY_PD_ALLOC_RPC_CAP_CAP_THREAD + 1),
    NONE(FERRY_IFACE_PD, FERRY_PD_FREE_RPC_CAP, FERRY_PD_FREE_RPC_CAP_CAP_GATE + 1),
    NONE(FERRY_IFACE_PD, FERRY_PD_ALLOC_SIGNAL, 0),
    NONE(FERRY_IFACE_PD, FERRY_PD_FREE_SIGNAL, FERRY_PD_FREE_SIGNAL_CAP_SIGNAL + 1),
    NONE(FERRY_IFACE_PD, FERRY_PD_QUOTA, 0),
    NONE(FERRY_IFACE_PD, FERRY_PD_ADDRESS_SPACE, 0),
    NONE(FERRY_IFACE_PD, FERRY_PD_REPORT, 0),
    NONE(FERRY_IFACE_PD, FERRY_PD_NATIVE, 0),

    IN(FERRY_IFACE_NPD, FERRY_NPD_MAP, ferry_npd_map_in, FERRY_NPD_MAP_CAP_CAP + 1),
    IN(FERRY_IFACE_NPD, FERRY_NPD_UNMAP, ferry_npd_unmap_in, 0),
    IN(FERRY_IFACE_NPD, FERRY_NPD_CAP_INFO, ferry_npd_cap_info_in, 0),
    IN(FERRY_IFACE_NPD, FERRY_NPD_CAP_NEXT, ferry_npd_cap_next_in, 0),
    IN(FERRY_IFACE_NPD, FERRY_NPD_CAP_BATCH, ferry_npd_cap_batch_in, 0),
    NONE(FERRY_IFACE_NPD, FERRY_NPD_REPORT, 0),

    IN(FERRY_IFACE_CPU, FERRY_CPU_CREATE_THREAD, ferry_cpu_create_thread_in,
       FERRY_CPU_CREATE_THREAD_CAP_PD + 1),
    NONE(FERRY_IFACE_CPU, FERRY_CPU_KILL_THREAD, FERRY_CPU_KILL_THREAD_CAP_THREAD + 1),
    NONE(FERRY_IFACE_CPU, FERRY_CPU_EXCEPTION_SIGH, FERRY_CPU_EXCEPTION_SIGH_CAP_SIGNAL + 1),

    IN(FERRY_IFACE_THREAD, FERRY_THREAD_START, ferry_thread_start_in, 0),
    NONE(FERRY_IFACE_THREAD, FERRY_THREAD_PAUSE, 0),
    NONE(FERRY_IFACE_THREAD, FERRY_THREAD_RESUME, 0),
    IN(FERRY_IFACE_THREAD, FERRY_THREAD_STATE_GET, ferry_thread_state_get_in,
       FERRY_THREAD_STATE_GET_CAP_DS + 1),
    IN(FERRY_IFACE_THREAD, FERRY_THREAD_STATE_SET, ferry_thread_state_set_in,
       FERRY_THREAD_STATE_SET_CAP_DS + 1),
    NONE(FERRY_IFACE_THREAD, FERRY_THREAD_INFO, 0),

    IN(FERRY_IFACE_RM_SESSION, FERRY_RM_CREATE, ferry_rm_create_in, 0),
    NONE(FERRY_IFACE_RM_SESSION, FERRY_RM_DESTROY, FERRY_RM_DESTROY_CAP_RM + 1),

    IN(FERRY_IFACE_RM, FERRY_RM_ATTACH, ferry_rm_attach_in, FERRY_RM_ATTACH_CAP_DS + 1),
    IN(FERRY_IFACE_RM, FERRY_RM_DETACH, ferry_rm_detach_in, 0),
    NONE(FERRY_IFACE_RM, FERRY_RM_FAULT_HANDLER, FERRY_RM_FAULT_HANDLER_CAP_SIGNAL + 1),
    NONE(FERRY_IFACE_RM, FERRY_RM_STATE, 0),
    NONE(FERRY_IFACE_RM, FERRY_RM_DATASPACE, 0),
    IN(FERRY_IFACE_RM, FERRY_RM_DIRTY, ferry_rm_dirty_in, 0),

    NONE(FERRY_IFACE_DS, FERRY_DS_INFO, 0),
    NONE(FERRY_IFACE_DS, FERRY_DS_PHYS, 0),
    NONE(FERRY_IFACE_ROM, FERRY_ROM_DATASPACE, 0),
    IN(FERRY_IFACE_LOG, FERRY_LOG_WRITE, ferry_log_write_in, 0),

    NONE(FERRY_IFACE_TIMER, FERRY_TIMER_SIGH, FERRY_TIMER_SIGH_CAP_SIGNAL + 1),
    IN(FERRY_IFACE_TIMER, FERRY_TIMER_ONESHOT, ferry_timer_oneshot_in, 0),
    IN(FERRY_IFACE_TIMER, FERRY_TIMER_PERIODIC, ferry_timer_periodic_in, 0),
    NONE(FERRY_IFACE_TIMER, FERRY_TIMER_STOP, 0),
    NONE(FERRY_IFACE_TIMER, FERRY_TIMER_ELAPSED, 0),

    NONE(FERRY_IFACE_IRQ, FERRY_IRQ_OBJECT, 0),
    NONE(FERRY_IFACE_IO_MEM, FERRY_IO_MEM_DATASPACE, 0),
    NONE(FERRY_IFACE_IO_MEM, FERRY_IO_MEM_INFO, 0),

    IN(FERRY_IFACE_PAGER, FERRY_PAGER_PAGE_FAULT, ferry_fault_in, 0),
    IN(FERRY_IFACE_PAGER, FERRY_PAGER_EXCEPTION, ferry_fault_in, 0),

    NONE(FERRY_IFACE_BLOCK, FERRY_BLOCK_INFO, 0),
    NONE(FERRY_IFACE_BLOCK, FERRY_BLOCK_BUFFER, 0),
    IN(FERRY_IFACE_BLOCK, FERRY_BLOCK_READ, ferry_block_io_in, 0),
    IN(FERRY_IFACE_BLOCK, FERRY_BLOCK_WRITE, ferry_block_io_in, 0),
    NONE(FERRY_IFACE_BLOCK, FERRY_BLOCK_SYNC, 0),

    IN(FERRY_IFACE_STORE, STORE_CREATE, ferry_store_create_in, 0),
    NONE(FERRY_IFACE_STORE, STORE_SHARED, 0),
    IN(FERRY_IFACE_STORE, STORE_SUM, ferry_store_sum_in, 0),
    IN(FERRY_IFACE_STORE, STORE_LOOKUP, ferry_store_lookup_in, 0),
    NONE(FERRY_IFACE_OBJECT, OBJECT_GET, 0),
    IN(FERRY_IFACE_OBJECT, OBJECT_ADD, ferry_object_add_in, 0),
    NONE(FERRY_IFACE_RELAY, RELAY_GIVE, FERRY_RELAY_GIVE_CAP_OBJECT + 1),

    NONE(FERRY_IFACE_NIC, FERRY_NIC_INFO, 0),
    NONE(FERRY_IFACE_NIC, FERRY_NIC_BUFFER, 0),
    NONE(FERRY_IFACE_NIC, FERRY_NIC_SIGH, FERRY_NIC_SIGH_CAP_SIGNAL + 1),
    NONE(FERRY_IFACE_NIC, FERRY_NIC_TX, 0),
};

/* The parent interface declares its words by offsets (FERRY_SESSION_*) so far. */
static const struct expect expected_session[] = {
    NONE(FERRY_IFACE_PARENT, FERRY_PARENT_SESSION, 0),
    NONE(FERRY_IFACE_PARENT, FERRY_PARENT_SESSION_PAID, 1),
    NONE(FERRY_IFACE_PARENT, FERRY_PARENT_UPGRADE, 1),
    NONE(FERRY_IFACE_PARENT, FERRY_PARENT_CLOSE, 1),
    NONE(FERRY_IFACE_PARENT, FERRY_PARENT_ANNOUNCE, FERRY_PARENT_ANNOUNCE_CAP_GATE + 1),
    NONE(FERRY_IFACE_PARENT, FERRY_PARENT_EXIT, 0),
};

static const struct expect *find_expected(const struct expect *table, size_t n, unsigned iface,
                                          unsigned opcode)
{
    for (size_t i = 0; i < n; i++)
        if (table[i].iface == iface && table[i].opcode == opcode)
            return &table[i];
    return NULL;
}

static void test_every_interface_is_described(void **state)
{
    (void)state;
    for (unsigned id = 0; id < FERRY_IFACE_COUNT; id++) {
        const struct ferry_iface_desc *d = &ferry_ifaces[id];
        if (!d->name || !d->sigs || d->count == 0)
            fail_msg("interface %u has no table", id);
    }
}

static void test_opcodes_unique(void **state)
{
    (void)state;
    for (unsigned id = 0; id < FERRY_IFACE_COUNT; id++) {
        const struct ferry_iface_desc *d = &ferry_ifaces[id];
        for (unsigned i = 0; i < d->count; i++)
            for (unsigned j = i + 1; j < d->count; j++)
                if (d->sigs[i].opcode == d->sigs[j].opcode)
                    fail_msg("%s: opcode %u twice (entries %u and %u)", d->name, d->sigs[i].opcode,
                             i, j);
    }
}

static void test_signatures_fit_a_message(void **state)
{
    (void)state;
    for (unsigned id = 0; id < FERRY_IFACE_COUNT; id++) {
        const struct ferry_iface_desc *d = &ferry_ifaces[id];
        for (unsigned i = 0; i < d->count; i++)
            if (d->sigs[i].in_words > FERRY_MSG_WORDS || d->sigs[i].in_caps > FERRY_MSG_CAPS)
                fail_msg("%s: opcode %u takes %u words, %u caps: more than a message holds",
                         d->name, d->sigs[i].opcode, d->sigs[i].in_words, d->sigs[i].in_caps);
    }
}

/* Every signature matches the structure and capability names of its operation. */
static void test_words_and_caps_match_layouts(void **state)
{
    (void)state;
    for (unsigned id = 0; id < FERRY_IFACE_COUNT; id++) {
        if (id == FERRY_IFACE_PARENT)
            continue;
        const struct ferry_iface_desc *d = &ferry_ifaces[id];
        for (unsigned i = 0; i < d->count; i++) {
            const struct ferry_rpc_sig *sig = &d->sigs[i];
            const struct expect *e = find_expected(expected, ARRAY_SIZE(expected), id, sig->opcode);
            if (!e)
                fail_msg("%s: opcode %u has no layout in this test", d->name, sig->opcode);
            if (sig->in_words != e->words)
                fail_msg("%s (%s): IN_WORDS %u, its _in structure has %u words", d->name, e->name,
                         sig->in_words, e->words);
            if (sig->in_caps != e->caps)
                fail_msg("%s (%s): IN_CAPS %u, %u capability arguments named", d->name, e->name,
                         sig->in_caps, e->caps);
        }
    }
}

/* The signature of an expected operation, looked up by number as a forwarder does. */
static const struct ferry_rpc_sig *lookup(const struct expect *e)
{
    const struct ferry_rpc_sig *sig = ferry_iface_sig(e->iface, e->opcode);
    if (!sig)
        fail_msg("%s not found in interface %u", e->name, e->iface);
    assert_int_equal(sig->opcode, e->opcode);
    return sig;
}

static void test_session_interfaces(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(expected_session); i++) {
        const struct expect *e = &expected_session[i];
        const struct ferry_rpc_sig *sig = lookup(e);
        if (sig->in_caps != e->caps)
            fail_msg("%s: IN_CAPS %u, want %u", e->name, sig->in_caps, e->caps);
    }
    assert_int_equal(ferry_iface_sig(FERRY_IFACE_PARENT, FERRY_PARENT_SESSION)->in_words,
                     FERRY_SESSION_WORDS);
}

/* A forwarder finds every operation of this test by number, and nothing else. */
static void test_lookup(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
        lookup(&expected[i]);
    size_t described = 0;
    for (unsigned id = 0; id < FERRY_IFACE_COUNT; id++)
        if (id != FERRY_IFACE_PARENT)
            described += ferry_ifaces[id].count;
    assert_int_equal(described, ARRAY_SIZE(expected));
    assert_null(ferry_iface_sig(FERRY_IFACE_PD, 0));
    assert_null(ferry_iface_sig(FERRY_IFACE_PD, 0xffff));
    assert_null(ferry_iface_sig(FERRY_IFACE_COUNT, FERRY_PD_ALLOC_RAM));
    assert_null(ferry_iface_sig(~0u, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_interface_is_described),
        cmocka_unit_test(test_opcodes_unique),
        cmocka_unit_test(test_signatures_fit_a_message),
        cmocka_unit_test(test_words_and_caps_match_layouts),
        cmocka_unit_test(test_session_interfaces),
        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
