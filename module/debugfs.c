// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: debugfs goroutine dump, /sys/kernel/debug/gsched/<id>/tasks,
 * and the instance's state, /sys/kernel/debug/gsched/<id>/state.
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

static const char *const inst_state_names[] = {
	[GSCHED_INST_NEW] = "new",
	[GSCHED_INST_READY] = "ready",
	[GSCHED_INST_RUNNING] = "running",
	[GSCHED_INST_STOPPED] = "stopped",
	[GSCHED_INST_DEAD] = "dead",
};

/*
 * Why an instance is still there: whether its process's address space is
 * gone, who holds its file (a process's fd, a unix socket's queue while
 * in flight, another instance's fd wait), what its own fd waits hold.
 */
static int state_show(struct seq_file *m, void *v)
{
	struct gsched_inst *inst = m->private;
	struct file *file = READ_ONCE(inst->file);
	u32 state = READ_ONCE(inst->state);

	seq_printf(m, "state %s\n", state < ARRAY_SIZE(inst_state_names) ?
		   inst_state_names[state] : "?");
	seq_printf(m, "pid %d\n", inst->pid);
	seq_printf(m, "mm_gone %d\n", READ_ONCE(inst->mm_gone));
	seq_printf(m, "threads %u\n", READ_ONCE(inst->nthreads));
	if (file)
		seq_printf(m, "file_ino %lu\nfile_refs %ld\n",
			   file_inode(file)->i_ino, file_count(file));
	gsched_poll_show(m, inst);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

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
	debugfs_create_file("state", 0400, inst->debugfs, inst, &state_fops);
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
