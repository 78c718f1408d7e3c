// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/sync/mutex_test.go: sync.Mutex is the
 * zero-value word gsched_mutex_t.
 *
 * TestMutex: TryLock fails on a locked mutex and succeeds on a free one;
 * then 10 goroutines hammer one mutex 1,000 times each, every third time
 * with TryLock (HammerMutex). Go only checks that this ends; the port
 * also checks mutual exclusion: every holder counts itself into the
 * critical section (nobody else may be in it) and bumps a plain counter,
 * which must come to the number of times the lock was had. A failed
 * TryLock must be -EBUSY. Adapted: one time in 32 the holder yields in
 * the critical section, so that the others come to a held mutex even
 * with one P, and a broken exclusion can show.
 *
 * TestMutexMisuse: Go runs each of its eight misuses in a child process
 * and wants the fatal error "sync: unlock of unlocked mutex". libgsched
 * returns -EPERM instead, with nothing changed (gsched_mutex_lock(3),
 * gsched_rwmutex_lock(3)): the port checks -EPERM for each case and that
 * the lock still works afterwards.
 *
 * TestMutexFairness: one goroutine holds the mutex nearly all the time
 * (lock, sleep 100 us, unlock, again); another must still get it 10
 * times within Go's 10 s (times GSCHED_TEST_TIMEOUT_SCALE): a waiter
 * that lost for more than 1 ms puts the mutex in starvation mode. The
 * holder stops when main closes "stop" and is joined.
 *
 * Sizes are Go's; HammerMutex's 1,000 loops are divided by
 * GSCHED_TEST_SCALE (at least 100). GOMAXPROCS is the default (one P per
 * CPU), as for "go test".
 *
 * Left out: TestSemaphore (Go's runtime semaphore, exported only to the
 * sync package's own tests; libgsched has no semaphore), the mutex
 * profile (runtime.SetMutexProfileFraction) around TestMutex, and the
 * benchmarks (make bench has mutex rows).
 */
#include "go.h"

static gsched_mutex_t mu;

/* ---- TestMutex ---- */

static atomic_int inside;
static volatile long counter;		/* written only under mu */
static atomic_long entries;

static void critical(long i)
{
	long v;

	T_EQ(0, atomic_fetch_add(&inside, 1));	/* alone in there */
	v = counter;		/* a torn update shows as a lost one */
	if (i % 32 == 1)	/* let the others at it meanwhile */
		gsched_yield();
	counter = v + 1;
	T_EQ(1, atomic_fetch_sub(&inside, 1));
}

struct hammer {
	long loops;
	gsched_chan_t cdone;
};

static struct hammer hammer;

static long hammer_mutex(void *arg)
{
	struct hammer *h = arg;
	long i, had = 0;
	int r;

	for (i = 0; i < h->loops; i++) {
		if (i % 3 == 0) {
			r = gsched_mutex_trylock(&mu);
			if (r == 0) {
				critical(i);
				had++;
				T_EQ(0, gsched_mutex_unlock(&mu));
			} else {
				T_EQ(-EBUSY, r);
			}
			continue;
		}
		T_EQ(0, gsched_mutex_lock(&mu));
		critical(i);
		had++;
		T_EQ(0, gsched_mutex_unlock(&mu));
	}
	atomic_fetch_add(&entries, had);
	go_send_long(h->cdone, 1);
	return 0;
}

static long test_mutex(void *arg)
{
	long i, min;

	T_EQ(0, gsched_mutex_lock(&mu));
	T_EQ(-EBUSY, gsched_mutex_trylock(&mu));	/* succeeded, locked */
	T_EQ(0, gsched_mutex_unlock(&mu));
	T_EQ(0, gsched_mutex_trylock(&mu));		/* failed, unlocked */
	T_EQ(0, gsched_mutex_unlock(&mu));

	hammer = (struct hammer){ .loops = gs_scaled(1000, 100),
				  .cdone = go_make(sizeof(long), 0) };
	for (i = 0; i < 10; i++)
		go(hammer_mutex, &hammer);
	for (i = 0; i < 10; i++)
		go_recv_long(hammer.cdone);

	T_EQ(atomic_load(&entries), counter);
	/* every Lock got in: at least the two in three that are not TryLock */
	min = 10 * (hammer.loops - (hammer.loops + 2) / 3);
	T_LE(10 * hammer.loops, atomic_load(&entries));
	T_GE(min, atomic_load(&entries));
	T_EQ(-EPERM, gsched_mutex_unlock(&mu));		/* left unlocked */
	return 0;
}

TEST(TestMutex)
{
	RUN_OK(&go_default_procs, test_mutex);
}

/* ---- TestMutexMisuse ---- */

static void misuse_mutex_unlock(void)
{
	gsched_mutex_t m = GSCHED_MUTEX_INIT;

	T_EQ(-EPERM, gsched_mutex_unlock(&m));
	T_EQ(0, gsched_mutex_trylock(&m));		/* still free */
	T_EQ(0, gsched_mutex_unlock(&m));
}

static void misuse_mutex_unlock2(void)
{
	gsched_mutex_t m = GSCHED_MUTEX_INIT;

	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
	T_EQ(-EPERM, gsched_mutex_unlock(&m));
	T_EQ(0, gsched_mutex_trylock(&m));
	T_EQ(-EBUSY, gsched_mutex_trylock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
}

/* A writer gets in and out of @rw: it was left unlocked. */
static void rw_free(struct go_rwmutex *rw)
{
	T_EQ(0, go_rw_trylock(rw));
	T_EQ(0, go_rw_unlock(rw));
	go_rw_free(rw);
}

static void misuse_rwmutex_unlock(void)
{
	struct go_rwmutex rw;

	go_rw_new(&rw);
	T_EQ(-EPERM, go_rw_unlock(&rw));
	rw_free(&rw);
}

static void misuse_rwmutex_unlock2(void)
{
	struct go_rwmutex rw;

	go_rw_new(&rw);
	T_EQ(0, go_rw_rlock(&rw));
	T_EQ(-EPERM, go_rw_unlock(&rw));
	T_EQ(-EBUSY, go_rw_trylock(&rw));		/* still read-locked */
	T_EQ(0, go_rw_runlock(&rw));
	rw_free(&rw);
}

static void misuse_rwmutex_unlock3(void)
{
	struct go_rwmutex rw;

	go_rw_new(&rw);
	T_EQ(0, go_rw_lock(&rw));
	T_EQ(0, go_rw_unlock(&rw));
	T_EQ(-EPERM, go_rw_unlock(&rw));
	rw_free(&rw);
}

static void misuse_rwmutex_runlock(void)
{
	struct go_rwmutex rw;

	go_rw_new(&rw);
	T_EQ(-EPERM, go_rw_runlock(&rw));
	rw_free(&rw);
}

static void misuse_rwmutex_runlock2(void)
{
	struct go_rwmutex rw;

	go_rw_new(&rw);
	T_EQ(0, go_rw_lock(&rw));
	T_EQ(-EPERM, go_rw_runlock(&rw));
	T_EQ(-EBUSY, go_rw_tryrlock(&rw));		/* still write-locked */
	T_EQ(0, go_rw_unlock(&rw));
	rw_free(&rw);
}

static void misuse_rwmutex_runlock3(void)
{
	struct go_rwmutex rw;

	go_rw_new(&rw);
	T_EQ(0, go_rw_rlock(&rw));
	T_EQ(0, go_rw_runlock(&rw));
	T_EQ(-EPERM, go_rw_runlock(&rw));
	rw_free(&rw);
}

static const struct {
	const char *name;
	void (*f)(void);
} misuse_tests[] = {
	{ "Mutex.Unlock", misuse_mutex_unlock },
	{ "Mutex.Unlock2", misuse_mutex_unlock2 },
	{ "RWMutex.Unlock", misuse_rwmutex_unlock },
	{ "RWMutex.Unlock2", misuse_rwmutex_unlock2 },
	{ "RWMutex.Unlock3", misuse_rwmutex_unlock3 },
	{ "RWMutex.RUnlock", misuse_rwmutex_runlock },
	{ "RWMutex.RUnlock2", misuse_rwmutex_runlock2 },
	{ "RWMutex.RUnlock3", misuse_rwmutex_runlock3 },
};

static const char *misuse_failed;

static long test_mutex_misuse(void *arg)
{
	unsigned int i;
	int before;

	for (i = 0; i < ARRAY_SIZE(misuse_tests); i++) {
		before = atomic_load(&fails);
		misuse_tests[i].f();
		if (atomic_load(&fails) != before && !misuse_failed)
			misuse_failed = misuse_tests[i].name;
	}
	return 0;
}

TEST(TestMutexMisuse)
{
	RUN_OK(&go_default_procs, test_mutex_misuse);
	EXPECT_TRUE(!misuse_failed) TH_LOG("%s failed", misuse_failed);
}

/* ---- TestMutexFairness ---- */

#define US	1000ULL		/* nanoseconds */

static gsched_chan_t stop, done;

static long hog(void *arg)
{
	int r;

	for (;;) {
		T_EQ(0, gsched_mutex_lock(&mu));
		T_EQ(0, gsched_sleep(100 * US));
		T_EQ(0, gsched_mutex_unlock(&mu));
		r = gsched_chan_tryrecv(stop, NULL);
		if (r != -EAGAIN) {
			T_EQ(0, r);	/* closed */
			return 0;
		}
	}
}

static long fair(void *arg)
{
	int i;

	for (i = 0; i < 10; i++) {
		T_EQ(0, gsched_sleep(100 * US));
		T_EQ(0, gsched_mutex_lock(&mu));
		T_EQ(0, gsched_mutex_unlock(&mu));
	}
	go_send_long(done, 1);
	return 0;
}

static long test_mutex_fairness(void *arg)
{
	struct gsched_select_case cs[2];
	gsched_chan_t timeout = 0;
	int h, f, r;
	long v;

	stop = go_make(0, 0);
	done = go_make(sizeof(long), 1);
	h = spawn_j(hog, NULL);
	T_GT(0, h);
	f = spawn_j(fair, NULL);
	T_GT(0, f);
	T_EQ(0, gsched_after(&timeout, 10000 * MS * gs_timeout_scale()));
	cs[0] = GSCHED_RECV(done, &v);
	cs[1] = GSCHED_RECV(timeout, &v);
	r = gsched_select(cs, 2, 0, 0, NULL);
	T_EQ(0, r);	/* 1: "can't acquire Mutex in 10 seconds" */
	T_EQ(0, gsched_chan_close(stop));	/* defer close(stop) */
	T_EQ(0, join_val(h));
	T_EQ(0, join_val(f));	/* gets in once the hog stopped */
	T_EQ(0, gsched_chan_release(timeout));
	return 0;
}

TEST(TestMutexFairness)
{
	RUN_OK(&go_default_procs, test_mutex_fairness);
}

TEST_HARNESS_MAIN
