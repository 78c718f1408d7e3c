// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: /sys/kernel/gsched/, one value per file.
 *
 *   version, abi_version, nr_instances       module-wide
 *   instances/<id>/...                       Go's schedtrace fields and
 *                                            counters of one instance
 *
 * The instance's kobject owns the instance memory: its release frees it.
 * gsched_sysfs_del_inst() removes the files and waits for running show()
 * calls, so show() may read run queues without further locking.
 */
#include "gsched.h"

#include <linux/idr.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

atomic_t gsched_nr_instances = ATOMIC_INIT(0);

static struct kobject *gsched_kobj;
static struct kobject *gsched_instances_kobj;
static DEFINE_IDA(gsched_inst_ida);

static ssize_t version_show(struct kobject *k, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%s\n", GSCHED_VERSION);
}

static ssize_t abi_version_show(struct kobject *k, struct kobj_attribute *a,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", GSCHED_ABI_VERSION);
}

static ssize_t nr_instances_show(struct kobject *k, struct kobj_attribute *a,
				 char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&gsched_nr_instances));
}

static struct kobj_attribute gsched_attr_version = __ATTR_RO(version);
static struct kobj_attribute gsched_attr_abi_version = __ATTR_RO(abi_version);
static struct kobj_attribute gsched_attr_nr_instances = __ATTR_RO(nr_instances);

static struct attribute *gsched_attrs[] = {
	&gsched_attr_version.attr,
	&gsched_attr_abi_version.attr,
	&gsched_attr_nr_instances.attr,
	NULL,
};

static const struct attribute_group gsched_attr_group = {
	.attrs = gsched_attrs,
};

/* Per-instance files. */

static struct gsched_inst *to_inst(struct kobject *k)
{
	return container_of(k, struct gsched_inst, kobj);
}

/* nprocs is 0 until SETUP published it with a release store of state. */
static u32 inst_nprocs(struct gsched_inst *inst)
{
	/* pairs with SETUP's release: nprocs and ps are valid */
	if (smp_load_acquire(&inst->state) == GSCHED_INST_NEW)
		return 0;
	return inst->nprocs;
}

/* Sum one u64 counter of struct gsched_pstat over all Ps. */
static u64 pstat_sum(struct gsched_inst *inst, size_t off)
{
	u32 i, n = inst_nprocs(inst);
	u64 s = 0;

	for (i = 0; i < n; i++)
		s += READ_ONCE(*(u64 *)((char *)&inst->ps[i]->stat + off));
	return s;
}

#define PSTAT_SUM(inst, field) \
	pstat_sum(inst, offsetof(struct gsched_pstat, field))

#define INST_ATTR(_name, _fmt, _expr)					\
static ssize_t _name##_show(struct kobject *k, struct kobj_attribute *a, \
			    char *buf)					\
{									\
	struct gsched_inst *inst = to_inst(k);				\
									\
	return sysfs_emit(buf, _fmt "\n", _expr);			\
}									\
static struct kobj_attribute inst_attr_##_name = __ATTR_RO(_name)

INST_ATTR(pid, "%d", inst->pid);
INST_ATTR(gomaxprocs, "%u", inst_nprocs(inst));
INST_ATTR(idleprocs, "%u", READ_ONCE(inst->nidle_ps));
INST_ATTR(threads, "%u", READ_ONCE(inst->nthreads));
INST_ATTR(spinningthreads, "%d", atomic_read(&inst->nr_spinning));
INST_ATTR(idlethreads, "%u", READ_ONCE(inst->nsleeping));
INST_ATTR(handoffs, "%lld", (long long)atomic64_read(&inst->handoffs));
INST_ATTR(spares, "%u", READ_ONCE(inst->nspares));
INST_ATTR(spares_idle, "%u", READ_ONCE(inst->nsleeping) >
	  READ_ONCE(inst->nidle_ps) ?
	  READ_ONCE(inst->nsleeping) - READ_ONCE(inst->nidle_ps) : 0);
INST_ATTR(preemptions, "%lld",
	  (long long)atomic64_read(&inst->preemptions));
INST_ATTR(runqueue, "%u", READ_ONCE(inst->global_queue_len));
INST_ATTR(tasks, "%d", atomic_read(&inst->nr_live));
INST_ATTR(spawned, "%lld", (long long)atomic64_read(&inst->spawned));
INST_ATTR(exited, "%lld", (long long)atomic64_read(&inst->exited));
INST_ATTR(switches, "%llu", PSTAT_SUM(inst, switches));
INST_ATTR(steals, "%llu", PSTAT_SUM(inst, steals));
INST_ATTR(global_moves, "%llu", PSTAT_SUM(inst, global_moves));
INST_ATTR(channels, "%d", atomic_read(&inst->nr_chans));
INST_ATTR(timers, "%d", atomic_read(&inst->nr_timers));
INST_ATTR(chan_bytes, "%ld", atomic_long_read(&inst->chan_bytes));
INST_ATTR(contexts, "%d",
	  atomic_read(&inst->nr_handles[GSCHED_OBJ_CTX]));
INST_ATTR(sync_objects, "%d",
	  atomic_read(&inst->nr_handles[GSCHED_OBJ_SYNC]));
INST_ATTR(syscalls, "%llu", PSTAT_SUM(inst, syscalls) +
	  (u64)atomic64_read(&inst->syscalls_nw));

static ssize_t runqueues_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	struct gsched_inst *inst = to_inst(k);
	u32 i, n = inst_nprocs(inst);
	int len = 0;

	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%s%u", i ? " " : "",
				     gsched_runq_len(inst->ps[i]));
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static struct kobj_attribute inst_attr_runqueues = __ATTR_RO(runqueues);

static struct attribute *gsched_inst_attrs[] = {
	&inst_attr_pid.attr,
	&inst_attr_gomaxprocs.attr,
	&inst_attr_idleprocs.attr,
	&inst_attr_threads.attr,
	&inst_attr_spinningthreads.attr,
	&inst_attr_idlethreads.attr,
	&inst_attr_handoffs.attr,
	&inst_attr_spares.attr,
	&inst_attr_spares_idle.attr,
	&inst_attr_preemptions.attr,
	&inst_attr_runqueue.attr,
	&inst_attr_runqueues.attr,
	&inst_attr_tasks.attr,
	&inst_attr_spawned.attr,
	&inst_attr_exited.attr,
	&inst_attr_switches.attr,
	&inst_attr_steals.attr,
	&inst_attr_global_moves.attr,
	&inst_attr_syscalls.attr,
	&inst_attr_channels.attr,
	&inst_attr_timers.attr,
	&inst_attr_chan_bytes.attr,
	&inst_attr_contexts.attr,
	&inst_attr_sync_objects.attr,
	NULL,
};
ATTRIBUTE_GROUPS(gsched_inst);

static void gsched_inst_release(struct kobject *kobj)
{
	struct gsched_inst *inst = to_inst(kobj);

	ida_free(&gsched_inst_ida, inst->id);
	gsched_user_close(inst);	/* charged, never set up: a failed add */
	kfree(inst);
}

static const struct kobj_type gsched_inst_ktype = {
	.release	= gsched_inst_release,
	.sysfs_ops	= &kobj_sysfs_ops,
	.default_groups	= gsched_inst_groups,
};

/**
 * gsched_sysfs_add_inst() - give a new instance its id and sysfs directory
 * @inst: the instance, zeroed and initialised
 *
 * On success the kobject owns @inst; on failure @inst has been freed.
 *
 * Context: process context.
 * Return: 0 or a negative errno.
 */
int gsched_sysfs_add_inst(struct gsched_inst *inst)
{
	int id, ret;

	id = ida_alloc(&gsched_inst_ida, GFP_KERNEL_ACCOUNT);
	if (id < 0) {
		gsched_user_close(inst);
		kfree(inst);
		return id;
	}
	inst->id = id;
	ret = kobject_init_and_add(&inst->kobj, &gsched_inst_ktype,
				   gsched_instances_kobj, "%d", id);
	if (ret) {
		kobject_put(&inst->kobj);	/* frees id and inst */
		return ret;
	}
	atomic_inc(&gsched_nr_instances);
	return 0;
}

/**
 * gsched_sysfs_del_inst() - remove the instance's directory
 * @inst: the instance
 *
 * Waits for show() calls in progress. The caller still holds the kobject
 * reference and drops it with kobject_put() when done.
 *
 * Context: process context.
 */
void gsched_sysfs_del_inst(struct gsched_inst *inst)
{
	kobject_del(&inst->kobj);
	atomic_dec(&gsched_nr_instances);
}

/**
 * gsched_sysfs_init() - create /sys/kernel/gsched
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int gsched_sysfs_init(void)
{
	int ret;

	gsched_kobj = kobject_create_and_add("gsched", kernel_kobj);
	if (!gsched_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(gsched_kobj, &gsched_attr_group);
	if (ret)
		goto err_put;
	gsched_instances_kobj = kobject_create_and_add("instances", gsched_kobj);
	if (!gsched_instances_kobj) {
		ret = -ENOMEM;
		goto err_put;
	}
	return 0;

err_put:
	kobject_put(gsched_kobj);
	return ret;
}

/**
 * gsched_sysfs_exit() - remove /sys/kernel/gsched
 *
 * Context: module exit, no instance left.
 */
void gsched_sysfs_exit(void)
{
	kobject_put(gsched_instances_kobj);
	kobject_put(gsched_kobj);
}
