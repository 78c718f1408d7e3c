// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: module entry, /dev/gsched and ioctl dispatch.
 *
 * This file only parses and dispatches: every ioctl's struct is copied in
 * with copy_struct_from_user() (the size comes from the ioctl number),
 * checked for unknown flags and non-zero reserved fields, handed to the
 * file that implements it, and copied back out.
 */
#include "gsched.h"

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

unsigned int gsched_max_tasks = 1U << 20;

static int gsched_set_max_tasks(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, INT_MAX);
}

static const struct kernel_param_ops gsched_max_tasks_ops = {
	.set = gsched_set_max_tasks,
	.get = param_get_uint,
};
module_param_cb(max_tasks, &gsched_max_tasks_ops, &gsched_max_tasks, 0644);
MODULE_PARM_DESC(max_tasks, "Cap on live tasks per instance (default 1048576)");

unsigned long gsched_max_chan_bytes = 64UL << 20;
module_param_named(max_chan_bytes, gsched_max_chan_bytes, ulong, 0644);
MODULE_PARM_DESC(max_chan_bytes,
		 "Cap on channel buffer bytes per instance (default 64 MiB)");

static bool gsched_all_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

static long gsched_ioc_version(struct gsched_inst *inst, void *arg)
{
	struct gsched_version *v = arg;

	if (v->flags || v->__pad)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	v->abi_version = GSCHED_ABI_VERSION;
	v->max_procs = GSCHED_MAX_PROCS;
	v->features = GSCHED_FEAT_TASKS | GSCHED_FEAT_PARK | GSCHED_FEAT_JOIN |
		      GSCHED_FEAT_DEADLOCK | GSCHED_FEAT_CHAN |
		      GSCHED_FEAT_TIMER | GSCHED_FEAT_CHAN_SHARE |
		      GSCHED_FEAT_SYNC | GSCHED_FEAT_CTX |
		      GSCHED_FEAT_HANDOFF | GSCHED_FEAT_PREEMPT |
		      GSCHED_FEAT_POLL | GSCHED_FEAT_WORD |
		      GSCHED_FEAT_RWWORD;
	v->max_tasks = READ_ONCE(gsched_max_tasks);
	v->size_setup = sizeof(struct gsched_setup);
	v->size_worker = sizeof(struct gsched_worker_reg);
	v->size_spawn = sizeof(struct gsched_spawn);
	v->size_switch = sizeof(struct gsched_switch);
	v->size_task = sizeof(struct gsched_task_op);
	v->size_info = sizeof(struct gsched_task_info);
	v->size_chan_make = sizeof(struct gsched_chan_make);
	v->size_chan_op = sizeof(struct gsched_chan_op);
	v->size_select = sizeof(struct gsched_select);
	v->size_timer = sizeof(struct gsched_timer_op);
	v->max_elem_size = GSCHED_CHAN_MAX_ELEM;
	v->max_select_cases = GSCHED_SELECT_MAX;
	v->size_sync = sizeof(struct gsched_sync_op);
	v->size_ctx = sizeof(struct gsched_ctx_op);
	v->size_fd = sizeof(struct gsched_fd_op);
	v->size_word = sizeof(struct gsched_word_op);
	v->__pad3 = 0;
	return 0;
}

static long gsched_ioc_setup(struct gsched_inst *inst, void *arg)
{
	struct gsched_setup *s = arg;

	if (s->flags || s->__reserved || s->__reserved2)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	return gsched_setup(inst, s);
}

static long gsched_ioc_worker(struct gsched_inst *inst, void *arg)
{
	struct gsched_worker_reg *wk = arg;

	if (wk->flags || wk->__reserved)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	return gsched_worker_register(inst, wk->index);
}

static long gsched_ioc_spawn(struct gsched_inst *inst, void *arg)
{
	struct gsched_spawn *sp = arg;

	if ((sp->flags & ~GSCHED_SPAWN_FLAGS) || sp->__reserved || sp->__pad)
		return -EINVAL;
	return gsched_task_spawn(inst, sp);
}

static long gsched_ioc_switch(struct gsched_inst *inst, void *arg)
{
	struct gsched_switch *sw = arg;
	struct gsched_worker *w;

	if (sw->flags || !gsched_all_zero(sw->__reserved, sizeof(sw->__reserved)))
		return -EINVAL;
	if (sw->op > GSCHED_OP_MAX)
		return -EINVAL;
	/* output only: whatever the caller left there goes */
	sw->next_p = 0;
	sw->__out_pad = 0;
	w = gsched_ioc_caller(inst, sw->worker);
	if (IS_ERR(w))
		return PTR_ERR(w);
	return gsched_switch(w, sw);
}

/* SWITCH's result could not be written back: see gsched_switch_undo(). */
static void gsched_ioc_switch_undo(struct gsched_inst *inst, void *arg)
{
	struct gsched_switch *sw = arg;
	struct gsched_worker *w;

	if (sw->next_flags & GSCHED_NEXT_EXIT)
		return;
	w = gsched_worker_get(inst, sw->worker);
	if (WARN_ON_ONCE(IS_ERR(w)))
		return;
	gsched_switch_undo(w);
}

static long gsched_ioc_unpark(struct gsched_inst *inst, void *arg)
{
	struct gsched_task_op *op = arg;
	struct gsched_worker *w;

	if (op->flags || op->__pad || op->__reserved)
		return -EINVAL;
	w = gsched_ioc_caller(inst, op->worker);
	if (IS_ERR(w))
		return PTR_ERR(w);
	return gsched_task_unpark(inst, w, op->id);
}

static long gsched_ioc_detach(struct gsched_inst *inst, void *arg)
{
	struct gsched_task_op *op = arg;

	if (op->flags || op->__pad || op->__reserved || op->worker)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	return gsched_task_detach(inst, op->id);
}

static long gsched_ioc_task_info(struct gsched_inst *inst, void *arg)
{
	struct gsched_task_info *ti = arg;

	if (ti->flags || ti->__reserved)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	return gsched_task_info(inst, ti);
}

static long gsched_ioc_chan_make(struct gsched_inst *inst, void *arg)
{
	struct gsched_chan_make *m = arg;

	if (m->flags || m->__pad || m->__reserved || m->__pad2)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	return gsched_chan_make(inst, m);
}

static long gsched_ioc_chan(struct gsched_inst *inst, void *arg)
{
	struct gsched_chan_op *op = arg;

	if (op->flags || op->__reserved)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	op->ok = 0;
	op->len = 0;
	op->cap = 0;
	op->elem_size = 0;
	op->fd = -1;
	op->__pad = 0;
	return gsched_chan_ioc(inst, op);
}

static long gsched_ioc_timer(struct gsched_inst *inst, void *arg)
{
	struct gsched_timer_op *op = arg;

	if (op->flags || op->__pad || op->__reserved || op->__pad2)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	op->ok = 0;
	return gsched_timer_ioc(inst, op);
}

static long gsched_ioc_sync(struct gsched_inst *inst, void *arg)
{
	struct gsched_sync_op *op = arg;

	if (op->flags || op->__reserved)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	op->value = 0;
	return gsched_sync_ioc(inst, op);
}

static long gsched_ioc_ctx(struct gsched_inst *inst, void *arg)
{
	struct gsched_ctx_op *op = arg;

	if (op->flags || op->__pad || op->__reserved || op->__pad2)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	op->done = 0;
	op->err = 0;
	op->deadline = 0;
	op->fd = -1;
	return gsched_ctx_ioc(inst, op);
}

static long gsched_ioc_fd(struct gsched_inst *inst, void *arg)
{
	struct gsched_fd_op *op = arg;

	if (op->flags || op->__pad || op->__reserved || op->__pad2)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	op->woken = 0;
	return gsched_fd_ioc(inst, op);
}

static long gsched_ioc_word(struct gsched_inst *inst, void *arg)
{
	struct gsched_word_op *op = arg;

	if (op->flags || op->__pad || op->__reserved)
		return -EINVAL;
	atomic64_inc(&inst->syscalls_nw);
	op->value = 0;
	return gsched_word_ioc(inst, op);
}

struct gsched_ioc_def {
	unsigned int cmd;	/* with the kernel's struct size */
	size_t size;		/* the kernel's struct */
	size_t min_size;	/* smallest struct accepted: its first version */
	long (*fn)(struct gsched_inst *inst, void *arg);
	void (*undo)(struct gsched_inst *inst, void *arg);
};

/* Largest struct any ioctl takes: the on-stack buffer of gsched_ioctl(). */
#define GSCHED_IOC_BUF	96

/*
 * Entries in ioctl-number order; gsched_ioc_table_ok() checks it. A struct
 * that grew since ABI version 1 names its first size (GSCHED_IOC_GREW):
 * a caller built against it still works, and gets only the fields it
 * knows. The build fails when a struct does not fit the on-stack buffer.
 */
#define GSCHED_IOC_GREW(_cmd, _type, _min, _fn, _undo) \
	{ .cmd = _cmd, \
	  .size = sizeof(_type) + \
		  BUILD_BUG_ON_ZERO(sizeof(_type) > GSCHED_IOC_BUF), \
	  .min_size = _min, .fn = _fn, .undo = _undo }
#define GSCHED_IOC(_cmd, _type, _fn, _undo) \
	GSCHED_IOC_GREW(_cmd, _type, sizeof(_type), _fn, _undo)

static const struct gsched_ioc_def gsched_ioc_table[] = {
	GSCHED_IOC(GSCHED_IOC_VERSION, struct gsched_version,
		   gsched_ioc_version, NULL),
	GSCHED_IOC(GSCHED_IOC_SETUP, struct gsched_setup,
		   gsched_ioc_setup, NULL),
	GSCHED_IOC(GSCHED_IOC_WORKER, struct gsched_worker_reg,
		   gsched_ioc_worker, NULL),
	GSCHED_IOC(GSCHED_IOC_SPAWN, struct gsched_spawn,
		   gsched_ioc_spawn, NULL),
	GSCHED_IOC_GREW(GSCHED_IOC_SWITCH, struct gsched_switch,
			GSCHED_SWITCH_SIZE_VER1,
			gsched_ioc_switch, gsched_ioc_switch_undo),
	GSCHED_IOC(GSCHED_IOC_UNPARK, struct gsched_task_op,
		   gsched_ioc_unpark, NULL),
	GSCHED_IOC(GSCHED_IOC_DETACH, struct gsched_task_op,
		   gsched_ioc_detach, NULL),
	GSCHED_IOC(GSCHED_IOC_TASK_INFO, struct gsched_task_info,
		   gsched_ioc_task_info, NULL),
	GSCHED_IOC(GSCHED_IOC_CHAN_MAKE, struct gsched_chan_make,
		   gsched_ioc_chan_make, NULL),
	GSCHED_IOC(GSCHED_IOC_CHAN, struct gsched_chan_op,
		   gsched_ioc_chan, NULL),
	GSCHED_IOC(GSCHED_IOC_TIMER, struct gsched_timer_op,
		   gsched_ioc_timer, NULL),
	GSCHED_IOC(GSCHED_IOC_SYNC, struct gsched_sync_op,
		   gsched_ioc_sync, NULL),
	GSCHED_IOC(GSCHED_IOC_CTX, struct gsched_ctx_op,
		   gsched_ioc_ctx, NULL),
	GSCHED_IOC(GSCHED_IOC_FD, struct gsched_fd_op,
		   gsched_ioc_fd, NULL),
	GSCHED_IOC(GSCHED_IOC_WORD, struct gsched_word_op,
		   gsched_ioc_word, NULL),
};

/*
 * The uapi structs as the ABI fixes them: their sizes, and no padding at
 * their end (pahole -C finds none inside them either). A struct that
 * grows must grow by explicit fields, at its end.
 */
#define GSCHED_UAPI_SIZE(type, last, size) \
	static_assert(sizeof(struct type) == (size) && \
		      offsetofend(struct type, last) == sizeof(struct type) && \
		      sizeof(struct type) % 8 == 0)

GSCHED_UAPI_SIZE(gsched_version, __pad3, 96);
GSCHED_UAPI_SIZE(gsched_setup, __pad, 48);
GSCHED_UAPI_SIZE(gsched_worker_reg, __reserved, 16);
GSCHED_UAPI_SIZE(gsched_spawn, __pad, 32);
GSCHED_UAPI_SIZE(gsched_switch, __out_pad, 72);
GSCHED_UAPI_SIZE(gsched_task_op, __reserved, 24);
GSCHED_UAPI_SIZE(gsched_task_info, exit_value, 40);
GSCHED_UAPI_SIZE(gsched_chan_make, __pad2, 32);
GSCHED_UAPI_SIZE(gsched_chan_op, __pad, 56);
GSCHED_UAPI_SIZE(gsched_select_case, buf, 16);
GSCHED_UAPI_SIZE(gsched_select, ok, 40);
GSCHED_UAPI_SIZE(gsched_timer_op, __pad2, 48);
GSCHED_UAPI_SIZE(gsched_sync_op, value, 40);
GSCHED_UAPI_SIZE(gsched_ctx_op, __pad2, 64);
GSCHED_UAPI_SIZE(gsched_fd_op, __pad2, 32);
GSCHED_UAPI_SIZE(gsched_word_op, value, 48);
/*
 * The op's arguments are one 32-bit and one 64-bit field, named for each
 * op's meaning in anonymous unions: every name of a field must end where
 * the unnamed arg32/arg64 always ended. All members of a union start
 * together, so a name of the wrong width, or in the wrong union, fails.
 */
#define GSCHED_SWITCH_ARG(name, end) \
	static_assert(offsetofend(struct gsched_switch, name) == (end))

static_assert(offsetof(struct gsched_switch, arg32) == 12);
GSCHED_SWITCH_ARG(arg32, 16);
GSCHED_SWITCH_ARG(chan, 16);
GSCHED_SWITCH_ARG(task, 16);
GSCHED_SWITCH_ARG(reason, 16);
static_assert(offsetof(struct gsched_switch, arg64) == 16);
GSCHED_SWITCH_ARG(arg64, 24);
GSCHED_SWITCH_ARG(exit_value, 24);
GSCHED_SWITCH_ARG(buf, 24);
GSCHED_SWITCH_ARG(select, 24);
GSCHED_SWITCH_ARG(sleep_ns, 24);
/* the fields ABI version 1 knew end where next_p begins */
static_assert(offsetof(struct gsched_switch, next_p) ==
	      GSCHED_SWITCH_SIZE_VER1);

static bool gsched_ioc_table_ok(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gsched_ioc_table); i++)
		if (_IOC_NR(gsched_ioc_table[i].cmd) != i ||
		    _IOC_SIZE(gsched_ioc_table[i].cmd) != gsched_ioc_table[i].size ||
		    gsched_ioc_table[i].min_size > gsched_ioc_table[i].size)
			return false;
	return true;
}

static long gsched_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct gsched_inst *inst = file->private_data;
	void __user *uarg = (void __user *)arg;
	const struct gsched_ioc_def *def;
	unsigned int nr = _IOC_NR(cmd);
	size_t usize = _IOC_SIZE(cmd);
	u64 buf[GSCHED_IOC_BUF / sizeof(u64)];
	struct gsched_worker *w;
	long ret;

	BUILD_BUG_ON(ARRAY_SIZE(gsched_ioc_table) !=
		     _IOC_NR(GSCHED_IOC_WORD) + 1);

	if (_IOC_TYPE(cmd) != GSCHED_IOC_MAGIC || nr >= ARRAY_SIZE(gsched_ioc_table))
		return -ENOTTY;
	def = &gsched_ioc_table[nr];
	if (_IOC_DIR(cmd) != _IOC_DIR(def->cmd))
		return -ENOTTY;
	if (usize < def->min_size)
		return -EINVAL;

	ret = copy_struct_from_user(buf, def->size, uarg, usize);
	if (ret)
		return ret;
	/*
	 * A worker's thread is KERNEL while in here: its P cannot be handed
	 * off under it (handoff.c), and a hand-off that happened while it
	 * was away is noticed first.
	 */
	w = gsched_worker_self(inst);
	if (w)
		gsched_worker_enter(w);
	ret = def->fn(inst, buf);
	if (!ret && (_IOC_DIR(cmd) & _IOC_READ) &&
	    copy_to_user(uarg, buf, min(usize, def->size))) {
		if (def->undo)
			def->undo(inst, buf);
		ret = -EFAULT;
	}
	if (w)
		gsched_worker_leave(w);
	return ret;
}

static int gsched_open(struct inode *inode, struct file *file)
{
	struct gsched_inst *inst;

	inst = gsched_inst_create();
	if (IS_ERR(inst))
		return PTR_ERR(inst);
	file->private_data = inst;
	WRITE_ONCE(inst->file, file);
	return 0;
}

static int gsched_release(struct inode *inode, struct file *file)
{
	gsched_inst_destroy(file->private_data);
	return 0;
}

static const struct file_operations gsched_fops = {
	.owner		= THIS_MODULE,
	.open		= gsched_open,
	.release	= gsched_release,
	.unlocked_ioctl	= gsched_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice gsched_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "gsched",
	.fops	= &gsched_fops,
	.mode	= 0666,
};

static int __init gsched_init(void)
{
	int ret;

	if (WARN_ON(!gsched_ioc_table_ok()))
		return -EINVAL;
	ret = gsched_task_cache_init();
	if (ret)
		return ret;
	ret = gsched_sysfs_init();
	if (ret)
		goto err_cache;
	ret = gsched_ctx_init();
	if (ret)
		goto err_sysfs;
	ret = misc_register(&gsched_misc);
	if (ret)
		goto err_ctx;
	gsched_debugfs_init();
	pr_info("version %s, ABI %d loaded\n", GSCHED_VERSION, GSCHED_ABI_VERSION);
	return 0;

err_ctx:
	gsched_ctx_exit();
err_sysfs:
	gsched_sysfs_exit();
err_cache:
	gsched_task_cache_exit();
	return ret;
}

static void __exit gsched_exit(void)
{
	misc_deregister(&gsched_misc);
	/*
	 * Every file is closed (each held a module reference), but a context
	 * deadline work may still be running: it closes done channels, wakes
	 * tasks and may drop the last references to its context and to an
	 * instance. Drain it before anything below goes, the RCU barrier in
	 * gsched_task_cache_exit() included.
	 */
	gsched_ctx_exit();
	gsched_debugfs_exit();
	gsched_sysfs_exit();
	gsched_handoff_exit();
	gsched_task_cache_exit();
	pr_info("unloaded\n");
}

module_init(gsched_init);
module_exit(gsched_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Go-style goroutine scheduler with kernel run queues");
MODULE_VERSION(GSCHED_VERSION);
