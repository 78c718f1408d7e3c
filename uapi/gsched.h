/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * gsched: Go-style goroutine scheduling with the scheduler in the kernel.
 *
 * The only header shared by the module and user space. Conventions:
 *
 *  - One ioctl magic (GSCHED_IOC_MAGIC). The size encoded in each ioctl
 *    number is the size of the caller's struct: the kernel reads it with
 *    copy_struct_from_user(), so an older caller (shorter struct) keeps
 *    working and a newer caller (longer struct) gets -E2BIG unless the tail
 *    it does not know about is zero. Structs only ever grow at the end.
 *  - Every struct is a multiple of 8 bytes, uses only __u32/__u64 (or
 *    signed variants), has explicit padding, and keeps its output fields
 *    last. "flags" and every "__reserved"/"__pad" field must be zero on
 *    input, otherwise the call fails with -EINVAL.
 *  - Objects are named by 32-bit handles local to one open file (one
 *    runtime instance). Handle 0 is never valid. An unknown handle gives
 *    -EBADF, a handle of the wrong type gives -EINVAL.
 *  - Unknown ioctl numbers give -ENOTTY.
 */
#ifndef _UAPI_GSCHED_H
#define _UAPI_GSCHED_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define GSCHED_DEVICE		"/dev/gsched"
#define GSCHED_ABI_VERSION	3

/* Feature bits reported by GSCHED_IOC_VERSION. */
#define GSCHED_FEAT_TASKS	(1ULL << 0)	/* tasks, run queues, stealing */
#define GSCHED_FEAT_PARK	(1ULL << 1)	/* park/unpark with permit */
#define GSCHED_FEAT_JOIN	(1ULL << 2)	/* join a task */
#define GSCHED_FEAT_DEADLOCK	(1ULL << 3)	/* all-asleep detection */
#define GSCHED_FEAT_CHAN	(1ULL << 4)	/* channels and select */
#define GSCHED_FEAT_TIMER	(1ULL << 5)	/* sleep, timeouts, timer channels */
#define GSCHED_FEAT_CHAN_SHARE	(1ULL << 6)	/* channel export/import */
#define GSCHED_FEAT_SYNC	(1ULL << 7)	/* mutex, rwmutex, wait group, cond */
#define GSCHED_FEAT_CTX		(1ULL << 8)	/* contexts */
#define GSCHED_FEAT_HANDOFF	(1ULL << 9)	/* blocked workers hand off */
#define GSCHED_FEAT_POLL	(1ULL << 10)	/* fd readiness select cases */
#define GSCHED_FEAT_PREEMPT	(1ULL << 11)	/* signal-based preemption */
/* mutex and wait group words in user memory (GSCHED_IOC_WORD, ABI 3) */
#define GSCHED_FEAT_WORD	(1ULL << 12)
/* rwmutex words: GSCHED_WORD_R*, GSCHED_SEL_[RW]LOCK_WORD (ABI 3) */
#define GSCHED_FEAT_RWWORD	(1ULL << 13)

/* Limits that are part of the ABI. */
#define GSCHED_MAX_PROCS	256	/* cap on gomaxprocs (Go's P cap) */
#define GSCHED_RUNQ_SIZE	256	/* per-P local ring */

/**
 * struct gsched_version - GSCHED_IOC_VERSION: what this module speaks
 * @flags:		in: must be 0
 * @__pad:		in: must be 0
 * @abi_version:	out: GSCHED_ABI_VERSION of the module
 * @max_procs:		out: largest nprocs GSCHED_IOC_SETUP accepts
 * @features:		out: GSCHED_FEAT_* bits
 * @max_tasks:		out: module-wide cap on live tasks per instance
 * @size_setup:		out: sizeof(struct gsched_setup) known to the module
 * @size_worker:	out: sizeof(struct gsched_worker_reg)
 * @size_spawn:		out: sizeof(struct gsched_spawn)
 * @size_switch:	out: sizeof(struct gsched_switch)
 * @size_task:		out: sizeof(struct gsched_task_op)
 * @size_info:		out: sizeof(struct gsched_task_info)
 * @size_chan_make:	out: sizeof(struct gsched_chan_make)
 * @size_chan_op:	out: sizeof(struct gsched_chan_op)
 * @size_select:	out: sizeof(struct gsched_select)
 * @size_timer:		out: sizeof(struct gsched_timer_op)
 * @max_elem_size:	out: largest channel element size
 * @max_select_cases:	out: largest select
 * @size_sync:		out: sizeof(struct gsched_sync_op)
 * @size_ctx:		out: sizeof(struct gsched_ctx_op)
 * @size_fd:		out: sizeof(struct gsched_fd_op)
 * @size_word:		out: sizeof(struct gsched_word_op) (ABI 3; 0 before)
 * @__pad3:		out: 0 (the struct's size stays a multiple of 8)
 */
struct gsched_version {
	__u32 flags;
	__u32 __pad;
	/* output */
	__u32 abi_version;
	__u32 max_procs;
	__u64 features;
	__u32 max_tasks;
	__u32 size_setup;
	__u32 size_worker;
	__u32 size_spawn;
	__u32 size_switch;
	__u32 size_task;
	__u32 size_info;
	__u32 size_chan_make;
	__u32 size_chan_op;
	__u32 size_select;
	__u32 size_timer;
	__u32 max_elem_size;
	__u32 max_select_cases;
	__u32 size_sync;
	__u32 size_ctx;
	__u32 size_fd;
	__u32 size_word;
	__u32 __pad3;
};

/**
 * struct gsched_setup - GSCHED_IOC_SETUP: configure the instance, once
 * @flags:	in: must be 0
 * @nprocs:	in: number of Ps (run queues and workers), 1..max_procs
 * @max_tasks:	in: cap on live tasks, 0 = module default; larger than the
 *		module's cap is clamped to it
 * @max_spares:	in: spare worker slots (workers beyond nprocs that take
 *		over the run queue of a worker blocked in the kernel),
 *		0 = none (no hand-off); clamped to the module parameter
 *		max_spares
 * @preempt_signal: in: signal the module sends to a worker whose task has
 *		run longer than the module parameter preempt_ms, 0 = never
 *		(no preemption); 1..64 except SIGKILL and SIGSTOP
 * @__reserved:	in: must be 0
 * @instance_id: out: the id of this instance in /sys/kernel/gsched/
 * @max_tasks_out: out: the cap in force
 * @max_spares_out: out: spare slots in force: worker indexes nprocs ..
 *		nprocs + max_spares_out - 1 register spares
 * @__pad:	out: 0
 *
 * Return: 0, -EBUSY if the instance is already set up, -EINVAL for bad
 * arguments.
 */
struct gsched_setup {
	__u32 flags;
	__u32 nprocs;
	__u32 max_tasks;
	__u32 max_spares;
	__u32 preempt_signal;
	__u32 __reserved;
	__u64 __reserved2;
	/* output */
	__u32 instance_id;
	__u32 max_tasks_out;
	__u32 max_spares_out;
	__u32 __pad;
};

/**
 * struct gsched_worker_reg - GSCHED_IOC_WORKER: register the calling thread
 * @flags:	in: must be 0
 * @index:	in: 0..nprocs-1: a worker that starts with P @index;
 *		nprocs..nprocs+max_spares-1: a spare that starts without a
 *		P and waits in GSCHED_IOC_SWITCH until it is given one
 * @__reserved:	in: must be 0
 *
 * Each worker index is registered once, by one thread of the process
 * that called SETUP (-EPERM for a thread of another process, or of this
 * one after execve). Every later call that names a worker must come from
 * that thread (-EPERM otherwise). When that process exits or calls
 * execve, the instance stops: it signals no thread again and releases
 * every file its fd waits held; the open file then only returns errors. A
 * worker is a Go M: it holds at most one P at a time, and which P it
 * holds changes when workers block in the kernel (hand-off).
 */
struct gsched_worker_reg {
	__u32 flags;
	__u32 index;
	__u64 __reserved;
};

/* Worker index to pass before any worker exists (spawning the main task). */
#define GSCHED_NO_WORKER	0xffffffffU

#define GSCHED_SPAWN_MAIN	(1U << 0) /* its exit ends the runtime */
#define GSCHED_SPAWN_DETACHED	(1U << 1) /* freed on exit, not joinable */
#define GSCHED_SPAWN_FLAGS	(GSCHED_SPAWN_MAIN | GSCHED_SPAWN_DETACHED)

/**
 * struct gsched_spawn - GSCHED_IOC_SPAWN: create a runnable task
 * @flags:	in: GSCHED_SPAWN_*
 * @worker:	in: caller's worker index (the new task goes to that P's
 *		runnext, Go's newproc), or GSCHED_NO_WORKER before the
 *		first worker registered (the task goes to the global queue)
 * @cookie:	in: opaque user value returned when the task is to run
 *		(libgsched: pointer to its task struct); must not be 0
 * @__reserved:	in: must be 0
 * @id:		out: the task's handle
 * @__pad:	out: 0
 *
 * Return: 0; -EAGAIN when the instance's task cap is reached; -ENOMEM.
 */
struct gsched_spawn {
	__u32 flags;
	__u32 worker;
	__u64 cookie;
	__u64 __reserved;
	/* output */
	__u32 id;
	__u32 __pad;
};

/*
 * Scheduling operations for GSCHED_IOC_SWITCH. The calling worker's
 * current task (if any) does @op, then the worker is given the next task to
 * run. Every op except GSCHED_OP_NONE needs a current task.
 */
#define GSCHED_OP_NONE		0 /* no current task: just pick the next */
#define GSCHED_OP_YIELD		1 /* runnable again, to the global queue */
#define GSCHED_OP_EXIT		2 /* task ends with exit_value */
#define GSCHED_OP_PARK		3 /* wait for unpark; reason = wait reason */
#define GSCHED_OP_JOIN		4 /* wait for task to end */
#define GSCHED_OP_SEND		5 /* send *buf on channel chan */
#define GSCHED_OP_RECV		6 /* receive from channel chan into *buf */
#define GSCHED_OP_SELECT	7 /* select = struct gsched_select * */
#define GSCHED_OP_SLEEP		8 /* sleep sleep_ns nanoseconds */
#define GSCHED_OP_MAX		8

/* Wait reasons, as shown in sysfs/debugfs and the deadlock report. */
#define GSCHED_WAIT_NONE	0
#define GSCHED_WAIT_PARK	1 /* gsched_park() */
#define GSCHED_WAIT_JOIN	2 /* gsched_join() */
#define GSCHED_WAIT_USER	3 /* user-defined parking lot */
#define GSCHED_WAIT_CHAN_SEND	4 /* blocked sending */
#define GSCHED_WAIT_CHAN_RECV	5 /* blocked receiving */
#define GSCHED_WAIT_SELECT	6 /* blocked in select */
#define GSCHED_WAIT_SELECT_NONE	7 /* select with no cases: forever */
#define GSCHED_WAIT_CHAN_NIL	8 /* send/receive on a nil channel */
#define GSCHED_WAIT_SLEEP	9 /* sleeping */
#define GSCHED_WAIT_MUTEX	10 /* mutex lock */
#define GSCHED_WAIT_RLOCK	11 /* rwmutex read lock */
#define GSCHED_WAIT_WLOCK	12 /* rwmutex write lock */
#define GSCHED_WAIT_WAITGROUP	13 /* wait group wait */
#define GSCHED_WAIT_COND	14 /* cond wait */
#define GSCHED_WAIT_MAX		14

/* Set in gsched_switch.next_flags. */
#define GSCHED_NEXT_EXIT	(1U << 0) /* runtime over: worker must return */
#define GSCHED_NEXT_DEADLOCK	(1U << 1) /* with EXIT: every task was asleep */
/* start one more spare worker (the next free index) when you can */
#define GSCHED_NEXT_SPAWN	(1U << 2)

/* sizeof(struct gsched_switch) in ABI version 1, before next_p */
#define GSCHED_SWITCH_SIZE_VER1	64

/**
 * struct gsched_switch - GSCHED_IOC_SWITCH: one scheduling event
 * @flags:	in: must be 0
 * @worker:	in: the caller's worker index
 * @op:		in: GSCHED_OP_*
 * @chan:	in: SEND, RECV: the channel's handle
 * @task:	in: JOIN: the handle of the task to wait for
 * @reason:	in: PARK: the wait reason, GSCHED_WAIT_PARK or
 *		GSCHED_WAIT_USER
 * @arg32:	in: the same field unnamed: 0 for the other ops
 * @exit_value:	in: EXIT: the task's exit value
 * @buf:	in: SEND, RECV: pointer to the element to send or the buffer
 *		to receive into
 * @select:	in: SELECT: pointer to the struct gsched_select
 * @sleep_ns:	in: SLEEP: nanoseconds to sleep; 0 returns at once
 * @arg64:	in: the same field unnamed: 0 for the other ops
 * @__reserved:	in: must be 0
 * @next_cookie: out: cookie of the task to run next (0 with NEXT_EXIT)
 * @next_id:	out: its handle
 * @next_flags:	out: GSCHED_NEXT_*
 * @next_result: out: result of the operation the next task blocked in
 *		(JOIN: the joined task's exit value; PARK/YIELD/SLEEP: 0;
 *		SEND: 0 or -EPIPE; RECV: 1 for a value, 0 when closed;
 *		SELECT: 0, -EPIPE, -ETIMEDOUT or -EAGAIN (default), with the
 *		case written back into the struct gsched_select), or,
 *		with GSCHED_NEXT_EXIT, the main task's exit value (0 with
 *		GSCHED_NEXT_DEADLOCK)
 * @next_p:	out: the P (0 to nprocs - 1) the worker holds to run the
 *		next task; 0 with GSCHED_NEXT_EXIT
 * @__out_pad:	out: always 0
 *
 * The op is applied before the call can sleep. If the worker is
 * interrupted by a signal while idle, the call returns -EINTR after the op
 * was applied: call again with GSCHED_OP_NONE.
 * Return: 0 (the next task is in the out fields); -EINTR; -EINVAL/-EBADF
 * when the op's arguments are bad (the op was not applied and the current
 * task keeps running).
 */
struct gsched_switch {
	__u32 flags;
	__u32 worker;
	__u32 op;
	/* one argument field each, named for what the op passes in it */
	union {
		__u32 chan;
		__u32 task;
		__u32 reason;
		__u32 arg32;
	};
	union {
		__s64 exit_value;
		__u64 buf;
		__u64 select;
		__u64 sleep_ns;
		__s64 arg64;
	};
	__u64 __reserved[2];
	/* output */
	__u64 next_cookie;
	__u32 next_id;
	__u32 next_flags;
	__s64 next_result;
	__u32 next_p;
	__u32 __out_pad;
};

/**
 * struct gsched_task_op - GSCHED_IOC_UNPARK, GSCHED_IOC_DETACH
 * @flags:	in: must be 0
 * @worker:	in: UNPARK: caller's worker index (the woken task goes to
 *		this P's runnext, Go's ready()); DETACH: must be 0
 * @id:		in: task handle
 * @__pad:	in: must be 0
 * @__reserved:	in: must be 0
 *
 * UNPARK wakes a task parked with GSCHED_OP_PARK, or leaves a permit so
 * that its next park returns at once (like futex wake before wait). A
 * task blocked in anything else (join, channel, select, sleep) is not
 * woken: it only gets the permit.
 * DETACH makes a task free itself on exit (a dead task is freed now);
 * joining a detached task is -EINVAL.
 */
struct gsched_task_op {
	__u32 flags;
	__u32 worker;
	__u32 id;
	__u32 __pad;
	__u64 __reserved;
};

/* Task states (struct gsched_task_info.state). */
#define GSCHED_TASK_RUNNABLE	1
#define GSCHED_TASK_RUNNING	2
#define GSCHED_TASK_WAITING	3
#define GSCHED_TASK_DEAD	4

/**
 * struct gsched_task_info - GSCHED_IOC_TASK_INFO: inspect a task
 * @flags:	in: must be 0
 * @id:		in: task handle
 * @__reserved:	in: must be 0
 * @state:	out: GSCHED_TASK_*
 * @wait_reason: out: GSCHED_WAIT_* while waiting
 * @last_cpu:	out: the P it last ran on, or -1
 * @__pad:	out: 0
 * @exit_value:	out: valid when DEAD
 */
struct gsched_task_info {
	__u32 flags;
	__u32 id;
	__u64 __reserved;
	/* output */
	__u32 state;
	__u32 wait_reason;
	__s32 last_cpu;
	__u32 __pad;
	__s64 exit_value;
};

/* Channels. */
#define GSCHED_CHAN_MAX_ELEM	65536	/* largest element size in bytes */
#define GSCHED_SELECT_MAX	1024	/* largest select */

/**
 * struct gsched_chan_make - GSCHED_IOC_CHAN_MAKE: make(chan T, cap)
 * @flags:	in: must be 0
 * @elem_size:	in: bytes per element, 0..GSCHED_CHAN_MAX_ELEM
 * @cap:	in: buffer slots, 0 = unbuffered (rendezvous)
 * @__pad:	in: must be 0
 * @__reserved:	in: must be 0
 * @handle:	out: the channel's handle
 * @__pad2:	out: 0
 *
 * Return: 0; -EINVAL for a bad size; -ENOMEM when elem_size * cap would
 * exceed the instance's budget for buffered bytes (module parameter
 * max_chan_bytes).
 */
struct gsched_chan_make {
	__u32 flags;
	__u32 elem_size;
	__u32 cap;
	__u32 __pad;
	__u64 __reserved;
	/* output */
	__u32 handle;
	__u32 __pad2;
};

/* struct gsched_chan_op.op: operations that never block. */
#define GSCHED_CHAN_TRYSEND	1 /* send if it can complete now, else -EAGAIN */
#define GSCHED_CHAN_TRYRECV	2 /* receive if it can complete now */
#define GSCHED_CHAN_CLOSE	3 /* close(ch) */
#define GSCHED_CHAN_RELEASE	4 /* drop this handle */
#define GSCHED_CHAN_INFO	5 /* len, cap, elem_size, closed */
#define GSCHED_CHAN_EXPORT	6 /* a new fd (O_CLOEXEC) naming the channel */
#define GSCHED_CHAN_IMPORT	7 /* a handle for the channel of fd @buf */
#define GSCHED_CHAN_TASK_EXIT	8 /* a channel closed when task @buf exits */
#define GSCHED_CHAN_OP_MAX	8

/* GSCHED_CHAN_EXPORT flags, in struct gsched_chan_op.buf */
/* close the channel when the exporting handle or its instance goes away */
#define GSCHED_EXPORT_CLOSE_ON_EXIT	(1ULL << 0)
#define GSCHED_EXPORT_FLAGS		GSCHED_EXPORT_CLOSE_ON_EXIT

/**
 * struct gsched_chan_op - GSCHED_IOC_CHAN: a non-blocking channel call
 * @flags:	in: must be 0
 * @worker:	in: caller's worker index (woken tasks go to its runnext), or
 *		GSCHED_NO_WORKER from a thread that is not a worker
 * @op:		in: GSCHED_CHAN_*
 * @buf:	in: TRYSEND: the value; TRYRECV: where to store it (may be 0
 *		to discard); IMPORT: the file descriptor; else 0. A pointer
 *		(void *) as __u64. TASK_EXIT: the task's handle. EXPORT:
 *		GSCHED_EXPORT_* flags (unknown bits: -EINVAL).
 * @handle:	in: the channel (0 is the nil channel); out: IMPORT,
 *		TASK_EXIT: the new handle
 * @__reserved:	in: must be 0
 * @ok:		out: TRYRECV: 1 for a value, 0 when closed and drained;
 *		INFO: 1 when closed
 * @len:	out: INFO: buffered elements
 * @cap:	out: INFO: capacity
 * @elem_size:	out: INFO: element size
 * @fd:		out: EXPORT: the new file descriptor
 * @__pad:	out: 0
 *
 * EXPORT and IMPORT share a channel between instances, usually of
 * different processes (pass the fd over a Unix socket or across fork).
 * Values are copied. The channel lives while any handle or fd names it;
 * tasks of an instance that goes away simply stop waiting on it. A task
 * blocked on a channel is exempt from its instance's deadlock check only
 * while something else could still complete its wait: an exported fd of
 * the channel is open somewhere, or another instance holds a handle to
 * it. Once the exported fds are closed and every other holder is gone,
 * its waiters are reported like any local deadlock.
 * With GSCHED_EXPORT_CLOSE_ON_EXIT the channel is closed when the
 * handle EXPORT was called on goes away: released, or with its instance
 * (the process exits or closes its /dev/gsched fd). Receivers elsewhere
 * then drain the buffer and get (zero, ok 0), like a pipe reader at EOF;
 * senders get -EPIPE. Not allowed on a channel the module owns (a
 * context's done or a task's exit channel): -EPERM.
 * Return: 0; -EAGAIN when a TRY op would block (also on the nil
 * channel); -EPIPE for a send on a closed channel; -EINVAL for closing a
 * closed or nil channel; -EBADF/-EINVAL for a bad handle; -EFAULT.
 */
struct gsched_chan_op {
	__u32 flags;
	__u32 worker;
	__u32 op;
	__u32 handle;
	__u64 buf;
	__u64 __reserved;
	/* output */
	__u32 ok;
	__u32 len;
	__u32 cap;
	__u32 elem_size;
	__s32 fd;
	__u32 __pad;
};

#define GSCHED_SEL_SEND		1
#define GSCHED_SEL_RECV		2
#define GSCHED_SEL_LOCK		3 /* lock the mutex @handle */
#define GSCHED_SEL_RLOCK	4 /* read-lock the rwmutex @handle */
#define GSCHED_SEL_WLOCK	5 /* write-lock the rwmutex @handle */
#define GSCHED_SEL_WGWAIT	6 /* wait for the wait group @handle */
/* wait on cond @handle; @buf is the mutex handle, unlocked once waiting */
#define GSCHED_SEL_CONDWAIT	7
/* wait until fd @handle is readable / writable (or has an error or hangup) */
#define GSCHED_SEL_FDREAD	8
#define GSCHED_SEL_FDWRITE	9
/*
 * ABI 3, GSCHED_FEAT_WORD: the same waits on words in the caller's own
 * memory (struct gsched_word_op); @handle must be 0, @buf is the word's
 * address.
 */
#define GSCHED_SEL_LOCK_WORD	10 /* lock the mutex word at @buf */
#define GSCHED_SEL_WGWAIT_WORD	11 /* wait for the wait group word at @buf */
/* wait on cond @handle; @buf is a locked mutex word, unlocked once waiting */
#define GSCHED_SEL_CONDWAIT_WORD 12
/* GSCHED_FEAT_RWWORD: read-lock / write-lock the rwmutex word at @buf */
#define GSCHED_SEL_RLOCK_WORD	13
#define GSCHED_SEL_WLOCK_WORD	14
#define GSCHED_SEL_MAX		14

/**
 * struct gsched_select_case - one case of a select
 * @handle:	the channel or sync object; 0 (nil) makes the case never
 *		ready; FDREAD/FDWRITE: the file descriptor (any fd that
 *		supports poll; -EPERM for one that does not)
 * @dir:	GSCHED_SEL_*
 * @buf:	SEND: the value; RECV: where to store it (0 to discard);
 *		CONDWAIT: the mutex handle; *_WORD: the word's address
 *		(see struct gsched_word_op); else 0
 *
 * The lock and wait cases let one select wait for a lock, a wait group
 * or a cond together with channels: that is how every blocking call gets
 * a context variant (the case plus a receive on the context's done
 * channel). A CONDWAIT case always unlocks its mutex, whether the select
 * then parks or completes at once; the caller locks it again.
 */
struct gsched_select_case {
	__u32 handle;
	__u32 dir;
	__u64 buf;
};

#define GSCHED_SELECT_DEFAULT	(1U << 0) /* never block: -EAGAIN */
#define GSCHED_SELECT_TIMEOUT	(1U << 1) /* give up after timeout_ns */
#define GSCHED_SELECT_FLAGS	(GSCHED_SELECT_DEFAULT | GSCHED_SELECT_TIMEOUT)

/**
 * struct gsched_select - argument of GSCHED_OP_SELECT
 * @flags:	in: GSCHED_SELECT_*
 * @ncases:	in: number of cases, 0..GSCHED_SELECT_MAX (0 without
 *		default or timeout blocks forever, Go's select {})
 * @cases:	in: struct gsched_select_case array (pointer as __u64)
 * @timeout_ns:	in: with GSCHED_SELECT_TIMEOUT, relative timeout
 * @__reserved:	in: must be 0
 * @index:	out: the case that completed
 * @ok:		out: for a receive, 1 for a value, 0 when closed
 *
 * Among ready cases one is chosen uniformly at random. The same channel
 * may appear in several cases. The result (next_result of the SWITCH that
 * resumes the task) is 0, -EPIPE (the chosen send found the channel
 * closed), -EAGAIN (default), -ETIMEDOUT, -EFAULT or, for an fd case,
 * -EBADF (GSCHED_FD_CLOSE woke it). An fd case whose fd and direction
 * already have a waiting task in this instance makes the op fail with
 * -EBUSY before anything happens (Go's double wait); an fd without poll
 * support with -EPERM; a bad fd with -EBADF.
 */
struct gsched_select {
	__u32 flags;
	__u32 ncases;
	__u64 cases;
	__u64 timeout_ns;
	__u64 __reserved;
	/* output */
	__u32 index;
	__u32 ok;
};

/* struct gsched_timer_op.op */
#define GSCHED_TIMER_MAKE	1 /* new timer channel */
#define GSCHED_TIMER_STOP	2 /* disarm; ok = 1 if it was armed */
#define GSCHED_TIMER_RESET	3 /* re-arm with delay_ns, period_ns */
#define GSCHED_TIMER_OP_MAX	3

/**
 * struct gsched_timer_op - GSCHED_IOC_TIMER: Go's time.NewTimer/NewTicker
 * @flags:	in: must be 0
 * @op:		in: GSCHED_TIMER_*
 * @handle:	in: STOP/RESET: the timer's channel; out: MAKE: the new one
 * @__pad:	in: must be 0
 * @delay_ns:	in: MAKE/RESET: first expiry, relative (0 = disarmed)
 * @period_ns:	in: MAKE/RESET: then every period_ns (0 = once)
 * @__reserved:	in: must be 0
 * @ok:		out: STOP/RESET: 1 when the timer was armed
 * @__pad2:	out: 0
 *
 * A timer is a channel of capacity 1 and 8-byte elements: at each expiry
 * the time (CLOCK_MONOTONIC ns) is sent without blocking; a tick that
 * finds the buffer full is dropped, as Go's ticker does. Release the
 * channel handle (GSCHED_CHAN_RELEASE) to free the timer.
 */
struct gsched_timer_op {
	__u32 flags;
	__u32 op;
	__u32 handle;
	__u32 __pad;
	__u64 delay_ns;
	__u64 period_ns;
	__u64 __reserved;
	/* output */
	__u32 ok;
	__u32 __pad2;
};

/* Sync objects (one instance each; not shareable). */
#define GSCHED_SYNC_MUTEX	1
#define GSCHED_SYNC_RWMUTEX	2
#define GSCHED_SYNC_WAITGROUP	3
#define GSCHED_SYNC_COND	4

#define GSCHED_SYNC_MAKE	1 /* arg: GSCHED_SYNC_* kind; out: handle */
#define GSCHED_SYNC_RELEASE	2
#define GSCHED_SYNC_UNLOCK	3 /* mutex unlock, rwmutex write unlock */
#define GSCHED_SYNC_TRYLOCK	4 /* mutex or rwmutex write: -EBUSY */
#define GSCHED_SYNC_RUNLOCK	5
#define GSCHED_SYNC_RTRYLOCK	6
#define GSCHED_SYNC_ADD		7 /* wait group: add (s64)arg */
#define GSCHED_SYNC_SIGNAL	8 /* cond: wake one */
#define GSCHED_SYNC_BROADCAST	9 /* cond: wake all */
#define GSCHED_SYNC_OP_MAX	9

/**
 * struct gsched_sync_op - GSCHED_IOC_SYNC: the non-blocking sync calls
 * @flags:	in: must be 0
 * @worker:	in: caller's worker (woken tasks go to its runnext) or
 *		GSCHED_NO_WORKER
 * @op:		in: GSCHED_SYNC_*
 * @handle:	in: the object (out: MAKE)
 * @arg:	in: MAKE: the kind; ADD: the delta; else 0
 * @__reserved:	in: must be 0
 * @value:	out: ADD: the new counter
 *
 * Blocking (lock, rlock, wait group wait, cond wait) goes through
 * GSCHED_OP_SELECT cases. Errors: unlock of an unlocked mutex or rwmutex
 * -EPERM; a wait group counter below zero -ERANGE (the counter is left
 * unchanged); a positive add while woken waiters have not yet returned
 * -EBUSY (Go's "WaitGroup is reused before previous Wait has returned");
 * an op that does not fit the object's kind -EINVAL.
 */
struct gsched_sync_op {
	__u32 flags;
	__u32 worker;
	__u32 op;
	__u32 handle;
	__s64 arg;
	__u64 __reserved;
	/* output */
	__s64 value;
};

/*
 * Sync words (ABI 3, GSCHED_FEAT_WORD): Go's zero-value sync.Mutex and
 * sync.WaitGroup live in the program's own memory, and user space does
 * the uncontended cases with one atomic instruction; the module is
 * entered only to wait and to wake, with the word's address. It keeps a
 * wait queue per (instance, address) while anybody waits, and reads and
 * updates the word itself under that queue's lock.
 *
 * Mutex word, a __u32, 4-byte aligned, 0 = unlocked: user space may only
 * compare-and-swap 0 -> LOCKED (lock) and LOCKED -> 0 (unlock), and, for
 * a trylock, a value without LOCKED and STARVING to the same value with
 * LOCKED (Go's barging TryLock); any other value means "ask the module".
 * WAITERS is set by the module while tasks wait, STARVING while it hands
 * the lock from owner to waiter directly (Go's starvation mode): both
 * keep user space's exact-value CAS failing.
 */
#define GSCHED_MUTEX_LOCKED	(1U << 0)
#define GSCHED_MUTEX_WAITERS	(1U << 1)
#define GSCHED_MUTEX_STARVING	(1U << 2)

/*
 * Wait group word, a __u64, 8-byte aligned, 0 = counter 0, nobody
 * waiting. The counter is the upper 32 bits (0..INT32_MAX); the module
 * sets WAITERS while tasks wait and WAKING from waking them until the
 * last has returned. User space may add to the counter with a CAS that
 * keeps the low bits, unless the new counter is 0 while WAITERS is set,
 * or it adds to a counter of 0 while WAKING is set: those go to the
 * module (GSCHED_WORD_ADD).
 */
#define GSCHED_WG_WAITERS	(1ULL << 0)
#define GSCHED_WG_WAKING	(1ULL << 1)
#define GSCHED_WG_SHIFT		32

/*
 * RWMutex word (GSCHED_FEAT_RWWORD), a __u32, 4-byte aligned, 0 =
 * unlocked, nobody waiting: Go's sync.RWMutex. READERS counts the read
 * locks held; WRITER is the write lock; the module sets RWAIT while
 * readers wait and WWAIT while writers wait (a waiting writer blocks new
 * readers: Go's writer preference). User space may only compare-and-swap:
 * read lock, v -> v + 1 when v has none of WRITER, WWAIT and RWAIT and
 * READERS is below its maximum; read unlock, v -> v - 1 when v has
 * READERS and no WRITER, and either READERS is above 1 or v has neither
 * WWAIT nor RWAIT (the last reader out with a writer waiting hands the
 * lock over in the module); write lock 0 -> WRITER; write unlock
 * WRITER -> 0. Anything else goes to the module.
 */
#define GSCHED_RW_READERS	0x1fffffffU
#define GSCHED_RW_RWAIT		(1U << 29)
#define GSCHED_RW_WWAIT		(1U << 30)
#define GSCHED_RW_WRITER	(1U << 31)

/* struct gsched_word_op.op */
#define GSCHED_WORD_UNLOCK	1 /* mutex unlock: hand over or wake */
#define GSCHED_WORD_TRYLOCK	2 /* mutex: lock if free, else -EBUSY */
#define GSCHED_WORD_ADD		3 /* wait group: add @arg, wake at zero */
/* GSCHED_FEAT_RWWORD: rwmutex words */
#define GSCHED_WORD_RUNLOCK	4 /* read unlock: the last hands to a writer */
#define GSCHED_WORD_RWUNLOCK	5 /* write unlock: readers in, else a writer */
#define GSCHED_WORD_RTRYLOCK	6 /* read lock if no writer holds or waits */
#define GSCHED_WORD_RWTRYLOCK	7 /* write lock if free, else -EBUSY */
#define GSCHED_WORD_OP_MAX	7

/**
 * struct gsched_word_op - GSCHED_IOC_WORD: the non-blocking word calls
 * @flags:	in: must be 0
 * @worker:	in: caller's worker (woken tasks go to its runnext) or
 *		GSCHED_NO_WORKER
 * @op:		in: GSCHED_WORD_*
 * @__pad:	in: must be 0
 * @addr:	in: the word's address in the caller's memory (a pointer as
 *		__u64): a mutex word for UNLOCK and TRYLOCK (4-byte
 *		aligned), a wait group word for ADD (8-byte aligned)
 * @arg:	in: ADD: the delta; else 0
 * @__reserved:	in: must be 0
 * @value:	out: the word as the module left it
 *
 * The calls that block (lock, wait, cond wait on a mutex word, rwmutex
 * read and write lock) are GSCHED_OP_SELECT cases: GSCHED_SEL_LOCK_WORD,
 * GSCHED_SEL_WGWAIT_WORD, GSCHED_SEL_CONDWAIT_WORD, GSCHED_SEL_RLOCK_WORD,
 * GSCHED_SEL_WLOCK_WORD. Only threads of the process that set the
 * instance up may name words (-EPERM otherwise): the address is one of
 * that address space. The word is trusted for nothing but the program's
 * own semantics: a scribbled word may break that program's locking, never
 * the module.
 * Return: 0; -EINVAL for a bad field, a NULL or misaligned address, or a
 * word in use as the other kind; -EFAULT for an address that is not
 * writable user memory; -EPERM for an unlock of an unlocked mutex, a
 * RUNLOCK with no reader, an RWUNLOCK with no writer; -EBUSY (the
 * TRYLOCKs) when locked (RTRYLOCK: write-locked or a writer waits);
 * -ERANGE when the counter would leave 0..INT32_MAX (unchanged); -EBUSY
 * (ADD) for a positive add to a counter of 0 while woken waiters have not
 * all returned; -EAGAIN (RTRYLOCK, and an RLOCK_WORD case's result) when
 * READERS is at its maximum; -EAGAIN when the word kept changing under
 * the module, or an rwmutex hand-off is being stored (retry), or the
 * instance has too many words with waiters (module parameter max_words).
 */
struct gsched_word_op {
	__u32 flags;
	__u32 worker;
	__u32 op;
	__u32 __pad;
	__u64 addr;
	__s64 arg;
	__u64 __reserved;
	/* output */
	__u64 value;
};

#define GSCHED_CTX_MAKE		1 /* a child of @handle (0: background) */
#define GSCHED_CTX_CANCEL	2
#define GSCHED_CTX_INFO		3
#define GSCHED_CTX_RELEASE	4
#define GSCHED_CTX_EXPORT	5 /* out: fd */
#define GSCHED_CTX_IMPORT	6 /* arg: fd; out: handle, done */
#define GSCHED_CTX_OP_MAX	6

/**
 * struct gsched_ctx_op - GSCHED_IOC_CTX: Go's context package
 * @flags:	in: must be 0
 * @op:		in: GSCHED_CTX_*
 * @handle:	in: the context (MAKE: the parent, 0 for background);
 *		out: MAKE/IMPORT: the new context
 * @__pad:	in: must be 0
 * @deadline_ns: in: MAKE: absolute CLOCK_MONOTONIC deadline, 0 for none
 * @arg:	in: IMPORT: the fd; EXPORT: GSCHED_EXPORT_* flags (unknown
 *		bits: -EINVAL); else 0
 * @__reserved:	in: must be 0
 * @done:	out: MAKE/IMPORT: a channel handle closed when the context
 *		is done; the same handle for the context's whole life
 * @err:	out: INFO: 0, -ECANCELED or -ETIMEDOUT
 * @deadline:	out: MAKE/INFO: the effective deadline (the earlier of the
 *		parent's and its own), 0 for none
 * @fd:		out: EXPORT: the new fd
 * @__pad2:	out: 0
 *
 * Cancelling a context cancels its whole subtree at once; a child never
 * cancels its parent; cancel is idempotent and stops the deadline timer.
 * Values (WithValue) live in user space. Contexts can be exported like
 * channels so a pipeline across processes cancels together. With
 * GSCHED_EXPORT_CLOSE_ON_EXIT the context is cancelled (-ECANCELED) when
 * the handle EXPORT was called on goes away: released, or with its
 * instance (the process exits or closes its /dev/gsched fd).
 */
struct gsched_ctx_op {
	__u32 flags;
	__u32 op;
	__u32 handle;
	__u32 __pad;
	__u64 deadline_ns;
	__u64 arg;
	__u64 __reserved;
	/* output */
	__u32 done;
	__s32 err;
	__u64 deadline;
	__s32 fd;
	__u32 __pad2;
};

/* struct gsched_fd_op.op */
#define GSCHED_FD_CLOSE		1 /* wake every waiter on @fd with -EBADF */
#define GSCHED_FD_OP_MAX	1

/**
 * struct gsched_fd_op - GSCHED_IOC_FD: fd waits of the instance
 * @flags:	in: must be 0
 * @op:		in: GSCHED_FD_*
 * @fd:		in: the file descriptor
 * @__pad:	in: must be 0
 * @__reserved:	in: must be 0
 * @woken:	out: CLOSE: tasks woken
 * @__pad2:	out: 0
 *
 * A task waiting in an FDREAD/FDWRITE case holds a reference to the file,
 * so close(2) alone does not wake it (as with poll(2)). Call CLOSE before
 * closing the fd: each waiter's select returns -EBADF. libgsched's
 * gsched_fd_close() does both.
 */
struct gsched_fd_op {
	__u32 flags;
	__u32 op;
	__s32 fd;
	__u32 __pad;
	__u64 __reserved;
	/* output */
	__u32 woken;
	__u32 __pad2;
};

#define GSCHED_IOC_MAGIC	0xe7	/* unassigned in ioctl-number.rst */

#define GSCHED_IOC_VERSION	_IOWR(GSCHED_IOC_MAGIC, 0x00, struct gsched_version)
#define GSCHED_IOC_SETUP	_IOWR(GSCHED_IOC_MAGIC, 0x01, struct gsched_setup)
#define GSCHED_IOC_WORKER	_IOW(GSCHED_IOC_MAGIC, 0x02, struct gsched_worker_reg)
#define GSCHED_IOC_SPAWN	_IOWR(GSCHED_IOC_MAGIC, 0x03, struct gsched_spawn)
#define GSCHED_IOC_SWITCH	_IOWR(GSCHED_IOC_MAGIC, 0x04, struct gsched_switch)
#define GSCHED_IOC_UNPARK	_IOW(GSCHED_IOC_MAGIC, 0x05, struct gsched_task_op)
#define GSCHED_IOC_DETACH	_IOW(GSCHED_IOC_MAGIC, 0x06, struct gsched_task_op)
#define GSCHED_IOC_TASK_INFO	_IOWR(GSCHED_IOC_MAGIC, 0x07, struct gsched_task_info)
#define GSCHED_IOC_CHAN_MAKE	_IOWR(GSCHED_IOC_MAGIC, 0x08, struct gsched_chan_make)
#define GSCHED_IOC_CHAN		_IOWR(GSCHED_IOC_MAGIC, 0x09, struct gsched_chan_op)
#define GSCHED_IOC_TIMER	_IOWR(GSCHED_IOC_MAGIC, 0x0a, struct gsched_timer_op)
#define GSCHED_IOC_SYNC		_IOWR(GSCHED_IOC_MAGIC, 0x0b, struct gsched_sync_op)
#define GSCHED_IOC_CTX		_IOWR(GSCHED_IOC_MAGIC, 0x0c, struct gsched_ctx_op)
#define GSCHED_IOC_FD		_IOWR(GSCHED_IOC_MAGIC, 0x0d, struct gsched_fd_op)
#define GSCHED_IOC_WORD		_IOWR(GSCHED_IOC_MAGIC, 0x0e, struct gsched_word_op)

#endif /* _UAPI_GSCHED_H */
