// SPDX-License-Identifier: MIT
/*
 * forkjoin: a skewed recursive fork-join (parallel sum of 0..n-1 with
 * uneven splits). All tasks are born on whichever worker splits them;
 * idle workers steal. Prints how the leaves spread over the workers and
 * the instance's scheduler counters from /sys/kernel/gsched.
 *
 *   forkjoin [n]        (default 20000000)
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsched.h>

#define LEAF 100000

struct range {
	long lo, hi;
};

static atomic_long leaves[GSCHED_MAX_PROCS];

static long sum(void *arg)
{
	struct gsched_spawn_attr joinable = { .flags = GSCHED_JOINABLE };
	struct range *r = arg, left, right;
	long s = 0, a, b, i, mid;
	int id;

	if (r->hi - r->lo <= LEAF) {
		for (i = r->lo; i < r->hi; i++)
			s += i;
		atomic_fetch_add(&leaves[gsched_worker()], 1);
		return s;
	}
	/* skewed: the left part gets a quarter */
	mid = r->lo + (r->hi - r->lo) / 4;
	left = (struct range){ r->lo, mid };
	right = (struct range){ mid, r->hi };
	id = gsched_spawn_ex(sum, &left, &joinable);
	if (id < 0)
		return -1;
	b = sum(&right);
	if (gsched_join(id, &a))
		return -1;
	return a + b;
}

static void show(int inst, const char *file)
{
	char path[128], buf[256] = "?";
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/gsched/instances/%d/%s",
		 inst, file);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			strcpy(buf, "?\n");
		fclose(f);
	}
	printf("  %-16s %s", file, buf);
}

static long main_task(void *arg)
{
	static const char *const files[] = { "gomaxprocs", "threads",
		"spawned", "exited", "switches", "steals", "global_moves",
		"syscalls" };
	struct range all = { 0, *(long *)arg };
	long s = sum(&all), want = all.hi * (all.hi - 1) / 2;
	int i;

	printf("sum(0..%ld) = %ld (%s)\n", all.hi - 1, s,
	       s == want ? "correct" : "WRONG");
	for (i = 0; i < gsched_nprocs(); i++)
		printf("  worker %d ran %ld leaves\n", i, atomic_load(&leaves[i]));
	printf("instance %d counters:\n", gsched_instance_id());
	for (i = 0; i < (int)(sizeof(files) / sizeof(files[0])); i++)
		show(gsched_instance_id(), files[i]);
	return s == want ? 0 : 1;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000000, ret;
	int err = gsched_run(main_task, &n, &ret);

	if (err) {
		fprintf(stderr, "gsched_run: %s\n", strerror(-err));
		return 1;
	}
	return (int)ret;
}
