// SPDX-License-Identifier: MIT
/*
 * gsched_bench: the gsched side of `make bench` (run by tools/bench).
 *
 *   gsched_bench ROW [N [NPROCS]]
 *
 * ROW:
 *   spawn_join  N joinable tasks that return at once, spawned and joined in
 *               batches of 1000 (ns per task)
 *   yield       two tasks call gsched_yield() N times each (ns per yield;
 *               run with NPROCS=1, like Go's GOMAXPROCS=1)
 *   handoff     park/unpark ping-pong between two tasks, N round trips
 *   forkjoin    skewed fork-join over N elements (bench.h), leaves/worker
 *   park        N tasks parked at once: memory per task
 *   syscalls    N joinable tasks: ioctls per spawn, then per join (NPROCS=1
 *               keeps the children from running during the spawn loop);
 *               twice: on fresh stacks, then on cached ones (N <= 4096)
 *   stack_map   N task-sized stack mappings made and unmapped without the
 *               scheduler: what a fresh stack costs
 *
 * Channels and sync (values are longs):
 *   chan_pingpong      unbuffered ping-pong between two tasks, N round trips
 *   chan_buffered      one producer task, the main task consumes, cap 128,
 *                      N items
 *   chan_select        4 producers, each into its own cap-128 channel; the
 *                      main task selects over the 4, N items in all
 *   chan_xproc         ping-pong between two processes over two exported
 *                      unbuffered channels (fork, then SCM_RIGHTS), each
 *                      runtime with NPROCS/2 workers; the child's counters
 *                      come back as peer_*
 *   mutex_uncontended  N lock+unlock pairs by one task
 *   once_done          N gsched_once() calls on a once that is done
 *   mutex_contended    4 tasks increment one counter under a mutex, N
 *                      increments in all
 *   rwmutex            4 tasks, N operations in all: every tenth a write
 *                      lock+unlock, the others rlock+runlock
 *   wg_fanin           N detached tasks each call gsched_wg_done(); the main
 *                      task waits (ns per task, spawns included)
 *   ctx_cancel         N tasks blocked in gsched_chan_recv_ctx() on a channel
 *                      nobody sends on; ns from gsched_ctx_cancel() until
 *                      the last has returned, per task
 *
 * Blocking system calls and fds:
 *   syscall_handoff    NPROCS=1: task A makes task B runnable, then blocks
 *                      in read() on an empty pipe; B notes when it first
 *                      runs (its worker's P was handed to a spare), then a
 *                      plain pthread writes the pipe; N rounds, the median
 *                      t1 - t0 in us (plus percentiles, hand-offs/round)
 *   tcp_echo           ECHO_CONNS client tasks, N round trips of ECHO_MSG
 *                      bytes in all, against one echo task per connection
 *                      over loopback, all through gsched_read/write/accept/
 *                      connect (round trips per second)
 *
 * Prints one line "row=... impl=gsched n=... key=value..." with the
 * instance's sysfs counter deltas (syscalls, switches: per op; steals).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsched.h>

#include "bench.h"

#define BATCH	1000

struct ctr {
	unsigned long long syscalls, switches, steals, global_moves;
	long ctxsw;
	uint64_t ns;
};

static long n_ops;
static unsigned int nprocs;
static const char *row;

static unsigned long long sysfs_read(const char *path)
{
	unsigned long long v = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static unsigned long long inst_read(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/kernel/gsched/instances/%d/%s",
		 gsched_instance_id(), file);
	return sysfs_read(path);
}

/* A module parameter, 0 when unreadable. */
static unsigned long long param_read(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/gsched/parameters/%s", name);
	return sysfs_read(path);
}

static struct ctr ctr_read(void)
{
	struct ctr c;

	c.syscalls = inst_read("syscalls");
	c.switches = inst_read("switches");
	c.steals = inst_read("steals");
	c.global_moves = inst_read("global_moves");
	c.ctxsw = ctxsw();
	c.ns = now_ns();
	return c;
}

/* Reading the counters costs no ioctl, so deltas are the workload's. */
static void print_row(const char *name, long n, const struct ctr *a,
		      const struct ctr *b)
{
	printf("row=%s impl=gsched n=%ld procs=%u ns_per_op=%.1f"
	       " syscalls_per_op=%.3f switches_per_op=%.3f steals=%llu"
	       " global_moves=%llu ctxsw_per_op=%.3f", name, n, nprocs,
	       (double)(b->ns - a->ns) / n,
	       (double)(b->syscalls - a->syscalls) / n,
	       (double)(b->switches - a->switches) / n,
	       b->steals - a->steals, b->global_moves - a->global_moves,
	       (double)(b->ctxsw - a->ctxsw) / n);
}

static void die(const char *what, int err)
{
	fprintf(stderr, "gsched_bench %s: %s: %s\n", row, what,
		strerror(-err));
	exit(1);
}

static const struct gsched_spawn_attr joinable = { .flags = GSCHED_JOINABLE };

static void join_all(const int *ids, long n)
{
	long i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = gsched_join(ids[i], NULL);
		if (ret)
			die("gsched_join", ret);
	}
}

/* ---- spawn_join -------------------------------------------------------- */

static long nop(void *arg)
{
	return 0;
}

static void bench_spawn_join(void)
{
	static int ids[BATCH];
	struct ctr a, b;
	long done, i, k;

	a = ctr_read();
	for (done = 0; done < n_ops; done += k) {
		k = n_ops - done < BATCH ? n_ops - done : BATCH;
		for (i = 0; i < k; i++) {
			ids[i] = gsched_spawn_ex(nop, NULL, &joinable);
			if (ids[i] < 0)
				die("gsched_spawn_ex", ids[i]);
		}
		join_all(ids, k);
	}
	b = ctr_read();
	print_row("spawn_join", n_ops, &a, &b);
	printf(" batch=%d\n", BATCH);
}

/* ---- yield ------------------------------------------------------------- */

static long yielder(void *arg)
{
	long i;

	for (i = 0; i < n_ops; i++)
		gsched_yield();
	return 0;
}

static void bench_yield(void)
{
	int ids[2];
	struct ctr a, b;
	int i;

	a = ctr_read();
	for (i = 0; i < 2; i++) {
		ids[i] = gsched_spawn_ex(yielder, NULL, &joinable);
		if (ids[i] < 0)
			die("gsched_spawn_ex", ids[i]);
	}
	join_all(ids, 2);
	b = ctr_read();
	/* per yield; the 2 spawns and joins are noise at this N */
	print_row("yield", 2 * n_ops, &a, &b);
	printf(" rounds=%ld\n", n_ops);
}

/* ---- handoff: park/unpark ping-pong ------------------------------------ */

static atomic_int ping_id, pong_id;

static long pinger(void *arg)
{
	long i;

	atomic_store(&ping_id, gsched_self());
	for (i = 0; i < n_ops; i++) {
		gsched_unpark(atomic_load(&pong_id));
		gsched_park(GSCHED_WAIT_USER);
	}
	return 0;
}

static long ponger(void *arg)
{
	long i;

	for (i = 0; i < n_ops; i++) {
		gsched_park(GSCHED_WAIT_USER);
		gsched_unpark(atomic_load(&ping_id));
	}
	return 0;
}

static void bench_handoff(void)
{
	struct ctr a, b;
	int ids[2];

	a = ctr_read();
	ids[0] = gsched_spawn_ex(ponger, NULL, &joinable);
	if (ids[0] < 0)
		die("gsched_spawn_ex", ids[0]);
	atomic_store(&pong_id, ids[0]);
	ids[1] = gsched_spawn_ex(pinger, NULL, &joinable);
	if (ids[1] < 0)
		die("gsched_spawn_ex", ids[1]);
	join_all(ids, 2);
	b = ctr_read();
	print_row("handoff", n_ops, &a, &b);
	printf("\n");
}

/* ---- forkjoin ---------------------------------------------------------- */

struct range {
	uint64_t lo, hi, sum;
};

static atomic_long leaves[FJ_MAX_CPUS];

static long fj_task(void *arg);

static uint64_t fj_sum(uint64_t lo, uint64_t hi)
{
	struct range left;
	uint64_t right;
	int id, ret;

	if (hi - lo <= FJ_LEAF) {
		atomic_fetch_add(&leaves[gsched_worker()], 1);
		return fj_leaf(lo, hi);
	}
	left = (struct range){ .lo = lo, .hi = fj_split(lo, hi) };
	id = gsched_spawn_ex(fj_task, &left, &joinable);
	if (id < 0)
		die("gsched_spawn_ex", id);
	right = fj_sum(left.hi, hi);
	ret = gsched_join(id, NULL);
	if (ret)
		die("gsched_join", ret);
	return left.sum + right;
}

static long fj_task(void *arg)
{
	struct range *r = arg;

	r->sum = fj_sum(r->lo, r->hi);
	return 0;
}

static void bench_forkjoin(void)
{
	long l[FJ_MAX_CPUS], total = 0;
	struct ctr a, b;
	uint64_t sum;
	int i;

	a = ctr_read();
	sum = fj_sum(0, n_ops);
	b = ctr_read();
	for (i = 0; i < (int)nprocs; i++) {
		l[i] = atomic_load(&leaves[i]);
		total += l[i];
	}
	/* per element; the ms field is the one to compare */
	print_row("forkjoin", n_ops, &a, &b);
	printf(" ms=%.1f sum=%llu nleaves=%ld", (b.ns - a.ns) / 1e6,
	       (unsigned long long)sum, total);
	print_leaves(l, (int)nprocs);
	printf(" syscalls=%llu switches=%llu\n", b.syscalls - a.syscalls,
	       b.switches - a.switches);
}

/* ---- park: memory per parked task -------------------------------------- */

static atomic_long parked;

static long parker(void *arg)
{
	atomic_fetch_add(&parked, 1);
	return gsched_park(GSCHED_WAIT_USER);
}

static long slab_object_size(void)
{
	long v = -1;
	FILE *f;

	f = fopen("/sys/kernel/slab/gsched_task/object_size", "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static void bench_park(void)
{
	uint64_t t_spawned, t_parked, t_unparked;
	struct mem_snap m0, m1;
	struct ctr a, b, end;
	long i, spins = 0;
	int *ids, ret;

	ids = calloc(n_ops, sizeof(*ids));
	if (!ids)
		die("calloc", -ENOMEM);
	m0 = mem_snap();
	a = ctr_read();
	for (i = 0; i < n_ops; i++) {
		ids[i] = gsched_spawn_ex(parker, NULL, &joinable);
		if (ids[i] < 0) {
			fprintf(stderr, "gsched_bench park: spawn %ld of %ld:"
				" %s\n", i + 1, n_ops, strerror(-ids[i]));
			exit(1);
		}
	}
	t_spawned = now_ns();
	/* every task has run (its stack is touched) once it counted itself */
	while (atomic_load(&parked) < n_ops) {
		gsched_yield();
		spins++;
	}
	t_parked = now_ns();
	m1 = mem_snap();
	for (i = 0; i < n_ops; i++) {
		ret = gsched_unpark(ids[i]);
		if (ret)
			die("gsched_unpark", ret);
	}
	t_unparked = now_ns();
	join_all(ids, n_ops);
	b = ctr_read();
	/* ns_per_op: spawn until all are parked, as for Go and pthreads;
	 * syscalls and switches: spawn, park, unpark, exit and join */
	end = b;
	end.ns = t_parked;
	print_row("park", n_ops, &a, &end);
	print_mem(&m0, &m1, n_ops);
	printf(" spawn_ns=%.0f unpark_ns=%.0f join_ns=%.0f slab_object_size=%ld"
	       " wait_yields=%ld\n", (double)(t_spawned - a.ns) / n_ops,
	       (double)(t_unparked - t_parked) / n_ops,
	       (double)(b.ns - t_unparked) / n_ops, slab_object_size(), spins);
	free(ids);
}

/* ---- syscalls: ioctls per spawn and per join ---------------------------- */

/*
 * What a fresh task stack costs without the scheduler: N mappings made the
 * way lib/src/stack.c makes them (mmap, guard page, first touch of the top
 * page), then unmapped, from the main task.
 */
static void stack_map_probe(void)
{
	size_t len = GSCHED_STACK_DEFAULT + 2 * 4096;
	uint64_t t0, t1, t2;
	char **maps;
	long i;

	maps = calloc(n_ops, sizeof(*maps));
	if (!maps)
		die("calloc", -ENOMEM);
	t0 = now_ns();
	for (i = 0; i < n_ops; i++) {
		maps[i] = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			       MAP_STACK, -1, 0);
		if (maps[i] == MAP_FAILED)
			die("mmap", -errno);
		if (mprotect(maps[i], 4096, PROT_NONE))
			die("mprotect", -errno);
		maps[i][len - 1] = 1;
	}
	t1 = now_ns();
	for (i = 0; i < n_ops; i++)
		munmap(maps[i], len);
	t2 = now_ns();
	printf("row=stack_map impl=gsched n=%ld procs=%u ns_per_op=%.1f"
	       " map_ns=%.0f unmap_ns=%.0f\n", n_ops, nprocs,
	       (double)(t2 - t0) / n_ops, (double)(t1 - t0) / n_ops,
	       (double)(t2 - t1) / n_ops);
	free(maps);
}

/*
 * Two rounds of N spawns then N joins: the first maps a fresh stack per
 * task (mmap + mprotect, not counted by the module), the second reuses the
 * cached ones (up to 4096), so the time difference is the stack's cost.
 */
static void bench_syscalls(void)
{
	static const char *const names[2][2] = {
		{ "syscalls_spawn_cold", "syscalls_join_cold" },
		{ "syscalls_spawn", "syscalls_join" },
	};
	struct ctr a, b, c;
	int *ids, round;
	long i;

	ids = calloc(n_ops, sizeof(*ids));
	if (!ids)
		die("calloc", -ENOMEM);
	for (round = 0; round < 2; round++) {
		a = ctr_read();
		for (i = 0; i < n_ops; i++) {
			ids[i] = gsched_spawn_ex(nop, NULL, &joinable);
			if (ids[i] < 0)
				die("gsched_spawn_ex", ids[i]);
		}
		b = ctr_read();
		join_all(ids, n_ops);
		c = ctr_read();
		print_row(names[round][0], n_ops, &a, &b);
		printf("\n");
		/* includes running the child up to its exit */
		print_row(names[round][1], n_ops, &b, &c);
		printf("\n");
	}
	free(ids);
}

/* ---- channels ---------------------------------------------------------- */

/* Dies unless a blocking receive returned a value (1). */
static void recv_ok(gsched_chan_t ch, void *val)
{
	int ret = gsched_chan_recv(ch, val);

	if (ret != 1)
		die("gsched_chan_recv", ret < 0 ? ret : -EPIPE);
}

static void send_ok(gsched_chan_t ch, const void *val)
{
	int ret = gsched_chan_send(ch, val);

	if (ret)
		die("gsched_chan_send", ret);
}

static gsched_chan_t chan_make_ok(unsigned int cap)
{
	gsched_chan_t ch;
	int ret = gsched_chan_make(&ch, sizeof(long), cap);

	if (ret)
		die("gsched_chan_make", ret);
	return ch;
}

static int spawn_ok(gsched_fn_t fn, void *arg)
{
	int id = gsched_spawn_ex(fn, arg, &joinable);

	if (id < 0)
		die("gsched_spawn_ex", id);
	return id;
}

static gsched_chan_t pp_ping, pp_pong;

/* The other end of a ping-pong: n_ops round trips, each adds one. */
static long pp_echo(void *arg)
{
	long i, v;

	for (i = 0; i < n_ops; i++) {
		recv_ok(pp_ping, &v);
		v++;
		send_ok(pp_pong, &v);
	}
	return 0;
}

/* Unbuffered ping-pong: the main task sends, the echo task answers. */
static void bench_chan_pingpong(void)
{
	struct ctr a, b;
	long i, v = 0;
	int id;

	pp_ping = chan_make_ok(0);
	pp_pong = chan_make_ok(0);
	a = ctr_read();
	id = spawn_ok(pp_echo, NULL);
	for (i = 0; i < n_ops; i++) {
		send_ok(pp_ping, &v);
		recv_ok(pp_pong, &v);
	}
	join_all(&id, 1);
	b = ctr_read();
	if (v != n_ops)
		die("ping-pong count", -EPROTO);
	print_row("chan_pingpong", n_ops, &a, &b);
	printf("\n");
	gsched_chan_release(pp_ping);
	gsched_chan_release(pp_pong);
}

#define CHAN_CAP	128
#define SEL_CHANS	4

struct producer {
	gsched_chan_t ch;
	long count;
};

static long produce(void *arg)
{
	struct producer *p = arg;
	long i;

	for (i = 0; i < p->count; i++)
		send_ok(p->ch, &i);
	return 0;
}

/* Expected sum of the values 0..count-1 from each of k producers. */
static long produced_sum(long count, int k)
{
	return k * (count * (count - 1) / 2);
}

/* One producer, the main task consumes, cap CHAN_CAP. */
static void bench_chan_buffered(void)
{
	struct producer p = { .ch = chan_make_ok(CHAN_CAP), .count = n_ops };
	long i, v, sum = 0;
	struct ctr a, b;
	int id;

	a = ctr_read();
	id = spawn_ok(produce, &p);
	for (i = 0; i < n_ops; i++) {
		recv_ok(p.ch, &v);
		sum += v;
	}
	join_all(&id, 1);
	b = ctr_read();
	if (sum != produced_sum(n_ops, 1))
		die("buffered sum", -EPROTO);
	print_row("chan_buffered", n_ops, &a, &b);
	printf(" cap=%d\n", CHAN_CAP);
	gsched_chan_release(p.ch);
}

/* SEL_CHANS producers, each into its own buffered channel; the main task
 * selects over all of them (n_ops rounded down to a multiple of them). */
static void bench_chan_select(void)
{
	struct gsched_select_case cases[SEL_CHANS];
	struct producer p[SEL_CHANS];
	long i, v[SEL_CHANS], picks[SEL_CHANS] = { 0 }, sum = 0;
	long n = n_ops / SEL_CHANS * SEL_CHANS;
	int ids[SEL_CHANS], k, ok;
	struct ctr a, b;

	if (n < SEL_CHANS)
		die("N below the number of channels", -EINVAL);
	for (k = 0; k < SEL_CHANS; k++) {
		p[k] = (struct producer){ chan_make_ok(CHAN_CAP),
					  n / SEL_CHANS };
		cases[k] = GSCHED_RECV(p[k].ch, &v[k]);
	}
	a = ctr_read();
	for (k = 0; k < SEL_CHANS; k++)
		ids[k] = spawn_ok(produce, &p[k]);
	for (i = 0; i < n; i++) {
		k = gsched_select(cases, SEL_CHANS, 0, 0, &ok);
		if (k < 0 || k >= SEL_CHANS || !ok)
			die("gsched_select", k < 0 ? k : -EPROTO);
		picks[k]++;
		sum += v[k];
	}
	join_all(ids, SEL_CHANS);
	b = ctr_read();
	if (sum != produced_sum(n / SEL_CHANS, SEL_CHANS))
		die("select sum", -EPROTO);
	print_row("chan_select", n, &a, &b);
	printf(" cap=%d chans=%d picks=%ld,%ld,%ld,%ld\n", CHAN_CAP, SEL_CHANS,
	       picks[0], picks[1], picks[2], picks[3]);
	for (k = 0; k < SEL_CHANS; k++)
		gsched_chan_release(p[k].ch);
}

/* ---- chan_xproc: ping-pong between two processes ------------------------ */

/*
 * Two processes, forked before either starts its runtime; the parent makes
 * two unbuffered channels and passes them over a Unix socket (SCM_RIGHTS).
 * Each runtime gets half the workers (at least one): the same parallelism
 * as the pipe pair of pthread_bench. The child sends its counter deltas
 * back over the socket.
 */
static int xsock[2];

static int send_fd(int s, int fd)
{
	char c = 'f', cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(s, &m, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int s)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(s, &m, 0) != 1)
		return -EPROTO;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

static gsched_chan_t import_ok(int s)
{
	gsched_chan_t ch;
	int fd = recv_fd(s), ret;

	if (fd < 0)
		die("recv_fd", fd);
	ret = gsched_chan_import(fd, &ch);
	if (ret)
		die("gsched_chan_import", ret);
	close(fd);
	return ch;
}

static void export_ok(gsched_chan_t ch, int s)
{
	int fd = gsched_chan_export(ch), ret;

	if (fd < 0)
		die("gsched_chan_export", fd);
	ret = send_fd(s, fd);
	if (ret)
		die("send_fd", ret);
	close(fd);
}

/* The child's main task: echo until the parent closes ping. */
static long xproc_child(void *arg)
{
	gsched_chan_t ping = import_ok(xsock[1]), pong = import_ok(xsock[1]);
	struct ctr a, b;
	char msg[128];
	long v, n = 0;
	int ret, len;

	/* the parent's warm-up round trip */
	recv_ok(ping, &v);
	send_ok(pong, &v);
	a = ctr_read();
	while ((ret = gsched_chan_recv(ping, &v)) == 1) {
		v++;
		send_ok(pong, &v);
		n++;
	}
	b = ctr_read();
	if (ret)
		die("gsched_chan_recv (child)", ret);
	len = snprintf(msg, sizeof(msg), "%llu %llu %ld %ld",
		       b.syscalls - a.syscalls, b.switches - a.switches,
		       b.ctxsw - a.ctxsw, n);
	if (send(xsock[1], msg, len, 0) != len)
		die("send", -errno);
	return 0;
}

static void bench_chan_xproc(void)
{
	gsched_chan_t ping = chan_make_ok(0), pong = chan_make_ok(0);
	unsigned long long psc = 0, psw = 0;
	long i, v = 0, pcsw = 0, pn = 0;
	struct ctr a, b;
	char msg[128];
	ssize_t len;
	int ret;

	export_ok(ping, xsock[0]);
	export_ok(pong, xsock[0]);
	/* warm-up: the child has imported both and is waiting */
	send_ok(ping, &v);
	recv_ok(pong, &v);
	a = ctr_read();
	for (i = 0; i < n_ops; i++) {
		send_ok(ping, &v);
		recv_ok(pong, &v);
	}
	b = ctr_read();
	ret = gsched_chan_close(ping);
	if (ret)
		die("gsched_chan_close", ret);
	len = recv(xsock[0], msg, sizeof(msg) - 1, 0);
	if (len <= 0)
		die("recv (child's counters)", len < 0 ? -errno : -EPIPE);
	msg[len] = 0;
	if (sscanf(msg, "%llu %llu %ld %ld", &psc, &psw, &pcsw, &pn) != 4 ||
	    pn != n_ops || v != n_ops)
		die("child's counters", -EPROTO);
	print_row("chan_xproc", n_ops, &a, &b);
	printf(" procs_per_process=%u peer_syscalls_per_op=%.3f"
	       " peer_switches_per_op=%.3f peer_ctxsw_per_op=%.3f\n",
	       nprocs / 2 ? nprocs / 2 : 1, (double)psc / n_ops,
	       (double)psw / n_ops, (double)pcsw / n_ops);
	gsched_chan_release(ping);
	gsched_chan_release(pong);
}

/* ---- sync: mutex, rwmutex, wait group ----------------------------------- */

#define LOCK_TASKS	4

static gsched_mutex_t mtx;
static gsched_rwmutex_t rwm;
static long shared_counter;

static void lock_ok(int ret, const char *what)
{
	if (ret)
		die(what, ret);
}

/* One task, no contention: lock+unlock pairs. */
static void bench_mutex_uncontended(void)
{
	struct ctr a, b;
	long i;

	lock_ok(gsched_mutex_init(&mtx), "gsched_mutex_init");
	a = ctr_read();
	for (i = 0; i < n_ops; i++) {
		lock_ok(gsched_mutex_lock(&mtx), "gsched_mutex_lock");
		shared_counter++;
		lock_ok(gsched_mutex_unlock(&mtx), "gsched_mutex_unlock");
	}
	b = ctr_read();
	print_row("mutex_uncontended", n_ops, &a, &b);
	printf("\n");
}

static struct gsched_once done_once;
static long once_calls;

static void once_fn(void *arg)
{
	once_calls++;
}

/* Go's Once.Do of a done Once: an acquire load, no system call. */
static void bench_once_done(void)
{
	struct ctr a, b;
	long i;

	lock_ok(gsched_once(&done_once, once_fn, NULL), "gsched_once");
	a = ctr_read();
	for (i = 0; i < n_ops; i++)
		lock_ok(gsched_once(&done_once, once_fn, NULL), "gsched_once");
	b = ctr_read();
	if (once_calls != 1)
		die("once ran again", -EPROTO);
	print_row("once_done", n_ops, &a, &b);
	printf("\n");
}

static long mutex_incr(void *arg)
{
	long i, n = (long)arg;

	for (i = 0; i < n; i++) {
		lock_ok(gsched_mutex_lock(&mtx), "gsched_mutex_lock");
		shared_counter++;
		lock_ok(gsched_mutex_unlock(&mtx), "gsched_mutex_unlock");
	}
	return 0;
}

/* LOCK_TASKS tasks increment one counter: n_ops increments in all. */
static void bench_mutex_contended(void)
{
	long per = n_ops / LOCK_TASKS, n = per * LOCK_TASKS;
	int ids[LOCK_TASKS], k;
	struct ctr a, b;

	lock_ok(gsched_mutex_init(&mtx), "gsched_mutex_init");
	shared_counter = 0;
	a = ctr_read();
	for (k = 0; k < LOCK_TASKS; k++)
		ids[k] = spawn_ok(mutex_incr, (void *)per);
	join_all(ids, LOCK_TASKS);
	b = ctr_read();
	if (shared_counter != n)
		die("contended counter", -EPROTO);
	print_row("mutex_contended", n, &a, &b);
	printf(" tasks=%d\n", LOCK_TASKS);
}

/* Every tenth operation of each task writes, the others read. */
static long rw_ops(void *arg)
{
	long i, n = (long)arg, seen = 0;

	for (i = 0; i < n; i++) {
		if (i % 10 == 0) {
			lock_ok(gsched_rwmutex_lock(&rwm), "gsched_rwmutex_lock");
			shared_counter++;
			lock_ok(gsched_rwmutex_unlock(&rwm),
				"gsched_rwmutex_unlock");
		} else {
			lock_ok(gsched_rwmutex_rlock(&rwm),
				"gsched_rwmutex_rlock");
			seen += shared_counter;
			lock_ok(gsched_rwmutex_runlock(&rwm),
				"gsched_rwmutex_runlock");
		}
	}
	return seen;
}

static void bench_rwmutex(void)
{
	long per = n_ops / LOCK_TASKS, n = per * LOCK_TASKS;
	int ids[LOCK_TASKS], k;
	struct ctr a, b;

	lock_ok(gsched_rwmutex_init(&rwm), "gsched_rwmutex_init");
	shared_counter = 0;
	a = ctr_read();
	for (k = 0; k < LOCK_TASKS; k++)
		ids[k] = spawn_ok(rw_ops, (void *)per);
	join_all(ids, LOCK_TASKS);
	b = ctr_read();
	if (shared_counter != LOCK_TASKS * ((per + 9) / 10))
		die("rwmutex writes", -EPROTO);
	print_row("rwmutex", n, &a, &b);
	printf(" tasks=%d write_pct=10\n", LOCK_TASKS);
}

static gsched_wg_t fanin_wg;

static long wg_doner(void *arg)
{
	lock_ok(gsched_wg_done(&fanin_wg), "gsched_wg_done");
	return 0;
}

/* N detached tasks each call Done once; the main task Waits. */
static void bench_wg_fanin(void)
{
	struct ctr a, b;
	uint64_t t_spawned;
	long i;
	int id;

	lock_ok(gsched_wg_init(&fanin_wg), "gsched_wg_init");
	a = ctr_read();
	lock_ok(gsched_wg_add(&fanin_wg, n_ops), "gsched_wg_add");
	for (i = 0; i < n_ops; i++) {
		id = gsched_spawn(wg_doner, NULL);
		if (id < 0)
			die("gsched_spawn", id);
	}
	t_spawned = now_ns();
	lock_ok(gsched_wg_wait(&fanin_wg), "gsched_wg_wait");
	b = ctr_read();
	print_row("wg_fanin", n_ops, &a, &b);
	printf(" spawn_ns=%.0f\n", (double)(t_spawned - a.ns) / n_ops);
}

/* ---- ctx_cancel: one cancel ends N blocked receives ---------------------- */

static gsched_ctx_t cc_ctx;
static gsched_chan_t cc_never;
static atomic_long cc_started, cc_left, cc_wrong;
static atomic_int cc_main;

static long cc_waiter(void *arg)
{
	long v;

	atomic_fetch_add(&cc_started, 1);
	if (gsched_chan_recv_ctx(cc_ctx, cc_never, &v) != -ECANCELED)
		atomic_fetch_add(&cc_wrong, 1);
	if (atomic_fetch_sub(&cc_left, 1) == 1)
		gsched_unpark(atomic_load(&cc_main));
	/*
	 * Stay alive until the clock stopped: past the library's 4096
	 * cached stacks an exiting task munmaps its stack, which would
	 * put exits, not the cancel, on the clock.
	 */
	return gsched_park(GSCHED_WAIT_USER);
}

/*
 * N tasks block in gsched_chan_recv_ctx() on a channel nobody sends on;
 * the clock runs from gsched_ctx_cancel() until the last has returned
 * (it unparks the main task). Every task is seen WAITING first; after
 * returning each parks until the clock stopped (its park is counted).
 */
static void bench_ctx_cancel(void)
{
	struct gsched_task_info info;
	uint64_t t_cancelled;
	long i, spins = 0;
	struct ctr a, b;
	int *ids, ret;

	ids = calloc(n_ops, sizeof(*ids));
	if (!ids)
		die("calloc", -ENOMEM);
	lock_ok(gsched_ctx_with_cancel(&cc_ctx, NULL), "gsched_ctx_with_cancel");
	cc_never = chan_make_ok(0);
	atomic_store(&cc_main, gsched_self());
	atomic_store(&cc_left, n_ops);
	for (i = 0; i < n_ops; i++)
		ids[i] = spawn_ok(cc_waiter, NULL);
	while (atomic_load(&cc_started) < n_ops) {
		gsched_yield();
		spins++;
	}
	for (i = 0; i < n_ops; i++) {
		for (;;) {
			ret = gsched_task_info(ids[i], &info);
			if (ret)
				die("gsched_task_info", ret);
			if (info.state == GSCHED_TASK_WAITING)
				break;
			gsched_yield();
			spins++;
		}
	}
	a = ctr_read();
	ret = gsched_ctx_cancel(cc_ctx);
	if (ret)
		die("gsched_ctx_cancel", ret);
	t_cancelled = now_ns();
	while (atomic_load(&cc_left))
		gsched_park(GSCHED_WAIT_USER);
	b = ctr_read();
	for (i = 0; i < n_ops; i++) {
		ret = gsched_unpark(ids[i]);
		if (ret)
			die("gsched_unpark", ret);
	}
	join_all(ids, n_ops);
	if (atomic_load(&cc_wrong))
		die("recv_ctx did not return -ECANCELED", -EPROTO);
	print_row("ctx_cancel", n_ops, &a, &b);
	printf(" total_us=%.0f cancel_call_us=%.0f wait_yields=%ld\n",
	       (b.ns - a.ns) / 1e3, (t_cancelled - a.ns) / 1e3, spins);
	gsched_chan_release(cc_never);
	gsched_ctx_free(cc_ctx);
	free(ids);
}

/* ---- syscall_handoff: a worker blocked in read() hands off its P -------- */

/*
 * With one P, task A makes task B runnable on that P (unpark), takes t0
 * and calls read() on an empty blocking pipe: its worker sleeps in the
 * kernel, and after the module's grace period (handoff_grace_us) the P
 * goes to a spare worker, which runs B; B takes t1. latency = t1 - t0.
 * B then posts a plain pthread (outside the runtime), which writes the
 * pipe so that A returns. Before each round A makes a scheduling call
 * (so it holds the P again) and waits until B is parked once more.
 * HO_WARMUP rounds first (the library starts spares on demand).
 */
#define HO_WARMUP	5

static int ho_pipe[2];
static sem_t ho_wsem;
static atomic_int ho_stop;
static _Atomic uint64_t ho_t0;
static uint64_t *ho_lat;

static void *ho_writer(void *arg)
{
	char c = 'x';

	for (;;) {
		while (sem_wait(&ho_wsem))
			if (errno != EINTR)
				die("sem_wait", -errno);
		if (atomic_load(&ho_stop))
			return NULL;
		if (write(ho_pipe[1], &c, 1) != 1)
			die("write (pipe)", -errno);
	}
}

static long ho_b(void *arg)
{
	long r, total = (long)arg;
	int ret;

	for (r = 0; r < total; r++) {
		ret = gsched_park(GSCHED_WAIT_USER);
		if (ret)
			die("gsched_park", ret);
		ho_lat[r] = now_ns() - atomic_load(&ho_t0);
		if (sem_post(&ho_wsem))
			die("sem_post", -errno);
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile (0..100) of n sorted values. */
static uint64_t pct(const uint64_t *v, long n, int p)
{
	return v[(n - 1) * p / 100];
}

static void bench_syscall_handoff(void)
{
	long r, total = HO_WARMUP + n_ops, spins = 0;
	unsigned long long h0 = 0, h1;
	struct gsched_task_info info;
	struct ctr a = ctr_read(), b;
	pthread_t th;
	uint64_t *lat;
	int id, ret;
	char c;

	ho_lat = calloc(total, sizeof(*ho_lat));
	if (!ho_lat)
		die("calloc", -ENOMEM);
	if (pipe(ho_pipe))
		die("pipe", -errno);
	if (sem_init(&ho_wsem, 0, 0))
		die("sem_init", -errno);
	ret = pthread_create(&th, NULL, ho_writer, NULL);
	if (ret)
		die("pthread_create", -ret);
	id = spawn_ok(ho_b, (void *)total);
	for (r = 0; r < total; r++) {
		if (r == HO_WARMUP) {
			a = ctr_read();
			h0 = inst_read("handoffs");
		}
		/* hold the P again (a task back from a system call may run
		 * without one until its next scheduling call); B parked */
		for (;;) {
			gsched_yield();
			ret = gsched_task_info(id, &info);
			if (ret)
				die("gsched_task_info", ret);
			if (info.state == GSCHED_TASK_WAITING)
				break;
			spins++;
		}
		ret = gsched_unpark(id);
		if (ret)
			die("gsched_unpark", ret);
		atomic_store(&ho_t0, now_ns());
		if (read(ho_pipe[0], &c, 1) != 1)
			die("read (pipe)", -errno);
	}
	b = ctr_read();
	h1 = inst_read("handoffs");
	join_all(&id, 1);
	atomic_store(&ho_stop, 1);
	sem_post(&ho_wsem);
	pthread_join(th, NULL);
	lat = ho_lat + HO_WARMUP;
	qsort(lat, n_ops, sizeof(*lat), cmp_u64);
	print_row("syscall_handoff", n_ops, &a, &b);
	printf(" median_us=%.1f p10_us=%.1f p90_us=%.1f min_us=%.1f"
	       " max_us=%.1f handoffs_per_op=%.2f spares=%llu"
	       " grace_us=%llu wait_yields=%ld\n",
	       pct(lat, n_ops, 50) / 1e3, pct(lat, n_ops, 10) / 1e3,
	       pct(lat, n_ops, 90) / 1e3, lat[0] / 1e3, lat[n_ops - 1] / 1e3,
	       (double)(h1 - h0) / n_ops, inst_read("spares"),
	       param_read("handoff_grace_us"), spins);
	close(ho_pipe[0]);
	close(ho_pipe[1]);
	sem_destroy(&ho_wsem);
	free(ho_lat);
}

/* ---- tcp_echo: echo over loopback with the fd helpers -------------------- */

/*
 * ECHO_CONNS client tasks each connect to a listener on 127.0.0.1 and do
 * N / ECHO_CONNS round trips of an ECHO_MSG-byte message; an acceptor
 * task starts one echo task per connection. Every socket is non-blocking
 * and waits with gsched_read/write/accept/connect (the task parks, not
 * the worker); TCP_NODELAY as Go's net package sets it. The clock runs
 * from the moment all clients are connected until all have their last
 * echo (bench/go/io.go and pthread_bench.c do the same).
 */
#define ECHO_CONNS	100
#define ECHO_MSG	64

static int echo_lfd;
static struct sockaddr_in echo_addr;
static long echo_rounds;
static gsched_wg_t echo_connected;
static gsched_chan_t echo_start;

static void nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		die("setsockopt TCP_NODELAY", -errno);
}

static long echo_serve(void *arg)
{
	int fd = (int)(long)arg;
	char buf[4096];
	ssize_t r;

	nodelay(fd);
	while ((r = gsched_read(fd, buf, sizeof(buf))) > 0)
		if (gsched_write(fd, buf, r) != r)
			break;
	if (r < 0 && r != -ECONNRESET)
		die("gsched_read (server)", (int)r);
	close(fd);
	return 0;
}

static long echo_acceptor(void *arg)
{
	int ids[ECHO_CONNS], fd, i;

	for (i = 0; i < ECHO_CONNS; i++) {
		fd = gsched_accept(echo_lfd, NULL, NULL);
		if (fd < 0)
			die("gsched_accept", fd);
		ids[i] = spawn_ok(echo_serve, (void *)(long)fd);
	}
	join_all(ids, ECHO_CONNS);
	return 0;
}

static long echo_client(void *arg)
{
	long id = (long)arg, r, v;
	char msg[ECHO_MSG], got[ECHO_MSG];
	size_t have;
	ssize_t k;
	int fd, ret;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket", -errno);
	nodelay(fd);
	ret = gsched_connect(fd, (struct sockaddr *)&echo_addr,
			     sizeof(echo_addr));
	if (ret)
		die("gsched_connect", ret);
	lock_ok(gsched_wg_done(&echo_connected), "gsched_wg_done");
	ret = gsched_chan_recv(echo_start, &v);
	if (ret != 0)
		die("start channel not closed", ret < 0 ? ret : -EPROTO);
	memset(msg, 'a' + id % 26, sizeof(msg));
	for (r = 0; r < echo_rounds; r++) {
		memcpy(msg, &r, sizeof(r));
		k = gsched_write(fd, msg, sizeof(msg));
		if (k != sizeof(msg))
			die("gsched_write (client)", k < 0 ? (int)k : -EIO);
		for (have = 0; have < sizeof(got); have += k) {
			k = gsched_read(fd, got + have, sizeof(got) - have);
			if (k <= 0)
				die("gsched_read (client)", k < 0 ? (int)k : -EPIPE);
		}
		if (memcmp(msg, got, sizeof(msg)))
			die("echo differs", -EPROTO);
	}
	close(fd);
	return 0;
}

static void bench_tcp_echo(void)
{
	socklen_t alen = sizeof(echo_addr);
	int ids[ECHO_CONNS], acc, i;
	unsigned long long h0;
	struct ctr a, b;
	uint64_t t0;
	long n;

	echo_rounds = n_ops / ECHO_CONNS ? n_ops / ECHO_CONNS : 1;
	n = echo_rounds * ECHO_CONNS;
	echo_lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			  0);
	if (echo_lfd < 0)
		die("socket", -errno);
	echo_addr = (struct sockaddr_in){ .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	if (bind(echo_lfd, (struct sockaddr *)&echo_addr, sizeof(echo_addr)) ||
	    listen(echo_lfd, 1024) ||
	    getsockname(echo_lfd, (struct sockaddr *)&echo_addr, &alen))
		die("bind/listen", -errno);
	lock_ok(gsched_wg_init(&echo_connected), "gsched_wg_init");
	echo_start = chan_make_ok(0);
	t0 = now_ns();
	acc = spawn_ok(echo_acceptor, NULL);
	lock_ok(gsched_wg_add(&echo_connected, ECHO_CONNS), "gsched_wg_add");
	for (i = 0; i < ECHO_CONNS; i++)
		ids[i] = spawn_ok(echo_client, (void *)(long)i);
	lock_ok(gsched_wg_wait(&echo_connected), "gsched_wg_wait");
	h0 = inst_read("handoffs");
	a = ctr_read();
	lock_ok(gsched_chan_close(echo_start), "gsched_chan_close");
	join_all(ids, ECHO_CONNS);
	b = ctr_read();
	join_all(&acc, 1);
	print_row("tcp_echo", n, &a, &b);
	printf(" rt_per_s=%.0f conns=%d rounds=%ld msg=%d connect_ms=%.1f"
	       " handoffs=%llu threads=%llu\n", n * 1e9 / (b.ns - a.ns),
	       ECHO_CONNS, echo_rounds, ECHO_MSG, (a.ns - t0) / 1e6,
	       inst_read("handoffs") - h0, inst_read("threads"));
	close(echo_lfd);
	gsched_chan_release(echo_start);
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
	{ "syscalls", bench_syscalls, 4000 },
	{ "stack_map", stack_map_probe, 4000 },
	{ "chan_pingpong", bench_chan_pingpong, 50000 },
	{ "chan_buffered", bench_chan_buffered, 200000 },
	{ "chan_select", bench_chan_select, 200000 },
	{ "chan_xproc", bench_chan_xproc, 10000 },
	{ "mutex_uncontended", bench_mutex_uncontended, 200000 },
	{ "once_done", bench_once_done, 1000000 },
	{ "mutex_contended", bench_mutex_contended, 200000 },
	{ "rwmutex", bench_rwmutex, 200000 },
	{ "wg_fanin", bench_wg_fanin, 20000 },
	{ "ctx_cancel", bench_ctx_cancel, 10000 },
	{ "syscall_handoff", bench_syscall_handoff, 200 },
	{ "tcp_echo", bench_tcp_echo, 10000 },
};

static void (*bench_fn)(void);

static long main_task(void *arg)
{
	bench_fn();
	fflush(stdout);
	return 0;
}

/* chan_xproc: fork, then a runtime with half the workers on each side. */
static int xproc_main(struct gsched_opts *opts)
{
	long ret = -1, child_ret = -1;
	int err, status;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, xsock)) {
		perror("gsched_bench chan_xproc: socketpair");
		return 1;
	}
	opts->nprocs = nprocs / 2 ? nprocs / 2 : 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("gsched_bench chan_xproc: fork");
		return 1;
	}
	if (!pid) {
		err = gsched_run_opts(opts, xproc_child, NULL, &child_ret);
		if (err)
			fprintf(stderr, "gsched_bench chan_xproc: child:"
				" gsched_run: %s\n", strerror(-err));
		_exit(err ? 1 : (int)child_ret);
	}
	err = gsched_run_opts(opts, main_task, NULL, &ret);
	if (err)
		fprintf(stderr, "gsched_bench chan_xproc: gsched_run: %s\n",
			strerror(-err));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "gsched_bench chan_xproc: the child failed\n");
		return 1;
	}
	return err ? 1 : (int)ret;
}

int main(int argc, char **argv)
{
	struct gsched_opts opts = { 0 };
	unsigned int i;
	long ret;
	int err;

	if (argc < 2)
		goto usage;
	row = argv[1];
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!strcmp(row, rows[i].name))
			break;
	if (i == sizeof(rows) / sizeof(rows[0]))
		goto usage;
	n_ops = arg_long(argc, argv, 2, rows[i].n);
	opts.nprocs = (unsigned int)arg_long(argc, argv, 3, 2);
	if (n_ops < 1 || opts.nprocs < 1)
		goto usage;
	nprocs = opts.nprocs;
	bench_fn = rows[i].fn;
	if (bench_fn == bench_chan_xproc)
		return xproc_main(&opts);
	err = gsched_run_opts(&opts, main_task, NULL, &ret);
	if (err) {
		fprintf(stderr, "gsched_bench %s: gsched_run: %s\n", row,
			strerror(-err));
		return 1;
	}
	return (int)ret;
usage:
	fprintf(stderr, "usage: gsched_bench ROW [N [NPROCS]]; ROW:");
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		fprintf(stderr, " %s", rows[i].name);
	fprintf(stderr, "\n");
	return 2;
}
