/* SPDX-License-Identifier: MIT */
/*
 * libgsched: Go-style tasks for C, scheduled by the gsched kernel module.
 *
 * Every function returns a negative errno on failure (liburing's rule);
 * nothing sets errno on your behalf. A task is a C function running on its
 * own stack; it may resume on a different worker thread after any call
 * that can block (yield, join, park, and later channel and lock calls).
 *
 * Thread-locals belong to the worker, not the task: do not keep the
 * address of a thread-local variable (errno included) across a blocking
 * call, and do not expect a thread-local's value to survive one. errno
 * itself is saved and restored per task by the library.
 */
#ifndef GSCHED_H
#define GSCHED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* uapi/gsched.h: a symbolic link in the tree, installed as a copy */
#include "gsched/uapi.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A task's entry point. Its return value is the task's exit value. */
typedef long (*gsched_fn_t)(void *arg);

/** Default task stack: 64 KiB, lazily committed, guard page below. */
#define GSCHED_STACK_DEFAULT	(64 * 1024)
#define GSCHED_STACK_MIN	(16 * 1024)

/** Options for gsched_run_opts(). Zero means "default" everywhere. */
struct gsched_opts {
	unsigned int nprocs;	/* workers; default GSCHED_MAXPROCS or CPUs */
	unsigned int max_tasks;	/* live task cap; default the module's */
	size_t stack_size;	/* default task stack size */
	/*
	 * Spare workers that take over the run queue of a worker blocked in
	 * a system call; default GSCHED_SPARES or 8 (clamped by the module
	 * parameter max_spares). GSCHED_OPT_NO_HANDOFF: none.
	 */
	unsigned int max_spares;
	unsigned int flags;	/* GSCHED_OPT_* */
};

/** Don't preempt tasks that run longer than the module's preempt_ms
 * (as GSCHED_PREEMPT=0 in the environment does). */
#define GSCHED_OPT_NO_PREEMPT	(1U << 0)
/** No spare workers: a task blocked in a system call keeps its P. */
#define GSCHED_OPT_NO_HANDOFF	(1U << 1)
/**
 * Go's panics (as GSCHED_PANIC=1 in the environment does): the misuses Go
 * panics on (send on or close of a closed channel, close of the nil
 * channel, unlock of an unlocked mutex or rwmutex, a negative or reused
 * wait group, a second wait on an fd, a deadlock) print Go's message and
 * the tasks on stderr and exit the process with status 2, instead of
 * returning their error. Off by default.
 */
#define GSCHED_OPT_PANIC	(1U << 2)

/**
 * gsched_run() - start the runtime and run @fn as the main task
 * @fn: the main task (Go's main)
 * @arg: its argument
 * @exit_value: where to store main's return value (may be NULL)
 *
 * Opens /dev/gsched, starts one worker per P (the calling thread is worker
 * 0) and returns when the main task returns; tasks still alive then are
 * reclaimed. Like Go, the runtime ends with main; unlike Go, it waits for
 * every worker to reach a scheduling point first.
 *
 * fork() from a task gives a child with no runtime: it may call
 * gsched_run() to start its own (or exec).
 *
 * Return: 0 when main returned; -EDEADLK when every task was asleep with
 * nothing to wake them (Go's "all goroutines are asleep - deadlock!", also
 * reported in the kernel log; in panic mode, GSCHED_OPT_PANIC, the process
 * exits with status 2 instead); -ENOENT when the module is not loaded;
 * -EPROTO when it is too old; -EBUSY when a runtime already runs in this
 * process; other -errno from the kernel.
 */
int gsched_run(gsched_fn_t fn, void *arg, long *exit_value);

/** gsched_run() with options. @opts may be NULL. */
int gsched_run_opts(const struct gsched_opts *opts, gsched_fn_t fn, void *arg,
		    long *exit_value);

/** Spawn flags (struct gsched_spawn_attr.flags). */
#define GSCHED_JOINABLE		(1U << 0)

/** Per-task options for gsched_spawn_ex(). */
struct gsched_spawn_attr {
	unsigned int flags;	/* GSCHED_JOINABLE */
	size_t stack_size;	/* 0: the runtime's default */
};

/**
 * gsched_spawn() - start a task, Go's "go fn(arg)"
 *
 * The task is detached: it frees itself when it returns. Call from a task.
 * Return: the task id (> 0); -EAGAIN at the task cap; -ENOMEM; -EPERM
 * outside a task.
 */
int gsched_spawn(gsched_fn_t fn, void *arg);

/** gsched_spawn() with options; GSCHED_JOINABLE tasks must be joined. */
int gsched_spawn_ex(gsched_fn_t fn, void *arg,
		    const struct gsched_spawn_attr *attr);

/** Largest argument block gsched_go() copies onto a new task's stack. */
#define GSCHED_GO_ARGS_MAX	1024

/**
 * gsched_go() - start a task on a copy of its arguments, Go's "go f(x, y)"
 * @fn: the task's function; it receives a pointer to the copy
 * @args: @size bytes, copied onto the new task's own stack before return
 * @size: 0 to GSCHED_GO_ARGS_MAX; 0 passes NULL
 *
 * The copy lives as long as the task and is aligned for any type, so a
 * struct of the call's arguments needs no allocation and the caller may
 * reuse or free @args at once. Detached, like gsched_spawn().
 * Return: the task id (> 0); the errors of gsched_spawn(), and -EINVAL
 * when @size is too large or @args is NULL with a nonzero @size.
 */
int gsched_go(gsched_fn_t fn, const void *args, size_t size);

/** gsched_go() with gsched_spawn_ex()'s options. */
int gsched_go_ex(gsched_fn_t fn, const void *args, size_t size,
		 const struct gsched_spawn_attr *attr);

/**
 * gsched_join() - wait for a joinable task to end
 * @id: its id
 * @exit_value: its return value (may be NULL)
 *
 * Return: 0; -EBADF for an unknown id; -EINVAL when not joinable or
 * already being joined; -EDEADLK when joining oneself.
 */
int gsched_join(int id, long *exit_value);

/** Let other tasks run: the current task goes to the global queue. */
void gsched_yield(void);

/** End the current task with @value as its exit value. */
__attribute__((noreturn)) void gsched_exit(long value);

/** The current task's id, or 0 outside a task. */
int gsched_self(void);

/** The number of workers (Go's GOMAXPROCS), or 0 outside the runtime. */
int gsched_nprocs(void);

/**
 * gsched_worker() - the P running the caller: 0 to gsched_nprocs() - 1
 *
 * A P (Go's processor) is what a worker thread holds to run tasks; a
 * spare thread that took over a blocked worker's P reports that P. The
 * value is the P the calling task was last scheduled with. Return: the P
 * index, or -1 outside a task.
 */
int gsched_worker(void);

/**
 * gsched_park() - block until gsched_unpark(), with a permit like futexes
 * @reason: GSCHED_WAIT_PARK or GSCHED_WAIT_USER, shown in sysfs and
 *	    deadlock reports
 *
 * An unpark that arrives first is remembered (one permit), so park never
 * misses a wakeup. Return: 0, or -EINVAL for a bad reason.
 */
int gsched_park(unsigned int reason);

/** Wake a parked task (into the caller's runnext), or leave a permit. */
int gsched_unpark(int id);

/** Make a joinable task free itself on exit. */
int gsched_detach(int id);

/** State of a task (GSCHED_TASK_*, wait reason, last P). */
int gsched_task_info(int id, struct gsched_task_info *info);

/* ---- channels ------------------------------------------------------- */

/** A channel handle. 0 is Go's nil channel. */
typedef uint32_t gsched_chan_t;

/**
 * gsched_chan_make() - make(chan T, cap)
 * @ch: where to store the new channel
 * @elem_size: sizeof(T), 0..65536 (0: a channel of signals)
 * @cap: 0 for unbuffered (rendezvous), else the buffer size
 *
 * Return: 0; -EINVAL for a bad size; -ENOMEM when the buffer would exceed
 * the instance's budget (module parameter max_chan_bytes).
 */
int gsched_chan_make(gsched_chan_t *ch, size_t elem_size, unsigned int cap);

/**
 * gsched_chan_send() - ch <- *val, blocking until a receiver or room
 *
 * Return: 0; -EPIPE when the channel is (or gets) closed (Go panics, and
 * so does panic mode, GSCHED_OPT_PANIC; see gsched_chan_export_ex() for a
 * close by a process that went away);
 * blocks forever on the nil channel; -EBADF for a bad handle.
 */
int gsched_chan_send(gsched_chan_t ch, const void *val);

/**
 * gsched_chan_recv() - *val = <-ch, blocking until a value or close
 * @val: where to store the value (may be NULL to discard)
 *
 * Return: 1 with a value, 0 when the channel is closed and drained (*val
 * zeroed, Go's ok == false), or a negative errno.
 */
int gsched_chan_recv(gsched_chan_t ch, void *val);

/** Non-blocking send: -EAGAIN when it would block (Go's select default). */
int gsched_chan_trysend(gsched_chan_t ch, const void *val);

/** Non-blocking receive: 1, 0 (closed), or -EAGAIN when it would block. */
int gsched_chan_tryrecv(gsched_chan_t ch, void *val);

/**
 * gsched_chan_close() - close(ch): receivers drain the buffer then get
 * (zero, 0); blocked and later senders get -EPIPE.
 *
 * Return: 0; -EINVAL for a closed or nil channel (Go panics, and so does
 * panic mode, GSCHED_OPT_PANIC).
 */
int gsched_chan_close(gsched_chan_t ch);

/** Drop this handle (the channel lives on while others use it). */
int gsched_chan_release(gsched_chan_t ch);

/** len(ch) and cap(ch); -errno for a bad handle. */
int gsched_chan_len(gsched_chan_t ch);
int gsched_chan_cap(gsched_chan_t ch);

/**
 * gsched_chan_export() - a file descriptor naming the channel
 *
 * Pass it to another process (over a Unix socket with SCM_RIGHTS, or
 * across fork()) and gsched_chan_import() it there: both runtimes then use
 * the same channel. Values are copied. The channel lives while any handle
 * or fd names it; a process that dies simply stops waiting on it, and a
 * side that closes the channel is seen closed by the other.
 *
 * A task blocked on the channel is not part of its runtime's deadlock
 * check while another process could still wake it: while an exported fd
 * is open anywhere (in flight in a socket too) or another runtime holds
 * a handle. Close the fds you no longer need, as with the write end of a
 * pipe: once the other side is gone (killed, say) and no fd is left, the
 * task's runtime reports "all goroutines are asleep" and gsched_run()
 * returns -EDEADLK, instead of waiting for ever.
 * Return: the fd (O_CLOEXEC), or a negative errno.
 */
int gsched_chan_export(gsched_chan_t ch);

/**
 * gsched_chan_export_ex() - gsched_chan_export() with GSCHED_EXPORT_* flags
 * @ch: the channel
 * @flags: 0, or GSCHED_EXPORT_CLOSE_ON_EXIT: the channel is closed when
 *	   this runtime lets go of @ch: when the process exits or is killed,
 *	   when gsched_run() returns, or when @ch is released. The other
 *	   side's receivers then drain the buffer and get 0 (closed, value
 *	   zeroed), like a pipe reader at EOF, and its senders get -EPIPE.
 *
 * Go panics on a send to a closed channel, and libgsched returns -EPIPE
 * for it instead (never a signal, never an abort). In one process a
 * -EPIPE from a send is a bug in the program, as Go's panic says; on a
 * channel exported with GSCHED_EXPORT_CLOSE_ON_EXIT it is how a sender
 * learns that the exporting process went away, like write(2) to a pipe
 * whose reader exited (but without SIGPIPE): handle it, and do not run
 * such a program in panic mode (GSCHED_OPT_PANIC), where it would panic.
 * Return: the fd (O_CLOEXEC); -EINVAL for an unknown flag (or a module
 * without the flag); -EPERM for GSCHED_EXPORT_CLOSE_ON_EXIT on a channel
 * the runtime owns (a context's done channel); other -errno as
 * gsched_chan_export().
 */
int gsched_chan_export_ex(gsched_chan_t ch, unsigned int flags);

/** Import a channel fd from gsched_chan_export() into this runtime. */
int gsched_chan_import(int fd, gsched_chan_t *ch);

/* ---- select ------------------------------------------------------- */

/** A select case: GSCHED_SEL_SEND or GSCHED_SEL_RECV on a channel. */
#define GSCHED_SEND(c, ptr) \
	((struct gsched_select_case){ .handle = (c), .dir = GSCHED_SEL_SEND, \
				      .buf = (uint64_t)(uintptr_t)(ptr) })
#define GSCHED_RECV(c, ptr) \
	((struct gsched_select_case){ .handle = (c), .dir = GSCHED_SEL_RECV, \
				      .buf = (uint64_t)(uintptr_t)(ptr) })

/**
 * gsched_select() - Go's select
 * @cases: the cases; nil channels are never ready
 * @n: their number (0 with no flags blocks forever, Go's select {})
 * @flags: 0, GSCHED_SELECT_DEFAULT (never block) or GSCHED_SELECT_TIMEOUT
 * @timeout_ns: with GSCHED_SELECT_TIMEOUT
 * @ok: for a receive case, 1 for a value, 0 when closed (may be NULL)
 *
 * One ready case is chosen uniformly at random.
 * Return: the chosen index; -EAGAIN (default); -ETIMEDOUT; -EPIPE when the
 * chosen send found its channel closed; other -errno.
 */
int gsched_select(const struct gsched_select_case *cases, unsigned int n,
		  unsigned int flags, uint64_t timeout_ns, int *ok);

/* ---- sync (Go's sync package) --------------------------------------- */

/*
 * Mutex, WaitGroup and Once are Go's zero values: a zeroed object (static
 * storage, calloc, memset, or the _INIT initialiser) is ready to use and
 * needs no release; embed them in your structs as in Go. They live in the
 * program's memory: locking a free mutex, unlocking one nobody waits for,
 * a wait group add/done nobody waits on and a done Once make no system
 * call; the module is entered only to wait and to wake (futex style).
 * Copying one that is in use copies its state, as in Go (go vet's
 * copylocks): don't. They park tasks, not worker threads. Unlocking from
 * a task other than the one that locked is allowed, as in Go.
 *
 * The same holds for RWMutex (Go's sync.RWMutex, writer-preferring: a
 * writer waiting for the lock keeps new readers out). Cond is a kernel
 * object named by a handle: make one with gsched_cond_init() and free it
 * with gsched_sync_release().
 *
 * GSCHED_NO_FASTPATH=1 in the environment makes every mutex, rwmutex and
 * wait group operation enter the module (the reference path).
 *
 * Where Go has a fatal error or a panic (an unlock of an unlocked mutex
 * or rwmutex, a cond wait with the mutex unlocked, a negative or reused
 * wait group) these calls return -EPERM, -ERANGE or -EBUSY; in panic mode
 * (GSCHED_OPT_PANIC, GSCHED_PANIC=1) they print Go's message and exit 2.
 */
typedef struct gsched_mutex {
	uint32_t state;		/* GSCHED_MUTEX_* bits (uapi/gsched.h) */
} gsched_mutex_t;
#define GSCHED_MUTEX_INIT { 0 }

typedef struct gsched_wg {
	/* counter << GSCHED_WG_SHIFT | GSCHED_WG_* bits (uapi/gsched.h) */
	uint64_t state __attribute__((aligned(8)));
} gsched_wg_t;
#define GSCHED_WG_INIT { 0 }

typedef struct gsched_rwmutex {
	uint32_t state;		/* GSCHED_RW_* (uapi/gsched.h) */
} gsched_rwmutex_t;
#define GSCHED_RWMUTEX_INIT { 0 }

typedef uint32_t gsched_cond_t;

/** Optional: zero @m (a zeroed mutex needs no init). */
int gsched_mutex_init(gsched_mutex_t *m);
/** Go's normal/starvation mutex; blocks the task. */
int gsched_mutex_lock(gsched_mutex_t *m);
/** 0, or -EBUSY when it is held. */
int gsched_mutex_trylock(gsched_mutex_t *m);
/** 0, or -EPERM when it is not locked (Go: fatal error). */
int gsched_mutex_unlock(gsched_mutex_t *m);

/** Optional: zero @rw (a zeroed rwmutex needs no init). */
int gsched_rwmutex_init(gsched_rwmutex_t *rw);
/** Read lock; waits while a writer holds it or waits for it. */
int gsched_rwmutex_rlock(gsched_rwmutex_t *rw);
/** 0, or -EBUSY when write-locked or a writer waits. */
int gsched_rwmutex_tryrlock(gsched_rwmutex_t *rw);
/** -EPERM when not read-locked (Go: fatal error). */
int gsched_rwmutex_runlock(gsched_rwmutex_t *rw);
int gsched_rwmutex_lock(gsched_rwmutex_t *rw);
/** 0, or -EBUSY when locked for reading or writing. */
int gsched_rwmutex_trylock(gsched_rwmutex_t *rw);
/** -EPERM when not write-locked (Go: fatal error). */
int gsched_rwmutex_unlock(gsched_rwmutex_t *rw);

/** Optional: zero @wg (a zeroed wait group needs no init). */
int gsched_wg_init(gsched_wg_t *wg);
/**
 * gsched_wg_add() - add @delta (may be negative) to the counter
 *
 * Return: 0; -ERANGE when the counter would go below zero or above
 * INT32_MAX (unchanged); -EBUSY when adding to a group whose waiters
 * have not all returned yet (Go: "WaitGroup is reused before previous
 * Wait has returned").
 */
int gsched_wg_add(gsched_wg_t *wg, long delta);
int gsched_wg_done(gsched_wg_t *wg);
int gsched_wg_wait(gsched_wg_t *wg);

int gsched_cond_init(gsched_cond_t *c);
/**
 * gsched_cond_wait() - unlock @m, wait for a signal, lock @m again
 *
 * The task is queued on the cond before the module unlocks @m, so a
 * signal sent after the unlock is never missed; signals sent before are
 * not remembered.
 */
int gsched_cond_wait(gsched_cond_t c, gsched_mutex_t *m);
int gsched_cond_signal(gsched_cond_t c);
int gsched_cond_broadcast(gsched_cond_t c);

/** Free a cond. */
int gsched_sync_release(uint32_t handle);

/** Go's sync.Once: zero-initialise (GSCHED_ONCE_INIT). */
struct gsched_once {
	uint32_t done;
	gsched_mutex_t m;
};
#define GSCHED_ONCE_INIT { 0, GSCHED_MUTEX_INIT }

/**
 * gsched_once() - run @fn once; later callers wait for it to finish
 *
 * A @fn that fails (returns) still counts as done, and so does one that
 * ends its task with gsched_exit(), as Go counts a function that panics
 * or calls runtime.Goexit: the callers waiting for it return, and @fn is
 * not called again. A done once costs one acquire load.
 * Return: 0, or a negative errno from the lock.
 */
int gsched_once(struct gsched_once *o, void (*fn)(void *), void *arg);

/* ---- contexts (Go's context package) -------------------------------- */

/**
 * A context. NULL is Go's context.Background(): never cancelled, no
 * deadline, no values, and its done channel is the nil channel.
 */
typedef struct gsched_ctx *gsched_ctx_t;

/** Go's WithCancel: a child of @parent (NULL: background). */
int gsched_ctx_with_cancel(gsched_ctx_t *ctx, gsched_ctx_t parent);
/** Go's WithDeadline: @deadline_ns is absolute CLOCK_MONOTONIC. */
int gsched_ctx_with_deadline(gsched_ctx_t *ctx, gsched_ctx_t parent,
			     uint64_t deadline_ns);
/** Go's WithTimeout. */
int gsched_ctx_with_timeout(gsched_ctx_t *ctx, gsched_ctx_t parent,
			    uint64_t timeout_ns);
/**
 * Go's WithValue: the value lives in user space; lookups walk up the
 * parents and a child shadows its parent. A NULL @key is -EINVAL.
 */
int gsched_ctx_with_value(gsched_ctx_t *ctx, gsched_ctx_t parent,
			  const void *key, void *value);
/** Cancel the context and its whole subtree; idempotent. */
int gsched_ctx_cancel(gsched_ctx_t ctx);
/** 0 while not done, then -ECANCELED or -ETIMEDOUT (Go's Err). */
int gsched_ctx_err(gsched_ctx_t ctx);
/** 1 and the effective deadline, or 0 when there is none. */
int gsched_ctx_deadline(gsched_ctx_t ctx, uint64_t *deadline_ns);
/** The done channel: the same channel on every call (usable in select). */
gsched_chan_t gsched_ctx_done(gsched_ctx_t ctx);
/** The value for @key, or NULL. */
void *gsched_ctx_value(gsched_ctx_t ctx, const void *key);
/**
 * Free a context made here (cancel it first if you mean to). Children
 * may outlive it: it stays, handles included, until the last context
 * derived from it is freed too.
 */
void gsched_ctx_free(gsched_ctx_t ctx);
/** Share a context with another process, like a channel. */
int gsched_ctx_export(gsched_ctx_t ctx);
/**
 * gsched_ctx_export_ex() - gsched_ctx_export() with GSCHED_EXPORT_* flags
 * @ctx: the context
 * @flags: 0, or GSCHED_EXPORT_CLOSE_ON_EXIT: the context is cancelled
 *	   (-ECANCELED), with every context derived from it in any process,
 *	   when this runtime lets go of @ctx: when the process exits or is
 *	   killed, when gsched_run() returns, or once gsched_ctx_free(@ctx)
 *	   and every context derived from @ctx here have been freed.
 *	   So a pipeline's workers in other processes stop when the process
 *	   that started them goes away.
 * Return: the fd (O_CLOEXEC); -EINVAL for an unknown flag (or a module
 * without the flag); other -errno as gsched_ctx_export().
 */
int gsched_ctx_export_ex(gsched_ctx_t ctx, unsigned int flags);
int gsched_ctx_import(int fd, gsched_ctx_t *ctx);

/*
 * Context variants of every blocking call: they return -ECANCELED or
 * -ETIMEDOUT when the context ends first, and then the operation did not
 * happen (a cancelled send sent nothing, a cancelled receive took
 * nothing). Select: the done channel is one more case.
 */
int gsched_chan_send_ctx(gsched_ctx_t ctx, gsched_chan_t ch, const void *val);
int gsched_chan_recv_ctx(gsched_ctx_t ctx, gsched_chan_t ch, void *val);
int gsched_select_ctx(gsched_ctx_t ctx,
		      const struct gsched_select_case *cases, unsigned int n,
		      int *ok);
int gsched_mutex_lock_ctx(gsched_ctx_t ctx, gsched_mutex_t *m);
int gsched_rwmutex_rlock_ctx(gsched_ctx_t ctx, gsched_rwmutex_t *rw);
int gsched_rwmutex_lock_ctx(gsched_ctx_t ctx, gsched_rwmutex_t *rw);
int gsched_wg_wait_ctx(gsched_ctx_t ctx, gsched_wg_t *wg);
/** On every return the mutex is held again, as with gsched_cond_wait(). */
int gsched_cond_wait_ctx(gsched_ctx_t ctx, gsched_cond_t c,
			 gsched_mutex_t *m);
int gsched_sleep_ctx(gsched_ctx_t ctx, uint64_t ns);
/** Join with a context: -ECANCELED/-ETIMEDOUT leave the task unjoined. */
int gsched_join_ctx(gsched_ctx_t ctx, int id, long *exit_value);

/* ---- time ---------------------------------------------------------- */

/** Sleep for @ns nanoseconds, parking only the task. */
int gsched_sleep(uint64_t ns);

/**
 * gsched_timer_make() - Go's time.NewTimer (period 0) / NewTicker
 * @ch: the timer's channel (8-byte elements: CLOCK_MONOTONIC ns)
 * @delay_ns: first expiry (0: created stopped)
 * @period_ns: then every period_ns (0: once)
 *
 * Release the channel with gsched_chan_release() to free the timer.
 */
int gsched_timer_make(gsched_chan_t *ch, uint64_t delay_ns, uint64_t period_ns);

/** Go's time.After(d): a one-shot timer channel. */
int gsched_after(gsched_chan_t *ch, uint64_t delay_ns);

/** Stop: returns 1 if the timer was armed, 0 if not, or -errno. */
int gsched_timer_stop(gsched_chan_t ch);

/** Reset: re-arm; returns 1 if it was armed, 0 if not, or -errno. */
int gsched_timer_reset(gsched_chan_t ch, uint64_t delay_ns, uint64_t period_ns);

/** The runtime's /dev/gsched file descriptor (for tests), or -1. */
int gsched_fd(void);

/**
 * gsched_preemptions() - tasks switched out by preemption so far
 *
 * Counts, for the whole process and every gsched_run() so far, the times
 * the preemption signal found a task at a safe point and switched it out
 * (Documentation/gsched.rst, "Preemption"). For tests and statistics.
 */
unsigned long gsched_preemptions(void);

/*
 * File descriptors (Documentation/gsched.rst, "File descriptors"). A task
 * waits for readiness without blocking its worker: the module hooks the
 * file's poll wait queue. At most one task of the runtime may wait per fd
 * and direction (-EBUSY, Go's "fatal error: runtime: double wait" in panic
 * mode, GSCHED_OPT_PANIC). The I/O helpers expect
 * non-blocking fds (gsched_accept() and gsched_connect() make them so); on
 * a blocking fd the call itself may block the worker, which then hands off
 * its P.
 */
#define GSCHED_FD_READ		1
#define GSCHED_FD_WRITE		2

/** Wait until @fd is readable/writable (or has an error or hangup).
 * Return: 0; -EBADF when gsched_fd_close() closed it meanwhile; -EBUSY;
 * -EPERM for an fd without poll support or outside a task; -EBADF/-EINVAL.
 * Readiness is a hint: the I/O call may still find nothing (EAGAIN). */
int gsched_fd_wait(int fd, int dir);
/** gsched_fd_wait() giving up after @timeout_ns: -ETIMEDOUT. */
int gsched_fd_wait_timeout(int fd, int dir, uint64_t timeout_ns);
/** gsched_fd_wait() or the context's error. */
int gsched_fd_wait_ctx(gsched_ctx_t ctx, int fd, int dir);
/** Wake the fd's waiters with -EBADF, then close(2) it. */
int gsched_fd_close(int fd);
/** read(2)/write(2)/accept4(2)/connect(2) that park the task, not the
 * worker, until the fd is ready. Return: as the system call, -errno on
 * error. gsched_write() writes everything unless an error occurs; an
 * error after some bytes went out returns their count. */
ssize_t gsched_read(int fd, void *buf, size_t n);
ssize_t gsched_write(int fd, const void *buf, size_t n);
int gsched_accept(int fd, struct sockaddr *addr, socklen_t *len);
int gsched_connect(int fd, const struct sockaddr *addr, socklen_t len);

/** The runtime's instance id, as in /sys/kernel/gsched/instances/<id>. */
int gsched_instance_id(void);

/**
 * gsched_query() - open the device and check the ABI, without starting
 * @v: filled with the module's version info (may be NULL)
 *
 * Return: 0; -ENOENT when the module is not loaded (a message on stderr
 * says how to load it, unless GSCHED_QUIET is set in the environment);
 * -EPROTO when its ABI is older than this library.
 */
int gsched_query(struct gsched_version *v);

/*
 * Typed channels: Go's chan T. A channel handle is untyped, so nothing
 * checks that a send or receive buffer has the channel's element size;
 * these macros make a wrong type a compile error instead of a short or
 * long copy. Name the type once:
 *
 *	typedef GSCHED_CHAN_OF(struct job) job_chan;
 *
 *	job_chan jobs;
 *	struct job j;
 *
 *	gsched_tchan_make(&jobs, 16);		// make(chan job, 16)
 *	gsched_tchan_send(jobs, &j);		// jobs <- j
 *	gsched_tchan_recv(jobs, &j);		// j, ok := <-jobs
 *	GSCHED_TRECV(jobs, &j)			// case j = <-jobs: (select)
 *
 * Passing a long * for a channel of int, or a struct of another type, does
 * not compile ("gsched: value type is not the channel's element type").
 * The untyped handle is .ch, for everything else (close, release, export,
 * the _ctx calls with gsched_tchan_check()). Each macro evaluates its
 * arguments once. C only (GNU C's __builtin_types_compatible_p).
 */
#ifndef __cplusplus
#define GSCHED_CHAN_OF(T)	struct { gsched_chan_t ch; T *elem_type_; }

/* 0, or a compile error when *(ptr) is not the channel's element type */
#define gsched_tchan_check(tc, ptr)					\
	(0 * sizeof(struct {						\
		_Static_assert(__builtin_types_compatible_p(		\
			__typeof__(*(tc).elem_type_),			\
			__typeof__(*(ptr))),				\
			"gsched: value type is not the channel's element type"); \
		int unused_;						\
	}))

#define gsched_tchan_make(tcp, cap)					\
	gsched_chan_make(&(tcp)->ch, sizeof(*(tcp)->elem_type_), (cap))
#define gsched_tchan_send(tc, ptr)					\
	gsched_chan_send((tc).ch + gsched_tchan_check(tc, ptr), (ptr))
#define gsched_tchan_recv(tc, ptr)					\
	gsched_chan_recv((tc).ch + gsched_tchan_check(tc, ptr), (ptr))
#define gsched_tchan_trysend(tc, ptr)					\
	gsched_chan_trysend((tc).ch + gsched_tchan_check(tc, ptr), (ptr))
#define gsched_tchan_tryrecv(tc, ptr)					\
	gsched_chan_tryrecv((tc).ch + gsched_tchan_check(tc, ptr), (ptr))
#define GSCHED_TSEND(tc, ptr)						\
	GSCHED_SEND((tc).ch + gsched_tchan_check(tc, ptr), (ptr))
#define GSCHED_TRECV(tc, ptr)						\
	GSCHED_RECV((tc).ch + gsched_tchan_check(tc, ptr), (ptr))
#endif

#ifdef __cplusplus
}
#endif

#endif /* GSCHED_H */
