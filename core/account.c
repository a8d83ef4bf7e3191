/*
 * Quota accounts (docs/framework.md, "Quota"). Every session has one; the
 * objects a session creates are charged to it, and the quota itself was
 * donated by the session's payer, whose `used` grew by the donation. So the
 * sum of all quotas is bounded by what core gave init at boot, which is the
 * RAM core has for dataspaces.
 */
#include "core.h"
#include <stdio.h>

/* One line per session and exhaustion, so a client that keeps trying does not flood the log. */
long account_exhausted(struct account *a, long err)
{
    if (a->reported || !a->label)
        return err;
    a->reported = true;
    if (err == FERRY_E_QUOTA)
        printf("core: [%s] RAM quota exhausted: %lu of %lu bytes used\n", a->label, a->ram_used,
               a->ram_quota);
    else
        printf("core: [%s] capability quota exhausted: %lu of %lu used\n", a->label, a->cap_used,
               a->cap_quota);
    return err;
}
