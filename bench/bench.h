/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by gsched_bench.c and pthread_bench.c (tools/bench):
 * clocks, memory snapshots, kernel context-switch counts and the fork-join
 * leaf, which bench/go/bench.go mirrors exactly.
 */
#ifndef GSCHED_BENCH_H
#define GSCHED_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* Fork-join: ranges of at most FJ_LEAF elements are leaves; the left
 * (spawned) part of a split gets a quarter, as in examples/forkjoin.c. */
#define FJ_LEAF		100000
#define FJ_MAX_CPUS	256

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Voluntary + involuntary kernel context switches of the whole process. */
static inline long ctxsw(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

/* A serial LCG chain: neither vectorisable nor reducible to a closed form,
 * so C and Go do the same work per element. */
static inline uint64_t fj_leaf(uint64_t lo, uint64_t hi)
{
	uint64_t x = lo, s = 0, i;

	for (i = lo; i < hi; i++) {
		x = x * 6364136223846793005ULL + i;
		s += x >> 33;
	}
	return s;
}

static inline uint64_t fj_split(uint64_t lo, uint64_t hi)
{
	return lo + (hi - lo) / 4;
}

/* "Key:   123 kB" from a /proc file, in kB; -1 when absent. */
static inline long proc_kb(const char *file, const char *key)
{
	size_t klen = strlen(key);
	char line[256];
	long v = -1;
	FILE *f;

	f = fopen(file, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

/*
 * Memory of the process (RSS) and of the kernel on its behalf (slab,
 * kernel stacks, page tables: system-wide, so run on a quiet machine).
 */
struct mem_snap {
	long rss_kb;
	long kern_kb;
};

static inline struct mem_snap mem_snap(void)
{
	struct mem_snap m;

	m.rss_kb = proc_kb("/proc/self/status", "VmRSS");
	m.kern_kb = proc_kb("/proc/meminfo", "Slab") +
		    proc_kb("/proc/meminfo", "KernelStack") +
		    proc_kb("/proc/meminfo", "PageTables");
	return m;
}

static inline void print_mem(const struct mem_snap *a,
			     const struct mem_snap *b, long n)
{
	double user = (b->rss_kb - a->rss_kb) * 1024.0 / n;
	double kern = (b->kern_kb - a->kern_kb) * 1024.0 / n;

	printf(" bytes_per_task=%.0f user_bytes_per_task=%.0f"
	       " kernel_bytes_per_task=%.0f", user + kern, user, kern);
}

static inline void print_leaves(const long *leaves, int n)
{
	int i;

	printf(" leaves=");
	for (i = 0; i < n; i++)
		printf("%s%ld", i ? "," : "", leaves[i]);
}

static inline long arg_long(int argc, char **argv, int i, long def)
{
	return argc > i ? atol(argv[i]) : def;
}

#endif
