// SPDX-License-Identifier: MIT
/*
 * libgsched panic mode (GSCHED_PANIC=1 in the environment, or
 * GSCHED_OPT_PANIC): the misuses Go panics on end the program as Go's do,
 * instead of returning an error the caller may ignore. The library's
 * calls check their result with gs_misuse() (internal.h) and come here:
 *
 *	panic: send on closed channel
 *
 *	goroutine 5 [running]:
 *
 *	goroutine 1 [chan receive]:
 *
 * on standard error, then exit status 2, Go's for an unrecovered panic and
 * for a fatal error. Go's "panic: " and "fatal error: " messages are kept
 * word for word. The dump is what the library can tell without stacks of
 * its own: the calling task's id ("running"), then every other task not
 * yet reaped, oldest first, with the state and wait reason the module
 * reports (GSCHED_IOC_TASK_INFO, open to the instance's owner; debugfs is
 * not), as Go's GOTRACEBACK=all headers. No stack frames: unwinding a
 * task's stack from here is not something the library can do safely for
 * every build of a program.
 *
 * How it ends: stdout is flushed (Go's os.Stdout has no buffer, so what
 * a Go program printed before its panic is out; C's stdout to a pipe or
 * file would otherwise lose it), then _exit(2). Not exit(): Go runs no
 * deferred calls of the other goroutines and no finalizers when it dies,
 * and the other worker threads go on running tasks meanwhile, so atexit
 * handlers and destructors would run under their feet. Other stdio
 * streams keep their unflushed data, as a Go program's unflushed
 * bufio.Writers do. stdout is flushed only if its lock is free (a task
 * switched out inside printf on another worker would hold it for ever).
 *
 * Any thread may get here: a task on its own stack (64 KiB by default;
 * this needs well under 2 KiB), the main task, a thread that is no task
 * (no "running" line then), or worker 0 after a deadlock. The first
 * caller prints; a second one, on another worker at the same time, waits
 * for the first to end the process.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

bool gs_panic_mode;

void gs_panic_setup(const struct gsched_opts *opts)
{
	const char *e = getenv("GSCHED_PANIC");
	bool on = (opts && (opts->flags & GSCHED_OPT_PANIC)) ||
		  (e && *e && *e != '0');

	__atomic_store_n(&gs_panic_mode, on, __ATOMIC_RELAXED);
}

void gs_panic_teardown(void)
{
	__atomic_store_n(&gs_panic_mode, false, __ATOMIC_RELAXED);
}

/* Go's wait reasons (runtime2.go) where there is one, else the module's */
static const char *const gs_wait_names[] = {
	[GSCHED_WAIT_NONE] = "waiting",
	[GSCHED_WAIT_PARK] = "park",
	[GSCHED_WAIT_JOIN] = "join",
	[GSCHED_WAIT_USER] = "user",
	[GSCHED_WAIT_CHAN_SEND] = "chan send",
	[GSCHED_WAIT_CHAN_RECV] = "chan receive",
	[GSCHED_WAIT_SELECT] = "select",
	[GSCHED_WAIT_SELECT_NONE] = "select (no cases)",
	[GSCHED_WAIT_CHAN_NIL] = "chan send/receive (nil chan)",
	[GSCHED_WAIT_SLEEP] = "sleep",
	[GSCHED_WAIT_MUTEX] = "sync.Mutex.Lock",
	[GSCHED_WAIT_RLOCK] = "sync.RWMutex.RLock",
	[GSCHED_WAIT_WLOCK] = "sync.RWMutex.Lock",
	[GSCHED_WAIT_WAITGROUP] = "sync.WaitGroup.Wait",
	[GSCHED_WAIT_COND] = "sync.Cond.Wait",
};
_Static_assert(sizeof(gs_wait_names) / sizeof(gs_wait_names[0]) ==
	       GSCHED_WAIT_MAX + 1, "a wait reason without a name");

/* Output straight to fd 2: no stdio lock, no allocation. */
struct gs_out {
	char buf[1024];
	size_t len;
};

static void gs_out_flush(struct gs_out *o)
{
	size_t off = 0;
	ssize_t n;

	while (off < o->len) {
		n = write(STDERR_FILENO, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	o->len = 0;
}

__attribute__((format(printf, 2, 3)))
static void gs_out(struct gs_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len > sizeof(o->buf) / 2)
		gs_out_flush(o);
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n < sizeof(o->buf) - o->len ?
			  (size_t)n : sizeof(o->buf) - o->len - 1;
}

struct gs_dump {
	struct gs_out *out;
	struct gs_task *self;
};

static void gs_dump_task(struct gs_task *t, void *arg)
{
	struct gs_dump *d = arg;
	struct gsched_task_info ti;
	uint32_t id = __atomic_load_n(&t->id, __ATOMIC_RELAXED);

	/* not started yet (its id is being stored), gone, or ourselves */
	if (t == d->self || !id || gsched_task_info((int)id, &ti) ||
	    ti.state == GSCHED_TASK_DEAD)
		return;
	switch (ti.state) {
	case GSCHED_TASK_RUNNING:
		gs_out(d->out, "\ngoroutine %u [running]:\n"
		       "\tgoroutine running on other thread; stack unavailable\n",
		       id);
		break;
	case GSCHED_TASK_WAITING:
		gs_out(d->out, "\ngoroutine %u [%s]:\n", id,
		       ti.wait_reason <= GSCHED_WAIT_MAX ?
		       gs_wait_names[ti.wait_reason] : "waiting");
		break;
	default:
		gs_out(d->out, "\ngoroutine %u [runnable]:\n", id);
		break;
	}
}

static int gs_panicking;

__attribute__((noreturn))
void gs_panic(const char *prefix, const char *msg)
{
	struct gs_out out = { .len = 0 };
	struct gs_dump d = { .out = &out, .self = gs_self_task() };

	if (__atomic_exchange_n(&gs_panicking, 1, __ATOMIC_ACQ_REL)) {
		for (;;)
			pause();	/* the first one exits the process */
	}
	if (!ftrylockfile(stdout)) {
		fflush_unlocked(stdout);
		funlockfile(stdout);
	}
	gs_out(&out, "%s%s\n", prefix, msg);
	if (d.self)
		gs_out(&out, "\ngoroutine %u [running]:\n",
		       __atomic_load_n(&d.self->id, __ATOMIC_RELAXED));
	if (gsched_fd() >= 0)
		gs_live_each(gs_dump_task, &d);
	gs_out_flush(&out);
	_exit(2);
}
