// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: channels and select (Go's chan.go and select.go).
 *
 * Values always pass through kernel memory: a sender's value is copied in
 * by the sender's own worker, and a receiver's value is copied out by the
 * worker that resumes the receiver (gsched_wait_finish). Each copy thus
 * runs in the right address space, which is what lets a channel be shared
 * between processes.
 *
 * One engine serves send, receive, select and the non-blocking variants:
 * a plain send is a select with one case. Go's three passes:
 *
 *  1. lock every channel (address order, the instance's sel_mutex when
 *     more than one), visit the cases in a random order and complete the
 *     first one that is ready: uniform choice among ready cases;
 *  2. none ready and blocking allowed: mark the task WAITING, queue one
 *     waiter per case, arm the timeout, unlock: the task is parked;
 *  3. when the task runs again, its worker takes the leftover waiters off
 *     the other channels and copies the value out (gsched_wait_finish).
 *
 * A waker dequeues a waiter and must win wait->done (0 -> 1) before it
 * touches it; a waiter whose select already completed elsewhere is simply
 * dropped. No task is readied while a channel lock is held: wakes are
 * collected and done after unlocking (seed digest C7).
 *
 * Shared channels: a waiter may belong to a task of another instance,
 * whose file can be released at any time. Its teardown takes the task's
 * waiters off every channel under the channel lock (gsched_wait_abandon),
 * so a waker that claimed the waiter under that lock pins the task and
 * its instance there (wake_pin) and releases them after the wake; a dead
 * instance's run queue is never touched again (gsched_wake).
 *
 * Holders and the deadlock check: a task blocked on a channel that only
 * its own instance can reach is part of that instance's deadlock check
 * (Go's checkdead); one that another process may still wake is not. The
 * channel counts its holders, the instances with a handle to it and its
 * exported files, and each queued waiter records whether a holder other
 * than its task's instance exists (waiter->ext, summed in wait->next).
 * When the holders change so that the answer changes for someone, the
 * queues are walked under the channel lock and the waiters updated; an
 * instance whose last such waiter stopped counting runs the check again
 * (gsched_recheck_dead), so a survivor whose peer was SIGKILLed is
 * reported instead of waiting for ever. A file stops counting at its
 * release, after every import through it (fdget holds it); an instance's
 * handles at its teardown, after its last ioctl returned, or when the
 * program releases them (a handle released by one thread while another
 * still sends through it is the program's own race).
 *
 * File descriptors: an FDREAD/FDWRITE case waits on the file's own poll
 * queues. Its wakeups come without our locks, from any context, so it
 * adds a pass 0 (poll and register before locking) and arms in pass 2
 * under the task lock; poll.c explains the ordering.
 */
#include "gsched.h"

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/gcd.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "trace.h"

/* struct fd became opaque in 6.12; 6.1 has no accessor */
#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

static atomic64_t gsched_chan_ids = ATOMIC64_INIT(0);

static void *chan_slot(struct gsched_chan *ch, u32 i)
{
	return ch->buf + (size_t)i * ch->elem_size;
}

/**
 * gsched_chan_alloc() - a new channel charged to @inst
 * @inst: the instance whose budget pays for the buffer
 * @elem_size: bytes per element
 * @cap: slots
 * @err: the error when NULL is returned
 *
 * Context: process context.
 * Return: the channel with one reference, or NULL.
 */
struct gsched_chan *gsched_chan_alloc(struct gsched_inst *inst, u32 elem_size,
				      u32 cap, long *err)
{
	u64 bytes = (u64)elem_size * cap;
	struct gsched_chan *ch;

	if (elem_size > GSCHED_CHAN_MAX_ELEM) {
		*err = -EINVAL;
		return NULL;
	}
	if (atomic_long_add_return(bytes, &inst->chan_bytes) >
	    READ_ONCE(gsched_max_chan_bytes)) {
		atomic_long_sub(bytes, &inst->chan_bytes);
		*err = -ENOMEM;
		return NULL;
	}
	ch = kzalloc(sizeof(*ch), GFP_KERNEL_ACCOUNT);
	if (!ch)
		goto err_uncharge;
	if (bytes) {
		ch->buf = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
		if (!ch->buf) {
			kfree(ch);
			goto err_uncharge;
		}
	}
	refcount_set(&ch->ref, 1);
	ch->id = atomic64_inc_return(&gsched_chan_ids);
	ch->elem_size = elem_size;
	ch->cap = cap;
	spin_lock_init(&ch->lock);
	INIT_LIST_HEAD(&ch->sendq);
	INIT_LIST_HEAD(&ch->recvq);
	INIT_LIST_HEAD(&ch->holders);
	kobject_get(&inst->kobj);
	ch->acct = inst;
	atomic_inc(&inst->nr_chans);
	return ch;

err_uncharge:
	atomic_long_sub(bytes, &inst->chan_bytes);
	*err = -ENOMEM;
	return NULL;
}

/**
 * gsched_chan_put() - drop a channel reference
 * @ch: the channel
 *
 * Context: process context (the last put may sleep to stop a timer).
 */
void gsched_chan_put(struct gsched_chan *ch)
{
	struct gsched_inst *acct;

	if (!refcount_dec_and_test(&ch->ref))
		return;
	WARN_ON_ONCE(!list_empty(&ch->sendq) || !list_empty(&ch->recvq));
	/* every handle and file held a reference */
	WARN_ON_ONCE(!list_empty(&ch->holders) || ch->nfiles);
	if (ch->timer)
		gsched_timer_chan_free(ch);
	acct = ch->acct;
	atomic_long_sub((long)ch->elem_size * ch->cap, &acct->chan_bytes);
	atomic_dec(&acct->nr_chans);
	kvfree(ch->buf);
	kfree(ch);
	kobject_put(&acct->kobj);
}

/* ---- holders: who else can complete a wait ---------------------------- */

/* The handles one instance has on a channel: an entry of ch->holders. */
struct gsched_chan_holder {
	struct list_head node;		/* ch->lock */
	struct gsched_inst *inst;	/* set once; compared, not used */
	u32 nrefs;			/* ch->lock: its chan_refs of ch */
};

/* chan_peer_key(): several holders, or an exported file */
#define PEERS_MANY	1UL

/*
 * What chan_peer_live() depends on, as one value: 0 for no holder at
 * all, PEERS_MANY, or the only holder instance. A change of holders
 * that leaves it as it was changes no waiter's answer.
 */
static unsigned long chan_peer_key(struct gsched_chan *ch)
{
	struct gsched_chan_holder *h;

	lockdep_assert_held(&ch->lock);
	if (ch->kernel_owned)
		return ch->shared ? PEERS_MANY : 0;
	if (ch->nfiles)
		return PEERS_MANY;
	h = list_first_entry_or_null(&ch->holders, struct gsched_chan_holder,
				     node);
	if (!h)
		return 0;
	return list_is_singular(&ch->holders) ? (unsigned long)h->inst :
						PEERS_MANY;
}

/*
 * Can something other than @inst complete an operation on @ch? An open
 * exported file (anyone may import it), a handle of another instance, or
 * a kernel closer we do not count: a shared context's done channel can be
 * cancelled from any instance holding the context or an ancestor of it,
 * and a timer channel of another instance ticks on its own.
 */
static bool chan_peer_live(struct gsched_chan *ch, struct gsched_inst *inst)
{
	unsigned long key;

	lockdep_assert_held(&ch->lock);
	if (ch->kernel_owned)
		return ch->shared;
	if (ch->timer && ch->acct != inst)
		return true;
	key = chan_peer_key(ch);
	return key == PEERS_MANY || (key && key != (unsigned long)inst);
}

/* Instances whose last external waiter stopped counting: check again. */
struct peer_batch {
	u32 n;
	struct gsched_inst *inst[8];	/* kobject references */
};

/*
 * Bring every queued waiter's ext in line with the channel's holders.
 * Return: false when @b filled up first: flush it and call again (each
 * call re-evaluates from the current holders, so a round that was cut
 * short and a change meanwhile are both taken care of).
 */
static bool chan_peers_reeval(struct gsched_chan *ch, struct peer_batch *b)
{
	struct list_head *qs[] = { &ch->sendq, &ch->recvq };
	struct gsched_waiter *wt;
	struct gsched_inst *inst;
	bool live;
	u32 q;

	lockdep_assert_held(&ch->lock);
	for (q = 0; q < ARRAY_SIZE(qs); q++) {
		list_for_each_entry(wt, qs[q], node) {
			/* a queued waiter's wait and instance outlive our lock */
			inst = wt->wait->task->inst;
			live = chan_peer_live(ch, inst);
			if (live == wt->ext)
				continue;
			if (live) {
				wt->ext = true;
				if (atomic_inc_return(&wt->wait->next) == 1)
					atomic_inc(&inst->nr_ext_waiters);
				continue;
			}
			if (b->n == ARRAY_SIZE(b->inst))
				return false;
			wt->ext = false;
			if (atomic_dec_and_test(&wt->wait->next) &&
			    atomic_dec_and_test(&inst->nr_ext_waiters)) {
				kobject_get(&inst->kobj);
				b->inst[b->n++] = inst;
			}
		}
	}
	return true;
}

static void peer_batch_flush(struct peer_batch *b)
{
	struct gsched_inst *inst;

	while (b->n) {
		inst = b->inst[--b->n];
		gsched_recheck_dead(inst);
		kobject_put(&inst->kobj);
	}
}

/*
 * The holders of @ch changed under its lock; @key is chan_peer_key()
 * from before. Update the waiters, unlock, and run the deadlock check of
 * every instance left with nothing outside that could wake it.
 */
static void chan_peers_changed_unlock(struct gsched_chan *ch,
				      unsigned long key)
	__releases(&ch->lock)
{
	struct peer_batch b = { .n = 0 };
	bool done;

	lockdep_assert_held(&ch->lock);
	if (chan_peer_key(ch) == key) {
		spin_unlock(&ch->lock);
		return;
	}
	for (;;) {
		done = chan_peers_reeval(ch, &b);
		spin_unlock(&ch->lock);
		peer_batch_flush(&b);
		if (done)
			return;
		spin_lock(&ch->lock);
	}
}

/* @inst takes a handle to @ch. */
static int chan_holder_add(struct gsched_chan *ch, struct gsched_inst *inst)
{
	struct gsched_chan_holder *h, *fresh;
	unsigned long key;

	fresh = kmalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;
	spin_lock(&ch->lock);
	key = chan_peer_key(ch);
	list_for_each_entry(h, &ch->holders, node) {
		if (h->inst == inst) {
			h->nrefs++;
			goto out;
		}
	}
	fresh->inst = inst;
	fresh->nrefs = 1;
	list_add_tail(&fresh->node, &ch->holders);
	fresh = NULL;
out:
	chan_peers_changed_unlock(ch, key);
	kfree(fresh);
	return 0;
}

/* A handle of @inst to @ch is gone. */
static void chan_holder_del(struct gsched_chan *ch, struct gsched_inst *inst)
{
	struct gsched_chan_holder *h, *gone = NULL;
	unsigned long key;
	bool found = false;

	spin_lock(&ch->lock);
	key = chan_peer_key(ch);
	list_for_each_entry(h, &ch->holders, node) {
		if (h->inst != inst)
			continue;
		found = true;
		if (!--h->nrefs) {
			list_del(&h->node);
			gone = h;
		}
		break;
	}
	WARN_ON_ONCE(!found);
	chan_peers_changed_unlock(ch, key);
	kfree(gone);
}

/* An exported file of @ch was made (@add) or released. */
static void chan_file_count(struct gsched_chan *ch, bool add)
{
	unsigned long key;

	spin_lock(&ch->lock);
	key = chan_peer_key(ch);
	if (add) {
		ch->nfiles++;
		ch->shared = true;
	} else {
		ch->nfiles--;
	}
	chan_peers_changed_unlock(ch, key);
}

static long chan_close(struct gsched_worker *w, struct gsched_inst *self,
		       struct gsched_chan *ch);

static void chan_ref_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct gsched_chan_ref, obj.rcu));
}

/**
 * gsched_chan_ref_put() - drop a reference to a handle's channel view
 * @ref: the view
 *
 * The last put of a handle exported with GSCHED_EXPORT_CLOSE_ON_EXIT
 * closes the channel, before its instance stops counting as a holder:
 * the other side sees the close, never a moment with nobody to wake it.
 *
 * Context: process context, no gsched lock held.
 */
void gsched_chan_ref_put(struct gsched_chan_ref *ref)
{
	if (refcount_dec_and_test(&ref->obj.ref)) {
		/* closing twice is harmless: -EINVAL, ignored */
		if (READ_ONCE(ref->close_on_exit))
			chan_close(NULL, ref->inst, ref->ch);
		chan_holder_del(ref->ch, ref->inst);
		gsched_chan_put(ref->ch);
		call_rcu(&ref->obj.rcu, chan_ref_free_rcu);
	}
}

/**
 * gsched_chan_ref_add() - give @ch a handle in @inst
 * @inst: the instance
 * @ch: the channel; the new handle takes over the caller's reference
 *
 * The view is published last, and only its number comes back: from then
 * on another thread of the process may release the handle (handles are
 * small numbers, easily guessed) and free the view, so neither it nor @ch
 * may be touched through the new reference.
 *
 * Context: process context.
 * Return: the new handle, or a negative errno (the reference is then
 * dropped).
 */
int gsched_chan_ref_add(struct gsched_inst *inst, struct gsched_chan *ch)
{
	struct gsched_chan_ref *ref;
	int ret;

	ref = kzalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT);
	if (!ref || chan_holder_add(ch, inst)) {
		gsched_chan_put(ch);
		kfree(ref);
		return -ENOMEM;
	}
	ref->obj.type = GSCHED_OBJ_CHAN;
	refcount_set(&ref->obj.ref, 1);
	ref->ch = ch;
	ref->inst = inst;
	/* a holder before it is published: a racing release may drop it */
	ret = gsched_handle_alloc(inst, &ref->obj);
	if (ret < 0) {
		chan_holder_del(ch, inst);
		gsched_chan_put(ch);
		kfree(ref);
	}
	return ret;
}

/**
 * gsched_chan_lookup() - find a channel view by handle, with a reference
 * @inst: the instance
 * @h: the handle (not 0)
 *
 * Context: any.
 * Return: the view, or ERR_PTR(-EBADF) for no such handle, ERR_PTR(-EINVAL)
 * for another object type.
 */
struct gsched_chan_ref *gsched_chan_lookup(struct gsched_inst *inst, u32 h)
{
	struct gsched_obj *obj = gsched_obj_get(inst, h, GSCHED_OBJ_CHAN);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct gsched_chan_ref, obj);
}

/**
 * gsched_chan_make() - GSCHED_IOC_CHAN_MAKE
 * @inst: the instance
 * @m: the request, flags and reserved fields checked
 *
 * Context: process context.
 * Return: 0 with @m->handle set, or a negative errno.
 */
long gsched_chan_make(struct gsched_inst *inst, struct gsched_chan_make *m)
{
	struct gsched_chan *ch;
	long err = 0;
	int h;

	ch = gsched_chan_alloc(inst, m->elem_size, m->cap, &err);
	if (!ch)
		return err;
	h = gsched_chan_ref_add(inst, ch);
	if (h < 0)
		return h;
	m->handle = h;
	return 0;
}

/* ---- the engine ------------------------------------------------------- */

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
 * Try to complete case @c of @wait now; the channel is locked. On success
 * the counterpart task to wake (if any) is returned in @wake, pinned for
 * @self (see wake_pin).
 */
static bool case_try(struct gsched_inst *self, struct gsched_waiter *c,
		     struct gsched_task **wake)
{
	struct gsched_chan *ch = c->ch;
	struct gsched_waiter *peer;
	u32 es = ch->elem_size;

	lockdep_assert_held(&ch->lock);
	if (c->send) {
		if (ch->closed) {
			c->wait->result = -EPIPE;
			return true;
		}
		peer = gsched_dequeue_claim(&ch->recvq, &ch->lock);
		if (peer) {
			memcpy(peer->kbuf, c->kbuf, es);
			peer->ok = true;
			peer->wait->fired = peer->idx;
			peer->wait->result = 0;
			*wake = gsched_wake_pin(self, peer->wait->task);
			return true;
		}
		if (ch->qcount < ch->cap) {
			memcpy(chan_slot(ch, ch->sendx), c->kbuf, es);
			ch->sendx = (ch->sendx + 1) % ch->cap;
			ch->qcount++;
			return true;
		}
		return false;
	}

	peer = gsched_dequeue_claim(&ch->sendq, &ch->lock);
	if (peer) {
		if (!ch->cap) {
			memcpy(c->kbuf, peer->kbuf, es);
		} else {
			/*
			 * Full buffer: take the head; the sender's value
			 * goes to the tail, which is the same slot.
			 */
			memcpy(c->kbuf, chan_slot(ch, ch->recvx), es);
			memcpy(chan_slot(ch, ch->recvx), peer->kbuf, es);
			ch->recvx = (ch->recvx + 1) % ch->cap;
			ch->sendx = ch->recvx;
		}
		c->ok = true;
		peer->wait->fired = peer->idx;
		peer->wait->result = 0;
		*wake = gsched_wake_pin(self, peer->wait->task);
		return true;
	}
	if (ch->qcount) {
		memcpy(c->kbuf, chan_slot(ch, ch->recvx), es);
		memset(chan_slot(ch, ch->recvx), 0, es);
		ch->recvx = (ch->recvx + 1) % ch->cap;
		ch->qcount--;
		c->ok = true;
		return true;
	}
	if (ch->closed) {
		memset(c->kbuf, 0, es);
		c->ok = false;
		return true;
	}
	return false;
}

/*
 * The distinct object locks of a wait: every sync object's (by address),
 * then every channel's (by address). One fixed order between the two lock
 * classes keeps lockdep's view consistent. Address order alone prevents
 * deadlock, also between instances that share channels; the instance's
 * sel_mutex, held around more than one lock, is the nest lock lockdep
 * needs to accept several locks of one class.
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

/*
 * Build a wait from the cases: look up every channel, copy every value to
 * send. Nil cases keep ch == NULL. An fd case takes its file and enters
 * the instance's fd registry here, before anything happens (poll.c).
 */
static struct gsched_wait *wait_build(struct gsched_inst *inst,
				      const struct gsched_select_case *cases,
				      u32 n, long *err)
{
	struct gsched_chan_ref *ref;
	struct gsched_wait *wait;
	size_t size = struct_size(wait, w, n), off;
	u8 *data;
	u32 i;

	u32 nconds = 0;

	for (i = 0; i < n; i++) {
		if (cases[i].dir < GSCHED_SEL_SEND ||
		    cases[i].dir > GSCHED_SEL_MAX ||
		    (cases[i].buf && gsched_sync_case_kind(cases[i].dir) &&
		     cases[i].dir != GSCHED_SEL_CONDWAIT) ||
		    (cases[i].buf && is_fd_case(cases[i].dir))) {
			*err = -EINVAL;
			return NULL;
		}
		/* one cond wait per select: it owns the mutex unlock */
		if (cases[i].dir == GSCHED_SEL_CONDWAIT && ++nconds > 1) {
			*err = -EINVAL;
			return NULL;
		}
	}
	BUILD_BUG_ON(GSCHED_SELECT_MAX > U16_MAX);
	/* look up first: the element sizes size the allocation */
	wait = kvzalloc(size, GFP_KERNEL_ACCOUNT);
	if (!wait) {
		*err = -ENOMEM;
		return NULL;
	}
	wait->n = n;
	wait->fired = -1;
	for (i = 0; i < n; i++) {
		u32 skind = gsched_sync_case_kind(cases[i].dir);

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
				*err = PTR_ERR(mu);
				goto err_free;
			}
			wait->w[i].mu = mu;
		}
		if (is_fd_case(cases[i].dir)) {
			/* the handle is an fd: 0 is stdin, not nil */
			wait->w[i].fdw = gsched_fdw_get(inst, cases[i].handle,
							cases[i].dir, err);
			if (!wait->w[i].fdw)
				goto err_free;
			wait->nfd++;
			continue;
		}
		if (!cases[i].handle)
			continue;
		if (skind) {
			struct gsched_sync *s;

			s = gsched_sync_lookup(inst, cases[i].handle, skind);
			if (IS_ERR(s)) {
				*err = PTR_ERR(s);
				goto err_free;
			}
			wait->w[i].sync = s;
			continue;
		}
		ref = gsched_chan_lookup(inst, cases[i].handle);
		if (IS_ERR(ref)) {
			*err = PTR_ERR(ref);
			goto err_free;
		}
		/* only the module sends on and closes its own channels */
		if (wait->w[i].send && ref->ch->kernel_owned) {
			gsched_chan_ref_put(ref);
			*err = -EPERM;
			goto err_free;
		}
		wait->w[i].ch = ref->ch;
		refcount_inc(&ref->ch->ref);
		gsched_chan_ref_put(ref);
		size += wait->w[i].ch->elem_size;
	}
	size += n * sizeof(u16);	/* the poll order, at the end */
	if (size > struct_size(wait, w, n)) {
		struct gsched_wait *big = kvzalloc(size, GFP_KERNEL_ACCOUNT);

		if (!big) {
			*err = -ENOMEM;
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
			*err = -EFAULT;
			goto err_free;
		}
	}
	wait->order = (u16 *)(data + off);
	return wait;

err_free:
	wait_free(wait);
	return NULL;
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
	gsched_tmr_arm(&t->tmr, timeout_ns, 0);
}

/*
 * The engine. @t is the calling task (NULL for a non-blocking call from
 * outside a task); @block allows parking; @timeout_ns arms the task's
 * timer. Returns 0 with *@cont = t when the wait completed now (its result
 * in t->result or *@res), 0 with *@cont = NULL when the task parked, or a
 * negative errno with nothing changed.
 */
static long chan_wait(struct gsched_worker *w, struct gsched_task *t,
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

	lockset_lock(&ls, t ? t->inst : w->inst);
	/*
	 * pass 1: visit the cases in a uniformly random order (Go's
	 * pollorder, a Fisher-Yates shuffle) and complete the first ready
	 * one: each ready case is chosen with equal probability.
	 */
	if (nlive) {
		for (k = 0; k < wait->n; k++) {
			j = gsched_worker_rand(w) % (k + 1);
			wait->order[k] = wait->order[j];
			wait->order[j] = k;
		}
		for (k = 0; k < wait->n; k++) {
			struct gsched_waiter *c;

			i = wait->order[k];
			c = &wait->w[i];

			if (c->sync ? gsched_sync_try(c) :
			    c->fdw ? gsched_fd_case_try(c) :
			    c->ch && case_try(w->inst, c, &wake)) {
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
			c->ext = chan_peer_live(c->ch, t->inst);
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
		for (i = 0; i < wait->n; i++) {
			struct gsched_waiter *c = &wait->w[i];

			if (c->sync)
				gsched_sync_enqueue(c, wait->lifo &&
						    c->kind == GSCHED_SEL_LOCK);
			else if (c->ch)
				list_add_tail(&c->node, c->send ?
					      &c->ch->sendq : &c->ch->recvq);
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

	gsched_tmr_cancel(&t->tmr);
	for (i = 0; i < wait->n; i++) {
		struct gsched_waiter *c = &wait->w[i];

		if (c->sync) {
			gsched_sync_unqueue(c);
		} else if (c->fdw) {
			gsched_fd_case_unqueue(c);
		} else if (c->ch) {
			spin_lock(&c->ch->lock);
			list_del_init(&c->node);
			spin_unlock(&c->ch->lock);
		}
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
	if (chan_wait(w, t, wait, true, timeout, wait->reason, &res, &cont))
		return false;	/* only -ENOMEM, with the wait freed */
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

	if (wait->fired >= 0)
		fired = &wait->w[wait->fired];
	if (fired && fired->kind == GSCHED_SEL_LOCK &&
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

/**
 * gsched_chan_send_now() - send without blocking, from the kernel
 * @self: the instance sending (a timer's)
 * @ch: the channel
 * @val: elem_size bytes
 *
 * Used by timer channels: a value that finds no receiver and no room is
 * dropped. Context: process context.
 * Return: true when the value was delivered or buffered.
 */
bool gsched_chan_send_now(struct gsched_inst *self, struct gsched_chan *ch,
			  const void *val)
{
	struct gsched_task *wake = NULL;
	struct gsched_waiter c = { .send = true, .ch = ch, .kbuf = (void *)val };
	struct gsched_wait tmp = { .fired = -1 };
	bool ok;

	c.wait = &tmp;
	spin_lock(&ch->lock);
	ok = !ch->closed && case_try(self, &c, &wake);
	spin_unlock(&ch->lock);
	gsched_wake_unpin(NULL, self, wake);
	return ok;
}

/* Close: every receiver gets (zero, false), every sender -EPIPE. */
static long chan_close(struct gsched_worker *w, struct gsched_inst *self,
		       struct gsched_chan *ch)
{
	struct gsched_waiter *wt, *tmp;
	LIST_HEAD(woken);

	spin_lock(&ch->lock);
	if (ch->closed) {
		spin_unlock(&ch->lock);
		return -EINVAL;
	}
	ch->closed = true;
	trace_gsched_chan_op(self ? self->id : 0,
			     w && w->curr ? w->curr->obj.handle : 0,
			     ch->id, 3, ch->elem_size, 0);
	while ((wt = gsched_dequeue_claim(&ch->recvq, &ch->lock))) {
		memset(wt->kbuf, 0, ch->elem_size);
		wt->ok = false;
		wt->wait->fired = wt->idx;
		wt->wait->result = 0;
		gsched_wake_pin(self, wt->wait->task);
		list_add_tail(&wt->node, &woken);
	}
	while ((wt = gsched_dequeue_claim(&ch->sendq, &ch->lock))) {
		wt->wait->fired = wt->idx;
		wt->wait->result = -EPIPE;
		gsched_wake_pin(self, wt->wait->task);
		list_add_tail(&wt->node, &woken);
	}
	spin_unlock(&ch->lock);
	/* each waiter is freed by its task once woken: read next first */
	list_for_each_entry_safe(wt, tmp, &woken, node) {
		struct gsched_task *t = wt->wait->task;

		list_del_init(&wt->node);
		gsched_wake_unpin(w, self, t);
	}
	return 0;
}

/**
 * gsched_chan_close_kernel() - close a channel the module owns (a
 * context's done channel); closing it twice is harmless
 * @self: the instance closing it
 * @ch: the channel
 *
 * Context: process context.
 */
void gsched_chan_close_kernel(struct gsched_inst *self, struct gsched_chan *ch)
{
	chan_close(NULL, self, ch);
}

/**
 * gsched_chan_mark_shared() - other processes may now use @ch
 * @ch: the channel (ctx.c: a context's done channel, once the context or
 *	an ancestor is exported)
 *
 * Tasks already waiting on it stop counting towards their instance's
 * deadlock check from now on, like those that block later.
 *
 * Context: process context.
 */
void gsched_chan_mark_shared(struct gsched_chan *ch)
{
	unsigned long key;

	spin_lock(&ch->lock);
	key = chan_peer_key(ch);
	ch->shared = true;
	chan_peers_changed_unlock(ch, key);
}

/* ---- sharing between instances ------------------------------------- */

/* The last fd of an exported file is closed (or the file left flight). */
static int gsched_chanfd_release(struct inode *inode, struct file *file)
{
	struct gsched_chan *ch = file->private_data;

	chan_file_count(ch, false);
	gsched_chan_put(ch);
	return 0;
}

static const struct file_operations gsched_chanfd_fops = {
	.owner		= THIS_MODULE,
	.release	= gsched_chanfd_release,
	.llseek		= noop_llseek,
};

/*
 * A new file naming the channel of handle @ref; @flags: GSCHED_EXPORT_*.
 * The file is counted as a holder from its creation to its release, so
 * it is made first and installed last (a file that never existed is
 * never released).
 */
static long chan_export(struct gsched_chan_ref *ref, u64 flags, s32 *fdp)
{
	struct gsched_chan *ch = ref->ch;
	struct file *file;
	int fd;

	if (flags & ~GSCHED_EXPORT_FLAGS)
		return -EINVAL;
	/* only the module closes the channels it owns */
	if ((flags & GSCHED_EXPORT_CLOSE_ON_EXIT) && ch->kernel_owned)
		return -EPERM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	refcount_inc(&ch->ref);
	file = anon_inode_getfile("[gsched-chan]", &gsched_chanfd_fops, ch,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		gsched_chan_put(ch);
		return PTR_ERR(file);
	}
	chan_file_count(ch, true);
	/*
	 * On the handle, not the channel: whoever drops this handle last
	 * (a release, or the instance's teardown) closes the channel.
	 * Read after the final refcount_dec_and_test(), which orders it.
	 */
	if (flags & GSCHED_EXPORT_CLOSE_ON_EXIT)
		WRITE_ONCE(ref->close_on_exit, true);
	fd_install(fd, file);
	*fdp = fd;
	return 0;
}

static long chan_import(struct gsched_inst *inst, struct gsched_chan_op *op)
{
	struct gsched_chan *ch;
	struct fd f;
	int h;

	if (op->buf > INT_MAX)
		return -EBADF;
	f = fdget((int)op->buf);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &gsched_chanfd_fops) {
		fdput(f);
		return -EINVAL;
	}
	ch = fd_file(f)->private_data;
	refcount_inc(&ch->ref);
	fdput(f);
	h = gsched_chan_ref_add(inst, ch);
	if (h < 0)
		return h;
	op->handle = h;
	return 0;
}

/* One case for the non-blocking ioctl and the blocking SWITCH ops. */
static long chan_single(struct gsched_worker *w, struct gsched_task *t,
			u32 handle, bool send, u64 ubuf, bool block,
			s64 *res, struct gsched_task **cont)
{
	struct gsched_select_case c = {
		.handle = handle,
		.dir = send ? GSCHED_SEL_SEND : GSCHED_SEL_RECV,
		.buf = ubuf,
	};
	struct gsched_inst *inst = t ? t->inst : NULL;
	struct gsched_wait *wait;
	long err = 0;

	if (!inst)
		inst = w->inst;
	wait = wait_build(inst, &c, 1, &err);
	if (!wait)
		return err;
	wait->plain_recv = !send;
	return chan_wait(w, t, wait, block, 0, send ? GSCHED_WAIT_CHAN_SEND :
			 GSCHED_WAIT_CHAN_RECV, res, cont);
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
	};

	if (n == 2 && c[1].dir == GSCHED_SEL_RECV && c[0].handle &&
	    gsched_sync_case_kind(c[0].dir))
		return reason[c[0].dir];
	if (n == 1 && c[0].handle && gsched_sync_case_kind(c[0].dir))
		return reason[c[0].dir];
	return GSCHED_WAIT_SELECT;
}

/**
 * gsched_chan_do_op() - the blocking SWITCH ops: send, receive, select
 * @w: the calling worker, with a current task
 * @sw: the request
 * @cont: as for gsched_task_do_op()
 *
 * Context: the worker's thread.
 * Return: 0 when applied; a negative errno when refused (nothing changed).
 */
long gsched_chan_do_op(struct gsched_worker *w, struct gsched_switch *sw,
		       struct gsched_task **cont)
{
	struct gsched_task *t = w->curr;
	struct gsched_select_case stackc[4], *cases = stackc;
	struct gsched_sync *cond_mu = NULL;
	struct gsched_select sel;
	struct gsched_wait *wait;
	long err = 0, ret;
	s64 res = 0;
	u32 i;

	switch (sw->op) {
	case GSCHED_OP_SLEEP:
		if (sw->arg32)
			return -EINVAL;
		if (!sw->arg64) {
			t->result = 0;
			*cont = t;
			return 0;
		}
		wait = kvzalloc(sizeof(*wait), GFP_KERNEL_ACCOUNT);
		if (!wait)
			return -ENOMEM;
		wait->fired = -1;
		ret = chan_wait(w, t, wait, true, sw->arg64, GSCHED_WAIT_SLEEP,
				&res, cont);
		if (!ret && *cont)
			t->result = res;
		return ret;
	case GSCHED_OP_SEND:
	case GSCHED_OP_RECV:
		ret = chan_single(w, t, sw->arg32, sw->op == GSCHED_OP_SEND,
				  sw->arg64, true, &res, cont);
		if (!ret && *cont)
			t->result = res;
		return ret;
	case GSCHED_OP_SELECT:
		break;
	default:
		return -EINVAL;
	}

	if (sw->arg32)
		return -EINVAL;
	if (copy_from_user(&sel, u64_to_user_ptr((u64)sw->arg64), sizeof(sel)))
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
	wait = wait_build(w->inst, cases, sel.ncases, &err);
	if (!wait)
		goto out;
	wait->usel = sw->arg64;
	for (i = 0; i < wait->n; i++) {
		if (wait->w[i].mu) {
			cond_mu = wait->w[i].mu;
			refcount_inc(&cond_mu->obj.ref);
		}
	}
	if (cond_mu && !READ_ONCE(cond_mu->locked)) {
		/* Go: fatal error; waiting would hand back a lock never held */
		gsched_sync_put(cond_mu);
		wait_free(wait);
		err = -EPERM;
		goto out;
	}
	err = chan_wait(w, t, wait, !(sel.flags & GSCHED_SELECT_DEFAULT),
			sel.timeout_ns, select_reason(cases, sel.ncases), &res,
			cont);
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
out:
	if (cases != stackc)
		kvfree(cases);
	return err;
}

/**
 * gsched_chan_ioc() - GSCHED_IOC_CHAN: the calls that never block
 * @inst: the instance
 * @op: the request, flags and reserved fields checked
 *
 * Context: process context.
 * Return: 0 or a negative errno (see struct gsched_chan_op).
 */
long gsched_chan_ioc(struct gsched_inst *inst, struct gsched_chan_op *op)
{
	struct gsched_worker *w = NULL;
	struct gsched_chan_ref *ref;
	struct gsched_task *cont;
	struct gsched_chan *ch;
	long err = 0;
	s64 res = 0;

	if (op->op < GSCHED_CHAN_TRYSEND || op->op > GSCHED_CHAN_OP_MAX)
		return -EINVAL;
	if (op->buf && op->op != GSCHED_CHAN_TRYSEND &&
	    op->op != GSCHED_CHAN_TRYRECV && op->op != GSCHED_CHAN_IMPORT &&
	    op->op != GSCHED_CHAN_TASK_EXIT && op->op != GSCHED_CHAN_EXPORT)
		return -EINVAL;
	if (op->op == GSCHED_CHAN_EXPORT && (op->buf & ~GSCHED_EXPORT_FLAGS))
		return -EINVAL;
	if (op->op == GSCHED_CHAN_IMPORT) {
		if (op->handle || op->worker != GSCHED_NO_WORKER)
			return -EINVAL;
		return chan_import(inst, op);
	}
	if (op->op == GSCHED_CHAN_TASK_EXIT) {
		if (op->handle || op->buf > U32_MAX)
			return op->handle ? -EINVAL : -EBADF;
		return gsched_task_exit_chan(inst, (u32)op->buf, &op->handle);
	}
	if (op->worker != GSCHED_NO_WORKER) {
		w = gsched_worker_get(inst, op->worker);
		if (IS_ERR(w))
			return PTR_ERR(w);
	}
	if (!op->handle) {
		/* the nil channel: never ready, cannot be closed */
		if (op->op == GSCHED_CHAN_TRYSEND || op->op == GSCHED_CHAN_TRYRECV)
			return -EAGAIN;
		return -EINVAL;
	}

	switch (op->op) {
	case GSCHED_CHAN_TRYSEND:
	case GSCHED_CHAN_TRYRECV: {
		struct gsched_worker tmp = { .inst = inst };

		err = chan_single(w ? w : &tmp, NULL, op->handle,
				  op->op == GSCHED_CHAN_TRYSEND, op->buf, false,
				  &res, &cont);
		if (err)
			return err;
		if (res < 0)
			return res;
		op->ok = op->op == GSCHED_CHAN_TRYRECV ? !!res : 0;
		return 0;
	}
	case GSCHED_CHAN_RELEASE: {
		bool removed;

		ref = gsched_chan_lookup(inst, op->handle);
		if (IS_ERR(ref))
			return PTR_ERR(ref);
		removed = gsched_handle_remove(inst, op->handle, &ref->obj);
		gsched_chan_ref_put(ref);
		if (!removed)
			return -EBADF;	/* lost a race with another release */
		gsched_chan_ref_put(ref);
		return 0;
	}
	}

	ref = gsched_chan_lookup(inst, op->handle);
	if (IS_ERR(ref))
		return PTR_ERR(ref);
	ch = ref->ch;
	if (op->op == GSCHED_CHAN_CLOSE) {
		err = ch->kernel_owned ? -EPERM : chan_close(w, inst, ch);
	} else if (op->op == GSCHED_CHAN_EXPORT) {
		err = chan_export(ref, op->buf, &op->fd);
	} else {
		spin_lock(&ch->lock);
		op->ok = ch->closed;
		op->len = ch->qcount;
		op->cap = ch->cap;
		op->elem_size = ch->elem_size;
		spin_unlock(&ch->lock);
	}
	gsched_chan_ref_put(ref);
	return err;
}
