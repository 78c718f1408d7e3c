// SPDX-License-Identifier: MIT
/*
 * pipeline2: a pipeline across two processes. The producer process makes
 * a channel, exports it as a file descriptor and passes the fd to the
 * consumer process over a Unix socket (SCM_RIGHTS). Each process runs its
 * own gsched runtime; values are copied through the kernel.
 *
 *   pipeline2 [n]     (default 10000 values)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsched.h>

static int sock[2];
static long n;

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

static long producer(void *arg)
{
	gsched_chan_t ch;
	long i;
	int fd;

	if (gsched_chan_make(&ch, sizeof(long), 16))
		return 1;
	fd = gsched_chan_export(ch);
	if (fd < 0 || send_fd(sock[0], fd))
		return 1;
	close(fd);
	for (i = 1; i <= n; i++)
		if (gsched_chan_send(ch, &i))
			return 1;
	gsched_chan_close(ch);
	printf("producer (pid %d): sent %ld values, closed\n", getpid(), n);
	return 0;
}

static long consumer(void *arg)
{
	gsched_chan_t ch;
	long v, sum = 0, count = 0;
	int fd = recv_fd(sock[1]);

	if (fd < 0 || gsched_chan_import(fd, &ch))
		return 1;
	close(fd);
	while (gsched_chan_recv(ch, &v) == 1) {
		sum += v;
		count++;
	}
	printf("consumer (pid %d): %ld values, sum %ld (%s)\n", getpid(), count,
	       sum, sum == n * (n + 1) / 2 ? "correct" : "WRONG");
	return sum != n * (n + 1) / 2;
}

int main(int argc, char **argv)
{
	long ret = 1;
	int status, err;
	pid_t pid;

	n = argc > 1 ? atol(argv[1]) : 10000;
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sock))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		err = gsched_run(consumer, NULL, &ret);
		/* _exit() does not flush stdio: a pipe's output would be lost */
		fflush(stdout);
		_exit(err ? 1 : (int)ret);
	}
	err = gsched_run(producer, NULL, &ret);
	if (err)
		fprintf(stderr, "gsched_run: %s\n", strerror(-err));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	return err ? 1 : (int)ret;
}
