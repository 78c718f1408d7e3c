// SPDX-License-Identifier: MIT
/*
 * libgsched channels, select and timers: thin wrappers over the module.
 * Blocking calls go through the task's g0 switch (one SWITCH ioctl that
 * completes or parks); non-blocking ones are direct ioctls.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static uint32_t gs_worker_index(void)
{
	struct gs_worker *w = gs_cur();

	return w ? w->index : GSCHED_NO_WORKER;
}

GS_API int gsched_chan_make(gsched_chan_t *ch, size_t elem_size,
			    unsigned int cap)
{
	struct gsched_chan_make m = { .cap = cap };

	int ret;

	if (!ch || elem_size > GSCHED_CHAN_MAX_ELEM)
		return -EINVAL;
	if (gsched_fd() < 0)
		return -ENXIO;
	m.elem_size = (uint32_t)elem_size;
	ret = gs_ioctl(GSCHED_IOC_CHAN_MAKE, &m);
	if (!ret)
		*ch = m.handle;
	return ret;
}

static int gs_chan_op(uint32_t op, gsched_chan_t ch, uint64_t buf,
		      struct gsched_chan_op *out);

/*
 * valgrind: the module copied a received value into @val, which memcheck
 * cannot see (only an ioctl's own argument struct is known to it): mark the
 * element defined, or every use of a received value would be reported.
 * Only under valgrind, which is slow anyway: it costs an INFO call for the
 * element size.
 */
static void gs_chan_received(gsched_chan_t ch, const void *val)
{
	struct gsched_chan_op o;

	if (!val || !gs_vg_running())
		return;
	if (!gs_chan_op(GSCHED_CHAN_INFO, ch, 0, &o) && o.elem_size)
		gs_vg_defined(val, o.elem_size);
}

static int gs_chan_op(uint32_t op, gsched_chan_t ch, uint64_t buf,
		      struct gsched_chan_op *out)
{
	struct gsched_chan_op o = {
		.worker = gs_worker_index(),
		.op = op,
		.handle = ch,
		.buf = buf,
	};
	int ret;

	if (gsched_fd() < 0)
		return -ENXIO;
	ret = gs_ioctl(GSCHED_IOC_CHAN, &o);
	if (out)
		*out = o;
	return ret;
}

static int gs_chan_block(uint32_t op, gsched_chan_t ch, const void *val)
{
	int err = 0;
	int64_t r;

	if (!gs_in_task())
		return -EPERM;
	r = gs_block(op, ch, (int64_t)(uintptr_t)val, &err);
	return err ? err : (int)r;
}

/* Go's chan.go messages (panic mode: gs_misuse()) */
#define GS_SEND_CLOSED	"send on closed channel"

GS_API int gsched_chan_send(gsched_chan_t ch, const void *val)
{
	return gs_misuse(gs_chan_block(GSCHED_OP_SEND, ch, val), -EPIPE,
			 GS_PANIC, GS_SEND_CLOSED);
}

GS_API int gsched_chan_recv(gsched_chan_t ch, void *val)
{
	int ret = gs_chan_block(GSCHED_OP_RECV, ch, val);

	if (ret >= 0)
		gs_chan_received(ch, val);
	return ret;
}

GS_API int gsched_chan_trysend(gsched_chan_t ch, const void *val)
{
	/* Go's select with a default panics on a closed channel too */
	return gs_misuse(gs_chan_op(GSCHED_CHAN_TRYSEND, ch,
				    (uint64_t)(uintptr_t)val, NULL),
			 -EPIPE, GS_PANIC, GS_SEND_CLOSED);
}

GS_API int gsched_chan_tryrecv(gsched_chan_t ch, void *val)
{
	struct gsched_chan_op o;
	int ret = gs_chan_op(GSCHED_CHAN_TRYRECV, ch,
			     (uint64_t)(uintptr_t)val, &o);

	if (ret)
		return ret;
	gs_chan_received(ch, val);
	return (int)o.ok;
}

GS_API int gsched_chan_close(gsched_chan_t ch)
{
	struct gsched_chan_op o;
	int ret = gs_chan_op(GSCHED_CHAN_CLOSE, ch, 0, NULL);

	if (ret < 0 && __atomic_load_n(&gs_panic_mode, __ATOMIC_RELAXED)) {
		if (!ch)
			gs_panic(GS_PANIC, "close of nil channel");
		/* -EINVAL is a handle of another kind too: ask the channel */
		if (ret == -EINVAL && !gs_chan_op(GSCHED_CHAN_INFO, ch, 0, &o) &&
		    o.ok)
			gs_panic(GS_PANIC, "close of closed channel");
	}
	return ret;
}

GS_API int gsched_chan_release(gsched_chan_t ch)
{
	return gs_chan_op(GSCHED_CHAN_RELEASE, ch, 0, NULL);
}

GS_API int gsched_chan_export(gsched_chan_t ch)
{
	return gsched_chan_export_ex(ch, 0);
}

GS_API int gsched_chan_export_ex(gsched_chan_t ch, unsigned int flags)
{
	struct gsched_chan_op o;
	int ret;

	/* the module checks too; an old one refuses every flag */
	if (flags & ~GSCHED_EXPORT_FLAGS)
		return -EINVAL;
	ret = gs_chan_op(GSCHED_CHAN_EXPORT, ch, flags, &o);
	return ret ? ret : o.fd;
}

GS_API int gsched_chan_import(int fd, gsched_chan_t *ch)
{
	struct gsched_chan_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = GSCHED_CHAN_IMPORT,
		.buf = (uint64_t)fd,
	};
	int ret;

	if (!ch || fd < 0)
		return -EBADF;
	if (gsched_fd() < 0)
		return -ENXIO;
	ret = gs_ioctl(GSCHED_IOC_CHAN, &o);
	if (!ret)
		*ch = o.handle;
	return ret;
}

GS_API int gsched_chan_len(gsched_chan_t ch)
{
	struct gsched_chan_op o;
	int ret = gs_chan_op(GSCHED_CHAN_INFO, ch, 0, &o);

	return ret ? ret : (int)o.len;
}

GS_API int gsched_chan_cap(gsched_chan_t ch)
{
	struct gsched_chan_op o;
	int ret = gs_chan_op(GSCHED_CHAN_INFO, ch, 0, &o);

	return ret ? ret : (int)o.cap;
}

/*
 * Panic mode: a send case that found its channel closed, or an fd case
 * that another task of the runtime already waits on (Go's netpoll throws
 * on a second waiter; Go's net package never lets a program get there).
 */
static int gs_select_misuse(const struct gsched_select_case *cases,
			    unsigned int n, int ret)
{
	unsigned int i;

	if ((ret != -EPIPE && ret != -EBUSY) ||
	    !__atomic_load_n(&gs_panic_mode, __ATOMIC_RELAXED))
		return ret;
	for (i = 0; i < n; i++) {
		if (ret == -EPIPE && cases[i].dir == GSCHED_SEL_SEND)
			gs_panic(GS_PANIC, GS_SEND_CLOSED);
		if (ret == -EBUSY && (cases[i].dir == GSCHED_SEL_FDREAD ||
				      cases[i].dir == GSCHED_SEL_FDWRITE))
			gs_panic(GS_FATAL, "runtime: double wait");
	}
	return ret;
}

GS_API int gsched_select(const struct gsched_select_case *cases,
			 unsigned int n, unsigned int flags,
			 uint64_t timeout_ns, int *ok)
{
	/* on the task's stack: the module writes index/ok here when the
	 * task resumes, possibly on another worker */
	struct gsched_select sel = {
		.flags = flags,
		.ncases = n,
		.cases = (uint64_t)(uintptr_t)cases,
		.timeout_ns = timeout_ns,
	};
	int err = 0;
	int64_t r;

	if (!gs_in_task())
		return -EPERM;
	r = gs_block(GSCHED_OP_SELECT, 0, (int64_t)(uintptr_t)&sel, &err);
	if (err)
		return gs_select_misuse(cases, n, err);
	/* the module wrote index and ok when it resumed the task */
	gs_vg_defined(&sel, sizeof(sel));
	if (ok)
		*ok = (int)sel.ok;
	if (r < 0)
		return gs_select_misuse(cases, n, (int)r);
	if (sel.index < n && cases[sel.index].dir == GSCHED_SEL_RECV)
		gs_chan_received(cases[sel.index].handle,
				 (const void *)(uintptr_t)cases[sel.index].buf);
	return (int)sel.index;
}

GS_API int gsched_sleep(uint64_t ns)
{
	int err = 0;
	int64_t r;

	if (!gs_in_task())
		return -EPERM;
	r = gs_block(GSCHED_OP_SLEEP, 0, (int64_t)ns, &err);
	return err ? err : (int)r;
}

static int gs_timer(uint32_t op, gsched_chan_t *ch, uint64_t delay,
		    uint64_t period)
{
	struct gsched_timer_op t = {
		.op = op,
		.handle = op == GSCHED_TIMER_MAKE ? 0 : *ch,
		.delay_ns = delay,
		.period_ns = period,
	};
	int ret;

	if (gsched_fd() < 0)
		return -ENXIO;
	ret = gs_ioctl(GSCHED_IOC_TIMER, &t);
	if (ret)
		return ret;
	if (op == GSCHED_TIMER_MAKE)
		*ch = t.handle;
	return (int)t.ok;
}

GS_API int gsched_timer_make(gsched_chan_t *ch, uint64_t delay_ns,
			     uint64_t period_ns)
{
	if (!ch)
		return -EINVAL;
	return gs_timer(GSCHED_TIMER_MAKE, ch, delay_ns, period_ns);
}

GS_API int gsched_after(gsched_chan_t *ch, uint64_t delay_ns)
{
	return gsched_timer_make(ch, delay_ns, 0);
}

GS_API int gsched_timer_stop(gsched_chan_t ch)
{
	return gs_timer(GSCHED_TIMER_STOP, &ch, 0, 0);
}

GS_API int gsched_timer_reset(gsched_chan_t ch, uint64_t delay_ns,
			      uint64_t period_ns)
{
	return gs_timer(GSCHED_TIMER_RESET, &ch, delay_ns, period_ns);
}
