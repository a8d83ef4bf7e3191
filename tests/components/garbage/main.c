/*
 * garbage: sends malformed and meaningless RPCs to every service it can
 * reach and prints each answer. Every one must be a precise error, and the
 * system (this component included) must keep running.
 */
#include <ferry/iface/cpu.h>
#include <ferry/iface/log.h>
#include <ferry/iface/parent.h>
#include <ferry/iface/pd.h>
#include <ferry/iface/rm.h>
#include <ferry/iface/timer.h>
#include <env.h>
#include <badge_runtime.h> /* to scribble over the capability map */
#include <stdio.h>

static unsigned answered;

static void report(const char *what, long err, long expected)
{
    printf("%s: %s%s\n", what, ferry_error_name(err), err == expected ? "" : " (UNEXPECTED)");
    answered += err == expected;
}

static long call(uint32_t gate, unsigned op, unsigned words, unsigned caps)
{
    return rpc_call(gate, op, words, caps, NULL);
}

static void bad_opcodes(struct env *env)
{
    report("unknown opcode on LOG", call(env->log, 77, 0, 0), FERRY_E_BADOP);
    report("unknown opcode on PD", call(env->pd, 0xffff, 0, 0), FERRY_E_BADOP);
    report("unknown opcode on parent", call(env->parent, 1000, 0, 0), FERRY_E_BADOP);
}

static void bad_arguments(struct env *env)
{
    report("LOG_WRITE without words", call(env->log, FERRY_LOG_WRITE, 0, 0), FERRY_E_INVAL);
    rpc_mr()[0] = 100000;
    report("LOG_WRITE longer than its message", call(env->log, FERRY_LOG_WRITE, 1, 0),
           FERRY_E_INVAL);
    report("PD_FREE_RAM without a dataspace", call(env->pd, FERRY_PD_FREE_RAM, 0, 0),
           FERRY_E_INVAL);
    rpc_mr()[0] = 0;
    report("PD_ALLOC_RAM of 0 bytes", call(env->pd, FERRY_PD_ALLOC_RAM, 1, 0), FERRY_E_INVAL);
    rpc_send_cap(0, env->log, FERRY_RIGHTS_ALL);
    rpc_mr()[0] = 100;
    report("CPU_CREATE_THREAD with a LOG session as PD",
           call(env->cpu, FERRY_CPU_CREATE_THREAD, 5, 1), FERRY_E_INVAL);
    rpc_send_cap(0, env->log, FERRY_RIGHTS_ALL);
    rpc_mr()[0] = 0x10001;
    rpc_mr()[1] = 0;
    rpc_mr()[2] = 0;
    rpc_mr()[3] = 0;
    report("RM_ATTACH of a LOG session", call(env->rm, FERRY_RM_ATTACH, 4, 1), FERRY_E_INVAL);
    report("PD_NATIVE by the child itself", call(env->pd, FERRY_PD_NATIVE, 0, 0), FERRY_E_DENIED);
}

static void bad_sessions(struct env *env)
{
    uint32_t s;
    report("session of an unknown service", env_session(env, "NoSuchService", "", NULL, 0, 0, &s),
           FERRY_E_NOENT);
    report("session of a denied service", env_session(env, "IRQ", "", "irq=1", 4096, 1, &s),
           FERRY_E_DENIED);
    report("Timer session without quota", env_session(env, "Timer", "", NULL, 0, 0, &s),
           FERRY_E_QUOTA);
}

/* A session closed behind the runtime's back: its capability now names a dead object. */
static void dead_object(struct env *env)
{
    uint32_t timer;
    long err = env_session(env, "Timer", "", NULL, 8192, 4, &timer);
    report("Timer session", err, FERRY_OK);
    if (err)
        return;
    rpc_send_cap(0, timer, FERRY_RIGHTS_ALL);
    report("closing it", call(env->parent, FERRY_PARENT_CLOSE, 0, 1), FERRY_OK);
    report("TIMER_ELAPSED on the closed session", call(timer, FERRY_TIMER_ELAPSED, 0, 0),
           FERRY_E_BADOBJ);
    rpc_send_cap(0, timer, FERRY_RIGHTS_ALL);
    report("closing it again", call(env->parent, FERRY_PARENT_CLOSE, 0, 1), FERRY_E_BADOBJ);
}

void component_construct(struct env *env)
{
    bad_opcodes(env);
    bad_arguments(env);
    bad_sessions(env);
    dead_object(env);
    printf("%u answers as expected, still running\n", answered);
    /* last, garbage in its own memory: the parent inspecting the capability
     * map at exit must say what is wrong instead of trusting it */
    env_capmap->root = 0xfffffff0u;
    printf("scribbled over the capability map's root\n");
    env_exit(env, 0);
}
