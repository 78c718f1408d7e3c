// SPDX-License-Identifier: GPL-2.0
/*
 * gsched sync selftests (Go's sync package) through libgsched and, for bad
 * input, the raw ioctls: the mistakes Go programs make with locks, wait
 * groups, once and cond, mutex starvation mode, mutual exclusion under
 * heavy contention, trylock, cond signal/broadcast, wait groups with many
 * waiters, the wait reasons in deadlock reports, and the error paths.
 *
 * Every TEST runs in its own forked child (kselftest harness), so globals
 * are per test. Tasks cannot ASSERT: they check with the T_* macros, which
 * record the first failure; RUN_OK() then reports it.
 */
#include <stdatomic.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"
#include "raw.h"


static struct gsched_opts one_p = { .nprocs = 1 };
static struct gsched_opts two_p = { .nprocs = 2 };

/* ---- checks inside tasks: task_check.h ---- */

/* Run @fn as main; the runtime must end in a deadlock report. */
#define RUN_DEADLOCK(opts, fn) do {					\
	long _ev = -1;							\
	ASSERT_EQ(-EDEADLK, gsched_run_opts(opts, fn, NULL, &_ev));	\
	EXPECT_EQ(-1, _ev);						\
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);	\
} while (0)

#define WAITING(reason)		SR(GSCHED_TASK_WAITING, reason)

/* The deadlock report line of task @task of instance @inst. */
static bool klog_task_waits(int inst, int task, const char *reason,
			    bool is_main)
{
	char line[160];

	snprintf(line, sizeof(line), "instance %d: task %d waiting (%s)%s\n",
		 inst, task, reason, is_main ? " [main]" : "");
	return klog_has(line);
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/* Shared objects of a test. */
static gsched_mutex_t m, m2;
static gsched_rwmutex_t rw;
static gsched_wg_t wg;
static gsched_cond_t cv;
static int inst_id, main_id;

static long lock_m(void *arg)
{
	return gsched_mutex_lock(&m) ? -1 : 0;
}

/* ==== early return without Unlock: the next Lock blocks forever ==== */

static long early_return(void *arg)
{
	if (gsched_mutex_lock(&m))
		return -1;
	if (arg)		/* an error path that forgets the unlock */
		return 1;
	gsched_mutex_unlock(&m);
	return 0;
}

static long early_return_main(void *arg)
{
	int id;

	inst_id = gsched_instance_id();
	main_id = gsched_self();
	T_EQ(0, gsched_mutex_init(&m));
	id = spawn_j(early_return, (void *)1);
	T_EQ(1, join_val(id));
	T_EQ(-EBUSY, gsched_mutex_trylock(&m));
	gsched_mutex_lock(&m);		/* never returns */
	t_fail(__LINE__, "lock returned", 0, 1);
	return 0;
}

TEST(early_return_without_unlock)
{
	RUN_DEADLOCK(&one_p, early_return_main);
	EXPECT_TRUE(klog_task_waits(inst_id, main_id, "mutex", true));
}

/* ==== a waiting writer goes before readers that arrive later ==== */

static char pending_order[8];
static atomic_int npending_order;

static long pending_writer(void *arg)
{
	int i;

	if (gsched_rwmutex_lock(&rw))
		return -1;
	pending_order[atomic_fetch_add(&npending_order, 1)] = 'W';
	for (i = 0; i < 10; i++)
		gsched_yield();		/* readers must still be out */
	return gsched_rwmutex_unlock(&rw) ? -2 : 0;
}

static long late_reader(void *arg)
{
	if (gsched_rwmutex_rlock(&rw))
		return -1;
	pending_order[atomic_fetch_add(&npending_order, 1)] = 'R';
	return gsched_rwmutex_runlock(&rw) ? -2 : 0;
}

static long writer_first_main(void *arg)
{
	int w, r1, r2;

	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_rwmutex_rlock(&rw));		/* the first reader */
	w = spawn_j(pending_writer, NULL);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(w));
	r1 = spawn_j(late_reader, NULL);
	r2 = spawn_j(late_reader, NULL);
	/* a pending writer keeps new readers out */
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(r1));
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(r2));
	T_EQ(-EBUSY, gsched_rwmutex_tryrlock(&rw));
	T_EQ(0, atomic_load(&npending_order));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	T_EQ(0, join_val(w));
	T_EQ(0, join_val(r1));
	T_EQ(0, join_val(r2));
	T_EQ(3, atomic_load(&npending_order));
	return 0;
}

TEST(rwmutex_writer_before_new_readers)
{
	RUN_OK(&two_p, writer_first_main);
	EXPECT_STREQ("WRR", pending_order);
}

/* ==== five readers hold; the writer waits for all five ==== */

static gsched_chan_t reader_release[5];
static atomic_int readers_holding, readers_out;
static int writer_saw_out = -1;

static long holding_reader(void *arg)
{
	int i = (int)(intptr_t)arg;

	if (gsched_rwmutex_rlock(&rw))
		return -1;
	atomic_fetch_add(&readers_holding, 1);
	if (gsched_chan_recv(reader_release[i], NULL) != 1)
		return -2;
	atomic_fetch_add(&readers_out, 1);
	return gsched_rwmutex_runlock(&rw) ? -3 : 0;
}

static long waiting_writer(void *arg)
{
	if (gsched_rwmutex_lock(&rw))
		return -1;
	writer_saw_out = atomic_load(&readers_out);
	return gsched_rwmutex_unlock(&rw) ? -2 : 0;
}

static long five_readers_main(void *arg)
{
	int r[5], w, i;

	T_EQ(0, gsched_rwmutex_init(&rw));
	for (i = 0; i < 5; i++) {
		T_EQ(0, gsched_chan_make(&reader_release[i], 0, 0));
		r[i] = spawn_j(holding_reader, (void *)(intptr_t)i);
	}
	while (atomic_load(&readers_holding) < 5)
		gsched_yield();
	w = spawn_j(waiting_writer, NULL);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(w));
	for (i = 0; i < 5; i++) {
		T_EQ(0, gsched_chan_send(reader_release[i], NULL));
		T_EQ(0, join_val(r[i]));
		if (i < 4)	/* readers remain: the writer still waits */
			T_EQ(WAITING(GSCHED_WAIT_WLOCK), task_sr(w));
	}
	T_EQ(0, join_val(w));
	return 0;
}

TEST(rwmutex_writer_after_all_five_readers)
{
	RUN_OK(&two_p, five_readers_main);
	EXPECT_EQ(5, writer_saw_out);
}

/* ==== recursive RLock with a pending writer deadlocks ==== */

static int writer_id;

static long recursive_writer(void *arg)
{
	if (gsched_rwmutex_lock(&rw))
		return -1;
	gsched_rwmutex_unlock(&rw);
	return 0;
}

static long recursive_rlock_main(void *arg)
{
	inst_id = gsched_instance_id();
	main_id = gsched_self();
	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	writer_id = spawn_j(recursive_writer, NULL);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(writer_id));
	gsched_rwmutex_rlock(&rw);	/* behind the writer: forever */
	t_fail(__LINE__, "recursive rlock returned", 0, 1);
	return 0;
}

TEST(recursive_rlock_pending_writer_deadlocks)
{
	RUN_DEADLOCK(&one_p, recursive_rlock_main);
	EXPECT_TRUE(klog_task_waits(inst_id, main_id, "rwmutex read lock",
				    true));
	EXPECT_TRUE(klog_task_waits(inst_id, writer_id, "rwmutex lock",
				    false));
}

/* ==== unlock of an unlocked mutex or rwmutex ==== */

static long double_unlock_main(void *arg)
{
	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(-EPERM, gsched_mutex_unlock(&m));
	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
	T_EQ(-EPERM, gsched_mutex_unlock(&m));		/* double unlock */
	T_EQ(0, gsched_mutex_trylock(&m));		/* still usable */
	T_EQ(0, gsched_mutex_unlock(&m));

	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(-EPERM, gsched_rwmutex_runlock(&rw));
	T_EQ(-EPERM, gsched_rwmutex_unlock(&rw));
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	T_EQ(-EPERM, gsched_rwmutex_runlock(&rw));	/* double runlock */
	/* write-locked: runlock is not an unlock */
	T_EQ(0, gsched_rwmutex_lock(&rw));
	T_EQ(-EPERM, gsched_rwmutex_runlock(&rw));
	T_EQ(0, gsched_rwmutex_unlock(&rw));
	T_EQ(-EPERM, gsched_rwmutex_unlock(&rw));	/* double unlock */
	/* read-locked: unlock is not an runlock */
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	T_EQ(-EPERM, gsched_rwmutex_unlock(&rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	/* nothing leaked: a writer gets in */
	T_EQ(0, gsched_rwmutex_trylock(&rw));
	T_EQ(0, gsched_rwmutex_unlock(&rw));
	return 0;
}

TEST(double_unlock_eperm)
{
	RUN_OK(&one_p, double_unlock_main);
}

/* ==== starvation mode ==== */

/*
 * Deterministic on one P: a waiter that waited > 1 ms and lost the lock
 * to a barging task switches the mutex to starvation mode; the next
 * unlock hands the lock straight to it, so a trylock right after that
 * unlock fails (in normal mode it would succeed: barging).
 */
static atomic_int victim_got;
static int barge_trylock = -1, handoff_trylock = -1;

static long starved_victim(void *arg)
{
	if (gsched_mutex_lock(&m))
		return -1;
	atomic_store(&victim_got, 1);
	return gsched_mutex_unlock(&m) ? -2 : 0;
}

static long starvation_handoff_main(void *arg)
{
	int v;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_lock(&m));
	v = spawn_j(starved_victim, NULL);
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(v));
	T_EQ(0, gsched_sleep(3 * MS));	/* the victim waits > 1 ms */
	/* normal mode: unlock wakes the victim, but we barge back in */
	T_EQ(0, gsched_mutex_unlock(&m));
	barge_trylock = gsched_mutex_trylock(&m);
	/* the victim runs, loses, sees it waited > 1 ms: starvation */
	gsched_yield();
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(v));
	T_EQ(0, atomic_load(&victim_got));
	/* starvation mode: unlock hands the lock over; no barging */
	T_EQ(0, gsched_mutex_unlock(&m));
	handoff_trylock = gsched_mutex_trylock(&m);
	T_EQ(0, atomic_load(&victim_got));
	if (!handoff_trylock)		/* barged: let the victim in */
		gsched_mutex_unlock(&m);
	T_EQ(0, join_val(v));
	T_EQ(1, atomic_load(&victim_got));
	/* back to normal: the victim was the last waiter */
	T_EQ(0, gsched_mutex_trylock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
	return 0;
}

TEST(mutex_starvation_handoff)
{
	RUN_OK(&one_p, starvation_handoff_main);
	EXPECT_EQ(0, barge_trylock);		/* normal mode barges */
	EXPECT_EQ(-EBUSY, handoff_trylock);	/* starvation hands off */
}

/*
 * Two tasks hammer lock/sleep+yield/unlock, re-locking at once; a third
 * must still get the lock while they are looping (they give up after
 * HAMMER_CAP iterations, so a starving victim fails the test instead of
 * hanging it). The critical section sleeps 200 us so that waiters wait
 * more than 1 ms and the mutex enters starvation mode.
 */
#define HAMMER_CAP	20000
static atomic_int hammer_stop;
static atomic_long hammer_iters[2];
static long victim_iters = -1, victim_wait_ns;
static int victim_in_time = -1;

static long hammerer(void *arg)
{
	int i = (int)(intptr_t)arg;

	while (!atomic_load(&hammer_stop) &&
	       atomic_load(&hammer_iters[i]) < HAMMER_CAP) {
		if (gsched_mutex_lock(&m))
			return -1;
		atomic_fetch_add(&hammer_iters[i], 1);
		gsched_sleep(200000);	/* inside the critical section */
		gsched_yield();
		if (gsched_mutex_unlock(&m))
			return -2;
	}
	return 0;
}

static long hammered_victim(void *arg)
{
	uint64_t t0 = now_ns();

	if (gsched_mutex_lock(&m))
		return -1;
	victim_wait_ns = (long)(now_ns() - t0);
	victim_iters = atomic_load(&hammer_iters[0]) +
		       atomic_load(&hammer_iters[1]);
	victim_in_time = atomic_load(&hammer_iters[0]) < HAMMER_CAP &&
			 atomic_load(&hammer_iters[1]) < HAMMER_CAP;
	atomic_store(&hammer_stop, 1);
	return gsched_mutex_unlock(&m) ? -2 : 0;
}

static long hammer_main(void *arg)
{
	int h0, h1, v;

	T_EQ(0, gsched_mutex_init(&m));
	h0 = spawn_j(hammerer, (void *)0);
	h1 = spawn_j(hammerer, (void *)1);
	while (atomic_load(&hammer_iters[0]) +
	       atomic_load(&hammer_iters[1]) < 20)
		gsched_sleep(MS);
	v = spawn_j(hammered_victim, NULL);
	T_EQ(0, join_val(v));
	T_EQ(0, join_val(h0));
	T_EQ(0, join_val(h1));
	return 0;
}

TEST_F_TIMEOUT(slow, mutex_starvation_no_barging_forever, 300)
{
	RUN_OK(&two_p, hammer_main);
	EXPECT_EQ(1, victim_in_time);
	TH_LOG("victim waited %ld us while the hammerers did %ld iterations "
	       "(%ld + %ld in all)", victim_wait_ns / 1000, victim_iters,
	       (long)hammer_iters[0], (long)hammer_iters[1]);
}

/* ==== mutex waiters: FIFO; a woken waiter that loses goes to the front ==== */

static char fifo_order[8];
static atomic_int nfifo;

static long fifo_waiter(void *arg)
{
	if (gsched_mutex_lock(&m))
		return -1;
	fifo_order[atomic_fetch_add(&nfifo, 1)] = *(const char *)arg;
	return gsched_mutex_unlock(&m) ? -2 : 0;
}

static long fifo_main(void *arg)
{
	static const char *const names[4] = { "a", "b", "c", "d" };
	int ids[4], i;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_lock(&m));
	for (i = 0; i < 4; i++) {
		ids[i] = spawn_j(fifo_waiter, (void *)names[i]);
		T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(ids[i]));
	}
	T_EQ(0, gsched_mutex_unlock(&m));
	for (i = 0; i < 4; i++)
		T_EQ(0, join_val(ids[i]));
	return 0;
}

TEST(mutex_waiters_fifo)
{
	RUN_OK(&one_p, fifo_main);
	EXPECT_STREQ("abcd", fifo_order);
}

static long requeue_main(void *arg)
{
	int a, b;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_lock(&m));
	a = spawn_j(fifo_waiter, "a");
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(a));
	b = spawn_j(fifo_waiter, "b");
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(b));
	T_EQ(0, gsched_mutex_unlock(&m));	/* wakes a */
	T_EQ(0, gsched_mutex_trylock(&m));	/* and barges in first */
	gsched_yield();				/* a runs, loses, requeues */
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(a));
	T_EQ(0, atomic_load(&nfifo));
	T_EQ(0, gsched_mutex_unlock(&m));
	T_EQ(0, join_val(a));
	T_EQ(0, join_val(b));
	return 0;
}

TEST(mutex_woken_waiter_requeued_at_front)
{
	RUN_OK(&one_p, requeue_main);
	EXPECT_STREQ("ab", fifo_order);
}

/* ==== unlock from another task is allowed ==== */

static long unlock_m(void *arg)
{
	return gsched_mutex_unlock(&m);
}

static atomic_int waiter_got;

static long other_unlock_waiter(void *arg)
{
	if (gsched_mutex_lock(&m))
		return -1;
	atomic_store(&waiter_got, 1);
	return gsched_mutex_unlock(&m) ? -2 : 0;
}

static long other_unlock_main(void *arg)
{
	int w;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, join_val(spawn_j(unlock_m, NULL)));
	T_EQ(0, gsched_mutex_trylock(&m));	/* it really was unlocked */
	/* a waiter gets the lock when a third task unlocks it */
	w = spawn_j(other_unlock_waiter, NULL);
	T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(w));
	T_EQ(0, join_val(spawn_j(unlock_m, NULL)));
	T_EQ(0, join_val(w));
	T_EQ(1, atomic_load(&waiter_got));
	/* and an unlock of the now unlocked mutex from elsewhere fails */
	T_EQ(-EPERM, join_val(spawn_j(unlock_m, NULL)));
	return 0;
}

TEST(unlock_from_other_task)
{
	RUN_OK(&two_p, other_unlock_main);
}

/* ==== Once ==== */

static struct gsched_once once_ctl = GSCHED_ONCE_INIT;
static atomic_int once_calls, once_started, once_finished;
static int second_saw_finished = -1;

/* "fails": returns early, before its work; still counts as done */
static void once_fn(void *arg)
{
	atomic_fetch_add(&once_calls, 1);
	atomic_store(&once_started, 1);
	gsched_sleep(20 * MS);
	atomic_store(&once_finished, 1);
	if (arg)
		return;
	t_fail(__LINE__, "once_fn went on after its failure", 0, 1);
}

static long once_first(void *arg)
{
	return gsched_once(&once_ctl, once_fn, (void *)1);
}

static long once_second(void *arg)
{
	int ret;

	while (!atomic_load(&once_started))
		gsched_yield();
	ret = gsched_once(&once_ctl, once_fn, (void *)1);
	second_saw_finished = atomic_load(&once_finished);
	return ret;
}

static long once_main(void *arg)
{
	int a, b;

	a = spawn_j(once_first, NULL);
	b = spawn_j(once_second, NULL);
	T_EQ(0, join_val(a));
	T_EQ(0, join_val(b));
	T_EQ(0, gsched_once(&once_ctl, once_fn, (void *)1));
	T_EQ(0, gsched_once(&once_ctl, once_fn, NULL));
	return 0;
}

TEST(once_failed_fn_not_rerun)
{
	RUN_OK(&two_p, once_main);
	EXPECT_EQ(1, once_calls);
	/* the concurrent caller returned only after fn had finished */
	EXPECT_EQ(1, second_saw_finished);
}

/*
 * ==== a Once whose function ends its task with gsched_exit() ====
 *
 * Go's once.Do defers done.Store(1), so a function that panics or calls
 * runtime.Goexit counts as done: the callers waiting in Do return, the
 * function is not called again, and a later Do returns at once. Nested
 * Onces are all completed, innermost first; a Once whose function had
 * returned before the task exits is not touched again.
 */
static struct gsched_once oexit, oouter, oinner, oreturned;
static atomic_int oexit_calls, oexit_started, oexit_bad;
static gsched_chan_t oexit_go;

static void oexit_fn(void *arg)
{
	atomic_fetch_add(&oexit_calls, 1);
	atomic_store(&oexit_started, 1);
	/* until main has seen the waiters block behind us */
	T_EQ(1, gsched_chan_recv(oexit_go, NULL));
	gsched_exit(42);
}

static void oexit_not_again(void *arg)
{
	atomic_fetch_add(&oexit_bad, 1);
}

static long oexit_runner(void *arg)
{
	gsched_once(&oexit, oexit_fn, NULL);
	t_fail(__LINE__, "gsched_once() returned to an exited task", 0, 1);
	return -1;
}

static long oexit_waiter(void *arg)
{
	return gsched_once(&oexit, oexit_not_again, NULL);
}

static void oinner_fn(void *arg)
{
	atomic_fetch_add(&oexit_calls, 1);
	gsched_exit(7);
}

static void oouter_fn(void *arg)
{
	atomic_fetch_add(&oexit_calls, 1);
	gsched_once(&oinner, oinner_fn, NULL);
	t_fail(__LINE__, "the inner Do returned", 0, 1);
}

static long onested_runner(void *arg)
{
	gsched_once(&oouter, oouter_fn, NULL);
	t_fail(__LINE__, "the outer Do returned", 0, 1);
	return -1;
}

static void oreturned_fn(void *arg)
{
	atomic_fetch_add(&oexit_calls, 1);
}

static long oreturned_runner(void *arg)
{
	gsched_chan_t go = (gsched_chan_t)(uintptr_t)arg;

	T_EQ(0, gsched_once(&oreturned, oreturned_fn, NULL));
	/* main takes the Once's mutex now; our exit must leave it alone */
	T_EQ(1, gsched_chan_recv(go, NULL));
	gsched_exit(5);
}

static long oexit_main(void *arg)
{
	struct gsched_once zero = GSCHED_ONCE_INIT;
	gsched_chan_t go;
	int r, w[3], i;

	oexit = oouter = oinner = oreturned = zero;
	T_EQ(0, gsched_chan_make(&oexit_go, 0, 0));
	r = spawn_j(oexit_runner, NULL);
	while (!atomic_load(&oexit_started))
		gsched_yield();
	for (i = 0; i < 3; i++)
		w[i] = spawn_j(oexit_waiter, NULL);
	for (i = 0; i < 3; i++)		/* behind the Once's mutex */
		T_EQ(GSCHED_WAIT_MUTEX, wait_blocked_sleeping(w[i]));
	T_EQ(0, gsched_chan_send(oexit_go, NULL));
	T_EQ(42, join_val(r));
	for (i = 0; i < 3; i++)
		T_EQ(0, join_val(w[i]));
	T_EQ(1, atomic_load(&oexit_calls));
	T_EQ(0, atomic_load(&oexit_bad));
	/* done, and its mutex free: a later Do returns at once */
	T_EQ(1, __atomic_load_n(&oexit.done, __ATOMIC_ACQUIRE));
	T_EQ(0, gsched_once(&oexit, oexit_not_again, NULL));
	T_EQ(0, gsched_mutex_trylock(&oexit.m));
	T_EQ(0, gsched_mutex_unlock(&oexit.m));

	/* nested: both Onces are done and unlocked */
	T_EQ(7, join_val(spawn_j(onested_runner, NULL)));
	T_EQ(3, atomic_load(&oexit_calls));
	T_EQ(0, gsched_once(&oouter, oexit_not_again, NULL));
	T_EQ(0, gsched_once(&oinner, oexit_not_again, NULL));
	T_EQ(0, gsched_mutex_trylock(&oouter.m));
	T_EQ(0, gsched_mutex_trylock(&oinner.m));
	T_EQ(0, gsched_mutex_unlock(&oouter.m));
	T_EQ(0, gsched_mutex_unlock(&oinner.m));
	T_EQ(0, atomic_load(&oexit_bad));

	/* a Do that returned is not completed again when its task exits */
	T_EQ(0, gsched_chan_make(&go, 0, 0));
	r = spawn_j(oreturned_runner, (void *)(uintptr_t)go);
	while (!__atomic_load_n(&oreturned.done, __ATOMIC_ACQUIRE))
		gsched_yield();
	T_EQ(0, gsched_mutex_lock(&oreturned.m));
	T_EQ(0, gsched_chan_send(go, NULL));
	T_EQ(5, join_val(r));
	T_EQ(-EBUSY, gsched_mutex_trylock(&oreturned.m));	/* still ours */
	T_EQ(0, gsched_mutex_unlock(&oreturned.m));
	T_EQ(4, atomic_load(&oexit_calls));
	gsched_chan_release(go);
	gsched_chan_release(oexit_go);
	return 0;
}

TEST(once_fn_exits_task_one_p)
{
	RUN_OK(&one_p, oexit_main);
}

TEST(once_fn_exits_task_two_p)
{
	RUN_OK(&two_p, oexit_main);
}

/* ==== wait group below zero; reuse before Wait returned ==== */

static long wg_waiter(void *arg)
{
	return gsched_wg_wait(&wg);
}

static long wg_reuse_main(void *arg)
{
	int w;

	T_EQ(0, gsched_wg_init(&wg));
	T_EQ(-ERANGE, gsched_wg_add(&wg, -1));
	T_EQ(0, gsched_wg_wait(&wg));		/* counter 0: at once */
	T_EQ(0, gsched_wg_add(&wg, 2));
	T_EQ(-ERANGE, gsched_wg_add(&wg, -3));	/* unchanged: still 2 */
	T_EQ(0, gsched_wg_done(&wg));		/* 1 */
	w = spawn_j(wg_waiter, NULL);
	T_EQ(GSCHED_WAIT_WAITGROUP, wait_blocked_sleeping(w));
	/*
	 * One P: the woken waiter cannot run before we add again, so its
	 * Wait has not returned: Go's "WaitGroup is reused before previous
	 * Wait has returned".
	 */
	T_EQ(0, gsched_wg_done(&wg));		/* 0: wakes the waiter */
	T_EQ(-EBUSY, gsched_wg_add(&wg, 1));
	T_EQ(-ERANGE, gsched_wg_done(&wg));	/* still 0 */
	T_EQ(0, join_val(w));
	/* the wait returned: reuse is fine now */
	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(0, gsched_wg_done(&wg));
	/* the counter is an int32, as Go's: beyond is out of range too */
	T_EQ(-ERANGE, gsched_wg_add(&wg, INT64_MAX));
	T_EQ(0, gsched_wg_add(&wg, INT32_MAX));
	T_EQ(-ERANGE, gsched_wg_add(&wg, 1));
	T_EQ(0, gsched_wg_add(&wg, -INT32_MAX));
	T_EQ(0, gsched_wg_wait(&wg));
	return 0;
}

TEST(waitgroup_negative_and_reuse)
{
	RUN_OK(&one_p, wg_reuse_main);
}

/* ==== Broadcast before Wait is lost: the waiter hangs ==== */

static long lost_broadcast_main(void *arg)
{
	inst_id = gsched_instance_id();
	main_id = gsched_self();
	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(0, gsched_cond_broadcast(cv));
	T_EQ(0, gsched_cond_signal(cv));
	T_EQ(0, gsched_mutex_lock(&m));
	gsched_cond_wait(cv, &m);		/* nothing remembered */
	t_fail(__LINE__, "cond wait returned", 0, 1);
	return 0;
}

TEST(cond_broadcast_before_wait_hangs)
{
	RUN_DEADLOCK(&one_p, lost_broadcast_main);
	EXPECT_TRUE(klog_task_waits(inst_id, main_id, "cond", true));
}

/*
 * ==== mutual exclusion: 1,000 tasks x 1,000 increments ====
 *
 * On a slow kernel (GSCHED_TEST_SCALE, common.h) each task does fewer
 * increments, 1,000 divided by the scale twice (10 in the debug guest,
 * where 100 took three minutes): still 1,000 tasks contending, and every
 * increment checked.
 */

#define CONTENDERS	1000
#define INCREMENTS	1000
static volatile long counter;
static long increments = INCREMENTS;
static int contender_ids[CONTENDERS];

static long contender(void *arg)
{
	long v;
	int i;

	for (i = 0; i < increments; i++) {
		if (gsched_mutex_lock(&m))
			return -1;
		v = counter;		/* a torn update shows as a lost one */
		counter = v + 1;
		if (gsched_mutex_unlock(&m))
			return -2;
	}
	return 0;
}

static long contention_main(void *arg)
{
	int i;

	T_EQ(0, gsched_mutex_init(&m));
	for (i = 0; i < CONTENDERS; i++) {
		contender_ids[i] = spawn_j(contender, NULL);
		T_GT(0, contender_ids[i]);
	}
	for (i = 0; i < CONTENDERS; i++)
		T_EQ(0, join_val(contender_ids[i]));
	T_EQ(-EPERM, gsched_mutex_unlock(&m));	/* left unlocked */
	return 0;
}

TEST_F_TIMEOUT(slow, mutex_contention_1000x1000, 900)
{
	uint64_t t0;

	increments = gs_scaled(INCREMENTS / gs_test_scale(), 10);
	if (increments != INCREMENTS)
		TH_LOG("slow kernel (GSCHED_TEST_SCALE=%ld): %ld increments "
		       "per task instead of %d", gs_test_scale(), increments,
		       INCREMENTS);
	t0 = now_ns();
	RUN_OK(&two_p, contention_main);
	EXPECT_EQ((long)CONTENDERS * increments, counter);
	TH_LOG("%d tasks x %ld lock/unlock: %.1f s", CONTENDERS, increments,
	       (now_ns() - t0) / 1e9);
}

/* ==== trylock ==== */

static long wlock_unlock_rw(void *arg)
{
	if (gsched_rwmutex_lock(&rw))
		return -1;
	return gsched_rwmutex_unlock(&rw) ? -2 : 0;
}

static long trylock_main(void *arg)
{
	int w;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_trylock(&m));
	T_EQ(-EBUSY, gsched_mutex_trylock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
	T_EQ(0, gsched_mutex_trylock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));

	T_EQ(0, gsched_rwmutex_init(&rw));
	/* readers share; a writer cannot get in */
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	T_EQ(0, gsched_rwmutex_tryrlock(&rw));
	T_EQ(-EBUSY, gsched_rwmutex_trylock(&rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	T_EQ(-EBUSY, gsched_rwmutex_trylock(&rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	/* a writer excludes everyone */
	T_EQ(0, gsched_rwmutex_trylock(&rw));
	T_EQ(-EBUSY, gsched_rwmutex_tryrlock(&rw));
	T_EQ(-EBUSY, gsched_rwmutex_trylock(&rw));
	T_EQ(0, gsched_rwmutex_unlock(&rw));
	/* a pending writer keeps try-readers out too */
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	w = spawn_j(wlock_unlock_rw, NULL);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(w));
	T_EQ(-EBUSY, gsched_rwmutex_tryrlock(&rw));
	T_EQ(-EBUSY, gsched_rwmutex_trylock(&rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	T_EQ(0, join_val(w));
	T_EQ(0, gsched_rwmutex_tryrlock(&rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	return 0;
}

TEST(trylock_semantics)
{
	RUN_OK(&two_p, trylock_main);
}

/* ==== cond: signal wakes one, broadcast all; the mutex is held again ==== */

#define NCOND	5
static atomic_int cond_woken, cond_inside, cond_overlap, cond_held;

static long cond_waiter(void *arg)
{
	if (gsched_mutex_lock(&m))
		return -1;
	if (gsched_cond_wait(cv, &m))
		return -2;
	atomic_fetch_add(&cond_woken, 1);
	if (atomic_fetch_add(&cond_inside, 1) != 0)
		atomic_fetch_add(&cond_overlap, 1);
	/* cond_wait returned with the mutex locked again */
	if (gsched_mutex_trylock(&m) == -EBUSY)
		atomic_fetch_add(&cond_held, 1);
	gsched_yield();
	atomic_fetch_sub(&cond_inside, 1);
	return gsched_mutex_unlock(&m) ? -3 : 0;
}

static int count_sr(const int *ids, int n, int sr)
{
	int i, c = 0;

	for (i = 0; i < n; i++)
		c += task_sr(ids[i]) == sr;
	return c;
}

/* Sleep until @v reaches @want (a few seconds at most), then a bit more. */
static void wait_count(atomic_int *v, int want)
{
	int i;

	for (i = 0; i < 5000 && atomic_load(v) < want; i++)
		gsched_sleep(MS);
	gsched_sleep(20 * MS);	/* time for a wrong extra wakeup to show */
}

static long cond_main(void *arg)
{
	int ids[NCOND + 1], i;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_cond_init(&cv));
	for (i = 0; i < NCOND; i++) {
		ids[i] = spawn_j(cond_waiter, NULL);
		T_EQ(GSCHED_WAIT_COND, wait_blocked_sleeping(ids[i]));
	}
	T_EQ(0, gsched_cond_signal(cv));
	wait_count(&cond_woken, 1);
	T_EQ(1, atomic_load(&cond_woken));
	T_EQ(NCOND - 1, count_sr(ids, NCOND, WAITING(GSCHED_WAIT_COND)));
	T_EQ(0, gsched_cond_signal(cv));
	wait_count(&cond_woken, 2);
	T_EQ(2, atomic_load(&cond_woken));
	T_EQ(NCOND - 2, count_sr(ids, NCOND, WAITING(GSCHED_WAIT_COND)));
	T_EQ(0, gsched_cond_broadcast(cv));
	for (i = 0; i < NCOND; i++)
		T_EQ(0, join_val(ids[i]));
	T_EQ(NCOND, atomic_load(&cond_woken));
	/* no waiters: the signal is not remembered */
	T_EQ(0, gsched_cond_signal(cv));
	T_EQ(0, gsched_cond_broadcast(cv));
	ids[NCOND] = spawn_j(cond_waiter, NULL);
	T_EQ(GSCHED_WAIT_COND, wait_blocked_sleeping(ids[NCOND]));
	gsched_sleep(10 * MS);
	T_EQ(WAITING(GSCHED_WAIT_COND), task_sr(ids[NCOND]));
	T_EQ(0, gsched_cond_broadcast(cv));
	T_EQ(0, join_val(ids[NCOND]));
	return 0;
}

TEST(cond_signal_one_broadcast_all)
{
	RUN_OK(&two_p, cond_main);
	EXPECT_EQ(NCOND + 1, cond_woken);
	EXPECT_EQ(0, cond_overlap);		/* mutual exclusion held */
	EXPECT_EQ(NCOND + 1, cond_held);	/* the mutex was held again */
}

/* ==== wait group: many waiters, all released at zero ==== */

#define NWG	20

static long wg_many_main(void *arg)
{
	int ids[NWG], i;

	T_EQ(0, gsched_wg_init(&wg));
	T_EQ(0, gsched_wg_add(&wg, 2));
	for (i = 0; i < NWG; i++) {
		ids[i] = spawn_j(wg_waiter, NULL);
		T_EQ(GSCHED_WAIT_WAITGROUP, wait_blocked_sleeping(ids[i]));
	}
	T_EQ(0, gsched_wg_done(&wg));
	gsched_sleep(5 * MS);
	T_EQ(NWG, count_sr(ids, NWG, WAITING(GSCHED_WAIT_WAITGROUP)));
	T_EQ(0, gsched_wg_done(&wg));
	for (i = 0; i < NWG; i++)
		T_EQ(0, join_val(ids[i]));
	/* every wait returned: the group can be reused */
	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(0, gsched_wg_done(&wg));
	T_EQ(0, gsched_wg_wait(&wg));
	return 0;
}

TEST(waitgroup_many_waiters)
{
	RUN_OK(&two_p, wg_many_main);
}

/* ==== deadlock reports name the sync wait reasons ==== */

static long cond_wait_m2(void *arg)
{
	if (gsched_mutex_lock(&m2))
		return -1;
	gsched_cond_wait(cv, &m2);
	return 0;
}

static long rlock_rw(void *arg)
{
	gsched_rwmutex_rlock(&rw);
	return 0;
}

static int dl_ids[5];

static long deadlock_reasons_main(void *arg)
{
	static const unsigned int want[5] = {
		GSCHED_WAIT_MUTEX, GSCHED_WAIT_WAITGROUP, GSCHED_WAIT_COND,
		GSCHED_WAIT_RLOCK, GSCHED_WAIT_WLOCK,
	};
	int i;

	inst_id = gsched_instance_id();
	main_id = gsched_self();
	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_init(&m2));
	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_wg_init(&wg));
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, gsched_rwmutex_lock(&rw));
	T_EQ(0, gsched_wg_add(&wg, 1));
	dl_ids[0] = spawn_j(lock_m, NULL);
	dl_ids[1] = spawn_j(wg_waiter, NULL);
	dl_ids[2] = spawn_j(cond_wait_m2, NULL);
	dl_ids[3] = spawn_j(rlock_rw, NULL);
	dl_ids[4] = spawn_j(wlock_unlock_rw, NULL);
	for (i = 0; i < 5; i++)
		T_EQ(want[i], wait_blocked_sleeping(dl_ids[i]));
	gsched_join(dl_ids[0], NULL);		/* never returns */
	t_fail(__LINE__, "join returned", 0, 1);
	return 0;
}

TEST(deadlock_report_wait_reasons)
{
	RUN_DEADLOCK(&one_p, deadlock_reasons_main);
	EXPECT_TRUE(klog_task_waits(inst_id, main_id, "join", true));
	EXPECT_TRUE(klog_task_waits(inst_id, dl_ids[0], "mutex", false));
	EXPECT_TRUE(klog_task_waits(inst_id, dl_ids[1], "wait group", false));
	EXPECT_TRUE(klog_task_waits(inst_id, dl_ids[2], "cond", false));
	EXPECT_TRUE(klog_task_waits(inst_id, dl_ids[3], "rwmutex read lock",
				    false));
	EXPECT_TRUE(klog_task_waits(inst_id, dl_ids[4], "rwmutex lock", false));
}

/* ==== a writer that gave up (timeout) lets the queued readers in ==== */

static atomic_int r_in;
static int r_in_while_read_held = -1, r_in_after_runlock = -1;

static gsched_chan_t give_up;

/*
 * A writer that waits for the write lock until give_up is closed: main
 * closes it once the reader has queued behind the writer. (A timeout
 * here raced with the reader on a slow guest: when it ran out before
 * the reader got to its wait, the reader never queued behind a writer.)
 */
static long giving_up_wlock(void *arg)
{
	struct gsched_select_case c[2] = {
		{ .dir = GSCHED_SEL_WLOCK_WORD, .buf = (uintptr_t)&rw },
		{ .handle = give_up, .dir = GSCHED_SEL_RECV },
	};

	return gsched_select(c, 2, 0, 0, NULL);
}

static long rlock_flag(void *arg)
{
	if (gsched_rwmutex_rlock(&rw))
		return -1;
	atomic_store(&r_in, 1);
	return gsched_rwmutex_runlock(&rw) ? -2 : 0;
}

static long writer_gave_up_main(void *arg)
{
	int w, r;

	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	T_EQ(0, gsched_chan_make(&give_up, 1, 0));
	w = spawn_j(giving_up_wlock, NULL);
	/* a lock case with one receive reports as the lock's wait */
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(w));
	r = spawn_j(rlock_flag, NULL);
	/* behind the writer */
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(r));
	T_EQ(0, gsched_chan_close(give_up));
	/* the writer gave up: the done case fired */
	T_EQ(1, join_val(w));
	/* no writer waits any more: the reader shares the read lock */
	r_in_while_read_held = flag_within_1s(&r_in);
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	r_in_after_runlock = flag_within_1s(&r_in);
	if (!atomic_load(&r_in)) {
		/* unstick it: a write unlock admits the queued readers */
		T_EQ(0, gsched_rwmutex_trylock(&rw));
		T_EQ(0, gsched_rwmutex_unlock(&rw));
	}
	T_EQ(0, join_val(r));
	T_EQ(0, gsched_chan_release(give_up));
	return 0;
}

TEST(rwmutex_writer_gave_up_readers_get_in)
{
	RUN_OK(&two_p, writer_gave_up_main);
	EXPECT_EQ(1, r_in_while_read_held);
	EXPECT_EQ(1, r_in_after_runlock);
}

/* ==== objects released while tasks wait on them ==== */

static long release_while_waited_main(void *arg)
{
	int ids[4], i;

	T_EQ(0, gsched_mutex_init(&m));
	T_EQ(0, gsched_mutex_init(&m2));
	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_wg_init(&wg));
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, gsched_rwmutex_lock(&rw));
	T_EQ(0, gsched_wg_add(&wg, 1));
	ids[0] = spawn_j(lock_m, NULL);
	ids[1] = spawn_j(wg_waiter, NULL);
	ids[2] = spawn_j(cond_wait_m2, NULL);
	ids[3] = spawn_j(rlock_rw, NULL);
	for (i = 0; i < 4; i++)
		T_GT(0, wait_blocked_sleeping(ids[i]));
	/* the handle goes; the waiter keeps the object alive */
	T_EQ(0, gsched_sync_release(cv));
	T_EQ(-EBADF, gsched_cond_broadcast(cv));
	for (i = 0; i < 4; i++)
		T_EQ(WAITING(i == 0 ? GSCHED_WAIT_MUTEX :
			     i == 1 ? GSCHED_WAIT_WAITGROUP :
			     i == 2 ? GSCHED_WAIT_COND : GSCHED_WAIT_RLOCK),
		     task_sr(ids[i]));
	return 0;	/* the runtime ends with them still waiting */
}

TEST(release_while_waited)
{
	RUN_OK(&two_p, release_while_waited_main);
}

/* ==== sync cases in select: bad cases, default and timeout ==== */

/* The GSCHED_0.2 kernel handle mutex and wait group, through the ioctls. */
static int ksync(uint32_t op, uint32_t h, int64_t arg, uint32_t *out)
{
	struct gsched_sync_op o = { .worker = GSCHED_NO_WORKER, .op = op,
				    .handle = h, .arg = arg };
	int ret = ioctl(gsched_fd(), GSCHED_IOC_SYNC, &o) ? -errno : 0;

	if (!ret && out)
		*out = o.handle;
	return ret;
}

static int kmake(uint32_t kind, uint32_t *h)
{
	return ksync(GSCHED_SYNC_MAKE, 0, kind, h);
}

static int ktrylock(uint32_t h)
{
	return ksync(GSCHED_SYNC_TRYLOCK, h, 0, NULL);
}

static int kunlock(uint32_t h)
{
	return ksync(GSCHED_SYNC_UNLOCK, h, 0, NULL);
}

static int klock(uint32_t h)
{
	struct gsched_select_case c = { .handle = h, .dir = GSCHED_SEL_LOCK };

	return gsched_select(&c, 1, 0, 0, NULL);
}

static int sel1(uint32_t h, uint32_t dir, uint64_t buf, unsigned int flags,
		uint64_t timeout)
{
	struct gsched_select_case c = { .handle = h, .dir = dir, .buf = buf };

	return gsched_select(&c, 1, flags, timeout, NULL);
}

static long select_cases_main(void *arg)
{
	struct gsched_select_case two[2];
	gsched_chan_t ch;
	gsched_cond_t cv2;
	uint32_t km, kwg, krw;	/* kernel handle objects for the cases */
	long v = 7;

	T_EQ(0, kmake(GSCHED_SYNC_MUTEX, &km));
	T_EQ(0, kmake(GSCHED_SYNC_WAITGROUP, &kwg));
	T_EQ(0, kmake(GSCHED_SYNC_RWMUTEX, &krw));
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(0, gsched_cond_init(&cv2));
	T_EQ(0, gsched_chan_make(&ch, sizeof(long), 1));

	/* a case on an object of the wrong kind */
	T_EQ(-EINVAL, sel1(kwg, GSCHED_SEL_LOCK, 0, 0, 0));
	T_EQ(-EINVAL, sel1(krw, GSCHED_SEL_LOCK, 0, 0, 0));
	T_EQ(-EINVAL, sel1(ch, GSCHED_SEL_LOCK, 0, 0, 0));
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_RLOCK, 0, 0, 0));
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_WLOCK, 0, 0, 0));
	T_EQ(-EINVAL, sel1(cv, GSCHED_SEL_WGWAIT, 0, 0, 0));
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_CONDWAIT, km, 0, 0));
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_RECV, 0, 0, 0));
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_SEND, (uintptr_t)&v, 0, 0));
	/* forged handles */
	T_EQ(-EBADF, sel1(0x7ffffff0, GSCHED_SEL_LOCK, 0, 0, 0));
	T_EQ(-EBADF, sel1(0x7ffffff0, GSCHED_SEL_WGWAIT, 0, 0, 0));
	/* bad directions */
	T_EQ(-EINVAL, sel1(km, 0, 0, 0, 0));
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_MAX + 1, 0, 0, 0));
	/* buf only belongs to CONDWAIT (the mutex) among sync cases */
	T_EQ(-EINVAL, sel1(km, GSCHED_SEL_LOCK, 1, 0, 0));
	T_EQ(-EINVAL, sel1(krw, GSCHED_SEL_RLOCK, km, 0, 0));
	T_EQ(-EINVAL, sel1(kwg, GSCHED_SEL_WGWAIT, (uintptr_t)&v, 0, 0));

	/* CONDWAIT: buf must name a mutex; one CONDWAIT per select */
	T_EQ(0, klock(km));
	T_EQ(-EINVAL, sel1(cv, GSCHED_SEL_CONDWAIT, kwg, 0, 0));
	T_EQ(-EINVAL, sel1(cv, GSCHED_SEL_CONDWAIT, krw, 0, 0));
	T_EQ(-EINVAL, sel1(cv, GSCHED_SEL_CONDWAIT, ch, 0, 0));
	T_EQ(-EBADF, sel1(cv, GSCHED_SEL_CONDWAIT, 0x7ffffff0, 0, 0));
	two[0] = (struct gsched_select_case){ cv, GSCHED_SEL_CONDWAIT, km };
	two[1] = (struct gsched_select_case){ cv2, GSCHED_SEL_CONDWAIT, km };
	T_EQ(-EINVAL, gsched_select(two, 2, 0, 0, NULL));
	two[1] = two[0];
	T_EQ(-EINVAL, gsched_select(two, 2, 0, 0, NULL));
	/* a word mutex that is not locked: refused, as Go's fatal error */
	T_EQ(-EPERM, gsched_cond_wait(cv, &m2));
	/* a refused cond wait unlocked nothing */
	T_EQ(-EBUSY, ktrylock(km));
	T_EQ(0, kunlock(km));

	/* good cases with default */
	T_EQ(0, sel1(km, GSCHED_SEL_LOCK, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(-EAGAIN, sel1(km, GSCHED_SEL_LOCK, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(0, kunlock(km));
	T_EQ(0, sel1(kwg, GSCHED_SEL_WGWAIT, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(0, sel1(krw, GSCHED_SEL_RLOCK, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(-EAGAIN, sel1(krw, GSCHED_SEL_WLOCK, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(0, ksync(GSCHED_SYNC_RUNLOCK, krw, 0, NULL));
	T_EQ(0, sel1(krw, GSCHED_SEL_WLOCK, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(-EAGAIN, sel1(krw, GSCHED_SEL_RLOCK, 0, GSCHED_SELECT_DEFAULT, 0));
	T_EQ(0, kunlock(krw));
	/* a cond wait with a timeout: the mutex is unlocked either way */
	T_EQ(0, klock(km));
	T_EQ(-ETIMEDOUT, sel1(cv, GSCHED_SEL_CONDWAIT, km,
			      GSCHED_SELECT_TIMEOUT, 5 * MS));
	T_EQ(0, ktrylock(km));
	T_EQ(-EAGAIN, sel1(cv, GSCHED_SEL_CONDWAIT, km,
			   GSCHED_SELECT_DEFAULT, 0));
	T_EQ(0, ktrylock(km));
	T_EQ(0, kunlock(km));
	/* a lock case with a ready channel case: one of them */
	T_EQ(0, gsched_chan_send(ch, &v));
	T_EQ(0, klock(km));
	two[0] = (struct gsched_select_case){ km, GSCHED_SEL_LOCK, 0 };
	two[1] = GSCHED_RECV(ch, &v);
	T_EQ(1, gsched_select(two, 2, 0, 0, NULL));
	T_EQ(0, kunlock(km));
	return 0;
}

TEST(select_sync_cases)
{
	RUN_OK(&one_p, select_cases_main);
}

/* ==== bad input through the raw ioctls ==== */

static int raw_sync(int fd, __u32 op, __u32 h, __s64 arg, __s64 *value)
{
	struct gsched_sync_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = op,
		.handle = h,
		.arg = arg,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SYNC, &o);

	if (!ret && value)
		*value = o.value;
	return ret;
}

static int raw_make_sync(int fd, __s64 kind, __u32 *h)
{
	struct gsched_sync_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = GSCHED_SYNC_MAKE,
		.arg = kind,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SYNC, &o);

	if (!ret && h)
		*h = o.handle;
	return ret;
}

static int raw_make_chan(int fd, __u32 *h)
{
	struct gsched_chan_make mk = { .elem_size = 8, .cap = 1 };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &mk);

	if (!ret)
		*h = mk.handle;
	return ret;
}

/* every op but MAKE, with the arg each takes */
static const __u32 sync_ops[] = {
	GSCHED_SYNC_RELEASE, GSCHED_SYNC_UNLOCK, GSCHED_SYNC_TRYLOCK,
	GSCHED_SYNC_RUNLOCK, GSCHED_SYNC_RTRYLOCK, GSCHED_SYNC_ADD,
	GSCHED_SYNC_SIGNAL, GSCHED_SYNC_BROADCAST,
};

static __s64 op_arg(__u32 op)
{
	return op == GSCHED_SYNC_ADD ? 1 : 0;
}

TEST_F(raw, sync_bad_op_and_fields)
{
	struct gsched_sync_op o;
	__u32 h;

	ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_MUTEX, &h));
	EXPECT_EQ(-EINVAL, raw_sync(self->fd, 0, h, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_sync(self->fd, GSCHED_SYNC_OP_MAX + 1, h, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, raw_sync(self->fd, 0xffffffff, h, 0, NULL));
	o = (struct gsched_sync_op){ .flags = 1, .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_SYNC_TRYLOCK, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &o));
	o = (struct gsched_sync_op){ .flags = 0x80000000,
				     .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_SYNC_MAKE,
				     .arg = GSCHED_SYNC_MUTEX };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &o));
	o = (struct gsched_sync_op){ .__reserved = 1,
				     .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_SYNC_TRYLOCK, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &o));
	/* the refused calls did nothing: the mutex is still free */
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, h, 0, NULL));
	EXPECT_EQ(-EBUSY, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, h, 0, NULL));
	/* worker: an index nobody registered, or out of range */
	o = (struct gsched_sync_op){ .worker = 0, .op = GSCHED_SYNC_UNLOCK,
				     .handle = h };
	EXPECT_EQ(-EPERM, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &o));
	o = (struct gsched_sync_op){ .worker = 7, .op = GSCHED_SYNC_UNLOCK,
				     .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &o));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_UNLOCK, h, 0, NULL));
}

TEST_F(raw, sync_make_bad_kind)
{
	struct gsched_sync_op o;
	__u32 h[4];
	int k;

	EXPECT_EQ(-EINVAL, raw_make_sync(self->fd, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_make_sync(self->fd, GSCHED_SYNC_COND + 1, NULL));
	EXPECT_EQ(-EINVAL, raw_make_sync(self->fd, -1, NULL));
	EXPECT_EQ(-EINVAL, raw_make_sync(self->fd,
					 (1LL << 32) | GSCHED_SYNC_MUTEX,
					 NULL));
	/* MAKE takes no handle */
	o = (struct gsched_sync_op){ .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_SYNC_MAKE, .handle = 1,
				     .arg = GSCHED_SYNC_MUTEX };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &o));
	for (k = 0; k < 4; k++) {
		ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_MUTEX + k,
					   &h[k]));
		EXPECT_NE(0U, h[k]);
		if (k)
			EXPECT_NE(h[k - 1], h[k]);
	}
}

TEST_F(raw, sync_arg_on_argless_ops)
{
	__u32 h[4];
	unsigned int j;
	int k;

	for (k = 0; k < 4; k++)
		ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_MUTEX + k,
					   &h[k]));
	for (k = 0; k < 4; k++)
		for (j = 0; j < ARRAY_SIZE(sync_ops); j++) {
			if (sync_ops[j] == GSCHED_SYNC_ADD)
				continue;
			EXPECT_EQ(-EINVAL, raw_sync(self->fd, sync_ops[j],
						    h[k], 1, NULL))
				TH_LOG("op %u kind %d", sync_ops[j], k + 1);
		}
	/* nothing was released by the refused RELEASEs */
	for (k = 0; k < 4; k++)
		EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RELEASE, h[k], 0,
				      NULL));
}

TEST_F(raw, sync_forged_handles)
{
	static const __u32 forged[] = { 0, 4242, 0x7fffffff, 0xffffffff };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(forged); i++)
		for (j = 0; j < ARRAY_SIZE(sync_ops); j++)
			EXPECT_EQ(-EBADF, raw_sync(self->fd, sync_ops[j],
						   forged[i],
						   op_arg(sync_ops[j]), NULL))
				TH_LOG("op %u handle %u", sync_ops[j],
				       forged[i]);
}

TEST_F(raw, sync_wrong_type_handles)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };
	struct gsched_ctx_op co = { .op = GSCHED_CTX_MAKE };
	struct gsched_chan_op cop;
	__u32 other[3], mu;
	unsigned int i, j;
	long v = 1;

	ASSERT_EQ(0, raw_make_chan(self->fd, &other[0]));
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_SPAWN, &sp));
	other[1] = sp.id;
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &co));
	other[2] = co.handle;
	/* a channel, a task or a context is not a sync object */
	for (i = 0; i < ARRAY_SIZE(other); i++)
		for (j = 0; j < ARRAY_SIZE(sync_ops); j++)
			EXPECT_EQ(-EINVAL, raw_sync(self->fd, sync_ops[j],
						    other[i],
						    op_arg(sync_ops[j]), NULL))
				TH_LOG("op %u on object %u", sync_ops[j], i);
	/* and a mutex is not a channel */
	ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_MUTEX, &mu));
	cop = (struct gsched_chan_op){ .worker = GSCHED_NO_WORKER,
				       .op = GSCHED_CHAN_TRYSEND, .handle = mu,
				       .buf = (__u64)(uintptr_t)&v };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &cop));
	cop = (struct gsched_chan_op){ .worker = GSCHED_NO_WORKER,
				       .op = GSCHED_CHAN_CLOSE, .handle = mu };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &cop));
	cop = (struct gsched_chan_op){ .worker = GSCHED_NO_WORKER,
				       .op = GSCHED_CHAN_RELEASE, .handle = mu };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &cop));
	/* nor a context parent */
	co = (struct gsched_ctx_op){ .op = GSCHED_CTX_MAKE, .handle = mu };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &co));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, mu, 0, NULL));
}

TEST_F(raw, sync_wrong_kind)
{
	/* for each kind, the ops that do not fit it */
	static const struct { __s64 kind; __u32 ops[6]; } bad[] = {
		{ GSCHED_SYNC_MUTEX, { GSCHED_SYNC_RUNLOCK,
				       GSCHED_SYNC_RTRYLOCK, GSCHED_SYNC_ADD,
				       GSCHED_SYNC_SIGNAL,
				       GSCHED_SYNC_BROADCAST } },
		{ GSCHED_SYNC_RWMUTEX, { GSCHED_SYNC_ADD, GSCHED_SYNC_SIGNAL,
					 GSCHED_SYNC_BROADCAST } },
		{ GSCHED_SYNC_WAITGROUP, { GSCHED_SYNC_UNLOCK,
					   GSCHED_SYNC_TRYLOCK,
					   GSCHED_SYNC_RUNLOCK,
					   GSCHED_SYNC_RTRYLOCK,
					   GSCHED_SYNC_SIGNAL,
					   GSCHED_SYNC_BROADCAST } },
		{ GSCHED_SYNC_COND, { GSCHED_SYNC_UNLOCK, GSCHED_SYNC_TRYLOCK,
				      GSCHED_SYNC_RUNLOCK,
				      GSCHED_SYNC_RTRYLOCK,
				      GSCHED_SYNC_ADD } },
	};
	unsigned int i, j;
	__u32 h;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(0, raw_make_sync(self->fd, bad[i].kind, &h));
		for (j = 0; j < 6 && bad[i].ops[j]; j++)
			EXPECT_EQ(-EINVAL, raw_sync(self->fd, bad[i].ops[j], h,
						    op_arg(bad[i].ops[j]),
						    NULL))
				TH_LOG("op %u on kind %lld", bad[i].ops[j],
				       (long long)bad[i].kind);
		EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RELEASE, h, 0,
				      NULL));
	}
}

TEST_F(raw, sync_release_twice)
{
	__u32 h;
	int k;

	for (k = GSCHED_SYNC_MUTEX; k <= GSCHED_SYNC_COND; k++) {
		ASSERT_EQ(0, raw_make_sync(self->fd, k, &h));
		EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RELEASE, h, 0,
				      NULL));
		EXPECT_EQ(-EBADF, raw_sync(self->fd, GSCHED_SYNC_RELEASE, h, 0,
					   NULL));
		EXPECT_EQ(-EBADF, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, h, 0,
					   NULL));
	}
}

TEST_F(raw, sync_raw_semantics)
{
	__u32 mu, w, rwh;
	__s64 v = -1;

	ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_WAITGROUP, &w));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_ADD, w, 5, &v));
	EXPECT_EQ(5, v);
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_ADD, w, -2, &v));
	EXPECT_EQ(3, v);
	EXPECT_EQ(-ERANGE, raw_sync(self->fd, GSCHED_SYNC_ADD, w, -4, NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_ADD, w, 0, &v));
	EXPECT_EQ(3, v);
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_ADD, w, -3, &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_ADD, w, INT64_MAX, &v));
	EXPECT_EQ(INT64_MAX, v);
	EXPECT_EQ(-ERANGE, raw_sync(self->fd, GSCHED_SYNC_ADD, w, 1, NULL));
	EXPECT_EQ(-ERANGE, raw_sync(self->fd, GSCHED_SYNC_ADD, w, INT64_MIN,
				    NULL));

	ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_MUTEX, &mu));
	EXPECT_EQ(-EPERM, raw_sync(self->fd, GSCHED_SYNC_UNLOCK, mu, 0, NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, mu, 0, NULL));
	EXPECT_EQ(-EBUSY, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, mu, 0, NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_UNLOCK, mu, 0, NULL));
	EXPECT_EQ(-EPERM, raw_sync(self->fd, GSCHED_SYNC_UNLOCK, mu, 0, NULL));

	ASSERT_EQ(0, raw_make_sync(self->fd, GSCHED_SYNC_RWMUTEX, &rwh));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RTRYLOCK, rwh, 0, NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RTRYLOCK, rwh, 0, NULL));
	EXPECT_EQ(-EBUSY, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, rwh, 0,
				   NULL));
	EXPECT_EQ(-EPERM, raw_sync(self->fd, GSCHED_SYNC_UNLOCK, rwh, 0, NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RUNLOCK, rwh, 0, NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_RUNLOCK, rwh, 0, NULL));
	EXPECT_EQ(-EPERM, raw_sync(self->fd, GSCHED_SYNC_RUNLOCK, rwh, 0,
				   NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_TRYLOCK, rwh, 0, NULL));
	EXPECT_EQ(-EPERM, raw_sync(self->fd, GSCHED_SYNC_RUNLOCK, rwh, 0,
				   NULL));
	EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_UNLOCK, rwh, 0, NULL));
}

/* Closing the instance with objects still locked and waited on is fine. */
TEST_F(raw, sync_teardown_with_objects)
{
	__u32 h;
	int k, i;

	for (i = 0; i < 50; i++)
		for (k = GSCHED_SYNC_MUTEX; k <= GSCHED_SYNC_COND; k++) {
			ASSERT_EQ(0, raw_make_sync(self->fd, k, &h));
			if (k == GSCHED_SYNC_MUTEX)
				EXPECT_EQ(0, raw_sync(self->fd,
						      GSCHED_SYNC_TRYLOCK, h,
						      0, NULL));
			if (k == GSCHED_SYNC_WAITGROUP)
				EXPECT_EQ(0, raw_sync(self->fd, GSCHED_SYNC_ADD,
						      h, 3, NULL));
		}
}

/* ==== sysfs sync_objects: kernel sync handles, so leaks show ==== */

static long sync_objects_main(void *arg)
{
	int id = gsched_instance_id();
	long long base = gs_sysfs_inst(id, "sync_objects");
	uint32_t h[3];
	gsched_cond_t c;
	gsched_mutex_t mu = GSCHED_MUTEX_INIT;
	int i;

	T_GE(0, base);
	for (i = 0; i < 3; i++)
		T_EQ(0, kmake(GSCHED_SYNC_MUTEX + i, &h[i]));
	T_EQ(0, gsched_cond_init(&c));
	T_EQ(base + 4, gs_sysfs_inst(id, "sync_objects"));
	/* a mutex word is no kernel object, even while held */
	T_EQ(0, gsched_mutex_lock(&mu));
	T_EQ(base + 4, gs_sysfs_inst(id, "sync_objects"));
	T_EQ(0, gsched_mutex_unlock(&mu));
	for (i = 0; i < 3; i++)
		T_EQ(0, gsched_sync_release(h[i]));
	T_EQ(-EBADF, gsched_sync_release(h[0]));	/* counted once */
	T_EQ(base + 1, gs_sysfs_inst(id, "sync_objects"));
	T_EQ(0, gsched_sync_release(c));
	T_EQ(base, gs_sysfs_inst(id, "sync_objects"));
	return 0;
}

TEST(sync_objects_counted)
{
	RUN_OK(&two_p, sync_objects_main);
}

TEST_HARNESS_MAIN
