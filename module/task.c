// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: tasks (Go's G): spawn, exit, join, park/unpark, handles.
 *
 * A task's handle holds the one long-lived reference. Lookups take a
 * temporary one under RCU; the task is freed after an RCU grace period
 * once the handle is gone (reaped) and the last lookup dropped its
 * reference. A task is reaped exactly once: when it is dead and either
 * joined or detached (t->reaped, under t->lock, elects the reaper), or at
 * instance teardown.
 *
 * State changes of a task happen under t->lock. A task that blocks has its
 * state set to WAITING before it is published to its waker (the joiner is
 * stored in the target under both tasks' locks), so a waker always finds
 * it WAITING and never wakes a task that is still on its way to sleep.
 * The task's registers are already saved in user memory, on its own stack,
 * when its worker makes the SWITCH call (Documentation/gsched.rst,
 * "Execution model"), so another worker may run it as soon as it is
 * queued.
 */
#include "gsched.h"

#include <linux/ktime.h>
#include <linux/slab.h>

#include "trace.h"

static struct kmem_cache *gsched_task_cache;

static const char *const gsched_wait_names[] = {
	[GSCHED_WAIT_NONE] = "none",
	[GSCHED_WAIT_PARK] = "park",
	[GSCHED_WAIT_JOIN] = "join",
	[GSCHED_WAIT_USER] = "user",
	[GSCHED_WAIT_CHAN_SEND] = "chan send",
	[GSCHED_WAIT_CHAN_RECV] = "chan receive",
	[GSCHED_WAIT_SELECT] = "select",
	[GSCHED_WAIT_SELECT_NONE] = "select (no cases)",
	[GSCHED_WAIT_CHAN_NIL] = "chan send/receive (nil chan)",
	[GSCHED_WAIT_SLEEP] = "sleep",
	[GSCHED_WAIT_MUTEX] = "mutex",
	[GSCHED_WAIT_RLOCK] = "rwmutex read lock",
	[GSCHED_WAIT_WLOCK] = "rwmutex lock",
	[GSCHED_WAIT_WAITGROUP] = "wait group",
	[GSCHED_WAIT_COND] = "cond",
};

/**
 * gsched_wait_reason_name() - printable name of a GSCHED_WAIT_* value
 * @reason: the wait reason
 *
 * Context: any.
 * Return: a static string.
 */
const char *gsched_wait_reason_name(u32 reason)
{
	BUILD_BUG_ON(ARRAY_SIZE(gsched_wait_names) != GSCHED_WAIT_MAX + 1);
	if (reason > GSCHED_WAIT_MAX)
		return "?";
	return gsched_wait_names[reason];
}

static struct gsched_task *to_task(struct gsched_obj *obj)
{
	return container_of(obj, struct gsched_task, obj);
}

static void gsched_task_free_rcu(struct rcu_head *rcu)
{
	struct gsched_task *t = container_of(rcu, struct gsched_task, obj.rcu);

	kmem_cache_free(gsched_task_cache, t);
}

/**
 * gsched_task_put() - drop a reference taken by gsched_task_lookup()
 * @t: the task
 *
 * Context: any.
 */
void gsched_task_put(struct gsched_task *t)
{
	if (refcount_dec_and_test(&t->obj.ref))
		call_rcu(&t->obj.rcu, gsched_task_free_rcu);
}

/**
 * gsched_task_lookup() - find a task by handle and take a reference
 * @inst: the instance
 * @handle: the handle from user space
 *
 * Context: any.
 * Return: the task, or ERR_PTR(-EBADF) for no such handle, ERR_PTR(-EINVAL)
 * for another object type.
 */
struct gsched_task *gsched_task_lookup(struct gsched_inst *inst, u32 handle)
{
	struct gsched_obj *obj = gsched_obj_get(inst, handle, GSCHED_OBJ_TASK);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return to_task(obj);
}

/* Drop the task's exit channel, in process context. */
static void task_drop_exit_ch(struct gsched_task *t)
{
	struct gsched_chan *ch;

	spin_lock(&t->lock);
	ch = t->exit_ch;
	t->exit_ch = NULL;
	spin_unlock(&t->lock);
	if (ch)
		gsched_chan_put(ch);
}

/**
 * gsched_task_exit_chan() - a channel closed when the task exits
 * @inst: the instance
 * @id: the task's handle
 * @handle: set to a new handle of the channel
 *
 * For join with a context: select on this channel and the context's done
 * channel, then join without blocking. Made on first use; already closed
 * when the task is dead.
 *
 * Context: process context.
 * Return: 0, -EBADF/-EINVAL for a bad handle, -ENOMEM.
 */
long gsched_task_exit_chan(struct gsched_inst *inst, u32 id, u32 *handle)
{
	struct gsched_chan *ch, *fresh;
	struct gsched_task *t;
	long err = 0;
	bool dead;
	int ret;

	t = gsched_task_lookup(inst, id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	fresh = gsched_chan_alloc(inst, 0, 0);
	if (IS_ERR(fresh)) {
		err = PTR_ERR(fresh);
		goto out;
	}
	fresh->kernel_owned = true;
	spin_lock(&t->lock);
	if (!t->exit_ch && !t->reaped) {
		t->exit_ch = fresh;
		fresh = NULL;
	}
	ch = t->exit_ch;
	dead = t->state == GSCHED_TASK_DEAD;
	if (ch)
		refcount_inc(&ch->ref);
	spin_unlock(&t->lock);
	if (fresh)
		gsched_chan_put(fresh);
	if (!ch) {
		err = -EBADF;	/* reaped meanwhile */
		goto out;
	}
	if (dead)
		gsched_chan_close_kernel(inst, ch);
	ret = gsched_chan_ref_add(inst, ch);
	if (ret < 0)
		err = ret;
	else
		*handle = ret;
out:
	gsched_task_put(t);
	return err;
}

/* Remove the handle and drop its reference. The caller won t->reaped. */
static void gsched_task_reap(struct gsched_task *t)
{
	struct gsched_inst *inst = t->inst;

	task_drop_exit_ch(t);
	gsched_handle_erase(inst, t->obj.handle);
	atomic_dec(&inst->nr_tasks);
	gsched_task_put(t);
}

/*
 * Lock two tasks in address order: join is the only place that needs two
 * task locks, and two tasks may try to join each other at once.
 */
static void task_lock2(struct gsched_task *a, struct gsched_task *b)
	__acquires(&a->lock) __acquires(&b->lock)
{
	if (a > b)
		swap(a, b);
	spin_lock(&a->lock);
	spin_lock_nested(&b->lock, SINGLE_DEPTH_NESTING);
}

static void task_unlock2(struct gsched_task *a, struct gsched_task *b)
	__releases(&a->lock) __releases(&b->lock)
{
	spin_unlock(&a->lock);
	spin_unlock(&b->lock);
}

/**
 * gsched_task_park_locked() - mark the current task WAITING
 * @t: the task, its lock held
 * @reason: GSCHED_WAIT_*
 * @obj: the handle it waits on (for the dump and traces), or 0
 *
 * Context: t->lock held; the caller then publishes the task to its waker.
 */
void gsched_task_park_locked(struct gsched_task *t, u32 reason, u32 obj)
{
	lockdep_assert_held(&t->lock);
	t->state = GSCHED_TASK_WAITING;
	t->wait_reason = reason;
	t->wait_obj = obj;
	t->wait_since = ktime_get_ns();
	trace_gsched_task_park(t->inst->id, t->obj.handle, reason, obj);
}

/**
 * gsched_task_spawn() - create a runnable task (Go's newproc)
 * @inst: the instance
 * @sp: the request, flags and reserved fields checked
 *
 * With a worker, the task goes into that worker's runnext and an idle P is
 * woken; before the first worker registers (GSCHED_NO_WORKER), into the
 * global queue.
 *
 * Context: process context, may sleep.
 * Return: 0 with @sp->id set; -ENXIO before setup; -EPERM for a thread
 * that is not the named worker or GSCHED_NO_WORKER once workers run;
 * -EINVAL for a zero cookie or a second main task; -ESHUTDOWN once
 * stopped; -EAGAIN at the task cap; -ENOMEM.
 */
long gsched_task_spawn(struct gsched_inst *inst, struct gsched_spawn *sp)
{
	struct gsched_worker *w = NULL;
	struct gsched_task *t;
	u32 id;
	int ret;

	/* pairs with SETUP's release: nprocs and workers are valid */
	if (smp_load_acquire(&inst->state) == GSCHED_INST_NEW)
		return -ENXIO;
	if (sp->worker != GSCHED_NO_WORKER) {
		w = gsched_ioc_caller(inst, sp->worker);
		if (IS_ERR(w))
			return PTR_ERR(w);
		if (sp->flags & GSCHED_SPAWN_MAIN)
			return -EINVAL;
	} else {
		atomic64_inc(&inst->syscalls_nw);
		if (READ_ONCE(inst->state) != GSCHED_INST_READY)
			return -EPERM;
	}
	if (!sp->cookie)
		return -EINVAL;
	if (gsched_inst_stopped(inst))
		return -ESHUTDOWN;
	if (atomic_inc_return(&inst->nr_tasks) > inst->max_tasks) {
		atomic_dec(&inst->nr_tasks);
		return -EAGAIN;
	}

	t = kmem_cache_zalloc(gsched_task_cache, GFP_KERNEL_ACCOUNT);
	if (!t) {
		atomic_dec(&inst->nr_tasks);
		return -ENOMEM;
	}
	t->obj.type = GSCHED_OBJ_TASK;
	refcount_set(&t->obj.ref, 1);
	t->inst = inst;
	t->cookie = sp->cookie;
	spin_lock_init(&t->lock);
	t->state = GSCHED_TASK_RUNNABLE;
	t->detached = sp->flags & GSCHED_SPAWN_DETACHED;
	t->last_cpu = -1;
	INIT_LIST_HEAD(&t->node);
	timerqueue_init(&t->timer.node);
	t->timer.task = t;
	t->timer.inst = inst;

	ret = gsched_handle_alloc(inst, &t->obj);
	if (ret < 0) {
		kmem_cache_free(gsched_task_cache, t);
		atomic_dec(&inst->nr_tasks);
		return ret;
	}
	id = ret;
	sp->id = id;
	atomic_inc(&inst->nr_live);
	atomic64_inc(&inst->spawned);
	trace_gsched_task_create(inst->id, id, w && w->p ? (s32)w->p->id : -1);
	if (trace_gsched_task_run_enabled())
		t->ready_ns = ktime_get_ns();

	if (w) {
		/* a worker back from a hand-off may have no P yet */
		if (w->p)
			gsched_runq_put(w->p, t, true);
		else
			gsched_global_queue_put(inst, t);
		gsched_wakep(inst);
		return 0;
	}
	/* Before any worker: the main task waits in the global queue. */
	spin_lock(&inst->sched_lock);
	if (inst->state != GSCHED_INST_READY ||
	    ((sp->flags & GSCHED_SPAWN_MAIN) && inst->has_main)) {
		spin_unlock(&inst->sched_lock);
		atomic_dec(&inst->nr_live);
		atomic64_dec(&inst->spawned);
		spin_lock(&t->lock);
		t->reaped = true;
		spin_unlock(&t->lock);
		gsched_task_reap(t);
		return inst->state != GSCHED_INST_READY ? -EPERM : -EINVAL;
	}
	if (sp->flags & GSCHED_SPAWN_MAIN) {
		t->is_main = true;
		inst->has_main = true;
	}
	list_add_tail(&t->node, &inst->global_queue);
	inst->global_queue_len++;
	spin_unlock(&inst->sched_lock);
	return 0;
}

/*
 * The current task ends: wake its joiner or free it if detached.
 *
 * Unless this reaps it, @t may be freed as soon as its lock is dropped:
 * a join or detach on another worker (woken, say, by the exit channel's
 * close) reaps a dead task. Read what is needed of it before that.
 */
static void task_exit(struct gsched_worker *w, struct gsched_task *t, s64 v)
{
	struct gsched_inst *inst = w->inst;
	struct gsched_task *joiner;
	struct gsched_chan *exit_ch;
	bool reap, is_main = t->is_main;
	u32 handle = t->obj.handle;

	spin_lock(&t->lock);
	t->state = GSCHED_TASK_DEAD;
	exit_ch = t->exit_ch;
	if (exit_ch)	/* a detach may reap the task as soon as we unlock */
		refcount_inc(&exit_ch->ref);
	t->exit_value = v;
	joiner = t->joiner;
	t->joiner = NULL;
	reap = t->detached || joiner;
	if (reap)
		t->reaped = true;
	spin_unlock(&t->lock);
	w->curr = NULL;
	atomic_dec(&inst->nr_live);
	atomic64_inc(&inst->exited);
	if (exit_ch) {
		gsched_chan_close_kernel(inst, exit_ch);
		gsched_chan_put(exit_ch);
	}
	trace_gsched_task_exit(inst->id, handle, v);

	if (joiner) {
		spin_lock(&joiner->lock);
		joiner->state = GSCHED_TASK_RUNNABLE;
		joiner->result = v;
		spin_unlock(&joiner->lock);
		gsched_ready(w, joiner);
	}
	if (reap)
		gsched_task_reap(t);
	if (is_main) {
		spin_lock(&inst->sched_lock);
		gsched_stop(inst, v);
		spin_unlock(&inst->sched_lock);
	}
}

/* The current task @t waits for @target to end (pthread_join, one joiner). */
static long task_join(struct gsched_worker *w, struct gsched_task *t,
		      u32 target, struct gsched_task **cont)
{
	struct gsched_task *u;
	long err = 0;
	bool reap = false;

	u = gsched_task_lookup(w->inst, target);
	if (IS_ERR(u))
		return PTR_ERR(u);
	if (u == t) {
		gsched_task_put(u);
		return -EDEADLK;
	}
	task_lock2(t, u);
	if (u->detached || u->joiner || u->reaped) {
		err = -EINVAL;
	} else if (u->state == GSCHED_TASK_DEAD) {
		t->result = u->exit_value;
		u->reaped = true;
		reap = true;
		*cont = t;
	} else {
		gsched_task_park_locked(t, GSCHED_WAIT_JOIN, target);
		u->joiner = t;
		w->curr = NULL;
		*cont = NULL;
	}
	task_unlock2(t, u);
	if (reap)
		gsched_task_reap(u);
	gsched_task_put(u);
	return err;
}

/**
 * gsched_task_do_op() - apply the current task's scheduling operation
 * @w: the calling worker
 * @sw: the SWITCH request (op and its arguments)
 * @cont: set to the task the worker runs next without queueing (the same
 *	  task when the op completed at once), or NULL to find one
 *
 * Context: the worker's own thread, no lock held.
 * Return: 0 when the op was applied; a negative errno when its arguments
 * are bad, in which case nothing changed and the current task continues.
 */
long gsched_task_do_op(struct gsched_worker *w, struct gsched_switch *sw,
		       struct gsched_task **cont)
{
	struct gsched_task *t = w->curr;

	*cont = NULL;
	if (sw->op == GSCHED_OP_NONE) {
		if (t || sw->arg32 || sw->arg64)
			return -EINVAL;
		return 0;
	}
	if (!t)
		return -EINVAL;

	switch (sw->op) {
	case GSCHED_OP_YIELD:
		if (sw->arg32 || sw->arg64)
			return -EINVAL;
		spin_lock(&t->lock);
		t->state = GSCHED_TASK_RUNNABLE;
		t->result = 0;
		spin_unlock(&t->lock);
		w->curr = NULL;
		if (trace_gsched_task_run_enabled())
			t->ready_ns = ktime_get_ns();
		/* Go's Gosched: to the global queue's tail. */
		gsched_global_queue_put(w->inst, t);
		return 0;
	case GSCHED_OP_EXIT:
		if (sw->arg32)
			return -EINVAL;
		task_exit(w, t, sw->exit_value);
		return 0;
	case GSCHED_OP_PARK:
		/* the other reasons belong to the module's own waits */
		if (sw->arg64 || (sw->reason != GSCHED_WAIT_PARK &&
				  sw->reason != GSCHED_WAIT_USER))
			return -EINVAL;
		spin_lock(&t->lock);
		t->result = 0;
		if (t->permit) {
			t->permit = false;
			spin_unlock(&t->lock);
			*cont = t;
			return 0;
		}
		gsched_task_park_locked(t, sw->reason, 0);
		spin_unlock(&t->lock);
		w->curr = NULL;
		return 0;
	case GSCHED_OP_JOIN:
		if (sw->arg64)
			return -EINVAL;
		return task_join(w, t, sw->task, cont);
	case GSCHED_OP_SEND:
	case GSCHED_OP_RECV:
		return gsched_chan_do_op(w, sw, cont);
	case GSCHED_OP_SELECT:
		return gsched_select(w, sw, cont);
	case GSCHED_OP_SLEEP:
		return gsched_timer_sleep(w, sw, cont);
	}
	return -EINVAL;
}

/**
 * gsched_task_unpark() - wake a parked task, or leave it a permit
 * @inst: the instance
 * @w: the calling worker (the task goes to its runnext)
 * @id: the task's handle
 *
 * Context: the worker's own thread, no lock held.
 * Return: 0; -EBADF/-EINVAL for a bad handle; -ESRCH for a dead task.
 */
long gsched_task_unpark(struct gsched_inst *inst, struct gsched_worker *w,
			u32 id)
{
	struct gsched_task *t;
	long err = 0;
	bool wake = false;

	t = gsched_task_lookup(inst, id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	spin_lock(&t->lock);
	if (t->state == GSCHED_TASK_DEAD) {
		err = -ESRCH;
	} else if (t->state == GSCHED_TASK_WAITING && !t->wait &&
		   (t->wait_reason == GSCHED_WAIT_PARK ||
		    t->wait_reason == GSCHED_WAIT_USER)) {
		/*
		 * Only a park is ended by unpark. A task blocked in join, on
		 * a channel, in select or asleep belongs to its waker (its
		 * waiters are queued, its timer armed): it keeps waiting and
		 * the unpark is remembered for its next park.
		 */
		t->state = GSCHED_TASK_RUNNABLE;
		t->result = 0;
		wake = true;
	} else {
		t->permit = true;
	}
	spin_unlock(&t->lock);
	if (wake)
		gsched_ready(w, t);
	gsched_task_put(t);
	return err;
}

/**
 * gsched_task_detach() - let a task free itself on exit
 * @inst: the instance
 * @id: the task's handle
 *
 * Context: process context.
 * Return: 0; -EBADF/-EINVAL for a bad handle; -EINVAL when already
 * detached or being joined.
 */
long gsched_task_detach(struct gsched_inst *inst, u32 id)
{
	struct gsched_task *t;
	long err = 0;
	bool reap = false;

	t = gsched_task_lookup(inst, id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	spin_lock(&t->lock);
	if (t->detached || t->joiner || t->reaped) {
		err = -EINVAL;
	} else {
		t->detached = true;
		if (t->state == GSCHED_TASK_DEAD) {
			t->reaped = true;
			reap = true;
		}
	}
	spin_unlock(&t->lock);
	if (reap)
		gsched_task_reap(t);
	gsched_task_put(t);
	return err;
}

/**
 * gsched_task_info() - fill @ti from the task it names
 * @inst: the instance
 * @ti: in: id; out: state and friends
 *
 * Context: process context.
 * Return: 0, -EBADF or -EINVAL.
 */
long gsched_task_info(struct gsched_inst *inst, struct gsched_task_info *ti)
{
	struct gsched_task *t;

	t = gsched_task_lookup(inst, ti->id);
	if (IS_ERR(t))
		return PTR_ERR(t);
	spin_lock(&t->lock);
	ti->state = t->state;
	ti->wait_reason = t->state == GSCHED_TASK_WAITING ? t->wait_reason : 0;
	ti->last_cpu = t->last_cpu;
	ti->__pad = 0;
	ti->exit_value = t->state == GSCHED_TASK_DEAD ? t->exit_value : 0;
	spin_unlock(&t->lock);
	gsched_task_put(t);
	return 0;
}

/**
 * gsched_tasks_free_all() - free every task of a dying instance
 * @inst: the instance, with no ioctl running and no worker left
 *
 * Context: process context.
 */
void gsched_tasks_free_all(struct gsched_inst *inst)
{
	struct gsched_obj *obj;
	unsigned long idx;

	/*
	 * Waits first: they hold channel references. A user may hold
	 * millions of handles (max_user_objects): reschedule as we go.
	 */
	xa_for_each(&inst->handles, idx, obj) {
		if (obj->type == GSCHED_OBJ_TASK) {
			gsched_wait_abandon(to_task(obj));
			task_drop_exit_ch(to_task(obj));
		}
		cond_resched();
	}
	xa_for_each(&inst->handles, idx, obj) {
		cond_resched();
		gsched_handle_erase(inst, idx);
		if (obj->type == GSCHED_OBJ_TASK)
			gsched_task_put(to_task(obj));
		else if (obj->type == GSCHED_OBJ_CHAN)
			gsched_chan_ref_put(container_of(obj,
							 struct gsched_chan_ref,
							 obj));
		else if (obj->type == GSCHED_OBJ_SYNC)
			gsched_sync_put(container_of(obj, struct gsched_sync,
						     obj));
		else if (obj->type == GSCHED_OBJ_CTX)
			gsched_ctx_ref_put_obj(obj);
	}
}

/**
 * gsched_task_cache_init() - create the task slab cache
 *
 * Context: module init.
 * Return: 0 or -ENOMEM.
 */
int gsched_task_cache_init(void)
{
	gsched_task_cache = KMEM_CACHE(gsched_task, SLAB_ACCOUNT);
	return gsched_task_cache ? 0 : -ENOMEM;
}

/**
 * gsched_task_cache_exit() - destroy the task slab cache
 *
 * Waits for pending RCU frees first.
 *
 * Context: module exit.
 */
void gsched_task_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(gsched_task_cache);
}
