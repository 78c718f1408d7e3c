// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/select7.go: select when discarding a value.
 *
 * Every pairing of three receivers (a plain receive, a one-case select, a
 * select with a second never-ready case), all discarding the value, with
 * three senders (a plain send, a one-case select, a select with a second
 * never-ready case) on a fresh unbuffered channel, after the receiver
 * goroutine was started and the sender yielded once.
 *
 * Adapted: a discarded value is a receive buffer of NULL; each sender
 * then waits for its receiver's goroutine to finish (Go's main just
 * returns), so that a value lost on the way is a failed check rather
 * than a goroutine left blocked.
 */
#include "go.h"

typedef void (*recv_fn)(gsched_chan_t c);

struct recv_run {
	recv_fn recv;
	gsched_chan_t c, done;
};

static struct recv_run run;

static void recv1(gsched_chan_t c)
{
	T_EQ(1, gsched_chan_recv(c, NULL));
}

static void recv2(gsched_chan_t c)
{
	struct gsched_select_case cs[1] = { GSCHED_RECV(c, NULL) };
	int ok = -1;

	T_EQ(0, gsched_select(cs, 1, 0, 0, &ok));
	T_EQ(1, ok);
}

static void recv3(gsched_chan_t c)
{
	gsched_chan_t c2 = go_make(sizeof(long), 0);
	struct gsched_select_case cs[2] = {
		GSCHED_RECV(c, NULL), GSCHED_RECV(c2, NULL),
	};
	int ok = -1;

	T_EQ(0, gsched_select(cs, 2, 0, 0, &ok));
	T_EQ(1, ok);
	T_EQ(0, gsched_chan_release(c2));
}

static long receiver(void *arg)
{
	struct recv_run *r = arg;

	r->recv(r->c);
	return gsched_chan_send(r->done, NULL);
}

/* go recv(c); runtime.Gosched() */
static gsched_chan_t start(recv_fn recv)
{
	run.recv = recv;
	run.c = go_make(sizeof(long), 0);
	run.done = go_make(0, 0);
	go(receiver, &run);
	gsched_yield();
	return run.c;
}

static void finish(void)
{
	T_EQ(1, gsched_chan_recv(run.done, NULL));
	T_EQ(0, gsched_chan_release(run.c));
	T_EQ(0, gsched_chan_release(run.done));
}

static void send1(recv_fn recv)
{
	gsched_chan_t c = start(recv);
	long one = 1;

	T_EQ(0, gsched_chan_send(c, &one));
	finish();
}

static void send2(recv_fn recv)
{
	gsched_chan_t c = start(recv);
	long one = 1;
	struct gsched_select_case cs[1] = { GSCHED_SEND(c, &one) };

	T_EQ(0, gsched_select(cs, 1, 0, 0, NULL));
	finish();
}

static void send3(recv_fn recv)
{
	gsched_chan_t c = start(recv), c2 = go_make(sizeof(long), 0);
	long one = 1;
	struct gsched_select_case cs[2] = {
		GSCHED_SEND(c, &one), GSCHED_SEND(c2, &one),
	};

	T_EQ(0, gsched_select(cs, 2, 0, 0, NULL));
	T_EQ(0, gsched_chan_release(c2));
	finish();
}

static long select7_main(void *arg)
{
	send1(recv1);
	send2(recv1);
	send3(recv1);
	send1(recv2);
	send2(recv2);
	send3(recv2);
	send1(recv3);
	send2(recv3);
	send3(recv3);
	return 0;
}

TEST(select7)
{
	RUN_OK(&go_default_procs, select7_main);
}

TEST_HARNESS_MAIN
