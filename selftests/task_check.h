/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks inside tasks, shared by the selftests that run their work as
 * gsched tasks. Tasks cannot ASSERT (the kselftest macros return from the
 * test function): they check with T_*, which record the first failure;
 * RUN_OK() runs the task as main and reports it.
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

#endif
