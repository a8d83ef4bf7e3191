/*
 * LOG sessions: every LOG_WRITE is one line "[LABEL] text" on the kernel
 * console. One trailing newline is dropped (the line ends anyway); every other
 * byte outside printable ASCII becomes '?', so a client cannot forge lines or
 * move the cursor of whoever reads the console.
 */
#include "core.h"
#include <ferry/iface/log.h>
#include <stdio.h>
#include <string.h>

static long log_dispatch(void *object, struct rpc_request *req);
static const struct ferry_rpc_sig log_sigs[] = FERRY_RPC_SIGS(FERRY_LOG_RPCS);
const struct rpc_iface log_iface = {"LOG", log_sigs, ARRAY_SIZE(log_sigs), log_dispatch};

long log_open(struct session *s, const char *args)
{
    (void)s;
    (void)args;
    return FERRY_OK;
}

void log_close(struct session *s)
{
    (void)s;
}

static long log_write(struct session *s, struct rpc_request *req)
{
    uint64_t len = req->mr[0];
    if (len > FERRY_LOG_MAX || len > (uint64_t)req->words * 8 - 8)
        return FERRY_E_INVAL;
    const char *text = (const char *)&req->mr[1];
    if (len > 0 && text[len - 1] == '\n')
        len--;
    static char line[CORE_LABEL_MAX + FERRY_LOG_MAX + 8];
    size_t n = (size_t)snprintf(line, sizeof(line), "[%s] ", s->label);
    for (uint64_t i = 0; i < len; i++)
        line[n++] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
    line[n++] = '\n';
    fflush(stdout); /* core's own partial output, if any, comes first */
    sys_debug_write(line, n);
    return FERRY_OK;
}

static long log_dispatch(void *object, struct rpc_request *req)
{
    struct session *s = session_of(object);
    switch (req->opcode) {
    case FERRY_LOG_WRITE:
        return log_write(s, req);
    }
    return FERRY_E_BADOP;
}
