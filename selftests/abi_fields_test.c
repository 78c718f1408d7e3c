// SPDX-License-Identifier: GPL-2.0
/*
 * The flags, padding and reserved fields of every /dev/gsched argument,
 * and SETUP's preempt_signal, with raw ioctls: one bad value in an
 * otherwise valid argument makes the call fail with -EINVAL, and the same
 * call without it then succeeds. One field per subtest.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <stddef.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "abi.h"

/*
 * Set one field of an otherwise valid argument: the call must fail with
 * -EINVAL, and the same call without it must then succeed (so the field
 * was the only problem).
 */
static void check_bad_field(struct __test_metadata *_metadata, int fd,
			    unsigned long cmd, const void *good, size_t size,
			    size_t off, size_t len, uint64_t val)
{
	unsigned char buf[128];

	ASSERT_GE(sizeof(buf), size);
	memcpy(buf, good, size);
	memcpy(buf + off, &val, len);	/* little-endian: low bytes */
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(fd, cmd, buf));
	memcpy(buf, good, size);
	EXPECT_EQ(0, gs_raw_ioctl(fd, cmd, buf));
}

#define BAD_FIELD(fd, cmd, good, field, val)				\
	check_bad_field(_metadata, fd, cmd, &(good), sizeof(good),	\
			offsetof(typeof(good), field),			\
			sizeof((good).field), val)

TEST_F(dev, version_flags)
{
	struct gsched_version v = { 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_VERSION, v, flags, 1);
}

TEST_F(dev, version_pad)
{
	struct gsched_version v = { 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_VERSION, v, __pad, 1);
}

TEST_F(dev, setup_flags)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, flags, 1);
}

TEST_F(dev, setup_preempt_signal_kill)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, preempt_signal, SIGKILL);
}

TEST_F(dev, setup_preempt_signal_stop)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, preempt_signal, SIGSTOP);
}

TEST_F(dev, setup_preempt_signal_range)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, preempt_signal, 65);
}

TEST_F(dev, setup_reserved0)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, __reserved, 1);
}

TEST_F(dev, setup_reserved1)
{
	struct gsched_setup s = { .nprocs = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SETUP, s, __reserved2, 1ULL << 63);
}

TEST_F(ready, worker_flags)
{
	struct gsched_worker_reg wk = { .index = 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_WORKER, wk, flags, 1);
}

TEST_F(ready, worker_reserved)
{
	struct gsched_worker_reg wk = { .index = 0 };

	BAD_FIELD(self->fd, GSCHED_IOC_WORKER, wk, __reserved, 1);
}

TEST_F(ready, spawn_unknown_flag)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, flags,
		  GSCHED_SPAWN_FLAGS + 1);
}

TEST_F(ready, spawn_high_flag)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, flags, 1U << 31);
}

TEST_F(ready, spawn_reserved)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, __reserved, 1);
}

TEST_F(ready, spawn_pad)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };

	BAD_FIELD(self->fd, GSCHED_IOC_SPAWN, sp, __pad, 1);
}

TEST_F(rt, switch_flags)
{
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_YIELD };

	BAD_FIELD(self->fd, GSCHED_IOC_SWITCH, sw, flags, 1);
}

TEST_F(rt, switch_reserved0)
{
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_YIELD };

	BAD_FIELD(self->fd, GSCHED_IOC_SWITCH, sw, __reserved[0], 1);
}

TEST_F(rt, switch_reserved1)
{
	struct gsched_switch sw = { .worker = 0, .op = GSCHED_OP_YIELD };

	BAD_FIELD(self->fd, GSCHED_IOC_SWITCH, sw, __reserved[1], 1);
}

TEST_F(rt, unpark_flags)
{
	struct gsched_task_op op = { .worker = 0, .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_UNPARK, op, flags, 1);
}

TEST_F(rt, unpark_pad)
{
	struct gsched_task_op op = { .worker = 0, .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_UNPARK, op, __pad, 1);
}

TEST_F(rt, unpark_reserved)
{
	struct gsched_task_op op = { .worker = 0, .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_UNPARK, op, __reserved, 1);
}

TEST_F(rt, detach_flags)
{
	struct gsched_task_op op = { .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_DETACH, op, flags, 1);
}

TEST_F(rt, detach_pad)
{
	struct gsched_task_op op = { .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_DETACH, op, __pad, 1);
}

TEST_F(rt, detach_reserved)
{
	struct gsched_task_op op = { .id = self->b_id };

	BAD_FIELD(self->fd, GSCHED_IOC_DETACH, op, __reserved, 1);
}

TEST_F(rt, task_info_flags)
{
	struct gsched_task_info ti = { .id = self->main_id };

	BAD_FIELD(self->fd, GSCHED_IOC_TASK_INFO, ti, flags, 1);
}

TEST_F(rt, task_info_reserved)
{
	struct gsched_task_info ti = { .id = self->main_id };

	BAD_FIELD(self->fd, GSCHED_IOC_TASK_INFO, ti, __reserved, 1);
}

TEST_F(ready, chan_make_flags)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, flags, 1);
}

TEST_F(ready, chan_make_pad)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, __pad, 1);
}

TEST_F(ready, chan_make_reserved)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, __reserved, 1);
}

TEST_F(ready, chan_make_pad2)
{
	struct gsched_chan_make m = { .elem_size = 8 };

	BAD_FIELD(self->fd, GSCHED_IOC_CHAN_MAKE, m, __pad2, 1);
}

static unsigned int make_chan(struct __test_metadata *_metadata, int fd)
{
	struct gsched_chan_make m = { .elem_size = 8, .cap = 1 };

	ASSERT_EQ(0, gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &m));
	return m.handle;
}

TEST_F(ready, chan_flags)
{
	struct gsched_chan_op op = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_INFO };

	op.handle = make_chan(_metadata, self->fd);
	BAD_FIELD(self->fd, GSCHED_IOC_CHAN, op, flags, 1);
}

TEST_F(ready, chan_reserved)
{
	struct gsched_chan_op op = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_INFO };

	op.handle = make_chan(_metadata, self->fd);
	BAD_FIELD(self->fd, GSCHED_IOC_CHAN, op, __reserved, 1);
}

TEST_F(ready, timer_flags)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, flags, 1);
}

TEST_F(ready, timer_pad)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, __pad, 1);
}

TEST_F(ready, timer_reserved)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, __reserved, 1);
}

TEST_F(ready, timer_pad2)
{
	struct gsched_timer_op op = { .op = GSCHED_TIMER_MAKE };

	BAD_FIELD(self->fd, GSCHED_IOC_TIMER, op, __pad2, 1);
}

ABI_TEST_MAIN
