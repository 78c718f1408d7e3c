// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/goroutines.go: make a lot of goroutines,
 * threaded together by unbuffered channels, and tear them down cleanly.
 *
 * Each goroutine f(left, right) does left <- <-right; one more sends 1 to
 * the rightmost channel, and main receives it from the leftmost once it
 * went through every goroutine.
 *
 * Adapted: Go takes n from the command line (default 10,000); here it is
 * 10,000 divided by GSCHED_TEST_SCALE (at least 500), and the value must
 * arrive unchanged. The arguments of the goroutines are a heap array.
 */
#include "go.h"

struct pair {
	gsched_chan_t left, right;
};

static long f(void *arg)
{
	struct pair *p = arg;

	go_send_long(p->left, go_recv_long(p->right));
	return 0;
}

static long send_one(void *arg)
{
	go_send_long((gsched_chan_t)(uintptr_t)arg, 1);
	return 0;
}

static long goroutines_main(void *arg)
{
	long n = gs_scaled(10000, 500), i;
	struct pair *p = calloc(n, sizeof(*p));
	gsched_chan_t leftmost = go_make(sizeof(long), 0);
	gsched_chan_t right = leftmost, left = leftmost;

	if (!p)
		return -1;
	for (i = 0; i < n; i++) {
		right = go_make(sizeof(long), 0);
		p[i] = (struct pair){ .left = left, .right = right };
		go(f, &p[i]);
		left = right;
	}
	go(send_one, (void *)(uintptr_t)right);
	T_EQ(1, go_recv_long(leftmost));
	/* every goroutine passed the value on and returned */
	for (i = 0; i < 2000 &&
	     gs_sysfs_inst(gsched_instance_id(), "tasks") > 1;
	     i++)
		gsched_sleep(MS);
	T_EQ(1, gs_sysfs_inst(gsched_instance_id(), "tasks"));
	free(p);
	return 0;
}

TEST(goroutines)
{
	RUN_OK(&go_default_procs, goroutines_main);
}

TEST_HARNESS_MAIN
