// SPDX-License-Identifier: GPL-2.0
/*
 * Timers through libgsched: sleep, one-shot timers (gsched_after), tickers,
 * stop and reset, a sleeping program that is no deadlock, and loops that
 * make a fresh timer or select timeout every iteration without piling
 * timers up.
 *
 * Every TEST runs in its own forked child (kselftest harness), so globals
 * are per test. Tasks cannot ASSERT: they check with the T_* macros, which
 * record the first failure; RUN_OK() then reports it.
 */
#include <stdatomic.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"

static struct gsched_opts one_p = { .nprocs = 1 };
static struct gsched_opts two_p = { .nprocs = 2 };

/* ==== sleep, one-shot timers, tickers, stop and reset ================= */

static uint64_t tm_elapsed;

static long sleep_main(void *arg)
{
	uint64_t t0 = now_ns();

	T_EQ(0, gsched_sleep(10 * MS));
	tm_elapsed = now_ns() - t0;
	T_EQ(0, gsched_sleep(0));
	return 0;
}

TEST(timer_sleep)
{
	RUN_OK(&two_p, sleep_main);
	TH_LOG("slept %llu ns", (unsigned long long)tm_elapsed);
	EXPECT_GE(tm_elapsed, 10 * MS);
}

static long after_main(void *arg)
{
	uint64_t t0 = now_ns(), when = 0;
	gsched_chan_t t;

	T_EQ(0, gsched_after(&t, 20 * MS));
	T_EQ(1, gsched_chan_cap(t));
	T_EQ(1, gsched_chan_recv(t, &when));
	T_GE(t0 + 20 * MS, when);	/* a CLOCK_MONOTONIC time, not early */
	T_GE(when, now_ns());
	/* once only */
	T_EQ(0, gsched_sleep(40 * MS));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(t, &when));
	T_EQ(0, gsched_timer_stop(t));		/* fired: not armed */
	T_EQ(0, gsched_chan_release(t));
	T_EQ(0, gs_sysfs_inst(gsched_instance_id(), "timers"));
	return 0;
}

TEST(timer_after_fires_once)
{
	RUN_OK(&two_p, after_main);
}

static long ticker_main(void *arg)
{
	uint64_t tick[3], t0 = now_ns(), v;
	gsched_chan_t t;
	int i;

	T_EQ(0, gsched_timer_make(&t, 5 * MS, 5 * MS));
	for (i = 0; i < 3; i++) {
		T_EQ(1, gsched_chan_recv(t, &tick[i]));
		T_GT(i ? tick[i - 1] : t0, tick[i]);
	}
	T_EQ(1, gsched_timer_stop(t));		/* a ticker stays armed */
	gsched_chan_tryrecv(t, &v);		/* a tick may be buffered */
	T_EQ(0, gsched_sleep(20 * MS));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(t, &v));	/* no more after stop */
	T_EQ(0, gsched_chan_release(t));
	return 0;
}

TEST(timer_ticker)
{
	RUN_OK(&two_p, ticker_main);
}

/*
 * Stop and reset are final, as Go's are: once they return, no tick from
 * before arrives. The timer work sends a tick after taking the timer off
 * its queue; a stop that landed in between used to return with that tick
 * still on its way. Each round drains a ticker at the floor period at a
 * varying moment, stops it (or resets it to an hour away), and compares
 * the buffered count just after with the count many periods later: a
 * tick that came after the stop returned shows as one more (when the
 * buffer was empty at the stop; a full one drops it unseen). A one-shot
 * timer whose stop returns 0 has fired, so its value is there to take at
 * once (Go's "if !t.Stop() { <-t.C }", without blocking). The gap is
 * short: many rounds make it likely to be hit.
 */
#define FINAL_ROUNDS	300

static long stop_final_main(void *arg)
{
	long rounds = gs_scaled(FINAL_ROUNDS, 50), i;
	long late_stop = 0, late_reset = 0, oneshot_missing = 0, fired = 0;
	gsched_chan_t tk, ts;
	uint64_t v;
	int ok, len;

	T_EQ(0, gsched_timer_make(&tk, 0, 0));	/* created stopped */
	T_EQ(0, gsched_timer_make(&ts, 0, 0));
	for (i = 0; i < rounds; i++) {
		uint64_t d = 50 * 1000 + (uint64_t)(i % 7) * 37 * 1000;

		/* a ticker at (or below: raised to) the 100 us floor */
		T_EQ(0, gsched_timer_reset(tk, 1000, 1000));
		T_EQ(0, gsched_sleep(d));
		gsched_chan_tryrecv(tk, &v);		/* mostly empty now */
		if (i & 1) {
			T_EQ(1, gsched_timer_stop(tk));
		} else {	/* a reset to far away ends the ticks too */
			T_EQ(1, gsched_timer_reset(tk, 3600ULL * 1000 * MS,
						   0));
		}
		len = gsched_chan_len(tk);
		T_EQ(0, gsched_sleep(3 * MS));		/* 30 floor periods */
		if (gsched_chan_len(tk) > len) {
			if (i & 1)
				late_stop++;
			else
				late_reset++;
		}
		gsched_chan_tryrecv(tk, &v);
		/* stopped, or queued an hour away */
		T_EQ((i & 1) ? 0 : 1, gsched_timer_stop(tk));

		/* a one-shot timer stopped around its expiry */
		gsched_chan_tryrecv(ts, &v);	/* only a late value from before */
		T_EQ(0, gsched_timer_reset(ts, d, 0));
		T_EQ(0, gsched_sleep(d));
		ok = gsched_timer_stop(ts);
		T_TRUE(ok == 0 || ok == 1);
		if (!ok) {
			fired++;
			if (gsched_chan_tryrecv(ts, &v) != 1)
				oneshot_missing++;
		}
	}
	printf("# %ld rounds: late ticks after stop %ld, after reset %ld; "
	       "one-shot stops after firing %ld, value not there %ld\n",
	       rounds, late_stop, late_reset, fired, oneshot_missing);
	fflush(stdout);
	T_EQ(0, late_stop);
	T_EQ(0, late_reset);
	T_EQ(0, oneshot_missing);
	T_EQ(0, gsched_chan_release(tk));
	T_EQ(0, gsched_chan_release(ts));
	return 0;
}

TEST(timer_stop_reset_final)
{
	RUN_OK(&two_p, stop_final_main);
}

static long stop_main(void *arg)
{
	uint64_t v;
	gsched_chan_t t;

	T_EQ(0, gsched_after(&t, 300 * MS));
	T_EQ(1, gsched_timer_stop(t));
	T_EQ(0, gsched_sleep(400 * MS));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(t, &v));
	T_EQ(0, gsched_timer_stop(t));
	T_EQ(0, gsched_chan_release(t));
	/* a timer created stopped */
	T_EQ(0, gsched_timer_make(&t, 0, 0));
	T_EQ(0, gsched_timer_stop(t));
	T_EQ(0, gsched_chan_release(t));
	return 0;
}

TEST(timer_stop_before_expiry)
{
	RUN_OK(&two_p, stop_main);
}

static long reset_main(void *arg)
{
	uint64_t v, t0, t1;
	gsched_chan_t t;

	/* reset a stopped timer: it fires */
	T_EQ(0, gsched_timer_make(&t, 0, 0));
	t0 = now_ns();
	T_EQ(0, gsched_timer_reset(t, 10 * MS, 0));
	T_EQ(1, gsched_chan_recv(t, &v));
	T_GE(t0 + 10 * MS, v);
	/* reset an armed one: the new expiry wins */
	T_EQ(0, gsched_timer_reset(t, 10000 * MS, 0));
	t0 = now_ns();
	T_EQ(1, gsched_timer_reset(t, 5 * MS, 0));
	T_EQ(1, gsched_chan_recv(t, &v));
	t1 = now_ns();
	T_GE(t0 + 5 * MS, v);
	T_LE(t0 + 5000 * MS, t1);	/* not the 10 s one */
	/* reset into a ticker */
	T_EQ(0, gsched_timer_reset(t, 2 * MS, 2 * MS));
	T_EQ(1, gsched_chan_recv(t, &v));
	T_EQ(1, gsched_chan_recv(t, &v));
	T_EQ(1, gsched_timer_stop(t));
	/* reset to 0: stops */
	T_EQ(0, gsched_timer_reset(t, 5 * MS, 0));
	T_EQ(1, gsched_timer_reset(t, 0, 0));
	gsched_chan_tryrecv(t, &v);
	T_EQ(0, gsched_sleep(15 * MS));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(t, &v));
	T_EQ(0, gsched_chan_release(t));
	return 0;
}

TEST(timer_reset)
{
	RUN_OK(&two_p, reset_main);
}

static long sleep_only_main(void *arg)
{
	gsched_chan_t t;
	uint64_t v;

	if (gsched_sleep(20 * MS))
		return 1;
	/* blocked on a timer channel: a pending timer, not a deadlock */
	if (gsched_after(&t, 10 * MS) || gsched_chan_recv(t, &v) != 1)
		return 2;
	return 0;
}

TEST(timer_sleep_only_no_deadlock)
{
	long ev = -1;

	EXPECT_EQ(0, gsched_run_opts(&one_p, sleep_only_main, NULL, &ev));
	EXPECT_EQ(0, ev);
}

/* ==== a fresh timer every loop iteration ============================== */

/*
 * A for-select with a fresh timer each iteration and a default branch;
 * a cancel channel closes after a while. The loop must exit, and neither
 * timers nor channels may pile up in the instance's sysfs counters.
 */
static gsched_chan_t pile_cancel;
static long long pile_ch0, pile_tm0, pile_chmax, pile_tmmax, pile_iters;
static atomic_int pile_progress;

static long pile_canceller(void *arg)
{
	int i;

	/* a while, and enough iterations to see a pile-up (slow guests) */
	gsched_sleep(30 * MS);
	for (i = 0; i < 10000 && atomic_load(&pile_progress) < 50; i++)
		gsched_sleep(MS);
	return gsched_chan_close(pile_cancel);
}

static void pile_sample(int inst)
{
	long long c = gs_sysfs_inst(inst, "channels");
	long long t = gs_sysfs_inst(inst, "timers");

	if (c > pile_chmax)
		pile_chmax = c;
	if (t > pile_tmmax)
		pile_tmmax = t;
}

static long pile_main(void *arg)
{
	int inst = gsched_instance_id(), mode = *(int *)arg, r, id;
	struct gsched_select_case cs[2];
	gsched_chan_t t;
	uint64_t when;

	T_EQ(0, gsched_chan_make(&pile_cancel, 0, 0));
	pile_ch0 = gs_sysfs_inst(inst, "channels");
	pile_tm0 = gs_sysfs_inst(inst, "timers");
	pile_chmax = pile_ch0;
	pile_tmmax = pile_tm0;
	id = spawn_j(pile_canceller, NULL);
	for (pile_iters = 0;; pile_iters++) {
		if (pile_iters > 200000) {
			T_EQ(0, pile_iters);	/* never cancelled */
			break;
		}
		if (mode == 0) {
			/* time.After(2 s) every iteration, then released */
			T_EQ(0, gsched_after(&t, 2000 * MS));
			cs[0] = GSCHED_RECV(t, &when);
			cs[1] = GSCHED_RECV(pile_cancel, NULL);
			r = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0,
					  NULL);
			T_EQ(0, gsched_chan_release(t));
			if (r == 1)
				break;
			T_EQ(-EAGAIN, r);
			if (r != -EAGAIN)
				break;
			gsched_yield();		/* the "work" */
		} else {
			/* the allocation-free form: a select timeout */
			cs[0] = GSCHED_RECV(pile_cancel, NULL);
			r = gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, MS,
					  NULL);
			if (r == 0)
				break;
			T_EQ(-ETIMEDOUT, r);
			if (r != -ETIMEDOUT)
				break;
		}
		if (pile_iters % 4 == 0)
			pile_sample(inst);
		atomic_store(&pile_progress, (int)pile_iters);
	}
	T_EQ(0, gsched_join(id, NULL));
	pile_sample(inst);
	/* back to where we started: the cancel channel only */
	T_EQ(pile_ch0, gs_sysfs_inst(inst, "channels"));
	T_EQ(pile_tm0, gs_sysfs_inst(inst, "timers"));
	return 0;
}

TEST(for_select_fresh_timer_no_pileup)
{
	static int mode;
	long ev = -1;

	mode = 0;
	ASSERT_EQ(0, gsched_run_opts(&two_p, pile_main, &mode, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);
	TH_LOG("after: %lld iterations, channels %lld..%lld, timers %lld..%lld",
	       pile_iters, pile_ch0, pile_chmax, pile_tm0, pile_tmmax);
	EXPECT_GE(pile_iters, 50);
	/* at most the one being used (channels sampled after release) plus
	 * the canceller's sleep */
	EXPECT_LE(pile_chmax, pile_ch0 + 1);
	EXPECT_LE(pile_tmmax, pile_tm0 + 2);
}

TEST(for_select_timeout_no_pileup)
{
	static int mode;
	long ev = -1;

	mode = 1;
	ASSERT_EQ(0, gsched_run_opts(&two_p, pile_main, &mode, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);
	TH_LOG("select timeout: %lld iterations, channels %lld..%lld, timers %lld..%lld",
	       pile_iters, pile_ch0, pile_chmax, pile_tm0, pile_tmmax);
	EXPECT_GE(pile_iters, 50);
	EXPECT_EQ(pile_chmax, pile_ch0);
	EXPECT_LE(pile_tmmax, pile_tm0 + 2);
}

TEST_HARNESS_MAIN
