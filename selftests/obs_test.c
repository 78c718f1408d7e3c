// SPDX-License-Identifier: GPL-2.0
/*
 * gsched observability selftests (Documentation/observability.rst):
 *
 *  - the debugfs goroutine dump, /sys/kernel/debug/gsched/<id>/tasks, shows
 *    Go's two classic leaks: 10,000 tasks stuck in a select that can never
 *    proceed, and a sender left blocked after its receiver timed out;
 *  - tools/gstat --once prints the running instance with its gomaxprocs;
 *  - every .bt script in tools/bpftrace, run by tools/bpftrace/run against a
 *    workload, ends by itself and prints plausible, non-empty results.
 *    These are skipped only when bpftrace is not installed.
 *
 * The binary is also the workload for sync.bt and tools/gtrace:
 *
 *   obs_test --workload sync     mutex contention, hand-offs, context
 *                                cancels and deadlines
 *   obs_test --workload gtrace   a bit of everything gtrace shows; prints
 *                                the instance's sysfs counters at the end
 *
 * Tasks cannot ASSERT: they record what they saw in globals, which the test
 * checks after gsched_run() returns.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "gsched.h"
#include "common.h"

#define DEBUGFS		"/sys/kernel/debug/gsched"

/* the sync workload: lockers x rounds, contexts cancelled, timed out */
#define WL_LOCKERS	4
#define WL_ROUNDS	10
#define WL_CANCELS	20
#define WL_TIMEOUTS	10

/* The project root: this binary is <root>/build/selftests/obs_test. */
static char root[PATH_MAX];

static void find_root(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *s;
	int i;

	if (n <= 0) {
		snprintf(root, sizeof(root), ".");
		return;
	}
	exe[n] = 0;
	for (i = 0; i < 3; i++) {	/* strip obs_test, selftests, build */
		s = strrchr(exe, '/');
		if (!s || s == exe)
			break;
		*s = 0;
	}
	snprintf(root, sizeof(root), "%s", exe);
}

/* Run @cmd with sh, output (stdout and stderr) in a malloc'ed string. */
static char *run_cmd(int *status, const char *fmt, ...)
{
	char cmd[2048], *buf;
	size_t len = 0, cap = 1 << 16;
	va_list ap;
	FILE *f;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	*status = -1;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	f = popen(cmd, "r");
	if (!f) {
		snprintf(buf, cap, "popen %s: %s", cmd, strerror(errno));
		return buf;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	buf[len] = 0;
	*status = pclose(f);
	return buf;
}

/* The whole text of a file, malloc'ed, or NULL with errno. */
static char *read_file(const char *path)
{
	size_t len = 0, cap = 1 << 16;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = 0;
	return buf;
}

/* ---- the debugfs dump -------------------------------------------------- */

struct dump_stats {
	int lines;		/* task lines */
	int header_tasks;	/* "# instance I pid P tasks N" */
	int waiting;		/* lines of task <id> (0: any) "waiting" */
	int matches;		/* lines "<id> waiting [<reason>] obj=<obj> " */
	int main_lines;		/* lines ending in " main" */
	long first_match_id;
};

/*
 * Count the task lines of instance @inst's dump that say task @id (0: any)
 * is waiting for @reason on @obj.
 */
static int dump_scan(int inst, long id, const char *reason, unsigned int obj,
		     struct dump_stats *st)
{
	char path[128], want[128], *buf, *line, *next;
	int hinst, hpid, htasks;

	memset(st, 0, sizeof(*st));
	st->header_tasks = -1;
	st->first_match_id = -1;
	snprintf(path, sizeof(path), DEBUGFS "/%d/tasks", inst);
	buf = read_file(path);
	if (!buf)
		return -errno;
	snprintf(want, sizeof(want), " waiting [%s] obj=%u ", reason, obj);
	for (line = buf; *line; line = next) {
		long tid;
		char *end;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		if (line[0] == '#') {
			/* the first comment line; the second is the legend */
			if (sscanf(line, "# instance %d pid %d tasks %d",
				   &hinst, &hpid, &htasks) == 3)
				st->header_tasks = htasks;
			continue;
		}
		tid = strtol(line, &end, 10);
		if (end == line)
			continue;
		st->lines++;
		if (strlen(line) > 5 && !strcmp(line + strlen(line) - 5, " main"))
			st->main_lines++;
		if ((!id || tid == id) && !strncmp(end, " waiting ", 9))
			st->waiting++;
		if ((!id || tid == id) && strstr(end, want) == end) {
			if (st->first_match_id < 0)
				st->first_match_id = tid;
			st->matches++;
		}
	}
	free(buf);
	return 0;
}


/* (a) 10,000 tasks in a select that can never proceed. */
#define NSELECT	10000
static int nselect = NSELECT;	/* fewer on a slow kernel */

static struct {
	gsched_chan_t never;
	int inst, spawned, dump_err;
	struct dump_stats st;
	long tasks_after;
} sl;

static long select_forever(void *arg)
{
	long v;
	struct gsched_select_case c = GSCHED_RECV(sl.never, &v);

	/* no timeout, no default: only the close at the end ends it */
	return gsched_select(&c, 1, 0, 0, NULL);
}

static long select_leak_main(void *arg)
{
	uint64_t t0, limit = 60000 * MS * gs_timeout_scale();
	int i;

	sl.inst = gsched_instance_id();
	if (gsched_chan_make(&sl.never, sizeof(long), 0))
		return 1;
	for (i = 0; i < nselect; i++) {
		if (gsched_spawn(select_forever, NULL) < 0)
			break;
		sl.spawned++;
	}
	/*
	 * Until every one of them is parked (at most 60 s, times the
	 * timeout scale). Each loop reads after its last sleep: the sleep
	 * itself may outlast the limit.
	 */
	t0 = now_ns();
	for (;;) {
		sl.dump_err = dump_scan(sl.inst, 0, "select", sl.never, &sl.st);
		if (sl.dump_err || sl.st.waiting >= sl.spawned ||
		    now_ns() - t0 >= limit)
			break;
		gsched_sleep(20 * MS);
	}
	/* end the leak: a closed channel makes every receive ready */
	gsched_chan_close(sl.never);
	t0 = now_ns();
	for (;;) {
		sl.tasks_after = gs_sysfs_inst(sl.inst, "tasks");
		if (sl.tasks_after <= 1 || now_ns() - t0 >= limit)
			break;
		gsched_sleep(20 * MS);
	}
	gsched_chan_release(sl.never);
	return 0;
}

FIXTURE(obs) {
	int unused;
};

FIXTURE_SETUP(obs)
{
	find_root();
}

FIXTURE_TEARDOWN(obs)
{
}

TEST_F_TIMEOUT(obs, dump_select_leak_10000, 300)
{
	struct gsched_opts o = { .nprocs = 2, .stack_size = GSCHED_STACK_MIN };
	long ev = -1;

	ASSERT_EQ(0, access(DEBUGFS, R_OK)) TH_LOG("%s: %s (debugfs mounted?)",
						   DEBUGFS, strerror(errno));
	/* slow kernels (GSCHED_TEST_SCALE): 1,000 took 136 s in the debug guest */
	nselect = gs_test_scale() > 1 ? 400 : NSELECT;
	TH_LOG("%d tasks in a select for ever", nselect);
	ASSERT_EQ(0, gsched_run_opts(&o, select_leak_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	ASSERT_EQ(nselect, sl.spawned);
	ASSERT_EQ(0, sl.dump_err) TH_LOG("reading the dump: %s",
					 strerror(-sl.dump_err));
	/* every leaked task, with the channel it waits on */
	EXPECT_EQ(nselect, sl.st.matches)
		TH_LOG("%d lines \"waiting [select] obj=%u\" of %d", sl.st.matches,
		       sl.never, sl.st.lines);
	/* plus the main task, running (it reads the dump) */
	EXPECT_EQ(nselect + 1, sl.st.lines);
	EXPECT_EQ(nselect + 1, sl.st.header_tasks);
	EXPECT_EQ(1, sl.st.main_lines);
	/* and after the close they all ended */
	EXPECT_EQ(1, sl.tasks_after);
}

/* (b) A timed-out receiver leaves the sender blocked. */
static struct {
	gsched_chan_t result, start;
	int inst, worker, sel, dump_err, late;
	struct dump_stats st;
	long got;
} ls;

static long late_worker(void *arg)
{
	long v = 42, go;

	/* the work takes longer than the caller's timeout */
	if (gsched_chan_recv(ls.start, &go) != 1)
		return 1;
	/* nobody receives any more: this send blocks for good (the leak) */
	return gsched_chan_send(ls.result, &v);
}

static long leaked_sender_main(void *arg)
{
	struct gsched_spawn_attr j = { .flags = GSCHED_JOINABLE };
	long v = 0, go = 1;
	uint64_t t0;

	ls.inst = gsched_instance_id();
	if (gsched_chan_make(&ls.result, sizeof(long), 0) ||
	    gsched_chan_make(&ls.start, sizeof(long), 1))
		return 1;
	ls.worker = gsched_spawn_ex(late_worker, NULL, &j);
	if (ls.worker < 0)
		return 1;
	/* select { case v := <-result: ...; case <-time.After(5ms): } */
	{
		struct gsched_select_case c = GSCHED_RECV(ls.result, &v);

		ls.sel = gsched_select(&c, 1, GSCHED_SELECT_TIMEOUT, 5 * MS,
				       NULL);
	}
	gsched_chan_send(ls.start, &go);	/* the worker finishes late */
	/* until the worker blocks (at most 30 s) */
	t0 = now_ns();
	do {
		ls.dump_err = dump_scan(ls.inst, ls.worker, "chan send",
					ls.result, &ls.st);
		if (ls.dump_err || ls.st.waiting)
			break;
		gsched_sleep(10 * MS);
	} while (now_ns() - t0 < 30000 * MS);
	/* release it: receive the late result, then join */
	ls.late = gsched_chan_recv(ls.result, &ls.got);
	gsched_join(ls.worker, NULL);
	gsched_chan_release(ls.result);
	gsched_chan_release(ls.start);
	return 0;
}

TEST_F(obs, dump_leaked_sender)
{
	struct gsched_opts o = { .nprocs = 2 };
	long ev = -1;

	ASSERT_EQ(0, gsched_run_opts(&o, leaked_sender_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	EXPECT_EQ(-ETIMEDOUT, ls.sel);
	ASSERT_EQ(0, ls.dump_err) TH_LOG("reading the dump: %s",
					 strerror(-ls.dump_err));
	EXPECT_EQ(1, ls.st.matches)
		TH_LOG("no line \"%d waiting [chan send] obj=%u\" in the dump",
		       ls.worker, ls.result);
	EXPECT_EQ(ls.worker, ls.st.first_match_id);
	EXPECT_EQ(1, ls.late);
	EXPECT_EQ(42, ls.got);
}

/* ---- tools/gstat --------------------------------------------------------- */

#define GSTAT_PROCS	3

static struct {
	int inst, status, found, gomaxprocs, pid, tasks;
	char line[1024];
} gs;

static long gstat_main(void *arg)
{
	char *out, *line, *next, key[32];

	gs.inst = gsched_instance_id();
	/* a blocking popen from a task: only this worker waits */
	out = run_cmd(&gs.status, "%s/tools/gstat --once 2>&1", root);
	if (!out)
		return 1;
	snprintf(key, sizeof(key), " inst=%d ", gs.inst);
	for (line = out; *line; line = next) {
		char *s;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		else
			next = line + strlen(line);
		if (strncmp(line, "SCHED ", 6) || !strstr(line, key))
			continue;
		gs.found++;
		snprintf(gs.line, sizeof(gs.line), "%s", line);
		s = strstr(line, " pid=");
		gs.pid = s ? atoi(s + 5) : -1;
		s = strstr(line, " gomaxprocs=");
		gs.gomaxprocs = s ? atoi(s + 12) : -1;
		s = strstr(line, " tasks=");
		gs.tasks = s ? atoi(s + 7) : -1;
	}
	if (!gs.found)
		snprintf(gs.line, sizeof(gs.line), "%.1000s", out);
	free(out);
	return 0;
}

TEST_F(obs, gstat_once)
{
	struct gsched_opts o = { .nprocs = GSTAT_PROCS };
	long ev = -1;

	ASSERT_EQ(0, gsched_run_opts(&o, gstat_main, NULL, &ev));
	ASSERT_EQ(0, ev);
	EXPECT_EQ(0, gs.status);
	ASSERT_EQ(1, gs.found) TH_LOG("gstat printed: %s", gs.line);
	EXPECT_EQ(GSTAT_PROCS, gs.gomaxprocs) TH_LOG("%s", gs.line);
	EXPECT_EQ(getpid(), gs.pid) TH_LOG("%s", gs.line);
	EXPECT_EQ(1, gs.tasks) TH_LOG("%s", gs.line);
}

/* ---- bpftrace scripts ---------------------------------------------------- */

static int have_bpftrace(void)
{
	return system("command -v bpftrace >/dev/null 2>&1") == 0;
}

/* Sum of the values of the map lines "@name[...]: N" starting @prefix. */
static long long map_sum(const char *out, const char *prefix, int *nlines)
{
	size_t plen = strlen(prefix);
	const char *l, *s;
	long long sum = 0;

	*nlines = 0;
	for (l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, prefix, plen))
			continue;
		s = strstr(l, "]: ");
		if (!s || (strchr(l, '\n') && s > strchr(l, '\n')))
			continue;
		sum += strtoll(s + 3, NULL, 10);
		(*nlines)++;
	}
	return sum;
}

/* The value of the map line that starts with @key ("@x[1, send]"), or -1. */
static long long map_get(const char *out, const char *key)
{
	size_t klen = strlen(key);
	const char *l;

	for (l = out; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, klen) && !strncmp(l + klen, ": ", 2))
			return strtoll(l + klen + 2, NULL, 10);
	return -1;
}

/*
 * Total count of the histogram printed under the line "@name: " or
 * "@name[key]: " (@head), -1 when there is no such line; *buckets: its
 * bucket lines ("[lo, hi)  N |@@@|").
 */
static long long hist_total(const char *out, const char *head, int *buckets)
{
	const char *l = out, *s;
	size_t hlen = strlen(head);
	long long sum = 0;

	*buckets = 0;
	for (; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, head, hlen) && l[hlen] == ':')
			break;
	if (!l || !*l)
		return -1;
	for (l = strchr(l, '\n'); l && l[1] == '['; l = strchr(l + 1, '\n')) {
		s = strpbrk(l + 1, ")]");
		if (!s)
			break;
		sum += strtoll(s + 1, NULL, 10);
		(*buckets)++;
	}
	return sum;
}

/* The integer after @label in @out ("  steals   10" -> 10), or -1. */
static long long number_after(const char *out, const char *label)
{
	const char *s = strstr(out, label);

	return s ? strtoll(s + strlen(label), NULL, 10) : -1;
}

/* Run tools/bpftrace/run SCRIPT -c WORKLOAD; the output, *status. */
static char *bpftrace_run(int *status, const char *script,
			  const char *workload)
{
	return run_cmd(status, "cd %s && tools/bpftrace/run %s -c '%s' 2>&1",
		       root, script, workload);
}

/*
 * bpftrace can miss events, so its counts are bounds, not exact values.
 * A tracepoint's BPF program is skipped when another BPF program, or a
 * bpf() map syscall, is active on the same CPU (the per-CPU recursion
 * guard bpf_prog_active). bpftrace's own print() and clear() are such
 * syscalls, run once a second by the scripts' interval probes, and on a
 * fully preemptible kernel a task preempting bpftrace there loses its
 * events: the debug guest lost 1 send in 4,001 channel ops. The exact
 * counts are checked through ftrace instead (tracepoint_chan_op_exact).
 */
#define BT_MAY_MISS	50

#define BT_PREPARE(script, workload)					\
	int status;							\
	char *out;							\
	if (!have_bpftrace())						\
		SKIP(return, "bpftrace not installed (Debian: bpftrace)");\
	out = bpftrace_run(&status, script, workload);			\
	ASSERT_NE(NULL, out);						\
	ASSERT_EQ(0, status) TH_LOG("tools/bpftrace/run %s -c '%s':\n%.8000s",\
				    script, workload, out)

/* The output, when a check failed. */
#define BT_DONE(script) do {						\
	if (!_metadata->passed)						\
		TH_LOG("tools/bpftrace/run %s output:\n%.8000s", script, out);\
	free(out);							\
} while (0)

TEST_F_TIMEOUT(obs, bpftrace_runqlat, 240)
{
	long long n;
	int buckets, lines;

	BT_PREPARE("runqlat", "build/examples/workerpool 2000 8");
	ASSERT_NE(NULL, strstr(out, "(correct)"));
	n = hist_total(out, "@runq_latency_us", &buckets);
	EXPECT_LT(0, n);
	EXPECT_LT(0, buckets);
	map_sum(out, "@slowest_tasks_us[", &lines);
	EXPECT_LT(0, lines);
	EXPECT_GE(10, lines);
	BT_DONE("runqlat");
}

TEST_F_TIMEOUT(obs, bpftrace_parked, 240)
{
	static const char *const names[] = {
		"none", "park", "join", "user", "chan send", "chan receive",
		"select", "select (no cases)", "chan send/receive (nil chan)",
		"sleep", "mutex", "rwmutex read lock", "rwmutex lock",
		"wait group", "cond",
	};
	long long wakeups, chan_wakeups = 0, n;
	char key[128];
	unsigned int i;
	int lines, named = 0, buckets;

	BT_PREPARE("parked", "build/examples/workerpool 2000 8");
	ASSERT_NE(NULL, strstr(out, "(correct)"));
	wakeups = map_sum(out, "@wakeups[", &lines);
	EXPECT_LT(0, wakeups);
	/* every reason printed is one of the GSCHED_WAIT_* names */
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(key, sizeof(key), "@wakeups[%s]", names[i]);
		n = map_get(out, key);
		if (n < 0)
			continue;
		named++;
		if (i == GSCHED_WAIT_CHAN_SEND || i == GSCHED_WAIT_CHAN_RECV)
			chan_wakeups += n;
		snprintf(key, sizeof(key), "@parked_us[%s]", names[i]);
		EXPECT_EQ(n, hist_total(out, key, &buckets)) TH_LOG("%s", key);
		snprintf(key, sizeof(key), "@parked_total_us[%s]", names[i]);
		EXPECT_LE(0, map_get(out, key)) TH_LOG("%s", key);
	}
	EXPECT_EQ(lines, named);
	/* the workers wait for jobs and for room for their results */
	EXPECT_LT(0, chan_wakeups);
	BT_DONE("parked");
}

TEST_F_TIMEOUT(obs, bpftrace_steals, 240)
{
	long long by, from, sysfs_steals;
	int l1, l2, l3, buckets;

	BT_PREPARE("steals", "build/examples/forkjoin");
	ASSERT_NE(NULL, strstr(out, "(correct)"));
	map_sum(out, "@steals_by_p[", &l1);
	by = map_sum(out, "@tasks_stolen_by_p[", &l2);
	from = map_sum(out, "@tasks_stolen_from_p[", &l3);
	EXPECT_LT(0, l1);
	EXPECT_LT(0, by);
	EXPECT_EQ(by, from);
	EXPECT_LT(0, hist_total(out, "@steal_batch", &buckets));
	/*
	 * forkjoin prints its instance's sysfs steals, which count every
	 * stolen task: at least what bpftrace saw (see BT_MAY_MISS).
	 */
	sysfs_steals = number_after(out, "  steals");
	EXPECT_LE(by, sysfs_steals);
	BT_DONE("steals");
}

TEST_F_TIMEOUT(obs, bpftrace_chanrate, 240)
{
	long long total, per_s, n;
	const char *s;
	int lines, plines;
	char key[64];
	long chan = -1;

	/* one channel shared by two processes: 2000 sends, a close */
	BT_PREPARE("chanrate", "build/examples/pipeline2 2000");
	total = map_sum(out, "@ops_total[", &lines);
	per_s = map_sum(out, "@ops_per_s[", &plines);
	EXPECT_LT(0, lines);
	/*
	 * The per-second counts are a part of the totals: every op counted
	 * in them is in the totals too, but an op that lands between the
	 * interval probe's print() and clear() (bpftrace runs both later,
	 * in user space) is only in the totals.  How many do depends on
	 * speed, so no equality here.
	 */
	EXPECT_LT(0, per_s);
	EXPECT_LE(per_s, total);
	/*
	 * bpftrace may miss an op (see BT_MAY_MISS): at most the exact
	 * counts, which tracepoint_chan_op_exact checks.
	 */
	s = strstr(out, "@ops_total[");
	if (s)
		chan = strtol(s + strlen("@ops_total["), NULL, 10);
	snprintf(key, sizeof(key), "@ops_total[%ld, send]", chan);
	n = map_get(out, key);
	EXPECT_LT(2000 - BT_MAY_MISS, n) TH_LOG("%s", key);
	EXPECT_GE(2000, n) TH_LOG("%s", key);
	snprintf(key, sizeof(key), "@ops_total[%ld, recv]", chan);
	n = map_get(out, key);
	EXPECT_LT(2001 - BT_MAY_MISS, n) TH_LOG("%s", key);
	EXPECT_GE(2001, n) TH_LOG("%s", key);
	snprintf(key, sizeof(key), "@ops_total[%ld, close]", chan);
	EXPECT_GE(1, map_get(out, key)) TH_LOG("%s", key);
	BT_DONE("chanrate");
}

/*
 * The tracepoint itself misses nothing: an ftrace instance records every
 * gsched_chan_op event of the same workload (ftrace has no recursion
 * guard shared with user space, unlike bpftrace's programs), so the counts
 * are exact: 2000 sends, 2000 receives and the one that sees the close,
 * one close. The buffer is large enough for all of them; any overrun
 * (an event overwritten) is reported, and fails the test. The instance is
 * made with record-cmd off, as tools/gtrace makes its own: recording
 * command names hooks the scheduler's tracepoints, and patching those
 * while every CPU runs them wedged the emulated guest now and then.
 */
TEST_F_TIMEOUT(obs, tracepoint_chan_op_exact, 240)
{
	long long send, recv, cls, overrun;
	int status;
	char *out;

	if (access("/sys/kernel/tracing/events/gsched/gsched_chan_op", F_OK))
		SKIP(return, "tracefs not mounted at /sys/kernel/tracing");
	out = run_cmd(&status,
		"cd %s && d=/sys/kernel/tracing/instances/gsched_obs_$$ && "
		"o=/sys/kernel/tracing/options/record-cmd && r=$(cat $o) && "
		"echo 0 >$o && mkdir $d && echo $r >$o && "
		"echo 8192 >$d/buffer_size_kb && "
		"echo 1 >$d/events/gsched/gsched_chan_op/enable && "
		"build/examples/pipeline2 2000; rc=$?; "
		"echo 0 >$d/events/gsched/gsched_chan_op/enable; "
		"echo \"workload status $rc\"; "
		"echo \"send: $(grep -c ' op=1 ' $d/trace)\"; "
		"echo \"recv: $(grep -c ' op=2 ' $d/trace)\"; "
		"echo \"close: $(grep -c ' op=3 ' $d/trace)\"; "
		"echo \"overrun: $(cat $d/per_cpu/cpu*/stats | "
		"awk '/^overrun:/ { n += $2 } END { print n + 0 }')\"; "
		"rmdir $d",
		root);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "workload status 0"));
	send = number_after(out, "send:");
	recv = number_after(out, "recv:");
	cls = number_after(out, "close:");
	overrun = number_after(out, "overrun:");
	EXPECT_EQ(0, overrun);
	EXPECT_EQ(2000, send);
	EXPECT_EQ(2001, recv);
	EXPECT_EQ(1, cls);
	if (!_metadata->passed)
		TH_LOG("%.4000s", out);
	free(out);
}

/*
 * tools/gtrace against the sysfs counters of the same run: gtrace records
 * every gsched event of `obs_test --workload gtrace`, whose instance keeps
 * its sysfs directory after gsched_run_opts() returns (a dup of its fd)
 * and prints its counters then, when no event can happen any more. The
 * JSON's gsched_counts for that instance must equal them exactly:
 * spawned and exited (task_create and task_exit events), steals and
 * global_moves (the sums of the events' counts), handoffs and preemptions
 * (one event each), with no event lost (ring buffer overrun). Whether
 * there are hand-offs, preemptions, steals and global moves at all
 * depends on timing (the workload makes each likely): their numbers are
 * logged. Like tracepoint_chan_op_exact, skipped without tracefs.
 */
/* a line "json <instance>: name value name value ... ;" per instance */
#define GTRACE_PY							\
	"import json, sys\n"						\
	"d = json.load(open(sys.argv[1]))\n"				\
	"for k, c in sorted(d[\"otherData\"][\"gsched_counts\"].items()):\n" \
	"    print(\"json %%s: \" %% k + \" \".join(\"%%s %%d\" %% kv\n"	\
	"          for kv in sorted(c.items())) + \" ;\")\n"
#define GTRACE_SYSFS	"spawned", "exited", "steals", "global_moves",	\
			"handoffs", "preemptions"

/* The integer after " @name " in the line of @out that starts @prefix. */
static long long line_value(const char *out, const char *prefix,
			    const char *name)
{
	const char *s = strstr(out, prefix), *end;
	char key[64], line[4096];
	size_t n;

	if (!s)
		return -1;
	end = strchr(s, '\n');
	n = end ? (size_t)(end - s) : strlen(s);
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, s, n);
	line[n] = 0;
	snprintf(key, sizeof(key), " %s ", name);
	return number_after(line, key);
}

TEST_F_TIMEOUT(obs, gtrace_counts_match_sysfs, 300)
{
	static const char *const exact[] = { GTRACE_SYSFS };
	char prefix[64];
	long long id, v;
	unsigned int i;
	int status;
	char *out;

	if (access("/sys/kernel/tracing/events/gsched/gsched_chan_op", F_OK))
		SKIP(return, "tracefs not mounted at /sys/kernel/tracing");
	if (system("command -v python3 >/dev/null 2>&1"))
		SKIP(return, "python3 not found (tools/gtrace needs it)");
	out = run_cmd(&status,
		"cd %s && j=$(mktemp /tmp/gtrace.XXXXXX) && "
		"tools/gtrace -o $j -- build/selftests/obs_test --workload gtrace "
		"2>&1; echo \"gtrace status $?\"; "
		"python3 -c '" GTRACE_PY "' $j 2>&1; "
		"rm -f $j",
		root);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "gtrace status 0"));
	EXPECT_NE(NULL, strstr(out, "gtrace workload: ok"));
	id = number_after(out, "sysfs instance ");
	ASSERT_LE(0, id) TH_LOG("%.4000s", out);
	snprintf(prefix, sizeof(prefix), "json %lld: ", id);
	ASSERT_NE(NULL, strstr(out, prefix)) TH_LOG("%.4000s", out);
	for (i = 0; i < ARRAY_SIZE(exact); i++) {
		v = line_value(out, "sysfs instance ", exact[i]);
		EXPECT_LE(0, v) TH_LOG("sysfs %s", exact[i]);
		EXPECT_EQ(v, line_value(out, prefix, exact[i]))
			TH_LOG("%s: sysfs %lld", exact[i], v);
	}
	EXPECT_EQ(0, line_value(out, prefix, "overrun"));
	/* 1 main + the workload's tasks, all ended */
	EXPECT_LT(400, line_value(out, prefix, "spawned"));
	EXPECT_LT(0, line_value(out, prefix, "workers"));
	/* a task_run opens a slice: every worker lane has one */
	EXPECT_LE(line_value(out, prefix, "task_run"),
		  line_value(out, prefix, "slices"));
	EXPECT_LT(0, line_value(out, prefix, "chan_op"));
	TH_LOG("gtrace: workers %lld slices %lld steals %lld global_moves "
	       "%lld handoffs %lld preemptions %lld",
	       line_value(out, prefix, "workers"),
	       line_value(out, prefix, "slices"),
	       line_value(out, prefix, "steals"),
	       line_value(out, prefix, "global_moves"),
	       line_value(out, prefix, "handoffs"),
	       line_value(out, prefix, "preemptions"));
	if (!_metadata->passed)
		TH_LOG("%.6000s", out);
	free(out);
}

TEST_F_TIMEOUT(obs, bpftrace_blockedchans, 240)
{
	long long blocked, waits;
	int lines, wlines;

	BT_PREPARE("blockedchans", "build/examples/sieve 100");
	blocked = map_sum(out, "@blocked_ops[", &lines);
	waits = map_sum(out, "@waits[", &wlines);
	EXPECT_LT(0, blocked);
	EXPECT_LT(0, lines);
	EXPECT_GE(10, lines);
	EXPECT_LT(0, waits);
	EXPECT_NE(NULL, strstr(out, ", chan receive]: "));
	BT_DONE("blockedchans");
}

TEST_F_TIMEOUT(obs, bpftrace_sync, 240)
{
	int lines, buckets;
	long long n;

	BT_PREPARE("sync", "build/selftests/obs_test --workload sync");
	ASSERT_NE(NULL, strstr(out, "sync workload: ok"));
	EXPECT_LT(0, map_sum(out, "@contended[", &lines));
	EXPECT_LT(0, hist_total(out, "@lock_wait_us[mutex]", &buckets));
	/* at most the exact counts, see BT_MAY_MISS */
	n = map_get(out, "@ctx_cancels[canceled (-ECANCELED)]");
	EXPECT_LT(0, n);
	EXPECT_GE(WL_CANCELS, n);
	n = map_get(out, "@ctx_cancels[deadline exceeded (-ETIMEDOUT)]");
	EXPECT_LT(0, n);
	EXPECT_GE(WL_TIMEOUTS, n);
	BT_DONE("sync");
}

/*
 * handoff.bt: the read test of handoff_test blocks a task in read() with
 * GOMAXPROCS=1 until 1,000 other tasks ran on a spare: at least one
 * hand-off, each with its latency in the histogram.
 */
TEST_F_TIMEOUT(obs, bpftrace_handoff, 240)
{
	long long handoffs;
	int lines, buckets;

	BT_PREPARE("handoff",
		   "build/selftests/handoff_test -t read_on_empty_pipe");
	ASSERT_NE(NULL, strstr(out, "ok 1 global.read_on_empty_pipe"));
	handoffs = map_sum(out, "@handoffs[", &lines);
	EXPECT_LT(0, handoffs);
	EXPECT_LT(0, lines);
	EXPECT_EQ(handoffs, hist_total(out, "@handoff_latency_us", &buckets));
	BT_DONE("handoff");
}

/* ---- the sync.bt workload ---------------------------------------------- */

static gsched_mutex_t wl_mu;
static atomic_int wl_fail;

static long wl_locker(void *arg)
{
	long i, me = (long)arg;

	for (i = 0; i < WL_ROUNDS; i++) {
		if (gsched_mutex_lock(&wl_mu)) {
			atomic_fetch_add(&wl_fail, 1);
			return 1;
		}
		/* hold it: the others queue; some waits pass Go's 1 ms
		 * starvation threshold, so unlocks hand the lock over
		 */
		gsched_sleep((i + me) % 4 ? 200000 : 2 * MS);
		gsched_mutex_unlock(&wl_mu);
	}
	return 0;
}

static long wl_sync_main(void *arg)
{
	struct gsched_spawn_attr j = { .flags = GSCHED_JOINABLE };
	int ids[WL_LOCKERS], i, n = 0;
	gsched_ctx_t c;
	uint64_t v;

	if (gsched_mutex_init(&wl_mu))
		return 1;
	for (i = 0; i < WL_LOCKERS; i++)
		ids[i] = gsched_spawn_ex(wl_locker, (void *)(long)i, &j);
	for (i = 0; i < WL_CANCELS; i++) {	/* context.WithCancel; cancel() */
		if (gsched_ctx_with_cancel(&c, NULL))
			return 1;
		gsched_ctx_cancel(c);
		n += gsched_ctx_err(c) == -ECANCELED;
		gsched_ctx_free(c);
	}
	for (i = 0; i < WL_TIMEOUTS; i++) {	/* WithTimeout; <-ctx.Done() */
		if (gsched_ctx_with_timeout(&c, NULL, MS))
			return 1;
		gsched_chan_recv(gsched_ctx_done(c), &v);
		n += gsched_ctx_err(c) == -ETIMEDOUT;
		gsched_ctx_free(c);
	}
	for (i = 0; i < WL_LOCKERS; i++)
		if (ids[i] < 0 || gsched_join(ids[i], NULL))
			return 1;
	return n != WL_CANCELS + WL_TIMEOUTS || atomic_load(&wl_fail);
}

/* ---- the gtrace workload ----------------------------------------------- */

#define GT_TASKS	400	/* spawned at once: P 0's ring overflows */
#define GT_YIELDS	3
#define GT_PINGS	200
#define GT_SPIN_MS	100	/* > preempt_ms (10): preempted */
#define GT_SPINS	3

static gsched_mutex_t gt_mu;
static atomic_int gt_fail;
static atomic_long gt_sum;
static int gt_pipe[2];
static int gt_keep = -1, gt_inst = -1;

/* yields, and a short critical section on a shared mutex */
static long gt_small(void *arg)
{
	int i;

	for (i = 0; i < GT_YIELDS; i++)
		gsched_yield();
	if (gsched_mutex_lock(&gt_mu)) {
		atomic_fetch_add(&gt_fail, 1);
		return 1;
	}
	gsched_yield();		/* held across a yield: others queue */
	atomic_fetch_add(&gt_sum, (long)arg);
	gsched_mutex_unlock(&gt_mu);
	return 0;
}

/* ping-pong over two unbuffered channels */
static long gt_pong(void *arg)
{
	gsched_chan_t *c = arg;
	uint64_t v;

	while (gsched_chan_recv(c[0], &v) == 1)
		if (gsched_chan_send(c[1], &v))
			return 1;
	return 0;
}

/* blocks its worker in read() (outside gsched): a hand-off */
static long gt_reader(void *arg)
{
	char c;

	return read(gt_pipe[0], &c, 1) == 1 ? 0 : 1;
}

static long gt_writer(void *arg)
{
	gsched_sleep(50 * MS);
	return write(gt_pipe[1], "x", 1) == 1 ? 0 : 1;
}

/* runs without a scheduling call for GT_SPIN_MS: preempted */
static long gt_spinner(void *arg)
{
	uint64_t end;
	int i;

	for (i = 0; i < GT_SPINS; i++) {
		end = now_ns() + GT_SPIN_MS * MS;
		while (now_ns() < end)
			;
		gsched_yield();
	}
	return 0;
}

static long wl_gtrace_main(void *arg)
{
	struct gsched_spawn_attr j = { .flags = GSCHED_JOINABLE };
	static int ids[GT_TASKS + 4];
	gsched_chan_t c[2];
	uint64_t v;
	long r, fails = 0;
	int i, n = 0;

	/* keeps the instance, and its sysfs directory, after the run */
	gt_inst = gsched_instance_id();
	gt_keep = dup(gsched_fd());
	if (gt_keep < 0 || gsched_mutex_init(&gt_mu) ||
	    gsched_chan_make(&c[0], sizeof(v), 0) ||
	    gsched_chan_make(&c[1], sizeof(v), 0))
		return 1;
	ids[n++] = gsched_spawn_ex(gt_reader, NULL, &j);
	ids[n++] = gsched_spawn_ex(gt_writer, NULL, &j);
	ids[n++] = gsched_spawn_ex(gt_spinner, NULL, &j);
	ids[n++] = gsched_spawn_ex(gt_pong, c, &j);
	for (i = 0; i < GT_TASKS; i++)
		ids[n++] = gsched_spawn_ex(gt_small, (void *)(long)i, &j);
	for (i = 0; i < GT_PINGS; i++) {
		v = i;
		if (gsched_chan_send(c[0], &v) ||
		    gsched_chan_recv(c[1], &v) != 1 || v != (uint64_t)i)
			fails++;
	}
	gsched_chan_close(c[0]);
	for (i = 0; i < n; i++)
		if (ids[i] < 0 || gsched_join(ids[i], &r) || r)
			fails++;
	gsched_chan_release(c[0]);
	gsched_chan_release(c[1]);
	if (atomic_load(&gt_sum) != (long)GT_TASKS * (GT_TASKS - 1) / 2)
		fails++;
	return fails || atomic_load(&gt_fail);
}

/*
 * After the run: every task ended, every worker left, so the counters
 * are final. The instance is still there, held by gt_keep.
 */
static int wl_gtrace(void)
{
	static const char *const files[] = { GTRACE_SYSFS, "switches" };
	struct gsched_opts o = { .nprocs = 2 };
	long ev = -1;
	unsigned int i;
	int ret;

	if (pipe(gt_pipe))
		return 1;
	ret = gsched_run_opts(&o, wl_gtrace_main, NULL, &ev);
	printf("gtrace workload: %s\n", !ret && !ev ? "ok" : "FAILED");
	if (gt_keep >= 0) {
		printf("sysfs instance %d:", gt_inst);
		for (i = 0; i < ARRAY_SIZE(files); i++)
			printf(" %s %lld", files[i],
			       gs_sysfs_inst(gt_inst, files[i]));
		printf(" ;\n");
		close(gt_keep);
	}
	return ret || ev;
}

static int run_workload(const char *name)
{
	struct gsched_opts o = { .nprocs = 2 };
	long ev = -1;
	int ret;

	if (!strcmp(name, "gtrace"))
		return wl_gtrace();
	if (strcmp(name, "sync")) {
		fprintf(stderr, "obs_test: unknown workload '%s'\n", name);
		return 2;
	}
	ret = gsched_run_opts(&o, wl_sync_main, NULL, &ev);
	printf("sync workload: %s\n", !ret && !ev ? "ok" : "FAILED");
	return ret || ev;
}

/* Register the tests in source order (as TEST_HARNESS_MAIN does). */
static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--workload"))
		return run_workload(argv[2]);
	/* Without the module every test would fail the same way. */
	if (access(GSCHED_DEVICE, R_OK | W_OK))
		ksft_exit_skip("%s: %s (gsched module not loaded)\n",
			       GSCHED_DEVICE, strerror(errno));
	return gs_harness_main(argc, argv);
}
