/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks inside tasks, and the helpers around them, shared by the
 * selftests that run their work as gsched tasks. Tasks cannot ASSERT (the
 * kselftest macros return from the test function): they check with T_*,
 * which record the first failure; RUN_OK() runs the task as main and
 * reports it.
 *
 * T_GE(want, got) checks got >= want, and so on: the expectation first.
 *
 * Include after kselftest_harness.h, gsched.h and common.h.
 */
#ifndef GSCHED_SELFTEST_TASK_CHECK_H
#define GSCHED_SELFTEST_TASK_CHECK_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static atomic_int fails;
static char fail_msg[512];

static inline void t_fail(int line, const char *what, long long want,
			  long long got)
{
	if (atomic_fetch_add(&fails, 1) == 0)
		snprintf(fail_msg, sizeof(fail_msg),
			 "line %d: %s: expected %lld, got %lld", line, what,
			 want, got);
}

#define T_CMP(op, want, got) do {					\
	long long _w = (long long)(want), _g = (long long)(got);	\
	if (!(_g op _w))						\
		t_fail(__LINE__, #got " " #op " " #want, _w, _g);	\
} while (0)
#define T_EQ(want, got)	T_CMP(==, want, got)
#define T_NE(want, got)	T_CMP(!=, want, got)
#define T_GE(want, got)	T_CMP(>=, want, got)
#define T_GT(want, got)	T_CMP(>, want, got)
#define T_LE(want, got)	T_CMP(<=, want, got)
#define T_LT(want, got)	T_CMP(<, want, got)
#define T_TRUE(cond)	T_EQ(1, !!(cond))

/*
 * Run @fn(@arg) as main; it must return 0 and no T_* check may have
 * failed (since this run: the count starts again at 0).
 */
#define RUN_OK_ARG(opts, fn, arg) do {					\
	long _ev = -1;							\
	atomic_store(&fails, 0);					\
	ASSERT_EQ(0, gsched_run_opts(opts, fn, arg, &_ev));		\
	EXPECT_EQ(0, _ev);						\
	EXPECT_EQ(0, atomic_load(&fails)) TH_LOG("%s", fail_msg);	\
} while (0)
#define RUN_OK(opts, fn)	RUN_OK_ARG(opts, fn, NULL)


/* Spawn a joinable task. */
static inline int spawn_j(gsched_fn_t fn, void *arg)
{
	struct gsched_spawn_attr a = { .flags = GSCHED_JOINABLE };

	return gsched_spawn_ex(fn, arg, &a);
}

/*
 * Tasks that block in one channel operation (spawn them with @arg a
 * struct op_arg): a->ret and a->val tell what happened.
 */
struct op_arg {
	gsched_chan_t ch;
	long val;
	int ret;
};

static inline long do_recv(void *arg)
{
	struct op_arg *a = arg;

	a->ret = gsched_chan_recv(a->ch, &a->val);
	return a->ret;
}

static inline long do_send(void *arg)
{
	struct op_arg *a = arg;

	a->ret = gsched_chan_send(a->ch, &a->val);
	return a->ret;
}

/* Join @id: its exit value, or the join's -errno. */
static inline long join_val(int id)
{
	long v = -12345;
	int ret = gsched_join(id, &v);

	return ret ? ret : v;
}

/*
 * Wait until task @id is WAITING, yielding the first @yields times and
 * then sleeping 1 ms, @tries times in all; return its wait reason, -2 when
 * it died instead, -1 on error, -3 when it never blocked.
 */
static inline int wait_blocked_for(int id, int tries, int yields)
{
	struct gsched_task_info ti;
	int i;

	for (i = 0; i < tries; i++) {
		if (gsched_task_info(id, &ti))
			return -1;
		if (ti.state == GSCHED_TASK_WAITING)
			return (int)ti.wait_reason;
		if (ti.state == GSCHED_TASK_DEAD)
			return -2;
		if (i < yields)
			gsched_yield();
		else
			gsched_sleep(MS);
	}
	return -3;
}

/* Up to 100,000 yields. */
static inline int wait_blocked(int id)
{
	return wait_blocked_for(id, 100000, 100000);
}

/*
 * 1,000 yields, then 1 ms sleeps: about 20 s in all, for a task that may
 * take longer to get to its wait than yields cover.
 */
static inline int wait_blocked_sleeping(int id)
{
	return wait_blocked_for(id, 20000, 1000);
}

/* The state of @id as state * 100 + wait reason (SR()), or -1. */
static inline int task_sr(int id)
{
	struct gsched_task_info ti;

	if (gsched_task_info(id, &ti))
		return -1;
	return (int)(ti.state * 100 + ti.wait_reason);
}

#define SR(state, reason)	((state) * 100 + (reason))

/* Wait (sleeping 1 ms steps, up to ~1 s) for @v to become non-zero. */
static inline int flag_within_1s(atomic_int *v)
{
	int i;

	for (i = 0; i < 1000 && !atomic_load(v); i++)
		gsched_sleep(MS);
	return atomic_load(v);
}

#endif
