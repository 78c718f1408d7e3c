// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/select.go: a select loop with a default case,
 * whose send cases each set their channel to nil once they fired.
 *
 * Send(a, b) (send_cases() here) loops on select { a <- GetValue();
 * b <- GetValue(); default: break }, each value a new power of two (GetValue
 * is get_value()): on two empty 1-buffered
 * channels both cases fire once (2 sends), and the two values received
 * OR to 3. Send(a, nil) fires once. Go evaluates every case's value each
 * time the select runs, nil channel or not: 3 + 2 selects of 2 cases make
 * counter 10.
 *
 * Adapted: the cases are built before every select, calling GetValue()
 * for each as Go does; a nil channel is handle 0.
 */
#include "go.h"

static unsigned long counter, shift;

static unsigned long get_value(void)
{
	counter++;
	return 1UL << shift;
}

static long send_cases(gsched_chan_t a, gsched_chan_t b)
{
	struct gsched_select_case cs[2];
	unsigned long va, vb;
	long i = 0;
	int r;

	for (;;) {
		va = get_value();
		vb = get_value();
		cs[0] = GSCHED_SEND(a, &va);
		cs[1] = GSCHED_SEND(b, &vb);
		r = gsched_select(cs, 2, GSCHED_SELECT_DEFAULT, 0, NULL);
		if (r == -EAGAIN)	/* default: break LOOP */
			break;
		if (r == 0) {
			i++;
			a = 0;
		} else if (r == 1) {
			i++;
			b = 0;
		} else {
			T_EQ(0, r);
			break;
		}
		shift++;
	}
	return i;
}

static long select_main(void *arg)
{
	gsched_chan_t a = go_make(sizeof(unsigned long), 1);
	gsched_chan_t b = go_make(sizeof(unsigned long), 1);
	unsigned long av = 0, bv = 0;

	T_EQ(2, send_cases(a, b));	/* "Send returned v != 2" */
	T_EQ(1, gsched_chan_recv(a, &av));
	T_EQ(1, gsched_chan_recv(b, &bv));
	T_EQ(3, av | bv);	/* "bad values" */
	T_EQ(1, send_cases(a, 0));	/* "Send returned v != 1" */
	T_EQ(10, counter);	/* "counter is ... != 10" */
	return 0;
}

TEST(select_go)	/* select() is libc's */
{
	RUN_OK(&go_default_procs, select_main);
}

TEST_HARNESS_MAIN
