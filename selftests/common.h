/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the gsched selftests (header-only, one per test). */
#ifndef GSCHED_SELFTEST_COMMON_H
#define GSCHED_SELFTEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uapi/gsched.h"

#define GS_SYSFS	"/sys/kernel/gsched"

#define MS		1000000ULL	/* nanoseconds */

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ioctl returning -errno (0 on success). */
static inline int gs_raw_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static inline int gs_open_dev(void)
{
	return open(GSCHED_DEVICE, O_RDWR | O_CLOEXEC);
}

/* Read a sysfs file into buf (NUL-terminated, newline stripped). */
static inline int gs_sysfs_read(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return 0;
}

/* Write the number @v to a sysfs file (a module parameter, say). */
static inline int gs_sysfs_write(const char *path, long v)
{
	char buf[32];
	int fd = open(path, O_WRONLY | O_CLOEXEC), n, ret = 0;
	ssize_t w;

	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", v);
	w = write(fd, buf, n);
	if (w < 0)
		ret = -errno;
	else if (w != n)
		ret = -EIO;
	close(fd);
	return ret;
}

/* A number from /sys/kernel/gsched/<file>, or a negative errno. */
static inline long long gs_sysfs_global(const char *file)
{
	char path[256], buf[64];
	int ret;

	snprintf(path, sizeof(path), GS_SYSFS "/%s", file);
	ret = gs_sysfs_read(path, buf, sizeof(buf));
	return ret ? ret : strtoll(buf, NULL, 10);
}

/* A number from /sys/kernel/gsched/instances/<id>/<file>. */
static inline long long gs_sysfs_inst(int id, const char *file)
{
	char path[256], buf[64];
	int ret;

	snprintf(path, sizeof(path), GS_SYSFS "/instances/%d/%s", id, file);
	ret = gs_sysfs_read(path, buf, sizeof(buf));
	return ret ? ret : strtoll(buf, NULL, 10);
}

/* The whole text of an instance's sysfs file. */
static inline int gs_sysfs_inst_str(int id, const char *file, char *buf,
				    size_t len)
{
	char path[256];

	snprintf(path, sizeof(path), GS_SYSFS "/instances/%d/%s", id, file);
	return gs_sysfs_read(path, buf, len);
}

/* Sum of the per-P run queue lengths in .../runqueues. */
static inline long long gs_sysfs_runqueues_sum(int id)
{
	char buf[4096], *p, *end;
	long long sum = 0;
	int ret = gs_sysfs_inst_str(id, "runqueues", buf, sizeof(buf));

	if (ret)
		return ret;
	for (p = buf; *p; p = end) {
		long long v = strtoll(p, &end, 10);

		if (end == p)
			break;
		sum += v;
	}
	return sum;
}

/* Open and set up a raw instance with @nprocs Ps; returns fd or -errno. */
static inline int gs_raw_instance(unsigned int nprocs, unsigned int *id)
{
	struct gsched_setup s = { .nprocs = nprocs };
	int fd = gs_open_dev(), ret;

	if (fd < 0)
		return -errno;
	ret = gs_raw_ioctl(fd, GSCHED_IOC_SETUP, &s);
	if (ret) {
		close(fd);
		return ret;
	}
	if (id)
		*id = s.instance_id;
	return fd;
}

/*
 * An address with nothing mapped (NULL when mmap fails). The hole stays
 * a hole: the page is the middle one of three reserved PROT_NONE pages, so
 * no later mapping of the process lands on it unless it is exactly one
 * page long and placed there (ASan's fake stacks, thread stacks and task
 * stacks are all larger). The two neighbours are never unmapped.
 */
static inline void *unmapped(void)
{
	char *p = mmap(NULL, 3 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (munmap(p + 4096, 4096))
		return NULL;
	return p + 4096;
}

/* Is @needle anywhere in the kernel log (the whole ring buffer)? */
static inline bool klog_has(const char *needle)
{
	static char buf[1 << 20];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

/*
 * /dev/kmsg read from its current end on: the lines a test reads from it
 * are the ones printed after the open. Returns the fd or -1 (errno set).
 */
static inline int kmsg_open(void)
{
	int kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (kfd >= 0)
		lseek(kfd, 0, SEEK_END);
	return kfd;
}

/*
 * Read @kfd (kmsg_open()) on to the next line that contains @what, into
 * @line; false when no such line is left to read.
 */
static inline bool kmsg_find(int kfd, const char *what, char *line,
			     size_t len)
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

/* Pass @fd over the unix socket @s (SCM_RIGHTS, one byte of data). */
static inline int send_fd(int s, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(s, &mh, 0) == 1 ? 0 : -1;
}

/* The fd send_fd() passed over @s, or -1. */
static inline int recv_fd(int s)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(s, &mh, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Slow kernels.  In the debug guest (KASAN, lockdep, kmemleak, SLUB debug,
 * all under QEMU's software emulation) every system call and wakeup costs
 * tens of times more; there tools/vm/stage2 exports
 *
 *   GSCHED_TEST_SCALE=N          stress tests divide their sizes by N (use
 *                                gs_scaled(); the test says which size ran)
 *   GSCHED_TEST_TIMEOUT_SCALE=N  every kselftest time limit is N times
 *                                longer (TEST_HARNESS_MAIN below)
 *
 * Both default to 1: full sizes and the limits as written.  The checks stay
 * the same at every size.
 */
static inline long gs_env_factor(const char *name)
{
	const char *s = getenv(name);
	long v;

	if (!s || !*s)
		return 1;
	v = strtol(s, NULL, 10);
	return v < 1 ? 1 : v;
}

static inline long gs_test_scale(void)
{
	return gs_env_factor("GSCHED_TEST_SCALE");
}

static inline long gs_timeout_scale(void)
{
	return gs_env_factor("GSCHED_TEST_TIMEOUT_SCALE");
}

/* @n divided by GSCHED_TEST_SCALE, but at least @min. */
static inline long gs_scaled(long n, long min)
{
	long v = n / gs_test_scale();

	return v < min ? min : v;
}

#ifdef TEST_HARNESS_MAIN
/*
 * Multiply every registered test's time limit by GSCHED_TEST_TIMEOUT_SCALE.
 * Call it from main() before test_harness_run(); TEST_HARNESS_MAIN does.
 * (The limits are alarm()s around each forked test: kselftest_harness.h
 * from linux 6.1 keeps them in struct __test_metadata.)
 */
static inline void gs_scale_harness_timeouts(void)
{
	long k = gs_timeout_scale();
	struct __fixture_metadata *f;
	struct __test_metadata *t;

	if (k == 1)
		return;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			if (t->timeout > 0)
				t->timeout = (long)t->timeout * k < 86400 ?
					     (int)(t->timeout * k) : 86400;
}

/* "fixture.name" of @t is @pat, or matches it as a shell pattern. */
static inline int gs_test_matches(struct __test_metadata *t, const char *pat)
{
	char full[256];

	snprintf(full, sizeof(full), "%s.%s", t->fixture->name, t->name);
	return !fnmatch(pat, full, 0) || !fnmatch(pat, t->name, 0);
}

/* Does @t match one of the space-separated patterns in @list? */
static inline int gs_test_in_list(struct __test_metadata *t, const char *list)
{
	char buf[1024], *tok, *save;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save))
		if (gs_test_matches(t, tok))
			return 1;
	return 0;
}

/*
 * Choose the tests to run (linux 6.1's harness ignores its arguments):
 *
 *   -t PATTERN           run only the tests that match (repeatable)
 *   GSCHED_TEST_EXCLUDE  space-separated patterns of tests not to run
 *
 * A pattern is a shell pattern matched against "fixture.name" and against
 * the bare name.  Every test left out by GSCHED_TEST_EXCLUDE is named on a
 * "# excluded: fixture.name" line (tools/run-tests counts them), so a run
 * never loses a test silently; the TAP plan counts only the tests that run.
 */
static inline void gs_select_harness_tests(int argc, char **argv)
{
	const char *excl = getenv("GSCHED_TEST_EXCLUDE");
	struct __test_metadata *t, *next, *head, *tail;
	struct __fixture_metadata *f;
	char only[1024] = "";
	int i, keep, selected = 0;

	for (i = 1; i + 1 < argc; i++)
		if (!strcmp(argv[i], "-t") &&
		    strlen(only) + strlen(argv[i + 1]) + 2 < sizeof(only)) {
			strcat(only, argv[++i]);
			strcat(only, " ");
		}
	if (!*only && !(excl && *excl))
		return;
	for (f = __fixture_list; f; f = f->next) {
		head = tail = NULL;
		for (t = f->tests; t; t = next) {
			next = t->next;
			keep = !*only || gs_test_in_list(t, only);
			selected += keep;
			if (keep && excl && gs_test_in_list(t, excl)) {
				printf("# excluded: %s.%s (GSCHED_TEST_EXCLUDE)\n",
				       f->name, t->name);
				keep = 0;
			}
			if (!keep)
				continue;
			/* the harness's list: next ends in NULL, head->prev
			 * is the tail
			 */
			t->next = NULL;
			t->prev = tail ? tail : t;
			if (tail)
				tail->next = t;
			else
				head = t;
			tail = t;
		}
		if (head)
			head->prev = tail;
		f->tests = head;
	}
	fflush(stdout);
	/* a -t that names no test is a typo, not a pass with nothing run */
	if (*only && !selected) {
		fprintf(stderr, "%s: -t %sselects no test\n", argv[0], only);
		exit(2);
	}
}

/* What every selftest's main() does once it knows it can run. */
static inline int gs_harness_main(int argc, char **argv)
{
	gs_select_harness_tests(argc, argv);
	gs_scale_harness_timeouts();
	return test_harness_run(argc, argv);
}

#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN						\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		return gs_harness_main(argc, argv);			\
	}
#endif

#endif
