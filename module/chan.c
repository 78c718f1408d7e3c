// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: channels (Go's chan.go): make, send, receive, close, and sharing
 * channels between processes.
 *
 * Send and receive are waits of one case, run by the wait engine
 * (wait.c), which also serves select; this file provides the channel's
 * side of a case: completing it now (gsched_chan_case_try()), queueing it
 * and taking it off again.
 *
 * Values always pass through kernel memory: a sender's value is copied in
 * by the sender's own worker, and a receiver's value is copied out by the
 * worker that resumes the receiver (gsched_wait_finish()). Each copy thus
 * runs in the right address space, which is what lets a channel be shared
 * between processes.
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
 */
#include "gsched.h"

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/mm.h>
#include <linux/slab.h>

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
 *
 * Context: process context.
 * Return: the channel with one reference; ERR_PTR(-EINVAL) for an element
 * size over GSCHED_CHAN_MAX_ELEM, ERR_PTR(-ENOMEM) beyond the instance's
 * budget or out of memory.
 */
struct gsched_chan *gsched_chan_alloc(struct gsched_inst *inst, u32 elem_size,
				      u32 cap)
{
	u64 bytes = (u64)elem_size * cap;
	struct gsched_chan *ch;

	if (elem_size > GSCHED_CHAN_MAX_ELEM)
		return ERR_PTR(-EINVAL);
	if (atomic_long_add_return(bytes, &inst->chan_bytes) >
	    READ_ONCE(gsched_max_chan_bytes)) {
		atomic_long_sub(bytes, &inst->chan_bytes);
		return ERR_PTR(-ENOMEM);
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
	return ERR_PTR(-ENOMEM);
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

/**
 * gsched_chan_peer_live() - can something other than @inst complete an
 * operation on @ch?
 * @ch: the channel, locked
 * @inst: the instance of the task asking
 *
 * An open exported file (anyone may import it), a handle of another
 * instance, or a kernel closer we do not count: a shared context's done
 * channel can be cancelled from any instance holding the context or an
 * ancestor of it, and a timer channel of another instance ticks on its
 * own. The answer stands until the holders change, under the lock.
 *
 * Context: @ch->lock held.
 * Return: true when another may complete it.
 */
bool gsched_chan_peer_live(struct gsched_chan *ch, struct gsched_inst *inst)
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
			live = gsched_chan_peer_live(ch, inst);
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
	int h;

	ch = gsched_chan_alloc(inst, m->elem_size, m->cap);
	if (IS_ERR(ch))
		return PTR_ERR(ch);
	h = gsched_chan_ref_add(inst, ch);
	if (h < 0)
		return h;
	m->handle = h;
	return 0;
}

/* ---- a channel's side of a wait's case -------------------------------- */

/**
 * gsched_chan_case_get() - the channel of a case, with a reference
 * @inst: the instance whose handle the case names
 * @h: the handle, not 0 (the nil channel)
 * @send: a send case
 *
 * Context: process context.
 * Return: the channel; ERR_PTR(-EBADF) or ERR_PTR(-EINVAL) for a bad
 * handle, ERR_PTR(-EPERM) for a send on a channel the module owns.
 */
struct gsched_chan *gsched_chan_case_get(struct gsched_inst *inst, u32 h,
					 bool send)
{
	struct gsched_chan_ref *ref = gsched_chan_lookup(inst, h);
	struct gsched_chan *ch;

	if (IS_ERR(ref))
		return ERR_CAST(ref);
	ch = ref->ch;
	/* only the module sends on and closes its own channels */
	if (send && ch->kernel_owned) {
		gsched_chan_ref_put(ref);
		return ERR_PTR(-EPERM);
	}
	refcount_inc(&ch->ref);
	gsched_chan_ref_put(ref);
	return ch;
}

/**
 * gsched_chan_case_try() - complete a channel case now if it can (pass 1)
 * @self: the instance of the task completing it
 * @c: the case; its channel is locked
 * @wake: set to the counterpart task to wake, if any, pinned for @self
 *	  (gsched_wake_pin())
 *
 * A send to a waiting receiver or a receive from a waiting sender claims
 * the counterpart's wait and completes it too.
 *
 * Context: @c->ch->lock held.
 * Return: true when the case completed (its result in @c and its wait).
 */
bool gsched_chan_case_try(struct gsched_inst *self, struct gsched_waiter *c,
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

/**
 * gsched_chan_case_enqueue() - queue a channel case's waiter (pass 2)
 * @c: the case; its channel is locked
 *
 * Context: @c->ch->lock held.
 */
void gsched_chan_case_enqueue(struct gsched_waiter *c)
{
	lockdep_assert_held(&c->ch->lock);
	list_add_tail(&c->node, c->send ? &c->ch->sendq : &c->ch->recvq);
}

/**
 * gsched_chan_case_unqueue() - take a channel case's waiter off its queue
 * @c: the case, queued or already dequeued by a waker
 *
 * Context: process context, no lock held.
 */
void gsched_chan_case_unqueue(struct gsched_waiter *c)
{
	spin_lock(&c->ch->lock);
	list_del_init(&c->node);
	spin_unlock(&c->ch->lock);
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
	ok = !ch->closed && gsched_chan_case_try(self, &c, &wake);
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

	if (!inst)
		inst = w->inst;
	wait = gsched_wait_build(inst, &c, 1);
	if (IS_ERR(wait))
		return PTR_ERR(wait);
	wait->plain_recv = !send;
	return gsched_wait_run(w, t, wait, block, 0,
			       send ? GSCHED_WAIT_CHAN_SEND :
			       GSCHED_WAIT_CHAN_RECV, res, cont);
}

/**
 * gsched_chan_do_op() - GSCHED_OP_SEND and GSCHED_OP_RECV
 * @w: the calling worker, with a current task
 * @sw: the request: channel handle in @sw->chan, user buffer in
 *	@sw->buf
 * @cont: as for gsched_task_do_op()
 *
 * Context: the worker's thread, no lock held.
 * Return: 0 when applied; a negative errno when refused (nothing changed).
 */
long gsched_chan_do_op(struct gsched_worker *w, struct gsched_switch *sw,
		       struct gsched_task **cont)
{
	struct gsched_task *t = w->curr;
	s64 res = 0;
	long ret;

	ret = chan_single(w, t, sw->chan, sw->op == GSCHED_OP_SEND,
			  sw->buf, true, &res, cont);
	if (!ret && *cont)
		t->result = res;
	return ret;
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
