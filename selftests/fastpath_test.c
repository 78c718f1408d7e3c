// SPDX-License-Identifier: GPL-2.0
/*
 * Fast paths I: the zero-value Mutex, RWMutex, WaitGroup and Once in the
 * program's memory (module/word.c, lib/src/sync.c).
 *
 * Runs both ways: tools/run-tests runs this binary a second time with
 * GSCHED_NO_FASTPATH=1, where every mutex and wait group operation enters
 * the module; the system call counts below check which way ran.
 *
 *  - zero values in static storage and embedded in a struct, and how many
 *    system calls the uncontended operations cost (0, or >= 1 each);
 *  - lost-wakeup stress: many tasks on 2 Ps, lock/unlock with an exact
 *    shared counter, wait group rounds with exact totals, readers and
 *    writers of an rwmutex that count each other;
 *  - rwmutex writer preference: a waiting writer keeps a new reader out;
 *  - a once run by many tasks at the same time runs its function once;
 *  - a context cancel of a parked lock (mutex, rwmutex read and write
 *    lock) leaves the lock usable and the word's waiter bits clear;
 *  - starvation: a waiter parked > 1 ms gets the lock before a barger;
 *  - bad words: NULL, misaligned, kernel, unmapped, read-only, another
 *    process's, bad fields of GSCHED_IOC_WORD; max_words, and a word
 *    waited on as two kinds; a cond wait whose mutex word the module
 *    cannot unlock reports it;
 *  - hostile memory: a thread scribbles random values over the words
 *    while tasks use them; the program ends, the module survives.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"

static struct gsched_opts one_p = { .nprocs = 1 };
/* no preemption: its switches would be system calls the counts see */
static struct gsched_opts one_p_np = { .nprocs = 1,
				       .flags = GSCHED_OPT_NO_PREEMPT };
static struct gsched_opts two_p = { .nprocs = 2 };

static bool nofast(void)
{
	const char *e = getenv("GSCHED_NO_FASTPATH");

	return e && *e && *e != '0';
}

static long long inst_syscalls(void)
{
	return gs_sysfs_inst(gsched_instance_id(), "syscalls");
}

static uint32_t mword(gsched_mutex_t *m)
{
	return __atomic_load_n(&m->state, __ATOMIC_SEQ_CST);
}

static uint32_t rwword(gsched_rwmutex_t *rw)
{
	return __atomic_load_n(&rw->state, __ATOMIC_SEQ_CST);
}

/* ==== zero values: static storage, embedded, and their system calls ==== */

static gsched_mutex_t zs_mu;			/* never initialised */
static gsched_rwmutex_t zs_rw;
static gsched_wg_t zs_wg;
static struct gsched_once zs_once = GSCHED_ONCE_INIT;
static int zs_once_runs;

struct account {
	long balance;
	gsched_mutex_t mu;	/* embedded, as in Go */
	gsched_rwmutex_t rw;
	gsched_wg_t pending;
	struct gsched_once open;
	char tail[3];		/* after the words: they stay aligned */
};

static void once_count(void *arg)
{
	(*(int *)arg)++;
}

#define ZS_OPS		1000
#define ZS_ATTEMPTS	5

/*
 * One round of ZS_OPS of each uncontended operation; returns the
 * instance's system calls during it. The instance's count is not only
 * this task's: reading it from sysfs can block the worker, and the
 * module then wakes a spare worker for the P (the hand-off), whose own
 * ioctls land a little later, under emulation inside the next round.
 */
static long long zero_value_round(struct account *a, int *runs)
{
	long long before = inst_syscalls();
	int i;

	for (i = 0; i < ZS_OPS; i++) {
		T_EQ(0, gsched_mutex_lock(&zs_mu));
		T_EQ(0, gsched_mutex_unlock(&zs_mu));
		T_EQ(0, gsched_mutex_lock(&a->mu));
		a->balance++;
		T_EQ(0, gsched_mutex_unlock(&a->mu));
		T_EQ(0, gsched_wg_add(&zs_wg, 1));
		T_EQ(0, gsched_wg_done(&zs_wg));
		T_EQ(0, gsched_wg_wait(&zs_wg));
		T_EQ(0, gsched_once(&zs_once, once_count, &zs_once_runs));
		T_EQ(0, gsched_once(&a->open, once_count, runs));
		/* two readers, then a writer; a reader of the embedded one */
		T_EQ(0, gsched_rwmutex_rlock(&zs_rw));
		T_EQ(0, gsched_rwmutex_rlock(&zs_rw));
		T_EQ(0, gsched_rwmutex_runlock(&zs_rw));
		T_EQ(0, gsched_rwmutex_runlock(&zs_rw));
		T_EQ(0, gsched_rwmutex_lock(&zs_rw));
		T_EQ(0, gsched_rwmutex_unlock(&zs_rw));
		T_EQ(0, gsched_rwmutex_rlock(&a->rw));
		T_EQ(0, gsched_rwmutex_runlock(&a->rw));
		T_EQ(0, gsched_rwmutex_lock(&a->rw));
		T_EQ(0, gsched_rwmutex_unlock(&a->rw));
	}
	return inst_syscalls() - before;
}

static long zero_value_main(void *arg)
{
	struct account *a = calloc(1, sizeof(*a));
	long long n;
	int round = 0, runs = 0;

	T_TRUE(a);
	if (!a)
		return 1;
	if (nofast()) {	/* every lock, unlock, add, done, wait: ioctls */
		n = zero_value_round(a, &runs);
		round = 1;
		T_GE(17LL * ZS_OPS, n);
	} else {
		/*
		 * A done once, and everything uncontended: no system call.
		 * A round may see a spare worker's few ioctls (above), so
		 * one round in ZS_ATTEMPTS must be clean; a fast path that
		 * enters the module does so thousands of times per round.
		 */
		do {
			n = zero_value_round(a, &runs);
			round++;
			if (n)
				printf("# round %d: %lld system calls\n",
				       round, n);
		} while (n && round < ZS_ATTEMPTS);
		T_EQ(0, n);
	}
	T_EQ(1, zs_once_runs);
	T_EQ(1, runs);
	T_EQ((long)round * ZS_OPS, a->balance);
	/* left as found: zero words (the _init calls only zero them) */
	T_EQ(0, mword(&zs_mu));
	T_EQ(0, mword(&a->mu));
	T_EQ(0, __atomic_load_n(&zs_wg.state, __ATOMIC_SEQ_CST));
	T_EQ(0, rwword(&zs_rw));
	T_EQ(0, rwword(&a->rw));
	/* read-locked: more readers, no writer; write-locked: nobody */
	T_EQ(0, gsched_rwmutex_tryrlock(&a->rw));
	T_EQ(1, rwword(&a->rw));
	T_EQ(0, gsched_rwmutex_tryrlock(&a->rw));
	T_EQ(-EBUSY, gsched_rwmutex_trylock(&a->rw));
	T_EQ(0, gsched_rwmutex_runlock(&a->rw));
	T_EQ(0, gsched_rwmutex_runlock(&a->rw));
	T_EQ(-EPERM, gsched_rwmutex_runlock(&a->rw));
	T_EQ(-EPERM, gsched_rwmutex_unlock(&a->rw));
	T_EQ(0, gsched_rwmutex_trylock(&a->rw));
	T_EQ(GSCHED_RW_WRITER, rwword(&a->rw));
	T_EQ(-EBUSY, gsched_rwmutex_tryrlock(&a->rw));
	T_EQ(-EBUSY, gsched_rwmutex_trylock(&a->rw));
	T_EQ(-EPERM, gsched_rwmutex_runlock(&a->rw));
	T_EQ(0, gsched_rwmutex_unlock(&a->rw));
	T_EQ(-EPERM, gsched_rwmutex_unlock(&a->rw));
	T_EQ(0, rwword(&a->rw));
	T_EQ(0, gsched_rwmutex_init(&a->rw));
	T_EQ(-EINVAL, gsched_rwmutex_rlock(NULL));
	T_EQ(-EINVAL, gsched_rwmutex_lock(NULL));
	T_EQ(-EINVAL, gsched_rwmutex_runlock(NULL));
	T_EQ(-EINVAL, gsched_rwmutex_unlock(NULL));
	T_EQ(0, gsched_mutex_trylock(&a->mu));
	T_EQ(-EBUSY, gsched_mutex_trylock(&a->mu));
	T_EQ(0, gsched_mutex_unlock(&a->mu));
	T_EQ(-EPERM, gsched_mutex_unlock(&a->mu));
	T_EQ(0, gsched_mutex_init(&a->mu));
	T_EQ(0, gsched_wg_init(&a->pending));
	T_EQ(-EINVAL, gsched_mutex_lock(NULL));
	T_EQ(-EINVAL, gsched_wg_wait(NULL));
	free(a);	/* nothing to release */
	return 0;
}

TEST(zero_value_static_and_embedded)
{
	TH_LOG("%s path", nofast() ? "reference (GSCHED_NO_FASTPATH)" : "fast");
	RUN_OK(&one_p_np, zero_value_main);
}

/* ==== lost wakeups: mutex counter and wait group rounds on 2 Ps ==== */

#define ST_TASKS	100
#define ST_ITERS	1000
#define ST_ROUNDS	40

/* the stress tests may take minutes under emulation */
FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

static gsched_mutex_t st_mu;
static gsched_wg_t st_wg, st_go;	/* static: zero values */
static volatile long st_counter;
static long st_iters, st_rounds;
static atomic_long st_done_ops;

static long st_locker(void *arg)
{
	long i, v;

	for (i = 0; i < st_iters; i++) {
		if (gsched_mutex_lock(&st_mu))
			return -1;
		v = st_counter;		/* a lost exclusion loses an update */
		if (!(i % 128))
			gsched_yield();	/* hold it across a switch now and then */
		st_counter = v + 1;
		if (gsched_mutex_unlock(&st_mu))
			return -2;
	}
	return 0;
}

/* a round's task: wait for the gate, then done */
static long st_doner(void *arg)
{
	if (gsched_wg_wait(&st_go))
		return -1;
	atomic_fetch_add(&st_done_ops, 1);
	return gsched_wg_done(&st_wg);
}

static long stress_mutex_main(void *arg)
{
	int ids[ST_TASKS], i;

	for (i = 0; i < ST_TASKS; i++)
		ids[i] = spawn_j(st_locker, NULL);
	for (i = 0; i < ST_TASKS; i++)
		T_EQ(0, join_val(ids[i]));
	T_EQ(0, mword(&st_mu));		/* unlocked, no stale bits */
	return 0;
}

TEST_F_TIMEOUT(slow, lost_wakeup_mutex_counter, 300)
{
	st_iters = gs_scaled(ST_ITERS, 20);
	RUN_OK(&two_p, stress_mutex_main);
	EXPECT_EQ(ST_TASKS * st_iters, st_counter);
	TH_LOG("%d tasks x %ld lock/unlock on 2 Ps", ST_TASKS, st_iters);
}

/*
 * Go's fan-in, st_rounds times over the same two zero-value groups: a
 * gate (st_go, 1 until main opens it) and the tasks' dones (st_wg).
 * Every task was woken from the gate, or passed it open, and has called
 * done before main's wait returns; so every woken gate waiter has also
 * returned, and re-arming the gate is not a reuse too early (-EBUSY).
 */
static long stress_wg_main(void *arg)
{
	struct gsched_spawn_attr d = { .flags = 0 };
	long r;
	int i;

	for (r = 0; r < st_rounds; r++) {
		T_EQ(0, gsched_wg_add(&st_go, 1));
		T_EQ(0, gsched_wg_add(&st_wg, ST_TASKS));
		for (i = 0; i < ST_TASKS; i++)
			T_GT(0, gsched_spawn_ex(st_doner, NULL, &d));
		if (r % 2)
			gsched_sleep(MS);	/* let them park on the gate */
		T_EQ(0, gsched_wg_done(&st_go));	/* open: wakes them */
		T_EQ(0, gsched_wg_wait(&st_wg));	/* all done */
		T_EQ((r + 1) * ST_TASKS, atomic_load(&st_done_ops));
	}
	T_EQ(0, __atomic_load_n(&st_wg.state, __ATOMIC_SEQ_CST) >>
		GSCHED_WG_SHIFT);
	return 0;
}

TEST_F_TIMEOUT(slow, lost_wakeup_waitgroup_rounds, 300)
{
	st_rounds = gs_scaled(ST_ROUNDS, 3);
	RUN_OK(&two_p, stress_wg_main);
	EXPECT_EQ(ST_TASKS * st_rounds, atomic_load(&st_done_ops));
	TH_LOG("%d tasks x %ld wait group rounds on 2 Ps", ST_TASKS,
	       st_rounds);
}

/*
 * Readers and writers of one zero-value rwmutex on 2 Ps: every eighth
 * operation of a task writes. Writers count themselves in and check that
 * nobody else is in; readers check that no writer is. A lost wakeup hangs
 * (the test's timeout), a lost exclusion shows in the counts.
 */
#define RS_TASKS	64

static gsched_rwmutex_t rs_rw;
static atomic_int rs_readers, rs_writers, rs_bad;
static volatile long rs_counter;

static long rs_task(void *arg)
{
	long me = (long)arg, i, v;

	for (i = 0; i < st_iters; i++) {
		if (!((i + me) % 8)) {
			if (gsched_rwmutex_lock(&rs_rw))
				return -1;
			if (atomic_fetch_add(&rs_writers, 1) ||
			    atomic_load(&rs_readers))
				atomic_fetch_add(&rs_bad, 1);
			v = rs_counter;
			if (!(i % 64))
				gsched_yield();
			rs_counter = v + 1;
			atomic_fetch_sub(&rs_writers, 1);
			if (gsched_rwmutex_unlock(&rs_rw))
				return -2;
			continue;
		}
		if (gsched_rwmutex_rlock(&rs_rw))
			return -3;
		atomic_fetch_add(&rs_readers, 1);
		if (atomic_load(&rs_writers))
			atomic_fetch_add(&rs_bad, 1);
		if (!(i % 32))
			gsched_yield();	/* hold it across a switch */
		atomic_fetch_sub(&rs_readers, 1);
		if (gsched_rwmutex_runlock(&rs_rw))
			return -4;
	}
	return 0;
}

static long stress_rw_main(void *arg)
{
	int ids[RS_TASKS], i;

	for (i = 0; i < RS_TASKS; i++)
		ids[i] = spawn_j(rs_task, (void *)(long)i);
	for (i = 0; i < RS_TASKS; i++)
		T_EQ(0, join_val(ids[i]));
	T_EQ(0, rwword(&rs_rw));	/* unlocked, no stale bits */
	return 0;
}

TEST_F_TIMEOUT(slow, lost_wakeup_rwmutex_readers_writers, 300)
{
	long writes = 0, i, k;

	st_iters = gs_scaled(ST_ITERS, 20);
	RUN_OK(&two_p, stress_rw_main);
	for (k = 0; k < RS_TASKS; k++)
		for (i = 0; i < st_iters; i++)
			writes += !((i + k) % 8);
	EXPECT_EQ(0, atomic_load(&rs_bad));
	EXPECT_EQ(writes, rs_counter);
	TH_LOG("%d tasks x %ld rwmutex operations on 2 Ps, %ld writes",
	       RS_TASKS, st_iters, writes);
}

/* ==== rwmutex writer preference ==== */

static gsched_rwmutex_t wp_rw;
static char wp_order[4];
static atomic_int wp_n;

static long wp_writer(void *arg)
{
	if (gsched_rwmutex_lock(&wp_rw))
		return -1;
	wp_order[atomic_fetch_add(&wp_n, 1)] = 'W';
	return gsched_rwmutex_unlock(&wp_rw);
}

static long wp_reader(void *arg)
{
	if (gsched_rwmutex_rlock(&wp_rw))
		return -1;
	wp_order[atomic_fetch_add(&wp_n, 1)] = 'R';
	return gsched_rwmutex_runlock(&wp_rw);
}

/*
 * One P, deterministic: main reads; a writer comes and waits; a new
 * reader must now wait too (Go's writer preference), though the lock is
 * only read-locked. Main's runlock, the last reader's, hands the lock to
 * the writer (WRITER set for it before it runs); its unlock lets the
 * reader in.
 */
static long writer_pref_main(void *arg)
{
	int w, r;

	T_EQ(0, gsched_rwmutex_rlock(&wp_rw));
	w = spawn_j(wp_writer, NULL);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(w));
	T_EQ(1 | GSCHED_RW_WWAIT, rwword(&wp_rw));
	T_EQ(-EBUSY, gsched_rwmutex_tryrlock(&wp_rw));
	r = spawn_j(wp_reader, NULL);
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(r));
	T_EQ(1 | GSCHED_RW_WWAIT | GSCHED_RW_RWAIT, rwword(&wp_rw));
	T_EQ(0, gsched_rwmutex_runlock(&wp_rw));
	/* handed over: the writer owns it and has not run yet */
	T_EQ(GSCHED_RW_WRITER | GSCHED_RW_RWAIT, rwword(&wp_rw));
	T_EQ(0, atomic_load(&wp_n));
	T_EQ(0, join_val(w));
	T_EQ(0, join_val(r));
	T_EQ(2, atomic_load(&wp_n));
	T_EQ(0, rwword(&wp_rw));
	return 0;
}

TEST(rwmutex_writer_preference)
{
	RUN_OK(&one_p, writer_pref_main);
	EXPECT_EQ('W', wp_order[0]);
	EXPECT_EQ('R', wp_order[1]);
}

/* ==== once with many tasks at the same time ==== */

static struct gsched_once co_once;
static atomic_int co_runs, co_after;

static void co_fn(void *arg)
{
	atomic_fetch_add(&co_runs, 1);
	gsched_sleep(2 * MS);	/* the others queue on its mutex */
}

static long co_task(void *arg)
{
	if (gsched_once(&co_once, co_fn, NULL))
		return -1;
	/* fn has returned for everybody who gets here */
	if (atomic_load(&co_runs) == 1)
		atomic_fetch_add(&co_after, 1);
	return 0;
}

static long concurrent_once_main(void *arg)
{
	int ids[64], i;

	for (i = 0; i < 64; i++)
		ids[i] = spawn_j(co_task, NULL);
	for (i = 0; i < 64; i++)
		T_EQ(0, join_val(ids[i]));
	T_EQ(0, mword(&co_once.m));
	return 0;
}

TEST(once_concurrent_runs_fn_once)
{
	RUN_OK(&two_p, concurrent_once_main);
	EXPECT_EQ(1, atomic_load(&co_runs));
	EXPECT_EQ(64, atomic_load(&co_after));
}

/* ==== a cancelled lock leaves the mutex usable and WAITERS clear ==== */

static gsched_mutex_t cc_mu;
static gsched_ctx_t cc_ctx;

static long cc_locker(void *arg)
{
	return gsched_mutex_lock_ctx(cc_ctx, &cc_mu);
}

static long cc_plain_locker(void *arg)
{
	if (gsched_mutex_lock(&cc_mu))
		return -1;
	return gsched_mutex_unlock(&cc_mu);
}

static long ctx_cancel_main(void *arg)
{
	int id, id2;

	T_EQ(0, gsched_ctx_with_cancel(&cc_ctx, NULL));
	T_EQ(0, gsched_mutex_lock(&cc_mu));
	id = spawn_j(cc_locker, NULL);
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(id));
	/* parked: the module set WAITERS */
	T_EQ(GSCHED_MUTEX_LOCKED | GSCHED_MUTEX_WAITERS, mword(&cc_mu));
	gsched_ctx_cancel(cc_ctx);
	T_EQ(-ECANCELED, join_val(id));
	/* the queue emptied: WAITERS went with it; still ours */
	T_EQ(GSCHED_MUTEX_LOCKED, mword(&cc_mu));
	T_EQ(0, gsched_mutex_unlock(&cc_mu));
	T_EQ(0, mword(&cc_mu));
	/* and it still works, also with a waiter */
	T_EQ(0, gsched_mutex_lock(&cc_mu));
	id2 = spawn_j(cc_plain_locker, NULL);
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(id2));
	T_EQ(0, gsched_mutex_unlock(&cc_mu));
	T_EQ(0, join_val(id2));
	T_EQ(0, mword(&cc_mu));
	/* a cancelled context does not stop taking a free mutex */
	T_EQ(0, gsched_mutex_lock_ctx(cc_ctx, &cc_mu));
	T_EQ(0, gsched_mutex_unlock(&cc_mu));
	gsched_ctx_free(cc_ctx);
	return 0;
}

TEST(ctx_cancel_parked_lock)
{
	RUN_OK(&one_p, ctx_cancel_main);
}

/* A wait group wait cancelled: WAITERS clear, the group still counts. */
static gsched_wg_t cw_wg;

static long cw_waiter(void *arg)
{
	return gsched_wg_wait_ctx(cc_ctx, &cw_wg);
}

static long ctx_cancel_wg_main(void *arg)
{
	int id;

	T_EQ(0, gsched_ctx_with_cancel(&cc_ctx, NULL));
	T_EQ(0, gsched_wg_add(&cw_wg, 2));
	id = spawn_j(cw_waiter, NULL);
	T_EQ(GSCHED_WAIT_WAITGROUP, wait_blocked_sleeping(id));
	T_EQ(2ULL << GSCHED_WG_SHIFT | GSCHED_WG_WAITERS,
	     __atomic_load_n(&cw_wg.state, __ATOMIC_SEQ_CST));
	gsched_ctx_cancel(cc_ctx);
	T_EQ(-ECANCELED, join_val(id));
	T_EQ(2ULL << GSCHED_WG_SHIFT,
	     __atomic_load_n(&cw_wg.state, __ATOMIC_SEQ_CST));
	T_EQ(0, gsched_wg_add(&cw_wg, -2));
	T_EQ(0, gsched_wg_wait(&cw_wg));
	gsched_ctx_free(cc_ctx);
	return 0;
}

TEST(ctx_cancel_parked_wg_wait)
{
	RUN_OK(&one_p, ctx_cancel_wg_main);
}

/*
 * RWMutex: a cancelled read lock leaves RWAIT clear; a cancelled write
 * lock that was all that kept a reader out lets it in.
 */
static gsched_rwmutex_t cr_rw;

static long cr_rlocker(void *arg)
{
	return gsched_rwmutex_rlock_ctx(cc_ctx, &cr_rw);
}

static long cr_wlocker(void *arg)
{
	return gsched_rwmutex_lock_ctx(cc_ctx, &cr_rw);
}

static long cr_plain_reader(void *arg)
{
	if (gsched_rwmutex_rlock(&cr_rw))
		return -1;
	return gsched_rwmutex_runlock(&cr_rw);
}

static long ctx_cancel_rw_main(void *arg)
{
	int id, r;

	/* a reader parked behind a writer */
	T_EQ(0, gsched_ctx_with_cancel(&cc_ctx, NULL));
	T_EQ(0, gsched_rwmutex_lock(&cr_rw));
	id = spawn_j(cr_rlocker, NULL);
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(id));
	T_EQ(GSCHED_RW_WRITER | GSCHED_RW_RWAIT, rwword(&cr_rw));
	gsched_ctx_cancel(cc_ctx);
	T_EQ(-ECANCELED, join_val(id));
	T_EQ(GSCHED_RW_WRITER, rwword(&cr_rw));
	T_EQ(0, gsched_rwmutex_unlock(&cr_rw));
	T_EQ(0, rwword(&cr_rw));
	gsched_ctx_free(cc_ctx);

	/* a writer parked behind a reader, a reader behind the writer */
	T_EQ(0, gsched_ctx_with_cancel(&cc_ctx, NULL));
	T_EQ(0, gsched_rwmutex_rlock(&cr_rw));
	id = spawn_j(cr_wlocker, NULL);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(id));
	r = spawn_j(cr_plain_reader, NULL);
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(r));
	T_EQ(1 | GSCHED_RW_WWAIT | GSCHED_RW_RWAIT, rwword(&cr_rw));
	gsched_ctx_cancel(cc_ctx);
	T_EQ(-ECANCELED, join_val(id));
	T_EQ(0, join_val(r));		/* let in: it read and left */
	T_EQ(1, rwword(&cr_rw));	/* main's read lock only */
	T_EQ(0, gsched_rwmutex_runlock(&cr_rw));
	T_EQ(0, rwword(&cr_rw));
	/* a cancelled context does not stop taking a free rwmutex */
	T_EQ(0, gsched_rwmutex_rlock_ctx(cc_ctx, &cr_rw));
	T_EQ(0, gsched_rwmutex_runlock(&cr_rw));
	T_EQ(0, gsched_rwmutex_lock_ctx(cc_ctx, &cr_rw));
	T_EQ(0, gsched_rwmutex_unlock(&cr_rw));
	gsched_ctx_free(cc_ctx);
	return 0;
}

TEST(ctx_cancel_parked_rwmutex)
{
	RUN_OK(&one_p, ctx_cancel_rw_main);
}

/* ==== starvation: a waiter parked > 1 ms beats a barger ==== */

static gsched_mutex_t sv_mu;
static atomic_int sv_victim_has;
static int sv_barge = -1, sv_handoff = -1;

static long sv_victim(void *arg)
{
	if (gsched_mutex_lock(&sv_mu))
		return -1;
	atomic_store(&sv_victim_has, 1);
	gsched_sleep(MS);
	return gsched_mutex_unlock(&sv_mu);
}

/*
 * One P, deterministic: main holds the lock past 1 ms, unlocks (the victim
 * is woken, not run), barges in with a trylock, and yields: the victim
 * loses after > 1 ms and turns on starvation mode. Main's next unlock
 * hands the lock over: a trylock right after it fails, and the word says
 * LOCKED (the victim's) without main holding it.
 */
static long starvation_main(void *arg)
{
	int id;

	T_EQ(0, gsched_mutex_lock(&sv_mu));
	id = spawn_j(sv_victim, NULL);
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(id));
	gsched_sleep(3 * MS);
	T_EQ(0, gsched_mutex_unlock(&sv_mu));
	sv_barge = gsched_mutex_trylock(&sv_mu);	/* normal mode: barge */
	gsched_yield();			/* the victim loses, > 1 ms waited */
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(id));
	T_TRUE(mword(&sv_mu) & GSCHED_MUTEX_STARVING);
	T_EQ(0, gsched_mutex_unlock(&sv_mu));		/* hand-off */
	sv_handoff = gsched_mutex_trylock(&sv_mu);
	T_EQ(0, atomic_load(&sv_victim_has));	/* not run yet: one P */
	T_EQ(0, join_val(id));
	T_EQ(1, atomic_load(&sv_victim_has));
	T_EQ(0, mword(&sv_mu));
	return 0;
}

TEST(starvation_handoff_no_barging)
{
	RUN_OK(&one_p, starvation_main);
	EXPECT_EQ(0, sv_barge);
	EXPECT_EQ(-EBUSY, sv_handoff);
}

/* ==== bad words ==== */

static int word_case(uint32_t handle, uint32_t dir, uint64_t addr)
{
	struct gsched_select_case c = { .handle = handle, .dir = dir,
					.buf = addr };

	return gsched_select(&c, 1, 0, 0, NULL);
}

static int word_ioc(uint32_t op, uint64_t addr, int64_t arg)
{
	struct gsched_word_op o = { .worker = GSCHED_NO_WORKER, .op = op,
				    .addr = addr, .arg = arg };

	return ioctl(gsched_fd(), GSCHED_IOC_WORD, &o) ? -errno : 0;
}

static uint64_t words[4] __attribute__((aligned(8)));

static long bad_words_main(void *arg)
{
	uint64_t kaddr = 0xffff888000000000ULL;	/* the kernel's half */
	uint64_t hole = (uintptr_t)unmapped();
	uint64_t a = (uintptr_t)&words[0];
	struct gsched_word_op o;
	void *ro;
	gsched_cond_t cv;

	/* NULL and misaligned: -EINVAL */
	T_EQ(-EINVAL, word_case(0, GSCHED_SEL_LOCK_WORD, 0));
	T_EQ(-EINVAL, word_case(0, GSCHED_SEL_LOCK_WORD, a + 1));
	T_EQ(-EINVAL, word_case(0, GSCHED_SEL_LOCK_WORD, a + 2));
	T_EQ(-EINVAL, word_case(0, GSCHED_SEL_WGWAIT_WORD, a + 4));
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_UNLOCK, 0, 0));
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_UNLOCK, a + 3, 0));
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_ADD, a + 4, 1));
	/* a word case names no handle */
	T_EQ(-EINVAL, word_case(1, GSCHED_SEL_LOCK_WORD, a));
	T_EQ(-EINVAL, word_case(1, GSCHED_SEL_WGWAIT_WORD, a));
	/* kernel and unmapped addresses: -EFAULT */
	T_EQ(-EFAULT, word_case(0, GSCHED_SEL_LOCK_WORD, kaddr));
	T_EQ(-EFAULT, word_case(0, GSCHED_SEL_WGWAIT_WORD, kaddr));
	T_EQ(-EFAULT, word_ioc(GSCHED_WORD_UNLOCK, kaddr, 0));
	T_EQ(-EFAULT, word_ioc(GSCHED_WORD_ADD, kaddr, 1));
	T_NE(0, hole);
	T_EQ(-EFAULT, word_case(0, GSCHED_SEL_LOCK_WORD, hole));
	T_EQ(-EFAULT, word_case(0, GSCHED_SEL_WGWAIT_WORD, hole));
	T_EQ(-EFAULT, word_ioc(GSCHED_WORD_UNLOCK, hole, 0));
	T_EQ(-EFAULT, word_ioc(GSCHED_WORD_TRYLOCK, hole, 0));
	T_EQ(-EFAULT, word_ioc(GSCHED_WORD_ADD, hole, 1));
	/* read-only memory: the module must write the word */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_TRUE(ro != MAP_FAILED);
	if (ro != MAP_FAILED) {
		T_EQ(-EFAULT, word_case(0, GSCHED_SEL_LOCK_WORD,
					(uintptr_t)ro));
		T_EQ(-EFAULT, word_ioc(GSCHED_WORD_TRYLOCK, (uintptr_t)ro,
				       0));
		munmap(ro, 4096);
	}
	/* a cond wait's mutex word: checked the same way, and locked */
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(-EINVAL, word_case(cv, GSCHED_SEL_CONDWAIT_WORD, 0));
	T_EQ(-EINVAL, word_case(cv, GSCHED_SEL_CONDWAIT_WORD, a + 1));
	T_EQ(-EFAULT, word_case(cv, GSCHED_SEL_CONDWAIT_WORD, hole));
	T_EQ(-EPERM, word_case(cv, GSCHED_SEL_CONDWAIT_WORD, a));
	T_EQ(0, gsched_sync_release(cv));
	/* GSCHED_IOC_WORD's fields */
	T_EQ(-EINVAL, word_ioc(0, a, 0));
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_OP_MAX + 1, a, 0));
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_UNLOCK, a, 1));	/* arg */
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_TRYLOCK, a, 1));
	memset(&o, 0, sizeof(o));
	o = (struct gsched_word_op){ .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_WORD_TRYLOCK, .addr = a };
	o.flags = 1;
	T_EQ(-1, ioctl(gsched_fd(), GSCHED_IOC_WORD, &o));
	T_EQ(EINVAL, errno);
	o.flags = 0;
	o.__pad = 1;
	T_EQ(-1, ioctl(gsched_fd(), GSCHED_IOC_WORD, &o));
	T_EQ(EINVAL, errno);
	o.__pad = 0;
	o.__reserved = 1;
	T_EQ(-1, ioctl(gsched_fd(), GSCHED_IOC_WORD, &o));
	T_EQ(EINVAL, errno);
	o.__reserved = 0;
	o.worker = 12345;	/* no such worker */
	T_NE(0, ioctl(gsched_fd(), GSCHED_IOC_WORD, &o));
	/* good: the raw ops do what the library's fast paths do */
	T_EQ(0, word_ioc(GSCHED_WORD_TRYLOCK, a, 0));
	T_EQ(GSCHED_MUTEX_LOCKED, (uint32_t)words[0]);
	T_EQ(-EBUSY, word_ioc(GSCHED_WORD_TRYLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_UNLOCK, a, 0));
	T_EQ(-EPERM, word_ioc(GSCHED_WORD_UNLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_ADD, (uintptr_t)&words[1], 3));
	T_EQ(3ULL << GSCHED_WG_SHIFT, words[1]);
	T_EQ(-ERANGE, word_ioc(GSCHED_WORD_ADD, (uintptr_t)&words[1], -4));
	T_EQ(-ERANGE, word_ioc(GSCHED_WORD_ADD, (uintptr_t)&words[1],
			       INT32_MAX));
	T_EQ(3ULL << GSCHED_WG_SHIFT, words[1]);	/* unchanged */
	T_EQ(0, word_ioc(GSCHED_WORD_ADD, (uintptr_t)&words[1], -3));
	T_EQ(0, words[1]);
	return 0;
}

static long bad_rw_words_main(void *arg)
{
	static const uint32_t ops[] = { GSCHED_WORD_RUNLOCK,
		GSCHED_WORD_RWUNLOCK, GSCHED_WORD_RTRYLOCK,
		GSCHED_WORD_RWTRYLOCK };
	static const uint32_t dirs[] = { GSCHED_SEL_RLOCK_WORD,
					 GSCHED_SEL_WLOCK_WORD };
	uint64_t kaddr = 0xffff888000000000ULL;
	uint64_t a = (uintptr_t)&words[3];
	uint32_t *w = (uint32_t *)&words[3];
	uint64_t hole;
	unsigned int i;
	void *ro;

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_TRUE(ro != MAP_FAILED);
	/* after ro: the next mmap would reuse the hole's address */
	hole = (uintptr_t)unmapped();
	T_NE(0, hole);
	for (i = 0; i < 2; i++) {
		T_EQ(-EINVAL, word_case(0, dirs[i], 0));
		T_EQ(-EINVAL, word_case(0, dirs[i], a + 1));
		T_EQ(-EINVAL, word_case(0, dirs[i], a + 2));
		T_EQ(-EINVAL, word_case(1, dirs[i], a));	/* a handle */
		T_EQ(-EFAULT, word_case(0, dirs[i], kaddr));
		T_EQ(-EFAULT, word_case(0, dirs[i], hole));
		if (ro != MAP_FAILED)
			T_EQ(-EFAULT, word_case(0, dirs[i], (uintptr_t)ro));
	}
	for (i = 0; i < 4; i++) {
		T_EQ(-EINVAL, word_ioc(ops[i], 0, 0));
		T_EQ(-EINVAL, word_ioc(ops[i], a + 3, 0));
		T_EQ(-EINVAL, word_ioc(ops[i], a, 1));		/* arg */
		T_EQ(-EFAULT, word_ioc(ops[i], kaddr, 0));
		T_EQ(-EFAULT, word_ioc(ops[i], hole, 0));
		/* a zero word is not locked: the unlocks say so first */
		if (ro != MAP_FAILED)
			T_EQ(i < 2 ? -EPERM : -EFAULT,
			     word_ioc(ops[i], (uintptr_t)ro, 0));
	}
	if (ro != MAP_FAILED)
		munmap(ro, 4096);
	T_EQ(-EINVAL, gsched_rwmutex_tryrlock(NULL));
	T_EQ(-EINVAL, gsched_rwmutex_trylock(NULL));
	T_EQ(-EINVAL, gsched_rwmutex_rlock_ctx(NULL, NULL));
	/* good: the raw ops do what the library's fast paths do */
	T_EQ(0, *w);
	T_EQ(-EPERM, word_ioc(GSCHED_WORD_RUNLOCK, a, 0));
	T_EQ(-EPERM, word_ioc(GSCHED_WORD_RWUNLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_RTRYLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_RTRYLOCK, a, 0));
	T_EQ(2, *w);
	T_EQ(-EBUSY, word_ioc(GSCHED_WORD_RWTRYLOCK, a, 0));
	T_EQ(-EPERM, word_ioc(GSCHED_WORD_RWUNLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_RUNLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_RUNLOCK, a, 0));
	T_EQ(-EPERM, word_ioc(GSCHED_WORD_RUNLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_RWTRYLOCK, a, 0));
	T_EQ(GSCHED_RW_WRITER, *w);
	T_EQ(-EBUSY, word_ioc(GSCHED_WORD_RTRYLOCK, a, 0));
	T_EQ(-EBUSY, word_ioc(GSCHED_WORD_RWTRYLOCK, a, 0));
	T_EQ(-EPERM, word_ioc(GSCHED_WORD_RUNLOCK, a, 0));
	T_EQ(0, word_ioc(GSCHED_WORD_RWUNLOCK, a, 0));
	T_EQ(0, *w);
	/* stale waiter bits with no queue: the module clears them */
	*w = GSCHED_RW_RWAIT | GSCHED_RW_WWAIT;
	T_EQ(0, word_ioc(GSCHED_WORD_RTRYLOCK, a, 0));
	T_EQ(1, *w);
	*w |= GSCHED_RW_WWAIT;
	T_EQ(0, gsched_rwmutex_runlock((gsched_rwmutex_t *)w));
	T_EQ(0, *w);
	/* a full count of readers: -EAGAIN, nothing changed */
	*w = GSCHED_RW_READERS;
	T_EQ(-EAGAIN, word_ioc(GSCHED_WORD_RTRYLOCK, a, 0));
	T_EQ(-EAGAIN, gsched_rwmutex_tryrlock((gsched_rwmutex_t *)w));
	T_EQ(GSCHED_RW_READERS, *w);
	*w = 0;
	return 0;
}

TEST(bad_rwmutex_words)
{
	RUN_OK(&one_p, bad_rw_words_main);
}

/*
 * A cond wait whose mutex word the module cannot unlock once the task
 * waits (here: locked, but read-only, so the check passes and the store
 * faults): the wait ends at once with the error, and the library does
 * not lock the mutex again (its CAS would fault). It used to stay parked
 * with the mutex still locked, until the deadlock check.
 */
static long cond_unlock_fails_main(void *arg)
{
	gsched_mutex_t *m;
	gsched_cond_t cv;
	void *p;

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_TRUE(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return 1;
	m = p;
	m->state = GSCHED_MUTEX_LOCKED;	/* held, as for a cond wait */
	T_EQ(0, mprotect(p, 4096, PROT_READ));
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(-EFAULT, gsched_cond_wait(cv, m));
	T_EQ(GSCHED_MUTEX_LOCKED, mword(m));
	T_EQ(0, gsched_sync_release(cv));
	munmap(p, 4096);
	return 0;
}

TEST(cond_wait_unlock_failure_reported)
{
	RUN_OK(&one_p, cond_unlock_fails_main);
}

TEST(bad_words)
{
	RUN_OK(&one_p, bad_words_main);
}

/* Another process's threads may not name words of this instance. */
static long other_process_main(void *arg)
{
	struct gsched_word_op o = { .worker = GSCHED_NO_WORKER,
				    .op = GSCHED_WORD_TRYLOCK,
				    .addr = (uintptr_t)&words[2] };
	/*
	 * The library closes its fd in a forked child (it starts with no
	 * runtime): a copy made before the fork keeps the instance open.
	 */
	int fd = dup(gsched_fd()), st = -1;
	pid_t pid;

	T_GE(0, fd);
	pid = fork();
	if (pid == 0) {
		/* the child: the file is shared, the address space is not */
		_exit(ioctl(fd, GSCHED_IOC_WORD, &o) == -1 && errno == EPERM ?
		      0 : 1);
	}
	T_EQ(0, close(fd));
	T_GT(0, pid);
	T_EQ(pid, waitpid(pid, &st, 0));
	T_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_EQ(0, words[2]);
	return 0;
}

TEST(other_process_eperm)
{
	RUN_OK(&one_p, other_process_main);
}

/* ==== limits: max_words, and a word waited on as two kinds ==== */

#define PARAM_MAX_WORDS "/sys/module/gsched/parameters/max_words"

static uint64_t lw_words[2] __attribute__((aligned(8)));

static long lw_lock(void *arg)
{
	gsched_mutex_t *m = arg;
	int ret = gsched_mutex_lock(m);

	return ret ? ret : gsched_mutex_unlock(m);
}

static long limits_main(void *arg)
{
	gsched_mutex_t *a = (gsched_mutex_t *)&lw_words[0];
	gsched_mutex_t *b = (gsched_mutex_t *)&lw_words[1];
	int ida, idb;

	T_EQ(0, gsched_mutex_lock(a));
	T_EQ(0, gsched_mutex_lock(b));
	ida = spawn_j(lw_lock, a);
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(ida));
	/* a's queue exists, as a mutex's: not a wait group or rwmutex */
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_ADD, (uintptr_t)a, 1));
	T_EQ(-EINVAL, word_case(0, GSCHED_SEL_WGWAIT_WORD, (uintptr_t)a));
	T_EQ(-EINVAL, word_ioc(GSCHED_WORD_RUNLOCK, (uintptr_t)a, 0));
	T_EQ(-EINVAL, word_case(0, GSCHED_SEL_WLOCK_WORD, (uintptr_t)a));
	/* one queue is the limit: waiting on b needs a second */
	idb = spawn_j(lw_lock, b);
	T_EQ(-EAGAIN, join_val(idb));
	T_EQ(0, gsched_mutex_unlock(b));
	T_EQ(0, gsched_mutex_unlock(a));
	T_EQ(0, join_val(ida));
	T_EQ(0, lw_words[0]);
	T_EQ(0, lw_words[1]);
	return 0;
}

TEST(max_words_and_kind)
{
	char old[32];

	if (gs_sysfs_read(PARAM_MAX_WORDS, old, sizeof(old)))
		SKIP(return, "no %s", PARAM_MAX_WORDS);
	ASSERT_EQ(0, gs_sysfs_write(PARAM_MAX_WORDS, 1));
	RUN_OK(&one_p, limits_main);
	EXPECT_EQ(0, gs_sysfs_write(PARAM_MAX_WORDS, strtol(old, NULL, 10)));
}

/* ==== hostile memory: scribbled words ==== */

#define HS_ROUNDS	20000
#define HS_TASKS	16
#define HS_ITERS	500

struct hs_words {
	gsched_mutex_t mu[4];
	gsched_rwmutex_t rw[2];
	gsched_wg_t wg;
	struct gsched_once once;
};

static struct hs_words *hs;
static atomic_int hs_stop;
static long hs_rounds;
static atomic_long hs_errors;

static void *hs_scribbler(void *arg)
{
	unsigned int seed = (unsigned int)(uintptr_t)arg;
	uint32_t *w = (uint32_t *)hs;
	size_t n = sizeof(*hs) / sizeof(uint32_t);
	long i;

	for (i = 0; i < hs_rounds && !atomic_load(&hs_stop); i++) {
		uint32_t v = (uint32_t)rand_r(&seed);

		/* mostly the interesting bits, sometimes anything */
		if (i % 4 == 1)
			v &= GSCHED_RW_WRITER | GSCHED_RW_WWAIT |
			     GSCHED_RW_RWAIT | 3;	/* rwmutex bits */
		else if (i % 4)
			v &= 7;
		__atomic_store_n(&w[rand_r(&seed) % n], v, __ATOMIC_RELAXED);
		if (!(i % 256))
			usleep(50);
	}
	return NULL;
}

static void hs_fn(void *arg)
{
}

static long hs_task(void *arg)
{
	long me = (long)arg, i;

	for (i = 0; i < HS_ITERS; i++) {
		gsched_mutex_t *m = &hs->mu[(me + i) % 4];
		gsched_rwmutex_t *rw = &hs->rw[(me + i) % 2];
		bool wr = !((me + i) % 4);

		/* errors are allowed; a task stops at its first one */
		if (gsched_mutex_lock(m) || gsched_mutex_unlock(m) ||
		    gsched_once(&hs->once, hs_fn, NULL) ||
		    (wr ? gsched_rwmutex_lock(rw) || gsched_rwmutex_unlock(rw) :
		     gsched_rwmutex_rlock(rw) || gsched_rwmutex_runlock(rw))) {
			atomic_fetch_add(&hs_errors, 1);
			break;
		}
		if (!(i % 8))
			gsched_yield();
	}
	gsched_wg_done(&hs->wg);
	return 0;
}

static long hs_main(void *arg)
{
	struct gsched_spawn_attr d = { .flags = 0 };
	pthread_t th;
	long i;

	if (gsched_wg_add(&hs->wg, HS_TASKS))
		return 1;
	if (pthread_create(&th, NULL, hs_scribbler, (void *)(uintptr_t)1))
		return 1;
	for (i = 0; i < HS_TASKS; i++)
		gsched_spawn_ex(hs_task, (void *)i, &d);
	gsched_wg_wait(&hs->wg);	/* may be lied to: fine */
	atomic_store(&hs_stop, 1);
	pthread_join(th, NULL);
	return 0;
}

/*
 * The program runs in a child: it may end in any way its own semantics
 * allow (errors, a deadlock report, a wrong count), but it must end on its
 * own, and its instance must go away.
 */
TEST_F_TIMEOUT(slow, hostile_scribble, 300)
{
	long long inst0 = gs_sysfs_global("nr_instances");
	int st = -1, waited;
	pid_t pid;

	hs_rounds = gs_scaled(HS_ROUNDS, 500);
	hs = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hs);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		long ev = -1;
		int r = gsched_run_opts(&two_p, hs_main, NULL, &ev);

		_exit(r == 0 || r == -EDEADLK ? 0 : 2);
	}
	/* 0.1 s steps, up to 200 s (times the slow guest's factor) */
	for (waited = 0; waited < 2000 * gs_timeout_scale(); waited++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			break;
		usleep(100000);
	}
	if (waited >= 2000 * gs_timeout_scale()) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	EXPECT_LT(waited, 2000 * gs_timeout_scale())
		TH_LOG("the scribbled program did not end on its own");
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status %#x", st);
	/* its instance is gone */
	for (waited = 0; waited < 100 &&
	     gs_sysfs_global("nr_instances") > inst0; waited++)
		usleep(10000);
	EXPECT_GE(inst0, gs_sysfs_global("nr_instances"));
	TH_LOG("%ld scribbles over %zu words", hs_rounds,
	       sizeof(*hs) / sizeof(uint32_t));
	munmap(hs, 4096);
}

TEST_HARNESS_MAIN
