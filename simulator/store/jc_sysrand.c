/*
 * jc_sysrand.c: the system's random source of jc_sysrand.h.
 */
#define _GNU_SOURCE
#include "jc_sysrand.h"

#include <errno.h>
#include <sys/random.h>

#include "jc_card.h"

int jc_sysrand(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    while (n > 0) {
        ssize_t r = getrandom(out, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return JC_ERR_RANDOM;
        }
        out += r;
        n -= (size_t)r;
    }
    return 0;
}
