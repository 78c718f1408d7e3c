// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/sync/waitgroup_test.go: sync.WaitGroup is the
 * zero-value word gsched_wg_t.
 *
 * TestWaitGroup: a barrier. 16 goroutines each Done() wg1 and Wait() on
 * wg2; once wg1 is through, main counts wg2 down one by one and no
 * goroutine may have left before the last Done; then all must leave. The
 * same two groups are used 8 times over, so each must come back to a
 * reusable state (no -EBUSY from the next Add). Added: main waits
 * until all 16 are blocked in wg2's Wait, and before each Done checks
 * that every one of them still is (gsched_task_info()): a task woken too
 * early is runnable as soon as the Done that woke it returns, so this
 * does not depend on the woken task getting to run, as Go's check does.
 *
 * TestWaitGroupMisuse: Go panics with "sync: negative WaitGroup
 * counter" when Done takes the counter below zero; gsched_wg_done()
 * returns -ERANGE and leaves the counter as it was (gsched_wg_wait(3)),
 * which the port checks: Wait returns at once, and a new Add works.
 *
 * TestWaitGroupRace: a fresh group each round (an array of them, as Go
 * allocates one each time), two goroutines that each add 1 to n and
 * Done(); after Wait() both must have counted ("Spurious wakeup from
 * Wait"). Go's 1,000 rounds, divided by GSCHED_TEST_SCALE (at least 100).
 *
 * TestWaitGroupAlign: a group after a byte in a struct (Go's 64-bit
 * atomics on 32-bit platforms). The type is 8-byte aligned, which the
 * port checks, and Add, Done from another goroutine and Wait work there.
 *
 * Left out: the benchmarks.
 */
#include <stddef.h>

#include "go.h"

/* ---- TestWaitGroup ---- */

#define N	16

static gsched_wg_t wg1, wg2;
static gsched_chan_t exited;

static long barrier_task(void *arg)
{
	T_EQ(0, gsched_wg_done(&wg1));
	T_EQ(0, gsched_wg_wait(&wg2));
	go_send_long(exited, 1);
	return 0;
}

static void test_wait_group_once(void)
{
	int ids[N], i, j;

	T_EQ(0, gsched_wg_add(&wg1, N));
	T_EQ(0, gsched_wg_add(&wg2, N));
	for (i = 0; i != N; i++) {
		ids[i] = spawn_j(barrier_task, NULL);
		T_GT(0, ids[i]);
	}
	T_EQ(0, gsched_wg_wait(&wg1));
	/* added: every goroutine gets to wg2.Wait() */
	for (i = 0; i != N; i++)
		T_EQ(GSCHED_WAIT_WAITGROUP, wait_blocked_sleeping(ids[i]));
	for (i = 0; i != N; i++) {
		T_EQ(0, go_ready(exited));	/* released group too soon */
		/* added: a woken task is runnable once the Done returned */
		for (j = 0; j != N; j++)
			T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_WAITGROUP),
			     task_sr(ids[j]));
		T_EQ(0, gsched_wg_done(&wg2));
	}
	for (i = 0; i != N; i++)
		go_recv_long(exited);	/* blocks if the barrier failed */
	for (i = 0; i != N; i++)
		T_EQ(0, join_val(ids[i]));
}

static long test_wait_group(void *arg)
{
	int i;

	exited = go_make(sizeof(long), N);
	/* the same test a few times: the barrier is in a proper state */
	for (i = 0; i != 8; i++)
		test_wait_group_once();
	return 0;
}

TEST(TestWaitGroup)
{
	RUN_OK(&go_default_procs, test_wait_group);
}

/* ---- TestWaitGroupMisuse ---- */

static long test_wait_group_misuse(void *arg)
{
	gsched_wg_t wg = GSCHED_WG_INIT;

	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(0, gsched_wg_done(&wg));
	T_EQ(-ERANGE, gsched_wg_done(&wg));	/* should panic */
	/* unchanged: still 0 */
	T_EQ(0, gsched_wg_wait(&wg));
	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(-ERANGE, gsched_wg_add(&wg, -2));
	T_EQ(0, gsched_wg_done(&wg));
	T_EQ(0, gsched_wg_wait(&wg));
	return 0;
}

TEST(TestWaitGroupMisuse)
{
	RUN_OK(&go_default_procs, test_wait_group_misuse);
}

/* ---- TestWaitGroupRace ---- */

struct race {
	gsched_wg_t wg;
	atomic_int n;
};

static long race_task(void *arg)
{
	struct race *r = arg;

	atomic_fetch_add(&r->n, 1);
	T_EQ(0, gsched_wg_done(&r->wg));
	return 0;
}

static long test_wait_group_race(void *arg)
{
	long rounds = gs_scaled(1000, 100), i;
	struct race *rs = calloc(rounds, sizeof(*rs));

	T_TRUE(rs);
	if (!rs)
		return 0;
	for (i = 0; i < rounds; i++) {
		struct race *r = &rs[i];

		/* spawn goroutine 1 */
		T_EQ(0, gsched_wg_add(&r->wg, 1));
		go(race_task, r);
		/* spawn goroutine 2 */
		T_EQ(0, gsched_wg_add(&r->wg, 1));
		go(race_task, r);
		/* Wait for goroutine 1 and 2 */
		T_EQ(0, gsched_wg_wait(&r->wg));
		T_EQ(2, atomic_load(&r->n));	/* Spurious wakeup from Wait */
	}
	free(rs);
	return 0;
}

TEST(TestWaitGroupRace)
{
	RUN_OK(&go_default_procs, test_wait_group_race);
}

/* ---- TestWaitGroupAlign ---- */

struct x {
	char x;
	gsched_wg_t wg;
};

static struct x x;
static atomic_int x_done;

static long align_task(void *arg)
{
	struct x *p = arg;

	atomic_store(&x_done, 1);
	T_EQ(0, gsched_wg_done(&p->wg));
	return 0;
}

static long test_wait_group_align(void *arg)
{
	T_EQ(0, offsetof(struct x, wg) % 8);
	T_EQ(0, (uintptr_t)&x.wg % 8);
	T_EQ(0, gsched_wg_add(&x.wg, 1));
	go(align_task, &x);
	T_EQ(0, gsched_wg_wait(&x.wg));
	T_EQ(1, atomic_load(&x_done));
	return 0;
}

TEST(TestWaitGroupAlign)
{
	RUN_OK(&go_default_procs, test_wait_group_align);
}

TEST_HARNESS_MAIN
