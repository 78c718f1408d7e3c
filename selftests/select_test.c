// SPDX-License-Identifier: GPL-2.0
/*
 * Select through libgsched: nil cases and the empty select, the mistakes
 * Go programs make with select loops, the uniform choice among ready
 * cases, one channel in several cases (ready at once, and parked), send
 * cases on closed channels, timeouts, and bad arguments.
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

/* Wait (sleeping 1 ms steps, up to ~2 s) until @id waits for @reason. */
static int wait_reason_sleep(int id, unsigned int reason)
{
	struct gsched_task_info ti;
	int i;

	for (i = 0; i < 2000; i++) {
		if (gsched_task_info(id, &ti))
			return -1;
		if (ti.state == GSCHED_TASK_WAITING && ti.wait_reason == reason)
			return (int)reason;
		if (ti.state == GSCHED_TASK_DEAD)
			return -2;
		gsched_sleep(MS);
	}
	return (int)ti.wait_reason;
}

/* ==== select and the nil channel; select {} =========================== */

static long select_nil_main(void *arg)
{
	struct gsched_select_case cs[3];
	gsched_chan_t c;
	long v = 5, got = 0;
	int ok = -1, i;

	T_EQ(0, gsched_chan_make(&c, 8, 1));
	cs[0] = GSCHED_RECV(0, &got);
	cs[1] = GSCHED_SEND(0, &v);
	T_EQ(-EAGAIN, gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, &ok));
	T_EQ(-ETIMEDOUT, gsched_select(cs, 2, GSCHED_SELECT_TIMEOUT, MS, &ok));
	/* a nil case never wins against a ready one */
	cs[2] = GSCHED_RECV(c, &got);
	for (i = 0; i < 20; i++) {
		T_EQ(0, gsched_chan_trysend(c, &v));
		T_EQ(2, gsched_select(cs, 3, 0, 0, &ok));
		T_EQ(1, ok);
		T_EQ(5, got);
	}
	return 0;
}

static long select_none(void *arg)
{
	return gsched_select(NULL, 0, 0, 0, NULL);
}

static long select_only_nil(void *arg)
{
	struct gsched_select_case cs[2] = {
		GSCHED_RECV(0, NULL), GSCHED_SEND(0, NULL),
	};

	return gsched_select(cs, 2, 0, 0, NULL);
}

static long select_blocks_main(void *arg)
{
	int a = spawn_j(select_none, NULL), b = spawn_j(select_only_nil, NULL);
	int i;

	T_EQ(GSCHED_WAIT_SELECT_NONE, wait_blocked(a));
	i = wait_blocked(b);
	T_TRUE(i == GSCHED_WAIT_SELECT || i == GSCHED_WAIT_SELECT_NONE);
	T_EQ(0, gsched_sleep(2 * MS));
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_SELECT_NONE), task_sr(a));
	T_EQ(GSCHED_TASK_WAITING, task_sr(b) / 100);
	return 0;
}

TEST(select_nil_cases)
{
	RUN_OK(&one_p, select_nil_main);
}

TEST(select_empty_blocks_forever)
{
	RUN_OK(&two_p, select_blocks_main);
	EXPECT_EQ(-EDEADLK, gsched_run_opts(&one_p, select_none, NULL, NULL));
	EXPECT_EQ(-EDEADLK, gsched_run_opts(&one_p, select_only_nil, NULL,
					    NULL));
}

/* ==== mistakes with select loops ====================================== */

/* A select with timeout abandons an unbuffered result: the sender leaks. */
static gsched_chan_t leak_ch;

static long leak_worker(void *arg)
{
	long v = 99;

	gsched_sleep(50 * MS);
	return gsched_chan_send(leak_ch, &v);
}

static long leak_main(void *arg)
{
	struct gsched_select_case cs[1];
	long v = 0, ev = -1;
	int id, ok = -1;

	/* unbuffered: nobody ever receives, the worker stays blocked */
	T_EQ(0, gsched_chan_make(&leak_ch, 8, 0));
	id = spawn_j(leak_worker, NULL);
	cs[0] = GSCHED_RECV(leak_ch, &v);
	T_EQ(-ETIMEDOUT, gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 2 * MS,
				       &ok));
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_reason_sleep(id, GSCHED_WAIT_CHAN_SEND));
	T_EQ(0, gsched_sleep(20 * MS));
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_CHAN_SEND), task_sr(id));
	T_GE(2, gs_sysfs_inst(gsched_instance_id(), "tasks"));

	/* buffer 1: the worker's send completes, nothing leaks */
	T_EQ(0, gsched_chan_make(&leak_ch, 8, 1));
	id = spawn_j(leak_worker, NULL);
	cs[0] = GSCHED_RECV(leak_ch, &v);
	T_EQ(-ETIMEDOUT, gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 2 * MS,
				       &ok));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	T_EQ(1, gsched_chan_len(leak_ch));
	return 0;
}

TEST(select_timeout_leaks_sender)
{
	RUN_OK(&two_p, leak_main);
}

/*
 * A for-select that sets a closed channel's variable to nil: a nil case
 * is never ready, so the loop sees each close once and ends after both.
 */
static gsched_chan_t loop_a, loop_b;
static atomic_int loop_closed, loop_a_nil;

static long loop_producer(void *arg)
{
	int which = (int)(intptr_t)arg;
	gsched_chan_t c = which ? loop_b : loop_a;
	long i, n = which ? 5 : 3;

	/* b outlives a: it starts once the loop has set a to nil */
	for (i = 0; which && !atomic_load(&loop_a_nil) && i < 5000; i++)
		gsched_sleep(MS);
	for (i = 0; i < n; i++)
		if (gsched_chan_send(c, &i))
			return -1;
	atomic_fetch_add(&loop_closed, 1);
	return gsched_chan_close(c);
}

static long loop_main(void *arg)
{
	struct gsched_select_case cs[2];
	int r, ok, nclosed = 0, na = 0, nb = 0, b_after_a = 0, i;
	long v;

	T_EQ(0, gsched_chan_make(&loop_a, 8, 0));
	T_EQ(0, gsched_chan_make(&loop_b, 8, 0));
	cs[0] = GSCHED_RECV(loop_a, &v);
	cs[1] = GSCHED_RECV(loop_b, &v);
	T_GT(0, gsched_spawn(loop_producer, (void *)0));
	T_GT(0, gsched_spawn(loop_producer, (void *)1));
	for (i = 0; cs[0].handle || cs[1].handle; i++) {
		if (i > 1000) {
			T_EQ(0, i);
			break;
		}
		r = gsched_select(cs, 2, 0, 0, &ok);
		if (r < 0 || r > 1) {
			T_EQ(0, r);
			break;
		}
		if (!ok) {
			cs[r].handle = 0;	/* ch = nil */
			nclosed++;
			if (r == 0)
				atomic_store(&loop_a_nil, 1);
			continue;
		}
		if (r == 0) {
			na++;
		} else {
			nb++;
			b_after_a += !cs[0].handle;
		}
	}
	T_EQ(2, nclosed);	/* each close seen once: nil is never ready */
	T_EQ(3, na);
	T_EQ(5, nb);
	T_EQ(5, b_after_a);	/* kept receiving b after a went nil */
	T_EQ(2, atomic_load(&loop_closed));
	return 0;
}

TEST(for_select_nils_closed_chans)
{
	RUN_OK(&two_p, loop_main);
}

/* close(stop) with 100 workers selecting on stop and work: all exit. */
#define NWORKERS 100
static gsched_chan_t stop_ch, work_ch;
static atomic_int work_done, workers_exited;

static long stop_worker(void *arg)
{
	struct gsched_select_case cs[2];
	long v;
	int r, ok;

	cs[0] = GSCHED_RECV(stop_ch, NULL);
	cs[1] = GSCHED_RECV(work_ch, &v);
	for (;;) {
		r = gsched_select(cs, 2, 0, 0, &ok);
		if (r == 0 && !ok)
			break;
		if (r != 1 || !ok)
			return -1;
		atomic_fetch_add(&work_done, 1);
	}
	atomic_fetch_add(&workers_exited, 1);
	return 0;
}

static long stop_main(void *arg)
{
	static int ids[NWORKERS];
	long v, ev;
	int i;

	T_EQ(0, gsched_chan_make(&stop_ch, 0, 0));
	T_EQ(0, gsched_chan_make(&work_ch, 8, 0));
	for (i = 0; i < NWORKERS; i++) {
		ids[i] = spawn_j(stop_worker, NULL);
		T_GT(0, ids[i]);
	}
	for (v = 0; v < 50; v++)
		T_EQ(0, gsched_chan_send(work_ch, &v));
	T_EQ(0, gsched_chan_close(stop_ch));
	for (i = 0; i < NWORKERS; i++) {
		ev = -1;
		T_EQ(0, gsched_join(ids[i], &ev));
		T_EQ(0, ev);
	}
	T_EQ(NWORKERS, atomic_load(&workers_exited));
	T_EQ(50, atomic_load(&work_done));
	return 0;
}

TEST(close_stop_ends_100_workers)
{
	RUN_OK(&two_p, stop_main);
}

/* ==== fairness, odd cases, timeouts =================================== */

/*
 * Select among ready cases: uniform.  The bounds are many standard
 * deviations wide at every size: at the debug guest's 2,000 rounds
 * (GSCHED_TEST_SCALE) 40%..60% of two cases is +-9 sigma.
 */
#define FAIR_ROUNDS 10000
static int fair_cnt[8];
static long fair_rounds;

static long fair_main(void *arg)
{
	struct gsched_select_case cs[2];
	gsched_chan_t c[2];
	long v[2] = { 0, 1 }, got;
	int i, r, ok;

	for (i = 0; i < 2; i++) {
		T_EQ(0, gsched_chan_make(&c[i], 8, 1));
		T_EQ(0, gsched_chan_trysend(c[i], &v[i]));
		cs[i] = GSCHED_RECV(c[i], &got);
	}
	for (i = 0; i < fair_rounds; i++) {
		r = gsched_select(cs, 2, 0, 0, &ok);
		if (r < 0 || r > 1) {
			T_EQ(0, r);
			break;
		}
		T_EQ(1, ok);
		T_EQ(r, got);
		fair_cnt[r]++;
		T_EQ(0, gsched_chan_trysend(c[r], &v[r]));
	}
	return 0;
}

TEST(select_fairness)
{
	long n = fair_rounds = gs_scaled(FAIR_ROUNDS, 2000);

	RUN_OK(&one_p, fair_main);
	TH_LOG("%ld rounds: case 0: %d, case 1: %d", n, fair_cnt[0],
	       fair_cnt[1]);
	EXPECT_EQ(n, fair_cnt[0] + fair_cnt[1]);
	EXPECT_GE(fair_cnt[0], n * 4 / 10);
	EXPECT_LE(fair_cnt[0], n * 6 / 10);
	EXPECT_GE(fair_cnt[1], n * 4 / 10);
	EXPECT_LE(fair_cnt[1], n * 6 / 10);
}

/*
 * Three ready cases among six (the other three empty): still uniform, as
 * Go's random poll order makes it.  At 2,000 rounds (the debug guest)
 * 80%..120% of a third is +-6.3 sigma.
 */
#define PFAIR_ROUNDS 6000

static long fair_partial_main(void *arg)
{
	struct gsched_select_case cs[6];
	gsched_chan_t c[6];
	long v[6] = { 0, 1, 2, 3, 4, 5 }, got;
	int i, r, ok;

	for (i = 0; i < 6; i++) {
		T_EQ(0, gsched_chan_make(&c[i], 8, 1));
		if (i < 3)
			T_EQ(0, gsched_chan_trysend(c[i], &v[i]));
		cs[i] = GSCHED_RECV(c[i], &got);
	}
	for (i = 0; i < fair_rounds; i++) {
		r = gsched_select(cs, 6, 0, 0, &ok);
		if (r < 0 || r > 2) {
			T_EQ(0, r);
			break;
		}
		T_EQ(r, got);
		fair_cnt[r]++;
		T_EQ(0, gsched_chan_trysend(c[r], &v[r]));
	}
	return 0;
}

TEST(select_fairness_partial)
{
	long n = fair_rounds = gs_scaled(PFAIR_ROUNDS, 2000);
	int i;

	RUN_OK(&one_p, fair_partial_main);
	TH_LOG("%ld rounds: ready cases 0,1,2 of 6: %d %d %d", n,
	       fair_cnt[0], fair_cnt[1], fair_cnt[2]);
	EXPECT_EQ(n, fair_cnt[0] + fair_cnt[1] + fair_cnt[2]);
	for (i = 0; i < 3; i++) {
		EXPECT_GE(fair_cnt[i], n / 3 * 8 / 10);
		EXPECT_LE(fair_cnt[i], n / 3 * 12 / 10);
	}
}

/* The same channel in several cases. */
static gsched_chan_t dup_ch;
static int main_id;

/*
 * Wait (yielding) until task main_id waits: 0 when it waits in a select,
 * -1 on error, -2 when it waits for something else or never waited.
 */
static int main_waits_in_select(void)
{
	struct gsched_task_info ti;
	int i;

	for (i = 0; i < 100000; i++) {
		if (gsched_task_info(main_id, &ti))
			return -1;
		if (ti.state == GSCHED_TASK_WAITING)
			break;
		gsched_yield();
	}
	if (ti.wait_reason != GSCHED_WAIT_SELECT)
		return -2;
	return 0;
}

static long dup_peer_after_main_blocks(void *arg)
{
	long v = 555;
	int ret = main_waits_in_select();

	if (ret)
		return ret;
	if (arg)
		return gsched_chan_send(dup_ch, &v);
	v = -1;
	return gsched_chan_recv(dup_ch, &v) == 1 ? v : -3;
}

static long dup_main(void *arg)
{
	struct gsched_select_case cs[2];
	static struct op_arg peer;
	long x = 321, y = -1, ev = -1;
	int i, r, ok, cnt[2] = { 0, 0 }, id;

	/* two receive cases on one buffered channel */
	T_EQ(0, gsched_chan_make(&dup_ch, 8, 1));
	cs[0] = GSCHED_RECV(dup_ch, &y);
	cs[1] = GSCHED_RECV(dup_ch, &y);
	for (i = 0; i < 400; i++) {
		x = i;
		T_EQ(0, gsched_chan_trysend(dup_ch, &x));
		r = gsched_select(cs, 2, 0, 0, &ok);
		T_TRUE(r == 0 || r == 1);
		T_EQ(1, ok);
		T_EQ(i, y);
		cnt[r & 1]++;
	}
	T_GT(100, cnt[0]);
	T_GT(100, cnt[1]);
	T_EQ(0, gsched_chan_len(dup_ch));

	/* send and receive on one unbuffered channel: never with itself */
	T_EQ(0, gsched_chan_make(&dup_ch, 8, 0));
	x = 321;
	cs[0] = GSCHED_SEND(dup_ch, &x);
	cs[1] = GSCHED_RECV(dup_ch, &y);
	T_EQ(-EAGAIN, gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, &ok));
	T_EQ(-ETIMEDOUT, gsched_select(cs, 2, GSCHED_SELECT_TIMEOUT, MS, &ok));
	/* a receiver waits: the send case */
	peer = (struct op_arg){ .ch = dup_ch, .val = -1 };
	id = spawn_j(do_recv, &peer);
	T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id));
	T_EQ(0, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(0, gsched_join(id, NULL));
	T_EQ(321, peer.val);
	/* a sender waits: the receive case */
	peer = (struct op_arg){ .ch = dup_ch, .val = 654 };
	id = spawn_j(do_send, &peer);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	y = -1;
	T_EQ(1, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(1, ok);
	T_EQ(654, y);
	T_EQ(0, gsched_join(id, NULL));
	/* the select blocks first, then a receiver comes */
	main_id = gsched_self();
	id = spawn_j(dup_peer_after_main_blocks, NULL);
	T_EQ(0, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(321, ev);
	/* the select blocks first, then a sender comes */
	id = spawn_j(dup_peer_after_main_blocks, (void *)1);
	y = -1;
	T_EQ(1, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(1, ok);
	T_EQ(555, y);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);

	/* send and receive on one buffered channel: whichever is possible */
	T_EQ(0, gsched_chan_make(&dup_ch, 8, 1));
	cs[0] = GSCHED_SEND(dup_ch, &x);
	cs[1] = GSCHED_RECV(dup_ch, &y);
	T_EQ(0, gsched_select(cs, 2, 0, 0, &ok));	/* empty: send */
	y = -1;
	T_EQ(1, gsched_select(cs, 2, 0, 0, &ok));	/* full: receive */
	T_EQ(321, y);
	return 0;
}

TEST(select_same_channel_twice)
{
	RUN_OK(&two_p, dup_main);
}

/*
 * A select parked with two cases on one channel: the counterpart that
 * comes later must complete either case with equal probability, as when
 * both are ready at once (Go queues a select's waiters in an order drawn
 * from its random poll order). The peer acts only once the select is
 * parked, so the choice is the wake-up's, never pass 1's. At 200 rounds
 * (the debug guest) 30%..70% of two cases is +-5.6 sigma.
 */
#define PARKED_ROUNDS 400
static gsched_chan_t pk_ch;
static long pk_rounds;
static long pk_peer_val[PARKED_ROUNDS];

/* The counterpart: once main is parked in its select, receive or send. */
static long pk_peer(void *arg)
{
	bool recv = arg;	/* main sends: we receive */
	long i, v;
	int r;

	for (i = 0; i < pk_rounds; i++) {
		r = wait_blocked(main_id);
		if (r != GSCHED_WAIT_SELECT)
			return r < 0 ? r : -100 - r;
		if (recv) {
			v = -1;
			if (gsched_chan_recv(pk_ch, &v) != 1)
				return -3;
			pk_peer_val[i] = v;
		} else if (gsched_chan_send(pk_ch, &i)) {
			return -4;
		}
	}
	return 0;
}

static long pk_send_main(void *arg)
{
	struct gsched_select_case cs[2];
	long v[2] = { 100, 101 }, i;
	int r, ok, id;

	main_id = gsched_self();
	T_EQ(0, gsched_chan_make(&pk_ch, 8, 0));
	cs[0] = GSCHED_SEND(pk_ch, &v[0]);
	cs[1] = GSCHED_SEND(pk_ch, &v[1]);
	id = spawn_j(pk_peer, (void *)1);
	T_GT(0, id);
	for (i = 0; i < pk_rounds; i++) {
		r = gsched_select(cs, 2, 0, 0, &ok);
		if (r < 0 || r > 1) {
			T_EQ(0, r);
			break;
		}
		fair_cnt[r]++;
	}
	T_EQ(0, join_val(id));
	/* the peer received the value of the case that fired */
	for (i = 0; i < pk_rounds; i++) {
		T_TRUE(pk_peer_val[i] == 100 || pk_peer_val[i] == 101);
		fair_cnt[2 + (pk_peer_val[i] & 1)]++;
	}
	return 0;
}

TEST(select_parked_same_channel_send_fairness)
{
	long n = pk_rounds = gs_scaled(PARKED_ROUNDS, 200);

	RUN_OK(&two_p, pk_send_main);
	TH_LOG("%ld rounds: case 0: %d, case 1: %d", n, fair_cnt[0],
	       fair_cnt[1]);
	EXPECT_EQ(n, fair_cnt[0] + fair_cnt[1]);
	/* the peer saw each case's own value, as often as it fired */
	EXPECT_EQ(fair_cnt[0], fair_cnt[2]);
	EXPECT_EQ(fair_cnt[1], fair_cnt[3]);
	EXPECT_GE(fair_cnt[0], n * 3 / 10);
	EXPECT_LE(fair_cnt[0], n * 7 / 10);
	EXPECT_GE(fair_cnt[1], n * 3 / 10);
	EXPECT_LE(fair_cnt[1], n * 7 / 10);
}

static long pk_recv_main(void *arg)
{
	struct gsched_select_case cs[2];
	long buf[2], i;
	int r, ok, id;

	main_id = gsched_self();
	T_EQ(0, gsched_chan_make(&pk_ch, 8, 0));
	cs[0] = GSCHED_RECV(pk_ch, &buf[0]);
	cs[1] = GSCHED_RECV(pk_ch, &buf[1]);
	id = spawn_j(pk_peer, NULL);
	T_GT(0, id);
	for (i = 0; i < pk_rounds; i++) {
		buf[0] = buf[1] = -1;
		ok = -1;
		r = gsched_select(cs, 2, 0, 0, &ok);
		if (r < 0 || r > 1) {
			T_EQ(0, r);
			break;
		}
		T_EQ(1, ok);
		/* the value went to the buffer of the case that fired */
		T_EQ(i, buf[r]);
		T_EQ(-1, buf[!r]);
		fair_cnt[r]++;
	}
	T_EQ(0, join_val(id));
	return 0;
}

TEST(select_parked_same_channel_recv_fairness)
{
	long n = pk_rounds = gs_scaled(PARKED_ROUNDS, 200);

	RUN_OK(&two_p, pk_recv_main);
	TH_LOG("%ld rounds: case 0: %d, case 1: %d", n, fair_cnt[0],
	       fair_cnt[1]);
	EXPECT_EQ(n, fair_cnt[0] + fair_cnt[1]);
	EXPECT_GE(fair_cnt[0], n * 3 / 10);
	EXPECT_LE(fair_cnt[0], n * 7 / 10);
	EXPECT_GE(fair_cnt[1], n * 3 / 10);
	EXPECT_LE(fair_cnt[1], n * 7 / 10);
}

/* A send case on a closed channel: the select fails with -EPIPE. */
static gsched_chan_t ssc_ch;

static long ssc_closer(void *arg)
{
	int ret = main_waits_in_select();

	return ret ? ret : gsched_chan_close(ssc_ch);
}

static long ssc_main(void *arg)
{
	struct gsched_select_case cs[2];
	gsched_chan_t e;
	long v = 1, x = -1, ev = -1;
	int ok = -1, id;

	main_id = gsched_self();
	T_EQ(0, gsched_chan_make(&e, 8, 0));
	T_EQ(0, gsched_chan_make(&ssc_ch, 8, 1));
	T_EQ(0, gsched_chan_close(ssc_ch));
	cs[0] = GSCHED_SEND(ssc_ch, &v);
	cs[1] = GSCHED_RECV(e, &x);
	T_EQ(-EPIPE, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(-EPIPE, gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, &ok));
	/* closed while the select waits */
	T_EQ(0, gsched_chan_make(&ssc_ch, 8, 0));
	cs[0] = GSCHED_SEND(ssc_ch, &v);
	id = spawn_j(ssc_closer, NULL);
	T_EQ(-EPIPE, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	/* a receive case instead: chosen, with ok false */
	T_EQ(0, gsched_chan_make(&ssc_ch, 8, 0));
	cs[0] = GSCHED_RECV(ssc_ch, &v);
	id = spawn_j(ssc_closer, NULL);
	T_EQ(0, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(0, ok);
	T_EQ(0, v);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	T_EQ(-1, x);
	return 0;
}

TEST(select_send_on_closed)
{
	RUN_OK(&two_p, ssc_main);
}

static gsched_chan_t sto_ch;

static long sto_late_sender(void *arg)
{
	long v = 17;

	gsched_sleep(5 * MS);
	return gsched_chan_send(sto_ch, &v);
}

static long select_timeout_main(void *arg)
{
	struct gsched_select_case cs[1];
	uint64_t t0;
	long v = -1;
	int ok = -1;

	T_EQ(0, gsched_chan_make(&sto_ch, 8, 0));
	cs[0] = GSCHED_RECV(sto_ch, &v);
	t0 = now_ns();
	T_EQ(-ETIMEDOUT, gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 10 * MS,
				       &ok));
	T_GE(t0 + 10 * MS, now_ns());
	T_EQ(-1, v);
	/* no cases: a sleep */
	t0 = now_ns();
	T_EQ(-ETIMEDOUT, gsched_select(NULL, 0, GSCHED_SELECT_TIMEOUT, 5 * MS,
				       NULL));
	T_GE(t0 + 5 * MS, now_ns());
	/* ready before the timeout */
	T_GT(0, gsched_spawn(sto_late_sender, NULL));
	T_EQ(0, gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 10000 * MS, &ok));
	T_EQ(1, ok);
	T_EQ(17, v);
	return 0;
}

TEST(select_timeout)
{
	RUN_OK(&two_p, select_timeout_main);
}

/* ==== bad arguments =================================================== */

/* Select and blocking ops with bad arguments: refused, task keeps running. */
static int bad_res[32];
static struct gsched_select_case many_cases[GSCHED_SELECT_MAX + 1];

static long bad_select_main(void *arg)
{
	struct gsched_select_case cs[2];
	void *bad = unmapped();
	gsched_chan_t c;
	long v = 1;
	int i = 0, k;

	if (!bad || gsched_chan_make(&c, 8, 1))
		return -1;
	for (k = 0; k <= GSCHED_SELECT_MAX; k++)
		many_cases[k] = GSCHED_RECV(0, NULL);
	/* 0: too many cases; 1: exactly the maximum is fine */
	bad_res[i++] = gsched_select(many_cases, GSCHED_SELECT_MAX + 1,
				     GSCHED_SELECT_DEFAULT, 0, NULL);
	bad_res[i++] = gsched_select(many_cases, GSCHED_SELECT_MAX,
				     GSCHED_SELECT_DEFAULT, 0, NULL);
	/* 2, 3: bad directions */
	cs[0] = GSCHED_RECV(c, &v);
	cs[1] = (struct gsched_select_case){ .handle = c, .dir = 0 };
	bad_res[i++] = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, NULL);
	cs[1].dir = 3;
	bad_res[i++] = gsched_select(cs, 2, 0, 0, NULL);
	/* 4: the cases array unmapped */
	bad_res[i++] = gsched_select(bad, 1, GSCHED_SELECT_DEFAULT, 0, NULL);
	/* 5, 6, 7, 8: bad flags and timeouts */
	cs[1] = GSCHED_RECV(c, &v);
	bad_res[i++] = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT |
				     GSCHED_SELECT_TIMEOUT, MS, NULL);
	bad_res[i++] = gsched_select(cs, 2, 1U << 7, 0, NULL);
	bad_res[i++] = gsched_select(cs, 2, GSCHED_SELECT_TIMEOUT, 0, NULL);
	bad_res[i++] = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, MS, NULL);
	/* 9, 10: a forged handle, a task handle */
	cs[1] = GSCHED_RECV(0x7fffffff, &v);
	bad_res[i++] = gsched_select(cs, 2, 0, 0, NULL);
	cs[1] = GSCHED_SEND((gsched_chan_t)gsched_self(), &v);
	bad_res[i++] = gsched_select(cs, 2, 0, 0, NULL);
	/* 11: a send case whose value is unmapped */
	cs[1] = GSCHED_SEND(c, bad);
	bad_res[i++] = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, NULL);
	/* 12, 13, 14, 15: blocking send/recv, forged and task handles */
	bad_res[i++] = gsched_chan_send(0x7fffffff, &v);
	bad_res[i++] = gsched_chan_recv(0xffffffff, &v);
	bad_res[i++] = gsched_chan_send((gsched_chan_t)gsched_self(), &v);
	bad_res[i++] = gsched_chan_recv((gsched_chan_t)gsched_self(), &v);
	/* 16: blocking send of an unmapped value */
	bad_res[i++] = gsched_chan_send(c, bad);
	/* 17: receiving into unmapped memory */
	v = 8;
	if (gsched_chan_trysend(c, &v))
		return -2;
	bad_res[i++] = gsched_chan_recv(c, bad);
	/* 18, 19: still alive and well: a good select and a good receive */
	while (gsched_chan_tryrecv(c, NULL) == 1)
		;
	v = 9;
	if (gsched_chan_trysend(c, &v))
		return -3;
	cs[0] = GSCHED_RECV(c, &v);
	v = 0;
	bad_res[i++] = gsched_select(cs, 1, 0, 0, NULL);
	bad_res[i++] = (int)v;
	return 0;
}

TEST(select_bad_args)
{
	long ev = -1;

	ASSERT_EQ(0, gsched_run_opts(&one_p, bad_select_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	EXPECT_EQ(-EINVAL, bad_res[0]);
	EXPECT_EQ(-EAGAIN, bad_res[1]);
	EXPECT_EQ(-EINVAL, bad_res[2]);
	EXPECT_EQ(-EINVAL, bad_res[3]);
	EXPECT_EQ(-EFAULT, bad_res[4]);
	EXPECT_EQ(-EINVAL, bad_res[5]);
	EXPECT_EQ(-EINVAL, bad_res[6]);
	EXPECT_EQ(-EINVAL, bad_res[7]);
	EXPECT_EQ(-EINVAL, bad_res[8]);
	EXPECT_EQ(-EBADF, bad_res[9]);
	EXPECT_EQ(-EINVAL, bad_res[10]);
	EXPECT_EQ(-EFAULT, bad_res[11]);
	EXPECT_EQ(-EBADF, bad_res[12]);
	EXPECT_EQ(-EBADF, bad_res[13]);
	EXPECT_EQ(-EINVAL, bad_res[14]);
	EXPECT_EQ(-EINVAL, bad_res[15]);
	EXPECT_EQ(-EFAULT, bad_res[16]);
	EXPECT_EQ(-EFAULT, bad_res[17]);
	EXPECT_EQ(0, bad_res[18]);
	EXPECT_EQ(9, bad_res[19]);
}

TEST_HARNESS_MAIN
