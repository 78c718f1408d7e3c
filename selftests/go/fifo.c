// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/fifo.go: buffered and unbuffered channels are
 * FIFOs.
 *
 * AsynchFifo fills a buffered channel and drains it in order. SynchFifo
 * threads a daisy chain of N goroutines: each waits for its turn on "in",
 * then must receive exactly its own value from the shared unbuffered
 * channel, and passes the turn on through "out".
 *
 * Adapted: Go's closures' arguments are a static array of structs; the
 * panic is a failed check. Sizes are Go's (N = 10).
 */
#include "go.h"

#define N 10

static long asynch_fifo(void *arg)
{
	gsched_chan_t ch = go_make(sizeof(long), N);
	long i;

	for (i = 0; i < N; i++)
		go_send_long(ch, i);
	for (i = 0; i < N; i++)
		T_EQ(i, go_recv_long(ch));	/* "bad receive" */
	return 0;
}

TEST(AsynchFifo)
{
	RUN_OK(&go_default_procs, asynch_fifo);
}

struct chain {
	gsched_chan_t ch, in, out;
	long val;
};

static struct chain links[N];

static long chain(void *arg)
{
	struct chain *c = arg;

	go_recv_long(c->in);
	T_EQ(c->val, go_recv_long(c->ch));	/* panic(val) */
	go_send_long(c->out, 1);
	return 0;
}

/* thread together a daisy chain to read the elements in sequence */
static long synch_fifo(void *arg)
{
	gsched_chan_t ch = go_make(sizeof(long), 0);
	gsched_chan_t in = go_make(sizeof(long), 0), start = in, out;
	long i;

	for (i = 0; i < N; i++) {
		out = go_make(sizeof(long), 0);
		links[i] = (struct chain){ .ch = ch, .in = in, .out = out,
					   .val = i };
		go(chain, &links[i]);
		in = out;
	}
	go_send_long(start, 0);
	for (i = 0; i < N; i++)
		go_send_long(ch, i);
	go_recv_long(in);
	return 0;
}

TEST(SynchFifo)
{
	RUN_OK(&go_default_procs, synch_fifo);
}

TEST_HARNESS_MAIN
