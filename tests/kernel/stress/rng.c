/* xorshift64* (Vigna): small, fast and good enough to pick syscalls. */
#include "stress.h"

static uint64_t state = 1;

void rng_seed(uint64_t seed)
{
    state = seed ? seed : 1; /* the all-zero state would stay zero */
}

uint64_t rnd(void)
{
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545f4914f6cdd1dull;
}

uint64_t rnd_below(uint64_t n)
{
    return n ? rnd() % n : 0;
}

bool chance(unsigned percent)
{
    return rnd_below(100) < percent;
}
