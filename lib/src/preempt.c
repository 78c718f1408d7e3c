// SPDX-License-Identifier: MIT
/*
 * libgsched preemption: switch out a task that has run too long.
 *
 * The module sends the runtime's preemption signal (SIGURG, as in Go) to a
 * worker thread whose task has run in user space for longer than its
 * preempt_ms parameter, and again while the same task keeps running: after
 * 1 ms, 2, 4 and 8 ms, then every preempt_ms. The handler below runs on the
 * interrupted task's own stack (no SA_ONSTACK). When the task was
 * interrupted at a point where it is safe to switch, the handler does what
 * gsched_yield() does: it blocks the task with GSCHED_OP_YIELD. The task's
 * complete register state (all general purpose registers, flags, SSE/AVX/x87
 * state, MXCSR) stays in the kernel's signal frame on the task's stack,
 * below the handler's frame. When the task is picked again, possibly by
 * another worker thread, gs_block() returns inside the handler, which
 * returns through rt_sigreturn: the kernel restores the registers from the
 * frame on whatever thread executes it. The fs base (the thread pointer) is
 * not part of that frame on x86-64, so the task continues with the TLS of
 * the thread it now runs on, as after any blocking call.
 *
 * When is it safe? The interrupted code must not hold anything that belongs
 * to the worker thread, since the task may continue on another thread while
 * the old thread runs other tasks. Go answers with compiler-made safe
 * points; a C runtime only has the program counter and the stack pointer.
 * The handler switches the task out only when all of these hold:
 *
 *  1. The thread is a worker running a task (w->running, see internal.h)
 *     and the interrupted stack pointer lies in that task's stack. Not when
 *     it is on g0 (the worker's scheduler loop), not on an alternate signal
 *     stack.
 *  2. The interrupted PC is not libgsched's own code: it keeps the worker
 *     pointer in registers (gs_cur()) between reading it and switching,
 *     holds gs_rt.lock and the stack cache lock, and may be half way
 *     through recording an op in the worker. All of libgsched's code is in
 *     one section, gsched_text (see below).
 *  3. The interrupted PC is not in libc, libpthread, ld.so, the vDSO,
 *     libgcc_s, libstdc++ or libasan: these hold thread-owned locks
 *     (malloc arenas, stdio, the loader lock), cache TLS addresses
 *     (malloc's tcache, errno) and use per-thread data in ways no caller
 *     can see. Their executable segments are found once per gsched_run()
 *     with dl_iterate_phdr(). A program with a static libc (or, built
 *     with ASan, a static libasan) has no such object to exclude: then
 *     preemption stays off. So it does under valgrind (see
 *     gs_preempt_wanted()).
 *  4. The interrupted signal mask blocks nothing that the thread that
 *     called gsched_run() did not block: the task is not running a signal
 *     handler of its own (which may have interrupted libc) and did not
 *     block signals around a critical section.
 *
 * Why a named section: libgsched is linked both as a shared object and as
 * an archive into programs (the selftests), so "the object that contains
 * this function" is not a usable test. The Makefile renames .text to
 * gsched_text in every library object (switch.S included), builds them
 * with -fno-reorder-functions -fno-reorder-blocks-and-partition so GCC
 * emits no .text.unlikely/.text.hot/.text.startup parts, and fails the
 * build if any object still has code outside gsched_text. The linker then
 * provides __start_gsched_text and __stop_gsched_text around all of it, in
 * the .so and in a static link alike. The library is also built with
 * -fno-plt: its calls into libc and into its own exported functions go
 * through the GOT, never through a PLT stub, whose PC would lie outside
 * every excluded range while libgsched state is live.
 *
 * The handler itself is libgsched code, so a second signal that arrives
 * while it runs (the preemption signal is unblocked again before the task
 * yields) is always declined.
 */
#include <errno.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include "internal.h"

extern const char __start_gsched_text[] __attribute__((visibility("hidden")));
extern const char __stop_gsched_text[] __attribute__((visibility("hidden")));

#define GS_PREEMPT_SIGNAL	SIGURG
#define GS_MAX_RANGES		32

struct gs_range {
	uintptr_t lo, hi;
};

/*
 * Written by gs_preempt_setup() before the handler is installed and before
 * any worker thread exists; only read by the handler.
 */
static struct {
	bool installed;
	int sig;
	struct sigaction old;	/* restored by gs_preempt_teardown() */
	sigset_t base;		/* mask of the thread that called gsched_run */
	unsigned int nr;
	struct gs_range no[GS_MAX_RANGES];	/* never preempt in these */
} gs_pre;

static unsigned long gs_preempted;	/* tasks switched out, atomic */

GS_API unsigned long gsched_preemptions(void)
{
	return __atomic_load_n(&gs_preempted, __ATOMIC_RELAXED);
}

/* ---- where the handler must not switch ------------------------------- */

static bool gs_name_is_runtime(const char *path, bool *libc, bool *asan)
{
	/*
	 * libasan (make asan) replaces malloc, memcpy and friends with its
	 * own, which use a per-thread allocator cache and its per-thread
	 * state, as libc does; and the instrumented program calls into it
	 * for reports and fake stack frames.
	 */
	static const char *const prefix[] = {
		"libc.so", "libc-", "libpthread.so", "libpthread-",
		"libgcc_s.so", "libstdc++.so", "ld-linux", "ld-musl",
		"libasan.so",
	};
	const char *base = strrchr(path, '/');
	size_t i;

	base = base ? base + 1 : path;
	for (i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		if (!strncmp(base, prefix[i], strlen(prefix[i]))) {
			if (i < 2 || !strncmp(base, "ld-musl", 7))
				*libc = true;
			if (!strncmp(base, "libasan.so", 10))
				*asan = true;
			return true;
		}
	}
	return false;
}

struct gs_scan {
	uintptr_t ldso;		/* AT_BASE: the dynamic linker's load address */
	uintptr_t vdso;		/* AT_SYSINFO_EHDR */
	bool libc;		/* found libc as a shared object */
	bool asan;		/* found libasan as a shared object */
	bool full;		/* more executable segments than gs_pre.no */
};

static bool gs_obj_contains(const struct dl_phdr_info *info, uintptr_t addr)
{
	int i;

	if (!addr)
		return false;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t lo = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && addr >= lo &&
		    addr - lo < ph->p_memsz)
			return true;
	}
	return false;
}

static int gs_scan_obj(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct gs_scan *s = arg;
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	bool exclude = false;
	int i;

	/* the main program ("") is user code, whatever it links statically */
	if (*name)
		exclude = gs_name_is_runtime(name, &s->libc, &s->asan);
	if (gs_obj_contains(info, s->ldso) || gs_obj_contains(info, s->vdso))
		exclude = true;
	if (!exclude)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		if (gs_pre.nr == GS_MAX_RANGES) {
			s->full = true;
			return 1;
		}
		gs_pre.no[gs_pre.nr].lo = info->dlpi_addr + ph->p_vaddr;
		gs_pre.no[gs_pre.nr].hi = gs_pre.no[gs_pre.nr].lo + ph->p_memsz;
		gs_pre.nr++;
	}
	return 0;
}

/* Fill gs_pre.no; false when preemption cannot be made safe. */
static bool gs_scan_ranges(void)
{
	struct gs_scan s = {
		.ldso = (uintptr_t)getauxval(AT_BASE),
		.vdso = (uintptr_t)getauxval(AT_SYSINFO_EHDR),
	};

	gs_pre.nr = 0;
	dl_iterate_phdr(gs_scan_obj, &s);
	/* built with ASan, its runtime must be excluded too: not when it
	 * was linked statically (-static-libasan) into the program */
	return s.libc && !s.full && (!GS_ASAN || s.asan);
}

static bool gs_pc_unsafe(uintptr_t pc)
{
	unsigned int i;

	if (pc >= (uintptr_t)__start_gsched_text &&
	    pc < (uintptr_t)__stop_gsched_text)
		return true;
	for (i = 0; i < gs_pre.nr; i++)
		if (pc >= gs_pre.no[i].lo && pc < gs_pre.no[i].hi)
			return true;
	return false;
}

/* Does @m block a signal that the runtime's base mask does not? */
static bool gs_mask_extra(const sigset_t *m)
{
	int s;

	for (s = 1; s < NSIG; s++)
		if (sigismember(m, s) == 1 && sigismember(&gs_pre.base, s) != 1)
			return true;
	return false;
}

/* ---- the handler ------------------------------------------------------- */

/*
 * The kernel's struct ucontext ends with an 8-byte sigset where glibc's
 * ucontext_t has a 128-byte sigset_t: only the first 8 bytes belong to the
 * signal frame (siginfo follows them), so copy no more than that.
 */
#define GS_KERNEL_SIGSET_SIZE	8

/*
 * After the switch: this may be another thread, so nothing computed from
 * TLS before gs_block() may be used (errno's address included; glibc
 * declares __errno_location() const, so the compiler would reuse it within
 * one function). Hence a separate, non-inlined function.
 */
__attribute__((noinline))
static void gs_preempt_resumed(ucontext_t *uc, int saved_errno)
{
	sigset_t cur;

	/*
	 * sigreturn installs the frame's mask on the thread executing it. The
	 * frame holds the old thread's mask; give the new thread its own back
	 * (a task runs with the mask of its worker, as after any switch).
	 */
	if (!pthread_sigmask(SIG_BLOCK, NULL, &cur))
		memcpy(&uc->uc_sigmask, &cur, GS_KERNEL_SIGSET_SIZE);
	errno = saved_errno;
}

static void gs_preempt_handler(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	int saved_errno = errno;
	uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
	uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
	struct gs_worker *w;
	struct gs_task *t;
	sigset_t unblock;

	/* 2, 3: not in libgsched, libc, ld.so, the vDSO... (g0 runs only
	 * such code, so this also turns away most signals that reach g0) */
	if (gs_pc_unsafe(pc))
		return;
	/* 4: not in a signal handler or a signal-blocking critical section */
	if (gs_mask_extra(&uc->uc_sigmask))
		return;
	/*
	 * 1: a task, on its own stack (not g0, not an alternate stack). Not
	 * w->curr: g0 keeps that after the task switched out, and by then
	 * another worker may have run the task to its end and unmapped its
	 * stack. w->running is only set while this thread runs the task.
	 */
	w = gs_cur();
	t = w ? w->running : NULL;
	if (!t || sp <= (uintptr_t)t->map || sp >= (uintptr_t)t)
		return;

	/*
	 * The kernel blocked @sig for the handler. The thread goes on to run
	 * other tasks (g0 first) while this handler is suspended: unblock it
	 * so that they can be preempted too.
	 */
	sigemptyset(&unblock);
	sigaddset(&unblock, sig);
	pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
	__atomic_fetch_add(&gs_preempted, 1, __ATOMIC_RELAXED);
	gs_block(GSCHED_OP_YIELD, 0, 0, NULL);
	/* possibly another thread now: w is stale from here on */
	gs_preempt_resumed(uc, saved_errno);
}

/* ---- install and remove ----------------------------------------------- */

/*
 * fork() in a task: the child has no runtime (runtime.c's atfork handler);
 * give it back the signal action it had before gsched_run().
 */
static void gs_preempt_atfork_child(void)
{
	if (gs_pre.installed)
		sigaction(gs_pre.sig, &gs_pre.old, NULL);
	gs_pre.installed = false;
}

static pthread_once_t gs_preempt_once = PTHREAD_ONCE_INIT;

static void gs_preempt_atfork_register(void)
{
	pthread_atfork(NULL, NULL, gs_preempt_atfork_child);
}

static bool gs_preempt_wanted(const struct gsched_opts *opts)
{
	const char *env = getenv("GSCHED_PREEMPT");
	struct gsched_version v = { 0 };

	if (opts && (opts->flags & GSCHED_OPT_NO_PREEMPT))
		return false;
	if (env && !strcmp(env, "0"))
		return false;
	/*
	 * Under valgrind a signal handler's rt_sigreturn restores the whole
	 * guest state saved in valgrind's own signal frame, the fs base (the
	 * thread pointer) included: a task preempted on one worker thread
	 * and resumed on another would continue with the first thread's TLS.
	 */
	if (gs_vg_running())
		return false;
	/* a module without the feature rejects a non-zero preempt_signal */
	if (gs_ioctl(GSCHED_IOC_VERSION, &v) ||
	    !(v.features & GSCHED_FEAT_PREEMPT))
		return false;
	return true;
}

/*
 * Called by gsched_run_opts() before GSCHED_IOC_SETUP, in the thread that
 * becomes worker 0 and before any other worker exists: decide whether this
 * runtime preempts, install the handler, and set setup->preempt_signal
 * (0 when off). Never fails: preemption is simply off when it cannot be
 * made safe.
 */
void gs_preempt_setup(struct gsched_setup *setup,
		      const struct gsched_opts *opts)
{
	int sig = GS_PREEMPT_SIGNAL;
	struct sigaction sa, old;

	setup->preempt_signal = 0;
	if (gs_pre.installed || !gs_preempt_wanted(opts))
		return;
	/* a handler of the program's own: leave it alone, don't preempt */
	if (sigaction(sig, NULL, &old) ||
	    (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN))
		return;
	/* workers inherit this mask: with @sig blocked nothing would arrive */
	if (pthread_sigmask(SIG_BLOCK, NULL, &gs_pre.base) ||
	    sigismember(&gs_pre.base, sig) == 1)
		return;
	if (!gs_scan_ranges())
		return;
	pthread_once(&gs_preempt_once, gs_preempt_atfork_register);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = gs_preempt_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(sig, &sa, NULL))
		return;
	gs_pre.old = old;
	gs_pre.sig = sig;
	gs_pre.installed = true;
	setup->preempt_signal = (uint32_t)sig;
}

/*
 * Called at the end of gsched_run_opts(), after every worker but the
 * calling thread has exited and the instance is closed (so no more signals
 * are sent): put the old action back, unless the program replaced ours
 * meanwhile (then its action stays). A signal still pending for this
 * thread is then handled by the old action (SIG_DFL and SIG_IGN discard
 * SIGURG).
 */
void gs_preempt_teardown(void)
{
	struct sigaction cur;

	if (!gs_pre.installed)
		return;
	if (!sigaction(gs_pre.sig, NULL, &cur) &&
	    (cur.sa_flags & SA_SIGINFO) &&
	    cur.sa_sigaction == gs_preempt_handler)
		sigaction(gs_pre.sig, &gs_pre.old, NULL);
	gs_pre.installed = false;
}
