// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/sieve2.go: generate the primes below 100 with
 * channels, checking the results. This sieve is Eratosthenesque and only
 * considers odd candidates: a goroutine merges the channels of odd
 * multiples of each prime (a heap of channels ordered by their next
 * value) into one increasing channel of composites, and another removes
 * those from the odd numbers. The primes found are fed back to the merger
 * through a proxy goroutine with an expanding buffer (a select whose send
 * case is disabled, nil, while the buffer is empty), so that the feedback
 * never blocks.
 *
 * Adapted: Go's container/heap and container/ring are a binary heap of
 * pointers and a growing circular array here; closures' captured values
 * are heap blocks. Every goroutine but main runs for ever, as in Go, and
 * is reclaimed when main returns.
 */
#include "go.h"

struct gen {
	gsched_chan_t out;
	long n, step;
};

/* for { out <- n; n += step } */
static long generator(void *arg)
{
	struct gen *g = arg;

	for (;; g->n += g->step)
		if (gsched_chan_send(g->out, &g->n))
			return -1;
}

static gsched_chan_t start_gen(unsigned int cap, long n, long step)
{
	struct gen *g = malloc(sizeof(*g));

	if (!g) {
		T_TRUE(g);
		return 0;
	}
	*g = (struct gen){ .out = go_make(sizeof(long), cap), .n = n,
			   .step = step };
	go(generator, g);
	return g->out;
}

/* Return a chan of odd numbers, starting from 5. */
static gsched_chan_t odds(void)
{
	return start_gen(50, 5, 2);
}

/* Return a chan of odd multiples of the prime number p, starting from p*p. */
static gsched_chan_t multiples(long p)
{
	return start_gen(10, p * p, 2 * p);
}

struct peekch {
	long head;
	gsched_chan_t ch;
};

/* Heap of peekch, sorting by head values. */
struct peekch_heap {
	struct peekch **a;
	size_t n, cap;
};

static void heap_swap(struct peekch_heap *h, size_t i, size_t j)
{
	struct peekch *t = h->a[i];

	h->a[i] = h->a[j];
	h->a[j] = t;
}

static void heap_push(struct peekch_heap *h, struct peekch *x)
{
	size_t i, parent;

	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 16;
		h->a = realloc(h->a, h->cap * sizeof(*h->a));
		if (!h->a)
			abort();
	}
	i = h->n++;
	h->a[i] = x;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (h->a[parent]->head <= h->a[i]->head)
			break;
		heap_swap(h, i, parent);
		i = parent;
	}
}

static struct peekch *heap_pop(struct peekch_heap *h)
{
	struct peekch *top;
	size_t i = 0, l, m;

	if (!h->n) {
		T_TRUE(h->n);
		return NULL;
	}
	top = h->a[0];
	h->a[0] = h->a[--h->n];
	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < h->n && h->a[l]->head < h->a[m]->head)
			m = l;
		if (l + 1 < h->n && h->a[l + 1]->head < h->a[m]->head)
			m = l + 1;
		if (m == i)
			break;
		heap_swap(h, i, m);
		i = m;
	}
	return top;
}

struct proxy {
	gsched_chan_t in, out;
};

/*
 * Use a goroutine to receive values from 'in' and store them in an
 * expanding buffer, so that sending to 'in' never blocks.
 */
static long proxy_loop(void *arg)
{
	struct proxy *p = arg;
	size_t n = 16;	/* the allocated size of the circular queue */
	long *q = malloc(n * sizeof(*q)), e = 0;
	size_t first = 0, count = 0;
	struct gsched_select_case cs[2];
	int r;

	if (!q)
		return -1;
	for (;;) {
		gsched_chan_t c = p->out;

		if (count == 0)
			c = 0;	/* buffer empty: disable output */
		else
			e = q[first];
		cs[0] = GSCHED_RECV(p->in, &e);
		cs[1] = GSCHED_SEND(c, &e);
		r = gsched_select(cs, 2, 0, 0, NULL);
		if (r == 0) {
			if (count == n) {
				/* buffer full: expand it */
				long *bigger = malloc(2 * n * sizeof(*q));
				size_t i;

				if (!bigger)
					return -1;
				for (i = 0; i < n; i++)
					bigger[i] = q[(first + i) % n];
				free(q);
				q = bigger;
				first = 0;
				n *= 2;
			}
			q[(first + count) % n] = e;
			count++;
		} else if (r == 1) {
			first = (first + 1) % n;
			count--;
		} else {
			T_EQ(0, r);
			return -1;
		}
	}
}

/* Return a channel to serve as a sending proxy to 'out'. */
static gsched_chan_t sendproxy(gsched_chan_t out)
{
	struct proxy *p = malloc(sizeof(*p));

	if (!p) {
		T_TRUE(p);
		return 0;
	}
	*p = (struct proxy){ .in = go_make(sizeof(long), 10), .out = out };
	go(proxy_loop, p);
	return p->in;
}

struct sieve {
	gsched_chan_t out, composites, primes;
};

/* Merge channels of multiples of 'primes' into 'composites'. */
static long merger(void *arg)
{
	struct sieve *s = arg;
	struct peekch_heap h = { 0 };
	struct peekch *minchan, *pc;
	long min = 15, head;
	gsched_chan_t m;

	while (!atomic_load(&fails)) {	/* Go: a panic ends it */
		m = multiples(go_recv_long(s->primes));
		head = go_recv_long(m);
		while (min < head) {
			go_send_long(s->composites, min);
			minchan = heap_pop(&h);
			if (!minchan)
				return -1;
			min = minchan->head;
			minchan->head = go_recv_long(minchan->ch);
			heap_push(&h, minchan);
		}
		while (min == head) {
			minchan = heap_pop(&h);
			if (!minchan)
				return -1;
			min = minchan->head;
			minchan->head = go_recv_long(minchan->ch);
			heap_push(&h, minchan);
		}
		go_send_long(s->composites, head);
		pc = malloc(sizeof(*pc));
		if (!pc)
			return -1;
		*pc = (struct peekch){ .head = go_recv_long(m), .ch = m };
		heap_push(&h, pc);
	}
	return -1;
}

/* Sieve out 'composites' from 'candidates'. */
static long sifter(void *arg)
{
	struct sieve *s = arg;
	/*
	 * In order to generate the nth prime we only need multiples of
	 * primes <= sqrt(nth prime). Thus, the merging goroutine will
	 * receive from 'primes' much slower than this goroutine will send
	 * to it, making the buffer accumulate and block this goroutine from
	 * sending, causing a deadlock. The solution is to use a proxy
	 * goroutine to do automatic buffering.
	 */
	gsched_chan_t primes = sendproxy(s->primes);
	gsched_chan_t candidates = odds();
	long p = go_recv_long(candidates), c;

	while (!atomic_load(&fails)) {	/* Go: a panic ends it */
		c = go_recv_long(s->composites);
		while (p < c) {
			go_send_long(primes, p);
			go_send_long(s->out, p);
			p = go_recv_long(candidates);
		}
		if (p == c)
			p = go_recv_long(candidates);
	}
	return -1;
}

/* Return a chan int of primes. */
static gsched_chan_t sieve(void)
{
	static struct sieve s;

	/* The output values. */
	s.out = go_make(sizeof(long), 10);
	go_send_long(s.out, 2);
	go_send_long(s.out, 3);
	/* The channel of all composites to be eliminated in increasing order. */
	s.composites = go_make(sizeof(long), 50);
	/* The feedback loop. */
	s.primes = go_make(sizeof(long), 10);
	go_send_long(s.primes, 3);

	go(merger, &s);
	go(sifter, &s);
	return s.out;
}

static long sieve2_main(void *arg)
{
	static const long a[] = {
		2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
		59, 61, 67, 71, 73, 79, 83, 89, 97,
	};
	gsched_chan_t primes = sieve();
	size_t i;

	for (i = 0; i < ARRAY_SIZE(a); i++)
		T_EQ(a[i], go_recv_long(primes));	/* x != a[i] */
	return 0;
}

TEST(sieve2)
{
	RUN_OK(&go_default_procs, sieve2_main);
}

TEST_HARNESS_MAIN
