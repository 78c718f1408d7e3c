// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: the wait engine: how a task blocks on channels, sync objects,
 * files and timers, one at a time or in a select.
 *
 * What a wait is
 * --------------
 * Every blocking operation of a task is a struct gsched_wait: an array of
 * cases (struct gsched_waiter), each a channel send or receive, a lock, a
 * wait group or cond wait, or a file's readiness, and an optional
 * timeout. A plain send or receive is a wait with one case, a sleep a wait
 * with none and a timeout, a select a wait with one case per select case.
 * A task has at most one (t->wait), from the operation that parks it until
 * the worker that resumes it frees it (gsched_wait_finish()).
 *
 * The passes (Go's selectgo)
 * --------------------------
 *  0. fd cases only, before any lock, since ->poll may sleep: poll each
 *     file and, when none is ready and the wait may block, hook the
 *     file's wait queues, not yet armed (poll.c);
 *  1. take the lock set (below), visit the cases in a uniformly random
 *     order (Go's pollorder) and complete the first that is ready;
 *  2. none ready and blocking allowed: mark the task WAITING, queue one
 *     waiter per case on its object, arm the fd cases and the timeout,
 *     unlock: the task is parked and its worker picks another;
 *  3. when the task runs again, the worker resuming it takes the leftover
 *     waiters off their objects, stops the timer and copies the outcome to
 *     user space, in the task's own address space (gsched_wait_finish()).
 *
 * Claiming a wait
 * ---------------
 * A wait completes once. Whatever completes it (another task's channel
 * operation, an unlock, a close, the timer, a file's wakeup) first claims
 * it by moving wait->done from 0 to 1 with cmpxchg (Go's selectDone); a
 * waiter whose wait was already claimed through another case is dropped
 * (gsched_dequeue_claim()). Only the claimer writes the wait's result,
 * the case that fired (wait->fired, -1 for the timer) and that case's
 * value. Channel and sync object wakers claim under the object's lock,
 * the timer under timer_lock (timer.c), a file's wakeup under its wait
 * queue's lock once pass 2 armed the case (poll.c).
 *
 * No task is readied while an object lock is held: a waker collects the
 * tasks it claimed and wakes them after unlocking. A claimed task of
 * another instance (a shared channel) may see its instance torn down
 * meanwhile; the teardown takes the task's waiters off every queue under
 * the queue's lock (gsched_wait_abandon()), so a waker pins the task and
 * its instance under that lock (gsched_wake_pin()) and drops them after
 * the wake (gsched_wake_unpin()); a dead instance's run queue is never
 * touched again (gsched_wake()).
 *
 * The lock set
 * ------------
 * Passes 1 and 2 hold the locks of all the wait's objects at once: every
 * distinct sync object's lock in address order, then every distinct
 * channel's lock in address order. One fixed order between the two
 * classes keeps lockdep's view consistent; address order alone prevents
 * deadlock, also between instances that share channels. With more than
 * one lock the instance's sel_mutex is held around them: lockdep's nest
 * lock, which lets it accept several locks of one class. Under the set,
 * pass 2 takes the task's lock to park the task, and timer_lock to arm
 * the timeout. With fd cases the timeout and the cases are armed under the
 * task's lock: a file's waker that claims at once then waits in
 * gsched_wake() on that lock until the parking worker is done with the
 * wait (poll.c, (C)). A wait of fd cases only, or of none, locks no
 * object.
 *
 * Waits another process may complete
 * ----------------------------------
 * wait->next counts the cases through which something outside the
 * instance may still complete the wait: fd cases, and channel cases whose
 * channel has a holder besides the task's instance (chan.c). While it is
 * above zero, the wait is counted once in the instance's nr_ext_waiters,
 * which holds off the deadlock check (sched.c).
 *
 * Clients
 * -------
 * Channels, sync objects, fd waits and timers use the engine: their
 * blocking operations build a wait (gsched_wait_build()) and run it
 * (gsched_wait_run()), and their wakers claim other tasks' waits as
 * above. In return the engine calls each client for its own cases, under
 * the lock set:
 *
 *   channels (chan.c)      gsched_chan_case_try(), gsched_chan_case_enqueue(),
 *                          gsched_chan_case_unqueue(), gsched_chan_peer_live()
 *   sync objects (sync.c)  gsched_sync_try(), gsched_sync_enqueue(),
 *                          gsched_sync_unqueue(); on resume
 *                          gsched_mutex_retry(), gsched_sync_resumed()
 *   fd waits (poll.c)      gsched_poll_prepare() (pass 0),
 *                          gsched_fd_case_try(), gsched_poll_arm(),
 *                          gsched_fd_case_unqueue()
 *   timers (timer.c)       gsched_timer_arm(), gsched_timer_cancel()
 *
 * So calls go both ways between this file and each client, always in that
 * shape. The select front end, GSCHED_OP_SELECT, is here; send and receive
 * are in chan.c, sleep in timer.c.
 */
#include "gsched.h"

#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>

#include "trace.h"

/**
 * gsched_dequeue_claim() - take the first waiter whose wait we can claim
 * @q: a wait queue of a channel or sync object
 * @lock: the lock of that object, held
 *
 * Waiters whose wait was already completed by another case are dropped.
 *
 * Context: @lock held.
 * Return: the claimed waiter, off the queue, or NULL.
 */
struct gsched_waiter *gsched_dequeue_claim(struct list_head *q,
					   spinlock_t *lock)
{
	struct gsched_waiter *wt;

	lockdep_assert_held(lock);
	while (!list_empty(q)) {
		wt = list_first_entry(q, struct gsched_waiter, node);
		list_del_init(&wt->node);
		if (atomic_cmpxchg(&wt->wait->done, 0, 1) == 0)
			return wt;
	}
	return NULL;
}

/**
 * gsched_wake_pin() - keep a claimed waiter's task alive until woken
 * @self: the waker's instance
 * @t: the task; a task of another instance and that instance are pinned
 *
 * Context: the lock of the queue the waiter was claimed from.
 * Return: @t.
 */
struct gsched_task *gsched_wake_pin(struct gsched_inst *self,
				    struct gsched_task *t)
{
	if (t->inst != self) {
		refcount_inc(&t->obj.ref);
		kobject_get(&t->inst->kobj);
	}
	return t;
}

/**
 * gsched_wake_unpin() - wake a task collected with gsched_wake_pin()
 * @w: the waker's worker, or NULL
 * @self: the waker's instance
 * @t: the task, or NULL (nothing to do)
 *
 * Context: process context, no lock held.
 */
void gsched_wake_unpin(struct gsched_worker *w, struct gsched_inst *self,
		       struct gsched_task *t)
{
	struct gsched_inst *inst;

	if (!t)
		return;
	inst = t->inst;
	gsched_wake(w, t);
	if (inst != self) {
		gsched_task_put(t);
		kobject_put(&inst->kobj);
	}
}

/*
 * The distinct object locks of a wait, in the order of the top of the
 * file: every sync object's by address, then every channel's by address.
 */
struct lockkey {
	unsigned long cls;		/* 0: sync object, 1: channel */
	spinlock_t *lock;
};

static int cmp_lock(const void *a, const void *b)
{
	const struct lockkey *x = a, *y = b;

	if (x->cls != y->cls)
		return x->cls < y->cls ? -1 : 1;
	return x->lock < y->lock ? -1 : x->lock > y->lock;
}

struct lockset {
	u32 n;
	struct lockkey *k;
	struct mutex *mutex;	/* held around more than one lock */
};

static void lockset_lock(struct lockset *ls, struct gsched_inst *inst)
	__acquires(ls)
{
	u32 i;

	if (ls->n > 1) {
		ls->mutex = &inst->sel_mutex;
		mutex_lock(ls->mutex);
	}
	for (i = 0; i < ls->n; i++) {
		if (ls->mutex)
			spin_lock_nest_lock(ls->k[i].lock, ls->mutex);
		else
			spin_lock(ls->k[i].lock);
	}
}

static void lockset_unlock(struct lockset *ls)
	__releases(ls)
{
	u32 i;

	for (i = ls->n; i-- > 0;)
		spin_unlock(ls->k[i].lock);
	if (ls->mutex)
		mutex_unlock(ls->mutex);
}

/* Free a wait and the channel references its waiters hold. */
static void wait_free(struct gsched_wait *wait)
{
	u32 i;

	for (i = 0; i < wait->n; i++) {
		if (wait->w[i].ch)
			gsched_chan_put(wait->w[i].ch);
		if (wait->w[i].sync)
			gsched_sync_put(wait->w[i].sync);
		if (wait->w[i].mu)
			gsched_sync_put(wait->w[i].mu);
		if (wait->w[i].fdw)
			gsched_fdw_put(wait->w[i].fdw);
	}
	kvfree(wait);
}

static bool is_fd_case(u32 dir)
{
	return dir == GSCHED_SEL_FDREAD || dir == GSCHED_SEL_FDWRITE;
}

/**
 * gsched_wait_build() - a wait for @n cases, not yet run
 * @inst: the instance whose handles the cases name
 * @cases: the cases, as user space gave them (checked here)
 * @n: how many, at most GSCHED_SELECT_MAX; 0 for a wait on its timeout
 *
 * Looks up every object, takes a reference to each, and copies every
 * value to send. Nil cases keep ch == NULL. An fd case takes its file and
 * enters the instance's fd registry here, before anything happens
 * (poll.c).
 *
 * Context: process context, no lock held.
 * Return: the wait, or ERR_PTR(-EINVAL) for a bad case, the lookup's
 * error for a bad handle or fd, ERR_PTR(-EPERM) for a send on a channel
 * the module owns, ERR_PTR(-EFAULT), ERR_PTR(-ENOMEM).
 */
struct gsched_wait *gsched_wait_build(struct gsched_inst *inst,
				      const struct gsched_select_case *cases,
				      u32 n)
{
	struct gsched_wait *wait;
	size_t size = struct_size(wait, w, n), off;
	long err;
	u8 *data;
	u32 i;

	u32 nconds = 0;

	for (i = 0; i < n; i++) {
		if (cases[i].dir < GSCHED_SEL_SEND ||
		    cases[i].dir > GSCHED_SEL_MAX ||
		    (cases[i].buf && gsched_sync_case_kind(cases[i].dir) &&
		     cases[i].dir != GSCHED_SEL_CONDWAIT &&
		     !gsched_word_case(cases[i].dir)) ||
		    (cases[i].buf && is_fd_case(cases[i].dir)))
			return ERR_PTR(-EINVAL);
		/* a word case names its word by address, never by handle */
		if (gsched_word_case(cases[i].dir) &&
		    cases[i].dir != GSCHED_SEL_CONDWAIT_WORD &&
		    cases[i].handle)
			return ERR_PTR(-EINVAL);
		/* one cond wait per select: it owns the mutex unlock */
		if ((cases[i].dir == GSCHED_SEL_CONDWAIT ||
		     cases[i].dir == GSCHED_SEL_CONDWAIT_WORD) && ++nconds > 1)
			return ERR_PTR(-EINVAL);
	}
	BUILD_BUG_ON(GSCHED_SELECT_MAX > U16_MAX);
	/* look up first: the element sizes size the allocation */
	wait = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!wait)
		return ERR_PTR(-ENOMEM);
	wait->n = n;
	wait->fired = -1;
	for (i = 0; i < n; i++) {
		u32 skind = gsched_sync_case_kind(cases[i].dir);
		struct gsched_chan *ch;

		wait->w[i].idx = i;
		wait->w[i].handle = cases[i].handle;
		wait->w[i].kind = cases[i].dir;
		wait->w[i].send = cases[i].dir == GSCHED_SEL_SEND;
		wait->w[i].ubuf = cases[i].buf;
		INIT_LIST_HEAD(&wait->w[i].node);
		if (skind && cases[i].dir == GSCHED_SEL_CONDWAIT) {
			struct gsched_sync *mu;

			wait->w[i].ubuf = 0;
			mu = gsched_sync_lookup(inst, cases[i].buf,
						GSCHED_SYNC_MUTEX);
			if (IS_ERR(mu)) {
				err = PTR_ERR(mu);
				goto err_free;
			}
			wait->w[i].mu = mu;
		}
		if (cases[i].dir == GSCHED_SEL_CONDWAIT_WORD) {
			/* ubuf keeps the mutex word: gsched_select() */
			err = gsched_word_check(inst, cases[i].buf,
						GSCHED_SYNC_WORD_MUTEX);
			if (err)
				goto err_free;
		} else if (skind && gsched_word_case(cases[i].dir)) {
			struct gsched_sync *s;

			/* a word's queue (word.c): no handle, never nil */
			err = gsched_word_check(inst, cases[i].buf, skind);
			if (err)
				goto err_free;
			s = gsched_word_get(inst, cases[i].buf, skind);
			if (IS_ERR(s)) {
				err = PTR_ERR(s);
				goto err_free;
			}
			wait->w[i].sync = s;
			wait->w[i].ubuf = 0;
			continue;
		}
		if (is_fd_case(cases[i].dir)) {
			struct gsched_fdw *f;

			/* the handle is an fd: 0 is stdin, not nil */
			f = gsched_fdw_get(inst, cases[i].handle, cases[i].dir);
			if (IS_ERR(f)) {
				err = PTR_ERR(f);
				goto err_free;
			}
			wait->w[i].fdw = f;
			wait->nfd++;
			continue;
		}
		if (!cases[i].handle)
			continue;
		if (skind) {
			struct gsched_sync *s;

			s = gsched_sync_lookup(inst, cases[i].handle, skind);
			if (IS_ERR(s)) {
				err = PTR_ERR(s);
				goto err_free;
			}
			wait->w[i].sync = s;
			continue;
		}
		ch = gsched_chan_case_get(inst, cases[i].handle,
					  wait->w[i].send);
		if (IS_ERR(ch)) {
			err = PTR_ERR(ch);
			goto err_free;
		}
		wait->w[i].ch = ch;
		size += ch->elem_size;
	}
	size += n * sizeof(u16);	/* the poll order, at the end */
	if (size > struct_size(wait, w, n)) {
		struct gsched_wait *big = kvzalloc(size, GFP_KERNEL_ACCOUNT);

		if (!big) {
			err = -ENOMEM;
			goto err_free;
		}
		memcpy(big, wait, struct_size(wait, w, n));
		kvfree(wait);
		wait = big;
	}
	data = (u8 *)wait;
	off = struct_size(wait, w, n);
	for (i = 0; i < n; i++) {
		struct gsched_waiter *c = &wait->w[i];

		INIT_LIST_HEAD(&c->node);
		c->wait = wait;
		if (!c->ch)
			continue;
		c->kbuf = data + off;
		off += c->ch->elem_size;
		if (c->send && c->ch->elem_size &&
		    copy_from_user(c->kbuf, u64_to_user_ptr(c->ubuf),
				   c->ch->elem_size)) {
			err = -EFAULT;
			goto err_free;
		}
	}
	wait->order = (u16 *)(data + off);
	return wait;

err_free:
	wait_free(wait);
	return ERR_PTR(err);
}

static bool lockset_build(struct gsched_wait *wait, struct lockset *ls,
			  struct lockkey *stack, u32 nstack)
{
	u32 i, n = 0;

	ls->mutex = NULL;
	ls->k = stack;
	if (wait->n > nstack) {
		ls->k = kvmalloc_array(wait->n, sizeof(*ls->k),
				       GFP_KERNEL_ACCOUNT);
		if (!ls->k)
			return false;
	}
	for (i = 0; i < wait->n; i++) {
		if (wait->w[i].sync)
			ls->k[n++] = (struct lockkey){ 0, &wait->w[i].sync->lock };
		else if (wait->w[i].ch)
			ls->k[n++] = (struct lockkey){ 1, &wait->w[i].ch->lock };
	}
	if (n > 1)
		sort(ls->k, n, sizeof(*ls->k), cmp_lock, NULL);
	ls->n = 0;
	for (i = 0; i < n; i++)
		if (!ls->n || ls->k[ls->n - 1].lock != ls->k[i].lock)
			ls->k[ls->n++] = ls->k[i];
	return true;
}

static void lockset_free(struct lockset *ls, struct lockkey *stack)
{
	if (ls->k != stack)
		kvfree(ls->k);
}

static bool case_live(struct gsched_waiter *c)
{
	return c->ch || c->sync || c->fdw;
}

/* Copy a completed wait's outcome to user space; its own task's mm. */
static s64 wait_deliver(struct gsched_wait *wait)
{
	struct gsched_waiter *c;
	s64 result = wait->result;

	if (wait->fired >= 0 && wait->w[wait->fired].ch) {
		c = &wait->w[wait->fired];
		if (!c->send && c->ok && c->ubuf && c->ch->elem_size &&
		    copy_to_user(u64_to_user_ptr(c->ubuf), c->kbuf,
				 c->ch->elem_size))
			return -EFAULT;
		if (!c->send && !c->ok && c->ubuf && c->ch->elem_size &&
		    clear_user(u64_to_user_ptr(c->ubuf), c->ch->elem_size))
			return -EFAULT;
		if (wait->plain_recv && !result)
			result = c->ok;
	}
	if (wait->usel) {
		struct gsched_select __user *us = u64_to_user_ptr(wait->usel);
		u32 ok = wait->fired >= 0 && wait->w[wait->fired].ok;

		if (put_user(wait->fired >= 0 ? (u32)wait->fired : ~0U,
			     &us->index) || put_user(ok, &us->ok))
			return -EFAULT;
	}
	return result;
}

/* The handle a parked wait shows in the dump: its first live case's. */
static u32 first_handle(struct gsched_wait *wait)
{
	u32 i;

	for (i = 0; i < wait->n; i++)
		if (wait->w[i].handle)
			return wait->w[i].handle;
	return 0;
}

/* Trace a completed wait: a select, or one channel operation. */
static void trace_done(struct gsched_inst *inst, struct gsched_task *t,
		       struct gsched_wait *wait, bool blocked)
{
	struct gsched_waiter *c;

	if (wait->usel) {
		trace_gsched_select(inst->id, t ? t->obj.handle : 0, wait->n,
				    wait->fired, blocked);
		return;
	}
	if (wait->n != 1 || wait->fired != 0 || !wait->w[0].ch)
		return;
	c = &wait->w[0];
	trace_gsched_chan_op(inst->id, t ? t->obj.handle : 0, c->ch->id,
			     c->send ? 1 : 2, c->ch->elem_size, blocked);
}

/* Arm a parked wait's timeout, if it has one. */
static void wait_arm_timer(struct gsched_task *t, struct gsched_wait *wait,
			   u64 timeout_ns)
{
	if (!timeout_ns)
		return;
	if (!wait->deadline)
		wait->deadline = ktime_to_ns(gsched_ktime_after(ktime_get(),
								timeout_ns));
	gsched_timer_arm(&t->timer, timeout_ns, 0);
}

/**
 * gsched_wait_run() - passes 0 to 2: complete a wait now, or park its task
 * @w: the calling worker (a stand-in with only @inst set for a
 *     non-blocking call from a thread that is not a worker)
 * @t: the calling task; NULL for a non-blocking call from outside a task
 * @wait: from gsched_wait_build(); the engine owns it from here on
 * @block: parking is allowed (else a wait that cannot complete now gives
 *	   -EAGAIN)
 * @timeout_ns: arm the task's timer for this long when it parks; 0: none
 * @reason: GSCHED_WAIT_* shown while it is parked
 * @res: the result when the wait completed now
 * @cont: set to @t when the wait completed now, NULL when @t parked
 *
 * Context: @w's thread, or any thread for a non-blocking call; no lock
 * held; may sleep (pass 0 polls files).
 * Return: 0 (see @cont); a negative errno with nothing changed and @wait
 * freed (-ENOMEM, or the error of pass 0).
 */
long gsched_wait_run(struct gsched_worker *w, struct gsched_task *t,
		     struct gsched_wait *wait, bool block, u64 timeout_ns,
		     u32 reason, s64 *res, struct gsched_task **cont)
{
	struct lockkey stack[8];
	struct gsched_task *wake = NULL;
	struct lockset ls;
	u32 i, j, k, nlive = 0, next;
	bool done = false, fd_claimed = false;
	long err;

	if (!lockset_build(wait, &ls, stack, ARRAY_SIZE(stack))) {
		wait_free(wait);
		return -ENOMEM;
	}
	/* pass 0 for fd cases: ->poll may sleep, so before any lock */
	if (wait->nfd) {
		err = gsched_poll_prepare(wait, block);
		if (err) {
			lockset_free(&ls, stack);
			wait_free(wait);
			return err;
		}
	}
	for (i = 0; i < wait->n; i++)
		nlive += case_live(&wait->w[i]);

	/*
	 * A uniformly random order of the cases (Go's pollorder, a
	 * Fisher-Yates shuffle), drawn once and used by both passes: pass 1
	 * visits the cases in it, pass 2 queues the waiters in it. Pass 2
	 * needs it as much as pass 1: a counterpart takes the first waiter
	 * it can claim from a channel's queue, so of several cases of this
	 * wait on one channel, the one queued first is the one that fires.
	 * Queued in program order, a parked select would always fire its
	 * first case on that channel. The order says nothing about locking:
	 * the lock set stays in object address order.
	 */
	for (k = 0; k < wait->n; k++) {
		j = gsched_worker_rand(w) % (k + 1);
		wait->order[k] = wait->order[j];
		wait->order[j] = k;
	}
	lockset_lock(&ls, t ? t->inst : w->inst);
	/*
	 * pass 1: visit the cases in that order and complete the first ready
	 * one: each ready case is chosen with equal probability.
	 */
	if (nlive) {
		for (k = 0; k < wait->n; k++) {
			struct gsched_waiter *c;

			i = wait->order[k];
			c = &wait->w[i];

			if (c->sync ? gsched_sync_try(c) :
			    c->fdw ? gsched_fd_case_try(c) :
			    c->ch && gsched_chan_case_try(w->inst, c, &wake)) {
				wait->fired = i;
				done = true;
				break;
			}
		}
	}
	if (!done && !block) {
		lockset_unlock(&ls);
		lockset_free(&ls, stack);
		*res = -EAGAIN;
		goto out_now;
	}
	if (!done) {
		/* pass 2: park on every channel and sync object */
		if (!nlive && reason == GSCHED_WAIT_SELECT && !timeout_ns)
			reason = GSCHED_WAIT_SELECT_NONE;
		else if (!nlive && reason != GSCHED_WAIT_SELECT &&
			 reason != GSCHED_WAIT_SLEEP)
			reason = GSCHED_WAIT_CHAN_NIL;
		wait->task = t;
		t->wait = wait;
		/*
		 * A file, or another holder of a channel, may wake it: no
		 * deadlock while one can (the channel locks are held, so
		 * each answer stands until a holder change re-evaluates it).
		 */
		next = wait->nfd;
		for (i = 0; i < wait->n; i++) {
			struct gsched_waiter *c = &wait->w[i];

			if (!c->ch)
				continue;
			c->ext = gsched_chan_peer_live(c->ch, t->inst);
			next += c->ext;
		}
		atomic_set(&wait->next, next);
		if (next)
			atomic_inc(&t->inst->nr_ext_waiters);
		spin_lock(&t->lock);
		gsched_task_park_locked(t, reason, first_handle(wait));
		spin_unlock(&t->lock);
		wait->reason = reason;
		if (!wait->since)
			wait->since = ktime_get_ns();
		/* in the shuffled order: see above */
		for (k = 0; k < wait->n; k++) {
			struct gsched_waiter *c = &wait->w[wait->order[k]];

			if (c->sync)
				gsched_sync_enqueue(c, wait->lifo &&
						    (c->kind == GSCHED_SEL_LOCK ||
						     c->kind ==
						     GSCHED_SEL_LOCK_WORD));
			else if (c->ch)
				gsched_chan_case_enqueue(c);
		}
		if (wait->nfd) {
			/*
			 * Once armed, a file's wakeup claims the wait without
			 * any of the locks held here; the task lock keeps its
			 * waker from readying the task until we are done with
			 * the wait (poll.c, (C)).
			 */
			spin_lock(&t->lock);
			wait_arm_timer(t, wait, timeout_ns);
			fd_claimed = gsched_poll_arm(wait);
			spin_unlock(&t->lock);
		} else {
			wait_arm_timer(t, wait, timeout_ns);
		}
		lockset_unlock(&ls);
		lockset_free(&ls, stack);
		w->curr = NULL;
		*cont = NULL;
		/* a wakeup before arming: ours to deliver */
		if (fd_claimed)
			gsched_wake(w, t);
		return 0;
	}
	lockset_unlock(&ls);
	lockset_free(&ls, stack);
	gsched_wake_unpin(w, w->inst, wake);
	trace_done(w->inst, t, wait, false);
	*res = wait_deliver(wait);
out_now:
	if (*res == -EAGAIN && wait->usel) {
		struct gsched_select __user *us = u64_to_user_ptr(wait->usel);

		if (put_user(~0U, &us->index) || put_user(0U, &us->ok))
			*res = -EFAULT;
	}
	wait_free(wait);
	*cont = t;
	return 0;
}

/* Take every waiter of @wait off its queue and stop the task's timer. */
static void wait_unqueue(struct gsched_task *t, struct gsched_wait *wait)
{
	u32 i;

	gsched_timer_cancel(&t->timer);
	for (i = 0; i < wait->n; i++) {
		struct gsched_waiter *c = &wait->w[i];

		if (c->sync)
			gsched_sync_unqueue(c);
		else if (c->fdw)
			gsched_fd_case_unqueue(c);
		else if (c->ch)
			gsched_chan_case_unqueue(c);
	}
}

/*
 * A mutex waiter woken in normal mode lost the lock to a newcomer: run
 * the whole wait again, its lock case queued at the front (Go requeues a
 * woken waiter LIFO). Return true when the task parked again.
 */
static bool wait_rerun(struct gsched_worker *w, struct gsched_task *t,
		       struct gsched_wait *wait)
{
	struct gsched_task *cont;
	u64 timeout = 0, now;
	s64 res = 0;
	long err;

	wait_unqueue(t, wait);
	/* off every queue: nobody changes next any more */
	if (atomic_read(&wait->next))
		atomic_dec(&t->inst->nr_ext_waiters);
	atomic_set(&wait->next, 0);
	atomic_set(&wait->done, 0);
	wait->fired = -1;
	wait->result = 0;
	wait->lifo = true;
	t->wait = NULL;
	if (wait->deadline) {
		now = ktime_get_ns();
		timeout = wait->deadline > now ? wait->deadline - now : 1;
	}
	err = gsched_wait_run(w, t, wait, true, timeout, wait->reason, &res,
			      &cont);
	if (err) {
		/*
		 * -ENOMEM (or pass 0's error), with the wait freed and the
		 * lock not taken: that is the select's result, not whatever
		 * the task's last call left in t->result.
		 */
		t->result = err;
		return false;
	}
	if (cont) {
		t->result = res;
		return false;
	}
	return true;
}

/**
 * gsched_wait_finish() - complete a resumed task's wait (pass 3)
 * @w: the worker about to run @t
 * @t: a task that was woken from a channel or sync wait, select or sleep
 *
 * Takes the task's other waiters off their queues, stops its timer,
 * copies the received value and the select outcome to user space, and
 * sets t->result. A mutex waiter woken in normal mode first competes for
 * the lock again and may have to wait again.
 *
 * Context: the worker about to run @t (in @t's address space).
 * Return: true when the task parked again (the worker must pick another).
 */
bool gsched_wait_finish(struct gsched_worker *w, struct gsched_task *t)
{
	struct gsched_wait *wait = t->wait;
	struct gsched_waiter *fired = NULL;
	int cerr;

	/* a cond wait's mutex word may still be being unlocked */
	wait_var_event(&wait->cunlock, !atomic_read_acquire(&wait->cunlock));
	cerr = wait->cunlock_err;
	if (wait->fired >= 0)
		fired = &wait->w[wait->fired];
	if (fired && (fired->kind == GSCHED_SEL_LOCK ||
		      fired->kind == GSCHED_SEL_LOCK_WORD) &&
	    wait->result == GSCHED_RES_RETRY) {
		if (!gsched_mutex_retry(fired))
			return wait_rerun(w, t, wait);
		wait->result = 0;
	}
	t->wait = NULL;
	wait_unqueue(t, wait);
	if (fired && fired->sync)
		gsched_sync_resumed(fired);
	trace_done(t->inst, t, wait, true);
	t->result = wait_deliver(wait);
	if (cerr)
		t->result = cerr;	/* the cond wait's unlock failed */
	if (atomic_read(&wait->next))
		atomic_dec(&t->inst->nr_ext_waiters);
	wait_free(wait);
	return false;
}

/**
 * gsched_wait_abandon() - drop a dead instance's task's wait
 * @t: a task whose instance is being torn down
 *
 * Context: instance teardown; the task never runs again.
 */
void gsched_wait_abandon(struct gsched_task *t)
{
	struct gsched_wait *wait = t->wait;

	if (!wait)
		return;
	t->wait = NULL;
	wait_unqueue(t, wait);
	if (atomic_read(&wait->next))
		atomic_dec(&t->inst->nr_ext_waiters);
	wait_free(wait);
}

/*
 * The wait reason of a select: a single lock, wait group or cond case,
 * alone or with one receive (a context's done channel), is reported as
 * that wait, so deadlock reports and the task dump say "mutex".
 */
static u32 select_reason(const struct gsched_select_case *c, u32 n)
{
	static const u8 reason[GSCHED_SEL_MAX + 1] = {
		[GSCHED_SEL_SEND] = GSCHED_WAIT_CHAN_SEND,
		[GSCHED_SEL_RECV] = GSCHED_WAIT_CHAN_RECV,
		[GSCHED_SEL_LOCK] = GSCHED_WAIT_MUTEX,
		[GSCHED_SEL_RLOCK] = GSCHED_WAIT_RLOCK,
		[GSCHED_SEL_WLOCK] = GSCHED_WAIT_WLOCK,
		[GSCHED_SEL_WGWAIT] = GSCHED_WAIT_WAITGROUP,
		[GSCHED_SEL_CONDWAIT] = GSCHED_WAIT_COND,
		[GSCHED_SEL_LOCK_WORD] = GSCHED_WAIT_MUTEX,
		[GSCHED_SEL_WGWAIT_WORD] = GSCHED_WAIT_WAITGROUP,
		[GSCHED_SEL_CONDWAIT_WORD] = GSCHED_WAIT_COND,
		[GSCHED_SEL_RLOCK_WORD] = GSCHED_WAIT_RLOCK,
		[GSCHED_SEL_WLOCK_WORD] = GSCHED_WAIT_WLOCK,
	};
	bool sync0 = n && (c[0].handle || gsched_word_case(c[0].dir)) &&
		     gsched_sync_case_kind(c[0].dir);

	if (n == 2 && c[1].dir == GSCHED_SEL_RECV && sync0)
		return reason[c[0].dir];
	if (n == 1 && sync0)
		return reason[c[0].dir];
	return GSCHED_WAIT_SELECT;
}

/*
 * Unlock a cond wait's mutex word once the wait is queued, and make a
 * failure (a word another task unlocked meanwhile: -EPERM; one that is
 * no longer writable: -EFAULT) the wait's result, as for a refused cond
 * wait: the caller does not lock the mutex again. A wait that completed
 * at once is gone (@cont): the task's result says it. A parked one stays
 * until its resumer has seen @wait->cunlock drop; on a failure it is
 * claimed and woken here, unless a signal, timer or channel came first.
 */
static void cond_word_unlock(struct gsched_worker *w, struct gsched_task *t,
			     struct gsched_wait *wait, struct gsched_task *cont,
			     u64 cond_word)
{
	long uerr = gsched_word_unlock(w, cond_word);
	bool claimed = false;

	if (cont) {
		if (uerr)
			t->result = uerr;
		return;
	}
	if (uerr) {
		wait->cunlock_err = uerr;
		claimed = atomic_cmpxchg(&wait->done, 0, 1) == 0;
		if (claimed) {
			wait->fired = -1;
			wait->result = uerr;
		}
	}
	/* full barrier: the resumer may free @wait once it reads 0 */
	atomic_xchg(&wait->cunlock, 0);
	wake_up_var(&wait->cunlock);
	/* claimed: nobody else wakes @t, so it and @wait are still ours */
	if (claimed)
		gsched_wake(w, t);
}

/**
 * gsched_select() - GSCHED_OP_SELECT
 * @w: the calling worker, with a current task
 * @sw: the request: @sw->select is the user's struct gsched_select
 * @cont: as for gsched_task_do_op()
 *
 * A CONDWAIT case unlocks its mutex once the wait is queued (or done).
 *
 * Context: the worker's thread, no lock held.
 * Return: 0 when applied; a negative errno when refused (nothing changed).
 */
long gsched_select(struct gsched_worker *w, struct gsched_switch *sw,
		   struct gsched_task **cont)
{
	struct gsched_task *t = w->curr;
	struct gsched_select_case stackc[4], *cases = stackc;
	struct gsched_sync *cond_mu = NULL;
	u64 cond_word = 0;
	struct gsched_select sel;
	struct gsched_wait *wait;
	long err = 0;
	s64 res = 0;
	u32 i;

	if (sw->arg32)
		return -EINVAL;
	if (copy_from_user(&sel, u64_to_user_ptr(sw->select), sizeof(sel)))
		return -EFAULT;
	if ((sel.flags & ~GSCHED_SELECT_FLAGS) || sel.__reserved ||
	    sel.ncases > GSCHED_SELECT_MAX ||
	    ((sel.flags & GSCHED_SELECT_DEFAULT) &&
	     (sel.flags & GSCHED_SELECT_TIMEOUT)) ||
	    ((sel.flags & GSCHED_SELECT_TIMEOUT) && !sel.timeout_ns) ||
	    (!(sel.flags & GSCHED_SELECT_TIMEOUT) && sel.timeout_ns))
		return -EINVAL;
	if (sel.ncases > ARRAY_SIZE(stackc)) {
		cases = kvmalloc_array(sel.ncases, sizeof(*cases),
				       GFP_KERNEL_ACCOUNT);
		if (!cases)
			return -ENOMEM;
	}
	if (copy_from_user(cases, u64_to_user_ptr(sel.cases),
			   sel.ncases * sizeof(*cases))) {
		err = -EFAULT;
		goto out;
	}
	wait = gsched_wait_build(w->inst, cases, sel.ncases);
	if (IS_ERR(wait)) {
		err = PTR_ERR(wait);
		goto out;
	}
	wait->usel = sw->select;
	for (i = 0; i < wait->n; i++) {
		if (wait->w[i].mu) {
			cond_mu = wait->w[i].mu;
			refcount_inc(&cond_mu->obj.ref);
		}
		if (wait->w[i].kind == GSCHED_SEL_CONDWAIT_WORD)
			cond_word = wait->w[i].ubuf;
	}
	if (cond_word) {
		/* as below: -EPERM unless locked, -EFAULT if unreadable */
		int locked = gsched_word_locked(cond_word);

		if (locked <= 0) {
			wait_free(wait);
			err = locked < 0 ? locked : -EPERM;
			goto out;
		}
		atomic_set(&wait->cunlock, 1);
	}
	if (cond_mu && !READ_ONCE(cond_mu->locked)) {
		/* Go: fatal error; waiting would hand back a lock never held */
		gsched_sync_put(cond_mu);
		wait_free(wait);
		err = -EPERM;
		goto out;
	}
	err = gsched_wait_run(w, t, wait, !(sel.flags & GSCHED_SELECT_DEFAULT),
			      sel.timeout_ns, select_reason(cases, sel.ncases),
			      &res, cont);
	if (!err && *cont)
		t->result = res;
	if (cond_mu) {
		/*
		 * A cond wait releases its mutex once its waiter is queued,
		 * so a signal after the unlock cannot be missed.
		 */
		if (!err)
			gsched_mutex_unlock(w, cond_mu);
		gsched_sync_put(cond_mu);
	}
	/* the same for a mutex word: the module unlocks it (word.c) */
	if (cond_word && !err)
		cond_word_unlock(w, t, wait, *cont, cond_word);
out:
	if (cases != stackc)
		kvfree(cases);
	return err;
}
