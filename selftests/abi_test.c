// SPDX-License-Identifier: GPL-2.0
/*
 * The /dev/gsched ABI with raw ioctls: ioctl numbers and sizes, flags and
 * reserved fields, bad pointers, the error of every call in every state,
 * one raw scheduling round trip, and instance lifetime (many opens, a
 * killed process). One error path per subtest.
 *
 * A single thread plays worker 0 and every task: with nprocs = 1 and tasks
 * spawned with GSCHED_NO_WORKER before the worker registers, the order in
 * which SWITCH hands them out is fixed (see the fixture "rt"). Anything
 * that could block forever runs under a watchdog: SIGALRM interrupts the
 * ioctl (-EINTR), so a kernel bug fails the test instead of hanging it.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "selftests/common.h"

#define COOKIE_MAIN	0x1234ULL
#define COOKIE_B	0xb0b0ULL
#define COOKIE_C	0xc0c0ULL
#define WATCHDOG_SECS	20	/* below the harness's 30 s */
#define LAST_IOC	GSCHED_IOC_FD	/* the highest ioctl number */

static void watchdog_fired(int sig)
{
}

/* Interrupt a SWITCH that sleeps for good: it then fails with -EINTR. */
static void watchdog(unsigned int secs)
{
	struct sigaction sa = { .sa_handler = watchdog_fired };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarm(secs);
}

/* ---- raw calls ---------------------------------------------------------- */

static int gs_setup(int fd, unsigned int nprocs, unsigned int max_tasks,
		    struct gsched_setup *out)
{
	struct gsched_setup s = { .nprocs = nprocs, .max_tasks = max_tasks };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SETUP, &s);

	if (out)
		*out = s;
	return ret;
}

static int gs_worker(int fd, unsigned int index)
{
	struct gsched_worker_reg wk = { .index = index };

	return gs_raw_ioctl(fd, GSCHED_IOC_WORKER, &wk);
}

static int gs_spawn(int fd, unsigned int flags, unsigned int worker,
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

static int gs_switch(int fd, unsigned int worker, unsigned int op,
		     unsigned int arg32, int64_t arg64, struct gsched_switch *out)
{
	struct gsched_switch sw = {
		.worker = worker, .op = op, .arg32 = arg32, .arg64 = arg64,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_SWITCH, &sw);

	if (out)
		*out = sw;
	return ret;
}

static int gs_unpark(int fd, unsigned int worker, unsigned int id)
{
	struct gsched_task_op op = { .worker = worker, .id = id };

	return gs_raw_ioctl(fd, GSCHED_IOC_UNPARK, &op);
}

static int gs_detach(int fd, unsigned int id)
{
	struct gsched_task_op op = { .id = id };

	return gs_raw_ioctl(fd, GSCHED_IOC_DETACH, &op);
}

static int gs_info(int fd, unsigned int id, struct gsched_task_info *out)
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

static void *thread_call_fn(void *arg)
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

static int in_thread(int fd, unsigned long cmd, unsigned int index,
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

/*
 * Set one field of an otherwise valid argument: the call must fail with
 * -EINVAL, and the same call without it must then succeed (so the field
 * was the only problem).
 */
static void check_bad_field(struct __test_metadata *_metadata, int fd,
			    unsigned long cmd, const void *good, size_t size,
			    size_t off, size_t len, uint64_t val)
{
	unsigned char buf[128];

	ASSERT_GE(sizeof(buf), size);
	memcpy(buf, good, size);
	memcpy(buf + off, &val, len);	/* little-endian: low bytes */
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(fd, cmd, buf));
	memcpy(buf, good, size);
	EXPECT_EQ(0, gs_raw_ioctl(fd, cmd, buf));
}

#define BAD_FIELD(fd, cmd, good, field, val)				\
	check_bad_field(_metadata, fd, cmd, &(good), sizeof(good),	\
			offsetof(typeof(good), field),			\
			sizeof((good).field), val)

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

/* ---- instances ---------------------------------------------------------- */

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

/* ---- version -------------------------------------------------------------- */

TEST_F(dev, version_query)
{
	/* output fields come back filled, whatever they held */
	struct gsched_version v = { .abi_version = 0xdead, .size_timer = 1 };

	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, &v));
	EXPECT_EQ(GSCHED_ABI_VERSION, v.abi_version);
	EXPECT_EQ(GSCHED_MAX_PROCS, v.max_procs);
	EXPECT_NE(0, v.features);
	EXPECT_EQ(GSCHED_FEAT_TASKS | GSCHED_FEAT_PARK | GSCHED_FEAT_JOIN |
		  GSCHED_FEAT_DEADLOCK,
		  v.features & (GSCHED_FEAT_TASKS | GSCHED_FEAT_PARK |
				GSCHED_FEAT_JOIN | GSCHED_FEAT_DEADLOCK));
	EXPECT_LT(0, v.max_tasks);
	EXPECT_EQ(sizeof(struct gsched_setup), v.size_setup);
	EXPECT_EQ(sizeof(struct gsched_worker_reg), v.size_worker);
	EXPECT_EQ(sizeof(struct gsched_spawn), v.size_spawn);
	EXPECT_EQ(sizeof(struct gsched_switch), v.size_switch);
	EXPECT_EQ(sizeof(struct gsched_task_op), v.size_task);
	EXPECT_EQ(sizeof(struct gsched_task_info), v.size_info);
	if (v.features & GSCHED_FEAT_CHAN) {
		EXPECT_EQ(sizeof(struct gsched_chan_make), v.size_chan_make);
		EXPECT_EQ(sizeof(struct gsched_chan_op), v.size_chan_op);
		EXPECT_EQ(sizeof(struct gsched_select), v.size_select);
		EXPECT_EQ(GSCHED_CHAN_MAX_ELEM, v.max_elem_size);
		EXPECT_EQ(GSCHED_SELECT_MAX, v.max_select_cases);
	}
	if (v.features & GSCHED_FEAT_TIMER)
		EXPECT_EQ(sizeof(struct gsched_timer_op), v.size_timer);
	if (v.features & GSCHED_FEAT_SYNC)
		EXPECT_EQ(sizeof(struct gsched_sync_op), v.size_sync);
	if (v.features & GSCHED_FEAT_CTX)
		EXPECT_EQ(sizeof(struct gsched_ctx_op), v.size_ctx);
	if (v.features & GSCHED_FEAT_POLL)
		EXPECT_EQ(sizeof(struct gsched_fd_op), v.size_fd);
	EXPECT_TRUE(v.features & GSCHED_FEAT_HANDOFF);
	EXPECT_TRUE(v.features & GSCHED_FEAT_PREEMPT);
	EXPECT_TRUE(v.features & GSCHED_FEAT_POLL);
	EXPECT_EQ(0, v.flags);
	EXPECT_EQ(0, v.__pad);
	EXPECT_EQ(0, v.__pad2);
}

TEST(version_sysfs)
{
	struct gsched_version v;
	char ver[64], modver[64];
	unsigned int a, b, c;

	ASSERT_EQ(0, gsched_query(&v));
	ASSERT_EQ(0, gs_sysfs_read(GS_SYSFS "/version", ver, sizeof(ver)));
	EXPECT_EQ(3, sscanf(ver, "%u.%u.%u", &a, &b, &c)) TH_LOG("version '%s'", ver);
	EXPECT_EQ(GSCHED_ABI_VERSION, gs_sysfs_global("abi_version"));
	EXPECT_EQ(v.abi_version, gs_sysfs_global("abi_version"));
	/* MODULE_VERSION and sysfs say the same */
	if (!gs_sysfs_read("/sys/module/gsched/version", modver, sizeof(modver)))
		EXPECT_STREQ(ver, modver);
}

/* ---- ioctl numbers -------------------------------------------------------- */

TEST_F(dev, unknown_nr)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC, 0x7f, struct gsched_version), &v));
}

TEST_F(dev, nr_past_last)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC, _IOC_NR(LAST_IOC) + 1,
		      struct gsched_version), &v));
}

TEST_F(dev, wrong_magic)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC + 1, 0x00, struct gsched_version), &v));
}

TEST_F(dev, wrong_direction_read)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOR(GSCHED_IOC_MAGIC, 0x00, struct gsched_version), &v));
}

TEST_F(dev, wrong_direction_none)
{
	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd, _IO(GSCHED_IOC_MAGIC, 0x00),
					NULL));
}

TEST_F(ready, wrong_direction_readwrite_for_write)
{
	struct gsched_worker_reg wk = { 0 };

	/* WORKER is _IOW: the _IOWR form is another number */
	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC, 0x02, struct gsched_worker_reg), &wk));
}

/* ---- flags and reserved fields --------------------------------------------- */

TEST_F(dev, version_flags)
{
	struct gsched_version v = { 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_VERSION, v, flags, 1);
}

TEST_F(dev, version_pad)
{
	struct gsched_version v = { 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_VERSION, v, __pad, 1);
}

TEST_F(dev, setup_flags)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, flags, 1);
}

TEST_F(dev, setup_preempt_signal_kill)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, preempt_signal, SIGKILL);
}

TEST_F(dev, setup_preempt_signal_stop)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, preempt_signal, SIGSTOP);
}

TEST_F(dev, setup_preempt_signal_range)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, preempt_signal, 65);
}

TEST_F(dev, setup_reserved0)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, __reserved, 1);
}

TEST_F(dev, setup_reserved1)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, __reserved2, 1ULL << 63);
}

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

TEST_F(ready, worker_flags)
{
	struct gsched_worker_reg wk = { .index = 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_WORKER, wk, flags, 1);
}

TEST_F(ready, worker_reserved)
{
	struct gsched_worker_reg wk = { .index = 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_WORKER, wk, __reserved, 1);
}

TEST_F(ready, spawn_unknown_flag)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, flags,
		  GSCHED_SPAWN_FLAGS + 1);
}

TEST_F(ready, spawn_high_flag)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, flags, 1U << 31);
}

TEST_F(ready, spawn_reserved)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, __reserved, 1);
}

TEST_F(ready, spawn_pad)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, __pad, 1);
}

TEST_F(rt, switch_flags)
{
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_YIELD };

	BAD_FIELD(self->fd, GSCHED_IOC_SWITCH, sw, flags, 1);
}

TEST_F(rt, switch_reserved0)
{
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_YIELD };

	BAD_FIELD(self->fd, GSCHED_IOC_SWITCH, sw, __reserved[0], 1);
}

TEST_F(rt, switch_reserved1)
{
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_YIELD };

	BAD_FIELD(self->fd, GSCHED_IOC_SWITCH, sw, __reserved[1], 1);
}

TEST_F(rt, unpark_flags)
{
	struct gsched_task_op op = { .worker = 0, .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_UNPARK, op, flags, 1);
}

TEST_F(rt, unpark_pad)
{
	struct gsched_task_op op = { .worker = 0, .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_UNPARK, op, __pad, 1);
}

TEST_F(rt, unpark_reserved)
{
	struct gsched_task_op op = { .worker = 0, .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_UNPARK, op, __reserved, 1);
}

TEST_F(rt, detach_flags)
{
	struct gsched_task_op op = { .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_DETACH, op, flags, 1);
}

TEST_F(rt, detach_pad)
{
	struct gsched_task_op op = { .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_DETACH, op, __pad, 1);
}

TEST_F(rt, detach_reserved)
{
	struct gsched_task_op op = { .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_DETACH, op, __reserved, 1);
}

TEST_F(rt, task_info_flags)
{
	struct gsched_task_info ti = { .id = self->main_id };

	BAD_FIELD(self->fd, GSCHED_IOC_TASK_INFO, ti, flags, 1);
}

TEST_F(rt, task_info_reserved)
{
	struct gsched_task_info ti = { .id = self->main_id };

	BAD_FIELD(self->fd, GSCHED_IOC_TASK_INFO, ti, __reserved, 1);
}

TEST_F(ready, chan_make_flags)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, flags, 1);
}

TEST_F(ready, chan_make_pad)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, __pad, 1);
}

TEST_F(ready, chan_make_reserved)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, __reserved, 1);
}

TEST_F(ready, chan_make_pad2)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, __pad2, 1);
}

static unsigned int make_chan(struct __test_metadata *_metadata, int fd)
{
	struct gsched_chan_make m = { .elem_size = 8, .cap = 1 };

	ASSERT_EQ(0, gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &m));
	return m.handle;
}

TEST_F(ready, chan_flags)
{
	struct gsched_chan_op op = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_INFO };

	op.handle = make_chan(_metadata, self->fd);
	BAD_FIELD(self->fd, GSCHED_IOC_CHAN, op, flags, 1);
}

TEST_F(ready, chan_reserved)
{
	struct gsched_chan_op op = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_INFO };

	op.handle = make_chan(_metadata, self->fd);
	BAD_FIELD(self->fd, GSCHED_IOC_CHAN, op, __reserved, 1);
}

TEST_F(ready, timer_flags)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, flags, 1);
}

TEST_F(ready, timer_pad)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, __pad, 1);
}

TEST_F(ready, timer_reserved)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, __reserved, 1);
}

TEST_F(ready, timer_pad2)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, __pad2, 1);
}

/* ---- struct sizes --------------------------------------------------------- */

#define IOC_SIZED(nr, size) \
	_IOC(_IOC_READ | _IOC_WRITE, GSCHED_IOC_MAGIC, nr, size)

TEST_F(dev, size_smaller_than_v1)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd,
		IOC_SIZED(0x00, sizeof(v) - 8), &v));
	EXPECT_EQ(0, v.abi_version);
}

TEST_F(ready, size_smaller_write_only)
{
	struct gsched_worker_reg wk = { 0 };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd,
		_IOC(_IOC_WRITE, GSCHED_IOC_MAGIC, 0x02, sizeof(wk) - 8), &wk));
	EXPECT_EQ(0, gs_sysfs_inst(self->inst_id, "threads"));
}

TEST_F(dev, size_zero)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, 0), &v));
}

TEST_F(dev, size_larger_zero_tail)
{
	struct {
		struct gsched_version v;
		uint64_t tail[8];
	} big;

	memset(&big, 0, sizeof(big));
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, sizeof(big)), &big));
	EXPECT_EQ(GSCHED_ABI_VERSION, big.v.abi_version);
	EXPECT_EQ(sizeof(struct gsched_switch), big.v.size_switch);
	/* the kernel writes only the part it knows */
	for (unsigned int i = 0; i < 8; i++)
		EXPECT_EQ(0, big.tail[i]);
}

TEST_F(dev, size_largest_zero_tail)
{
	size_t size = _IOC_SIZEMASK;	/* the largest size a number holds */
	struct gsched_version *v = calloc(1, size);

	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, size), v));
	EXPECT_EQ(GSCHED_ABI_VERSION, v->abi_version);
	free(v);
}

TEST_F(dev, size_larger_setup_zero_tail)
{
	struct {
		struct gsched_setup s;
		uint64_t tail[2];
	} big;

	memset(&big, 0, sizeof(big));
	big.s.nprocs = 2;
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, IOC_SIZED(0x01, sizeof(big)), &big));
	EXPECT_EQ(2, gs_sysfs_inst(big.s.instance_id, "gomaxprocs"));
	EXPECT_LT(0, big.s.max_tasks_out);
}

TEST_F(dev, size_larger_nonzero_tail)
{
	struct {
		struct gsched_version v;
		uint64_t tail[8];
	} big;

	memset(&big, 0, sizeof(big));
	big.tail[7] = 1ULL << 56;	/* the very last byte */
	EXPECT_EQ(-E2BIG, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, sizeof(big)),
				       &big));
	EXPECT_EQ(0, big.v.abi_version);
}

TEST_F(dev, size_larger_setup_nonzero_tail)
{
	struct {
		struct gsched_setup s;
		uint64_t tail[2];
	} big;

	memset(&big, 0, sizeof(big));
	big.s.nprocs = 1;
	big.tail[0] = 1;
	EXPECT_EQ(-E2BIG, gs_raw_ioctl(self->fd, IOC_SIZED(0x01, sizeof(big)),
				       &big));
	/* not set up: a correct SETUP still works */
	EXPECT_EQ(0, gs_setup(self->fd, 1, 0, NULL));
}

/*
 * A caller built against ABI version 1 passes the old, smaller SWITCH:
 * it still works, and nothing past its struct is written.
 */
TEST_F(rt, switch_v1_size)
{
	unsigned char raw[sizeof(struct gsched_switch) + 8];
	struct gsched_switch *sw = (struct gsched_switch *)raw;
	unsigned int nr = _IOC_NR(GSCHED_IOC_SWITCH);
	struct gsched_task_info ti;
	size_t i;

	memset(raw, 0xa5, sizeof(raw));
	memset(raw, 0, GSCHED_SWITCH_SIZE_VER1);
	sw->op = GSCHED_OP_YIELD;
	ASSERT_EQ(0, gs_raw_ioctl(self->fd,
			IOC_SIZED(nr, GSCHED_SWITCH_SIZE_VER1), raw));
	EXPECT_EQ(0, sw->next_flags);
	EXPECT_EQ(self->b_id, sw->next_id);
	EXPECT_EQ(COOKIE_B, sw->next_cookie);
	for (i = GSCHED_SWITCH_SIZE_VER1; i < sizeof(raw); i++)
		EXPECT_EQ(0xa5, raw[i]);
	/* smaller than version 1: refused, B keeps running */
	memset(raw, 0, sizeof(raw));
	sw->op = GSCHED_OP_YIELD;
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd,
			IOC_SIZED(nr, GSCHED_SWITCH_SIZE_VER1 - 8), raw));
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
}

/* SWITCH @op with junk in the output-only next_p and pad. */
static int switch_junk_out(int fd, unsigned int op, struct gsched_switch *sw)
{
	memset(sw, 0, sizeof(*sw));
	sw->op = op;
	sw->next_p = 7;
	sw->__out_pad = 9;
	return gs_raw_ioctl(fd, GSCHED_IOC_SWITCH, sw);
}

/*
 * next_p is output: whatever the caller leaves there is overwritten, with
 * the P (one P here: 0) or, once the runtime is over, 0.
 */
TEST_F(rt, switch_next_p_overwritten)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, switch_junk_out(self->fd, GSCHED_OP_YIELD, &sw));
	EXPECT_EQ(self->b_id, sw.next_id);
	EXPECT_EQ(0, sw.next_p);
	EXPECT_EQ(0, sw.__out_pad);
	/* B ends, main runs */
	ASSERT_EQ(0, switch_junk_out(self->fd, GSCHED_OP_EXIT, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(0, sw.next_p);
	EXPECT_EQ(0, sw.__out_pad);
	/* main ends: the runtime is over */
	ASSERT_EQ(0, switch_junk_out(self->fd, GSCHED_OP_EXIT, &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(0, sw.next_p);
	EXPECT_EQ(0, sw.__out_pad);
}

/* ---- bad user memory -------------------------------------------------------- */

TEST_F(dev, null_pointer)
{
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, NULL));
}

TEST_F(dev, prot_none_pointer)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, p));
	munmap(p, pg);
}

TEST_F(dev, pointer_straddles_prot_none)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_NONE));
	/* the first 8 bytes (flags, __pad: zero) readable, the rest not */
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION,
					p + pg - 8));
	munmap(p, 2 * pg);
}

TEST_F(dev, tail_in_prot_none)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t vs = sizeof(struct gsched_version);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_NONE));
	/* the known part readable, the unknown tail not */
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, vs + 64),
					p + pg - vs));
	munmap(p, 2 * pg);
}

TEST_F(dev, readonly_output)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct gsched_version *v = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, v);
	ASSERT_EQ(0, mprotect(v, pg, PROT_READ));	/* zeroed: valid input */
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, v));
	EXPECT_EQ(0, v->abi_version);
	munmap(v, pg);
}

/*
 * SWITCH picked a task but could not tell the caller: the task must not be
 * lost, the next SWITCH hands it out.
 */
TEST_F(ready, switch_readonly_output_keeps_task)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct gsched_switch *sw = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct gsched_switch ok;
	struct gsched_task_info ti;
	unsigned int id;

	ASSERT_NE(MAP_FAILED, sw);
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, &id));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	sw->worker = 0;
	sw->op = GSCHED_OP_NONE;
	ASSERT_EQ(0, mprotect(sw, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_SWITCH, sw));
	ASSERT_EQ(0, gs_info(self->fd, id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNABLE, ti.state);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &ok));
	EXPECT_EQ(0, ok.next_flags);
	EXPECT_EQ(id, ok.next_id);
	EXPECT_EQ(COOKIE_MAIN, ok.next_cookie);
	ASSERT_EQ(0, gs_info(self->fd, id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
	munmap(sw, pg);
}

/* ---- setup ---------------------------------------------------------------- */

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

/* ---- before setup --------------------------------------------------------- */

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

/* ---- workers -------------------------------------------------------------- */

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

/* ---- spawn ---------------------------------------------------------------- */

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

/* ---- switch ---------------------------------------------------------------- */

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

static bool kmsg_find(int kfd, const char *what, char *line, size_t len)
{
	ssize_t n;

	for (;;) {
		n = read(kfd, line, len - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n <= 0)
			return false;
		line[n] = 0;
		if (strstr(line, what))
			return true;
	}
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

/* ---- unpark, detach, task info ---------------------------------------------- */

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

int main(int argc, char **argv)
{
	/* Without the module every test would fail the same way. */
	if (access(GSCHED_DEVICE, R_OK | W_OK))
		ksft_exit_skip("%s: %s (gsched module not loaded)\n",
			       GSCHED_DEVICE, strerror(errno));
	return gs_harness_main(argc, argv);
}
