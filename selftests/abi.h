/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The raw calls and fixtures the abi_*_test.c selftests share: they drive
 * /dev/gsched with raw ioctls only (header-only, one per test).
 *
 * A single thread plays worker 0 and every task: with nprocs = 1 and tasks
 * spawned with GSCHED_NO_WORKER before the worker registers, the order in
 * which SWITCH hands them out is fixed (see the fixture "rt"). Anything
 * that could block forever runs under a watchdog: SIGALRM interrupts the
 * ioctl (-EINTR), so a kernel bug fails the test instead of hanging it.
 *
 * Include after kselftest_harness.h, gsched.h and common.h.
 */
#ifndef GSCHED_SELFTEST_ABI_H
#define GSCHED_SELFTEST_ABI_H

#include <pthread.h>
#include <signal.h>

#define COOKIE_MAIN	0x1234ULL
#define COOKIE_B	0xb0b0ULL
#define COOKIE_C	0xc0c0ULL
#define WATCHDOG_SECS	20	/* below the harness's 30 s */

static inline void watchdog_fired(int sig)
{
}

/* Interrupt a SWITCH that sleeps for good: it then fails with -EINTR. */
static inline void watchdog(unsigned int secs)
{
	struct sigaction sa = { .sa_handler = watchdog_fired };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarm(secs);
}

/* ---- raw calls ---------------------------------------------------------- */

static inline int gs_setup(int fd, unsigned int nprocs,
			   unsigned int max_tasks, struct gsched_setup *out)
{
	struct gsched_setup s = { .nprocs = nprocs, .max_tasks = max_tasks };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SETUP, &s);

	if (out)
		*out = s;
	return ret;
}

static inline int gs_worker(int fd, unsigned int index)
{
	struct gsched_worker_reg wk = { .index = index };

	return gs_raw_ioctl(fd, GSCHED_IOC_WORKER, &wk);
}

static inline int gs_spawn(int fd, unsigned int flags, unsigned int worker,
			   uint64_t cookie, unsigned int *id)
{
	struct gsched_spawn sp = {
		.flags = flags, .worker = worker, .cookie = cookie,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SPAWN, &sp);

	if (!ret && id)
		*id = sp.id;
	return ret;
}

static inline int gs_switch(int fd, unsigned int worker, unsigned int op,
			    unsigned int arg32, int64_t arg64,
			    struct gsched_switch *out)
{
	struct gsched_switch sw = {
		.worker = worker, .op = op, .arg32 = arg32, .arg64 = arg64,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SWITCH, &sw);

	if (out)
		*out = sw;
	return ret;
}

static inline int gs_unpark(int fd, unsigned int worker, unsigned int id)
{
	struct gsched_task_op op = { .worker = worker, .id = id };

	return gs_raw_ioctl(fd, GSCHED_IOC_UNPARK, &op);
}

static inline int gs_detach(int fd, unsigned int id)
{
	struct gsched_task_op op = { .id = id };

	return gs_raw_ioctl(fd, GSCHED_IOC_DETACH, &op);
}

static inline int gs_info(int fd, unsigned int id,
			  struct gsched_task_info *out)
{
	struct gsched_task_info ti = { .id = id };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_TASK_INFO, &ti);

	if (out)
		*out = ti;
	return ret;
}

/* Run one call on a new thread (that is not a registered worker). */
struct thread_call {
	int fd;
	unsigned int index;	/* worker index to register or name */
	unsigned int id;	/* task for UNPARK */
	unsigned long cmd;
	int ret;
};

static inline void *thread_call_fn(void *arg)
{
	struct thread_call *c = arg;

	if (c->cmd == GSCHED_IOC_WORKER)
		c->ret = gs_worker(c->fd, c->index);
	else if (c->cmd == GSCHED_IOC_UNPARK)
		c->ret = gs_unpark(c->fd, c->index, c->id);
	else
		c->ret = -ENOSYS;
	return NULL;
}

static inline int in_thread(int fd, unsigned long cmd, unsigned int index,
			    unsigned int id)
{
	struct thread_call c = { .fd = fd, .cmd = cmd, .index = index,
				 .id = id };
	pthread_t th;
	int err = pthread_create(&th, NULL, thread_call_fn, &c);

	if (err)
		return -err;
	pthread_join(th, NULL);
	return c.ret;
}

/* ---- fixtures ----------------------------------------------------------- */

/* An open, not set up instance. */
FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = -1;
	self->fd = gs_open_dev();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %m", GSCHED_DEVICE);
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* Set up with one P, no worker registered yet. */
FIXTURE(ready) {
	int fd;
	unsigned int inst_id;
};

FIXTURE_SETUP(ready)
{
	self->fd = -1;
	self->fd = gs_raw_instance(1, &self->inst_id);
	ASSERT_LE(0, self->fd) TH_LOG("raw instance: %s", strerror(-self->fd));
	watchdog(WATCHDOG_SECS);
}

FIXTURE_TEARDOWN(ready)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * A running runtime on one P: task "main" (GSCHED_SPAWN_MAIN) runs on
 * worker 0 (this thread), task "b" waits in the global queue. The next
 * SWITCH that gives main up hands out b (the first SWITCH took only main
 * from the global queue: Go's every-61st-tick fairness check at tick 0).
 */
FIXTURE(rt) {
	int fd;
	unsigned int inst_id;
	unsigned int main_id;
	unsigned int b_id;
};

FIXTURE_SETUP(rt)
{
	struct gsched_switch sw;

	self->fd = -1;
	watchdog(WATCHDOG_SECS);
	self->fd = gs_raw_instance(1, &self->inst_id);
	ASSERT_LE(0, self->fd) TH_LOG("raw instance: %s", strerror(-self->fd));
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, &self->main_id));
	ASSERT_EQ(0, gs_spawn(self->fd, 0, GSCHED_NO_WORKER, COOKIE_B,
			      &self->b_id));
	ASSERT_NE(0, self->main_id);
	ASSERT_NE(self->main_id, self->b_id);
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	ASSERT_EQ(0, sw.next_flags);
	ASSERT_EQ(COOKIE_MAIN, sw.next_cookie);
	ASSERT_EQ(self->main_id, sw.next_id);
	ASSERT_EQ(0, sw.next_result);
}

FIXTURE_TEARDOWN(rt)
{
	if (self->fd >= 0)
		close(self->fd);
}

/*
 * main(): without the module every test would fail the same way, so the
 * whole binary is skipped instead.
 */
#define ABI_TEST_MAIN							\
	int main(int argc, char **argv)					\
	{								\
		if (access(GSCHED_DEVICE, R_OK | W_OK))			\
			ksft_exit_skip("%s: %s (gsched module not loaded)\n", \
				       GSCHED_DEVICE, strerror(errno));	\
		return gs_harness_main(argc, argv);			\
	}

#endif
