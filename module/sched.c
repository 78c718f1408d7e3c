// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: run queues, work stealing and the worker's find-runnable loop.
 *
 * This is Go's scheduler (runtime/proc.go: runqput, runqget, runqsteal,
 * globrunqget, findrunnable, wakep, resetspinning) moved into the kernel.
 *
 * Run queue of a P
 * ----------------
 * A ring of GSCHED_RUNQ_SIZE task pointers plus a one-task "runnext" slot.
 * Only the P's owner (its worker) produces: it writes a slot, then
 * publishes it with a release store of runqtail (A). Consumers (the owner
 * and thieves) read runqhead with acquire, read slots, and claim them with
 * cmpxchg on runqhead (B). A thief may read a slot the owner is rewriting;
 * that value is used only if its cmpxchg (B) succeeds, which proves the
 * slot was still in [head, tail). The owner's own slots past the tail are
 * written only by the owner, so after a successful cmpxchg by the owner it
 * may read the slots it just removed (runq_put_slow).
 *
 *   owner (put)                      thief (grab)
 *   ring[t] = task                   h = load_acquire(head)
 *   store_release(tail, t + 1) (A)   t = load_acquire(tail)
 *                                    copy ring[h..h+n)
 *                                    cmpxchg(head, h, h + n) (B)
 *
 * Global run queue
 * ----------------
 * Two lists under sched_lock, global_queue_len counting both:
 * global_queue_woken, tasks the module itself woke (a timer, fd readiness:
 * see gsched_wake()), and global_queue, everything else (ring overflow,
 * yields, wakes from another process or from a worker without a P).
 * Takers empty global_queue_woken first, so a timer's task waits for at
 * most 61 ticks of a busy P, never for the whole queue.
 *
 * Sleeping and waking workers
 * ---------------------------
 * A worker that finds nothing puts its P on the idle list (sched_lock) and
 * sleeps on its wait queue. wakep() takes an idle P, marks its worker
 * spinning and wakes it. A spinning worker that gives up must drop
 * nr_spinning *before* rechecking every run queue, the global one included
 * (C); a producer adds work *before* reading nr_spinning in wakep() (D).
 * One of the two sees the other, so work submitted while the last spinner
 * parks is never stranded. The recheck must cover the global queue too:
 * every wake from outside the instance's Ps lands there.
 *
 *   spinner                          producer
 *   atomic_dec(nr_spinning)           runq_put(task) or global queue
 *   smp_mb() (C)                     smp_mb() (D)
 *   recheck global + all rings       if (!nr_spinning && nidle_ps) wakep()
 */
#include "gsched.h"

#include <linux/gcd.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched/signal.h>

#include "trace.h"

#define RUNQ_MASK	(GSCHED_RUNQ_SIZE - 1)

static u32 gsched_rand(struct gsched_p *p)
{
	u32 x = p->rnd;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	p->rnd = x;
	return x;
}

static void pstat_add(u64 *ctr, u64 n)
{
	WRITE_ONCE(*ctr, *ctr + n);
}

/* Move a batch already removed from a ring to the global queue's tail. */
static void global_queue_put_batch(struct gsched_inst *inst,
				   struct list_head *batch, u32 n)
{
	spin_lock(&inst->sched_lock);
	list_splice_tail(batch, &inst->global_queue);
	inst->global_queue_len += n;
	spin_unlock(&inst->sched_lock);
}

/*
 * The ring is full: move half of it plus @t to the global queue in one
 * batch (Go's runqputslow). Fails if a thief moved the head meanwhile.
 */
static bool runq_put_slow(struct gsched_p *p, struct gsched_task *t, u32 h,
			  u32 tail)
{
	u32 i, n = (tail - h) / 2;
	LIST_HEAD(batch);

	if (WARN_ON_ONCE(n != GSCHED_RUNQ_SIZE / 2))
		return false;
	if (cmpxchg(&p->runqhead, h, h + n) != h)
		return false;
	/* The owner alone writes slots: [h, h + n) still hold our tasks. */
	for (i = 0; i < n; i++)
		list_add_tail(&p->runq[(h + i) & RUNQ_MASK]->node, &batch);
	list_add_tail(&t->node, &batch);
	global_queue_put_batch(t->inst, &batch, n + 1);
	pstat_add(&p->stat.global_moves, n + 1);
	trace_gsched_global_move(t->inst->id, p->id, n + 1);
	return true;
}

/**
 * gsched_runq_put() - queue @t on P @p (Go's runqput)
 * @p: the caller's own P
 * @t: a runnable task
 * @next: put it in runnext, kicking the old runnext to the tail
 *
 * Context: the owner of @p only; no lock held (the overflow path takes
 * sched_lock).
 */
void gsched_runq_put(struct gsched_p *p, struct gsched_task *t, bool next)
{
	struct gsched_task *old;
	u32 h, tail;

	if (next) {
		old = xchg(&p->runnext, t);
		if (!old)
			return;
		t = old;
	}
	for (;;) {
		/* pairs with (B) */
		h = smp_load_acquire(&p->runqhead);
		tail = p->runqtail;
		if (tail - h < GSCHED_RUNQ_SIZE) {
			WRITE_ONCE(p->runq[tail & RUNQ_MASK], t);
			smp_store_release(&p->runqtail, tail + 1);	/* (A) */
			return;
		}
		if (runq_put_slow(p, t, h, tail))
			return;
	}
}

/* Queue at the tail if there is room; never spills to the global queue. */
static bool runq_put_tail_room(struct gsched_p *p, struct gsched_task *t)
{
	/* pairs with (B) */
	u32 h = smp_load_acquire(&p->runqhead);
	u32 tail = p->runqtail;

	if (tail - h >= GSCHED_RUNQ_SIZE)
		return false;
	WRITE_ONCE(p->runq[tail & RUNQ_MASK], t);
	/* (A) */
	smp_store_release(&p->runqtail, tail + 1);
	return true;
}

/* Go's runqget: runnext first (it inherits the time slice), then the ring. */
static struct gsched_task *runq_get(struct gsched_p *p, bool *inherit)
{
	struct gsched_task *t = READ_ONCE(p->runnext);
	u32 h, tail;

	if (t && cmpxchg(&p->runnext, t, NULL) == t) {
		*inherit = true;
		return t;
	}
	*inherit = false;
	for (;;) {
		/* pairs with (B) */
		h = smp_load_acquire(&p->runqhead);
		tail = p->runqtail;
		if (tail == h)
			return NULL;
		t = READ_ONCE(p->runq[h & RUNQ_MASK]);
		if (cmpxchg(&p->runqhead, h, h + 1) == h)	/* (B) */
			return t;
	}
}

/**
 * gsched_runq_empty() - does @p hold no task (racy snapshot)?
 * @p: a P
 *
 * Context: any.
 * Return: true when its ring and runnext are empty.
 */
bool gsched_runq_empty(struct gsched_p *p)
{
	/* pairs with (A), (B) */
	u32 h = smp_load_acquire(&p->runqhead);
	u32 tail = smp_load_acquire(&p->runqtail);	/* ditto */

	return h == tail && !READ_ONCE(p->runnext);
}

/**
 * gsched_runq_len() - tasks queued on @p, runnext included (racy snapshot)
 * @p: a P
 *
 * Context: any.
 * Return: the length.
 */
u32 gsched_runq_len(struct gsched_p *p)
{
	/* pairs with (A), (B) */
	u32 h = smp_load_acquire(&p->runqhead);
	u32 tail = smp_load_acquire(&p->runqtail);	/* ditto */
	u32 n = tail - h;

	if (n > GSCHED_RUNQ_SIZE)
		n = 0;
	return n + !!READ_ONCE(p->runnext);
}

/*
 * Go's runqgrab: copy half of @victim's ring into @p's ring starting at
 * @bh (past @p's tail, where only @p's owner writes). With @stealnext and
 * an empty ring, take the victim's runnext instead.
 */
static u32 runq_grab(struct gsched_p *victim, struct gsched_p *p, u32 bh,
		     bool stealnext)
{
	struct gsched_task *next;
	u32 h, tail, n, i;

	for (;;) {
		/* pairs with (A), (B) */
		h = smp_load_acquire(&victim->runqhead);
		tail = smp_load_acquire(&victim->runqtail);	/* ditto */
		n = tail - h;
		n = n - n / 2;
		if (n == 0) {
			if (!stealnext)
				return 0;
			next = READ_ONCE(victim->runnext);
			if (!next)
				return 0;
			if (cmpxchg(&victim->runnext, next, NULL) != next)
				continue;
			WRITE_ONCE(p->runq[bh & RUNQ_MASK], next);
			return 1;
		}
		if (n > GSCHED_RUNQ_SIZE / 2)	/* inconsistent h and tail */
			continue;
		for (i = 0; i < n; i++)
			WRITE_ONCE(p->runq[(bh + i) & RUNQ_MASK],
				   READ_ONCE(victim->runq[(h + i) & RUNQ_MASK]));
		if (cmpxchg(&victim->runqhead, h, h + n) == h)	/* (B) */
			return n;
	}
}

/* Go's runqsteal: grab from @victim, return one task, queue the rest. */
static struct gsched_task *runq_steal(struct gsched_inst *inst,
				      struct gsched_p *p,
				      struct gsched_p *victim, bool stealnext)
{
	u32 tail = p->runqtail, h, n;
	struct gsched_task *t;

	n = runq_grab(victim, p, tail, stealnext);
	if (!n)
		return NULL;
	pstat_add(&p->stat.steals, n);
	trace_gsched_steal(inst->id, p->id, victim->id, n);
	n--;
	t = READ_ONCE(p->runq[(tail + n) & RUNQ_MASK]);
	if (!n)
		return t;
	/* pairs with (B) */
	h = smp_load_acquire(&p->runqhead);
	WARN_ON_ONCE(tail - h + n >= GSCHED_RUNQ_SIZE);
	/* (A) */
	smp_store_release(&p->runqtail, tail + n);
	return t;
}

/**
 * gsched_global_queue_put() - queue @t at the tail of the global run queue
 * @inst: the instance
 * @t: a runnable task no P holds
 *
 * Context: takes sched_lock.
 */
void gsched_global_queue_put(struct gsched_inst *inst, struct gsched_task *t)
{
	spin_lock(&inst->sched_lock);
	list_add_tail(&t->node, &inst->global_queue);
	inst->global_queue_len++;
	spin_unlock(&inst->sched_lock);
}

/* The global queue's first task: the woken list before the other. */
static struct gsched_task *global_queue_first(struct gsched_inst *inst)
{
	lockdep_assert_held(&inst->sched_lock);
	if (!list_empty(&inst->global_queue_woken))
		return list_first_entry(&inst->global_queue_woken,
					struct gsched_task, node);
	return list_first_entry(&inst->global_queue, struct gsched_task, node);
}

/*
 * Go's globrunqget: take min(len/nprocs + 1, len, @max, ring/2) tasks,
 * return the first, queue the rest locally.
 */
static struct gsched_task *global_queue_get(struct gsched_inst *inst,
					    struct gsched_p *p, u32 max)
{
	struct gsched_task *t, *x;
	u32 n;

	lockdep_assert_held(&inst->sched_lock);
	if (!inst->global_queue_len)
		return NULL;
	n = min(inst->global_queue_len / inst->nprocs + 1,
		inst->global_queue_len);
	if (max && n > max)
		n = max;
	n = min_t(u32, n, GSCHED_RUNQ_SIZE / 2);

	t = global_queue_first(inst);
	list_del_init(&t->node);
	inst->global_queue_len--;
	while (--n) {
		x = global_queue_first(inst);
		if (!runq_put_tail_room(p, x))
			break;
		list_del_init(&x->node);
		inst->global_queue_len--;
	}
	return t;
}

static void idle_p_put(struct gsched_inst *inst, struct gsched_p *p)
{
	lockdep_assert_held(&inst->sched_lock);
	WRITE_ONCE(p->idle, true);
	list_add(&p->idle_node, &inst->idle_ps);
	WRITE_ONCE(inst->nidle_ps, inst->nidle_ps + 1);
}

/**
 * gsched_idle_p_put() - put an empty P nobody holds on the idle list
 * @inst: the instance
 * @p: the P
 *
 * Context: sched_lock held.
 */
void gsched_idle_p_put(struct gsched_inst *inst, struct gsched_p *p)
{
	idle_p_put(inst, p);
}

static void idle_p_del(struct gsched_inst *inst, struct gsched_p *p)
{
	lockdep_assert_held(&inst->sched_lock);
	list_del_init(&p->idle_node);
	WRITE_ONCE(p->idle, false);
	WRITE_ONCE(inst->nidle_ps, inst->nidle_ps - 1);
}

/* @w goes idle without a P (Go's mput). */
static void idle_worker_put(struct gsched_inst *inst, struct gsched_worker *w)
{
	lockdep_assert_held(&inst->sched_lock);
	w->idle = true;
	list_add(&w->idle_node, &inst->idle_workers);
}

/**
 * gsched_idle_worker_del() - take idle worker @m off the idle list (Go's mget)
 * @inst: the instance
 * @m: the worker
 *
 * When that leaves no idle worker, user space is asked for a spare, so
 * that a worker blocking later finds someone to take its P.
 *
 * Context: sched_lock held.
 */
void gsched_idle_worker_del(struct gsched_inst *inst, struct gsched_worker *m)
{
	lockdep_assert_held(&inst->sched_lock);
	list_del_init(&m->idle_node);
	m->idle = false;
	if (list_empty(&inst->idle_workers) && inst->nthreads < inst->nworkers)
		inst->spare_req = true;
}

/**
 * gsched_wakep() - wake an idle worker to spin, if nobody spins (Go's wakep)
 * @inst: the instance
 *
 * Called after work was added. At most one worker is woken per call, and
 * none while another is already spinning: that spinner will find the work
 * and, when it stops spinning, wake the next (reset_spinning).
 *
 * Context: no lock held.
 */
void gsched_wakep(struct gsched_inst *inst)
{
	struct gsched_worker *w;
	struct gsched_p *p;

	smp_mb();	/* (D): work is queued before we look at spinners */
	if (!READ_ONCE(inst->nidle_ps) || atomic_read(&inst->nr_spinning) ||
	    atomic_cmpxchg(&inst->nr_spinning, 0, 1) != 0)
		return;
	spin_lock(&inst->sched_lock);
	p = list_first_entry_or_null(&inst->idle_ps, struct gsched_p,
				     idle_node);
	w = list_first_entry_or_null(&inst->idle_workers, struct gsched_worker,
				     idle_node);
	if (!p || !w || inst->state >= GSCHED_INST_STOPPED) {
		/* an idle P but every worker busy or blocked: ask for one */
		if (p && !w && inst->nthreads < inst->nworkers)
			inst->spare_req = true;
		spin_unlock(&inst->sched_lock);
		atomic_dec(&inst->nr_spinning);
		return;
	}
	idle_p_del(inst, p);
	gsched_idle_worker_del(inst, w);
	w->nextp = p;
	w->spinning = true;	/* the nr_spinning count we took is its own */
	w->wakeup = true;
	spin_unlock(&inst->sched_lock);
	wake_up(&w->wq);
}

static void trace_wake(struct gsched_worker *w, struct gsched_task *t)
{
	u64 now;

	if (!trace_gsched_task_wake_enabled() &&
	    !trace_gsched_task_run_enabled())
		return;
	now = ktime_get_ns();
	t->ready_ns = now;
	trace_gsched_task_wake(t->inst->id, t->obj.handle,
			       w && w->curr ? w->curr->obj.handle : 0,
			       READ_ONCE(t->wait_reason),
			       now - READ_ONCE(t->wait_since));
}

/**
 * gsched_ready() - make a waiting task runnable in the waker's runnext
 * @w: the waker's worker
 * @t: the task, already marked RUNNABLE by the caller under its lock
 *
 * Go's ready(): the woken task runs next on the waker's P; the waker keeps
 * running (no immediate switch), and an idle P is woken to steal.
 *
 * Context: the worker @w's own thread, no lock held.
 */
void gsched_ready(struct gsched_worker *w, struct gsched_task *t)
{
	trace_wake(w, t);
	if (w->p)
		gsched_runq_put(w->p, t, true);
	else	/* a worker back from a hand-off, without a P yet */
		gsched_global_queue_put(t->inst, t);
	gsched_wakep(t->inst);
}

/**
 * gsched_wake() - make a task claimed from a wait runnable
 * @w: the waker's worker: a worker of the same instance, on its own
 *     thread, puts the task in its runnext; another process's worker, or
 *     a worker without a P, queues it at the tail of the global queue;
 *     NULL (the module itself: timers, timer channels, closes of the
 *     channels it owns such as a context's done, fd readiness) queues it
 *     at the tail of global_queue_woken, ahead of the global queue
 * @t: the task; its wait is claimed by the caller, so nobody else wakes it
 *
 * Go's timers and netpoller ready their goroutines on a P (runnext or the
 * local ring), ahead of the global queue; the module's timers run in a
 * work item that cannot write a P's ring, so global_queue_woken stands in
 * for that: a sleeper is not queued behind every task that overflowed to
 * the global queue (10,000 woken by one close took 64 s to drain in the
 * debug guest, and a 20 ms sleep in the closing task lasted all of it).
 * Workers reach
 * global_queue_woken when their ring is empty and every 61st tick.
 *
 * Context: process context, no lock held.
 */
void gsched_wake(struct gsched_worker *w, struct gsched_task *t)
{
	struct gsched_inst *inst = t->inst;

	spin_lock(&t->lock);
	t->state = GSCHED_TASK_RUNNABLE;
	spin_unlock(&t->lock);
	if (w && w->p && w->inst == inst && w->thread == current) {
		gsched_ready(w, t);
		return;
	}
	trace_wake(w && w->inst == inst ? w : NULL, t);
	spin_lock(&inst->sched_lock);
	if (inst->state == GSCHED_INST_DEAD) {
		/* its process is gone: the task never runs again */
		spin_unlock(&inst->sched_lock);
		return;
	}
	list_add_tail(&t->node,
		      w ? &inst->global_queue : &inst->global_queue_woken);
	inst->global_queue_len++;
	spin_unlock(&inst->sched_lock);
	gsched_wakep(inst);
}

/**
 * gsched_worker_rand() - a pseudo-random number from the worker's P
 * @w: the calling worker (a stand-in without a P gets a real random number)
 *
 * Context: the worker's own thread.
 * Return: 32 random bits.
 */
u32 gsched_worker_rand(struct gsched_worker *w)
{
	return w->p ? gsched_rand(w->p) : get_random_u32();
}

static void reset_spinning(struct gsched_inst *inst, struct gsched_worker *w)
{
	w->spinning = false;
	if (WARN_ON_ONCE(atomic_dec_return(&inst->nr_spinning) < 0))
		atomic_set(&inst->nr_spinning, 0);
	gsched_wakep(inst);
}

/*
 * Go's stealWork: four rounds over the other Ps in a random order (start
 * and stride coprime to nprocs), taking half of a victim's ring; only the
 * last round may take a victim's runnext.
 */
static struct gsched_task *steal_work(struct gsched_inst *inst,
				      struct gsched_p *p)
{
	u32 n = inst->nprocs, round, k, pos, stride;
	struct gsched_p *victim;
	struct gsched_task *t;

	if (n < 2)
		return NULL;
	for (round = 0; round < 4; round++) {
		pos = gsched_rand(p) % n;
		do {
			stride = gsched_rand(p) % n + 1;
		} while (gcd(stride, n) != 1);
		for (k = 0; k < n; k++, pos = (pos + stride) % n) {
			victim = inst->ps[pos];
			if (victim == p || READ_ONCE(victim->idle))
				continue;
			t = runq_steal(inst, p, victim, round == 3);
			if (t)
				return t;
		}
	}
	return NULL;
}

static void report_deadlock(struct gsched_inst *inst)
{
	unsigned long idx;
	struct gsched_obj *obj;
	struct gsched_task *t;
	unsigned int shown = 0, total = 0;

	pr_info("instance %u (pid %d): all goroutines are asleep - deadlock!\n",
		inst->id, inst->pid);
	rcu_read_lock();
	xa_for_each(&inst->handles, idx, obj) {
		if (obj->type != GSCHED_OBJ_TASK)
			continue;
		t = container_of(obj, struct gsched_task, obj);
		if (READ_ONCE(t->state) != GSCHED_TASK_WAITING)
			continue;
		total++;
		if (shown >= 32)
			continue;
		shown++;
		pr_info("instance %u: task %u waiting (%s)%s\n", inst->id,
			obj->handle,
			gsched_wait_reason_name(READ_ONCE(t->wait_reason)),
			t->is_main ? " [main]" : "");
	}
	rcu_read_unlock();
	if (total > shown)
		pr_info("instance %u: ... and %u more waiting tasks\n",
			inst->id, total - shown);
}

/**
 * gsched_stop() - end the runtime: every worker leaves at its next switch
 * @inst: the instance
 * @status: what the workers report (main's exit value)
 *
 * Context: sched_lock held.
 */
void gsched_stop(struct gsched_inst *inst, s64 status)
{
	u32 i;

	lockdep_assert_held(&inst->sched_lock);
	if (inst->state >= GSCHED_INST_STOPPED)
		return;
	WRITE_ONCE(inst->status, status);
	WRITE_ONCE(inst->state, GSCHED_INST_STOPPED);
	for (i = 0; i < inst->nworkers; i++)
		wake_up(&inst->workers[i].wq);
}

/*
 * Is every task asleep with nothing that could wake it? Called by the
 * last worker to go idle, and by whatever takes away the last outside
 * hope of a waiting task (a timer that fired, a peer of a shared channel
 * that went away: gsched_recheck_dead()). Only tasks, timers, files and
 * other holders of a shared channel wake tasks, so all Ps idle with an
 * empty global queue, no timer pending, no wait that another holder or a
 * file may complete (nr_ext_waiters, kept by wait.c and chan.c: a
 * channel's holders are the instances with a handle to it and its open
 * exported files), no task running on a worker whose P was handed off (it
 * is in a system call) and live tasks is Go's checkdead(). A task blocked
 * on a shared channel whose other side was killed is thus reported like
 * any local deadlock, once the peer's handles and the exported fds are
 * all gone.
 */
static bool check_dead(struct gsched_inst *inst)
{
	lockdep_assert_held(&inst->sched_lock);
	return inst->state == GSCHED_INST_RUNNING &&
	       inst->nidle_ps == inst->nprocs && !inst->global_queue_len &&
	       !atomic_read(&inst->nr_timers) &&
	       !atomic_read(&inst->nr_ext_waiters) &&
	       !atomic_read(&inst->nr_nop) &&
	       atomic_read(&inst->nr_live) > 0;
}

/**
 * gsched_recheck_dead() - the deadlock check, from outside the scheduler
 * @inst: the instance (a kobject reference is enough: a dead or stopped
 *	  instance is never reported)
 *
 * The last worker to go idle checks for a deadlock, but a pending timer
 * or a wait another holder may complete holds the check off. When the
 * last timer fires without waking anyone (a context deadline nobody
 * waited on, an unread timer channel), or the last other holder of a
 * channel a task waits on goes away (chan.c), this makes the check the
 * idle worker could not.
 *
 * Context: process context, no lock held.
 */
void gsched_recheck_dead(struct gsched_inst *inst)
{
	bool dead;

	spin_lock(&inst->sched_lock);
	dead = check_dead(inst);
	if (dead) {
		inst->deadlocked = true;
		gsched_stop(inst, 0);
	}
	spin_unlock(&inst->sched_lock);
	if (dead)
		report_deadlock(inst);
}

static void drop_spinning(struct gsched_inst *inst, struct gsched_worker *w)
{
	if (w->spinning) {
		w->spinning = false;
		atomic_dec(&inst->nr_spinning);
	}
}

/*
 * After the last spinner dropped its count and found work on a recheck:
 * take an idle P and spin again (Go's findrunnable tail). @global: the
 * work seen is on the global queue, so it must still be there.
 *
 * Return: true if @w now holds a P; false if wakep() already took @w (its
 * wait ends at once) or no P is idle (their owners run that work).
 */
static bool take_idle_p(struct gsched_inst *inst, struct gsched_worker *w,
			bool global)
{
	struct gsched_p *p;

	spin_lock(&inst->sched_lock);
	p = list_first_entry_or_null(&inst->idle_ps, struct gsched_p,
				     idle_node);
	if (!w->idle || !p || (global && !inst->global_queue_len)) {
		spin_unlock(&inst->sched_lock);
		return false;
	}
	idle_p_del(inst, p);
	gsched_idle_worker_del(inst, w);
	w->p = p;
	w->spinning = true;
	atomic_inc(&inst->nr_spinning);
	spin_unlock(&inst->sched_lock);
	return true;
}

/**
 * gsched_find_runnable() - the next task for worker @w (Go's findrunnable)
 * @w: the calling worker, with no current task
 *
 * Order: every 61st tick the global queue; runnext and the local ring; the
 * global queue; stealing (only while spinning is allowed); the global
 * queue again under the lock; then the P goes idle and so does the worker
 * (Go's stopm), a spinning worker rechecks every ring, and the worker
 * sleeps until wakep() or a hand-off gives it a P, or the runtime stops.
 * A worker without a P (a spare, or one whose P was handed off) first
 * takes a P that a hand-off left for the next idle worker, or an idle P
 * when the global queue has work; otherwise it goes idle at once.
 *
 * Context: the worker's own thread, no lock held; may sleep.
 * Return: the task, now RUNNING on @w's P; NULL when the runtime stopped;
 * ERR_PTR(-EINTR) on a signal (the worker stays idle and the next call
 * resumes the wait).
 */
struct gsched_task *gsched_find_runnable(struct gsched_worker *w)
{
	struct gsched_inst *inst = w->inst;
	struct gsched_task *t = NULL;
	bool inherit = false, dead = false;
	struct gsched_p *p;
	u32 i;
	int ret;

	if (w->parked)
		goto wait;
top:
	p = w->p;
	if (gsched_inst_stopped(inst))
		goto stopped;
	if (!p)
		goto nop;
	if (p->schedtick % 61 == 0 && READ_ONCE(inst->global_queue_len)) {
		spin_lock(&inst->sched_lock);
		t = global_queue_get(inst, p, 1);
		spin_unlock(&inst->sched_lock);
		if (t)
			goto found;
	}
	t = runq_get(p, &inherit);
	if (t)
		goto found;
	if (READ_ONCE(inst->global_queue_len)) {
		spin_lock(&inst->sched_lock);
		t = global_queue_get(inst, p, 0);
		spin_unlock(&inst->sched_lock);
		if (t)
			goto found;
	}
	/* spin only while 2*spinning < busy Ps, as Go does */
	if (w->spinning || 2 * atomic_read(&inst->nr_spinning) <
	    inst->nprocs - READ_ONCE(inst->nidle_ps)) {
		if (!w->spinning) {
			w->spinning = true;
			atomic_inc(&inst->nr_spinning);
		}
		t = steal_work(inst, p);
		if (t)
			goto found;
	}

	spin_lock(&inst->sched_lock);
	if (inst->state >= GSCHED_INST_STOPPED) {
		spin_unlock(&inst->sched_lock);
		goto stopped;
	}
	t = global_queue_get(inst, p, 0);
	if (t) {
		spin_unlock(&inst->sched_lock);
		goto found;
	}
	/* the P goes idle (empty) and the worker with it */
	idle_p_put(inst, p);
	w->p = NULL;
	idle_worker_put(inst, w);
	spin_unlock(&inst->sched_lock);

	if (w->spinning) {
		w->spinning = false;
		atomic_dec(&inst->nr_spinning);
		smp_mb__after_atomic();	/* (C) */
		/*
		 * Recheck the global queue too (Go's findrunnable does): a
		 * waker outside our Ps (a timer, another process on a shared
		 * channel, an fd, a worker without a P) queues there and its
		 * wakep() may have seen our nr_spinning count just before we
		 * dropped it.
		 */
		if (READ_ONCE(inst->global_queue_len) &&
		    take_idle_p(inst, w, true))
			goto top;
		for (i = 0; i < inst->nprocs; i++) {
			if (gsched_runq_empty(inst->ps[i]))
				continue;
			if (take_idle_p(inst, w, false))
				goto top;
			break;
		}
	}
	goto check;

nop:
	spin_lock(&inst->sched_lock);
	if (inst->state >= GSCHED_INST_STOPPED) {
		spin_unlock(&inst->sched_lock);
		goto stopped;
	}
	if (inst->nr_handoff_pending && gsched_handoff_take(inst, w)) {
		spin_unlock(&inst->sched_lock);
		goto top;
	}
	p = list_first_entry_or_null(&inst->idle_ps, struct gsched_p,
				     idle_node);
	if (p && inst->global_queue_len) {
		idle_p_del(inst, p);
		w->p = p;
		spin_unlock(&inst->sched_lock);
		goto top;
	}
	idle_worker_put(inst, w);
	spin_unlock(&inst->sched_lock);

check:
	spin_lock(&inst->sched_lock);
	if (check_dead(inst)) {
		inst->deadlocked = true;
		gsched_stop(inst, 0);
		dead = true;
	}
	spin_unlock(&inst->sched_lock);
	if (dead)
		report_deadlock(inst);
wait:
	spin_lock(&inst->sched_lock);
	inst->nsleeping++;
	spin_unlock(&inst->sched_lock);
	ret = wait_event_interruptible(w->wq, READ_ONCE(w->wakeup) ||
				       gsched_inst_stopped(inst));
	spin_lock(&inst->sched_lock);
	inst->nsleeping--;
	if (w->wakeup) {
		/* wakep() or a hand-off took us off the idle list */
		w->wakeup = false;
		w->parked = false;
		w->p = w->nextp;
		w->nextp = NULL;
		spin_unlock(&inst->sched_lock);
		goto top;
	}
	spin_unlock(&inst->sched_lock);
	if (gsched_inst_stopped(inst)) {
		w->parked = false;
		goto stopped;
	}
	WARN_ON_ONCE(!ret);
	w->parked = true;
	return ERR_PTR(-EINTR);

found:
	if (w->spinning)
		reset_spinning(inst, w);
	if (!inherit)
		p->schedtick++;
	spin_lock(&t->lock);
	t->state = GSCHED_TASK_RUNNING;
	t->last_cpu = p->id;
	spin_unlock(&t->lock);
	return t;

stopped:
	drop_spinning(inst, w);
	return NULL;
}

/*
 * @t, which no P holds and no worker runs any more, waits in the global
 * queue for another worker.
 */
static void requeue_global(struct gsched_inst *inst, struct gsched_task *t)
{
	spin_lock(&t->lock);
	t->state = GSCHED_TASK_RUNNABLE;
	spin_unlock(&t->lock);
	gsched_global_queue_put(inst, t);
	gsched_wakep(inst);
}

/**
 * gsched_switch() - GSCHED_IOC_SWITCH: apply the current task's op, then
 * give the worker its next task
 * @w: the calling worker
 * @sw: the request, checked; on success its next_* fields are filled
 *
 * Context: @w's own thread, no lock held; may sleep (an idle worker).
 * Return: 0 (the next task, or GSCHED_NEXT_EXIT, is in @sw); the op's
 * error when it was refused (nothing changed); -EINTR from an idle wait.
 */
long gsched_switch(struct gsched_worker *w, struct gsched_switch *sw)
{
	struct gsched_inst *inst = w->inst;
	struct gsched_task *next, *prev;
	long err;

	prev = w->curr;
	err = gsched_task_do_op(w, sw, &next);
	if (err)
		return err;
	if (next && !w->p) {
		/*
		 * Back from a hand-off with no P to be had (Go's exitsyscall
		 * slow path): the task waits in the global queue and the
		 * worker goes idle.
		 */
		w->curr = NULL;
		requeue_global(inst, next);
		next = NULL;
	}
	if (!w->curr)
		gsched_worker_drop_nop(w);
again:
	if (!next) {
		next = gsched_find_runnable(w);
		if (IS_ERR(next))
			return PTR_ERR(next);
	}
	if (next && next != w->curr && next->wait) {
		/* finish its wait; a mutex waiter that lost waits again */
		w->curr = next;
		if (gsched_wait_finish(w, next)) {
			next = NULL;
			goto again;
		}
	}
	if (!next) {
		/* runtime over */
		sw->next_cookie = 0;
		sw->next_id = 0;
		spin_lock(&inst->sched_lock);
		sw->next_flags = GSCHED_NEXT_EXIT;
		if (inst->deadlocked)
			sw->next_flags |= GSCHED_NEXT_DEADLOCK;
		sw->next_result = inst->status;
		spin_unlock(&inst->sched_lock);
		/* the worker leaves: nothing to hand off or preempt any more */
		gsched_worker_detach_self(w);
		return 0;
	}
	w->curr = next;
	/* a task that carries on after an op that did not block never left */
	if (next != prev && trace_gsched_task_run_enabled()) {
		trace_gsched_task_run(inst->id, next->obj.handle, w->p->id,
				      next->ready_ns ?
				      ktime_get_ns() - next->ready_ns : 0);
		next->ready_ns = 0;
	}
	sw->next_cookie = next->cookie;
	sw->next_id = next->obj.handle;
	sw->next_flags = 0;
	sw->next_result = next->result;
	sw->next_p = w->p->id;
	pstat_add(&w->p->stat.switches, 1);
	if (next != prev)
		gsched_worker_started(w);
	if (READ_ONCE(inst->spare_req)) {
		spin_lock(&inst->sched_lock);
		if (inst->spare_req && inst->nthreads < inst->nworkers)
			sw->next_flags |= GSCHED_NEXT_SPAWN;
		inst->spare_req = false;
		spin_unlock(&inst->sched_lock);
	}
	return 0;
}

/**
 * gsched_switch_undo() - the worker will not run the task SWITCH gave it
 * @w: the worker
 *
 * SWITCH picked a task but its result could not be written back to user
 * space: the worker never learns of it, so put it where another worker
 * finds it.
 *
 * Context: @w's own thread, no lock held.
 */
void gsched_switch_undo(struct gsched_worker *w)
{
	struct gsched_task *t = w->curr;

	if (!t)
		return;
	w->curr = NULL;
	requeue_global(w->inst, t);
}
