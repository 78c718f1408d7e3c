// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/zerosize.go: making channels of a zero-sized
 * type ([0]byte, struct{}), unbuffered and buffered, must not fail.
 *
 * Adapted: both Go element types are an element size of 0 here, so the
 * port makes each channel twice, as Go does, and adds what such a
 * channel is for: a send and a receive of nothing (through the buffer,
 * or handed to a waiting receiver), and a close seen by the receiver.
 */
#include "go.h"

static long signal_recv(void *arg)
{
	gsched_chan_t c = (gsched_chan_t)(uintptr_t)arg;

	return gsched_chan_recv(c, NULL) == 1 ? 0 : -1;
}

static long zerosize_main(void *arg)
{
	unsigned int cap;
	int k, id;

	for (k = 0; k < 2; k++) {	/* chan [0]byte, chan struct{} */
		for (cap = 0; cap <= 1; cap++) {
			gsched_chan_t c = go_make(0, cap);

			T_EQ((int)cap, gsched_chan_cap(c));
			if (cap) {
				T_EQ(0, gsched_chan_send(c, NULL));
				T_EQ(1, gsched_chan_len(c));
				T_EQ(1, gsched_chan_recv(c, NULL));
			} else {
				id = gsched_spawn_ex(signal_recv,
					(void *)(uintptr_t)c,
					&(struct gsched_spawn_attr){
						.flags = GSCHED_JOINABLE });
				T_GT(0, id);
				T_EQ(0, gsched_chan_send(c, NULL));
				T_EQ(0, join_val(id));
			}
			T_EQ(0, gsched_chan_close(c));
			T_EQ(0, gsched_chan_recv(c, NULL));
			T_EQ(0, gsched_chan_release(c));
		}
	}
	return 0;
}

TEST(zerosize)
{
	RUN_OK(&go_default_procs, zerosize_main);
}

TEST_HARNESS_MAIN
