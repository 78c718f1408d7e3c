// SPDX-License-Identifier: GPL-2.0
/*
 * gsched fd waits: FDREAD/FDWRITE select cases and the libgsched I/O
 * helpers. A waiting task parks (its worker runs other tasks: most tests
 * use one P, so the main task running at all proves it); readiness, a
 * hangup, a timeout, a context, GSCHED_FD_CLOSE wake it. Also: the double
 * wait check, bad arguments, teardown and kill with waiters (the file
 * references are dropped), a wake/timeout race stress and a TCP echo
 * server on loopback with 1,000 clients and no thread per connection.
 *
 * Every TEST runs in its own forked child (kselftest harness), so globals
 * are per test. Tasks cannot ASSERT: they check with the T_* macros, which
 * record the first failure; RUN_OK() then reports it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"


static struct gsched_opts one_p = { .nprocs = 1 };
static struct gsched_opts two_p = { .nprocs = 2 };

/* ---- checks inside tasks: task_check.h ---- */

static int task_state(int id)
{
	struct gsched_task_info ti;

	return gsched_task_info(id, &ti) ? -1 : (int)ti.state;
}

/* A task that waits for one fd and records the outcome. */
struct fdw_arg {
	int fd;
	int dir;
	uint64_t timeout;	/* gsched_fd_wait_timeout() when non-zero */
	gsched_ctx_t ctx;	/* gsched_fd_wait_ctx() when non-NULL */
	int ret;
	uint64_t ns;		/* how long it waited */
};

static long do_fd_wait(void *arg)
{
	struct fdw_arg *a = arg;
	uint64_t t0 = now_ns();

	if (a->ctx)
		a->ret = gsched_fd_wait_ctx(a->ctx, a->fd, a->dir);
	else if (a->timeout)
		a->ret = gsched_fd_wait_timeout(a->fd, a->dir, a->timeout);
	else
		a->ret = gsched_fd_wait(a->fd, a->dir);
	a->ns = now_ns() - t0;
	return 0;
}

/* Start a waiter on @a and check that it parked in its select. */
static int start_waiter(struct fdw_arg *a)
{
	int id;

	a->ret = 99;
	id = spawn_j(do_fd_wait, a);
	T_GE(1, id);
	T_EQ(GSCHED_WAIT_SELECT, wait_blocked(id));
	T_EQ(99, a->ret);
	return id;
}

static int join_ok(int id)
{
	long ev = -1;

	T_EQ(0, gsched_join(id, &ev));
	return (int)ev;
}

static int mkpipe(int p[2])
{
	return pipe2(p, O_NONBLOCK | O_CLOEXEC);
}

/* Fill a one-page pipe: its writer is then not writable. */
static void fill_pipe(int p[2])
{
	static char page[4096];

	T_GE(0, fcntl(p[1], F_SETPIPE_SZ, 4096));
	while (write(p[1], page, sizeof(page)) > 0)
		;
	T_EQ(EAGAIN, errno);
}

static long long os_threads(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	p = strstr(buf, "\nThreads:");
	return p ? strtoll(p + 9, NULL, 10) : -ENOENT;
}

/* ==== wakeups ============================================================ */

static long pipe_readable_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	char c = 0;
	int p[2], id;

	T_EQ(0, mkpipe(p));
	a.fd = p[0];
	/* one P: this task runs while the waiter is parked */
	id = start_waiter(&a);
	gsched_yield();
	T_EQ(GSCHED_TASK_WAITING, task_state(id));
	T_EQ(1, write(p[1], "x", 1));
	join_ok(id);
	T_EQ(0, a.ret);
	T_EQ(1, read(p[0], &c, 1));
	T_EQ('x', c);
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(pipe_readable_wakes_reader)
{
	RUN_OK(&one_p, pipe_readable_main);
}

static long pipe_writable_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_WRITE };
	char page[4096];
	int p[2], id;

	T_EQ(0, mkpipe(p));
	fill_pipe(p);
	a.fd = p[1];
	id = start_waiter(&a);
	T_EQ((ssize_t)sizeof(page), read(p[0], page, sizeof(page)));
	join_ok(id);
	T_EQ(0, a.ret);
	T_GT(0, write(p[1], "y", 1));
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(pipe_writable_wakes_writer)
{
	RUN_OK(&one_p, pipe_writable_main);
}

/* Two Ps: the wake comes from a work item and lands on either worker. */
static long many_rounds_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	int p[2], id, i;
	char c;

	T_EQ(0, mkpipe(p));
	a.fd = p[0];
	for (i = 0; i < 50; i++) {
		id = start_waiter(&a);
		T_EQ(1, write(p[1], "z", 1));
		join_ok(id);
		T_EQ(0, a.ret);
		T_EQ(1, read(p[0], &c, 1));
	}
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(wake_rounds_two_procs)
{
	RUN_OK(&two_p, many_rounds_main);
}

static atomic_int ran;

static long set_ran(void *arg)
{
	atomic_store(&ran, 1);
	return 0;
}

static long ready_main(void *arg)
{
	int p[2], id;

	T_EQ(0, mkpipe(p));
	T_EQ(1, write(p[1], "r", 1));
	/* a runnable task: it would run first if we parked */
	id = spawn_j(set_ran, NULL);
	T_EQ(0, gsched_fd_wait(p[0], GSCHED_FD_READ));
	T_EQ(0, gsched_fd_wait(p[1], GSCHED_FD_WRITE));
	T_EQ(0, gsched_fd_wait_timeout(p[0], GSCHED_FD_READ, 0));
	T_EQ(0, gsched_fd_wait_timeout(p[0], GSCHED_FD_READ, 10 * MS));
	T_EQ(0, gsched_fd_wait_ctx(NULL, p[0], GSCHED_FD_READ));
	/* not ready, zero timeout: a look, no park */
	T_EQ(1, read(p[0], &(char){0}, 1));
	T_EQ(-ETIMEDOUT, gsched_fd_wait_timeout(p[0], GSCHED_FD_READ, 0));
	T_EQ(0, atomic_load(&ran));
	join_ok(id);
	T_EQ(1, atomic_load(&ran));
	close(p[0]);
	close(p[1]);
	return 0;
}

/*
 * Neither preemption nor a hand-off may run the other task either: in the
 * debug guest these calls take long enough for both to happen.
 */
TEST(ready_fd_does_not_park)
{
	struct gsched_opts o = {
		.nprocs = 1,
		.flags = GSCHED_OPT_NO_PREEMPT | GSCHED_OPT_NO_HANDOFF,
	};

	RUN_OK(&o, ready_main);
}

static long hup_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ }, b = { .dir = GSCHED_FD_WRITE };
	char c;
	int p[2], id;

	/* the last writer goes away: EPOLLHUP wakes the reader */
	T_EQ(0, mkpipe(p));
	a.fd = p[0];
	id = start_waiter(&a);
	close(p[1]);
	join_ok(id);
	T_EQ(0, a.ret);
	T_EQ(0, read(p[0], &c, 1));
	close(p[0]);

	/* the last reader goes away: EPOLLERR wakes the writer */
	T_EQ(0, mkpipe(p));
	fill_pipe(p);
	b.fd = p[1];
	id = start_waiter(&b);
	close(p[0]);
	join_ok(id);
	T_EQ(0, b.ret);
	T_EQ(-1, write(p[1], "x", 1));
	T_EQ(EPIPE, errno);
	close(p[1]);
	return 0;
}

TEST(hangup_wakes_waiters)
{
	signal(SIGPIPE, SIG_IGN);
	RUN_OK(&one_p, hup_main);
}

static long eventfd_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	uint64_t v = 1;
	int efd, id;

	efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	T_GE(0, efd);
	T_EQ(0, gsched_fd_wait(efd, GSCHED_FD_WRITE));
	a.fd = efd;
	id = start_waiter(&a);
	T_EQ(8, write(efd, &v, 8));
	join_ok(id);
	T_EQ(0, a.ret);
	v = 0;
	T_EQ(8, read(efd, &v, 8));
	T_EQ(1, v);
	/* drained: the next wait parks again, and times out */
	T_EQ(-ETIMEDOUT, gsched_fd_wait_timeout(efd, GSCHED_FD_READ, MS));
	close(efd);
	return 0;
}

TEST(eventfd_wakes_reader)
{
	RUN_OK(&one_p, eventfd_main);
}

/*
 * Files that poll on two wait queues (io_uring's "double poll"): a pipe
 * opened for reading and writing (rd_wait and wr_wait), a pty master
 * (read_wait and write_wait, and a poll method that may sleep).
 */
static long two_queues_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	char path[64], c, page[4096];
	int p[2], rw, m, sl, id, i;

	T_EQ(0, mkpipe(p));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	rw = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	T_GE(0, rw);
	T_EQ(0, gsched_fd_wait(rw, GSCHED_FD_WRITE));
	a.fd = rw;
	for (i = 0; i < 3; i++) {
		id = start_waiter(&a);
		T_EQ(1, write(p[1], "2", 1));
		join_ok(id);
		T_EQ(0, a.ret);
		T_EQ(1, read(rw, &c, 1));
		T_EQ('2', c);
	}
	/* both entries are gone: traffic on either queue touches nothing */
	fill_pipe(p);
	T_EQ((ssize_t)sizeof(page), read(p[0], page, sizeof(page)));
	close(rw);
	close(p[0]);
	close(p[1]);

	m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	T_GE(0, m);
	if (m < 0)
		return 0;
	T_EQ(0, grantpt(m));
	T_EQ(0, unlockpt(m));
	sl = open(ptsname(m), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	T_GE(0, sl);
	a.fd = m;
	id = start_waiter(&a);
	T_EQ(1, write(sl, "t", 1));
	join_ok(id);
	T_EQ(0, a.ret);
	T_EQ(1, read(m, &c, 1));
	T_EQ('t', c);
	close(sl);
	close(m);
	return 0;
}

TEST(two_wait_queues_pipe_rdwr_and_pty)
{
	RUN_OK(&one_p, two_queues_main);
}

/* ==== timeouts and contexts ============================================== */

static long timeout_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ, .timeout = 10000 * MS };
	int p[2], id, inst = gsched_instance_id();
	uint64_t t0;

	T_EQ(0, mkpipe(p));
	t0 = now_ns();
	T_EQ(-ETIMEDOUT, gsched_fd_wait_timeout(p[0], GSCHED_FD_READ,
						 30 * MS));
	T_GE(30 * MS, now_ns() - t0);
	/* the wait is gone: the fd is free for the next one */
	a.fd = p[0];
	id = start_waiter(&a);
	T_EQ(1, gs_sysfs_inst(inst, "timers"));
	T_EQ(1, write(p[1], "t", 1));
	join_ok(id);
	T_EQ(0, a.ret);
	T_LT(5000 * MS, a.ns);
	/* readiness won: its timer was cancelled */
	T_EQ(0, gs_sysfs_inst(inst, "timers"));
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(timeout_returns_etimedout)
{
	RUN_OK(&one_p, timeout_main);
}

static long ctx_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	gsched_ctx_t ctx, tctx;
	int p[2], id;

	T_EQ(0, mkpipe(p));
	T_EQ(0, gsched_ctx_with_cancel(&ctx, NULL));
	a.fd = p[0];
	a.ctx = ctx;
	id = start_waiter(&a);
	T_EQ(0, gsched_ctx_cancel(ctx));
	join_ok(id);
	T_EQ(-ECANCELED, a.ret);
	gsched_ctx_free(ctx);

	/* a deadline */
	T_EQ(0, gsched_ctx_with_timeout(&tctx, NULL, 20 * MS));
	T_EQ(-ETIMEDOUT, gsched_fd_wait_ctx(tctx, p[0], GSCHED_FD_READ));
	gsched_ctx_free(tctx);

	/* a live context: the fd wins */
	T_EQ(0, gsched_ctx_with_cancel(&ctx, NULL));
	a.ctx = ctx;
	id = start_waiter(&a);
	T_EQ(1, write(p[1], "c", 1));
	join_ok(id);
	T_EQ(0, a.ret);
	gsched_ctx_free(ctx);
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(ctx_cancel_returns_ecanceled)
{
	RUN_OK(&one_p, ctx_main);
}

/* ==== double wait ======================================================== */

static long double_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	struct gsched_select_case c[2];
	gsched_chan_t ch;
	long v = 5;
	int p[2], s[2], id, d;

	T_EQ(0, mkpipe(p));
	a.fd = p[0];
	id = start_waiter(&a);
	/* the same file and direction: refused, nothing happens */
	T_EQ(-EBUSY, gsched_fd_wait(p[0], GSCHED_FD_READ));
	T_EQ(-EBUSY, gsched_fd_wait_timeout(p[0], GSCHED_FD_READ, MS));
	d = dup(p[0]);
	T_GE(0, d);
	T_EQ(-EBUSY, gsched_fd_wait(d, GSCHED_FD_READ));
	T_EQ(0, gsched_chan_make(&ch, sizeof(long), 1));
	T_EQ(0, gsched_chan_trysend(ch, &v));
	c[0] = GSCHED_RECV(ch, &v);
	c[1] = (struct gsched_select_case){ .handle = (uint32_t)p[0],
					    .dir = GSCHED_SEL_FDREAD };
	v = 0;
	T_EQ(-EBUSY, gsched_select(c, 2, 0, 0, NULL));
	/* before anything happens: the ready value is still there */
	T_EQ(1, gsched_chan_len(ch));
	T_EQ(0, v);
	T_EQ(GSCHED_TASK_WAITING, task_state(id));
	/* the first waiter still completes */
	T_EQ(1, write(p[1], "d", 1));
	join_ok(id);
	T_EQ(0, a.ret);
	/* and the key is free again */
	T_EQ(0, gsched_fd_wait(d, GSCHED_FD_READ));
	close(d);

	/* one select, the same key twice */
	c[0] = c[1];
	T_EQ(-EBUSY, gsched_select(c, 2, 0, 0, NULL));

	/* the other direction of the same file is another key */
	T_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, s));
	a.fd = s[0];
	id = start_waiter(&a);
	T_EQ(0, gsched_fd_wait(s[0], GSCHED_FD_WRITE));
	T_EQ(1, write(s[1], "e", 1));
	join_ok(id);
	T_EQ(0, a.ret);
	close(s[0]);
	close(s[1]);
	gsched_chan_release(ch);
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(double_wait_ebusy)
{
	RUN_OK(&one_p, double_main);
}

/* ==== GSCHED_FD_CLOSE ===================================================== */

static long close_main(void *arg)
{
	struct fdw_arg a = { .dir = GSCHED_FD_READ };
	int p[2], id;

	T_EQ(0, mkpipe(p));
	a.fd = p[0];
	id = start_waiter(&a);
	T_EQ(0, gsched_fd_close(p[0]));
	join_ok(id);
	T_EQ(-EBADF, a.ret);
	T_EQ(-1, fcntl(p[0], F_GETFD));
	T_EQ(EBADF, errno);
	/* the waiter's file reference is gone too: no reader is left */
	T_EQ(-1, write(p[1], "x", 1));
	T_EQ(EPIPE, errno);
	close(p[1]);
	return 0;
}

TEST(fd_close_wakes_waiter_ebadf)
{
	signal(SIGPIPE, SIG_IGN);
	RUN_OK(&one_p, close_main);
}

static int fd_op(int fd, uint32_t op, uint32_t flags, struct gsched_fd_op *out)
{
	struct gsched_fd_op o = { .flags = flags, .op = op, .fd = fd };
	int ret = gs_raw_ioctl(gsched_fd(), GSCHED_IOC_FD, &o);

	if (out)
		*out = o;
	return ret;
}

static long close_raw_main(void *arg)
{
	struct fdw_arg r = { .dir = GSCHED_FD_READ }, w = { .dir = GSCHED_FD_WRITE };
	struct gsched_fd_op o;
	int s[2], rid, wid, sz = 4096;
	char buf[4096] = { 0 };

	T_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, s));
	T_EQ(0, setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)));
	while (write(s[0], buf, sizeof(buf)) > 0)
		;
	r.fd = w.fd = s[0];
	rid = start_waiter(&r);
	wid = start_waiter(&w);
	T_EQ(0, fd_op(s[0], GSCHED_FD_CLOSE, 0, &o));
	T_EQ(2, o.woken);
	join_ok(rid);
	join_ok(wid);
	T_EQ(-EBADF, r.ret);
	T_EQ(-EBADF, w.ret);
	/* nobody waits now; CLOSE is not sticky: the fd still works */
	T_EQ(0, fd_op(s[0], GSCHED_FD_CLOSE, 0, &o));
	T_EQ(0, o.woken);
	T_EQ(-ETIMEDOUT, gsched_fd_wait_timeout(s[0], GSCHED_FD_READ, MS));
	/* bad requests */
	T_EQ(-EINVAL, fd_op(s[0], 0, 0, NULL));
	T_EQ(-EINVAL, fd_op(s[0], GSCHED_FD_OP_MAX + 1, 0, NULL));
	T_EQ(-EINVAL, fd_op(s[0], GSCHED_FD_CLOSE, 1, NULL));
	T_EQ(-EBADF, fd_op(-1, GSCHED_FD_CLOSE, 0, NULL));
	T_EQ(-EBADF, fd_op(1000000, GSCHED_FD_CLOSE, 0, NULL));
	T_EQ(-EBADF, gsched_fd_close(-1));
	close(s[0]);
	close(s[1]);
	return 0;
}

TEST(fd_close_raw_counts_woken)
{
	RUN_OK(&one_p, close_raw_main);
}

/* ==== bad arguments ======================================================= */

static long bad_fd_main(void *arg)
{
	struct gsched_select_case c[2];
	gsched_chan_t ch;
	long v = 3;
	int m, n, p[2];

	/* no ->poll: regular (shmem) files, /dev/null */
	m = memfd_create("io_test", MFD_CLOEXEC);
	T_GE(0, m);
	T_EQ(-EPERM, gsched_fd_wait(m, GSCHED_FD_READ));
	T_EQ(-EPERM, gsched_fd_wait(m, GSCHED_FD_READ));	/* not -EBUSY */
	T_EQ(-EPERM, gsched_fd_wait_timeout(m, GSCHED_FD_WRITE, MS));
	n = open("/dev/null", O_RDWR | O_CLOEXEC);
	T_GE(0, n);
	T_EQ(-EPERM, gsched_fd_wait(n, GSCHED_FD_WRITE));
	/* bad fds */
	T_EQ(-EBADF, gsched_fd_wait(-1, GSCHED_FD_READ));
	close(n);
	T_EQ(-EBADF, gsched_fd_wait(n, GSCHED_FD_READ));
	c[0] = (struct gsched_select_case){ .handle = 0x80000000u,
					    .dir = GSCHED_SEL_FDREAD };
	T_EQ(-EBADF, gsched_select(c, 1, 0, 0, NULL));
	/* a bad fd case fails the whole select before anything happens */
	T_EQ(0, gsched_chan_make(&ch, sizeof(long), 1));
	T_EQ(0, gsched_chan_trysend(ch, &v));
	c[0] = GSCHED_RECV(ch, &v);
	c[1] = (struct gsched_select_case){ .handle = (uint32_t)m,
					    .dir = GSCHED_SEL_FDREAD };
	T_EQ(-EPERM, gsched_select(c, 2, 0, 0, NULL));
	T_EQ(1, gsched_chan_len(ch));
	/* bad directions and case arguments */
	T_EQ(0, mkpipe(p));
	T_EQ(-EINVAL, gsched_fd_wait(p[0], 0));
	T_EQ(-EINVAL, gsched_fd_wait(p[0], 3));
	c[0] = (struct gsched_select_case){ .handle = (uint32_t)p[0],
					    .dir = GSCHED_SEL_FDREAD,
					    .buf = 1 };
	T_EQ(-EINVAL, gsched_select(c, 1, 0, 0, NULL));
	c[0].dir = GSCHED_SEL_MAX + 1;
	c[0].buf = 0;
	T_EQ(-EINVAL, gsched_select(c, 1, 0, 0, NULL));
	gsched_chan_release(ch);
	close(m);
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(bad_fds_and_case_args)
{
	RUN_OK(&one_p, bad_fd_main);
}

static int outside_ret = 99;

static void *outside_thread(void *arg)
{
	outside_ret = gsched_fd_wait(*(int *)arg, GSCHED_FD_READ);
	return NULL;
}

static long outside_main(void *arg)
{
	pthread_t th;
	int p[2];

	T_EQ(0, mkpipe(p));
	T_EQ(0, pthread_create(&th, NULL, outside_thread, &p[0]));
	T_EQ(0, pthread_join(th, NULL));
	T_EQ(-EPERM, outside_ret);
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(wait_outside_task_eperm)
{
	RUN_OK(&one_p, outside_main);
}

/* ==== select with fd cases ================================================ */

static long writer_after(void *arg)
{
	int fd = *(int *)arg;

	gsched_sleep(5 * MS);
	T_EQ(1, write(fd, "w", 1));
	return 0;
}

static long select_main(void *arg)
{
	struct gsched_select_case c[3];
	int p[2], q[2], id, ok = 7;
	gsched_chan_t ch;
	long v = 9;
	char b;

	T_EQ(0, mkpipe(p));
	T_EQ(0, mkpipe(q));
	T_EQ(0, gsched_chan_make(&ch, sizeof(long), 1));
	c[0] = GSCHED_RECV(ch, &v);
	c[1] = (struct gsched_select_case){ .handle = (uint32_t)p[0],
					    .dir = GSCHED_SEL_FDREAD };
	c[2] = (struct gsched_select_case){ .handle = (uint32_t)q[0],
					    .dir = GSCHED_SEL_FDREAD };
	/* nothing ready */
	T_EQ(-EAGAIN, gsched_select(c, 3, GSCHED_SELECT_DEFAULT, 0, NULL));
	T_EQ(-ETIMEDOUT, gsched_select(c, 3, GSCHED_SELECT_TIMEOUT, MS,
				       NULL));
	/* the channel */
	T_EQ(0, gsched_chan_trysend(ch, &v));
	v = 0;
	T_EQ(0, gsched_select(c, 3, 0, 0, &ok));
	T_EQ(9, v);
	T_EQ(1, ok);
	/* the second fd, once someone writes to it */
	id = spawn_j(writer_after, &q[1]);
	T_EQ(2, gsched_select(c, 3, 0, 0, &ok));
	T_EQ(0, ok);
	join_ok(id);
	T_EQ(1, read(q[0], &b, 1));
	/* the first fd, ready at once */
	T_EQ(1, write(p[1], "p", 1));
	T_EQ(1, gsched_select(c, 3, GSCHED_SELECT_DEFAULT, 0, NULL));
	T_EQ(1, read(p[0], &b, 1));
	/* every leftover entry was removed: the fds are free, and a
	 * write to one nobody waits on wakes nobody */
	T_EQ(-ETIMEDOUT, gsched_fd_wait_timeout(p[0], GSCHED_FD_READ, MS));
	T_EQ(-ETIMEDOUT, gsched_fd_wait_timeout(q[0], GSCHED_FD_READ, MS));
	T_EQ(1, write(p[1], "p", 1));
	T_EQ(1, write(q[1], "q", 1));
	gsched_chan_release(ch);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	return 0;
}

TEST(select_mixes_fds_and_channels)
{
	RUN_OK(&one_p, select_main);
}

/* An fd waiter is not a deadlock: a thread outside the runtime wakes it. */
static void *late_writer(void *arg)
{
	usleep(100 * 1000);
	if (write(*(int *)arg, "l", 1) != 1)
		abort();
	return NULL;
}

static long nodeadlock_main(void *arg)
{
	pthread_t th;
	int p[2];

	T_EQ(0, mkpipe(p));
	T_EQ(0, pthread_create(&th, NULL, late_writer, &p[1]));
	/* the only task, waiting: only the file can wake it */
	T_EQ(0, gsched_fd_wait(p[0], GSCHED_FD_READ));
	pthread_join(th, NULL);
	close(p[0]);
	close(p[1]);
	return 0;
}

TEST(fd_waiter_is_not_a_deadlock)
{
	RUN_OK(&one_p, nodeadlock_main);
}

/* ==== I/O helpers ========================================================= */

#define XFER	(256 * 1024)

static long xfer_writer(void *arg)
{
	int fd = *(int *)arg;
	static unsigned char out[XFER];
	size_t i;

	for (i = 0; i < XFER; i++)
		out[i] = (unsigned char)(i * 7 + 3);
	T_EQ(XFER, gsched_write(fd, out, XFER));
	shutdown(fd, SHUT_WR);
	return 0;
}

static long xfer_main(void *arg)
{
	static unsigned char in[XFER];
	int s[2], id, sz = 4096, reads = 0;
	size_t got = 0, i;
	ssize_t r;

	T_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			   0, s));
	/* small buffers: both sides park many times */
	T_EQ(0, setsockopt(s[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)));
	id = spawn_j(xfer_writer, &s[0]);
	for (;;) {
		r = gsched_read(s[1], in + got, 1000);
		T_GE(0, r);
		if (r <= 0)
			break;
		got += (size_t)r;
		reads++;
	}
	join_ok(id);
	T_EQ(XFER, got);
	for (i = 0; i < XFER && in[i] == (unsigned char)(i * 7 + 3); i++)
		;
	T_EQ(XFER, i);
	T_GT(10, reads);
	close(s[0]);
	close(s[1]);
	return 0;
}

TEST(read_write_helpers_socketpair)
{
	RUN_OK(&two_p, xfer_main);
}

static long acceptor_closed(void *arg)
{
	int fd = *(int *)arg;

	T_EQ(-EBADF, gsched_accept(fd, NULL, NULL));
	return 0;
}

static long connect_main(void *arg)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int l, s, id;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	T_GE(0, l);
	T_EQ(0, bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	T_EQ(0, getsockname(l, (struct sockaddr *)&sa, &len));
	/* bound, not listening: refused */
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_GE(0, s);
	T_EQ(-ECONNREFUSED, gsched_connect(s, (struct sockaddr *)&sa,
					   sizeof(sa)));
	/* gsched_connect() made it non-blocking */
	T_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
	close(s);
	/* an accept parked on a listener that gets closed */
	T_EQ(0, listen(l, 8));
	id = spawn_j(acceptor_closed, &l);
	T_EQ(GSCHED_WAIT_SELECT, wait_blocked(id));
	T_EQ(0, gsched_fd_close(l));
	join_ok(id);
	return 0;
}

TEST(connect_refused_and_accept_closed)
{
	RUN_OK(&one_p, connect_main);
}

/* ==== teardown with waiters ============================================== */

static int td_pipe[2], td_sock[2], td_efd;

static long td_waiter(void *arg)
{
	gsched_fd_wait(*(int *)arg, GSCHED_FD_READ);
	return 0;
}

static long td_main(void *arg)
{
	T_GE(1, gsched_spawn(td_waiter, &td_pipe[0]));
	T_GE(1, gsched_spawn(td_waiter, &td_sock[0]));
	T_GE(1, gsched_spawn(td_waiter, &td_efd));
	gsched_yield();
	gsched_sleep(MS);
	/* main returns: the runtime ends with three tasks waiting */
	return 0;
}

TEST(teardown_with_waiters_drops_files)
{
	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(td_pipe, O_NONBLOCK | O_CLOEXEC));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
				SOCK_CLOEXEC, 0, td_sock));
	td_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ASSERT_LE(0, td_efd);
	RUN_OK(&one_p, td_main);
	/* wakeups after teardown find no entries (KASAN would tell) */
	EXPECT_EQ(8, write(td_efd, &(uint64_t){1}, 8));
	EXPECT_EQ(1, write(td_sock[1], "s", 1));
	/* the waits' file references are gone: no reader is left */
	close(td_pipe[0]);
	EXPECT_EQ(-1, write(td_pipe[1], "x", 1));
	EXPECT_EQ(EPIPE, errno);
	close(td_pipe[1]);
	close(td_sock[0]);
	close(td_sock[1]);
	close(td_efd);
}

static int kill_pipe[2], kill_sync[2];

static long kill_main(void *arg)
{
	if (gsched_spawn(td_waiter, &kill_pipe[0]) <= 0)
		abort();
	gsched_sleep(MS);
	if (write(kill_sync[1], "k", 1) != 1)
		abort();
	/* the read end never becomes writable: parked until killed */
	gsched_fd_wait(kill_pipe[0], GSCHED_FD_WRITE);
	return 0;
}

TEST(kill_with_waiters_drops_files)
{
	int status;
	pid_t pid;
	char c;

	signal(SIGPIPE, SIG_IGN);
	ASSERT_EQ(0, pipe2(kill_pipe, O_NONBLOCK | O_CLOEXEC));
	ASSERT_EQ(0, pipe2(kill_sync, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(kill_sync[0]);
		_exit(gsched_run_opts(&two_p, kill_main, NULL, NULL) ? 1 : 0);
	}
	close(kill_sync[1]);
	ASSERT_EQ(1, read(kill_sync[0], &c, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	/* the child's read end and its waits' references are gone */
	close(kill_pipe[0]);
	EXPECT_EQ(-1, write(kill_pipe[1], "x", 1));
	EXPECT_EQ(EPIPE, errno);
	close(kill_pipe[1]);
	close(kill_sync[0]);
}

/*
 * POLLFREE: a signalfd polls on its process's sighand, which is freed
 * with that process, before the file if someone else keeps the instance
 * alive. Here a grandchild keeps the instance's fd open while the child
 * that runs the runtime (and owns the sighand a task waits on) exits and
 * is reaped: wake_up_pollfree() then finds our entry, which must detach
 * itself (the kernel warns otherwise), and the instance's later teardown
 * must not touch the freed queue. (Not killed: any signal sent to the
 * process wakes its signalfd queue first, and the waiter would leave.)
 */
static int pf_sync[2], pf_ctl[2];
/*
 * Not on pf_main's stack: the waiter outlives pf_main, and may still be
 * woken and run while the process exits (under ASan's
 * detect_stack_use_after_return a returned frame is unmapped memory).
 */
static struct fdw_arg pf_arg;

static long pf_main(void *arg)
{
	struct fdw_arg *a = &pf_arg;
	sigset_t set;
	int sfd, keep;
	pid_t pid;
	char c;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	T_GE(0, sfd);
	a->fd = sfd;
	a->dir = GSCHED_FD_READ;
	start_waiter(a);
	/* not O_CLOEXEC, and not the runtime's own fd: fork keeps it */
	keep = dup(gsched_fd());
	T_GE(0, keep);
	pid = fork();
	if (!pid) {
		close(pf_sync[1]);
		close(pf_ctl[1]);
		if (read(pf_ctl[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	T_GE(1, pid);
	close(keep);
	if (write(pf_sync[1], fails ? "f" : "p", 1) != 1)
		abort();
	/* the runtime ends with the waiter parked; the process exits */
	return 0;
}

TEST(pollfree_signalfd_owner_exits)
{
	long long base = gs_sysfs_global("nr_instances");
	int status, i;
	pid_t pid;
	char c = 0;

	ASSERT_LE(0, base);
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pipe2(pf_sync, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(pf_ctl, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(pf_sync[0]);
		_exit(gsched_run_opts(&one_p, pf_main, NULL, NULL) ? 1 : 0);
	}
	close(pf_sync[1]);
	close(pf_ctl[0]);
	ASSERT_EQ(1, read(pf_sync[0], &c, 1));
	EXPECT_EQ('p', c);
	/* the reap frees the sighand: POLLFREE */
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(base + 1, gs_sysfs_global("nr_instances"));
	/* the grandchild lets go of the instance: teardown */
	close(pf_ctl[1]);
	pid = waitpid(-1, &status, 0);
	EXPECT_LT(0, pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (i = 0; i < 200 && gs_sysfs_global("nr_instances") != base; i++)
		usleep(10000);
	EXPECT_EQ(base, gs_sysfs_global("nr_instances"));
	close(pf_sync[0]);
}

/* ==== wake / timeout / other-case races =================================== */

#define RACE_PAIRS	16
#define RACE_MSGS	300

struct race {
	int p[2];
	gsched_chan_t kick;	/* a competing channel case */
	int got, timeouts, kicks;
};

static struct race races[RACE_PAIRS];

static long race_reader(void *arg)
{
	struct race *r = arg;
	struct gsched_select_case c[2];
	char buf[64];
	ssize_t n;
	int ret;

	c[0] = (struct gsched_select_case){ .handle = (uint32_t)r->p[0],
					    .dir = GSCHED_SEL_FDREAD };
	c[1] = GSCHED_RECV(r->kick, NULL);
	while (r->got < RACE_MSGS) {
		/* timeouts close to the writer's pace: claims race */
		ret = gsched_select(c, 2, GSCHED_SELECT_TIMEOUT,
				    20000 + (uint64_t)(r->got % 7) * 10000,
				    NULL);
		if (ret == -ETIMEDOUT) {
			r->timeouts++;
			continue;
		}
		if (ret == 1) {
			r->kicks++;
			continue;
		}
		T_EQ(0, ret);
		n = read(r->p[0], buf, sizeof(buf));
		if (n < 0) {
			T_EQ(EAGAIN, errno);
			continue;
		}
		T_GT(0, n);
		if (n <= 0)
			break;
		r->got += (int)n;
	}
	return 0;
}

static long race_writer(void *arg)
{
	struct race *r = arg;
	int i;

	for (i = 0; i < RACE_MSGS; i++) {
		T_EQ(1, write(r->p[1], "r", 1));
		if (i % 3 == 0)
			gsched_chan_trysend(r->kick, NULL);
		gsched_sleep((uint64_t)(i % 5) * 10000);
	}
	return 0;
}

static long race_main(void *arg)
{
	int ids[2 * RACE_PAIRS], i;

	for (i = 0; i < RACE_PAIRS; i++) {
		T_EQ(0, mkpipe(races[i].p));
		T_EQ(0, gsched_chan_make(&races[i].kick, 0, 1));
		ids[2 * i] = spawn_j(race_reader, &races[i]);
		ids[2 * i + 1] = spawn_j(race_writer, &races[i]);
	}
	for (i = 0; i < 2 * RACE_PAIRS; i++)
		join_ok(ids[i]);
	for (i = 0; i < RACE_PAIRS; i++) {
		T_EQ(RACE_MSGS, races[i].got);
		gsched_chan_release(races[i].kick);
		close(races[i].p[0]);
		close(races[i].p[1]);
	}
	T_EQ(0, gs_sysfs_inst(gsched_instance_id(), "timers"));
	return 0;
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, wake_timeout_case_races, 300)
{
	RUN_OK(&two_p, race_main);
}

/* ==== TCP echo: 1,000 clients, two Ps, no thread per connection ========= */

#define ECHO_CLIENTS	1000
static int echo_clients = ECHO_CLIENTS;	/* fewer on a slow kernel */
#define ECHO_CHUNK	1024
#define ECHO_ROUNDS	4
#define ECHO_SPARES	2

static struct gsched_opts echo_opts = { .nprocs = 2,
					.max_spares = ECHO_SPARES };

static struct {
	int lfd;
	struct sockaddr_in addr;
	gsched_wg_t connected, done;
	gsched_chan_t go;
	atomic_long bytes;
	atomic_int accepted, served, sampling;
	long long max_threads, max_os_threads;
} E;

static long echo_handler(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[2048];
	ssize_t r;

	for (;;) {
		r = gsched_read(fd, buf, sizeof(buf));
		T_GE(0, r);
		if (r <= 0)
			break;
		T_EQ(r, gsched_write(fd, buf, (size_t)r));
	}
	T_EQ(0, gsched_fd_close(fd));
	atomic_fetch_add(&E.served, 1);
	return 0;
}

static long echo_acceptor(void *arg)
{
	int i, c;

	for (i = 0; i < echo_clients; i++) {
		c = gsched_accept(E.lfd, NULL, NULL);
		T_GE(0, c);
		if (c < 0)
			break;
		atomic_fetch_add(&E.accepted, 1);
		T_GE(1, gsched_spawn(echo_handler, (void *)(intptr_t)c));
	}
	return 0;
}

static long echo_client(void *arg)
{
	int i = (int)(intptr_t)arg, s, round, k;
	unsigned char out[ECHO_CHUNK], in[ECHO_CHUNK];
	size_t got;
	ssize_t r;

	s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	T_GE(0, s);
	T_EQ(0, gsched_connect(s, (struct sockaddr *)&E.addr, sizeof(E.addr)));
	gsched_wg_done(&E.connected);
	/* every client is connected before any talks: 1,000 at once */
	T_EQ(0, gsched_chan_recv(E.go, NULL));
	for (round = 0; round < ECHO_ROUNDS; round++) {
		for (k = 0; k < ECHO_CHUNK; k++)
			out[k] = (unsigned char)(i * 131 + round * 7 + k);
		T_EQ(ECHO_CHUNK, gsched_write(s, out, ECHO_CHUNK));
		for (got = 0; got < ECHO_CHUNK; got += (size_t)r) {
			r = gsched_read(s, in + got, ECHO_CHUNK - got);
			T_GT(0, r);
			if (r <= 0)
				break;
		}
		T_EQ(ECHO_CHUNK, got);
		T_EQ(0, memcmp(in, out, ECHO_CHUNK));
		if (got == ECHO_CHUNK && !memcmp(in, out, ECHO_CHUNK))
			atomic_fetch_add(&E.bytes, ECHO_CHUNK);
	}
	/* the server sees EOF, closes, and we see EOF */
	T_EQ(0, shutdown(s, SHUT_WR));
	T_EQ(0, gsched_read(s, in, 1));
	T_EQ(0, gsched_fd_close(s));
	gsched_wg_done(&E.done);
	return 0;
}

static void echo_sample(int inst)
{
	long long t = gs_sysfs_inst(inst, "threads"), o = os_threads();

	if (t > E.max_threads)
		E.max_threads = t;
	if (o > E.max_os_threads)
		E.max_os_threads = o;
}

static long echo_sampler(void *arg)
{
	int inst = gsched_instance_id();

	while (atomic_load(&E.sampling)) {
		echo_sample(inst);
		gsched_sleep(5 * MS);
	}
	return 0;
}

static long echo_main(void *arg)
{
	socklen_t len = sizeof(E.addr);
	int inst = gsched_instance_id(), i, sid;
	uint64_t t0, ns;
	long total;

	E.addr.sin_family = AF_INET;
	E.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	E.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	T_GE(0, E.lfd);
	T_EQ(0, bind(E.lfd, (struct sockaddr *)&E.addr, sizeof(E.addr)));
	T_EQ(0, getsockname(E.lfd, (struct sockaddr *)&E.addr, &len));
	T_EQ(0, listen(E.lfd, 4096));
	T_EQ(0, gsched_wg_init(&E.connected));
	T_EQ(0, gsched_wg_init(&E.done));
	T_EQ(0, gsched_wg_add(&E.connected, echo_clients));
	T_EQ(0, gsched_wg_add(&E.done, echo_clients));
	T_EQ(0, gsched_chan_make(&E.go, 0, 0));
	atomic_store(&E.sampling, 1);
	sid = spawn_j(echo_sampler, NULL);
	T_GE(1, gsched_spawn(echo_acceptor, NULL));
	for (i = 0; i < echo_clients; i++)
		T_GE(1, gsched_spawn(echo_client, (void *)(intptr_t)i));
	T_EQ(0, gsched_wg_wait(&E.connected));
	echo_sample(inst);
	/* clients parked on go, server tasks on their sockets: all tasks */
	T_GE(echo_clients + 1, gs_sysfs_inst(inst, "tasks"));
	t0 = now_ns();
	T_EQ(0, gsched_chan_close(E.go));
	T_EQ(0, gsched_wg_wait(&E.done));
	ns = now_ns() - t0;
	atomic_store(&E.sampling, 0);
	join_ok(sid);
	echo_sample(inst);
	while (atomic_load(&E.served) < echo_clients)
		gsched_sleep(MS);
	total = atomic_load(&E.bytes);
	T_EQ((long)echo_clients * ECHO_ROUNDS * ECHO_CHUNK, total);
	T_EQ(echo_clients, atomic_load(&E.accepted));
	/* no thread per connection: workers (+ spares) only */
	T_LE(echo_opts.nprocs + ECHO_SPARES, E.max_threads);
	T_LE(echo_opts.nprocs + ECHO_SPARES + 2, E.max_os_threads);
	T_GE(echo_opts.nprocs, E.max_threads);
	printf("# echo: %d clients, %ld bytes each way in %llu ms: %.2f MB/s "
	       "each way, %.0f round trips/s; threads max %lld (workers %u + "
	       "spares <= %d), process threads max %lld\n",
	       echo_clients, total, (unsigned long long)(ns / MS),
	       ns ? (double)total * 1e3 / (double)ns : 0.0,
	       ns ? (double)echo_clients * ECHO_ROUNDS * 1e9 / (double)ns : 0.0,
	       E.max_threads, echo_opts.nprocs, ECHO_SPARES,
	       E.max_os_threads);
	fflush(stdout);
	T_EQ(0, gsched_fd_close(E.lfd));
	gsched_chan_release(E.go);
	return 0;
}

TEST_F_TIMEOUT(slow, tcp_echo_1000_clients_two_procs, 500)
{
	struct rlimit rl;

	echo_clients = (int)gs_scaled(ECHO_CLIENTS, 100);
	TH_LOG("%d clients", echo_clients);
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < (rlim_t)(4 * echo_clients)) {
		rl.rlim_cur = (rlim_t)(4 * echo_clients);
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			SKIP(return, "cannot raise RLIMIT_NOFILE to %d: %s",
			     4 * echo_clients, strerror(errno));
	}
	RUN_OK(&echo_opts, echo_main);
}

TEST_HARNESS_MAIN
