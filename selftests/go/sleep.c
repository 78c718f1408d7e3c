// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/time/sleep_test.go: Sleep, After, AfterFunc and
 * Timer's Stop and Reset.
 *
 * Go's Timer is a timer channel: NewTimer(d) is gsched_timer_make(&c, d,
 * 0), Stop and Reset are gsched_timer_stop() and gsched_timer_reset(),
 * which return 1 when the timer was armed (Go's true), and the channel
 * holds one value, the CLOCK_MONOTONIC time of the expiry, as Go's does
 * (Go 1.19: Stop does not drain it). AfterFunc(d, f) is what Go does: f
 * runs in a task of its own once an After(d) channel fires (after_func());
 * stopping it stops that channel. Durations are unsigned: where Go passes
 * 0 or a negative duration to mean "now", the port passes 1 ns, because a
 * 0 delay makes a stopped timer in libgsched (gsched_timer_make(3), "Unlike
 * Go"); TestOverflowSleep checks that documented difference.
 *
 * Timing. The guests are emulated and slow, so the checks are lower
 * bounds (a timer never fires early, a sleep never ends early) and
 * ordering; Go's upper bounds are dropped, or become "within 5 s" guards
 * (times GSCHED_TEST_TIMEOUT_SCALE) where Go's test would otherwise hang.
 * The tests that Go retries with growing durations (AfterStop,
 * AfterQueuing, Reset) are retried likewise.
 *
 * Adapted:
 *   Sleep: Go's Interrupt() sends SIGCHLD to the process; here too, with
 *	a handler installed (no SA_RESTART) so that it interrupts system
 *	calls: the sleep must still last its whole time.
 *   AfterStress: the garbage-collecting goroutine yields and sleeps 1 ns.
 *	NewTicker(1) gets the module's timer_min_period_us floor
 *	(gsched_timer_make(3)); the test checks the 100 ticks are spread over
 *	at least 98 floors.
 *   TimerStopStress: Go's 1 s/2 s/3 s (skipped with -short) are 250 ms,
 *	500 ms and 750 ms, times GSCHED_TEST_SCALE; every Stop must return
 *	true and no function may run.
 *   SleepZeroDeadlock: runtime.GC() is a yield.
 *   OverflowSleep: the huge durations are 2^63-1 ns as in Go, and 2^64-1;
 *	the negative ones cannot be written, and a 0 delay never fires
 *	(documented), where Go's After(negative) fires at once.
 *   Issue5745: the nil *Timer's Stop is gsched_timer_stop(0): -EBADF, the
 *	documented error; the ticker's Stop must still work after it.
 *   OverflowPeriodRuntimeTimer: Go's internal timer with a huge period is
 *	a timer channel due now with a period of 2^63-1 (and 2^64-1) ns:
 *	it fires once, never again, and other timers still fire.
 *   ZeroTimerResetPanics, ZeroTimerStopPanics: the zero Timer is the nil
 *	channel (-EBADF); a channel that is no timer is -EINVAL.
 *   ZeroTimer: 2,000 timers (Go: 1,000,000), divided by GSCHED_TEST_SCALE.
 *   TimerModifiedEarlier: 1,000 timers as in Go, divided by
 *	GSCHED_TEST_SCALE; Reset(past) is Reset(1 ns).
 *   AdjustTimers: the 750 ms bound is a 5 s guard.
 *
 * Left out: the benchmarks (Benchmark*, warmupScheduler, doWork).
 */
#include <signal.h>
#include <unistd.h>

#include "go.h"

/* A "# " line of the TAP output, written before the test's _exit() */
#define go_log(...) do { printf(__VA_ARGS__); fflush(stdout); } while (0)

#define SECOND		(1000 * MS)
#define MINUTE		(60 * SECOND)
#define HOUR		(60 * MINUTE)

/* A wait that should end: 5 s, times GSCHED_TEST_TIMEOUT_SCALE. */
static uint64_t guard(void)
{
	return 5 * SECOND * (uint64_t)gs_timeout_scale();
}

static gsched_chan_t new_timer(uint64_t d)
{
	gsched_chan_t c = 0;

	T_EQ(0, go_live(gsched_timer_make(&c, d, 0)));
	return c;
}

static gsched_chan_t after(uint64_t d)
{
	gsched_chan_t c = 0;

	T_EQ(0, go_live(gsched_after(&c, d)));
	return c;
}

/* <-c within guard(): 1 and the value, or 0 (a failed check) */
static int recv_guarded(gsched_chan_t c, uint64_t *v, int line)
{
	struct gsched_select_case cs[1] = { GSCHED_RECV(c, v) };
	int ok = 0, r = gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, guard(),
				      &ok);

	if (r == 0 && ok == 1)
		return 1;
	t_fail(line, "a value from the timer within the guard", 0, r);
	return 0;
}

/* select { case <-c: 1; default: 0 } */
static int ready(gsched_chan_t c)
{
	uint64_t v;
	int r = gsched_chan_tryrecv(c, &v);

	if (r == -EAGAIN)
		return 0;
	T_EQ(1, r);
	return r == 1;
}

/* AfterFunc(d, f): f(arg) runs in its own task once After(d) fires. */
struct after_func {
	gsched_chan_t c;
	void (*f)(void *);
	void *arg;
};

static long after_func_task(void *arg)
{
	struct after_func a = *(struct after_func *)arg;
	uint64_t v;

	free(arg);
	if (go_live(gsched_chan_recv(a.c, &v)) == 1)
		a.f(a.arg);
	return 0;
}

/* Returns the timer's channel: Stop it with gsched_timer_stop(). */
static gsched_chan_t after_func(uint64_t d, void (*f)(void *), void *arg)
{
	struct after_func *a = malloc(sizeof(*a));
	gsched_chan_t c;

	T_TRUE(a != NULL);
	if (!a)
		return 0;
	c = after(d);
	*a = (struct after_func){ .c = c, .f = f, .arg = arg };
	go(after_func_task, a);	/* which frees a */
	return c;
}

static void nothing(void *arg)
{
}

/* ==== Sleep =========================================================== */

static atomic_int sigchlds;

static void on_sigchld(int sig)
{
	atomic_fetch_add(&sigchlds, 1);
}

static const uint64_t sleep_delay = 100 * MS;

static long interrupter(void *arg)
{
	go_live(gsched_sleep(sleep_delay / 2));
	kill(getpid(), SIGCHLD);	/* Interrupt() */
	return 0;
}

static long sleep_main(void *arg)
{
	uint64_t start, duration;

	go(interrupter, NULL);
	start = now_ns();
	T_EQ(0, gsched_sleep(sleep_delay));
	duration = now_ns() - start;
	T_GE(sleep_delay, duration);	/* slept for only duration */
	go_log("# slept %llu ns; %d SIGCHLD\n", (unsigned long long)duration,
	       atomic_load(&sigchlds));
	return 0;
}

TEST(TestSleep)
{
	struct sigaction sa = { .sa_handler = on_sigchld };

	ASSERT_EQ(0, sigaction(SIGCHLD, &sa, NULL));	/* no SA_RESTART */
	RUN_OK(&go_default_procs, sleep_main);
}

/* ==== AfterFunc ======================================================= */

static atomic_int af_i;
static gsched_chan_t af_c;

static void af_f(void *arg)
{
	bool t = true;

	if (atomic_fetch_sub(&af_i, 1) - 1 >= 0) {
		after_func(1, af_f, NULL);	/* AfterFunc(0, f) */
		go_live(gsched_sleep(SECOND));
	} else {
		T_EQ(0, go_live(gsched_chan_send(af_c, &t)));
	}
}

static long after_func_main(void *arg)
{
	bool b = false;

	atomic_store(&af_i, 10);
	af_c = go_make(sizeof(bool), 0);
	after_func(1, af_f, NULL);
	T_EQ(1, gsched_chan_recv(af_c, &b));
	T_TRUE(b);
	T_EQ(-1, atomic_load(&af_i));
	return 0;
}

TEST(TestAfterFunc)
{
	RUN_OK(&go_default_procs, after_func_main);
}

/* ==== AfterStress ===================================================== */

static atomic_int stress_stop;

static long gc_yielder(void *arg)
{
	while (!atomic_load(&stress_stop)) {
		gsched_yield();			/* runtime.GC() */
		go_live(gsched_sleep(1));	/* Sleep(Nanosecond) */
	}
	return 0;
}

/* The module's floor on ticker periods, in ns, or 0 when not readable. */
static uint64_t min_period_ns(void)
{
	char buf[32];

	if (gs_sysfs_read("/sys/module/gsched/parameters/timer_min_period_us",
			  buf, sizeof(buf)))
		return 0;
	return strtoull(buf, NULL, 10) * 1000;
}

static long after_stress_main(void *arg)
{
	uint64_t first = 0, prev = 0, v = 0, floor_ns = min_period_ns();
	gsched_chan_t ticker;
	int i;

	go(gc_yielder, NULL);
	T_EQ(0, gsched_timer_make(&ticker, 1, 1));	/* NewTicker(1) */
	for (i = 0; i < 100; i++) {
		if (!recv_guarded(ticker, &v, __LINE__))
			break;
		T_GT(prev, v);		/* each tick later than the last */
		if (!i)
			first = v;
		prev = v;
	}
	T_EQ(1, gsched_timer_stop(ticker));	/* a ticker stays armed */
	atomic_store(&stress_stop, 1);
	/* 1 ns is raised to the floor: distinct ticks, a floor apart */
	go_log("# 100 ticks in %llu ns; floor %llu ns\n",
	       (unsigned long long)(prev - first),
	       (unsigned long long)floor_ns);
	T_GE(98 * floor_ns, prev - first);
	T_EQ(0, gsched_chan_release(ticker));
	return 0;
}

TEST(TestAfterStress)
{
	RUN_OK(&go_default_procs, after_stress_main);
}

/* ==== After, AfterTick ================================================ */

static long after_main(void *arg)
{
	const uint64_t delay = 100 * MS;
	uint64_t start = now_ns(), end = 0;
	gsched_chan_t c = after(delay);

	T_EQ(1, gsched_chan_recv(c, &end));
	T_GE(start + delay, now_ns());	/* slept for only ... */
	T_GE(start + delay, end);	/* expect >= start + delay */
	T_EQ(0, gsched_chan_release(c));
	return 0;
}

TEST(TestAfter)
{
	RUN_OK(&go_default_procs, after_main);
}

static long after_tick_main(void *arg)
{
	const int count = 10;
	const uint64_t delta = 10 * MS;	/* testing.Short() */
	uint64_t t0 = now_ns(), d;
	gsched_chan_t c;
	int i;

	for (i = 0; i < count; i++) {
		c = after(delta);
		T_EQ(1, gsched_chan_recv(c, NULL));
		T_EQ(0, gsched_chan_release(c));
	}
	d = now_ns() - t0;
	/* too fast; "too slow" is not checked in -short mode, nor here */
	T_GE(delta * count, d);
	return 0;
}

TEST(TestAfterTick)
{
	RUN_OK(&go_default_procs, after_tick_main);
}

/* ==== AfterStop ======================================================= */

static void send_true(void *arg)
{
	bool t = true;

	go_live(gsched_chan_send(*(gsched_chan_t *)arg, &t));
}

/* One try of Go's loop body at @k times Go's durations: 0 when passed. */
static int after_stop_once(uint64_t k)
{
	static gsched_chan_t c1s[8];
	static int n;
	gsched_chan_t t0, t1, c2, *c1 = &c1s[n++ % 8];
	bool b;

	after_func(100 * MS * k, nothing, NULL);
	t0 = new_timer(50 * MS * k);
	*c1 = go_make(sizeof(bool), 1);
	t1 = after_func(150 * MS * k, send_true, c1);
	c2 = after(200 * MS * k);
	if (gsched_timer_stop(t0) != 1)
		return 1;		/* failed to stop event 0 */
	if (gsched_timer_stop(t1) != 1)
		return 2;		/* failed to stop event 1 */
	T_EQ(1, gsched_chan_recv(c2, NULL));
	if (ready(t0))
		return 3;		/* event 0 was not stopped */
	if (gsched_chan_tryrecv(*c1, &b) != -EAGAIN)
		return 4;		/* event 1 was not stopped */
	if (gsched_timer_stop(t1) != 0)
		return 5;		/* Stop returned true twice */
	gsched_chan_release(t0);
	gsched_chan_release(c2);
	return 0;
}

static long after_stop_main(void *arg)
{
	static const uint64_t ks[] = { 1, 1, 2, 4, 8 };
	int i, err = -1;

	for (i = 0; i < 5 && err; i++) {
		err = after_stop_once(ks[i]);
		if (err)
			go_log("# try %d (x%llu): error %d\n", i,
			       (unsigned long long)ks[i], err);
	}
	T_EQ(0, err);	/* saw errors every time */
	return 0;
}

TEST(TestAfterStop)
{
	RUN_OK(&go_default_procs, after_stop_main);
}

/* ==== AfterQueuing ==================================================== */

static const long slots[] = { 5, 3, 6, 6, 6, 1, 1, 2, 7, 9, 4, 8, 0 };
#define NSLOTS	((int)(sizeof(slots) / sizeof(slots[0])))

struct after_result {
	long slot;
	uint64_t t;
};

struct await_arg {
	long slot;
	gsched_chan_t result, ac;
};

static struct await_arg awaits[NSLOTS];

static long await(void *arg)
{
	struct await_arg *a = arg;
	struct after_result r = { .slot = a->slot };

	T_EQ(1, go_live(gsched_chan_recv(a->ac, &r.t)));
	gsched_chan_release(a->ac);
	T_EQ(0, go_live(gsched_chan_send(a->result, &r)));
	return 0;
}

/* 0, or why not */
static int test_after_queuing(uint64_t delta)
{
	struct after_result r[NSLOTS];
	gsched_chan_t result;
	uint64_t t0;
	int i, err = 0;

	/* buffered: no reliance on channel queueing semantics */
	result = go_make(sizeof(struct after_result), NSLOTS);
	t0 = now_ns();
	for (i = 0; i < NSLOTS; i++) {
		awaits[i] = (struct await_arg){ .slot = slots[i],
						.result = result,
						/* After(0): 1 ns */
						.ac = after(slots[i] ?
							    slots[i] * delta :
							    1) };
		go(await, &awaits[i]);
	}
	for (i = 0; i < NSLOTS; i++)
		T_EQ(1, gsched_chan_recv(result, &r[i]));
	for (i = 1; i < NSLOTS; i++)
		if (r[i].slot < r[i - 1].slot)
			err = 1;	/* After calls returned out of order */
	for (i = 0; i < NSLOTS; i++)
		/* arrived before its time (Go: target - delta/2) */
		T_GE(t0 + r[i].slot * delta, r[i].t);
	gsched_chan_release(result);
	return err;
}

static long after_queuing_main(void *arg)
{
	int i, err = 1;

	/* this flakes out on some systems: a few tries */
	for (i = 0; i < 5 && err; i++) {
		err = test_after_queuing((20 + i * 50) * MS);
		if (err)
			go_log("# attempt %d failed: out of order\n", i);
	}
	T_EQ(0, err);
	return 0;
}

TEST(TestAfterQueuing)
{
	RUN_OK(&go_default_procs, after_queuing_main);
}

/* ==== TimerStopStress ================================================= */

#define STOP_STRESS	100

static atomic_int stop_fired, stop_true, stop_done;

static void not_stopped(void *arg)
{
	atomic_fetch_add(&stop_fired, 1);	/* timer %d was not stopped */
}

static long stop_stress_task(void *arg)
{
	uint64_t d = *(uint64_t *)arg;
	gsched_chan_t timer = after_func(2 * d, not_stopped, NULL);

	go_live(gsched_sleep(d));
	if (go_live(gsched_timer_stop(timer)) == 1)
		atomic_fetch_add(&stop_true, 1);
	atomic_fetch_add(&stop_done, 1);
	return 0;
}

static long timer_stop_stress_main(void *arg)
{
	static uint64_t d;
	int i;

	d = 250 * MS * (uint64_t)gs_test_scale();
	for (i = 0; i < STOP_STRESS; i++)
		go(stop_stress_task, &d);
	T_EQ(0, gsched_sleep(3 * d));
	T_EQ(STOP_STRESS, atomic_load(&stop_done));
	T_EQ(STOP_STRESS, atomic_load(&stop_true));
	T_EQ(0, atomic_load(&stop_fired));
	return 0;
}

TEST(TestTimerStopStress)
{
	RUN_OK(&go_default_procs, timer_stop_stress_main);
}

/* ==== SleepZeroDeadlock =============================================== */

static long gc_100(void *arg)
{
	int i;

	for (i = 0; i < 100; i++)
		gsched_yield();		/* runtime.GC() */
	go_send_long(*(gsched_chan_t *)arg, 1);	/* c <- true */
	return 0;
}

static struct gsched_opts four_procs = { .nprocs = 4 };

static long sleep_zero_deadlock_main(void *arg)
{
	static gsched_chan_t c;
	gsched_chan_t tmp;
	long v = 1;
	int i;

	c = go_make(sizeof(long), 0);
	go(gc_100, &c);
	for (i = 0; i < 100; i++) {
		T_EQ(0, gsched_sleep(0));
		tmp = go_make(sizeof(long), 1);
		go_send_long(tmp, v);
		T_EQ(1, go_recv_long(tmp));
		T_EQ(0, gsched_chan_release(tmp));
	}
	go_recv_long(c);
	return 0;
}

TEST(TestSleepZeroDeadlock)
{
	RUN_OK(&four_procs, sleep_zero_deadlock_main);
}

/* ==== Reset =========================================================== */

static const char *test_reset(uint64_t d)
{
	gsched_chan_t t0 = new_timer(2 * d);
	const char *err = NULL;

	T_EQ(0, gsched_sleep(d));
	if (gsched_timer_reset(t0, 3 * d, 0) != 1) {
		err = "resetting unfired timer returned false";
		goto out;
	}
	T_EQ(0, gsched_sleep(2 * d));
	if (ready(t0)) {
		err = "timer fired early";
		goto out;
	}
	T_EQ(0, gsched_sleep(2 * d));
	if (!ready(t0)) {
		err = "reset timer did not fire";
		goto out;
	}
	if (gsched_timer_reset(t0, 50 * MS, 0) != 0)
		err = "resetting expired timer returned true";
out:
	gsched_chan_release(t0);
	return err;
}

static long reset_main(void *arg)
{
	/* increasingly larger multiples until one works */
	static const uint64_t tries[] = { 1, 3, 7, 15 };
	const uint64_t unit = 25 * MS;
	const char *err = "no try";
	int i;

	for (i = 0; i < 4 && err; i++) {
		err = test_reset(tries[i] * unit);
		if (err)
			go_log("# %llu ms: %s\n",
			       (unsigned long long)(tries[i] * unit / MS), err);
	}
	T_TRUE(err == NULL);
	return 0;
}

TEST(TestReset)
{
	RUN_OK(&go_default_procs, reset_main);
}

/* ==== OverflowSleep =================================================== */

static atomic_int big_returned;

static long big_sleeper(void *arg)
{
	go_live(gsched_sleep(*(uint64_t *)arg));
	atomic_fetch_add(&big_returned, 1);	/* big sleep returned */
	return 0;
}

/* select { <-a: 0, <-b: 1 } within guard() */
static int first_of(gsched_chan_t a, gsched_chan_t b)
{
	struct gsched_select_case cs[2] = {
		GSCHED_RECV(a, NULL), GSCHED_RECV(b, NULL),
	};

	return gsched_select(cs, 2, GSCHED_SELECT_TIMEOUT, guard(), NULL);
}

static long overflow_sleep_main(void *arg)
{
	static const uint64_t bigs[] = { INT64_MAX, UINT64_MAX };
	gsched_chan_t a, b;
	int i;

	for (i = 0; i < 2; i++) {
		go(big_sleeper, (void *)&bigs[i]);
		a = after(bigs[i]);
		b = after(25 * MS);
		T_EQ(1, first_of(a, b));	/* big timeout fired */
		gsched_chan_release(a);
		gsched_chan_release(b);
	}
	/*
	 * Go's Sleep(neg) returns at once and After(neg) fires at once; C's
	 * durations cannot be negative, and a 0 delay is a stopped timer.
	 */
	T_EQ(0, gsched_sleep(0));
	a = after(0);
	b = after(25 * MS);
	T_EQ(1, first_of(a, b));
	T_EQ(0, gsched_timer_stop(a));	/* never armed */
	gsched_chan_release(a);
	gsched_chan_release(b);
	/* the shortest delay there is fires */
	a = after(1);
	b = after(SECOND);
	T_EQ(0, first_of(a, b));	/* negative timeout didn't fire */
	gsched_chan_release(a);
	gsched_chan_release(b);
	T_EQ(0, atomic_load(&big_returned));
	return 0;
}

TEST(TestOverflowSleep)
{
	RUN_OK(&go_default_procs, overflow_sleep_main);
}

/* ==== Issue5745, OverflowPeriodRuntimeTimer =========================== */

static long issue5745_main(void *arg)
{
	gsched_chan_t ticker;

	T_EQ(0, gsched_timer_make(&ticker, HOUR, HOUR));
	/* var timer *Timer; timer.Stop() */
	T_EQ(-EBADF, gsched_timer_stop(0));
	/* would deadlock here if the failed Stop left a lock held */
	T_EQ(1, gsched_timer_stop(ticker));
	T_EQ(0, gsched_timer_stop(ticker));
	T_EQ(0, gsched_chan_release(ticker));
	return 0;
}

TEST(TestIssue5745)
{
	RUN_OK(&go_default_procs, issue5745_main);
}

static long overflow_period_main(void *arg)
{
	static const uint64_t periods[] = { INT64_MAX, UINT64_MAX };
	gsched_chan_t r, c;
	uint64_t v;
	int i;

	for (i = 0; i < 2; i++) {
		/* due now, with a huge period */
		T_EQ(0, gsched_timer_make(&r, 1, periods[i]));
		recv_guarded(r, &v, __LINE__);
		/* other timers still fire: <-After(25 * Millisecond) */
		c = after(25 * MS);
		recv_guarded(c, &v, __LINE__);
		gsched_chan_release(c);
		/* and the huge period never comes round */
		T_EQ(0, ready(r));
		T_EQ(1, gsched_timer_stop(r));	/* defer stopTimer(r) */
		gsched_chan_release(r);
	}
	return 0;
}

TEST(TestOverflowPeriodRuntimeTimer)
{
	RUN_OK(&go_default_procs, overflow_period_main);
}

/* ==== ZeroTimerResetPanics, ZeroTimerStopPanics ======================= */

static long zero_timer_reset_main(void *arg)
{
	gsched_chan_t plain = go_make(sizeof(uint64_t), 1);

	/* var tr Timer; tr.Reset(1): "called on uninitialized Timer" */
	T_EQ(-EBADF, gsched_timer_reset(0, 1, 0));
	T_EQ(-EINVAL, gsched_timer_reset(plain, 1, 0));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(plain, NULL));
	return 0;
}

TEST(TestZeroTimerResetPanics)
{
	RUN_OK(&go_default_procs, zero_timer_reset_main);
}

static long zero_timer_stop_main(void *arg)
{
	gsched_chan_t plain = go_make(sizeof(uint64_t), 1);

	T_EQ(-EBADF, gsched_timer_stop(0));
	T_EQ(-EINVAL, gsched_timer_stop(plain));
	return 0;
}

TEST(TestZeroTimerStopPanics)
{
	RUN_OK(&go_default_procs, zero_timer_stop_main);
}

/* ==== ZeroTimer ======================================================= */

static long zero_timer_main(void *arg)
{
	long i, n = gs_scaled(2000, 200);
	gsched_chan_t ti;
	uint64_t s, v;

	for (i = 0; i < n; i++) {
		s = now_ns();
		ti = new_timer(1);	/* NewTimer(0) */
		if (!recv_guarded(ti, &v, __LINE__))
			break;
		T_GE(s, v);
		gsched_chan_release(ti);
	}
	return 0;
}

TEST(TestZeroTimer)
{
	RUN_OK(&go_default_procs, zero_timer_main);
}

/* ==== TimerModifiedEarlier ============================================ */

static long timer_modified_earlier_main(void *arg)
{
	long i, count = gs_scaled(1000, 100);
	gsched_chan_t timer;
	uint64_t v;
	int j, r;

	for (i = 0; i < count; i++) {
		timer = new_timer(HOUR);
		for (j = 0; j < 10; j++) {
			if (gsched_timer_stop(timer) != 1)
				recv_guarded(timer, &v, __LINE__);
			r = gsched_timer_reset(timer, 1, 0);	/* Reset(past) */
			T_TRUE(r == 0 || r == 1);
		}
		if (!recv_guarded(timer, &v, __LINE__))
			break;	/* deadline expired */
		gsched_chan_release(timer);
	}
	return 0;
}

TEST(TestTimerModifiedEarlier)
{
	RUN_OK(&go_default_procs, timer_modified_earlier_main);
}

/* ==== AdjustTimers ==================================================== */

#define NTIMERS	100

static long adjust_timers_main(void *arg)
{
	unsigned int seed = (unsigned int)now_ns();
	gsched_chan_t timers[NTIMERS] = { 0 };
	int states[NTIMERS] = { 0 }, indices[NTIMERS], n = NTIMERS;
	int ii, i, j, t, state;
	uint64_t v;

	go_log("# seed %u\n", seed);
	for (i = 0; i < NTIMERS; i++)	/* rnd.Perm */
		indices[i] = i;
	for (i = NTIMERS - 1; i > 0; i--) {
		j = rand_r(&seed) % (i + 1);
		t = indices[i];
		indices[i] = indices[j];
		indices[j] = t;
	}
	while (n) {
		ii = rand_r(&seed) % n;
		i = indices[ii];
		state = states[i]++;
		switch (state) {
		case 0:
			timers[i] = new_timer(1);	/* NewTimer(0) */
			break;
		case 1:
			recv_guarded(timers[i], &v, __LINE__);	/* idle */
			break;
		/* reset to various long durations, which we'll cancel */
		case 2:
			T_EQ(0, gsched_timer_reset(timers[i], MINUTE, 0));
			break;
		case 4:
			T_EQ(0, gsched_timer_reset(timers[i], 3 * MINUTE, 0));
			break;
		case 6:
			T_EQ(0, gsched_timer_reset(timers[i], 2 * MINUTE, 0));
			break;
		/* stop and drain a long-duration timer */
		case 3:
		case 5:
		case 7:
			if (gsched_timer_stop(timers[i]) != 1) {
				go_log("# timer %d state %d Stop returned false\n",
				       i, state);
				recv_guarded(timers[i], &v, __LINE__);
			}
			break;
		/* a short-duration timer we expect to select without blocking */
		case 8:
			T_EQ(0, gsched_timer_reset(timers[i], 1, 0));
			break;
		case 9:
			recv_guarded(timers[i], &v, __LINE__);
			break;
		/* done: swap with the tail and remove */
		case 10:
			T_EQ(0, gsched_chan_release(timers[i]));
			indices[ii] = indices[--n];
			break;
		}
	}
	return 0;
}

TEST(TestAdjustTimers)
{
	RUN_OK(&go_default_procs, adjust_timers_main);
}

TEST_HARNESS_MAIN
