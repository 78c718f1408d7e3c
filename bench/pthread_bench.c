// SPDX-License-Identifier: MIT
/*
 * pthread_bench: the pthreads side of `make bench` (run by tools/bench),
 * one thread per task, default thread attributes.
 *
 *   pthread_bench ROW [N [NCPUS]]
 *
 * ROW:
 *   spawn_join  N threads that return at once, created and joined in
 *               batches of 1000 (ns per thread)
 *   yield       two threads pinned to CPU 0 call sched_yield() N times each
 *               (ns per yield)
 *   handoff     mutex/condvar ping-pong between two threads, N round trips
 *   forkjoin    skewed fork-join over N elements, a thread per split
 *               (bench.h), leaves per CPU from sched_getcpu()
 *   park        N threads blocked on one condvar: memory per thread (ns:
 *               creating them until all wait)
 *
 * Channels are a ring under a mutex with two condvars (pchan below), the
 * select a condvar shared by the group; sync rows use pthread_mutex_t,
 * pthread_rwlock_t and a counter+condvar wait group; ctx_cancel is a flag
 * and pthread_cond_broadcast(). Same rows as gsched_bench, one thread per
 * task; chan_xproc is a pipe pair between two single-threaded processes.
 * syscall_handoff: a thread blocking in read() while another thread of its
 * CPU is runnable (the kernel's own "hand-off"); tcp_echo: not threads but
 * two single-threaded epoll loops (server; all clients).
 *
 * NCPUS (default 2) limits the process to the first NCPUS CPUs, as
 * GOMAXPROCS and gsched's nprocs do. Prints "row=... impl=pthread ...".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

#define BATCH	1000

static long n_ops;
static int ncpus;
static const char *row;

static void die(const char *what, int err)
{
	fprintf(stderr, "pthread_bench %s: %s: %s\n", row, what,
		strerror(err));
	exit(1);
}

static void spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err = pthread_create(t, NULL, fn, arg);

	if (err)
		die("pthread_create", err);
}

static void join(pthread_t t)
{
	int err = pthread_join(t, NULL);

	if (err)
		die("pthread_join", err);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
}

static void print_row(const char *name, long n, uint64_t ns, long csw)
{
	printf("row=%s impl=pthread n=%ld procs=%d ns_per_op=%.1f"
	       " ctxsw_per_op=%.3f", name, n, ncpus, (double)ns / n,
	       (double)csw / n);
}

/* ---- spawn_join -------------------------------------------------------- */

static void *nop(void *arg)
{
	return NULL;
}

static void bench_spawn_join(void)
{
	static pthread_t t[BATCH];
	long done, i, k, c0 = ctxsw();
	uint64_t t0 = now_ns();

	for (done = 0; done < n_ops; done += k) {
		k = n_ops - done < BATCH ? n_ops - done : BATCH;
		for (i = 0; i < k; i++)
			spawn(&t[i], nop, NULL);
		for (i = 0; i < k; i++)
			join(t[i]);
	}
	print_row("spawn_join", n_ops, now_ns() - t0, ctxsw() - c0);
	printf(" batch=%d\n", BATCH);
}

/* ---- yield ------------------------------------------------------------- */

static void *yielder(void *arg)
{
	long i;

	pin(0);
	for (i = 0; i < n_ops; i++)
		sched_yield();
	return NULL;
}

static void bench_yield(void)
{
	long c0 = ctxsw();
	uint64_t t0 = now_ns();
	pthread_t t[2];

	spawn(&t[0], yielder, NULL);
	spawn(&t[1], yielder, NULL);
	join(t[0]);
	join(t[1]);
	print_row("yield", 2 * n_ops, now_ns() - t0, ctxsw() - c0);
	printf(" rounds=%ld pinned_cpu=0\n", n_ops);
}

/* ---- handoff: mutex/condvar ping-pong ---------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long turn;	/* even: ping's turn, odd: pong's */

static void *player(void *arg)
{
	long me = (long)arg, i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < n_ops; i++) {
		while ((turn & 1) != me)
			pthread_cond_wait(&cond, &lock);
		turn++;
		pthread_cond_signal(&cond);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

static void bench_handoff(void)
{
	long c0 = ctxsw();
	uint64_t t0 = now_ns();
	pthread_t t[2];

	spawn(&t[0], player, (void *)0L);
	spawn(&t[1], player, (void *)1L);
	join(t[0]);
	join(t[1]);
	print_row("handoff", n_ops, now_ns() - t0, ctxsw() - c0);
	printf("\n");
}

/* ---- forkjoin ---------------------------------------------------------- */

struct range {
	uint64_t lo, hi, sum;
};

static atomic_long leaves[FJ_MAX_CPUS];
static atomic_long nthreads;

static void *fj_thread(void *arg);

static uint64_t fj_sum(uint64_t lo, uint64_t hi)
{
	struct range left;
	uint64_t right;
	pthread_t t;
	int cpu;

	if (hi - lo <= FJ_LEAF) {
		cpu = sched_getcpu();
		if (cpu >= 0 && cpu < FJ_MAX_CPUS)
			atomic_fetch_add(&leaves[cpu], 1);
		return fj_leaf(lo, hi);
	}
	left = (struct range){ .lo = lo, .hi = fj_split(lo, hi) };
	atomic_fetch_add(&nthreads, 1);
	spawn(&t, fj_thread, &left);
	right = fj_sum(left.hi, hi);
	join(t);
	return left.sum + right;
}

static void *fj_thread(void *arg)
{
	struct range *r = arg;

	r->sum = fj_sum(r->lo, r->hi);
	return NULL;
}

static void bench_forkjoin(void)
{
	long l[FJ_MAX_CPUS], total = 0, c0 = ctxsw();
	uint64_t t0 = now_ns(), sum, ns;
	int i;

	sum = fj_sum(0, n_ops);
	ns = now_ns() - t0;
	for (i = 0; i < ncpus; i++) {
		l[i] = atomic_load(&leaves[i]);
		total += l[i];
	}
	print_row("forkjoin", n_ops, ns, ctxsw() - c0);
	printf(" ms=%.1f sum=%llu nleaves=%ld threads=%ld", ns / 1e6,
	       (unsigned long long)sum, total, atomic_load(&nthreads));
	print_leaves(l, ncpus);
	printf("\n");
}

/* ---- park: memory per blocked thread ----------------------------------- */

static pthread_cond_t all_parked = PTHREAD_COND_INITIALIZER;
static long parked;

static void *parker(void *arg)
{
	pthread_mutex_lock(&lock);
	if (++parked == n_ops)
		pthread_cond_signal(&all_parked);
	for (;;)
		pthread_cond_wait(&cond, &lock);
	return NULL;
}

/*
 * The threads are never released: waking 10,000 threads on one condvar
 * and joining them takes minutes under emulation, and measures nothing we
 * report. exit() ends them.
 */
static void bench_park(void)
{
	struct mem_snap m0, m1;
	pthread_attr_t attr;
	size_t stack = 0;
	pthread_t t;
	uint64_t t0;
	long i, c0;
	int err;

	if (!pthread_getattr_default_np(&attr)) {
		pthread_attr_getstacksize(&attr, &stack);
		pthread_attr_destroy(&attr);
	}
	m0 = mem_snap();
	c0 = ctxsw();
	t0 = now_ns();
	for (i = 0; i < n_ops; i++) {
		err = pthread_create(&t, NULL, parker, NULL);
		if (err) {
			fprintf(stderr, "pthread_bench park: thread %ld of"
				" %ld: %s\n", i + 1, n_ops, strerror(err));
			exit(1);
		}
	}
	pthread_mutex_lock(&lock);
	while (parked < n_ops)
		pthread_cond_wait(&all_parked, &lock);
	pthread_mutex_unlock(&lock);
	print_row("park", n_ops, now_ns() - t0, ctxsw() - c0);
	m1 = mem_snap();
	print_mem(&m0, &m1, n_ops);
	printf(" stack_size=%zu\n", stack);
}

/* ---- a mutex/condvar channel ------------------------------------------- */

/*
 * What a C programmer writes without a runtime: a ring of longs under one
 * mutex, a condvar per direction. cap 0 is a rendezvous: the value waits
 * in a one-slot ring and the sender waits until it was taken. A channel
 * may belong to one select group (psel): senders wake its receiver.
 */
struct psel {
	pthread_mutex_t mu;	/* taken before any channel's mu */
	pthread_cond_t cv;
	atomic_int waiting;	/* the receiver sleeps on cv */
};

struct pchan {
	pthread_mutex_t mu;
	pthread_cond_t can_recv, can_send;
	long *buf;
	unsigned int cap, slots, head, len;
	unsigned long sent, taken;	/* rendezvous: values sent, taken */
	struct psel *sel;
};

static void pchan_init(struct pchan *c, unsigned int cap, struct psel *sel)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->can_recv, NULL);
	pthread_cond_init(&c->can_send, NULL);
	c->cap = cap;
	c->slots = cap ? cap : 1;
	c->buf = calloc(c->slots, sizeof(long));
	if (!c->buf)
		die("calloc", ENOMEM);
	c->sel = sel;
}

static void pchan_destroy(struct pchan *c)
{
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->can_recv);
	pthread_cond_destroy(&c->can_send);
	free(c->buf);
}

static void pchan_send(struct pchan *c, long v)
{
	unsigned long me;

	pthread_mutex_lock(&c->mu);
	while (c->len == c->slots)
		pthread_cond_wait(&c->can_send, &c->mu);
	c->buf[(c->head + c->len++) % c->slots] = v;
	me = ++c->sent;
	pthread_cond_signal(&c->can_recv);
	if (!c->cap) {
		while (c->taken < me)
			pthread_cond_wait(&c->can_send, &c->mu);
	}
	pthread_mutex_unlock(&c->mu);
	/* after the unlock: a select holds sel->mu while it takes c->mu */
	if (c->sel && atomic_load(&c->sel->waiting)) {
		pthread_mutex_lock(&c->sel->mu);
		pthread_cond_signal(&c->sel->cv);
		pthread_mutex_unlock(&c->sel->mu);
	}
}

/* Called with c->mu held and c->len > 0. */
static long pchan_take(struct pchan *c)
{
	long v = c->buf[c->head];

	c->head = (c->head + 1) % c->slots;
	c->len--;
	c->taken++;
	/* rendezvous: the sender waits for taken, other senders for room */
	if (c->cap)
		pthread_cond_signal(&c->can_send);
	else
		pthread_cond_broadcast(&c->can_send);
	return v;
}

static long pchan_recv(struct pchan *c)
{
	long v;

	pthread_mutex_lock(&c->mu);
	while (!c->len)
		pthread_cond_wait(&c->can_recv, &c->mu);
	v = pchan_take(c);
	pthread_mutex_unlock(&c->mu);
	return v;
}

static int pchan_tryrecv(struct pchan *c, long *v)
{
	int got = 0;

	pthread_mutex_lock(&c->mu);
	if (c->len) {
		*v = pchan_take(c);
		got = 1;
	}
	pthread_mutex_unlock(&c->mu);
	return got;
}

/*
 * Receive from one of n channels of @s, polled from a rotating start
 * (Go picks at random). Before sleeping the receiver sets waiting and
 * polls once more: a sender either finds waiting set (and signals under
 * sel->mu, which the receiver holds until it sleeps) or pushed before that
 * second poll, which then sees the value.
 */
static int psel_recv(struct psel *s, struct pchan *c, int n, long *v)
{
	static unsigned int start;
	int i, k, pass;

	pthread_mutex_lock(&s->mu);
	for (;;) {
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < n; i++) {
				k = (int)((start + i) % n);
				if (pchan_tryrecv(&c[k], v)) {
					start++;
					atomic_store(&s->waiting, 0);
					pthread_mutex_unlock(&s->mu);
					return k;
				}
			}
			atomic_store(&s->waiting, 1);
		}
		pthread_cond_wait(&s->cv, &s->mu);
	}
}

/* ---- chan_pingpong ------------------------------------------------------ */

static struct pchan pp_ping, pp_pong;

static void *pp_echo(void *arg)
{
	long i;

	for (i = 0; i < n_ops; i++)
		pchan_send(&pp_pong, pchan_recv(&pp_ping) + 1);
	return NULL;
}

static void bench_chan_pingpong(void)
{
	long i, v = 0, c0 = ctxsw();
	uint64_t t0 = now_ns();
	pthread_t t;

	pchan_init(&pp_ping, 0, NULL);
	pchan_init(&pp_pong, 0, NULL);
	spawn(&t, pp_echo, NULL);
	for (i = 0; i < n_ops; i++) {
		pchan_send(&pp_ping, v);
		v = pchan_recv(&pp_pong);
	}
	join(t);
	print_row("chan_pingpong", n_ops, now_ns() - t0, ctxsw() - c0);
	printf("\n");
	if (v != n_ops)
		die("ping-pong count", EPROTO);
	pchan_destroy(&pp_ping);
	pchan_destroy(&pp_pong);
}

/* ---- chan_buffered, chan_select ------------------------------------------ */

#define CHAN_CAP	128
#define SEL_CHANS	4

struct producer {
	struct pchan *ch;
	long count;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	long i;

	for (i = 0; i < p->count; i++)
		pchan_send(p->ch, i);
	return NULL;
}

static long produced_sum(long count, int k)
{
	return k * (count * (count - 1) / 2);
}

static void bench_chan_buffered(void)
{
	long i, sum = 0, c0 = ctxsw();
	uint64_t t0 = now_ns();
	struct producer p;
	struct pchan ch;
	pthread_t t;

	pchan_init(&ch, CHAN_CAP, NULL);
	p = (struct producer){ &ch, n_ops };
	spawn(&t, produce, &p);
	for (i = 0; i < n_ops; i++)
		sum += pchan_recv(&ch);
	join(t);
	print_row("chan_buffered", n_ops, now_ns() - t0, ctxsw() - c0);
	printf(" cap=%d\n", CHAN_CAP);
	if (sum != produced_sum(n_ops, 1))
		die("buffered sum", EPROTO);
	pchan_destroy(&ch);
}

static void bench_chan_select(void)
{
	long i, v, sum = 0, picks[SEL_CHANS] = { 0 }, c0;
	long n = n_ops / SEL_CHANS * SEL_CHANS;
	struct psel sel = { .mu = PTHREAD_MUTEX_INITIALIZER,
			    .cv = PTHREAD_COND_INITIALIZER };
	struct pchan ch[SEL_CHANS];
	struct producer p[SEL_CHANS];
	pthread_t t[SEL_CHANS];
	uint64_t t0;
	int k;

	if (n < SEL_CHANS)
		die("N below the number of channels", EINVAL);
	for (k = 0; k < SEL_CHANS; k++) {
		pchan_init(&ch[k], CHAN_CAP, &sel);
		p[k] = (struct producer){ &ch[k], n / SEL_CHANS };
	}
	c0 = ctxsw();
	t0 = now_ns();
	for (k = 0; k < SEL_CHANS; k++)
		spawn(&t[k], produce, &p[k]);
	for (i = 0; i < n; i++) {
		k = psel_recv(&sel, ch, SEL_CHANS, &v);
		picks[k]++;
		sum += v;
	}
	for (k = 0; k < SEL_CHANS; k++)
		join(t[k]);
	print_row("chan_select", n, now_ns() - t0, ctxsw() - c0);
	printf(" cap=%d chans=%d picks=%ld,%ld,%ld,%ld\n", CHAN_CAP, SEL_CHANS,
	       picks[0], picks[1], picks[2], picks[3]);
	if (sum != produced_sum(n / SEL_CHANS, SEL_CHANS))
		die("select sum", EPROTO);
	for (k = 0; k < SEL_CHANS; k++)
		pchan_destroy(&ch[k]);
}

/* ---- chan_xproc: a pipe pair between two processes ---------------------- */

static void rw_full(int fd, long *v, int wr)
{
	ssize_t r = wr ? write(fd, v, sizeof(*v)) : read(fd, v, sizeof(*v));

	if (r != (ssize_t)sizeof(*v))
		die(wr ? "write" : "read", r < 0 ? errno : EPIPE);
}

/*
 * The peer of gsched's chan_xproc: two single-threaded processes (both
 * may run on the NCPUS CPUs), 8-byte ping-pong over two pipes. Not a
 * pthreads workload: the kernel's cheapest cross-process rendezvous.
 */
static void bench_chan_xproc(void)
{
	int ping[2], pong[2], status;
	long i, v = 0, c0;
	uint64_t t0;
	pid_t pid;

	if (pipe(ping) || pipe(pong))
		die("pipe", errno);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", errno);
	if (!pid) {
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &v, sizeof(v)) == sizeof(v)) {
			v++;
			rw_full(pong[1], &v, 1);
		}
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	/* warm-up round trip, as gsched's */
	rw_full(ping[1], &v, 1);
	rw_full(pong[0], &v, 0);
	v = 0;
	c0 = ctxsw();
	t0 = now_ns();
	for (i = 0; i < n_ops; i++) {
		rw_full(ping[1], &v, 1);
		rw_full(pong[0], &v, 0);
	}
	print_row("chan_xproc", n_ops, now_ns() - t0, ctxsw() - c0);
	printf(" ipc=pipe\n");
	close(ping[1]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) || v != n_ops)
		die("pipe peer", EPROTO);
	close(pong[0]);
}

/* ---- sync: mutex, rwlock, wait group ------------------------------------ */

#define LOCK_TASKS	4

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_rwlock_t rwl = PTHREAD_RWLOCK_INITIALIZER;
static long shared_counter;

static void bench_mutex_uncontended(void)
{
	long i, c0 = ctxsw();
	uint64_t t0 = now_ns();

	for (i = 0; i < n_ops; i++) {
		pthread_mutex_lock(&mtx);
		shared_counter++;
		pthread_mutex_unlock(&mtx);
	}
	print_row("mutex_uncontended", n_ops, now_ns() - t0, ctxsw() - c0);
	printf("\n");
}

static pthread_once_t done_once = PTHREAD_ONCE_INIT;
static long once_calls;

static void once_fn(void)
{
	once_calls++;
}

static void bench_once_done(void)
{
	long i, c0;
	uint64_t t0;

	pthread_once(&done_once, once_fn);
	c0 = ctxsw();
	t0 = now_ns();
	for (i = 0; i < n_ops; i++)
		pthread_once(&done_once, once_fn);
	print_row("once_done", n_ops, now_ns() - t0, ctxsw() - c0);
	printf("\n");
}

static void *mutex_incr(void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&mtx);
		shared_counter++;
		pthread_mutex_unlock(&mtx);
	}
	return NULL;
}

static void bench_mutex_contended(void)
{
	long per = n_ops / LOCK_TASKS, n = per * LOCK_TASKS, c0 = ctxsw();
	uint64_t t0 = now_ns();
	pthread_t t[LOCK_TASKS];
	int k;

	for (k = 0; k < LOCK_TASKS; k++)
		spawn(&t[k], mutex_incr, (void *)per);
	for (k = 0; k < LOCK_TASKS; k++)
		join(t[k]);
	print_row("mutex_contended", n, now_ns() - t0, ctxsw() - c0);
	printf(" tasks=%d\n", LOCK_TASKS);
	if (shared_counter != n)
		die("contended counter", EPROTO);
}

static void *rw_ops(void *arg)
{
	long i, n = (long)arg, seen = 0;

	for (i = 0; i < n; i++) {
		if (i % 10 == 0) {
			pthread_rwlock_wrlock(&rwl);
			shared_counter++;
			pthread_rwlock_unlock(&rwl);
		} else {
			pthread_rwlock_rdlock(&rwl);
			seen += shared_counter;
			pthread_rwlock_unlock(&rwl);
		}
	}
	return (void *)seen;
}

static void bench_rwmutex(void)
{
	long per = n_ops / LOCK_TASKS, n = per * LOCK_TASKS, c0 = ctxsw();
	uint64_t t0 = now_ns();
	pthread_t t[LOCK_TASKS];
	int k;

	for (k = 0; k < LOCK_TASKS; k++)
		spawn(&t[k], rw_ops, (void *)per);
	for (k = 0; k < LOCK_TASKS; k++)
		join(t[k]);
	print_row("rwmutex", n, now_ns() - t0, ctxsw() - c0);
	printf(" tasks=%d write_pct=10\n", LOCK_TASKS);
	if (shared_counter != LOCK_TASKS * ((per + 9) / 10))
		die("rwlock writes", EPROTO);
}

/* A wait group the usual way: a counter under a mutex and a condvar. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	long count;
} pwg = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };

static void *wg_doner(void *arg)
{
	pthread_mutex_lock(&pwg.mu);
	if (--pwg.count == 0)
		pthread_cond_broadcast(&pwg.cv);
	pthread_mutex_unlock(&pwg.mu);
	return NULL;
}

static void bench_wg_fanin(void)
{
	long i, c0 = ctxsw();
	uint64_t t0 = now_ns(), t_spawned;
	pthread_attr_t attr;
	pthread_t t;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_mutex_lock(&pwg.mu);
	pwg.count = n_ops;
	pthread_mutex_unlock(&pwg.mu);
	for (i = 0; i < n_ops; i++) {
		err = pthread_create(&t, &attr, wg_doner, NULL);
		if (err)
			die("pthread_create", err);
	}
	t_spawned = now_ns();
	pthread_mutex_lock(&pwg.mu);
	while (pwg.count)
		pthread_cond_wait(&pwg.cv, &pwg.mu);
	pthread_mutex_unlock(&pwg.mu);
	print_row("wg_fanin", n_ops, now_ns() - t0, ctxsw() - c0);
	printf(" spawn_ns=%.0f\n", (double)(t_spawned - t0) / n_ops);
	pthread_attr_destroy(&attr);
}

/* ---- ctx_cancel: one broadcast ends N condvar waits ---------------------- */

static pthread_cond_t cc_all_done = PTHREAD_COND_INITIALIZER;
static long cc_parked, cc_left;
static int cc_cancelled, cc_released;

static void *cc_waiter(void *arg)
{
	pthread_mutex_lock(&lock);
	if (++cc_parked == n_ops)
		pthread_cond_signal(&all_parked);
	while (!cc_cancelled)
		pthread_cond_wait(&cond, &lock);
	if (--cc_left == 0)
		pthread_cond_signal(&cc_all_done);
	/* exit after the clock stopped, as gsched's and Go's */
	while (!cc_released)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	return NULL;
}

/*
 * Go's context without a runtime: a cancelled flag under a mutex and a
 * broadcast. Each thread counts itself under the mutex it then gives up
 * in pthread_cond_wait(), so once the count is full all of them wait.
 */
static void bench_ctx_cancel(void)
{
	uint64_t t0, t_cancelled, t1;
	pthread_t *t;
	long i, c0;

	t = calloc(n_ops, sizeof(*t));
	if (!t)
		die("calloc", ENOMEM);
	cc_left = n_ops;
	for (i = 0; i < n_ops; i++)
		spawn(&t[i], cc_waiter, NULL);
	pthread_mutex_lock(&lock);
	while (cc_parked < n_ops)
		pthread_cond_wait(&all_parked, &lock);
	c0 = ctxsw();
	t0 = now_ns();
	cc_cancelled = 1;
	pthread_cond_broadcast(&cond);
	t_cancelled = now_ns();
	while (cc_left)
		pthread_cond_wait(&cc_all_done, &lock);
	t1 = now_ns();
	cc_released = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	print_row("ctx_cancel", n_ops, t1 - t0, ctxsw() - c0);
	printf(" total_us=%.0f cancel_call_us=%.0f\n", (t1 - t0) / 1e3,
	       (t_cancelled - t0) / 1e3);
	for (i = 0; i < n_ops; i++)
		join(t[i]);
	free(t);
}

/* ---- syscall_handoff: the kernel switching to the next runnable thread --- */

/*
 * The pthreads counterpart of gsched's hand-off (NCPUS=1: all threads on
 * CPU 0). With a thread per task there is nothing to hand off: when thread
 * A blocks in read() on an empty pipe, the kernel runs the next runnable
 * thread of that CPU. Thread B is kept runnable (it waits in a
 * sched_yield() loop, not asleep, just as gsched's B sits in the run
 * queue); A takes t0, flags the round and blocks in read(); B notes t1 when
 * it sees the flag, then posts a writer thread, which writes the pipe so
 * that A returns. latency = t1 - t0: a blocking read plus one switch.
 */
#define HO_WARMUP	5

static int ho_pipe[2];
static sem_t ho_wsem;
static atomic_int ho_phase, ho_stop;	/* phase 1: A is about to block */
static _Atomic uint64_t ho_t0;
static uint64_t *ho_lat;

static void *ho_writer(void *arg)
{
	char c = 'x';

	for (;;) {
		while (sem_wait(&ho_wsem))
			if (errno != EINTR)
				die("sem_wait", errno);
		if (atomic_load(&ho_stop))
			return NULL;
		if (write(ho_pipe[1], &c, 1) != 1)
			die("write (pipe)", errno);
	}
}

static void *ho_b(void *arg)
{
	long r, total = (long)arg;

	for (r = 0; r < total; r++) {
		while (atomic_load(&ho_phase) != 1)
			sched_yield();
		ho_lat[r] = now_ns() - atomic_load(&ho_t0);
		atomic_store(&ho_phase, 2);
		if (sem_post(&ho_wsem))
			die("sem_post", errno);
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, long n, int p)
{
	return v[(n - 1) * p / 100];
}

static void bench_syscall_handoff(void)
{
	long r, total = HO_WARMUP + n_ops, c0 = 0;
	uint64_t t0 = 0, t1, *lat;
	pthread_t tb, tw;
	char c;

	ho_lat = calloc(total, sizeof(*ho_lat));
	if (!ho_lat)
		die("calloc", ENOMEM);
	if (pipe(ho_pipe))
		die("pipe", errno);
	if (sem_init(&ho_wsem, 0, 0))
		die("sem_init", errno);
	spawn(&tw, ho_writer, NULL);
	spawn(&tb, ho_b, (void *)total);
	for (r = 0; r < total; r++) {
		if (r == HO_WARMUP) {
			c0 = ctxsw();
			t0 = now_ns();
		}
		atomic_store(&ho_t0, now_ns());
		atomic_store(&ho_phase, 1);
		if (read(ho_pipe[0], &c, 1) != 1)
			die("read (pipe)", errno);
	}
	t1 = now_ns();
	join(tb);
	atomic_store(&ho_stop, 1);
	sem_post(&ho_wsem);
	join(tw);
	lat = ho_lat + HO_WARMUP;
	qsort(lat, n_ops, sizeof(*lat), cmp_u64);
	print_row("syscall_handoff", n_ops, t1 - t0, ctxsw() - c0);
	printf(" median_us=%.1f p10_us=%.1f p90_us=%.1f min_us=%.1f"
	       " max_us=%.1f\n", pct(lat, n_ops, 50) / 1e3,
	       pct(lat, n_ops, 10) / 1e3, pct(lat, n_ops, 90) / 1e3,
	       lat[0] / 1e3, lat[n_ops - 1] / 1e3);
	close(ho_pipe[0]);
	close(ho_pipe[1]);
	sem_destroy(&ho_wsem);
	free(ho_lat);
}

/* ---- tcp_echo: two single-threaded epoll loops -------------------------- */

/*
 * The C peer of gsched's tcp_echo: not a thread per connection but the
 * classic event loop. Thread 1 is a single-threaded epoll echo server
 * (level-triggered, non-blocking sockets, accept4 until EAGAIN, read then
 * write back); the main thread drives all ECHO_CONNS client connections
 * from a second single-threaded epoll loop: each connection sends its
 * next ECHO_MSG-byte message when the whole previous echo is back. Two
 * threads for the two CPUs gsched and Go get. The clients connect
 * (blocking connect, then non-blocking) before the clock starts.
 */
#define ECHO_CONNS	100
#define ECHO_MSG	64

static int echo_lfd;

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("setsockopt TCP_NODELAY", errno);
}

static void epoll_add(int ep, int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll_ctl", errno);
}

/* write(2) everything to a non-blocking socket */
static void write_all(int fd, const char *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t r;

	while (n) {
		r = write(fd, p, n);
		if (r > 0) {
			p += r;
			n -= r;
		} else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			poll(&pfd, 1, -1);
		} else {
			die("write (socket)", r < 0 ? errno : EIO);
		}
	}
}

static void *echo_server(void *arg)
{
	struct epoll_event ev[64];
	long accepted = 0, open = 0;
	int ep, i, k, fd;
	char buf[4096];
	ssize_t r;

	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1", errno);
	epoll_add(ep, echo_lfd, (uint64_t)echo_lfd);
	while (accepted < ECHO_CONNS || open > 0) {
		k = epoll_wait(ep, ev, 64, -1);
		if (k < 0 && errno != EINTR)
			die("epoll_wait", errno);
		for (i = 0; i < k; i++) {
			fd = (int)ev[i].data.u64;
			if (fd == echo_lfd) {
				while ((fd = accept4(echo_lfd, NULL, NULL,
						     SOCK_NONBLOCK |
						     SOCK_CLOEXEC)) >= 0) {
					nodelay(fd);
					epoll_add(ep, fd, (uint64_t)fd);
					accepted++;
					open++;
				}
				if (errno != EAGAIN && errno != EINTR &&
				    errno != ECONNABORTED)
					die("accept4", errno);
				continue;
			}
			r = read(fd, buf, sizeof(buf));
			if (r > 0) {
				write_all(fd, buf, r);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(fd);	/* leaves the epoll set */
				open--;
			}
		}
	}
	close(ep);
	return NULL;
}

struct echo_conn {
	int fd;
	long round;
	size_t have;
	char msg[ECHO_MSG], got[ECHO_MSG];
};

static void echo_send(struct echo_conn *c)
{
	memcpy(c->msg, &c->round, sizeof(c->round));
	c->have = 0;
	write_all(c->fd, c->msg, sizeof(c->msg));
}

static void bench_tcp_echo(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	long rounds = n_ops / ECHO_CONNS ? n_ops / ECHO_CONNS : 1;
	long n = rounds * ECHO_CONNS, done = 0, c0;
	static struct echo_conn conn[ECHO_CONNS];
	socklen_t alen = sizeof(addr);
	struct epoll_event ev[64];
	uint64_t t_begin, t0, t1;
	struct echo_conn *c;
	int ep, i, k, fd;
	pthread_t srv;
	ssize_t r;

	echo_lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	if (echo_lfd < 0)
		die("socket", errno);
	if (bind(echo_lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(echo_lfd, 1024) ||
	    getsockname(echo_lfd, (struct sockaddr *)&addr, &alen))
		die("bind/listen", errno);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1", errno);
	t_begin = now_ns();
	spawn(&srv, echo_server, NULL);
	for (i = 0; i < ECHO_CONNS; i++) {
		c = &conn[i];
		c->fd = fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			die("socket", errno);
		nodelay(fd);
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			die("connect", errno);
		if (fcntl(fd, F_SETFL, O_NONBLOCK))
			die("fcntl", errno);
		memset(c->msg, 'a' + i % 26, sizeof(c->msg));
		epoll_add(ep, fd, (uint64_t)i);
	}
	c0 = ctxsw();
	t0 = now_ns();
	for (i = 0; i < ECHO_CONNS; i++)
		echo_send(&conn[i]);
	while (done < ECHO_CONNS) {
		k = epoll_wait(ep, ev, 64, -1);
		if (k < 0 && errno != EINTR)
			die("epoll_wait", errno);
		for (i = 0; i < k; i++) {
			c = &conn[ev[i].data.u64];
			r = read(c->fd, c->got + c->have,
				 sizeof(c->got) - c->have);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r <= 0)
				die("read (client)", r < 0 ? errno : EPIPE);
			c->have += r;
			if (c->have < sizeof(c->got))
				continue;
			if (memcmp(c->msg, c->got, sizeof(c->msg)))
				die("echo differs", EPROTO);
			if (++c->round < rounds) {
				echo_send(c);
			} else {
				close(c->fd);
				done++;
			}
		}
	}
	t1 = now_ns();
	print_row("tcp_echo", n, t1 - t0, ctxsw() - c0);
	printf(" rt_per_s=%.0f conns=%d rounds=%ld msg=%d connect_ms=%.1f"
	       " threads=2\n", n * 1e9 / (t1 - t0), ECHO_CONNS, rounds,
	       ECHO_MSG, (t0 - t_begin) / 1e6);
	join(srv);
	close(ep);
	close(echo_lfd);
}

/* ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(void);
	long n;
} rows[] = {
	{ "spawn_join", bench_spawn_join, 100000 },
	{ "yield", bench_yield, 100000 },
	{ "handoff", bench_handoff, 50000 },
	{ "forkjoin", bench_forkjoin, 50000000 },
	{ "park", bench_park, 10000 },
	{ "chan_pingpong", bench_chan_pingpong, 50000 },
	{ "chan_buffered", bench_chan_buffered, 200000 },
	{ "chan_select", bench_chan_select, 200000 },
	{ "chan_xproc", bench_chan_xproc, 10000 },
	{ "mutex_uncontended", bench_mutex_uncontended, 200000 },
	{ "once_done", bench_once_done, 1000000 },
	{ "mutex_contended", bench_mutex_contended, 200000 },
	{ "rwmutex", bench_rwmutex, 200000 },
	{ "wg_fanin", bench_wg_fanin, 2000 },
	{ "ctx_cancel", bench_ctx_cancel, 10000 },
	{ "syscall_handoff", bench_syscall_handoff, 200 },
	{ "tcp_echo", bench_tcp_echo, 10000 },
};

int main(int argc, char **argv)
{
	cpu_set_t set;
	unsigned int i;
	int cpu;

	if (argc < 2)
		goto usage;
	row = argv[1];
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(row, rows[i].name))
			break;
	if (i == sizeof(rows) / sizeof(rows[0]))
		goto usage;
	n_ops = arg_long(argc, argv, 2, rows[i].n);
	ncpus = (int)arg_long(argc, argv, 3, 2);
	if (n_ops < 1 || ncpus < 1 || ncpus > FJ_MAX_CPUS)
		goto usage;
	/* the first ncpus CPUs, for the same parallelism as the others;
	 * threads inherit the mask */
	CPU_ZERO(&set);
	for (cpu = 0; cpu < ncpus; cpu++)
		CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity", errno);
	rows[i].fn();
	fflush(stdout);
	exit(0);
usage:
	fprintf(stderr, "usage: pthread_bench ROW [N [NCPUS]]; ROW:");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		fprintf(stderr, " %s", rows[i].name);
	fprintf(stderr, "\n");
	return 2;
}
