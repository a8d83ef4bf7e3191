/*
 * ckpt-share-a: allocates a RAM dataspace, keeps it attached and hands it to
 * its clients through the Share service (include/ferry/iface/ckpt.h). On
 * SHARE_CHECK it reads the word the client names, as it sees it through its
 * own attachment, and answers in the next word. After a restore both sides
 * must still see one dataspace, not two copies.
 *
 *     NAME: serving Share, N KiB shared
 *     NAME: session for 'LABEL'
 *
 * Argument: kb (size of the dataspace, default 16).
 */
#include <ferry/iface/ckpt.h>
#include <ferry/macros.h>
#include <root.h>
#include <stdio.h>
#include <stdlib.h>
#include "../ckpt.h"

static uint32_t shared_ds;
static volatile uint64_t *shared; /* this component's view */
static uint64_t shared_words;

static const struct ferry_rpc_sig share_sigs[] = FERRY_RPC_SIGS(FERRY_SHARE_RPCS);

static long share_dispatch(void *self, struct rpc_request *req)
{
    (void)self;
    switch (req->opcode) {
    case SHARE_DATASPACE:
        rpc_reply_cap(req, shared_ds, FERRY_RIGHTS_ALL);
        req->reply_words = 0;
        return FERRY_OK;
    case SHARE_CHECK: {
        uint64_t word = FERRY_RPC_MSG(ferry_share_check_in, req->mr)->word;
        if (word + 1 >= shared_words)
            return FERRY_E_RANGE;
        uint64_t seen = shared[word];
        shared[word + 1] = seen * 2 + 1;
        FERRY_RPC_MSG(ferry_share_check_out, req->mr)->seen = seen;
        req->reply_words = FERRY_RPC_WORDS(ferry_share_check_out);
        return FERRY_OK;
    }
    default:
        return FERRY_E_BADOP;
    }
}

static const struct rpc_iface share_iface = {"share", share_sigs, ARRAY_SIZE(share_sigs),
                                             share_dispatch};

static long share_open(struct service_root *root, const char *label, const char *args, uint64_t ram,
                       uint64_t caps, struct rpc_object **session)
{
    (void)root;
    (void)args;
    (void)ram;
    (void)caps;
    struct rpc_object *s = calloc(1, sizeof(*s));
    if (!s)
        return FERRY_E_QUOTA;
    *s = (struct rpc_object){.iface = &share_iface, .self = s};
    printf("%s: session for '%s'\n", ckpt_name, label);
    *session = s;
    return FERRY_OK;
}

static void share_close(struct service_root *root, struct rpc_object *session)
{
    (void)root;
    free(session);
}

static struct service_root share_root = {.open = share_open, .close = share_close};

void component_construct(struct env *e)
{
    ckpt_init(e);
    const char *arg = env_arg(ckpt_env, "kb");
    uint64_t kb = arg ? strtoul(arg, NULL, 0) : 16;
    long err = FERRY_E_INVAL;
    shared_words = kb * 1024 / 8;
    shared = shared_words >= 2 ? env_alloc_attached(ckpt_env, kb * 1024, &shared_ds, &err) : NULL;
    if (!shared) {
        printf("%s: shared dataspace of %lu KiB: %s\n", ckpt_name, (unsigned long)kb,
               ferry_error_name(err));
        env_exit(ckpt_env, 1);
    }
    if ((err = env_serve(ckpt_env, "Share", &share_root))) {
        printf("%s: cannot announce Share: %s\n", ckpt_name, ferry_error_name(err));
        env_exit(ckpt_env, 1);
    }
    printf("%s: serving Share, %lu KiB shared\n", ckpt_name, (unsigned long)kb);
}
