// SPDX-License-Identifier: GPL-2.0
/*
 * A port of Go's test/chan/select3.go: the semantics of the select
 * statement (and of plain operations) for the basic empty, nil, closed,
 * ready and non-ready cases: which block, which never do, which panic.
 *
 * testBlock(signal, f) runs f in a goroutine that sends "never" when f
 * returns, and races it against a goroutine that sends "always" after
 * 0.1 s; the first word received must be signal. testPanic(signal, f)
 * runs f and checks whether it panicked.
 *
 * Adapted: Go's panics (send on a closed channel, also from a select
 * case) are the documented -EPIPE returns, so f returns whether it got
 * one; unreachable() is a failed check; a select's default case is
 * GSCHED_SELECT_DEFAULT and its -EAGAIN; a nil channel is handle 0. The
 * goroutines a blocked f leaves behind are reclaimed when main returns,
 * as Go's are at exit. The 0.1 s is multiplied by
 * GSCHED_TEST_TIMEOUT_SCALE on slow kernels, so that an f that never
 * blocks is not outrun there by the timer.
 */
#include "go.h"

enum { NEVER, ALWAYS };	/* "function did", "function did not" */

#define ASYNC 1		/* asynchronous channels */

static gsched_chan_t nilch, closedch;

static void unreachable(void)
{
	T_TRUE(!"control flow shouldn't reach here");
}

/* testPanic: f returns true when it "panicked" (got -EPIPE) */
static void test_panic(int signal, bool (*f)(void))
{
	T_EQ(signal, f() ? ALWAYS : NEVER);
}

struct block_run {
	gsched_chan_t c;
	void (*f)(void);
};

static long block_f(void *arg)
{
	struct block_run *b = arg;
	int word = NEVER;	/* f didn't block */

	b->f();
	return gsched_chan_send(b->c, &word);
}

static long block_timer(void *arg)
{
	struct block_run *b = arg;
	int word = ALWAYS;	/* f blocked always */

	gsched_sleep(100 * MS * gs_timeout_scale());	/* 0.1s seems plenty long */
	return gsched_chan_send(b->c, &word);
}

/* testBlock: the goroutines of each call keep their own block_run */
static void test_block(int signal, void (*f)(void))
{
	struct block_run *b = malloc(sizeof(*b));	/* leaked with them */
	int word = -1;

	if (!b) {
		T_TRUE(b);
		return;
	}
	b->c = go_make(sizeof(int), 0);
	b->f = f;
	go(block_f, b);
	go(block_timer, b);
	T_EQ(1, gsched_chan_recv(b->c, &word));
	T_EQ(signal, word);	/* panic(signal + " block") */
}

/* sending/receiving from a nil channel blocks */
static void nil_send(void)
{
	int v = 7;

	gsched_chan_send(nilch, &v);
}

static void nil_recv(void)
{
	gsched_chan_recv(nilch, NULL);
}

/* sending/receiving from a nil channel inside a select is never selected */
static bool select_nil_send_default(void)
{
	int v = 7;
	struct gsched_select_case cs[1] = { GSCHED_SEND(nilch, &v) };
	int r = gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, NULL);

	if (r != -EAGAIN)
		unreachable();
	return r == -EPIPE;
}

static bool select_nil_recv_default(void)
{
	struct gsched_select_case cs[1] = { GSCHED_RECV(nilch, NULL) };
	int r = gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, NULL);

	if (r != -EAGAIN)
		unreachable();
	return r == -EPIPE;
}

/* sending to an async channel with free buffer space never blocks */
static void async_send(void)
{
	gsched_chan_t ch = go_make(sizeof(int), ASYNC);
	int v = 7;

	T_EQ(0, gsched_chan_send(ch, &v));
}

/* receiving from a closed channel never blocks */
static void closed_recv(void)
{
	int i, x;

	for (i = 0; i < 10; i++) {
		x = -1;
		/* "expected zero value when reading from closed channel" */
		T_EQ(0, gsched_chan_recv(closedch, &x));
		T_EQ(0, x);
		/* "expected 0, false from closed channel" */
		x = -1;
		T_EQ(0, gsched_chan_recv(closedch, &x));
		T_EQ(0, x);
	}
}

/* sending to a closed channel panics */
static bool closed_send(void)
{
	int v = 7;

	return gsched_chan_send(closedch, &v) == -EPIPE;
}

/* receiving from a non-ready channel always blocks */
static void nonready_recv(void)
{
	gsched_chan_t ch = go_make(sizeof(int), 0);

	gsched_chan_recv(ch, NULL);
}

/* empty selects always block */
static void empty_select(void)
{
	gsched_select(NULL, 0, 0, 0, NULL);
}

/* selects with only nil channels always block */
static void select_nil_recv(void)
{
	struct gsched_select_case cs[1] = { GSCHED_RECV(nilch, NULL) };

	gsched_select(cs, 1, 0, 0, NULL);
	unreachable();
}

static void select_nil_send(void)
{
	int v = 7;
	struct gsched_select_case cs[1] = { GSCHED_SEND(nilch, &v) };

	gsched_select(cs, 1, 0, 0, NULL);
	unreachable();
}

static void select_nil_both(void)
{
	int v = 7;
	struct gsched_select_case cs[2] = {
		GSCHED_RECV(nilch, NULL), GSCHED_SEND(nilch, &v),
	};

	gsched_select(cs, 2, 0, 0, NULL);
	unreachable();
}

/* selects with non-ready non-nil channels always block */
static void select_nonready(void)
{
	gsched_chan_t ch = go_make(sizeof(int), 0);
	struct gsched_select_case cs[1] = { GSCHED_RECV(ch, NULL) };

	gsched_select(cs, 1, 0, 0, NULL);
	unreachable();
}

/* selects with default cases don't block */
static void select_default(void)
{
	T_EQ(-EAGAIN, gsched_select(NULL, 0, GSCHED_SELECT_DEFAULT, 0, NULL));
}

static void select_nil_recv_default_void(void)
{
	select_nil_recv_default();
}

static void select_nil_send_default_void(void)
{
	select_nil_send_default();
}

/* selects with ready channels don't block */
static void select_ready_send(void)
{
	gsched_chan_t ch = go_make(sizeof(int), ASYNC);
	int v = 7;
	struct gsched_select_case cs[1] = { GSCHED_SEND(ch, &v) };

	if (gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, NULL) != 0)
		unreachable();
}

static void select_ready_recv(void)
{
	gsched_chan_t ch = go_make(sizeof(int), ASYNC);
	int v = 7;
	struct gsched_select_case cs[1] = { GSCHED_RECV(ch, &v) };

	T_EQ(0, gsched_chan_send(ch, &v));
	if (gsched_select(cs, 1, GSCHED_SELECT_DEFAULT, 0, NULL) != 0)
		unreachable();
}

/* selects with closed channels behave like ordinary operations */
static void select_closed_recv(void)
{
	struct gsched_select_case cs[1] = { GSCHED_RECV(closedch, NULL) };

	T_EQ(0, gsched_select(cs, 1, 0, 0, NULL));
}

static void select_closed_recv_value(void)
{
	int x = -1;
	struct gsched_select_case cs[1] = { GSCHED_RECV(closedch, &x) };

	T_EQ(0, gsched_select(cs, 1, 0, 0, NULL));
	T_EQ(0, x);
}

static void select_closed_recv_ok(void)
{
	int x = -1, ok = -1;
	struct gsched_select_case cs[1] = { GSCHED_RECV(closedch, &x) };

	T_EQ(0, gsched_select(cs, 1, 0, 0, &ok));
	T_EQ(0, x);
	T_EQ(0, ok);
}

static bool select_closed_send(void)
{
	int v = 7;
	struct gsched_select_case cs[1] = { GSCHED_SEND(closedch, &v) };

	return gsched_select(cs, 1, 0, 0, NULL) == -EPIPE;
}

/* select should not get confused if it sees itself */
static void select_self(void)
{
	gsched_chan_t c = go_make(sizeof(int), 0);
	int v = 1;
	struct gsched_select_case cs[2] = {
		GSCHED_SEND(c, &v), GSCHED_RECV(c, &v),
	};

	gsched_select(cs, 2, 0, 0, NULL);
}

static long select3_main(void *arg)
{
	closedch = go_make(sizeof(int), 0);
	T_EQ(0, gsched_chan_close(closedch));

	test_block(ALWAYS, nil_send);
	test_block(ALWAYS, nil_recv);

	test_panic(NEVER, select_nil_send_default);
	test_panic(NEVER, select_nil_recv_default);

	test_block(NEVER, async_send);
	test_block(NEVER, closed_recv);
	test_panic(ALWAYS, closed_send);
	test_block(ALWAYS, nonready_recv);
	test_block(ALWAYS, empty_select);

	test_block(ALWAYS, select_nil_recv);
	test_block(ALWAYS, select_nil_send);
	test_block(ALWAYS, select_nil_both);
	test_block(ALWAYS, select_nonready);

	test_block(NEVER, select_default);
	test_block(NEVER, select_nil_recv_default_void);
	test_block(NEVER, select_nil_send_default_void);

	test_block(NEVER, select_ready_send);
	test_block(NEVER, select_ready_recv);

	test_block(NEVER, select_closed_recv);
	test_block(NEVER, select_closed_recv_value);
	test_block(NEVER, select_closed_recv_ok);
	test_panic(ALWAYS, select_closed_send);

	test_block(ALWAYS, select_self);
	return 0;
}

TEST(select3)
{
	RUN_OK(&go_default_procs, select3_main);
}

TEST_HARNESS_MAIN
