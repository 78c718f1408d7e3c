// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: hand-off of workers blocked in the kernel, and the worker
 * threads' preempt notifiers that detect the blocking.
 *
 * Hand-off (Go's handoffp, without sysmon)
 * ----------------------------------------
 * Every worker thread carries a preempt notifier. When the thread goes to
 * sleep while it runs a task outside the module (a system call, a page
 * fault: any sleep), sched_out records that in the worker's hand-off
 * state and arms a CPU-local hard hrtimer for the grace period
 * (handoff_grace_us). sched_out runs with the run-queue lock held and
 * IRQs off, so it does nothing else. If the thread is still asleep when
 * the timer fires, the timer queues a work item, and the work takes the
 * worker's P away in process context: to an idle worker if the P has work
 * (woken with the P as its next P), else to the idle P list. A thread
 * that wakes before the timer fires cancels it in sched_in: short sleeps
 * cause no churn.
 *
 * The hand-off state (gsched_worker.handoff_state) is the proof of who owns the
 * P. Only the worker's own thread moves it between KERNEL (inside a
 * gsched ioctl), USER (running a task) and BLOCKED (asleep while USER);
 * the hand-off moves it from BLOCKED to HANDED with cmpxchg, and only
 * from the exact value the grace timer saw: every block bumps a sequence
 * number in the upper bits, so a hand-off meant for an earlier sleep
 * fails. While the state is BLOCKED the thread is off CPU and outside the
 * module, so nobody but the hand-off touches its P; once HANDED, the
 * thread sees it at its next ioctl (gsched_worker_enter()) and drops its
 * P pointer before anything uses it: Go's exitsyscall. It takes an idle P
 * if there is one; otherwise its task may keep running without a P until
 * its next scheduling call, where it goes to the global queue and the
 * worker becomes an idle worker.
 *
 *   worker thread            timer (hardirq)        work (process)
 *   USER -> BLOCKED(seq+1)   sees BLOCKED(s):
 *   arm grace timer          handoff_fired = s,
 *                            queue ----------------> cmpxchg(s, HANDED)
 *   ... wakes: cmpxchg                              P -> idle worker
 *       (BLOCKED(s), USER)                            or idle list
 *
 * A hand-off that finds work but no idle worker marks the blocked worker
 * handoff_pending and asks user space for a spare (GSCHED_NEXT_SPAWN); the
 * next worker to go idle takes that P itself (gsched_handoff_take()).
 *
 * Lifetime of the notifiers
 * -------------------------
 * A notifier lives in its own struct gsched_notifier, not in the instance:
 * the thread may outlive the instance (close of the fd) or the instance
 * its threads (process exit: the last thread releases the file while the
 * others are still on their way out). A worker that leaves normally
 * unregisters its own notifier. At teardown, each remaining notifier is
 * cut from its worker (pn->w = NULL, then synchronize_rcu(): the callbacks
 * run with preemption off, so they are RCU readers), and kept as an orphan
 * until its thread is dead (TASK_DEAD and off CPU: no callback can run
 * again). An orphan holds a module reference; a delayed work frees it.
 */
#include "gsched.h"

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "trace.h"

#ifndef CONFIG_PREEMPT_NOTIFIERS
#error "gsched needs CONFIG_PREEMPT_NOTIFIERS (set by CONFIG_KVM)"
#endif

unsigned int gsched_handoff_grace_us = 20;
module_param_named(handoff_grace_us, gsched_handoff_grace_us, uint, 0644);
MODULE_PARM_DESC(handoff_grace_us,
		 "Sleep of a worker's thread before its P is handed off (default 20 us)");

unsigned int gsched_max_spares = 64;
module_param_named(max_spares, gsched_max_spares, uint, 0644);
MODULE_PARM_DESC(max_spares, "Cap on spare workers per instance (default 64)");

#define HS(v)		((v) & GSCHED_HS_MASK)
#define HS_SET(v, s)	(((v) & ~GSCHED_HS_MASK) | (s))

/**
 * struct gsched_notifier - the preempt notifier of one worker thread
 * @pn: registered on @tsk (by @tsk itself)
 * @w: the worker, or NULL once cut from it (then the callbacks do nothing)
 * @tsk: the thread, a reference
 * @mm: the thread's mm at registration, compared only: a thread that
 *	called execve is no longer a worker
 * @orphan: on gsched_orphans while waiting for @tsk to die
 */
struct gsched_notifier {
	struct preempt_notifier pn;
	struct gsched_worker *w;
	struct task_struct *tsk;
	struct mm_struct *mm;
	struct list_head orphan;
};

static LIST_HEAD(gsched_orphans);
static DEFINE_MUTEX(gsched_orphan_mutex);
static void gsched_orphan_gc(struct work_struct *work);
static DECLARE_DELAYED_WORK(gsched_orphan_work, gsched_orphan_gc);

/* Is @tsk still on a run queue (preempted) rather than going to sleep? */
static bool gsched_task_runnable(struct task_struct *tsk)
{
#ifdef GSCHED_HAVE_TASK_IS_RUNNABLE	/* Kbuild: 6.12 and later */
	/* delayed dequeue keeps a sleeping task on_rq for a while */
	return task_is_runnable(tsk);
#else
	return READ_ONCE(tsk->on_rq);
#endif
}

/* Context: the worker's thread in __schedule(): rq lock held, IRQs off. */
static void gsched_notifier_out(struct preempt_notifier *n,
				struct task_struct *next)
{
	struct gsched_notifier *pn = container_of(n, struct gsched_notifier,
						  pn);
	struct gsched_worker *w = READ_ONCE(pn->w);
	int hs;

	if (!w || current->mm != pn->mm)
		return;
	hs = atomic_read(&w->handoff_state);
	if (HS(hs) != GSCHED_HS_USER || gsched_task_runnable(current))
		return;
	/* only this thread leaves USER: a plain store is enough */
	atomic_set(&w->handoff_state, HS_SET(hs + GSCHED_HS_MASK + 1,
					     GSCHED_HS_BLOCKED));
	w->blocked_ns = ktime_get_ns();
	if (w->inst->nworkers == w->inst->nprocs)
		return;		/* no spares: no hand-off */
	hrtimer_start(&w->handoff_timer,
		      ns_to_ktime(READ_ONCE(gsched_handoff_grace_us) *
				  NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED_HARD);
}

/* Context: the worker's thread, preemption off, after the switch. */
static void gsched_notifier_in(struct preempt_notifier *n, int cpu)
{
	struct gsched_notifier *pn = container_of(n, struct gsched_notifier,
						  pn);
	struct gsched_worker *w = READ_ONCE(pn->w);
	int hs;

	if (!w)
		return;
	hs = atomic_read(&w->handoff_state);
	if (HS(hs) != GSCHED_HS_BLOCKED)
		return;
	/* fails only if the hand-off won: then it stays HANDED */
	atomic_cmpxchg(&w->handoff_state, hs, HS_SET(hs, GSCHED_HS_USER));
	hrtimer_try_to_cancel(&w->handoff_timer);
}

static struct preempt_ops gsched_notifier_ops = {
	.sched_in = gsched_notifier_in,
	.sched_out = gsched_notifier_out,
};

/* The grace period ended. Context: hardirq. */
static enum hrtimer_restart gsched_handoff_timer_fn(struct hrtimer *t)
{
	struct gsched_worker *w = container_of(t, struct gsched_worker,
					       handoff_timer);
	int hs = atomic_read(&w->handoff_state);

	if (HS(hs) == GSCHED_HS_BLOCKED) {
		WRITE_ONCE(w->handoff_fired, hs);
		queue_work(system_highpri_wq, &w->handoff_work);
	}
	return HRTIMER_NORESTART;
}

/*
 * Take the P of blocked worker @w if it is still in the sleep @hs the
 * grace timer saw. Context: sched_lock held.
 */
static struct gsched_p *handoff_grab(struct gsched_inst *inst,
				     struct gsched_worker *w, int hs)
{
	/* stable while @w is BLOCKED: only its own thread writes it */
	struct gsched_p *p = READ_ONCE(w->p);

	lockdep_assert_held(&inst->sched_lock);
	if (HS(hs) != GSCHED_HS_BLOCKED || !p)
		return NULL;
	if (atomic_cmpxchg(&w->handoff_state, hs,
			   HS_SET(hs, GSCHED_HS_HANDED)) != hs)
		return NULL;
	if (w->handoff_pending) {
		w->handoff_pending = false;
		inst->nr_handoff_pending--;
	}
	/* its task runs on without a P until its next scheduling call */
	atomic_inc(&inst->nr_nop);
	atomic64_inc(&inst->handoffs);
	trace_gsched_handoff(inst->id, w->index, p->id,
			     ktime_get_ns() - READ_ONCE(w->blocked_ns));
	return p;
}

/* Ask user space for one more spare. Context: sched_lock held. */
static void request_spare(struct gsched_inst *inst)
{
	lockdep_assert_held(&inst->sched_lock);
	if (inst->nthreads < inst->nworkers)
		inst->spare_req = true;
}

/* The hand-off proper. Context: process context (system_highpri_wq). */
static void gsched_handoff_work_fn(struct work_struct *work)
{
	struct gsched_worker *w = container_of(work, struct gsched_worker,
					       handoff_work);
	struct gsched_inst *inst = w->inst;
	struct gsched_worker *m = NULL;
	int hs = READ_ONCE(w->handoff_fired);
	struct gsched_p *p;
	bool has_work;

	if (atomic_read(&w->handoff_state) != hs)
		return;		/* it woke up meanwhile */
	spin_lock(&inst->sched_lock);
	if (inst->state >= GSCHED_INST_STOPPED || !READ_ONCE(w->p))
		goto out;
	has_work = !gsched_runq_empty(w->p) || inst->global_queue_len;
	if (has_work) {
		m = list_first_entry_or_null(&inst->idle_workers,
					     struct gsched_worker, idle_node);
		if (!m) {
			/* the next worker to go idle takes it */
			if (!w->handoff_pending) {
				w->handoff_pending = true;
				inst->nr_handoff_pending++;
			}
			request_spare(inst);
			goto out;
		}
	}
	p = handoff_grab(inst, w, hs);
	if (!p) {
		m = NULL;
		goto out;
	}
	if (m) {
		gsched_idle_worker_del(inst, m);
		m->nextp = p;
		m->wakeup = true;
	} else {
		gsched_idle_p_put(inst, p);
	}
out:
	spin_unlock(&inst->sched_lock);
	if (m)
		wake_up(&m->wq);
}

/**
 * gsched_handoff_take() - take the P of a blocked worker waiting for one
 * @inst: the instance
 * @m: the calling worker, about to go idle without a P
 *
 * A hand-off that found work but no idle worker left its worker marked
 * handoff_pending; the next worker to go idle takes that P instead.
 *
 * Context: @m's own thread, sched_lock held.
 * Return: true with @m->p set.
 */
bool gsched_handoff_take(struct gsched_inst *inst, struct gsched_worker *m)
{
	struct gsched_worker *w;
	struct gsched_p *p;
	u32 i;

	lockdep_assert_held(&inst->sched_lock);
	for (i = 0; i < inst->nworkers && inst->nr_handoff_pending; i++) {
		w = &inst->workers[i];
		if (!w->handoff_pending)
			continue;
		p = handoff_grab(inst, w, READ_ONCE(w->handoff_fired));
		if (p) {
			m->p = p;
			return true;
		}
		if (HS(atomic_read(&w->handoff_state)) != GSCHED_HS_BLOCKED) {
			w->handoff_pending = false;	/* it woke up */
			inst->nr_handoff_pending--;
		}
	}
	return false;
}

/**
 * gsched_worker_enter() - a worker's thread enters a gsched ioctl
 * @w: the worker
 *
 * If its P was handed off while it was blocked, it learns that here
 * (Go's exitsyscall): it drops the P and takes an idle one if any.
 *
 * Context: @w's own thread, no lock held.
 */
void gsched_worker_enter(struct gsched_worker *w)
{
	struct gsched_inst *inst = w->inst;
	int hs = atomic_read(&w->handoff_state);
	struct gsched_p *p;

	if (HS(hs) == GSCHED_HS_HANDED) {
		smp_rmb();	/* after the hand-off's cmpxchg */
		w->p = NULL;
		w->nop = true;	/* counted by the hand-off */
		spin_lock(&inst->sched_lock);
		p = list_first_entry_or_null(&inst->idle_ps, struct gsched_p,
					     idle_node);
		if (p && inst->state < GSCHED_INST_STOPPED) {
			list_del_init(&p->idle_node);
			WRITE_ONCE(p->idle, false);
			WRITE_ONCE(inst->nidle_ps, inst->nidle_ps - 1);
			w->p = p;
		}
		spin_unlock(&inst->sched_lock);
		if (w->p)
			gsched_worker_drop_nop(w);
	}
	atomic_set(&w->handoff_state, HS_SET(hs, GSCHED_HS_KERNEL));
}

/**
 * gsched_worker_leave() - a worker's thread returns to user space
 * @w: the worker
 *
 * With a task to run it is USER from here on: a sleep outside the module
 * may hand its P off.
 *
 * Context: @w's own thread, no lock held.
 */
void gsched_worker_leave(struct gsched_worker *w)
{
	int hs = atomic_read(&w->handoff_state);

	if (w->curr && w->pn)
		atomic_set(&w->handoff_state, HS_SET(hs, GSCHED_HS_USER));
}

/**
 * gsched_worker_drop_nop() - the worker's task no longer runs without a P
 * @w: the worker
 *
 * Context: @w's own thread.
 */
void gsched_worker_drop_nop(struct gsched_worker *w)
{
	if (!w->nop)
		return;
	w->nop = false;
	atomic_dec(&w->inst->nr_nop);
}

/* ---- registration and teardown ------------------------------------------ */

/**
 * gsched_worker_init() - initialise a worker slot at SETUP
 * @w: the slot, zeroed, with @inst and @index set
 *
 * Context: process context.
 */
void gsched_worker_init(struct gsched_worker *w)
{
	init_waitqueue_head(&w->wq);
	INIT_LIST_HEAD(&w->idle_node);
	atomic_set(&w->handoff_state, GSCHED_HS_KERNEL);
	hrtimer_init(&w->handoff_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	w->handoff_timer.function = gsched_handoff_timer_fn;
	INIT_WORK(&w->handoff_work, gsched_handoff_work_fn);
	gsched_preempt_init(w);
}

/*
 * The scheduler calls preempt notifiers behind a static key
 * (preempt_notifier_key). Turning it on or off live-patches the context
 * switch path (text_poke_bp), so gsched turns it on once, when the first
 * worker registers, and off at module unload: loading the module costs a
 * context switch nothing until a runtime starts, and load/unload cycles
 * that never start one patch nothing. (Under QEMU's TCG, patching that
 * site on every load and unload occasionally left the other vCPU trapping
 * on a stale int3 in finish_task_switch.)
 */
static DEFINE_MUTEX(gsched_notifier_key_mutex);
static bool gsched_notifier_key_on;	/* under gsched_notifier_key_mutex */

/* once per worker thread: the mutex is no hot path */
static void notifier_key_enable(void)
{
	mutex_lock(&gsched_notifier_key_mutex);
	if (!gsched_notifier_key_on) {
		preempt_notifier_inc();
		gsched_notifier_key_on = true;
	}
	mutex_unlock(&gsched_notifier_key_mutex);
}

static void notifier_free(struct gsched_notifier *pn)
{
	put_task_struct(pn->tsk);
	kfree(pn);
}

/*
 * Free the calling thread's orphaned notifiers: those of instances
 * destroyed by another thread while this one lived (see
 * gsched_workers_release()). Only a thread changes its own notifier list,
 * so an orphan can leave it only here or when the thread dies; doing it
 * whenever the thread registers again bounds the orphans to one per live
 * thread, however many instances it served. An orphan is this thread's
 * to free only once it is on gsched_orphans: until then the releasing
 * thread still uses it.
 *
 * Context: process context, the calling thread's own list.
 */
static void notifier_reap_own_orphans(void)
{
	struct gsched_notifier *pn, *next;
	struct preempt_notifier *n;
	struct hlist_node *tmp;
	LIST_HEAD(mine);

	mutex_lock(&gsched_orphan_mutex);
	hlist_for_each_entry_safe(n, tmp, &current->preempt_notifiers, link) {
		if (n->ops != &gsched_notifier_ops)
			continue;
		pn = container_of(n, struct gsched_notifier, pn);
		if (pn->tsk != current || list_empty(&pn->orphan))
			continue;
		list_move(&pn->orphan, &mine);
		preempt_disable();
		preempt_notifier_unregister(&pn->pn);
		preempt_enable();
	}
	mutex_unlock(&gsched_orphan_mutex);
	/* our ioctl's open file holds the module: these puts are not last */
	list_for_each_entry_safe(pn, next, &mine, orphan) {
		notifier_free(pn);
		module_put(THIS_MODULE);
	}
}

/**
 * gsched_worker_attach() - register the calling thread's notifier for @w
 * @w: the worker being registered
 *
 * Context: @w's thread, process context.
 * Return: 0 or -ENOMEM.
 */
int gsched_worker_attach(struct gsched_worker *w)
{
	struct gsched_notifier *pn;

	notifier_reap_own_orphans();
	pn = kzalloc(sizeof(*pn), GFP_KERNEL_ACCOUNT);
	if (!pn)
		return -ENOMEM;
	notifier_key_enable();
	preempt_notifier_init(&pn->pn, &gsched_notifier_ops);
	pn->w = w;
	get_task_struct(current);
	pn->tsk = current;
	pn->mm = current->mm;
	INIT_LIST_HEAD(&pn->orphan);
	w->pn = pn;
	preempt_disable();
	preempt_notifier_register(&pn->pn);
	preempt_enable();
	return 0;
}

/**
 * gsched_worker_detach_self() - a worker leaves: drop its own notifier
 * @w: the worker
 *
 * Context: @w's own thread, process context.
 */
void gsched_worker_detach_self(struct gsched_worker *w)
{
	struct gsched_notifier *pn = w->pn;

	if (!pn)
		return;
	WRITE_ONCE(pn->w, NULL);
	preempt_disable();
	preempt_notifier_unregister(&pn->pn);
	preempt_enable();
	w->pn = NULL;
	notifier_free(pn);
}

/*
 * No notifier callback can run for @tsk again: it is dead and its final
 * context switch (whose sched_out is the last callback) is complete.
 */
static bool notifier_thread_gone(struct task_struct *tsk)
{
	if (READ_ONCE(tsk->__state) != TASK_DEAD)
		return false;
	/* pairs with finish_task()'s release store of on_cpu */
	return !smp_load_acquire(&tsk->on_cpu);
}

static void gsched_orphan_gc(struct work_struct *work)
{
	struct gsched_notifier *pn, *tmp;
	LIST_HEAD(gone);
	bool more;

	mutex_lock(&gsched_orphan_mutex);
	list_for_each_entry_safe(pn, tmp, &gsched_orphans, orphan)
		if (notifier_thread_gone(pn->tsk))
			list_move(&pn->orphan, &gone);
	more = !list_empty(&gsched_orphans);
	if (more)
		schedule_delayed_work(&gsched_orphan_work, HZ / 10);
	mutex_unlock(&gsched_orphan_mutex);
	list_for_each_entry_safe(pn, tmp, &gone, orphan) {
		notifier_free(pn);
		module_put(THIS_MODULE);
	}
}

/**
 * gsched_workers_release() - cut every worker of a dying instance from
 * its thread
 * @inst: the instance, DEAD: nothing arms its timers or queues its works
 *	  any more once the notifiers are cut
 *
 * Threads still alive keep their (now idle) notifier until they die; the
 * calling thread drops its own at once. Threads already exiting (the
 * process is going away) are given a moment to finish, so that the
 * module can be unloaded right after the process is gone.
 *
 * Context: process context, may sleep.
 */
void gsched_workers_release(struct gsched_inst *inst)
{
	struct gsched_worker *w;
	struct gsched_notifier *pn;
	bool any = false;
	u32 i;
	int tries;

	if (!inst->workers)
		return;
	for (i = 0; i < inst->nworkers; i++) {
		pn = inst->workers[i].pn;
		if (pn) {
			WRITE_ONCE(pn->w, NULL);
			any = true;
		}
	}
	if (any)
		synchronize_rcu();	/* callbacks in flight are done */
	for (i = 0; i < inst->nworkers; i++) {
		w = &inst->workers[i];
		hrtimer_cancel(&w->handoff_timer);
		cancel_work_sync(&w->handoff_work);
		gsched_preempt_stop(w);
		pn = w->pn;
		if (!pn)
			continue;
		w->pn = NULL;
		if (pn->tsk == current) {
			preempt_disable();
			preempt_notifier_unregister(&pn->pn);
			preempt_enable();
			notifier_free(pn);
			continue;
		}
		for (tries = 0; tries < 100 && (pn->tsk->flags & PF_EXITING) &&
		     !notifier_thread_gone(pn->tsk); tries++)
			usleep_range(1000, 2000);
		if (notifier_thread_gone(pn->tsk)) {
			notifier_free(pn);
			continue;
		}
		__module_get(THIS_MODULE);
		mutex_lock(&gsched_orphan_mutex);
		list_add_tail(&pn->orphan, &gsched_orphans);
		mutex_unlock(&gsched_orphan_mutex);
		schedule_delayed_work(&gsched_orphan_work, HZ / 50);
	}
}

/**
 * gsched_worker_self() - the calling thread's worker in @inst, if any
 * @inst: the instance
 *
 * Found through the thread's own notifier list, which only the thread
 * itself changes.
 *
 * Context: process context.
 * Return: the worker or NULL.
 */
struct gsched_worker *gsched_worker_self(struct gsched_inst *inst)
{
	struct preempt_notifier *n;
	struct gsched_worker *w;

	hlist_for_each_entry(n, &current->preempt_notifiers, link) {
		if (n->ops != &gsched_notifier_ops)
			continue;
		w = READ_ONCE(container_of(n, struct gsched_notifier, pn)->w);
		if (w && w->inst == inst)
			return w;
	}
	return NULL;
}

/**
 * gsched_handoff_exit() - turn preempt notifiers off again, if a worker
 * ever turned them on
 *
 * Every orphan holds a module reference, so none is left here.
 *
 * Context: module exit.
 */
void gsched_handoff_exit(void)
{
	cancel_delayed_work_sync(&gsched_orphan_work);
	WARN_ON(!list_empty(&gsched_orphans));
	mutex_lock(&gsched_notifier_key_mutex);
	if (gsched_notifier_key_on) {
		preempt_notifier_dec();
		gsched_notifier_key_on = false;
	}
	mutex_unlock(&gsched_notifier_key_mutex);
}
