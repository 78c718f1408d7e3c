// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: what one user may hold.
 *
 * /dev/gsched is open to every local user, and one open file is one
 * instance. The per-instance limits (max_tasks, max_chan_bytes) bound a
 * single file, but a user can open as many files as RLIMIT_NOFILE allows,
 * and keep them open from many processes. As inotify and epoll do, the
 * module therefore also counts per user, keyed by the effective uid of
 * the process that opens the device:
 *
 *  - instances (module parameter max_user_instances): open files of
 *    /dev/gsched; open() fails with -EMFILE beyond it;
 *  - objects (max_user_objects): handles of every kind (tasks, channel
 *    handles, timers, sync objects, contexts) in all of the user's
 *    instances; the call that would make one more fails with -ENOSPC.
 *
 * A limit of 0 means no limit. Raising or lowering a limit applies to the
 * next charge: what is held stays held. Memory is accounted on top of
 * this: every allocation an ioctl makes for a user is GFP_KERNEL_ACCOUNT,
 * so memory cgroups see it.
 *
 * The counters are module-private, since the kernel's ucounts types are a
 * fixed enum. Each struct gsched_user lives while an instance charges it;
 * lookups and the last put take gsched_users_lock, a spinlock that only
 * open() and release() take, once each.
 */
#include "gsched.h"

#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/slab.h>

static unsigned int gsched_max_user_instances = 1024;
module_param_named(max_user_instances, gsched_max_user_instances, uint, 0644);
MODULE_PARM_DESC(max_user_instances,
		 "Open /dev/gsched files per user (default 1024, 0: no limit)");

static unsigned long gsched_max_user_objects = 4UL << 20;
module_param_named(max_user_objects, gsched_max_user_objects, ulong, 0644);
MODULE_PARM_DESC(max_user_objects,
		 "Tasks, channels, timers, sync objects and contexts per user, in all instances (default 4194304, 0: no limit)");

/**
 * struct gsched_user - the charges of one user
 * @node: in gsched_users, under gsched_users_lock
 * @uid: the effective uid
 * @ref: one per instance that charges it; freed at zero
 * @instances: open instances
 * @objects: handles in all of them
 */
struct gsched_user {
	struct hlist_node node;
	kuid_t uid;
	refcount_t ref;
	atomic_t instances;
	atomic_long_t objects;
};

static DEFINE_HASHTABLE(gsched_users, 6);
static DEFINE_SPINLOCK(gsched_users_lock);

static struct gsched_user *user_find(kuid_t uid)
{
	struct gsched_user *u;

	lockdep_assert_held(&gsched_users_lock);
	hash_for_each_possible(gsched_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* The caller's user, with a reference, or NULL without memory. */
static struct gsched_user *user_get(void)
{
	kuid_t uid = current_euid();
	struct gsched_user *u, *nu;

	spin_lock(&gsched_users_lock);
	u = user_find(uid);
	if (u)
		refcount_inc(&u->ref);
	spin_unlock(&gsched_users_lock);
	if (u)
		return u;

	nu = kzalloc(sizeof(*nu), GFP_KERNEL_ACCOUNT);
	if (!nu)
		return NULL;
	nu->uid = uid;
	refcount_set(&nu->ref, 1);
	spin_lock(&gsched_users_lock);
	u = user_find(uid);
	if (u) {
		refcount_inc(&u->ref);
	} else {
		hash_add(gsched_users, &nu->node, __kuid_val(uid));
		u = nu;
		nu = NULL;
	}
	spin_unlock(&gsched_users_lock);
	kfree(nu);
	return u;
}

static void user_put(struct gsched_user *u)
{
	spin_lock(&gsched_users_lock);
	if (!refcount_dec_and_test(&u->ref)) {
		spin_unlock(&gsched_users_lock);
		return;
	}
	hash_del(&u->node);
	spin_unlock(&gsched_users_lock);
	WARN_ON_ONCE(atomic_read(&u->instances) ||
		     atomic_long_read(&u->objects));
	kfree(u);
}

/**
 * gsched_user_open() - charge a new instance to the calling user
 * @inst: the instance being created
 *
 * Context: process context (open()).
 * Return: 0; -EMFILE beyond max_user_instances; -ENOMEM.
 */
int gsched_user_open(struct gsched_inst *inst)
{
	unsigned int max = READ_ONCE(gsched_max_user_instances);
	struct gsched_user *u = user_get();

	if (!u)
		return -ENOMEM;
	if (atomic_inc_return(&u->instances) > max && max) {
		atomic_dec(&u->instances);
		user_put(u);
		return -EMFILE;
	}
	inst->user = u;
	return 0;
}

/**
 * gsched_user_close() - uncharge an instance
 * @inst: the instance, all of whose handles are gone
 *
 * Context: any context that may take a spinlock.
 */
void gsched_user_close(struct gsched_inst *inst)
{
	struct gsched_user *u = inst->user;

	if (!u)
		return;
	inst->user = NULL;
	atomic_dec(&u->instances);
	user_put(u);
}

/**
 * gsched_user_charge() - one more object for the instance's user
 * @inst: the instance that makes it
 *
 * Context: any.
 * Return: 0, or -ENOSPC beyond max_user_objects.
 */
int gsched_user_charge(struct gsched_inst *inst)
{
	unsigned long max = READ_ONCE(gsched_max_user_objects);
	struct gsched_user *u = inst->user;

	if (atomic_long_inc_return(&u->objects) > max && max) {
		atomic_long_dec(&u->objects);
		return -ENOSPC;
	}
	return 0;
}

/**
 * gsched_user_uncharge() - an object of the instance's user is gone
 * @inst: the instance whose handle it was
 *
 * Context: any.
 */
void gsched_user_uncharge(struct gsched_inst *inst)
{
	atomic_long_dec(&inst->user->objects);
}
