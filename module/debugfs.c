// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: debugfs goroutine dump, /sys/kernel/debug/gsched/<id>/tasks.
 *
 * One line per task, like Go's goroutine profile: id, state, wait reason,
 * the handle it waits on, how long it has waited, the P it last ran on.
 * It is how leaks are found (10,000 tasks stuck in select; a sender left
 * blocked after a timeout). The file is removed before the instance's
 * tasks are freed, and debugfs waits for readers, so the dump walks the
 * handle table under RCU only.
 */
#include "gsched.h"

#include <linux/debugfs.h>
#include <linux/ktime.h>
#include <linux/seq_file.h>

static struct dentry *gsched_debugfs_root;

static const char *const state_names[] = {
	[GSCHED_TASK_RUNNABLE] = "runnable",
	[GSCHED_TASK_RUNNING] = "running",
	[GSCHED_TASK_WAITING] = "waiting",
	[GSCHED_TASK_DEAD] = "dead",
};

static int tasks_show(struct seq_file *m, void *v)
{
	struct gsched_inst *inst = m->private;
	u64 now = ktime_get_ns();
	struct gsched_obj *obj;
	struct gsched_task *t;
	unsigned long idx;
	u32 state, reason;

	seq_printf(m, "# instance %u pid %d tasks %d\n", inst->id, inst->pid,
		   atomic_read(&inst->nr_live));
	seq_puts(m, "# id state [wait reason] obj=handle waited=ms p=last P\n");
	rcu_read_lock();
	xa_for_each(&inst->handles, idx, obj) {
		if (obj->type != GSCHED_OBJ_TASK)
			continue;
		t = container_of(obj, struct gsched_task, obj);
		state = READ_ONCE(t->state);
		if (state < GSCHED_TASK_RUNNABLE || state > GSCHED_TASK_DEAD)
			continue;
		reason = state == GSCHED_TASK_WAITING ?
			 READ_ONCE(t->wait_reason) : 0;
		seq_printf(m, "%u %s [%s] obj=%u waited=%llums p=%d%s\n",
			   obj->handle, state_names[state],
			   reason ? gsched_wait_reason_name(reason) : "-",
			   reason ? READ_ONCE(t->wait_obj) : 0,
			   reason ? (now - READ_ONCE(t->wait_since)) /
				    NSEC_PER_MSEC : 0,
			   READ_ONCE(t->last_cpu), t->is_main ? " main" : "");
	}
	rcu_read_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(tasks);

/**
 * gsched_debugfs_add_inst() - create the instance's debugfs directory
 * @inst: the instance
 *
 * Context: process context. Failure is not an error (debugfs may be off).
 */
void gsched_debugfs_add_inst(struct gsched_inst *inst)
{
	char name[16];

	if (IS_ERR_OR_NULL(gsched_debugfs_root))
		return;
	snprintf(name, sizeof(name), "%u", inst->id);
	inst->debugfs = debugfs_create_dir(name, gsched_debugfs_root);
	debugfs_create_file("tasks", 0400, inst->debugfs, inst, &tasks_fops);
}

/**
 * gsched_debugfs_del_inst() - remove it, waiting for readers
 * @inst: the instance
 *
 * Context: process context.
 */
void gsched_debugfs_del_inst(struct gsched_inst *inst)
{
	debugfs_remove(inst->debugfs);
	inst->debugfs = NULL;
}

/**
 * gsched_debugfs_init() - create /sys/kernel/debug/gsched
 *
 * Context: module init.
 */
void gsched_debugfs_init(void)
{
	gsched_debugfs_root = debugfs_create_dir("gsched", NULL);
}

/**
 * gsched_debugfs_exit() - remove it
 *
 * Context: module exit.
 */
void gsched_debugfs_exit(void)
{
	debugfs_remove(gsched_debugfs_root);
}
