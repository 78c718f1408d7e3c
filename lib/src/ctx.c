// SPDX-License-Identifier: MIT
/*
 * libgsched contexts. Cancellation and deadlines are kernel objects (a
 * tree whose cancel closes done channels); values are plain user-space
 * nodes chained to their parent. Every context variant of a blocking call
 * is that call as a select case plus a receive on the done channel.
 *
 * Lifetime: a node is reference counted. Its creator holds one reference,
 * which gsched_ctx_free() drops, and each child holds one on its parent,
 * dropped when the child goes. So a parent freed before its children
 * stays, handle and done channel included, until the last of them is
 * freed: value lookups walk parents that exist, and a value node, which
 * shares its parent's handle and done channel, never names a released
 * handle (which the module could have given to a new object). This is
 * what Go's collector does for a context tree, in the one order C can
 * track.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

struct gsched_ctx {
	atomic_uint refs;		/* creator's, plus one per child */
	uint32_t handle;		/* kernel context (0: background) */
	gsched_chan_t done;		/* its done channel (0: nil) */
	bool owns;			/* handle and done are ours to free */
	struct gsched_ctx *parent;	/* for values */
	const void *key;		/* WithValue node when non-NULL */
	void *value;
};

static int gs_ctx_op(struct gsched_ctx_op *o)
{
	if (gsched_fd() < 0)
		return -ENXIO;
	return gs_ioctl(GSCHED_IOC_CTX, o);
}

/* A new node's reference, and its reference on @parent. */
static void gs_ctx_link(struct gsched_ctx *c, struct gsched_ctx *parent)
{
	atomic_init(&c->refs, 1);
	if (parent)
		atomic_fetch_add_explicit(&parent->refs, 1,
					  memory_order_relaxed);
	c->parent = parent;
}

/*
 * Drop a reference; the last one frees the node and drops its reference
 * on the parent, up the chain as far as nodes die (a loop: chains may be
 * thousands deep).
 */
static void gs_ctx_put(struct gsched_ctx *c)
{
	struct gsched_ctx_op o = { .op = GSCHED_CTX_RELEASE };

	while (c && atomic_fetch_sub_explicit(&c->refs, 1,
					      memory_order_acq_rel) == 1) {
		struct gsched_ctx *parent = c->parent;

		if (c->owns && gsched_fd() >= 0) {
			o.handle = c->handle;
			gs_ctx_op(&o);
			gsched_chan_release(c->done);
		}
		free(c);
		c = parent;
	}
}

static int gs_ctx_make(gsched_ctx_t *out, gsched_ctx_t parent,
		       uint64_t deadline)
{
	struct gsched_ctx_op o = {
		.op = GSCHED_CTX_MAKE,
		.handle = parent ? parent->handle : 0,
		.deadline_ns = deadline,
	};
	struct gsched_ctx *c;
	int ret;

	if (!out)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	ret = gs_ctx_op(&o);
	if (ret) {
		free(c);
		return ret;
	}
	c->handle = o.handle;
	c->done = o.done;
	c->owns = true;
	gs_ctx_link(c, parent);
	*out = c;
	return 0;
}

static uint64_t gs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

GS_API int gsched_ctx_with_cancel(gsched_ctx_t *ctx, gsched_ctx_t parent)
{
	return gs_ctx_make(ctx, parent, 0);
}

GS_API int gsched_ctx_with_deadline(gsched_ctx_t *ctx, gsched_ctx_t parent,
				    uint64_t deadline_ns)
{
	/* a deadline of 0 would mean "none"; 1 ns is already past */
	return gs_ctx_make(ctx, parent, deadline_ns ? deadline_ns : 1);
}

GS_API int gsched_ctx_with_timeout(gsched_ctx_t *ctx, gsched_ctx_t parent,
				   uint64_t timeout_ns)
{
	return gs_ctx_make(ctx, parent, gs_now() + timeout_ns);
}

GS_API int gsched_ctx_with_value(gsched_ctx_t *ctx, gsched_ctx_t parent,
				 const void *key, void *value)
{
	struct gsched_ctx *c;

	if (!ctx || !key)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* shares the parent's cancellation */
	c->handle = parent ? parent->handle : 0;
	c->done = parent ? parent->done : 0;
	gs_ctx_link(c, parent);
	c->key = key;
	c->value = value;
	*ctx = c;
	return 0;
}

GS_API int gsched_ctx_cancel(gsched_ctx_t ctx)
{
	struct gsched_ctx_op o = { .op = GSCHED_CTX_CANCEL };

	if (!ctx || !ctx->handle)
		return 0;	/* background: never cancelled */
	o.handle = ctx->handle;
	return gs_ctx_op(&o);
}

GS_API int gsched_ctx_err(gsched_ctx_t ctx)
{
	struct gsched_ctx_op o = { .op = GSCHED_CTX_INFO };
	int ret;

	if (!ctx || !ctx->handle)
		return 0;
	o.handle = ctx->handle;
	ret = gs_ctx_op(&o);
	return ret ? ret : o.err;
}

GS_API int gsched_ctx_deadline(gsched_ctx_t ctx, uint64_t *deadline_ns)
{
	struct gsched_ctx_op o = { .op = GSCHED_CTX_INFO };
	int ret;

	if (!ctx || !ctx->handle)
		return 0;
	o.handle = ctx->handle;
	ret = gs_ctx_op(&o);
	if (ret)
		return ret;
	if (deadline_ns)
		*deadline_ns = o.deadline;
	return o.deadline != 0;
}

GS_API gsched_chan_t gsched_ctx_done(gsched_ctx_t ctx)
{
	return ctx ? ctx->done : 0;
}

GS_API void *gsched_ctx_value(gsched_ctx_t ctx, const void *key)
{
	for (; ctx; ctx = ctx->parent)
		if (ctx->key && ctx->key == key)
			return ctx->value;
	return NULL;
}

GS_API void gsched_ctx_free(gsched_ctx_t ctx)
{
	gs_ctx_put(ctx);
}

GS_API int gsched_ctx_export(gsched_ctx_t ctx)
{
	return gsched_ctx_export_ex(ctx, 0);
}

GS_API int gsched_ctx_export_ex(gsched_ctx_t ctx, unsigned int flags)
{
	struct gsched_ctx_op o = { .op = GSCHED_CTX_EXPORT, .arg = flags };
	int ret;

	if (!ctx || !ctx->handle)
		return -EINVAL;
	o.handle = ctx->handle;
	ret = gs_ctx_op(&o);
	return ret ? ret : o.fd;
}

GS_API int gsched_ctx_import(int fd, gsched_ctx_t *ctx)
{
	struct gsched_ctx_op o = { .op = GSCHED_CTX_IMPORT };
	struct gsched_ctx *c;
	int ret;

	if (!ctx || fd < 0)
		return -EBADF;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	o.arg = (uint64_t)fd;
	ret = gs_ctx_op(&o);
	if (ret) {
		free(c);
		return ret;
	}
	c->handle = o.handle;
	c->done = o.done;
	c->owns = true;
	gs_ctx_link(c, NULL);
	*ctx = c;
	return 0;
}

/* ---- context variants ---------------------------------------------- */

/* 0, or the context's error when it is already done. */
static int gs_ctx_fired_if_done(gsched_ctx_t ctx)
{
	return gsched_ctx_err(ctx);
}

/* The done case fired: the context's error (it is done, so never 0). */
static int gs_ctx_fired(gsched_ctx_t ctx)
{
	int err = gsched_ctx_err(ctx);

	return err ? err : -ECANCELED;
}

GS_API int gsched_select_ctx(gsched_ctx_t ctx,
			     const struct gsched_select_case *cases,
			     unsigned int n, int *ok)
{
	struct gsched_select_case stackc[8], *c = stackc;
	int ret;

	if (n >= 8) {
		c = malloc((n + 1) * sizeof(*c));
		if (!c)
			return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++)
		c[i] = cases[i];
	c[n] = GSCHED_RECV(gsched_ctx_done(ctx), NULL);
	ret = gsched_select(c, n + 1, 0, 0, ok);
	if (c != stackc)
		free(c);
	if (ret == (int)n)
		return gs_ctx_fired(ctx);
	return ret;
}

GS_API int gsched_chan_send_ctx(gsched_ctx_t ctx, gsched_chan_t ch,
				const void *val)
{
	struct gsched_select_case c[1] = { GSCHED_SEND(ch, val) };
	int ret = gsched_select_ctx(ctx, c, 1, NULL);

	return ret > 0 ? 0 : ret;
}

GS_API int gsched_chan_recv_ctx(gsched_ctx_t ctx, gsched_chan_t ch, void *val)
{
	struct gsched_select_case c[1] = { GSCHED_RECV(ch, val) };
	int ok = 0, ret = gsched_select_ctx(ctx, c, 1, &ok);

	return ret < 0 ? ret : ok;
}

static int gs_sync_ctx(gsched_ctx_t ctx, uint32_t dir, uint32_t h,
		       uint64_t buf)
{
	int ret = gs_sync_wait(dir, h, buf, gsched_ctx_done(ctx));

	return ret == 1 ? gs_ctx_fired(ctx) : ret;
}

GS_API int gsched_mutex_lock_ctx(gsched_ctx_t ctx, gsched_mutex_t *m)
{
	int ret;

	if (!m)
		return -EINVAL;
	/* a free mutex is taken even from a done context, as in Go */
	ret = gsched_mutex_trylock(m);
	if (ret != -EBUSY)
		return ret;
	ret = gs_mutex_lock_slow(m, gsched_ctx_done(ctx));
	return ret == 1 ? gs_ctx_fired(ctx) : ret;
}

static int gs_rw_ctx(gsched_ctx_t ctx, gsched_rwmutex_t *rw, bool rd)
{
	int ret;

	if (!rw)
		return -EINVAL;
	/* a free rwmutex is taken even from a done context, as in Go */
	ret = rd ? gsched_rwmutex_tryrlock(rw) : gsched_rwmutex_trylock(rw);
	if (ret != -EBUSY)
		return ret;
	ret = gs_rw_lock_slow(rw, rd, gsched_ctx_done(ctx));
	return ret == 1 ? gs_ctx_fired(ctx) : ret;
}

GS_API int gsched_rwmutex_rlock_ctx(gsched_ctx_t ctx, gsched_rwmutex_t *rw)
{
	return gs_rw_ctx(ctx, rw, true);
}

GS_API int gsched_rwmutex_lock_ctx(gsched_ctx_t ctx, gsched_rwmutex_t *rw)
{
	return gs_rw_ctx(ctx, rw, false);
}

GS_API int gsched_wg_wait_ctx(gsched_ctx_t ctx, gsched_wg_t *wg)
{
	int ret;

	if (!wg)
		return -EINVAL;
	ret = gs_wg_wait_now(wg);
	if (ret != -EAGAIN)
		return ret;
	ret = gs_wg_wait_slow(wg, gsched_ctx_done(ctx));
	return ret == 1 ? gs_ctx_fired(ctx) : ret;
}

GS_API int gsched_cond_wait_ctx(gsched_ctx_t ctx, gsched_cond_t c,
				gsched_mutex_t *m)
{
	int ret, lret;

	if (!m)
		return -EINVAL;
	ret = gs_word_wait(GSCHED_SEL_CONDWAIT_WORD, c, m,
			   gsched_ctx_done(ctx));
	/* refused, or the module could not unlock it: not ours to lock */
	if (ret < 0)
		return gs_cond_misuse(ret);
	lret = gsched_mutex_lock(m);
	if (ret == 1)
		return gs_ctx_fired(ctx);
	return lret;
}

GS_API int gsched_sleep_ctx(gsched_ctx_t ctx, uint64_t ns)
{
	struct gsched_select_case c[1] = {
		GSCHED_RECV(gsched_ctx_done(ctx), NULL),
	};
	int ret;

	if (!ns)
		return gs_ctx_fired_if_done(ctx);
	ret = gsched_select(c, 1, GSCHED_SELECT_TIMEOUT, ns, NULL);
	if (ret == -ETIMEDOUT)
		return 0;	/* slept the whole time */
	return ret == 0 ? gs_ctx_fired(ctx) : ret;
}

GS_API int gsched_join_ctx(gsched_ctx_t ctx, int id, long *exit_value)
{
	struct gsched_chan_op o = {
		.worker = GSCHED_NO_WORKER,
		.op = GSCHED_CHAN_TASK_EXIT,
		.buf = (uint64_t)(uint32_t)id,
	};
	int ret;

	if (id <= 0)
		return -EBADF;
	if (gsched_fd() < 0)
		return -ENXIO;
	/* a channel the module closes when the task exits */
	ret = gs_ioctl(GSCHED_IOC_CHAN, &o);
	if (ret)
		return ret;
	ret = gsched_chan_recv_ctx(ctx, o.handle, NULL);
	gsched_chan_release(o.handle);
	if (ret < 0)
		return ret;
	/* it has exited: this join does not block */
	return gsched_join(id, exit_value);
}

/*
 * ABI GSCHED_0.2: the handle-based Mutex and WaitGroup, kept for programs
 * linked against it (the kernel objects stay in the module). New programs
 * link the GSCHED_0.5 versions above.
 */
#define GS_COMPAT(fn, ver) __asm__(".symver gs_compat_" #fn "," #fn "@" #ver)
#define GS_CURRENT(fn, ver) __asm__(".symver " #fn "," #fn "@@" #ver ",remove")
GS_CURRENT(gsched_mutex_lock_ctx, GSCHED_0.5);
GS_CURRENT(gsched_wg_wait_ctx, GSCHED_0.5);
GS_CURRENT(gsched_cond_wait_ctx, GSCHED_0.5);
GS_CURRENT(gsched_rwmutex_rlock_ctx, GSCHED_0.6);
GS_CURRENT(gsched_rwmutex_lock_ctx, GSCHED_0.6);

GS_COMPAT(gsched_rwmutex_rlock_ctx, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_rlock_ctx(gsched_ctx_t ctx, uint32_t rw)
{
	return gs_sync_ctx(ctx, GSCHED_SEL_RLOCK, rw, 0);
}

GS_COMPAT(gsched_rwmutex_lock_ctx, GSCHED_0.2);
GS_API int gs_compat_gsched_rwmutex_lock_ctx(gsched_ctx_t ctx, uint32_t rw)
{
	return gs_sync_ctx(ctx, GSCHED_SEL_WLOCK, rw, 0);
}

GS_COMPAT(gsched_mutex_lock_ctx, GSCHED_0.2);
GS_API int gs_compat_gsched_mutex_lock_ctx(gsched_ctx_t ctx, uint32_t m)
{
	return gs_sync_ctx(ctx, GSCHED_SEL_LOCK, m, 0);
}

GS_COMPAT(gsched_wg_wait_ctx, GSCHED_0.2);
GS_API int gs_compat_gsched_wg_wait_ctx(gsched_ctx_t ctx, uint32_t wg)
{
	return gs_sync_ctx(ctx, GSCHED_SEL_WGWAIT, wg, 0);
}

GS_COMPAT(gsched_cond_wait_ctx, GSCHED_0.2);
GS_API int gs_compat_gsched_cond_wait_ctx(gsched_ctx_t ctx, gsched_cond_t c,
					  uint32_t m)
{
	int ret = gs_sync_wait(GSCHED_SEL_CONDWAIT, c, m,
			       gsched_ctx_done(ctx));
	int lret;

	if (ret < 0)
		return ret;	/* refused: the mutex was not released */
	lret = gs_sync_wait(GSCHED_SEL_LOCK, m, 0, 0);
	if (ret == 1)
		return gs_ctx_fired(ctx);
	return lret;
}
