// SPDX-License-Identifier: MIT
/*
 * libgsched file descriptors: readiness waits are FDREAD/FDWRITE select
 * cases (the module hooks the file's poll queues, so no poller thread
 * exists), and the I/O helpers are the system call plus such a wait
 * whenever it would block (Go's net.FD loop: try, park on EAGAIN, retry).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static int gs_fd_case(int fd, int dir, struct gsched_select_case *c)
{
	if (fd < 0)
		return -EBADF;
	if (dir != GSCHED_FD_READ && dir != GSCHED_FD_WRITE)
		return -EINVAL;
	c->handle = (uint32_t)fd;
	c->dir = dir == GSCHED_FD_READ ? GSCHED_SEL_FDREAD : GSCHED_SEL_FDWRITE;
	c->buf = 0;
	return 0;
}

GS_API int gsched_fd_wait(int fd, int dir)
{
	struct gsched_select_case c;
	int ret = gs_fd_case(fd, dir, &c);

	if (ret)
		return ret;
	ret = gsched_select(&c, 1, 0, 0, NULL);
	return ret < 0 ? ret : 0;
}

GS_API int gsched_fd_wait_timeout(int fd, int dir, uint64_t timeout_ns)
{
	struct gsched_select_case c;
	int ret = gs_fd_case(fd, dir, &c);

	if (ret)
		return ret;
	/* no time at all: only look (a zero timeout is not a timeout) */
	if (!timeout_ns) {
		ret = gsched_select(&c, 1, GSCHED_SELECT_DEFAULT, 0, NULL);
		return ret == -EAGAIN ? -ETIMEDOUT : ret < 0 ? ret : 0;
	}
	ret = gsched_select(&c, 1, GSCHED_SELECT_TIMEOUT, timeout_ns, NULL);
	return ret < 0 ? ret : 0;
}

GS_API int gsched_fd_wait_ctx(gsched_ctx_t ctx, int fd, int dir)
{
	struct gsched_select_case c;
	int ret = gs_fd_case(fd, dir, &c);

	if (ret)
		return ret;
	/* the context's error, or the fd case (index 0) */
	ret = gsched_select_ctx(ctx, &c, 1, NULL);
	return ret < 0 ? ret : 0;
}

GS_API int gsched_fd_close(int fd)
{
	struct gsched_fd_op o = { .op = GSCHED_FD_CLOSE, .fd = fd };
	int ret;

	if (fd < 0)
		return -EBADF;
	if (gsched_fd() >= 0) {
		ret = gs_ioctl(GSCHED_IOC_FD, &o);
		/* a module without fd waits has no waiter to wake */
		if (ret && ret != -ENOTTY)
			return ret;
	}
	/* Linux releases the fd even when close(2) fails: never retry */
	return close(fd) ? -errno : 0;
}

GS_API ssize_t gsched_read(int fd, void *buf, size_t n)
{
	ssize_t r;
	int ret;

	for (;;) {
		r = read(fd, buf, n);
		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = gsched_fd_wait(fd, GSCHED_FD_READ);
		if (ret)
			return ret;
	}
}

GS_API ssize_t gsched_write(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	size_t done = 0;
	ssize_t r;
	int ret;

	while (done < n) {
		r = write(fd, p + done, n - done);
		if (r >= 0) {
			done += (size_t)r;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			ret = -errno;
		else
			ret = gsched_fd_wait(fd, GSCHED_FD_WRITE);
		/* bytes already written count: the error comes next time */
		if (ret)
			return done ? (ssize_t)done : ret;
	}
	return (ssize_t)done;
}

GS_API int gsched_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int c, ret;

	for (;;) {
		c = accept4(fd, addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c >= 0)
			return c;
		/* a connection reset while queued: take the next (Go too) */
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		ret = gsched_fd_wait(fd, GSCHED_FD_READ);
		if (ret)
			return ret;
	}
}

GS_API int gsched_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sockaddr_storage ss;
	socklen_t elen, sslen = sizeof(ss);
	int fl, err = 0, ret;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (!connect(fd, addr, len))
		return 0;
	/* EINTR: the connection goes on in the background, as EINPROGRESS */
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	for (;;) {
		ret = gsched_fd_wait(fd, GSCHED_FD_WRITE);
		if (ret)
			return ret;
		elen = sizeof(err);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			return -errno;
		if (err)
			return -err;
		/* a wakeup without a key may be early: connected yet? */
		if (!getpeername(fd, (struct sockaddr *)&ss, &sslen))
			return 0;
		if (errno != ENOTCONN)
			return -errno;
		sslen = sizeof(ss);
	}
}
