// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/sync/cond_test.go: sync.Cond is libgsched's
 * cond (a handle: gsched_cond_init(), gsched_sync_release()) with a
 * gsched_mutex_t as its L.
 *
 * TestCondSignal: 2 goroutines wait; each Signal wakes exactly one
 * ("goroutine not asleep", "too many goroutines awake"); a last Signal
 * with nobody waiting is fine. Added: main also counts the goroutines
 * still blocked in the cond (gsched_task_info()) before and after each
 * Signal: a woken task is runnable as soon as the Signal returns, so a
 * Signal that wakes both shows even before the second one runs.
 *
 * TestCondSignalGenerations: 100 goroutines, one at a time; Signal must
 * wake the goroutine that was waiting when it was sent ("wrong goroutine
 * woke up").
 *
 * TestCondBroadcast: n goroutines loop in Wait; each round main waits for
 * all n to be running (waiting), checks none is awake, Broadcasts, and
 * each must wake exactly once ("goroutine woke up twice"); at the last
 * round they exit and none may run again ("goroutine did not exit").
 * Adapted: Go has 200 goroutines and 200 rounds, 40,000 wakeups and as
 * many contended relocks; the port has 200 goroutines (divided by
 * GSCHED_TEST_SCALE, at least 20) and 50 rounds (divided by it, at least
 * 5): every round already wakes them all.
 *
 * TestRace: three goroutines hand a value along under the cond's mutex
 * (x: 1, 2, 3); each Wait must return to the value the signaller left
 * ("want 2", "want 3"). runtime.Gosched() is gsched_yield().
 *
 * TestCondSignalStealing: a Broadcast that races with a new waiter must
 * still wake the waiter that was already waiting ("First waiter didn't
 * get broadcast") within 2 s in Go; here 10 s times
 * GSCHED_TEST_TIMEOUT_SCALE, as a liveness bound only. Go's 1,000 rounds
 * divided by GSCHED_TEST_SCALE (at least 100), each with a new Mutex and
 * Cond. Added: the broadcasting and the second waiting goroutine are
 * joined before the round's cond is released.
 *
 * Left out: TestCondCopy (Go panics when a Cond is copied after use; a
 * gsched_cond_t is a handle, and a copy names the same cond) and the
 * benchmarks.
 */
#include "go.h"

static gsched_mutex_t m;
static gsched_cond_t c;

static void new_cond(void)
{
	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_cond_init(&c));
}

/* ---- TestCondSignal ---- */

static gsched_chan_t running, awake;

static long signal_waiter(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	go_send_long(running, 1);
	T_EQ(0, gsched_cond_wait(c, &m));
	go_send_long(awake, 1);
	T_EQ(0, gsched_mutex_unlock(&m));
	return 0;
}

/* How many of the @n tasks @ids wait in a cond. */
static int in_cond_wait(const int *ids, int n)
{
	int i, k = 0;

	for (i = 0; i < n; i++)
		k += task_sr(ids[i]) ==
		     SR(GSCHED_TASK_WAITING, GSCHED_WAIT_COND);
	return k;
}

static long test_cond_signal(void *arg)
{
	int n = 2, ids[2], i;

	new_cond();
	running = go_make(sizeof(long), n);
	awake = go_make(sizeof(long), n);
	for (i = 0; i < n; i++) {
		ids[i] = spawn_j(signal_waiter, NULL);
		T_GT(0, ids[i]);
	}
	for (i = 0; i < n; i++)
		go_recv_long(running);	/* Wait for everyone to run. */
	for (i = 0; i < n; i++)		/* added: and to wait */
		T_EQ(GSCHED_WAIT_COND, wait_blocked_sleeping(ids[i]));
	while (n > 0) {
		T_EQ(0, go_ready(awake));	/* goroutine not asleep */
		T_EQ(n, in_cond_wait(ids, 2));
		T_EQ(0, gsched_mutex_lock(&m));
		T_EQ(0, gsched_cond_signal(c));
		/* added: one woke, and is runnable by now */
		T_EQ(n - 1, in_cond_wait(ids, 2));
		T_EQ(0, gsched_mutex_unlock(&m));
		go_recv_long(awake);	/* deadlocks if no goroutine wakes up */
		T_EQ(0, go_ready(awake));	/* too many goroutines awake */
		T_EQ(n - 1, in_cond_wait(ids, 2));
		n--;
	}
	T_EQ(0, gsched_cond_signal(c));
	for (i = 0; i < 2; i++)
		T_EQ(0, join_val(ids[i]));
	T_EQ(0, gsched_sync_release(c));
	return 0;
}

TEST(TestCondSignal)
{
	RUN_OK(&go_default_procs, test_cond_signal);
}

/* ---- TestCondSignalGenerations ---- */

static long generations_waiter(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	go_send_long(running, 1);
	T_EQ(0, gsched_cond_wait(c, &m));
	go_send_long(awake, (long)arg);
	T_EQ(0, gsched_mutex_unlock(&m));
	return 0;
}

static long test_cond_signal_generations(void *arg)
{
	long n = 100, i;

	new_cond();
	running = go_make(sizeof(long), n);
	awake = go_make(sizeof(long), n);
	for (i = 0; i < n; i++) {
		go(generations_waiter, (void *)i);
		if (i > 0)	/* wrong goroutine woke up */
			T_EQ(i - 1, go_recv_long(awake));
		go_recv_long(running);
		T_EQ(0, gsched_mutex_lock(&m));
		T_EQ(0, gsched_cond_signal(c));
		T_EQ(0, gsched_mutex_unlock(&m));
	}
	T_EQ(n - 1, go_recv_long(awake));	/* added: the last one too */
	T_EQ(0, gsched_sync_release(c));
	return 0;
}

TEST(TestCondSignalGenerations)
{
	RUN_OK(&go_default_procs, test_cond_signal_generations);
}

/* ---- TestCondBroadcast ---- */

static bool exit_;		/* Go's exit, under m */

static long broadcast_waiter(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	while (!exit_) {
		go_send_long(running, (long)arg);
		T_EQ(0, gsched_cond_wait(c, &m));
		go_send_long(awake, (long)arg);
	}
	T_EQ(0, gsched_mutex_unlock(&m));
	return 0;
}

static long test_cond_broadcast(void *arg)
{
	long n = gs_scaled(200, 20), rounds = gs_scaled(50, 5), i, j, g;
	bool *seen = calloc(n, sizeof(*seen));

	T_TRUE(seen);
	if (!seen)
		return 0;
	new_cond();
	running = go_make(sizeof(long), n);
	awake = go_make(sizeof(long), n);
	for (i = 0; i < n; i++)
		go(broadcast_waiter, (void *)i);
	for (i = 0; i < rounds; i++) {
		for (j = 0; j < n; j++)
			go_recv_long(running);	/* deadlocks unless n run */
		if (i == rounds - 1) {
			T_EQ(0, gsched_mutex_lock(&m));
			exit_ = true;
			T_EQ(0, gsched_mutex_unlock(&m));
		}
		T_EQ(0, go_ready(awake));	/* goroutine not asleep */
		T_EQ(0, gsched_mutex_lock(&m));
		T_EQ(0, gsched_cond_broadcast(c));
		T_EQ(0, gsched_mutex_unlock(&m));
		memset(seen, 0, n * sizeof(*seen));
		for (j = 0; j < n; j++) {
			g = go_recv_long(awake);
			T_TRUE(g >= 0 && g < n);
			if (g < 0 || g >= n)
				continue;
			T_EQ(0, seen[g]);	/* goroutine woke up twice */
			seen[g] = true;
		}
	}
	T_EQ(0, go_ready(running));	/* goroutine did not exit */
	T_EQ(0, gsched_cond_broadcast(c));
	free(seen);
	T_EQ(0, gsched_sync_release(c));
	return 0;
}

TEST(TestCondBroadcast)
{
	RUN_OK(&go_default_procs, test_cond_broadcast);
}

/* ---- TestRace ---- */

static int x;			/* under m */
static gsched_chan_t done;

static long race1(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	x = 1;
	T_EQ(0, gsched_cond_wait(c, &m));
	T_EQ(2, x);			/* want 2 */
	x = 3;
	T_EQ(0, gsched_cond_signal(c));
	T_EQ(0, gsched_mutex_unlock(&m));
	go_send_long(done, 1);
	return 0;
}

static long race2(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	for (;;) {
		if (x == 1) {
			x = 2;
			T_EQ(0, gsched_cond_signal(c));
			break;
		}
		T_EQ(0, gsched_mutex_unlock(&m));
		gsched_yield();
		T_EQ(0, gsched_mutex_lock(&m));
	}
	T_EQ(0, gsched_mutex_unlock(&m));
	go_send_long(done, 1);
	return 0;
}

static long race3(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	for (;;) {
		if (x == 2) {
			T_EQ(0, gsched_cond_wait(c, &m));
			T_EQ(3, x);	/* want 3 */
			break;
		}
		if (x == 3)
			break;
		T_EQ(0, gsched_mutex_unlock(&m));
		gsched_yield();
		T_EQ(0, gsched_mutex_lock(&m));
	}
	T_EQ(0, gsched_mutex_unlock(&m));
	go_send_long(done, 1);
	return 0;
}

static long test_race(void *arg)
{
	new_cond();
	done = go_make(sizeof(long), 0);
	go(race1, NULL);
	go(race2, NULL);
	go(race3, NULL);
	go_recv_long(done);
	go_recv_long(done);
	go_recv_long(done);
	T_EQ(0, gsched_sync_release(c));
	return 0;
}

TEST(TestRace)
{
	RUN_OK(&go_default_procs, test_race);
}

/* ---- TestCondSignalStealing ---- */

static gsched_chan_t ch;
static bool done_;		/* Go's done, under m */

static long first_waiter(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	go_send_long(ch, 1);
	T_EQ(0, gsched_cond_wait(c, &m));
	T_EQ(0, gsched_mutex_unlock(&m));
	go_send_long(ch, 1);
	return 0;
}

static long broadcaster(void *arg)
{
	T_EQ(0, gsched_cond_broadcast(c));
	return 0;
}

static long second_waiter(void *arg)
{
	T_EQ(0, gsched_mutex_lock(&m));
	while (!done_)
		T_EQ(0, gsched_cond_wait(c, &m));
	T_EQ(0, gsched_mutex_unlock(&m));
	return 0;
}

static long test_cond_signal_stealing(void *arg)
{
	long iters, rounds = gs_scaled(1000, 100);
	struct gsched_select_case cs[2];
	gsched_chan_t timeout;
	int w, b, s, r;
	long v;

	ch = go_make(sizeof(long), 0);
	for (iters = 0; iters < rounds; iters++) {
		new_cond();
		done_ = false;

		/* Start a waiter. */
		w = spawn_j(first_waiter, NULL);
		T_GT(0, w);
		go_recv_long(ch);
		T_EQ(0, gsched_mutex_lock(&m));
		T_EQ(0, gsched_mutex_unlock(&m));

		/*
		 * We know that the waiter is in the cond.Wait() call because
		 * we synchronized with it, then acquired/released the mutex
		 * it was holding when we synchronized.
		 *
		 * Start two goroutines that will race: one will broadcast on
		 * the cond var, the other will wait on it.
		 *
		 * The new waiter may or may not get notified, but the first
		 * one has to be notified.
		 */
		b = spawn_j(broadcaster, NULL);
		T_GT(0, b);
		s = spawn_j(second_waiter, NULL);
		T_GT(0, s);

		/* Check that the first waiter does get signaled. */
		timeout = 0;
		T_EQ(0, gsched_after(&timeout,
				     10000 * MS * gs_timeout_scale()));
		cs[0] = GSCHED_RECV(ch, &v);
		cs[1] = GSCHED_RECV(timeout, &v);
		r = gsched_select(cs, 2, 0, 0, NULL);
		T_EQ(0, r);	/* 1: First waiter didn't get broadcast. */
		T_EQ(0, gsched_chan_release(timeout));

		/*
		 * Release the second waiter in case it didn't get the
		 * broadcast.
		 */
		T_EQ(0, gsched_mutex_lock(&m));
		done_ = true;
		T_EQ(0, gsched_mutex_unlock(&m));
		T_EQ(0, gsched_cond_broadcast(c));

		T_EQ(0, join_val(b));
		T_EQ(0, join_val(s));
		if (r != 0) {	/* wake the first waiter, then give up */
			T_EQ(0, gsched_cond_broadcast(c));
			go_recv_long(ch);
		}
		T_EQ(0, join_val(w));
		T_EQ(0, gsched_sync_release(c));
		if (r != 0)
			break;
	}
	return 0;
}

TEST(TestCondSignalStealing)
{
	RUN_OK(&go_default_procs, test_cond_signal_stealing);
}

TEST_HARNESS_MAIN
