// SPDX-License-Identifier: GPL-2.0
/*
 * Channels shared between processes: export/import over fork and
 * SCM_RIGHTS, ping-pong, a side killed mid-stream, and the error paths;
 * a peer that dies while the other side is blocked: the survivor's
 * deadlock is reported once no other holder is left, and a channel
 * exported with GSCHED_EXPORT_CLOSE_ON_EXIT is closed by the exporter's
 * death.
 */
#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"

static struct gsched_opts two_p = { .nprocs = 2 };

static int sock[2];

/*
 * Export @ch (with GSCHED_EXPORT_* @flags) and pass the fd over socket @s;
 * our copy of the fd is closed. 0, or -1 when a step failed.
 */
static int export_chan(int s, gsched_chan_t ch, unsigned int flags)
{
	int fd = gsched_chan_export_ex(ch, flags);

	if (fd < 0)
		return -1;
	if (send_fd(s, fd)) {
		close(fd);
		return -1;
	}
	return close(fd) ? -1 : 0;
}

/* Import into @ch the channel whose fd comes over @s, closing the fd. */
static int import_chan(int s, gsched_chan_t *ch)
{
	int fd = recv_fd(s);

	if (fd < 0)
		return -1;
	if (gsched_chan_import(fd, ch)) {
		close(fd);
		return -1;
	}
	return close(fd) ? -1 : 0;
}

/* ---- ping-pong between two processes ---- */

#define ROUNDS 500

static long pong_side(void *arg)
{
	gsched_chan_t ping, pong;
	long v;

	if (import_chan(sock[1], &ping) || import_chan(sock[1], &pong))
		return 1;
	while (gsched_chan_recv(ping, &v) == 1) {
		v++;
		if (gsched_chan_send(pong, &v))
			return 2;
	}
	return 0;
}

static long ping_result;

static long ping_side(void *arg)
{
	gsched_chan_t ping, pong;
	long v = 0, i;

	if (gsched_chan_make(&ping, sizeof(long), 0) ||
	    gsched_chan_make(&pong, sizeof(long), 0))
		return 1;
	if (export_chan(sock[0], ping, 0))
		return 2;
	if (export_chan(sock[0], pong, 0))
		return 3;
	for (i = 0; i < ROUNDS; i++) {
		if (gsched_chan_send(ping, &v) || gsched_chan_recv(pong, &v) != 1)
			return 4;
	}
	ping_result = v;
	return gsched_chan_close(ping);
}

TEST(two_process_ping_pong)
{
	long before = gs_sysfs_global("nr_instances"), ev = -1;
	int status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long r = -1;

		alarm(120);
		_exit(gsched_run_opts(&two_p, pong_side, NULL, &r) ? 10 :
		      (int)r);
	}
	ASSERT_EQ(0, gsched_run_opts(&two_p, ping_side, NULL, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(ROUNDS, ping_result);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/* ---- the receiving process dies: its blocked receive vanishes ---- */

static int ready_pipe[2];
static int after_kill[5];
static pid_t victim;

static long victim_side(void *arg)
{
	gsched_chan_t ch;
	long v;

	if (import_chan(sock[1], &ch))
		return 1;
	/* tell the parent, then block in receive forever */
	if (write(ready_pipe[1], "r", 1) != 1)
		return 2;
	gsched_chan_recv(ch, &v);
	return 3;
}

static gsched_chan_t local_ch;

static long local_receiver(void *arg)
{
	long v = 0;

	return gsched_chan_recv(local_ch, &v) == 1 ? v : -1;
}

static long survivor_side(void *arg)
{
	gsched_chan_t ch;
	long v = 42, got = 0;
	char c;
	int status, i, id;

	if (gsched_chan_make(&ch, sizeof(long), 0))
		return 1;
	if (export_chan(sock[0], ch, 0))
		return 2;
	if (read(ready_pipe[0], &c, 1) != 1)
		return 3;
	/* the victim is (about to be) blocked in receive: kill it there */
	usleep(100000);
	kill(victim, SIGKILL);
	if (waitpid(victim, &status, 0) != victim)
		return 4;
	/* its waiter is gone: a send finds no receiver */
	after_kill[0] = gsched_chan_trysend(ch, &v);
	/* and the channel still works inside this process */
	local_ch = ch;
	id = gsched_spawn_ex(local_receiver, NULL,
			     &(struct gsched_spawn_attr){ .flags = GSCHED_JOINABLE });
	if (id < 0 || gsched_chan_send(ch, &v) || gsched_join(id, &got))
		return 5;
	after_kill[4] = (int)got;
	for (i = 0; i < 3; i++) {
		struct gsched_select_case cs[1] = { GSCHED_SEND(ch, &v) };

		after_kill[1 + i] = gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT,
						  1000000, NULL);
	}
	return 0;
}

TEST(killed_receiver_vanishes)
{
	long before = gs_sysfs_global("nr_instances"), ev = -1;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	ASSERT_EQ(0, pipe(ready_pipe));
	victim = fork();
	ASSERT_GE(victim, 0);
	if (!victim) {
		long r = -1;

		alarm(120);
		_exit(gsched_run_opts(&two_p, victim_side, NULL, &r) ? 10 :
		      (int)r);
	}
	ASSERT_EQ(0, gsched_run_opts(&two_p, survivor_side, NULL, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(-EAGAIN, after_kill[0]);
	EXPECT_EQ(-ETIMEDOUT, after_kill[1]);
	EXPECT_EQ(-ETIMEDOUT, after_kill[2]);
	EXPECT_EQ(-ETIMEDOUT, after_kill[3]);
	EXPECT_EQ(42, after_kill[4]);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/* ---- export/import across fork; error paths ---- */

static int share_errs[6];

static long fork_child_side(void *arg)
{
	gsched_chan_t ch;
	long v = 7;
	int fd = (int)(intptr_t)arg;

	if (gsched_chan_import(fd, &ch))
		return 1;
	return gsched_chan_send(ch, &v) ? 2 : 0;
}

static long fork_parent_side(void *arg)
{
	gsched_chan_t ch, task_as_chan;
	int fd, p[2], status;
	long v = 0;
	pid_t pid;

	if (gsched_chan_make(&ch, sizeof(long), 1))
		return 1;
	fd = gsched_chan_export(ch);
	if (fd < 0)
		return 2;
	/* O_CLOEXEC, but inherited across a plain fork */
	pid = fork();
	if (pid < 0)
		return 3;
	if (!pid) {
		long r = -1;

		_exit(gsched_run_opts(&two_p, fork_child_side,
				      (void *)(intptr_t)fd, &r) ? 10 : (int)r);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 4;
	if (gsched_chan_recv(ch, &v) != 1 || v != 7)
		return 5;

	if (pipe(p))
		return 6;
	share_errs[0] = gsched_chan_import(p[0], &ch);		/* EINVAL */
	share_errs[1] = gsched_chan_import(12345, &ch);		/* EBADF */
	share_errs[2] = gsched_chan_export(0x7fffffff);		/* EBADF */
	task_as_chan = (gsched_chan_t)gsched_self();
	share_errs[3] = gsched_chan_export(task_as_chan);	/* EINVAL */
	share_errs[4] = gsched_chan_import(-1, &ch);		/* EBADF */
	share_errs[5] = gsched_chan_export(0);			/* EINVAL: nil */
	close(p[0]);
	close(p[1]);
	close(fd);
	return 0;
}

TEST(export_across_fork_and_errors)
{
	long ev = -1;

	ASSERT_EQ(0, gsched_run_opts(&two_p, fork_parent_side, NULL, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(-EINVAL, share_errs[0]);
	EXPECT_EQ(-EBADF, share_errs[1]);
	EXPECT_EQ(-EBADF, share_errs[2]);
	EXPECT_EQ(-EINVAL, share_errs[3]);
	EXPECT_EQ(-EBADF, share_errs[4]);
	EXPECT_EQ(-EINVAL, share_errs[5]);
}

/* ---- a shared channel outlives its creator ---- */

static long outlive_reader(void *arg)
{
	gsched_chan_t ch;
	long v, sum = 0;

	if (import_chan(sock[1], &ch))
		return -1;
	while (gsched_chan_recv(ch, &v) == 1)
		sum += v;
	return sum;
}

static long outlive_writer(void *arg)
{
	gsched_chan_t ch;
	long i;

	if (gsched_chan_make(&ch, sizeof(long), 8))
		return 1;
	if (export_chan(sock[0], ch, 0))
		return 2;
	for (i = 1; i <= 8; i++)
		if (gsched_chan_send(ch, &i))
			return 3;
	/* closed by the last sender; the buffer is drained after we exit */
	return gsched_chan_close(ch);
}

TEST(channel_outlives_creator)
{
	long before = gs_sysfs_global("nr_instances"), ev = -1;
	int status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	ASSERT_EQ(0, gsched_run_opts(&two_p, outlive_writer, NULL, &ev));
	ASSERT_EQ(0, ev);
	/* the writer's instance is gone; the fd in the socket keeps it */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long r = -1;

		alarm(60);
		_exit(gsched_run_opts(&two_p, outlive_reader, NULL, &r) ? 100 :
		      (int)r);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(36, WEXITSTATUS(status));	/* 1 + ... + 8 */
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * ---- a buffered stream between two processes, several times over ----
 *
 * Every wake across the processes goes through the woken instance's
 * global queue. Such a wake can meet the last spinning worker going idle;
 * the spinner rechecks the global queue before it sleeps (module/sched.c,
 * "Sleeping and waking workers"), or the wake is lost and both processes
 * hang: a hang here is a test timeout.
 */
#define STREAM_RUNS	5
#define STREAM_N	2000	/* values per run; 500 on slow kernels */
static long stream_n = STREAM_N;

static long stream_reader(void *arg)
{
	long v, want = 1;
	gsched_chan_t ch;

	if (import_chan(sock[1], &ch))
		return 1;
	while (gsched_chan_recv(ch, &v) == 1)
		if (v != want++)
			return 2;	/* lost, repeated or out of order */
	return want == stream_n + 1 ? 0 : 3;
}

static long stream_writer(void *arg)
{
	gsched_chan_t ch;
	long i;

	if (gsched_chan_make(&ch, sizeof(long), 16))
		return 1;
	if (export_chan(sock[0], ch, 0))
		return 2;
	for (i = 1; i <= stream_n; i++)
		if (gsched_chan_send(ch, &i))
			return 3;
	return gsched_chan_close(ch);
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, buffered_stream_repeated, 300)
{
	long before = gs_sysfs_global("nr_instances"), ev;
	struct timespec t0, t1;
	int status, r;
	pid_t pid;

	stream_n = gs_scaled(STREAM_N, 500);
	for (r = 0; r < STREAM_RUNS; r++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
		pid = fork();
		ASSERT_GE(pid, 0);
		if (!pid) {
			long v = -1;

			alarm(120 * gs_timeout_scale());
			_exit(gsched_run(stream_reader, NULL, &v) ? 100 :
			      (int)v);
		}
		ev = -1;
		ASSERT_EQ(0, gsched_run(stream_writer, NULL, &ev));
		EXPECT_EQ(0, ev);
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("run %d", r);
		close(sock[0]);
		close(sock[1]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		/* a hang shows as a run that never reports */
		TH_LOG("run %d: %ld values in %ld ms", r, stream_n,
		       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
			      (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * ---- a peer dies while the other side is blocked ----
 *
 * Three processes: the test (T), a survivor (S) running the library, and
 * a peer (P) that holds its side of the channel through raw ioctls on an
 * instance of its own, reports "ready" on a pipe and waits in pause()
 * until T SIGKILLs it. T watches S's goroutine dump (debugfs) until S's
 * main task is blocked on the channel, so the kill lands while it waits.
 */

#define DEBUGFS		"/sys/kernel/debug/gsched"

/* S's exit codes */
#define S_DEADLOCK	0	/* gsched_run() said -EDEADLK */
#define S_RETURNED	21	/* the blocked operation returned */
#define S_OTHER		22	/* gsched_run() failed otherwise */

static int peer_chan(int dev, uint32_t op, uint32_t h, uint64_t buf,
		     struct gsched_chan_op *out)
{
	struct gsched_chan_op o = { .worker = GSCHED_NO_WORKER, .op = op,
				    .handle = h, .buf = buf };
	int ret = gs_raw_ioctl(dev, GSCHED_IOC_CHAN, &o);

	if (out)
		*out = o;
	return ret;
}

static int peer_make(int dev, uint32_t cap, uint32_t *h)
{
	struct gsched_chan_make m = { .elem_size = sizeof(long), .cap = cap };
	int ret = gs_raw_ioctl(dev, GSCHED_IOC_CHAN_MAKE, &m);

	*h = m.handle;
	return ret;
}

/* A peer's last words: 'r' when it holds its side, 'e' on a failure. */
static void __attribute__((noreturn)) peer_ready(int pfd, bool ok)
{
	if (write(pfd, ok ? "r" : "e", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* The peer imports the channel whose fd comes on @s, then holds it. */
static void __attribute__((noreturn)) peer_import(int s, int pfd)
{
	struct gsched_chan_op o;
	int dev = gs_raw_instance(1, NULL), fd = recv_fd(s);

	peer_ready(pfd, dev >= 0 && fd >= 0 &&
		   !peer_chan(dev, GSCHED_CHAN_IMPORT, 0, fd, &o) &&
		   !close(fd));
}

/*
 * The peer makes @n channels of capacity @cap, exports each with @flags
 * and sends the fds to @s (and to @s2, when not -1); it closes its own.
 */
static void __attribute__((noreturn)) peer_export(int s, int s2, int n,
						  uint32_t cap, uint64_t flags,
						  int pfd)
{
	struct gsched_chan_op o;
	int dev = gs_raw_instance(1, NULL), i;
	uint32_t h;

	if (dev < 0)
		peer_ready(pfd, false);
	for (i = 0; i < n; i++) {
		if (peer_make(dev, cap, &h) ||
		    peer_chan(dev, GSCHED_CHAN_EXPORT, h, flags, &o) ||
		    send_fd(s, o.fd) || (s2 >= 0 && send_fd(s2, o.fd)) ||
		    close(o.fd))
			peer_ready(pfd, false);
	}
	peer_ready(pfd, true);
}

/* The instance id of process @pid, or -1. */
static int inst_of_pid(pid_t pid)
{
	struct dirent *d;
	int id = -1;
	DIR *dir = opendir(GS_SYSFS "/instances");

	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		if (gs_sysfs_inst(atoi(d->d_name), "pid") == pid) {
			id = atoi(d->d_name);
			break;
		}
	}
	closedir(dir);
	return id;
}

/*
 * Wait until @pid's main task is blocked with wait reason @why; returns
 * its instance id, or -1 after @secs.
 */
static int wait_main_blocked(pid_t pid, const char *why, int secs)
{
	char path[128], buf[4096], want[64];
	uint64_t end = now_ns() + secs * 1000 * MS * gs_timeout_scale();
	int id, fd;
	ssize_t n;

	snprintf(want, sizeof(want), "waiting [%s]", why);
	do {
		id = inst_of_pid(pid);
		snprintf(path, sizeof(path), DEBUGFS "/%d/tasks", id);
		fd = id < 0 ? -1 : open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			buf[n > 0 ? n : 0] = 0;
			for (char *l = strtok(buf, "\n"); l;
			     l = strtok(NULL, "\n"))
				if (strstr(l, want) && strstr(l, " main"))
					return id;
		}
		usleep(10000);
	} while (now_ns() < end);
	return -1;
}

/* Wait for @pid to exit for at most @secs; its status, or -1. */
static int wait_exit(pid_t pid, int secs)
{
	uint64_t end = now_ns() + secs * 1000 * MS * gs_timeout_scale();
	int status;

	do {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) :
			       128 + WTERMSIG(status);
		usleep(10000);
	} while (now_ns() < end);
	return -1;
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/*
 * A line of the kernel log from @kfd on that has both @a and @b, waiting
 * up to 2 s for it: a report made from the dying peer's teardown may be
 * printed after the survivor, whose workers it stopped first, has exited.
 */
static bool kmsg_has(int kfd, const char *a, const char *b)
{
	uint64_t end = now_ns() + 2000 * MS * gs_timeout_scale();
	char line[1024];
	ssize_t n;

	for (;;) {
		n = read(kfd, line, sizeof(line) - 1);
		if (n < 0 && errno == EPIPE)	/* overwritten: go on */
			continue;
		if (n < 0 && errno == EAGAIN && now_ns() < end) {
			usleep(10000);
			continue;
		}
		if (n <= 0)
			return false;
		line[n] = 0;
		if (strstr(line, a) && strstr(line, b))
			return true;
	}
}

/* The report names S's instance and its main task's wait reason. */
static bool deadlock_reported(int kfd, int id, pid_t pid, const char *why)
{
	char a[64], b[64];

	snprintf(a, sizeof(a), "instance %d (pid %d)", id, pid);
	if (!kmsg_has(kfd, a, "all goroutines are asleep - deadlock!"))
		return false;
	snprintf(a, sizeof(a), "instance %d: task ", id);
	snprintf(b, sizeof(b), "waiting (%s) [main]", why);
	return kmsg_has(kfd, a, b);
}

static int dead_sock[2], dead_fd_sock[2];

/*
 * The two channels of a test with a peer: dead_sock carries the exported
 * fds between the processes, @ready the peer's one-byte report. 0, or -1.
 */
static int dead_socks_open(int ready[2])
{
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, dead_sock))
		return -1;
	if (pipe(ready)) {
		close(dead_sock[0]);
		close(dead_sock[1]);
		return -1;
	}
	return 0;
}

static void dead_socks_close(int ready[2])
{
	close(ready[0]);
	close(ready[1]);
	close(dead_sock[0]);
	close(dead_sock[1]);
}

/* S exports, then receives; the importer is killed. */
static long recv_exporter_side(void *arg)
{
	gsched_chan_t ch;
	long v;

	if (gsched_chan_make(&ch, sizeof(long), 0))
		return 1;
	if (export_chan(dead_sock[0], ch, 0))
		return 2;
	gsched_chan_recv(ch, &v);
	return 3;
}

/* S imports, then sends; the exporter is killed. */
static long send_importer_side(void *arg)
{
	gsched_chan_t ch;
	long v = 1;

	if (import_chan(dead_sock[1], &ch))
		return 1;
	gsched_chan_send(ch, &v);
	return 3;
}

/*
 * S runs @fn as its main task; it exits with the task's exit value, or
 * 100 when gsched_run() fails.
 */
static pid_t fork_runtime(gsched_fn_t fn)
{
	pid_t pid = fork();

	if (!pid) {
		long ev = -1;

		alarm(60 * gs_timeout_scale());
		_exit(gsched_run_opts(&two_p, fn, NULL, &ev) ? 100 : (int)ev);
	}
	return pid;
}

static pid_t fork_survivor(gsched_fn_t fn)
{
	pid_t pid = fork();

	if (!pid) {
		long r = -1;
		int ret;

		alarm(60 * gs_timeout_scale());
		ret = gsched_run_opts(&two_p, fn, NULL, &r);
		_exit(ret == -EDEADLK ? S_DEADLOCK :
		      ret ? S_OTHER : S_RETURNED);
	}
	return pid;
}

/*
 * (a) The importer is SIGKILLed while the exporter's main task blocks in
 * receive. The importer's handle was the channel's only other holder and
 * every exported fd is closed: nothing can complete the receive, so the
 * survivor is reported like any local deadlock, not left waiting for
 * ever as if the channel still counted as shared because it was once
 * exported.
 */
TEST(dead_importer_survivor_reported)
{
	long before = gs_sysfs_global("nr_instances");
	int ready[2], kfd, id, st;
	pid_t peer, surv;
	char c = 0;

	ASSERT_EQ(0, dead_socks_open(ready));
	kfd = kmsg_open();
	ASSERT_LE(0, kfd);
	peer = fork();
	ASSERT_LE(0, peer);
	if (!peer)
		peer_import(dead_sock[1], ready[1]);
	surv = fork_survivor(recv_exporter_side);
	ASSERT_LE(0, surv);
	EXPECT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ('r', c);
	id = wait_main_blocked(surv, "chan receive", 10);
	EXPECT_LE(0, id) TH_LOG("the survivor never blocked in receive");
	reap(peer);
	st = wait_exit(surv, 10);
	EXPECT_EQ(S_DEADLOCK, st)
		TH_LOG("survivor: %s", st < 0 ? "still blocked 10 s after its "
		       "peer died" : "wrong exit status");
	reap(surv);
	EXPECT_TRUE(deadlock_reported(kfd, id, surv, "chan receive"));
	close(kfd);
	dead_socks_close(ready);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * (a) The exporter is SIGKILLed while the importer's main task blocks in
 * send. The test itself holds a copy of the exported fd: anyone could
 * import it, so the survivor is not a deadlock yet. Once that last fd is
 * closed it is, and the report names the send.
 */
TEST(dead_exporter_survivor_reported_after_last_fd)
{
	long before = gs_sysfs_global("nr_instances");
	int ready[2], kfd, id, st, fd;
	pid_t peer, surv;
	char c = 0;

	ASSERT_EQ(0, dead_socks_open(ready));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, dead_fd_sock));
	kfd = kmsg_open();
	ASSERT_LE(0, kfd);
	peer = fork();
	ASSERT_LE(0, peer);
	if (!peer)
		peer_export(dead_sock[0], dead_fd_sock[0], 1, 0, 0, ready[1]);
	surv = fork_survivor(send_importer_side);
	ASSERT_LE(0, surv);
	EXPECT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ('r', c);
	fd = recv_fd(dead_fd_sock[1]);
	EXPECT_LE(0, fd);
	id = wait_main_blocked(surv, "chan send", 10);
	EXPECT_LE(0, id) TH_LOG("the survivor never blocked in send");
	reap(peer);
	/* our fd still names the channel: waiting is right */
	EXPECT_EQ(-1, wait_exit(surv, 1))
		TH_LOG("reported while an exported fd was still open");
	close(fd);
	st = wait_exit(surv, 10);
	EXPECT_EQ(S_DEADLOCK, st)
		TH_LOG("survivor: %s", st < 0 ? "still blocked 10 s after the "
		       "last fd was closed" : "wrong exit status");
	reap(surv);
	EXPECT_TRUE(deadlock_reported(kfd, id, surv, "chan send"));
	close(kfd);
	dead_socks_close(ready);
	close(dead_fd_sock[0]);
	close(dead_fd_sock[1]);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * A task already blocked on a channel when it is exported can be woken
 * by the importer from then on: it must not be counted as a deadlock.
 * The peer imports, waits until the survivor is all asleep and sends.
 */
static gsched_chan_t late_ch;

static long late_receiver(void *arg)
{
	long v = 0;

	return gsched_chan_recv(late_ch, &v) == 1 ? v : -1;
}

static long late_export_side(void *arg)
{
	struct gsched_spawn_attr a = { .flags = GSCHED_JOINABLE };
	long got = -1;
	int id;

	if (gsched_chan_make(&late_ch, sizeof(long), 0))
		return 1;
	id = gsched_spawn_ex(late_receiver, NULL, &a);
	if (id < 0)
		return 2;
	/* let it block in receive first */
	if (gsched_sleep(20 * MS))
		return 3;
	if (export_chan(dead_sock[0], late_ch, 0))
		return 4;
	if (gsched_join(id, &got))
		return 5;
	return got == 42 ? 0 : 6;
}

static void __attribute__((noreturn)) peer_late_send(int s, pid_t surv,
						     int pfd)
{
	struct gsched_chan_op o;
	int dev = gs_raw_instance(1, NULL), fd = recv_fd(s), i, ret = -1;
	long v = 42;

	if (dev < 0 || fd < 0 || peer_chan(dev, GSCHED_CHAN_IMPORT, 0, fd, &o))
		peer_ready(pfd, false);
	/* the survivor's main waits in join, its receiver in receive */
	if (wait_main_blocked(surv, "join", 10) < 0)
		peer_ready(pfd, false);
	usleep(200000);
	for (i = 0; i < 500 && ret; i++) {
		ret = peer_chan(dev, GSCHED_CHAN_TRYSEND, o.handle,
				(uint64_t)(uintptr_t)&v, NULL);
		if (ret)
			usleep(10000);
	}
	peer_ready(pfd, !ret);
}

TEST(export_after_block_is_no_deadlock)
{
	long before = gs_sysfs_global("nr_instances");
	int ready[2], st;
	pid_t peer, surv;
	char c = 0;

	ASSERT_EQ(0, dead_socks_open(ready));
	surv = fork_runtime(late_export_side);
	ASSERT_LE(0, surv);
	peer = fork();
	ASSERT_LE(0, peer);
	if (!peer)
		peer_late_send(dead_sock[1], surv, ready[1]);
	st = wait_exit(surv, 10);
	EXPECT_EQ(0, st) TH_LOG("survivor: %s", st == 100 ? "reported a "
				"deadlock the importer could break" :
				st < 0 ? "hung" : "wrong result");
	reap(surv);
	EXPECT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ('r', c);
	reap(peer);
	dead_socks_close(ready);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/* ---- GSCHED_EXPORT_CLOSE_ON_EXIT: the exporter's death closes ---- */

static gsched_chan_t coe_rx, coe_tx;
static long coe_rx_val;

static long coe_receiver(void *arg)
{
	coe_rx_val = 0x5a5a;
	return gsched_chan_recv(coe_rx, &coe_rx_val);
}

/*
 * S imports two channels the peer exported with CLOSE_ON_EXIT, receives
 * on one in a second task and sends on the other in main; both block
 * until the peer is killed. Exit status 0 when everything came out as a
 * closed channel should.
 */
static long coe_importer_side(void *arg)
{
	struct gsched_spawn_attr a = { .flags = GSCHED_JOINABLE };
	long v = 7, got = -1;
	int id;

	if (import_chan(dead_sock[1], &coe_rx) ||
	    import_chan(dead_sock[1], &coe_tx))
		return 1;
	if (gsched_chan_export_ex(coe_tx, 1U << 7) != -EINVAL)
		return 2;
	id = gsched_spawn_ex(coe_receiver, NULL, &a);
	if (id < 0)
		return 3;
	if (gsched_chan_send(coe_tx, &v) != -EPIPE)
		return 4;	/* the blocked send sees the close */
	if (gsched_join(id, &got) || got != 0 || coe_rx_val != 0)
		return 5;	/* (zero, false) */
	if (gsched_chan_send(coe_tx, &v) != -EPIPE ||
	    gsched_chan_recv(coe_rx, &v) != 0 || v != 0)
		return 6;	/* and so do later ones */
	return 0;
}

TEST(close_on_exit_killed_exporter)
{
	long before = gs_sysfs_global("nr_instances");
	int ready[2], st;
	pid_t peer, surv;
	char c = 0;

	ASSERT_EQ(0, dead_socks_open(ready));
	peer = fork();
	ASSERT_LE(0, peer);
	if (!peer)
		peer_export(dead_sock[0], -1, 2, 0,
			    GSCHED_EXPORT_CLOSE_ON_EXIT, ready[1]);
	surv = fork_runtime(coe_importer_side);
	ASSERT_LE(0, surv);
	EXPECT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ('r', c) TH_LOG("the peer could not export with "
				 "GSCHED_EXPORT_CLOSE_ON_EXIT");
	EXPECT_LE(0, wait_main_blocked(surv, "chan send", 10));
	reap(peer);
	st = wait_exit(surv, 10);
	EXPECT_EQ(0, st) TH_LOG("survivor: %s", st < 0 ? "still blocked 10 s "
				"after the exporter died" : "wrong result");
	reap(surv);
	dead_socks_close(ready);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * The exporter's runtime ends (gsched_run() returns, closing its
 * /dev/gsched fd) while the process lives on: the reader drains what
 * was buffered, then sees the channel closed, like a pipe at EOF.
 */
static long coe_writer(void *arg)
{
	gsched_chan_t ch;
	long i;

	if (gsched_chan_make(&ch, sizeof(long), 4))
		return 1;
	if (export_chan(dead_sock[0], ch, GSCHED_EXPORT_CLOSE_ON_EXIT))
		return 2;
	for (i = 1; i <= 2; i++)
		if (gsched_chan_send(ch, &i))
			return 3;
	return 0;
}

static long coe_reader(void *arg)
{
	long v, want = 1;
	gsched_chan_t ch;
	int r;

	if (import_chan(dead_sock[1], &ch))
		return 1;
	while ((r = gsched_chan_recv(ch, &v)) == 1)
		if (v != want++)
			return 2;
	if (r != 0 || v != 0 || want != 3)
		return 3;
	return gsched_chan_send(ch, &v) == -EPIPE ? 0 : 4;
}

TEST(close_on_exit_runtime_ends)
{
	long before = gs_sysfs_global("nr_instances");
	int ready[2], st;
	pid_t peer, surv;
	char c = 0;

	ASSERT_EQ(0, dead_socks_open(ready));
	peer = fork();
	ASSERT_LE(0, peer);
	if (!peer) {
		long ev = -1;
		int ret = gsched_run_opts(&two_p, coe_writer, NULL, &ev);

		/* the runtime is gone, the process stays */
		peer_ready(ready[1], !ret && !ev);
	}
	surv = fork_runtime(coe_reader);
	ASSERT_LE(0, surv);
	EXPECT_EQ(1, read(ready[0], &c, 1));
	EXPECT_EQ('r', c) TH_LOG("the writer's runtime failed");
	st = wait_exit(surv, 10);
	EXPECT_EQ(0, st) TH_LOG("reader: %s", st < 0 ? "no EOF 10 s after the "
				"writer's runtime ended" : "wrong result");
	reap(surv);
	reap(peer);
	dead_socks_close(ready);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * The flag rides on the exporting handle: releasing it closes the
 * channel, releasing a handle exported without it does not. Bad flags
 * are refused before anything happens (no fd is made), and a channel the
 * module owns cannot be closed this way.
 */
TEST(close_on_exit_release_and_errors)
{
	struct gsched_ctx_op cx = { .op = GSCHED_CTX_MAKE };
	struct gsched_chan_op o;
	int dev = gs_raw_instance(1, NULL), probe, fd, fd2, i;
	uint32_t h, h2, task_h;
	static const uint64_t bad[] = {
		1ULL << 1, 1ULL << 31, 1ULL << 32, 1ULL << 63,
		GSCHED_EXPORT_FLAGS | (1ULL << 5),
	};
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, peer_make(dev, 1, &h));
	probe = dup(0);
	ASSERT_LE(0, probe);
	close(probe);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
		EXPECT_EQ(-EINVAL, peer_chan(dev, GSCHED_CHAN_EXPORT, h,
					     bad[i], NULL)) TH_LOG("flags %#llx",
						(unsigned long long)bad[i]);
	fd = dup(0);
	EXPECT_EQ(probe, fd) TH_LOG("a refused export left an fd behind");
	close(fd);
	EXPECT_EQ(-EINVAL, peer_chan(dev, GSCHED_CHAN_EXPORT, 0,
				     GSCHED_EXPORT_CLOSE_ON_EXIT, NULL));
	ASSERT_EQ(0, gs_raw_ioctl(dev, GSCHED_IOC_SPAWN, &sp));
	task_h = sp.id;
	EXPECT_EQ(-EINVAL, peer_chan(dev, GSCHED_CHAN_EXPORT, task_h,
				     GSCHED_EXPORT_CLOSE_ON_EXIT, NULL));
	ASSERT_EQ(0, gs_raw_ioctl(dev, GSCHED_IOC_CTX, &cx));
	EXPECT_EQ(-EPERM, peer_chan(dev, GSCHED_CHAN_EXPORT, cx.done,
				    GSCHED_EXPORT_CLOSE_ON_EXIT, NULL));
	/* a done channel can still be exported plainly */
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_EXPORT, cx.done, 0, &o));
	close(o.fd);

	/* with the flag: release closes; exporting twice is fine */
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_EXPORT, h,
			       GSCHED_EXPORT_CLOSE_ON_EXIT, &o));
	fd = o.fd;
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_EXPORT, h,
			       GSCHED_EXPORT_CLOSE_ON_EXIT, &o));
	fd2 = o.fd;
	EXPECT_NE(fd, fd2);
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_IMPORT, 0, fd, &o));
	h2 = o.handle;
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_INFO, h2, 0, &o));
	EXPECT_EQ(0U, o.ok);
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_RELEASE, h, 0, NULL));
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_INFO, h2, 0, &o));
	EXPECT_EQ(1U, o.ok) TH_LOG("released exporter: channel still open");
	/* the other handle was imported, not exported with the flag */
	EXPECT_EQ(-EPIPE, peer_chan(dev, GSCHED_CHAN_TRYSEND, h2,
				    (uint64_t)(uintptr_t)&o, NULL));
	close(fd);
	close(fd2);

	/* without it: the channel stays open */
	ASSERT_EQ(0, peer_make(dev, 1, &h));
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_EXPORT, h, 0, &o));
	fd = o.fd;
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_IMPORT, 0, fd, &o));
	h2 = o.handle;
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_RELEASE, h, 0, NULL));
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_INFO, h2, 0, &o));
	EXPECT_EQ(0U, o.ok);
	close(fd);
	close(dev);
}

/* ---- the same flag on GSCHED_CTX_EXPORT: the exporter's death cancels -- */

static int peer_ctx(int dev, uint32_t op, uint32_t h, uint64_t arg,
		    struct gsched_ctx_op *out)
{
	struct gsched_ctx_op o = { .op = op, .handle = h, .arg = arg };
	int ret = gs_raw_ioctl(dev, GSCHED_IOC_CTX, &o);

	if (out)
		*out = o;
	return ret;
}

/* The context's error, or a value no context has when INFO fails. */
static int peer_ctx_err(int dev, uint32_t h)
{
	struct gsched_ctx_op o;

	return peer_ctx(dev, GSCHED_CTX_INFO, h, 0, &o) ? 1 : o.err;
}

/*
 * The peer exports two contexts, one with GSCHED_EXPORT_CLOSE_ON_EXIT,
 * and is SIGKILLed. Only the flagged one is cancelled, with the child
 * this side made under it; its done channels close.
 */
TEST(ctx_close_on_exit_killed_exporter)
{
	long before = gs_sysfs_global("nr_instances");
	uint32_t flagged, plain, child, cdone;
	uint64_t end;
	struct gsched_chan_op co;
	struct gsched_ctx_op o;
	int dev, ready[2], fd1, fd2;
	pid_t peer;
	char c = 0;

	ASSERT_EQ(0, dead_socks_open(ready));
	peer = fork();
	ASSERT_LE(0, peer);
	if (!peer) {
		int pdev = gs_raw_instance(1, NULL);
		struct gsched_ctx_op a, b;
		bool ok;

		ok = pdev >= 0 &&
		     !peer_ctx(pdev, GSCHED_CTX_MAKE, 0, 0, &a) &&
		     !peer_ctx(pdev, GSCHED_CTX_MAKE, 0, 0, &b) &&
		     !peer_ctx(pdev, GSCHED_CTX_EXPORT, a.handle,
			       GSCHED_EXPORT_CLOSE_ON_EXIT, &a) &&
		     !peer_ctx(pdev, GSCHED_CTX_EXPORT, b.handle, 0, &b) &&
		     !send_fd(dead_sock[0], a.fd) &&
		     !send_fd(dead_sock[0], b.fd);
		if (write(ready[1], ok ? "r" : "e", 1) != 1)
			_exit(1);
		for (;;)
			pause();	/* until SIGKILL */
	}
	EXPECT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('r', c) TH_LOG("the peer could not export with "
				 "GSCHED_EXPORT_CLOSE_ON_EXIT");
	fd1 = recv_fd(dead_sock[1]);
	fd2 = recv_fd(dead_sock[1]);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	dev = gs_raw_instance(1, NULL);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_IMPORT, 0, fd1, &o));
	flagged = o.handle;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_IMPORT, 0, fd2, &o));
	plain = o.handle;
	close(fd1);
	close(fd2);
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_MAKE, flagged, 0, &o));
	child = o.handle;
	cdone = o.done;
	EXPECT_EQ(0, peer_ctx_err(dev, flagged));

	reap(peer);
	/* the peer's file is released at its exit, before reap returns */
	end = now_ns() + 10000 * MS * gs_timeout_scale();
	while (peer_ctx_err(dev, child) == 0 && now_ns() < end)
		usleep(10 * 1000);
	EXPECT_EQ(-ECANCELED, peer_ctx_err(dev, flagged));
	EXPECT_EQ(-ECANCELED, peer_ctx_err(dev, child));
	ASSERT_EQ(0, peer_chan(dev, GSCHED_CHAN_INFO, cdone, 0, &co));
	EXPECT_EQ(1U, co.ok) TH_LOG("the child's done channel is open");
	EXPECT_EQ(0, peer_ctx_err(dev, plain)) TH_LOG("a context exported "
						      "without the flag was cancelled");
	close(dev);
	dead_socks_close(ready);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

/*
 * The flag rides on the exporting handle: its release cancels, the
 * release of a handle imported back does not. Unknown flags are refused
 * before an fd is made; no other context op takes an argument.
 */
TEST(ctx_close_on_exit_release_and_errors)
{
	static const uint64_t bad[] = {
		1ULL << 1, 1ULL << 31, 1ULL << 32, 1ULL << 63,
		GSCHED_EXPORT_FLAGS | (1ULL << 5),
	};
	static const uint32_t no_arg[] = {
		GSCHED_CTX_MAKE, GSCHED_CTX_CANCEL, GSCHED_CTX_INFO,
		GSCHED_CTX_RELEASE,
	};
	int dev = gs_raw_instance(1, NULL), probe, fd, i;
	struct gsched_ctx_op o;
	uint32_t h, h2, imp;

	ASSERT_LE(0, dev);
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_MAKE, 0, 0, &o));
	h = o.handle;
	probe = dup(0);
	ASSERT_LE(0, probe);
	close(probe);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++)
		EXPECT_EQ(-EINVAL, peer_ctx(dev, GSCHED_CTX_EXPORT, h, bad[i],
					    NULL)) TH_LOG("flags %#llx",
						(unsigned long long)bad[i]);
	fd = dup(0);
	EXPECT_EQ(probe, fd) TH_LOG("a refused export left an fd behind");
	close(fd);
	for (i = 0; i < (int)(sizeof(no_arg) / sizeof(no_arg[0])); i++)
		EXPECT_EQ(-EINVAL, peer_ctx(dev, no_arg[i], h,
					    GSCHED_EXPORT_CLOSE_ON_EXIT, NULL))
			TH_LOG("op %u took an argument", no_arg[i]);
	EXPECT_EQ(0, peer_ctx_err(dev, h));

	/* with the flag: the exporting handle's release cancels */
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_EXPORT, h,
			      GSCHED_EXPORT_CLOSE_ON_EXIT, &o));
	fd = o.fd;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_IMPORT, 0, fd, &o));
	imp = o.handle;
	close(fd);
	EXPECT_EQ(0, peer_ctx_err(dev, imp));
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_RELEASE, h, 0, NULL));
	EXPECT_EQ(-ECANCELED, peer_ctx_err(dev, imp))
		TH_LOG("released exporter: context not cancelled");
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_RELEASE, imp, 0, NULL));

	/* the imported handle carries no flag; nor does a plain export */
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_MAKE, 0, 0, &o));
	h = o.handle;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_EXPORT, h,
			      GSCHED_EXPORT_CLOSE_ON_EXIT, &o));
	fd = o.fd;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_IMPORT, 0, fd, &o));
	imp = o.handle;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_RELEASE, imp, 0, NULL));
	EXPECT_EQ(0, peer_ctx_err(dev, h));
	close(fd);
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_MAKE, 0, 0, &o));
	h2 = o.handle;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_EXPORT, h2, 0, &o));
	fd = o.fd;
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_IMPORT, 0, fd, &o));
	imp = o.handle;
	close(fd);
	ASSERT_EQ(0, peer_ctx(dev, GSCHED_CTX_RELEASE, h2, 0, NULL));
	EXPECT_EQ(0, peer_ctx_err(dev, imp));
	/* the instance's end releases h: the flagged handle cancels then */
	close(dev);
}

TEST_HARNESS_MAIN
