// SPDX-License-Identifier: GPL-2.0
/*
 * Instances through raw ioctls: many opens, their sysfs directories, a
 * killed process, SETUP and its limits, every call before SETUP, and
 * the per-instance counters after a round trip. One error path per
 * subtest.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "abi.h"

/* ---- instances ------------------------------------------------------- */

#define MANY_OPENS 200

TEST(open_close_many)
{
	int fds[MANY_OPENS], i;
	long long before;

	before = gs_sysfs_global("nr_instances");
	ASSERT_LE(0, before);
	for (i = 0; i < MANY_OPENS; i++) {
		fds[i] = gs_open_dev();
		ASSERT_LE(0, fds[i]) TH_LOG("open #%d: %m", i);
	}
	EXPECT_EQ(before + MANY_OPENS, gs_sysfs_global("nr_instances"));
	for (i = 0; i < MANY_OPENS; i++)
		close(fds[i]);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

#define SYSFS_INSTANCES 16

TEST(instance_sysfs_dirs)
{
	unsigned int ids[SYSFS_INSTANCES];
	int fds[SYSFS_INSTANCES], i, j;
	char path[128];
	struct stat st;

	for (i = 0; i < SYSFS_INSTANCES; i++) {
		fds[i] = gs_raw_instance(1 + i % 4, &ids[i]);
		ASSERT_LE(0, fds[i]) TH_LOG("instance #%d: %s", i,
					    strerror(-fds[i]));
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[j], ids[i]);
		snprintf(path, sizeof(path), GS_SYSFS "/instances/%u", ids[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %m", path);
		ASSERT_TRUE(S_ISDIR(st.st_mode));
		EXPECT_EQ(getpid(), gs_sysfs_inst(ids[i], "pid"));
		EXPECT_EQ(1 + i % 4, gs_sysfs_inst(ids[i], "gomaxprocs"));
		EXPECT_EQ(0, gs_sysfs_inst(ids[i], "threads"));
		EXPECT_EQ(0, gs_sysfs_inst(ids[i], "tasks"));
	}
	for (i = 0; i < SYSFS_INSTANCES; i++) {
		close(fds[i]);
		snprintf(path, sizeof(path), GS_SYSFS "/instances/%u", ids[i]);
		EXPECT_EQ(-1, stat(path, &st));
		EXPECT_EQ(ENOENT, errno);
	}
}

/*
 * A killed process with five instances, one with a worker asleep in
 * SWITCH, one with a running task, one with queued tasks: all go away.
 */
TEST(killed_process_frees_instances)
{
	long long before, n = -1;
	unsigned int ids[5];
	int pfd[2], status, i;
	pid_t pid;

	before = gs_sysfs_global("nr_instances");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fds[5];

		alarm(30);	/* never outlive the test */
		close(pfd[0]);
		for (i = 0; i < 5; i++) {
			fds[i] = gs_raw_instance(1, &ids[i]);
			if (fds[i] < 0)
				_exit(10 + i);
		}
		/* queued tasks */
		if (gs_spawn(fds[1], 0, GSCHED_NO_WORKER, COOKIE_B, NULL) ||
		    gs_spawn(fds[1], 0, GSCHED_NO_WORKER, COOKIE_C, NULL))
			_exit(20);
		/* a running task */
		if (gs_spawn(fds[3], GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			     COOKIE_MAIN, NULL) || gs_worker(fds[3], 0) ||
		    gs_switch(fds[3], 0, GSCHED_OP_NONE, 0, 0, NULL))
			_exit(21);
		/* a worker with nothing to run sleeps in SWITCH */
		if (gs_worker(fds[2], 0))
			_exit(22);
		if (write(pfd[1], ids, sizeof(ids)) != sizeof(ids))
			_exit(23);
		gs_switch(fds[2], 0, GSCHED_OP_NONE, 0, 0, NULL);
		_exit(24);	/* SWITCH returned */
	}
	close(pfd[1]);
	if (read(pfd[0], ids, sizeof(ids)) != sizeof(ids)) {
		waitpid(pid, &status, 0);
		ASSERT_TRUE(0) TH_LOG("child failed: status %#x", status);
	}
	close(pfd[0]);
	EXPECT_EQ(before + 5, gs_sysfs_global("nr_instances"));
	/* wait until the worker sleeps in the module */
	for (i = 0; i < 1000; i++) {
		n = gs_sysfs_inst(ids[2], "idlethreads");
		if (n == 1)
			break;
		usleep(10000);
	}
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, gs_sysfs_inst(ids[2], "idleprocs"));
	EXPECT_EQ(1, gs_sysfs_inst(ids[3], "tasks"));
	EXPECT_EQ(2, gs_sysfs_inst(ids[1], "runqueue"));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		TH_LOG("child status %#x", status);
	/* files are released before the parent can reap the child */
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
	for (i = 0; i < 5; i++) {
		char path[128];

		snprintf(path, sizeof(path), GS_SYSFS "/instances/%u", ids[i]);
		EXPECT_NE(0, access(path, F_OK)) TH_LOG("%s still there", path);
	}
}

/* ---- setup ----------------------------------------------------------- */

/* Spare slots are clamped to the module's max_spares and reported back;
 * worker indexes past them are -EINVAL. */
TEST_F(dev, setup_spares)
{
	struct gsched_setup s = { .nprocs = 2, .max_spares = 1000000 };
	struct gsched_worker_reg wk = { 0 };
	unsigned int cap = 0;
	FILE *f;

	f = fopen("/sys/module/gsched/parameters/max_spares", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%u", &cap));
	fclose(f);
	ASSERT_EQ(0, ioctl(self->fd, GSCHED_IOC_SETUP, &s));
	EXPECT_EQ(cap, s.max_spares_out);
	EXPECT_EQ(0, s.__pad);
	wk.index = 2 + s.max_spares_out;
	EXPECT_EQ(-1, ioctl(self->fd, GSCHED_IOC_WORKER, &wk));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, setup_nprocs_zero)
{
	EXPECT_EQ(-EINVAL, gs_setup(self->fd, 0, 0, NULL));
}

TEST_F(dev, setup_nprocs_too_many)
{
	EXPECT_EQ(-EINVAL, gs_setup(self->fd, GSCHED_MAX_PROCS + 1, 0, NULL));
}

TEST_F(dev, setup_nprocs_max)
{
	struct gsched_setup s;

	ASSERT_EQ(0, gs_setup(self->fd, GSCHED_MAX_PROCS, 0, &s));
	EXPECT_EQ(GSCHED_MAX_PROCS, gs_sysfs_inst(s.instance_id, "gomaxprocs"));
}

TEST_F(dev, setup_twice)
{
	ASSERT_EQ(0, gs_setup(self->fd, 1, 0, NULL));
	EXPECT_EQ(-EBUSY, gs_setup(self->fd, 1, 0, NULL));
}

TEST_F(dev, setup_failed_then_ok)
{
	ASSERT_EQ(-EINVAL, gs_setup(self->fd, 0, 0, NULL));
	EXPECT_EQ(0, gs_setup(self->fd, 1, 0, NULL));
}

TEST_F(dev, setup_max_tasks_default)
{
	struct gsched_version v = { 0 };
	struct gsched_setup s;

	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, &v));
	ASSERT_EQ(0, gs_setup(self->fd, 1, 0, &s));
	EXPECT_EQ(v.max_tasks, s.max_tasks_out);
}

TEST_F(dev, setup_max_tasks_clamped)
{
	struct gsched_version v = { 0 };
	struct gsched_setup s;

	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, &v));
	ASSERT_EQ(0, gs_setup(self->fd, 1, 0xffffffffU, &s));
	EXPECT_EQ(v.max_tasks, s.max_tasks_out);
}

TEST_F(dev, setup_max_tasks_small)
{
	struct gsched_setup s;

	ASSERT_EQ(0, gs_setup(self->fd, 1, 3, &s));
	EXPECT_EQ(3, s.max_tasks_out);
}

/* ---- before setup ---------------------------------------------------- */

TEST_F(dev, worker_before_setup)
{
	EXPECT_EQ(-ENXIO, gs_worker(self->fd, 0));
}

TEST_F(dev, spawn_before_setup)
{
	EXPECT_EQ(-ENXIO, gs_spawn(self->fd, 0, GSCHED_NO_WORKER, 1, NULL));
}

TEST_F(dev, switch_before_setup)
{
	EXPECT_EQ(-ENXIO, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, NULL));
}

TEST_F(dev, unpark_before_setup)
{
	EXPECT_EQ(-ENXIO, gs_unpark(self->fd, 0, 1));
}

TEST_F(dev, task_info_before_setup)
{
	EXPECT_EQ(-EBADF, gs_info(self->fd, 1, NULL));
}

/* ---- sysfs counters -------------------------------------------------- */

/* The per-instance counters follow the round trip. */
TEST_F(rt, sysfs_counters)
{
	struct gsched_switch sw;
	int id = self->inst_id;

	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_YIELD, 0, 0, &sw));
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_EXIT, 0, 0, &sw));
	ASSERT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(1, gs_sysfs_inst(id, "gomaxprocs"));
	EXPECT_EQ(1, gs_sysfs_inst(id, "threads"));
	EXPECT_EQ(2, gs_sysfs_inst(id, "spawned"));
	EXPECT_EQ(1, gs_sysfs_inst(id, "exited"));
	EXPECT_EQ(1, gs_sysfs_inst(id, "tasks"));
	EXPECT_EQ(3, gs_sysfs_inst(id, "switches"));
	EXPECT_EQ(0, gs_sysfs_inst(id, "runqueue"));
	EXPECT_EQ(0, gs_sysfs_inst(id, "idleprocs"));
	EXPECT_EQ(getpid(), gs_sysfs_inst(id, "pid"));
}

ABI_TEST_MAIN
