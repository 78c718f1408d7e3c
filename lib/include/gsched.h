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

#include "../../uapi/gsched.h"

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
};

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
 * Return: 0 when main returned; -EDEADLK when every task was asleep with
 * nothing to wake them (Go's "all goroutines are asleep - deadlock!", also
 * reported in the kernel log); -ENOENT when the module is not loaded;
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

/** The index of the worker running the caller, or -1 outside a task. */
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

/** The runtime's /dev/gsched file descriptor (for tests), or -1. */
int gsched_fd(void);

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

#ifdef __cplusplus
}
#endif

#endif /* GSCHED_H */
