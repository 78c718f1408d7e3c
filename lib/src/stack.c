// SPDX-License-Identifier: MIT
/*
 * libgsched task stacks: mmap'd, lazily committed, a PROT_NONE guard page
 * below, the task struct at the top. Stacks of the default size are cached
 * for reuse (their pages stay committed, so a reused stack costs no page
 * faults); others are unmapped on exit.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define GS_CACHE_MAX	4096

static pthread_mutex_t gs_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct gs_task *gs_cache;	/* singly linked through ->next */
static size_t gs_cache_len;
static size_t gs_cache_size;		/* map_len of cached stacks */

static size_t page_size(void)
{
	static size_t ps;

	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* Returns a zeroed task header on a fresh or cached stack, or NULL. */
struct gs_task *gs_stack_alloc(size_t stack_size)
{
	size_t ps = page_size();
	size_t len = ((stack_size + sizeof(struct gs_task) + ps - 1) & ~(ps - 1))
		     + ps;
	struct gs_task *t = NULL;
	char *map;

	pthread_mutex_lock(&gs_cache_lock);
	if (gs_cache && gs_cache_size == len) {
		t = gs_cache;
		gs_cache = t->next;
		gs_cache_len--;
	}
	pthread_mutex_unlock(&gs_cache_lock);
	if (t) {
		unsigned int vg = t->san.vg_stack_id;	/* still registered */

		map = t->map;
		*t = (struct gs_task){ .map = map, .map_len = len };
		t->san.vg_stack_id = vg;
		/* ASan: the frames of the task that exited on it never
		 * returned, and their redzones are still poisoned */
		gs_san_stack_reset(map + ps, (char *)t - (map + ps));
		return t;
	}

	map = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
		   -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	/* The guard page: an overflow faults (SIGSEGV) instead of writing
	 * into a neighbour. */
	if (mprotect(map, ps, PROT_NONE)) {
		munmap(map, len);
		return NULL;
	}
	t = (struct gs_task *)(map + len - sizeof(struct gs_task));
	t = (struct gs_task *)((uintptr_t)t & ~(uintptr_t)63);
	*t = (struct gs_task){ .map = map, .map_len = len };
	/* ASan: a stack unmapped at this address may have left shadow */
	gs_san_stack_reset(map + ps, (char *)t - (map + ps));
	gs_vg_stack_register(&t->san, map + ps, t);
	return t;
}

void gs_stack_free(struct gs_task *t)
{
	size_t def = page_size() + ((GSCHED_STACK_DEFAULT + sizeof(*t) +
				     page_size() - 1) & ~(page_size() - 1));

	pthread_mutex_lock(&gs_cache_lock);
	if (t->map_len == def && gs_cache_len < GS_CACHE_MAX) {
		gs_cache_size = def;
		t->next = gs_cache;
		gs_cache = t;
		gs_cache_len++;
		t = NULL;
	}
	pthread_mutex_unlock(&gs_cache_lock);
	if (t) {
		gs_vg_stack_deregister(&t->san);
		munmap(t->map, t->map_len);
	}
}

/* After fork: the lock may have been held by a thread that is gone. */
void gs_stack_atfork_child(void)
{
	pthread_mutex_init(&gs_cache_lock, NULL);
}

void gs_stack_cache_drain(void)
{
	struct gs_task *t, *next;

	pthread_mutex_lock(&gs_cache_lock);
	t = gs_cache;
	gs_cache = NULL;
	gs_cache_len = 0;
	pthread_mutex_unlock(&gs_cache_lock);
	for (; t; t = next) {
		next = t->next;
		gs_vg_stack_deregister(&t->san);
		munmap(t->map, t->map_len);
	}
}
