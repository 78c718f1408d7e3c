// SPDX-License-Identifier: GPL-2.0
/*
 * isolation: how much one program's context cancels slow another's.
 *
 * Two processes, each with its own instance. The victim makes, cancels
 * and releases a context in a loop and records how long each of those
 * three ioctls took. The hog builds a chain of --chain contexts (each the
 * child of the one before), cancels its root, which walks the whole
 * chain, releases it and starts again. The victim runs alone for
 * --seconds, then as long beside the hog; both phases print the count,
 * median, 99th percentile and maximum of its per-iteration latency.
 *
 * A program that shares no context with another should not wait for the
 * other's walks: the two maxima should be of one order. Run it in the
 * guest: tools/gsched-vm --kernel 6.1 -- build/isolation
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "uapi/gsched.h"

static unsigned int chain = 20000;
static unsigned int seconds = 5;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int ctx_op(int fd, __u32 op, __u32 h, __u32 *out)
{
	struct gsched_ctx_op o = { .op = op, .handle = h };

	if (ioctl(fd, GSCHED_IOC_CTX, &o) < 0)
		return -errno;
	if (out)
		*out = o.handle;
	return 0;
}

static int open_dev(void)
{
	int fd = open(GSCHED_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror(GSCHED_DEVICE);
		exit(2);
	}
	return fd;
}

static void must(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "isolation: %s: %s\n", what, strerror(-ret));
		exit(2);
	}
}

static void hog(void)
{
	int fd = open_dev();
	unsigned long walks = 0;
	__u32 root = 0, prev, h = 0;
	unsigned int i;

	for (;;) {
		must(ctx_op(fd, GSCHED_CTX_MAKE, 0, &root), "hog make");
		prev = root;
		for (i = 1; i < chain; i++) {
			must(ctx_op(fd, GSCHED_CTX_MAKE, prev, &h), "hog make");
			if (prev != root)
				must(ctx_op(fd, GSCHED_CTX_RELEASE, prev, NULL),
				     "hog release");
			prev = h;
		}
		must(ctx_op(fd, GSCHED_CTX_CANCEL, root, NULL), "hog cancel");
		must(ctx_op(fd, GSCHED_CTX_RELEASE, prev, NULL), "hog release");
		must(ctx_op(fd, GSCHED_CTX_RELEASE, root, NULL), "hog release");
		walks++;
	}
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void victim(const char *phase)
{
	static unsigned long long lat[1 << 20];
	unsigned long long end = now_ns() + seconds * 1000000000ull, t0;
	int fd = open_dev();
	size_t n = 0;
	__u32 h = 0;

	while (n < sizeof(lat) / sizeof(lat[0]) && (t0 = now_ns()) < end) {
		must(ctx_op(fd, GSCHED_CTX_MAKE, 0, &h), "make");
		must(ctx_op(fd, GSCHED_CTX_CANCEL, h, NULL), "cancel");
		must(ctx_op(fd, GSCHED_CTX_RELEASE, h, NULL), "release");
		lat[n++] = now_ns() - t0;
	}
	close(fd);
	qsort(lat, n, sizeof(lat[0]), cmp_ull);
	printf("isolation: %-14s %7zu make+cancel+release, median %6llu us, p99 %7llu us, max %7llu us\n",
	       phase, n, lat[n / 2] / 1000, lat[n * 99 / 100] / 1000,
	       lat[n - 1] / 1000);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	int i, status;
	pid_t pid;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--chain"))
			chain = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = strtoul(argv[i + 1], NULL, 0);
		else
			break;
	}
	if (i != argc || chain < 2 || !seconds) {
		fprintf(stderr, "usage: isolation [--chain N>=2] [--seconds S>=1]\n");
		return 2;
	}
	victim("alone");
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (!pid) {
		hog();
		_exit(0);
	}
	usleep(200 * 1000);	/* the hog's first chain */
	victim("beside the hog");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	printf("isolation: chain %u, %u s per phase\n", chain, seconds);
	return 0;
}
