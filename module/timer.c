// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: timers: sleep, select timeouts and timer channels.
 *
 * Each instance keeps its timers in a timerqueue (an rbtree ordered by
 * expiry) and one hrtimer armed for the earliest. The hrtimer only queues
 * inst->timer_work; the work fires every expired timer in process context,
 * so waking a task or sending on a timer channel takes the same plain
 * spinlocks as every other path (no lock is ever taken in hard or soft
 * interrupt context).
 *
 * Firing a task's timer races with a channel completing the same wait:
 * both claim wait->done, and the timer does so under timer_lock. The task's
 * resume path cancels its timer under timer_lock before it frees the wait,
 * so the timer never touches a freed wait: either it is cancelled first, or
 * it has already claimed (or failed to claim) under the lock.
 *
 * nr_timers counts queued and firing timers; while it is non-zero the
 * deadlock check does not fire (a timer can still wake a task).
 *
 * Stop and reset of a timer channel are final, as in Go ("after Stop, no
 * more ticks will be sent"). The work takes a due timer off the queue
 * (re-queueing a ticker for its next tick) under timer_lock but sends
 * the tick after dropping it, since a send takes channel and task locks,
 * which come before timer_lock. A stop in that gap would find a ticker
 * queued, return 1, and see its tick arrive after it; or find a one-shot
 * timer stopped, return 0, and a non-blocking drain would miss the value
 * still on its way. So a timer being sent is marked firing under
 * timer_lock until the send is done, and GSCHED_IOC_TIMER's stop and
 * reset wait for that, like Go's deltimer and modtimer wait for a
 * running timer. The wait is for one send, which never blocks.
 *
 * Bounded work. Timers are made by any user, so nothing here may let user
 * input keep a CPU busy. Each run of the work reads the clock once and
 * fires only the timers due at that instant: a ticker re-queued for its
 * next tick is after that instant, so it fires at most once per run, and
 * a run handles each timer at most once, with a reschedule point after
 * each. Periods are raised to timer_min_period_us (Go's tickers have no
 * floor; the kernel needs one, as setitimer() and POSIX timers round to
 * the timer resolution): a 1 ns ticker would otherwise ask for a billion
 * wakeups a second.
 */
#include "gsched.h"

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int gsched_timer_min_period_us = 100;
module_param_named(timer_min_period_us, gsched_timer_min_period_us, uint,
		   0644);
MODULE_PARM_DESC(timer_min_period_us,
		 "Shortest ticker period; shorter ones are raised to it (default 100 us, at least 1)");

/* The period a ticker really gets: 0 (one shot) or at least the floor. */
static u64 timer_period(u64 period_ns)
{
	u64 min = (u64)max(READ_ONCE(gsched_timer_min_period_us), 1U) *
		  NSEC_PER_USEC;

	return period_ns ? clamp_t(u64, period_ns, min, KTIME_MAX) : 0;
}

static enum hrtimer_restart gsched_hrt_fn(struct hrtimer *hrt)
{
	struct gsched_inst *inst = container_of(hrt, struct gsched_inst, hrt);

	queue_work(system_highpri_wq, &inst->timer_work);
	return HRTIMER_NORESTART;
}

/* Re-arm the hrtimer for the earliest timer. */
static void rearm_locked(struct gsched_inst *inst)
{
	struct timerqueue_node *next;

	lockdep_assert_held(&inst->timer_lock);
	next = timerqueue_getnext(&inst->timers);
	if (next && !inst->timers_dead)
		hrtimer_start(&inst->hrt, next->expires, HRTIMER_MODE_ABS);
}

/* Put @tm on the queue for @when; the caller counts it in nr_timers. */
static void queue_locked(struct gsched_timer *tm, ktime_t when)
{
	struct gsched_inst *inst = tm->inst;

	lockdep_assert_held(&inst->timer_lock);
	tm->node.expires = when;
	tm->queued = true;
	if (timerqueue_add(&inst->timers, &tm->node))
		rearm_locked(inst);
}

static void enqueue_locked(struct gsched_timer *tm, ktime_t when)
{
	atomic_inc(&tm->inst->nr_timers);
	queue_locked(tm, when);
}

/*
 * Fire a task's timer: complete its wait if nobody else did. Under
 * timer_lock, which the task's resume path takes to cancel the timer
 * before it frees the wait (see the top of the file).
 */
static struct gsched_task *fire_task_locked(struct gsched_timer *tm)
{
	struct gsched_wait *wait = tm->task->wait;

	lockdep_assert_held(&tm->inst->timer_lock);
	if (!wait || atomic_cmpxchg(&wait->done, 0, 1) != 0)
		return NULL;
	wait->fired = -1;
	wait->result = wait->usel ? -ETIMEDOUT : 0;
	return tm->task;
}

static void gsched_timer_work(struct work_struct *work)
{
	struct gsched_inst *inst = container_of(work, struct gsched_inst,
						timer_work);
	struct timerqueue_node *node;
	struct gsched_task *t;
	struct gsched_chan *ch;
	struct gsched_timer *tm;
	ktime_t now = ktime_get();
	u64 val;

	/* only what is due now: a ticker's next tick waits for another run */
	for (;;) {
		t = NULL;
		ch = NULL;
		spin_lock(&inst->timer_lock);
		node = timerqueue_getnext(&inst->timers);
		if (!node || inst->timers_dead || node->expires > now) {
			rearm_locked(inst);
			spin_unlock(&inst->timer_lock);
			return;
		}
		tm = container_of(node, struct gsched_timer, node);
		timerqueue_del(&inst->timers, node);
		tm->queued = false;
		if (tm->task) {
			t = fire_task_locked(tm);
		} else if (refcount_inc_not_zero(&tm->ch->ref)) {
			ch = tm->ch;
			tm->firing = true;
			if (tm->period) {
				/* the next tick after now, skipping missed ones */
				u64 late = ktime_to_ns(ktime_sub(now,
							tm->node.expires));
				u64 skip = late / tm->period + 1;
				/* <= late + period: both below 2^63 */
				u64 step = skip * tm->period;

				/* saturating: a huge period ticks never again */
				enqueue_locked(tm,
					       gsched_ktime_after(tm->node.expires,
								  step));
			}
		}
		spin_unlock(&inst->timer_lock);

		if (t)
			gsched_wake(NULL, t);

		if (ch) {
			val = ktime_to_ns(now);
			gsched_chan_send_now(inst, ch, &val);
			spin_lock(&inst->timer_lock);
			tm->firing = false;
			spin_unlock(&inst->timer_lock);
			if (wq_has_sleeper(&inst->timer_wq))
				wake_up_all(&inst->timer_wq);
			gsched_chan_put(ch);	/* tm lives as long as ch */
		}
		/* counted until its effect is visible to the deadlock check */
		if (atomic_dec_and_test(&inst->nr_timers))
			gsched_recheck_dead(inst);
		cond_resched();	/* a user can have many timers due at once */
	}
}

/**
 * gsched_timers_init() - set up an instance's timers
 * @inst: the instance
 *
 * Context: process context.
 */
void gsched_timers_init(struct gsched_inst *inst)
{
	spin_lock_init(&inst->timer_lock);
	timerqueue_init_head(&inst->timers);
	hrtimer_init(&inst->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	inst->hrt.function = gsched_hrt_fn;
	INIT_WORK(&inst->timer_work, gsched_timer_work);
	init_waitqueue_head(&inst->timer_wq);
}

/**
 * gsched_timers_destroy() - stop every timer of a dying instance for good
 * @inst: the instance, whose process is gone or whose file is released
 *
 * Called from both; the second call finds nothing to do. Once
 * timers_dead is set, gsched_timer_arm() queues nothing, so an ioctl that
 * still reaches the instance (through an inherited fd) cannot restart one.
 *
 * Context: process context, may sleep.
 */
void gsched_timers_destroy(struct gsched_inst *inst)
{
	struct timerqueue_node *node;

	spin_lock(&inst->timer_lock);
	inst->timers_dead = true;
	spin_unlock(&inst->timer_lock);
	hrtimer_cancel(&inst->hrt);
	cancel_work_sync(&inst->timer_work);
	spin_lock(&inst->timer_lock);
	while ((node = timerqueue_getnext(&inst->timers))) {
		timerqueue_del(&inst->timers, node);
		container_of(node, struct gsched_timer, node)->queued = false;
		atomic_dec(&inst->nr_timers);
	}
	spin_unlock(&inst->timer_lock);
}

/**
 * gsched_timer_arm() - queue @tm to fire after @delay_ns, then every @period_ns
 * @tm: an unqueued timer, armed only by its owner (a task's own wait, or
 *	a timer channel before it is published; GSCHED_TIMER_RESET, which
 *	any thread may issue, goes through timer_stop_reset())
 * @delay_ns: relative first expiry
 * @period_ns: 0 for one shot; shorter than the floor is raised to it
 *
 * Context: any process context; takes timer_lock (may nest in chan locks).
 */
void gsched_timer_arm(struct gsched_timer *tm, u64 delay_ns, u64 period_ns)
{
	struct gsched_inst *inst = tm->inst;

	spin_lock(&inst->timer_lock);
	if (!WARN_ON_ONCE(tm->queued) && !inst->timers_dead) {
		tm->period = timer_period(period_ns);
		/* saturating: a delay past KTIME_MAX means never */
		enqueue_locked(tm, gsched_ktime_after(ktime_get(), delay_ns));
	}
	spin_unlock(&inst->timer_lock);
}

/* Take @tm off its queue; true when it was queued. */
static bool cancel_locked(struct gsched_timer *tm)
{
	lockdep_assert_held(&tm->inst->timer_lock);
	if (!tm->queued)
		return false;
	timerqueue_del(&tm->inst->timers, &tm->node);
	tm->queued = false;
	atomic_dec(&tm->inst->nr_timers);
	return true;
}

/**
 * gsched_timer_cancel() - take @tm off its queue
 * @tm: the timer
 *
 * Context: process context; takes timer_lock.
 * Return: true when it was queued.
 */
bool gsched_timer_cancel(struct gsched_timer *tm)
{
	struct gsched_inst *inst = tm->inst;
	bool was;

	if (!inst)
		return false;
	spin_lock(&inst->timer_lock);
	was = cancel_locked(tm);
	spin_unlock(&inst->timer_lock);
	return was;
}

/**
 * timer_reset_locked() - take @tm off its queue and queue it again, in one step
 * @tm: a timer channel's timer
 * @delay_ns: relative first expiry; 0 only stops it
 * @period_ns: as for gsched_timer_arm()
 *
 * GSCHED_TIMER_RESET may run on one timer from several threads at once
 * (any thread may issue it). As a cancel followed by an arm, two resets
 * could both find the timer stopped and both queue it; under one hold of
 * timer_lock each reset sees what the previous one left. A timer that
 * was queued and is queued again stays counted in nr_timers throughout,
 * so the deadlock check never sees it missing.
 *
 * Context: process context; timer_lock held.
 * Return: true when it was queued.
 */
static bool timer_reset_locked(struct gsched_timer *tm, u64 delay_ns,
			       u64 period_ns)
{
	struct gsched_inst *inst = tm->inst;
	bool was;

	lockdep_assert_held(&inst->timer_lock);
	was = tm->queued;
	if (was) {
		timerqueue_del(&inst->timers, &tm->node);
		tm->queued = false;
	}
	if (delay_ns && !inst->timers_dead) {
		tm->period = timer_period(period_ns);
		if (!was)
			atomic_inc(&inst->nr_timers);
		queue_locked(tm, gsched_ktime_after(ktime_get(), delay_ns));
	} else if (was) {
		atomic_dec(&inst->nr_timers);
	}
	return was;
}

/**
 * timer_stop_reset() - GSCHED_TIMER_STOP and _RESET of a timer channel
 * @tm: the channel's timer; the caller holds a channel reference
 * @reset: reset with @delay_ns and @period_ns, else stop
 * @delay_ns: as for timer_reset_locked()
 * @period_ns: as for timer_reset_locked()
 *
 * Waits until no tick of @tm is being sent (see the top of the file),
 * then stops or resets it under the same hold of timer_lock, so no tick
 * from before can arrive after. Each pass of the loop waits for one send
 * to finish; a new one starts only when the timer is due again, at least
 * timer_min_period_us later, so the loop ends.
 *
 * Context: process context, no lock held; may sleep.
 * Return: true when it was queued.
 */
static bool timer_stop_reset(struct gsched_timer *tm, bool reset,
			     u64 delay_ns, u64 period_ns)
{
	struct gsched_inst *inst = tm->inst;
	bool was;

	might_sleep();
	for (;;) {
		spin_lock(&inst->timer_lock);
		if (!tm->firing)
			break;
		spin_unlock(&inst->timer_lock);
		wait_event(inst->timer_wq, !READ_ONCE(tm->firing));
	}
	if (reset)
		was = timer_reset_locked(tm, delay_ns, period_ns);
	else
		was = cancel_locked(tm);
	spin_unlock(&inst->timer_lock);
	return was;
}

/**
 * gsched_timer_sleep() - GSCHED_OP_SLEEP: a wait with no case and a timeout
 * @w: the calling worker, with a current task
 * @sw: the request: nanoseconds in @sw->sleep_ns
 * @cont: as for gsched_task_do_op()
 *
 * Context: the worker's thread, no lock held.
 * Return: 0 when applied; a negative errno when refused (nothing changed).
 */
long gsched_timer_sleep(struct gsched_worker *w, struct gsched_switch *sw,
			struct gsched_task **cont)
{
	struct gsched_task *t = w->curr;
	struct gsched_wait *wait;
	s64 res = 0;
	long ret;

	if (sw->arg32)
		return -EINVAL;
	if (!sw->sleep_ns) {
		t->result = 0;
		*cont = t;
		return 0;
	}
	wait = kvzalloc(sizeof(*wait), GFP_KERNEL_ACCOUNT);
	if (!wait)
		return -ENOMEM;
	wait->fired = -1;
	ret = gsched_wait_run(w, t, wait, true, sw->sleep_ns, GSCHED_WAIT_SLEEP,
			      &res, cont);
	if (!ret && *cont)
		t->result = res;
	return ret;
}

/**
 * gsched_timer_chan_free() - free a timer channel's timer
 * @ch: the channel, whose last reference is gone
 *
 * The timer work takes a channel reference before it uses one, so with
 * the last reference gone only the queue still points here.
 *
 * Context: process context.
 */
void gsched_timer_chan_free(struct gsched_chan *ch)
{
	gsched_timer_cancel(ch->timer);
	kfree(ch->timer);
	ch->timer = NULL;
}

/**
 * gsched_timer_ioc() - GSCHED_IOC_TIMER: make, stop, reset
 * @inst: the instance
 * @op: the request, flags and reserved fields checked
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
long gsched_timer_ioc(struct gsched_inst *inst, struct gsched_timer_op *op)
{
	struct gsched_chan_ref *ref;
	struct gsched_chan *ch;
	struct gsched_timer *tm;
	int ret;

	if (op->op == GSCHED_TIMER_MAKE) {
		if (op->handle || (op->period_ns && !op->delay_ns))
			return -EINVAL;
		tm = kzalloc(sizeof(*tm), GFP_KERNEL_ACCOUNT);
		if (!tm)
			return -ENOMEM;
		ch = gsched_chan_alloc(inst, sizeof(u64), 1);
		if (IS_ERR(ch)) {
			kfree(tm);
			return PTR_ERR(ch);
		}
		timerqueue_init(&tm->node);
		tm->ch = ch;
		tm->inst = inst;
		ch->timer = tm;
		/* armed before it is published: see gsched_chan_ref_add() */
		if (op->delay_ns)
			gsched_timer_arm(tm, op->delay_ns, op->period_ns);
		ret = gsched_chan_ref_add(inst, ch);
		if (ret < 0)
			return ret;	/* the put stopped and freed tm with ch */
		op->handle = ret;
		return 0;
	}
	if (op->op != GSCHED_TIMER_STOP && op->op != GSCHED_TIMER_RESET)
		return -EINVAL;
	if (op->op == GSCHED_TIMER_STOP && (op->delay_ns || op->period_ns))
		return -EINVAL;
	if (op->op == GSCHED_TIMER_RESET && op->period_ns && !op->delay_ns)
		return -EINVAL;
	ref = gsched_chan_lookup(inst, op->handle);
	if (IS_ERR(ref))
		return PTR_ERR(ref);
	tm = ref->ch->timer;
	if (!tm || tm->inst != inst) {
		gsched_chan_ref_put(ref);
		return -EINVAL;
	}
	op->ok = timer_stop_reset(tm, op->op == GSCHED_TIMER_RESET,
				  op->delay_ns, op->period_ns);
	gsched_chan_ref_put(ref);
	return 0;
}
