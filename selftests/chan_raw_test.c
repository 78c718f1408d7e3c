// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input to the channel and timer ioctls (GSCHED_IOC_CHAN_MAKE,
 * GSCHED_IOC_CHAN, GSCHED_IOC_TIMER), called raw on an instance without
 * tasks: forged and wrong-kind handles, unknown ops, flags and reserved
 * fields, unmapped element buffers, size limits, concurrent timer
 * resets and double release. Each is refused and leaves the objects as
 * they were.
 */
#include <pthread.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "raw.h"

static int raw_op(int fd, __u32 op, __u32 h, const void *buf,
		  struct gsched_chan_op *out)
{
	struct gsched_chan_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = op,
		.handle = h,
		.buf = (__u64)(uintptr_t)buf,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN, &o);

	if (out)
		*out = o;
	return ret;
}

static int raw_make(int fd, __u32 elem_size, __u32 cap, __u32 *h)
{
	struct gsched_chan_make m = { .elem_size = elem_size, .cap = cap };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN_MAKE, &m);

	if (!ret && h)
		*h = m.handle;
	return ret;
}

static int raw_timer(int fd, __u32 op, __u32 h, __u64 delay, __u64 period,
		     __u32 *out)
{
	struct gsched_timer_op t = {
		.op = op, .handle = h, .delay_ns = delay, .period_ns = period,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_TIMER, &t);

	if (!ret && out)
		*out = op == GSCHED_TIMER_MAKE ? t.handle : t.ok;
	return ret;
}

static const __u32 chan_ops[] = {
	GSCHED_CHAN_TRYSEND, GSCHED_CHAN_TRYRECV, GSCHED_CHAN_CLOSE,
	GSCHED_CHAN_RELEASE, GSCHED_CHAN_INFO,
};

static bool op_takes_buf(__u32 op)
{
	return op == GSCHED_CHAN_TRYSEND || op == GSCHED_CHAN_TRYRECV;
}

TEST_F(raw, forged_handles)
{
	static const __u32 forged[] = { 0x7fffffff, 0xffffffff, 0x80000000,
					4242 };
	long v = 1;
	unsigned int i, j;
	__u32 h, x;

	ASSERT_EQ(0, raw_make(self->fd, 8, 1, &h));
	for (i = 0; i < ARRAY_SIZE(forged); i++) {
		for (j = 0; j < ARRAY_SIZE(chan_ops); j++)
			EXPECT_EQ(-EBADF, raw_op(self->fd, chan_ops[j],
						 forged[i],
						 op_takes_buf(chan_ops[j]) ?
						 &v : NULL, NULL))
				TH_LOG("op %u handle %#x", chan_ops[j],
				       forged[i]);
		EXPECT_EQ(-EBADF, raw_timer(self->fd, GSCHED_TIMER_STOP,
					    forged[i], 0, 0, &x));
		EXPECT_EQ(-EBADF, raw_timer(self->fd, GSCHED_TIMER_RESET,
					    forged[i], MS, 0, &x));
	}
	/* the nil channel: try ops would block, the others are refused */
	EXPECT_EQ(-EAGAIN, raw_op(self->fd, GSCHED_CHAN_TRYSEND, 0, &v, NULL));
	EXPECT_EQ(-EAGAIN, raw_op(self->fd, GSCHED_CHAN_TRYRECV, 0, &v, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_CLOSE, 0, NULL, NULL));
	/* the real channel is untouched */
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
}

TEST_F(raw, task_handle_is_not_a_channel)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };
	long v = 1;
	unsigned int j;
	__u32 x;

	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_SPAWN, &sp));
	ASSERT_NE(0U, sp.id);
	for (j = 0; j < ARRAY_SIZE(chan_ops); j++)
		EXPECT_EQ(-EINVAL, raw_op(self->fd, chan_ops[j], sp.id,
					  op_takes_buf(chan_ops[j]) ? &v : NULL,
					  NULL))
			TH_LOG("op %u", chan_ops[j]);
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_STOP, sp.id, 0, 0,
				     &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_RESET, sp.id, MS,
				     0, &x));
}

TEST_F(raw, chan_op_bad_fields)
{
	struct gsched_chan_op o;
	long v = 1;
	__u32 h;

	ASSERT_EQ(0, raw_make(self->fd, 8, 2, &h));
	/* unknown ops */
	EXPECT_EQ(-EINVAL, raw_op(self->fd, 0, h, NULL, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, 100, h, NULL, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, 0xffffffff, h, NULL, NULL));
	/* flags and reserved must be zero */
	o = (struct gsched_chan_op){ .flags = 1, .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_INFO, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &o));
	o = (struct gsched_chan_op){ .flags = 0x80000000,
				     .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_TRYSEND, .handle = h,
				     .buf = (__u64)(uintptr_t)&v };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &o));
	o = (struct gsched_chan_op){ .__reserved = 1,
				     .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_TRYSEND, .handle = h,
				     .buf = (__u64)(uintptr_t)&v };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &o));
	/* a buffer where none belongs */
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_CLOSE, h, &v, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, &v, NULL));
	EXPECT_EQ(-EINVAL, raw_op(self->fd, GSCHED_CHAN_INFO, h, &v, NULL));
	/* none of that did anything: still open, empty, with its handle */
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_INFO, h, NULL, &o));
	EXPECT_EQ(0U, o.ok);
	EXPECT_EQ(0U, o.len);
	EXPECT_EQ(2U, o.cap);
	EXPECT_EQ(8U, o.elem_size);
}

TEST_F(raw, efault_elements)
{
	struct gsched_chan_op o;
	void *bad = unmapped();
	long v = 5;
	__u32 h, u;

	ASSERT_TRUE(bad != NULL);
	ASSERT_EQ(0, raw_make(self->fd, 8, 2, &h));
	ASSERT_EQ(0, raw_make(self->fd, 8, 0, &u));
	/* TRYSEND with room: the value cannot be read */
	EXPECT_EQ(-EFAULT, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, bad, NULL));
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_INFO, h, NULL, &o));
	EXPECT_EQ(0U, o.len);
	/* TRYRECV with a value waiting: it cannot be written */
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
	EXPECT_EQ(-EFAULT, raw_op(self->fd, GSCHED_CHAN_TRYRECV, h, bad, NULL));
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_INFO, h, NULL, &o));
	TH_LOG("after the faulting TRYRECV len is %u (the value is %s)", o.len,
	       o.len ? "kept" : "consumed");
	/* nothing to receive: would block, whatever the buffer */
	EXPECT_EQ(-EAGAIN, raw_op(self->fd, GSCHED_CHAN_TRYRECV, u, bad, NULL));
	/* a NULL receive buffer discards the value */
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
	ASSERT_EQ(0, raw_op(self->fd, GSCHED_CHAN_TRYRECV, h, NULL, &o));
	EXPECT_EQ(1U, o.ok);
}

TEST_F(raw, chan_make_limits)
{
	struct gsched_chan_make m;
	unsigned long long max = 64ULL << 20;
	char buf[64];
	__u32 h;

	if (!gs_sysfs_read("/sys/module/gsched/parameters/max_chan_bytes", buf,
			   sizeof(buf)))
		max = strtoull(buf, NULL, 10);
	TH_LOG("max_chan_bytes %llu", max);
	EXPECT_EQ(-EINVAL, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM + 1, 0, &h));
	EXPECT_EQ(-EINVAL, raw_make(self->fd, 0xffffffff, 1, &h));
	EXPECT_EQ(0, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM, 0, &h));
	EXPECT_EQ(0, raw_make(self->fd, 0, 0xffffffff, &h));
	/* one slot over the byte budget */
	EXPECT_EQ(-ENOMEM, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM,
				    (__u32)(max / GSCHED_CHAN_MAX_ELEM + 1),
				    &h));
	EXPECT_EQ(-ENOMEM, raw_make(self->fd, 1, (__u32)(max + 1), &h));
	/* no overflow: 2^16 * (2^32 - 1) bytes */
	EXPECT_EQ(-ENOMEM, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM, 0xffffffff,
				    &h));
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "chan_bytes"));
	/* within the budget, charged and uncharged */
	ASSERT_EQ(0, raw_make(self->fd, GSCHED_CHAN_MAX_ELEM, 16, &h));
	EXPECT_EQ(16 * GSCHED_CHAN_MAX_ELEM,
		  gs_sysfs_inst((int)self->id, "chan_bytes"));
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL));
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "chan_bytes"));
	/* flags, padding, reserved */
	m = (struct gsched_chan_make){ .flags = 1, .elem_size = 8 };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &m));
	m = (struct gsched_chan_make){ .__pad = 1, .elem_size = 8 };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &m));
	m = (struct gsched_chan_make){ .__reserved = 1, .elem_size = 8 };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &m));
}

TEST_F(raw, timer_bad_ops)
{
	struct gsched_timer_op t;
	__u32 h, c, x;

	ASSERT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 0, 0, &h));
	ASSERT_EQ(0, raw_make(self->fd, 8, 1, &c));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, 0, h, 0, 0, &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, 100, h, 0, 0, &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, 0xffffffff, h, 0, 0, &x));
	/* a period needs a first expiry */
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_RESET, h, 0, MS,
				     &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 0, MS,
				     &x));
	/* MAKE takes no handle, STOP no times */
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_MAKE, h, MS, 0,
				     &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_STOP, h, MS, 0,
				     &x));
	/* a plain channel is no timer */
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_STOP, c, 0, 0, &x));
	EXPECT_EQ(-EINVAL, raw_timer(self->fd, GSCHED_TIMER_RESET, c, MS, 0,
				     &x));
	t = (struct gsched_timer_op){ .flags = 1, .op = GSCHED_TIMER_STOP,
				      .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_TIMER, &t));
	t = (struct gsched_timer_op){ .__reserved = 1,
				      .op = GSCHED_TIMER_STOP, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_TIMER, &t));
	/* the good ones still work: not armed, then armed */
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(0U, x);
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_RESET, h, 1000 * MS, 0,
			       &x));
	EXPECT_EQ(0U, x);
	EXPECT_EQ(1, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(1U, x);
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "timers"));
}

/*
 * GSCHED_TIMER_RESET of one timer from several threads at once. A reset
 * done as a cancel and then an arm would let two resets both find the
 * timer stopped and both arm it, and the second arm would trip a
 * WARN_ON_ONCE in the module, from an unprivileged caller. A reset is one
 * step: the timer ends up queued once, and the kernel log stays free of
 * warnings.
 */
#define RESETTERS	4
#define RESETS		5000

struct resetter {
	int fd;
	__u32 h;
	int fails;
};

static void *resetter_fn(void *arg)
{
	struct resetter *r = arg;
	__u32 x;
	int i;

	for (i = 0; i < RESETS; i++)
		if (raw_timer(r->fd, GSCHED_TIMER_RESET, r->h, 1000 * MS, 0,
			      &x))
			r->fails++;
	return NULL;
}

TEST_F(raw, concurrent_resets_of_one_timer)
{
	struct resetter r[RESETTERS];
	pthread_t th[RESETTERS];
	char line[1024];
	int i, kfd, warnings = 0;
	__u32 h, x;

	ASSERT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 0, 0, &h));
	kfd = kmsg_open();
	for (i = 0; i < RESETTERS; i++) {
		r[i] = (struct resetter){ .fd = self->fd, .h = h };
		ASSERT_EQ(0, pthread_create(&th[i], NULL, resetter_fn, &r[i]));
	}
	for (i = 0; i < RESETTERS; i++) {
		pthread_join(th[i], NULL);
		EXPECT_EQ(0, r[i].fails);
	}
	/* queued once: counted once, and one stop finds it */
	EXPECT_EQ(1, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(1U, x);
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_STOP, h, 0, 0, &x));
	EXPECT_EQ(0U, x);
	if (kfd < 0) {
		TH_LOG("/dev/kmsg: %m: kernel log not checked");
		return;
	}
	while (kmsg_find(kfd, "WARNING:", line, sizeof(line))) {
		warnings++;
		TH_LOG("%s", line);
	}
	close(kfd);
	EXPECT_EQ(0, warnings);
}

TEST_F(raw, double_release)
{
	__u32 h, t;
	long v = 3;

	ASSERT_EQ(0, raw_make(self->fd, 8, 1, &h));
	ASSERT_EQ(0, raw_timer(self->fd, GSCHED_TIMER_MAKE, 0, 1000 * MS, 0,
			       &t));
	EXPECT_EQ(2, gs_sysfs_inst((int)self->id, "channels"));
	EXPECT_EQ(1, gs_sysfs_inst((int)self->id, "timers"));
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_op(self->fd, GSCHED_CHAN_RELEASE, h, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_op(self->fd, GSCHED_CHAN_TRYSEND, h, &v, NULL));
	EXPECT_EQ(0, raw_op(self->fd, GSCHED_CHAN_RELEASE, t, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_op(self->fd, GSCHED_CHAN_RELEASE, t, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_timer(self->fd, GSCHED_TIMER_STOP, t, 0, 0, NULL));
	/* released means freed: the armed timer went with its channel */
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "channels"));
	EXPECT_EQ(0, gs_sysfs_inst((int)self->id, "timers"));
}

TEST_HARNESS_MAIN
