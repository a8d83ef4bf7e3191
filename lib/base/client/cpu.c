/*
 * Client stubs: CPU session and threads (include/ferry/iface/cpu.h).
 */
#include "../client.h"

long cpu_create_thread(uint32_t cpu, uint32_t pd, const char *name, unsigned prio, uint32_t *thread)
{
    return cpu_create_thread_at(cpu, pd, name, prio, FERRY_CPU_UTCB_ANY, thread);
}

long cpu_create_thread_at(uint32_t cpu, uint32_t pd, const char *name, unsigned prio, uint64_t utcb,
                          uint32_t *thread)
{
    struct ferry_cpu_create_thread_in *in = FERRY_RPC_MSG(ferry_cpu_create_thread_in, rpc_mr());
    in->prio = prio;
    in->utcb = utcb;
    rpc_put_string(in->name, FERRY_NAME_WORDS, name);
    rpc_send_cap(FERRY_CPU_CREATE_THREAD_CAP_PD, pd, FERRY_RIGHTS_ALL);
    return client_call(cpu, FERRY_CPU_CREATE_THREAD, FERRY_RPC_WORDS(ferry_cpu_create_thread_in), 1,
                       NULL, 0, thread);
}

long cpu_kill_thread(uint32_t cpu, uint32_t thread)
{
    return client_call_cap(cpu, FERRY_CPU_KILL_THREAD, FERRY_CPU_KILL_THREAD_CAP_THREAD, thread);
}

long cpu_exception_sigh(uint32_t cpu, uint32_t signal)
{
    return client_call_cap(cpu, FERRY_CPU_EXCEPTION_SIGH, FERRY_CPU_EXCEPTION_SIGH_CAP_SIGNAL,
                           signal);
}

long thread_start(uint32_t thread, uint64_t pc, uint64_t sp)
{
    *FERRY_RPC_MSG(ferry_thread_start_in, rpc_mr()) = (struct ferry_thread_start_in){pc, sp};
    return client_call(thread, FERRY_THREAD_START, FERRY_RPC_WORDS(ferry_thread_start_in), 0, NULL,
                       0, NULL);
}

long thread_pause(uint32_t thread)
{
    return client_call(thread, FERRY_THREAD_PAUSE, 0, 0, NULL, 0, NULL);
}

long thread_resume(uint32_t thread)
{
    return client_call(thread, FERRY_THREAD_RESUME, 0, 0, NULL, 0, NULL);
}

long thread_state_get_sel(uint32_t thread, uint32_t ds, uint64_t sel)
{
    FERRY_RPC_MSG(ferry_thread_state_get_in, rpc_mr())->sel = sel;
    rpc_send_cap(FERRY_THREAD_STATE_GET_CAP_DS, ds, FERRY_RIGHTS_ALL);
    return rpc_call(thread, FERRY_THREAD_STATE_GET, FERRY_RPC_WORDS(ferry_thread_state_get_in), 1,
                    NULL);
}

long thread_state_set_sel(uint32_t thread, uint32_t ds, uint64_t sel)
{
    FERRY_RPC_MSG(ferry_thread_state_set_in, rpc_mr())->sel = sel;
    rpc_send_cap(FERRY_THREAD_STATE_SET_CAP_DS, ds, FERRY_RIGHTS_ALL);
    return rpc_call(thread, FERRY_THREAD_STATE_SET, FERRY_RPC_WORDS(ferry_thread_state_set_in), 1,
                    NULL);
}

long thread_state_get(uint32_t thread, uint32_t ds)
{
    return thread_state_get_sel(thread, ds, FERRY_TS_ALL);
}

long thread_state_set(uint32_t thread, uint32_t ds)
{
    return thread_state_set_sel(thread, ds, FERRY_TS_ALL);
}

long thread_info(uint32_t thread, struct ferry_thread_info_out *info)
{
    return client_call(thread, FERRY_THREAD_INFO, 0, 0, info,
                       FERRY_RPC_WORDS(ferry_thread_info_out), NULL);
}
