// SPDX-License-Identifier: GPL-2.0
/*
 * SWITCH through raw ioctls: the arguments each op takes, yield, exit,
 * join and park, the deadlock reports, and an idle wait interrupted by
 * a signal. One error path per subtest.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "abi.h"

TEST_F(rt, switch_op_too_big)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_MAX + 1, 0, 0, NULL));
}

TEST_F(ready, switch_op_without_task)
{
	unsigned int op;

	ASSERT_EQ(0, gs_worker(self->fd, 0));
	for (op = GSCHED_OP_NONE + 1; op <= GSCHED_OP_MAX; op++)
		EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, op, 0, 0, NULL))
			TH_LOG("op %u", op);
}

TEST_F(ready, switch_none_with_arg32)
{
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, NULL));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_NONE, 1, 0, NULL));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "runqueue"));
}

TEST_F(ready, switch_none_with_arg64)
{
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, NULL));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, -1, NULL));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "runqueue"));
}

TEST_F(rt, switch_none_with_current_task)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, NULL));
}

TEST_F(rt, yield_with_arg)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 1, 0, NULL));
}

TEST_F(rt, exit_with_arg32)
{
	struct gsched_task_info ti;

	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 1, 0, NULL));
	ASSERT_EQ(0, gs_info(self->fd, self->main_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
}

TEST_F(rt, join_with_arg64)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id,
				     1, NULL));
}

TEST_F(rt, park_reason_join)
{
	struct gsched_task_info ti;

	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_PARK,
				     GSCHED_WAIT_JOIN, 0, NULL));
	ASSERT_EQ(0, gs_info(self->fd, self->main_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
	EXPECT_EQ(0, ti.wait_reason);
}

TEST_F(rt, park_reason_none)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_PARK,
				     GSCHED_WAIT_NONE, 0, NULL));
}

TEST_F(rt, park_reason_too_big)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_PARK,
				     GSCHED_WAIT_MAX + 1, 0, NULL));
}

TEST_F(rt, park_with_arg64)
{
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_PARK,
				     GSCHED_WAIT_PARK, 1, NULL));
}

TEST_F(rt, join_self)
{
	struct gsched_task_info ti;

	EXPECT_EQ(-EDEADLK, gs_switch(self->fd, 0, GSCHED_OP_JOIN,
				      self->main_id, 0, NULL));
	ASSERT_EQ(0, gs_info(self->fd, self->main_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
}

TEST_F(rt, join_forged_handles)
{
	static const unsigned int forged[] = { 0, 999999, 0x7fffffff,
					       0x80000000, 0xffffffff };
	struct gsched_task_info ti;
	unsigned int i;

	for (i = 0; i < sizeof(forged) / sizeof(forged[0]); i++)
		EXPECT_EQ(-EBADF, gs_switch(self->fd, 0, GSCHED_OP_JOIN,
					    forged[i], 0, NULL))
			TH_LOG("handle %#x", forged[i]);
	ASSERT_EQ(0, gs_info(self->fd, self->main_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
}

/* Handles are local to one instance. */
TEST_F(rt, join_other_instances_handle)
{
	unsigned int other;
	int fd2 = gs_raw_instance(1, NULL);

	ASSERT_LE(0, fd2);
	/* make the other instance's handle one this instance lacks */
	ASSERT_EQ(0, gs_spawn(fd2, 0, GSCHED_NO_WORKER, 1, NULL));
	ASSERT_EQ(0, gs_spawn(fd2, 0, GSCHED_NO_WORKER, 2, NULL));
	ASSERT_EQ(0, gs_spawn(fd2, 0, GSCHED_NO_WORKER, 3, &other));
	ASSERT_NE(self->main_id, other);
	ASSERT_NE(self->b_id, other);
	EXPECT_EQ(-EBADF, gs_switch(self->fd, 0, GSCHED_OP_JOIN, other, 0,
				    NULL));
	close(fd2);
}

TEST_F(rt, exit_main_ends_runtime)
{
	struct gsched_switch sw;
	struct gsched_task_info ti;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 42, &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(42, sw.next_result);
	EXPECT_EQ(0, sw.next_cookie);
	EXPECT_EQ(0, sw.next_id);
	/* joinable main: dead, not freed */
	ASSERT_EQ(0, gs_info(self->fd, self->main_id, &ti));
	EXPECT_EQ(GSCHED_TASK_DEAD, ti.state);
	EXPECT_EQ(42, ti.exit_value);
	/* later calls keep saying so */
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(42, sw.next_result);
}

TEST_F(rt, exit_negative_value)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, INT64_MIN, &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(INT64_MIN, sw.next_result);
}

TEST_F(rt, yield_runs_other_task)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	EXPECT_EQ(0, sw.next_flags);
	EXPECT_EQ(self->b_id, sw.next_id);
	EXPECT_EQ(COOKIE_B, sw.next_cookie);
	EXPECT_EQ(0, sw.next_result);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
}

TEST_F(rt, join_returns_exit_value)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 7, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(7, sw.next_result);
	/* joined: the handle is gone */
	EXPECT_EQ(-EBADF, gs_info(self->fd, self->b_id, NULL));
}

TEST_F(rt, join_dead_task_returns_at_once)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, -5, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id, 0, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(-5, sw.next_result);
	EXPECT_EQ(-EBADF, gs_info(self->fd, self->b_id, NULL));
}

TEST_F(rt, join_twice)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 1, &sw));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id, 0, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(-EBADF, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id, 0,
				    NULL));
}

TEST_F(rt, join_detached)
{
	ASSERT_EQ(0, gs_detach(self->fd, self->b_id));
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id,
				     0, NULL));
}

/* A second joiner of the same task is refused. */
TEST_F(rt, join_second_joiner)
{
	struct gsched_switch sw;
	unsigned int c_id;

	ASSERT_EQ(0, gs_spawn(self->fd, 0, 0, COOKIE_C, &c_id));
	/* main waits for b; c (runnext) runs and tries the same */
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id, 0, &sw));
	ASSERT_EQ(c_id, sw.next_id);
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id,
				     0, NULL));
}

/* The only task parks: nothing can wake it, the runtime reports deadlock. */
TEST_F(ready, park_deadlock)
{
	struct gsched_task_info ti;
	struct gsched_switch sw;
	char line[1024], what[64];
	unsigned int id;
	int kfd;

	ASSERT_EQ(0, gs_spawn(self->fd, 0, GSCHED_NO_WORKER, COOKIE_B, &id));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	ASSERT_EQ(id, sw.next_id);
	kfd = kmsg_open();
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_PARK, GSCHED_WAIT_USER,
			       0, &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT | GSCHED_NEXT_DEADLOCK, sw.next_flags);
	EXPECT_EQ(0, sw.next_result);
	EXPECT_EQ(0, sw.next_cookie);
	ASSERT_EQ(0, gs_info(self->fd, id, &ti));
	EXPECT_EQ(GSCHED_TASK_WAITING, ti.state);
	EXPECT_EQ(GSCHED_WAIT_USER, ti.wait_reason);
	if (kfd < 0) {
		TH_LOG("/dev/kmsg: %m: kernel log not checked");
		return;
	}
	snprintf(what, sizeof(what), "instance %u (pid %d)", self->inst_id,
		 getpid());
	EXPECT_TRUE(kmsg_find(kfd, what, line, sizeof(line)))
		TH_LOG("no '%s' in the kernel log", what);
	EXPECT_NE(NULL, strstr(line, "all goroutines are asleep"))
		TH_LOG("line: %s", line);
	snprintf(what, sizeof(what), "task %u waiting (user)", id);
	EXPECT_TRUE(kmsg_find(kfd, what, line, sizeof(line)))
		TH_LOG("no '%s' in the kernel log", what);
	close(kfd);
}

/* Two tasks join each other: a deadlock too. */
TEST_F(rt, join_cycle_deadlock)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->b_id, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_JOIN, self->main_id, 0,
			       &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT | GSCHED_NEXT_DEADLOCK, sw.next_flags);
	EXPECT_EQ(0, sw.next_result);
}

/* An unpark before the park leaves a permit: the park returns at once. */
TEST_F(rt, park_consumes_permit)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_unpark(self->fd, 0, self->main_id));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_PARK, GSCHED_WAIT_PARK,
			       0, &sw));
	EXPECT_EQ(0, sw.next_flags);
	EXPECT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(COOKIE_MAIN, sw.next_cookie);
}

/* Worker 1 registers and spawns on its P, then leaves without a SWITCH. */
static void *spawn_on_worker1(void *arg)
{
	struct thread_call *c = arg;

	c->ret = gs_worker(c->fd, 1);
	if (!c->ret)
		c->ret = gs_spawn(c->fd, 0, 1, COOKIE_C, &c->id);
	return NULL;
}

/*
 * A signal ends an idle wait with -EINTR; the next SWITCH(OP_NONE) goes
 * back to waiting and is woken by new work (here a task spawned on the
 * other P, which the woken worker steals).
 */
TEST_F(dev, switch_interrupted_then_resumed)
{
	struct thread_call c = { .fd = self->fd };
	struct gsched_switch sw;
	struct gsched_setup s;
	pthread_t th;

	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, &s));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	watchdog(1);
	EXPECT_EQ(-EINTR, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	EXPECT_EQ(1, gs_sysfs_inst(s.instance_id, "idleprocs"));
	/* still idle: the call resumes the wait */
	watchdog(1);
	EXPECT_EQ(-EINTR, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	ASSERT_EQ(0, pthread_create(&th, NULL, spawn_on_worker1, &c));
	pthread_join(th, NULL);
	ASSERT_EQ(0, c.ret);
	watchdog(WATCHDOG_SECS);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	EXPECT_EQ(0, sw.next_flags);
	EXPECT_EQ(c.id, sw.next_id);
	EXPECT_EQ(COOKIE_C, sw.next_cookie);
}

ABI_TEST_MAIN
