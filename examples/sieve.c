// SPDX-License-Identifier: MIT
/*
 * sieve: Go's concurrent prime sieve. A generator task sends 2, 3, 4, ...
 * into a channel; each prime found starts a filter task that passes on
 * the numbers not divisible by it: a chain of tasks linked by unbuffered
 * channels.
 *
 *   sieve [n]      print the first n primes (default 100)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsched.h>

/* filter(in, out, prime)'s arguments: each filter has its own copy */
struct filter_args {
	gsched_chan_t in, out;
	long prime;
};

static long generate(void *arg)
{
	gsched_chan_t ch = (gsched_chan_t)(uintptr_t)arg;
	long i;

	for (i = 2;; i++)
		if (gsched_chan_send(ch, &i))
			return 0;	/* closed: the sieve is done */
}

static long filter(void *arg)
{
	struct filter_args *f = arg;
	long v;

	while (gsched_chan_recv(f->in, &v) == 1)
		if (v % f->prime && gsched_chan_send(f->out, &v))
			break;
	/* tell downstream and upstream we are done */
	gsched_chan_close(f->out);
	gsched_chan_close(f->in);
	return 0;
}

static long sieve(void *arg)
{
	const struct gsched_spawn_attr joinable = { .flags = GSCHED_JOINABLE };
	long n = *(long *)arg, i, started = 0, prime, ret = 1;
	int *filters = calloc(n, sizeof(*filters));	/* their task ids */
	gsched_chan_t ch, next;

	if (!filters || gsched_chan_make(&ch, sizeof(long), 0)) {
		free(filters);
		return 1;
	}
	if (gsched_spawn(generate, (void *)(uintptr_t)ch) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct filter_args a;

		if (gsched_chan_recv(ch, &prime) != 1)
			goto out;
		printf("%ld%c", prime, i + 1 == n || i % 10 == 9 ? '\n' : ' ');
		if (gsched_chan_make(&next, sizeof(long), 0))
			goto out;
		/* go filter(ch, next, prime); joinable, so that sieve()
		 * returns only when the chain has wound down */
		a = (struct filter_args){ .in = ch, .out = next, .prime = prime };
		filters[i] = gsched_go_ex(filter, &a, sizeof(a), &joinable);
		if (filters[i] < 0)
			goto out;
		started++;
		ch = next;
	}
	ret = 0;
out:
	/*
	 * Closing the end of the chain unwinds it: the last filter's next
	 * send fails, it closes its input, and so on up to the generator.
	 * Wait for every filter, so that none is left running.
	 */
	gsched_chan_close(ch);
	for (i = 0; i < started; i++)
		gsched_join(filters[i], NULL);
	free(filters);
	return ret;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100, ret;
	int err = gsched_run(sieve, &n, &ret);

	if (err) {
		fprintf(stderr, "gsched_run: %s\n", strerror(-err));
		return 1;
	}
	return (int)ret;
}
