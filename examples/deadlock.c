// SPDX-License-Identifier: MIT
/*
 * deadlock: Go's "all goroutines are asleep - deadlock!". main joins a
 * task that parks forever; the module sees every task asleep, gsched_run()
 * returns -EDEADLK and the kernel log names each task's wait reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <gsched.h>

static long sleeper(void *arg)
{
	return gsched_park(GSCHED_WAIT_USER);
}

static long main_task(void *arg)
{
	struct gsched_spawn_attr joinable = { .flags = GSCHED_JOINABLE };
	int id = gsched_spawn_ex(sleeper, NULL, &joinable);

	return gsched_join(id, NULL);
}

int main(void)
{
	int err = gsched_run(main_task, NULL, NULL);

	printf("gsched_run: %s\n", err ? strerror(-err) : "ok");
	return err == -EDEADLK ? 0 : 1;
}
