// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/time/tick_test.go: Ticker, its Reset and Stop,
 * and the invalid periods.
 *
 * Go's NewTicker(d) is gsched_timer_make(&c, d, d): a timer channel that
 * first fires after d, then every d, and drops ticks a slow receiver has
 * not taken (its buffer holds one). Ticker.Reset(d) is
 * gsched_timer_reset(c, d, d), Stop gsched_timer_stop().
 *
 * Invalid periods. Go panics on NewTicker(d) and Ticker.Reset(d) with
 * d <= 0, and Tick(d) returns nil. libgsched's durations are unsigned, so
 * a negative one cannot be passed (converted, it is a huge one, which
 * saturates: never); what it refuses, with the documented -EINVAL, is a
 * period without a first expiry (delay 0, period not 0), for make and for
 * reset, and it changes nothing then. A 0 delay and 0 period is not an
 * error but a stopped timer (make) or a stop (reset), both documented, and
 * periods below the module's timer_min_period_us are raised to it, not
 * refused (sleep.c's AfterStress checks the floor). NewTickerLtZeroDuration,
 * TickerResetLtZeroDuration and Tick check those.
 *
 * Ticker: Go measures 5 ticks of delta then, after Reset(2 * delta), 5 of
 * 2 * delta, and wants the total within 30% of 15 deltas, retrying with a
 * 1 s delta. The lower bound is real behaviour and stays (ticks never come
 * early), with two sharper ones from the ticks' times; the upper bound is
 * dropped, so the retry is too. After Stop the channel is drained once (a
 * tick may have come between the last receive and the Stop), then must
 * stay empty.
 * TickerStopWithDirectInitialization: Go's Ticker{C: c}.Stop() on a
 * channel that is no ticker; here that is -EINVAL, documented, and it
 * leaves the channel alone.
 *
 * Left out: the benchmarks (BenchmarkTicker, BenchmarkTickerReset,
 * BenchmarkTickerResetNaive).
 */
#include "go.h"

/* A "# " line of the TAP output, written before the test's _exit() */
#define go_log(...) do { printf(__VA_ARGS__); fflush(stdout); } while (0)

#define SECOND		(1000 * MS)
#define HOUR		(3600 * SECOND)

static gsched_chan_t new_ticker(uint64_t d)
{
	gsched_chan_t c = 0;

	T_EQ(0, gsched_timer_make(&c, d, d));
	return c;
}

/* ==== Ticker ========================================================== */

static long ticker_main(void *arg)
{
	const int count = 10;
	const uint64_t delta = 20 * MS;
	uint64_t made = now_ns(), t0, t1, r, v = 0, prev = 0, dt, target;
	gsched_chan_t ticker = new_ticker(delta);
	int i;

	t0 = now_ns();
	for (i = 0; i < count / 2; i++) {
		T_EQ(1, gsched_chan_recv(ticker, &v));
		T_GT(prev, v);
		prev = v;
	}
	/* count/2 distinct ticks, delta apart, the first delta after make */
	T_GE(made + (count / 2) * delta, v);
	r = now_ns();
	T_EQ(1, gsched_timer_reset(ticker, 2 * delta, 2 * delta));
	for (i = count / 2; i < count; i++) {
		T_EQ(1, gsched_chan_recv(ticker, &v));
		T_GT(prev, v);
		prev = v;
	}
	/* the new period: at most one tick of the old one was buffered */
	T_GE(r + (count / 2 - 1) * 2 * delta, v);
	T_EQ(1, gsched_timer_stop(ticker));
	t1 = now_ns();
	dt = t1 - t0;
	target = 3 * delta * (count / 2);
	go_log("# %d %llu ms ticks then %d %llu ms ticks took %llu ms\n",
	       count / 2, (unsigned long long)(delta / MS), count / 2,
	       (unsigned long long)(2 * delta / MS),
	       (unsigned long long)(dt / MS));
	T_GE(target - target * 3 / 10, dt);	/* too fast */

	/*
	 * Now test that the ticker stopped. Go: "After Stop, no more ticks
	 * will be sent" (its Stop waits for a tick being sent); one sent
	 * before the Stop may still be in the buffer.
	 */
	gsched_chan_tryrecv(ticker, NULL);
	T_EQ(0, gsched_sleep(2 * delta));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(ticker, NULL));	/* "did not shut down" */
	T_EQ(0, gsched_chan_release(ticker));
	return 0;
}

TEST(TestTicker)
{
	RUN_OK(&go_default_procs, ticker_main);
}

/* ==== TickerStopWithDirectInitialization ============================== */

static long stop_direct_main(void *arg)
{
	gsched_chan_t c = go_make(sizeof(uint64_t), 0);	/* make(chan Time) */
	uint64_t v = 1;

	/* tk := &Ticker{C: c}; tk.Stop() */
	T_EQ(-EINVAL, gsched_timer_stop(c));
	/* c is still an ordinary channel */
	T_EQ(0, gsched_chan_cap(c));
	T_EQ(-EAGAIN, gsched_chan_trysend(c, &v));
	T_EQ(0, gsched_chan_close(c));
	return 0;
}

TEST(TestTickerStopWithDirectInitialization)
{
	RUN_OK(&go_default_procs, stop_direct_main);
}

/* ==== Teardown ======================================================== */

/*
 * The instance's count of @what once it has settled at @want (up to 2 s):
 * a tick being sent holds its timer and channel until the send is done.
 */
static long long settled(const char *what, long long want)
{
	long long v = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		v = gs_sysfs_inst(gsched_instance_id(), what);
		if (v == want)
			break;
		gsched_sleep(MS);
	}
	return v;
}

static long teardown_main(void *arg)
{
	const uint64_t delta = 20 * MS;	/* testing.Short() */
	long long timers0 = gs_sysfs_inst(gsched_instance_id(), "timers");
	long long chans0 = gs_sysfs_inst(gsched_instance_id(), "channels");
	gsched_chan_t ticker;
	uint64_t v;
	int i;

	for (i = 0; i < 3; i++) {
		ticker = new_ticker(delta);
		T_EQ(1, gsched_chan_recv(ticker, &v));
		T_EQ(1, gsched_timer_stop(ticker));
		T_EQ(0, gsched_chan_release(ticker));
	}
	/* torn down: nothing left */
	T_EQ(timers0, settled("timers", timers0));
	T_EQ(chans0, settled("channels", chans0));
	return 0;
}

TEST(TestTeardown)
{
	RUN_OK(&go_default_procs, teardown_main);
}

/* ==== Tick ============================================================ */

static long tick_main(void *arg)
{
	long long chans0 = gs_sysfs_inst(gsched_instance_id(), "channels");
	gsched_chan_t c = 0;

	/* Tick(-1) = nil: a period with no first expiry is refused */
	T_EQ(-EINVAL, gsched_timer_make(&c, 0, SECOND));
	T_EQ(0U, c);
	T_EQ(-EINVAL, gsched_timer_make(&c, 0, (uint64_t)-1));
	T_EQ(0U, c);
	T_EQ(chans0, gs_sysfs_inst(gsched_instance_id(), "channels"));
	return 0;
}

TEST(TestTick)
{
	RUN_OK(&go_default_procs, tick_main);
}

/* ==== NewTickerLtZeroDuration ========================================= */

static long new_ticker_lt_zero_main(void *arg)
{
	long long chans0 = gs_sysfs_inst(gsched_instance_id(), "channels");
	gsched_chan_t c = 0;

	/* NewTicker(-1) panics: the refused periods */
	T_EQ(-EINVAL, gsched_timer_make(&c, 0, 1));
	T_EQ(-EINVAL, gsched_timer_make(&c, 0, (uint64_t)-1));
	T_EQ(-EINVAL, gsched_timer_make(NULL, SECOND, SECOND));
	T_EQ(0U, c);
	T_EQ(chans0, gs_sysfs_inst(gsched_instance_id(), "channels"));

	/* delay and period 0: a stopped timer, documented, never firing */
	T_EQ(0, gsched_timer_make(&c, 0, 0));
	T_EQ(0, gsched_timer_stop(c));
	T_EQ(0, gsched_sleep(MS));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(c, NULL));
	T_EQ(0, gsched_chan_release(c));

	/* the shortest period there is: accepted, raised to the floor */
	c = new_ticker(1);
	T_EQ(1, gsched_chan_recv(c, NULL));
	T_EQ(1, gsched_timer_stop(c));
	T_EQ(0, gsched_chan_release(c));
	return 0;
}

TEST(TestNewTickerLtZeroDuration)
{
	RUN_OK(&go_default_procs, new_ticker_lt_zero_main);
}

/* ==== TickerResetLtZeroDuration ======================================= */

static long ticker_reset_lt_zero_main(void *arg)
{
	gsched_chan_t tk = new_ticker(SECOND);

	/* tk.Reset(0) panics: a period with no first expiry is refused */
	T_EQ(-EINVAL, gsched_timer_reset(tk, 0, SECOND));
	T_EQ(-EINVAL, gsched_timer_reset(tk, 0, (uint64_t)-1));
	/* and changed nothing: the ticker is still armed */
	T_EQ(1, gsched_timer_reset(tk, HOUR, HOUR));
	/* Reset(0, 0) is documented as a stop */
	T_EQ(1, gsched_timer_reset(tk, 0, 0));
	T_EQ(0, gsched_timer_stop(tk));
	T_EQ(0, gsched_chan_release(tk));
	return 0;
}

TEST(TestTickerResetLtZeroDuration)
{
	RUN_OK(&go_default_procs, ticker_reset_lt_zero_main);
}

TEST_HARNESS_MAIN
