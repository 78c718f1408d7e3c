// SPDX-License-Identifier: GPL-2.0
/*
 * Channels through libgsched: every operation on a nil, a closed and an
 * active channel as Go defines it (the operation x state table), the
 * mistakes Go programs make with channels, the FIFO order of waiting
 * senders and receivers, close waking every waiter, zero-size and 64 KiB
 * elements, and a full buffer with a blocked sender.
 *
 * Select is in select_test.c, timers in timer_test.c, the sieve and the
 * stress test in chan_stress_test.c, bad input to the raw ioctls in
 * chan_raw_test.c.
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

/* ==== the operation x state table ===================================== */

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

/* ==== mistakes with channels ========================================== */

/* Receiving from a closed, drained channel: zero forever, ok false. */
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

TEST(closed_drained_recv_loop)
{
	RUN_OK(&one_p, drained_loop_main);
}

/*
 * Holding a lock while sending to a full channel; the consumer takes the
 * lock after its receive -> deadlock. The lock is Go's channel semaphore
 * (a buffered channel of one signal: lock = send, unlock = receive).
 */
static gsched_chan_t held_mu, held_ch;
static long held_got = -1;
static atomic_int held_unlocked, held_sent;

static long held_producer(void *arg)
{
	long i;

	gsched_chan_send(held_mu, NULL);	/* lock */
	for (i = 1; i <= 3; i++) {
		if (gsched_chan_send(held_ch, &i))
			return -1;
		atomic_fetch_add(&held_sent, 1);
	}
	gsched_chan_recv(held_mu, NULL);	/* unlock: never reached */
	atomic_store(&held_unlocked, 1);
	return 0;
}

static long held_main(void *arg)
{
	if (gsched_chan_make(&held_mu, 0, 1) ||
	    gsched_chan_make(&held_ch, 8, 1))
		return -1;
	if (gsched_spawn(held_producer, NULL) <= 0)
		return -2;
	if (gsched_chan_recv(held_ch, &held_got) != 1)
		return -3;
	gsched_chan_send(held_mu, NULL);	/* lock: blocks forever */
	return -4;
}

TEST(lock_held_send_deadlock)
{
	long ev = -1;

	EXPECT_EQ(-EDEADLK, gsched_run_opts(&two_p, held_main, NULL, &ev));
	EXPECT_EQ(-1, ev);
	EXPECT_EQ(1, held_got);
	EXPECT_EQ(2, atomic_load(&held_sent));	/* blocked on the third */
	EXPECT_EQ(0, atomic_load(&held_unlocked));
}

/* Close while a producer is mid-loop: it gets the send-on-closed error. */
static gsched_chan_t closing_ch;
static long closing_sent = -1;

static long closing_producer(void *arg)
{
	long i;
	int ret;

	for (i = 0;; i++) {
		ret = gsched_chan_send(closing_ch, &i);
		if (ret) {
			closing_sent = i;
			return ret;
		}
	}
}

static long closing_main(void *arg)
{
	long v, ev = 0, n;
	int id;

	T_EQ(0, gsched_chan_make(&closing_ch, 8, 2));
	id = spawn_j(closing_producer, NULL);
	for (n = 0; n < 5; n++) {
		T_EQ(1, gsched_chan_recv(closing_ch, &v));
		T_EQ(n, v);
	}
	T_EQ(0, gsched_chan_close(closing_ch));
	T_EQ(0, gsched_join(id, &ev));
	T_EQ(-EPIPE, ev);
	/* what was buffered before close is still received, in order */
	while (gsched_chan_recv(closing_ch, &v) == 1) {
		T_EQ(n, v);
		n++;
	}
	T_EQ(n, closing_sent);	/* every value sent was received */
	return 0;
}

TEST(close_while_producer_sends)
{
	RUN_OK(&two_p, closing_main);
}

/* A single task deadlocks itself. */
static int self_sent;

static long self_deadlock_unbuffered(void *arg)
{
	gsched_chan_t c;
	long v = 1;

	if (gsched_chan_make(&c, 8, 0))
		return -1;
	gsched_chan_send(c, &v);
	return -2;
}

static long self_deadlock_buffered(void *arg)
{
	gsched_chan_t c;
	long v;

	if (gsched_chan_make(&c, 8, 3))
		return -1;
	for (v = 0; v < 4; v++) {
		if (gsched_chan_send(c, &v))
			return -2;
		self_sent++;
	}
	return -3;
}

TEST(single_task_send_deadlock)
{
	long ev = -1;

	EXPECT_EQ(-EDEADLK, gsched_run_opts(&one_p, self_deadlock_unbuffered,
					    NULL, &ev));
	EXPECT_EQ(-1, ev);
	EXPECT_EQ(-EDEADLK, gsched_run_opts(&two_p, self_deadlock_buffered,
					    NULL, &ev));
	EXPECT_EQ(-1, ev);
	EXPECT_EQ(3, self_sent);
}

/* Two receivers, one send: exactly one receives, the other stays. */
static struct op_arg two_recv_arg[2];

static long two_recv_main(void *arg)
{
	gsched_chan_t c;
	long v = 70;
	int id[2], i;

	T_EQ(0, gsched_chan_make(&c, 8, 0));
	for (i = 0; i < 2; i++) {
		two_recv_arg[i] = (struct op_arg){ .ch = c, .val = -1,
						   .ret = -1000 };
		id[i] = spawn_j(do_recv, &two_recv_arg[i]);
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
	T_EQ(1, two_recv_arg[0].ret);
	T_EQ(70, two_recv_arg[0].val);
	T_EQ(-1000, two_recv_arg[1].ret);
	T_EQ(SR(GSCHED_TASK_WAITING, GSCHED_WAIT_CHAN_RECV), task_sr(id[1]));
	return 0;
}

TEST(two_receivers_one_send)
{
	RUN_OK(&two_p, two_recv_main);
}

/* ==== FIFO order, close wake-ups ====================================== */

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

/* ==== element sizes =================================================== */

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

/* ==== a full buffer with a blocked sender ============================= */

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

/* ==== typed channels (GSCHED_CHAN_OF; tools/check-header checks misuse) === */

struct tc_job {
	int id;
	char name[13];		/* 20 bytes in all: not a power of two */
	double weight;
};

typedef GSCHED_CHAN_OF(struct tc_job) tc_job_chan;
typedef GSCHED_CHAN_OF(long) tc_long_chan;

struct tc_pair {
	tc_job_chan jobs;
	tc_long_chan done;
};

static long tc_worker(void *arg)
{
	struct tc_pair *p = arg;
	struct tc_job j;
	long sum = 0;

	while (gsched_tchan_recv(p->jobs, &j) == 1) {
		char want[sizeof(j.name)];

		snprintf(want, sizeof(want), "job %d", j.id);
		T_EQ(0, strcmp(j.name, want));
		T_TRUE(j.weight == j.id * 0.25);
		sum += j.id;
	}
	T_EQ(0, gsched_tchan_send(p->done, &sum));
	return 0;
}

static long typed_main(void *arg)
{
	struct tc_pair p;
	struct tc_job j = { 0 };
	long sum = -1, v = 7;
	int i, k, ok = -1;

	T_EQ(0, gsched_tchan_make(&p.jobs, 2));
	T_EQ(0, gsched_tchan_make(&p.done, 0));
	T_EQ(2, gsched_chan_cap(p.jobs.ch));
	T_GT(0, gsched_spawn(tc_worker, &p));
	for (i = 1; i <= 50; i++) {
		j = (struct tc_job){ .id = i, .weight = i * 0.25 };
		snprintf(j.name, sizeof(j.name), "job %d", i);
		T_EQ(0, gsched_tchan_send(p.jobs, &j));
	}
	T_EQ(0, gsched_chan_close(p.jobs.ch));
	T_EQ(1, gsched_tchan_recv(p.done, &sum));
	T_EQ(50 * 51 / 2, sum);

	/* select on typed cases; a buffered send is ready at once */
	T_EQ(0, gsched_chan_release(p.jobs.ch));
	T_EQ(0, gsched_tchan_make(&p.jobs, 1));
	{
		struct gsched_select_case c[2] = {
			GSCHED_TRECV(p.done, &v),
			GSCHED_TSEND(p.jobs, &j),
		};

		k = gsched_select(c, 2, 0, 0, &ok);
	}
	T_EQ(1, k);
	T_EQ(7, v);		/* the receive did not happen */
	T_EQ(-EAGAIN, gsched_tchan_trysend(p.jobs, &j));	/* full */
	memset(&j, 0, sizeof(j));
	T_EQ(1, gsched_tchan_tryrecv(p.jobs, &j));
	T_EQ(50, j.id);
	T_EQ(0, gsched_chan_release(p.jobs.ch));
	T_EQ(0, gsched_chan_release(p.done.ch));
	return 0;
}

TEST(typed_channels)
{
	RUN_OK(&two_p, typed_main);
}

TEST_HARNESS_MAIN
