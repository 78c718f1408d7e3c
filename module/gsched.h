/* SPDX-License-Identifier: GPL-2.0 */
/*
 * gsched private header: the objects of one runtime instance and the rules
 * that protect them.
 *
 * Go's names, mapped (see Documentation/gsched.rst):
 *   G  -> struct gsched_task      a task; registers and stack live in user
 *                                 memory, the authoritative state here
 *   P  -> struct gsched_p         a run queue: lock-free ring + runnext
 *   M  -> struct gsched_worker    a registered worker thread; it holds
 *                                 at most one P, which hand-offs change
 *   sched -> struct gsched_inst   one per open file of /dev/gsched
 *
 * Lock order, outermost first. A lock is taken only while every lock
 * already held comes before it in this list:
 *
 *   gsched_inst.setup_mutex   SETUP and worker registration; of ours,
 *                             only sched_lock and handoff.c's mutexes
 *                             nest inside it
 *   gsched_ctx.tree_lock      one context tree (its root's)
 *   gsched_inst.sel_mutex     a wait that locks several objects
 *   gsched_sync.lock          one sync object
 *   gsched_chan.lock          one channel
 *   gsched_task.lock          one task's state
 *   gsched_inst.timer_lock    the instance's timer queue
 *
 * The wait engine (wait.c) takes the last five in turn: the instance's
 * sel_mutex when the wait needs more than one object lock (lockdep's nest
 * lock), the wait's sync objects' locks, then its channels' locks, each
 * class in address order; then the task's lock to park it, and timer_lock
 * to arm its timeout, under the object locks, or under the task lock when
 * the wait has fd cases (poll.c). Two task locks are held together only
 * by join, in address order. ctx.c holds a tree's lock (never two) while
 * it closes and shares the tree's done channels and readies their waiters.
 * No lock of ours is taken under timer_lock. A timer channel's stop or
 * reset sleeps on timer_wq, with no lock held, until the timer work has
 * sent a tick it had taken off the queue (timer.c).
 *
 * Outside the order, taken with no other spinlock of the module held:
 *
 *   gsched_inst.sched_lock      the global run queue, idle lists, state;
 *                               under setup_mutex or a tree_lock at most
 *   gsched_worker.preempt_lock  a worker's preemption clock
 *   gsched_fdreg.lock           the fd wait registry (poll.c)
 *   gsched_wtab.lock            the sync words' queue table (word.c)
 *   gsched_users_lock           per-user accounting (user.c)
 *   gsched_inst.handles         the handle xarray's own lock
 *
 * No task is readied under an object or task lock: a waker collects what
 * it claimed and calls gsched_wake() after unlocking, which takes the
 * task's lock and then, alone, sched_lock. Under the locks outside the
 * order only the kernel's are taken: a worker's wait queue (gsched_stop()
 * under sched_lock), a polled file's wait queues (poll.c, under the
 * registry lock), an hrtimer's base. A polled file's wakeup runs under its
 * wait queue's lock, in any context, and takes none of ours. Run-queue rings
 * and runnext take no lock at all: the owner produces, the owner and
 * thieves consume with cmpxchg on the head (Go's runq, see sched.c).
 */
#ifndef _GSCHED_PRIV_H
#define _GSCHED_PRIV_H

#define pr_fmt(fmt) "gsched: " fmt

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/hashtable.h>
#include <linux/hrtimer.h>
#include <linux/spinlock.h>
#include <linux/timerqueue.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../uapi/gsched.h"

#define GSCHED_VERSION		"0.2.0"

struct gsched_inst;
struct gsched_task;
struct gsched_chan;
struct gsched_wait;

/* ---- fd waits (poll.c) ------------------------------------------------ */
struct gsched_fdw;

#define GSCHED_FDREG_BITS	6

/*
 * The fd waits of an instance, keyed by (file, direction): at most one
 * task waits per key (Go's double wait check). @lock protects @tbl and
 * the disarming of a waiter (see poll.c); no other lock of the module is
 * held with it.
 */
struct gsched_fdreg {
	spinlock_t lock;	/* the table, disarming */
	DECLARE_HASHTABLE(tbl, GSCHED_FDREG_BITS);	/* struct gsched_fdw */
};

/* ---- end of fd waits -------------------------------------------------- */

/*
 * A timer of an instance: a task's sleep or select timeout (embedded in the
 * task), or a timer channel's ticks. Queued in inst->timers under
 * inst->timer_lock; fired by inst->timer_work in process context.
 */
struct gsched_timer {
	struct timerqueue_node node;	/* timer_lock */
	bool queued;			/* timer_lock */
	bool firing;			/* timer_lock: a tick being sent */
	u64 period;			/* timer_lock; 0 = one shot */
	struct gsched_task *task;	/* set once: sleep/select timeout */
	struct gsched_chan *ch;		/* set once: timer channel */
	struct gsched_inst *inst;	/* set once */
};

/**
 * struct gsched_waiter - one blocked channel operation of a task (sudog)
 *
 * @node is on its channel's sendq or recvq while queued (channel lock);
 * whoever dequeues it must first claim its wait (wait->done), and only
 * the claimer writes @ok, @kbuf (receive) and the wait's result.
 */
struct gsched_waiter {
	struct list_head node;
	struct gsched_wait *wait;
	struct gsched_chan *ch;		/* channel cases: holds a reference */
	struct gsched_sync *sync;	/* sync cases: holds a reference */
	struct gsched_sync *mu;		/* cond wait: the mutex, a reference */
	u32 idx;			/* case index */
	u32 handle;			/* the case's handle, for traces */
	u8 kind;			/* GSCHED_SEL_* */
	bool send;
	bool ext;			/* ch->lock: counted in wait->next */
	bool ok;			/* receive: a value arrived */
	u64 ubuf;			/* receive: user destination */
	void *kbuf;			/* send: the value; recv: landing slot */
	struct gsched_fdw *fdw;		/* fd cases (poll.c), owned */
};

/**
 * struct gsched_wait - the blocking operation a task is parked in
 *
 * Owned by the task; freed by the worker that resumes it
 * (gsched_wait_finish), after the task is off every queue. @done is the
 * select claim (Go's selectDone): the first channel operation or timer to
 * cmpxchg it from 0 to 1 completes the wait, everyone else skips it.
 *
 * @next counts the cases through which something outside the instance
 * may still complete the wait: fd cases, and channel cases whose channel
 * has a holder besides the task's instance (gsched_chan_peer_live()).
 * While it is above zero the wait is counted once in the instance's
 * nr_ext_waiters and holds off the deadlock check. A channel case's share
 * (its waiter's @ext) changes only under that channel's lock, while the
 * waiter is queued there; whoever takes the wait off its queues reads
 * the final value after that.
 */
struct gsched_wait {
	struct gsched_task *task;
	atomic_t done;
	int fired;			/* case index, -1 for the timer */
	s64 result;
	u64 usel;			/* user struct gsched_select, or 0 */
	bool plain_recv;		/* result is ok (1/0) */
	atomic_t next;			/* see above */
	bool lifo;			/* a mutex waiter requeues at the front */
	u16 *order;			/* pass 1's random case order */
	u32 nfd;			/* FDREAD/FDWRITE cases (poll.c) */
	u32 reason;			/* GSCHED_WAIT_* when parked */
	u64 since;			/* ktime_get_ns() of the first park */
	u64 deadline;			/* timeout, ktime_get_ns() based, or 0 */
	/*
	 * A cond wait's mutex word is unlocked after its task parked
	 * (gsched_select()): @cunlock is 1 until that is done, and the
	 * worker that resumes the task waits for it (gsched_wait_finish());
	 * @cunlock_err, the unlock's error, is then the wait's result.
	 */
	atomic_t cunlock;
	int cunlock_err;
	u32 n;
	struct gsched_waiter w[];
};

/* Handle types stored in gsched_inst.handles. */
enum gsched_obj_type {
	GSCHED_OBJ_TASK = 1,
	GSCHED_OBJ_CHAN = 2,
	GSCHED_OBJ_SYNC = 3,
	GSCHED_OBJ_CTX = 4,
};

/* wait->result of a mutex waiter woken in normal mode: compete again */
#define GSCHED_RES_RETRY	1

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
	spinlock_t lock;	/* inside object locks, outside timer_lock */
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
	u32 wait_obj;		/* handle it waits on, 0 for none */
	u64 ready_ns;		/* when it became runnable (tracing only) */
	struct list_head node;	/* global run queue */
	/* set by its worker before it parks, cleared by the one resuming it */
	struct gsched_wait *wait;
	struct gsched_chan *exit_ch;	/* lock; closed at exit (join_ctx) */
	struct gsched_timer timer;	/* sleep and select timeouts */
};

/**
 * struct gsched_chan - a channel (Go's hchan), possibly shared by several
 * instances (each names it through its own struct gsched_chan_ref)
 *
 * @lock protects everything below it. References: one per handle, one per
 * exported file, one per queued waiter, one per in-flight operation.
 *
 * Holders are what can still operate on the channel: the handles of each
 * instance (@holders, one entry per instance, counting its handles) and
 * the exported files (@nfiles: an fd can always be imported again). The
 * deadlock check asks of each waiter whether a holder other than its own
 * instance exists (chan.c).
 */
struct gsched_chan {
	refcount_t ref;
	u64 id;				/* module-wide, for traces; set once */
	u32 elem_size;			/* set once */
	u32 cap;			/* set once */
	u8 *buf;			/* cap * elem_size ring, set once */
	struct gsched_inst *acct;	/* charged for buf; holds its kobject */
	struct gsched_timer *timer;	/* timer channel, set once */
	spinlock_t lock;		/* inside sync locks, outside task locks */
	u32 qcount;
	u32 sendx;
	u32 recvx;
	bool closed;
	bool shared;			/* exported: other processes may use it */
	bool kernel_owned;		/* a done or exit channel: receive only */
	u32 nfiles;			/* exported files not yet released */
	struct list_head holders;	/* struct gsched_chan_holder (chan.c) */
	struct list_head sendq;
	struct list_head recvq;
};

/**
 * struct gsched_sync - a Mutex, RWMutex, WaitGroup or Cond of one instance
 *
 * @lock protects every field after it. @q holds mutex, cond and wait
 * group waiters and rwmutex readers; @wq rwmutex writers.
 */
struct gsched_sync {
	struct gsched_obj obj;
	u32 kind;			/* GSCHED_SYNC_*, set once */
	spinlock_t lock;		/* outside channel locks */
	bool locked;			/* mutex */
	bool starving;			/* mutex: direct hand-off mode */
	bool woken;			/* mutex: a woken waiter is retrying */
	bool handing;			/* rwmutex word: see rw_handoff() */
	bool writer;			/* rwmutex */
	u32 readers;			/* rwmutex */
	u32 waking;			/* wait group: woken, not yet returned */
	s64 count;			/* wait group */
	struct list_head q;
	struct list_head wq;
	/*
	 * A word's wait queue (word.c): @winst is its instance (set once;
	 * NULL for a handle object), @uaddr the word's user address (set
	 * once), @wnode its link in winst->wtab (wtab.lock).
	 */
	struct gsched_inst *winst;
	u64 uaddr;
	struct hlist_node wnode;
};

/* struct gsched_sync.kind of a word's queue, beyond the GSCHED_SYNC_* */
#define GSCHED_SYNC_WORD_MUTEX	16
#define GSCHED_SYNC_WORD_WG	17
#define GSCHED_SYNC_WORD_RW	18

#define GSCHED_WTAB_BITS	6

/*
 * The wait queues of an instance's sync words, by user address (word.c).
 * @lock protects @tbl and @nr, and serialises an operation on a word
 * that has no queue with the making of one; taken with no other spinlock
 * of the module held, and the queue's own lock is taken only after it is
 * dropped.
 */
struct gsched_wtab {
	spinlock_t lock;	/* see above */
	DECLARE_HASHTABLE(tbl, GSCHED_WTAB_BITS);	/* struct gsched_sync */
	u32 nr;
};

/**
 * struct gsched_ctx - a context (Go's context.Context), shareable
 *
 * @children, @sibling, @todo and the write of @err are protected by the
 * tree's lock, @root->tree_lock (ctx.c); @err is read locklessly.
 * References: one per handle, one per exported fd, one per child, one held
 * by @work while it is queued or running.
 */
struct gsched_ctx {
	refcount_t ref;
	u64 id;				/* module-wide, for traces; set once */
	struct gsched_ctx *parent;	/* set once, holds a reference */
	/*
	 * The context without a parent this one descends from (itself for
	 * such a context), set once. The chain of parent references keeps
	 * it alive as long as this context. Only a root's @tree_lock is
	 * used: it protects the whole tree.
	 */
	struct gsched_ctx *root;
	struct mutex tree_lock;		/* see @root; outside channel locks */
	struct gsched_chan *done;	/* set once, closed when done */
	/*
	 * The deadline timer: its own, so it fires even after the instance
	 * that made the context is gone (exported contexts). @tinst, that
	 * instance (a kobject reference), counts it in nr_timers while
	 * @armed.
	 */
	struct gsched_inst *tinst;	/* set once, or NULL: no deadline */
	struct hrtimer hrt;
	struct work_struct work;
	atomic_t armed;
	u64 deadline;			/* effective, ktime_get_ns() based */
	int err;			/* 0, -ECANCELED or -ETIMEDOUT */
	struct list_head children;
	struct list_head sibling;
	struct list_head todo;		/* cancel's work list */
};

/* A handle's view of a context. */
struct gsched_ctx_ref {
	struct gsched_obj obj;
	struct gsched_ctx *ctx;		/* holds a reference */
	/* GSCHED_EXPORT_CLOSE_ON_EXIT: cancel @ctx when the last put comes */
	bool cancel_on_exit;
};

/* A handle's view of a channel. */
struct gsched_chan_ref {
	struct gsched_obj obj;
	struct gsched_chan *ch;		/* holds a channel reference */
	struct gsched_inst *inst;	/* set once: whose handle it is */
	/* GSCHED_EXPORT_CLOSE_ON_EXIT: close @ch when the last put comes */
	bool close_on_exit;
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
	bool idle;		/* on inst->idle_ps; sched_lock */
	struct list_head idle_node;	/* sched_lock */
	struct gsched_pstat stat;	/* owner only (WRITE_ONCE) */

	u32 runqhead ____cacheline_aligned_in_smp;
	u32 runqtail;
	struct gsched_task *runnext;
	struct gsched_task *runq[GSCHED_RUNQ_SIZE];
} ____cacheline_aligned_in_smp;

/*
 * Hand-off state of a worker (gsched_worker.handoff_state, handoff.c): the
 * low two bits, plus a sequence number above them that grows each time the
 * worker blocks, so a stale hand-off can never take a later P.
 */
#define GSCHED_HS_KERNEL	0	/* in a gsched ioctl, or no task */
#define GSCHED_HS_USER		1	/* running a task outside the module */
#define GSCHED_HS_BLOCKED	2	/* USER, then went to sleep in the kernel */
#define GSCHED_HS_HANDED	3	/* BLOCKED, and its P was taken away */
#define GSCHED_HS_MASK		3

struct gsched_notifier;

/**
 * struct gsched_worker - a registered worker thread (Go's M)
 *
 * A worker holds at most one P (@p). Worker i < nprocs starts with P i;
 * a spare (i >= nprocs) starts with none. A worker that finds no work
 * puts its P on the idle list and itself on the idle-worker list, and
 * sleeps; wakep() pairs an idle P with an idle worker through @nextp.
 *
 * @p is written only by the worker's own thread, inside a gsched ioctl,
 * with one exception: the hand-off (handoff.c) takes the P of a worker
 * that sleeps in the kernel outside the module, which it proves by
 * moving @handoff_state from BLOCKED to HANDED with cmpxchg; the worker then
 * sees HANDED at its next ioctl and clears @p itself.
 * @curr, @spinning, @parked and @nop are the own thread's.
 * @nextp, @wakeup, @idle and @idle_node are under sched_lock.
 */
struct gsched_worker {
	struct task_struct *thread;	/* NULL until registered; sched_lock */
	struct gsched_inst *inst;	/* set once */
	u32 index;			/* set once */
	struct gsched_p *p;		/* see above */
	struct gsched_p *nextp;		/* sched_lock: given by wakep() */
	struct gsched_task *curr;	/* task running on this worker */
	bool spinning;			/* counted in nr_spinning */
	bool parked;			/* left an idle wait with -EINTR */
	bool wakeup;			/* sched_lock to set */
	bool idle;			/* on idle_workers; sched_lock */
	bool nop;			/* counted in inst->nr_nop */
	bool handoff_pending;		/* sched_lock: its P awaits a worker */
	struct list_head idle_node;	/* idle_workers; sched_lock */
	wait_queue_head_t wq;

	/* hand-off (handoff.c) */
	atomic_t handoff_state;		/* GSCHED_HS_* | seq << 2 */
	int handoff_fired;		/* handoff_state the timer saw */
	struct gsched_notifier *pn;	/* its notifier; own thread */
	struct hrtimer handoff_timer;	/* grace period after blocking */
	struct work_struct handoff_work;	/* the hand-off itself */
	u64 blocked_ns;			/* when it blocked (tracing) */

	/* preemption clock (preempt.c) */
	u64 run_seq;			/* bumped when it starts a task */
	u64 run_start;			/* ktime_get_ns() of that */
	spinlock_t preempt_lock;	/* the three below, arming the timer */
	bool preempt_armed;		/* the timer or the work in flight */
	u64 preempt_seq;		/* run_seq the clock last saw */
	u64 preempt_retry;		/* ns to the next signal; doubles */
	struct hrtimer preempt_timer;	/* the clock */
	struct work_struct preempt_work;	/* sends the signal */
};

/* Instance lifecycle. */
enum gsched_inst_state {
	GSCHED_INST_NEW,	/* opened, not set up */
	GSCHED_INST_READY,	/* set up, no worker yet */
	GSCHED_INST_RUNNING,	/* a worker registered */
	GSCHED_INST_STOPPED,	/* main exited or deadlock: workers leave */
	GSCHED_INST_DEAD,	/* file released: remote wakers stay away */
};

/**
 * struct gsched_inst - one runtime instance, one open file (Go's sched)
 *
 * @sched_lock protects the global run queue, the idle P list, @nidle_ps,
 * the idle worker list, @nthreads, @nsleeping, @state, @status,
 * @has_main, @deadlocked, @spare_req and @nr_handoff_pending.
 * @nr_spinning is atomic because the fast paths read it without the lock,
 * like Go's sched.nmspinning.
 * @setup_mutex serialises SETUP and WORKER registration.
 */
struct gsched_inst {
	struct kobject kobj;
	u32 id;
	pid_t pid;
	struct mutex setup_mutex;	/* SETUP and WORKER; outside sched_lock */
	/*
	 * Held by a select of this instance's tasks that locks more than
	 * one object, around those locks (lockdep's nest lock: address
	 * order is what prevents deadlock). One per instance, so that one
	 * program's selects never queue behind another's.
	 */
	struct mutex sel_mutex;

	/* set once by SETUP, then read-only */
	u32 nprocs;
	u32 nworkers;		/* nprocs + spare slots */
	u32 max_tasks;
	u32 preempt_sig;	/* 0: no preemption */
	struct gsched_p **ps;
	struct gsched_worker *workers;	/* nworkers of them */

	struct xarray handles;	/* u32 -> struct gsched_obj *, XA_FLAGS_ALLOC1 */
	u32 next_handle;	/* xa_alloc_cyclic cursor; xa_lock */
	/* published handles by enum gsched_obj_type (sysfs: leaks show) */
	atomic_t nr_handles[GSCHED_OBJ_CTX + 1];
	atomic_t nr_tasks;	/* allocated, dead-but-unjoined included */
	atomic_t nr_live;	/* not dead */
	atomic_t nr_spinning;
	atomic64_t syscalls_nw;	/* ioctls not from a worker */
	atomic64_t spawned;
	atomic64_t exited;

	spinlock_t sched_lock;		/* see above; under no spinlock */
	enum gsched_inst_state state;
	s64 status;		/* runtime status once STOPPED */
	bool has_main;		/* a GSCHED_SPAWN_MAIN task exists */
	bool deadlocked;	/* stopped by the deadlock check */
	struct list_head global_queue;	/* global run queue */
	/* the module's own wakes, taken first: see gsched_wake() */
	struct list_head global_queue_woken;
	u32 global_queue_len;	/* tasks on both lists */
	struct list_head idle_ps;	/* idle Ps */
	u32 nidle_ps;
	u32 nthreads;		/* registered workers */
	u32 nspares;		/* of which spares (index >= nprocs) */
	u32 nsleeping;		/* workers asleep in the module */
	struct list_head idle_workers;	/* idle workers without a P */
	bool spare_req;		/* ask the next worker out for a spare */
	u32 nr_handoff_pending;	/* workers whose hand-off waits for one */
	atomic_t nr_nop;	/* workers running a task without a P */
	atomic64_t handoffs;	/* Ps taken from blocked workers */
	atomic64_t preemptions;	/* preemption signals sent */

	atomic_long_t chan_bytes;	/* buffered bytes of its channels */
	atomic_t nr_ext_waiters;	/* waits another holder may complete */
	atomic_t nr_chans;

	/* timers: see timer.c */
	spinlock_t timer_lock;		/* innermost, see the lock order */
	struct timerqueue_head timers;	/* timer_lock */
	bool timers_dead;		/* timer_lock: teardown started */
	atomic_t nr_timers;		/* queued or firing: not a deadlock */
	struct hrtimer hrt;
	struct work_struct timer_work;
	wait_queue_head_t timer_wq;	/* a stop waiting for a tick's send */

	struct dentry *debugfs;		/* gsched/<id>/, set once */
	/*
	 * The open file behind the instance, set once at open. Not a
	 * reference: it is only read by debugfs, whose files are removed
	 * (waiting for readers) before the file can be freed.
	 */
	struct file *file;

	struct gsched_fdreg fdreg;	/* fd waits, see poll.c */
	struct gsched_wtab wtab;	/* sync words' queues, see word.c */

	/*
	 * The address space of the process that set the instance up
	 * (instance.c, "The process behind an instance"). @mm is compared,
	 * never dereferenced; @mn holds its mm_count from SETUP until the
	 * instance is destroyed. @mm_gone is set once, under fdreg.lock,
	 * when that address space is torn down; gsched_fdw_get() reads it
	 * under that lock, debugfs without.
	 */
	struct mm_struct *mm;
	struct mmu_notifier mn;
	bool mm_gone;

	struct gsched_user *user;	/* charged for it, see user.c */
};

/*
 * @base + @ns, saturating at KTIME_MAX ("never"): @ns comes from user
 * space and may be anything up to U64_MAX.
 */
static inline ktime_t gsched_ktime_after(ktime_t base, u64 ns)
{
	return ktime_add_safe(base, ns_to_ktime(min_t(u64, ns, KTIME_MAX)));
}

/*
 * What each file exports, one group per file, in the order a request
 * travels: entry, instances, scheduler, tasks, the wait engine and its
 * clients, then the worker threads and the bookkeeping around them.
 */

/* main.c: module entry, /dev/gsched and ioctl dispatch */
extern unsigned int gsched_max_tasks;
extern unsigned long gsched_max_chan_bytes;

/* instance.c: instances (one per open file), setup, workers, handles */
struct gsched_inst *gsched_inst_create(void);
void gsched_inst_destroy(struct gsched_inst *inst);
long gsched_setup(struct gsched_inst *inst, struct gsched_setup *s);
long gsched_worker_register(struct gsched_inst *inst, u32 index);
struct gsched_worker *gsched_worker_get(struct gsched_inst *inst, u32 index);
struct gsched_worker *gsched_ioc_caller(struct gsched_inst *inst, u32 index);
bool gsched_inst_stopped(struct gsched_inst *inst);
int gsched_handle_alloc(struct gsched_inst *inst, struct gsched_obj *obj);
bool gsched_handle_remove(struct gsched_inst *inst, u32 h,
			  struct gsched_obj *obj);
struct gsched_obj *gsched_handle_erase(struct gsched_inst *inst, u32 h);
struct gsched_obj *gsched_obj_get(struct gsched_inst *inst, u32 h, u32 type);

/* sched.c: run queues, stealing, waking, the switch, the deadlock check */
long gsched_switch(struct gsched_worker *w, struct gsched_switch *sw);
void gsched_switch_undo(struct gsched_worker *w);
void gsched_wake(struct gsched_worker *w, struct gsched_task *t);
void gsched_ready(struct gsched_worker *w, struct gsched_task *t);
void gsched_runq_put(struct gsched_p *p, struct gsched_task *t, bool next);
void gsched_global_queue_put(struct gsched_inst *inst, struct gsched_task *t);
void gsched_wakep(struct gsched_inst *inst);
struct gsched_task *gsched_find_runnable(struct gsched_worker *w);
u32 gsched_runq_len(struct gsched_p *p);
bool gsched_runq_empty(struct gsched_p *p);
void gsched_idle_p_put(struct gsched_inst *inst, struct gsched_p *p);
void gsched_idle_worker_del(struct gsched_inst *inst, struct gsched_worker *m);
u32 gsched_worker_rand(struct gsched_worker *w);
void gsched_stop(struct gsched_inst *inst, s64 status);
void gsched_recheck_dead(struct gsched_inst *inst);

/* task.c: tasks: spawn, exit, join, park/unpark */
long gsched_task_spawn(struct gsched_inst *inst, struct gsched_spawn *sp);
struct gsched_task *gsched_task_lookup(struct gsched_inst *inst, u32 handle);
void gsched_task_put(struct gsched_task *t);
long gsched_task_unpark(struct gsched_inst *inst, struct gsched_worker *w,
			u32 id);
long gsched_task_detach(struct gsched_inst *inst, u32 id);
long gsched_task_info(struct gsched_inst *inst, struct gsched_task_info *ti);
long gsched_task_exit_chan(struct gsched_inst *inst, u32 id, u32 *handle);
long gsched_task_do_op(struct gsched_worker *w, struct gsched_switch *sw,
		       struct gsched_task **cont);
void gsched_task_park_locked(struct gsched_task *t, u32 reason, u32 obj);
void gsched_tasks_free_all(struct gsched_inst *inst);
int gsched_task_cache_init(void);
void gsched_task_cache_exit(void);
const char *gsched_wait_reason_name(u32 reason);

/* wait.c: the wait engine (blocking on any mix of cases) and select */
struct gsched_wait *gsched_wait_build(struct gsched_inst *inst,
				      const struct gsched_select_case *cases,
				      u32 n);
long gsched_wait_run(struct gsched_worker *w, struct gsched_task *t,
		     struct gsched_wait *wait, bool block, u64 timeout_ns,
		     u32 reason, s64 *res, struct gsched_task **cont);
bool gsched_wait_finish(struct gsched_worker *w, struct gsched_task *t);
void gsched_wait_abandon(struct gsched_task *t);
struct gsched_waiter *
gsched_dequeue_claim(struct list_head *q, spinlock_t *lock);
struct gsched_task *gsched_wake_pin(struct gsched_inst *self,
				    struct gsched_task *t);
void gsched_wake_unpin(struct gsched_worker *w, struct gsched_inst *self,
		       struct gsched_task *t);
long gsched_select(struct gsched_worker *w, struct gsched_switch *sw,
		   struct gsched_task **cont);

/* chan.c: channels, and their side of a wait's cases */
long gsched_chan_make(struct gsched_inst *inst, struct gsched_chan_make *m);
long gsched_chan_ioc(struct gsched_inst *inst, struct gsched_chan_op *op);
long gsched_chan_do_op(struct gsched_worker *w, struct gsched_switch *sw,
		       struct gsched_task **cont);
struct gsched_chan *gsched_chan_alloc(struct gsched_inst *inst, u32 elem_size,
				      u32 cap);
void gsched_chan_put(struct gsched_chan *ch);
int gsched_chan_ref_add(struct gsched_inst *inst, struct gsched_chan *ch);
void gsched_chan_ref_put(struct gsched_chan_ref *ref);
struct gsched_chan_ref *gsched_chan_lookup(struct gsched_inst *inst, u32 h);
bool gsched_chan_send_now(struct gsched_inst *self, struct gsched_chan *ch,
			  const void *val);
void gsched_chan_close_kernel(struct gsched_inst *self, struct gsched_chan *ch);
void gsched_chan_mark_shared(struct gsched_chan *ch);
struct gsched_chan *gsched_chan_case_get(struct gsched_inst *inst, u32 h,
					 bool send);
bool gsched_chan_case_try(struct gsched_inst *self, struct gsched_waiter *c,
			  struct gsched_task **wake);
void gsched_chan_case_enqueue(struct gsched_waiter *c);
void gsched_chan_case_unqueue(struct gsched_waiter *c);
bool gsched_chan_peer_live(struct gsched_chan *ch, struct gsched_inst *inst);

/* sync.c: mutex, rwmutex, wait group, cond, and their cases */
void gsched_sync_put(struct gsched_sync *s);
struct gsched_sync *gsched_sync_lookup(struct gsched_inst *inst, u32 h,
				       u32 kind);
u32 gsched_sync_case_kind(u32 dir);
bool gsched_sync_try(struct gsched_waiter *c);
void gsched_sync_enqueue(struct gsched_waiter *c, bool front);
void gsched_sync_unqueue(struct gsched_waiter *c);
bool gsched_mutex_retry(struct gsched_waiter *c);
void gsched_sync_resumed(struct gsched_waiter *c);
long gsched_mutex_unlock(struct gsched_worker *w, struct gsched_sync *s);
long gsched_sync_ioc(struct gsched_inst *inst, struct gsched_sync_op *op);
struct gsched_sync *gsched_sync_alloc(u32 kind);

/* word.c: sync words in user memory, and their side of a wait's cases */
static inline bool gsched_word_case(u32 dir)
{
	return dir >= GSCHED_SEL_LOCK_WORD && dir <= GSCHED_SEL_WLOCK_WORD;
}

void gsched_words_init(struct gsched_inst *inst);
void gsched_words_destroy(struct gsched_inst *inst);
int gsched_word_check(struct gsched_inst *inst, u64 addr, u32 kind);
struct gsched_sync *gsched_word_get(struct gsched_inst *inst, u64 addr,
				    u32 kind);
void gsched_word_put(struct gsched_sync *s);
bool gsched_word_try(struct gsched_waiter *c);
void gsched_word_unqueue(struct gsched_waiter *c, struct gsched_inst *self);
bool gsched_word_retry(struct gsched_waiter *c);
void gsched_word_resumed(struct gsched_waiter *c);
long gsched_word_unlock(struct gsched_worker *w, u64 addr);
int gsched_word_locked(u64 addr);
long gsched_word_ioc(struct gsched_inst *inst, struct gsched_word_op *op);

/* poll.c: fd waits (FDREAD/FDWRITE cases, GSCHED_IOC_FD) */
void gsched_poll_init(struct gsched_inst *inst);
void gsched_poll_destroy(struct gsched_inst *inst);
void gsched_poll_mm_gone(struct gsched_inst *inst);
struct seq_file;
void gsched_poll_show(struct seq_file *m, struct gsched_inst *inst);
struct gsched_fdw *gsched_fdw_get(struct gsched_inst *inst, u32 fd, u32 dir);
void gsched_fdw_put(struct gsched_fdw *f);
long gsched_poll_prepare(struct gsched_wait *wait, bool block);
bool gsched_fd_case_try(struct gsched_waiter *c);
bool gsched_poll_arm(struct gsched_wait *wait);
void gsched_fd_case_unqueue(struct gsched_waiter *c);
long gsched_fd_ioc(struct gsched_inst *inst, struct gsched_fd_op *op);

/* timer.c: sleep, wait timeouts, timer channels */
void gsched_timers_init(struct gsched_inst *inst);
void gsched_timers_destroy(struct gsched_inst *inst);
void gsched_timer_arm(struct gsched_timer *tm, u64 delay_ns, u64 period_ns);
bool gsched_timer_cancel(struct gsched_timer *tm);
long gsched_timer_sleep(struct gsched_worker *w, struct gsched_switch *sw,
			struct gsched_task **cont);
long gsched_timer_ioc(struct gsched_inst *inst, struct gsched_timer_op *op);
void gsched_timer_chan_free(struct gsched_chan *ch);

/* ctx.c: contexts, cancellation and deadline trees */
int gsched_ctx_init(void);
void gsched_ctx_exit(void);
void gsched_ctx_put(struct gsched_ctx *ctx);
void gsched_ctx_ref_put_obj(struct gsched_obj *obj);
long gsched_ctx_ioc(struct gsched_inst *inst, struct gsched_ctx_op *op);

/* handoff.c: worker threads' notifiers and the hand-off of blocked ones */
extern unsigned int gsched_handoff_grace_us;
extern unsigned int gsched_max_spares;
void gsched_handoff_exit(void);
void gsched_worker_init(struct gsched_worker *w);
int gsched_worker_attach(struct gsched_worker *w);
void gsched_worker_detach_self(struct gsched_worker *w);
void gsched_workers_release(struct gsched_inst *inst);
struct gsched_worker *gsched_worker_self(struct gsched_inst *inst);
void gsched_worker_enter(struct gsched_worker *w);
void gsched_worker_leave(struct gsched_worker *w);
void gsched_worker_drop_nop(struct gsched_worker *w);
bool gsched_handoff_take(struct gsched_inst *inst, struct gsched_worker *m);

/* preempt.c: the preemption signal to a task that runs too long */
extern unsigned int gsched_preempt_ms;
void gsched_preempt_init(struct gsched_worker *w);
void gsched_worker_started(struct gsched_worker *w);
void gsched_preempt_stop(struct gsched_worker *w);
void gsched_workers_quiesce(struct gsched_inst *inst);

/* user.c: per-user accounting of instances and handles */
struct gsched_user;
int gsched_user_open(struct gsched_inst *inst);
void gsched_user_close(struct gsched_inst *inst);
int gsched_user_charge(struct gsched_inst *inst);
void gsched_user_uncharge(struct gsched_inst *inst);

/* sysfs.c: /sys/kernel/gsched/ */
int gsched_sysfs_init(void);
void gsched_sysfs_exit(void);
int gsched_sysfs_add_inst(struct gsched_inst *inst);
void gsched_sysfs_del_inst(struct gsched_inst *inst);
extern atomic_t gsched_nr_instances;

/* debugfs.c: the task dump and instance state */
void gsched_debugfs_init(void);
void gsched_debugfs_exit(void);
void gsched_debugfs_add_inst(struct gsched_inst *inst);
void gsched_debugfs_del_inst(struct gsched_inst *inst);

#endif /* _GSCHED_PRIV_H */
