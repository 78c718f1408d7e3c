// SPDX-License-Identifier: MIT
/*
 * counter: Go's sync.Mutex, sync.WaitGroup and sync.Once as zero values.
 * N tasks each add to a shared counter M times under a mutex; main waits
 * for them with a wait group; a Once prints a banner exactly once. None
 * of the three is initialised or released: like Go's, their zero value
 * is ready, and they may sit in static storage or inside a struct.
 *
 *   cc counter.c $(pkg-config --cflags --libs gsched)
 *   ./counter [tasks [adds]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsched.h>

struct counter {
	gsched_mutex_t mu;	/* guards n */
	long n;
};

static struct counter total;	/* zero: an unlocked mutex, n = 0 */
static gsched_wg_t wg;
static struct gsched_once banner;
static long adds = 1000;

static void print_banner(void *arg)
{
	printf("counting with %d workers\n", gsched_nprocs());
}

static long adder(void *arg)
{
	long i;

	gsched_once(&banner, print_banner, NULL);
	for (i = 0; i < adds; i++) {
		gsched_mutex_lock(&total.mu);
		total.n++;
		gsched_mutex_unlock(&total.mu);
		if (i % 64 == 0)
			gsched_yield();	/* let the others contend */
	}
	gsched_wg_done(&wg);
	return 0;
}

static long main_task(void *arg)
{
	long tasks = (long)arg, i;

	for (i = 0; i < tasks; i++) {
		gsched_wg_add(&wg, 1);
		if (gsched_spawn(adder, NULL) < 0) {
			gsched_wg_done(&wg);
			return 1;
		}
	}
	gsched_wg_wait(&wg);
	printf("%ld tasks x %ld adds = %ld (%s)\n", tasks, adds, total.n,
	       total.n == tasks * adds ? "correct" : "WRONG");
	return total.n == tasks * adds ? 0 : 1;
}

int main(int argc, char **argv)
{
	long tasks = argc > 1 ? atol(argv[1]) : 100, ret;
	int err;

	if (argc > 2)
		adds = atol(argv[2]);
	if (tasks < 1 || adds < 0) {
		fprintf(stderr, "usage: counter [tasks [adds]]\n");
		return 2;
	}
	err = gsched_run(main_task, (void *)tasks, &ret);
	if (err) {
		fprintf(stderr, "gsched_run: %s\n", strerror(-err));
		return 1;
	}
	return (int)ret;
}
