// SPDX-License-Identifier: GPL-2.0
/*
 * Binary compatibility: a program linked against libgsched's GSCHED_0.2
 * symbols (the handle-based Mutex, RWMutex and WaitGroup, by value) keeps
 * working with today's library, which exports the zero-value versions
 * under the same names in newer nodes.
 *
 * This binary links the shared library (build/lib, found through its
 * rpath) and binds each old function to its @GSCHED_0.2 version with
 * .symver, as a program built against the 0.2 header would be bound.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"

#define OLD(fn, ...)							\
	int old_##fn(__VA_ARGS__);					\
	__asm__(".symver old_" #fn "," #fn "@GSCHED_0.2")

OLD(gsched_rwmutex_init, uint32_t *rw);
OLD(gsched_rwmutex_rlock, uint32_t rw);
OLD(gsched_rwmutex_tryrlock, uint32_t rw);
OLD(gsched_rwmutex_runlock, uint32_t rw);
OLD(gsched_rwmutex_lock, uint32_t rw);
OLD(gsched_rwmutex_trylock, uint32_t rw);
OLD(gsched_rwmutex_unlock, uint32_t rw);
OLD(gsched_rwmutex_rlock_ctx, gsched_ctx_t ctx, uint32_t rw);
OLD(gsched_rwmutex_lock_ctx, gsched_ctx_t ctx, uint32_t rw);
OLD(gsched_mutex_init, uint32_t *m);
OLD(gsched_mutex_lock, uint32_t m);
OLD(gsched_mutex_unlock, uint32_t m);
OLD(gsched_wg_init, uint32_t *wg);
OLD(gsched_wg_add, uint32_t wg, long delta);
OLD(gsched_wg_wait, uint32_t wg);

static struct gsched_opts one_p = { .nprocs = 1 };

static uint32_t rw;
static atomic_int order;
static int reader_at = -1;

static long old_reader(void *arg)
{
	if (old_gsched_rwmutex_rlock(rw))
		return -1;
	reader_at = atomic_fetch_add(&order, 1);
	return old_gsched_rwmutex_runlock(rw) ? -2 : 0;
}

static long compat_rwmutex_main(void *arg)
{
	gsched_ctx_t ctx;
	int id;

	T_EQ(0, old_gsched_rwmutex_init(&rw));
	T_NE(0, rw);			/* a kernel handle, not a word */
	T_EQ(0, old_gsched_rwmutex_rlock(rw));
	T_EQ(0, old_gsched_rwmutex_tryrlock(rw));
	T_EQ(-EBUSY, old_gsched_rwmutex_trylock(rw));
	T_EQ(0, old_gsched_rwmutex_runlock(rw));
	T_EQ(0, old_gsched_rwmutex_runlock(rw));
	T_EQ(-EPERM, old_gsched_rwmutex_runlock(rw));
	T_EQ(-EPERM, old_gsched_rwmutex_unlock(rw));
	/* a reader parks behind the writer and gets in at its unlock */
	T_EQ(0, old_gsched_rwmutex_lock(rw));
	id = spawn_j(old_reader, NULL);
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(id));
	atomic_fetch_add(&order, 1);
	T_EQ(0, old_gsched_rwmutex_unlock(rw));
	T_EQ(0, join_val(id));
	T_EQ(1, reader_at);
	/* the context variants */
	T_EQ(0, gsched_ctx_with_cancel(&ctx, NULL));
	T_EQ(0, old_gsched_rwmutex_rlock_ctx(ctx, rw));
	T_EQ(0, old_gsched_rwmutex_runlock(rw));
	T_EQ(0, old_gsched_rwmutex_lock_ctx(ctx, rw));
	T_EQ(0, old_gsched_rwmutex_unlock(rw));
	gsched_ctx_free(ctx);
	T_EQ(0, gsched_sync_release(rw));
	T_EQ(-EBADF, old_gsched_rwmutex_rlock(rw));
	return 0;
}

TEST(rwmutex_gsched_0_2)
{
	RUN_OK(&one_p, compat_rwmutex_main);
}

static long compat_mutex_wg_main(void *arg)
{
	uint32_t m, wg;

	T_EQ(0, old_gsched_mutex_init(&m));
	T_EQ(0, old_gsched_mutex_lock(m));
	T_EQ(0, old_gsched_mutex_unlock(m));
	T_EQ(-EPERM, old_gsched_mutex_unlock(m));
	T_EQ(0, gsched_sync_release(m));
	T_EQ(0, old_gsched_wg_init(&wg));
	T_EQ(0, old_gsched_wg_add(wg, 1));
	T_EQ(0, old_gsched_wg_add(wg, -1));
	T_EQ(0, old_gsched_wg_wait(wg));
	T_EQ(0, gsched_sync_release(wg));
	return 0;
}

TEST(mutex_waitgroup_gsched_0_2)
{
	RUN_OK(&one_p, compat_mutex_wg_main);
}

TEST_HARNESS_MAIN
