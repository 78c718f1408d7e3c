// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/sendstmt.go: sends whose channel is itself
 * received from a channel, and send precedence.
 *
 * chanchan: cc (a channel of channels) holds c; select { case <-cc <- 2:
 * default: panic("nonblock") } sends 2 on the channel received from cc,
 * without blocking, and c then yields 2. sendprec: c <- false || true
 * sends true.
 *
 * Adapted: Go's test is mostly about parsing; what remains for C is the
 * semantics. A channel of channels carries gsched_chan_t handles. Go
 * evaluates a send case's channel expression (<-cc) on entering the
 * select, before choosing: so does the port, then selects on the result.
 */
#include "go.h"

static long chanchan_main(void *arg)
{
	gsched_chan_t cc = go_make(sizeof(gsched_chan_t), 1);
	gsched_chan_t c = go_make(sizeof(long), 1), got = 0;
	struct gsched_select_case cs[1];
	long two = 2;

	T_EQ(0, gsched_chan_send(cc, &c));
	T_EQ(1, gsched_chan_recv(cc, &got));	/* the operand <-cc */
	T_EQ(c, got);
	cs[0] = GSCHED_SEND(got, &two);
	T_EQ(0, gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, NULL));
	T_EQ(2, go_recv_long(c));	/* "bad receive" */
	return 0;
}

TEST(chanchan)
{
	RUN_OK(&go_default_procs, chanchan_main);
}

static long sendprec_main(void *arg)
{
	gsched_chan_t c = go_make(sizeof(bool), 1);
	bool v = false || true, got = false;

	T_EQ(0, gsched_chan_send(c, &v));
	T_EQ(1, gsched_chan_recv(c, &got));
	T_TRUE(got);	/* "sent false" */
	return 0;
}

TEST(sendprec)
{
	RUN_OK(&go_default_procs, sendprec_main);
}

TEST_HARNESS_MAIN
