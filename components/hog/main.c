/*
 * hog: uses up its RAM quota (heap and dataspaces), then its capability
 * quota, and reports the errors it gets. Nothing else may suffer.
 */
#include <ferry/iface/pd.h>
#include <env.h>
#include <stdio.h>
#include <stdlib.h>

#define HOG_CHUNK (64ul * 1024)

void component_construct(struct env *env)
{
    unsigned long chunks = 0;
    while (malloc(HOG_CHUNK))
        chunks++;
    printf("heap exhausted after %lu KiB\n", chunks * HOG_CHUNK / 1024);

    rpc_mr()[0] = 1ul << 30;
    long err = rpc_call(env->pd, FERRY_PD_ALLOC_RAM, 1, 0, NULL);
    printf("1 GiB dataspace: %s\n", ferry_error_name(err));

    unsigned long signals = 0;
    uint32_t signal;
    uint64_t badge;
    while ((err = env_signal_alloc(env, &signal, &badge)) == FERRY_OK)
        signals++;
    printf("capability quota exhausted after %lu signals: %s\n", signals, ferry_error_name(err));
    printf("still alive\n");
    env_exit(env, 0);
}
