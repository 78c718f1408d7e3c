// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/sync/rwmutex_test.go: sync.RWMutex is
 * libgsched's zero-value rwmutex, used through go.h's go_rw_*().
 *
 * TestParallelReaders: numReaders goroutines all hold the read lock at
 * once (each tells main it has it, then waits to be told to unlock), for
 * (1 reader, GOMAXPROCS 4), (3, 4) and (4, 2), each its own runtime with
 * .nprocs as GOMAXPROCS. Readers that shut each other out leave main
 * waiting for ever: the runtime's deadlock report fails the test. Added:
 * while they all hold it, TryLock must fail, and after, succeed.
 *
 * TestRWMutex: TryLock and TryRLock against a write-locked, free and
 * twice read-locked mutex; then Go's HammerRWMutex table (GOMAXPROCS 1, 4
 * and 10 with 1, 3, 10 and 5 readers, two writers each): every reader
 * counts itself into "activity" and must find no writer (below 10,000),
 * every writer adds 10,000 and must be alone (exactly 10,000). Adapted:
 * Go's n is 1,000 (5 with -short); here it is 250, 16,750 locks over the
 * table instead of 67,000, meant to keep the test within a few seconds
 * under emulation (an estimate, not yet measured in a guest), divided by
 * GSCHED_TEST_SCALE, at least Go's short 5. Go's critical section is an
 * empty loop of 100; here it also yields every eighth time, so that with
 * GOMAXPROCS 1 others run while the lock is held and a broken exclusion
 * can show.
 *
 * TestRLocker: RLocker() is a Locker whose Lock and Unlock are RLock and
 * RUnlock; C has no interfaces, so the port calls those. A goroutine
 * read-locks twice, then write-locks; main's first RUnlock must not let
 * the writer in, its second must, and the next read lock must wait for
 * main's Unlock. Adapted: before each "nothing came yet" check main waits
 * until the goroutine is blocked in the lock it should be blocked in
 * (gsched_task_info()), where Go's check may simply come too early.
 *
 * Left out: the benchmarks. The misuse cases of TestMutexMisuse (RWMutex
 * unlocks of an unlocked or wrongly locked mutex) are in sync_mutex.c,
 * as in Go's mutex_test.go.
 */
#include "go.h"

/* ---- TestParallelReaders ---- */

struct readers {
	struct go_rwmutex m;
	gsched_chan_t clocked, cunlock, cdone;
};

static struct readers pr;

static long parallel_reader(void *arg)
{
	struct readers *r = arg;

	T_EQ(0, go_rw_rlock(&r->m));
	go_send_long(r->clocked, 1);
	go_recv_long(r->cunlock);
	T_EQ(0, go_rw_runlock(&r->m));
	go_send_long(r->cdone, 1);
	return 0;
}

static long do_test_parallel_readers(void *arg)
{
	long num_readers = (long)arg, i;

	go_rw_new(&pr.m);
	pr.clocked = go_make(sizeof(long), 0);
	pr.cunlock = go_make(sizeof(long), 0);
	pr.cdone = go_make(sizeof(long), 0);
	for (i = 0; i < num_readers; i++)
		go(parallel_reader, &pr);
	/* Wait for all parallel RLock()s to succeed. */
	for (i = 0; i < num_readers; i++)
		go_recv_long(pr.clocked);
	T_EQ(-EBUSY, go_rw_trylock(&pr.m));
	for (i = 0; i < num_readers; i++)
		go_send_long(pr.cunlock, 1);
	/* Wait for the goroutines to finish. */
	for (i = 0; i < num_readers; i++)
		go_recv_long(pr.cdone);
	T_EQ(0, go_rw_trylock(&pr.m));
	T_EQ(0, go_rw_unlock(&pr.m));
	go_rw_free(&pr.m);
	return 0;
}

TEST(TestParallelReaders)
{
	struct gsched_opts four = { .nprocs = 4 }, two = { .nprocs = 2 };

	RUN_OK_ARG(&four, do_test_parallel_readers, (void *)1L);
	RUN_OK_ARG(&four, do_test_parallel_readers, (void *)3L);
	RUN_OK_ARG(&two, do_test_parallel_readers, (void *)4L);
}

/* ---- TestRWMutex ---- */

struct hammer {
	struct go_rwmutex rwm;
	/* Number of active readers + 10000 * number of active writers. */
	atomic_int activity;
	long num_iterations;
	gsched_chan_t cdone;
};

static struct hammer hm;

/* Go's "for i := 0; i < 100; i++ {}", and a yield every eighth time. */
static void hold(long i)
{
	int j;

	for (j = 0; j < 100; j++)
		__asm__ __volatile__("" ::: "memory");
	if (i % 8 == 0)
		gsched_yield();
}

static long reader(void *arg)
{
	struct hammer *h = arg;
	long i;
	int n;

	for (i = 0; i < h->num_iterations; i++) {
		T_EQ(0, go_rw_rlock(&h->rwm));
		n = atomic_fetch_add(&h->activity, 1) + 1;
		T_GE(1, n);		/* panic(wlock(n)) */
		T_LT(10000, n);
		hold(i);
		atomic_fetch_sub(&h->activity, 1);
		T_EQ(0, go_rw_runlock(&h->rwm));
	}
	go_send_long(h->cdone, 1);
	return 0;
}

static long writer(void *arg)
{
	struct hammer *h = arg;
	long i;
	int n;

	for (i = 0; i < h->num_iterations; i++) {
		T_EQ(0, go_rw_lock(&h->rwm));
		n = atomic_fetch_add(&h->activity, 10000) + 10000;
		T_EQ(10000, n);		/* panic(wlock(n)) */
		hold(i);
		atomic_fetch_sub(&h->activity, 10000);
		T_EQ(0, go_rw_unlock(&h->rwm));
	}
	go_send_long(h->cdone, 1);
	return 0;
}

static long hammer_rwmutex(void *arg)
{
	long num_readers = (long)arg, i;

	go_rw_new(&hm.rwm);
	atomic_store(&hm.activity, 0);
	hm.cdone = go_make(sizeof(long), 0);
	go(writer, &hm);
	for (i = 0; i < num_readers / 2; i++)
		go(reader, &hm);
	go(writer, &hm);
	for (; i < num_readers; i++)
		go(reader, &hm);
	/* Wait for the 2 writers and all readers to finish. */
	for (i = 0; i < 2 + num_readers; i++)
		go_recv_long(hm.cdone);
	T_EQ(0, atomic_load(&hm.activity));
	go_rw_free(&hm.rwm);
	return 0;
}

static long test_rwmutex_try(void *arg)
{
	struct go_rwmutex m;

	go_rw_new(&m);
	T_EQ(0, go_rw_lock(&m));
	T_EQ(-EBUSY, go_rw_trylock(&m));	/* succeeded with mutex locked */
	T_EQ(-EBUSY, go_rw_tryrlock(&m));
	T_EQ(0, go_rw_unlock(&m));
	T_EQ(0, go_rw_trylock(&m));		/* failed with mutex unlocked */
	T_EQ(0, go_rw_unlock(&m));
	T_EQ(0, go_rw_tryrlock(&m));
	T_EQ(0, go_rw_tryrlock(&m));		/* failed with mutex rlocked */
	T_EQ(-EBUSY, go_rw_trylock(&m));	/* succeeded with rlocked */
	T_EQ(0, go_rw_runlock(&m));
	T_EQ(0, go_rw_runlock(&m));
	go_rw_free(&m);
	return 0;
}

TEST(TestRWMutex)
{
	static const struct {
		unsigned int gomaxprocs;
		long num_readers;
	} table[] = {
		{ 1, 1 }, { 1, 3 }, { 1, 10 },
		{ 4, 1 }, { 4, 3 }, { 4, 10 },
		{ 10, 1 }, { 10, 3 }, { 10, 10 }, { 10, 5 },
	};
	struct gsched_opts opts = { .nprocs = 1 };
	unsigned int i;

	RUN_OK(&opts, test_rwmutex_try);
	hm.num_iterations = gs_scaled(250, 5);
	for (i = 0; i < ARRAY_SIZE(table); i++) {
		opts.nprocs = table[i].gomaxprocs;
		RUN_OK_ARG(&opts, hammer_rwmutex,
			   (void *)table[i].num_readers);
	}
}

/* ---- TestRLocker ---- */

static struct go_rwmutex wl;
static gsched_chan_t wlocked, rlocked;
#define RLOCKER_N	10

static long rlocker_goroutine(void *arg)
{
	int i;

	for (i = 0; i < RLOCKER_N; i++) {
		T_EQ(0, go_rw_rlock(&wl));	/* rl.Lock() */
		T_EQ(0, go_rw_rlock(&wl));	/* rl.Lock() */
		go_send_long(rlocked, 1);
		T_EQ(0, go_rw_lock(&wl));
		go_send_long(wlocked, 1);
	}
	return 0;
}

static long test_rlocker(void *arg)
{
	int i, g;

	go_rw_new(&wl);
	wlocked = go_make(sizeof(long), 1);
	rlocked = go_make(sizeof(long), 1);
	g = spawn_j(rlocker_goroutine, NULL);
	T_GT(0, g);
	for (i = 0; i < RLOCKER_N; i++) {
		go_recv_long(rlocked);
		T_EQ(0, go_rw_runlock(&wl));		/* rl.Unlock() */
		/* one read lock is left: the writer must wait */
		T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(g));
		T_EQ(0, go_ready(wlocked));	/* didn't read-lock it */
		T_EQ(0, go_rw_runlock(&wl));		/* rl.Unlock() */
		go_recv_long(wlocked);
		/* the next round's read lock must wait for our Unlock */
		if (i < RLOCKER_N - 1)
			T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(g));
		T_EQ(0, go_ready(rlocked));	/* didn't respect the write lock */
		T_EQ(0, go_rw_unlock(&wl));
	}
	T_EQ(0, join_val(g));
	go_rw_free(&wl);
	return 0;
}

TEST(TestRLocker)
{
	RUN_OK(&go_default_procs, test_rlocker);
}

TEST_HARNESS_MAIN
