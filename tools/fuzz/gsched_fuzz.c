// SPDX-License-Identifier: GPL-2.0
/*
 * gsched_fuzz: a multi-threaded, multi-process ioctl fuzzer for /dev/gsched.
 *
 * Runs INSIDE the test guest (tools/fuzz/run, `make fuzz`); never on a
 * machine without the module. It talks raw ioctls (uapi/gsched.h only).
 *
 *   gsched_fuzz [--seed N] [--seconds N] [--procs N] [--threads N]
 *               [--avoid CLASS[,CLASS...]] [--kill-timeout SEC] [--verbose]
 *   gsched_fuzz --gc     release a unix socket (which runs the unix garbage
 *                        collector) and exit: tools/fuzz/run's diagnosis
 *
 * A supervisor (a child subreaper) keeps --procs worker processes alive
 * until --seconds have passed, SIGKILLing random ones at random points and
 * respawning them. Each worker opens /dev/gsched (up to three files), and
 * --threads threads (plus the main thread, which also sends SIGUSR1 ticks
 * so that nothing blocks for long) do, at random:
 *   - every ioctl number of the gsched range and some outside it, with
 *     random directions and sizes around the real struct sizes, random
 *     flags and reserved fields, and argument pointers that are NULL,
 *     unmapped, kernel addresses, non-canonical, misaligned, read-only or
 *     straddling into an unmapped page;
 *   - semi-valid calls: SETUP, worker registration (workers and spares),
 *     SPAWN, SWITCH with every op (and invalid ones), selects with every
 *     case kind (channels, sync objects, fds: pipes, sockets, the
 *     process's own /dev/gsched file), channels, timers (tiny and huge
 *     delays and periods), sync objects of every kind, contexts with
 *     deadlines, exports and imports, GSCHED_FD_CLOSE;
 *   - handles drawn from a shared pool of live, released (stale),
 *     wrong-type and random values, so threads race release against use;
 *   - /dev/gsched and exported fds passed over Unix sockets (SCM_RIGHTS):
 *     to itself, and to the other workers through a socket pair all of
 *     them share; processes exit with fds in flight;
 *   - fork (the child uses the inherited files briefly), execve of
 *     /bin/true or of itself (--exec-child: uses the inherited files) from
 *     a thread while the others are inside ioctls, blocking system calls
 *     (hand-off), reads of the instance's sysfs and debugfs files.
 * At the end the supervisor SIGKILLs everything and fails unless every
 * process is reaped within --kill-timeout seconds (also checked for every
 * kill during the run). It prints the seed first, a summary at the end:
 * ioctls per command with an errno histogram, processes spawned/killed.
 *
 * The seed makes each worker's choices reproducible; thread interleaving
 * is not, so a replay reproduces the mix, not the exact sequence. Each
 * worker keeps a ring of its last ioctls in memory shared with the
 * supervisor, printed for processes that do not die (and every heartbeat
 * with --verbose).
 *
 * --avoid disables one class of operations (see --help), to keep fuzzing
 * the rest while a known bug is being fixed; the default runs everything.
 *
 * Exit status: 0 when every process was reaped in time; 1 otherwise; 2 for
 * a usage error or a setup failure.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "uapi/gsched.h"

#define MAX_PROCS	64
#define MAX_THREADS	32
#define NSLOTS		3	/* /dev/gsched files per worker process */
#define POOL		128	/* handles per slot */
#define FDPOOL		48	/* other fds per process */
#define RING		32	/* recent ioctls per process */
#define NERR		134	/* errno histogram width; last = other */
#define ARENA		(48 << 10)
#define SEL_OFF		((16 << 10) + 256)	/* selects: past any struct */
#define VALBUF		(72 << 10)

/* ---- avoid classes -------------------------------------------------------- */

enum {
	AV_TINY_PERIOD	= 1 << 0,
	AV_WRONG_TYPE	= 1 << 1,
	AV_FD_IN_FLIGHT	= 1 << 2,
	AV_CTX_DEADLINE	= 1 << 3,
	AV_EXEC		= 1 << 4,
	AV_FORK		= 1 << 5,
	AV_SCM		= 1 << 6,
	AV_SWITCH	= 1 << 7,
	AV_TIMER	= 1 << 8,
	AV_BADPTR	= 1 << 9,
	AV_KILL		= 1 << 10,
	AV_SELECT_FD	= 1 << 11,
	AV_SYSFS	= 1 << 12,
	AV_PREEMPT	= 1 << 13,
};

static const struct {
	const char *name;
	unsigned int bit;
	const char *what;
} avoid_names[] = {
	{ "tiny-period", AV_TINY_PERIOD, "timer periods and delays below 100 us" },
	{ "wrong-type", AV_WRONG_TYPE, "handles of the wrong type and random handles" },
	{ "fd-in-flight", AV_FD_IN_FLIGHT, "fd waits on Unix sockets (fds in flight)" },
	{ "ctx-deadline", AV_CTX_DEADLINE, "context deadlines (always 0)" },
	{ "exec", AV_EXEC, "execve from worker threads" },
	{ "fork", AV_FORK, "fork from worker threads" },
	{ "scm", AV_SCM, "passing fds over Unix sockets" },
	{ "switch", AV_SWITCH, "worker registration and SWITCH" },
	{ "timer", AV_TIMER, "GSCHED_IOC_TIMER" },
	{ "badptr", AV_BADPTR, "bad user pointers" },
	{ "kill", AV_KILL, "SIGKILLs by the supervisor during the run" },
	{ "select-fd", AV_SELECT_FD, "FDREAD/FDWRITE select cases" },
	{ "sysfs", AV_SYSFS, "reading sysfs/debugfs instance files" },
	{ "preempt", AV_PREEMPT, "a preemption signal in SETUP" },
};

/* ---- commands --------------------------------------------------------------- */

struct cmdinfo {
	const char *name;
	unsigned long cmd;
	unsigned int size;
	unsigned int min;
};

#define C(n, c, t) { n, c, sizeof(t), sizeof(t) }
static const struct cmdinfo cmds[] = {
	C("VERSION", GSCHED_IOC_VERSION, struct gsched_version),
	C("SETUP", GSCHED_IOC_SETUP, struct gsched_setup),
	C("WORKER", GSCHED_IOC_WORKER, struct gsched_worker_reg),
	C("SPAWN", GSCHED_IOC_SPAWN, struct gsched_spawn),
	{ "SWITCH", GSCHED_IOC_SWITCH, sizeof(struct gsched_switch),
	  GSCHED_SWITCH_SIZE_VER1 },
	C("UNPARK", GSCHED_IOC_UNPARK, struct gsched_task_op),
	C("DETACH", GSCHED_IOC_DETACH, struct gsched_task_op),
	C("TASK_INFO", GSCHED_IOC_TASK_INFO, struct gsched_task_info),
	C("CHAN_MAKE", GSCHED_IOC_CHAN_MAKE, struct gsched_chan_make),
	C("CHAN", GSCHED_IOC_CHAN, struct gsched_chan_op),
	C("TIMER", GSCHED_IOC_TIMER, struct gsched_timer_op),
	C("SYNC", GSCHED_IOC_SYNC, struct gsched_sync_op),
	C("CTX", GSCHED_IOC_CTX, struct gsched_ctx_op),
	C("FD", GSCHED_IOC_FD, struct gsched_fd_op),
	C("WORD", GSCHED_IOC_WORD, struct gsched_word_op),
};
#undef C
#define NCMDS		((int)(sizeof(cmds) / sizeof(cmds[0])))
#define CMD_OTHER_NR	NCMDS		/* magic 0xe7, unknown nr */
#define CMD_FOREIGN	(NCMDS + 1)	/* another magic */
#define NSTAT		(NCMDS + 2)

/* ---- memory shared by the supervisor and every worker ------------------- */

struct ring_ent {
	uint32_t seq;
	uint16_t thread;
	int16_t fd;
	uint32_t cmd;
	int32_t ret;		/* 1 = in progress, 0 or -errno */
	uint64_t ptr;
	uint64_t w[4];		/* first words of the argument, when ours */
};

struct slot_shm {
	int32_t pid;
	uint32_t ring_pos;
	uint64_t seed;
	struct ring_ent ring[RING];
};

struct shm {
	uint64_t calls[NSTAT][NERR];
	uint64_t fuzz_spawned, fuzz_forks, fuzz_execs, scm_sent, scm_recv;
	uint64_t exports, imports, registered, switches_ok, tasks_spawned;
	uint64_t sysfs_reads;
	struct slot_shm slot[MAX_PROCS];
};

static struct shm *shm;

/* ---- options ---------------------------------------------------------------- */

static uint64_t opt_seed;
static int opt_seconds = 60;
static int opt_procs = 4;
static int opt_threads = 4;
static int opt_kill_timeout = 10;
static unsigned int opt_avoid;
static int opt_verbose;
static const char *opt_dev = GSCHED_DEVICE;
static char self_exe[PATH_MAX];

static bool avoid(unsigned int bit) { return opt_avoid & bit; }

/* ---- random numbers (xorshift64*, per thread) ---------------------------- */

static __thread uint64_t rs;

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd64(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 2685821657736338717ULL;
}

static uint32_t rnd(uint32_t n) { return n ? (uint32_t)((rnd64() >> 32) % n) : 0; }
static bool one_in(uint32_t n) { return rnd(n) == 0; }

/* a "special" 64-bit value: boundaries, small numbers, random */
static uint64_t rnd_special64(void)
{
	static const uint64_t v[] = {
		0, 1, 2, 7, 8, 63, 64, 255, 256, 4095, 4096, 65535, 65536,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
		0x7fffffffffffffffULL, 0x8000000000000000ULL, ~0ULL, ~0ULL - 1,
	};

	if (one_in(3))
		return rnd64();
	if (one_in(3))
		return rnd64() >> rnd(64);
	return v[rnd(sizeof(v) / sizeof(v[0]))];
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- per-process state (workers) ------------------------------------------- */

enum kind {
	K_NONE, K_TASK, K_CHAN, K_TIMER, K_MUTEX, K_RWMUTEX, K_WG, K_COND,
	K_CTX, K_CTXDONE, K_NKINDS
};
#define K_STALE	0x80

struct gslot {
	int fd;			/* -1: closed */
	uint32_t gen;		/* bumped at every reopen */
	uint32_t nprocs, nworkers;	/* 0 until SETUP succeeded */
	uint64_t pool[POOL];	/* handle | kind << 32 */
};

static struct gslot gs[NSLOTS];
static int fdpool[FDPOOL];		/* misc fds: pipes, sockets, exports */
static int expool[16];			/* exported fds (numbers only) */
static int pipes[2][2];			/* [0]: stays empty, [1]: has data */
static int self_sock[2];		/* private socket pair (SCM to self) */
static int shared_sock[2] = { -1, -1 };	/* inherited from the supervisor */
static int evfd = -1;
static int my_slot;
static pid_t worker_pid;		/* the worker process (not its forks) */
static volatile int proc_stop;
static int nthreads;
static pthread_t tids[MAX_THREADS + 1], main_tid;
static int nlive;			/* threads started so far */
static unsigned char *ro_alias, *rw_alias;	/* memfd mapped twice */

struct tstate {
	int idx;
	unsigned char *arena;	/* ARENA bytes, then an unmapped page */
	unsigned char *guard;
	unsigned char *val;	/* VALBUF bytes: channel values */
	/* a registered worker */
	int reg_slot;		/* -1: none */
	uint32_t reg_gen, reg_index;
	bool has_task;
	uint32_t cur_task;
};

static __thread struct tstate *ts;

static int ld(int *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static void st(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }

static void add(uint64_t *p, uint64_t n) { __atomic_fetch_add(p, n, __ATOMIC_RELAXED); }

/* ---- handle pools --------------------------------------------------------- */

static void pool_put(int s, uint32_t h, int kind)
{
	if (!h)
		return;
	__atomic_store_n(&gs[s].pool[rnd(POOL)], (uint64_t)h | (uint64_t)kind << 32,
			 __ATOMIC_RELAXED);
}

static void pool_stale(int s, uint32_t h)
{
	int i;

	for (i = 0; i < POOL; i++) {
		uint64_t e = __atomic_load_n(&gs[s].pool[i], __ATOMIC_RELAXED);

		if ((uint32_t)e == h)
			__atomic_store_n(&gs[s].pool[i], e | (uint64_t)K_STALE << 32,
					 __ATOMIC_RELAXED);
	}
}

/* A handle for an operation that wants @kind (K_NONE: any). */
static uint32_t pick_handle(int s, int kind)
{
	uint32_t r = rnd(100);
	int i, start;

	if (!avoid(AV_WRONG_TYPE)) {
		if (r < 5)
			return 0;
		if (r < 10)
			return 1 + rnd(64);
		if (r < 12)
			return (uint32_t)rnd64();
		if (r < 25)
			kind = K_NONE;	/* any kind: often the wrong one */
	}
	start = rnd(POOL);
	for (i = 0; i < POOL; i++) {
		uint64_t e = __atomic_load_n(&gs[s].pool[(start + i) % POOL],
					     __ATOMIC_RELAXED);
		int k = (e >> 32) & ~K_STALE;

		if (!(uint32_t)e)
			continue;
		if (kind == K_NONE || k == kind ||
		    (kind == K_CHAN && (k == K_TIMER || k == K_CTXDONE)))
			return (uint32_t)e;
	}
	return avoid(AV_WRONG_TYPE) ? 0 : 1 + rnd(16);
}

static int pick_sync_kind(void)
{
	return K_MUTEX + rnd(4);
}

/* ---- fd pool ------------------------------------------------------------- */

static void fd_put(int fd)
{
	int i = rnd(FDPOOL), old;

	if (fd < 0)
		return;
	old = __atomic_exchange_n(&fdpool[i], fd, __ATOMIC_RELAXED);
	if (old >= 0)
		close(old);
}

static int pick_slot(void) { return rnd(NSLOTS); }

static void export_put(int fd)
{
	fd_put(fd);	/* owns it */
	st(&expool[rnd(16)], fd);
}

/* An fd to import: mostly an exported one (maybe closed since, or of the
 * other kind), else anything. */
static int pick_fd(bool for_wait);
static int pick_import_fd(void)
{
	int fd = ld(&expool[rnd(16)]);

	return fd > 0 && !one_in(4) ? fd : pick_fd(false);
}

/* Any fd: the pool, pipes, sockets, gsched files, or a bad number. */
static int pick_fd(bool for_wait)
{
	int r = rnd(100), fd;
	struct stat sb;

	if (r < 30) {
		fd = ld(&fdpool[rnd(FDPOOL)]);
		/* --avoid fd-in-flight: no waits on any (received) socket */
		if (for_wait && avoid(AV_FD_IN_FLIGHT) && fd >= 0 &&
		    (fstat(fd, &sb) || S_ISSOCK(sb.st_mode)))
			fd = -1;
		if (fd >= 0)
			return fd;
	}
	if (r < 45)
		return pipes[rnd(2)][rnd(2)];
	if (r < 55)
		return ld(&gs[pick_slot()].fd);
	if (r < 60)
		return evfd;
	if (r < 75 && !(for_wait && avoid(AV_FD_IN_FLIGHT))) {
		if (one_in(2) || shared_sock[0] < 0)
			return self_sock[rnd(2)];
		return shared_sock[rnd(2)];
	}
	if (r < 80)
		return -1;
	if (r < 85)
		return 1000 + rnd(1000);
	if (r < 90)
		return (int)rnd64();
	return rnd(64);
}

/* ---- the ring of recent ioctls ------------------------------------------ */

static struct ring_ent *ring_start(int fd, unsigned long cmd, const void *arg,
				   bool ours)
{
	struct slot_shm *sl = &shm->slot[my_slot];
	uint32_t pos = __atomic_fetch_add(&sl->ring_pos, 1, __ATOMIC_RELAXED);
	struct ring_ent *e = &sl->ring[pos % RING];

	e->seq = pos;
	e->thread = ts ? ts->idx : 99;
	e->fd = fd;
	e->cmd = cmd;
	e->ret = 1;
	e->ptr = (uintptr_t)arg;
	memset(e->w, 0, sizeof(e->w));
	if (ours)
		memcpy(e->w, arg, _IOC_SIZE(cmd) < sizeof(e->w) ?
		       _IOC_SIZE(cmd) : sizeof(e->w));
	return e;
}

static int cmd_stat_index(unsigned long cmd)
{
	unsigned int nr = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != GSCHED_IOC_MAGIC)
		return CMD_FOREIGN;
	return nr < (unsigned int)NCMDS ? (int)nr : CMD_OTHER_NR;
}

/* ioctl, counted and logged. @ours: @arg is readable memory of ours. */
static long xioctl(int fd, unsigned long cmd, void *arg, bool ours)
{
	struct ring_ent *e = ring_start(fd, cmd, arg, ours);
	long r = ioctl(fd, cmd, arg);
	int err = r < 0 ? errno : 0;

	e->ret = -err;
	add(&shm->calls[cmd_stat_index(cmd)][err < NERR - 1 ? err : NERR - 1], 1);
	return r < 0 ? -err : r;
}

/* ---- argument placement: good and bad pointers ------------------------ */

enum place { P_GOOD, P_MISALIGNED, P_RO, P_STRADDLE, P_NULL, P_UNMAPPED,
	     P_KERNEL, P_NONCANON, P_MINUS1, P_NPLACES };

static enum place pick_place(void)
{
	if (avoid(AV_BADPTR) || rnd(100) < 88)
		return P_GOOD;
	return (enum place)(1 + rnd(P_NPLACES - 1));
}

/* A bad pointer for embedded pointers (values, select cases). */
static uint64_t bad_ptr(void)
{
	switch (rnd(7)) {
	case 0: return 0;
	case 1: return (uintptr_t)ts->guard;
	case 2: return 0xffffffff81000000ULL;
	case 3: return 0xffff888000000000ULL + rnd64() % (1ULL << 30);
	case 4: return 0x0000800000000000ULL;
	case 5: return ~0ULL - rnd(64);
	default: return (uintptr_t)ro_alias + ts->idx * 2 * 4096;
	}
}

/* A pointer to @len bytes of value space, or (sometimes) a bad one. */
static uint64_t val_ptr(void)
{
	if (!avoid(AV_BADPTR) && one_in(12))
		return bad_ptr();
	return (uintptr_t)(ts->val + (one_in(8) ? rnd(64) : 0));
}

/*
 * A sync word: one of four in the value space (which sends also write:
 * the words get scribbled), sometimes misaligned, sometimes a bad pointer.
 */
static uint64_t word_ptr(void)
{
	if (!avoid(AV_BADPTR) && one_in(12))
		return bad_ptr();
	if (one_in(10))
		return (uintptr_t)(ts->val + rnd(16));
	return (uintptr_t)(ts->val + 8 * rnd(4));
}

/*
 * Issue @cmd with the @len bytes at @s as the argument, placed per a
 * random choice; the ioctl's size field says @usize. On return @s holds
 * what the kernel wrote back when the argument was our memory.
 */
static long issue(int fd, unsigned long cmd, void *s, size_t len)
{
	size_t usize = _IOC_SIZE(cmd);
	enum place pl = pick_place();
	unsigned char *p = ts->arena;
	long r;
	size_t n;

	if (usize > SEL_OFF - 16)	/* cannot happen: 14-bit sizes */
		usize = SEL_OFF - 16;
	switch (pl) {
	case P_GOOD:
	case P_MISALIGNED:
		if (pl == P_MISALIGNED)
			p += 1 + rnd(7);
		memset(p, 0, usize > len ? usize : len);
		memcpy(p, s, len);
		/* a non-zero tail past the kernel's struct: -E2BIG */
		if (usize > len && one_in(4))
			p[len + rnd(usize - len)] = 1 + rnd(255);
		r = xioctl(fd, cmd, p, true);
		memcpy(s, p, len);
		return r;
	case P_RO:
		n = len < 4096 ? len : 4096;
		p = rw_alias + ts->idx * 2 * 4096;
		memset(p, 0, 2 * 4096);
		memcpy(p, s, n);
		return xioctl(fd, cmd, ro_alias + ts->idx * 2 * 4096, true);
	case P_STRADDLE:
		n = rnd(len + 1);
		p = ts->guard - n;
		memcpy(p, s, n);
		return xioctl(fd, cmd, p, false);
	case P_NULL:
		return xioctl(fd, cmd, NULL, false);
	case P_UNMAPPED:
		return xioctl(fd, cmd, ts->guard + rnd(64), false);
	case P_KERNEL:
		return xioctl(fd, cmd, (void *)(uintptr_t)(0xffffffff81000000ULL +
						rnd(1 << 20)), false);
	case P_NONCANON:
		return xioctl(fd, cmd, (void *)(uintptr_t)0x0000800000000000ULL, false);
	default:
		return xioctl(fd, cmd, (void *)(uintptr_t)(~0ULL - rnd(4096)), false);
	}
}

/*
 * The command number for table entry @i: mostly the real one, sometimes
 * another size (around the real one, the minimum, huge) or direction.
 */
static unsigned long mutate_cmd(int i)
{
	const struct cmdinfo *c = &cmds[i];
	unsigned int size = c->size, dir = _IOC_DIR(c->cmd);
	uint32_t r = rnd(100);

	if (r < 80)
		return c->cmd;
	if (r < 84)
		size = c->min;
	else if (r < 88)
		size = c->size + 8 * (1 + rnd(8));
	else if (r < 91)
		size = c->size - 1 - rnd(c->size);
	else if (r < 93)
		size = c->size + 1 + rnd(7);
	else if (r < 95)
		size = rnd(_IOC_SIZEMASK + 1);
	else if (r < 97)
		size = 0;
	else
		dir = rnd(4);
	return _IOC(dir, GSCHED_IOC_MAGIC, _IOC_NR(c->cmd), size & _IOC_SIZEMASK);
}

/* flags/reserved: mostly 0, sometimes a random bit or value */
static uint32_t junk32(int one_in_n)
{
	if (!one_in(one_in_n))
		return 0;
	return one_in(2) ? 1U << rnd(32) : (uint32_t)rnd64();
}

static uint64_t junk64(int one_in_n)
{
	if (!one_in(one_in_n))
		return 0;
	return one_in(2) ? 1ULL << rnd(64) : rnd64();
}

/* is this thread a worker of a file still in its slot? */
static bool registered(void)
{
	return ts->reg_slot >= 0 && ts->reg_gen == gs[ts->reg_slot].gen;
}

/* a worker index to claim */
static uint32_t pick_worker(int s)
{
	uint32_t r = rnd(100);

	if (registered() && ts->reg_slot == s && r < 70)
		return ts->reg_index;
	if (r < 85)
		return GSCHED_NO_WORKER;
	if (r < 95)
		return rnd(gs[s].nworkers + 2);
	return (uint32_t)rnd64();
}

/* ---- timers, deadlines ----------------------------------------------------- */

static uint64_t pick_delay(void)
{
	static const uint64_t v[] = {
		0, 1, 10, 1000, 50000, 100000, 1000000, 5000000, 20000000,
		1000000000ULL, 3600000000000ULL, 0x7fffffffffffffffULL, ~0ULL,
	};
	uint64_t d;

	do
		d = one_in(4) ? rnd64() >> rnd(64) : v[rnd(sizeof(v) / sizeof(v[0]))];
	while (avoid(AV_TINY_PERIOD) && d && d < 100000);
	return d;
}

static uint64_t pick_period(void)
{
	if (one_in(2))
		return 0;
	return pick_delay();
}

static uint64_t pick_deadline(void)
{
	uint64_t n = now_ns();

	if (avoid(AV_CTX_DEADLINE) || one_in(3))
		return 0;
	switch (rnd(8)) {
	case 0: return 1;
	case 1: return n - rnd(1000000);
	case 2: return n;
	case 3: return n + rnd(1000);
	case 4: return n + 1000000 + rnd(20000000);
	case 5: return n + 1000000000ULL * (1 + rnd(5));
	case 6: return ~0ULL;
	default: return rnd64();
	}
}

/* ---- semi-valid ioctls, one per command ----------------------------------- */

/* Build a select in ts->arena (upper half) and return its address. */
static uint64_t build_select(int s)
{
	struct gsched_select *sel = (void *)(ts->arena + SEL_OFF);
	struct gsched_select_case *c = (void *)(sel + 1);
	uint32_t n = rnd(6), i;
	uint32_t maxc = (ARENA - 512 - SEL_OFF - sizeof(*sel)) / sizeof(*c);

	if (one_in(20))
		n = rnd(maxc + 1);
	memset(sel, 0, sizeof(*sel));
	for (i = 0; i < n && i < maxc; i++) {
		uint32_t dir = 1 + rnd(GSCHED_SEL_MAX);

		if (one_in(30))
			dir = rnd(20);
		if (avoid(AV_SELECT_FD) &&
		    (dir == GSCHED_SEL_FDREAD || dir == GSCHED_SEL_FDWRITE))
			dir = GSCHED_SEL_RECV;
		c[i].dir = dir;
		c[i].buf = 0;
		switch (dir) {
		case GSCHED_SEL_SEND:
		case GSCHED_SEL_RECV:
			c[i].handle = pick_handle(s, K_CHAN);
			c[i].buf = one_in(4) ? 0 : val_ptr();
			break;
		case GSCHED_SEL_LOCK:
			c[i].handle = pick_handle(s, K_MUTEX);
			break;
		case GSCHED_SEL_RLOCK:
		case GSCHED_SEL_WLOCK:
			c[i].handle = pick_handle(s, K_RWMUTEX);
			break;
		case GSCHED_SEL_WGWAIT:
			c[i].handle = pick_handle(s, K_WG);
			break;
		case GSCHED_SEL_CONDWAIT:
			c[i].handle = pick_handle(s, K_COND);
			c[i].buf = pick_handle(s, K_MUTEX);
			break;
		case GSCHED_SEL_FDREAD:
		case GSCHED_SEL_FDWRITE:
			c[i].handle = (uint32_t)pick_fd(true);
			break;
		case GSCHED_SEL_LOCK_WORD:
		case GSCHED_SEL_WGWAIT_WORD:
		case GSCHED_SEL_RLOCK_WORD:
		case GSCHED_SEL_WLOCK_WORD:
			c[i].handle = one_in(20) ? (uint32_t)rnd64() : 0;
			c[i].buf = word_ptr();
			break;
		case GSCHED_SEL_CONDWAIT_WORD:
			c[i].handle = pick_handle(s, K_COND);
			c[i].buf = word_ptr();
			break;
		default:
			c[i].handle = (uint32_t)rnd64();
			c[i].buf = rnd64();
		}
	}
	sel->ncases = n;
	sel->cases = (uintptr_t)c;
	if (!avoid(AV_BADPTR) && one_in(15))
		sel->cases = bad_ptr();
	if (one_in(30))
		sel->ncases = (uint32_t)rnd_special64();
	sel->flags = rnd(4);
	if (one_in(20))
		sel->flags = junk32(1);
	/* never "forever" without a way out: the SIGUSR1 ticks give one */
	sel->timeout_ns = pick_delay();
	sel->__reserved = junk64(20);
	if (!avoid(AV_BADPTR) && one_in(15))
		return bad_ptr();
	return (uintptr_t)sel;
}

static void record_spawn(int s, struct gsched_spawn *sp, long r)
{
	if (!r) {
		pool_put(s, sp->id, K_TASK);
		add(&shm->tasks_spawned, 1);
	}
}

static void switch_result(struct gsched_switch *sw, long ret);

static void do_switch(int s, int fd)
{
	struct gsched_switch sw = { 0 };
	uint32_t r = rnd(100);
	bool mine = registered() && ts->reg_slot == s;
	long ret;

	sw.worker = pick_worker(s);
	if (!mine || !ts->has_task || r < 10)
		sw.op = GSCHED_OP_NONE;
	else if (r < 22)
		sw.op = GSCHED_OP_YIELD;
	else if (r < 30)
		sw.op = GSCHED_OP_EXIT;
	else if (r < 38)
		sw.op = GSCHED_OP_PARK;
	else if (r < 45)
		sw.op = GSCHED_OP_JOIN;
	else if (r < 55)
		sw.op = GSCHED_OP_SEND;
	else if (r < 65)
		sw.op = GSCHED_OP_RECV;
	else if (r < 82)
		sw.op = GSCHED_OP_SELECT;
	else if (r < 95)
		sw.op = GSCHED_OP_SLEEP;
	else
		sw.op = GSCHED_OP_MAX + 1 + rnd(one_in(2) ? 8 : 0xffffff);
	switch (sw.op) {
	case GSCHED_OP_EXIT:
		sw.exit_value = (int64_t)rnd_special64();
		break;
	case GSCHED_OP_PARK:
		sw.reason = rnd(GSCHED_WAIT_MAX + 3);
		break;
	case GSCHED_OP_JOIN:
		sw.task = one_in(4) ? ts->cur_task : pick_handle(s, K_TASK);
		break;
	case GSCHED_OP_SEND:
	case GSCHED_OP_RECV:
		sw.chan = pick_handle(s, K_CHAN);
		sw.buf = val_ptr();
		break;
	case GSCHED_OP_SELECT:
		sw.select = build_select(s);
		break;
	case GSCHED_OP_SLEEP:
		sw.sleep_ns = pick_delay();
		if (!one_in(8) && sw.sleep_ns > 50000000)
			sw.sleep_ns = rnd(50000000);
		break;
	}
	if (one_in(25))
		sw.arg32 = (uint32_t)rnd64();
	sw.flags = junk32(40);
	sw.__reserved[rnd(2)] = junk64(40);
	sw.next_p = (uint32_t)rnd64();	/* output field: anything */
	ret = issue(fd, mutate_cmd(_IOC_NR(GSCHED_IOC_SWITCH)), &sw, sizeof(sw));
	if (mine)
		switch_result(&sw, ret);
}

/* What a SWITCH of ours did to this thread's worker. */
static void switch_result(struct gsched_switch *sw, long ret)
{
	if (sw->worker != ts->reg_index)
		return;
	if (!ret) {
		add(&shm->switches_ok, 1);
		if (sw->next_flags & GSCHED_NEXT_EXIT) {
			ts->has_task = false;
			ts->reg_slot = -1;	/* the worker left */
		} else {
			ts->has_task = true;
			ts->cur_task = sw->next_id;
		}
	} else if (ret == -EINTR) {
		ts->has_task = false;
	}
}

static void fuzz_cmd(int s, int nr)
{
	int fd = ld(&gs[s].fd);
	unsigned long cmd = mutate_cmd(nr);
	long r;

	switch (nr) {
	case 0: {
		struct gsched_version v = { 0 };

		v.flags = junk32(10);
		v.__pad = junk32(10);
		issue(fd, cmd, &v, sizeof(v));
		break;
	}
	case 1: {
		struct gsched_setup su = { 0 };
		static const int sigs[] = { SIGUSR2, SIGUSR2, SIGUSR2, SIGUSR1,
					    SIGURG, SIGWINCH, SIGKILL, SIGSTOP,
					    65, 0x7fffffff };

		su.nprocs = 1 + rnd(3);
		if (one_in(15))
			su.nprocs = (uint32_t)rnd_special64();
		su.max_tasks = one_in(2) ? 0 : (uint32_t)rnd_special64();
		su.max_spares = one_in(3) ? 0 : 1 + rnd(3);
		if (one_in(15))
			su.max_spares = (uint32_t)rnd_special64();
		su.preempt_signal = 0;
		if (!avoid(AV_PREEMPT) && !one_in(3))
			su.preempt_signal = sigs[rnd(sizeof(sigs) / sizeof(sigs[0]))];
		su.flags = junk32(20);
		su.__reserved = junk32(20);
		su.__reserved2 = junk64(20);
		r = issue(fd, cmd, &su, sizeof(su));
		if (!r && cmd == GSCHED_IOC_SETUP && fd == ld(&gs[s].fd)) {
			gs[s].nworkers = su.nprocs + su.max_spares_out;
			gs[s].nprocs = su.nprocs;
		} else if (r == -EBUSY && !gs[s].nprocs) {
			/* set up through another fd of the file: guess */
			gs[s].nworkers = 4;
			gs[s].nprocs = 1;
		}
		break;
	}
	case 2: {
		struct gsched_worker_reg wr = { 0 };

		if (avoid(AV_SWITCH))
			break;
		wr.index = rnd(gs[s].nworkers + 2);
		if (one_in(10))
			wr.index = (uint32_t)rnd_special64();
		wr.flags = junk32(30);
		wr.__reserved = junk64(30);
		r = issue(fd, cmd, &wr, sizeof(wr));
		if (!r && cmd == GSCHED_IOC_WORKER) {
			add(&shm->registered, 1);
			if (!registered()) {
				ts->reg_slot = s;
				ts->reg_gen = gs[s].gen;
				ts->reg_index = wr.index;
				ts->has_task = false;
			}
		}
		break;
	}
	case 3: {
		struct gsched_spawn sp = { 0 };

		sp.flags = one_in(2) ? 0 : rnd(4);
		if (one_in(20))
			sp.flags = junk32(1);
		sp.worker = pick_worker(s);
		sp.cookie = one_in(20) ? 0 : rnd64() | 1;
		sp.__reserved = junk64(30);
		sp.__pad = junk32(30);
		r = issue(fd, cmd, &sp, sizeof(sp));
		record_spawn(s, &sp, r);
		break;
	}
	case 4:
		if (!avoid(AV_SWITCH))
			do_switch(s, fd);
		break;
	case 5:
	case 6: {
		struct gsched_task_op to = { 0 };

		to.worker = nr == 5 ? pick_worker(s) : (one_in(10) ? 1 : 0);
		to.id = pick_handle(s, K_TASK);
		to.flags = junk32(30);
		to.__pad = junk32(30);
		to.__reserved = junk64(30);
		issue(fd, cmd, &to, sizeof(to));
		break;
	}
	case 7: {
		struct gsched_task_info ti = { 0 };

		ti.id = pick_handle(s, K_TASK);
		ti.flags = junk32(30);
		ti.__reserved = junk64(30);
		issue(fd, cmd, &ti, sizeof(ti));
		break;
	}
	case 8: {
		struct gsched_chan_make m = { 0 };
		static const uint32_t es[] = { 0, 1, 8, 8, 64, 4096, 65536, 65537 };

		m.elem_size = es[rnd(8)];
		m.cap = one_in(3) ? 0 : rnd(16);
		if (one_in(30))
			m.cap = (uint32_t)rnd_special64();
		else if (m.elem_size > 4096 && m.cap > 4)
			m.cap = 4;
		m.flags = junk32(30);
		m.__pad = junk32(30);
		m.__reserved = junk64(30);
		r = issue(fd, cmd, &m, sizeof(m));
		if (!r)
			pool_put(s, m.handle, K_CHAN);
		break;
	}
	case 9: {
		struct gsched_chan_op co = { 0 };

		co.op = 1 + rnd(GSCHED_CHAN_OP_MAX);
		if (one_in(30))
			co.op = (uint32_t)rnd_special64();
		co.worker = pick_worker(s);
		co.handle = pick_handle(s, K_CHAN);
		switch (co.op) {
		case GSCHED_CHAN_TRYSEND:
		case GSCHED_CHAN_TRYRECV:
			co.buf = one_in(5) ? 0 : val_ptr();
			break;
		case GSCHED_CHAN_IMPORT:
			co.buf = (uint64_t)(int64_t)pick_import_fd();
			if (!one_in(10))
				co.worker = GSCHED_NO_WORKER;
			if (!one_in(10))
				co.handle = 0;	/* out only */
			break;
		case GSCHED_CHAN_TASK_EXIT:
			co.buf = pick_handle(s, K_TASK);
			if (!one_in(10))
				co.handle = 0;	/* out only */
			break;
		case GSCHED_CHAN_EXPORT:
			co.buf = one_in(2) ? GSCHED_EXPORT_CLOSE_ON_EXIT :
					     junk64(20);
			break;
		default:
			co.buf = junk64(20);
		}
		co.flags = junk32(30);
		co.__reserved = junk64(30);
		r = issue(fd, cmd, &co, sizeof(co));
		if (r)
			break;
		if (co.op == GSCHED_CHAN_EXPORT) {
			export_put(co.fd);
			add(&shm->exports, 1);
		} else if (co.op == GSCHED_CHAN_IMPORT ||
			   co.op == GSCHED_CHAN_TASK_EXIT) {
			pool_put(s, co.handle, K_CHAN);
			add(&shm->imports, co.op == GSCHED_CHAN_IMPORT);
		} else if (co.op == GSCHED_CHAN_RELEASE) {
			pool_stale(s, co.handle);
		}
		break;
	}
	case 10: {
		struct gsched_timer_op to = { 0 };

		if (avoid(AV_TIMER))
			break;
		to.op = 1 + rnd(GSCHED_TIMER_OP_MAX);
		if (one_in(30))
			to.op = (uint32_t)rnd_special64();
		to.handle = to.op == GSCHED_TIMER_MAKE && !one_in(10) ? 0 :
			    pick_handle(s, K_TIMER);
		to.delay_ns = pick_delay();
		to.period_ns = pick_period();
		to.flags = junk32(30);
		to.__pad = junk32(30);
		to.__reserved = junk64(30);
		r = issue(fd, cmd, &to, sizeof(to));
		if (!r && to.op == GSCHED_TIMER_MAKE)
			pool_put(s, to.handle, K_TIMER);
		break;
	}
	case 11: {
		struct gsched_sync_op so = { 0 };
		int k = pick_sync_kind();

		so.op = 1 + rnd(GSCHED_SYNC_OP_MAX);
		if (one_in(30))
			so.op = (uint32_t)rnd_special64();
		so.worker = pick_worker(s);
		if (so.op == GSCHED_SYNC_MAKE) {
			so.arg = k - K_MUTEX + 1;
			if (one_in(15))
				so.arg = (int64_t)rnd_special64();
		} else {
			if (so.op == GSCHED_SYNC_ADD)
				k = K_WG;
			else if (so.op == GSCHED_SYNC_SIGNAL ||
				 so.op == GSCHED_SYNC_BROADCAST)
				k = K_COND;
			so.handle = pick_handle(s, k);
			so.arg = so.op == GSCHED_SYNC_ADD ?
				 (one_in(5) ? (int64_t)rnd_special64() :
				  (int64_t)rnd(5) - 2) : (int64_t)junk64(20);
		}
		so.flags = junk32(30);
		so.__reserved = junk64(30);
		r = issue(fd, cmd, &so, sizeof(so));
		if (!r && so.op == GSCHED_SYNC_MAKE && so.arg >= 1 && so.arg <= 4)
			pool_put(s, so.handle, K_MUTEX + (int)so.arg - 1);
		else if (!r && so.op == GSCHED_SYNC_RELEASE)
			pool_stale(s, so.handle);
		break;
	}
	case 12: {
		struct gsched_ctx_op co = { 0 };

		co.op = 1 + rnd(GSCHED_CTX_OP_MAX);
		if (one_in(30))
			co.op = (uint32_t)rnd_special64();
		co.handle = (co.op == GSCHED_CTX_MAKE && one_in(3)) ||
			    (co.op == GSCHED_CTX_IMPORT && !one_in(10)) ? 0 :
			    pick_handle(s, K_CTX);
		if (co.op == GSCHED_CTX_MAKE)
			co.deadline_ns = pick_deadline();
		else
			co.deadline_ns = junk64(20);
		if (co.op == GSCHED_CTX_IMPORT)
			co.arg = (uint64_t)(int64_t)pick_import_fd();
		else if (co.op == GSCHED_CTX_EXPORT && one_in(2))
			co.arg = GSCHED_EXPORT_CLOSE_ON_EXIT;
		else
			co.arg = junk64(20);
		co.flags = junk32(30);
		co.__pad = junk32(30);
		co.__reserved = junk64(30);
		r = issue(fd, cmd, &co, sizeof(co));
		if (r)
			break;
		if (co.op == GSCHED_CTX_MAKE || co.op == GSCHED_CTX_IMPORT) {
			pool_put(s, co.handle, K_CTX);
			pool_put(s, co.done, K_CTXDONE);
			add(&shm->imports, co.op == GSCHED_CTX_IMPORT);
		} else if (co.op == GSCHED_CTX_EXPORT) {
			export_put(co.fd);
			add(&shm->exports, 1);
		} else if (co.op == GSCHED_CTX_RELEASE) {
			pool_stale(s, co.handle);
		}
		break;
	}
	case 13: {
		struct gsched_fd_op fo = { 0 };

		fo.op = one_in(10) ? (uint32_t)rnd_special64() : GSCHED_FD_CLOSE;
		fo.fd = pick_fd(true);
		fo.flags = junk32(30);
		fo.__pad = junk32(30);
		fo.__reserved = junk64(30);
		issue(fd, cmd, &fo, sizeof(fo));
		break;
	}
	case 14: {
		struct gsched_word_op wo = { 0 };

		wo.op = 1 + rnd(GSCHED_WORD_OP_MAX);
		if (one_in(30))
			wo.op = (uint32_t)rnd_special64();
		wo.worker = pick_worker(s);
		wo.addr = word_ptr();
		if (wo.op == GSCHED_WORD_ADD)
			wo.arg = one_in(5) ? (int64_t)rnd_special64() :
					     (int64_t)rnd(5) - 2;
		else
			wo.arg = (int64_t)junk64(20);
		wo.flags = junk32(30);
		wo.__pad = junk32(30);
		wo.__reserved = junk64(30);
		issue(fd, cmd, &wo, sizeof(wo));
		break;
	}
	}
}

/* A completely random ioctl: any number, size, direction, argument. */
static void fuzz_random(void)
{
	unsigned long cmd;
	unsigned char junk[256];
	int fd, i;

	switch (rnd(8)) {
	case 0:		/* another magic or a generic VFS ioctl */
		if (one_in(2)) {
			static const unsigned long v[] = { FIONREAD, FIONBIO,
				FIOCLEX, FIONCLEX, FIOASYNC, FIOQSIZE, 0x5401 };

			cmd = v[rnd(sizeof(v) / sizeof(v[0]))];
		} else {
			cmd = (uint32_t)rnd64();
		}
		break;
	case 1:		/* gsched magic, nr beyond the table */
		cmd = _IOC(rnd(4), GSCHED_IOC_MAGIC, NCMDS + rnd(256 - NCMDS),
			   rnd(_IOC_SIZEMASK + 1));
		break;
	default:	/* gsched magic, a known nr, random everything */
		i = rnd(NCMDS);
		cmd = _IOC(one_in(3) ? rnd(4) : _IOC_DIR(cmds[i].cmd),
			   GSCHED_IOC_MAGIC, i,
			   one_in(2) ? cmds[i].size : rnd(_IOC_SIZEMASK + 1));
	}
	for (i = 0; i < (int)sizeof(junk); i += 8) {
		uint64_t v = one_in(2) ? 0 : rnd_special64();

		memcpy(junk + i, &v, 8);
	}
	fd = one_in(10) ? pick_fd(false) : ld(&gs[pick_slot()].fd);
	if (cmd == FIOASYNC || cmd == FIONBIO || cmd == FIOCLEX ||
	    cmd == FIONCLEX) {
		int v = rnd(2);

		xioctl(fd, cmd, &v, true);
		return;
	}
	issue(fd, cmd, junk, sizeof(junk));
}

/* ---- other actions ---------------------------------------------------------- */

static void gslot_reopen(int s)
{
	int fd = open(opt_dev, O_RDWR | (one_in(2) ? O_CLOEXEC : 0));
	int old;

	if (fd < 0)
		return;
	gs[s].nprocs = gs[s].nworkers = 0;
	__atomic_fetch_add(&gs[s].gen, 1, __ATOMIC_RELAXED);
	old = __atomic_exchange_n(&gs[s].fd, fd, __ATOMIC_RELAXED);
	if (old >= 0) {
		if (one_in(3))
			fd_put(old);	/* keep the old file alive a while */
		else
			close(old);
	}
	memset(gs[s].pool, 0, sizeof(gs[s].pool));
}

static void send_fd_list(int sock, const int *fds, int n);

static void send_fds(int sock)
{
	int fds[4], n = 1 + rnd(4), i;

	for (i = 0; i < n; i++) {
		switch (rnd(4)) {
		case 0:
		case 1:
			fds[i] = ld(&gs[pick_slot()].fd);
			break;
		case 2:
			fds[i] = ld(&fdpool[rnd(FDPOOL)]);
			break;
		default:
			fds[i] = one_in(2) ? self_sock[rnd(2)] : pick_fd(false);
		}
		if (fds[i] < 0)
			fds[i] = ld(&gs[0].fd);
	}
	send_fd_list(sock, fds, n);
}

static void send_fd_list(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))];
	char b = 'x';
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;

	memset(cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		add(&shm->scm_sent, n);
}

static dev_t gsched_rdev;

static bool is_gsched(int fd)
{
	struct stat sb;

	return !fstat(fd, &sb) && S_ISCHR(sb.st_mode) && sb.st_rdev == gsched_rdev;
}

static void recv_fds(int sock)
{
	char cbuf[CMSG_SPACE(16 * sizeof(int))];
	char b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { 0 };
	struct cmsghdr *cm;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	if (recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
		return;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int n, i, *fds;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		fds = (int *)CMSG_DATA(cm);
		add(&shm->scm_recv, n);
		for (i = 0; i < n; i++) {
			int fd = fds[i];

			/* maybe use a received instance as one of ours */
			if (is_gsched(fd) && !one_in(3)) {
				int s = pick_slot();
				int old = __atomic_exchange_n(&gs[s].fd, fd,
							      __ATOMIC_RELAXED);

				__atomic_fetch_add(&gs[s].gen, 1, __ATOMIC_RELAXED);
				gs[s].nprocs = 0;
				gs[s].nworkers = 4;	/* unknown: guess */
				fd_put(old);
			} else {
				fd_put(fd);
				if (one_in(2))	/* maybe another's export */
					st(&expool[rnd(16)], fd);
			}
		}
	}
}

static void do_scm(void)
{
	int sock;

	if (avoid(AV_SCM))
		return;
	if (shared_sock[0] >= 0 && one_in(2))
		sock = shared_sock[rnd(2)];
	else
		sock = self_sock[rnd(2)];
	if (one_in(2))
		send_fds(sock);
	else
		recv_fds(sock);
}

/*
 * A task waits for its own private socket to become readable, then the
 * socket gets our /dev/gsched file in flight: a reference cycle through
 * the fd wait that the Unix socket garbage collector cannot see. The
 * process usually goes away with it in place.
 */
static void do_inflight_wait(void)
{
	struct gsched_select *sel = (void *)(ts->arena + SEL_OFF);
	struct gsched_select_case *c = (void *)(sel + 1);
	struct gsched_switch sw = { 0 };
	int s = ts->reg_slot, fds[2], i;
	long ret;

	if (avoid(AV_FD_IN_FLIGHT) || avoid(AV_SCM) || avoid(AV_SELECT_FD) ||
	    !registered() || !ts->has_task)
		return;
	for (i = 0; i < 4; i++)		/* empty, so that the wait blocks */
		recv_fds(self_sock[0]);
	memset(sel, 0, sizeof(*sel));
	c[0].handle = self_sock[0];
	c[0].dir = GSCHED_SEL_FDREAD;
	c[0].buf = 0;
	sel->ncases = 1;
	sel->cases = (uintptr_t)c;
	sw.worker = ts->reg_index;
	sw.op = GSCHED_OP_SELECT;
	sw.select = (uintptr_t)sel;
	ret = xioctl(ld(&gs[s].fd), GSCHED_IOC_SWITCH, &sw, true);
	switch_result(&sw, ret);
	fds[0] = ld(&gs[s].fd);
	fds[1] = self_sock[rnd(2)];
	send_fd_list(self_sock[1], fds, 1 + rnd(2));
}

/* The instance files in sysfs and debugfs, read while things change. */
static void do_sysfs(void)
{
	char path[256], buf[4096];
	static const char *const f[] = { "pid", "gomaxprocs", "tasks",
		"channels", "timers", "threads", "runqueue", "spares" };
	int fd, id = rnd(64);

	if (avoid(AV_SYSFS))
		return;
	if (one_in(4))
		snprintf(path, sizeof(path), "/sys/kernel/debug/gsched/%d/tasks", id);
	else
		snprintf(path, sizeof(path), "/sys/kernel/gsched/instances/%d/%s",
			 id, f[rnd(sizeof(f) / sizeof(f[0]))]);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	add(&shm->sysfs_reads, 1);
}

/* A blocking system call of a worker: its P is handed off. */
static void do_block(void)
{
	char b;
	struct timespec t = { 0, rnd(3000000) };

	if (one_in(2) || getpid() != worker_pid)
		nanosleep(&t, NULL);
	else	/* empty pipe: the next SIGUSR1 tick interrupts it */
		(void)!read(pipes[0][0], &b, 1);
}

static void fuzz_burst(int n);

/* fork: the child uses the inherited files briefly, then exits or execs */
static void do_fork(void)
{
	pid_t pid;

	if (avoid(AV_FORK))
		return;
	pid = fork();
	if (pid)
		return;
	add(&shm->fuzz_forks, 1);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(1 + rnd(2));	/* nobody ticks us: SIGALRM ends any wait */
	ts->reg_slot = -1;
	rs = splitmix(rs ^ (uint64_t)getpid());
	fuzz_burst(rnd(200));
	if (!avoid(AV_EXEC) && one_in(4))
		execl("/bin/true", "true", (char *)NULL);
	_exit(0);
}

static void do_exec(void)
{
	char seed[32];

	if (avoid(AV_EXEC))
		return;
	add(&shm->fuzz_execs, 1);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)rnd64());
	if (one_in(2))
		execl("/bin/true", "true", (char *)NULL);
	else
		execl(self_exe, "gsched_fuzz", "--exec-child", seed,
		      (char *)NULL);
}

/* One random action. */
static void fuzz_one(void)
{
	uint32_t r = rnd(1000);
	int s = pick_slot(), i;

	/* tick a random thread (the main thread too) out of its waits */
	if (one_in(40) && getpid() == worker_pid) {
		int k = rnd(ld(&nlive) + 1);

		pthread_kill(k < ld(&nlive) ? tids[k] : main_tid, SIGUSR1);
	}

	if (r < 350) {
		fuzz_cmd(s, rnd(NCMDS));
	} else if (r < 560) {
		/* the runtime: setup, register, spawn, switch */
		if (gs[s].nprocs == 0 || one_in(20))
			fuzz_cmd(s, 1);
		if (!registered() || one_in(30)) {
			if (one_in(3))
				fuzz_cmd(s, 2);
			else if (one_in(5))
				fuzz_cmd(s, one_in(2) ? 3 : 4);
			if (!registered())
				return;
		}
		s = ts->reg_slot;
		if (one_in(3))
			fuzz_cmd(s, 3);
		for (i = 1 + rnd(4); i > 0 && registered(); i--)
			fuzz_cmd(ts->reg_slot, 4);
		if (one_in(200))
			do_inflight_wait();
		if (one_in(3000))
			do_exec();	/* a worker, maybe mid-task, execs */
	} else if (r < 760) {
		/* objects: make and release */
		static const int nrs[] = { 8, 9, 9, 10, 11, 11, 12, 12, 5, 6 };

		fuzz_cmd(s, nrs[rnd(sizeof(nrs) / sizeof(nrs[0]))]);
	} else if (r < 840) {
		fuzz_random();
	} else if (r < 890) {
		do_scm();
	} else if (r < 910) {
		do_block();
	} else if (r < 930) {
		do_sysfs();
	} else if (r < 945) {
		if (one_in(4))
			gslot_reopen(s);
	} else if (r < 950) {
		int fd = ld(&fdpool[rnd(FDPOOL)]);

		if (fd >= 0 && one_in(2))	/* dup onto another number */
			fd_put(dup(fd));
	} else if (r < 953) {
		if (one_in(20))
			do_fork();
	} else if (r < 954) {
		if (one_in(50))
			do_exec();
	} else {
		fuzz_cmd(s, rnd(NCMDS));
	}
}

static void fuzz_burst(int n)
{
	while (n-- > 0 && !proc_stop)
		fuzz_one();
}

/* ---- worker processes ------------------------------------------------------- */

static void on_sigusr(int sig) { (void)sig; }

static void handlers(void)
{
	struct sigaction sa = { 0 };

	sa.sa_handler = on_sigusr;	/* no SA_RESTART: interrupts waits */
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static struct tstate *tstate_new(int idx)
{
	struct tstate *t = calloc(1, sizeof(*t));
	unsigned char *m;

	if (!t)
		return NULL;
	m = mmap(NULL, ARENA + 4096 + VALBUF, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		free(t);
		return NULL;
	}
	t->idx = idx;
	t->arena = m;
	t->guard = m + ARENA;
	mprotect(t->guard, 4096, PROT_NONE);
	t->val = m + ARENA + 4096;
	t->reg_slot = -1;
	return t;
}

static void *thread_main(void *arg)
{
	ts = arg;
	rs = splitmix(shm->slot[my_slot].seed + 1000 * (uint64_t)(ts->idx + 1));
	while (!proc_stop)
		fuzz_one();
	return NULL;
}

static void worker_setup_files(void)
{
	int i, memfd;

	struct stat sb;

	if (!stat(opt_dev, &sb))
		gsched_rdev = sb.st_rdev;
	for (i = 0; i < FDPOOL; i++)
		fdpool[i] = -1;
	for (i = 0; i < NSLOTS; i++) {
		gs[i].fd = -1;
		if (i == 0 || one_in(2))
			gs[i].fd = open(opt_dev, O_RDWR | (one_in(2) ? O_CLOEXEC : 0));
	}
	for (i = 1; i < NSLOTS; i++)
		if (gs[i].fd < 0)
			gs[i].fd = gs[0].fd >= 0 ? dup(gs[0].fd) : -1;
	(void)!pipe2(pipes[0], O_CLOEXEC);
	(void)!pipe2(pipes[1], O_CLOEXEC | O_NONBLOCK);
	(void)!write(pipes[1][1], "data", 4);
	(void)!socketpair(AF_UNIX, (one_in(2) ? SOCK_STREAM : SOCK_DGRAM) |
			  SOCK_CLOEXEC, 0, self_sock);
	evfd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	fdpool[0] = open("/dev/null", O_RDWR | O_CLOEXEC);
	memfd = memfd_create("gsched_fuzz", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, (MAX_THREADS + 2) * 2 * 4096))
		_exit(2);
	rw_alias = mmap(NULL, (MAX_THREADS + 2) * 2 * 4096,
			PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ro_alias = mmap(NULL, (MAX_THREADS + 2) * 2 * 4096, PROT_READ,
			MAP_SHARED, memfd, 0);
	if (rw_alias == MAP_FAILED || ro_alias == MAP_FAILED)
		_exit(2);
	fdpool[1] = memfd;
}

static void worker_main(int slot, uint64_t seed)
{
	struct tstate *main_ts;
	uint64_t end;
	int i;

	my_slot = slot;
	worker_pid = getpid();
	rs = splitmix(seed);
	handlers();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	main_ts = tstate_new(0);
	if (!main_ts)
		_exit(2);
	ts = main_ts;
	worker_setup_files();
	/* a lifetime; the supervisor may kill us earlier */
	end = now_ns() + (one_in(4) ? rnd(200) : 100 + rnd(3000)) * 1000000ULL;
	main_tid = pthread_self();
	nthreads = 1 + rnd(opt_threads);
	for (i = 0; i < nthreads; i++) {
		struct tstate *t = tstate_new(i + 1);

		if (!t || pthread_create(&tids[i], NULL, thread_main, t)) {
			nthreads = i;
			break;
		}
		__atomic_store_n(&nlive, i + 1, __ATOMIC_RELEASE);
	}
	/* the main thread: ticks (SIGUSR1) that interrupt waits, some fuzzing */
	while (now_ns() < end) {
		struct timespec t = { 0, 200000 + rnd(5000000) };

		if (nthreads)
			pthread_kill(tids[rnd(nthreads)], SIGUSR1);
		if (one_in(3))
			fuzz_burst(1 + rnd(3));
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		nanosleep(&t, NULL);
	}
	/* leave: sometimes with fds in flight to ourselves, mid-ioctl */
	if (!avoid(AV_SCM) && one_in(2))
		send_fds(self_sock[0]);
	switch (rnd(3)) {
	case 0:
		_exit(0);	/* threads still inside ioctls */
	case 1:
		for (i = 0; i < NSLOTS; i++)
			close(ld(&gs[i].fd));
		_exit(0);
	default:
		proc_stop = 1;
		for (i = 0; i < nthreads; i++)
			pthread_kill(tids[i], SIGUSR1);
		for (i = 0; i < nthreads; i++) {
			/* a thread stuck in an ioctl: exit anyway after a while */
			struct timespec t;

			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_sec += 2;
			if (pthread_timedjoin_np(tids[i], NULL, &t))
				_exit(3);
		}
		_exit(0);
	}
}

/* after execve from a worker: use whatever /dev/gsched files survived */
static int exec_child(uint64_t seed)
{
	char path[64], link[64];
	int fd, n;
	uint64_t end = now_ns() + 100000000ULL;

	rs = splitmix(seed);
	alarm(2);
	ts = tstate_new(0);
	if (!ts)
		return 2;
	worker_setup_files();
	for (fd = 3; fd < 256; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, opt_dev))
			st(&gs[rnd(NSLOTS)].fd, fd);
	}
	while (now_ns() < end)
		fuzz_one();
	return 0;
}

/* ---- supervisor ------------------------------------------------------------- */

struct proc {
	pid_t pid;		/* 0: free */
	uint64_t killed_at;	/* ns, 0: not killed */
};

static struct proc procs[MAX_PROCS];
static uint64_t n_spawned, n_killed, n_reaped, n_orphans, max_reap_ns;
static const char *errname(int e);

static void dump_ring(int slot)
{
	struct slot_shm *sl = &shm->slot[slot];
	uint32_t pos = sl->ring_pos, i;

	printf("  slot %d pid %d seed %llu, last ioctls (oldest first):\n", slot,
	       sl->pid, (unsigned long long)sl->seed);
	for (i = pos > RING ? pos - RING : 0; i < pos; i++) {
		struct ring_ent *e = &sl->ring[i % RING];
		int ci = cmd_stat_index(e->cmd);

		printf("    #%u t%u fd %d %s cmd %#x (size %u) arg %#llx "
		       "[%016llx %016llx %016llx %016llx] -> %s\n", e->seq,
		       e->thread, e->fd,
		       ci < NCMDS ? cmds[ci].name : ci == CMD_OTHER_NR ?
		       "GSCHED?" : "FOREIGN", e->cmd, _IOC_SIZE(e->cmd),
		       (unsigned long long)e->ptr,
		       (unsigned long long)e->w[0], (unsigned long long)e->w[1],
		       (unsigned long long)e->w[2], (unsigned long long)e->w[3],
		       e->ret == 1 ? "(in progress)" :
		       e->ret ? errname(-e->ret) : "0");
	}
}

static void cat_file(const char *path, const char *prefix)
{
	char buf[4096], *p, *nl;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	for (p = buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl) {
			printf("%s%s\n", prefix, p);
			break;
		}
		*nl = 0;
		printf("%s%s\n", prefix, p);
	}
}

/* What a process that does not die is doing. */
static void describe_pid(pid_t pid)
{
	char path[512];
	DIR *d;
	struct dirent *de;

	printf("  pid %d:\n", pid);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	cat_file(path, "    status: ");
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		printf("    thread %s:\n", de->d_name);
		snprintf(path, sizeof(path), "/proc/%d/task/%s/wchan", pid, de->d_name);
		cat_file(path, "      wchan: ");
		snprintf(path, sizeof(path), "/proc/%d/task/%s/stack", pid, de->d_name);
		cat_file(path, "      ");
	}
	closedir(d);
}

static int slot_of(pid_t pid)
{
	int i;

	for (i = 0; i < opt_procs; i++)
		if (procs[i].pid == pid)
			return i;
	return -1;
}

static void reap(void)
{
	pid_t pid;
	int status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		i = slot_of(pid);
		if (i < 0) {
			n_orphans++;	/* a worker's fork, reparented to us */
			continue;
		}
		n_reaped++;
		if (procs[i].killed_at) {
			uint64_t d = now_ns() - procs[i].killed_at;

			if (d > max_reap_ns)
				max_reap_ns = d;
		}
		procs[i].pid = 0;
		procs[i].killed_at = 0;
	}
}

static uint64_t spawn_seq;

static void spawn(int i)
{
	uint64_t seed = splitmix(opt_seed ^ splitmix(++spawn_seq));
	pid_t pid;

	shm->slot[i].seed = seed;
	shm->slot[i].ring_pos = 0;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		setpgid(0, 0);
		worker_main(i, seed);
		_exit(0);
	}
	setpgid(pid, pid);
	shm->slot[i].pid = pid;
	procs[i].pid = pid;
	procs[i].killed_at = 0;
	n_spawned++;
}

static void kill_proc(int i)
{
	if (!procs[i].pid || procs[i].killed_at)
		return;
	kill(-procs[i].pid, SIGKILL);
	kill(procs[i].pid, SIGKILL);
	procs[i].killed_at = now_ns();
	n_killed++;
}

static uint64_t total_calls(void)
{
	uint64_t n = 0;
	int c, e;

	for (c = 0; c < NSTAT; c++)
		for (e = 0; e < NERR; e++)
			n += shm->calls[c][e];
	return n;
}

static const char *errname(int e)
{
	static char buf[24];

	if (e == NERR - 1)
		return "other";
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EINVAL: return "EINVAL";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case EPIPE: return "EPIPE";
	case ERANGE: return "ERANGE";
	case ESHUTDOWN: return "ESHUTDOWN";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECANCELED: return "ECANCELED";
	case EDEADLK: return "EDEADLK";
	case EOVERFLOW: return "EOVERFLOW";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOSPC: return "ENOSPC";
	}
	snprintf(buf, sizeof(buf), "errno%d", e);
	return buf;
}

static void summary(void)
{
	int c, e;

	printf("gsched_fuzz: ioctls per command (result: count):\n");
	for (c = 0; c < NSTAT; c++) {
		uint64_t tot = 0;

		for (e = 0; e < NERR; e++)
			tot += shm->calls[c][e];
		printf("  %-10s %9llu ", c < NCMDS ? cmds[c].name :
		       c == CMD_OTHER_NR ? "gsched-nr?" : "foreign",
		       (unsigned long long)tot);
		for (e = 0; e < NERR; e++)
			if (shm->calls[c][e])
				printf(" %s:%llu", errname(e),
				       (unsigned long long)shm->calls[c][e]);
		printf("\n");
	}
	printf("gsched_fuzz: %llu ioctls; %llu worker processes spawned, %llu "
	       "SIGKILLed by the supervisor, %llu forks, %llu execs, %llu "
	       "orphans reaped; max SIGKILL-to-reap %.1f ms\n",
	       (unsigned long long)total_calls(), (unsigned long long)n_spawned,
	       (unsigned long long)n_killed, (unsigned long long)shm->fuzz_forks,
	       (unsigned long long)shm->fuzz_execs, (unsigned long long)n_orphans,
	       max_reap_ns / 1e6);
	printf("gsched_fuzz: %llu tasks spawned, %llu workers registered, %llu "
	       "SWITCHes ok, %llu exports, %llu imports, %llu fds sent / %llu "
	       "received over Unix sockets, %llu sysfs/debugfs reads\n",
	       (unsigned long long)shm->tasks_spawned,
	       (unsigned long long)shm->registered,
	       (unsigned long long)shm->switches_ok,
	       (unsigned long long)shm->exports, (unsigned long long)shm->imports,
	       (unsigned long long)shm->scm_sent, (unsigned long long)shm->scm_recv,
	       (unsigned long long)shm->sysfs_reads);
}

/* Every process still there: ours and whatever is in our groups. */
static int report_leftovers(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0, i;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char path[64], buf[512], *p;
		int fd, pgrp, ppid;
		ssize_t len;
		pid_t pid = atoi(de->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%*c %d %d", &ppid, &pgrp) != 2)
			continue;
		if (ppid != getpid()) {
			for (i = 0; i < MAX_PROCS; i++)
				if (shm->slot[i].pid && pgrp == shm->slot[i].pid)
					break;
			if (i == MAX_PROCS)
				continue;
		}
		describe_pid(pid);
		n++;
	}
	closedir(d);
	return n;
}

static void usage(int rc)
{
	size_t i;

	fprintf(stderr,
		"usage: gsched_fuzz [--seed N] [--seconds N] [--procs N] "
		"[--threads N]\n"
		"                   [--avoid CLASS[,CLASS...]] [--kill-timeout SEC] "
		"[--verbose] [--dev PATH]\n"
		"       gsched_fuzz --gc (run the unix garbage collector)\n"
		"avoid classes (the default run does everything):\n");
	for (i = 0; i < sizeof(avoid_names) / sizeof(avoid_names[0]); i++)
		fprintf(stderr, "  %-13s %s\n", avoid_names[i].name,
			avoid_names[i].what);
	exit(rc);
}

static void parse_avoid(const char *arg)
{
	char *s = strdup(arg), *tok, *save = NULL;
	size_t i;

	for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < sizeof(avoid_names) / sizeof(avoid_names[0]); i++)
			if (!strcmp(tok, avoid_names[i].name))
				break;
		if (i == sizeof(avoid_names) / sizeof(avoid_names[0])) {
			fprintf(stderr, "gsched_fuzz: unknown --avoid class '%s'\n", tok);
			usage(2);
		}
		opt_avoid |= avoid_names[i].bit;
	}
	free(s);
}

static long num_arg(const char *name, const char *v, long min, long max)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 0);
	if (errno || *end || n < min || n > max) {
		fprintf(stderr, "gsched_fuzz: bad %s '%s'\n", name, v);
		usage(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	uint64_t start, end, next_beat, deadline;
	int i, left, fd, rc = 0;
	bool seed_set = false, hung = false;

	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		strcpy(self_exe, argv[0]);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage(0);
		if (!strcmp(a, "--verbose")) {
			opt_verbose = 1;
			continue;
		}
		if (!strcmp(a, "--gc")) {
			int sv[2];

			if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
				return 1;
			close(sv[0]);
			close(sv[1]);
			return 0;
		}
		if (!v)
			usage(2);
		i++;
		if (!strcmp(a, "--seed")) {
			opt_seed = strtoull(v, NULL, 0);
			seed_set = true;
		} else if (!strcmp(a, "--seconds")) {
			opt_seconds = num_arg(a, v, 0, 86400);
		} else if (!strcmp(a, "--procs")) {
			opt_procs = num_arg(a, v, 1, MAX_PROCS);
		} else if (!strcmp(a, "--threads")) {
			opt_threads = num_arg(a, v, 1, MAX_THREADS);
		} else if (!strcmp(a, "--kill-timeout")) {
			opt_kill_timeout = num_arg(a, v, 1, 3600);
		} else if (!strcmp(a, "--avoid")) {
			parse_avoid(v);
		} else if (!strcmp(a, "--dev")) {
			opt_dev = v;
		} else if (!strcmp(a, "--exec-child")) {
			shm = calloc(1, sizeof(*shm));	/* counts are lost */
			if (!shm)
				return 2;
			return exec_child(strtoull(v, NULL, 0));
		} else {
			usage(2);
		}
	}
	if (!seed_set)
		opt_seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("gsched_fuzz: seed %llu (replay: --seed %llu), %d s, %d procs, "
	       "%d threads, uid %d", (unsigned long long)opt_seed,
	       (unsigned long long)opt_seed, opt_seconds, opt_procs, opt_threads,
	       (int)getuid());
	if (opt_avoid) {
		size_t k;

		printf(", avoiding:");
		for (k = 0; k < sizeof(avoid_names) / sizeof(avoid_names[0]); k++)
			if (opt_avoid & avoid_names[k].bit)
				printf(" %s", avoid_names[k].name);
	}
	printf("\n");

	fd = open(opt_dev, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "gsched_fuzz: %s: %s\n", opt_dev, strerror(errno));
		return 2;
	}
	close(fd);
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("gsched_fuzz: mmap");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		perror("gsched_fuzz: PR_SET_CHILD_SUBREAPER");
	signal(SIGPIPE, SIG_IGN);
	/* one socket pair every worker inherits: fds go between processes */
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, shared_sock))
		shared_sock[0] = shared_sock[1] = -1;
	rs = splitmix(opt_seed ^ 0x5eed);

	start = now_ns();
	end = start + (uint64_t)opt_seconds * 1000000000ULL;
	next_beat = start + 5000000000ULL;
	while (now_ns() < end && !hung) {
		struct timespec t = { 0, 2000000 + rnd(30000000) };
		uint64_t n = now_ns();

		reap();
		for (i = 0; i < opt_procs; i++) {
			if (!procs[i].pid) {
				spawn(i);
				continue;
			}
			if (procs[i].killed_at && n - procs[i].killed_at >
			    (uint64_t)opt_kill_timeout * 1000000000ULL) {
				printf("gsched_fuzz: FAIL: pid %d not reaped %d s "
				       "after SIGKILL\n", procs[i].pid,
				       opt_kill_timeout);
				hung = true;
			}
		}
		if (!avoid(AV_KILL) && one_in(8))
			kill_proc(rnd(opt_procs));
		if (n >= next_beat) {
			printf("gsched_fuzz: %llu s: %llu ioctls, %llu processes "
			       "spawned, %llu killed\n",
			       (unsigned long long)((n - start) / 1000000000ULL),
			       (unsigned long long)total_calls(),
			       (unsigned long long)n_spawned,
			       (unsigned long long)n_killed);
			if (opt_verbose)
				for (i = 0; i < opt_procs; i++)
					dump_ring(i);
			next_beat += 5000000000ULL;
		}
		nanosleep(&t, NULL);
	}

	/* The end: SIGKILL everything, everything must be reaped in time. */
	printf("gsched_fuzz: time is up: SIGKILL to every worker\n");
	for (i = 0; i < opt_procs; i++)
		kill_proc(i);
	close(shared_sock[0]);
	close(shared_sock[1]);
	deadline = now_ns() + (uint64_t)opt_kill_timeout * 1000000000ULL;
	for (;;) {
		struct timespec t = { 0, 20000000 };
		pid_t pid;

		reap();
		pid = waitpid(-1, NULL, WNOHANG);
		if (pid < 0 && errno == ECHILD)
			break;
		if (pid > 0)
			n_orphans++;
		if (now_ns() > deadline) {
			hung = true;
			break;
		}
		/* again: a fork may have raced with the first kill */
		for (i = 0; i < opt_procs; i++)
			if (procs[i].pid)
				kill(-procs[i].pid, SIGKILL);
		nanosleep(&t, NULL);
	}
	/*
	 * Files in flight in a cycle of unix sockets (a worker sent a socket
	 * into its own queue) are freed by the unix garbage collector, and
	 * with them the instances they hold. It runs when a unix socket is
	 * released; the last closes of the killed workers may have released
	 * none. Release one, so that tools/fuzz/run finds what was garbage
	 * gone, and what is left is a leak.
	 */
	{
		int sv[2];

		if (!socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
			close(sv[0]);
			close(sv[1]);
		}
	}
	summary();
	if (hung) {
		printf("gsched_fuzz: FAIL: processes not reaped within %d s of "
		       "SIGKILL:\n", opt_kill_timeout);
		left = report_leftovers();
		printf("gsched_fuzz: %d process(es) left; rings of the workers "
		       "not reaped:\n", left);
		for (i = 0; i < opt_procs; i++)
			if (procs[i].pid)
				dump_ring(i);
		printf("gsched_fuzz: seed %llu\n", (unsigned long long)opt_seed);
		rc = 1;
	} else {
		printf("gsched_fuzz: PASS: every process was reaped after SIGKILL "
		       "(seed %llu)\n", (unsigned long long)opt_seed);
	}
	return rc;
}
