// SPDX-License-Identifier: GPL-2.0
/*
 * gsched context selftests (Go's context package) through libgsched and,
 * for bad input, the raw ioctls: the context tree (cancel, timeouts and
 * deadlines, values, background, done in select), every context variant
 * of a blocking call, value conservation, a cancellation storm, deadline
 * order, contexts shared between processes, a deadline racing the release
 * of its context, and the error paths.
 *
 * Every TEST runs in its own forked child (kselftest harness), so globals
 * are per test. Tasks cannot ASSERT: they check with the T_* macros, which
 * record the first failure; RUN_OK() then reports it.
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"
#include "raw.h"

#define HOUR	(3600ULL * 1000 * MS)

static struct gsched_opts one_p = { .nprocs = 1 };
static struct gsched_opts two_p = { .nprocs = 2 };

/* ---- checks inside tasks: task_check.h ---- */

/* Is the context done: its done channel closed (a receive gives 0)? */
static int is_done(gsched_ctx_t c)
{
	int r = gsched_chan_tryrecv(gsched_ctx_done(c), NULL);

	return r == 0 ? 1 : r == -EAGAIN ? 0 : r;
}

FIXTURE(slow) {};
FIXTURE_SETUP(slow) {}
FIXTURE_TEARDOWN(slow) {}

/* ==== the context tree ==== */

/*
 *            root (cancel)
 *           /             \
 *      a (cancel)       v (value)
 *       |                  |
 *   aa (timeout 1 h)   vb (cancel)
 */
static long tree_main(void *arg)
{
	gsched_ctx_t root, a, aa, v, vb;
	static int key;

	T_EQ(0, gsched_ctx_with_cancel(&root, NULL));
	T_EQ(0, gsched_ctx_with_cancel(&a, root));
	T_EQ(0, gsched_ctx_with_timeout(&aa, a, HOUR));
	T_EQ(0, gsched_ctx_with_value(&v, root, &key, &key));
	T_EQ(0, gsched_ctx_with_cancel(&vb, v));
	/* Err is 0 before anything is cancelled; nothing is done */
	T_EQ(0, gsched_ctx_err(root));
	T_EQ(0, gsched_ctx_err(a));
	T_EQ(0, gsched_ctx_err(aa));
	T_EQ(0, gsched_ctx_err(v));
	T_EQ(0, gsched_ctx_err(vb));
	T_EQ(0, is_done(root));
	T_EQ(0, is_done(aa));
	T_EQ(0, is_done(vb));

	/* cancel a child: its subtree is done, its parent and siblings not */
	T_EQ(0, gsched_ctx_cancel(a));
	T_EQ(-ECANCELED, gsched_ctx_err(a));
	T_EQ(-ECANCELED, gsched_ctx_err(aa));
	T_EQ(1, is_done(a));
	T_EQ(1, is_done(aa));
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(aa), NULL));
	T_EQ(0, gsched_ctx_err(root));
	T_EQ(0, is_done(root));
	T_EQ(0, gsched_ctx_err(vb));
	T_EQ(0, is_done(vb));

	/* cancel the root: every descendant, through the value node too */
	T_EQ(0, gsched_ctx_cancel(root));
	T_EQ(-ECANCELED, gsched_ctx_err(root));
	T_EQ(-ECANCELED, gsched_ctx_err(v));
	T_EQ(-ECANCELED, gsched_ctx_err(vb));
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(root), NULL));
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(v), NULL));
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(vb), NULL));

	/* idempotent */
	T_EQ(0, gsched_ctx_cancel(root));
	T_EQ(0, gsched_ctx_cancel(aa));
	T_EQ(0, gsched_ctx_cancel(vb));
	T_EQ(-ECANCELED, gsched_ctx_err(root));
	T_EQ(-ECANCELED, gsched_ctx_err(aa));
	T_EQ(1, is_done(root));

	gsched_ctx_free(vb);
	gsched_ctx_free(v);
	gsched_ctx_free(aa);
	gsched_ctx_free(a);
	gsched_ctx_free(root);
	return 0;
}

TEST(cancel_tree)
{
	RUN_OK(&two_p, tree_main);
}

/* A child made under a done parent is done at once, with its error. */
static long late_child_main(void *arg)
{
	gsched_ctx_t p, t, c1, c2, c3;

	T_EQ(0, gsched_ctx_with_cancel(&p, NULL));
	T_EQ(0, gsched_ctx_cancel(p));
	T_EQ(0, gsched_ctx_with_cancel(&c1, p));
	T_EQ(-ECANCELED, gsched_ctx_err(c1));
	T_EQ(1, is_done(c1));
	T_EQ(0, gsched_ctx_with_timeout(&t, NULL, 5 * MS));
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(t), NULL));
	T_EQ(-ETIMEDOUT, gsched_ctx_err(t));
	T_EQ(0, gsched_ctx_with_cancel(&c2, t));
	T_EQ(-ETIMEDOUT, gsched_ctx_err(c2));
	/* a deadline already past */
	T_EQ(0, gsched_ctx_with_deadline(&c3, NULL, now_ns() - MS));
	T_EQ(-ETIMEDOUT, gsched_ctx_err(c3));
	T_EQ(1, is_done(c3));
	/* cancelling a timed-out context keeps DeadlineExceeded */
	T_EQ(0, gsched_ctx_cancel(t));
	T_EQ(-ETIMEDOUT, gsched_ctx_err(t));
	gsched_ctx_free(c3);
	gsched_ctx_free(c2);
	gsched_ctx_free(c1);
	gsched_ctx_free(t);
	gsched_ctx_free(p);
	return 0;
}

TEST(child_of_done_parent_is_done)
{
	RUN_OK(&one_p, late_child_main);
}

/* Timeouts and the effective deadline: min(parent, own). */
static long deadline_main(void *arg)
{
	gsched_ctx_t p, own_later, own_earlier, plain, t, bgc, v;
	uint64_t dp, d = 0, t0;
	static int key;

	dp = now_ns() + 10 * 1000 * MS;
	T_EQ(0, gsched_ctx_with_deadline(&p, NULL, dp));
	T_EQ(1, gsched_ctx_deadline(p, &d));
	T_EQ(dp, d);
	/* the parent's earlier deadline wins */
	T_EQ(0, gsched_ctx_with_timeout(&own_later, p, HOUR));
	d = 0;
	T_EQ(1, gsched_ctx_deadline(own_later, &d));
	T_EQ(dp, d);
	/* an earlier own deadline is kept */
	T_EQ(0, gsched_ctx_with_deadline(&own_earlier, p, dp - 1000 * MS));
	d = 0;
	T_EQ(1, gsched_ctx_deadline(own_earlier, &d));
	T_EQ(dp - 1000 * MS, d);
	/* WithCancel and WithValue inherit it */
	T_EQ(0, gsched_ctx_with_cancel(&plain, p));
	d = 0;
	T_EQ(1, gsched_ctx_deadline(plain, &d));
	T_EQ(dp, d);
	T_EQ(0, gsched_ctx_with_value(&v, own_earlier, &key, NULL));
	d = 0;
	T_EQ(1, gsched_ctx_deadline(v, &d));
	T_EQ(dp - 1000 * MS, d);
	/* no deadline: background, and WithCancel of it */
	T_EQ(0, gsched_ctx_with_cancel(&bgc, NULL));
	d = 7;
	T_EQ(0, gsched_ctx_deadline(bgc, &d));
	T_EQ(0, gsched_ctx_deadline(NULL, &d));

	/* a timeout ends with DeadlineExceeded, not before its time */
	t0 = now_ns();
	T_EQ(0, gsched_ctx_with_timeout(&t, NULL, 20 * MS));
	T_EQ(0, gsched_ctx_err(t));
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(t), NULL));
	T_GE(t0 + 20 * MS, now_ns());
	T_EQ(-ETIMEDOUT, gsched_ctx_err(t));
	/* cancelling a parent before its deadline: Canceled */
	T_EQ(0, gsched_ctx_cancel(p));
	T_EQ(-ECANCELED, gsched_ctx_err(own_later));
	T_EQ(-ECANCELED, gsched_ctx_err(own_earlier));
	T_EQ(0, gsched_ctx_err(bgc));

	gsched_ctx_free(v);
	gsched_ctx_free(t);
	gsched_ctx_free(bgc);
	gsched_ctx_free(plain);
	gsched_ctx_free(own_earlier);
	gsched_ctx_free(own_later);
	gsched_ctx_free(p);
	return 0;
}

TEST(timeout_and_effective_deadline)
{
	RUN_OK(&one_p, deadline_main);
}

/* Values walk up the parents; a child shadows; NULL key is refused. */
static long value_main(void *arg)
{
	static int k1, k2, k3, v1, v2, v3;
	gsched_ctx_t a, b, c, d, x;

	T_EQ(0, gsched_ctx_with_value(&a, NULL, &k1, &v1));
	T_EQ(0, gsched_ctx_with_cancel(&b, a));
	T_EQ(0, gsched_ctx_with_value(&c, b, &k2, &v2));
	T_EQ(0, gsched_ctx_with_value(&d, c, &k1, &v3));	/* shadows */
	T_TRUE(gsched_ctx_value(a, &k1) == &v1);
	T_TRUE(gsched_ctx_value(b, &k1) == &v1);	/* through a cancel */
	T_TRUE(gsched_ctx_value(c, &k1) == &v1);
	T_TRUE(gsched_ctx_value(c, &k2) == &v2);
	T_TRUE(gsched_ctx_value(d, &k1) == &v3);
	T_TRUE(gsched_ctx_value(d, &k2) == &v2);
	T_TRUE(gsched_ctx_value(d, &k3) == NULL);
	/* lookups never walk down */
	T_TRUE(gsched_ctx_value(a, &k2) == NULL);
	T_TRUE(gsched_ctx_value(b, &k2) == NULL);
	T_TRUE(gsched_ctx_value(NULL, &k1) == NULL);
	/* a NULL key is an error; so is no output */
	x = (gsched_ctx_t)&k3;
	T_EQ(-EINVAL, gsched_ctx_with_value(&x, d, NULL, &v1));
	T_TRUE(x == (gsched_ctx_t)&k3);
	T_EQ(-EINVAL, gsched_ctx_with_value(NULL, d, &k1, &v1));
	/* a value context shares its parent's cancellation */
	T_EQ(gsched_ctx_done(b), gsched_ctx_done(c));
	T_EQ(0, gsched_ctx_cancel(c));		/* cancels b */
	T_EQ(-ECANCELED, gsched_ctx_err(b));
	T_EQ(-ECANCELED, gsched_ctx_err(d));
	/* a value node over background is never done */
	T_EQ(0, gsched_ctx_err(a));
	T_EQ(0U, gsched_ctx_done(a));
	gsched_ctx_free(d);
	gsched_ctx_free(c);
	gsched_ctx_free(b);
	gsched_ctx_free(a);
	return 0;
}

TEST(values_walk_up_and_shadow)
{
	RUN_OK(&one_p, value_main);
}

/*
 * Parents freed before their children: each child keeps what it refers
 * to (values up the chain, the shared handle and done channel of a value
 * node) until the last context derived from it is freed; then every
 * handle is gone.
 */
static long parent_first_main(void *arg)
{
	static int k1, k2, v1, v2;
	int id = gsched_instance_id();
	gsched_ctx_t root, val, child, leaf;
	long long chans = gs_sysfs_inst(id, "channels");
	long long ctxs = gs_sysfs_inst(id, "contexts");
	gsched_chan_t done;

	T_EQ(0, gsched_ctx_with_cancel(&root, NULL));
	T_EQ(0, gsched_ctx_with_value(&val, root, &k1, &v1));
	T_EQ(0, gsched_ctx_with_cancel(&child, val));
	T_EQ(0, gsched_ctx_with_value(&leaf, child, &k2, &v2));
	T_EQ(chans + 2, gs_sysfs_inst(id, "channels"));	/* two done */
	T_EQ(ctxs + 2, gs_sysfs_inst(id, "contexts"));	/* values: none */
	done = gsched_ctx_done(val);

	gsched_ctx_free(root);		/* val still uses it */
	gsched_ctx_free(val);		/* child still uses both */
	T_EQ(chans + 2, gs_sysfs_inst(id, "channels"));
	T_EQ(ctxs + 2, gs_sysfs_inst(id, "contexts"));
	T_TRUE(gsched_ctx_value(leaf, &k1) == &v1);
	T_TRUE(gsched_ctx_value(leaf, &k2) == &v2);
	T_EQ(0, gsched_ctx_err(child));
	/* child's own cancel reaches its value child... */
	T_EQ(0, gsched_ctx_cancel(child));
	T_EQ(-ECANCELED, gsched_ctx_err(leaf));
	/* ...and root's done channel, which val shared, is still open */
	T_EQ(-EAGAIN, gsched_chan_tryrecv(done, NULL));

	gsched_ctx_free(leaf);		/* child is still its creator's */
	T_EQ(chans + 2, gs_sysfs_inst(id, "channels"));
	gsched_ctx_free(child);		/* the last: child, val, root go */
	T_EQ(chans, gs_sysfs_inst(id, "channels"));
	T_EQ(ctxs, gs_sysfs_inst(id, "contexts"));
	return 0;
}

TEST(parent_freed_before_children)
{
	RUN_OK(&one_p, parent_first_main);
}

/* Background: never done, no deadline, nil done channel. */
static long background_main(void *arg)
{
	uint64_t d = 5;
	long v = 1;
	gsched_chan_t ch;

	T_EQ(0, gsched_ctx_err(NULL));
	T_EQ(0U, gsched_ctx_done(NULL));
	T_EQ(0, gsched_ctx_deadline(NULL, &d));
	T_EQ(0, gsched_ctx_cancel(NULL));
	T_EQ(0, gsched_ctx_err(NULL));
	T_EQ(-EINVAL, gsched_ctx_export(NULL));
	/* the variants with background are the plain calls */
	T_EQ(0, gsched_chan_make(&ch, sizeof(long), 1));
	T_EQ(0, gsched_chan_send_ctx(NULL, ch, &v));
	v = 0;
	T_EQ(1, gsched_chan_recv_ctx(NULL, ch, &v));
	T_EQ(1, v);
	T_EQ(0, gsched_sleep_ctx(NULL, MS));
	T_EQ(0, gsched_sleep_ctx(NULL, 0));
	T_EQ(0, gsched_chan_close(ch));
	T_EQ(0, gsched_chan_recv_ctx(NULL, ch, &v));
	T_EQ(-EPIPE, gsched_chan_send_ctx(NULL, ch, &v));
	return 0;
}

TEST(background_never_done)
{
	RUN_OK(&one_p, background_main);
}

/* Done is the same channel every call and works in select. */
static gsched_ctx_t sel_ctx;
static int sel_index = -9, sel_ok = -9;

static long cancel_later(void *arg)
{
	gsched_sleep(10 * MS);
	return gsched_ctx_cancel(arg);
}

static long done_select_main(void *arg)
{
	struct gsched_select_case c[2];
	gsched_chan_t never, d;
	long v;
	int id;

	T_EQ(0, gsched_chan_make(&never, sizeof(long), 0));
	T_EQ(0, gsched_ctx_with_cancel(&sel_ctx, NULL));
	d = gsched_ctx_done(sel_ctx);
	T_NE(0, d);
	T_EQ(d, gsched_ctx_done(sel_ctx));
	T_EQ(d, gsched_ctx_done(sel_ctx));
	T_EQ(0, gsched_chan_cap(d));
	c[0] = GSCHED_RECV(never, &v);
	c[1] = GSCHED_RECV(d, NULL);
	T_EQ(-EAGAIN, gsched_select(c, 2, GSCHED_SELECT_DEFAULT, 0, NULL));
	id = spawn_j(cancel_later, sel_ctx);
	sel_index = gsched_select(c, 2, 0, 0, &sel_ok);
	T_EQ(0, join_val(id));
	/* still the same channel after cancel, closed for good */
	T_EQ(d, gsched_ctx_done(sel_ctx));
	T_EQ(1, gsched_select(c, 2, 0, 0, NULL));
	T_EQ(1, gsched_select(c, 2, GSCHED_SELECT_DEFAULT, 0, NULL));
	/* the select_ctx variant: its done case fired */
	T_EQ(-ECANCELED, gsched_select_ctx(sel_ctx, c, 1, NULL));
	gsched_ctx_free(sel_ctx);
	return 0;
}

TEST(done_channel_in_select)
{
	RUN_OK(&two_p, done_select_main);
	EXPECT_EQ(1, sel_index);
	EXPECT_EQ(0, sel_ok);	/* closed, not a value */
}

/* Cancel (and free) stops a context's deadline timer. */
static long long timers_seen[5];

static long timers_main(void *arg)
{
	int id = gsched_instance_id();
	gsched_ctx_t a, b, c, past;

	timers_seen[0] = gs_sysfs_inst(id, "timers");
	T_EQ(0, gsched_ctx_with_timeout(&a, NULL, HOUR));
	T_EQ(0, gsched_ctx_with_cancel(&b, a));
	timers_seen[1] = gs_sysfs_inst(id, "timers");
	T_EQ(0, gsched_ctx_cancel(a));
	timers_seen[2] = gs_sysfs_inst(id, "timers");
	T_EQ(0, gsched_ctx_with_timeout(&c, NULL, HOUR));
	T_EQ(0, gsched_ctx_with_deadline(&past, c, 1));
	timers_seen[3] = gs_sysfs_inst(id, "timers");
	gsched_ctx_free(past);
	gsched_ctx_free(c);		/* never cancelled */
	timers_seen[4] = gs_sysfs_inst(id, "timers");
	gsched_ctx_free(b);
	gsched_ctx_free(a);
	return 0;
}

TEST(cancel_releases_timer)
{
	RUN_OK(&one_p, timers_main);
	EXPECT_EQ(0, timers_seen[0]);
	EXPECT_GE(timers_seen[1], 1);
	EXPECT_EQ(0, timers_seen[2]);
	EXPECT_EQ(1, timers_seen[3]);
	EXPECT_EQ(0, timers_seen[4]);
}

/* Deep chains and wide trees: cancel reaches every node; frees in any order. */
#define DEEP	10000
#define WIDE	2000
static gsched_ctx_t chain[DEEP], wide[WIDE];
static int ndeep = DEEP, nwide = WIDE;	/* smaller on a slow kernel */

static long trees_main(void *arg)
{
	gsched_ctx_t root;
	int i, bad = 0;

	/* a deep chain, freed leaf first */
	T_EQ(0, gsched_ctx_with_cancel(&chain[0], NULL));
	for (i = 1; i < ndeep; i++)
		if (gsched_ctx_with_cancel(&chain[i], chain[i - 1]))
			return -1;
	T_EQ(0, gsched_ctx_err(chain[ndeep - 1]));
	T_EQ(0, gsched_ctx_cancel(chain[0]));
	for (i = 0; i < ndeep; i++)
		bad += gsched_ctx_err(chain[i]) != -ECANCELED;
	T_EQ(0, bad);
	T_EQ(0, gsched_chan_recv(gsched_ctx_done(chain[ndeep - 1]), NULL));
	for (i = ndeep - 1; i >= 0; i--)
		gsched_ctx_free(chain[i]);

	/* a deep chain freed root first: the leaf's free ends them all */
	T_EQ(0, gsched_ctx_with_cancel(&chain[0], NULL));
	for (i = 1; i < ndeep; i++)
		if (gsched_ctx_with_cancel(&chain[i], chain[i - 1]))
			return -2;
	/* cancel a middle node: only its subtree */
	T_EQ(0, gsched_ctx_cancel(chain[ndeep / 2]));
	T_EQ(0, gsched_ctx_err(chain[ndeep / 2 - 1]));
	T_EQ(-ECANCELED, gsched_ctx_err(chain[ndeep - 1]));
	for (i = 0; i < ndeep - 1; i++)
		gsched_ctx_free(chain[i]);
	T_EQ(-ECANCELED, gsched_ctx_err(chain[ndeep - 1]));
	gsched_ctx_free(chain[ndeep - 1]);

	/* a wide tree */
	T_EQ(0, gsched_ctx_with_cancel(&root, NULL));
	for (i = 0; i < nwide; i++)
		if (gsched_ctx_with_timeout(&wide[i], root, HOUR))
			return -3;
	T_EQ(0, gsched_ctx_cancel(wide[7]));		/* one leaves early */
	gsched_ctx_free(wide[7]);
	T_EQ(0, gsched_ctx_cancel(root));
	bad = 0;
	for (i = 0; i < nwide; i++)
		if (i != 7)
			bad += gsched_ctx_err(wide[i]) != -ECANCELED;
	T_EQ(0, bad);
	T_EQ(0, gs_sysfs_inst(gsched_instance_id(), "timers"));
	gsched_ctx_free(root);
	for (i = 0; i < nwide; i++)
		if (i != 7)
			gsched_ctx_free(wide[i]);
	return 0;
}

TEST_F_TIMEOUT(slow, deep_and_wide_trees, 300)
{
	ndeep = (int)gs_scaled(DEEP, 1000);
	nwide = (int)gs_scaled(WIDE, 200);
	TH_LOG("a chain of %d, a tree %d wide", ndeep, nwide);
	RUN_OK(&one_p, trees_main);
}

/*
 * The done channel belongs to the context (Go's <-chan struct{}): user
 * code can neither close it nor send on it, so "done" always means Err
 * is set.
 */
static int user_close_ret = -9999, user_send_ret = -9999;
static int recv_ctx_ret = -9999, err_after = -9999, done_after = -9999;
static int err_at_return = -9999;

static long recv_under(void *arg)
{
	gsched_chan_t ch;
	long v;

	if (gsched_chan_make(&ch, sizeof(long), 0))
		return -1;
	recv_ctx_ret = gsched_chan_recv_ctx(arg, ch, &v);
	err_at_return = gsched_ctx_err(arg);
	return 0;
}

static long done_owned_main(void *arg)
{
	gsched_ctx_t c;
	int id;

	T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
	id = spawn_j(recv_under, c);
	T_GT(0, wait_blocked_sleeping(id));
	user_send_ret = gsched_chan_trysend(gsched_ctx_done(c), NULL);
	user_close_ret = gsched_chan_close(gsched_ctx_done(c));
	gsched_sleep(10 * MS);
	err_after = gsched_ctx_err(c);
	done_after = is_done(c);
	T_EQ(0, gsched_ctx_cancel(c));		/* ends the receiver anyway */
	T_EQ(0, join_val(id));
	gsched_ctx_free(c);
	return 0;
}

TEST(done_channel_is_receive_only)
{
	RUN_OK(&two_p, done_owned_main);
	EXPECT_GT(0, user_send_ret) TH_LOG("a send on a done channel: %d",
					   user_send_ret);
	EXPECT_GT(0, user_close_ret) TH_LOG("close of a done channel: %d",
					    user_close_ret);
	/* the context was not cancelled, so nothing looks done */
	EXPECT_EQ(0, err_after);
	EXPECT_EQ(0, done_after);
	/* recv_ctx returned only once the context really was cancelled */
	EXPECT_EQ(-ECANCELED, recv_ctx_ret);
	EXPECT_EQ(-ECANCELED, err_at_return);
}

/* ==== every context variant ends with its context ==== */

enum vkind {
	V_SEND, V_RECV, V_SELECT, V_LOCK, V_RLOCK, V_WLOCK, V_WGWAIT,
	V_CONDWAIT, V_SLEEP, V_NKINDS
};

static const char *const vname[V_NKINDS] = {
	"send", "recv", "select", "lock", "rlock", "wlock", "wgwait",
	"condwait", "sleep",
};

/* the objects every variant blocks on */
/* unbuffered, nobody on the far end: sends to ch_s, receives from ch_r */
static gsched_chan_t ch_s, ch_r, ch_a, ch_b;
static gsched_mutex_t mu, cmu;		/* mu held by main; cmu for the cond */
static gsched_rwmutex_t rw;		/* write-held by main */
static gsched_wg_t wg;			/* counter 1 */
static gsched_cond_t cv;

static int setup_objects(void)
{
	int ret = 0;

	ret |= gsched_chan_make(&ch_s, sizeof(long), 0);
	ret |= gsched_chan_make(&ch_r, sizeof(long), 0);
	ret |= gsched_chan_make(&ch_a, sizeof(long), 0);
	ret |= gsched_chan_make(&ch_b, sizeof(long), 0);
	ret |= gsched_mutex_init(&mu);
	ret |= gsched_mutex_init(&cmu);
	ret |= gsched_rwmutex_init(&rw);
	ret |= gsched_wg_init(&wg);
	ret |= gsched_cond_init(&cv);
	ret |= gsched_mutex_lock(&mu);
	ret |= gsched_rwmutex_lock(&rw);
	ret |= gsched_wg_add(&wg, 1);
	return ret;
}

/* one blocking call of kind @k under @c; cond waits check the mutex */
static int do_variant(gsched_ctx_t c, int k, long sendval, int *cond_held)
{
	struct gsched_select_case sc[2];
	long v = sendval;
	int r;

	switch (k) {
	case V_SEND:
		return gsched_chan_send_ctx(c, ch_s, &v);
	case V_RECV:
		return gsched_chan_recv_ctx(c, ch_r, &v);
	case V_SELECT:
		sc[0] = GSCHED_RECV(ch_a, &v);
		sc[1] = GSCHED_SEND(ch_b, &v);
		return gsched_select_ctx(c, sc, 2, NULL);
	case V_LOCK:
		return gsched_mutex_lock_ctx(c, &mu);
	case V_RLOCK:
		return gsched_rwmutex_rlock_ctx(c, &rw);
	case V_WLOCK:
		return gsched_rwmutex_lock_ctx(c, &rw);
	case V_WGWAIT:
		return gsched_wg_wait_ctx(c, &wg);
	case V_CONDWAIT:
		if (gsched_mutex_lock(&cmu))
			return -1000;
		r = gsched_cond_wait_ctx(c, cv, &cmu);
		/* held again on every return: only its holder can unlock */
		if (gsched_mutex_trylock(&cmu) == -EBUSY &&
		    gsched_mutex_unlock(&cmu) == 0)
			(*cond_held)++;
		return r;
	case V_SLEEP:
		return gsched_sleep_ctx(c, HOUR);
	}
	return -1001;
}

struct vtask {
	gsched_ctx_t ctx;
	int kind;
	int ret;
	int cond_held;
};

static long variant_task(void *arg)
{
	struct vtask *t = arg;

	t->ret = do_variant(t->ctx, t->kind, 1000 + t->kind, &t->cond_held);
	return 0;
}

/* The objects are as they were: no cancelled call took effect. */
static void check_objects_untouched(void)
{
	long v = 5;

	T_EQ(-EAGAIN, gsched_chan_tryrecv(ch_s, &v));	/* nothing sent */
	T_EQ(-EAGAIN, gsched_chan_trysend(ch_r, &v));	/* nobody receives */
	T_EQ(-EAGAIN, gsched_chan_trysend(ch_a, &v));
	T_EQ(-EAGAIN, gsched_chan_tryrecv(ch_b, &v));
	/* the mutex was not handed to a cancelled waiter */
	T_EQ(-EBUSY, gsched_mutex_trylock(&mu));
	T_EQ(0, gsched_mutex_unlock(&mu));
	T_EQ(0, gsched_mutex_trylock(&mu));
	T_EQ(0, gsched_mutex_unlock(&mu));
	T_EQ(0, gsched_mutex_trylock(&cmu));
	T_EQ(0, gsched_mutex_unlock(&cmu));
	/* nor the rwmutex to a cancelled reader or writer */
	T_EQ(0, gsched_rwmutex_unlock(&rw));
	T_EQ(0, gsched_rwmutex_trylock(&rw));
	T_EQ(0, gsched_rwmutex_unlock(&rw));
	/* cancelled wait group waiters do not count as woken (-EBUSY) */
	T_EQ(0, gsched_wg_done(&wg));
	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(0, gsched_wg_done(&wg));
}

static int variant_results[2][V_NKINDS], variant_cond_held[2];
static int already_done_results[V_NKINDS];

static long variants_main(void *arg)
{
	static struct vtask vt[V_NKINDS];
	int ids[V_NKINDS], k, mode, st, held = 0;
	gsched_ctx_t c;

	for (mode = 0; mode < 2; mode++) {
		T_EQ(0, setup_objects());
		if (mode == 0)
			T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
		else
			T_EQ(0, gsched_ctx_with_timeout(&c, NULL, 300 * MS));
		for (k = 0; k < V_NKINDS; k++) {
			vt[k] = (struct vtask){ .ctx = c, .kind = k,
						.ret = -9999 };
			ids[k] = spawn_j(variant_task, &vt[k]);
		}
		for (k = 0; k < V_NKINDS; k++) {
			st = wait_blocked_sleeping(ids[k]);
			/* a slow guest may see the timeout first */
			if (mode == 0 || st != -2)
				T_GT(0, st);
		}
		if (mode == 0)
			T_EQ(0, gsched_ctx_cancel(c));
		for (k = 0; k < V_NKINDS; k++) {
			T_EQ(0, join_val(ids[k]));
			variant_results[mode][k] = vt[k].ret;
		}
		variant_cond_held[mode] = vt[V_CONDWAIT].cond_held;
		check_objects_untouched();
		gsched_ctx_free(c);
	}

	/* an already cancelled context: every call returns at once */
	T_EQ(0, setup_objects());
	T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
	T_EQ(0, gsched_ctx_cancel(c));
	for (k = 0; k < V_NKINDS; k++)
		already_done_results[k] = do_variant(c, k, 1, &held);
	T_EQ(1, held);
	/* main holds mu: its own lock_ctx above did not deadlock */
	check_objects_untouched();
	gsched_ctx_free(c);
	return 0;
}

TEST(variants_end_with_context)
{
	int k;

	RUN_OK(&two_p, variants_main);
	for (k = 0; k < V_NKINDS; k++) {
		EXPECT_EQ(-ECANCELED, variant_results[0][k])
			TH_LOG("cancel: %s", vname[k]);
		EXPECT_EQ(-ETIMEDOUT, variant_results[1][k])
			TH_LOG("timeout: %s", vname[k]);
		EXPECT_EQ(-ECANCELED, already_done_results[k])
			TH_LOG("already cancelled: %s", vname[k]);
	}
	EXPECT_EQ(1, variant_cond_held[0]);
	EXPECT_EQ(1, variant_cond_held[1]);
}

/* Variants that complete before their context ends return normally. */
static long variants_ok_main(void *arg)
{
	gsched_ctx_t c;
	gsched_chan_t b;
	long v = 3;

	T_EQ(0, gsched_ctx_with_timeout(&c, NULL, HOUR));
	T_EQ(0, gsched_chan_make(&b, sizeof(long), 1));
	T_EQ(0, gsched_mutex_init(&mu));
	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_wg_init(&wg));
	T_EQ(0, gsched_chan_send_ctx(c, b, &v));
	v = 0;
	T_EQ(1, gsched_chan_recv_ctx(c, b, &v));
	T_EQ(3, v);
	T_EQ(0, gsched_mutex_lock_ctx(c, &mu));
	T_EQ(-EBUSY, gsched_mutex_trylock(&mu));
	T_EQ(0, gsched_mutex_unlock(&mu));
	T_EQ(0, gsched_rwmutex_rlock_ctx(c, &rw));
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	T_EQ(0, gsched_rwmutex_lock_ctx(c, &rw));
	T_EQ(0, gsched_rwmutex_unlock(&rw));
	T_EQ(0, gsched_wg_wait_ctx(c, &wg));
	T_EQ(0, gsched_sleep_ctx(c, MS));
	T_EQ(0, gsched_chan_close(b));
	T_EQ(0, gsched_chan_recv_ctx(c, b, &v));	/* closed: ok false */
	T_EQ(-EPIPE, gsched_chan_send_ctx(c, b, &v));
	T_EQ(0, gsched_ctx_err(c));
	gsched_ctx_free(c);
	return 0;
}

TEST(variants_complete_before_context)
{
	RUN_OK(&one_p, variants_ok_main);
}

/* A writer whose lock_ctx was cancelled lets the readers queued behind it in. */
static atomic_int reader_in;
static int reader_in_while_read_held = -1, reader_in_after_runlock = -1;

static long rlock_flag(void *arg)
{
	if (gsched_rwmutex_rlock(&rw))
		return -1;
	atomic_store(&reader_in, 1);
	return gsched_rwmutex_runlock(&rw) ? -2 : 0;
}

static long cancelled_writer_main(void *arg)
{
	static struct vtask t;
	gsched_ctx_t c;
	int w, r;

	T_EQ(0, gsched_rwmutex_init(&rw));
	T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
	T_EQ(0, gsched_rwmutex_rlock(&rw));
	t = (struct vtask){ .ctx = c, .kind = V_WLOCK };
	w = spawn_j(variant_task, &t);
	T_EQ(GSCHED_WAIT_WLOCK, wait_blocked_sleeping(w));
	r = spawn_j(rlock_flag, NULL);
	/* behind the writer */
	T_EQ(GSCHED_WAIT_RLOCK, wait_blocked_sleeping(r));
	T_EQ(0, gsched_ctx_cancel(c));
	T_EQ(0, join_val(w));
	T_EQ(-ECANCELED, t.ret);
	reader_in_while_read_held = flag_within_1s(&reader_in);
	T_EQ(0, gsched_rwmutex_runlock(&rw));
	reader_in_after_runlock = flag_within_1s(&reader_in);
	if (!atomic_load(&reader_in)) {
		/* unstick it: a write unlock admits the queued readers */
		T_EQ(0, gsched_rwmutex_trylock(&rw));
		T_EQ(0, gsched_rwmutex_unlock(&rw));
	}
	T_EQ(0, join_val(r));
	gsched_ctx_free(c);
	return 0;
}

TEST(rwmutex_cancelled_writer_lets_readers_in)
{
	RUN_OK(&two_p, cancelled_writer_main);
	EXPECT_EQ(1, reader_in_while_read_held);
	EXPECT_EQ(1, reader_in_after_runlock);
}

/* A cancelled send really did not send: a later receiver gets nothing. */
static long send_cancel_main(void *arg)
{
	static struct vtask t;
	struct gsched_select_case r;
	gsched_ctx_t c;
	long v = -1;
	int id;

	T_EQ(0, gsched_chan_make(&ch_s, sizeof(long), 0));
	T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
	t = (struct vtask){ .ctx = c, .kind = V_SEND };
	id = spawn_j(variant_task, &t);
	T_GT(0, wait_blocked_sleeping(id));
	T_EQ(0, gsched_ctx_cancel(c));
	T_EQ(0, join_val(id));
	T_EQ(-ECANCELED, t.ret);
	/* a receiver now waits in vain (it times out) */
	r = GSCHED_RECV(ch_s, &v);
	T_EQ(-ETIMEDOUT, gsched_select(&r, 1, GSCHED_SELECT_TIMEOUT, 20 * MS,
				       NULL));
	T_EQ(-1, v);
	gsched_ctx_free(c);
	return 0;
}

TEST(cancelled_send_sent_nothing)
{
	RUN_OK(&two_p, send_cancel_main);
}

/* recv_ctx racing with sends: received + remaining == sent, no dups. */
#define MAXV		100000
#define NCONSUMERS	4
static gsched_ctx_t race_ctx;
static gsched_chan_t race_ch;
static atomic_long sent, sent_sum, recvd, recvd_sum;
static unsigned char seen[MAXV];
static atomic_int dups;

static long producer(void *arg)
{
	long i;
	int r;

	for (i = 0; i < MAXV; i++) {
		r = gsched_chan_send_ctx(race_ctx, race_ch, &i);
		if (r == -ECANCELED)
			return 0;
		T_EQ(0, r);
		if (r)
			return -1;
		atomic_fetch_add(&sent, 1);
		atomic_fetch_add(&sent_sum, i);
	}
	return 0;
}

static void take(long v)
{
	if (v < 0 || v >= MAXV || seen[v]++)
		atomic_fetch_add(&dups, 1);
}

static long consumer(void *arg)
{
	long v;
	int r;

	for (;;) {
		r = gsched_chan_recv_ctx(race_ctx, race_ch, &v);
		if (r == -ECANCELED)
			return 0;
		T_EQ(1, r);
		if (r != 1)
			return -1;
		take(v);
		atomic_fetch_add(&recvd, 1);
		atomic_fetch_add(&recvd_sum, v);
	}
}

static long remaining, remaining_sum;
static long race_sent;	/* cancel after that many: 3,000, fewer when slow */

static long race_main(void *arg)
{
	int ids[NCONSUMERS + 1], i;
	long v;

	T_EQ(0, gsched_ctx_with_cancel(&race_ctx, NULL));
	T_EQ(0, gsched_chan_make(&race_ch, sizeof(long), 8));
	ids[0] = spawn_j(producer, NULL);
	for (i = 1; i <= NCONSUMERS; i++)
		ids[i] = spawn_j(consumer, NULL);
	while (atomic_load(&sent) < race_sent)
		gsched_sleep(MS);
	T_EQ(0, gsched_ctx_cancel(race_ctx));
	for (i = 0; i <= NCONSUMERS; i++)
		T_EQ(0, join_val(ids[i]));
	while (gsched_chan_tryrecv(race_ch, &v) == 1) {
		take(v);
		remaining++;
		remaining_sum += v;
	}
	gsched_ctx_free(race_ctx);
	return 0;
}

TEST(recv_ctx_race_conserves_values)
{
	race_sent = gs_scaled(3000, 500);
	RUN_OK(&two_p, race_main);
	EXPECT_EQ(sent, recvd + remaining);
	EXPECT_EQ(sent_sum, recvd_sum + remaining_sum);
	EXPECT_EQ(0, dups);
	EXPECT_GT(MAXV, sent);		/* the cancel stopped the producer */
	TH_LOG("sent %ld, received %ld, left in the buffer %ld", (long)sent,
	       (long)recvd, remaining);
}

/* ==== lock_ctx under contention with short timeouts ==== */

#define NCT	50
#define NIT	200
static int nit = NIT;	/* iterations per task, fewer on a slow kernel */
static atomic_int ct_inside, ct_overlap, ct_ok, ct_timeout, ct_other;
static atomic_int ct_rinside, ct_winside;
static volatile long ct_counter;

static unsigned int xorshift(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void ct_result(int r)
{
	if (r == 0)
		atomic_fetch_add(&ct_ok, 1);
	else if (r == -ETIMEDOUT)
		atomic_fetch_add(&ct_timeout, 1);
	else
		atomic_fetch_add(&ct_other, 1);
}

static long ct_mutex_task(void *arg)
{
	unsigned int seed = 2654435761U * ((unsigned int)(intptr_t)arg + 1);
	gsched_ctx_t c;
	int it, r;

	for (it = 0; it < nit; it++) {
		if (gsched_ctx_with_timeout(&c, NULL,
					    (xorshift(&seed) % 300) * 1000))
			return -1;
		r = gsched_mutex_lock_ctx(c, &mu);
		ct_result(r);
		if (!r) {
			if (atomic_fetch_add(&ct_inside, 1))
				atomic_fetch_add(&ct_overlap, 1);
			ct_counter++;
			if (xorshift(&seed) % 4 == 0)
				gsched_yield();
			atomic_fetch_sub(&ct_inside, 1);
			if (gsched_mutex_unlock(&mu))
				return -2;
		}
		gsched_ctx_free(c);
	}
	return 0;
}

static long ct_rw_task(void *arg)
{
	unsigned int seed = 2654435761U * ((unsigned int)(intptr_t)arg + 1);
	bool writer = (intptr_t)arg % 3 == 0;
	gsched_ctx_t c;
	int it, r;

	for (it = 0; it < nit; it++) {
		if (gsched_ctx_with_timeout(&c, NULL,
					    (xorshift(&seed) % 300) * 1000))
			return -1;
		r = writer ? gsched_rwmutex_lock_ctx(c, &rw) :
			     gsched_rwmutex_rlock_ctx(c, &rw);
		ct_result(r);
		if (!r && writer) {
			if (atomic_fetch_add(&ct_winside, 1) ||
			    atomic_load(&ct_rinside))
				atomic_fetch_add(&ct_overlap, 1);
			gsched_yield();
			atomic_fetch_sub(&ct_winside, 1);
			if (gsched_rwmutex_unlock(&rw))
				return -2;
		} else if (!r) {
			atomic_fetch_add(&ct_rinside, 1);
			if (atomic_load(&ct_winside))
				atomic_fetch_add(&ct_overlap, 1);
			gsched_yield();
			atomic_fetch_sub(&ct_rinside, 1);
			if (gsched_rwmutex_runlock(&rw))
				return -3;
		}
		gsched_ctx_free(c);
	}
	return 0;
}

static long ct_main(void *arg)
{
	gsched_fn_t fn = arg ? ct_rw_task : ct_mutex_task;
	int ids[NCT], i;

	T_EQ(0, gsched_mutex_init(&mu));
	T_EQ(0, gsched_rwmutex_init(&rw));
	for (i = 0; i < NCT; i++)
		ids[i] = spawn_j(fn, (void *)(intptr_t)i);
	for (i = 0; i < NCT; i++)
		T_EQ(0, join_val(ids[i]));
	/* nothing left locked or handed to a task that gave up */
	T_EQ(0, gsched_mutex_trylock(&mu));
	T_EQ(0, gsched_rwmutex_trylock(&rw));
	return 0;
}

TEST_F_TIMEOUT(slow, mutex_lock_ctx_contention_with_timeouts, 300)
{
	long ev = -1;

	nit = (int)gs_scaled(NIT, 20);
	ASSERT_EQ(0, gsched_run_opts(&two_p, ct_main, NULL, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, fails) TH_LOG("%s", fail_msg);
	EXPECT_EQ(0, ct_overlap);
	EXPECT_EQ(0, ct_other);
	EXPECT_EQ(NCT * nit, ct_ok + ct_timeout);
	EXPECT_EQ(ct_ok, ct_counter);
	TH_LOG("%d locked, %d timed out", (int)ct_ok, (int)ct_timeout);
}

TEST_F_TIMEOUT(slow, rwmutex_lock_ctx_contention_with_timeouts, 300)
{
	long ev = -1;

	nit = (int)gs_scaled(NIT, 20);
	ASSERT_EQ(0, gsched_run_opts(&two_p, ct_main, (void *)1, &ev));
	EXPECT_EQ(0, ev);
	EXPECT_EQ(0, fails) TH_LOG("%s", fail_msg);
	EXPECT_EQ(0, ct_overlap);
	EXPECT_EQ(0, ct_other);
	EXPECT_EQ(NCT * nit, ct_ok + ct_timeout);
	TH_LOG("%d locked, %d timed out", (int)ct_ok, (int)ct_timeout);
}

/* ==== a cancellation storm: 10,000 blocked tasks, one cancel ==== */

#define NSTORM		10000
#define FULLCAP		64
#define SENDBASE	1000000
static gsched_ctx_t storm_ctx;
static gsched_chan_t ch_full;
static atomic_int storm_cancelled, storm_other, storm_other_ret;
static atomic_int storm_cond_held;
static int storm_ids[NSTORM];
static int nstorm = NSTORM;	/* fewer on a slow kernel */
static long long storm_tasks_after = -1;
static long storm_full_left = -1, storm_full_foreign = -1;
static double storm_cancel_s;

static long storm_task(void *arg)
{
	int i = (int)(intptr_t)arg, k = i % (V_NKINDS + 1), held = 0, r;
	long v = SENDBASE + i;

	if (k == V_NKINDS)	/* a send into a full buffered channel */
		r = gsched_chan_send_ctx(storm_ctx, ch_full, &v);
	else
		r = do_variant(storm_ctx, k, SENDBASE + i, &held);
	if (r == -ECANCELED) {
		atomic_fetch_add(&storm_cancelled, 1);
	} else {
		atomic_fetch_add(&storm_other, 1);
		atomic_store(&storm_other_ret, r * 100 - k);
	}
	if (k == V_CONDWAIT && held)
		atomic_fetch_add(&storm_cond_held, 1);
	return 0;
}

static long storm_main(void *arg)
{
	struct gsched_task_info ti;
	uint64_t t0;
	long v, i;

	T_EQ(0, setup_objects());
	T_EQ(0, gsched_ctx_with_cancel(&storm_ctx, NULL));
	T_EQ(0, gsched_chan_make(&ch_full, sizeof(long), FULLCAP));
	for (i = 0; i < FULLCAP; i++)
		T_EQ(0, gsched_chan_send(ch_full, &i));
	for (i = 0; i < nstorm; i++) {
		storm_ids[i] = spawn_j(storm_task, (void *)(intptr_t)i);
		T_GT(0, storm_ids[i]);
		if (storm_ids[i] <= 0)
			return -1;
	}
	/* every one of them blocked */
	for (i = 0; i < nstorm; i++) {
		int n = 0;

		while (!gsched_task_info(storm_ids[i], &ti) &&
		       ti.state != GSCHED_TASK_WAITING && n++ < 100000)
			gsched_sleep(MS);
		T_EQ(GSCHED_TASK_WAITING, ti.state);
	}
	t0 = now_ns();
	T_EQ(0, gsched_ctx_cancel(storm_ctx));
	for (i = 0; i < nstorm; i++)
		T_EQ(0, join_val(storm_ids[i]));
	storm_cancel_s = (now_ns() - t0) / 1e9;
	storm_tasks_after = gs_sysfs_inst(gsched_instance_id(), "tasks");
	/* the buffered channel holds exactly the values put there first */
	storm_full_left = 0;
	storm_full_foreign = 0;
	while (gsched_chan_tryrecv(ch_full, &v) == 1) {
		storm_full_left++;
		storm_full_foreign += v >= FULLCAP;
	}
	check_objects_untouched();
	gsched_ctx_free(storm_ctx);
	return 0;
}

TEST_F_TIMEOUT(slow, cancellation_storm_10k, 900)
{
	struct gsched_opts o = { .nprocs = 2, .stack_size = GSCHED_STACK_MIN };
	uint64_t t0 = now_ns();
	int i, cond_tasks = 0;

	nstorm = (int)gs_scaled(NSTORM, 1000);
	for (i = 0; i < nstorm; i++)
		cond_tasks += i % (V_NKINDS + 1) == V_CONDWAIT;
	RUN_OK(&o, storm_main);
	EXPECT_EQ(nstorm, storm_cancelled);
	EXPECT_EQ(0, storm_other) TH_LOG("a result*100-kind: %d",
					 storm_other_ret);
	EXPECT_EQ(cond_tasks, storm_cond_held);
	EXPECT_EQ(1, storm_tasks_after);
	EXPECT_EQ(FULLCAP, storm_full_left);
	EXPECT_EQ(0, storm_full_foreign);
	TH_LOG("%d tasks: whole test %.1f s, cancel + joins %.1f s", nstorm,
	       (now_ns() - t0) / 1e9, storm_cancel_s);
}

/* ==== deadlines fire in deadline order ==== */

/*
 * Three contexts with deadlines 3, 1 and 2 steps away, a waiter on each
 * done channel: they must wake in deadline order.  That says something
 * only when all three waiters blocked before the first deadline: when
 * setting up took longer (a loaded debug guest once took over 300 ms), the
 * channels were closed already and the waiters ran in spawn order, which
 * proves nothing.  Such a round does not count; the next one uses steps
 * twice as long, up to DL_TRIES rounds, and the test fails if none counts.
 */
#define DL_TRIES	5
static const unsigned int dl_steps[3] = { 3, 1, 2 };
static gsched_ctx_t dl_ctx[3];
static uint64_t dl_deadline[3], dl_woke[3];
static int dl_order[3], dl_err[3], dl_valid;
static uint64_t dl_step_ms;
static atomic_int dl_n;

static long dl_waiter(void *arg)
{
	int i = (int)(intptr_t)arg;

	if (gsched_chan_recv(gsched_ctx_done(dl_ctx[i]), NULL) != 0)
		return -1;
	dl_woke[i] = now_ns();
	dl_order[atomic_fetch_add(&dl_n, 1)] = i;
	dl_err[i] = gsched_ctx_err(dl_ctx[i]);
	return 0;
}

static long dl_main(void *arg)
{
	uint64_t t0, d, first;
	int ids[3], i, try;

	for (try = 0; try < DL_TRIES && !dl_valid; try++) {
		dl_step_ms = 100ULL << try;
		atomic_store(&dl_n, 0);
		t0 = now_ns();
		for (i = 0; i < 3; i++) {
			dl_deadline[i] = t0 + dl_steps[i] * dl_step_ms * MS;
			T_EQ(0, gsched_ctx_with_deadline(&dl_ctx[i], NULL,
							 dl_deadline[i]));
			T_EQ(1, gsched_ctx_deadline(dl_ctx[i], &d));
			T_EQ(dl_deadline[i], d);
		}
		for (i = 0; i < 3; i++)
			ids[i] = spawn_j(dl_waiter, (void *)(intptr_t)i);
		for (i = 0; i < 3; i++)
			wait_blocked(ids[i]);
		first = now_ns();	/* all blocked (or woken) by now */
		for (i = 0; i < 3; i++)
			T_EQ(0, join_val(ids[i]));
		for (i = 0; i < 3; i++)
			gsched_ctx_free(dl_ctx[i]);
		dl_valid = first < dl_deadline[1];
	}
	return 0;
}

TEST(deadlines_fire_in_order)
{
	int i;

	RUN_OK(&one_p, dl_main);
	ASSERT_TRUE(dl_valid) TH_LOG("setup outran the deadlines %d times",
				     DL_TRIES);
	TH_LOG("steps of %llu ms", (unsigned long long)dl_step_ms);
	ASSERT_EQ(3, dl_n);
	EXPECT_EQ(1, dl_order[0]);	/* 1 step */
	EXPECT_EQ(2, dl_order[1]);	/* 2 steps */
	EXPECT_EQ(0, dl_order[2]);	/* 3 steps */
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-ETIMEDOUT, dl_err[i]);
		EXPECT_GE(dl_woke[i], dl_deadline[i]);	/* never early */
	}
}

/* ==== contexts shared between processes ==== */

static int sock[2];

/*
 * The child process: import the context, say ready, block in recv_ctx on
 * a channel of its own (under the imported context itself, or under a
 * child context made here when @arg is set). Exit status 0 when the call
 * returned -ECANCELED.
 */
static long importer(void *arg)
{
	gsched_ctx_t c, use;
	gsched_chan_t ch;
	long v;
	int fd = recv_fd(sock[1]), r;
	char ready = 'r';

	if (fd < 0 || gsched_ctx_import(fd, &c))
		return 10;
	close(fd);
	use = c;
	if (arg && gsched_ctx_with_cancel(&use, c))
		return 11;
	if (gsched_chan_make(&ch, sizeof(long), 0))
		return 12;
	if (gsched_ctx_err(use))
		return 13;
	if (write(sock[1], &ready, 1) != 1)
		return 14;
	r = gsched_chan_recv_ctx(use, ch, &v);
	if (r != -ECANCELED)
		return 20 + (r < 0 ? -r : r);
	if (gsched_ctx_err(c) != -ECANCELED || gsched_ctx_err(use) !=
	    -ECANCELED)
		return 15;
	if (gsched_chan_recv(gsched_ctx_done(c), NULL) != 0)
		return 16;
	if (use != c)
		gsched_ctx_free(use);
	gsched_ctx_free(c);
	return 0;
}

static long exporter(void *arg)
{
	gsched_ctx_t c;
	char ready;
	int fd;

	T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
	fd = gsched_ctx_export(c);
	T_GE(0, fd);
	T_EQ(0, send_fd(sock[0], fd));
	close(fd);
	T_EQ(1, read(sock[0], &ready, 1));	/* the child is about to block */
	gsched_sleep(50 * MS);
	T_EQ(0, gsched_ctx_cancel(c));
	gsched_ctx_free(c);
	return 0;
}

static void run_export_test(struct __test_metadata *_metadata, void *child)
{
	int status = -1;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long r = -1;
		int ret;

		alarm(60);
		ret = gsched_run_opts(&one_p, importer, child, &r);
		_exit(ret ? 100 + (-ret & 0x3f) : (int)r);
	}
	RUN_OK(&one_p, exporter);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("child killed by signal %d",
					      WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child exit %d (100 + errno: gsched_run failed)",
		       WEXITSTATUS(status));
}

TEST(export_cancel_across_processes)
{
	run_export_test(_metadata, NULL);
}

/* The importing process cancels; the exporter's blocked call ends. */
static int exporter_ret = -9999, exporter_err = -9999;

static long cancelling_importer(void *arg)
{
	gsched_ctx_t c;
	int fd = recv_fd(sock[1]);

	if (fd < 0 || gsched_ctx_import(fd, &c))
		return 10;
	close(fd);
	gsched_sleep(50 * MS);
	if (gsched_ctx_cancel(c))
		return 11;
	gsched_ctx_free(c);
	return 0;
}

static long waiting_exporter(void *arg)
{
	gsched_ctx_t c;
	gsched_chan_t ch;
	long v;
	int fd;

	T_EQ(0, gsched_ctx_with_cancel(&c, NULL));
	T_EQ(0, gsched_chan_make(&ch, sizeof(long), 0));
	fd = gsched_ctx_export(c);
	T_GE(0, fd);
	T_EQ(0, send_fd(sock[0], fd));
	close(fd);
	exporter_ret = gsched_chan_recv_ctx(c, ch, &v);
	exporter_err = gsched_ctx_err(c);
	gsched_ctx_free(c);
	return 0;
}

TEST(export_cancel_from_importer)
{
	int status = -1;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long r = -1;
		int ret;

		alarm(60);
		ret = gsched_run_opts(&one_p, cancelling_importer, NULL, &r);
		_exit(ret ? 100 + (-ret & 0x3f) : (int)r);
	}
	RUN_OK(&one_p, waiting_exporter);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(-ECANCELED, exporter_ret);
	EXPECT_EQ(-ECANCELED, exporter_err);
}

/* A child context made in the importing process is cancelled too. */
TEST(export_cancel_reaches_child_made_by_importer)
{
	run_export_test(_metadata, (void *)1);
}

/*
 * An exported context with a deadline still times out after the process
 * that made it (and its runtime instance) is gone.
 */
static long timed_importer(void *arg)
{
	struct gsched_select_case c[1];
	gsched_ctx_t ctx;
	int fd = recv_fd(sock[1]), r;
	char ready = 'r';

	if (fd < 0 || gsched_ctx_import(fd, &ctx))
		return 10;
	close(fd);
	if (write(sock[1], &ready, 1) != 1)
		return 11;
	c[0] = GSCHED_RECV(gsched_ctx_done(ctx), NULL);
	r = gsched_select(c, 1, GSCHED_SELECT_TIMEOUT, 5000 * MS, NULL);
	if (r == -ETIMEDOUT)
		return 30;	/* the deadline never fired */
	if (r != 0)
		return 31;
	if (gsched_ctx_err(ctx) != -ETIMEDOUT)
		return 32;
	gsched_ctx_free(ctx);
	return 0;
}

static long timed_exporter(void *arg)
{
	gsched_ctx_t c;
	char ready;
	int fd;

	T_EQ(0, gsched_ctx_with_timeout(&c, NULL, 300 * MS));
	fd = gsched_ctx_export(c);
	T_GE(0, fd);
	T_EQ(0, send_fd(sock[0], fd));
	close(fd);
	T_EQ(1, read(sock[0], &ready, 1));
	return 0;	/* the runtime, and its instance, end now */
}

TEST(export_deadline_outlives_creator)
{
	int status = -1;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sock));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		long r = -1;
		int ret;

		alarm(60);
		ret = gsched_run_opts(&one_p, timed_importer, NULL, &r);
		_exit(ret ? 100 + (-ret & 0x3f) : (int)r);
	}
	RUN_OK(&one_p, timed_exporter);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child exit %d (30: done never closed)",
		       WEXITSTATUS(status));
}

/* ==== a context's timer is no reason to wait forever ==== */

static long unused_timeout_main(void *arg)
{
	gsched_ctx_t c;
	gsched_chan_t ch;

	if (gsched_ctx_with_timeout(&c, NULL, 20 * MS) ||
	    gsched_chan_make(&ch, sizeof(long), 0))
		return 1;
	/*
	 * Blocked with nothing to wake it but a pending timer: no deadlock
	 * yet. Once the timer fired (waking nobody), Go reports one.
	 */
	gsched_chan_recv(ch, NULL);
	return 2;
}

TEST(deadlock_after_unused_context_timer)
{
	int status = -1;
	pid_t pid = fork();

	ASSERT_GE(pid, 0);
	if (!pid) {
		alarm(10);
		_exit(gsched_run_opts(&one_p, unused_timeout_main, NULL,
				      NULL) == -EDEADLK ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_FALSE(WIFSIGNALED(status))
		TH_LOG("hung: no deadlock report after the timer fired "
		       "(signal %d)", WTERMSIG(status));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ==== bad input through the raw ioctls ==== */

static int raw_ctx(int fd, __u32 op, __u32 h, __u64 deadline, __u64 arg,
		   struct gsched_ctx_op *out)
{
	struct gsched_ctx_op o = {
		.op = op, .handle = h, .deadline_ns = deadline, .arg = arg,
	};
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CTX, &o);

	if (out)
		*out = o;
	return ret;
}

static int raw_make_ctx(int fd, __u32 parent, __u64 deadline, __u32 *h,
			__u32 *done)
{
	struct gsched_ctx_op o;
	int ret = raw_ctx(fd, GSCHED_CTX_MAKE, parent, deadline, 0, &o);

	if (!ret) {
		if (h)
			*h = o.handle;
		if (done)
			*done = o.done;
	}
	return ret;
}

static int raw_err(int fd, __u32 h)
{
	struct gsched_ctx_op o;
	int ret = raw_ctx(fd, GSCHED_CTX_INFO, h, 0, 0, &o);

	return ret ? ret - 1000 : o.err;
}

/* 1 when channel @h is closed, 0 when open, or -errno */
static int raw_chan_closed(int fd, __u32 h)
{
	struct gsched_chan_op o = { .worker = GSCHED_NO_WORKER,
				    .op = GSCHED_CHAN_INFO, .handle = h };
	int ret = gs_raw_ioctl(fd, GSCHED_IOC_CHAN, &o);

	return ret ? ret : (int)o.ok;
}

static const __u32 handle_ops[] = {
	GSCHED_CTX_CANCEL, GSCHED_CTX_INFO, GSCHED_CTX_RELEASE,
	GSCHED_CTX_EXPORT,
};

TEST_F(raw, ctx_bad_op_and_fields)
{
	struct gsched_ctx_op o;
	unsigned int j;
	__u32 h;

	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, 0, &h, NULL));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, 0, h, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_OP_MAX + 1, h, 0, 0,
				   NULL));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, 0xffffffff, h, 0, 0, NULL));
	o = (struct gsched_ctx_op){ .flags = 1, .op = GSCHED_CTX_INFO,
				    .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &o));
	o = (struct gsched_ctx_op){ .__pad = 1, .op = GSCHED_CTX_INFO,
				    .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &o));
	o = (struct gsched_ctx_op){ .__reserved = 1, .op = GSCHED_CTX_MAKE };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &o));
	o = (struct gsched_ctx_op){ .__pad2 = 1, .op = GSCHED_CTX_CANCEL,
				    .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &o));
	/* the refused cancel did nothing */
	EXPECT_EQ(0, raw_err(self->fd, h));
	/* output fields are overwritten, whatever comes in */
	o = (struct gsched_ctx_op){ .op = GSCHED_CTX_INFO, .handle = h,
				    .done = 5, .err = 3, .deadline = 9,
				    .fd = 7 };
	EXPECT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CTX, &o));
	EXPECT_EQ(0, o.err);
	EXPECT_EQ(0ULL, o.deadline);
	/*
	 * deadline_ns belongs to MAKE, arg to IMPORT (the fd) and EXPORT
	 * (GSCHED_EXPORT_* flags: an unknown bit is refused)
	 */
	for (j = 0; j < ARRAY_SIZE(handle_ops); j++) {
		__u64 arg = handle_ops[j] == GSCHED_CTX_EXPORT ? 2 : 1;

		EXPECT_EQ(-EINVAL, raw_ctx(self->fd, handle_ops[j], h, 1, 0,
					   NULL)) TH_LOG("op %u", handle_ops[j]);
		EXPECT_EQ(-EINVAL, raw_ctx(self->fd, handle_ops[j], h, 0, arg,
					   NULL)) TH_LOG("op %u", handle_ops[j]);
	}
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_MAKE, 0, 0, 1, NULL));
	EXPECT_EQ(0, raw_err(self->fd, h));
}

TEST_F(raw, ctx_make_bad_parent)
{
	struct gsched_spawn sp = { .worker = GSCHED_NO_WORKER, .cookie = 1 };
	struct gsched_chan_make mk = { .elem_size = 8 };
	struct gsched_sync_op so = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_SYNC_MAKE,
				     .arg = GSCHED_SYNC_MUTEX };
	__u32 h, done;

	EXPECT_EQ(-EBADF, raw_make_ctx(self->fd, 4242, 0, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_make_ctx(self->fd, 0x7fffffff, 0, NULL, NULL));
	EXPECT_EQ(-EBADF, raw_make_ctx(self->fd, 0xffffffff, 0, NULL, NULL));
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &mk));
	EXPECT_EQ(-EINVAL, raw_make_ctx(self->fd, mk.handle, 0, NULL, NULL));
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &so));
	EXPECT_EQ(-EINVAL, raw_make_ctx(self->fd, so.handle, 0, NULL, NULL));
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_SPAWN, &sp));
	EXPECT_EQ(-EINVAL, raw_make_ctx(self->fd, sp.id, 0, NULL, NULL));
	/* a context's done channel is a channel, not a context */
	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, 0, &h, &done));
	EXPECT_EQ(-EINVAL, raw_make_ctx(self->fd, done, 0, NULL, NULL));
	/* and a context is not a channel nor a sync object */
	EXPECT_EQ(-EINVAL, raw_chan_closed(self->fd, h));
	so = (struct gsched_sync_op){ .worker = GSCHED_NO_WORKER,
				      .op = GSCHED_SYNC_TRYLOCK, .handle = h };
	EXPECT_EQ(-EINVAL, gs_raw_ioctl(self->fd, GSCHED_IOC_SYNC, &so));
}

TEST_F(raw, ctx_forged_handles)
{
	static const __u32 forged[] = { 0, 4242, 0x7fffffff, 0xffffffff };
	struct gsched_chan_make mk = { .elem_size = 8 };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(forged); i++)
		for (j = 0; j < ARRAY_SIZE(handle_ops); j++)
			EXPECT_EQ(-EBADF, raw_ctx(self->fd, handle_ops[j],
						  forged[i], 0, 0, NULL))
				TH_LOG("op %u handle %u", handle_ops[j],
				       forged[i]);
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &mk));
	for (j = 0; j < ARRAY_SIZE(handle_ops); j++)
		EXPECT_EQ(-EINVAL, raw_ctx(self->fd, handle_ops[j], mk.handle,
					   0, 0, NULL))
			TH_LOG("op %u on a channel", handle_ops[j]);
}

TEST_F(raw, ctx_import_errors)
{
	struct gsched_chan_make mk = { .elem_size = 8 };
	struct gsched_chan_op co = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_EXPORT };
	struct gsched_ctx_op o;
	int p[2], efd;
	__u32 h;

	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, p[0],
				   NULL));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, self->fd,
				   NULL));
	/* a channel's fd is not a context's */
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN_MAKE, &mk));
	co.handle = mk.handle;
	ASSERT_EQ(0, gs_raw_ioctl(self->fd, GSCHED_IOC_CHAN, &co));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, co.fd,
				   NULL));
	/* not an open fd */
	EXPECT_EQ(-EBADF, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, 9999,
				  NULL));
	EXPECT_EQ(-EBADF, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0,
				  1ULL << 40, NULL));
	EXPECT_EQ(-EBADF, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, ~0ULL,
				  NULL));
	/* a good fd with fields IMPORT does not take */
	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, 0, &h, NULL));
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_EXPORT, h, 0, 0, &o));
	efd = o.fd;
	ASSERT_GE(efd, 0);
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_IMPORT, h, 0, efd,
				   NULL));
	EXPECT_EQ(-EINVAL, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 1, efd,
				   NULL));
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, efd, &o));
	EXPECT_NE(0U, o.handle);
	EXPECT_NE(h, o.handle);
	close(efd);
	close(co.fd);
	close(p[0]);
	close(p[1]);
}

TEST_F(raw, ctx_release_twice)
{
	__u32 h, c, done;

	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, 0, &h, &done));
	ASSERT_EQ(0, raw_make_ctx(self->fd, h, 0, &c, NULL));
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_RELEASE, h, 0, 0, NULL));
	EXPECT_EQ(-EBADF, raw_ctx(self->fd, GSCHED_CTX_RELEASE, h, 0, 0, NULL));
	EXPECT_EQ(-EBADF, raw_ctx(self->fd, GSCHED_CTX_INFO, h, 0, 0, NULL));
	EXPECT_EQ(-EBADF, raw_ctx(self->fd, GSCHED_CTX_CANCEL, h, 0, 0, NULL));
	EXPECT_EQ(-EBADF, raw_make_ctx(self->fd, h, 0, NULL, NULL));
	/* the child lives on without its parent's handle */
	EXPECT_EQ(0, raw_err(self->fd, c));
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_CANCEL, c, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(self->fd, c));
	/* the done channel's handle outlives the context's handle */
	EXPECT_EQ(0, raw_chan_closed(self->fd, done));
}

TEST_F(raw, ctx_raw_semantics)
{
	struct gsched_ctx_op o;
	__u32 p, c, late, past, imp, done, cdone, idone;
	__u64 d = 0;

	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_MAKE, 0, 0, 0, &o));
	p = o.handle;
	done = o.done;
	EXPECT_NE(0U, p);
	EXPECT_NE(0U, done);
	EXPECT_EQ(0ULL, o.deadline);
	EXPECT_EQ(0, raw_chan_closed(self->fd, done));
	ASSERT_EQ(0, raw_make_ctx(self->fd, p, 0, &c, &cdone));
	EXPECT_NE(done, cdone);
	/* cancel the parent: both done, both closed; cancel again is fine */
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_CANCEL, p, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(self->fd, p));
	EXPECT_EQ(-ECANCELED, raw_err(self->fd, c));
	EXPECT_EQ(1, raw_chan_closed(self->fd, done));
	EXPECT_EQ(1, raw_chan_closed(self->fd, cdone));
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_CANCEL, p, 0, 0, NULL));
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_CANCEL, c, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(self->fd, c));
	/* a child of a cancelled parent is born cancelled */
	ASSERT_EQ(0, raw_make_ctx(self->fd, p, 0, &late, &cdone));
	EXPECT_EQ(-ECANCELED, raw_err(self->fd, late));
	EXPECT_EQ(1, raw_chan_closed(self->fd, cdone));
	/* a deadline in the past: DeadlineExceeded at once */
	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, 1, &past, &cdone));
	EXPECT_EQ(-ETIMEDOUT, raw_err(self->fd, past));
	EXPECT_EQ(1, raw_chan_closed(self->fd, cdone));
	/* effective deadlines */
	d = now_ns() + HOUR;
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_MAKE, 0, d, 0, &o));
	EXPECT_EQ(d, o.deadline);
	p = o.handle;
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_MAKE, p, d + 1, 0, &o));
	EXPECT_EQ(d, o.deadline);
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_MAKE, p, d - 1, 0, &o));
	EXPECT_EQ(d - 1, o.deadline);
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_MAKE, p, 0, 0, &o));
	EXPECT_EQ(d, o.deadline);
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_INFO, o.handle, 0, 0, &o));
	EXPECT_EQ(d, o.deadline);
	EXPECT_EQ(0, o.err);
	/* export and import into the same instance: one context */
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_EXPORT, p, 0, 0, &o));
	ASSERT_GE(o.fd, 0);
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_IMPORT, 0, 0, o.fd, &o));
	imp = o.handle;
	idone = o.done;
	EXPECT_EQ(d, o.deadline);
	EXPECT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_CANCEL, imp, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(self->fd, p));
	EXPECT_EQ(1, raw_chan_closed(self->fd, idone));
}

/* An exported context outlives its instance and can be used elsewhere. */
TEST_F(raw, ctx_fd_outlives_instance)
{
	struct gsched_ctx_op o;
	unsigned int id2;
	int fd2, efd, i;
	__u32 h, c;

	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, now_ns() + HOUR, &h, NULL));
	ASSERT_EQ(0, raw_make_ctx(self->fd, h, 0, &c, NULL));
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_EXPORT, h, 0, 0, &o));
	efd = o.fd;
	/* more contexts and timers left behind on purpose */
	for (i = 0; i < 50; i++)
		ASSERT_EQ(0, raw_make_ctx(self->fd, i & 1 ? h : 0,
					  now_ns() + (i + 1) * MS, NULL, NULL));
	close(self->fd);
	self->fd = gs_raw_instance(1, &id2);
	ASSERT_GE(self->fd, 0);
	fd2 = self->fd;
	ASSERT_EQ(0, raw_ctx(fd2, GSCHED_CTX_IMPORT, 0, 0, efd, &o));
	close(efd);
	h = o.handle;
	EXPECT_EQ(0, raw_err(fd2, h));
	ASSERT_EQ(0, raw_make_ctx(fd2, h, 0, &c, NULL));
	EXPECT_EQ(0, raw_ctx(fd2, GSCHED_CTX_CANCEL, h, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(fd2, c));
	usleep(100 * 1000);	/* the left-behind deadlines pass */
}

/*
 * A tree's lock lives in its root. Here the only path to the root is the
 * chain of parent references of an exported inner context: the instance
 * that made the root is gone, and another instance grows, cancels and
 * frees a subtree below it. Every one of those steps takes the root's
 * lock (KASAN in the debug guest sees a root freed too early).
 */
TEST_F(raw, ctx_tree_outlives_its_root_handle)
{
	__u32 r, c, g, imp, d, e, ddone, edone;
	struct gsched_ctx_op o;
	unsigned int id2;
	int fd2, efd;

	ASSERT_EQ(0, raw_make_ctx(self->fd, 0, 0, &r, NULL));
	ASSERT_EQ(0, raw_make_ctx(self->fd, r, 0, &c, NULL));
	ASSERT_EQ(0, raw_make_ctx(self->fd, c, now_ns() + HOUR, &g, NULL));
	ASSERT_EQ(0, raw_ctx(self->fd, GSCHED_CTX_EXPORT, c, 0, 0, &o));
	efd = o.fd;
	close(self->fd);	/* r's and g's handles go: g is freed */
	self->fd = gs_raw_instance(1, &id2);
	ASSERT_GE(self->fd, 0);
	fd2 = self->fd;
	ASSERT_EQ(0, raw_ctx(fd2, GSCHED_CTX_IMPORT, 0, 0, efd, &o));
	imp = o.handle;
	close(efd);		/* imp's handle is the chain's last holder */
	ASSERT_EQ(0, raw_make_ctx(fd2, imp, 0, &d, &ddone));
	ASSERT_EQ(0, raw_make_ctx(fd2, d, now_ns() + HOUR, &e, &edone));
	/* cancelling the middle of the tree stops below it, not above */
	EXPECT_EQ(0, raw_ctx(fd2, GSCHED_CTX_CANCEL, d, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(fd2, e));
	EXPECT_EQ(1, raw_chan_closed(fd2, ddone));
	EXPECT_EQ(1, raw_chan_closed(fd2, edone));
	EXPECT_EQ(0, raw_err(fd2, imp));
	/* d holds c, which holds r: d's release frees d, c and r in turn */
	EXPECT_EQ(0, raw_ctx(fd2, GSCHED_CTX_RELEASE, e, 0, 0, NULL));
	EXPECT_EQ(0, raw_ctx(fd2, GSCHED_CTX_RELEASE, imp, 0, 0, NULL));
	EXPECT_EQ(-ECANCELED, raw_err(fd2, d));
	EXPECT_EQ(0, raw_ctx(fd2, GSCHED_CTX_RELEASE, d, 0, 0, NULL));
	EXPECT_EQ(-EBADF, raw_err(fd2, d) + 1000);
}

/*
 * ==== a deadline firing while user space releases its context ====
 *
 * A deadline's work item cancels its context's subtree: it takes a
 * reference on every context there under the tree's lock and drops them
 * after the lock. When user space released a context in between, one of
 * those puts is the last: it frees that context from inside the work
 * item, and with it every ancestor it kept alive, the work item's own
 * context included. That must neither wait for the work item itself nor
 * leak anything.
 *
 * The window is widened with a chain: the root has the deadline, each
 * context is the child of the one before (so each holds its parent), and
 * only the leaf keeps a handle. Once the root's done channel is closed the
 * work item is walking down the chain; the leaf is released right then,
 * and its free path (it waits for the mutex until the walk is over) races
 * the work item's puts down the chain to the leaf's parent. Whoever drops
 * the last reference frees the whole chain.
 */
#define DLR_DEPTH	4096
#define DLR_BUDGET_NS	(60000 * MS)	/* no new round after this */

struct dlr {
	int fd;
	int cpu[2];		/* the maker's (timers fire there), the releaser's */
	pthread_barrier_t go, made;
	atomic_int stop;
	__u64 lead;		/* from the start of a round to its deadline */
	__u32 leaf;
	__u32 dones[DLR_DEPTH];	/* done channels of the round, root first */
	int ndones, late;
	atomic_int err;		/* the first error of either thread */
};

static void dlr_err(struct dlr *r, int ret)
{
	int none = 0;

	if (ret)
		atomic_compare_exchange_strong(&r->err, &none, ret);
}

static int dlr_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* The first two CPUs this test may run on; -1 when there is only one. */
static void dlr_cpus(int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	if (n < 2)
		cpu[0] = cpu[1] = -1;
}

static void dlr_release_dones(struct dlr *r)
{
	struct gsched_chan_op co = { .worker = GSCHED_NO_WORKER,
				     .op = GSCHED_CHAN_RELEASE };
	int i;

	for (i = 0; i < r->ndones; i++) {
		co.handle = r->dones[i];
		dlr_err(r, gs_raw_ioctl(r->fd, GSCHED_IOC_CHAN, &co));
	}
	r->ndones = 0;
}

/* Makes each round's chain on the first CPU, where its timers then fire. */
static void *dlr_maker(void *arg)
{
	struct dlr *r = arg;
	struct gsched_ctx_op o;
	__u64 t0, t, deadline;
	__u32 parent;
	int i;

	dlr_err(r, dlr_pin(r->cpu[0]));
	for (;;) {
		pthread_barrier_wait(&r->go);
		dlr_release_dones(r);	/* the last round's */
		if (atomic_load(&r->stop))
			break;
		t0 = now_ns();
		deadline = t0 + r->lead;
		parent = 0;
		for (i = 0; i < DLR_DEPTH && !atomic_load(&r->err); i++) {
			dlr_err(r, raw_ctx(r->fd, GSCHED_CTX_MAKE, parent,
					   i ? 0 : deadline, 0, &o));
			if (atomic_load(&r->err))
				break;
			r->dones[r->ndones++] = o.done;
			/* the child holds it now */
			if (parent)
				dlr_err(r, raw_ctx(r->fd, GSCHED_CTX_RELEASE,
						   parent, 0, 0, NULL));
			parent = o.handle;
		}
		r->leaf = parent;
		/* twice what this chain took; more when it came too late */
		t = now_ns();
		if (t >= deadline) {
			r->late++;
			r->lead *= 2;
		} else {
			r->lead = 2 * (t - t0) + 5 * MS;
		}
		pthread_barrier_wait(&r->made);
	}
	return NULL;
}

/* Wait until the instance's count @file is @want; return the last seen. */
static long long dlr_settle(unsigned int id, const char *file, long long want)
{
	long long v = -1;
	int i;

	for (i = 0; i < 1000; i++) {
		v = gs_sysfs_inst(id, file);
		if (v == want)
			break;
		usleep(10 * 1000);
	}
	return v;
}

TEST_F_TIMEOUT(raw, ctx_deadline_vs_release, 300)
{
	struct dlr r = { .fd = self->fd, .lead = 100 * MS };
	long rounds = gs_scaled(20, 4), k;
	long long chans, timers;
	pthread_t maker;
	__u64 t0, until;

	ASSERT_EQ(0, dlr_settle(self->id, "channels", 0));
	dlr_cpus(r.cpu);
	ASSERT_EQ(0, pthread_barrier_init(&r.go, NULL, 2));
	ASSERT_EQ(0, pthread_barrier_init(&r.made, NULL, 2));
	ASSERT_EQ(0, pthread_create(&maker, NULL, dlr_maker, &r));
	dlr_err(&r, dlr_pin(r.cpu[1]));
	t0 = now_ns();
	for (k = 0; k < rounds && now_ns() - t0 < DLR_BUDGET_NS; k++) {
		pthread_barrier_wait(&r.go);
		pthread_barrier_wait(&r.made);
		if (atomic_load(&r.err))
			break;
		/* the work item has begun its walk (or the deadline is gone) */
		until = now_ns() + 2000 * MS;
		while (!raw_chan_closed(self->fd, r.dones[0]) &&
		       now_ns() < until)
			;
		dlr_err(&r, raw_ctx(self->fd, GSCHED_CTX_RELEASE, r.leaf, 0, 0,
				    NULL));
	}
	atomic_store(&r.stop, 1);
	pthread_barrier_wait(&r.go);
	pthread_join(maker, NULL);
	pthread_barrier_destroy(&r.go);
	pthread_barrier_destroy(&r.made);
	ASSERT_EQ(0, atomic_load(&r.err));

	/* every chain was freed: its done channels and timers are gone */
	chans = dlr_settle(self->id, "channels", 0);
	timers = dlr_settle(self->id, "timers", 0);
	EXPECT_EQ(0, chans)
		TH_LOG("%lld contexts never freed: stuck in a deadline work?",
		       chans);
	EXPECT_EQ(0, timers);
	TH_LOG("%ld chains of %d contexts (%d made late) in %.1f s, CPUs %d and %d",
	       k, DLR_DEPTH, r.late, (now_ns() - t0) / 1e9, r.cpu[0],
	       r.cpu[1]);
}

TEST_HARNESS_MAIN
