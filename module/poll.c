// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: waiting for file descriptors (Go's netpoller, without a poller).
 *
 * An FDREAD/FDWRITE select case hooks the file's own poll wait queues, as
 * io_uring's poll does: vfs_poll() with a poll_table whose queue proc adds
 * one wait queue entry per queue the file uses (at most two: a pipe open
 * for reading and writing polls on rd_wait and wr_wait, a tty on its read
 * and write queues). A readiness wakeup claims the task's wait and queues
 * the task: no thread ever sits in epoll for the runtime.
 *
 * The engine's passes (wait.c) gain one step for fd cases:
 *
 *  0. before any lock, since ->poll may sleep (gsched_poll_prepare): poll
 *     each fd; when none is ready and the wait may block, register the
 *     entries, not yet armed;
 *  1. (object locks held) an fd case is ready when pass 0 saw it ready or
 *     a wakeup arrived since (gsched_fd_case_try);
 *  2. (object locks and the task lock held) arm the entries: from now on a
 *     wakeup claims the wait (gsched_poll_arm).
 *
 * The wake function runs with the wait queue's lock held, often in softirq
 * or hardirq context, so it takes none of our locks (they are not
 * irq-safe): it claims wait->done with the engine's cmpxchg, records the
 * case, and defers gsched_wake() to a work item. Until pass 2 arms the
 * entry it only notes the wakeup in @pending, and arming looks at
 * @pending: the store-buffer pattern,
 *
 *	wake function			pass 2 (gsched_poll_arm)
 *	pending |= READY		armed = true
 *	smp_mb()		(A)	smp_mb()		(B)
 *	if (armed) claim		if (pending) claim
 *
 * so at least one side claims and no wakeup is lost; the cmpxchg on
 * wait->done picks the single winner among them, the timer and the other
 * cases.
 *
 * (C) Pass 2 arms the entries, and the timer, with the task's lock held:
 * a waker that claims at once blocks in gsched_wake() on that lock until
 * the parking worker has stopped touching the wait, so the task cannot
 * resume elsewhere and free the wait under it.
 *
 * Removal (another case fired, teardown, failure) takes each entry off its
 * queue under the queue's lock, after which no wake function runs on it,
 * then waits for a queued work item. POLLFREE (a queue freed before its
 * file, e.g. signalfd's) detaches the entry inside the wake function and
 * clears its head with a release store as the very last step; removal
 * reads the head under RCU, because such queues are freed after a grace
 * period (eventpoll and io_uring rely on the same rule).
 *
 * Double wait: every fd case enters the instance's registry, keyed by
 * (file, direction), when its select is built, and leaves it when the
 * wait is freed; a second entry for a key fails the op with -EBUSY.
 * GSCHED_FD_CLOSE walks the registry under its lock: an armed waiter is
 * claimed with -EBADF, one not armed yet is marked CLOSED and pass 1 or
 * pass 2 completes it with -EBADF. A waiter is disarmed under the same
 * lock, so a close never claims a wait that is being run again.
 */
#include "gsched.h"

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

/* gsched_fdw.pending */
#define FDW_READY	1	/* a wakeup arrived since registration */
#define FDW_CLOSED	2	/* GSCHED_FD_CLOSE named its file */

/* One wait queue entry of an fd case. */
struct gsched_pollent {
	struct wait_queue_entry wqe;
	/*
	 * The queue while we are on it, NULL once off: written under the
	 * queue's lock (or by POLLFREE with a release store), read under RCU.
	 */
	struct wait_queue_head *head;
	struct wait_queue_head *qhead;	/* the queue as registered */
	struct gsched_fdw *fdw;		/* set once */
};

/*
 * The fd side of one FDREAD/FDWRITE select case (struct gsched_fdw).
 *
 * Lives from the wait's build (gsched_wait_build()) to its free. @wait,
 * @idx, @ready and @nent are set by the parking worker in pass 0, before
 * any entry is queued; the wake function reads @wait and @idx only once
 * armed. @armed is set in pass 2 and cleared under the registry lock.
 */
struct gsched_fdw {
	/* a reference; NULL once gsched_poll_mm_gone() dropped it */
	struct file *file;		/* fdreg.lock */
	struct gsched_inst *inst;	/* set once */
	struct hlist_node reg;		/* inst->fdreg; its lock */
	__poll_t events;		/* what counts as ready; set once */
	u32 dir;			/* GSCHED_SEL_FD*; set once */
	struct gsched_wait *wait;
	u32 idx;			/* case index */
	bool ready;			/* pass 0 saw it ready */
	bool armed;			/* a wakeup claims the wait */
	bool queued;			/* @work was queued */
	atomic_t pending;		/* FDW_* */
	u32 nent;
	int err;			/* queue proc failure */
	struct gsched_pollent ent[2];
	struct work_struct work;	/* gsched_wake() of a claimed wait */
	struct list_head close_node;	/* GSCHED_FD_CLOSE's wake list */
};

struct fdw_pt {
	poll_table pt;
	struct gsched_fdw *fdw;
};

static __poll_t fdw_events(u32 dir)
{
	/* what Go's netpoller counts as ready for each direction */
	if (dir == GSCHED_SEL_FDREAD)
		return EPOLLIN | EPOLLRDNORM | EPOLLRDHUP | EPOLLERR | EPOLLHUP;
	return EPOLLOUT | EPOLLWRNORM | EPOLLERR | EPOLLHUP;
}

static unsigned long fdreg_key(struct file *file, u32 dir)
{
	return (unsigned long)file ^ dir;
}

/**
 * gsched_poll_init() - set up an instance's fd wait registry
 * @inst: the new instance
 *
 * Context: process context.
 */
void gsched_poll_init(struct gsched_inst *inst)
{
	spin_lock_init(&inst->fdreg.lock);
	hash_init(inst->fdreg.tbl);
}

/**
 * gsched_poll_destroy() - check that a dying instance has no fd waits left
 * @inst: the instance, after every task's wait was abandoned
 *
 * Context: process context.
 */
void gsched_poll_destroy(struct gsched_inst *inst)
{
	WARN_ON_ONCE(!hash_empty(inst->fdreg.tbl));
}

/* The claim of a wait by its fd case; the caller made sure it is armed. */
static bool fdw_claim(struct gsched_fdw *f, s64 result)
{
	struct gsched_wait *wait = f->wait;

	if (atomic_cmpxchg(&wait->done, 0, 1) != 0)
		return false;
	wait->fired = f->idx;
	wait->result = result;
	return true;
}

static void fdw_work(struct work_struct *work)
{
	struct gsched_fdw *f = container_of(work, struct gsched_fdw, work);

	/* once woken, the task may free f: nothing of f after this */
	gsched_wake(NULL, f->wait->task);
}

/* A wakeup that matters. Context: the queue's lock held, any context. */
static void fdw_fire(struct gsched_fdw *f)
{
	atomic_or(FDW_READY, &f->pending);
	smp_mb__after_atomic();		/* (A), pairs with (B) */
	/* acquire: armed means @wait and @idx are set */
	if (!smp_load_acquire(&f->armed) || !fdw_claim(f, 0))
		return;
	WRITE_ONCE(f->queued, true);
	queue_work(system_highpri_wq, &f->work);
}

static int fdw_wake(struct wait_queue_entry *wqe, unsigned int mode,
		    int sync, void *key)
{
	struct gsched_pollent *e = container_of(wqe, struct gsched_pollent,
						 wqe);
	__poll_t mask = key_to_poll(key);

	/* the wait queue's own rule (__wake_up_common()), relied on below */
	lockdep_assert_held(&e->qhead->lock);
	if (unlikely(mask & POLLFREE)) {
		/* the queue goes away before the file: a hangup, then off */
		fdw_fire(e->fdw);
		list_del_init(&wqe->entry);
		/* last: once head is NULL the wait may be freed */
		smp_store_release(&e->head, NULL);
		return 1;
	}
	/* a wakeup without a key may be anything: count it as ready */
	if (mask && !(mask & e->fdw->events))
		return 0;
	fdw_fire(e->fdw);
	return 1;
}

static void fdw_qproc(struct file *file, struct wait_queue_head *head,
		      poll_table *pt)
{
	struct gsched_fdw *f = container_of(pt, struct fdw_pt, pt)->fdw;
	struct gsched_pollent *e;
	u32 i;

	for (i = 0; i < f->nent; i++)
		if (f->ent[i].qhead == head)
			return;
	if (f->nent == ARRAY_SIZE(f->ent)) {
		/* more queues than io_uring's double poll: not supported */
		f->err = -EPERM;
		return;
	}
	e = &f->ent[f->nent++];
	e->fdw = f;
	e->qhead = head;
	e->head = head;
	init_waitqueue_func_entry(&e->wqe, fdw_wake);
	add_wait_queue(head, &e->wqe);
}

/* Take every entry of @f off its queue; no wake function runs after. */
static void fdw_detach(struct gsched_fdw *f)
{
	struct wait_queue_head *head;
	unsigned long flags;
	u32 i;

	/* POLLFREE queues are RCU-freed: see the top of the file */
	rcu_read_lock();
	for (i = 0; i < f->nent; i++) {
		/* pairs with POLLFREE's release in fdw_wake() */
		head = smp_load_acquire(&f->ent[i].head);
		if (!head)
			continue;
		spin_lock_irqsave(&head->lock, flags);
		list_del_init(&f->ent[i].wqe.entry);
		WRITE_ONCE(f->ent[i].head, NULL);
		spin_unlock_irqrestore(&head->lock, flags);
	}
	rcu_read_unlock();
	f->nent = 0;
}

/* Queue @f's entries on its file's wait queues (pass 0). */
static long fdw_register(struct gsched_fdw *f)
{
	struct fdw_pt p = { .fdw = f };
	__poll_t mask;

	init_poll_funcptr(&p.pt, fdw_qproc);
	p.pt._key = f->events;
	f->err = 0;
	mask = vfs_poll(f->file, &p.pt);
	if (f->err)
		return f->err;
	if (mask & f->events)
		f->ready = true;
	else if (!f->nent)
		return -EPERM;	/* nothing would ever wake us */
	return 0;
}

/**
 * gsched_fdw_get() - the fd side of a new FDREAD/FDWRITE case
 * @inst: the instance
 * @fd: the case's handle, a file descriptor of the calling process
 * @dir: GSCHED_SEL_FDREAD or GSCHED_SEL_FDWRITE
 *
 * Takes a file reference and enters the registry.
 *
 * Context: process context.
 * Return: the new waiter; ERR_PTR(-EBADF) for a bad fd, ERR_PTR(-EPERM)
 * for a file without poll support, ERR_PTR(-EBUSY) when another wait of
 * this instance is on the same file and direction, ERR_PTR(-ESRCH) when
 * the instance's process is gone, ERR_PTR(-ENOMEM).
 */
struct gsched_fdw *gsched_fdw_get(struct gsched_inst *inst, u32 fd, u32 dir)
{
	struct gsched_fdreg *r = &inst->fdreg;
	struct gsched_fdw *f, *x;
	struct file *file;
	unsigned long key;
	long err;

	if (fd > INT_MAX)
		return ERR_PTR(-EBADF);
	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (!file_can_poll(file)) {
		err = -EPERM;
		goto err_put;
	}
	f = kzalloc(sizeof(*f), GFP_KERNEL_ACCOUNT);
	if (!f) {
		err = -ENOMEM;
		goto err_put;
	}
	f->file = file;
	f->inst = inst;
	f->dir = dir;
	f->events = fdw_events(dir);
	INIT_WORK(&f->work, fdw_work);
	INIT_LIST_HEAD(&f->close_node);
	key = fdreg_key(file, dir);

	spin_lock(&r->lock);
	if (inst->mm_gone) {
		/* its process is gone: nothing may pin a file any more */
		spin_unlock(&r->lock);
		kfree(f);
		err = -ESRCH;
		goto err_put;
	}
	hash_for_each_possible(r->tbl, x, reg, key) {
		if (x->file == file && x->dir == dir) {
			spin_unlock(&r->lock);
			kfree(f);
			err = -EBUSY;
			goto err_put;
		}
	}
	hash_add(r->tbl, &f->reg, key);
	spin_unlock(&r->lock);
	return f;

err_put:
	fput(file);
	return ERR_PTR(err);
}

/**
 * gsched_fdw_put() - free an fd case: off its queues, out of the registry
 * @f: the case's waiter
 *
 * Context: process context, no lock held; may sleep.
 */
void gsched_fdw_put(struct gsched_fdw *f)
{
	struct gsched_fdreg *r = &f->inst->fdreg;

	fdw_detach(f);
	/* a claimed wait whose task never ran (teardown): its wake item */
	if (READ_ONCE(f->queued))
		cancel_work_sync(&f->work);
	spin_lock(&r->lock);
	hash_del(&f->reg);
	spin_unlock(&r->lock);
	/* NULL once gsched_poll_mm_gone() dropped it */
	if (f->file)
		fput(f->file);
	kfree(f);
}

/**
 * gsched_poll_mm_gone() - drop every file the instance's fd waits hold
 * @inst: the instance, its process's address space torn down
 *
 * Breaks the cycle of an instance whose own file is in flight in a socket
 * it waits on (instance.c, "The process behind an instance"). No task of
 * @inst runs again, so no pass of the engine uses these waiters any more;
 * each is taken off its queues and loses its file, and stays registered
 * until its wait is freed with the instance. gsched_fdw_get() admits no
 * new waiter once @inst->mm_gone is set.
 *
 * Context: process context; fput() under the registry lock only queues
 * the final release.
 */
void gsched_poll_mm_gone(struct gsched_inst *inst)
{
	struct gsched_fdreg *r = &inst->fdreg;
	struct gsched_fdw *f;
	unsigned int bkt;

	spin_lock(&r->lock);
	hash_for_each(r->tbl, bkt, f, reg) {
		if (!f->file)
			continue;
		fdw_detach(f);
		fput(f->file);
		f->file = NULL;
	}
	spin_unlock(&r->lock);
}

/**
 * gsched_poll_show() - the fd waits, for debugfs's state file
 * @m: the seq_file
 * @inst: the instance
 *
 * One line per fd wait: direction, the waited file's inode number and
 * reference count, or "dropped" once gsched_poll_mm_gone() let it go.
 *
 * Context: process context (a debugfs read).
 */
void gsched_poll_show(struct seq_file *m, struct gsched_inst *inst)
{
	struct gsched_fdreg *r = &inst->fdreg;
	struct gsched_fdw *f;
	unsigned int bkt;

	spin_lock(&r->lock);
	hash_for_each(r->tbl, bkt, f, reg) {
		if (!f->file) {
			seq_printf(m, "fd_wait %s dropped\n",
				   f->dir == GSCHED_SEL_FDREAD ? "read" : "write");
			continue;
		}
		seq_printf(m, "fd_wait %s ino %lu refs %ld\n",
			   f->dir == GSCHED_SEL_FDREAD ? "read" : "write",
			   file_inode(f->file)->i_ino, file_count(f->file));
	}
	spin_unlock(&r->lock);
}

/**
 * gsched_poll_prepare() - pass 0: poll every fd case, register if needed
 * @wait: a wait with fd cases, not yet visible to anyone
 * @block: the wait may park
 *
 * Context: process context, no lock held (->poll may sleep).
 * Return: 0, or -EPERM for a file whose poll uses more than two queues
 * (or none) with every entry removed again.
 */
long gsched_poll_prepare(struct gsched_wait *wait, bool block)
{
	bool any = false;
	long err;
	u32 i;

	might_sleep();
	for (i = 0; i < wait->n; i++) {
		struct gsched_fdw *f = wait->w[i].fdw;

		if (!f)
			continue;
		f->wait = wait;
		f->idx = i;
		f->ready = !!(vfs_poll(f->file, NULL) & f->events);
		any |= f->ready || atomic_read(&f->pending);
	}
	/* pass 1 completes a ready case: nothing to register */
	if (!block || any)
		return 0;
	for (i = 0; i < wait->n; i++) {
		if (!wait->w[i].fdw)
			continue;
		err = fdw_register(wait->w[i].fdw);
		if (err)
			goto err_detach;
	}
	return 0;

err_detach:
	for (i = 0; i < wait->n; i++)
		if (wait->w[i].fdw)
			fdw_detach(wait->w[i].fdw);
	return err;
}

/**
 * gsched_fd_case_try() - pass 1 for an fd case
 * @c: the case
 *
 * Context: the wait's object locks held, if it has any (pass 1); the
 * wait is not armed.
 * Return: true when the fd is ready (or closed: the wait's result is then
 * -EBADF).
 */
bool gsched_fd_case_try(struct gsched_waiter *c)
{
	struct gsched_fdw *f = c->fdw;
	int p = atomic_read(&f->pending);

	if (p & FDW_CLOSED) {
		c->wait->result = -EBADF;
		return true;
	}
	return f->ready || p;
}

/**
 * gsched_poll_arm() - pass 2: let wakeups claim the wait
 * @wait: the parked wait, with fd cases registered by pass 0
 *
 * Context: the engine's locks and the task's lock held (C).
 * Return: true when a wakeup came before arming and this call claimed the
 * wait for it: the caller must wake the task once it has unlocked.
 */
bool gsched_poll_arm(struct gsched_wait *wait)
{
	u32 i;
	int p;

	lockdep_assert_held(&wait->task->lock);
	for (i = 0; i < wait->n; i++) {
		if (!wait->w[i].fdw)
			continue;
		/* release: whoever sees armed sees @wait and @idx */
		smp_store_release(&wait->w[i].fdw->armed, true);
	}
	smp_mb();	/* (B), pairs with (A) */
	for (i = 0; i < wait->n; i++) {
		struct gsched_fdw *f = wait->w[i].fdw;

		if (!f)
			continue;
		p = atomic_read(&f->pending);
		if (p)
			return fdw_claim(f, p & FDW_CLOSED ? -EBADF : 0);
	}
	return false;
}

/**
 * gsched_fd_case_unqueue() - take an fd case off its queues and disarm it
 * @c: the case; its wait is complete or about to run again
 *
 * Context: process context, no lock held.
 */
void gsched_fd_case_unqueue(struct gsched_waiter *c)
{
	struct gsched_fdw *f = c->fdw;
	struct gsched_fdreg *r = &f->inst->fdreg;

	fdw_detach(f);
	if (READ_ONCE(f->armed)) {
		/* a close that saw it armed is done with it after this */
		spin_lock(&r->lock);
		WRITE_ONCE(f->armed, false);
		spin_unlock(&r->lock);
	}
	atomic_and(FDW_CLOSED, &f->pending);
	f->ready = false;
}

/* GSCHED_FD_CLOSE for one waiter; registry lock held. */
static bool fdw_close(struct gsched_fdw *f)
{
	lockdep_assert_held(&f->inst->fdreg.lock);
	atomic_or(FDW_CLOSED, &f->pending);
	smp_mb__after_atomic();		/* (A) for a close */
	return smp_load_acquire(&f->armed) && fdw_claim(f, -EBADF);
}

/**
 * gsched_fd_ioc() - GSCHED_IOC_FD
 * @inst: the instance
 * @op: the request; flags and reserved fields checked, @op->woken zeroed
 *
 * CLOSE claims the wait of every task of @inst waiting on @op->fd's file
 * (either direction, through any descriptor of that file) with -EBADF and
 * wakes it; a task that is just entering its wait gets -EBADF from it too,
 * without being counted.
 *
 * Context: process context.
 * Return: 0 with @op->woken set; -EINVAL for an unknown op; -EBADF.
 */
long gsched_fd_ioc(struct gsched_inst *inst, struct gsched_fd_op *op)
{
	struct gsched_fdreg *r = &inst->fdreg;
	struct gsched_fdw *f, *tmp;
	struct file *file;
	LIST_HEAD(woken);
	u32 dir;

	if (op->op != GSCHED_FD_CLOSE)
		return -EINVAL;
	if (op->fd < 0)
		return -EBADF;
	file = fget(op->fd);
	if (!file)
		return -EBADF;
	spin_lock(&r->lock);
	for (dir = GSCHED_SEL_FDREAD; dir <= GSCHED_SEL_FDWRITE; dir++) {
		hash_for_each_possible(r->tbl, f, reg, fdreg_key(file, dir)) {
			if (f->file == file && f->dir == dir && fdw_close(f))
				list_add_tail(&f->close_node, &woken);
		}
	}
	spin_unlock(&r->lock);
	/* claimed: nobody else wakes these tasks, so their waits stay */
	list_for_each_entry_safe(f, tmp, &woken, close_node) {
		struct gsched_task *t = f->wait->task;

		list_del_init(&f->close_node);
		gsched_wake(NULL, t);
		op->woken++;
	}
	fput(file);
	return 0;
}
