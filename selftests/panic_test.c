// SPDX-License-Identifier: GPL-2.0
/*
 * gsched panic mode (GSCHED_PANIC=1, GSCHED_OPT_PANIC; issue #21): each
 * misuse Go panics on runs as main of a runtime in a forked child whose
 * stderr and stdout are pipes. In panic mode the child must exit with
 * status 2 (Go's) and print Go's message as the first line of stderr,
 * then "goroutine N [running]:" for the task that misused (named by the
 * id it stored in shared memory first) and the other tasks with their
 * wait reasons; what it printed on stdout before must have been flushed.
 * Without the mode the same misuses return their errors and the program
 * goes on.
 *
 * Every TEST runs in its own forked child (kselftest harness); run-tests
 * runs this binary with GSCHED_NO_FASTPATH=1 too (the module's paths of
 * the mutex, rwmutex and wait group words).
 */
#include <stdatomic.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"
#include "task_check.h"

/* task ids the child stores for the parent's checks */
struct shared {
	int self;	/* the task that misuses */
	int other;	/* a task blocked meanwhile, or 0 */
};
static struct shared *sh;

enum mode {
	PANIC_ENV,	/* GSCHED_PANIC=1 */
	PANIC_OPT,	/* GSCHED_OPT_PANIC, no environment */
	PANIC_OFF,	/* neither */
	PANIC_ENV0,	/* GSCHED_PANIC=0 */
};

struct child {
	int status;
	char err[16384];
	char out[1024];
};

static void read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n < len - 1) {
		r = read(fd, buf + n, len - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = 0;
	/* drain the rest, so the child never blocks on a full pipe */
	while (read(fd, &(char){ 0 }, 1) > 0)
		;
}

/*
 * Run @fn as main with @nprocs Ps in a child, in @mode. The child exits
 * 0 when the run returned 0 with no failed check, 100 + the run's -errno
 * otherwise (so a panic's 2 is the library's).
 */
static int run_child(gsched_fn_t fn, enum mode mode, unsigned int nprocs,
		     struct child *c)
{
	int ep[2], op[2];
	pid_t pid;

	if (!sh) {
		sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (sh == MAP_FAILED)
			return -1;
	}
	memset(sh, 0, sizeof(*sh));
	if (pipe(ep) || pipe(op))
		return -1;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		struct gsched_opts o = { .nprocs = nprocs };
		long ev = -1;
		int ret;

		dup2(ep[1], STDERR_FILENO);
		dup2(op[1], STDOUT_FILENO);
		close(ep[0]);
		close(ep[1]);
		close(op[0]);
		close(op[1]);
		/* a pipe: fully buffered, as a program's stdout to a file */
		setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
		unsetenv("GSCHED_PANIC");
		if (mode == PANIC_ENV)
			setenv("GSCHED_PANIC", "1", 1);
		else if (mode == PANIC_ENV0)
			setenv("GSCHED_PANIC", "0", 1);
		else if (mode == PANIC_OPT)
			o.flags = GSCHED_OPT_PANIC;
		ret = gsched_run_opts(&o, fn, NULL, &ev);
		if (!ret && (ev || atomic_load(&fails)))
			fprintf(stderr, "child: exit value %ld, %s\n", ev,
				fail_msg);
		fflush(stdout);
		_exit(ret ? 100 - ret : ev || atomic_load(&fails) ? 99 : 0);
	}
	close(ep[1]);
	close(op[1]);
	read_all(ep[0], c->err, sizeof(c->err));
	read_all(op[0], c->out, sizeof(c->out));
	close(ep[0]);
	close(op[0]);
	if (waitpid(pid, &c->status, 0) != pid)
		return -1;
	return 0;
}

/* Does stderr hold "\ngoroutine @id [@state]:\n"? */
static bool has_goroutine(const struct child *c, int id, const char *state)
{
	char line[128];

	snprintf(line, sizeof(line), "\ngoroutine %d [%s]:\n", id, state);
	return strstr(c->err, line) != NULL;
}

/* Does stderr start with "@msg\n\ngoroutine <sh->self> [running]:\n"? */
static bool starts_with_panic(const struct child *c, const char *msg)
{
	char head[256];

	snprintf(head, sizeof(head), "%s\n\ngoroutine %d [running]:\n", msg,
		 sh->self);
	return !strncmp(c->err, head, strlen(head));
}

/* status 2 and Go's message first, the misusing task running */
#define EXPECT_PANIC(c, msg) do {					\
	ASSERT_TRUE(WIFEXITED((c).status))				\
		TH_LOG("status %#x, stderr: %s", (c).status, (c).err);	\
	EXPECT_EQ(2, WEXITSTATUS((c).status)) TH_LOG("stderr: %s", (c).err); \
	EXPECT_NE(0, sh->self);						\
	EXPECT_TRUE(starts_with_panic(&(c), msg))			\
		TH_LOG("stderr: %s", (c).err);				\
} while (0)

/* the child's run returned 0, nothing on stderr */
#define EXPECT_NO_PANIC(c) do {						\
	ASSERT_TRUE(WIFEXITED((c).status));				\
	EXPECT_EQ(0, WEXITSTATUS((c).status)) TH_LOG("stderr: %s", (c).err); \
	EXPECT_STREQ("", (c).err);					\
} while (0)

static long recv_forever(void *arg)
{
	gsched_chan_t c;

	if (gsched_chan_make(&c, 0, 0))
		return -1;
	return gsched_chan_recv(c, NULL);
}

/* A task that blocks receiving, recorded as sh->other. */
static void spawn_other(void)
{
	sh->other = gsched_spawn(recv_forever, NULL);
	T_EQ(GSCHED_WAIT_CHAN_RECV, wait_blocked_sleeping(sh->other));
}

static gsched_chan_t closed_chan(void)
{
	gsched_chan_t c = 0;

	T_EQ(0, gsched_chan_make(&c, sizeof(long), 1));
	T_EQ(0, gsched_chan_close(c));
	return c;
}

/* ==== send on a closed channel ==== */

static long send_closed_main(void *arg)
{
	gsched_chan_t c = closed_chan();
	long v = 1;

	spawn_other();
	sh->self = gsched_self();
	printf("before the panic\n");
	return gsched_chan_send(c, &v);
}

TEST(send_closed)
{
	static struct child c;

	ASSERT_EQ(0, run_child(send_closed_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: send on closed channel");
	EXPECT_TRUE(has_goroutine(&c, sh->other, "chan receive"))
		TH_LOG("stderr: %s", c.err);
	/* stdout, a pipe, was flushed before the exit */
	EXPECT_STREQ("before the panic\n", c.out);
}

/* the same from a task that is not main, on its own stack; main joins */
static long send_closed_task(void *arg)
{
	gsched_chan_t c = closed_chan();
	long v = 1;

	sh->self = gsched_self();
	return gsched_chan_send(c, &v);
}

static long send_closed_task_main(void *arg)
{
	sh->other = gsched_self();
	return join_val(spawn_j(send_closed_task, NULL));
}

TEST(send_closed_in_task)
{
	static struct child c;

	ASSERT_EQ(0, run_child(send_closed_task_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: send on closed channel");
	EXPECT_NE(sh->other, sh->self);
	EXPECT_TRUE(has_goroutine(&c, sh->other, "join"))
		TH_LOG("stderr: %s", c.err);
}

static long select_send_closed_main(void *arg)
{
	gsched_chan_t c = closed_chan(), e = 0;
	struct gsched_select_case cases[2];
	long v = 1, w;

	T_EQ(0, gsched_chan_make(&e, sizeof(long), 0));
	cases[0] = GSCHED_RECV(e, &w);
	cases[1] = GSCHED_SEND(c, &v);
	sh->self = gsched_self();
	return gsched_select(cases, 2, 0, 0, NULL);
}

TEST(select_send_closed)
{
	static struct child c;

	ASSERT_EQ(0, run_child(select_send_closed_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: send on closed channel");
}

static long trysend_closed_main(void *arg)
{
	gsched_chan_t c = closed_chan();
	long v = 1;

	sh->self = gsched_self();
	return gsched_chan_trysend(c, &v);
}

TEST(trysend_closed)
{
	static struct child c;

	ASSERT_EQ(0, run_child(trysend_closed_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: send on closed channel");
}

static long send_ctx_closed_main(void *arg)
{
	gsched_ctx_t ctx;
	gsched_chan_t c = closed_chan();
	long v = 1;

	T_EQ(0, gsched_ctx_with_cancel(&ctx, NULL));
	sh->self = gsched_self();
	return gsched_chan_send_ctx(ctx, c, &v);
}

TEST(send_ctx_closed)
{
	static struct child c;

	ASSERT_EQ(0, run_child(send_ctx_closed_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: send on closed channel");
}

/* ==== close of a closed channel, of the nil channel ==== */

static long close_closed_main(void *arg)
{
	gsched_chan_t c = closed_chan();

	sh->self = gsched_self();
	return gsched_chan_close(c);
}

TEST(close_closed)
{
	static struct child c;

	ASSERT_EQ(0, run_child(close_closed_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: close of closed channel");
}

static long close_nil_main(void *arg)
{
	sh->self = gsched_self();
	return gsched_chan_close(0);
}

TEST(close_nil)
{
	static struct child c;

	ASSERT_EQ(0, run_child(close_nil_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: close of nil channel");
}

/* a handle of another kind is -EINVAL too, and no panic */
static long close_other_kind_main(void *arg)
{
	gsched_cond_t cv;

	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(-EINVAL, gsched_chan_close(cv));
	return 0;
}

TEST(close_other_kind_no_panic)
{
	static struct child c;

	ASSERT_EQ(0, run_child(close_other_kind_main, PANIC_ENV, 2, &c));
	EXPECT_NO_PANIC(c);
}

/* ==== Go's sync fatal errors ==== */

static long mutex_unlock_main(void *arg)
{
	gsched_mutex_t m = GSCHED_MUTEX_INIT;

	spawn_other();
	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
	sh->self = gsched_self();
	return gsched_mutex_unlock(&m);
}

TEST(mutex_unlock_unlocked)
{
	static struct child c;

	ASSERT_EQ(0, run_child(mutex_unlock_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "fatal error: sync: unlock of unlocked mutex");
	EXPECT_TRUE(has_goroutine(&c, sh->other, "chan receive"))
		TH_LOG("stderr: %s", c.err);
}

/* the option alone, with no GSCHED_PANIC in the environment */
TEST(mutex_unlock_unlocked_opt)
{
	static struct child c;

	ASSERT_EQ(0, run_child(mutex_unlock_main, PANIC_OPT, 2, &c));
	EXPECT_PANIC(c, "fatal error: sync: unlock of unlocked mutex");
}

static long rw_unlock_main(void *arg)
{
	gsched_rwmutex_t rw = GSCHED_RWMUTEX_INIT;

	T_EQ(0, gsched_rwmutex_rlock(&rw));	/* read-locked only */
	sh->self = gsched_self();
	return gsched_rwmutex_unlock(&rw);
}

TEST(rwmutex_unlock_unlocked)
{
	static struct child c;

	ASSERT_EQ(0, run_child(rw_unlock_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "fatal error: sync: Unlock of unlocked RWMutex");
}

static long rw_runlock_main(void *arg)
{
	gsched_rwmutex_t rw = GSCHED_RWMUTEX_INIT;

	T_EQ(0, gsched_rwmutex_lock(&rw));	/* write-locked only */
	sh->self = gsched_self();
	return gsched_rwmutex_runlock(&rw);
}

TEST(rwmutex_runlock_unlocked)
{
	static struct child c;

	ASSERT_EQ(0, run_child(rw_runlock_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "fatal error: sync: RUnlock of unlocked RWMutex");
}

/* Go's Cond.Wait unlocks c.L: the same fatal error */
static long cond_wait_unlocked_main(void *arg)
{
	gsched_mutex_t m = GSCHED_MUTEX_INIT;
	gsched_cond_t cv;

	T_EQ(0, gsched_cond_init(&cv));
	sh->self = gsched_self();
	return gsched_cond_wait(cv, &m);
}

TEST(cond_wait_unlocked)
{
	static struct child c;

	ASSERT_EQ(0, run_child(cond_wait_unlocked_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "fatal error: sync: unlock of unlocked mutex");
}

/* ==== wait group ==== */

static long wg_negative_main(void *arg)
{
	gsched_wg_t wg = GSCHED_WG_INIT;

	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(0, gsched_wg_done(&wg));
	sh->self = gsched_self();
	return gsched_wg_done(&wg);
}

TEST(waitgroup_negative)
{
	static struct child c;

	ASSERT_EQ(0, run_child(wg_negative_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "panic: sync: negative WaitGroup counter");
}

static gsched_wg_t reuse_wg;

static long wg_waiter(void *arg)
{
	return gsched_wg_wait(&reuse_wg);
}

/* as sync_test's waitgroup_negative_and_reuse, with one P */
static long wg_reuse_main(void *arg)
{
	int w;

	T_EQ(0, gsched_wg_add(&reuse_wg, 1));
	w = spawn_j(wg_waiter, NULL);
	T_EQ(GSCHED_WAIT_WAITGROUP, wait_blocked_sleeping(w));
	T_EQ(0, gsched_wg_done(&reuse_wg));	/* wakes the waiter */
	sh->self = gsched_self();
	sh->other = w;
	return gsched_wg_add(&reuse_wg, 1);	/* before its Wait returned */
}

TEST(waitgroup_reused)
{
	static struct child c;

	ASSERT_EQ(0, run_child(wg_reuse_main, PANIC_ENV, 1, &c));
	EXPECT_PANIC(c, "panic: sync: WaitGroup is reused before previous "
		     "Wait has returned");
	/* woken, not run yet: one P, and main still has it */
	EXPECT_TRUE(has_goroutine(&c, sh->other, "runnable"))
		TH_LOG("stderr: %s", c.err);
}

/* ==== a second wait on an fd: Go's netpoll "double wait" ==== */

static int dw_fd;

static long fd_waiter(void *arg)
{
	return gsched_fd_wait(dw_fd, GSCHED_FD_READ);
}

static long fd_double_wait_main(void *arg)
{
	int p[2];

	T_EQ(0, pipe2(p, O_NONBLOCK));
	dw_fd = p[0];
	sh->other = gsched_spawn(fd_waiter, NULL);
	T_EQ(GSCHED_WAIT_SELECT, wait_blocked_sleeping(sh->other));
	sh->self = gsched_self();
	return gsched_fd_wait(dw_fd, GSCHED_FD_READ);
}

TEST(fd_double_wait)
{
	static struct child c;

	ASSERT_EQ(0, run_child(fd_double_wait_main, PANIC_ENV, 2, &c));
	EXPECT_PANIC(c, "fatal error: runtime: double wait");
	EXPECT_TRUE(has_goroutine(&c, sh->other, "select"))
		TH_LOG("stderr: %s", c.err);
}

/* ==== deadlock: Go's throw, every task asleep, none running ==== */

static long deadlock_main(void *arg)
{
	gsched_chan_t c;

	spawn_other();
	sh->self = gsched_self();
	T_EQ(0, gsched_chan_make(&c, 0, 0));
	return gsched_chan_recv(c, NULL);
}

TEST(deadlock)
{
	static struct child c;
	const char *msg = "fatal error: all goroutines are asleep - deadlock!\n";

	ASSERT_EQ(0, run_child(deadlock_main, PANIC_ENV, 2, &c));
	ASSERT_TRUE(WIFEXITED(c.status));
	EXPECT_EQ(2, WEXITSTATUS(c.status)) TH_LOG("stderr: %s", c.err);
	EXPECT_EQ(0, strncmp(c.err, msg, strlen(msg))) TH_LOG("%s", c.err);
	EXPECT_TRUE(has_goroutine(&c, sh->self, "chan receive"))
		TH_LOG("stderr: %s", c.err);
	EXPECT_TRUE(has_goroutine(&c, sh->other, "chan receive"))
		TH_LOG("stderr: %s", c.err);
	EXPECT_TRUE(strstr(c.err, "[running]") == NULL) TH_LOG("%s", c.err);
}

/* ==== without the mode: the documented errors, and the program goes on ==== */

static long misuse_all_main(void *arg)
{
	gsched_chan_t c = closed_chan(), e = 0;
	gsched_mutex_t m = GSCHED_MUTEX_INIT;
	gsched_rwmutex_t rw = GSCHED_RWMUTEX_INIT;
	gsched_wg_t wg = GSCHED_WG_INIT;
	struct gsched_select_case cs[1];
	gsched_cond_t cv;
	long v = 1;
	int p[2], w;

	sh->self = gsched_self();
	T_EQ(-EPIPE, gsched_chan_send(c, &v));
	T_EQ(-EPIPE, gsched_chan_trysend(c, &v));
	cs[0] = GSCHED_SEND(c, &v);
	T_EQ(-EPIPE, gsched_select(cs, 1, 0, 0, NULL));
	T_EQ(-EPIPE, gsched_chan_send_ctx(NULL, c, &v));
	T_EQ(-EINVAL, gsched_chan_close(c));
	T_EQ(-EINVAL, gsched_chan_close(0));
	T_EQ(-EPERM, gsched_mutex_unlock(&m));
	T_EQ(-EPERM, gsched_rwmutex_unlock(&rw));
	T_EQ(-EPERM, gsched_rwmutex_runlock(&rw));
	T_EQ(0, gsched_cond_init(&cv));
	T_EQ(-EPERM, gsched_cond_wait(cv, &m));
	T_EQ(-ERANGE, gsched_wg_done(&wg));
	T_EQ(0, gsched_wg_add(&wg, 1));
	T_EQ(-ERANGE, gsched_wg_add(&wg, -2));
	T_EQ(0, pipe2(p, O_NONBLOCK));
	dw_fd = p[0];
	w = gsched_spawn(fd_waiter, NULL);
	T_EQ(GSCHED_WAIT_SELECT, wait_blocked_sleeping(w));
	T_EQ(-EBUSY, gsched_fd_wait(dw_fd, GSCHED_FD_READ));
	/* and everything still works */
	T_EQ(0, gsched_chan_make(&e, sizeof(long), 1));
	T_EQ(0, gsched_chan_send(e, &v));
	T_EQ(1, gsched_chan_recv(e, &v));
	T_EQ(0, gsched_mutex_lock(&m));
	T_EQ(0, gsched_mutex_unlock(&m));
	T_EQ(0, gsched_wg_done(&wg));
	T_EQ(0, gsched_wg_wait(&wg));
	T_EQ(0, gsched_fd_close(dw_fd));
	close(p[1]);
	return 0;
}

TEST(off_returns_errors)
{
	static struct child c;

	ASSERT_EQ(0, run_child(misuse_all_main, PANIC_OFF, 2, &c));
	EXPECT_NO_PANIC(c);
}

TEST(env_zero_is_off)
{
	static struct child c;

	ASSERT_EQ(0, run_child(misuse_all_main, PANIC_ENV0, 2, &c));
	EXPECT_NO_PANIC(c);
}

/* a deadlock without the mode is gsched_run()'s -EDEADLK, as before */
TEST(off_deadlock_returns)
{
	static struct child c;

	ASSERT_EQ(0, run_child(deadlock_main, PANIC_OFF, 2, &c));
	ASSERT_TRUE(WIFEXITED(c.status));
	EXPECT_EQ(100 + EDEADLK, WEXITSTATUS(c.status)) TH_LOG("%s", c.err);
	EXPECT_STREQ("", c.err);
}

TEST_HARNESS_MAIN
