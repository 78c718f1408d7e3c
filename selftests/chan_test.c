// SPDX-License-Identifier: GPL-2.0
/*
 * gsched channel, select and timer selftests through libgsched (and, for
 * bad input, the raw ioctls): the Go operation x state table, the seed
 * digest's channel pitfalls (section 4, scenarios 1-12 and 23), FIFO
 * order, close wake-ups, select fairness, odd element sizes, the prime
 * sieve, a conservation stress and timers.
 *
 * Every TEST runs in its own forked child (kselftest harness), so globals
 * are per test. Tasks cannot ASSERT: they check with the T_* macros, which
 * record the first failure; RUN_OK() then reports it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"


static struct gsched_opts one_p = { .nprocs = 1 };
static struct gsched_opts two_p = { .nprocs = 2 };

/* ---- checks inside tasks: task_check.h ---- */

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

/* Blocking helpers: a->ret and a->val tell what happened. */
struct op_arg {
	gsched_chan_t ch;
	long val;
	int ret;
};

static long do_recv(void *arg)
{
	struct op_arg *a = arg;

	a->ret = gsched_chan_recv(a->ch, &a->val);
	return a->ret;
}

static long do_send(void *arg)
{
	struct op_arg *a = arg;

	a->ret = gsched_chan_send(a->ch, &a->val);
	return a->ret;
}

/* ==== 1. the operation x state table (seed scenario 4) ================= */

/* -- close -- */

static long close_nil_main(void *arg)
{
	T_EQ(-EINVAL, gsched_chan_close(0));
	return 0;
}

TEST(table_close_nil)
{
	RUN_OK(&one_p, close_nil_main);
}

static long close_closed_main(void *arg)
{
	gsched_chan_t c, u;

	T_EQ(0, gsched_chan_make(&c, 8, 2));
	T_EQ(0, gsched_chan_make(&u, 8, 0));
	T_EQ(0, gsched_chan_close(c));
	T_EQ(0, gsched_chan_close(u));
	T_EQ(-EINVAL, gsched_chan_close(c));
	T_EQ(-EINVAL, gsched_chan_close(u));
	return 0;
}

TEST(table_close_closed)
{
	RUN_OK(&one_p, close_closed_main);
}

static long close_active_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 11;

	T_EQ(0, gsched_chan_make(&u, 8, 0));
	T_EQ(0, gsched_chan_close(u));
	/* a buffered value survives close and is received first */
	T_EQ(0, gsched_chan_make(&c, 8, 2));
	T_EQ(0, gsched_chan_trysend(c, &v));
	T_EQ(0, gsched_chan_close(c));
	T_EQ(1, gsched_chan_len(c));
	v = 0;
	T_EQ(1, gsched_chan_recv(c, &v));
	T_EQ(11, v);
	T_EQ(0, gsched_chan_recv(c, &v));
	return 0;
}

TEST(table_close_active)
{
	RUN_OK(&one_p, close_active_main);
}

/* -- blocking receive -- */

static struct op_arg nil_arg;

static long nil_helper_main(void *arg)
{
	gsched_fn_t fn = arg ? do_send : do_recv;
	int id = spawn_j(fn, &nil_arg);

	T_GT(0, id);
	T_EQ(GSCHED_WAIT_CHAN_NIL, wait_blocked(id));
	/* still there a while later (the sleep keeps this no deadlock) */
	T_EQ(0, gsched_sleep(5 * MS));
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_CHAN_NIL), task_sr(id));
	return 0;	/* the blocked task is reclaimed with the runtime */
}

static long nil_recv_main(void *arg)
{
	long v;

	gsched_chan_recv(0, &v);
	return 1;
}

static long nil_send_main(void *arg)
{
	long v = 1;

	gsched_chan_send(0, &v);
	return 1;
}

static long nil_recv_helper_main(void *arg)
{
	return nil_helper_main(NULL);
}

static long nil_send_helper_main(void *arg)
{
	return nil_helper_main((void *)1);
}

TEST(table_recv_nil)
{
	long ev = -1;

	RUN_OK(&two_p, nil_recv_helper_main);
	/* the only task blocks forever: Go's "all goroutines are asleep" */
	EXPECT_EQ(-EDEADLK, gsched_run_opts(&one_p, nil_recv_main, NULL, &ev));
	EXPECT_EQ(-1, ev);
}

static long recv_closed_main(void *arg)
{
	gsched_chan_t c, u;
	long v;

	T_EQ(0, gsched_chan_make(&u, 8, 0));
	T_EQ(0, gsched_chan_close(u));
	v = 0x5a5a5a5a;
	T_EQ(0, gsched_chan_recv(u, &v));
	T_EQ(0, v);		/* zero value, ok == false */
	T_EQ(0, gsched_chan_recv(u, NULL));

	T_EQ(0, gsched_chan_make(&c, 8, 3));
	v = 42;
	T_EQ(0, gsched_chan_send(c, &v));
	T_EQ(0, gsched_chan_close(c));
	v = 0;
	T_EQ(1, gsched_chan_recv(c, &v));	/* drains first */
	T_EQ(42, v);
	v = -1;
	T_EQ(0, gsched_chan_recv(c, &v));
	T_EQ(0, v);
	return 0;
}

TEST(table_recv_closed)
{
	RUN_OK(&one_p, recv_closed_main);
}

static struct op_arg ra_arg;

static long recv_active_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 7, ev = -1;
	int id;

	/* ok: a buffered value */
	T_EQ(0, gsched_chan_make(&c, 8, 2));
	T_EQ(0, gsched_chan_trysend(c, &v));
	v = 0;
	T_EQ(1, gsched_chan_recv(c, &v));
	T_EQ(7, v);

	/* blocks: empty, then a send completes it */
	T_EQ(0, gsched_chan_make(&u, 8, 0));
	ra_arg = (struct op_arg){ .ch = u, .val = -1 };
	id = spawn_j(do_recv, &ra_arg);
	T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id));
	v = 99;
	T_EQ(0, gsched_chan_send(u, &v));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(1, ev);
	T_EQ(99, ra_arg.val);

	/* ok: an unbuffered channel with a blocked sender */
	ra_arg = (struct op_arg){ .ch = u, .val = 123 };
	id = spawn_j(do_send, &ra_arg);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	v = 0;
	T_EQ(1, gsched_chan_recv(u, &v));
	T_EQ(123, v);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);

	/* blocks on a buffered channel too, while it is empty */
	ra_arg = (struct op_arg){ .ch = c, .val = -1 };
	id = spawn_j(do_recv, &ra_arg);
	T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id));
	v = 5;
	T_EQ(0, gsched_chan_trysend(c, &v));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(1, ev);
	T_EQ(5, ra_arg.val);
	T_EQ(0, gsched_chan_len(c));
	return 0;
}

TEST(table_recv_active)
{
	RUN_OK(&two_p, recv_active_main);
}

/* -- blocking send -- */

TEST(table_send_nil)
{
	long ev = -1;

	RUN_OK(&two_p, nil_send_helper_main);
	EXPECT_EQ(-EDEADLK, gsched_run_opts(&one_p, nil_send_main, NULL, &ev));
	EXPECT_EQ(-1, ev);
}

static long send_closed_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 1;

	T_EQ(0, gsched_chan_make(&u, 8, 0));
	T_EQ(0, gsched_chan_make(&c, 8, 4));
	T_EQ(0, gsched_chan_close(u));
	T_EQ(0, gsched_chan_close(c));
	T_EQ(-EPIPE, gsched_chan_send(u, &v));
	T_EQ(-EPIPE, gsched_chan_send(c, &v));	/* even with room */
	T_EQ(0, gsched_chan_len(c));
	return 0;
}

TEST(table_send_closed)
{
	RUN_OK(&one_p, send_closed_main);
}

static struct op_arg sa_arg;

static long send_active_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 3, ev = -1;
	int id;

	/* ok: room in the buffer */
	T_EQ(0, gsched_chan_make(&c, 8, 1));
	T_EQ(0, gsched_chan_send(c, &v));
	T_EQ(1, gsched_chan_len(c));

	/* blocks: full buffer, until a receive makes room */
	sa_arg = (struct op_arg){ .ch = c, .val = 4 };
	id = spawn_j(do_send, &sa_arg);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	T_EQ(1, gsched_chan_recv(c, &v));
	T_EQ(3, v);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	T_EQ(1, gsched_chan_recv(c, &v));
	T_EQ(4, v);

	/* blocks: unbuffered with no receiver, until one comes */
	T_EQ(0, gsched_chan_make(&u, 8, 0));
	sa_arg = (struct op_arg){ .ch = u, .val = 8 };
	id = spawn_j(do_send, &sa_arg);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	T_EQ(0, gsched_sleep(2 * MS));
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_CHAN_SEND), task_sr(id));
	T_EQ(1, gsched_chan_recv(u, &v));
	T_EQ(8, v);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);

	/* ok: unbuffered with a blocked receiver */
	sa_arg = (struct op_arg){ .ch = u, .val = -1 };
	id = spawn_j(do_recv, &sa_arg);
	T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id));
	v = 9;
	T_EQ(0, gsched_chan_send(u, &v));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(1, ev);
	T_EQ(9, sa_arg.val);
	return 0;
}

TEST(table_send_active)
{
	RUN_OK(&two_p, send_active_main);
}

/* -- non-blocking receive -- */

static long tryrecv_nil_main(void *arg)
{
	long v = 77;

	T_EQ(-EAGAIN, gsched_chan_tryrecv(0, &v));
	T_EQ(77, v);
	T_EQ(-EAGAIN, gsched_chan_tryrecv(0, NULL));
	return 0;
}

TEST(table_tryrecv_nil)
{
	RUN_OK(&one_p, tryrecv_nil_main);
}

static long tryrecv_closed_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 6;

	T_EQ(0, gsched_chan_make(&u, 8, 0));
	T_EQ(0, gsched_chan_close(u));
	v = -1;
	T_EQ(0, gsched_chan_tryrecv(u, &v));
	T_EQ(0, v);

	T_EQ(0, gsched_chan_make(&c, 8, 2));
	v = 6;
	T_EQ(0, gsched_chan_trysend(c, &v));
	T_EQ(0, gsched_chan_close(c));
	v = 0;
	T_EQ(1, gsched_chan_tryrecv(c, &v));
	T_EQ(6, v);
	v = -1;
	T_EQ(0, gsched_chan_tryrecv(c, &v));
	T_EQ(0, v);
	T_EQ(0, gsched_chan_tryrecv(c, NULL));
	return 0;
}

TEST(table_tryrecv_closed)
{
	RUN_OK(&one_p, tryrecv_closed_main);
}

static struct op_arg tra_arg;

static long tryrecv_active_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 1, ev = -1;
	int id;

	T_EQ(0, gsched_chan_make(&c, 8, 2));
	T_EQ(0, gsched_chan_make(&u, 8, 0));
	/* default: nothing there */
	T_EQ(-EAGAIN, gsched_chan_tryrecv(c, &v));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(u, &v));
	T_EQ(1, v);
	/* ok: a buffered value */
	v = 21;
	T_EQ(0, gsched_chan_trysend(c, &v));
	v = 0;
	T_EQ(1, gsched_chan_tryrecv(c, &v));
	T_EQ(21, v);
	/* ok: a blocked sender on the unbuffered channel */
	tra_arg = (struct op_arg){ .ch = u, .val = 22 };
	id = spawn_j(do_send, &tra_arg);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	v = 0;
	T_EQ(1, gsched_chan_tryrecv(u, &v));
	T_EQ(22, v);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	return 0;
}

TEST(table_tryrecv_active)
{
	RUN_OK(&two_p, tryrecv_active_main);
}

/* -- non-blocking send -- */

static long trysend_nil_main(void *arg)
{
	long v = 1;

	T_EQ(-EAGAIN, gsched_chan_trysend(0, &v));
	return 0;
}

TEST(table_trysend_nil)
{
	RUN_OK(&one_p, trysend_nil_main);
}

static long trysend_closed_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 1;

	T_EQ(0, gsched_chan_make(&u, 8, 0));
	T_EQ(0, gsched_chan_make(&c, 8, 2));
	T_EQ(0, gsched_chan_close(u));
	T_EQ(0, gsched_chan_close(c));
	T_EQ(-EPIPE, gsched_chan_trysend(u, &v));
	T_EQ(-EPIPE, gsched_chan_trysend(c, &v));
	T_EQ(0, gsched_chan_len(c));
	return 0;
}

TEST(table_trysend_closed)
{
	RUN_OK(&one_p, trysend_closed_main);
}

static struct op_arg tsa_arg;

static long trysend_active_main(void *arg)
{
	gsched_chan_t c, u;
	long v = 1, ev = -1;
	int id;

	T_EQ(0, gsched_chan_make(&c, 8, 1));
	T_EQ(0, gsched_chan_make(&u, 8, 0));
	/* ok: room */
	T_EQ(0, gsched_chan_trysend(c, &v));
	/* default: full, and unbuffered without a receiver */
	T_EQ(-EAGAIN, gsched_chan_trysend(c, &v));
	T_EQ(-EAGAIN, gsched_chan_trysend(u, &v));
	T_EQ(1, gsched_chan_len(c));
	/* ok: a blocked receiver */
	tsa_arg = (struct op_arg){ .ch = u, .val = -1 };
	id = spawn_j(do_recv, &tsa_arg);
	T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id));
	v = 31;
	T_EQ(0, gsched_chan_trysend(u, &v));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(1, ev);
	T_EQ(31, tsa_arg.val);
	return 0;
}

TEST(table_trysend_active)
{
	RUN_OK(&two_p, trysend_active_main);
}

/* -- select and the nil channel; select {} -- */

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

/* ==== 2. pitfall scenarios (seed digest section 4) ===================== */

/* 1: receiving from a closed, drained channel: zero forever, ok false */
static long drained_loop_main(void *arg)
{
	gsched_chan_t c;
	long v, i;

	T_EQ(0, gsched_chan_make(&c, 8, 3));
	for (i = 1; i <= 2; i++)
		T_EQ(0, gsched_chan_send(c, &i));
	T_EQ(0, gsched_chan_close(c));
	/* "for { v := <-c }": 1, 2, then zeros forever */
	for (i = 0; i < 100; i++) {
		v = -1;
		gsched_chan_recv(c, &v);
		T_EQ(i < 2 ? i + 1 : 0, v);
	}
	/* with ok: false at once, every time */
	for (i = 0; i < 10; i++)
		T_EQ(0, gsched_chan_recv(c, &v));
	return 0;
}

TEST(s01_closed_drained_recv_loop)
{
	RUN_OK(&one_p, drained_loop_main);
}

/* 2: a select with timeout abandons an unbuffered result: the sender leaks */
static gsched_chan_t s2_ch;

static long s2_worker(void *arg)
{
	long v = 99;

	gsched_sleep(50 * MS);
	return gsched_chan_send(s2_ch, &v);
}

static long s2_main(void *arg)
{
	struct gsched_select_case cs[1];
	long v = 0, ev = -1;
	int id, ok = -1;

	/* unbuffered: nobody ever receives, the worker stays blocked */
	T_EQ(0, gsched_chan_make(&s2_ch, 8, 0));
	id = spawn_j(s2_worker, NULL);
	cs[0] = GSCHED_RECV(s2_ch, &v);
	T_EQ(-ETIMEDOUT, gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 2 * MS,
				       &ok));
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_reason_sleep(id, GSCHED_WAIT_CHAN_SEND));
	T_EQ(0, gsched_sleep(20 * MS));
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_CHAN_SEND), task_sr(id));
	T_GE(2, gs_sysfs_inst(gsched_instance_id(), "tasks"));

	/* buffer 1: the worker's send completes, nothing leaks */
	T_EQ(0, gsched_chan_make(&s2_ch, 8, 1));
	id = spawn_j(s2_worker, NULL);
	cs[0] = GSCHED_RECV(s2_ch, &v);
	T_EQ(-ETIMEDOUT, gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 2 * MS,
				       &ok));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	T_EQ(1, gsched_chan_len(s2_ch));
	return 0;
}

TEST(s02_select_timeout_leaks_sender)
{
	RUN_OK(&two_p, s2_main);
}

/*
 * 3: holding a lock while sending to a full channel; the consumer takes the
 * lock after its receive -> deadlock. The lock is Go's channel semaphore
 * (a buffered channel of one signal: lock = send, unlock = receive).
 */
static gsched_chan_t s3_mu, s3_ch;
static long s3_got = -1;
static atomic_int s3_unlocked, s3_sent;

static long s3_producer(void *arg)
{
	long i;

	gsched_chan_send(s3_mu, NULL);		/* lock */
	for (i = 1; i <= 3; i++) {
		if (gsched_chan_send(s3_ch, &i))
			return -1;
		atomic_fetch_add(&s3_sent, 1);
	}
	gsched_chan_recv(s3_mu, NULL);		/* unlock: never reached */
	atomic_store(&s3_unlocked, 1);
	return 0;
}

static long s3_main(void *arg)
{
	if (gsched_chan_make(&s3_mu, 0, 1) || gsched_chan_make(&s3_ch, 8, 1))
		return -1;
	if (gsched_spawn(s3_producer, NULL) <= 0)
		return -2;
	if (gsched_chan_recv(s3_ch, &s3_got) != 1)
		return -3;
	gsched_chan_send(s3_mu, NULL);		/* lock: blocks forever */
	return -4;
}

TEST(s03_lock_held_send_deadlock)
{
	long ev = -1;

	EXPECT_EQ(-EDEADLK, gsched_run_opts(&two_p, s3_main, NULL, &ev));
	EXPECT_EQ(-1, ev);
	EXPECT_EQ(1, s3_got);
	EXPECT_EQ(2, atomic_load(&s3_sent));	/* blocked on the third */
	EXPECT_EQ(0, atomic_load(&s3_unlocked));
}

/* 4 is the op x state table: the table_* tests above. */

/* 5: close while a producer is mid-loop: it gets the send-on-closed error */
static gsched_chan_t s5_ch;
static long s5_sent = -1;

static long s5_producer(void *arg)
{
	long i;
	int ret;

	for (i = 0;; i++) {
		ret = gsched_chan_send(s5_ch, &i);
		if (ret) {
			s5_sent = i;
			return ret;
		}
	}
}

static long s5_main(void *arg)
{
	long v, ev = 0, n;
	int id;

	T_EQ(0, gsched_chan_make(&s5_ch, 8, 2));
	id = spawn_j(s5_producer, NULL);
	for (n = 0; n < 5; n++) {
		T_EQ(1, gsched_chan_recv(s5_ch, &v));
		T_EQ(n, v);
	}
	T_EQ(0, gsched_chan_close(s5_ch));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(-EPIPE, ev);
	/* what was buffered before close is still received, in order */
	while (gsched_chan_recv(s5_ch, &v) == 1) {
		T_EQ(n, v);
		n++;
	}
	T_EQ(n, s5_sent);	/* every value sent was received */
	return 0;
}

TEST(s05_close_while_producer_sends)
{
	RUN_OK(&two_p, s5_main);
}

/* 6: a single task deadlocks itself */
static int s6_sent;

static long s6_unbuffered(void *arg)
{
	gsched_chan_t c;
	long v = 1;

	if (gsched_chan_make(&c, 8, 0))
		return -1;
	gsched_chan_send(c, &v);
	return -2;
}

static long s6_buffered(void *arg)
{
	gsched_chan_t c;
	long v;

	if (gsched_chan_make(&c, 8, 3))
		return -1;
	for (v = 0; v < 4; v++) {
		if (gsched_chan_send(c, &v))
			return -2;
		s6_sent++;
	}
	return -3;
}

TEST(s06_single_task_deadlock)
{
	long ev = -1;

	EXPECT_EQ(-EDEADLK, gsched_run_opts(&one_p, s6_unbuffered, NULL, &ev));
	EXPECT_EQ(-1, ev);
	EXPECT_EQ(-EDEADLK, gsched_run_opts(&two_p, s6_buffered, NULL, &ev));
	EXPECT_EQ(-1, ev);
	EXPECT_EQ(3, s6_sent);
}

/* 7: two receivers, one send: exactly one receives, the other stays */
static struct op_arg s7_arg[2];

static long s7_main(void *arg)
{
	gsched_chan_t c;
	long v = 70;
	int id[2], i;

	T_EQ(0, gsched_chan_make(&c, 8, 0));
	for (i = 0; i < 2; i++) {
		s7_arg[i] = (struct op_arg){ .ch = c, .val = -1, .ret = -1000 };
		id[i] = spawn_j(do_recv, &s7_arg[i]);
		T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id[i]));
	}
	T_EQ(0, gsched_chan_send(c, &v));
	/* wait for one of them to finish, then give the other a chance */
	for (i = 0; i < 2000; i++) {
		if (task_sr(id[0]) / 100 == GSCHED_TASK_DEAD ||
		    task_sr(id[1]) / 100 == GSCHED_TASK_DEAD)
			break;
		gsched_sleep(MS);
	}
	T_EQ(0, gsched_sleep(10 * MS));
	/* the first in line got it */
	T_EQ(SR(GSCHED_TASK_DEAD, 0), task_sr(id[0]));
	T_EQ(1, s7_arg[0].ret);
	T_EQ(70, s7_arg[0].val);
	T_EQ(-1000, s7_arg[1].ret);
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_CHAN_RECV), task_sr(id[1]));
	return 0;
}

TEST(s07_two_receivers_one_send)
{
	RUN_OK(&two_p, s7_main);
}

/* 8: select fairness: select_fairness and select_fairness_partial below */

/* 9: for-select setting a closed channel's variable to nil */
static gsched_chan_t s9_a, s9_b;
static atomic_int s9_closed, s9_a_nil;

static long s9_prod(void *arg)
{
	int which = (int)(intptr_t)arg;
	gsched_chan_t c = which ? s9_b : s9_a;
	long i, n = which ? 5 : 3;

	/* b outlives a: it starts once the loop has set a to nil */
	for (i = 0; which && !atomic_load(&s9_a_nil) && i < 5000; i++)
		gsched_sleep(MS);
	for (i = 0; i < n; i++)
		if (gsched_chan_send(c, &i))
			return -1;
	atomic_fetch_add(&s9_closed, 1);
	return gsched_chan_close(c);
}

static long s9_main(void *arg)
{
	struct gsched_select_case cs[2];
	int r, ok, nclosed = 0, na = 0, nb = 0, b_after_a = 0, i;
	long v;

	T_EQ(0, gsched_chan_make(&s9_a, 8, 0));
	T_EQ(0, gsched_chan_make(&s9_b, 8, 0));
	cs[0] = GSCHED_RECV(s9_a, &v);
	cs[1] = GSCHED_RECV(s9_b, &v);
	T_GT(0, gsched_spawn(s9_prod, (void *)0));
	T_GT(0, gsched_spawn(s9_prod, (void *)1));
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
				atomic_store(&s9_a_nil, 1);
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
	T_EQ(2, atomic_load(&s9_closed));
	return 0;
}

TEST(s09_for_select_nil_closed)
{
	RUN_OK(&two_p, s9_main);
}

/* 10: close(stop) with 100 workers: all exit */
#define S10_N 100
static gsched_chan_t s10_stop, s10_work;
static atomic_int s10_done, s10_exited;

static long s10_worker(void *arg)
{
	struct gsched_select_case cs[2];
	long v;
	int r, ok;

	cs[0] = GSCHED_RECV(s10_stop, NULL);
	cs[1] = GSCHED_RECV(s10_work, &v);
	for (;;) {
		r = gsched_select(cs, 2, 0, 0, &ok);
		if (r == 0 && !ok)
			break;
		if (r != 1 || !ok)
			return -1;
		atomic_fetch_add(&s10_done, 1);
	}
	atomic_fetch_add(&s10_exited, 1);
	return 0;
}

static long s10_main(void *arg)
{
	static int ids[S10_N];
	long v, ev;
	int i;

	T_EQ(0, gsched_chan_make(&s10_stop, 0, 0));
	T_EQ(0, gsched_chan_make(&s10_work, 8, 0));
	for (i = 0; i < S10_N; i++) {
		ids[i] = spawn_j(s10_worker, NULL);
		T_GT(0, ids[i]);
	}
	for (v = 0; v < 50; v++)
		T_EQ(0, gsched_chan_send(s10_work, &v));
	T_EQ(0, gsched_chan_close(s10_stop));
	for (i = 0; i < S10_N; i++) {
		ev = -1;
		T_EQ(0, gsched_join(ids[i], &ev));
		T_EQ(0, ev);
	}
	T_EQ(S10_N, atomic_load(&s10_exited));
	T_EQ(50, atomic_load(&s10_done));
	return 0;
}

TEST(s10_close_stop_100_workers)
{
	RUN_OK(&two_p, s10_main);
}

/* 11: FIFO: fifo_receivers and fifo_senders below; 12: full_buffer_... */

/*
 * 23: for-select with a fresh timer each iteration and a default branch;
 * a cancel channel closes after a while. The loop must exit, and neither
 * timers nor channels may pile up in the instance's sysfs counters.
 */
static gsched_chan_t s23_cancel;
static long long s23_ch0, s23_tm0, s23_chmax, s23_tmmax, s23_iters;
static atomic_int s23_progress;

static long s23_canceller(void *arg)
{
	int i;

	/* a while, and enough iterations to see a pile-up (slow guests) */
	gsched_sleep(30 * MS);
	for (i = 0; i < 10000 && atomic_load(&s23_progress) < 50; i++)
		gsched_sleep(MS);
	return gsched_chan_close(s23_cancel);
}

static void s23_sample(int inst)
{
	long long c = gs_sysfs_inst(inst, "channels");
	long long t = gs_sysfs_inst(inst, "timers");

	if (c > s23_chmax)
		s23_chmax = c;
	if (t > s23_tmmax)
		s23_tmmax = t;
}

static long s23_main(void *arg)
{
	int inst = gsched_instance_id(), mode = *(int *)arg, r, id;
	struct gsched_select_case cs[2];
	gsched_chan_t t;
	uint64_t when;

	T_EQ(0, gsched_chan_make(&s23_cancel, 0, 0));
	s23_ch0 = gs_sysfs_inst(inst, "channels");
	s23_tm0 = gs_sysfs_inst(inst, "timers");
	s23_chmax = s23_ch0;
	s23_tmmax = s23_tm0;
	id = spawn_j(s23_canceller, NULL);
	for (s23_iters = 0;; s23_iters++) {
		if (s23_iters > 200000) {
			T_EQ(0, s23_iters);	/* never cancelled */
			break;
		}
		if (mode == 0) {
			/* time.After(2 s) every iteration, then released */
			T_EQ(0, gsched_after(&t, 2000 * MS));
			cs[0] = GSCHED_RECV(t, &when);
			cs[1] = GSCHED_RECV(s23_cancel, NULL);
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
			cs[0] = GSCHED_RECV(s23_cancel, NULL);
			r = gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, MS,
					  NULL);
			if (r == 0)
				break;
			T_EQ(-ETIMEDOUT, r);
			if (r != -ETIMEDOUT)
				break;
		}
		if (s23_iters % 4 == 0)
			s23_sample(inst);
		atomic_store(&s23_progress, (int)s23_iters);
	}
	T_EQ(0, gsched_join(id, NULL));
	s23_sample(inst);
	/* back to where we started: the cancel channel only */
	T_EQ(s23_ch0, gs_sysfs_inst(inst, "channels"));
	T_EQ(s23_tm0, gs_sysfs_inst(inst, "timers"));
	return 0;
}

TEST(s23_for_select_fresh_timer)
{
	static int mode;
	long ev = -1;

	mode = 0;
	ASSERT_EQ(0, gsched_run_opts(&two_p, s23_main, &mode, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);
	TH_LOG("after: %lld iterations, channels %lld..%lld, timers %lld..%lld",
	       s23_iters, s23_ch0, s23_chmax, s23_tm0, s23_tmmax);
	EXPECT_GE(s23_iters, 50);
	/* at most the one being used (channels sampled after release) plus
	 * the canceller's sleep */
	EXPECT_LE(s23_chmax, s23_ch0 + 1);
	EXPECT_LE(s23_tmmax, s23_tm0 + 2);
}

TEST(s23_for_select_timeout)
{
	static int mode;
	long ev = -1;

	mode = 1;
	ASSERT_EQ(0, gsched_run_opts(&two_p, s23_main, &mode, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);
	TH_LOG("select timeout: %lld iterations, channels %lld..%lld, timers %lld..%lld",
	       s23_iters, s23_ch0, s23_chmax, s23_tm0, s23_tmmax);
	EXPECT_GE(s23_iters, 50);
	EXPECT_EQ(s23_chmax, s23_ch0);
	EXPECT_LE(s23_tmmax, s23_tm0 + 2);
}

/* ==== 3. FIFO, close wake-ups, select, element sizes =================== */

#define NFIFO 6
static struct op_arg fifo_arg[NFIFO];

static long fifo_recv_main(void *arg)
{
	int id[NFIFO], i;
	gsched_chan_t c;
	long v;

	T_EQ(0, gsched_chan_make(&c, 8, 0));
	for (i = 0; i < NFIFO; i++) {
		fifo_arg[i] = (struct op_arg){ .ch = c, .val = -1 };
		id[i] = spawn_j(do_recv, &fifo_arg[i]);
		T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(id[i]));
	}
	for (i = 0; i < NFIFO; i++) {
		v = 100 + i;
		T_EQ(0, gsched_chan_send(c, &v));
	}
	for (i = 0; i < NFIFO; i++) {
		T_EQ(0, gsched_join(id[i], NULL));
		T_EQ(1, fifo_arg[i].ret);
		T_EQ(100 + i, fifo_arg[i].val);	/* r1 got the first */
	}
	return 0;
}

TEST(fifo_receivers)
{
	RUN_OK(&two_p, fifo_recv_main);
}

static long fifo_send_main(void *arg)
{
	int cap = *(int *)arg, id[NFIFO], i;
	gsched_chan_t c;
	long v;

	T_EQ(0, gsched_chan_make(&c, 8, (unsigned int)cap));
	for (v = 0; v < cap; v++)		/* fill the buffer first */
		T_EQ(0, gsched_chan_send(c, &v));
	for (i = 0; i < NFIFO; i++) {
		fifo_arg[i] = (struct op_arg){ .ch = c, .val = cap + i };
		id[i] = spawn_j(do_send, &fifo_arg[i]);
		T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id[i]));
	}
	for (i = 0; i < cap + NFIFO; i++) {
		v = -1;
		T_EQ(1, gsched_chan_recv(c, &v));
		T_EQ(i, v);
	}
	for (i = 0; i < NFIFO; i++) {
		T_EQ(0, gsched_join(id[i], NULL));
		T_EQ(0, fifo_arg[i].ret);
	}
	T_EQ(0, gsched_chan_len(c));
	return 0;
}

TEST(fifo_senders)
{
	static int cap;
	long ev = -1;

	cap = 0;
	ASSERT_EQ(0, gsched_run_opts(&two_p, fifo_send_main, &cap, &ev));
	EXPECT_EQ(0, ev);
	cap = 3;		/* behind a full buffer */
	ASSERT_EQ(0, gsched_run_opts(&two_p, fifo_send_main, &cap, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);
}

#define NWAKE 5
static struct op_arg cw_recv[NWAKE], cw_send[NWAKE];

static long close_wakes_main(void *arg)
{
	int rid[NWAKE], sid[NWAKE], i;
	gsched_chan_t rc, sc;
	long ev;

	T_EQ(0, gsched_chan_make(&rc, 8, 0));
	T_EQ(0, gsched_chan_make(&sc, 8, 2));
	T_EQ(0, gsched_chan_send(sc, &(long){ 1 }));
	T_EQ(0, gsched_chan_send(sc, &(long){ 2 }));
	for (i = 0; i < NWAKE; i++) {
		cw_recv[i] = (struct op_arg){ .ch = rc, .val = -1, .ret = 9 };
		rid[i] = spawn_j(do_recv, &cw_recv[i]);
		cw_send[i] = (struct op_arg){ .ch = sc, .val = 10 + i, .ret = 9 };
		sid[i] = spawn_j(do_send, &cw_send[i]);
	}
	for (i = 0; i < NWAKE; i++) {
		T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked(rid[i]));
		T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(sid[i]));
	}
	T_EQ(0, gsched_chan_close(rc));
	T_EQ(0, gsched_chan_close(sc));
	for (i = 0; i < NWAKE; i++) {
		ev = 9;
		T_EQ(0, gsched_join(rid[i], &ev));
		T_EQ(0, ev);
		T_EQ(0, cw_recv[i].ret);	/* ok == false */
		T_EQ(0, cw_recv[i].val);	/* zero value */
		ev = 9;
		T_EQ(0, gsched_join(sid[i], &ev));
		T_EQ(-EPIPE, ev);
		T_EQ(-EPIPE, cw_send[i].ret);
	}
	/* the buffered values are still there, the senders' are not */
	T_EQ(2, gsched_chan_len(sc));
	return 0;
}

TEST(close_wakes_all_waiters)
{
	RUN_OK(&two_p, close_wakes_main);
}

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

static long dup_peer_after_main_blocks(void *arg)
{
	long v = 555;
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

/* A send case on a closed channel: the select fails with -EPIPE. */
static gsched_chan_t ssc_ch;

static long ssc_closer(void *arg)
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
	return gsched_chan_close(ssc_ch);
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

/* Zero-size elements: signals. */
static long zero_sig(void *arg)
{
	return gsched_chan_send((gsched_chan_t)(uintptr_t)arg, NULL);
}

static long zero_main(void *arg)
{
	long long b0 = gs_sysfs_inst(gsched_instance_id(), "chan_bytes");
	gsched_chan_t c, u;
	long canary = 0x1234;
	int i, id;

	T_EQ(0, gsched_chan_make(&c, 0, 3));
	T_EQ(0, gsched_chan_make(&u, 0, 0));
	T_EQ(b0, gs_sysfs_inst(gsched_instance_id(), "chan_bytes"));
	for (i = 0; i < 3; i++)
		T_EQ(0, gsched_chan_trysend(c, NULL));
	T_EQ(-EAGAIN, gsched_chan_trysend(c, NULL));
	T_EQ(3, gsched_chan_len(c));
	T_EQ(3, gsched_chan_cap(c));
	T_EQ(1, gsched_chan_recv(c, &canary));		/* nothing written */
	T_EQ(0x1234, canary);
	T_EQ(1, gsched_chan_tryrecv(c, NULL));
	T_EQ(1, gsched_chan_recv(c, NULL));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(c, NULL));
	/* unbuffered: a rendezvous carrying nothing */
	id = spawn_j(zero_sig, (void *)(uintptr_t)u);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	T_EQ(1, gsched_chan_recv(u, &canary));
	T_EQ(0x1234, canary);
	T_EQ(0, gsched_join(id, NULL));
	T_EQ(0, gsched_chan_close(u));
	T_EQ(0, gsched_chan_recv(u, &canary));
	T_EQ(0x1234, canary);
	/* a huge capacity costs nothing */
	T_EQ(0, gsched_chan_make(&c, 0, 0xffffffffU));
	T_EQ(b0, gs_sysfs_inst(gsched_instance_id(), "chan_bytes"));
	return 0;
}

TEST(zero_size_elements)
{
	RUN_OK(&two_p, zero_main);
}

/* 64 KiB elements (static buffers: task stacks are 64 KiB). */
#define BIG GSCHED_CHAN_MAX_ELEM
static unsigned char big_in[3][BIG], big_out[BIG];

static long big_sender(void *arg)
{
	return gsched_chan_send((gsched_chan_t)(uintptr_t)arg, big_in[2]);
}

static long big_main(void *arg)
{
	long long b0 = gs_sysfs_inst(gsched_instance_id(), "chan_bytes");
	struct gsched_select_case cs[1];
	gsched_chan_t c, u;
	int i, j, id, ok;

	for (i = 0; i < 3; i++)
		for (j = 0; j < BIG; j++)
			big_in[i][j] = (unsigned char)(j * 7 + i * 13 + (j >> 8));
	T_EQ(0, gsched_chan_make(&c, BIG, 2));
	T_EQ(b0 + 2 * BIG, gs_sysfs_inst(gsched_instance_id(), "chan_bytes"));
	T_EQ(0, gsched_chan_trysend(c, big_in[0]));
	T_EQ(0, gsched_chan_send(c, big_in[1]));
	memset(big_out, 0, BIG);
	T_EQ(1, gsched_chan_recv(c, big_out));
	T_EQ(0, memcmp(big_out, big_in[0], BIG));
	memset(big_out, 0, BIG);
	cs[0] = GSCHED_RECV(c, big_out);
	T_EQ(0, gsched_select(cs, 1, 0, 0, &ok));
	T_EQ(0, memcmp(big_out, big_in[1], BIG));
	/* unbuffered: handed from task to task */
	T_EQ(0, gsched_chan_make(&u, BIG, 0));
	id = spawn_j(big_sender, (void *)(uintptr_t)u);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	memset(big_out, 0, BIG);
	T_EQ(1, gsched_chan_recv(u, big_out));
	T_EQ(0, memcmp(big_out, big_in[2], BIG));
	T_EQ(0, gsched_join(id, NULL));
	/* and the other way round: the receiver waits */
	T_EQ(0, gsched_chan_trysend(c, big_in[2]));
	memset(big_out, 0, BIG);
	T_EQ(1, gsched_chan_tryrecv(c, big_out));
	T_EQ(0, memcmp(big_out, big_in[2], BIG));
	/* one byte too many */
	T_EQ(-EINVAL, gsched_chan_make(&u, BIG + 1, 0));
	T_EQ(-EINVAL, gsched_chan_make(&u, BIG + 1, 1));
	T_EQ(0, gsched_chan_release(c));
	T_EQ(b0, gs_sysfs_inst(gsched_instance_id(), "chan_bytes"));
	return 0;
}

TEST(elements_64k)
{
	RUN_OK(&two_p, big_main);
}

/* ==== 4. full buffer with a blocked sender (seed scenario 12) ========== */

static struct op_arg fb_arg;

static long full_buffer_main(void *arg)
{
	gsched_chan_t c;
	long v, ev = -1;
	int id;

	T_EQ(0, gsched_chan_make(&c, 8, 3));
	for (v = 1; v <= 3; v++)
		T_EQ(0, gsched_chan_send(c, &v));
	fb_arg = (struct op_arg){ .ch = c, .val = 4, .ret = 9 };
	id = spawn_j(do_send, &fb_arg);
	T_EQ(GSCHED_WAIT_CHAN_SEND, wait_blocked(id));
	/* the receive gets the head and moves the sender's value in */
	T_EQ(1, gsched_chan_recv(c, &v));
	T_EQ(1, v);
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(0, ev);
	T_EQ(3, gsched_chan_len(c));
	/* one more to check the ring wraps correctly */
	v = 5;
	T_EQ(-EAGAIN, gsched_chan_trysend(c, &v));
	T_EQ(1, gsched_chan_recv(c, &v));
	T_EQ(2, v);
	v = 5;
	T_EQ(0, gsched_chan_trysend(c, &v));
	for (ev = 3; ev <= 5; ev++) {
		T_EQ(1, gsched_chan_recv(c, &v));
		T_EQ(ev, v);
	}
	T_EQ(0, gsched_chan_len(c));
	return 0;
}

TEST(full_buffer_blocked_sender)
{
	RUN_OK(&two_p, full_buffer_main);
}

/* ==== 5. the concurrent prime sieve ==================================== */

#define NPRIMES 1000	/* the sieve finds this many, fewer when scaled */
static long sieve_got[NPRIMES];
static int nprimes;

struct sv_filter {
	gsched_chan_t in, out;
	long prime;
};
static struct sv_filter sv_filters[NPRIMES];

static long sv_generate(void *arg)
{
	gsched_chan_t ch = (gsched_chan_t)(uintptr_t)arg;
	long i;

	for (i = 2;; i++)
		if (gsched_chan_send(ch, &i))
			return 0;
}

static long sv_filter(void *arg)
{
	struct sv_filter *f = arg;
	long v;

	while (gsched_chan_recv(f->in, &v) == 1)
		if (v % f->prime && gsched_chan_send(f->out, &v))
			break;
	gsched_chan_close(f->out);
	gsched_chan_close(f->in);
	return 0;
}

static long sieve_main(void *arg)
{
	gsched_chan_t ch, next;
	int i;

	if (gsched_chan_make(&ch, sizeof(long), 0))
		return -1;
	if (gsched_spawn(sv_generate, (void *)(uintptr_t)ch) <= 0)
		return -2;
	for (i = 0; i < nprimes; i++) {
		if (gsched_chan_recv(ch, &sieve_got[i]) != 1)
			return -3;
		if (gsched_chan_make(&next, sizeof(long), 0))
			return -4;
		sv_filters[i] = (struct sv_filter){ ch, next, sieve_got[i] };
		if (gsched_spawn(sv_filter, &sv_filters[i]) <= 0)
			return -5;
		ch = next;
	}
	gsched_chan_close(ch);
	return 0;
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/*
 * 1000 primes through 1000 filter tasks (517,383 unbuffered transfers);
 * 100 on slow kernels (GSCHED_TEST_SCALE; 150 took 143 s of the debug
 * guest's run).
 */
TEST_F_TIMEOUT(slow, sieve_primes, 600)
{
	long want[NPRIMES], n, d, ev = -1;
	int k = 0, bad = 0, i;

	nprimes = (int)gs_scaled(NPRIMES, 100);
	TH_LOG("%d primes", nprimes);
	for (n = 2; k < nprimes; n++) {
		for (d = 2; d * d <= n && n % d; d++)
			;
		if (d * d > n)
			want[k++] = n;
	}
	ASSERT_EQ(0, gsched_run_opts(&two_p, sieve_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	for (i = 0; i < nprimes; i++)
		if (sieve_got[i] != want[i] && !bad++)
			TH_LOG("prime %d: want %ld got %ld", i, want[i],
			       sieve_got[i]);
	EXPECT_EQ(0, bad);
	/* the 1000th prime is 7919, the 150th 863 */
	EXPECT_EQ(nprimes == 1000 ? 7919 : want[nprimes - 1],
		  sieve_got[nprimes - 1]);
}

/* ==== 6. conservation under stress ===================================== */

#define CS_NCH		8
#define CS_NPROD	16
#define CS_NCONS	16
#define CS_PER		1250
static long cs_per = CS_PER;	/* values per producer, fewer on a slow kernel */
static gsched_chan_t cs_ch[CS_NCH];
static atomic_uchar cs_seen[CS_NPROD * CS_PER];
static atomic_ullong cs_sum, cs_xor;
static atomic_long cs_count, cs_dup, cs_bogus;

static long cs_producer(void *arg)
{
	long p = (long)(intptr_t)arg, s, v;
	struct gsched_select_case cs[CS_NCH];
	int i, r;

	for (i = 0; i < CS_NCH; i++)
		cs[i] = GSCHED_SEND(cs_ch[i], &v);
	for (s = 0; s < cs_per; s++) {
		v = p * 1000000 + s;
		r = gsched_select(cs, CS_NCH, 0, 0, NULL);
		if (r < 0 || r >= CS_NCH) {
			T_EQ(0, r);
			return -1;
		}
	}
	return 0;
}

static long cs_consumer(void *arg)
{
	struct gsched_select_case cs[CS_NCH];
	unsigned long long sum = 0, x = 0;
	int i, r, ok, open = CS_NCH;
	long v, n = 0, p, s;

	for (i = 0; i < CS_NCH; i++)
		cs[i] = GSCHED_RECV(cs_ch[i], &v);
	while (open) {
		r = gsched_select(cs, CS_NCH, 0, 0, &ok);
		if (r < 0 || r >= CS_NCH) {
			T_EQ(0, r);
			return -1;
		}
		if (!ok) {
			cs[r].handle = 0;
			open--;
			continue;
		}
		p = v / 1000000;
		s = v % 1000000;
		if (p < 0 || p >= CS_NPROD || s < 0 || s >= cs_per) {
			atomic_fetch_add(&cs_bogus, 1);
			continue;
		}
		if (atomic_fetch_add(&cs_seen[p * cs_per + s], 1))
			atomic_fetch_add(&cs_dup, 1);
		sum += (unsigned long long)v;
		x ^= (unsigned long long)v;
		n++;
	}
	atomic_fetch_add(&cs_sum, sum);
	atomic_fetch_xor(&cs_xor, x);
	atomic_fetch_add(&cs_count, n);
	return n;
}

static long cs_main(void *arg)
{
	static const unsigned int caps[CS_NCH] = { 0, 0, 0, 0, 1, 4, 16, 64 };
	int prod[CS_NPROD], cons[CS_NCONS], i;
	long ev;

	for (i = 0; i < CS_NCH; i++)
		T_EQ(0, gsched_chan_make(&cs_ch[i], sizeof(long), caps[i]));
	for (i = 0; i < CS_NCONS; i++)
		T_GT(0, cons[i] = spawn_j(cs_consumer, NULL));
	for (i = 0; i < CS_NPROD; i++)
		T_GT(0, prod[i] = spawn_j(cs_producer, (void *)(intptr_t)i));
	for (i = 0; i < CS_NPROD; i++) {
		ev = -1;
		T_EQ(0, gsched_join(prod[i], &ev));
		T_EQ(0, ev);
	}
	for (i = 0; i < CS_NCH; i++)
		T_EQ(0, gsched_chan_close(cs_ch[i]));
	for (i = 0; i < CS_NCONS; i++) {
		ev = -1;
		T_EQ(0, gsched_join(cons[i], &ev));
		T_LE(CS_NPROD * cs_per, ev);
		T_GE(0, ev);
	}
	return 0;
}

TEST_F_TIMEOUT(slow, conservation_stress, 600)
{
	unsigned long long sum = 0, x = 0, v;
	long p, s, missing = 0;

	cs_per = gs_scaled(CS_PER, 125);
	TH_LOG("%ld values from each of %d producers", cs_per, CS_NPROD);
	RUN_OK(&two_p, cs_main);
	for (p = 0; p < CS_NPROD; p++)
		for (s = 0; s < cs_per; s++) {
			v = (unsigned long long)(p * 1000000 + s);
			sum += v;
			x ^= v;
			missing += !cs_seen[p * cs_per + s];
		}
	EXPECT_EQ(CS_NPROD * cs_per, atomic_load(&cs_count));
	EXPECT_EQ(0, atomic_load(&cs_dup));
	EXPECT_EQ(0, atomic_load(&cs_bogus));
	EXPECT_EQ(0, missing);
	EXPECT_EQ(sum, atomic_load(&cs_sum));
	EXPECT_EQ(x, atomic_load(&cs_xor));
}

/* ==== 7. timers ======================================================== */

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

/* ==== 8. bad input ===================================================== */

FIXTURE(raw) {
	int fd;
	unsigned int id;
};

FIXTURE_SETUP(raw)
{
	self->fd = gs_raw_instance(1, &self->id);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(raw)
{
	close(self->fd);
}

static int raw_op(int fd, __u32 op, __u32 h, const void *buf,
		  struct gsched_chan_op *out)
{
	struct gsched_chan_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = op,
		.handle = h,
		.buf = (__u64)(uintptr_t)buf,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN, &o);

	if (out)
		*out = o;
	return ret;
}

static int raw_make(int fd, __u32 elem_size, __u32 cap, __u32 *h)
{
	struct gsched_chan_make m = { .elem_size = elem_size, .cap = cap };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &m);

	if (!ret && h)
		*h = m.handle;
	return ret;
}

static int raw_timer(int fd, __u32 op, __u32 h, __u64 delay, __u64 period,
		     __u32 *out)
{
	struct gsched_timer_op t = {
		.op = op, .handle = h, .delay_ns = delay, .period_ns = period,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_TIMER, &t);

	if (!ret && out)
		*out = op == GSCHED_TIMER_MAKE ? t.handle : t.ok;
	return ret;
}

static const __u32 chan_ops[] = {
	GSCHED_CHAN_TRYSEND, GSCHED_CHAN_TRYRECV, GSCHED_CHAN_CLOSE,
	GSCHED_CHAN_RELEASE, GSCHED_CHAN_INFO,
};

static bool op_takes_buf(__u32 op)
{
	return op == GSCHED_CHAN_TRYSEND || op == GSCHED_CHAN_TRYRECV;
}

TEST_F(raw, forged_handles)
{
	static const __u32 forged[] = { 0x7fffffff, 0xffffffff, 0x80000000,
					4242 };
	long v = 1;
	unsigned int i, j;
	__u32 h, x;

	ASSERT_EQ(0, raw_make(self->fd, 8, 1, &h));
	for (i = 0; i < ARRAY_SIZE(forged); i++) {
		for (j = 0; j < ARRAY_SIZE(chan_ops); j++)
			EXPECT_EQ(-EBADF, raw_op(self->fd, chan_ops[j],
						 forged[i],
						 op_takes_buf(chan_ops[j]) ?
						 &v : NULL, NULL))
				TH_LOG("op %u handle %#x", chan_ops[j],
				       forged[i]);
		EXPECT_EQ(-EBADF, raw_timer(self->fd, GSCHED_TIMER_STOP,
					    forged[i], 0, 0, &x));
		EXPECT_EQ(-EBADF, raw_timer(self->fd, GSCHED_TIMER_RESET,
					    forged[i], MS, 0, &x));
	}
	/* the nil channel: try ops would block, the others are refused */
	EXPECT_EQ(-EAGAIN, raw_op(self->fd, GSCHED_CHAN_TRYSEND, 0, &v, NULL));
	EXPECT_EQ(-EAGAIN, raw_op(self->fd, GSCHED_CHAN_TRYRECV, 0, &v, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_CLOSE, 0, NULL, NULL));
	/* the real channel is untouched */
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
}

TEST_F(raw, task_handle_is_not_a_channel)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };
	long v = 1;
	unsigned int j;
	__u32 x;

	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_SPAWN, &sp));
	ASSERT_NE(0U, sp.id);
	for (j = 0; j < ARRAY_SIZE(chan_ops); j++)
		EXPECT_EQ(-EINVAL, raw_op(self->fd, chan_ops[j], sp.id,
					  op_takes_buf(chan_ops[j]) ? &v : NULL,
					  NULL))
			TH_LOG("op %u", chan_ops[j]);
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_STOP, sp.id, 0, 0,
				     &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_RESET, sp.id, MS,
				     0, &x));
}

TEST_F(raw, chan_op_bad_fields)
{
	struct gsched_chan_op o;
	long v = 1;
	__u32 h;

	ASSERT_EQ(0, raw_make(self->fd, 8, 2, &h));
	/* unknown ops */
	EXPECT_EQ(-EINVAL, raw_op(self->fd, 0, h, NULL, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, 100, h, NULL, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, 0xffffffff, h, NULL, NULL));
	/* flags and reserved must be zero */
	o = (struct gsched_chan_op){ .flags = 1, .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_INFO, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &o));
	o = (struct gsched_chan_op){ .flags = 0x80000000,
				     .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_TRYSEND, .handle = h,
				     .buf = (__u64)(uintptr_t)&v };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &o));
	o = (struct gsched_chan_op){ .__reserved = 1,
				     .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_TRYSEND, .handle = h,
				     .buf = (__u64)(uintptr_t)&v };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &o));
	/* a buffer where none belongs */
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_CLOSE, h, &v, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, &v, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_INFO, h, &v, NULL));
	/* none of that did anything: still open, empty, with its handle */
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_INFO, h, NULL, &o));
	EXPECT_EQ(0U, o.ok);
	EXPECT_EQ(0U, o.len);
	EXPECT_EQ(2U, o.cap);
	EXPECT_EQ(8U, o.elem_size);
}

TEST_F(raw, efault_elements)
{
	struct gsched_chan_op o;
	void *bad = unmapped();
	long v = 5;
	__u32 h, u;

	ASSERT_TRUE(bad != NULL);
	ASSERT_EQ(0, raw_make(self->fd, 8, 2, &h));
	ASSERT_EQ(0, raw_make(self->fd, 8, 0, &u));
	/* TRYSEND with room: the value cannot be read */
	EXPECT_EQ(-EFAULT, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, bad, NULL));
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_INFO, h, NULL, &o));
	EXPECT_EQ(0U, o.len);
	/* TRYRECV with a value waiting: it cannot be written */
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
	EXPECT_EQ(-EFAULT, raw_op(self->fd, GSCHED_CHAN_TRYRECV, h, bad, NULL));
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_INFO, h, NULL, &o));
	TH_LOG("after the faulting TRYRECV len is %u (the value is %s)", o.len,
	       o.len ? "kept" : "consumed");
	/* nothing to receive: would block, whatever the buffer */
	EXPECT_EQ(-EAGAIN, raw_op(self->fd, GSCHED_CHAN_TRYRECV, u, bad, NULL));
	/* a NULL receive buffer discards the value */
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYRECV, h, NULL, &o));
	EXPECT_EQ(1U, o.ok);
}

TEST_F(raw, chan_make_limits)
{
	struct gsched_chan_make m;
	unsigned long long max = 64ULL << 20;
	char buf[64];
	__u32 h;

	if (!gs_sysfs_read("/sys/module/gsched/parameters/max_chan_bytes", buf,
			   sizeof(buf)))
		max = strtoull(buf, NULL, 10);
	TH_LOG("max_chan_bytes %llu", max);
	EXPECT_EQ(-EINVAL, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM + 1, 0, &h));
	EXPECT_EQ(-EINVAL, raw_make(self->fd, 0xffffffff, 1, &h));
	EXPECT_EQ(0, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM, 0, &h));
	EXPECT_EQ(0, raw_make(self->fd, 0, 0xffffffff, &h));
	/* one slot over the byte budget */
	EXPECT_EQ(-ENOMEM, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM,
				    (__u32)(max / GSCHED_CHAN_MAX_ELEM + 1),
				    &h));
	EXPECT_EQ(-ENOMEM, raw_make(self->fd, 1, (__u32)(max + 1), &h));
	/* no overflow: 2^16 * (2^32 - 1) bytes */
	EXPECT_EQ(-ENOMEM, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM, 0xffffffff,
				    &h));
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "chan_bytes"));
	/* within the budget, charged and uncharged */
	ASSERT_EQ(0, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM, 16, &h));
	EXPECT_EQ(16 * GSCHED_CHAN_MAX_ELEM,
		  gs_sysfs_inst((int)self->id, "chan_bytes"));
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL));
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "chan_bytes"));
	/* flags, padding, reserved */
	m = (struct gsched_chan_make){ .flags = 1, .elem_size = 8 };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &m));
	m = (struct gsched_chan_make){ .__pad = 1, .elem_size = 8 };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &m));
	m = (struct gsched_chan_make){ .__reserved = 1, .elem_size = 8 };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &m));
}

TEST_F(raw, timer_bad_ops)
{
	struct gsched_timer_op t;
	__u32 h, c, x;

	ASSERT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 0, 0, &h));
	ASSERT_EQ(0, raw_make(self->fd, 8, 1, &c));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, 0, h, 0, 0, &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, 100, h, 0, 0, &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, 0xffffffff, h, 0, 0, &x));
	/* a period needs a first expiry */
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_RESET, h, 0, MS,
				     &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 0, MS,
				     &x));
	/* MAKE takes no handle, STOP no times */
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_MAKE, h, MS, 0,
				     &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_STOP, h, MS, 0,
				     &x));
	/* a plain channel is no timer */
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_STOP, c, 0, 0, &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_RESET, c, MS, 0,
				     &x));
	t = (struct gsched_timer_op){ .flags = 1, .op = GSCHED_TIMER_STOP,
				      .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_TIMER, &t));
	t = (struct gsched_timer_op){ .__reserved = 1,
				      .op = GSCHED_TIMER_STOP, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_TIMER, &t));
	/* the good ones still work: not armed, then armed */
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(0U, x);
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_RESET, h, 1000 * MS, 0,
			       &x));
	EXPECT_EQ(0U, x);
	EXPECT_EQ(1, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(1U, x);
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "timers"));
}

/*
 * GSCHED_TIMER_RESET of one timer from several threads at once. Done as
 * a cancel and then an arm, two resets could both find the timer stopped
 * and both arm it: the second arm hit a WARN_ON_ONCE in the module (the
 * ioctl fuzzer found it, unprivileged). Each reset is one step now: the
 * timer ends up queued once, and the kernel log stays free of warnings.
 */
#define RESETTERS	4
#define RESETS		5000

struct resetter {
	int fd;
	__u32 h;
	int fails;
};

static void *resetter_fn(void *arg)
{
	struct resetter *r = arg;
	__u32 x;
	int i;

	for (i = 0; i < RESETS; i++)
		if (raw_timer(r->fd, GSCHED_TIMER_RESET, r->h, 1000 * MS, 0,
			      &x))
			r->fails++;
	return NULL;
}

TEST_F(raw, concurrent_resets_of_one_timer)
{
	struct resetter r[RESETTERS];
	pthread_t th[RESETTERS];
	char line[1024];
	int i, kfd, warnings = 0;
	ssize_t n;
	__u32 h, x;

	ASSERT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 0, 0, &h));
	kfd = kmsg_open();
	for (i = 0; i < RESETTERS; i++) {
		r[i] = (struct resetter){ .fd = self->fd, .h = h };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, resetter_fn, &r[i]));
	}
	for (i = 0; i < RESETTERS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, r[i].fails);
	}
	/* queued once: counted once, and one stop finds it */
	EXPECT_EQ(1, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(1U, x);
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(0U, x);
	if (kfd < 0) {
		TH_LOG("/dev/kmsg: %m: kernel log not checked");
		return;
	}
	for (;;) {
		n = read(kfd, line, sizeof(line) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			break;
		line[n] = 0;
		if (strstr(line, "WARNING:")) {
			warnings++;
			TH_LOG("%s", line);
		}
	}
	close(kfd);
	EXPECT_EQ(0, warnings);
}

TEST_F(raw, double_release)
{
	__u32 h, t;
	long v = 3;

	ASSERT_EQ(0, raw_make(self->fd, 8, 1, &h));
	ASSERT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 1000 * MS, 0,
			       &t));
	EXPECT_EQ(2, gs_sysfs_inst((int)self->id, "channels"));
	EXPECT_EQ(1, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_RELEASE, t, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_op(self->fd, GSCHED_CHAN_RELEASE, t, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_timer(self->fd, GSCHED_TIMER_STOP, t, 0, 0, NULL));
	/* released means freed: the armed timer went with its channel */
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "channels"));
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "timers"));
}

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
