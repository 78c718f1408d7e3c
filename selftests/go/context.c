// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go 1.19's src/context/context_test.go (run through
 * x_test.go): the context tree, cancellation, deadlines and values.
 *
 * Go's Background() is NULL (a nil done channel, never done), Canceled and
 * DeadlineExceeded are -ECANCELED and -ETIMEDOUT from gsched_ctx_err(),
 * and a CancelFunc is gsched_ctx_cancel(). "select { case <-c.Done():
 * default: }" is a select with a default case (done()). Go's otherContext,
 * a Context of a type the package did not make, is here the same context
 * reached another way: exported and imported back into this runtime
 * (other()), which names the same kernel context but none of its values
 * (gsched_ctx_export(3)). Go's quiescent() is 5 s, times
 * GSCHED_TEST_TIMEOUT_SCALE: every wait that "should not time out" gives
 * up after it and fails.
 *
 * Adapted:
 *   ParentFinishesChild, ChildFinishesFirst, CancelRemoves look into the
 *	cancelCtx's children map. The kernel's tree is not visible, so the
 *	ports check what the map stands for: a cancelled child with a
 *	deadline no longer holds a timer in the instance ("timers" in
 *	sysfs), and freeing cancelled children gives their done channels
 *	back ("channels").
 *   Values: Go's keys of different types with the same int are different
 *	addresses here; the otherContext cases become an imported context,
 *	which carries no values (documented), under a value context.
 *   WithValueChecksKey: a non-comparable key cannot be written in C (a
 *	key is an address); the nil key is -EINVAL, as documented.
 *   InvalidDerivedFail: a NULL parent is Background here, not a misuse;
 *	the C misuse is a NULL result pointer: -EINVAL, nothing made.
 *   DeadlineExceededSupportsTimeout: Go's Timeout() bool becomes "the
 *	error is -ETIMEDOUT, the code a select timeout returns".
 *   CustomContextGoroutines: Go starts a goroutine per child of a Context
 *	type it does not know. Here deriving from an imported context must
 *	start no task at all (the instance's "tasks" stays put), and its
 *	cancellation still reaches the children.
 *   LayersCancel, LayersTimeout also check Err (-ECANCELED, -ETIMEDOUT).
 *
 * Left out: TestTODO (TODO() is Background(), NULL, in C: TestBackground
 * covers it); the String() checks of several tests (no String()); TestAllocs
 * (allocation counts of Go's runtime); benchmark_test.go, example_test.go
 * and net_test.go (DeadlineExceeded as a net.Error: the Timeout() part is
 * DeadlineExceededSupportsTimeout).
 */
#include <unistd.h>

#include "go.h"

/* A "# " line of the TAP output, written before the test's _exit() */
#define go_log(...) do { printf(__VA_ARGS__); fflush(stdout); } while (0)

#define SECOND		(1000 * MS)
#define HOUR		(3600 * SECOND)

static const uint64_t short_duration = MS;		/* shortDuration */
static const uint64_t very_long_duration = 1000 * HOUR;	/* veryLongDuration */

static uint64_t quiescent(void)
{
	return 5 * SECOND * (uint64_t)gs_timeout_scale();
}

/*
 * select { case <-c.Done(): return 1; default: return 0 }; a done channel
 * only closes, so a value received from it is a failure too.
 */
static int done(gsched_ctx_t c)
{
	struct gsched_select_case cs[1] = {
		GSCHED_RECV(gsched_ctx_done(c), NULL),
	};
	int ok = -1, r = gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, &ok);

	if (r == -EAGAIN)
		return 0;
	T_EQ(0, r);
	T_EQ(0, ok);	/* closed, no value */
	return r == 0 ? 1 : r;
}

/* Wait for c.Done() at most quiescent(): 1 when it came, 0 when not. */
static int wait_done(gsched_ctx_t c, uint64_t timeout)
{
	struct gsched_select_case cs[1] = {
		GSCHED_RECV(gsched_ctx_done(c), NULL),
	};
	int r = gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, timeout, NULL);

	if (r == -ETIMEDOUT)
		return 0;
	T_EQ(0, r);
	return r == 0;
}

/* otherContext{c}: the same kernel context through an imported handle. */
static gsched_ctx_t other(gsched_ctx_t c)
{
	gsched_ctx_t o = NULL;
	int fd = gsched_ctx_export(c);

	T_GE(0, fd);
	if (fd >= 0) {
		T_EQ(0, gsched_ctx_import(fd, &o));
		close(fd);
	}
	T_TRUE(o != NULL);
	return o;
}

static gsched_ctx_t with_cancel(gsched_ctx_t parent)
{
	gsched_ctx_t c = NULL;

	T_EQ(0, gsched_ctx_with_cancel(&c, parent));
	return c;
}

static gsched_ctx_t with_timeout(gsched_ctx_t parent, uint64_t d)
{
	gsched_ctx_t c = NULL;

	T_EQ(0, gsched_ctx_with_timeout(&c, parent, d));
	return c;
}

static gsched_ctx_t with_deadline(gsched_ctx_t parent, uint64_t when)
{
	gsched_ctx_t c = NULL;

	T_EQ(0, gsched_ctx_with_deadline(&c, parent, when));
	return c;
}

static gsched_ctx_t with_value(gsched_ctx_t parent, const void *key,
			       void *val)
{
	gsched_ctx_t c = NULL;

	T_EQ(0, gsched_ctx_with_value(&c, parent, key, val));
	return c;
}

static long long inst_count(const char *what)
{
	return gs_sysfs_inst(gsched_instance_id(), what);
}

/* ==== Background ====================================================== */

static long background_main(void *arg)
{
	gsched_ctx_t c = NULL;	/* Background() */
	uint64_t d = 7;
	static int key;

	T_EQ(0U, gsched_ctx_done(c));	/* the nil channel */
	T_EQ(0, done(c));		/* it should block */
	T_EQ(0, gsched_ctx_err(c));
	T_EQ(0, gsched_ctx_deadline(c, &d));
	T_TRUE(gsched_ctx_value(c, &key) == NULL);
	return 0;
}

TEST(TestBackground)
{
	RUN_OK(&go_default_procs, background_main);
}

/* ==== WithCancel ====================================================== */

static long with_cancel_main(void *arg)
{
	gsched_ctx_t c1 = with_cancel(NULL), o, c2, contexts[3];
	int i;

	o = other(c1);
	c2 = with_cancel(o);
	contexts[0] = c1;
	contexts[1] = o;
	contexts[2] = c2;
	for (i = 0; i < 3; i++) {
		T_NE(0U, gsched_ctx_done(contexts[i]));	/* want non-nil */
		T_EQ(0, gsched_ctx_err(contexts[i]));
		T_EQ(0, done(contexts[i]));		/* it should block */
	}

	T_EQ(0, gsched_ctx_cancel(c1));	/* should propagate synchronously */
	for (i = 0; i < 3; i++) {
		T_EQ(1, done(contexts[i]));
		T_EQ(-ECANCELED, gsched_ctx_err(contexts[i]));
	}
	gsched_ctx_free(c2);
	gsched_ctx_free(o);
	gsched_ctx_free(c1);
	return 0;
}

TEST(TestWithCancel)
{
	RUN_OK(&go_default_procs, with_cancel_main);
}

/* ==== ParentFinishesChild ============================================= */

/*
 * Context tree:
 * parent -> cancelChild
 * parent -> valueChild -> timerChild
 */
static long parent_finishes_child_main(void *arg)
{
	gsched_ctx_t parent, cancel_child, value_child, timer_child;
	gsched_ctx_t precanceled_child, precanceled_cancel;
	long long timers0, chans0;
	static const char key[] = "key";
	static char value[] = "value";

	timers0 = inst_count("timers");
	parent = with_cancel(NULL);
	cancel_child = with_cancel(parent);
	value_child = with_value(parent, key, value);
	timer_child = with_timeout(value_child, very_long_duration);

	T_EQ(0, done(parent));
	T_EQ(0, done(cancel_child));
	T_EQ(0, done(timer_child));
	T_EQ(0, done(value_child));
	/* the linkage: timerChild's deadline is armed, once */
	T_EQ(timers0 + 1, inst_count("timers"));

	T_EQ(0, gsched_ctx_cancel(parent));

	/* pc.cancel cleared pc.children: timerChild's deadline is gone */
	T_EQ(timers0, inst_count("timers"));

	/* parent and children should all be finished */
	T_EQ(1, done(parent));
	T_EQ(-ECANCELED, gsched_ctx_err(parent));
	T_EQ(1, done(cancel_child));
	T_EQ(-ECANCELED, gsched_ctx_err(cancel_child));
	T_EQ(1, done(value_child));
	T_EQ(-ECANCELED, gsched_ctx_err(value_child));
	T_EQ(1, done(timer_child));
	T_EQ(-ECANCELED, gsched_ctx_err(timer_child));

	/* a context derived from a canceled parent is canceled */
	precanceled_child = with_value(parent, key, value);
	T_EQ(1, done(precanceled_child));
	T_EQ(-ECANCELED, gsched_ctx_err(precanceled_child));
	precanceled_cancel = with_cancel(parent);
	T_EQ(1, done(precanceled_cancel));
	T_EQ(-ECANCELED, gsched_ctx_err(precanceled_cancel));

	/* freed, the children give back what they held */
	chans0 = inst_count("channels");
	gsched_ctx_free(precanceled_cancel);
	gsched_ctx_free(precanceled_child);
	gsched_ctx_free(timer_child);
	gsched_ctx_free(value_child);
	gsched_ctx_free(cancel_child);
	T_EQ(chans0 - 3, inst_count("channels"));
	gsched_ctx_free(parent);
	T_EQ(chans0 - 4, inst_count("channels"));
	return 0;
}

TEST(TestParentFinishesChild)
{
	RUN_OK(&go_default_procs, parent_finishes_child_main);
}

/* ==== ChildFinishesFirst ============================================== */

static long child_finishes_first_main(void *arg)
{
	gsched_ctx_t cancelable = with_cancel(NULL), parents[2], parent, child;
	long long timers0;
	int i;

	parents[0] = NULL;	/* Background() */
	parents[1] = cancelable;
	for (i = 0; i < 2; i++) {
		parent = parents[i];
		child = with_cancel(parent);
		T_EQ(0, done(parent));
		T_EQ(0, done(child));

		T_EQ(0, gsched_ctx_cancel(child));

		/* child should be finished */
		T_EQ(1, done(child));
		T_EQ(-ECANCELED, gsched_ctx_err(child));
		/* parent should not be finished */
		T_EQ(0, done(parent));
		T_EQ(0, gsched_ctx_err(parent));
		gsched_ctx_free(child);
	}

	/* the child's cancel removed it: its timer too (pc.children) */
	timers0 = inst_count("timers");
	child = with_timeout(cancelable, very_long_duration);
	T_EQ(timers0 + 1, inst_count("timers"));
	T_EQ(0, gsched_ctx_cancel(child));
	T_EQ(timers0, inst_count("timers"));
	T_EQ(0, done(cancelable));
	gsched_ctx_free(child);
	gsched_ctx_free(cancelable);
	return 0;
}

TEST(TestChildFinishesFirst)
{
	RUN_OK(&go_default_procs, child_finishes_first_main);
}

/* ==== Deadline, Timeout, CanceledTimeout ============================== */

/* testDeadline: c ends, with DeadlineExceeded, within quiescent(). */
static void test_deadline(gsched_ctx_t c, int line)
{
	if (!wait_done(c, quiescent())) {
		t_fail(line, "context not timed out after quiescent()", 1, 0);
		return;
	}
	if (gsched_ctx_err(c) != -ETIMEDOUT)
		t_fail(line, "c.Err() == DeadlineExceeded", -ETIMEDOUT,
		       gsched_ctx_err(c));
}

/* c.Deadline() is @want. */
static void check_deadline(gsched_ctx_t c, uint64_t want)
{
	uint64_t d = 0;

	T_EQ(1, gsched_ctx_deadline(c, &d));
	T_EQ(want, d);
}

static long deadline_main(void *arg)
{
	gsched_ctx_t c, o, c2;
	uint64_t when;

	when = now_ns() + short_duration;
	c = with_deadline(NULL, when);
	check_deadline(c, when);
	test_deadline(c, __LINE__);	/* WithDeadline */
	gsched_ctx_free(c);

	c = with_deadline(NULL, now_ns() + short_duration);
	o = other(c);
	test_deadline(o, __LINE__);	/* WithDeadline+otherContext */
	gsched_ctx_free(o);
	gsched_ctx_free(c);

	when = now_ns() + short_duration;
	c = with_deadline(NULL, when);
	o = other(c);
	c2 = with_deadline(o, now_ns() + very_long_duration);
	check_deadline(c2, when);	/* the earlier one */
	test_deadline(c2, __LINE__);	/* WithDeadline+otherContext+WithDeadline */
	gsched_ctx_free(c2);
	gsched_ctx_free(o);
	gsched_ctx_free(c);

	c = with_deadline(NULL, now_ns() - short_duration);
	test_deadline(c, __LINE__);	/* WithDeadline+inthepast */
	gsched_ctx_free(c);

	c = with_deadline(NULL, now_ns());
	test_deadline(c, __LINE__);	/* WithDeadline+now */
	gsched_ctx_free(c);
	return 0;
}

TEST(TestDeadline)
{
	RUN_OK(&go_default_procs, deadline_main);
}

static long timeout_main(void *arg)
{
	gsched_ctx_t c, o, c2;
	uint64_t t0 = now_ns(), d = 0;

	c = with_timeout(NULL, short_duration);
	T_EQ(1, gsched_ctx_deadline(c, &d));
	T_LE(now_ns() + short_duration, d);
	T_GE(t0 + short_duration, d);
	test_deadline(c, __LINE__);	/* WithTimeout */
	T_GE(t0 + short_duration, now_ns());	/* not before its time */
	gsched_ctx_free(c);

	c = with_timeout(NULL, short_duration);
	o = other(c);
	test_deadline(o, __LINE__);	/* WithTimeout+otherContext */
	gsched_ctx_free(o);
	gsched_ctx_free(c);

	c = with_timeout(NULL, short_duration);
	o = other(c);
	c2 = with_timeout(o, very_long_duration);
	test_deadline(c2, __LINE__);	/* WithTimeout+otherContext+WithTimeout */
	gsched_ctx_free(c2);
	gsched_ctx_free(o);
	gsched_ctx_free(c);
	return 0;
}

TEST(TestTimeout)
{
	RUN_OK(&go_default_procs, timeout_main);
}

static long canceled_timeout_main(void *arg)
{
	gsched_ctx_t c = with_timeout(NULL, SECOND), o = other(c), c2;

	c2 = with_timeout(o, very_long_duration);
	T_EQ(0, gsched_ctx_cancel(c2));	/* should propagate synchronously */
	T_EQ(1, done(c2));
	T_EQ(-ECANCELED, gsched_ctx_err(c2));
	/* and only downwards */
	T_EQ(0, gsched_ctx_err(o));
	T_EQ(0, gsched_ctx_err(c));
	gsched_ctx_free(c2);
	gsched_ctx_free(o);
	gsched_ctx_free(c);
	return 0;
}

TEST(TestCanceledTimeout)
{
	RUN_OK(&go_default_procs, canceled_timeout_main);
}

/* ==== Values ========================================================== */

/* k1 and k2: the same int of different types in Go; k3: another int */
static int k1 = 1, k2 = 1, k3 = 3;

static void check_value(gsched_ctx_t c, const void *key, const char *want,
			int line)
{
	const char *got = gsched_ctx_value(c, key);

	if (!want ? got != NULL : !got || strcmp(got, want))
		t_fail(line, want ? want : "(no value)", 0, 1);
}

/* check(c, nm, v1, v2, v3): NULL for "no value" */
#define check(c, v1, v2, v3) do {				\
	check_value(c, &k1, v1, __LINE__);			\
	check_value(c, &k2, v2, __LINE__);			\
	check_value(c, &k3, v3, __LINE__);			\
} while (0)

static long values_main(void *arg)
{
	gsched_ctx_t c0 = NULL, c1, c2, c3, c4, cc, o3, o4;

	check(c0, NULL, NULL, NULL);

	c1 = with_value(NULL, &k1, "c1k1");
	check(c1, "c1k1", NULL, NULL);

	c2 = with_value(c1, &k2, "c2k2");
	check(c2, "c1k1", "c2k2", NULL);

	c3 = with_value(c2, &k3, "c3k3");
	check(c3, "c1k1", "c2k2", "c3k3");

	c4 = with_value(c3, &k1, NULL);
	check(c4, NULL, "c2k2", "c3k3");

	/* through a cancelable context, which has no values of its own */
	cc = with_cancel(c4);
	check(cc, NULL, "c2k2", "c3k3");

	/* otherContext{c4}: imported, the same context without the values */
	o3 = other(cc);
	check(o3, NULL, NULL, NULL);
	o4 = with_value(o3, &k3, "o4k3");
	check(o4, NULL, NULL, "o4k3");

	gsched_ctx_free(o4);
	gsched_ctx_free(o3);
	gsched_ctx_free(cc);
	gsched_ctx_free(c4);
	gsched_ctx_free(c3);
	gsched_ctx_free(c2);
	gsched_ctx_free(c1);
	return 0;
}

TEST(TestValues)
{
	RUN_OK(&go_default_procs, values_main);
}

/* ==== SimultaneousCancels, InterlockedCancels ========================= */

#define TREE_MAX	(100 + 4)

static gsched_ctx_t tree[TREE_MAX];
static gsched_wg_t cancels_wg;

static long cancel_one(void *arg)
{
	T_EQ(0, go_live(gsched_ctx_cancel(arg)));
	gsched_wg_done(&cancels_wg);
	return 0;
}

static gsched_chan_t wg_done_ch;

static long wait_cancels(void *arg)
{
	T_EQ(0, go_live(gsched_wg_wait(&cancels_wg)));
	go_live(gsched_chan_close(wg_done_ch));
	return 0;
}

/* A random permutation of 0..n-1 into @perm. */
static void shuffle(int *perm, int n, unsigned int *seed)
{
	int i, j, t;

	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		j = rand_r(seed) % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
}

static long simultaneous_cancels_main(void *arg)
{
	unsigned int seed = (unsigned int)now_ns();
	int n = 0, q = 0, i, perm[TREE_MAX];
	struct gsched_select_case cs[1];
	uint64_t end;
	int r;

	/* create a tree of contexts, breadth first */
	tree[n++] = with_cancel(NULL);
	while (q < n && n < 100) {
		gsched_ctx_t parent = tree[q++];

		for (i = 0; i < 4; i++)
			tree[n++] = with_cancel(parent);
	}
	/* start all the cancels in a random order */
	T_EQ(0, gsched_wg_add(&cancels_wg, n));
	shuffle(perm, n, &seed);
	for (i = 0; i < n; i++)
		go(cancel_one, tree[perm[i]]);

	/* wait on all the contexts in a random order */
	end = now_ns() + quiescent();
	shuffle(perm, n, &seed);
	for (i = 0; i < n; i++) {
		uint64_t now = now_ns();

		if (!wait_done(tree[perm[i]], now < end ? end - now : 1)) {
			T_EQ(1, 0);	/* timed out waiting for <-ctx.Done() */
			return 0;
		}
	}
	/* wait for all the cancel functions to return */
	wg_done_ch = go_make(0, 0);
	go(wait_cancels, NULL);
	cs[0] = GSCHED_RECV(wg_done_ch, NULL);
	r = gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, quiescent(), NULL);
	T_EQ(0, r);	/* -ETIMEDOUT: waiting for cancel functions */
	for (i = 0; i < n; i++)
		T_EQ(-ECANCELED, gsched_ctx_err(tree[i]));
	for (i = n - 1; i >= 0; i--)	/* children first */
		gsched_ctx_free(tree[i]);
	return 0;
}

TEST(TestSimultaneousCancels)
{
	RUN_OK(&go_default_procs, simultaneous_cancels_main);
}

static gsched_ctx_t il_parent, il_child;

static long interlocked_canceller(void *arg)
{
	go_live(gsched_chan_recv(gsched_ctx_done(il_parent), NULL));
	go_live(gsched_ctx_cancel(il_child));
	return 0;
}

static long interlocked_cancels_main(void *arg)
{
	il_parent = with_cancel(NULL);
	il_child = with_cancel(il_parent);
	go(interlocked_canceller, NULL);
	T_EQ(0, gsched_ctx_cancel(il_parent));
	T_EQ(1, wait_done(il_child, quiescent()));
	T_EQ(-ECANCELED, gsched_ctx_err(il_child));
	return 0;
}

TEST(TestInterlockedCancels)
{
	RUN_OK(&go_default_procs, interlocked_cancels_main);
}

/* ==== LayersCancel, LayersTimeout ===================================== */

#define MAX_LAYERS	1000

static gsched_ctx_t layers[MAX_LAYERS];
static int layer_vals[MAX_LAYERS];	/* value v is the key &v, as in Go */

static long test_layers(void *arg)
{
	bool test_timeout = *(bool *)arg;
	unsigned int seed = (unsigned int)now_ns(), s0 = seed;
	int cancels[MAX_LAYERS], vals[MAX_LAYERS];
	int n = 0, ncancels = 0, nvals = 0, ntimers = 0, i;
	gsched_ctx_t ctx = NULL;	/* Background() */
	const int min_layers = 30;

	for (i = 0; (i < min_layers || !ntimers || !ncancels || !nvals) &&
		    n < MAX_LAYERS; i++) {
		switch (rand_r(&seed) % 3) {
		case 0:
			ctx = with_value(ctx, &layer_vals[n], &layer_vals[n]);
			vals[nvals++] = n;
			break;
		case 1:
			ctx = with_cancel(ctx);
			cancels[ncancels++] = n;
			break;
		case 2:
			ctx = with_timeout(ctx, test_timeout ? short_duration :
						  very_long_duration);
			cancels[ncancels++] = n;
			ntimers++;
			break;
		}
		layers[n++] = ctx;
	}
	go_log("# seed=%u: %d layers, %d values, %d cancels, %d timers\n",
	       s0, n, nvals, ncancels, ntimers);
	T_TRUE(ntimers && ncancels && nvals);

	/* checkValues("before cancel") */
	for (i = 0; i < nvals; i++)
		T_TRUE(gsched_ctx_value(ctx, &layer_vals[vals[i]]) ==
		       &layer_vals[vals[i]]);
	if (!test_timeout)
		T_EQ(0, done(ctx));	/* should not be canceled yet */
	if (test_timeout) {
		T_EQ(1, wait_done(ctx, quiescent()));	/* should time out */
		T_EQ(-ETIMEDOUT, gsched_ctx_err(ctx));
	} else {
		gsched_ctx_t c = layers[cancels[rand_r(&seed) % ncancels]];

		T_EQ(0, gsched_ctx_cancel(c));
		T_EQ(1, done(ctx));		/* should be canceled */
		T_EQ(-ECANCELED, gsched_ctx_err(ctx));
	}
	/* checkValues("after cancel"/"after timeout") */
	for (i = 0; i < nvals; i++)
		T_TRUE(gsched_ctx_value(ctx, &layer_vals[vals[i]]) ==
		       &layer_vals[vals[i]]);
	for (i = n - 1; i >= 0; i--)
		gsched_ctx_free(layers[i]);
	return 0;
}

TEST(TestLayersCancel)
{
	static bool timeout;

	RUN_OK_ARG(&go_default_procs, test_layers, &timeout);
}

TEST(TestLayersTimeout)
{
	static bool timeout = true;

	RUN_OK_ARG(&go_default_procs, test_layers, &timeout);
}

/* ==== CancelRemoves =================================================== */

static long cancel_removes_main(void *arg)
{
	gsched_ctx_t ctx, child;
	long long timers0, chans0;

	/* a WithCancel child: made, cancelled and freed, nothing is left */
	ctx = with_cancel(NULL);
	chans0 = inst_count("channels");
	child = with_cancel(ctx);
	T_EQ(chans0 + 1, inst_count("channels"));
	T_EQ(0, gsched_ctx_cancel(child));
	T_EQ(0, gsched_ctx_err(ctx));
	gsched_ctx_free(child);
	T_EQ(chans0, inst_count("channels"));
	gsched_ctx_free(ctx);

	/* a WithTimeout child: its cancel takes its timer away at once */
	ctx = with_cancel(NULL);
	timers0 = inst_count("timers");
	chans0 = inst_count("channels");
	child = with_timeout(ctx, 60 * 60 * SECOND);
	T_EQ(timers0 + 1, inst_count("timers"));
	T_EQ(0, gsched_ctx_cancel(child));
	T_EQ(timers0, inst_count("timers"));
	T_EQ(0, gsched_ctx_err(ctx));
	gsched_ctx_free(child);
	T_EQ(chans0, inst_count("channels"));
	/* the parent's cancel finds no child left to cancel: still fine */
	T_EQ(0, gsched_ctx_cancel(ctx));
	T_EQ(-ECANCELED, gsched_ctx_err(ctx));
	gsched_ctx_free(ctx);
	return 0;
}

TEST(TestCancelRemoves)
{
	RUN_OK(&go_default_procs, cancel_removes_main);
}

/* ==== WithCancelCanceledParent ======================================== */

static long with_cancel_canceled_parent_main(void *arg)
{
	gsched_ctx_t parent = with_cancel(NULL), c;

	T_EQ(0, gsched_ctx_cancel(parent));
	c = with_cancel(parent);
	T_EQ(1, done(c));	/* done immediately upon construction */
	T_EQ(-ECANCELED, gsched_ctx_err(c));
	gsched_ctx_free(c);
	gsched_ctx_free(parent);
	return 0;
}

TEST(TestWithCancelCanceledParent)
{
	RUN_OK(&go_default_procs, with_cancel_canceled_parent_main);
}

/* ==== WithValueChecksKey, InvalidDerivedFail ========================== */

static long with_value_checks_key_main(void *arg)
{
	gsched_ctx_t c = (gsched_ctx_t)&k1;

	/* WithValue(Background(), nil, "bar"): "nil key" */
	T_EQ(-EINVAL, gsched_ctx_with_value(&c, NULL, NULL, "bar"));
	T_TRUE(c == (gsched_ctx_t)&k1);	/* untouched */
	return 0;
}

TEST(TestWithValueChecksKey)
{
	RUN_OK(&go_default_procs, with_value_checks_key_main);
}

static long invalid_derived_fail_main(void *arg)
{
	long long chans0 = inst_count("channels");
	gsched_ctx_t parent = with_cancel(NULL);

	T_EQ(-EINVAL, gsched_ctx_with_cancel(NULL, NULL));
	T_EQ(-EINVAL, gsched_ctx_with_cancel(NULL, parent));
	T_EQ(-EINVAL, gsched_ctx_with_deadline(NULL, parent,
					       now_ns() + short_duration));
	T_EQ(-EINVAL, gsched_ctx_with_timeout(NULL, parent, short_duration));
	T_EQ(-EINVAL, gsched_ctx_with_value(NULL, parent, "foo", "bar"));
	/* nothing was made: only parent's done channel is new */
	T_EQ(chans0 + 1, inst_count("channels"));
	T_EQ(0, gsched_ctx_err(parent));
	gsched_ctx_free(parent);
	return 0;
}

TEST(TestInvalidDerivedFail)
{
	RUN_OK(&go_default_procs, invalid_derived_fail_main);
}

/* ==== DeadlineExceededSupportsTimeout ================================= */

static long deadline_exceeded_supports_timeout_main(void *arg)
{
	struct gsched_select_case cs[1];
	gsched_ctx_t c = with_timeout(NULL, 1);
	gsched_chan_t never = go_make(0, 0);

	T_EQ(1, wait_done(c, quiescent()));
	/* "timed out", the code of every other timeout in the library */
	cs[0] = GSCHED_RECV(never, NULL);
	T_EQ(gsched_select(cs, 1, GSCHED_SELECT_TIMEOUT, 1, NULL),
	     gsched_ctx_err(c));
	T_EQ(-ETIMEDOUT, gsched_ctx_err(c));
	T_NE(-ECANCELED, gsched_ctx_err(c));
	gsched_ctx_free(c);
	return 0;
}

TEST(TestDeadlineExceededSupportsTimeout)
{
	RUN_OK(&go_default_procs, deadline_exceeded_supports_timeout_main);
}

/* ==== CustomContextGoroutines ========================================= */

static long custom_context_goroutines_main(void *arg)
{
	gsched_ctx_t ctx1, ctx2, ctx3, ctx4, ctx5, ctx6, ctx7;
	long long g = inst_count("tasks");

	T_EQ(1, g);	/* main */
	ctx1 = with_cancel(NULL);
	ctx2 = other(ctx1);		/* &myCtx{ctx1} */
	ctx3 = with_cancel(ctx2);
	T_EQ(g, inst_count("tasks"));	/* checkNoGoroutine() */
	ctx4 = with_timeout(ctx3, very_long_duration);
	T_EQ(g, inst_count("tasks"));
	ctx5 = with_cancel(ctx4);
	T_EQ(g, inst_count("tasks"));
	T_EQ(0, gsched_ctx_cancel(ctx5));
	T_EQ(g, inst_count("tasks"));
	ctx6 = with_timeout(ctx5, very_long_duration);
	T_EQ(g, inst_count("tasks"));

	/* applied to a canceled context */
	T_EQ(0, gsched_ctx_cancel(ctx6));
	T_EQ(0, gsched_ctx_cancel(ctx1));
	ctx7 = with_cancel(ctx5);
	T_EQ(g, inst_count("tasks"));
	/* ctx1's cancel went through the imported handle, at once */
	T_EQ(-ECANCELED, gsched_ctx_err(ctx2));
	T_EQ(-ECANCELED, gsched_ctx_err(ctx3));
	T_EQ(-ECANCELED, gsched_ctx_err(ctx4));
	T_EQ(1, done(ctx4));
	T_EQ(-ECANCELED, gsched_ctx_err(ctx7));
	gsched_ctx_free(ctx7);
	gsched_ctx_free(ctx6);
	gsched_ctx_free(ctx5);
	gsched_ctx_free(ctx4);
	gsched_ctx_free(ctx3);
	gsched_ctx_free(ctx2);
	gsched_ctx_free(ctx1);
	T_EQ(g, inst_count("tasks"));
	return 0;
}

TEST(TestCustomContextGoroutines)
{
	RUN_OK(&go_default_procs, custom_context_goroutines_main);
}

TEST_HARNESS_MAIN
