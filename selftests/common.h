/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the gsched selftests (header-only, one per test). */
#ifndef GSCHED_SELFTEST_COMMON_H
#define GSCHED_SELFTEST_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "uapi/gsched.h"

#define GS_SYSFS	"/sys/kernel/gsched"

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

#endif
