/* SPDX-License-Identifier: MIT */
/*
 * libgsched and the two memory checkers C programmers use: AddressSanitizer
 * (make asan) and valgrind's memcheck.
 *
 * Both believe a thread runs on one stack. A task runs on its own mmap'd
 * stack and moves between worker threads, so each needs to be told:
 *
 * ASan keeps shadow state and a "fake stack" (for use-after-return) per
 * stack, and unwinds within the current stack's bounds. Every gs_switch()
 * is bracketed by its fiber calls: __sanitizer_start_switch_fiber() just
 * before, with the bounds of the stack being switched to, and
 * __sanitizer_finish_switch_fiber() first thing on the new stack, on the
 * same thread. A task learns its g0's bounds from the finish call (the
 * stack it came from), and it always switches back to the g0 of the thread
 * it runs on, so it keeps them in its struct gs_san. A task that exits
 * passes NULL for its fake stack, which frees it. A reused stack is
 * unpoisoned first: the frames of an exited task never returned, so
 * their redzones are still poisoned.
 *
 * valgrind takes a large stack pointer move for a switch only when both
 * stacks are registered (VALGRIND_STACK_REGISTER), otherwise it reports
 * the task's accesses as invalid. And memcheck cannot see what the module
 * writes into user memory outside an ioctl's own argument struct: a value
 * that a send copies into a parked receiver's buffer stays "undefined"
 * unless chan.c marks it defined (only when RUNNING_ON_VALGRIND; the
 * client requests cost a few instructions otherwise). valgrind's headers
 * are optional at build time: without them this is all no-ops.
 */
#ifndef GSCHED_SANITIZE_H
#define GSCHED_SANITIZE_H

#include <stddef.h>

/* Per task, in struct gs_task. Always present, so the layout never varies. */
struct gs_san {
	void *fake_stack;		/* ASan: the task's, while switched out */
	const void *g0_bottom;		/* ASan: the g0 stack it came from */
	size_t g0_size;
	unsigned int vg_stack_id;	/* valgrind: VALGRIND_STACK_REGISTER */
};

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define GS_ASAN 1

/* g0 -> task: before gs_switch(), on g0 */
static inline void gs_san_to_task(void **g0_fake, const void *bottom,
				  size_t size)
{
	__sanitizer_start_switch_fiber(g0_fake, bottom, size);
}

/* task -> g0, before gs_switch(); @exiting: it never comes back */
static inline void gs_san_to_g0(struct gs_san *s, int exiting)
{
	__sanitizer_start_switch_fiber(exiting ? NULL : &s->fake_stack,
				       s->g0_bottom, s->g0_size);
}

/* first thing a task does on its stack: first entry or after gs_switch() */
static inline void gs_san_in_task(struct gs_san *s, int first)
{
	__sanitizer_finish_switch_fiber(first ? NULL : s->fake_stack,
					&s->g0_bottom, &s->g0_size);
}

/* back on g0 */
static inline void gs_san_in_g0(void *g0_fake)
{
	__sanitizer_finish_switch_fiber(g0_fake, NULL, NULL);
}

static inline void gs_san_stack_reset(void *lo, size_t len)
{
	ASAN_UNPOISON_MEMORY_REGION(lo, len);
}
#else
#define GS_ASAN 0
static inline void gs_san_to_task(void **g0_fake, const void *bottom,
				  size_t size) { }
static inline void gs_san_to_g0(struct gs_san *s, int exiting) { }
static inline void gs_san_in_task(struct gs_san *s, int first) { }
static inline void gs_san_in_g0(void *g0_fake) { }
static inline void gs_san_stack_reset(void *lo, size_t len) { }
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>) && __has_include(<valgrind/memcheck.h>)
#define GS_VALGRIND 1
#endif
#endif

#ifdef GS_VALGRIND
#include <valgrind/memcheck.h>
#include <valgrind/valgrind.h>

/* [lo, hi): a task stack, from its mapping until its munmap */
static inline void gs_vg_stack_register(struct gs_san *s, void *lo, void *hi)
{
	s->vg_stack_id = VALGRIND_STACK_REGISTER(lo, hi);
}

static inline void gs_vg_stack_deregister(struct gs_san *s)
{
	VALGRIND_STACK_DEREGISTER(s->vg_stack_id);
}

static inline int gs_vg_running(void)
{
	return RUNNING_ON_VALGRIND;
}

static inline void gs_vg_defined(const void *p, size_t len)
{
	(void)VALGRIND_MAKE_MEM_DEFINED(p, len);
}
#else
#define GS_VALGRIND 0
static inline void gs_vg_stack_register(struct gs_san *s, void *lo,
					void *hi) { }
static inline void gs_vg_stack_deregister(struct gs_san *s) { }
static inline int gs_vg_running(void) { return 0; }
static inline void gs_vg_defined(const void *p, size_t len) { }
#endif

#endif
