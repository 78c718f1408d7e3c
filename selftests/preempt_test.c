// SPDX-License-Identifier: GPL-2.0
/*
 * gsched preemption selftests: a task that runs too long is switched out at
 * the module's signal (SIGURG) and resumes later with its registers, FP
 * state and errno intact; it is never switched out inside libgsched, libc
 * or a signal handler of its own; preemption can be turned off; a process
 * killed while tasks are being preempted leaves the module clean.
 *
 * Three kinds of signals drive these tests:
 *  - the module's own, for a task that runs longer than its preempt_ms
 *    (endless_loop_*, fp_loop_one_p): skipped when preempt_ms is 0;
 *  - tgkill() to itself issued by a task with a raw `syscall` instruction
 *    in this file: the kernel delivers the signal on the way back to user
 *    space, so the interrupted PC is this program's code at a known
 *    instruction. That makes the library's decision deterministic
 *    (self_signal_*, registers_survive_*, no_preempt_*);
 *  - a helper thread that signals every thread of the process every few
 *    hundred microseconds, wherever they are (libc, libgsched, the
 *    scheduler loop, the program), as a stress (runtime_code_is_safe,
 *    fp_loop_two_p_signalled, freed_tasks_signalled,
 *    killed_while_preempted).
 *
 * No test asserts on timing: the waits are bounded only so that a broken
 * preemption fails instead of hanging (this runs under QEMU TCG).
 *
 * Every TEST runs in its own forked child (kselftest harness). Tasks cannot
 * use ASSERT_*: they record what happened, the test checks it afterwards.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"

static struct gsched_opts one_p = { .nprocs = 1 };
static struct gsched_opts two_p = { .nprocs = 2 };
static struct gsched_opts one_p_off = {
	.nprocs = 1, .flags = GSCHED_OPT_NO_PREEMPT,
};
static const struct gsched_spawn_attr joinable = { .flags = GSCHED_JOINABLE };


#define PARAM_PREEMPT_MS "/sys/module/gsched/parameters/preempt_ms"

/* The module's preempt_ms parameter, or -1 when it cannot be read. */
static long param_preempt_ms(void)
{
	char buf[32];

	if (gs_sysfs_read(PARAM_PREEMPT_MS, buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/*
 * NULL when the library will install its handler in gsched_run(), else
 * why not (for SKIP). @module_signals: the test also needs the module to
 * send signals on its own (preempt_ms != 0).
 */
static const char *preempt_missing(bool module_signals)
{
	const char *env = getenv("GSCHED_PREEMPT");
	struct gsched_version v;

	if (gsched_query(&v))
		return "no gsched module";
	if (!(v.features & GSCHED_FEAT_PREEMPT))
		return "module without GSCHED_FEAT_PREEMPT";
	if (env && !strcmp(env, "0"))
		return "GSCHED_PREEMPT=0 in the environment";
	if (module_signals && param_preempt_ms() == 0)
		return "module parameter preempt_ms is 0";
	return NULL;
}

/*
 * errno through a function call, so that the caller never keeps a TLS
 * address across a preemption point. The function itself still computes
 * &errno (a call into libc) and then loads or stores through it: a
 * preemption between the two would use the old thread's errno, the hazard
 * Documentation/gsched.rst describes for every cached TLS address. Block
 * the preemption signal around the access, the documented way to make a
 * region non-preemptible, so that what these tests check is the errno
 * value the runtime carries across switches, not that window.
 */
static void urg_block(sigset_t *old)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGURG);
	pthread_sigmask(SIG_BLOCK, &s, old);
}

static __attribute__((noinline)) void set_errno(int e)
{
	sigset_t old;

	urg_block(&old);
	errno = e;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static __attribute__((noinline)) int get_errno(void)
{
	sigset_t old;
	int e;

	urg_block(&old);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return e;
}

/*
 * tgkill(getpid(), gettid(), sig) by a raw system call, so that the signal
 * is delivered with the PC right after this `syscall` instruction: in this
 * program's code, not in libc's tgkill().
 */
static void raw_self_kill(int sig)
{
	long pid = getpid(), tid = gettid(), ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_tgkill), "D"(pid), "S"(tid), "d"((long)sig)
			 : "rcx", "r11", "memory");
}

/* ---- the helper thread that signals every thread ---- */

struct bomber {
	pthread_t thread;
	atomic_int stop;
	unsigned int period_us;
	atomic_ulong sent;
};

static void *bomber_fn(void *arg)
{
	struct bomber *b = arg;
	pid_t pid = getpid(), me = gettid();
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGURG);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	while (!atomic_load(&b->stop)) {
		DIR *d = opendir("/proc/self/task");
		struct dirent *e;

		if (!d)
			break;
		while ((e = readdir(d))) {
			pid_t tid = atoi(e->d_name);

			if (tid > 0 && tid != me && !tgkill(pid, tid, SIGURG))
				atomic_fetch_add(&b->sent, 1);
		}
		closedir(d);
		usleep(b->period_us);
	}
	return NULL;
}

static int bomber_start(struct bomber *b, unsigned int period_us)
{
	atomic_store(&b->stop, 0);
	atomic_store(&b->sent, 0);
	b->period_us = period_us;
	return pthread_create(&b->thread, NULL, bomber_fn, b);
}

static void bomber_stop(struct bomber *b)
{
	atomic_store(&b->stop, 1);
	pthread_join(b->thread, NULL);
}

/* ---- libgsched's code is one range (what the handler relies on) ---- */

/* weak: linked against libgsched.so, this program has no such section */
extern const char __start_gsched_text[] __attribute__((weak));
extern const char __stop_gsched_text[] __attribute__((weak));

/* libgsched's context switch (switch.S), hidden but linkable statically */
extern void gs_switch(void) __attribute__((weak));

static bool in_gsched_text(const void *fn)
{
	return (const char *)fn >= __start_gsched_text &&
	       (const char *)fn < __stop_gsched_text;
}

TEST(lib_code_in_one_section)
{
	if (!__start_gsched_text)
		SKIP(return, "libgsched is not linked statically");
	/* this binary links libgsched.a: its code is in gsched_text, and
	 * this test's own code is not */
	EXPECT_TRUE(in_gsched_text((const void *)gsched_run_opts));
	EXPECT_TRUE(in_gsched_text((const void *)gsched_yield));
	EXPECT_TRUE(in_gsched_text((const void *)gsched_chan_send));
	EXPECT_TRUE(in_gsched_text((const void *)gsched_mutex_lock));
	EXPECT_TRUE(in_gsched_text((const void *)gsched_preemptions));
	ASSERT_NE(NULL, (const void *)gs_switch);
	EXPECT_TRUE(in_gsched_text((const void *)gs_switch));
	EXPECT_FALSE(in_gsched_text((const void *)now_ns));
	EXPECT_FALSE(in_gsched_text((const void *)raw_self_kill));
}

/* ---- the signal's action while the runtime runs, and after ---- */

static long handler_installed_main(void *arg)
{
	struct sigaction sa;

	if (sigaction(SIGURG, NULL, &sa))
		return -1;
	return (sa.sa_flags & SA_SIGINFO) && sa.sa_handler != SIG_DFL &&
	       sa.sa_handler != SIG_IGN;
}

TEST(action_restored)
{
	void (*const before[])(int) = { SIG_DFL, SIG_IGN };
	const char *why = preempt_missing(false);
	struct sigaction sa;
	long ev = -1;
	int i;

	if (why)
		SKIP(return, "%s", why);
	for (i = 0; i < 2; i++) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = before[i];
		ASSERT_EQ(0, sigaction(SIGURG, &sa, NULL));
		ASSERT_EQ(0, gsched_run_opts(&one_p, handler_installed_main,
					     NULL, &ev));
		EXPECT_EQ(1, ev);
		ASSERT_EQ(0, sigaction(SIGURG, NULL, &sa));
		EXPECT_TRUE(sa.sa_handler == before[i]);
		EXPECT_FALSE(sa.sa_flags & SA_SIGINFO);
	}
}

static atomic_int user_urg_calls;

static void user_urg(int sig)
{
	atomic_fetch_add(&user_urg_calls, 1);
}

static long replace_handler_main(void *arg)
{
	struct sigaction sa = { .sa_handler = user_urg };

	return sigaction(SIGURG, &sa, NULL);
}

/* A program that installs its own handler while the runtime runs keeps it
 * (and loses preemption): gsched_run() does not put SIG_DFL back over it. */
TEST(action_replaced_kept)
{
	const char *why = preempt_missing(false);
	struct sigaction sa;
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, gsched_run_opts(&one_p, replace_handler_main, NULL, &ev));
	EXPECT_EQ(0, ev);
	ASSERT_EQ(0, sigaction(SIGURG, NULL, &sa));
	EXPECT_TRUE(sa.sa_handler == user_urg);
}

static long user_handler_main(void *arg)
{
	struct sigaction sa;

	if (sigaction(SIGURG, NULL, &sa) || sa.sa_handler != user_urg)
		return 1;
	raw_self_kill(SIGURG);
	return atomic_load(&user_urg_calls) == 1 ? 0 : 2;
}

/* A program's own SIGURG handler is left alone: no preemption then. */
TEST(user_handler_kept)
{
	unsigned long p0 = gsched_preemptions();
	struct sigaction sa = { .sa_handler = user_urg };
	long ev = -1;

	ASSERT_EQ(0, sigaction(SIGURG, &sa, NULL));
	ASSERT_EQ(0, gsched_run_opts(&one_p, user_handler_main, NULL, &ev));
	EXPECT_EQ(0, ev);
	ASSERT_EQ(0, sigaction(SIGURG, NULL, &sa));
	EXPECT_TRUE(sa.sa_handler == user_urg);
	EXPECT_EQ(p0, gsched_preemptions());
}

/*
 * The probes below count preemptions exactly and expect the waiting task
 * to run only when a probe's own signal switches it out. The module's
 * clock must stay out of it: on a slow kernel (the debug guest) a probe
 * can run longer than preempt_ms, and the clock's signal, landing in the
 * probe's own code, rightly preempts it. The fixture raises preempt_ms to
 * a minute for the test and puts it back afterwards.
 */
FIXTURE(quiet) {
	long saved_ms;
};

FIXTURE_SETUP(quiet)
{
	self->saved_ms = param_preempt_ms();
	if (self->saved_ms < 0)
		return;	/* no such module: preempt_missing() skips */
	ASSERT_EQ(0, gs_sysfs_write(PARAM_PREEMPT_MS, 60000));
}

FIXTURE_TEARDOWN(quiet)
{
	if (self->saved_ms >= 0)
		EXPECT_EQ(0, gs_sysfs_write(PARAM_PREEMPT_MS, self->saved_ms));
}

/* ---- a task signalled in its own code is switched out (1 P) ---- */

static volatile int other_ran;

static long set_other_ran(void *arg)
{
	other_ran = 1;
	return 0;
}

/*
 * Runs @probe with another task waiting in this P's runnext: that task can
 * only run during @probe if the probe's task is switched out.
 */
static long with_waiting_task(long (*probe)(void))
{
	if (gsched_spawn(set_other_ran, NULL) <= 0)
		return -100;
	other_ran = 0;
	return probe();
}

static long probe_raw_kill(void)
{
	raw_self_kill(SIGURG);
	return other_ran;	/* 1: we were switched out */
}

static long self_kill_main(void *arg)
{
	return with_waiting_task(probe_raw_kill);
}

TEST_F(quiet, self_signal_preempts)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, gsched_run_opts(&one_p, self_kill_main, NULL, &ev));
	EXPECT_EQ(1, ev);
	EXPECT_EQ(p0 + 1, gsched_preemptions());
}

/* The same signal sent from inside libc (raise, pthread_kill) is declined:
 * the PC is in libc when it is delivered. */
static long probe_libc_kill(void)
{
	int i;

	for (i = 0; i < 100; i++) {
		if (i & 1)
			raise(SIGURG);
		else
			pthread_kill(pthread_self(), SIGURG);
	}
	return other_ran;
}

static long libc_kill_main(void *arg)
{
	return with_waiting_task(probe_libc_kill);
}

TEST_F(quiet, no_preempt_in_libc)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, gsched_run_opts(&one_p, libc_kill_main, NULL, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(p0, gsched_preemptions());
}

/* A task that blocked signals (a critical section of its own) is not
 * switched out; once it unblocks them it is. */
static long probe_masked_kill(void)
{
	sigset_t s;
	long seen;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	raw_self_kill(SIGURG);
	seen = other_ran;
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	raw_self_kill(SIGURG);
	return seen * 10 + other_ran;	/* want 01 */
}

static long masked_kill_main(void *arg)
{
	return with_waiting_task(probe_masked_kill);
}

TEST_F(quiet, no_preempt_with_signals_blocked)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, gsched_run_opts(&one_p, masked_kill_main, NULL, &ev));
	EXPECT_EQ(1, ev);
	EXPECT_EQ(p0 + 1, gsched_preemptions());
}

/* Nor inside a signal handler of the program's own (it may have
 * interrupted libc). */
static volatile int in_handler_saw;

static void usr1_handler(int sig)
{
	raw_self_kill(SIGURG);
	in_handler_saw = other_ran ? 1 : 2;
}

static long probe_handler_kill(void)
{
	in_handler_saw = 0;
	raw_self_kill(SIGUSR1);
	return in_handler_saw * 10 + other_ran;	/* want 20 */
}

static long handler_kill_main(void *arg)
{
	return with_waiting_task(probe_handler_kill);
}

TEST_F(quiet, no_preempt_in_signal_handler)
{
	const char *why = preempt_missing(false);
	struct sigaction sa = { .sa_handler = usr1_handler };
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, gsched_run_opts(&one_p, handler_kill_main, NULL, &ev));
	EXPECT_EQ(20, ev);
	EXPECT_EQ(p0, gsched_preemptions());
}

/* Nor on an alternate signal stack, even with a handler that blocks
 * nothing (SA_NODEFER): only the interrupted stack pointer tells. */
static char alt_stack[64 * 1024];

static long probe_altstack_kill(void)
{
	stack_t ss = { .ss_sp = alt_stack, .ss_size = sizeof(alt_stack) };
	struct sigaction sa = {
		.sa_handler = usr1_handler,
		.sa_flags = SA_ONSTACK | SA_NODEFER,
	};

	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR1, &sa, NULL))
		return -1;
	in_handler_saw = 0;
	raw_self_kill(SIGUSR1);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	return in_handler_saw * 10 + other_ran;	/* want 20 */
}

static long altstack_kill_main(void *arg)
{
	return with_waiting_task(probe_altstack_kill);
}

TEST_F(quiet, no_preempt_on_alt_stack)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	/* one P: the task stays on the thread whose alternate stack it set */
	ASSERT_EQ(0, gsched_run_opts(&one_p, altstack_kill_main, NULL, &ev));
	EXPECT_EQ(20, ev);
	EXPECT_EQ(p0, gsched_preemptions());
}

/* ---- every register survives a preemption ---- */

/*
 * The register file as reg_probe() loads and stores it. gpr: rbx rbp r8
 * r9 r10 r12 r13 r14 r15, then rdi rsi rdx (tgkill's arguments: pid, tid,
 * signal, which the kernel preserves).
 */
struct regset {
	uint64_t gpr[12];
	uint32_t mxcsr;
	uint16_t fcw;
	uint16_t pad[5];
	uint8_t xmm[16][16];
	long double st[2];
};

struct probe {
	struct regset in, out;
};

_Static_assert(offsetof(struct regset, mxcsr) == 96, "asm offsets");
_Static_assert(offsetof(struct regset, fcw) == 100, "asm offsets");
_Static_assert(offsetof(struct regset, xmm) == 112, "asm offsets");
_Static_assert(offsetof(struct regset, st) == 368, "asm offsets");
_Static_assert(sizeof(struct regset) == 400, "asm offsets");

void reg_probe(struct probe *p);

/*
 * Load every register from p->in, tgkill() by a raw system call (the
 * signal is delivered right after it, in this code), store every register
 * into p->out. rax, rcx and r11 are the system call's.
 */
__asm__(
"	.text\n"
"	.globl	reg_probe\n"
"	.type	reg_probe, @function\n"
"	.p2align 4\n"
"reg_probe:\n"
"	pushq	%rbx\n"
"	pushq	%rbp\n"
"	pushq	%r12\n"
"	pushq	%r13\n"
"	pushq	%r14\n"
"	pushq	%r15\n"
"	pushq	%rdi\n"			/* 16(%rsp): p */
"	subq	$16, %rsp\n"
"	stmxcsr	0(%rsp)\n"		/* the caller's control words */
"	fnstcw	4(%rsp)\n"
"	ldmxcsr	96(%rdi)\n"
"	fldcw	100(%rdi)\n"
"	movdqu	112(%rdi), %xmm0\n"
"	movdqu	128(%rdi), %xmm1\n"
"	movdqu	144(%rdi), %xmm2\n"
"	movdqu	160(%rdi), %xmm3\n"
"	movdqu	176(%rdi), %xmm4\n"
"	movdqu	192(%rdi), %xmm5\n"
"	movdqu	208(%rdi), %xmm6\n"
"	movdqu	224(%rdi), %xmm7\n"
"	movdqu	240(%rdi), %xmm8\n"
"	movdqu	256(%rdi), %xmm9\n"
"	movdqu	272(%rdi), %xmm10\n"
"	movdqu	288(%rdi), %xmm11\n"
"	movdqu	304(%rdi), %xmm12\n"
"	movdqu	320(%rdi), %xmm13\n"
"	movdqu	336(%rdi), %xmm14\n"
"	movdqu	352(%rdi), %xmm15\n"
"	fldt	384(%rdi)\n"
"	fldt	368(%rdi)\n"
"	movq	0(%rdi), %rbx\n"
"	movq	8(%rdi), %rbp\n"
"	movq	16(%rdi), %r8\n"
"	movq	24(%rdi), %r9\n"
"	movq	32(%rdi), %r10\n"
"	movq	40(%rdi), %r12\n"
"	movq	48(%rdi), %r13\n"
"	movq	56(%rdi), %r14\n"
"	movq	64(%rdi), %r15\n"
"	movq	80(%rdi), %rsi\n"
"	movq	88(%rdi), %rdx\n"
"	movq	72(%rdi), %rdi\n"
"	movl	$" "234" ", %eax\n"	/* SYS_tgkill */
"	syscall\n"
"	xchgq	16(%rsp), %rbx\n"	/* rbx = p, the slot = rbx */
"	addq	$400, %rbx\n"		/* &p->out */
"	movq	%rbp, 8(%rbx)\n"
"	movq	%r8, 16(%rbx)\n"
"	movq	%r9, 24(%rbx)\n"
"	movq	%r10, 32(%rbx)\n"
"	movq	%r12, 40(%rbx)\n"
"	movq	%r13, 48(%rbx)\n"
"	movq	%r14, 56(%rbx)\n"
"	movq	%r15, 64(%rbx)\n"
"	movq	%rdi, 72(%rbx)\n"
"	movq	%rsi, 80(%rbx)\n"
"	movq	%rdx, 88(%rbx)\n"
"	movq	16(%rsp), %rax\n"
"	movq	%rax, 0(%rbx)\n"
"	stmxcsr	96(%rbx)\n"
"	fnstcw	100(%rbx)\n"
"	movdqu	%xmm0, 112(%rbx)\n"
"	movdqu	%xmm1, 128(%rbx)\n"
"	movdqu	%xmm2, 144(%rbx)\n"
"	movdqu	%xmm3, 160(%rbx)\n"
"	movdqu	%xmm4, 176(%rbx)\n"
"	movdqu	%xmm5, 192(%rbx)\n"
"	movdqu	%xmm6, 208(%rbx)\n"
"	movdqu	%xmm7, 224(%rbx)\n"
"	movdqu	%xmm8, 240(%rbx)\n"
"	movdqu	%xmm9, 256(%rbx)\n"
"	movdqu	%xmm10, 272(%rbx)\n"
"	movdqu	%xmm11, 288(%rbx)\n"
"	movdqu	%xmm12, 304(%rbx)\n"
"	movdqu	%xmm13, 320(%rbx)\n"
"	movdqu	%xmm14, 336(%rbx)\n"
"	movdqu	%xmm15, 352(%rbx)\n"
"	fstpt	368(%rbx)\n"
"	fstpt	384(%rbx)\n"
"	ldmxcsr	0(%rsp)\n"
"	fldcw	4(%rsp)\n"
"	addq	$24, %rsp\n"
"	popq	%r15\n"
"	popq	%r14\n"
"	popq	%r13\n"
"	popq	%r12\n"
"	popq	%rbp\n"
"	popq	%rbx\n"
"	ret\n"
"	.size	reg_probe, .-reg_probe\n");

#define NPROBE_TASKS	4

struct probe_task {
	int idx;
	int rounds;
	int bad_gpr, bad_ctl, bad_xmm, bad_st, bad_errno;
	int interleaved;	/* another task ran during the probe */
	int migrated;		/* resumed on another worker */
};

static struct probe_task ptask[NPROBE_TASKS];
static int nptasks;
static atomic_int probes_started;

static void regset_fill(struct regset *r, int idx, int round)
{
	unsigned int rc = (unsigned int)(idx + round) & 3;
	uint64_t salt = ((uint64_t)idx << 56) ^ ((uint64_t)round << 40);
	int i, j;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 9; i++)
		r->gpr[i] = 0x0101010101010101ull * (uint64_t)(i + 1) ^ salt;
	r->gpr[9] = (uint64_t)getpid();
	r->gpr[10] = (uint64_t)gettid();
	r->gpr[11] = SIGURG;
	r->mxcsr = 0x1f80 | rc << 13;		/* rounding mode per task */
	r->fcw = 0x037f | rc << 10;
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			r->xmm[i][j] = (uint8_t)(idx * 64 + i * 16 + j + round);
	r->st[0] = 1.0L / 3.0L + idx + round;
	r->st[1] = -2.0L / 7.0L - idx * 1000 - round;
}

static void probe_check(struct probe_task *me, const struct probe *p)
{
	int i;

	for (i = 0; i < 12; i++)
		if (p->out.gpr[i] != p->in.gpr[i])
			me->bad_gpr++;
	if (p->out.mxcsr != p->in.mxcsr || p->out.fcw != p->in.fcw)
		me->bad_ctl++;
	if (memcmp(p->out.xmm, p->in.xmm, sizeof(p->in.xmm)))
		me->bad_xmm++;
	/* 80-bit values: compare the 10 bytes that are the value */
	if (memcmp(&p->out.st[0], &p->in.st[0], 10) ||
	    memcmp(&p->out.st[1], &p->in.st[1], 10))
		me->bad_st++;
}

static long probe_task_fn(void *arg)
{
	struct probe_task *me = arg;
	struct probe p;
	int r, started, w;

	for (r = 0; r < me->rounds; r++) {
		regset_fill(&p.in, me->idx, r);
		set_errno(1000 + me->idx * 100 + r);
		started = atomic_fetch_add(&probes_started, 1) + 1;
		w = gsched_worker();
		reg_probe(&p);
		if (gsched_worker() != w)
			me->migrated++;
		if (atomic_load(&probes_started) != started)
			me->interleaved++;
		if (get_errno() != 1000 + me->idx * 100 + r)
			me->bad_errno++;
		probe_check(me, &p);
	}
	return 0;
}

static long probe_main(void *arg)
{
	int ids[NPROBE_TASKS], i;

	for (i = 0; i < nptasks; i++) {
		ids[i] = gsched_spawn_ex(probe_task_fn, &ptask[i], &joinable);
		if (ids[i] <= 0)
			return -1;
	}
	for (i = 0; i < nptasks; i++)
		if (gsched_join(ids[i], NULL))
			return -2;
	return 0;
}

static void probe_setup(int ntasks, int rounds)
{
	int i;

	nptasks = ntasks;
	for (i = 0; i < ntasks; i++)
		ptask[i] = (struct probe_task){ .idx = i, .rounds = rounds };
}

/*
 * One P, two tasks: each is switched out in the middle of its probe (at
 * the syscall), the other runs its own probe with other values, rounding
 * modes and errno, then the first resumes: everything it had is intact.
 */
TEST(registers_survive_one_p)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;
	int i;

	if (why)
		SKIP(return, "%s", why);
	probe_setup(2, 20);
	ASSERT_EQ(0, gsched_run_opts(&one_p, probe_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, ptask[i].bad_gpr);
		EXPECT_EQ(0, ptask[i].bad_ctl);
		EXPECT_EQ(0, ptask[i].bad_xmm);
		EXPECT_EQ(0, ptask[i].bad_st);
		EXPECT_EQ(0, ptask[i].bad_errno);
		/* the last probe has no one left to interleave with */
		EXPECT_GE(ptask[i].interleaved, 19);
	}
	EXPECT_GE(gsched_preemptions() - p0, 40ul);
}

/* Two Ps, four tasks: a preempted task may resume on the other worker. */
TEST(registers_survive_two_p)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	int i, migrated = 0;
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	probe_setup(4, 50);
	ASSERT_EQ(0, gsched_run_opts(&two_p, probe_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, ptask[i].bad_gpr);
		EXPECT_EQ(0, ptask[i].bad_ctl);
		EXPECT_EQ(0, ptask[i].bad_xmm);
		EXPECT_EQ(0, ptask[i].bad_st);
		EXPECT_EQ(0, ptask[i].bad_errno);
		migrated += ptask[i].migrated;
	}
	EXPECT_GE(gsched_preemptions() - p0, 1ul);
	TH_LOG("%lu preemptions, %d probes resumed on another worker",
	       gsched_preemptions() - p0, migrated);
}

/* ---- an endless loop does not stop the others ---- */

static volatile int flag;
static atomic_int spin_timed_out, spin_saw_other;

static long raise_flag(void *arg)
{
	flag = 1;
	return 0;
}

/*
 * Spawn a task (it goes to this P's runnext and cannot run while we do on
 * one P), then spin until it has run, giving up after @arg ms.
 */
static long spin_until_flag(void *arg)
{
	uint64_t deadline = now_ns() + (uint64_t)(uintptr_t)arg * 1000000;
	unsigned long n = 0;

	if (gsched_spawn(raise_flag, NULL) <= 0)
		return -1;
	while (!flag) {
		if (!(++n & 4095) && now_ns() > deadline) {
			atomic_store(&spin_timed_out, 1);
			break;
		}
	}
	return 0;
}

/* Spin for @arg ms whatever happens; note whether the other task ran. */
static long spin_for(void *arg)
{
	uint64_t deadline = now_ns() + (uint64_t)(uintptr_t)arg * 1000000;

	if (gsched_spawn(raise_flag, NULL) <= 0)
		return -1;
	while (now_ns() < deadline)
		if (flag)
			atomic_store(&spin_saw_other, 1);
	return 0;
}

/* @arg NULL: spin_for() 300 ms; else spin_until_flag(), 60 s at most */
static long spin_main(void *arg)
{
	int id = arg ? gsched_spawn_ex(spin_until_flag, (void *)60000ul,
				       &joinable)
		     : gsched_spawn_ex(spin_for, (void *)300ul, &joinable);
	long v = -1;
	int i;

	if (id <= 0 || gsched_join(id, &v))
		return -1;
	/* the join may have woken us ahead of raise_flag: let it run */
	for (i = 0; i < 1000 && !flag; i++)
		gsched_yield();
	return v;
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

TEST_F_TIMEOUT(slow, endless_loop_preempted, 180)
{
	const char *why = preempt_missing(true);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, gsched_run_opts(&one_p, spin_main, (void *)1, &ev));
	ASSERT_EQ(0, ev);
	EXPECT_EQ(1, flag);
	EXPECT_EQ(0, spin_timed_out);
	EXPECT_GE(gsched_preemptions() - p0, 1ul);
}

/* Preemption off (documented): the spinner keeps the only P. */
static long handler_absent_then_spin(void *arg)
{
	struct sigaction sa;

	if (sigaction(SIGURG, NULL, &sa) || sa.sa_handler != SIG_DFL)
		return -2;
	return spin_main(arg);
}

TEST_F_TIMEOUT(slow, endless_loop_opt_no_preempt, 120)
{
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	ASSERT_EQ(0, gsched_run_opts(&one_p_off, handler_absent_then_spin,
				     NULL, &ev));
	ASSERT_EQ(0, ev);
	EXPECT_EQ(0, spin_saw_other);
	EXPECT_EQ(1, flag);		/* it ran once the spinner stopped */
	EXPECT_EQ(p0, gsched_preemptions());
}

TEST_F_TIMEOUT(slow, endless_loop_env_no_preempt, 120)
{
	unsigned long p0 = gsched_preemptions();
	long ev = -1;

	ASSERT_EQ(0, setenv("GSCHED_PREEMPT", "0", 1));
	ASSERT_EQ(0, gsched_run_opts(&one_p, handler_absent_then_spin, NULL,
				     &ev));
	ASSERT_EQ(0, ev);
	EXPECT_EQ(0, spin_saw_other);
	EXPECT_EQ(1, flag);
	EXPECT_EQ(p0, gsched_preemptions());
}

/*
 * A task inside long libc calls declines the module's signals (the PC is
 * in libc). The re-sends back off, 1, 2, 4 and 8 ms apart and then every
 * preempt_ms, instead of coming every millisecond. Each gap only grows
 * when the timer or its work item runs late, so a stretch of t ms without
 * a switch draws at most 5 + t / preempt_ms + 1 signals however slow the
 * guest; a re-send every millisecond draws about t - preempt_ms.
 */
#define LIBC_MIN_MS	400
#define LIBC_MIN_SIGNALS 8

static struct {
	long long signals;		/* the instance's sysfs preemptions */
	unsigned long switched;		/* gsched_preemptions() */
	uint64_t ns;
} in_libc;

static long stay_in_libc(void *arg)
{
	void *(*volatile scan)(const void *, int, size_t) = memchr;
	size_t len = 16u << 20;
	char *buf = calloc(1, len);
	int id = gsched_instance_id();
	long long s0 = gs_sysfs_inst(id, "preemptions");
	unsigned long p0 = gsched_preemptions();
	uint64_t t0 = now_ns(), t;

	if (!buf || s0 < 0)
		return -1;
	/* until enough signals came and LIBC_MIN_MS passed; 60 s at most */
	do {
		if (scan(buf, 1, len))
			return -2;
		in_libc.signals = gs_sysfs_inst(id, "preemptions") - s0;
		t = now_ns() - t0;
	} while ((in_libc.signals < LIBC_MIN_SIGNALS ||
		  t < LIBC_MIN_MS * 1000000ull) && t < 60000000000ull);
	in_libc.ns = t;
	in_libc.switched = gsched_preemptions() - p0;
	free(buf);
	return 0;
}

TEST_F_TIMEOUT(slow, declined_signals_back_off, 180)
{
	const char *why = preempt_missing(true);
	long period_ms = param_preempt_ms();
	long long stretches, bound;
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_LT(0, period_ms);
	ASSERT_EQ(0, gsched_run_opts(&one_p, stay_in_libc, NULL, &ev));
	ASSERT_EQ(0, ev);
	/* the clock works: the task was signalled */
	ASSERT_LE(LIBC_MIN_SIGNALS, in_libc.signals);
	/* a switch (a signal landing between two calls) restarts the clock */
	stretches = in_libc.switched + 1;
	bound = stretches * 6 + in_libc.ns / (period_ms * 1000000ull);
	TH_LOG("%lld signals in %llu ms, %lu switched out, bound %lld",
	       in_libc.signals, (unsigned long long)(in_libc.ns / 1000000),
	       in_libc.switched, bound);
	EXPECT_GE(bound, in_libc.signals);
}

/* ---- floating-point loops, switched out anywhere in them ---- */

struct fp_out {
	double d;
	long double x;
	uint64_t i;
};

/*
 * Eight double chains, an x87 chain and six integer chains: enough live
 * values that the compiler keeps them in xmm, x87 and callee-saved
 * registers across the loop. The result depends on the rounding mode.
 */
static __attribute__((noinline)) void fp_chunk(unsigned int seed,
					       volatile unsigned long *tick,
					       struct fp_out *o)
{
	double d0 = seed + 0.5, d1 = 1.25, d2 = -0.75, d3 = 3.0 + seed;
	double d4 = 0.1, d5 = -0.2, d6 = 0.3 * seed, d7 = 1e-3;
	long double x = 1.0L + seed;
	uint64_t a = seed + 1, b = 0x9e3779b97f4a7c15ull, c = 7, e = 11;
	uint64_t f = 13, g = 17;
	unsigned int i;

	for (i = 0; i < 40000; i++) {
		d0 = d0 * 0.9999999 + d1 * 1e-7;
		d1 = d1 * 1.0000001 - d2 * 3e-8;
		d2 = d2 + d3 * 1e-9 - d4 * 1e-9;
		d3 = d3 * 0.99999999 + d5 / 7.0;
		d4 = d4 + d6 * 1e-10 + d0 * 1e-12;
		d5 = d5 * 0.9999 + d7;
		d6 = d6 / 1.0000003 + d1 * 1e-11;
		d7 = d7 * 0.999999 + 1e-9;
		x = x * 1.0000000001L + d0 / 3.0;
		a = a * 6364136223846793005ull + b;
		b ^= a >> 13;
		c += b * 3 + (a >> 7);
		e ^= c << 5;
		f += e + (uint64_t)i;
		g = g * 31 + f;
		if (!(i & 1023))
			(*tick)++;
	}
	o->d = d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7;
	o->x = x;
	o->i = a ^ b ^ c ^ e ^ f ^ g;
}

static void set_rounding(unsigned int rc)
{
	uint32_t mxcsr;
	uint16_t cw;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	mxcsr = (mxcsr & ~0x6000u) | rc << 13;
	__asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(cw));
	cw = (uint16_t)((cw & ~0x0c00u) | rc << 10);
	__asm__ volatile("fldcw %0" : : "m"(cw));
}

static uint32_t get_mxcsr(void)
{
	uint32_t mxcsr;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	return mxcsr;
}

#define NFP	4

struct fp_task {
	int idx;
	volatile unsigned long tick;
	atomic_int done;
	int chunks, bad_fp, bad_ctl, bad_errno, interleaved;
};

static struct fp_task fpt[NFP];
static struct fp_out fp_expect[NFP];
static int nfp, fp_want_interleaved;
static uint64_t fp_deadline;

static unsigned long fp_others_ticks(const struct fp_task *me)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < nfp; i++)
		if (&fpt[i] != me)
			sum += fpt[i].tick;
	return sum;
}

static bool fp_enough(const struct fp_task *me)
{
	int i, others_done = 1;

	if (now_ns() > fp_deadline)
		return true;
	if (!fp_want_interleaved)
		return me->chunks >= 20;
	for (i = 0; i < nfp; i++) {
		if (&fpt[i] == me)
			continue;
		if (!atomic_load(&fpt[i].done))
			others_done = 0;
		if (!atomic_load(&fpt[i].done) && fpt[i].interleaved < 3)
			return false;
	}
	return others_done || me->interleaved >= 3;
}

static long fp_task_fn(void *arg)
{
	struct fp_task *me = arg;
	unsigned int rc = (unsigned int)me->idx & 3;
	struct fp_out o;

	set_rounding(rc);
	do {
		unsigned long t0 = fp_others_ticks(me);

		set_errno(2000 + me->idx);
		memset(&o, 0, sizeof(o));
		fp_chunk((unsigned int)me->idx, &me->tick, &o);
		if (memcmp(&o.d, &fp_expect[me->idx].d, sizeof(o.d)) ||
		    memcmp(&o.x, &fp_expect[me->idx].x, 10) ||
		    o.i != fp_expect[me->idx].i)
			me->bad_fp++;
		if ((get_mxcsr() & 0x6000) != rc << 13)
			me->bad_ctl++;
		if (get_errno() != 2000 + me->idx)
			me->bad_errno++;
		if (fp_others_ticks(me) != t0)
			me->interleaved++;
		me->chunks++;
	} while (!fp_enough(me));
	atomic_store(&me->done, 1);
	return 0;
}

static long fp_main(void *arg)
{
	int ids[NFP], i;

	for (i = 0; i < nfp; i++) {
		ids[i] = gsched_spawn_ex(fp_task_fn, &fpt[i], &joinable);
		if (ids[i] <= 0)
			return -1;
	}
	for (i = 0; i < nfp; i++)
		if (gsched_join(ids[i], NULL))
			return -2;
	return 0;
}

static void fp_setup(int n, bool want_interleaved)
{
	volatile unsigned long dummy = 0;
	int i;

	nfp = n;
	fp_want_interleaved = want_interleaved;
	for (i = 0; i < n; i++) {
		fpt[i] = (struct fp_task){ .idx = i };
		memset(&fp_expect[i], 0, sizeof(fp_expect[i]));
		set_rounding((unsigned int)i & 3);
		fp_chunk((unsigned int)i, &dummy, &fp_expect[i]);
	}
	set_rounding(0);
	fp_deadline = now_ns() + 60ull * 1000000000;
}

/*
 * One P, module preemption only: two tasks with different rounding modes
 * run long FP loops; each must be switched out in the middle of a loop
 * (the other task's progress shows it) and still compute exactly what it
 * computes alone.
 */
TEST_F_TIMEOUT(slow, fp_loop_one_p, 300)
{
	const char *why = preempt_missing(true);
	unsigned long p0 = gsched_preemptions();
	long ev = -1;
	int i;

	if (why)
		SKIP(return, "%s", why);
	fp_setup(2, true);
	ASSERT_EQ(0, gsched_run_opts(&one_p, fp_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, fpt[i].bad_fp);
		EXPECT_EQ(0, fpt[i].bad_ctl);
		EXPECT_EQ(0, fpt[i].bad_errno);
		EXPECT_GE(fpt[i].interleaved, 1);
		TH_LOG("task %d: %d chunks, %d interleaved", i, fpt[i].chunks,
		       fpt[i].interleaved);
	}
	EXPECT_GE(gsched_preemptions() - p0, 1ul);
}

/* Two Ps, four tasks, signals every few hundred microseconds. */
TEST_F_TIMEOUT(slow, fp_loop_two_p_signalled, 300)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	struct bomber b;
	long ev = -1;
	int i;

	if (why)
		SKIP(return, "%s", why);
	fp_setup(4, false);
	ASSERT_EQ(0, bomber_start(&b, 300));
	ASSERT_EQ(0, gsched_run_opts(&two_p, fp_main, NULL, &ev));
	bomber_stop(&b);
	ASSERT_EQ(0, ev);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(0, fpt[i].bad_fp);
		EXPECT_EQ(0, fpt[i].bad_ctl);
		EXPECT_EQ(0, fpt[i].bad_errno);
	}
	EXPECT_GE(gsched_preemptions() - p0, 1ul);
	TH_LOG("%lu signals, %lu preemptions", atomic_load(&b.sent),
	       gsched_preemptions() - p0);
}

/* ---- signals everywhere: libgsched and libc are never interrupted ---- */

#define NPAIRS		6
#define NMIXED		4
#define NCHURN		100

/* rounds per ping-pong pair and per mixed task: 300 and 1500, scaled */
static long pp_rounds, mixed_rounds;

static void stress_sizes(struct __test_metadata *_metadata)
{
	pp_rounds = gs_scaled(300, 30);
	mixed_rounds = gs_scaled(1500, 150);
	TH_LOG("%d pairs x %ld rounds, %d mixed x %ld rounds", NPAIRS,
	       pp_rounds, NMIXED, mixed_rounds);
}

static atomic_int stress_bad, spin_stop;
static gsched_wg_t stress_wg;
static gsched_mutex_t stress_mu;
static unsigned long stress_shared;	/* under stress_mu */

struct pp_pair {
	gsched_chan_t ping, pong;
	int forever;
};

static struct pp_pair pairs[NPAIRS];

static long pinger(void *arg)
{
	struct pp_pair *p = arg;
	unsigned long i, v;

	for (i = 0; p->forever || i < (unsigned long)pp_rounds; i++) {
		if (gsched_chan_send(p->ping, &i) ||
		    gsched_chan_recv(p->pong, &v) != 1 || v != i + 1)
			atomic_fetch_add(&stress_bad, 1);
	}
	gsched_wg_done(&stress_wg);
	return 0;
}

static long ponger(void *arg)
{
	struct pp_pair *p = arg;
	unsigned long i, v;

	for (i = 0; p->forever || i < (unsigned long)pp_rounds; i++) {
		if (gsched_chan_recv(p->ping, &v) != 1 || v != i)
			atomic_fetch_add(&stress_bad, 1);
		v++;
		if (gsched_chan_send(p->pong, &v))
			atomic_fetch_add(&stress_bad, 1);
	}
	gsched_wg_done(&stress_wg);
	return 0;
}

/* Long stretches of libc and non-blocking libgsched calls with no
 * scheduling event in between. */
static long mixed(void *arg)
{
	int idx = (int)(intptr_t)arg, id = gsched_self(), bad = 0;
	FILE *f = fopen("/dev/null", "w");
	unsigned long r, v, got;
	gsched_chan_t ch;
	char buf[128];

	if (!f || gsched_chan_make(&ch, sizeof(unsigned long), 16)) {
		atomic_fetch_add(&stress_bad, 1000);
		gsched_wg_done(&stress_wg);
		return 0;
	}
	for (r = 0; r < (unsigned long)mixed_rounds; r++) {
		size_t sz = 16 + (r * 37) % 4000;
		char *p = malloc(sz);

		if (!p) {
			bad++;
			break;
		}
		memset(p, (int)(r & 0x7f), sz);
		snprintf(buf, sizeof(buf), "%d:%lu:%zu", idx, r, sz);
		if (strtoul(strchr(buf, ':') + 1, NULL, 10) != r)
			bad++;
		fprintf(f, "%s\n", buf);
		for (v = 0; v < 8; v++) {
			got = r * 8 + v;
			if (gsched_chan_trysend(ch, &got))
				bad++;
		}
		for (v = 0; v < 8; v++)
			if (gsched_chan_tryrecv(ch, &got) != 1 ||
			    got != r * 8 + v)
				bad++;
		if (gsched_self() != id || p[sz - 1] != (char)(r & 0x7f))
			bad++;
		free(p);
		if (gsched_mutex_lock(&stress_mu))
			bad++;
		stress_shared++;
		if (gsched_mutex_unlock(&stress_mu))
			bad++;
		if (!(r % 64))
			gsched_yield();
	}
	fclose(f);
	gsched_chan_release(ch);
	atomic_fetch_add(&stress_bad, bad);
	gsched_wg_done(&stress_wg);
	return 0;
}

static long twice(void *arg)
{
	return 2 * (long)(intptr_t)arg;
}

static long churn(void *arg)
{
	int ids[NCHURN], i;
	long v;

	for (i = 0; i < NCHURN; i++)
		ids[i] = gsched_spawn_ex(twice, (void *)(intptr_t)i, &joinable);
	for (i = 0; i < NCHURN; i++)
		if (ids[i] <= 0 || gsched_join(ids[i], &v) || v != 2 * i)
			atomic_fetch_add(&stress_bad, 1);
	gsched_wg_done(&stress_wg);
	return 0;
}

static volatile unsigned long spin_sink;

static long spinner(void *arg)
{
	uint64_t deadline = now_ns() + 120ull * 1000000000;
	unsigned long n = 0;

	while (!atomic_load_explicit(&spin_stop, memory_order_relaxed)) {
		spin_sink += n++;
		if (!(n & 4095) && now_ns() > deadline)
			break;
	}
	return 0;
}

static int stress_spawn_all(bool forever, int *spin_ids)
{
	int i;

	for (i = 0; i < NPAIRS; i++) {
		pairs[i].forever = forever;
		if (gsched_chan_make(&pairs[i].ping, sizeof(unsigned long), 0) ||
		    gsched_chan_make(&pairs[i].pong, sizeof(unsigned long), 0) ||
		    gsched_spawn(pinger, &pairs[i]) <= 0 ||
		    gsched_spawn(ponger, &pairs[i]) <= 0)
			return -1;
	}
	for (i = 0; i < NMIXED; i++)
		if (gsched_spawn(mixed, (void *)(intptr_t)i) <= 0)
			return -1;
	if (gsched_spawn(churn, NULL) <= 0)
		return -1;
	for (i = 0; i < 2; i++) {
		spin_ids[i] = gsched_spawn_ex(spinner, NULL, &joinable);
		if (spin_ids[i] <= 0)
			return -1;
	}
	return 0;
}

static long stress_main(void *arg)
{
	int spin_ids[2];

	if (gsched_wg_init(&stress_wg) || gsched_mutex_init(&stress_mu) ||
	    gsched_wg_add(&stress_wg, 2 * NPAIRS + NMIXED + 1) ||
	    stress_spawn_all(false, spin_ids))
		return -1;
	if (gsched_wg_wait(&stress_wg))
		return -2;
	atomic_store(&spin_stop, 1);
	if (gsched_join(spin_ids[0], NULL) || gsched_join(spin_ids[1], NULL))
		return -3;
	return 0;
}

TEST_F_TIMEOUT(slow, runtime_code_is_safe, 600)
{
	const char *why = preempt_missing(false);
	unsigned long p0 = gsched_preemptions();
	struct bomber b;
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	stress_sizes(_metadata);
	ASSERT_EQ(0, bomber_start(&b, 200));
	ASSERT_EQ(0, gsched_run_opts(&two_p, stress_main, NULL, &ev));
	bomber_stop(&b);
	ASSERT_EQ(0, ev);
	EXPECT_EQ(0, stress_bad);
	EXPECT_EQ((unsigned long)NMIXED * mixed_rounds, stress_shared);
	EXPECT_GE(gsched_preemptions() - p0, 1ul);
	TH_LOG("%lu signals, %lu preemptions", atomic_load(&b.sent),
	       gsched_preemptions() - p0);
}

/*
 * Signals that reach a worker on g0 (idle in the module, or between two
 * tasks) while the task it ran last has meanwhile ended on the other
 * worker: with minimum-size stacks, which are unmapped on exit, the
 * handler must not even look at that task.
 */
#define BATCH		4

static atomic_int short_done;
static long nbatch;	/* 400 batches, scaled */

static long short_lived(void *arg)
{
	gsched_yield();
	gsched_sleep(50000);
	gsched_yield();
	atomic_fetch_add(&short_done, 1);
	return (long)(intptr_t)arg;
}

static long short_lived_main(void *arg)
{
	int ids[BATCH], i, j;
	long v;

	for (i = 0; i < nbatch; i++) {
		for (j = 0; j < BATCH; j++) {
			ids[j] = gsched_spawn_ex(short_lived, (void *)(intptr_t)j,
						 &joinable);
			if (ids[j] <= 0)
				return -1;
		}
		for (j = 0; j < BATCH; j++)
			if (gsched_join(ids[j], &v) || v != j)
				return -2;
	}
	return 0;
}

TEST_F_TIMEOUT(slow, freed_tasks_signalled, 600)
{
	struct gsched_opts o = { .nprocs = 2, .stack_size = GSCHED_STACK_MIN };
	const char *why = preempt_missing(false);
	struct bomber b;
	long ev = -1;

	if (why)
		SKIP(return, "%s", why);
	nbatch = gs_scaled(400, 20);
	TH_LOG("%ld batches of %d tasks", nbatch, BATCH);
	ASSERT_EQ(0, bomber_start(&b, 100));
	ASSERT_EQ(0, gsched_run_opts(&o, short_lived_main, NULL, &ev));
	bomber_stop(&b);
	ASSERT_EQ(0, ev);
	EXPECT_EQ(nbatch * BATCH, short_done);
	TH_LOG("%lu signals", atomic_load(&b.sent));
}

/* ---- kill -9 while tasks are being preempted ---- */

static int kill_pipe[2];

static long kill_main(void *arg)
{
	int spin_ids[2];
	char c = 'p';

	if (gsched_wg_init(&stress_wg) || gsched_mutex_init(&stress_mu) ||
	    stress_spawn_all(true, spin_ids))
		return -1;
	/*
	 * Report once tasks are being switched out, then keep going: 20
	 * preemptions, 5 on a slow kernel (the debug guest needed 217 s
	 * for 20 under the signal bomber).
	 */
	while (gsched_preemptions() < (unsigned long)gs_scaled(20, 5))
		gsched_sleep(1000000);
	if (write(kill_pipe[1], &c, 1) != 1)
		return -1;
	return gsched_join(spin_ids[0], NULL);
}

TEST_F_TIMEOUT(slow, killed_while_preempted, 300)
{
	long long before = gs_sysfs_global("nr_instances");
	const char *why = preempt_missing(false);
	struct pollfd pfd;
	int status, i;
	char c;
	pid_t pid;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_GE(before, 0);
	stress_sizes(_metadata);
	ASSERT_EQ(0, pipe(kill_pipe));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		struct bomber b;

		alarm(250 * gs_timeout_scale());
		close(kill_pipe[0]);
		if (bomber_start(&b, 200))
			_exit(2);
		gsched_run_opts(&two_p, kill_main, NULL, NULL);
		_exit(1);
	}
	close(kill_pipe[1]);
	pfd = (struct pollfd){ .fd = kill_pipe[0], .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 200000 * gs_timeout_scale()));
	EXPECT_EQ(1, read(kill_pipe[0], &c, 1));
	usleep(20000);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	for (i = 0; i < 1000 && gs_sysfs_global("nr_instances") != before; i++)
		usleep(10000);
	EXPECT_EQ(before, gs_sysfs_global("nr_instances"));
}

TEST_HARNESS_MAIN
