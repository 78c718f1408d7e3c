// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: preemption: a signal to a worker whose task runs too long.
 *
 * With a preemption signal set up, each worker has a clock (hrtimer plus
 * work item, preempt_lock): when the same task has run for preempt_ms
 * without a scheduling call, the work sends the signal to the worker
 * thread; libgsched switches the task out from the signal handler when
 * that is safe. While the same task still runs (the handler declined: the
 * task was in libc, say), the signal is sent again after 1 ms, then 2, 4
 * and 8 ms, then every preempt_ms: a task inside a long libc call is not
 * sent a signal a millisecond for as long as it stays there. Go's sysmon
 * backs off the same way, to 10 ms, when it finds nothing to do.
 *
 * The clock only ever signals a thread of the process the instance
 * serves: the hand-off state (handoff.c) tells whether the thread runs
 * its task outside the module right now, and a thread that called execve
 * is never signalled.
 */
#include "gsched.h"

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/workqueue.h>

#include "trace.h"

unsigned int gsched_preempt_ms = 10;
module_param_named(preempt_ms, gsched_preempt_ms, uint, 0644);
MODULE_PARM_DESC(preempt_ms,
		 "Run time after which a task is preempted, 0 = never (default 10 ms)");

static enum hrtimer_restart gsched_preempt_timer_fn(struct hrtimer *t)
{
	struct gsched_worker *w = container_of(t, struct gsched_worker,
					       preempt_timer);

	queue_work(system_highpri_wq, &w->preempt_work);
	return HRTIMER_NORESTART;
}

/* Is the worker's thread running its task outside the module right now? */
static bool worker_in_task(struct gsched_worker *w)
{
	int hs = atomic_read(&w->handoff_state) & GSCHED_HS_MASK;

	return hs == GSCHED_HS_USER ||
	       (hs == GSCHED_HS_HANDED && READ_ONCE(w->thread->on_cpu));
}

static void gsched_preempt_work_fn(struct work_struct *work)
{
	struct gsched_worker *w = container_of(work, struct gsched_worker,
					       preempt_work);
	struct gsched_inst *inst = w->inst;
	u64 period = (u64)READ_ONCE(gsched_preempt_ms) * NSEC_PER_MSEC;
	u64 now, start, seq, next = NSEC_PER_MSEC;
	struct gsched_task *t;
	u32 handle = 0;
	bool send = false;

	spin_lock(&w->preempt_lock);
	t = READ_ONCE(w->curr);
	if (!t || !period || gsched_inst_stopped(inst)) {
		w->preempt_armed = false;
		spin_unlock(&w->preempt_lock);
		return;
	}
	seq = READ_ONCE(w->run_seq);
	start = READ_ONCE(w->run_start);
	now = ktime_get_ns();
	if (seq == w->preempt_seq && now - start >= period) {
		send = worker_in_task(w);
		handle = t->obj.handle;	/* t stays allocated: it runs */
		if (send) {
			/* declined signals back off: 1, 2, 4, 8 ms, period */
			next = w->preempt_retry;
			w->preempt_retry = min(2 * w->preempt_retry, period);
		}
	} else {
		/* not due; a new task always lands here first: fresh backoff */
		w->preempt_seq = seq;
		/* period is whole ms */
		w->preempt_retry = NSEC_PER_MSEC;
		if (start + period > now)
			next = start + period - now;
	}
	hrtimer_start(&w->preempt_timer, ns_to_ktime(next), HRTIMER_MODE_REL);
	spin_unlock(&w->preempt_lock);
	/*
	 * A thread that called execve runs another program: never signal
	 * it. Compared only; gsched_workers_quiesce() closes the window
	 * between the exec and this check once the old mm is torn down.
	 */
	if (send && READ_ONCE(w->thread->mm) != inst->mm)
		send = false;
	if (send) {
		atomic64_inc(&inst->preemptions);
		trace_gsched_preempt(inst->id, w->index, handle, now - start);
		send_sig_info(inst->preempt_sig, SEND_SIG_PRIV, w->thread);
	}
}

/**
 * gsched_worker_started() - the worker starts running a (new) task
 * @w: the worker, @w->curr set
 *
 * Restarts the task's preemption clock.
 *
 * Context: @w's own thread, no lock held.
 */
void gsched_worker_started(struct gsched_worker *w)
{
	WRITE_ONCE(w->run_start, ktime_get_ns());
	WRITE_ONCE(w->run_seq, w->run_seq + 1);
	if (!w->inst->preempt_sig || !READ_ONCE(gsched_preempt_ms))
		return;
	spin_lock(&w->preempt_lock);
	if (!w->preempt_armed) {
		w->preempt_armed = true;
		hrtimer_start(&w->preempt_timer,
			      ms_to_ktime(READ_ONCE(gsched_preempt_ms)),
			      HRTIMER_MODE_REL);
	}
	spin_unlock(&w->preempt_lock);
}

/**
 * gsched_preempt_init() - set up a worker slot's preemption clock
 * @w: the slot, zeroed
 *
 * Context: process context (SETUP).
 */
void gsched_preempt_init(struct gsched_worker *w)
{
	spin_lock_init(&w->preempt_lock);
	hrtimer_init(&w->preempt_timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	w->preempt_timer.function = gsched_preempt_timer_fn;
	INIT_WORK(&w->preempt_work, gsched_preempt_work_fn);
}

/**
 * gsched_preempt_stop() - stop @w's preemption clock for good
 * @w: a worker of a stopped instance
 *
 * The instance is stopped, so a preempt_work that runs after this
 * neither signals nor re-arms its timer.
 *
 * Context: process context, may sleep.
 */
void gsched_preempt_stop(struct gsched_worker *w)
{
	cancel_work_sync(&w->preempt_work);
	hrtimer_cancel(&w->preempt_timer);
	/* a work that began before the stop may have re-armed the timer */
	cancel_work_sync(&w->preempt_work);
}

/**
 * gsched_workers_quiesce() - no worker thread is signalled any more
 * @inst: the instance, stopped (gsched_stop())
 *
 * When the process's address space is torn down (exit or execve) a
 * thread may live on in a new program image: no preemption signal may
 * reach it after this returns. The notifiers stay until
 * gsched_workers_release().
 *
 * Context: process context, may sleep.
 */
void gsched_workers_quiesce(struct gsched_inst *inst)
{
	u32 i;

	WARN_ON_ONCE(!gsched_inst_stopped(inst));
	for (i = 0; i < inst->nworkers; i++)
		gsched_preempt_stop(&inst->workers[i]);
}
