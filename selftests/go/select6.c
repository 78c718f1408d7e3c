// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/select6.go (Go issue 2075): a select must not
 * corrupt the wait queues of its cases that did not fire.
 *
 * One goroutine waits in <-c1; another waits in a select on c1 and c2,
 * so its c1 waiter queues behind the first. c2 fires the select, which
 * signals c3 and then waits on c1 again. Main sends twice on c1: both
 * receivers on c1 must get a value (Go's bug left the second one never
 * woken, and main deadlocked). The select's own c1 case never fires:
 * nothing is sent on c1 before c3, which the c2 case sends.
 *
 * Adapted: Go runs it once; here it runs 100 rounds (divided by
 * GSCHED_TEST_SCALE, at least 10) with fresh channels, so different
 * interleavings are tried. A deadlock is gsched_run()'s -EDEADLK.
 */
#include "go.h"

struct chans {
	gsched_chan_t c1, c2, c3;
};

static struct chans ch;

static long recv_c1(void *arg)
{
	struct chans *c = arg;
	bool b;

	T_EQ(1, gsched_chan_recv(c->c1, &b));
	return 0;
}

static long selector(void *arg)
{
	struct chans *c = arg;
	struct gsched_select_case cs[2];
	bool b = false, t = true;
	int r;

	cs[0] = GSCHED_RECV(c->c1, &b);
	cs[1] = GSCHED_RECV(c->c2, &b);
	r = gsched_select(cs, 2, 0, 0, NULL);
	T_EQ(1, r);			/* 0: panic("dummy") */
	if (r == 1)
		T_EQ(0, gsched_chan_send(c->c3, &t));
	T_EQ(1, gsched_chan_recv(c->c1, &b));
	return 0;
}

static long send_c2(void *arg)
{
	struct chans *c = arg;
	bool t = true;

	T_EQ(0, gsched_chan_send(c->c2, &t));
	return 0;
}

static long select6_main(void *arg)
{
	long rounds = gs_scaled(100, 10), i;
	bool b, t = true;

	for (i = 0; i < rounds; i++) {
		ch.c1 = go_make(sizeof(bool), 0);
		ch.c2 = go_make(sizeof(bool), 0);
		ch.c3 = go_make(sizeof(bool), 0);
		go(recv_c1, &ch);
		go(selector, &ch);
		go(send_c2, &ch);
		T_EQ(1, gsched_chan_recv(ch.c3, &b));
		T_EQ(0, gsched_chan_send(ch.c1, &t));
		T_EQ(0, gsched_chan_send(ch.c1, &t));
		T_EQ(0, gsched_chan_release(ch.c1));
		T_EQ(0, gsched_chan_release(ch.c2));
		T_EQ(0, gsched_chan_release(ch.c3));
	}
	return 0;
}

TEST(select6)
{
	RUN_OK(&go_default_procs, select6_main);
}

TEST_HARNESS_MAIN
