/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gsched private header: the objects of one runtime instance and the rules
 * that protect them.
 *
 * Go's names, mapped (see Documentation/gsched.rst):
 *   G  -> struct gsched_task      a task; registers and stack live in user
 *                                 memory, the authoritative state here
 *   P  -> struct gsched_p         a run queue: lock-free ring + runnext
 *   M  -> struct gsched_worker    a registered worker thread; in this
 *                                 version worker i always holds P i
 *   sched -> struct gsched_inst   one per open file of /dev/gsched
 *
 * Lock order (outermost first):
 *   gsched_task.lock  ->  gsched_inst.sched_lock
 * Two task locks are never held together. The handle xarray's own lock
 * nests inside both. Run-queue rings and runnext take no lock at all: the
 * owner produces, the owner and thieves consume with cmpxchg on the head
 * (Go's runq, see sched.c).
 */
#ifndef _GSCHED_PRIV_H
#define _GSCHED_PRIV_H

#define pr_fmt(fmt) "gsched: " fmt

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xarray.h>

#include "../uapi/gsched.h"

#define GSCHED_VERSION		"0.2.0"

struct gsched_inst;

/* Handle types stored in gsched_inst.handles. */
enum gsched_obj_type {
	GSCHED_OBJ_TASK = 1,
};

/* Common head of every object named by a handle. */
struct gsched_obj {
	u32 type;		/* enum gsched_obj_type, set once */
	u32 handle;		/* set once */
	refcount_t ref;		/* the handle table holds one */
	struct rcu_head rcu;
};

/**
 * struct gsched_task - the kernel half of a task (Go's G)
 *
 * @lock protects @state, @wait_reason, @permit, @joiner, @exit_value,
 * @detached and @reaped. The run-queue linkage (@node) belongs to whoever
 * holds the task: a ring slot owner, the global queue (sched_lock), or a
 * wait list (its object's lock).
 */
struct gsched_task {
	struct gsched_obj obj;
	struct gsched_inst *inst;
	u64 cookie;		/* user's pointer, set once */
	spinlock_t lock;
	u32 state;		/* GSCHED_TASK_* */
	u32 wait_reason;	/* GSCHED_WAIT_* while WAITING */
	bool permit;		/* unpark arrived before park */
	bool detached;
	bool reaped;		/* handle removed, only references remain */
	bool is_main;		/* set once */
	struct gsched_task *joiner;	/* task blocked in join on us */
	s64 exit_value;
	/*
	 * Result handed to user space when the task next runs: written by
	 * the waker before the task is queued, read by the worker that
	 * dequeues it.
	 */
	s64 result;
	int last_cpu;		/* P index it last ran on, -1 before */
	u64 wait_since;		/* ktime_get_ns() when it parked */
	struct list_head node;	/* global run queue */
};

/* Counters of one P, written only by its owner, summed by sysfs. */
struct gsched_pstat {
	u64 switches;		/* tasks handed to the worker */
	u64 steals;		/* tasks this P stole */
	u64 global_moves;	/* tasks it moved to the global queue */
	u64 syscalls;		/* ioctls served for this worker */
};

/**
 * struct gsched_p - a run queue (Go's P)
 *
 * The ring is Go's runq: only the owner (the worker holding this P) writes
 * slots and @runqtail; the owner and thieves take from @runqhead with
 * cmpxchg. A slot read by a thief is used only if its cmpxchg on the head
 * succeeds, so a racing overwrite is harmless. @runnext is exchanged with
 * cmpxchg by the owner and, in the last steal round, by thieves.
 */
struct gsched_p {
	u32 id;
	u32 schedtick;		/* owner only */
	u32 rnd;		/* owner only: xorshift state */
	bool idle;		/* on inst->pidle; sched_lock */
	struct list_head idle_node;	/* sched_lock */
	struct gsched_pstat stat;	/* owner only (WRITE_ONCE) */

	u32 runqhead ____cacheline_aligned_in_smp;
	u32 runqtail;
	struct gsched_task *runnext;
	struct gsched_task *runq[GSCHED_RUNQ_SIZE];
} ____cacheline_aligned_in_smp;

/**
 * struct gsched_worker - a registered worker thread (Go's M)
 *
 * All fields but @wakeup are touched only by the worker's own thread once
 * registered. @wakeup is set by wakep() under sched_lock and cleared by the
 * worker.
 */
struct gsched_worker {
	struct task_struct *thread;	/* NULL until registered; sched_lock */
	struct gsched_inst *inst;	/* set once */
	struct gsched_p *p;		/* set once */
	struct gsched_task *curr;	/* task running on this worker */
	bool spinning;			/* counted in nmspinning */
	bool parked;			/* left an idle wait with -EINTR */
	bool wakeup;			/* sched_lock to set */
	wait_queue_head_t wq;
};

/* Instance lifecycle. */
enum gsched_inst_state {
	GSCHED_INST_NEW,	/* opened, not set up */
	GSCHED_INST_READY,	/* set up, no worker yet */
	GSCHED_INST_RUNNING,	/* a worker registered */
	GSCHED_INST_STOPPED,	/* main exited or deadlock: workers leave */
};

/**
 * struct gsched_inst - one runtime instance, one open file (Go's sched)
 *
 * @sched_lock protects the global run queue, the idle P list, @npidle,
 * @nthreads, @nidle_workers, @state, @status, @has_main and @deadlocked.
 * @nmspinning is atomic because the fast paths read it without the lock,
 * like Go's sched.nmspinning.
 * @setup_mutex serialises SETUP and WORKER registration.
 */
struct gsched_inst {
	struct kobject kobj;
	u32 id;
	pid_t pid;
	struct mutex setup_mutex;	/* SETUP and WORKER; outside sched_lock */

	/* set once by SETUP, then read-only */
	u32 nprocs;
	u32 max_tasks;
	struct gsched_p **ps;
	struct gsched_worker *workers;

	struct xarray handles;	/* u32 -> struct gsched_obj *, XA_FLAGS_ALLOC1 */
	u32 next_handle;	/* xa_alloc_cyclic cursor; xa_lock */
	atomic_t nr_tasks;	/* allocated, dead-but-unjoined included */
	atomic_t nr_live;	/* not dead */
	atomic_t nmspinning;
	atomic64_t syscalls_nw;	/* ioctls not from a worker */
	atomic64_t spawned;
	atomic64_t exited;

	spinlock_t sched_lock;		/* see above; inside task locks */
	enum gsched_inst_state state;
	s64 status;		/* runtime status once STOPPED */
	bool has_main;		/* a GSCHED_SPAWN_MAIN task exists */
	bool deadlocked;	/* stopped by the deadlock check */
	struct list_head runq;	/* global run queue */
	u32 runqsize;
	struct list_head pidle;	/* idle Ps */
	u32 npidle;
	u32 nthreads;		/* registered workers */
	u32 nidle_workers;	/* workers asleep in the module */
};

/* main.c */
extern unsigned int gsched_max_tasks;

/* instance.c */
struct gsched_inst *gsched_inst_create(void);
void gsched_inst_destroy(struct gsched_inst *inst);
long gsched_setup(struct gsched_inst *inst, struct gsched_setup *s);
long gsched_worker_register(struct gsched_inst *inst, u32 index);
struct gsched_worker *gsched_worker_get(struct gsched_inst *inst, u32 index);
bool gsched_inst_stopped(struct gsched_inst *inst);

/* task.c */
long gsched_task_spawn(struct gsched_inst *inst, struct gsched_spawn *sp);
struct gsched_task *gsched_task_lookup(struct gsched_inst *inst, u32 handle,
				       long *err);
void gsched_task_put(struct gsched_task *t);
long gsched_task_unpark(struct gsched_inst *inst, struct gsched_worker *w,
			u32 id);
long gsched_task_detach(struct gsched_inst *inst, u32 id);
long gsched_task_info(struct gsched_inst *inst, struct gsched_task_info *ti);
long gsched_task_do_op(struct gsched_worker *w, struct gsched_switch *sw,
		       struct gsched_task **cont);
void gsched_tasks_free_all(struct gsched_inst *inst);
int gsched_task_cache_init(void);
void gsched_task_cache_exit(void);
const char *gsched_wait_reason_name(u32 reason);

/* sched.c */
void gsched_ready(struct gsched_worker *w, struct gsched_task *t);
void gsched_runq_put(struct gsched_p *p, struct gsched_task *t, bool next);
void gsched_globrunq_put(struct gsched_inst *inst, struct gsched_task *t);
void gsched_wakep(struct gsched_inst *inst);
struct gsched_task *gsched_find_runnable(struct gsched_worker *w, long *err);
u32 gsched_runq_len(struct gsched_p *p);
void gsched_stop(struct gsched_inst *inst, s64 status);

/* sysfs.c */
int gsched_sysfs_init(void);
void gsched_sysfs_exit(void);
int gsched_sysfs_add_inst(struct gsched_inst *inst);
void gsched_sysfs_del_inst(struct gsched_inst *inst);
extern atomic_t gsched_nr_instances;

#endif /* _GSCHED_PRIV_H */
