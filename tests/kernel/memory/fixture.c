/* The fault server, jobs and sandbox tasks are shared with the faults test. */
#include "../faults/fixture.c"
