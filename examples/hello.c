// SPDX-License-Identifier: MIT
/*
 * hello: the smallest gsched program. main spawns ten tasks, Go-style,
 * waits for them, and prints where each ran.
 *
 *   cc hello.c $(pkg-config --cflags --libs gsched)
 */
#include <stdio.h>
#include <string.h>

#include <gsched.h>

static long greet(void *arg)
{
	printf("hello from task %d (#%ld) on worker %d\n", gsched_self(),
	       (long)arg, gsched_worker());
	return (long)arg * 10;
}

static long main_task(void *arg)
{
	struct gsched_spawn_attr joinable = { .flags = GSCHED_JOINABLE };
	int ids[10], i;
	long v, sum = 0;

	printf("main task %d, %d workers\n", gsched_self(), gsched_nprocs());
	for (i = 0; i < 10; i++)
		ids[i] = gsched_spawn_ex(greet, (void *)(long)i, &joinable);
	for (i = 0; i < 10; i++) {
		if (ids[i] < 0 || gsched_join(ids[i], &v))
			return 1;
		sum += v;
	}
	printf("joined 10 tasks, sum of exit values %ld\n", sum);
	return 0;
}

int main(void)
{
	long ret;
	int err = gsched_run(main_task, NULL, &ret);

	if (err) {
		fprintf(stderr, "gsched_run: %s\n", strerror(-err));
		return 1;
	}
	return (int)ret;
}
