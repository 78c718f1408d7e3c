// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: Go's sync package as kernel objects: Mutex, RWMutex, WaitGroup
 * and Cond. Blocking is a case of the wait engine (wait.c), so each can be
 * combined with a context's done channel; the calls that never block
 * (unlock, trylock, add, signal) are GSCHED_IOC_SYNC.
 *
 * Mutex (Go's sync.Mutex, mutex.go):
 *  - normal mode: unlock releases the lock and wakes the first waiter,
 *    which must compete with tasks arriving meanwhile (barging keeps the
 *    lock busy). A woken waiter that loses is queued again at the front;
 *    only one woken waiter is in flight at a time (@woken).
 *  - starvation mode, entered when a waiter that loses has waited more
 *    than 1 ms: unlock hands the lock directly to the first waiter and
 *    newcomers queue behind. Back to normal when the waiter that gets the
 *    lock is the last one or waited less than 1 ms.
 * RWMutex: writer-preferring: a waiting writer blocks new readers; the
 * last reader out hands the lock to the first writer; a writer's unlock
 * lets every waiting reader in, else the next writer.
 * WaitGroup: a counter; reaching zero wakes every waiter.
 * Cond: signal wakes one waiter, broadcast all; nothing is remembered.
 */
#include "gsched.h"

#include <linux/ktime.h>
#include <linux/slab.h>

#include "trace.h"

#define STARVATION_NS	NSEC_PER_MSEC

static void sync_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct gsched_sync, obj.rcu));
}

/**
 * gsched_sync_put() - drop a reference to a sync object
 * @s: the object
 *
 * Context: any for a handle object (freed after an RCU grace period); no
 * spinlock of the module held for a word's queue, whose put takes the
 * instance's word table lock and frees at once (gsched_word_put()).
 */
void gsched_sync_put(struct gsched_sync *s)
{
	if (s->winst) {
		gsched_word_put(s);	/* a word's queue (word.c) */
		return;
	}
	if (refcount_dec_and_test(&s->obj.ref)) {
		WARN_ON_ONCE(!list_empty(&s->q) || !list_empty(&s->wq));
		call_rcu(&s->obj.rcu, sync_free_rcu);
	}
}

/**
 * gsched_sync_lookup() - find a sync object by handle, with a reference
 * @inst: the instance
 * @h: the handle
 * @kind: the GSCHED_SYNC_* kind expected, 0 for any
 *
 * Context: any.
 * Return: the object, or ERR_PTR(-EBADF) for no such handle,
 * ERR_PTR(-EINVAL) for another type or kind.
 */
struct gsched_sync *gsched_sync_lookup(struct gsched_inst *inst, u32 h,
				       u32 kind)
{
	struct gsched_obj *obj = gsched_obj_get(inst, h, GSCHED_OBJ_SYNC);
	struct gsched_sync *s;

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	s = container_of(obj, struct gsched_sync, obj);
	if (kind && s->kind != kind) {
		/* a release may have run meanwhile: a full put */
		gsched_sync_put(s);
		return ERR_PTR(-EINVAL);
	}
	return s;
}

/* Which lock a sync case needs, and what kind of object. */
static u32 case_kind(u32 dir)
{
	switch (dir) {
	case GSCHED_SEL_LOCK:
		return GSCHED_SYNC_MUTEX;
	case GSCHED_SEL_RLOCK:
	case GSCHED_SEL_WLOCK:
		return GSCHED_SYNC_RWMUTEX;
	case GSCHED_SEL_WGWAIT:
		return GSCHED_SYNC_WAITGROUP;
	case GSCHED_SEL_CONDWAIT:
	case GSCHED_SEL_CONDWAIT_WORD:
		return GSCHED_SYNC_COND;
	case GSCHED_SEL_LOCK_WORD:
		return GSCHED_SYNC_WORD_MUTEX;
	case GSCHED_SEL_WGWAIT_WORD:
		return GSCHED_SYNC_WORD_WG;
	case GSCHED_SEL_RLOCK_WORD:
	case GSCHED_SEL_WLOCK_WORD:
		return GSCHED_SYNC_WORD_RW;
	}
	return 0;
}

/**
 * gsched_sync_case_kind() - the object kind a select case direction needs
 * @dir: GSCHED_SEL_*
 *
 * Context: any.
 * Return: GSCHED_SYNC_*, or 0 for a channel case.
 */
u32 gsched_sync_case_kind(u32 dir)
{
	return case_kind(dir);
}

/**
 * gsched_sync_try() - complete a sync case now if it can (pass 1)
 * @c: the case; its object's lock is held
 *
 * Context: the object's lock held.
 * Return: true when the lock or wait was had at once.
 */
bool gsched_sync_try(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;

	lockdep_assert_held(&s->lock);
	switch (c->kind) {
	case GSCHED_SEL_LOCK:
		if (s->locked || (s->starving && !list_empty(&s->q)))
			return false;
		s->locked = true;
		return true;
	case GSCHED_SEL_RLOCK:
		if (s->writer || !list_empty(&s->wq))
			return false;
		s->readers++;
		return true;
	case GSCHED_SEL_WLOCK:
		if (s->writer || s->readers)
			return false;
		s->writer = true;
		return true;
	case GSCHED_SEL_WGWAIT:
		return !s->count;
	case GSCHED_SEL_LOCK_WORD:
	case GSCHED_SEL_WGWAIT_WORD:
	case GSCHED_SEL_RLOCK_WORD:
	case GSCHED_SEL_WLOCK_WORD:
		return gsched_word_try(c);
	}
	return false;	/* a cond wait always waits */
}

/**
 * gsched_sync_enqueue() - queue a sync case's waiter (pass 2)
 * @c: the case; its object's lock is held
 * @front: queue at the head (a mutex waiter that lost after a wakeup)
 *
 * Context: the object's lock held.
 */
void gsched_sync_enqueue(struct gsched_waiter *c, bool front)
{
	struct gsched_sync *s = c->sync;
	struct list_head *q = c->kind == GSCHED_SEL_WLOCK ||
			      c->kind == GSCHED_SEL_WLOCK_WORD ? &s->wq : &s->q;

	lockdep_assert_held(&s->lock);
	if (c->kind == GSCHED_SEL_LOCK || c->kind == GSCHED_SEL_LOCK_WORD)
		trace_gsched_mutex(c->wait->task->inst->id, s->obj.handle, 1, 0);
	if (front)
		list_add(&c->node, q);
	else
		list_add_tail(&c->node, q);
}

/*
 * Claim the first waiter of @q, a queue of @s, for @result, collecting its
 * task in @woken (through the waiter's node) to be woken after unlocking.
 * Context: @s's lock held.
 */
static bool claim_first(struct gsched_inst *self, struct gsched_sync *s,
			struct list_head *q, s64 result,
			struct list_head *woken)
{
	struct gsched_waiter *wt = gsched_dequeue_claim(q, &s->lock);

	if (!wt)
		return false;
	wt->wait->fired = wt->idx;
	wt->wait->result = result;
	wt->ok = true;
	gsched_wake_pin(self, wt->wait->task);
	list_add_tail(&wt->node, woken);
	return true;
}

static void wake_all(struct gsched_worker *w, struct gsched_inst *self,
		     struct list_head *woken)
{
	struct gsched_waiter *wt, *tmp;

	/* each waiter is freed by its task once woken: read next first */
	list_for_each_entry_safe(wt, tmp, woken, node) {
		struct gsched_task *t = wt->wait->task;

		list_del_init(&wt->node);
		gsched_wake_unpin(w, self, t);
	}
}

static long sync_mutex_unlock(struct gsched_worker *w, struct gsched_inst *self,
			      struct gsched_sync *s)
{
	struct gsched_waiter *wt;
	LIST_HEAD(woken);
	u64 now;

	spin_lock(&s->lock);
	if (!s->locked) {
		spin_unlock(&s->lock);
		return -EPERM;
	}
	if (s->starving) {
		/* hand the lock straight to the first waiter */
		wt = gsched_dequeue_claim(&s->q, &s->lock);
		if (wt) {
			now = ktime_get_ns();
			if (list_empty(&s->q) ||
			    now - wt->wait->since < STARVATION_NS)
				s->starving = false;
			wt->wait->fired = wt->idx;
			wt->wait->result = 0;
			wt->ok = true;
			gsched_wake_pin(self, wt->wait->task);
			list_add_tail(&wt->node, &woken);
			trace_gsched_mutex(self->id, s->obj.handle, 1, 1);
		} else {
			s->locked = false;
			s->starving = false;
		}
	} else {
		s->locked = false;
		if (!s->woken && claim_first(self, s, &s->q, GSCHED_RES_RETRY,
					     &woken))
			s->woken = true;
	}
	spin_unlock(&s->lock);
	wake_all(w, self, &woken);
	return 0;
}

/**
 * gsched_sync_unqueue() - take a sync waiter off its queue
 * @c: the waiter, queued or already dequeued by a waker
 *
 * A writer that gives up (its context ended, another case fired) may be
 * all that kept queued readers out: let them in, as the kernel's rwsem
 * does. A mutex whose last waiter leaves is no longer starving.
 *
 * Context: process context, no lock held.
 */
void gsched_sync_unqueue(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;
	struct gsched_inst *self = c->wait->task->inst;
	LIST_HEAD(woken);
	bool was_queued;

	if (s->winst) {
		gsched_word_unqueue(c, self);
		return;
	}
	spin_lock(&s->lock);
	was_queued = !list_empty(&c->node);
	list_del_init(&c->node);
	if (was_queued && c->kind == GSCHED_SEL_WLOCK && !s->writer &&
	    list_empty(&s->wq)) {
		while (claim_first(self, s, &s->q, 0, &woken))
			s->readers++;
	}
	if (was_queued && c->kind == GSCHED_SEL_LOCK && list_empty(&s->q))
		s->starving = false;
	spin_unlock(&s->lock);
	wake_all(NULL, self, &woken);
}

/**
 * gsched_mutex_retry() - a waiter woken in normal mode competes again
 * @c: its LOCK case
 *
 * Context: the worker resuming the task; no lock held.
 * Return: true when it got the lock; false when it lost (the mutex may
 * have entered starvation mode) and must wait again at the front.
 */
bool gsched_mutex_retry(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;
	bool got;

	if (s->winst)
		return gsched_word_retry(c);
	spin_lock(&s->lock);
	s->woken = false;
	got = !s->locked;
	if (got)
		s->locked = true;
	else if (ktime_get_ns() - c->wait->since > STARVATION_NS)
		s->starving = true;
	spin_unlock(&s->lock);
	return got;
}

/**
 * gsched_sync_resumed() - bookkeeping when a sync waiter's task resumes
 * @c: the case that fired
 *
 * A wait group counts woken waiters until they have returned, to detect
 * reuse before the previous wait returned.
 *
 * Context: the worker resuming the task; no lock held.
 */
void gsched_sync_resumed(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;

	if (c->kind == GSCHED_SEL_WGWAIT_WORD && c->ok) {
		gsched_word_resumed(c);
		return;
	}
	if (c->kind != GSCHED_SEL_WGWAIT || !c->ok)
		return;
	spin_lock(&s->lock);
	s->waking--;
	spin_unlock(&s->lock);
}

static long rw_runlock(struct gsched_worker *w, struct gsched_inst *self,
		       struct gsched_sync *s)
{
	LIST_HEAD(woken);

	spin_lock(&s->lock);
	if (!s->readers) {
		spin_unlock(&s->lock);
		return -EPERM;
	}
	/* the last reader out hands the lock to the first writer */
	if (!--s->readers && claim_first(self, s, &s->wq, 0, &woken))
		s->writer = true;
	spin_unlock(&s->lock);
	wake_all(w, self, &woken);
	return 0;
}

static long rw_unlock(struct gsched_worker *w, struct gsched_inst *self,
		      struct gsched_sync *s)
{
	LIST_HEAD(woken);

	spin_lock(&s->lock);
	if (!s->writer) {
		spin_unlock(&s->lock);
		return -EPERM;
	}
	s->writer = false;
	/* every waiting reader gets in; else the next writer */
	while (claim_first(self, s, &s->q, 0, &woken))
		s->readers++;
	if (!s->readers && claim_first(self, s, &s->wq, 0, &woken))
		s->writer = true;
	spin_unlock(&s->lock);
	wake_all(w, self, &woken);
	return 0;
}

static long wg_add(struct gsched_worker *w, struct gsched_inst *self,
		   struct gsched_sync *s, s64 delta, s64 *value)
{
	LIST_HEAD(woken);
	s64 v;

	spin_lock(&s->lock);
	if (check_add_overflow(s->count, delta, &v) || v < 0) {
		spin_unlock(&s->lock);
		return -ERANGE;
	}
	if (delta > 0 && !s->count && s->waking) {
		spin_unlock(&s->lock);
		return -EBUSY;
	}
	s->count = v;
	if (!v)
		while (claim_first(self, s, &s->q, 0, &woken))
			s->waking++;
	spin_unlock(&s->lock);
	*value = v;
	wake_all(w, self, &woken);
	return 0;
}

static long cond_signal(struct gsched_worker *w, struct gsched_inst *self,
			struct gsched_sync *s, bool all)
{
	LIST_HEAD(woken);

	spin_lock(&s->lock);
	while (claim_first(self, s, &s->q, 0, &woken) && all)
		;
	spin_unlock(&s->lock);
	wake_all(w, self, &woken);
	return 0;
}

/**
 * gsched_mutex_unlock() - unlock for a cond wait that just parked
 * @w: the worker
 * @s: the mutex
 *
 * Context: process context, no lock held.
 * Return: 0 or -EPERM.
 */
long gsched_mutex_unlock(struct gsched_worker *w, struct gsched_sync *s)
{
	return sync_mutex_unlock(w, w->inst, s);
}

/**
 * gsched_sync_alloc() - a new sync object with one reference, no handle
 * @kind: GSCHED_SYNC_*, or GSCHED_SYNC_WORD_* for a word's queue
 *
 * Every sync object's lock is initialised here, so that handle objects
 * and words' queues share one lock class: a wait locks them together,
 * in address order.
 *
 * Context: process context.
 * Return: the object, or NULL.
 */
struct gsched_sync *gsched_sync_alloc(u32 kind)
{
	struct gsched_sync *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);

	if (!s)
		return NULL;
	s->obj.type = GSCHED_OBJ_SYNC;
	refcount_set(&s->obj.ref, 1);
	s->kind = kind;
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->q);
	INIT_LIST_HEAD(&s->wq);
	return s;
}

static long sync_make(struct gsched_inst *inst, struct gsched_sync_op *op)
{
	struct gsched_sync *s;
	int ret;

	if (op->handle || op->arg < GSCHED_SYNC_MUTEX ||
	    op->arg > GSCHED_SYNC_COND)
		return -EINVAL;
	s = gsched_sync_alloc(op->arg);
	if (!s)
		return -ENOMEM;
	ret = gsched_handle_alloc(inst, &s->obj);
	if (ret < 0) {
		kfree(s);
		return ret;
	}
	op->handle = ret;
	return 0;
}

/**
 * gsched_sync_ioc() - GSCHED_IOC_SYNC
 * @inst: the instance
 * @op: the request, flags and reserved fields checked
 *
 * Context: process context.
 * Return: 0 or a negative errno (see struct gsched_sync_op).
 */
long gsched_sync_ioc(struct gsched_inst *inst, struct gsched_sync_op *op)
{
	static const u8 op_kind[GSCHED_SYNC_OP_MAX + 1] = {
		[GSCHED_SYNC_UNLOCK] = 0,	/* mutex or rwmutex */
		[GSCHED_SYNC_TRYLOCK] = 0,
		[GSCHED_SYNC_RUNLOCK] = GSCHED_SYNC_RWMUTEX,
		[GSCHED_SYNC_RTRYLOCK] = GSCHED_SYNC_RWMUTEX,
		[GSCHED_SYNC_ADD] = GSCHED_SYNC_WAITGROUP,
		[GSCHED_SYNC_SIGNAL] = GSCHED_SYNC_COND,
		[GSCHED_SYNC_BROADCAST] = GSCHED_SYNC_COND,
	};
	struct gsched_worker *w = NULL;
	struct gsched_sync *s;
	long err = 0;
	bool got;

	if (op->op < GSCHED_SYNC_MAKE || op->op > GSCHED_SYNC_OP_MAX)
		return -EINVAL;
	if (op->arg && op->op != GSCHED_SYNC_MAKE && op->op != GSCHED_SYNC_ADD)
		return -EINVAL;
	if (op->worker != GSCHED_NO_WORKER) {
		w = gsched_worker_get(inst, op->worker);
		if (IS_ERR(w))
			return PTR_ERR(w);
	}
	if (op->op == GSCHED_SYNC_MAKE)
		return sync_make(inst, op);

	s = gsched_sync_lookup(inst, op->handle, op_kind[op->op]);
	if (IS_ERR(s))
		return PTR_ERR(s);
	switch (op->op) {
	case GSCHED_SYNC_RELEASE:
		if (gsched_handle_remove(inst, op->handle, &s->obj))
			gsched_sync_put(s);	/* the handle's reference */
		else
			err = -EBADF;
		break;
	case GSCHED_SYNC_UNLOCK:
		if (s->kind == GSCHED_SYNC_MUTEX)
			err = sync_mutex_unlock(w, inst, s);
		else if (s->kind == GSCHED_SYNC_RWMUTEX)
			err = rw_unlock(w, inst, s);
		else
			err = -EINVAL;
		break;
	case GSCHED_SYNC_TRYLOCK:
	case GSCHED_SYNC_RTRYLOCK: {
		struct gsched_waiter c = { .sync = s };

		if (op->op == GSCHED_SYNC_RTRYLOCK) {
			c.kind = GSCHED_SEL_RLOCK;
		} else if (s->kind == GSCHED_SYNC_MUTEX) {
			c.kind = GSCHED_SEL_LOCK;
		} else if (s->kind == GSCHED_SYNC_RWMUTEX) {
			c.kind = GSCHED_SEL_WLOCK;
		} else {
			err = -EINVAL;
			break;
		}
		spin_lock(&s->lock);
		got = gsched_sync_try(&c);
		spin_unlock(&s->lock);
		err = got ? 0 : -EBUSY;
		break;
	}
	case GSCHED_SYNC_RUNLOCK:
		err = rw_runlock(w, inst, s);
		break;
	case GSCHED_SYNC_ADD:
		err = wg_add(w, inst, s, op->arg, &op->value);
		break;
	case GSCHED_SYNC_SIGNAL:
	case GSCHED_SYNC_BROADCAST:
		err = cond_signal(w, inst, s, op->op == GSCHED_SYNC_BROADCAST);
		break;
	}
	gsched_sync_put(s);
	return err;
}
