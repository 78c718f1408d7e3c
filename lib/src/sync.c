// SPDX-License-Identifier: MIT
/*
 * libgsched sync objects. Mutex, RWMutex and WaitGroup are words in the
 * program's memory (Go's zero values), Once a flag plus such a mutex, as
 * Go's sync.Once; Cond is a kernel object named by a handle.
 * Blocking calls are selects, so the context variants (ctx.c) are the
 * same call with the context's done channel as a second case.
 *
 * The words (module/word.c has the full argument): user space only does
 * the operations that never wait, each one CAS, and leaves everything
 * else to the module with the word's address. The module sets WAITERS
 * (and STARVING) under its queue's lock before a task parks, so:
 *  - unlock's CAS LOCKED -> 0 fails once anybody waits: the unlocker
 *    enters the module, which wakes or hands over. Its CAS either comes
 *    before the waiter's CAS that sets WAITERS (the waiter then sees the
 *    lock free and takes it) or after (the unlocker sees WAITERS): one
 *    word, no lost wakeup.
 *  - done's CAS to a counter of 0 on a word with WAITERS enters the
 *    module, which wakes every waiter; a CAS that finds no WAITERS came
 *    before any waiter's, which then sees the counter at 0.
 *  - an rwmutex's last reader out (READERS 1 -> 0) and a writer's unlock
 *    (WRITER -> 0) CAS exact values that fail once a waiter has set
 *    WWAIT or RWAIT, and new readers' CAS fails on WWAIT: writer
 *    preference, and the one releaser that must wake enters the module.
 * Ordering of the data the locks protect: lock's (and rlock's) CAS is an
 * acquire, unlock's (and runlock's) a release; add/done a release-acquire CAS, wait's load an
 * acquire. Through the module, its locked CAS (a full barrier) and the
 * wakeup order the same way.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>

#include "internal.h"

/* GSCHED_NO_FASTPATH=1: every word operation goes to the module */
static bool gs_nofast;

__attribute__((constructor)) static void gs_sync_env(void)
{
	const char *e = getenv("GSCHED_NO_FASTPATH");

	gs_nofast = e && *e && *e != '0';
}

/* a word the module could not touch now (fault, churn): tries per call */
#define GS_WORD_TRIES	16

static int gs_sync_op(uint32_t op, uint32_t handle, int64_t arg,
		      int64_t *value)
{
	struct gs_worker *w = gs_cur();
	struct gsched_sync_op o = {
		.worker = w ? w->index : GSCHED_NO_WORKER,
		.op = op,
		.handle = handle,
		.arg = arg,
	};
	int ret;

	if (gsched_fd() < 0)
		return -ENXIO;
	ret = gs_ioctl(GSCHED_IOC_SYNC, &o);
	if (!ret && value)
		*value = o.value;
	return ret;
}

static int gs_sync_make(uint32_t *h, uint32_t kind)
{
	struct gsched_sync_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = GSCHED_SYNC_MAKE,
		.arg = kind,
	};
	int ret;

	if (!h)
		return -EINVAL;
	if (gsched_fd() < 0)
		return -ENXIO;
	ret = gs_ioctl(GSCHED_IOC_SYNC, &o);
	if (!ret)
		*h = o.handle;
	return ret;
}

/* A blocking sync call: a select with one case (plus an optional done). */
int gs_sync_wait(uint32_t dir, uint32_t handle, uint64_t buf,
		 gsched_chan_t done)
{
	struct gsched_select_case c[2] = {
		{ .handle = handle, .dir = dir, .buf = buf },
		{ .handle = done, .dir = GSCHED_SEL_RECV },
	};
	/* 0: got it; 1: the done channel fired; < 0: refused */
	return gsched_select(c, done ? 2 : 1, 0, 0, NULL);
}

static int gs_word_op(uint32_t op, void *addr, int64_t arg)
{
	struct gs_worker *w = gs_cur();
	struct gsched_word_op o = {
		.worker = w ? w->index : GSCHED_NO_WORKER,
		.op = op,
		.addr = (uint64_t)(uintptr_t)addr,
		.arg = arg,
	};
	int ret, i;

	if (gsched_fd() < 0)
		return -ENXIO;
	/*
	 * -EAGAIN: the word kept changing under the module, or an rwmutex
	 * hand-off is storing the word after a fault; nothing done. Let the
	 * other CPU get on with it between tries.
	 */
	for (i = 0; i < GS_WORD_TRIES; i++) {
		if (i)
			sched_yield();
		ret = gs_ioctl(GSCHED_IOC_WORD, &o);
		if (ret != -EAGAIN)
			break;
	}
	return ret;
}

/* A blocking word call: a select on the word (plus an optional done). */
int gs_word_wait(uint32_t dir, uint32_t handle, void *addr,
		 gsched_chan_t done)
{
	struct gsched_select_case c[2] = {
		{ .handle = handle, .dir = dir,
		  .buf = (uint64_t)(uintptr_t)addr },
		{ .handle = done, .dir = GSCHED_SEL_RECV },
	};

	/* 0: got it; 1: the done channel fired; < 0: refused */
	return gsched_select(c, done ? 2 : 1, 0, 0, NULL);
}

static bool gs_mutex_fast(gsched_mutex_t *m)
{
	uint32_t old = 0;

	return !gs_nofast &&
	       __atomic_compare_exchange_n(&m->state, &old,
					   GSCHED_MUTEX_LOCKED, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

/*
 * Lock in the module (-EAGAIN from it: it met a fault or a word that
 * would not hold still, and did nothing; the select faults the word in
 * on the next try).
 */
int gs_mutex_lock_slow(gsched_mutex_t *m, gsched_chan_t done)
{
	int ret = -EAGAIN, i;

	for (i = 0; i < GS_WORD_TRIES && ret == -EAGAIN; i++) {
		if (i && gs_mutex_fast(m))
			return 0;
		ret = gs_word_wait(GSCHED_SEL_LOCK_WORD, 0, m, done);
	}
	return ret;
}

GS_API int gsched_mutex_init(gsched_mutex_t *m)
{
	if (!m)
		return -EINVAL;
	__atomic_store_n(&m->state, 0, __ATOMIC_RELAXED);
	return 0;
}

GS_API int gsched_mutex_lock(gsched_mutex_t *m)
{
	if (!m)
		return -EINVAL;
	if (gs_mutex_fast(m))
		return 0;
	return gs_mutex_lock_slow(m, 0);
}

GS_API int gsched_mutex_trylock(gsched_mutex_t *m)
{
	uint32_t old;

	if (!m)
		return -EINVAL;
	if (gs_nofast)
		return gs_word_op(GSCHED_WORD_TRYLOCK, m, 0);
	/* Go's TryLock: barge unless locked or handing off */
	old = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
	if (old & (GSCHED_MUTEX_LOCKED | GSCHED_MUTEX_STARVING))
		return -EBUSY;
	if (__atomic_compare_exchange_n(&m->state, &old,
					old | GSCHED_MUTEX_LOCKED, false,
					__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return 0;
	return -EBUSY;
}

static int gs_mutex_unlock(gsched_mutex_t *m)
{
	uint32_t old = GSCHED_MUTEX_LOCKED;

	if (!m)
		return -EINVAL;
	if (!gs_nofast) {
		/* (B) of module/word.c: fails once WAITERS is set */
		if (__atomic_compare_exchange_n(&m->state, &old, 0, false,
						__ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
		if (!(old & GSCHED_MUTEX_LOCKED))
			return -EPERM;
	}
	/* waiters or hand-off mode: the module wakes or hands over */
	return gs_word_op(GSCHED_WORD_UNLOCK, m, 0);
}

/* Go 1.19's sync.fatal() messages (mutex.go, rwmutex.go) */
#define GS_UNLOCK_UNLOCKED	"sync: unlock of unlocked mutex"

GS_API int gsched_mutex_unlock(gsched_mutex_t *m)
{
	return gs_misuse(gs_mutex_unlock(m), -EPERM, GS_FATAL,
			 GS_UNLOCK_UNLOCKED);
}

/*
 * RWMutex words (module/word.c has the layout and the argument). Read
 * lock: READERS + 1 while no writer holds, waits for or is handed the
 * lock, and nobody is queued; -EBUSY: it is not free for us; -EAGAIN:
 * READERS is full. Bounded: the CAS fails only when another reader came
 * or went (or a scribbler), and then the module decides.
 */
static int gs_rw_rfast(gsched_rwmutex_t *rw)
{
	uint32_t old = __atomic_load_n(&rw->state, __ATOMIC_RELAXED);
	int i;

	for (i = 0; i < GS_WORD_TRIES; i++) {
		if (old & (GSCHED_RW_WRITER | GSCHED_RW_WWAIT | GSCHED_RW_RWAIT))
			return -EBUSY;
		if ((old & GSCHED_RW_READERS) == GSCHED_RW_READERS)
			return -EAGAIN;
		if (__atomic_compare_exchange_n(&rw->state, &old, old + 1,
						false, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
	}
	return -EBUSY;
}

static bool gs_rw_wfast(gsched_rwmutex_t *rw)
{
	uint32_t old = 0;

	return __atomic_compare_exchange_n(&rw->state, &old, GSCHED_RW_WRITER,
					   false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

/* Lock in the module (-EAGAIN: see gs_mutex_lock_slow()). */
int gs_rw_lock_slow(gsched_rwmutex_t *rw, bool rd, gsched_chan_t done)
{
	int ret = -EAGAIN, i;

	for (i = 0; i < GS_WORD_TRIES && ret == -EAGAIN; i++) {
		if (i)
			sched_yield();	/* see gs_word_op() */
		if (i && !gs_nofast && (rd ? !gs_rw_rfast(rw) : gs_rw_wfast(rw)))
			return 0;
		ret = gs_word_wait(rd ? GSCHED_SEL_RLOCK_WORD :
				   GSCHED_SEL_WLOCK_WORD, 0, rw, done);
	}
	return ret;
}

GS_API int gsched_rwmutex_init(gsched_rwmutex_t *rw)
{
	if (!rw)
		return -EINVAL;
	__atomic_store_n(&rw->state, 0, __ATOMIC_RELAXED);
	return 0;
}

GS_API int gsched_rwmutex_rlock(gsched_rwmutex_t *rw)
{
	if (!rw)
		return -EINVAL;
	if (!gs_nofast && !gs_rw_rfast(rw))
		return 0;
	return gs_rw_lock_slow(rw, true, 0);
}

GS_API int gsched_rwmutex_tryrlock(gsched_rwmutex_t *rw)
{
	int ret;

	if (!rw)
		return -EINVAL;
	if (!gs_nofast) {
		ret = gs_rw_rfast(rw);
		/* only RWAIT, no writer: the module knows whether it is stale */
		if (ret != -EBUSY ||
		    (__atomic_load_n(&rw->state, __ATOMIC_RELAXED) &
		     (GSCHED_RW_WRITER | GSCHED_RW_WWAIT)))
			return ret;
	}
	return gs_word_op(GSCHED_WORD_RTRYLOCK, rw, 0);
}

static int gs_rwmutex_runlock(gsched_rwmutex_t *rw)
{
	uint32_t old, n;
	int i;

	if (!rw)
		return -EINVAL;
	old = __atomic_load_n(&rw->state, __ATOMIC_RELAXED);
	for (i = 0; !gs_nofast && i < GS_WORD_TRIES; i++) {
		n = old & GSCHED_RW_READERS;
		if (!n)
			return -EPERM;
		/* (B) of module/word.c: the last reader out with waiters */
		if ((old & GSCHED_RW_WRITER) ||
		    (n == 1 && (old & (GSCHED_RW_WWAIT | GSCHED_RW_RWAIT))))
			break;
		if (__atomic_compare_exchange_n(&rw->state, &old, old - 1,
						false, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
	}
	return gs_word_op(GSCHED_WORD_RUNLOCK, rw, 0);
}

GS_API int gsched_rwmutex_runlock(gsched_rwmutex_t *rw)
{
	return gs_misuse(gs_rwmutex_runlock(rw), -EPERM, GS_FATAL,
			 "sync: RUnlock of unlocked RWMutex");
}

GS_API int gsched_rwmutex_lock(gsched_rwmutex_t *rw)
{
	if (!rw)
		return -EINVAL;
	if (!gs_nofast && gs_rw_wfast(rw))
		return 0;
	return gs_rw_lock_slow(rw, false, 0);
}

GS_API int gsched_rwmutex_trylock(gsched_rwmutex_t *rw)
{
	uint32_t old;

	if (!rw)
		return -EINVAL;
	if (!gs_nofast) {
		if (gs_rw_wfast(rw))
			return 0;
		old = __atomic_load_n(&rw->state, __ATOMIC_RELAXED);
		if (old & (GSCHED_RW_WRITER | GSCHED_RW_WWAIT |
			   GSCHED_RW_READERS))
			return -EBUSY;
	}
	/* free but for bits the module may hold stale: it decides */
	return gs_word_op(GSCHED_WORD_RWTRYLOCK, rw, 0);
}

static int gs_rwmutex_unlock(gsched_rwmutex_t *rw)
{
	uint32_t old = GSCHED_RW_WRITER;

	if (!rw)
		return -EINVAL;
	if (!gs_nofast) {
		/* fails once a waiter has set RWAIT or WWAIT */
		if (__atomic_compare_exchange_n(&rw->state, &old, 0, false,
						__ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
		if (!(old & GSCHED_RW_WRITER))
			return -EPERM;
	}
	/* waiters: the module lets the readers in, or the next writer */
	return gs_word_op(GSCHED_WORD_RWUNLOCK, rw, 0);
}

GS_API int gsched_rwmutex_unlock(gsched_rwmutex_t *rw)
{
	return gs_misuse(gs_rwmutex_unlock(rw), -EPERM, GS_FATAL,
			 "sync: Unlock of unlocked RWMutex");
}

GS_API int gsched_wg_init(gsched_wg_t *wg)
{
	if (!wg)
		return -EINVAL;
	__atomic_store_n(&wg->state, 0, __ATOMIC_RELAXED);
	return 0;
}

static int gs_wg_add(gsched_wg_t *wg, long delta)
{
	uint64_t old, new;
	int64_t v;
	int i;

	if (!wg)
		return -EINVAL;
	old = __atomic_load_n(&wg->state, __ATOMIC_RELAXED);
	for (i = 0; !gs_nofast && i < GS_WORD_TRIES; i++) {
		uint32_t count = old >> GSCHED_WG_SHIFT;

		if (__builtin_add_overflow((int64_t)count, (int64_t)delta, &v) ||
		    v < 0 || v > INT32_MAX)
			return -ERANGE;
		/* somebody to wake, or maybe a reuse too early: the module */
		if (!v && (old & GSCHED_WG_WAITERS))
			break;
		if (!count && delta > 0 && (old & GSCHED_WG_WAKING))
			break;
		new = (uint64_t)v << GSCHED_WG_SHIFT | (uint32_t)old;
		if (__atomic_compare_exchange_n(&wg->state, &old, new, false,
						__ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			return 0;
	}
	return gs_word_op(GSCHED_WORD_ADD, wg, delta);
}

/*
 * Go's panics (waitgroup.go). Its counter is an int32 that wraps, so an
 * Add beyond INT32_MAX is its "negative" too. Go finds the reuse in the
 * Wait that was woken; the module finds it in the Add.
 */
GS_API int gsched_wg_add(gsched_wg_t *wg, long delta)
{
	int ret = gs_misuse(gs_wg_add(wg, delta), -ERANGE, GS_PANIC,
			    "sync: negative WaitGroup counter");

	return gs_misuse(ret, -EBUSY, GS_PANIC, "sync: WaitGroup is reused "
			 "before previous Wait has returned");
}

GS_API int gsched_wg_done(gsched_wg_t *wg)
{
	return gsched_wg_add(wg, -1);
}

static bool gs_wg_zero(gsched_wg_t *wg)
{
	return !gs_nofast &&
	       !(__atomic_load_n(&wg->state, __ATOMIC_ACQUIRE) >>
		 GSCHED_WG_SHIFT);
}

int gs_wg_wait_slow(gsched_wg_t *wg, gsched_chan_t done)
{
	int ret = -EAGAIN, i;

	for (i = 0; i < GS_WORD_TRIES && ret == -EAGAIN; i++) {
		if (i && gs_wg_zero(wg))
			return 0;
		ret = gs_word_wait(GSCHED_SEL_WGWAIT_WORD, 0, wg, done);
	}
	return ret;
}

/* 0 when the counter is 0 now, else -EAGAIN: for gsched_wg_wait_ctx() */
int gs_wg_wait_now(gsched_wg_t *wg)
{
	return gs_wg_zero(wg) ? 0 : -EAGAIN;
}

GS_API int gsched_wg_wait(gsched_wg_t *wg)
{
	if (!wg)
		return -EINVAL;
	if (gs_wg_zero(wg))
		return 0;
	return gs_wg_wait_slow(wg, 0);
}

GS_API int gsched_cond_init(gsched_cond_t *c)
{
	return gs_sync_make(c, GSCHED_SYNC_COND);
}

/*
 * A cond wait's -EPERM inside a task: @m was not locked (Go's Wait calls
 * L.Unlock(): a fatal error). Outside a task -EPERM says only that.
 */
int gs_cond_misuse(int ret)
{
	if (ret == -EPERM && gs_in_task())
		return gs_misuse(ret, -EPERM, GS_FATAL, GS_UNLOCK_UNLOCKED);
	return ret;
}

GS_API int gsched_cond_wait(gsched_cond_t c, gsched_mutex_t *m)
{
	int ret;

	if (!m)
		return -EINVAL;
	ret = gs_word_wait(GSCHED_SEL_CONDWAIT_WORD, c, m, 0);
	/*
	 * Refused (nothing was unlocked), or the module's unlock of @m
	 * failed once the task waited (-EPERM: somebody unlocked it
	 * meanwhile; -EFAULT): either way not ours to lock again.
	 */
	if (ret < 0)
		return gs_cond_misuse(ret);
	/* the module unlocked it once the task was queued: take it back */
	return gsched_mutex_lock(m);
}

GS_API int gsched_cond_signal(gsched_cond_t c)
{
	return gs_sync_op(GSCHED_SYNC_SIGNAL, c, 0, NULL);
}

GS_API int gsched_cond_broadcast(gsched_cond_t c)
{
	return gs_sync_op(GSCHED_SYNC_BROADCAST, c, 0, NULL);
}

GS_API int gsched_sync_release(uint32_t handle)
{
	return gs_sync_op(GSCHED_SYNC_RELEASE, handle, 0, NULL);
}

/*
 * Go's once.Do defers done.Store(1) and Unlock, so a function that
 * panics or calls runtime.Goexit counts as done. Here the function's task
 * may end inside it with gsched_exit(): gs_once_run() records the Once in
 * the task (its address, bit 0 set for the GSCHED_0.2 layout; no pointer
 * into the stack, so a function left by longjmp() leaves nothing that
 * dangles), and gsched_exit() completes every Once still recorded,
 * innermost first, before the task goes (gs_once_exit()). GS_ONCE_MAX
 * nested Onces are tracked; one nested deeper stays locked if its task
 * exits inside it, as every Once did before. A Do that returns drops
 * whatever was recorded above it (left by longjmp()).
 */
#define GS_ONCE_V02	((uintptr_t)1)

static void gs_once_run(uintptr_t rec, uint32_t *done, void (*fn)(void *),
			void *arg)
{
	/* a task keeps its gs_task when it moves to another worker */
	struct gs_task *t = gs_self_task();
	unsigned int n = t ? t->nonces : GS_ONCE_MAX;

	if (n < GS_ONCE_MAX) {
		t->onces[n] = rec;
		t->nonces = n + 1;
	}
	fn(arg);
	if (n < GS_ONCE_MAX)
		t->nonces = n;
	/* pairs with gsched_once()'s acquire load: fn's effects are seen */
	__atomic_store_n(done, 1, __ATOMIC_RELEASE);
}

GS_API int gsched_once(struct gsched_once *o, void (*fn)(void *), void *arg)
{
	int ret;

	/* pairs with the release in gs_once_run(): fn's effects are visible */
	if (__atomic_load_n(&o->done, __ATOMIC_ACQUIRE))
		return 0;
	ret = gsched_mutex_lock(&o->m);
	if (ret)
		return ret;
	if (!o->done)
		gs_once_run((uintptr_t)o, &o->done, fn, arg);
	return gs_mutex_unlock(&o->m);
}

/*
 * ABI GSCHED_0.2: the handle-based Mutex, RWMutex, WaitGroup and Once,
 * kept for programs linked against it (the kernel objects stay in the
 * module). New programs link the GSCHED_0.5 (GSCHED_0.6 for RWMutex)
 * versions above; the compile-time API is the new one only.
 */
#define GS_COMPAT(fn, ver) __asm__(".symver gs_compat_" #fn "," #fn "@" #ver)

/* the current versions are the default (name@@GSCHED_0.5) */
#define GS_CURRENT(fn, ver) __asm__(".symver " #fn "," #fn "@@" #ver ",remove")
GS_CURRENT(gsched_mutex_init, GSCHED_0.5);
GS_CURRENT(gsched_mutex_lock, GSCHED_0.5);
GS_CURRENT(gsched_mutex_trylock, GSCHED_0.5);
GS_CURRENT(gsched_mutex_unlock, GSCHED_0.5);
GS_CURRENT(gsched_wg_init, GSCHED_0.5);
GS_CURRENT(gsched_wg_add, GSCHED_0.5);
GS_CURRENT(gsched_wg_done, GSCHED_0.5);
GS_CURRENT(gsched_wg_wait, GSCHED_0.5);
GS_CURRENT(gsched_cond_wait, GSCHED_0.5);
GS_CURRENT(gsched_once, GSCHED_0.5);
GS_CURRENT(gsched_rwmutex_init, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_rlock, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_tryrlock, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_runlock, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_lock, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_trylock, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_unlock, GSCHED_0.6);

GS_COMPAT(gsched_mutex_init, GSCHED_0.2);
GS_API int gs_compat_gsched_mutex_init(uint32_t *m)
{
	return gs_sync_make(m, GSCHED_SYNC_MUTEX);
}

GS_COMPAT(gsched_mutex_lock, GSCHED_0.2);
GS_API int gs_compat_gsched_mutex_lock(uint32_t m)
{
	return gs_sync_wait(GSCHED_SEL_LOCK, m, 0, 0);
}

GS_COMPAT(gsched_mutex_trylock, GSCHED_0.2);
GS_API int gs_compat_gsched_mutex_trylock(uint32_t m)
{
	return gs_sync_op(GSCHED_SYNC_TRYLOCK, m, 0, NULL);
}

static int gs_compat_unlock(uint32_t m)
{
	return gs_sync_op(GSCHED_SYNC_UNLOCK, m, 0, NULL);
}

GS_COMPAT(gsched_mutex_unlock, GSCHED_0.2);
GS_API int gs_compat_gsched_mutex_unlock(uint32_t m)
{
	return gs_compat_unlock(m);
}

GS_COMPAT(gsched_wg_init, GSCHED_0.2);
GS_API int gs_compat_gsched_wg_init(uint32_t *wg)
{
	return gs_sync_make(wg, GSCHED_SYNC_WAITGROUP);
}

GS_COMPAT(gsched_wg_add, GSCHED_0.2);
GS_API int gs_compat_gsched_wg_add(uint32_t wg, long delta)
{
	return gs_sync_op(GSCHED_SYNC_ADD, wg, delta, NULL);
}

GS_COMPAT(gsched_wg_done, GSCHED_0.2);
GS_API int gs_compat_gsched_wg_done(uint32_t wg)
{
	return gs_sync_op(GSCHED_SYNC_ADD, wg, -1, NULL);
}

GS_COMPAT(gsched_wg_wait, GSCHED_0.2);
GS_API int gs_compat_gsched_wg_wait(uint32_t wg)
{
	return gs_sync_wait(GSCHED_SEL_WGWAIT, wg, 0, 0);
}

GS_COMPAT(gsched_cond_wait, GSCHED_0.2);
GS_API int gs_compat_gsched_cond_wait(gsched_cond_t c, uint32_t m)
{
	int ret = gs_sync_wait(GSCHED_SEL_CONDWAIT, c, m, 0);

	if (ret < 0)
		return ret;
	return gs_sync_wait(GSCHED_SEL_LOCK, m, 0, 0);
}

GS_COMPAT(gsched_rwmutex_init, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_init(uint32_t *rw)
{
	return gs_sync_make(rw, GSCHED_SYNC_RWMUTEX);
}

GS_COMPAT(gsched_rwmutex_rlock, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_rlock(uint32_t rw)
{
	return gs_sync_wait(GSCHED_SEL_RLOCK, rw, 0, 0);
}

GS_COMPAT(gsched_rwmutex_tryrlock, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_tryrlock(uint32_t rw)
{
	return gs_sync_op(GSCHED_SYNC_RTRYLOCK, rw, 0, NULL);
}

GS_COMPAT(gsched_rwmutex_runlock, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_runlock(uint32_t rw)
{
	return gs_sync_op(GSCHED_SYNC_RUNLOCK, rw, 0, NULL);
}

GS_COMPAT(gsched_rwmutex_lock, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_lock(uint32_t rw)
{
	return gs_sync_wait(GSCHED_SEL_WLOCK, rw, 0, 0);
}

GS_COMPAT(gsched_rwmutex_trylock, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_trylock(uint32_t rw)
{
	return gs_sync_op(GSCHED_SYNC_TRYLOCK, rw, 0, NULL);
}

GS_COMPAT(gsched_rwmutex_unlock, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_unlock(uint32_t rw)
{
	return gs_sync_op(GSCHED_SYNC_UNLOCK, rw, 0, NULL);
}

/* the GSCHED_0.2 layout of struct gsched_once */
struct gs_once_v02 {
	int done;
	uint32_t m;
};
_Static_assert(_Alignof(struct gs_once_v02) > 1 &&
	       _Alignof(struct gsched_once) > 1, "GS_ONCE_V02 needs bit 0");

GS_COMPAT(gsched_once, GSCHED_0.2);
GS_API int gs_compat_gsched_once(struct gs_once_v02 *o, void (*fn)(void *),
				 void *arg)
{
	uint32_t m, want = 0;
	int ret;

	if (__atomic_load_n(&o->done, __ATOMIC_ACQUIRE))
		return 0;
	/* the zero value works: the first caller makes the mutex */
	m = __atomic_load_n(&o->m, __ATOMIC_ACQUIRE);
	if (!m) {
		ret = gs_sync_make(&m, GSCHED_SYNC_MUTEX);
		if (ret)
			return ret;
		if (!__atomic_compare_exchange_n(&o->m, &want, m, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			gsched_sync_release(m);
			m = want;
		}
	}
	ret = gs_sync_wait(GSCHED_SEL_LOCK, m, 0, 0);
	if (ret)
		return ret;
	if (!o->done)
		gs_once_run((uintptr_t)o | GS_ONCE_V02, (uint32_t *)&o->done, fn,
			    arg);
	return gs_compat_unlock(m);
}

void gs_once_exit(struct gs_task *t)
{
	struct gs_once_v02 *old;
	struct gsched_once *o;
	uintptr_t rec;

	while (t->nonces) {
		rec = t->onces[--t->nonces];
		if (rec & GS_ONCE_V02) {
			old = (struct gs_once_v02 *)(rec & ~GS_ONCE_V02);
			__atomic_store_n(&old->done, 1, __ATOMIC_RELEASE);
			gs_compat_unlock(__atomic_load_n(&old->m,
							 __ATOMIC_RELAXED));
		} else {
			o = (struct gsched_once *)rec;
			__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
			gs_mutex_unlock(&o->m);
		}
	}
}
