// SPDX-License-Identifier: GPL-2.0
/*
 * Channels shared between processes: export/import over fork and
 * SCM_RIGHTS, ping-pong, a side killed mid-stream, and the error paths.
 */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"

static struct gsched_opts two_p = { .nprocs = 2 };

/* ---- fd passing ---- */

static int send_fd(int s, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(s, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int s)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(s, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static int sock[2];

/* ---- ping-pong between two processes ---- */

#define ROUNDS 500

static long pong_side(void *arg)
{
	gsched_chan_t ping, pong;
	long v;
	int fd1 = recv_fd(sock[1]), fd2 = recv_fd(sock[1]);

	if (fd1 < 0 || fd2 < 0 || gsched_chan_import(fd1, &ping) ||
	    gsched_chan_import(fd2, &pong))
		return 1;
	close(fd1);
	close(fd2);
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
	int fd;

	if (gsched_chan_make(&ping, sizeof(long), 0) ||
	    gsched_chan_make(&pong, sizeof(long), 0))
		return 1;
	fd = gsched_chan_export(ping);
	if (fd < 0 || send_fd(sock[0], fd))
		return 2;
	close(fd);
	fd = gsched_chan_export(pong);
	if (fd < 0 || send_fd(sock[0], fd))
		return 3;
	close(fd);
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
	int fd = recv_fd(sock[1]);

	if (fd < 0 || gsched_chan_import(fd, &ch))
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
	int fd, status, i, id;

	if (gsched_chan_make(&ch, sizeof(long), 0))
		return 1;
	fd = gsched_chan_export(ch);
	if (fd < 0 || send_fd(sock[0], fd))
		return 2;
	close(fd);
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
	int fd = recv_fd(sock[1]);

	if (fd < 0 || gsched_chan_import(fd, &ch))
		return -1;
	close(fd);
	while (gsched_chan_recv(ch, &v) == 1)
		sum += v;
	return sum;
}

static long outlive_writer(void *arg)
{
	gsched_chan_t ch;
	long i;
	int fd;

	if (gsched_chan_make(&ch, sizeof(long), 8))
		return 1;
	fd = gsched_chan_export(ch);
	if (fd < 0 || send_fd(sock[0], fd))
		return 2;
	close(fd);
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
 * global queue. examples/pipeline2 hung in the debug guest when such a
 * wake met the last spinning worker going idle (fixed in
 * module/sched.c: the spinner rechecks the global queue); a hang here
 * is a test timeout.
 */
#define STREAM_RUNS	5
#define STREAM_N	2000

static long stream_reader(void *arg)
{
	long v, want = 1;
	gsched_chan_t ch;
	int fd = recv_fd(sock[1]);

	if (fd < 0 || gsched_chan_import(fd, &ch))
		return 1;
	close(fd);
	while (gsched_chan_recv(ch, &v) == 1)
		if (v != want++)
			return 2;	/* lost, repeated or out of order */
	return want == STREAM_N + 1 ? 0 : 3;
}

static long stream_writer(void *arg)
{
	gsched_chan_t ch;
	long i;
	int fd;

	if (gsched_chan_make(&ch, sizeof(long), 16))
		return 1;
	fd = gsched_chan_export(ch);
	if (fd < 0 || send_fd(sock[0], fd))
		return 2;
	close(fd);
	for (i = 1; i <= STREAM_N; i++)
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
		TH_LOG("run %d: %d values in %ld ms", r, STREAM_N,
		       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
			      (t1.tv_nsec - t0.tv_nsec) / 1000000));
	}
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

TEST_HARNESS_MAIN
