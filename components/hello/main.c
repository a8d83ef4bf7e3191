/* hello: prints through its LOG session and exits cleanly. */
#include <env.h>
#include <stdio.h>

void component_construct(struct env *env)
{
    const char *greeting = env_arg(env, "greeting");
    printf("Hello from %s!\n", env->startup->name);
    if (greeting)
        printf("greeting argument: %s\n", greeting);
    env_exit(env, 0);
}
