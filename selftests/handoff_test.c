// SPDX-License-Identifier: GPL-2.0
/*
 * handoff_test: a worker blocked in the kernel outside gsched hands its
 * run queue to a spare (Documentation/gsched.rst, "Blocking system calls:
 * hand-off").
 *
 * The shape of the blocking tests: with GOMAXPROCS=1, one task blocks in
 * a system call (read on an empty pipe, nanosleep, futex wait, a page
 * fault on a userfaultfd range) while the main task spawns N tasks that
 * each count once. A plain pthread outside the runtime ends the block
 * only when all N have counted (or after a generous bound). Without a
 * hand-off the N tasks cannot run while the only worker is blocked, so
 * the count stays short of N and the test fails; nothing depends on
 * speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "selftests/common.h"
#include "selftests/task_check.h"

/*
 * The blocked task waits until NTASKS others ran, fewer on a slow kernel
 * (GSCHED_TEST_SCALE: the debug guest ran 1,000 in 47 s of the bound).
 */
#define NTASKS		1000
#define BOUND_NS	(60ULL * 1000000000ULL)	/* give up: no hand-off */
static int ntasks = NTASKS;

static struct gsched_opts one_p = { .nprocs = 1 };

/* ---- the common shape ---- */

enum block_kind { B_READ, B_NANOSLEEP, B_FUTEX, B_FAULT };

static atomic_int counted;
static atomic_int block_done;		/* the blocking call returned */
static int counted_at_return;		/* what the blocked task saw then */
static int pipefd[2];
static atomic_int futex_word;
static int uffd = -1;
static char *fault_page;
static long page_size;

static atomic_int not_p0;		/* counted with gsched_worker() != 0 */

static long count_one(void *arg)
{
	/*
	 * These run on a spare thread (index 1 and up) that took over the
	 * blocked worker's P: the only P there is, P 0.
	 */
	if (gsched_worker() != 0)
		atomic_fetch_add(&not_p0, 1);
	atomic_fetch_add(&counted, 1);
	return 0;
}

/* Wait (outside the runtime) until every task counted, or the bound. */
static void wait_all_counted(void)
{
	uint64_t end = now_ns() + BOUND_NS;

	while (atomic_load(&counted) < ntasks && now_ns() < end)
		usleep(1000);
}

static void *releaser(void *arg)
{
	enum block_kind kind = (enum block_kind)(long)arg;
	struct uffdio_zeropage zp;
	struct uffd_msg msg;
	char c = 'x';

	if (kind == B_FAULT) {
		/* the fault arrives first, then we hold it until all counted */
		struct pollfd pfd = { .fd = uffd, .events = POLLIN };

		if (poll(&pfd, 1, 60000) != 1 ||
		    read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			return NULL;
	}
	wait_all_counted();
	switch (kind) {
	case B_READ:
		if (write(pipefd[1], &c, 1) != 1)
			abort();
		break;
	case B_NANOSLEEP:
		break;		/* the sleeper polls the count itself */
	case B_FUTEX:
		atomic_store(&futex_word, 1);
		syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, NULL, NULL, 0);
		break;
	case B_FAULT:
		zp.range.start = (unsigned long)fault_page;
		zp.range.len = page_size;
		zp.mode = 0;
		ioctl(uffd, UFFDIO_ZEROPAGE, &zp);
		break;
	}
	return NULL;
}

static long blocker(void *arg)
{
	enum block_kind kind = (enum block_kind)(long)arg;
	struct timespec ts = { 0, 20 * MS };
	uint64_t end = now_ns() + BOUND_NS;
	char c;

	switch (kind) {
	case B_READ:
		T_EQ(1, read(pipefd[0], &c, 1));
		break;
	case B_NANOSLEEP:
		/* never yields: each sleep is a system call the P leaves */
		while (atomic_load(&counted) < ntasks && now_ns() < end)
			nanosleep(&ts, NULL);
		break;
	case B_FUTEX:
		while (!atomic_load(&futex_word))
			syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, NULL,
				NULL, 0);
		break;
	case B_FAULT:
		T_EQ(0, *(volatile char *)fault_page);
		break;
	}
	counted_at_return = atomic_load(&counted);
	atomic_store(&block_done, 1);
	return 0;
}

static long block_main(void *arg)
{
	struct gsched_spawn_attr ja = { .flags = GSCHED_JOINABLE };
	int id = gsched_instance_id(), b, i, n = 0;
	int ids[NTASKS];
	pthread_t th;

	T_EQ(0, pthread_create(&th, NULL, releaser, arg));
	b = gsched_spawn_ex(blocker, arg, &ja);
	T_GT(0, b);
	gsched_yield();		/* the blocker runs and blocks */
	for (i = 0; i < ntasks; i++) {
		ids[i] = gsched_spawn_ex(count_one, NULL, &ja);
		if (ids[i] > 0)
			n++;
	}
	T_EQ(ntasks, n);
	for (i = 0; i < ntasks; i++)
		if (ids[i] > 0)
			T_EQ(0, gsched_join(ids[i], NULL));
	T_EQ(0, gsched_join(b, NULL));
	T_EQ(0, pthread_join(th, NULL));
	/* every task ran while the blocker was still blocked */
	T_EQ(ntasks, counted_at_return);
	T_EQ(0, not_p0);
	T_GT(0, gs_sysfs_inst(id, "handoffs"));
	T_GT(0, gs_sysfs_inst(id, "spares"));
	return 0;
}

static void reset(void)
{
	ntasks = (int)gs_scaled(NTASKS, 100);
	atomic_store(&counted, 0);
	atomic_store(&not_p0, 0);
	atomic_store(&block_done, 0);
	atomic_store(&futex_word, 0);
	counted_at_return = -1;
}

TEST(read_on_empty_pipe)
{
	reset();
	ASSERT_EQ(0, pipe(pipefd));
	RUN_OK_ARG(&one_p, block_main, (void *)(long)B_READ);
	close(pipefd[0]);
	close(pipefd[1]);
}

TEST(nanosleep_loop)
{
	reset();
	RUN_OK_ARG(&one_p, block_main, (void *)(long)B_NANOSLEEP);
}

TEST(futex_wait)
{
	reset();
	RUN_OK_ARG(&one_p, block_main, (void *)(long)B_FUTEX);
}

TEST(page_fault_on_userfaultfd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };

	reset();
	page_size = sysconf(_SC_PAGESIZE);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	fault_page = mmap(NULL, page_size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, fault_page);
	reg.range.start = (unsigned long)fault_page;
	reg.range.len = page_size;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	RUN_OK_ARG(&one_p, block_main, (void *)(long)B_FAULT);
	munmap(fault_page, page_size);
	close(uffd);
	uffd = -1;
}

/*
 * Without spares there is no hand-off: the same read keeps the only
 * worker, so the main task cannot even spawn the counting tasks before
 * the read returns (the releaser writes after 300 ms whatever happens).
 */
static long nospare_main(void *arg)
{
	struct gsched_spawn_attr ja = { .flags = GSCHED_JOINABLE };
	int id = gsched_instance_id(), b, i, ids[10];

	b = gsched_spawn_ex(blocker, (void *)(long)B_READ, &ja);
	gsched_yield();
	for (i = 0; i < 10; i++)
		ids[i] = gsched_spawn_ex(count_one, NULL, &ja);
	for (i = 0; i < 10; i++)
		T_EQ(0, gsched_join(ids[i], NULL));
	T_EQ(0, gsched_join(b, NULL));
	T_EQ(0, gs_sysfs_inst(id, "handoffs"));
	T_EQ(0, gs_sysfs_inst(id, "spares"));
	return 0;
}

static void *release_after(void *arg)
{
	char c = 'x';

	usleep(300000);
	if (write(pipefd[1], &c, 1) != 1)
		abort();
	return NULL;
}

TEST(no_spares_no_handoff)
{
	struct gsched_opts o = { .nprocs = 1, .flags = GSCHED_OPT_NO_HANDOFF };
	pthread_t th;

	reset();
	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, pthread_create(&th, NULL, release_after, NULL));
	RUN_OK_ARG(&o, nospare_main, NULL);
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, counted_at_return);
	EXPECT_EQ(10, atomic_load(&counted));
	close(pipefd[0]);
	close(pipefd[1]);
}

/* ---- the grace period ---- */

#define PARAM_GRACE "/sys/module/gsched/parameters/handoff_grace_us"

static long short_sleeps_main(void *arg)
{
	struct timespec ts = { 0, 1 * MS };
	int id = gsched_instance_id(), i;

	for (i = 0; i < 50; i++)
		nanosleep(&ts, NULL);
	T_EQ(0, gs_sysfs_inst(id, "handoffs"));
	return 0;
}

static long long_sleep_main(void *arg)
{
	struct timespec ts = { 0, 50 * MS };
	int id = gsched_instance_id();

	nanosleep(&ts, NULL);
	T_GT(0, gs_sysfs_inst(id, "handoffs"));
	return 0;
}

/*
 * Sleeps shorter than handoff_grace_us cause no hand-off; a sleep longer
 * than it does. The grace period is raised to 10 s for the first part so
 * that emulation's slow timers cannot make a 1 ms sleep look long.
 */
TEST(short_sleeps_no_handoff)
{
	char buf[32];
	long old;

	ASSERT_EQ(0, gs_sysfs_read(PARAM_GRACE, buf, sizeof(buf)));
	old = atol(buf);
	ASSERT_GE(old, 0);
	ASSERT_EQ(0, gs_sysfs_write(PARAM_GRACE, 10000000));
	RUN_OK_ARG(&one_p, short_sleeps_main, NULL);
	ASSERT_EQ(0, gs_sysfs_write(PARAM_GRACE, old));
	RUN_OK_ARG(&one_p, long_sleep_main, NULL);
}

/* ---- process death while blocked and handed off ---- */

static long kill_main(void *arg)
{
	int id = gsched_instance_id();
	char c;

	gsched_spawn(count_one, NULL);
	if (write(pipefd[1], &id, sizeof(id)) != sizeof(id))
		return 1;
	/* blocks for good (its P goes to the spare): the parent kills us */
	return read(*(int *)arg, &c, 1);
}

TEST(kill_while_handed_off)
{
	long long before = gs_sysfs_global("nr_instances");
	int hold[2], status, i, id = -1;
	pid_t pid;

	ASSERT_EQ(0, pipe(pipefd));
	ASSERT_EQ(0, pipe(hold));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct gsched_opts o = { .nprocs = 2 };

		close(pipefd[0]);
		_exit(gsched_run_opts(&o, kill_main, &hold[0], NULL) ? 1 : 0);
	}
	close(pipefd[1]);
	ASSERT_EQ((ssize_t)sizeof(id), read(pipefd[0], &id, sizeof(id)));
	for (i = 0; i < 1000 && gs_sysfs_inst(id, "handoffs") < 1; i++)
		usleep(10000);
	EXPECT_LT(0, gs_sysfs_inst(id, "handoffs"));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	for (i = 0; i < 200 && gs_sysfs_global("nr_instances") != before; i++)
		usleep(10000);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
	close(pipefd[0]);
	close(hold[0]);
	close(hold[1]);
}

/* ---- execve from a task ---- */

static long exec_main(void *arg)
{
	char *argv[] = { "true", NULL };

	gsched_spawn(count_one, NULL);
	execv("/bin/true", argv);
	return 1;
}

/*
 * A task that calls execve replaces the process: the instance goes away
 * with the close-on-exec fd, and the exec'ing worker thread (whose
 * notifier survives exec) and the killed others leave nothing behind.
 */
TEST(exec_from_task)
{
	long long before = gs_sysfs_global("nr_instances");
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct gsched_opts o = { .nprocs = 2 };

		_exit(gsched_run_opts(&o, exec_main, NULL, NULL) ? 2 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));	/* /bin/true, not us */
	for (i = 0; i < 200 && gs_sysfs_global("nr_instances") != before; i++)
		usleep(10000);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

TEST_HARNESS_MAIN
