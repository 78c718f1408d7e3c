// SPDX-License-Identifier: MIT
/*
 * workerpool: fan-out, fan-in. main queues jobs on a buffered channel,
 * a pool of worker tasks takes them, and the results come back on a
 * second channel. Closing the jobs channel tells the workers to stop.
 *
 *   workerpool [jobs] [workers]     (default 1000 jobs, 8 workers)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsched.h>

struct pool {
	gsched_chan_t jobs, results;
	long njobs, nworkers;
};

struct result {
	long job, value, worker;
};

static long worker(void *arg)
{
	struct pool *p = arg;
	struct result r = { .worker = gsched_self() };
	long job;

	while (gsched_chan_recv(p->jobs, &job) == 1) {
		r.job = job;
		r.value = job * job;
		if (gsched_chan_send(p->results, &r))
			return 1;
	}
	return 0;
}

static long main_task(void *arg)
{
	struct pool *p = arg;
	long i, sum = 0, want = 0;
	struct result r;

	if (gsched_chan_make(&p->jobs, sizeof(long), 64) ||
	    gsched_chan_make(&p->results, sizeof(struct result), 64))
		return 1;
	for (i = 0; i < p->nworkers; i++)
		if (gsched_spawn(worker, p) < 0)
			return 1;
	/* fan out from a feeder task so main can fan in at the same time */
	for (i = 0; i < p->njobs; i++) {
		struct gsched_select_case c[2] = {
			GSCHED_SEND(p->jobs, &i),
			GSCHED_RECV(p->results, &r),
		};
		int k = gsched_select(c, 2, 0, 0, NULL);

		if (k < 0)
			return 1;
		if (k == 1) {	/* a result came first: keep job i */
			sum += r.value;
			i--;
		}
	}
	gsched_chan_close(p->jobs);
	for (i = 0; i < p->njobs; i++)
		want += i * i;
	while (sum != want) {
		if (gsched_chan_recv(p->results, &r) != 1)
			return 1;
		sum += r.value;
	}
	printf("%ld jobs on %ld workers: sum of squares %ld (%s)\n", p->njobs,
	       p->nworkers, sum, sum == want ? "correct" : "WRONG");
	return sum != want;
}

int main(int argc, char **argv)
{
	struct pool p = {
		.njobs = argc > 1 ? atol(argv[1]) : 1000,
		.nworkers = argc > 2 ? atol(argv[2]) : 8,
	};
	long ret;
	int err = gsched_run(main_task, &p, &ret);

	if (err) {
		fprintf(stderr, "gsched_run: %s\n", strerror(-err));
		return 1;
	}
	return (int)ret;
}
