// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/sieve1.go: generate the primes below 100
 * with channels, checking the results. The sieve is a linear chain of
 * divisibility filters, equivalent to trial-dividing each n by all
 * primes p <= n.
 *
 * Adapted: a Filter's arguments are a heap block of its own (a goroutine
 * per prime); range over a channel is a receive loop until it is closed.
 * Generate and the filters run for ever, as in Go: they are reclaimed
 * when main returns.
 */
#include "go.h"

/* Send the sequence 2, 3, 4, ... to channel 'ch'. */
static long generate(void *arg)
{
	gsched_chan_t ch = (gsched_chan_t)(uintptr_t)arg;
	long i;

	for (i = 2;; i++)
		if (gsched_chan_send(ch, &i))	/* Send 'i' to channel 'ch'. */
			return -1;
}

struct filter {
	gsched_chan_t in, out;
	long prime;
};

/*
 * Copy the values from channel 'in' to channel 'out', removing those
 * divisible by 'prime'.
 */
static long filter(void *arg)
{
	struct filter *f = arg;
	long i;

	while (gsched_chan_recv(f->in, &i) == 1)	/* range in */
		if (i % f->prime != 0)
			if (gsched_chan_send(f->out, &i))
				return -1;
	return 0;
}

/* The prime sieve: Daisy-chain Filter processes together. */
static long sieve(void *arg)
{
	gsched_chan_t primes = (gsched_chan_t)(uintptr_t)arg;
	gsched_chan_t ch = go_make(sizeof(long), 0);	/* Create a new channel. */
	struct filter *f;
	long prime;

	/* Start Generate() as a subprocess. */
	go(generate, (void *)(uintptr_t)ch);
	for (;;) {
		/* Note that ch is different on each iteration. */
		if (gsched_chan_recv(ch, &prime) != 1 ||
		    gsched_chan_send(primes, &prime))
			return -1;
		f = malloc(sizeof(*f));
		if (!f)
			return -1;
		*f = (struct filter){ .in = ch, .out = go_make(sizeof(long), 0),
				      .prime = prime };
		go(filter, f);
		ch = f->out;
	}
}

static long sieve1_main(void *arg)
{
	static const long a[] = {
		2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
		59, 61, 67, 71, 73, 79, 83, 89, 97,
	};
	gsched_chan_t primes = go_make(sizeof(long), 0);
	size_t i;

	go(sieve, (void *)(uintptr_t)primes);
	for (i = 0; i < ARRAY_SIZE(a); i++)
		T_EQ(a[i], go_recv_long(primes));	/* x != a[i] */
	return 0;
}

TEST(sieve1)
{
	RUN_OK(&go_default_procs, sieve1_main);
}

TEST_HARNESS_MAIN
