// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/nonblock.go: channel operations that test for
 * blocking (a select with a default case), with several sizes and types
 * of operands, on unbuffered and 1-buffered channels.
 *
 * For each of int32, int64, bool and string: a non-blocking receive from
 * an empty channel must not succeed; with a receiver goroutine started, a
 * non-blocking send must succeed within maxTries tries (each try
 * followed by a short sleep on a 10 us ticker and three Gosched calls);
 * with a sender goroutine started, a non-blocking receive must succeed
 * likewise and see the sender's value.
 *
 * Adapted: a select with one case and a default is gsched_chan_trysend()
 * or gsched_chan_tryrecv() (-EAGAIN is the default case); Go's string is
 * a 16-byte char array, so the channel copies the text itself; the
 * ticker's period is raised to the module's timer_min_period_us (100 us
 * by default), so maxTries tries can take up to a few seconds, never
 * more on a working kernel, where the first few tries succeed.
 */
#include "go.h"

#define MAX_TRIES 10000

struct gotype {
	const char *name;
	size_t size;
	/* the value the receiver expects, and the value the sender sends */
	const void *want, *send;
};

static const int32_t i32_want = 123, i32_send = 234;
static const int64_t i64_want = 123456, i64_send = 234567;
static const bool b_want = true, b_send = true;
static const char s_want[16] = "hello", s_send[16] = "hello again";

static const struct gotype types[] = {
	{ "i32", sizeof(int32_t), &i32_want, &i32_send },
	{ "i64", sizeof(int64_t), &i64_want, &i64_send },
	{ "b", sizeof(bool), &b_want, &b_send },
	{ "s", sizeof(s_want), s_want, s_send },
};

struct peer {
	const struct gotype *t;
	gsched_chan_t c, strobe;
};

static struct peer peer;
static gsched_chan_t ticker;

/* i32receiver, i64receiver, breceiver, sreceiver */
static long receiver(void *arg)
{
	struct peer *p = arg;
	char v[16];

	T_EQ(1, gsched_chan_recv(p->c, v));
	T_EQ(0, memcmp(v, p->t->want, p->t->size));	/* "i32 value" */
	T_EQ(0, gsched_chan_send(p->strobe, &b_send));
	return 0;
}

/* i32sender, i64sender, bsender, ssender */
static long sender(void *arg)
{
	struct peer *p = arg;

	T_EQ(0, gsched_chan_send(p->c, p->t->send));
	T_EQ(0, gsched_chan_send(p->strobe, &b_send));
	return 0;
}

static void go_sleep(void)
{
	uint64_t tick;

	T_EQ(1, gsched_chan_recv(ticker, &tick));
	T_EQ(1, gsched_chan_recv(ticker, &tick));
	gsched_yield();
	gsched_yield();
	gsched_yield();
}

static long nonblock_main(void *arg)
{
	gsched_chan_t sync = go_make(sizeof(bool), 0);
	unsigned int buffer, k;
	bool b;
	int r, try;
	char v[16];

	T_EQ(0, gsched_timer_make(&ticker, 10000, 10000));	/* 10 us */
	for (buffer = 0; buffer < 2; buffer++) {
		for (k = 0; k < ARRAY_SIZE(types); k++) {
			const struct gotype *t = &types[k];
			gsched_chan_t c = go_make(t->size, buffer);

			/* nothing to receive: the default case */
			T_EQ(-EAGAIN, gsched_chan_tryrecv(c, v));

			peer = (struct peer){ .t = t, .c = c, .strobe = sync };
			go(receiver, &peer);
			for (try = 0;; try++) {
				r = gsched_chan_trysend(c, t->want);
				if (r != -EAGAIN)
					break;
				if (try > MAX_TRIES)
					break;
				go_sleep();
			}
			if (r) {
				printf("# %sreceiver buffer=%u: %d after %d tries\n",
				       t->name, buffer, r, try);
				T_EQ(0, r);
			}
			T_EQ(1, gsched_chan_recv(sync, &b));

			go(sender, &peer);
			if (buffer > 0)
				T_EQ(1, gsched_chan_recv(sync, &b));
			memset(v, 0, sizeof(v));
			for (try = 0;; try++) {
				r = gsched_chan_tryrecv(c, v);
				if (r != -EAGAIN)
					break;
				if (try > MAX_TRIES)
					break;
				go_sleep();
			}
			if (r != 1) {
				printf("# %ssender buffer=%u: %d after %d tries\n",
				       t->name, buffer, r, try);
				T_EQ(1, r);
			}
			/* "i32sender value" */
			T_EQ(0, memcmp(v, t->send, t->size));
			if (buffer == 0)
				T_EQ(1, gsched_chan_recv(sync, &b));
			T_EQ(0, gsched_chan_release(c));
		}
	}
	T_EQ(0, gsched_chan_release(ticker));
	return 0;
}

TEST(nonblock)
{
	RUN_OK(&go_default_procs, nonblock_main);
}

TEST_HARNESS_MAIN
