/*
 * init's children at run time: their sessions, the services they announced,
 * and the parent object through which each talks to init.
 */
#ifndef FERRY_INIT_ROUTING_H
#define FERRY_INIT_ROUTING_H

#include "config.h"
#include <child.h>

#define INIT_RESERVE_RAM    (512ul * 1024) /* init's own needs: never given to children */
#define INIT_CHILD_SESSIONS 16
#define INIT_CHILD_SERVICES 4
#define INIT_SERVER_TIMEOUT (1000ul * 1000) /* a sibling server must take a call within 1 s */
#define INIT_PARENT_NONE    (-1)

struct init_session {
    bool used;
    uint32_t slot; /* init's reference */
    uint64_t badge;
    int server;          /* index of the serving child, INIT_PARENT_NONE for init's parent */
    uint64_t root_badge; /* the serving child's root; init drops it when that child ends */
};

struct init_service {
    bool used;
    char name[32];
    uint32_t root; /* the server's root capability */
    uint64_t root_badge;
};

struct init_child_state {
    const struct init_child *cfg;
    struct child child;
    struct signal_handler fault;
    bool fault_handler_ready;
    bool alive;
    struct init_session sessions[INIT_CHILD_SESSIONS];
    struct init_service services[INIT_CHILD_SERVICES];
    struct init_state *state;
};

struct init_state {
    struct env *env;
    const struct init_config *config;
    struct init_child_state children[CONFIG_MAX_CHILDREN];
};

void routing_init(struct init_state *state, const struct init_config *config);
/* All children are started: if none is running, init ends. */
void routing_started(struct init_state *state, struct env *env);
long routing_start_child(struct env *env, struct init_state *state, const struct init_child *cfg,
                         const char **what);

#endif
