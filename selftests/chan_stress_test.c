// SPDX-License-Identifier: GPL-2.0
/*
 * Channels under load: the concurrent prime sieve (a pipeline of 1,000
 * filter tasks) and a conservation stress test (every value sent through
 * eight channels by 16 producers is received exactly once by 16
 * consumers). Both scale down on slow kernels (GSCHED_TEST_SCALE).
 *
 * Every TEST runs in its own forked child (kselftest harness), so globals
 * are per test. Tasks cannot ASSERT: they check with the T_* macros, which
 * record the first failure; RUN_OK() then reports it.
 */
#include <stdatomic.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"

static struct gsched_opts two_p = { .nprocs = 2 };

/* ==== the concurrent prime sieve ====================================== */

#define NPRIMES 1000	/* the sieve finds this many, fewer when scaled */
static long sieve_got[NPRIMES];
static int nprimes;

struct sv_filter {
	gsched_chan_t in, out;
	long prime;
};
static struct sv_filter sv_filters[NPRIMES];

static long sv_generate(void *arg)
{
	gsched_chan_t ch = (gsched_chan_t)(uintptr_t)arg;
	long i;

	for (i = 2;; i++)
		if (gsched_chan_send(ch, &i))
			return 0;
}

static long sv_filter(void *arg)
{
	struct sv_filter *f = arg;
	long v;

	while (gsched_chan_recv(f->in, &v) == 1)
		if (v % f->prime && gsched_chan_send(f->out, &v))
			break;
	gsched_chan_close(f->out);
	gsched_chan_close(f->in);
	return 0;
}

static long sieve_main(void *arg)
{
	gsched_chan_t ch, next;
	int i;

	if (gsched_chan_make(&ch, sizeof(long), 0))
		return -1;
	if (gsched_spawn(sv_generate, (void *)(uintptr_t)ch) <= 0)
		return -2;
	for (i = 0; i < nprimes; i++) {
		if (gsched_chan_recv(ch, &sieve_got[i]) != 1)
			return -3;
		if (gsched_chan_make(&next, sizeof(long), 0))
			return -4;
		sv_filters[i] = (struct sv_filter){ ch, next, sieve_got[i] };
		if (gsched_spawn(sv_filter, &sv_filters[i]) <= 0)
			return -5;
		ch = next;
	}
	gsched_chan_close(ch);
	return 0;
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/*
 * 1000 primes through 1000 filter tasks (517,383 unbuffered transfers);
 * 100 on slow kernels (GSCHED_TEST_SCALE; 150 took 143 s of the debug
 * guest's run).
 */
TEST_F_TIMEOUT(slow, sieve_primes, 600)
{
	long want[NPRIMES], n, d, ev = -1;
	int k = 0, bad = 0, i;

	nprimes = (int)gs_scaled(NPRIMES, 100);
	TH_LOG("%d primes", nprimes);
	for (n = 2; k < nprimes; n++) {
		for (d = 2; d * d <= n && n % d; d++)
			;
		if (d * d > n)
			want[k++] = n;
	}
	ASSERT_EQ(0, gsched_run_opts(&two_p, sieve_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	for (i = 0; i < nprimes; i++)
		if (sieve_got[i] != want[i] && !bad++)
			TH_LOG("prime %d: want %ld got %ld", i, want[i],
			       sieve_got[i]);
	EXPECT_EQ(0, bad);
	/* the 1000th prime is 7919, the 150th 863 */
	EXPECT_EQ(nprimes == 1000 ? 7919 : want[nprimes - 1],
		  sieve_got[nprimes - 1]);
}

/* ==== conservation under stress ======================================= */

#define CS_NCH		8
#define CS_NPROD	16
#define CS_NCONS	16
#define CS_PER		1250
static long cs_per = CS_PER;	/* values per producer, fewer on a slow kernel */
static gsched_chan_t cs_ch[CS_NCH];
static atomic_uchar cs_seen[CS_NPROD * CS_PER];
static atomic_ullong cs_sum, cs_xor;
static atomic_long cs_count, cs_dup, cs_bogus;

static long cs_producer(void *arg)
{
	long p = (long)(intptr_t)arg, s, v;
	struct gsched_select_case cs[CS_NCH];
	int i, r;

	for (i = 0; i < CS_NCH; i++)
		cs[i] = GSCHED_SEND(cs_ch[i], &v);
	for (s = 0; s < cs_per; s++) {
		v = p * 1000000 + s;
		r = gsched_select(cs, CS_NCH, 0, 0, NULL);
		if (r < 0 || r >= CS_NCH) {
			T_EQ(0, r);
			return -1;
		}
	}
	return 0;
}

static long cs_consumer(void *arg)
{
	struct gsched_select_case cs[CS_NCH];
	unsigned long long sum = 0, x = 0;
	int i, r, ok, open = CS_NCH;
	long v, n = 0, p, s;

	for (i = 0; i < CS_NCH; i++)
		cs[i] = GSCHED_RECV(cs_ch[i], &v);
	while (open) {
		r = gsched_select(cs, CS_NCH, 0, 0, &ok);
		if (r < 0 || r >= CS_NCH) {
			T_EQ(0, r);
			return -1;
		}
		if (!ok) {
			cs[r].handle = 0;
			open--;
			continue;
		}
		p = v / 1000000;
		s = v % 1000000;
		if (p < 0 || p >= CS_NPROD || s < 0 || s >= cs_per) {
			atomic_fetch_add(&cs_bogus, 1);
			continue;
		}
		if (atomic_fetch_add(&cs_seen[p * cs_per + s], 1))
			atomic_fetch_add(&cs_dup, 1);
		sum += (unsigned long long)v;
		x ^= (unsigned long long)v;
		n++;
	}
	atomic_fetch_add(&cs_sum, sum);
	atomic_fetch_xor(&cs_xor, x);
	atomic_fetch_add(&cs_count, n);
	return n;
}

static long cs_main(void *arg)
{
	static const unsigned int caps[CS_NCH] = { 0, 0, 0, 0, 1, 4, 16, 64 };
	int prod[CS_NPROD], cons[CS_NCONS], i;
	long ev;

	for (i = 0; i < CS_NCH; i++)
		T_EQ(0, gsched_chan_make(&cs_ch[i], sizeof(long), caps[i]));
	for (i = 0; i < CS_NCONS; i++)
		T_GT(0, cons[i] = spawn_j(cs_consumer, NULL));
	for (i = 0; i < CS_NPROD; i++)
		T_GT(0, prod[i] = spawn_j(cs_producer, (void *)(intptr_t)i));
	for (i = 0; i < CS_NPROD; i++) {
		ev = -1;
		T_EQ(0, gsched_join(prod[i], &ev));
		T_EQ(0, ev);
	}
	for (i = 0; i < CS_NCH; i++)
		T_EQ(0, gsched_chan_close(cs_ch[i]));
	for (i = 0; i < CS_NCONS; i++) {
		ev = -1;
		T_EQ(0, gsched_join(cons[i], &ev));
		T_LE(CS_NPROD * cs_per, ev);
		T_GE(0, ev);
	}
	return 0;
}

TEST_F_TIMEOUT(slow, conservation_stress, 600)
{
	unsigned long long sum = 0, x = 0, v;
	long p, s, missing = 0;

	cs_per = gs_scaled(CS_PER, 125);
	TH_LOG("%ld values from each of %d producers", cs_per, CS_NPROD);
	RUN_OK(&two_p, cs_main);
	for (p = 0; p < CS_NPROD; p++)
		for (s = 0; s < cs_per; s++) {
			v = (unsigned long long)(p * 1000000 + s);
			sum += v;
			x ^= v;
			missing += !cs_seen[p * cs_per + s];
		}
	EXPECT_EQ(CS_NPROD * cs_per, atomic_load(&cs_count));
	EXPECT_EQ(0, atomic_load(&cs_dup));
	EXPECT_EQ(0, atomic_load(&cs_bogus));
	EXPECT_EQ(0, missing);
	EXPECT_EQ(sum, atomic_load(&cs_sum));
	EXPECT_EQ(x, atomic_load(&cs_xor));
}

TEST_HARNESS_MAIN
