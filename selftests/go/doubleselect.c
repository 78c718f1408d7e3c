// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/doubleselect.go: two cases of one select must
 * never both run.
 *
 * A sender selects over four unbuffered channels, sending the counter i
 * on whichever is ready; four mux goroutines forward what they receive
 * onto one channel; the receiver checks that no value comes twice. If two
 * cases of a select both ran, the same value would arrive twice. The
 * sender closes its channels at the end (Go's defers), each mux then
 * tells a closer goroutine it is done, and the closer closes the mux
 * channel, which ends the receiver's range loop.
 *
 * Adapted: GOMAXPROCS(2) as in Go; Go's -n flag (default 100,000
 * iterations) is 100,000 divided by GSCHED_TEST_SCALE (at least 2,000);
 * the map of seen values is an array; the port also checks that every
 * value arrived.
 */
#include "go.h"

static gsched_chan_t c[4], cmux, done;
static long iterations;

/*
 * sender sends a counter to one of four different channels. If two cases
 * both end up running in the same iteration, the same value will be sent
 * to two different channels.
 */
static long sender(void *arg)
{
	struct gsched_select_case cs[4];
	long i, v;
	int k, r;

	for (k = 0; k < 4; k++)
		cs[k] = GSCHED_SEND(c[k], &v);
	for (i = 0; i < iterations; i++) {
		v = i;
		r = gsched_select(cs, 4, 0, 0, NULL);
		if (r < 0 || r > 3) {
			T_EQ(0, r);
			break;
		}
	}
	/* defer close(c1) ... close(c4) */
	for (k = 3; k >= 0; k--)
		T_EQ(0, gsched_chan_close(c[k]));
	return 0;
}

/* mux receives the values from sender and forwards them onto cmux. */
static long mux(void *arg)
{
	gsched_chan_t in = (gsched_chan_t)(uintptr_t)arg;
	long v;
	bool t = true;

	while (gsched_chan_recv(in, &v) == 1)	/* for v := range in */
		T_EQ(0, gsched_chan_send(cmux, &v));
	T_EQ(0, gsched_chan_send(done, &t));
	return 0;
}

static long closer(void *arg)
{
	bool b;
	int k;

	for (k = 0; k < 4; k++)
		T_EQ(1, gsched_chan_recv(done, &b));
	T_EQ(0, gsched_chan_close(cmux));
	return 0;
}

/* recver gets the values from the four muxes and checks for duplicates. */
static long recver(gsched_chan_t in)
{
	unsigned char *seen = calloc(iterations, 1);
	long v, n = 0, dup = 0, bad = 0;

	if (!seen)
		return -1;
	while (gsched_chan_recv(in, &v) == 1) {
		if (v < 0 || v >= iterations) {
			bad++;
			continue;
		}
		if (seen[v])	/* "got duplicate value" */
			dup++;
		seen[v] = 1;
		n++;
	}
	free(seen);
	T_EQ(0, dup);
	T_EQ(0, bad);
	return n;
}

static long doubleselect_main(void *arg)
{
	int k;

	for (k = 0; k < 4; k++)
		c[k] = go_make(sizeof(long), 0);
	done = go_make(sizeof(bool), 0);
	cmux = go_make(sizeof(long), 0);
	go(sender, NULL);
	for (k = 0; k < 4; k++)
		go(mux, (void *)(uintptr_t)c[k]);
	go(closer, NULL);
	T_EQ(iterations, recver(cmux));	/* every value, once */
	return 0;
}

TEST(doubleselect)
{
	/*
	 * Go's 100,000 values; 2,000 on a slow kernel, where each select
	 * costs about 1 ms under emulation (10,000 took 79 s in the debug
	 * guest).
	 */
	iterations = gs_test_scale() > 1 ? 2000 : 100000;
	RUN_OK(&go_two_procs, doubleselect_main);
}

TEST_HARNESS_MAIN
