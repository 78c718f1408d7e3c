// SPDX-License-Identifier: GPL-2.0
/*
 * Workers through raw ioctls: registering a thread as the worker of a P,
 * and which thread may then act as which worker (other threads, forked
 * children, a runtime that has stopped). One error path per subtest.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <sys/wait.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "abi.h"

TEST_F(ready, worker_index_out_of_range)
{
	EXPECT_EQ(-EINVAL, gs_worker(self->fd, 1));
}

TEST_F(ready, worker_index_no_worker)
{
	EXPECT_EQ(-EINVAL, gs_worker(self->fd, GSCHED_NO_WORKER));
}

TEST_F(ready, worker_registers)
{
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(1, gs_sysfs_inst(self->inst_id, "threads"));
}

TEST_F(dev, worker_same_index_twice)
{
	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, NULL));
	ASSERT_EQ(0, in_thread(self->fd, GSCHED_IOC_WORKER, 0, 0));
	EXPECT_EQ(-EBUSY, gs_worker(self->fd, 0));
}

TEST_F(dev, worker_same_thread_twice)
{
	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, NULL));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(-EBUSY, gs_worker(self->fd, 1));
}

TEST_F(dev, switch_other_threads_worker)
{
	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, NULL));
	ASSERT_EQ(0, in_thread(self->fd, GSCHED_IOC_WORKER, 0, 0));
	EXPECT_EQ(-EPERM, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, NULL));
}

TEST_F(dev, switch_unregistered_worker)
{
	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, NULL));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(-EPERM, gs_switch(self->fd, 1, GSCHED_OP_NONE, 0, 0, NULL));
}

TEST_F(dev, switch_worker_out_of_range)
{
	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, NULL));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	EXPECT_EQ(-EINVAL, gs_switch(self->fd, 2, GSCHED_OP_NONE, 0, 0, NULL));
}

TEST_F(dev, spawn_other_threads_worker)
{
	ASSERT_EQ(0, gs_setup(self->fd, 2, 0, NULL));
	ASSERT_EQ(0, in_thread(self->fd, GSCHED_IOC_WORKER, 0, 0));
	EXPECT_EQ(-EPERM, gs_spawn(self->fd, 0, 0, COOKIE_C, NULL));
}

/* A forked child shares the file but is not the parent's worker thread. */
TEST_F(dev, switch_from_forked_child)
{
	int status;
	pid_t pid;

	ASSERT_EQ(0, gs_setup(self->fd, 1, 0, NULL));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		alarm(WATCHDOG_SECS);
		_exit(-gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, NULL));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	EXPECT_EQ(EPERM, WEXITSTATUS(status));
}

TEST_F(rt, unpark_wrong_thread)
{
	EXPECT_EQ(-EPERM, in_thread(self->fd, GSCHED_IOC_UNPARK, 0, self->b_id));
}

TEST_F(dev, worker_after_stop)
{
	struct gsched_switch sw;
	int fd2 = self->fd;

	/* two Ps, stopped before worker 1 came */
	watchdog(WATCHDOG_SECS);
	ASSERT_EQ(0, gs_setup(fd2, 2, 0, NULL));
	ASSERT_EQ(0, gs_spawn(fd2, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, NULL));
	ASSERT_EQ(0, gs_worker(fd2, 0));
	ASSERT_EQ(0, gs_switch(fd2, 0, GSCHED_OP_NONE, 0, 0, &sw));
	ASSERT_EQ(0, gs_switch(fd2, 0, GSCHED_OP_EXIT, 0, 3, &sw));
	ASSERT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(-ESHUTDOWN, in_thread(fd2, GSCHED_IOC_WORKER, 1, 0));
}

ABI_TEST_MAIN
