/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the selftests that feed bad input to an object's ioctls
 * (channels, timers, contexts, sync objects) on an instance without tasks:
 * "raw" is an instance set up with one P and no worker, so every call
 * returns at once and nothing but the ioctl under test touches it.
 *
 * Include after kselftest_harness.h, gsched.h and common.h.
 */
#ifndef GSCHED_SELFTEST_RAW_H
#define GSCHED_SELFTEST_RAW_H

FIXTURE(raw) {
	int fd;
	unsigned int id;
};

FIXTURE_SETUP(raw)
{
	self->fd = gs_raw_instance(1, &self->id);
	ASSERT_GE(self->fd, 0);
}

FIXTURE_TEARDOWN(raw)
{
	close(self->fd);
}

#endif /* GSCHED_SELFTEST_RAW_H */
