// SPDX-License-Identifier: MIT
/*
 * libgsched runtime: workers, tasks and the switching discipline.
 *
 * Each worker thread runs a scheduler loop on its own stack (Go's g0):
 *
 *     for (;;) {
 *         ioctl(SWITCH, op of the task that just stopped) -> next task
 *         gs_switch(&g0, next)          runs the task until it stops
 *     }
 *
 * A task never blocks while its registers are live: to block it records
 * the op in its worker, switches to g0 (saving its registers in its own
 * stack), and g0 issues the one ioctl that applies the op and picks the
 * next task. By then the task is fully saved, so the kernel may hand it to
 * any other worker at once (Go's mcall/park_m; Documentation/gsched.rst,
 * "Execution model").
 *
 * Thread-local storage: a task may resume on another thread after any
 * switch. The compiler may keep a TLS address in a register across a call,
 * so the current worker is only ever read through gs_cur(), a non-inlined
 * function, and never used after a switch in the same function.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

static struct {
	int fd;
	unsigned int nprocs;
	unsigned int nworkers;		/* nprocs + spare slots */
	unsigned int instance_id;
	size_t stack_size;
	struct gs_worker *workers;
	pthread_t *threads;		/* [i] valid when workers[i].started */
	unsigned int next_spare;	/* spawn_lock */
	bool stopping;			/* spawn_lock: no more spares */
	pthread_mutex_t spawn_lock;
	pthread_mutex_t lock;		/* live list */
	struct gs_task live;		/* list head of tasks not yet reaped */
	cpu_set_t cpus;			/* the CPUs the process may use */
	int ncpus;
} gs_rt = {
	.fd = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.spawn_lock = PTHREAD_MUTEX_INITIALIZER,
};

static __thread struct gs_worker *gs_tls_worker;

/* See the TLS note above: never inline, never cache the result. */
__attribute__((noinline)) struct gs_worker *gs_cur(void)
{
	struct gs_worker *w = gs_tls_worker;

	__asm__ volatile("" : "+r"(w));
	return w;
}

static void gs_live_add(struct gs_task *t)
{
	pthread_mutex_lock(&gs_rt.lock);
	t->next = gs_rt.live.next;
	t->prev = &gs_rt.live;
	gs_rt.live.next->prev = t;
	gs_rt.live.next = t;
	pthread_mutex_unlock(&gs_rt.lock);
}

static void gs_live_del(struct gs_task *t)
{
	pthread_mutex_lock(&gs_rt.lock);
	t->prev->next = t->next;
	t->next->prev = t->prev;
	pthread_mutex_unlock(&gs_rt.lock);
}

/*
 * For panic.c's goroutine dump: @fn on each task not yet reaped (exited
 * ones too), oldest first (gs_live_add() adds at the head). A task is not
 * freed while the lock is held: gs_live_del() comes first.
 */
void gs_live_each(void (*fn)(struct gs_task *t, void *arg), void *arg)
{
	struct gs_task *t;

	pthread_mutex_lock(&gs_rt.lock);
	if (gs_rt.live.next)
		for (t = gs_rt.live.prev; t != &gs_rt.live; t = t->prev)
			fn(t, arg);
	pthread_mutex_unlock(&gs_rt.lock);
}

int gs_ioctl(unsigned long cmd, void *arg)
{
	return ioctl(gs_rt.fd, cmd, arg) < 0 ? -errno : 0;
}

/* ---- device ------------------------------------------------------------ */

static int gs_open(struct gsched_version *out)
{
	struct gsched_version v = { 0 };
	int fd, ret;

	fd = open(GSCHED_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		if (ret == -ENOENT && !getenv("GSCHED_QUIET"))
			fprintf(stderr, "gsched: %s not found: the gsched module"
				" is not loaded (modprobe gsched; in the source"
				" tree: insmod gsched.ko, or run under"
				" tools/gsched-vm)\n", GSCHED_DEVICE);
		return ret;
	}
	if (ioctl(fd, GSCHED_IOC_VERSION, &v) < 0) {
		ret = -errno;
		close(fd);
		/* a module without the VERSION ioctl predates ABI 1 */
		return ret == -ENOTTY ? -EPROTO : ret;
	}
	/* the sync words' calls, the rwmutex's included, need the module */
	if (v.abi_version < GSCHED_ABI_VERSION ||
	    !(v.features & GSCHED_FEAT_WORD) ||
	    !(v.features & GSCHED_FEAT_RWWORD)) {
		close(fd);
		return -EPROTO;
	}
	if (out)
		*out = v;
	return fd;
}

GS_API int gsched_query(struct gsched_version *v)
{
	int fd = gs_open(v);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

GS_API int gsched_fd(void)
{
	return gs_rt.fd;
}

GS_API int gsched_instance_id(void)
{
	return gs_rt.fd < 0 ? -ENXIO : (int)gs_rt.instance_id;
}

GS_API int gsched_nprocs(void)
{
	return gs_rt.fd < 0 ? 0 : (int)gs_rt.nprocs;
}

/* ---- tasks ------------------------------------------------------------- */

/* Called by gs_task_entry on the task's fresh stack. */
__attribute__((noreturn, used, visibility("hidden")))
void gs_task_start(void);
void gs_task_start(void)
{
	struct gs_task *t = gs_cur()->curr;

	gs_san_in_task(&t->san, 1);	/* ASan: first entry, no fake stack */
	gsched_exit(t->fn(t->arg));
}

/*
 * Build the frame gs_switch pops (see switch.S) below @top, which is the
 * task struct or, for gsched_go(), the argument copy under it.
 */
static void gs_stack_init(struct gs_task *t, void *top)
{
	uint64_t *sp = (uint64_t *)((uintptr_t)top & ~(uintptr_t)15);

	/* gs_switch's ret pops this and leaves %rsp 16-byte aligned, as
	 * gs_task_entry's call needs. */
	*--sp = (uint64_t)(uintptr_t)gs_task_entry;
	sp -= 6;				/* rbp rbx r12 r13 r14 r15 */
	memset(sp, 0, 6 * sizeof(*sp));
	*--sp = 0x1f80 | ((uint64_t)0x037f << 32);	/* MXCSR, x87 CW */
	t->sp = sp;
}

/*
 * Stop the current task with @op; the worker's g0 applies it. Returns the
 * op's result when the task runs again (possibly on another worker).
 */
int64_t gs_block(uint32_t op, uint32_t arg32, int64_t arg64, int *op_err)
{
	struct gs_worker *w = gs_cur();
	struct gs_task *t = w->curr;

	w->op = op;
	w->arg32 = arg32;
	w->arg64 = arg64;
	t->saved_errno = errno;
	/* ASan: an exiting task's fake stack is freed, it never resumes */
	gs_san_to_g0(&t->san, op == GSCHED_OP_EXIT);
	gs_switch(&t->sp, w->g0_sp);
	gs_san_in_task(&t->san, 0);
	/* w is stale from here on: we may be on another worker */
	if (op_err)
		*op_err = t->op_err;
	return t->result;
}

struct gs_task *gs_self_task(void)
{
	struct gs_worker *w = gs_cur();

	return w ? w->curr : NULL;
}

bool gs_in_task(void)
{
	return gs_self_task() != NULL;
}

/*
 * Spawn @fn(@arg), or with @size > 0 @fn(copy of @size bytes at @arg),
 * the copy placed at the top of the new stack, under the task struct,
 * 16-byte aligned (max_align_t on x86_64).
 */
static int gs_spawn(gsched_fn_t fn, void *arg, size_t size,
		    const struct gsched_spawn_attr *attr)
{
	struct gsched_spawn sp = { 0 };
	struct gs_worker *w = gs_cur();
	size_t ss = gs_rt.stack_size;
	struct gs_task *t;
	void *top;
	int ret;

	if (!w || !w->curr)
		return -EPERM;
	if (!fn)
		return -EINVAL;
	if (attr && (attr->flags & ~GSCHED_JOINABLE))
		return -EINVAL;
	if (attr && attr->stack_size) {
		if (attr->stack_size < GSCHED_STACK_MIN)
			return -EINVAL;
		ss = attr->stack_size;
	}
	t = gs_stack_alloc(ss);
	if (!t)
		return -ENOMEM;
	t->fn = fn;
	t->arg = arg;
	top = t;
	if (size) {
		top = (void *)(((uintptr_t)t - size) & ~(uintptr_t)15);
		memcpy(top, arg, size);
		t->arg = top;
	}
	gs_stack_init(t, top);
	gs_live_add(t);

	sp.flags = (attr && (attr->flags & GSCHED_JOINABLE)) ?
		   0 : GSCHED_SPAWN_DETACHED;
	sp.worker = w->index;
	sp.cookie = (uint64_t)(uintptr_t)t;
	ret = gs_ioctl(GSCHED_IOC_SPAWN, &sp);
	if (ret) {
		gs_live_del(t);
		gs_stack_free(t);
		return ret;
	}
	/*
	 * Not t->id = sp.id here: a detached task may have run, exited and
	 * been freed by now. Its worker stores the id before it first runs
	 * (the goroutine dump leaves out a task that has not run yet).
	 */
	return (int)sp.id;
}

GS_API int gsched_spawn_ex(gsched_fn_t fn, void *arg,
			   const struct gsched_spawn_attr *attr)
{
	return gs_spawn(fn, arg, 0, attr);
}

GS_API int gsched_spawn(gsched_fn_t fn, void *arg)
{
	return gs_spawn(fn, arg, 0, NULL);
}

GS_API int gsched_go_ex(gsched_fn_t fn, const void *args, size_t size,
			const struct gsched_spawn_attr *attr)
{
	if (size > GSCHED_GO_ARGS_MAX || (size && !args))
		return -EINVAL;
	return gs_spawn(fn, size ? (void *)args : NULL, size, attr);
}

GS_API int gsched_go(gsched_fn_t fn, const void *args, size_t size)
{
	return gsched_go_ex(fn, args, size, NULL);
}

GS_API int gsched_join(int id, long *exit_value)
{
	int err = 0;
	int64_t v;

	if (!gs_self_task())
		return -EPERM;
	if (id <= 0)
		return -EBADF;
	v = gs_block(GSCHED_OP_JOIN, (uint32_t)id, 0, &err);
	if (err)
		return err;
	if (exit_value)
		*exit_value = (long)v;
	return 0;
}

GS_API void gsched_yield(void)
{
	if (gs_self_task())
		gs_block(GSCHED_OP_YIELD, 0, 0, NULL);
	else
		sched_yield();
}

GS_API void gsched_exit(long value)
{
	struct gs_task *t = gs_self_task();

	if (!t) {
		fprintf(stderr, "gsched: gsched_exit() outside a task\n");
		abort();
	}
	/* Go's Goexit runs once.Do's deferred calls: the Onces are done */
	gs_once_exit(t);
	gs_block(GSCHED_OP_EXIT, 0, value, NULL);
	__builtin_unreachable();
}

GS_API int gsched_self(void)
{
	struct gs_task *t = gs_self_task();

	return t ? (int)t->id : 0;
}

GS_API int gsched_worker(void)
{
	struct gs_worker *w = gs_cur();

	return w ? (int)w->p : -1;
}

GS_API int gsched_park(unsigned int reason)
{
	int err = 0;

	if (!gs_self_task())
		return -EPERM;
	gs_block(GSCHED_OP_PARK, reason, 0, &err);
	return err;
}

GS_API int gsched_unpark(int id)
{
	struct gsched_task_op op = { 0 };
	struct gs_worker *w = gs_cur();

	if (!w || !w->curr)
		return -EPERM;
	op.worker = w->index;
	op.id = (uint32_t)id;
	return gs_ioctl(GSCHED_IOC_UNPARK, &op);
}

GS_API int gsched_detach(int id)
{
	struct gsched_task_op op = { .id = (uint32_t)id };

	if (gs_rt.fd < 0)
		return -ENXIO;
	return gs_ioctl(GSCHED_IOC_DETACH, &op);
}

GS_API int gsched_task_info(int id, struct gsched_task_info *info)
{
	struct gsched_task_info ti = { .id = (uint32_t)id };
	int ret;

	if (gs_rt.fd < 0)
		return -ENXIO;
	ret = gs_ioctl(GSCHED_IOC_TASK_INFO, &ti);
	if (!ret && info)
		*info = ti;
	return ret;
}

/* ---- workers ----------------------------------------------------------- */

static void gs_pin(struct gs_worker *w)
{
	cpu_set_t set;
	int i, n = 0;

	w->cpu = -1;
	if (!gs_rt.ncpus)
		return;
	for (i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &gs_rt.cpus))
			continue;
		if (n++ == (int)(w->index % (unsigned int)gs_rt.ncpus)) {
			CPU_ZERO(&set);
			CPU_SET(i, &set);
			if (!sched_setaffinity(0, sizeof(set), &set))
				w->cpu = i;
			return;
		}
	}
}

static void gs_fatal(const char *what, int err)
{
	fprintf(stderr, "gsched: %s: %s\n", what, strerror(-err));
	abort();
}

static void gs_spawn_spare(void);

/* The scheduler loop of one worker (Go's schedule() on g0). */
static void gs_worker_loop(struct gs_worker *w)
{
	struct gsched_switch sw = { .worker = w->index, .op = GSCHED_OP_NONE };
	struct gs_task *t, *dead = NULL;
	void *g0_fake = NULL;		/* ASan: g0's fake stack, while away */
	int ret;

	gs_tls_worker = w;
	for (;;) {
		ret = gs_ioctl(GSCHED_IOC_SWITCH, &sw);
		if (dead) {
			/* EXIT is applied even when the idle wait was
			 * interrupted; after that nothing can run the task */
			if (ret && ret != -EINTR)
				gs_fatal("task exit refused", ret);
			gs_live_del(dead);
			gs_stack_free(dead);
			dead = NULL;
		}
		t = NULL;
		if (ret == -EINTR) {
			/* the op was applied; ask again for a task */
		} else if (ret) {
			/* op refused: the current task continues with it */
			t = w->curr;
			if (!t)
				gs_fatal("scheduler call failed", ret);
			t->op_err = ret;
			t->result = 0;
		} else if (sw.next_flags & GSCHED_NEXT_EXIT) {
			w->status = sw.next_result;
			w->deadlock = sw.next_flags & GSCHED_NEXT_DEADLOCK;
			break;
		} else {
			t = (struct gs_task *)(uintptr_t)sw.next_cookie;
			/* atomic: panic.c's dump reads it */
			__atomic_store_n(&t->id, sw.next_id, __ATOMIC_RELAXED);
			t->op_err = 0;
			t->result = sw.next_result;
			w->p = sw.next_p;
			if (sw.next_flags & GSCHED_NEXT_SPAWN)
				gs_spawn_spare();
		}
		sw.op = GSCHED_OP_NONE;
		sw.arg32 = 0;
		sw.arg64 = 0;
		w->curr = t;
		if (!t)
			continue;

		errno = t->saved_errno;
		w->running = t;			/* preempt.c */
		gs_san_to_task(&g0_fake, t->map, (size_t)((char *)t -
						 (char *)t->map));
		gs_switch(&w->g0_sp, t->sp);
		gs_san_in_g0(g0_fake);
		w->running = NULL;		/* preempt.c */

		/* back on g0: the task asked for w->op */
		sw.op = w->op;
		sw.arg32 = w->arg32;
		sw.arg64 = w->arg64;
		if (w->op == GSCHED_OP_EXIT)
			dead = t;
	}
	w->curr = NULL;
	gs_tls_worker = NULL;
}

static void *gs_worker_thread(void *arg)
{
	struct gs_worker *w = arg;
	struct gsched_worker_reg reg = { .index = w->index };
	int ret;

	if (w->index < gs_rt.nprocs)
		gs_pin(w);	/* spares run wherever they are needed */
	else
		w->cpu = -1;
	ret = gs_ioctl(GSCHED_IOC_WORKER, &reg);
	if (ret == -ESHUTDOWN || (ret && w->index >= gs_rt.nprocs))
		return NULL;	/* main already returned; a spare is optional */
	if (ret)
		gs_fatal("worker registration", ret);
	gs_worker_loop(w);
	return NULL;
}

/*
 * Start the next spare worker: one up front, then one each time the
 * module asks (GSCHED_NEXT_SPAWN: a worker blocked in the kernel had its
 * P handed to the last idle worker). Called on g0 or by gsched_run_opts.
 */
static void gs_spawn_spare(void)
{
	unsigned int i;

	pthread_mutex_lock(&gs_rt.spawn_lock);
	i = gs_rt.next_spare;
	if (!gs_rt.stopping && i < gs_rt.nworkers &&
	    !pthread_create(&gs_rt.threads[i], NULL, gs_worker_thread,
			    &gs_rt.workers[i])) {
		gs_rt.workers[i].started = true;
		gs_rt.next_spare = i + 1;
	}
	pthread_mutex_unlock(&gs_rt.spawn_lock);
}

static unsigned int gs_default_spares(const struct gsched_opts *opts)
{
	const char *env = getenv("GSCHED_SPARES");
	long n;

	if (opts && (opts->flags & GSCHED_OPT_NO_HANDOFF))
		return 0;
	if (opts && opts->max_spares)
		return opts->max_spares;
	if (env && *env) {
		n = strtol(env, NULL, 10);
		if (n >= 0 && n <= 4096)
			return (unsigned int)n;
	}
	return 8;
}

static unsigned int gs_default_nprocs(void)
{
	const char *env = getenv("GSCHED_MAXPROCS");
	long n;

	if (env && *env) {
		n = strtol(env, NULL, 10);
		if (n >= 1 && n <= GSCHED_MAX_PROCS)
			return (unsigned int)n;
	}
	n = gs_rt.ncpus ? gs_rt.ncpus : 1;
	return n > GSCHED_MAX_PROCS ? GSCHED_MAX_PROCS : (unsigned int)n;
}

static void gs_reclaim_all(void)
{
	struct gs_task *t, *next;

	pthread_mutex_lock(&gs_rt.lock);
	t = gs_rt.live.next;
	gs_rt.live.next = gs_rt.live.prev = &gs_rt.live;
	pthread_mutex_unlock(&gs_rt.lock);
	for (; t != &gs_rt.live; t = next) {
		next = t->next;
		gs_stack_free(t);
	}
	gs_stack_cache_drain();
}

/*
 * fork() in a task: the child has one thread, a copy of the parent's
 * runtime state and the parent's instance fd. It starts with no runtime
 * instead (the copied task stacks are simply left in its memory) and may
 * call gsched_run() for its own, or exec.
 */
static void gs_atfork_child(void)
{
	if (gs_rt.fd >= 0)
		close(gs_rt.fd);
	gs_rt.fd = -1;
	gs_rt.workers = NULL;
	gs_rt.threads = NULL;
	gs_rt.live.next = gs_rt.live.prev = &gs_rt.live;
	pthread_mutex_init(&gs_rt.lock, NULL);
	pthread_mutex_init(&gs_rt.spawn_lock, NULL);
	gs_tls_worker = NULL;
	gs_stack_atfork_child();
}

static pthread_once_t gs_atfork_once = PTHREAD_ONCE_INIT;

static void gs_atfork_register(void)
{
	pthread_atfork(NULL, NULL, gs_atfork_child);
}

GS_API int gsched_run_opts(const struct gsched_opts *opts, gsched_fn_t fn,
			   void *arg, long *exit_value)
{
	struct gsched_setup setup = { 0 };
	struct gsched_spawn sp = { 0 };
	struct gsched_worker_reg reg = { 0 };
	cpu_set_t saved;
	bool restore = false;
	struct gs_task *main_t;
	unsigned int i;
	int fd, ret;

	if (!fn)
		return -EINVAL;
	pthread_once(&gs_atfork_once, gs_atfork_register);
	if (__atomic_load_n(&gs_rt.fd, __ATOMIC_ACQUIRE) >= 0)
		return -EBUSY;
	fd = gs_open(NULL);
	if (fd < 0)
		return fd;
	gs_rt.fd = fd;
	gs_rt.live.next = gs_rt.live.prev = &gs_rt.live;

	CPU_ZERO(&gs_rt.cpus);
	gs_rt.ncpus = 0;
	if (!sched_getaffinity(0, sizeof(gs_rt.cpus), &gs_rt.cpus)) {
		gs_rt.ncpus = CPU_COUNT(&gs_rt.cpus);
		saved = gs_rt.cpus;
		restore = true;
	}
	gs_rt.nprocs = opts && opts->nprocs ? opts->nprocs : gs_default_nprocs();
	gs_rt.stack_size = opts && opts->stack_size ? opts->stack_size
						      : GSCHED_STACK_DEFAULT;
	if (gs_rt.stack_size < GSCHED_STACK_MIN) {
		ret = -EINVAL;
		goto out_close;
	}
	setup.nprocs = gs_rt.nprocs;
	setup.max_tasks = opts ? opts->max_tasks : 0;
	setup.max_spares = gs_default_spares(opts);
	gs_preempt_setup(&setup, opts);		/* preempt.c */
	ret = gs_ioctl(GSCHED_IOC_SETUP, &setup);
	if (ret)
		goto out_close;
	gs_rt.instance_id = setup.instance_id;

	gs_rt.nworkers = gs_rt.nprocs + setup.max_spares_out;
	gs_rt.workers = calloc(gs_rt.nworkers, sizeof(*gs_rt.workers));
	gs_rt.threads = calloc(gs_rt.nworkers, sizeof(*gs_rt.threads));
	gs_rt.next_spare = gs_rt.nprocs;
	gs_rt.stopping = false;
	main_t = gs_stack_alloc(gs_rt.stack_size);
	if (!gs_rt.workers || !gs_rt.threads || !main_t) {
		ret = -ENOMEM;
		goto out_free;
	}
	main_t->fn = fn;
	main_t->arg = arg;
	gs_stack_init(main_t, main_t);
	gs_live_add(main_t);
	sp.flags = GSCHED_SPAWN_MAIN | GSCHED_SPAWN_DETACHED;
	sp.worker = GSCHED_NO_WORKER;
	sp.cookie = (uint64_t)(uintptr_t)main_t;
	ret = gs_ioctl(GSCHED_IOC_SPAWN, &sp);
	if (ret)
		goto out_free;
	main_t->id = sp.id;
	gs_panic_setup(opts);			/* panic.c */

	for (i = 0; i < gs_rt.nworkers; i++)
		gs_rt.workers[i].index = i;
	/* The calling thread is worker 0; register it first so the others
	 * cannot find the instance without a worker for long. */
	gs_pin(&gs_rt.workers[0]);
	reg.index = 0;
	ret = gs_ioctl(GSCHED_IOC_WORKER, &reg);
	if (ret)
		goto out_free;
	for (i = 1; i < gs_rt.nprocs; i++) {
		ret = -pthread_create(&gs_rt.threads[i], NULL, gs_worker_thread,
				      &gs_rt.workers[i]);
		if (ret)
			gs_fatal("cannot start worker thread", ret);
		gs_rt.workers[i].started = true;
	}
	/* one spare up front; the module asks for more as they are used */
	gs_spawn_spare();
	gs_worker_loop(&gs_rt.workers[0]);
	pthread_mutex_lock(&gs_rt.spawn_lock);
	gs_rt.stopping = true;
	pthread_mutex_unlock(&gs_rt.spawn_lock);
	for (i = 1; i < gs_rt.nworkers; i++)
		if (gs_rt.workers[i].started)
			pthread_join(gs_rt.threads[i], NULL);

	ret = 0;
	/* Go's throw: the tasks are still listed, the instance still open */
	if (gs_rt.workers[0].deadlock && gs_panic_mode)
		gs_panic(GS_FATAL, "all goroutines are asleep - deadlock!");
	if (gs_rt.workers[0].deadlock)
		ret = -EDEADLK;
	else if (exit_value)
		*exit_value = (long)gs_rt.workers[0].status;

out_free:
	gs_reclaim_all();
	free(gs_rt.threads);
	gs_rt.threads = NULL;
	free(gs_rt.workers);
	gs_rt.workers = NULL;
out_close:
	gs_panic_teardown();			/* panic.c */
	close(fd);
	__atomic_store_n(&gs_rt.fd, -1, __ATOMIC_RELEASE);
	if (restore)
		sched_setaffinity(0, sizeof(saved), &saved);
	gs_preempt_teardown();			/* preempt.c */
	return ret;
}

GS_API int gsched_run(gsched_fn_t fn, void *arg, long *exit_value)
{
	return gsched_run_opts(NULL, fn, arg, exit_value);
}
