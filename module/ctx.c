// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: contexts (Go's context package): cancellation and deadline trees.
 *
 * A context is a kernel object with a done channel (unbuffered, zero-size
 * elements) that is closed when the context is cancelled or its deadline
 * passes. Every blocking call gets a context variant by adding a receive
 * on that channel as one more select case, so cancellation reuses the
 * channel close path: every waiter wakes, and the select claim guarantees
 * a cancelled operation did not happen.
 *
 * Each tree, a context without a parent and all its descendants, is
 * protected by one mutex, the root's tree_lock: cancelling a parent walks
 * its subtree iteratively, closes every done channel and detaches the
 * cancelled children (Go's removeChild). A child holds a reference on its
 * parent; a parent only lists its live children. One lock per tree, not
 * one for the module: a program's cancels and makes wait only for those
 * of programs it shares the tree with (by exporting a context), and a
 * cancel of a large subtree, which the walk visits node by node, yields
 * the CPU between nodes. No code holds two tree locks. Values
 * (WithValue) never enter the kernel. Contexts can be exported like
 * channels so that a pipeline across processes cancels together.
 *
 * Deadlines. A context with a deadline has an hrtimer that queues its work
 * item on gsched_ctx_wq; the work cancels the context. The hrtimer callback
 * takes a context reference for the work (unless the last one is already
 * gone: then the free path is waiting in hrtimer_cancel()), and the work
 * drops it when done. So the free path never runs while the work is
 * pending or running, and never has to wait for it: the last reference may
 * well be dropped by the work itself, which then frees its own context.
 * Module unload drains gsched_ctx_wq (gsched_ctx_exit()), so no work item
 * runs module code once the module is gone.
 *
 * Every put may be the last one and take the tree's lock: gsched_ctx_put()
 * is for process context with that lock not held.
 */
#include "gsched.h"

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "trace.h"

#ifndef fd_file
#define fd_file(f) ((f).file)
#endif

static atomic64_t gsched_ctx_ids = ATOMIC64_INIT(0);
static struct workqueue_struct *gsched_ctx_wq;

static void ctx_ref_free_rcu(struct rcu_head *rcu)
{
	kfree(container_of(rcu, struct gsched_ctx_ref, obj.rcu));
}

/* The deadline no longer holds off its instance's deadlock check. */
static void ctx_disarm(struct gsched_ctx *ctx)
{
	if (atomic_xchg(&ctx->armed, 0) &&
	    atomic_dec_and_test(&ctx->tinst->nr_timers))
		gsched_recheck_dead(ctx->tinst);
}

/**
 * gsched_ctx_put() - drop a context reference
 * @ctx: the context
 *
 * The last put frees the context (and drops its parent reference, and so
 * on up the chain). It may be called from the context's own deadline work:
 * a pending or running work item holds a reference, so the free path only
 * has to stop the hrtimer, whose callback takes no reference once the
 * count has reached zero.
 *
 * Context: process context, the tree's lock not held (the last put takes
 * it and may sleep in hrtimer_cancel()).
 */
void gsched_ctx_put(struct gsched_ctx *ctx)
{
	struct gsched_ctx *parent;

	might_sleep();
	if (ctx)
		lockdep_assert_not_held(&ctx->root->tree_lock);
	while (ctx && refcount_dec_and_test(&ctx->ref)) {
		/* the root outlives @ctx: @ctx's parent reference holds it */
		mutex_lock(&ctx->root->tree_lock);
		list_del_init(&ctx->sibling);
		mutex_unlock(&ctx->root->tree_lock);
		if (ctx->tinst) {
			hrtimer_cancel(&ctx->hrt);
			ctx_disarm(ctx);
			kobject_put(&ctx->tinst->kobj);
		}
		gsched_chan_put(ctx->done);
		parent = ctx->parent;
		mutex_destroy(&ctx->tree_lock);
		kfree(ctx);
		ctx = parent;	/* iteratively: a deep chain of children */
	}
}

/* Cancel @ctx and its subtree with @err; close every done channel. */
static void ctx_cancel(struct gsched_inst *self, struct gsched_ctx *ctx,
		       int err)
{
	struct mutex *lock = &ctx->root->tree_lock;
	struct gsched_ctx *c, *child, *tmp;
	LIST_HEAD(disarm);
	LIST_HEAD(todo);

	mutex_lock(lock);
	if (ctx->err) {
		mutex_unlock(lock);
		return;		/* cancel is idempotent */
	}
	list_add(&ctx->todo, &todo);
	while (!list_empty(&todo)) {
		/*
		 * The subtree is as large as its owners' object limits:
		 * let others run between its nodes. The lock stays held,
		 * and a free path takes it before it unlinks a node, so
		 * nothing on @todo goes away meanwhile.
		 */
		cond_resched();
		c = list_first_entry(&todo, struct gsched_ctx, todo);
		list_del_init(&c->todo);
		if (c->err)
			continue;
		WRITE_ONCE(c->err, err);
		trace_gsched_ctx_cancel(self ? self->id : 0, c->id, err);
		/* a cancelled child leaves its parent (Go's removeChild) */
		list_del_init(&c->sibling);
		list_for_each_entry_safe(child, tmp, &c->children, sibling)
			list_add_tail(&child->todo, &todo);
		gsched_chan_close_kernel(self, c->done);
		/* the hrtimer only queues the work, which finds it done */
		/*
		 * Its deadline no longer counts; disarm after the lock (a
		 * re-check may report a deadlock). A context whose last
		 * reference is going waits for the lock in its free path,
		 * which disarms it itself: skip it.
		 */
		if (c->tinst) {
			hrtimer_try_to_cancel(&c->hrt);
			if (refcount_inc_not_zero(&c->ref))
				list_add_tail(&c->todo, &disarm);
		}
	}
	mutex_unlock(lock);
	list_for_each_entry_safe(c, child, &disarm, todo) {
		list_del_init(&c->todo);
		ctx_disarm(c);
		gsched_ctx_put(c);
	}
}

/*
 * The deadline passed. Runs on gsched_ctx_wq with the reference the hrtimer
 * callback took, and drops it: that may be the last one (user space
 * released the context meanwhile), which frees the context here.
 */
static void ctx_deadline_work(struct work_struct *work)
{
	struct gsched_ctx *ctx = container_of(work, struct gsched_ctx, work);

	ctx_cancel(NULL, ctx, -ETIMEDOUT);
	gsched_ctx_put(ctx);
}

/*
 * Context: hardirq (softirq on PREEMPT_RT). A count already at zero means
 * the free path is waiting in hrtimer_cancel(): nothing to do. Otherwise
 * the reference taken here goes to the work item.
 */
static enum hrtimer_restart ctx_hrt_fn(struct hrtimer *hrt)
{
	struct gsched_ctx *ctx = container_of(hrt, struct gsched_ctx, hrt);

	if (!refcount_inc_not_zero(&ctx->ref))
		return HRTIMER_NORESTART;
	/*
	 * Already pending: the pending work holds a reference of its own, so
	 * this one is not the last.
	 */
	if (!queue_work(gsched_ctx_wq, &ctx->work))
		refcount_dec(&ctx->ref);
	return HRTIMER_NORESTART;
}

/*
 * The last put of a handle exported with GSCHED_EXPORT_CLOSE_ON_EXIT
 * cancels the context, as the last put of such a channel handle closes
 * the channel: the importers see their exporter go. The flag is read
 * after the final refcount_dec_and_test(), which orders it.
 */
static void ctx_ref_put(struct gsched_ctx_ref *ref)
{
	if (refcount_dec_and_test(&ref->obj.ref)) {
		if (READ_ONCE(ref->cancel_on_exit))
			ctx_cancel(NULL, ref->ctx, -ECANCELED);
		gsched_ctx_put(ref->ctx);
		call_rcu(&ref->obj.rcu, ctx_ref_free_rcu);
	}
}

/**
 * gsched_ctx_ref_put_obj() - drop a context handle's object (teardown)
 * @obj: the handle's object
 *
 * Context: process context.
 */
void gsched_ctx_ref_put_obj(struct gsched_obj *obj)
{
	ctx_ref_put(container_of(obj, struct gsched_ctx_ref, obj));
}

/* A context handle's view with a reference, or an ERR_PTR. */
static struct gsched_ctx_ref *ctx_lookup(struct gsched_inst *inst, u32 h)
{
	struct gsched_obj *obj = gsched_obj_get(inst, h, GSCHED_OBJ_CTX);

	if (IS_ERR(obj))
		return ERR_CAST(obj);
	return container_of(obj, struct gsched_ctx_ref, obj);
}

/*
 * Name @ctx in @inst: a context handle and a handle of its done channel.
 * Takes over the caller's context reference.
 */
static long ctx_name(struct gsched_inst *inst, struct gsched_ctx *ctx,
		     struct gsched_ctx_op *op)
{
	struct gsched_chan *done = ctx->done;
	struct gsched_ctx_ref *ref;
	u32 id;
	int ret;

	ref = kzalloc(sizeof(*ref), GFP_KERNEL_ACCOUNT);
	if (!ref) {
		gsched_ctx_put(ctx);
		return -ENOMEM;
	}
	ref->obj.type = GSCHED_OBJ_CTX;
	refcount_set(&ref->obj.ref, 1);
	ref->ctx = ctx;
	/*
	 * Once published, the handle may be released by another thread at
	 * once, freeing @ctx: take what we need of it first, including the
	 * done channel's reference its handle will take over.
	 */
	op->deadline = ctx->deadline;
	refcount_inc(&done->ref);
	ret = gsched_handle_alloc(inst, &ref->obj);
	if (ret < 0) {
		gsched_chan_put(done);
		gsched_ctx_put(ctx);
		kfree(ref);
		return ret;
	}
	id = ret;
	ret = gsched_chan_ref_add(inst, done);
	if (ret < 0) {
		/* the ref is only compared: a racing release may have freed it */
		if (gsched_handle_remove(inst, id, &ref->obj))
			ctx_ref_put(ref);
		return ret;
	}
	op->handle = id;
	op->done = ret;
	return 0;
}

static long ctx_make(struct gsched_inst *inst, struct gsched_ctx_op *op)
{
	struct gsched_ctx_ref *pref = NULL;
	struct gsched_ctx *ctx, *parent = NULL;
	struct gsched_chan *done;
	u64 now = ktime_get_ns(), deadline = op->deadline_ns;
	long err = 0;
	int cancel = 0;

	if (op->arg)
		return -EINVAL;
	if (op->handle) {
		pref = ctx_lookup(inst, op->handle);
		if (IS_ERR(pref))
			return PTR_ERR(pref);
		parent = pref->ctx;
	}
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		goto err_nomem;
	done = gsched_chan_alloc(inst, 0, 0);
	if (IS_ERR(done)) {
		err = PTR_ERR(done);
		kfree(ctx);
		goto err_put;
	}
	ctx->done = done;
	ctx->done->kernel_owned = true;
	refcount_set(&ctx->ref, 1);
	ctx->id = atomic64_inc_return(&gsched_ctx_ids);
	ctx->root = parent ? parent->root : ctx;
	mutex_init(&ctx->tree_lock);
	INIT_LIST_HEAD(&ctx->children);
	INIT_LIST_HEAD(&ctx->sibling);
	INIT_LIST_HEAD(&ctx->todo);
	/* the effective deadline is the earlier of the parent's and ours */
	if (parent && parent->deadline &&
	    (!deadline || parent->deadline < deadline))
		deadline = parent->deadline;
	ctx->deadline = deadline;
	if (deadline && deadline > now) {
		ctx->tinst = inst;
		kobject_get(&inst->kobj);
		hrtimer_init(&ctx->hrt, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		ctx->hrt.function = ctx_hrt_fn;
		INIT_WORK(&ctx->work, ctx_deadline_work);
	}

	if (parent) {
		mutex_lock(&ctx->root->tree_lock);
		refcount_inc(&parent->ref);
		ctx->parent = parent;
		if (parent->err)
			cancel = parent->err;
		else
			list_add(&ctx->sibling, &parent->children);
		/* a child of a shared context is cancelled from afar too */
		if (READ_ONCE(parent->done->shared))
			gsched_chan_mark_shared(ctx->done);
		mutex_unlock(&ctx->root->tree_lock);
	}
	if (pref)
		ctx_ref_put(pref);

	if (!cancel && deadline && deadline <= now)
		cancel = -ETIMEDOUT;
	if (cancel) {
		ctx_cancel(inst, ctx, cancel);
	} else if (ctx->tinst) {
		atomic_set(&ctx->armed, 1);
		atomic_inc(&inst->nr_timers);
		/* a deadline past KTIME_MAX is never reached */
		hrtimer_start(&ctx->hrt, ns_to_ktime(min_t(u64, deadline,
							   KTIME_MAX)),
			      HRTIMER_MODE_ABS);
	}
	return ctx_name(inst, ctx, op);

err_nomem:
	err = -ENOMEM;
err_put:
	if (pref)
		ctx_ref_put(pref);
	return err;
}

/* ---- export/import ---------------------------------------------------- */

static int gsched_ctxfd_release(struct inode *inode, struct file *file)
{
	gsched_ctx_put(file->private_data);
	return 0;
}

static const struct file_operations gsched_ctxfd_fops = {
	.owner		= THIS_MODULE,
	.release	= gsched_ctxfd_release,
	.llseek		= noop_llseek,
};

/* Tasks of other processes may wait on the done channels of a subtree. */
static void ctx_mark_shared(struct gsched_ctx *ctx)
{
	struct gsched_ctx *c, *child;
	LIST_HEAD(todo);

	mutex_lock(&ctx->root->tree_lock);
	list_add(&ctx->todo, &todo);
	while (!list_empty(&todo)) {
		cond_resched();		/* as in ctx_cancel() */
		c = list_first_entry(&todo, struct gsched_ctx, todo);
		list_del_init(&c->todo);
		gsched_chan_mark_shared(c->done);
		list_for_each_entry(child, &c->children, sibling)
			list_add_tail(&child->todo, &todo);
	}
	mutex_unlock(&ctx->root->tree_lock);
}

static long ctx_export(struct gsched_ctx_ref *ref, struct gsched_ctx_op *op)
{
	struct gsched_ctx *ctx = ref->ctx;
	int fd;

	if (op->arg & ~GSCHED_EXPORT_FLAGS)
		return -EINVAL;
	ctx_mark_shared(ctx);
	refcount_inc(&ctx->ref);
	fd = anon_inode_getfd("[gsched-ctx]", &gsched_ctxfd_fops, ctx,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		gsched_ctx_put(ctx);
		return fd;
	}
	/* on the handle: whoever drops it last cancels the context */
	if (op->arg & GSCHED_EXPORT_CLOSE_ON_EXIT)
		WRITE_ONCE(ref->cancel_on_exit, true);
	op->fd = fd;
	return 0;
}

static long ctx_import(struct gsched_inst *inst, struct gsched_ctx_op *op)
{
	struct gsched_ctx *ctx;
	struct fd f;

	if (op->handle || op->deadline_ns || op->arg > INT_MAX)
		return op->arg > INT_MAX ? -EBADF : -EINVAL;
	f = fdget((int)op->arg);
	if (!fd_file(f))
		return -EBADF;
	if (fd_file(f)->f_op != &gsched_ctxfd_fops) {
		fdput(f);
		return -EINVAL;
	}
	ctx = fd_file(f)->private_data;
	refcount_inc(&ctx->ref);
	fdput(f);
	return ctx_name(inst, ctx, op);
}

/**
 * gsched_ctx_ioc() - GSCHED_IOC_CTX
 * @inst: the instance
 * @op: the request, flags and reserved fields checked
 *
 * Context: process context.
 * Return: 0 or a negative errno (see struct gsched_ctx_op).
 */
long gsched_ctx_ioc(struct gsched_inst *inst, struct gsched_ctx_op *op)
{
	struct gsched_ctx_ref *ref;
	long err = 0;

	switch (op->op) {
	case GSCHED_CTX_MAKE:
		return ctx_make(inst, op);
	case GSCHED_CTX_IMPORT:
		return ctx_import(inst, op);
	case GSCHED_CTX_CANCEL:
	case GSCHED_CTX_INFO:
	case GSCHED_CTX_RELEASE:
	case GSCHED_CTX_EXPORT:
		break;
	default:
		return -EINVAL;
	}
	/* EXPORT's flags are its own to check */
	if (op->deadline_ns || (op->arg && op->op != GSCHED_CTX_EXPORT))
		return -EINVAL;
	ref = ctx_lookup(inst, op->handle);
	if (IS_ERR(ref))
		return PTR_ERR(ref);
	switch (op->op) {
	case GSCHED_CTX_CANCEL:
		ctx_cancel(inst, ref->ctx, -ECANCELED);
		break;
	case GSCHED_CTX_INFO:
		op->err = READ_ONCE(ref->ctx->err);
		op->deadline = ref->ctx->deadline;
		break;
	case GSCHED_CTX_RELEASE:
		if (gsched_handle_remove(inst, op->handle, &ref->obj))
			ctx_ref_put(ref);	/* the handle's reference */
		else
			err = -EBADF;
		break;
	case GSCHED_CTX_EXPORT:
		err = ctx_export(ref, op);
		break;
	}
	ctx_ref_put(ref);
	return err;
}

/**
 * gsched_ctx_init() - create the workqueue of context deadlines
 *
 * Context: module init, before /dev/gsched is registered.
 * Return: 0 or -ENOMEM.
 */
int gsched_ctx_init(void)
{
	gsched_ctx_wq = alloc_workqueue("gsched_ctx", WQ_HIGHPRI, 0);
	return gsched_ctx_wq ? 0 : -ENOMEM;
}

/**
 * gsched_ctx_exit() - wait for the last deadline work and destroy the queue
 *
 * With /dev/gsched deregistered and every file closed, the only context
 * references left are those of pending or running deadline works, and
 * no hrtimer can queue a new one (a live context would need another
 * reference). Draining the queue lets those works free their contexts
 * before the module's code goes away.
 *
 * Context: module exit, after misc_deregister().
 */
void gsched_ctx_exit(void)
{
	destroy_workqueue(gsched_ctx_wq);
}
