/*
 * ckpt-foreign: holds a capability a checkpointer cannot account for. It
 * opens a Ckpt session (route it to a ckpt-server outside the checkpointer's
 * cut: under rtcr, to rtcr's parent) and asks it for an object: a gate of
 * that server that reaches the component directly in the server's reply,
 * never through a session the checkpointer virtualises. Then it calls the
 * object in a loop.
 *
 *     NAME: holding an object of an outside server in slot S
 *     NAME: call K: value V                      (every `report` calls)
 *     NAME: object in slot S: ERROR              (a call failed: exit code 3)
 *     NAME: done after K calls
 *
 * Arguments: calls (0 = never stop; default 0), report (default 10),
 * period_ms (default 5), slow_ms (each call is CKPT_OBJ_ADD_SLOW: the server
 * answers only after spinning that long, so this component mostly waits for
 * a reply from outside; default 0: CKPT_OBJ_ADD).
 */
#include <client.h>
#include <ferry/iface/ckpt.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

/* Adds 1 to the object (CKPT_OBJ_ADD), or with CKPT_OBJ_ADD_SLOW when the
 * server is to spin `us` first; the new value in *value. */
static long ckpt_object_add(uint32_t object, uint64_t us, uint64_t *value)
{
    if (!us) {
        FERRY_RPC_MSG(ferry_ckpt_obj_add_in, rpc_mr())->n = 1;
        return client_call(object, CKPT_OBJ_ADD, FERRY_RPC_WORDS(ferry_ckpt_obj_add_in), 0, value,
                           FERRY_RPC_WORDS(ferry_ckpt_obj_value_out), NULL);
    }
    struct ferry_ckpt_obj_add_slow_in *in = FERRY_RPC_MSG(ferry_ckpt_obj_add_slow_in, rpc_mr());
    in->n = 1;
    in->us = us;
    return client_call(object, CKPT_OBJ_ADD_SLOW, FERRY_RPC_WORDS(ferry_ckpt_obj_add_slow_in), 0,
                       value, FERRY_RPC_WORDS(ferry_ckpt_obj_value_out), NULL);
}

void component_construct(struct env *e)
{
    ckpt_init(e);
    uint64_t calls = ckpt_arg("calls", 0), report = ckpt_arg("report", 10);
    uint64_t period_ms = ckpt_arg("period_ms", 5), slow_ms = ckpt_arg("slow_ms", 0);
    if (!report)
        ckpt_fail("checking the arguments", FERRY_E_INVAL);
    printf("%s: started\n", ckpt_name);

    uint32_t session, object;
    long err = env_session(ckpt_env, "Ckpt", "", NULL, 16 * 1024, CKPT_MAX_OBJECTS + 1, &session);
    if (err)
        ckpt_fail("Ckpt session", err);
    FERRY_RPC_MSG(ferry_ckpt_create_in, rpc_mr())->value = 0;
    if ((err = client_call(session, CKPT_CREATE, FERRY_RPC_WORDS(ferry_ckpt_create_in), 0, NULL, 0,
                           &object)))
        ckpt_fail("CKPT_CREATE", err);
    printf("%s: holding an object of an outside server in slot %u\n", ckpt_name, object);

    uint64_t k;
    for (k = 1; !calls || k <= calls; k++) {
        uint64_t value;
        if ((err = ckpt_object_add(object, slow_ms * 1000, &value))) {
            printf("%s: object in slot %u: %s\n", ckpt_name, object, ferry_error_name(err));
            env_exit(ckpt_env, 3);
        }
        if (k % report == 0)
            printf("%s: call %lu: value %lu%s\n", ckpt_name, (unsigned long)k, (unsigned long)value,
                   value == k ? "" : " WRONG");
        if (period_ms)
            sys_sleep(period_ms * 1000);
    }
    printf("%s: done after %lu calls\n", ckpt_name, (unsigned long)calls);
    env_exit(ckpt_env, 0);
}
