// SPDX-License-Identifier: GPL-2.0
/*
 * What an unprivileged program can do to the module on purpose: ioctl
 * sequences chosen to wedge, crash or leak the kernel. /dev/gsched is mode
 * 0666, so each of these is an attack any local user can run. Every test
 * asserts that the module stays bounded (a clamped value, a count back at
 * its baseline, a process reaped) and relies on tools/gsched-vm to fail
 * the run on any WARNING, soft lockup or hung task in the guest's log.
 *
 * Raw ioctls only: the library never makes these calls.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "selftests/common.h"

#define PARAM_DIR	"/sys/module/gsched/parameters/"

static long long param(const char *name)
{
	char path[128], buf[64];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	if (gs_sysfs_read(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

static int timer_make(int fd, uint64_t delay, uint64_t period, uint32_t *h)
{
	struct gsched_timer_op t = {
		.op = GSCHED_TIMER_MAKE,
		.delay_ns = delay,
		.period_ns = period,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_TIMER, &t);

	*h = t.handle;
	return ret;
}

static int chan_op(int fd, uint32_t op, uint32_t h, void *buf, uint32_t *ok)
{
	struct gsched_chan_op c = {
		.worker = GSCHED_NO_WORKER,
		.op = op,
		.handle = h,
		.buf = (uintptr_t)buf,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN, &c);

	if (ok)
		*ok = c.ok;
	return ret;
}

/* Wait up to @secs for nr_instances to drop to @want; the last value. */
static long long wait_instances(long long want, int secs)
{
	uint64_t end = now_ns() + (uint64_t)secs * 1000 * MS;
	long long n;

	while ((n = gs_sysfs_global("nr_instances")) != want && now_ns() < end)
		usleep(10000);
	return n;
}

/* ---- timers: user-chosen delays and periods ---------------------------- */

static int set_param(const char *name, long v)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return gs_sysfs_write(path, v);
}

/*
 * A ticker with a 1 ns period: the module raises the period to the floor
 * (timer_min_period_us), so the timer work cannot spin on ticks that are
 * due again as soon as they are sent. Observable bound: every expiry lies
 * at least one period after the one before, and a tick fires before the
 * next expiry is chosen, so fewer than T / period + 2 ticks fire in a
 * window of T ns; with the one tick the buffer may hold from before the
 * window, n ticks received satisfy n < T / period + 3, however often the
 * channel is polled. Without the
 * floor a tight TRYRECV loop finds a fresh tick on nearly every call.
 * The test raises the floor to 1 ms so the bound stays far below the
 * number of polls even in a slow guest.
 */
TEST(tiny_period_is_raised_to_the_floor)
{
	long long floor_us = param("timer_min_period_us");
	const long test_floor_us = 1000;
	uint64_t v, t0, t1;
	long polls = 0, got = 0;
	uint32_t h, ok;
	int fd, ret;

	ASSERT_EQ(100, floor_us);	/* the documented default */
	ASSERT_EQ(0, set_param("timer_min_period_us", test_floor_us));
	fd = gs_raw_instance(1, NULL);
	ASSERT_GE(fd, 0);
	ret = timer_make(fd, 1, 1, &h);
	set_param("timer_min_period_us", floor_us);
	ASSERT_EQ(0, ret);
	t0 = now_ns();
	/* at least 200 ms and two ticks: a slow guest wakes up late */
	while ((t1 = now_ns()) - t0 < 200 * MS ||
	       (got < 2 && t1 - t0 < 5000 * MS)) {
		ret = chan_op(fd, GSCHED_CHAN_TRYRECV, h, &v, &ok);
		polls++;
		if (ret == -EAGAIN)
			continue;
		ASSERT_EQ(0, ret);
		ASSERT_EQ(1, ok);
		got++;
	}
	TH_LOG("%ld ticks in %llu us, %ld polls, floor %ld us", got,
	       (unsigned long long)(t1 - t0) / 1000, polls, test_floor_us);
	EXPECT_GE(got, 2);
	EXPECT_LT(got, (long)((t1 - t0) / (test_floor_us * 1000)) + 3);
	close(fd);
}

/*
 * A process that exits with a 1 ns ticker armed: its instance is torn
 * down (timers stopped before anything waits for RCU) and the process is
 * reaped promptly.
 */
TEST(exit_with_tiny_ticker_is_reaped)
{
	long long base = gs_sysfs_global("nr_instances");
	int i, status;

	ASSERT_GE(base, 0);
	for (i = 0; i < 4; i++) {
		uint64_t end = now_ns() + 5000 * MS * gs_timeout_scale();
		pid_t pid = fork(), w;

		ASSERT_GE(pid, 0);
		if (!pid) {
			uint32_t h;
			int fd = gs_raw_instance(2, NULL);

			if (fd < 0 || timer_make(fd, 1, 1, &h))
				_exit(1);
			usleep(20000);
			_exit(0);
		}
		while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
		       now_ns() < end)
			usleep(10000);
		if (!w) {
			kill(pid, SIGKILL);
			ASSERT_NE(0, w) TH_LOG("child %d not reaped", pid);
		}
		ASSERT_EQ(pid, w);
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(base, wait_instances(base, 10));
}

/*
 * Delays beyond KTIME_MAX mean "never", not a wrapped, negative expiry
 * that fires at once.
 */
TEST(huge_delays_never_fire)
{
	static const uint64_t delays[] = {
		(1ULL << 63) + 1, ~0ULL, (1ULL << 63) - 1,
	};
	struct gsched_timer_op st = { .op = GSCHED_TIMER_STOP };
	uint32_t h[3], ok;
	uint64_t v;
	int fd, i;

	fd = gs_raw_instance(1, NULL);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, timer_make(fd, delays[i], delays[i], &h[i]));
	usleep(50000);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-EAGAIN, chan_op(fd, GSCHED_CHAN_TRYRECV, h[i], &v,
					   &ok))
			TH_LOG("delay %#llx fired",
			       (unsigned long long)delays[i]);
		st.handle = h[i];
		EXPECT_EQ(0, gs_raw_ioctl(fd, GSCHED_IOC_TIMER, &st));
		EXPECT_EQ(1, st.ok);
	}
	close(fd);
}

/* A deadline beyond KTIME_MAX is no deadline at all, not one long past. */
TEST(huge_context_deadline_never_expires)
{
	struct gsched_ctx_op m = {
		.op = GSCHED_CTX_MAKE,
		.deadline_ns = ~0ULL,
	};
	struct gsched_ctx_op info = { .op = GSCHED_CTX_INFO };
	int fd;

	fd = gs_raw_instance(1, NULL);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, gs_raw_ioctl(fd, GSCHED_IOC_CTX, &m));
	usleep(50000);
	info.handle = m.handle;
	ASSERT_EQ(0, gs_raw_ioctl(fd, GSCHED_IOC_CTX, &info));
	EXPECT_EQ(0, info.err);
	close(fd);
}

/* ---- handle lookups racing releases ----------------------------------- */

/*
 * One thread makes and releases channels (and timers) as fast as it can;
 * the handle numbers are reused. Another thread uses the same numbers as
 * sync objects, the wrong type. A lookup that took a reference before
 * checking the type would drop it after the release dropped the owner's:
 * a WARNING and a channel never freed. Afterwards the instance must count
 * no channels and no timers, and every wrong-type call must have failed
 * with -EINVAL (the object) or -EBADF (no object).
 */
struct race {
	int fd;
	atomic_int stop;
	long made, probes, bad;
};

static void *race_maker(void *arg)
{
	struct race *r = arg;
	struct gsched_chan_make m = { .elem_size = 8, .cap = 1 };
	uint32_t h;

	while (!atomic_load(&r->stop)) {
		if (r->made & 1) {
			if (timer_make(r->fd, 1000 * MS, 0, &h))
				break;
		} else {
			if (gs_raw_ioctl(r->fd, GSCHED_IOC_CHAN_MAKE, &m))
				break;
			h = m.handle;
		}
		if (chan_op(r->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL))
			break;
		r->made++;
	}
	atomic_store(&r->stop, 1);
	return NULL;
}

TEST(wrong_type_lookup_races_release)
{
	struct race r = { 0 };
	uint64_t end = now_ns() + 3000 * MS;
	pthread_t t;
	unsigned int id = 0;
	uint32_t h;

	r.fd = gs_raw_instance(2, &id);
	ASSERT_GE(r.fd, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, race_maker, &r));
	while (!atomic_load(&r.stop) && now_ns() < end) {
		for (h = 1; h <= 4; h++) {
			struct gsched_sync_op s = {
				.worker = GSCHED_NO_WORKER,
				.op = GSCHED_SYNC_UNLOCK,
				.handle = h,
			};
			int ret = gs_raw_ioctl(r.fd, GSCHED_IOC_SYNC, &s);

			if (ret != -EINVAL && ret != -EBADF)
				r.bad++;
			r.probes++;
		}
	}
	atomic_store(&r.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld objects made and released, %ld wrong-type calls",
	       r.made, r.probes);
	EXPECT_EQ(0, r.bad);
	EXPECT_GT(r.made, 100);
	EXPECT_EQ(0, gs_sysfs_inst(id, "channels"));
	EXPECT_EQ(0, gs_sysfs_inst(id, "timers"));
	close(r.fd);
}

/*
 * Handles are numbered in order, so another thread can release a new
 * handle before the call that made it has returned. One thread makes
 * contexts (two handles: the context and its done channel), timers and
 * channels; another releases the next number, with the call for its kind,
 * as fast as it can. A make that still used its object after publishing
 * the handle would read freed memory (a context's done channel read after
 * a release freed the context; a timer armed after its channel could be
 * gone), which KASAN reports. That window is a few instructions long,
 * so this only catches it by luck; what it checks every time is that
 * each release either works or says -EBADF, and that afterwards the
 * instance counts no channels and no timers.
 */
struct grab {
	int fd;
	atomic_int stop;
	atomic_uint last;	/* the highest handle made so far */
	atomic_int kind;	/* what the next make makes: 0 a context */
	long made, released, bad;
};

static void *grab_maker(void *arg)
{
	struct grab *g = arg;
	struct gsched_chan_make m = { .elem_size = 8, .cap = 1 };
	uint32_t h = 0;
	long k;

	for (k = 0; !atomic_load(&g->stop); k++) {
		struct gsched_ctx_op c = {
			.op = GSCHED_CTX_MAKE,
			.deadline_ns = k & 2 ? now_ns() + 1000 * MS : 0,
		};
		int ret;

		atomic_store(&g->kind, k % 3);
		switch (k % 3) {
		case 0:
			ret = gs_raw_ioctl(g->fd, GSCHED_IOC_CTX, &c);
			h = c.handle > c.done ? c.handle : c.done;
			break;
		case 1:
			ret = timer_make(g->fd, 1000 * MS, 0, &h);
			break;
		default:
			ret = gs_raw_ioctl(g->fd, GSCHED_IOC_CHAN_MAKE, &m);
			h = m.handle;
			break;
		}
		if (ret)
			break;
		atomic_store(&g->last, h);
		g->made++;
		/* whatever the other thread left: -EBADF when it was first */
		if (k % 3 == 0) {
			struct gsched_ctx_op r = {
				.op = GSCHED_CTX_RELEASE,
				.handle = c.handle,
			};

			ret = gs_raw_ioctl(g->fd, GSCHED_IOC_CTX, &r);
			g->bad += ret && ret != -EBADF;
			h = c.done;
		}
		ret = chan_op(g->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL);
		g->bad += ret && ret != -EBADF;
	}
	atomic_store(&g->stop, 1);
	return NULL;
}

TEST(release_races_make_of_the_same_handle)
{
	struct grab g = { 0 };
	uint64_t end = now_ns() + 3000 * MS;
	unsigned int id = 0;
	pthread_t t;
	uint32_t h;

	g.fd = gs_raw_instance(2, &id);
	ASSERT_GE(g.fd, 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, grab_maker, &g));
	/* only the next handle, with the right call: the window is short */
	while (!atomic_load(&g.stop) && now_ns() < end) {
		struct gsched_ctx_op c = { .op = GSCHED_CTX_RELEASE };

		h = atomic_load(&g.last) + 1;
		if (atomic_load(&g.kind) == 0) {
			c.handle = h;
			g.released += !gs_raw_ioctl(g.fd, GSCHED_IOC_CTX, &c);
		} else {
			g.released += !chan_op(g.fd, GSCHED_CHAN_RELEASE, h,
					       NULL, NULL);
		}
	}
	atomic_store(&g.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld objects made, %ld handles released by the other thread",
	       g.made, g.released);
	EXPECT_GT(g.made, 100);
	EXPECT_EQ(0, g.bad);
	EXPECT_EQ(0, gs_sysfs_inst(id, "channels"));
	EXPECT_EQ(0, gs_sysfs_inst(id, "timers"));
	close(g.fd);
}

/* ---- a process that goes away ------------------------------------------ */

/* Wait up to @secs for @pid; its status, or -1 (then it was killed). */
static int reap(pid_t pid, int secs)
{
	uint64_t end = now_ns() + (uint64_t)secs * 1000 * MS *
		       gs_timeout_scale();
	int status;
	pid_t w;

	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now_ns() < end)
		usleep(10000);
	if (w == pid)
		return status;
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int cycle_sock = -1;

static long cycle_waiter(void *arg)
{
	/* never writable: the peer's receive queue is full */
	return gsched_fd_wait(cycle_sock, GSCHED_FD_WRITE);
}

/*
 * The cycle: the runtime's own /dev/gsched fd in flight in socket A's
 * receive queue, and a task waiting for A to become writable, which
 * pins A's file. Then the process exits without closing anything.
 */
static long cycle_main(void *arg)
{
	char buf[4096] = { 0 }, cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = buf, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	int sv[2], gfd = gsched_fd();

	if (gfd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		_exit(2);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	while (write(sv[0], buf, sizeof(buf)) > 0)
		;
	if (errno != EAGAIN)
		_exit(3);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &gfd, sizeof(int));
	if (sendmsg(sv[1], &msg, 0) != 1)	/* into sv[0]'s queue */
		_exit(4);
	cycle_sock = sv[0];
	if (gsched_spawn(cycle_waiter, NULL) <= 0)
		_exit(5);
	gsched_sleep(50 * MS);
	_exit(0);
}

/*
 * A process whose /dev/gsched fd sits in flight in a socket that one of
 * its tasks waits on, exiting: the instance must still go away. The wait
 * pinned the socket, the socket's queue pinned the instance's file, and
 * nothing else could ever release either.
 */
TEST(fd_in_flight_in_waited_socket)
{
	long long base = gs_sysfs_global("nr_instances");
	int i, status;

	ASSERT_GE(base, 0);
	for (i = 0; i < 3; i++) {
		pid_t pid = fork();

		ASSERT_GE(pid, 0);
		if (!pid) {
			struct gsched_opts o = { .nprocs = 2 };

			_exit(gsched_run_opts(&o, cycle_main, NULL, NULL) ?
			      6 : 7);
		}
		status = reap(pid, 10);
		ASSERT_TRUE(status >= 0 && WIFEXITED(status));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	EXPECT_EQ(base, wait_instances(base, 10))
		TH_LOG("instances left behind by a socket cycle");
}

/*
 * Child of lingering_instance_is_inert: an instance with a 1 ms ticker,
 * its file handed to the parent over @sock, then exit. The parent's
 * reference keeps the file, and so the instance, alive after the process
 * that made it is gone, as a socket cycle waiting for the unix garbage
 * collector or any fd passed on would.
 */
static void lingering_child(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	unsigned int id;
	struct iovec iov = { .iov_base = &id, .iov_len = sizeof(id) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	uint32_t h;
	int fd;

	fd = gs_raw_instance(1, &id);
	if (fd < 0 || timer_make(fd, MS, MS, &h))
		_exit(2);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != sizeof(id))
		_exit(3);
	_exit(0);
}

/*
 * An instance whose process is gone but whose file lives on must cost
 * nothing in the meantime: its timers stop with its process, or a
 * lingering 100 us ticker per instance keeps a CPU busy in the timer
 * work for as long as the file lives. The last close then frees it.
 */
TEST(lingering_instance_is_inert)
{
	long long base = gs_sysfs_global("nr_instances"), timers;
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	unsigned int id = 0;
	struct iovec iov = { .iov_base = &id, .iov_len = sizeof(id) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int sv[2], status, fd;
	pid_t pid;

	ASSERT_GE(base, 0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		close(sv[0]);
		lingering_child(sv[1]);
	}
	close(sv[1]);
	ASSERT_EQ(sizeof(id), recvmsg(sv[0], &msg, 0));
	close(sv[0]);
	cm = CMSG_FIRSTHDR(&msg);
	ASSERT_NE(NULL, cm);
	ASSERT_EQ(SCM_RIGHTS, cm->cmsg_type);
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	status = reap(pid, 10);
	ASSERT_TRUE(status >= 0 && WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	timers = gs_sysfs_inst(id, "timers");
	ASSERT_GE(timers, 0) TH_LOG("instance %u already gone", id);
	EXPECT_EQ(0, timers) TH_LOG("the ticker outlived its process");
	EXPECT_EQ(base + 1, gs_sysfs_global("nr_instances"));

	close(fd);
	EXPECT_EQ(base, wait_instances(base, 10))
		TH_LOG("the instance outlived its last fd");
}

/*
 * A task execs while it runs on a worker thread, and the instance's file
 * stays open across the exec (exec_from_task() below). The thread then
 * runs another program: the module must not signal it as a worker any
 * more. The child image counts SIGURGs (ignored by default, so only those
 * after its handler is installed) for 300 ms and exits with the count.
 */
#define EXEC_CHILD_ENV	"GS_HOSTILE_EXEC_CHILD"

static volatile sig_atomic_t urgs;

static void count_urg(int sig)
{
	urgs++;
}

static void __attribute__((constructor)) exec_child(void)
{
	struct sigaction sa = { .sa_handler = count_urg };
	uint64_t end;

	if (!getenv(EXEC_CHILD_ENV))
		return;
	sigaction(SIGURG, &sa, NULL);
	end = now_ns() + 300 * MS;
	while (now_ns() < end)
		;	/* in user space, as the task was */
	_exit(urgs > 100 ? 100 : urgs);
}

/*
 * Raw: this thread is worker 0 and runs the main task, preemption by
 * SIGURG. The instance's fd has no close-on-exec flag, so the instance
 * outlives the exec, as with any inherited fd.
 */
static void exec_from_task(void)
{
	char *argv[] = { "hostile_test", NULL };
	char *envp[] = { EXEC_CHILD_ENV "=1", NULL };
	struct gsched_setup su = { .nprocs = 1, .preempt_signal = SIGURG };
	struct gsched_spawn sp = {
		.flags = GSCHED_SPAWN_MAIN, .worker = GSCHED_NO_WORKER,
		.cookie = 1,
	};
	struct gsched_worker_reg wk = { .index = 0 };
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_NONE };
	int fd = open(GSCHED_DEVICE, O_RDWR);
	uint64_t end;

	if (fd < 0 || gs_raw_ioctl(fd, GSCHED_IOC_SETUP, &su) ||
	    gs_raw_ioctl(fd, GSCHED_IOC_SPAWN, &sp) ||
	    gs_raw_ioctl(fd, GSCHED_IOC_WORKER, &wk) ||
	    gs_raw_ioctl(fd, GSCHED_IOC_SWITCH, &sw) || sw.next_cookie != 1)
		_exit(96);
	/* the task runs: long enough for the preemption clock to fire */
	end = now_ns() + 30 * MS;
	while (now_ns() < end)
		;
	execve("/proc/self/exe", argv, envp);
	_exit(99);
}

TEST(exec_from_a_task_is_not_signalled)
{
	long long preempt_ms = param("preempt_ms");
	int status;
	pid_t pid;

	if (preempt_ms <= 0)
		SKIP(return, "module parameter preempt_ms is %lld", preempt_ms);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		exec_from_task();
	status = reap(pid, 10);
	ASSERT_TRUE(status >= 0 && WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("the new image got %d preemption signals",
		       WEXITSTATUS(status));
}

/*
 * A thread that registered as a worker outlives instances that another
 * thread closes. Each closed instance leaves the thread's notifier behind
 * (only the thread itself can unregister it), with a module reference.
 * Registering again frees the thread's earlier orphans: one per thread at
 * most, not one per instance.
 */
struct reg_req {
	int fd;
	int ret;
};

static void *register_worker(void *arg)
{
	struct reg_req *r = arg;
	struct gsched_worker_reg wk = { .index = 0 };

	r->ret = gs_raw_ioctl(r->fd, GSCHED_IOC_WORKER, &wk);
	return NULL;
}

struct lingerer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct reg_req *req;	/* a registration to make, or NULL */
	bool stop;
};

/* One thread that makes every registration, then lives on. */
static void *linger(void *arg)
{
	struct lingerer *l = arg;

	pthread_mutex_lock(&l->lock);
	while (!l->stop) {
		if (l->req) {
			register_worker(l->req);
			l->req = NULL;
			pthread_cond_broadcast(&l->cond);
		}
		pthread_cond_wait(&l->cond, &l->lock);
	}
	pthread_mutex_unlock(&l->lock);
	return NULL;
}

TEST(orphaned_notifiers_are_bounded)
{
	struct lingerer l = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
	};
	long long base, peak = 0, n;
	char path[] = "/sys/module/gsched/refcnt";
	char buf[32];
	pthread_t t;
	int i;

	ASSERT_EQ(0, gs_sysfs_read(path, buf, sizeof(buf)));
	base = strtoll(buf, NULL, 10);
	ASSERT_EQ(0, pthread_create(&t, NULL, linger, &l));
	for (i = 0; i < 50; i++) {
		struct reg_req r = { .fd = gs_raw_instance(1, NULL) };

		ASSERT_GE(r.fd, 0);
		pthread_mutex_lock(&l.lock);
		l.req = &r;
		pthread_cond_broadcast(&l.cond);
		while (l.req)
			pthread_cond_wait(&l.cond, &l.lock);
		pthread_mutex_unlock(&l.lock);
		ASSERT_EQ(0, r.ret);
		close(r.fd);	/* the lingering thread keeps its notifier */
		ASSERT_EQ(0, gs_sysfs_read(path, buf, sizeof(buf)));
		n = strtoll(buf, NULL, 10) - base;
		if (n > peak)
			peak = n;
	}
	TH_LOG("module references held for a live thread: at most %lld",
	       peak);
	EXPECT_LE(peak, 1);
	pthread_mutex_lock(&l.lock);
	l.stop = true;
	pthread_cond_broadcast(&l.cond);
	pthread_mutex_unlock(&l.lock);
	pthread_join(t, NULL);
	/* the thread is gone: the collector drops the last orphan */
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, gs_sysfs_read(path, buf, sizeof(buf)));
		if (strtoll(buf, NULL, 10) == base)
			break;
		usleep(10000);
	}
	EXPECT_EQ(base, strtoll(buf, NULL, 10));
}

/* ---- per-user limits --------------------------------------------------- */

#define NOBODY	65534

/* Run @fn(@arg) in a child as nobody; its exit status, or -1. */
static int as_nobody(int (*fn)(long), long arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			_exit(90);
		_exit(fn(arg));
	}
	status = reap(pid, 30);
	return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Open instances until refused: 0 when exactly @max opened and -EMFILE. */
static int open_until_refused(long max)
{
	int fds[64], n = 0, fd, i;

	while (n < 64) {
		fd = gs_raw_instance(1, NULL);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	if (n != max)
		return 1;
	if (fd != -EMFILE)
		return 2;
	close(fds[0]);		/* one slot free again */
	fd = gs_raw_instance(1, NULL);
	if (fd < 0)
		return 3;
	close(fd);
	for (i = 1; i < n; i++)
		close(fds[i]);
	return 0;
}

TEST(instances_per_user)
{
	long long old = param("max_user_instances");
	int i, ret;

	ASSERT_EQ(1024, old);	/* the documented default */
	ASSERT_EQ(0, set_param("max_user_instances", 8));
	/* twice: closing gives every charge back */
	for (i = 0; i < 2; i++) {
		ret = as_nobody(open_until_refused, 8);
		EXPECT_EQ(0, ret) TH_LOG("round %d: step %d", i, ret);
	}
	set_param("max_user_instances", old);
}

static int chan_make(int fd, uint32_t *h)
{
	struct gsched_chan_make m = { .elem_size = 8 };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &m);

	*h = m.handle;
	return ret;
}

static int at_limit[2], go_on[2];

/*
 * Make objects of every kind in two instances until refused: exactly
 * @max in all, then -ENOSPC; a release makes room for one more.
 */
static int objects_until_refused(long max)
{
	struct gsched_sync_op so = {
		.worker = GSCHED_NO_WORKER, .op = GSCHED_SYNC_MAKE,
		.arg = GSCHED_SYNC_MUTEX,
	};
	struct gsched_ctx_op co = { .op = GSCHED_CTX_MAKE };
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };
	int fd[2], n = 0, ret = 0, k;
	uint32_t h = 0, last = 0;

	fd[0] = gs_raw_instance(1, NULL);
	fd[1] = gs_raw_instance(1, NULL);
	if (fd[0] < 0 || fd[1] < 0)
		return 1;
	for (k = 0; !ret; k++) {
		int f = fd[k & 1];

		so.handle = 0;	/* in: must be 0 (out: the new handle) */
		co.handle = 0;	/* in: the parent, background */

		switch (k % 5) {
		case 0:
			ret = chan_make(f, &h);
			break;
		case 1:
			ret = timer_make(f, 1000 * MS, 0, &h);
			break;
		case 2:
			ret = gs_raw_ioctl(f, GSCHED_IOC_SYNC, &so);
			h = so.handle;
			break;
		case 3:	/* a context is two handles: itself and done */
			ret = gs_raw_ioctl(f, GSCHED_IOC_CTX, &co);
			n += !ret;
			break;
		case 4:
			ret = gs_raw_ioctl(f, GSCHED_IOC_SPAWN, &sp);
			break;
		}
		if (!ret) {
			n++;
			if (k % 5 == 0) {
				last = h;
				if (f != fd[0])
					last = 0;
			}
		}
	}
	/* a context needs two: it may fail with one left */
	if (ret != -ENOSPC || (n != max && !(k % 5 == 4 && n == max - 1)))
		return 2;
	/* at the limit: let the parent show that root is not */
	if (write(at_limit[1], "x", 1) != 1 || read(go_on[0], &k, 1) != 1)
		return 7;
	if (!last)
		return 3;
	if (n == max - 1) {	/* stopped by a context: one left */
		if (chan_make(fd[0], &h))
			return 8;
		n++;
	}
	if (chan_op(fd[0], GSCHED_CHAN_RELEASE, last, NULL, NULL))
		return 4;
	if (chan_make(fd[0], &h))
		return 5;
	if (chan_make(fd[0], &h) != -ENOSPC)
		return 6;
	close(fd[0]);
	close(fd[1]);
	return 0;
}

TEST(objects_per_user)
{
	long long old = param("max_user_objects");
	uint32_t h;
	int i, ret, fd;

	ASSERT_EQ(4194304, old);	/* the documented default */
	ASSERT_EQ(0, set_param("max_user_objects", 100));
	ASSERT_EQ(0, pipe(at_limit));
	ASSERT_EQ(0, pipe(go_on));
	fd = gs_raw_instance(1, NULL);
	ASSERT_GE(fd, 0);
	if (!fork()) {
		char c;

		/* root, while nobody sits at its limit: not affected */
		if (read(at_limit[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < 10; i++)
			if (chan_make(fd, &h))
				_exit(2);
		_exit(write(go_on[1], "x", 1) != 1 ? 3 : 0);
	}
	ret = as_nobody(objects_until_refused, 100);
	EXPECT_EQ(0, ret) TH_LOG("step %d", ret);
	close(at_limit[1]);	/* a failed child never wrote: EOF */
	wait(&i);
	EXPECT_TRUE(WIFEXITED(i) && WEXITSTATUS(i) == 0);
	close(fd);
	/* closing gave every charge back: again, alone */
	close(go_on[1]);
	ASSERT_EQ(0, pipe(go_on));
	ASSERT_EQ(0, pipe(at_limit));
	ASSERT_EQ(1, write(go_on[1], "x", 1));
	ret = as_nobody(objects_until_refused, 100);
	EXPECT_EQ(0, ret) TH_LOG("second round: step %d", ret);
	set_param("max_user_objects", old);
}

/* ---- signals during setup ------------------------------------------------ */

static void ignore_sig(int sig)
{
}

struct pelter {
	pid_t tid;
	atomic_int stop;
	long sent;
};

static void *pelt(void *arg)
{
	struct pelter *p = arg;

	/* often enough to land inside SETUP, not so often it never ends */
	while (!atomic_load(&p->stop)) {
		if (!tgkill(getpid(), p->tid, SIGUSR1))
			p->sent++;
		usleep(20);
	}
	return NULL;
}

/*
 * SETUP registers with the address space, which gives up when a signal
 * is pending: the call must then restart by itself, not fail with -EINTR
 * (a program's own signals, or the runtime's preemption signal, arrive
 * at any time).
 */
TEST(setup_under_signals)
{
	struct sigaction sa = { .sa_handler = ignore_sig };	/* no restart */
	struct pelter p = { .tid = gettid() };
	int i, fd, eintr = 0, other = 0;
	long n = gs_scaled(100, 20);	/* the debug guest: 70 s for 100 */
	pthread_t t;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, pthread_create(&t, NULL, pelt, &p));
	for (i = 0; i < n; i++) {
		fd = gs_raw_instance(1, NULL);
		if (fd == -EINTR)
			eintr++;
		else if (fd < 0)
			other++;
		else
			close(fd);
	}
	atomic_store(&p.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld setups, %ld signals: %d -EINTR, %d other errors",
	       n, p.sent, eintr, other);
	EXPECT_EQ(0, eintr);
	EXPECT_EQ(0, other);
}

TEST_HARNESS_MAIN
