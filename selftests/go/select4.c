// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/select4.go: the target of a receive case is
 * evaluated only when its case is chosen.
 *
 * select { case *f() = <-c1: case x.a = <-c: } with c holding 42 and c1
 * empty: the second case fires, x.a is 42, and f, the first case's
 * target, is never called ("BUG: called f").
 *
 * Adapted: C has no assignment targets in a select, so each receive case
 * fills a buffer and the chosen case's value is then stored through its
 * target, calling f only for the first case, as Go does.
 */
#include "go.h"

static int f_calls;
static long f_storage;

static long *f(void)
{
	f_calls++;	/* "BUG: called f" */
	return &f_storage;
}

static long select4_main(void *arg)
{
	struct {
		long a;
	} x = { 0 };
	gsched_chan_t c = go_make(sizeof(long), 1);
	gsched_chan_t c1 = go_make(sizeof(long), 0);
	struct gsched_select_case cs[2];
	long v1 = -1, v = -1;
	int r;

	go_send_long(c, 42);
	cs[0] = GSCHED_RECV(c1, &v1);
	cs[1] = GSCHED_RECV(c, &v);
	r = gsched_select(cs, 2, 0, 0, NULL);
	switch (r) {
	case 0:
		*f() = v1;
		break;
	case 1:
		x.a = v;
		T_EQ(42, x.a);	/* "BUG: x.a" */
		break;
	default:
		T_EQ(1, r);
	}
	T_EQ(1, r);
	T_EQ(0, f_calls);
	return 0;
}

TEST(select4)
{
	RUN_OK(&go_default_procs, select4_main);
}

TEST_HARNESS_MAIN
