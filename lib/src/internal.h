/* SPDX-License-Identifier: MIT */
/* libgsched internals shared by the source files; not installed. */
#ifndef GSCHED_INTERNAL_H
#define GSCHED_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gsched.h"
#include "sanitize.h"

#define GS_API __attribute__((visibility("default")))

/* Nested Onces a task tracks for gsched_exit() (sync.c); deeper: not */
#define GS_ONCE_MAX	8

/*
 * User half of a task. Lives at the top of its own stack mapping:
 *   [guard page][stack ... grows down][struct gs_task]
 * The kernel knows it only as an opaque cookie.
 */
struct gs_task {
	void *sp;		/* saved stack pointer while switched out */
	gsched_fn_t fn;
	void *arg;
	void *map;		/* the whole mapping, guard page included */
	size_t map_len;
	uint32_t id;		/* written by the worker before each resume */
	int saved_errno;	/* errno of the task while switched out */
	int op_err;		/* 0, or -errno when its last op was refused */
	int64_t result;		/* result of its last blocking op */
	/* sync.c: the Onces whose functions it runs, outermost first */
	uintptr_t onces[GS_ONCE_MAX];
	unsigned int nonces;
	struct gs_task *prev, *next;	/* live list, gs_rt.lock */
	struct gs_san san;	/* ASan and valgrind (sanitize.h) */
};

/* One worker thread (Go's M with its g0). */
struct gs_worker {
	unsigned int index;	/* the thread's; spares from nprocs on */
	unsigned int p;		/* the P it last ran a task with */
	int cpu;		/* pinned CPU, -1 when not pinned */
	void *g0_sp;		/* scheduler context while a task runs */
	struct gs_task *curr;
	/*
	 * preempt.c: the task whose stack this thread is on, set by g0 only
	 * around its gs_switch() to it, NULL while g0 runs. Unlike curr it
	 * never names a task that another worker may already have freed: g0
	 * clears it before its next ioctl can hand the task to anyone.
	 */
	struct gs_task *running;
	/* the op the current task asks for when it switches to g0 */
	uint32_t op;
	uint32_t arg32;
	int64_t arg64;
	int64_t status;		/* main's exit value when the worker left */
	bool deadlock;		/* the runtime ended in a deadlock */
	bool started;		/* its thread was created (not worker 0) */
};

/* runtime.c, for chan.c */
struct gs_worker *gs_cur(void);
int gs_ioctl(unsigned long cmd, void *arg);
int64_t gs_block(uint32_t op, uint32_t arg32, int64_t arg64, int *op_err);
bool gs_in_task(void);
struct gs_task *gs_self_task(void);
/* for panic.c: @fn on every task not yet reaped, oldest first, locked */
void gs_live_each(void (*fn)(struct gs_task *t, void *arg), void *arg);

/*
 * panic.c: GSCHED_PANIC=1 or GSCHED_OPT_PANIC, for one gsched_run(). The
 * misuses Go panics on then print Go's message and a goroutine dump and
 * exit with status 2 instead of returning their error.
 */
extern bool gs_panic_mode;
void gs_panic_setup(const struct gsched_opts *opts);
void gs_panic_teardown(void);
__attribute__((noreturn)) void gs_panic(const char *prefix, const char *msg);
#define GS_PANIC	"panic: "
#define GS_FATAL	"fatal error: "

/* @ret unchanged, after a panic when the mode is on and @ret is @err */
static inline int gs_misuse(int ret, int err, const char *prefix,
			    const char *msg)
{
	if (ret == err && __atomic_load_n(&gs_panic_mode, __ATOMIC_RELAXED))
		gs_panic(prefix, msg);
	return ret;
}

/* sync.c */
/* gsched_exit(): complete the Onces whose functions the task runs */
void gs_once_exit(struct gs_task *t);
int gs_cond_misuse(int ret);
int gs_sync_wait(uint32_t dir, uint32_t handle, uint64_t buf,
		 gsched_chan_t done);
int gs_word_wait(uint32_t dir, uint32_t handle, void *addr,
		 gsched_chan_t done);
int gs_mutex_lock_slow(gsched_mutex_t *m, gsched_chan_t done);
int gs_wg_wait_slow(gsched_wg_t *wg, gsched_chan_t done);
int gs_wg_wait_now(gsched_wg_t *wg);
int gs_rw_lock_slow(gsched_rwmutex_t *rw, bool rd, gsched_chan_t done);

/* the GSCHED_0.2 handle versions, exported as name@GSCHED_0.2 only */
struct gs_once_v02;
int gs_compat_gsched_mutex_init(uint32_t *m);
int gs_compat_gsched_mutex_lock(uint32_t m);
int gs_compat_gsched_mutex_trylock(uint32_t m);
int gs_compat_gsched_mutex_unlock(uint32_t m);
int gs_compat_gsched_wg_init(uint32_t *wg);
int gs_compat_gsched_wg_add(uint32_t wg, long delta);
int gs_compat_gsched_wg_done(uint32_t wg);
int gs_compat_gsched_wg_wait(uint32_t wg);
int gs_compat_gsched_cond_wait(gsched_cond_t c, uint32_t m);
int gs_compat_gsched_once(struct gs_once_v02 *o, void (*fn)(void *),
			  void *arg);
int gs_compat_gsched_mutex_lock_ctx(gsched_ctx_t ctx, uint32_t m);
int gs_compat_gsched_wg_wait_ctx(gsched_ctx_t ctx, uint32_t wg);
int gs_compat_gsched_cond_wait_ctx(gsched_ctx_t ctx, gsched_cond_t c,
				   uint32_t m);
int gs_compat_gsched_rwmutex_init(uint32_t *rw);
int gs_compat_gsched_rwmutex_rlock(uint32_t rw);
int gs_compat_gsched_rwmutex_tryrlock(uint32_t rw);
int gs_compat_gsched_rwmutex_runlock(uint32_t rw);
int gs_compat_gsched_rwmutex_lock(uint32_t rw);
int gs_compat_gsched_rwmutex_trylock(uint32_t rw);
int gs_compat_gsched_rwmutex_unlock(uint32_t rw);
int gs_compat_gsched_rwmutex_rlock_ctx(gsched_ctx_t ctx, uint32_t rw);
int gs_compat_gsched_rwmutex_lock_ctx(gsched_ctx_t ctx, uint32_t rw);

/* preempt.c: around GSCHED_IOC_SETUP / at the end of gsched_run_opts() */
void gs_preempt_setup(struct gsched_setup *setup,
		      const struct gsched_opts *opts);
void gs_preempt_teardown(void);

/* stack.c */
struct gs_task *gs_stack_alloc(size_t stack_size);
void gs_stack_free(struct gs_task *t);
void gs_stack_cache_drain(void);
void gs_stack_atfork_child(void);

/* arch */
void gs_switch(void **save_sp, void *load_sp);
void gs_task_entry(void);

#endif
