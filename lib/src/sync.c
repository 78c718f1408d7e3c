// SPDX-License-Identifier: MIT
/*
 * libgsched sync objects: Mutex, RWMutex, WaitGroup, Cond (kernel
 * objects) and Once (a flag plus a mutex, as Go's sync.Once). Blocking
 * calls are one-case selects, so the context variants (ctx.c) are the
 * same call with the context's done channel as a second case.
 */
#include <errno.h>

#include "internal.h"

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

GS_API int gsched_mutex_init(gsched_mutex_t *m)
{
	return gs_sync_make(m, GSCHED_SYNC_MUTEX);
}

GS_API int gsched_mutex_lock(gsched_mutex_t m)
{
	return gs_sync_wait(GSCHED_SEL_LOCK, m, 0, 0);
}

GS_API int gsched_mutex_trylock(gsched_mutex_t m)
{
	return gs_sync_op(GSCHED_SYNC_TRYLOCK, m, 0, NULL);
}

GS_API int gsched_mutex_unlock(gsched_mutex_t m)
{
	return gs_sync_op(GSCHED_SYNC_UNLOCK, m, 0, NULL);
}

GS_API int gsched_rwmutex_init(gsched_rwmutex_t *rw)
{
	return gs_sync_make(rw, GSCHED_SYNC_RWMUTEX);
}

GS_API int gsched_rwmutex_rlock(gsched_rwmutex_t rw)
{
	return gs_sync_wait(GSCHED_SEL_RLOCK, rw, 0, 0);
}

GS_API int gsched_rwmutex_tryrlock(gsched_rwmutex_t rw)
{
	return gs_sync_op(GSCHED_SYNC_RTRYLOCK, rw, 0, NULL);
}

GS_API int gsched_rwmutex_runlock(gsched_rwmutex_t rw)
{
	return gs_sync_op(GSCHED_SYNC_RUNLOCK, rw, 0, NULL);
}

GS_API int gsched_rwmutex_lock(gsched_rwmutex_t rw)
{
	return gs_sync_wait(GSCHED_SEL_WLOCK, rw, 0, 0);
}

GS_API int gsched_rwmutex_trylock(gsched_rwmutex_t rw)
{
	return gs_sync_op(GSCHED_SYNC_TRYLOCK, rw, 0, NULL);
}

GS_API int gsched_rwmutex_unlock(gsched_rwmutex_t rw)
{
	return gs_sync_op(GSCHED_SYNC_UNLOCK, rw, 0, NULL);
}

GS_API int gsched_wg_init(gsched_wg_t *wg)
{
	return gs_sync_make(wg, GSCHED_SYNC_WAITGROUP);
}

GS_API int gsched_wg_add(gsched_wg_t wg, long delta)
{
	return gs_sync_op(GSCHED_SYNC_ADD, wg, delta, NULL);
}

GS_API int gsched_wg_done(gsched_wg_t wg)
{
	return gsched_wg_add(wg, -1);
}

GS_API int gsched_wg_wait(gsched_wg_t wg)
{
	return gs_sync_wait(GSCHED_SEL_WGWAIT, wg, 0, 0);
}

GS_API int gsched_cond_init(gsched_cond_t *c)
{
	return gs_sync_make(c, GSCHED_SYNC_COND);
}

GS_API int gsched_cond_wait(gsched_cond_t c, gsched_mutex_t m)
{
	int ret = gs_sync_wait(GSCHED_SEL_CONDWAIT, c, m, 0);
	int lret;

	/* refused: nothing was unlocked */
	if (ret < 0)
		return ret;
	/* the mutex was released once the task was queued: take it back */
	lret = gsched_mutex_lock(m);
	return lret;
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

GS_API int gsched_once(struct gsched_once *o, void (*fn)(void *), void *arg)
{
	gsched_mutex_t m, want = 0;
	int ret;

	if (__atomic_load_n(&o->done, __ATOMIC_ACQUIRE))
		return 0;
	/* the zero value works: the first caller makes the mutex */
	m = __atomic_load_n(&o->m, __ATOMIC_ACQUIRE);
	if (!m) {
		ret = gsched_mutex_init(&m);
		if (ret)
			return ret;
		if (!__atomic_compare_exchange_n(&o->m, &want, m, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE)) {
			gsched_sync_release(m);
			m = want;
		}
	}
	ret = gsched_mutex_lock(m);
	if (ret)
		return ret;
	if (!o->done) {
		fn(arg);
		__atomic_store_n(&o->done, 1, __ATOMIC_RELEASE);
	}
	return gsched_mutex_unlock(m);
}
