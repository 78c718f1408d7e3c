// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/sync/once_test.go: sync.Once is struct
 * gsched_once, zero-valued, and once.Do(f) is gsched_once(&once, f, arg).
 *
 * TestOnce: 10 goroutines race to Do the same increment; each must see
 * the count at 1 when its Do returns ("once failed inside run"), and it
 * must be 1 at the end ("once failed outside run"). Adapted: the
 * function yields a few times before it increments, so that the other
 * goroutines come to Do while it runs and must wait for it to finish;
 * Go's increment is over too soon for that to be likely. Do must return
 * 0 for every caller.
 *
 * TestOncePanic: Go checks that a function that panics still counts as
 * done ("Once.Do called twice" otherwise). C has no panics; the nearest
 * thing, a function that leaves by ending its task with gsched_exit()
 * (Go's runtime.Goexit, which runs the same deferred done.Store(1)),
 * counts as done too. Adapted: the Do runs in a task of its own, whose
 * exit value stands for the recovered panic ("Once.Do did not panic"
 * when the Do returned instead). selftests/sync_test.c's
 * once_fn_exits_task_* check the waiters and nested Onces; a function
 * that returns early counts as done (once_failed_fn_not_rerun). Left
 * out: the benchmark.
 */
#include "go.h"

#define N	10

static struct gsched_once once = GSCHED_ONCE_INIT;
static int o;			/* type one int */
static atomic_int calls;

static void increment(void *arg)
{
	int i;

	atomic_fetch_add(&calls, 1);
	for (i = 0; i < 5; i++)
		gsched_yield();
	o++;
}

static long run(void *arg)
{
	gsched_chan_t c = (gsched_chan_t)(uintptr_t)arg;

	T_EQ(0, gsched_once(&once, increment, NULL));
	T_EQ(1, o);			/* once failed inside run */
	go_send_long(c, 1);
	return 0;
}

static long test_once(void *arg)
{
	gsched_chan_t c = go_make(sizeof(long), 0);
	int i;

	for (i = 0; i < N; i++)
		go(run, (void *)(uintptr_t)c);
	for (i = 0; i < N; i++)
		go_recv_long(c);
	T_EQ(1, o);			/* once failed outside run */
	T_EQ(1, atomic_load(&calls));
	/* done: Do calls nothing any more */
	T_EQ(0, gsched_once(&once, increment, NULL));
	T_EQ(1, atomic_load(&calls));
	return 0;
}

TEST(TestOnce)
{
	RUN_OK(&go_default_procs, test_once);
}

static struct gsched_once once_panic = GSCHED_ONCE_INIT;

static void panic_fn(void *arg)
{
	gsched_exit(1);			/* panic("failed") */
}

static void called_twice(void *arg)
{
	T_EQ(0, 1);			/* Once.Do called twice */
}

static long do_panic(void *arg)
{
	gsched_once(&once_panic, panic_fn, NULL);
	return 0;			/* Once.Do did not panic */
}

static long test_once_panic(void *arg)
{
	T_EQ(1, join_val(spawn_j(do_panic, NULL)));
	T_EQ(0, gsched_once(&once_panic, called_twice, NULL));
	return 0;
}

TEST(TestOncePanic)
{
	RUN_OK(&go_default_procs, test_once_panic);
}

TEST_HARNESS_MAIN
