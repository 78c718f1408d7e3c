// SPDX-License-Identifier: GPL-2.0
/*
 * The encoding of every /dev/gsched call, with raw ioctls: the version
 * query, ioctl numbers and directions, struct sizes (callers built
 * against older and newer ABI versions), and bad user pointers. One
 * error path per subtest.
 */

/* EXPECT_EQ(0, s.u32_field): -Wextra's sign-compare noise, not a bug */
#pragma GCC diagnostic ignored "-Wsign-compare"

#include <sys/mman.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "abi.h"

#define LAST_IOC	GSCHED_IOC_WORD	/* the highest ioctl number */

/* ---- version --------------------------------------------------------- */

TEST_F(dev, version_query)
{
	/* output fields come back filled, whatever they held */
	struct gsched_version v = { .abi_version = 0xdead, .size_timer = 1 };

	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, &v));
	EXPECT_EQ(GSCHED_ABI_VERSION, v.abi_version);
	EXPECT_EQ(GSCHED_MAX_PROCS, v.max_procs);
	EXPECT_NE(0, v.features);
	EXPECT_EQ(GSCHED_FEAT_TASKS | GSCHED_FEAT_PARK | GSCHED_FEAT_JOIN |
		  GSCHED_FEAT_DEADLOCK,
		  v.features & (GSCHED_FEAT_TASKS | GSCHED_FEAT_PARK |
				GSCHED_FEAT_JOIN | GSCHED_FEAT_DEADLOCK));
	EXPECT_LT(0, v.max_tasks);
	EXPECT_EQ(sizeof(struct gsched_setup), v.size_setup);
	EXPECT_EQ(sizeof(struct gsched_worker_reg), v.size_worker);
	EXPECT_EQ(sizeof(struct gsched_spawn), v.size_spawn);
	EXPECT_EQ(sizeof(struct gsched_switch), v.size_switch);
	EXPECT_EQ(sizeof(struct gsched_task_op), v.size_task);
	EXPECT_EQ(sizeof(struct gsched_task_info), v.size_info);
	if (v.features & GSCHED_FEAT_CHAN) {
		EXPECT_EQ(sizeof(struct gsched_chan_make), v.size_chan_make);
		EXPECT_EQ(sizeof(struct gsched_chan_op), v.size_chan_op);
		EXPECT_EQ(sizeof(struct gsched_select), v.size_select);
		EXPECT_EQ(GSCHED_CHAN_MAX_ELEM, v.max_elem_size);
		EXPECT_EQ(GSCHED_SELECT_MAX, v.max_select_cases);
	}
	if (v.features & GSCHED_FEAT_TIMER)
		EXPECT_EQ(sizeof(struct gsched_timer_op), v.size_timer);
	if (v.features & GSCHED_FEAT_SYNC)
		EXPECT_EQ(sizeof(struct gsched_sync_op), v.size_sync);
	if (v.features & GSCHED_FEAT_CTX)
		EXPECT_EQ(sizeof(struct gsched_ctx_op), v.size_ctx);
	if (v.features & GSCHED_FEAT_POLL)
		EXPECT_EQ(sizeof(struct gsched_fd_op), v.size_fd);
	EXPECT_TRUE(v.features & GSCHED_FEAT_HANDOFF);
	EXPECT_TRUE(v.features & GSCHED_FEAT_PREEMPT);
	EXPECT_TRUE(v.features & GSCHED_FEAT_POLL);
	EXPECT_EQ(0, v.flags);
	EXPECT_EQ(0, v.__pad);
	EXPECT_EQ(sizeof(struct gsched_word_op), v.size_word);
	EXPECT_TRUE(v.features & GSCHED_FEAT_WORD);
	EXPECT_TRUE(v.features & GSCHED_FEAT_RWWORD);
}

TEST(version_sysfs)
{
	struct gsched_version v;
	char ver[64], modver[64];
	unsigned int a, b, c;

	ASSERT_EQ(0, gsched_query(&v));
	ASSERT_EQ(0, gs_sysfs_read(GS_SYSFS "/version", ver, sizeof(ver)));
	EXPECT_EQ(3, sscanf(ver, "%u.%u.%u", &a, &b, &c)) TH_LOG("version '%s'", ver);
	EXPECT_EQ(GSCHED_ABI_VERSION, gs_sysfs_global("abi_version"));
	EXPECT_EQ(v.abi_version, gs_sysfs_global("abi_version"));
	/* MODULE_VERSION and sysfs say the same */
	if (!gs_sysfs_read("/sys/module/gsched/version", modver, sizeof(modver)))
		EXPECT_STREQ(ver, modver);
}

/* ---- ioctl numbers --------------------------------------------------- */

TEST_F(dev, unknown_nr)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC, 0x7f, struct gsched_version), &v));
}

TEST_F(dev, nr_past_last)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC, _IOC_NR(LAST_IOC) + 1,
		      struct gsched_version), &v));
}

TEST_F(dev, wrong_magic)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC + 1, 0x00, struct gsched_version), &v));
}

TEST_F(dev, wrong_direction_read)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOR(GSCHED_IOC_MAGIC, 0x00, struct gsched_version), &v));
}

TEST_F(dev, wrong_direction_none)
{
	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd, _IO(GSCHED_IOC_MAGIC, 0x00),
					NULL));
}

TEST_F(ready, wrong_direction_readwrite_for_write)
{
	struct gsched_worker_reg wk = { 0 };

	/* WORKER is _IOW: the _IOWR form is another number */
	EXPECT_EQ(-ENOTTY, gs_raw_ioctl(self->fd,
		_IOWR(GSCHED_IOC_MAGIC, 0x02, struct gsched_worker_reg), &wk));
}

/* ---- struct sizes ---------------------------------------------------- */

#define IOC_SIZED(nr, size) \
	_IOC(_IOC_READ | _IOC_WRITE, GSCHED_IOC_MAGIC, nr, size)

TEST_F(dev, size_smaller_than_v1)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd,
		IOC_SIZED(0x00, sizeof(v) - 8), &v));
	EXPECT_EQ(0, v.abi_version);
}

TEST_F(ready, size_smaller_write_only)
{
	struct gsched_worker_reg wk = { 0 };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd,
		_IOC(_IOC_WRITE, GSCHED_IOC_MAGIC, 0x02, sizeof(wk) - 8), &wk));
	EXPECT_EQ(0, gs_sysfs_inst(self->inst_id, "threads"));
}

TEST_F(dev, size_zero)
{
	struct gsched_version v = { 0 };

	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, 0), &v));
}

TEST_F(dev, size_larger_zero_tail)
{
	struct {
		struct gsched_version v;
		uint64_t tail[8];
	} big;

	memset(&big, 0, sizeof(big));
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, sizeof(big)), &big));
	EXPECT_EQ(GSCHED_ABI_VERSION, big.v.abi_version);
	EXPECT_EQ(sizeof(struct gsched_switch), big.v.size_switch);
	/* the kernel writes only the part it knows */
	for (unsigned int i = 0; i < 8; i++)
		EXPECT_EQ(0, big.tail[i]);
}

TEST_F(dev, size_largest_zero_tail)
{
	size_t size = _IOC_SIZEMASK;	/* the largest size a number holds */
	struct gsched_version *v = calloc(1, size);

	ASSERT_NE(NULL, v);
	EXPECT_EQ(0, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, size), v));
	EXPECT_EQ(GSCHED_ABI_VERSION, v->abi_version);
	free(v);
}

TEST_F(dev, size_larger_setup_zero_tail)
{
	struct {
		struct gsched_setup s;
		uint64_t tail[2];
	} big;

	memset(&big, 0, sizeof(big));
	big.s.nprocs = 2;
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, IOC_SIZED(0x01, sizeof(big)), &big));
	EXPECT_EQ(2, gs_sysfs_inst(big.s.instance_id, "gomaxprocs"));
	EXPECT_LT(0, big.s.max_tasks_out);
}

TEST_F(dev, size_larger_nonzero_tail)
{
	struct {
		struct gsched_version v;
		uint64_t tail[8];
	} big;

	memset(&big, 0, sizeof(big));
	big.tail[7] = 1ULL << 56;	/* the very last byte */
	EXPECT_EQ(-E2BIG, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, sizeof(big)),
				       &big));
	EXPECT_EQ(0, big.v.abi_version);
}

TEST_F(dev, size_larger_setup_nonzero_tail)
{
	struct {
		struct gsched_setup s;
		uint64_t tail[2];
	} big;

	memset(&big, 0, sizeof(big));
	big.s.nprocs = 1;
	big.tail[0] = 1;
	EXPECT_EQ(-E2BIG, gs_raw_ioctl(self->fd, IOC_SIZED(0x01, sizeof(big)),
				       &big));
	/* not set up: a correct SETUP still works */
	EXPECT_EQ(0, gs_setup(self->fd, 1, 0, NULL));
}

/*
 * A caller built against ABI version 1 passes the old, smaller SWITCH:
 * it still works, and nothing past its struct is written.
 */
TEST_F(rt, switch_v1_size)
{
	unsigned char raw[sizeof(struct gsched_switch) + 8];
	struct gsched_switch *sw = (struct gsched_switch *)raw;
	unsigned int nr = _IOC_NR(GSCHED_IOC_SWITCH);
	struct gsched_task_info ti;
	size_t i;

	memset(raw, 0xa5, sizeof(raw));
	memset(raw, 0, GSCHED_SWITCH_SIZE_VER1);
	sw->op = GSCHED_OP_YIELD;
	ASSERT_EQ(0, gs_raw_ioctl(self->fd,
			IOC_SIZED(nr, GSCHED_SWITCH_SIZE_VER1), raw));
	EXPECT_EQ(0, sw->next_flags);
	EXPECT_EQ(self->b_id, sw->next_id);
	EXPECT_EQ(COOKIE_B, sw->next_cookie);
	for (i = GSCHED_SWITCH_SIZE_VER1; i < sizeof(raw); i++)
		EXPECT_EQ(0xa5, raw[i]);
	/* smaller than version 1: refused, B keeps running */
	memset(raw, 0, sizeof(raw));
	sw->op = GSCHED_OP_YIELD;
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd,
			IOC_SIZED(nr, GSCHED_SWITCH_SIZE_VER1 - 8), raw));
	ASSERT_EQ(0, gs_info(self->fd, self->b_id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
}

/* SWITCH @op with junk in the output-only next_p and pad. */
static int switch_junk_out(int fd, unsigned int op, struct gsched_switch *sw)
{
	memset(sw, 0, sizeof(*sw));
	sw->op = op;
	sw->next_p = 7;
	sw->__out_pad = 9;
	return gs_raw_ioctl(fd, GSCHED_IOC_SWITCH, sw);
}

/*
 * next_p is output: whatever the caller leaves there is overwritten, with
 * the P (one P here: 0) or, once the runtime is over, 0.
 */
TEST_F(rt, switch_next_p_overwritten)
{
	struct gsched_switch sw;

	ASSERT_EQ(0, switch_junk_out(self->fd, GSCHED_OP_YIELD, &sw));
	EXPECT_EQ(self->b_id, sw.next_id);
	EXPECT_EQ(0, sw.next_p);
	EXPECT_EQ(0, sw.__out_pad);
	/* B ends, main runs */
	ASSERT_EQ(0, switch_junk_out(self->fd, GSCHED_OP_EXIT, &sw));
	EXPECT_EQ(self->main_id, sw.next_id);
	EXPECT_EQ(0, sw.next_p);
	EXPECT_EQ(0, sw.__out_pad);
	/* main ends: the runtime is over */
	ASSERT_EQ(0, switch_junk_out(self->fd, GSCHED_OP_EXIT, &sw));
	EXPECT_EQ(GSCHED_NEXT_EXIT, sw.next_flags);
	EXPECT_EQ(0, sw.next_p);
	EXPECT_EQ(0, sw.__out_pad);
}

/* ---- bad user memory ------------------------------------------------- */

TEST_F(dev, null_pointer)
{
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, NULL));
}

TEST_F(dev, prot_none_pointer)
{
	long pg = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, p));
	munmap(p, pg);
}

TEST_F(dev, pointer_straddles_prot_none)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_NONE));
	/* the first 8 bytes (flags, __pad: zero) readable, the rest not */
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION,
					p + pg - 8));
	munmap(p, 2 * pg);
}

TEST_F(dev, tail_in_prot_none)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t vs = sizeof(struct gsched_version);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_NONE));
	/* the known part readable, the unknown tail not */
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, IOC_SIZED(0x00, vs + 64),
					p + pg - vs));
	munmap(p, 2 * pg);
}

TEST_F(dev, readonly_output)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct gsched_version *v = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, v);
	ASSERT_EQ(0, mprotect(v, pg, PROT_READ));	/* zeroed: valid input */
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_VERSION, v));
	EXPECT_EQ(0, v->abi_version);
	munmap(v, pg);
}

/*
 * SWITCH picked a task but could not tell the caller: the task must not be
 * lost, the next SWITCH hands it out.
 */
TEST_F(ready, switch_readonly_output_keeps_task)
{
	long pg = sysconf(_SC_PAGESIZE);
	struct gsched_switch *sw = mmap(NULL, pg, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct gsched_switch ok;
	struct gsched_task_info ti;
	unsigned int id;

	ASSERT_NE(MAP_FAILED, sw);
	ASSERT_EQ(0, gs_spawn(self->fd, GSCHED_SPAWN_MAIN, GSCHED_NO_WORKER,
			      COOKIE_MAIN, &id));
	ASSERT_EQ(0, gs_worker(self->fd, 0));
	sw->worker = 0;
	sw->op = GSCHED_OP_NONE;
	ASSERT_EQ(0, mprotect(sw, pg, PROT_READ));
	EXPECT_EQ(-EFAULT, gs_raw_ioctl(self->fd, GSCHED_IOC_SWITCH, sw));
	ASSERT_EQ(0, gs_info(self->fd, id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNABLE, ti.state);
	ASSERT_EQ(0, gs_switch(self->fd, 0, GSCHED_OP_NONE, 0, 0, &ok));
	EXPECT_EQ(0, ok.next_flags);
	EXPECT_EQ(id, ok.next_id);
	EXPECT_EQ(COOKIE_MAIN, ok.next_cookie);
	ASSERT_EQ(0, gs_info(self->fd, id, &ti));
	EXPECT_EQ(GSCHED_TASK_RUNNING, ti.state);
	munmap(sw, pg);
}

ABI_TEST_MAIN
