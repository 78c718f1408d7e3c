// SPDX-License-Identifier: GPL-2.0
/*
 * Task handles through raw ioctls: SPAWN (cookies, the main task, the
 * task cap, runnext), UNPARK, DETACH and TASK_INFO on forged, dead,
 * detached, parked and channel-waiting tasks. One error path per
 * subtest.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "abi.h"

/* ---- spawn ----------------------------------------------------------- */

TEST_F(ready, spawn_cookie_zero)
{
	EXPECT_EQ(-EINVAL, gs_spawn(self->fd, 0, GSCHED_NO_WORKER, 0, NULL));
	EXPECT_EQ(0, gs_sysfs_inst(self->inst_id, "spawned"));
}

TEST_F(ready, spawn_no_worker_after_register)
{
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(-EPERM, gs_spawn(self->fd, 0, GSCHED_NO_WORKER, 1, NULL));
}

TEST_F(ready, spawn_second_main)
{
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, NULL));
	EXPECT_EQ(-EINVAL, gs_spawn(self->fd, GSCHED_SPAWN_MAIN,
				    GSCHED_NO_WORKER, COOKIE_B, NULL));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "tasks"));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "spawned"));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "runqueue"));
}

TEST_F(rt, spawn_main_from_worker)
{
	EXPECT_EQ(-EINVAL, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, 0,
				    COOKIE_C, NULL));
}

TEST_F(rt, spawn_worker_out_of_range)
{
	EXPECT_EQ(-EINVAL, gs_spawn(self->fd, 0, 1, COOKIE_C, NULL));
}

TEST_F(ready, spawn_cap)
{
	struct gsched_setup s;
	int fd, i;

	fd = gs_open_dev();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, gs_setup(fd, 1, 3, &s));
	ASSERT_EQ(3, s.max_tasks_out);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, gs_spawn(fd, 0, GSCHED_NO_WORKER, 1 + i, NULL));
	EXPECT_EQ(-EAGAIN, gs_spawn(fd, 0, GSCHED_NO_WORKER, 4, NULL));
	EXPECT_EQ(3, gs_sysfs_inst(s.instance_id, "tasks"));
	close(fd);
}

/* A dead task counts against the cap until it is joined or detached. */
TEST_F(dev, spawn_cap_counts_dead_until_reaped)
{
	struct gsched_switch sw;
	unsigned int main_id, b_id, c_id;

	ASSERT_EQ(0, gs_setup(self->fd, 1, 2, NULL));
	watchdog(WATCHDOG_SECS);
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, &main_id));
	ASSERT_EQ(0, gs_spawn(self->fd, 0, GSCHED_NO_WORKER, COOKIE_B, &b_id));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &sw));
	ASSERT_EQ(main_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 1, &sw));
	ASSERT_EQ(main_id, sw.next_id);
	ASSERT_EQ(-EAGAIN, gs_spawn(self->fd, 0, 0, COOKIE_C, &c_id));
	ASSERT_EQ(0, gs_detach(self->fd, b_id));
	EXPECT_EQ(0, gs_spawn(self->fd, 0, 0, COOKIE_C, &c_id));
}

TEST_F(rt, spawn_after_stop)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 0, &sw));
	ASSERT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(-ESHUTDOWN, gs_spawn(self->fd, 0, 0, COOKIE_C, NULL));
}

/* Go's newproc: the new task goes to the spawner's runnext. */
TEST_F(rt, spawn_from_worker_runs_next)
{
	struct gsched_switch sw;
	struct gsched_task_info ti;
	unsigned int c_id;

	ASSERT_EQ(0, gs_spawn(self->fd, 0, 0, COOKIE_C, &c_id));
	ASSERT_EQ(0, gs_info(self->fd, c_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNABLE, ti.state);
	EXPECT_EQ(-1, ti.last_cpu);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	EXPECT_EQ(c_id, sw.next_id);
	EXPECT_EQ(COOKIE_C, sw.next_cookie);
	ASSERT_EQ(0, gs_info(self->fd, c_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
	EXPECT_EQ(0, ti.last_cpu);
}

/* ---- unpark, detach, task info --------------------------------------- */

static const unsigned int forged_ids[] = { 0, 999999, 0x7fffffff, 0xffffffff };

TEST_F(rt, unpark_forged_handles)
{
	unsigned int i;

	for (i = 0; i < sizeof(forged_ids) / sizeof(forged_ids[0]); i++)
		EXPECT_EQ(-EBADF, gs_unpark(self->fd, 0, forged_ids[i]))
			TH_LOG("handle %#x", forged_ids[i]);
}

TEST_F(rt, detach_forged_handles)
{
	unsigned int i;

	for (i = 0; i < sizeof(forged_ids) / sizeof(forged_ids[0]); i++)
		EXPECT_EQ(-EBADF, gs_detach(self->fd, forged_ids[i]))
			TH_LOG("handle %#x", forged_ids[i]);
}

TEST_F(rt, task_info_forged_handles)
{
	unsigned int i;

	for (i = 0; i < sizeof(forged_ids) / sizeof(forged_ids[0]); i++)
		EXPECT_EQ(-EBADF, gs_info(self->fd, forged_ids[i], NULL))
			TH_LOG("handle %#x", forged_ids[i]);
}

TEST_F(rt, detach_with_worker)
{
	struct gsched_task_op op = { .worker = 1, .id = self->b_id };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_DETACH, &op));
}

/* b exited, joinable and not joined: it cannot be woken. */
TEST_F(rt, unpark_dead_task)
{
	struct gsched_task_info ti;
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 9, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	ASSERT_EQ(GSCHED_TASK_DEAD, ti.state);
	EXPECT_EQ(9, ti.exit_value);
	EXPECT_EQ(-ESRCH, gs_unpark(self->fd, 0, self->b_id));
}

TEST_F(rt, detach_twice)
{
	ASSERT_EQ(0, gs_detach(self->fd, self->b_id));
	EXPECT_EQ(-EINVAL, gs_detach(self->fd, self->b_id));
}

TEST_F(rt, detach_dead_task_frees_it)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 9, &sw));
	ASSERT_EQ(0, gs_detach(self->fd, self->b_id));
	EXPECT_EQ(-EBADF, gs_info(self->fd, self->b_id, NULL));
}

TEST_F(rt, detached_task_freed_on_exit)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_detach(self->fd, self->b_id));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 9, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(-EBADF, gs_info(self->fd, self->b_id, NULL));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "exited"));
}

TEST_F(rt, task_info_runnable)
{
	struct gsched_task_info ti;

	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNABLE, ti.state);
	EXPECT_EQ(0, ti.wait_reason);
	EXPECT_EQ(-1, ti.last_cpu);
	EXPECT_EQ(0, ti.exit_value);
	EXPECT_EQ(0, ti.__pad);
}

TEST_F(rt, task_info_parked)
{
	struct gsched_task_info ti;
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_PARK, GSCHED_WAIT_PARK,
			       0, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	EXPECT_EQ(GSCHED_TASK_WAITING, ti.state);
	EXPECT_EQ(GSCHED_WAIT_PARK, ti.wait_reason);
	EXPECT_EQ(0, ti.last_cpu);
}

TEST_F(rt, unpark_wakes_parked_task)
{
	struct gsched_task_info ti;
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_PARK, GSCHED_WAIT_USER,
			       0, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	ASSERT_EQ(0, gs_unpark(self->fd, 0, self->b_id));
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNABLE, ti.state);
	/* Go's ready(): the woken task runs next */
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	EXPECT_EQ(self->b_id, sw.next_id);
	EXPECT_EQ(0, sw.next_result);
}

static int gs_chan_make(int fd, unsigned int elem_size, unsigned int cap,
			unsigned int *handle)
{
	struct gsched_chan_make m = { .elem_size = elem_size, .cap = cap };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &m);

	if (!ret)
		*handle = m.handle;
	return ret;
}

static int gs_chan_trysend(int fd, unsigned int worker, unsigned int handle,
			   const void *val)
{
	struct gsched_chan_op op = {
		.worker = worker, .op = GSCHED_CHAN_TRYSEND, .handle = handle,
		.buf = (uintptr_t)val,
	};

	return gs_raw_ioctl(fd, GSCHED_IOC_CHAN, &op);
}

/*
 * b blocks receiving from an unbuffered channel (main runs again).
 * UNPARK is for GSCHED_OP_PARK: a task waiting on a channel is woken by
 * the channel, never by UNPARK.
 */
static void chan_block_b(struct __test_metadata *_metadata,
			 FIXTURE_DATA(rt) *self, unsigned int *ch,
			 uint64_t *val)
{
	struct gsched_task_info ti;
	struct gsched_switch sw;

	ASSERT_EQ(0, gs_chan_make(self->fd, sizeof(*val), 0, ch));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_RECV, *ch,
			       (uintptr_t)val, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	ASSERT_EQ(GSCHED_TASK_WAITING, ti.state);
	ASSERT_EQ(GSCHED_WAIT_CHAN_RECV, ti.wait_reason);
}

TEST_F(rt, unpark_chan_waiter_stays_waiting)
{
	struct gsched_task_info ti;
	uint64_t val = 0;
	unsigned int ch;

	chan_block_b(_metadata, self, &ch, &val);
	gs_unpark(self->fd, 0, self->b_id);
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	EXPECT_EQ(GSCHED_TASK_WAITING, ti.state);
	EXPECT_EQ(GSCHED_WAIT_CHAN_RECV, ti.wait_reason);
}

/*
 * Whatever UNPARK does to a channel waiter, the task must not be queued
 * twice when the channel then wakes it: after b exits, only main is left.
 */
TEST_F(rt, unpark_chan_waiter_runs_once)
{
	uint64_t val = 0, v77 = 77;
	struct gsched_switch sw;
	unsigned int ch;

	chan_block_b(_metadata, self, &ch, &val);
	gs_unpark(self->fd, 0, self->b_id);
	gs_chan_trysend(self->fd, 0, ch, &v77);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 0, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
	ASSERT_NE(self->b_id, sw.next_id) TH_LOG("b runs again after its exit");
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
}

/* An UNPARKed sender must not resume as if its value had been taken. */
TEST_F(rt, unpark_chan_sender_keeps_value)
{
	uint64_t v5 = 5, got = 0;
	struct gsched_chan_op op = { .worker = 0, .op = GSCHED_CHAN_TRYRECV,
				     .buf = (uintptr_t)&got };
	struct gsched_switch sw;
	unsigned int ch;

	ASSERT_EQ(0, gs_chan_make(self->fd, sizeof(v5), 0, &ch));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(self->b_id, sw.next_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_SEND, ch,
			       (uintptr_t)&v5, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	gs_unpark(self->fd, 0, self->b_id);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	EXPECT_EQ(self->main_id, sw.next_id)
		TH_LOG("b resumed from SEND with result %lld, nobody received",
		       (long long)sw.next_result);
	if (sw.next_id == self->b_id) {
		ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
		ASSERT_EQ(self->main_id, sw.next_id);
	}
	/* the sender still offers its value */
	op.handle = ch;
	EXPECT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &op));
	EXPECT_EQ(1, op.ok);
	EXPECT_EQ(5, got);
}

ABI_TEST_MAIN
