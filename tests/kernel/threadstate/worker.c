/* The movable-worker library is shared with the restart test. */
#include "../restart/worker.c"
