/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the ports of Go's own tests in selftests/go/ (README).
 *
 * Each port keeps the Go program's structure: a Go function is a C
 * function, a goroutine a task, a panic a failed T_* check (a task
 * cannot ASSERT; RUN_OK() reports the first failed check). Go's int is
 * long here, so every channel of int has 8-byte elements.
 */
#ifndef GSCHED_SELFTEST_GO_H
#define GSCHED_SELFTEST_GO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"

/* GOMAXPROCS left at its default: one P per CPU; and GOMAXPROCS(2). */
static struct gsched_opts go_default_procs __attribute__((unused));
static struct gsched_opts go_two_procs __attribute__((unused)) = {
	.nprocs = 2,
};

/* make(chan T, cap): a failed make is a failed check, and the nil channel. */
static inline gsched_chan_t go_make(size_t elem_size, unsigned int cap)
{
	gsched_chan_t c = 0;

	T_EQ(0, gsched_chan_make(&c, elem_size, cap));
	return c;
}

/*
 * Once main has returned, the instance is stopping and every call of a
 * task still running fails with -ESHUTDOWN. In Go such goroutines simply
 * vanish with the program, so they are not failures: the task ends here.
 */
static inline long go_live(long ret)
{
	if (ret == -ESHUTDOWN)
		gsched_exit(0);
	return ret;
}

/* go fn(arg) */
static inline void go(gsched_fn_t fn, void *arg)
{
	T_GT(0, go_live(gsched_spawn(fn, arg)));
}

/* x := <-c on a channel of long, checking that a value came. */
static inline long go_recv_long(gsched_chan_t c)
{
	long v = 0;

	T_EQ(1, go_live(gsched_chan_recv(c, &v)));
	return v;
}

/* c <- v on a channel of long, checking that it was sent. */
static inline void go_send_long(gsched_chan_t c, long v)
{
	T_EQ(0, go_live(gsched_chan_send(c, &v)));
}

/* select { case <-c: ...; default: }: 1 when a value came, else 0. */
static inline int go_ready(gsched_chan_t c)
{
	long v;
	int r = go_live(gsched_chan_tryrecv(c, &v));

	if (r == -EAGAIN)
		return 0;
	T_EQ(1, r);
	return 1;
}

/*
 * sync.RWMutex: libgsched's gsched_rwmutex_t is a zero-value word, as
 * Go's is. The ports of src/sync (sync_*.c) use it through these: go_rw_new()
 * is "var mu RWMutex" (zeroing, which is all a fresh RWMutex needs), and
 * go_rw_free() checks that the port left it unlocked, with nothing to
 * release.
 */
struct go_rwmutex {
	gsched_rwmutex_t m;
};

static inline void go_rw_new(struct go_rwmutex *rw)
{
	*rw = (struct go_rwmutex){ 0 };
}

static inline void go_rw_free(struct go_rwmutex *rw)
{
	/* no reader, no writer (the module's waiter bits may be stale) */
	T_EQ(0, __atomic_load_n(&rw->m.state, __ATOMIC_ACQUIRE) &
		(GSCHED_RW_READERS | GSCHED_RW_WRITER));
}

static inline int go_rw_rlock(struct go_rwmutex *rw)
{
	return gsched_rwmutex_rlock(&rw->m);
}

static inline int go_rw_tryrlock(struct go_rwmutex *rw)
{
	return gsched_rwmutex_tryrlock(&rw->m);
}

static inline int go_rw_runlock(struct go_rwmutex *rw)
{
	return gsched_rwmutex_runlock(&rw->m);
}

static inline int go_rw_lock(struct go_rwmutex *rw)
{
	return gsched_rwmutex_lock(&rw->m);
}

static inline int go_rw_trylock(struct go_rwmutex *rw)
{
	return gsched_rwmutex_trylock(&rw->m);
}

static inline int go_rw_unlock(struct go_rwmutex *rw)
{
	return gsched_rwmutex_unlock(&rw->m);
}

#endif
