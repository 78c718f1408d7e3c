// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: runtime instances (one per open file), setup and workers.
 */
#include "gsched.h"

#include <linux/mmu_notifier.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#ifndef CONFIG_MMU_NOTIFIER
#error "gsched needs CONFIG_MMU_NOTIFIER to learn when a process goes away"
#endif

/*
 * The process behind an instance.
 *
 * An instance serves the process that set it up: its tasks run on that
 * process's threads, in that address space. The open file, though, can
 * outlive the process. A copy of the fd may be in flight in a Unix socket
 * (SCM_RIGHTS), held by a child, or inherited across execve, and the
 * instance itself holds files: every fd wait pins the file it waits on.
 * A program that sends its /dev/gsched fd into a socket and then waits on
 * that socket builds a cycle that no close breaks: the socket's queue
 * holds the instance's file, the instance's wait holds the socket. The
 * unix garbage collector only breaks cycles made of unix sockets, so the
 * instance must break its half itself.
 *
 * It does so when the address space it serves is torn down, on the
 * process's exit or on execve: SETUP registers an MMU notifier, whose
 * ->release runs then, once, with no thread of the process left in an
 * ioctl (each such thread holds a user of the mm). gsched_mm_release()
 * stops the runtime, stops the preemption signal for every worker (a
 * thread that called execve must not receive it in its new image), stops
 * every timer, and drops every file an fd wait holds. What remains of the
 * instance lives until the file's last reference goes, costs no CPU time,
 * and only answers with errors. That can take long: a file in flight in
 * a unix socket cycle waits for the unix garbage collector, which runs
 * at the next release of any unix socket on the system, and a ticker left
 * running meanwhile would keep a CPU busy in the timer work.
 *
 * Worker threads must belong to @mm: a thread of another process (or of
 * the image after an execve) cannot register.
 */
static void gsched_mm_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct gsched_inst *inst = container_of(mn, struct gsched_inst, mn);

	/* no new fd wait enters the registry (gsched_fdw_get()) */
	spin_lock(&inst->fdreg.lock);
	WRITE_ONCE(inst->mm_gone, true);
	spin_unlock(&inst->fdreg.lock);
	/* no task runs again; the status is never reported to anyone */
	spin_lock(&inst->sched_lock);
	gsched_stop(inst, -ESRCH);
	spin_unlock(&inst->sched_lock);
	gsched_workers_quiesce(inst);
	gsched_poll_mm_gone(inst);
	/* idempotent: gsched_inst_destroy() stops them again */
	gsched_timers_destroy(inst);
}

static const struct mmu_notifier_ops gsched_mm_ops = {
	.release = gsched_mm_release,
};

/**
 * gsched_inst_create() - allocate the instance behind a new open file
 *
 * Context: process context, may sleep.
 * Return: the instance, or an ERR_PTR.
 */
struct gsched_inst *gsched_inst_create(void)
{
	struct gsched_inst *inst;
	int ret;

	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst)
		return ERR_PTR(-ENOMEM);
	ret = gsched_user_open(inst);
	if (ret) {
		kfree(inst);
		return ERR_PTR(ret);
	}
	inst->pid = task_tgid_nr(current);
	mutex_init(&inst->setup_mutex);
	mutex_init(&inst->sel_mutex);
	xa_init_flags(&inst->handles, XA_FLAGS_ALLOC1);
	spin_lock_init(&inst->sched_lock);
	INIT_LIST_HEAD(&inst->global_queue);
	INIT_LIST_HEAD(&inst->global_queue_woken);
	INIT_LIST_HEAD(&inst->idle_ps);
	INIT_LIST_HEAD(&inst->idle_workers);
	inst->state = GSCHED_INST_NEW;
	gsched_timers_init(inst);
	gsched_poll_init(inst);
	gsched_words_init(inst);

	/* On success the kobject owns inst: it is freed by its release. */
	ret = gsched_sysfs_add_inst(inst);
	if (ret)
		return ERR_PTR(ret);	/* uncharged by the release */
	gsched_debugfs_add_inst(inst);
	return inst;
}

/**
 * gsched_inst_destroy() - tear down an instance when its file is released
 * @inst: the instance
 *
 * No ioctl can be running: the file's last reference is gone. Every task,
 * run queue and worker record is freed here.
 *
 * Context: process context, may sleep.
 */
void gsched_inst_destroy(struct gsched_inst *inst)
{
	u32 i;

	/*
	 * Wakers from other instances (shared channels) check this under
	 * sched_lock and stop queueing tasks here.
	 */
	spin_lock(&inst->sched_lock);
	inst->state = GSCHED_INST_DEAD;
	spin_unlock(&inst->sched_lock);
	/*
	 * Runs gsched_mm_release() now if the process is still alive, and
	 * waits for one running on another CPU (exit_mmap) to finish.
	 */
	if (inst->mm)
		mmu_notifier_unregister(&inst->mn, inst->mm);
	/* Drains sysfs and debugfs readers: nothing below races with them. */
	gsched_debugfs_del_inst(inst);
	gsched_sysfs_del_inst(inst);
	/*
	 * Timers first: their work runs on a shared workqueue and must be
	 * stopped before anything below waits for an RCU grace period.
	 */
	gsched_timers_destroy(inst);
	/* no hand-off or preemption callback runs after this */
	gsched_workers_release(inst);
	gsched_tasks_free_all(inst);
	gsched_words_destroy(inst);
	gsched_poll_destroy(inst);
	if (inst->ps) {
		for (i = 0; i < inst->nprocs; i++)
			kfree(inst->ps[i]);
		kfree(inst->ps);
	}
	if (inst->workers) {
		for (i = 0; i < inst->nworkers; i++)
			if (inst->workers[i].thread)
				put_task_struct(inst->workers[i].thread);
		kfree(inst->workers);
	}
	xa_destroy(&inst->handles);
	gsched_user_close(inst);
	kobject_put(&inst->kobj);
}

/**
 * gsched_setup() - size the instance: Ps, workers, limits
 * @inst: the instance
 * @s: the caller's request, validated for flags and reserved fields
 *
 * Context: process context, takes setup_mutex.
 * Return: 0, -EBUSY when already set up, -EINVAL, -ENOMEM.
 */
long gsched_setup(struct gsched_inst *inst, struct gsched_setup *s)
{
	struct gsched_worker *workers;
	struct gsched_p **ps;
	u32 i, max = READ_ONCE(gsched_max_tasks), nw, spares;
	long ret = 0;

	if (s->nprocs < 1 || s->nprocs > GSCHED_MAX_PROCS)
		return -EINVAL;
	/* a signal user space can catch; not a reserved or fatal one */
	if (s->preempt_signal && (s->preempt_signal > _NSIG ||
				  s->preempt_signal == SIGKILL ||
				  s->preempt_signal == SIGSTOP))
		return -EINVAL;
	spares = min(s->max_spares, READ_ONCE(gsched_max_spares));
	nw = s->nprocs + spares;

	mutex_lock(&inst->setup_mutex);
	if (inst->state != GSCHED_INST_NEW) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (!current->mm) {
		ret = -EINVAL;
		goto out_unlock;
	}
	ps = kcalloc(s->nprocs, sizeof(*ps), GFP_KERNEL_ACCOUNT);
	workers = kcalloc(nw, sizeof(*workers), GFP_KERNEL_ACCOUNT);
	if (!ps || !workers)
		goto err_free;
	for (i = 0; i < s->nprocs; i++) {
		ps[i] = kzalloc(sizeof(*ps[i]), GFP_KERNEL_ACCOUNT);
		if (!ps[i])
			goto err_free;
		ps[i]->id = i;
		ps[i]->rnd = get_random_u32() | 1;
		INIT_LIST_HEAD(&ps[i]->idle_node);
		workers[i].p = ps[i];
	}
	for (i = 0; i < nw; i++) {
		workers[i].inst = inst;
		workers[i].index = i;
		gsched_worker_init(&workers[i]);
	}

	inst->ps = ps;
	inst->workers = workers;
	inst->nworkers = nw;
	/* last: from here on ->release may run, and needs the workers */
	inst->mn.ops = &gsched_mm_ops;
	ret = mmu_notifier_register(&inst->mn, current->mm);
	/*
	 * Registering takes every lock of the address space and gives up
	 * with -EINTR when a signal is pending. Nothing is set up yet:
	 * restart the call once the signal is handled, as fork() does.
	 */
	if (ret == -EINTR)
		ret = -ERESTARTNOINTR;
	if (ret) {
		inst->ps = NULL;
		inst->workers = NULL;
		inst->nworkers = 0;
		goto err_free;
	}
	inst->mm = current->mm;
	inst->preempt_sig = s->preempt_signal;
	inst->max_tasks = s->max_tasks && s->max_tasks < max ? s->max_tasks : max;
	/*
	 * A P counts as busy until its worker registers and finds nothing
	 * to run: only then does it join the idle list. So wakep() never
	 * picks a P without a thread, and the deadlock check (all Ps idle)
	 * cannot fire before every worker has arrived.
	 */
	spin_lock(&inst->sched_lock);
	inst->nprocs = s->nprocs;
	/* publishes nprocs, ps and workers to lockless readers of state */
	smp_store_release(&inst->state, GSCHED_INST_READY);
	spin_unlock(&inst->sched_lock);

	s->instance_id = inst->id;
	s->max_tasks_out = inst->max_tasks;
	s->max_spares_out = spares;
	s->__pad = 0;
	goto out_unlock;

err_free:
	if (ps)
		for (i = 0; i < s->nprocs; i++)
			kfree(ps[i]);
	kfree(ps);
	kfree(workers);
	if (!ret)
		ret = -ENOMEM;
out_unlock:
	mutex_unlock(&inst->setup_mutex);
	return ret;
}

/**
 * gsched_worker_register() - make the calling thread worker @index
 * @inst: the instance
 * @index: below nprocs: a worker starting with P @index; from nprocs on:
 *	   a spare, starting without a P
 *
 * A worker's P is busy (not idle) until its first SWITCH call finds
 * nothing to run. The thread gets a preempt notifier (handoff.c).
 *
 * Context: process context, takes setup_mutex and sched_lock.
 * Return: 0, -ENXIO before setup, -EINVAL for a bad index, -EBUSY when the
 * index or the thread is already registered, -EPERM for a thread of
 * another address space than the one that set the instance up,
 * -ESHUTDOWN once stopped, -ENOMEM.
 */
long gsched_worker_register(struct gsched_inst *inst, u32 index)
{
	struct gsched_worker *w;
	long ret = 0;
	u32 i;

	mutex_lock(&inst->setup_mutex);
	if (inst->state == GSCHED_INST_NEW) {
		ret = -ENXIO;
		goto out;
	}
	if (index >= inst->nworkers) {
		ret = -EINVAL;
		goto out;
	}
	/* only the process the instance serves runs its tasks */
	if (current->mm != inst->mm) {
		ret = -EPERM;
		goto out;
	}
	for (i = 0; i < inst->nworkers; i++) {
		if (inst->workers[i].thread == current) {
			ret = -EBUSY;
			goto out;
		}
	}
	w = &inst->workers[index];
	if (w->thread) {
		ret = -EBUSY;
		goto out;
	}
	ret = gsched_worker_attach(w);
	if (ret)
		goto out;
	spin_lock(&inst->sched_lock);
	if (inst->state >= GSCHED_INST_STOPPED) {
		spin_unlock(&inst->sched_lock);
		gsched_worker_detach_self(w);
		ret = -ESHUTDOWN;
		goto out;
	}
	get_task_struct(current);
	w->thread = current;
	inst->nthreads++;
	if (index >= inst->nprocs)
		inst->nspares++;
	WRITE_ONCE(inst->state, GSCHED_INST_RUNNING);
	spin_unlock(&inst->sched_lock);
out:
	mutex_unlock(&inst->setup_mutex);
	return ret;
}

/**
 * gsched_worker_get() - the worker record of the calling thread
 * @inst: the instance
 * @index: the index the caller claims
 *
 * Context: any; lockless (thread is set once under sched_lock before the
 * thread itself can call in with that index).
 * Return: the worker, or ERR_PTR(-ENXIO/-EINVAL/-EPERM).
 */
struct gsched_worker *gsched_worker_get(struct gsched_inst *inst, u32 index)
{
	struct gsched_worker *w;

	/* pairs with SETUP's release: nprocs and workers are valid */
	if (smp_load_acquire(&inst->state) == GSCHED_INST_NEW)
		return ERR_PTR(-ENXIO);
	if (index >= inst->nworkers)
		return ERR_PTR(-EINVAL);
	w = &inst->workers[index];
	if (READ_ONCE(w->thread) != current)
		return ERR_PTR(-EPERM);
	return w;
}

/**
 * gsched_ioc_caller() - find an ioctl's calling worker and count the call
 * @inst: the instance
 * @index: the worker index from the ioctl's struct
 *
 * As gsched_worker_get(), and the call is counted as a syscall of the
 * worker's P, or of the instance when the worker holds no P (sysfs's
 * syscalls file sums both).
 *
 * Context: the worker's own thread, no lock held.
 * Return: the worker, or ERR_PTR(-ENXIO/-EINVAL/-EPERM).
 */
struct gsched_worker *gsched_ioc_caller(struct gsched_inst *inst, u32 index)
{
	struct gsched_worker *w = gsched_worker_get(inst, index);

	if (IS_ERR(w))
		return w;
	if (w->p)
		WRITE_ONCE(w->p->stat.syscalls, w->p->stat.syscalls + 1);
	else
		atomic64_inc(&inst->syscalls_nw);
	return w;
}

/**
 * gsched_handle_alloc() - publish @obj under a new handle of @inst
 * @inst: the instance
 * @obj: the object, its type and reference set, not yet visible
 *
 * Every handle is charged to the instance's user (user.c) until it is
 * removed with gsched_handle_remove() or gsched_handle_erase().
 *
 * Context: process context.
 * Return: the handle (also in @obj->handle); -ENOSPC beyond the user's
 * max_user_objects; -EAGAIN when the handle space is full; -ENOMEM.
 */
int gsched_handle_alloc(struct gsched_inst *inst, struct gsched_obj *obj)
{
	u32 id;
	int ret;

	ret = gsched_user_charge(inst);
	if (ret)
		return ret;
	ret = xa_alloc_cyclic(&inst->handles, &id, obj, XA_LIMIT(1, INT_MAX),
			      &inst->next_handle, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		gsched_user_uncharge(inst);
		return ret == -EBUSY ? -EAGAIN : ret;
	}
	obj->handle = id;
	atomic_inc(&inst->nr_handles[obj->type]);
	return id;
}

/**
 * gsched_handle_remove() - unpublish handle @h if it still names @obj
 * @inst: the instance
 * @h: the handle
 * @obj: the object the caller looked up
 *
 * Of several racing removals exactly one succeeds; it owns the reference
 * the handle held.
 *
 * Context: any.
 * Return: true when this call removed it.
 */
bool gsched_handle_remove(struct gsched_inst *inst, u32 h,
			  struct gsched_obj *obj)
{
	if (xa_cmpxchg(&inst->handles, h, obj, NULL, 0) != obj)
		return false;
	atomic_dec(&inst->nr_handles[obj->type]);
	gsched_user_uncharge(inst);
	return true;
}

/**
 * gsched_handle_erase() - unpublish handle @h, whatever it names
 * @inst: the instance
 * @h: the handle
 *
 * Context: process context; the caller owns the handle's reference.
 * Return: the object, or NULL when @h named nothing.
 */
struct gsched_obj *gsched_handle_erase(struct gsched_inst *inst, u32 h)
{
	struct gsched_obj *obj = xa_erase(&inst->handles, h);

	if (obj) {
		atomic_dec(&inst->nr_handles[obj->type]);
		gsched_user_uncharge(inst);
	}
	return obj;
}

/**
 * gsched_obj_get() - find the object behind a handle and take a reference
 * @inst: the instance
 * @h: the handle from user space
 * @type: the enum gsched_obj_type the caller needs
 *
 * The type is checked before the reference is taken: a handle of another
 * type is refused without touching its reference count. (Taking it first
 * and dropping it again on a type mismatch would make this lookup the
 * last holder whenever a release ran in between, with no way to free an
 * object whose type it does not know.) The type is set before the object
 * is published and never changes, and every object is freed after an RCU
 * grace period, so reading it under rcu_read_lock() is safe even while
 * the object is being released.
 *
 * Context: any.
 * Return: the object with a reference, ERR_PTR(-EBADF) for no such handle
 * (or one being released), ERR_PTR(-EINVAL) for a handle of another type.
 */
struct gsched_obj *gsched_obj_get(struct gsched_inst *inst, u32 h, u32 type)
{
	struct gsched_obj *obj;

	rcu_read_lock();
	obj = xa_load(&inst->handles, h);
	if (!obj)
		obj = ERR_PTR(-EBADF);
	else if (READ_ONCE(obj->type) != type)
		obj = ERR_PTR(-EINVAL);
	else if (!refcount_inc_not_zero(&obj->ref))
		obj = ERR_PTR(-EBADF);
	rcu_read_unlock();
	return obj;
}

/**
 * gsched_inst_stopped() - has the runtime ended (main exit or deadlock)?
 * @inst: the instance
 *
 * Context: any.
 * Return: true once stopped.
 */
bool gsched_inst_stopped(struct gsched_inst *inst)
{
	return READ_ONCE(inst->state) >= GSCHED_INST_STOPPED;
}
