// SPDX-License-Identifier: GPL-2.0
/*
 * gsched: sync words: Go's zero-value sync.Mutex and sync.WaitGroup in
 * the program's own memory, with the module as the authority for waiting.
 *
 * Why the program's memory
 * ------------------------
 * A Go sync.Mutex{} works without construction or destruction, and may be
 * embedded in any struct. That needs the state word to be exactly where
 * the program put it: a slot in a region mapped from /dev/gsched would
 * have to be allocated (construction) and given back (destruction), and a
 * zeroed struct would name no slot. So, like a futex, the word is a plain
 * __u32 (mutex) or __u64 (wait group) of the program's memory; the module
 * knows it only by its address, and keeps a wait queue for an address
 * only while somebody waits on it: the queue (a struct gsched_sync with
 * @winst set) is made on first contention and freed with its last
 * reference, so nothing is left to release.
 *
 * Who writes the word
 * -------------------
 * User space does only the cases that never wait, each one atomic
 * instruction: mutex lock CAS 0 -> LOCKED, unlock CAS LOCKED -> 0 (any
 * other value makes the CAS fail and the caller enter the module); wait
 * group add/done by CAS while no waiter needs waking. Everything else
 * enters the module, which reads and updates the word with a CAS under
 * the queue's lock (or, when no queue exists, under the table lock), with
 * page faults disabled since it holds a spinlock: on -EFAULT it drops its
 * locks, faults the page in writable (word_fixup()) and starts over, a
 * bounded number of times. The module sets WAITERS while its queue is not
 * empty and clears it when the queue empties; STARVING while it hands the
 * mutex directly from owner to waiter. The bits are hints that keep user
 * space's exact-value CAS failing; the queue and @starving are the truth,
 * and every operation in the module recomputes the bits from them, so a
 * stale bit (a fault while clearing it, a scribbling program) costs one
 * extra system call, never a lost wakeup.
 *
 * Why no wakeup is lost
 * ---------------------
 * The futex argument, on one word. A waiter and a releaser:
 *
 *   waiter (module, under q lock)        releaser (user space)
 *   (A) CAS w: LOCKED -> LOCKED|WAITERS  (B) CAS w: LOCKED -> 0
 *   queue itself, unlock, park           if that failed: enter the module,
 *                                        take q lock, wake the first waiter
 *
 * Both CASes are on the same word, and each is a full barrier (a locked
 * instruction), so one comes first: with x = "(A) saw the word unlocked"
 * and y = "(B) saw WAITERS", x == 0 && y == 0 is impossible. If (A)
 * comes first, (B) fails (it expected exactly LOCKED) and it enters
 * the module, where it takes the queue's lock and so runs after the
 * waiter has queued itself: it sees the waiter. If (B) comes first,
 * (A) fails, the waiter has the word's new value, finds it unlocked and
 * takes the lock instead of parking. A word that already has WAITERS
 * needs no (A): (B) fails on it all the same, and the releaser finds the
 * queue, which the waiter made before looking at the word. A wait group is the
 * same with the counter: the waiter sets WAITERS with a CAS that only
 * succeeds on a word whose counter is not 0, and a done that takes the
 * counter to 0 on a word with WAITERS must enter the module.
 *
 * One more interleaving needs the table lock. A releaser that enters the
 * module and finds no queue for the address updates the word under the
 * table lock; a waiter inserts its queue under that lock before its own
 * CAS. Either the releaser's update comes first (the waiter then reads
 * the unlocked word), or the releaser finds the queue and serialises on
 * its lock. Without that, a releaser that found no queue could clear a
 * stale WAITERS a waiter had just relied on.
 *
 * One word, one instance
 * ----------------------
 * Queues are per (instance, user address), like a private futex: two
 * instances that both use one word, through memory both map (MAP_SHARED,
 * a shared file mapping, memory inherited across fork), do not see each
 * other's queues. A waiter of instance A sets WAITERS in the word and
 * parks in A's queue; a releaser of instance B fails its CAS, enters the
 * module with its own instance, finds no queue for the address there,
 * and, under B's table lock, stores the word without WAITERS: A's waiter
 * is never woken (a lost wakeup, which A's deadlock check may then
 * report), and its WAITERS is gone. Nothing of the module is at risk (each
 * instance touches only its own queues and its own address space), but
 * the sync words are not for sharing between processes: use an exported
 * channel (gsched_chan_export()) for that. Shared keys, as futexes
 * have (the page and offset instead of the address), would be the way
 * to allow it.
 *
 * The word is hostile memory: it is read once per decision, no loop over
 * it is unbounded (WORD_CAS_TRIES, then -EAGAIN), its value never sizes
 * or indexes anything, and only the address space of the process that set
 * the instance up is ever touched (-EPERM for another's threads; nothing
 * at teardown from another context).
 *
 * Go's mutex modes live here, as in sync.c: in normal mode an unlock
 * clears LOCKED and wakes the first waiter, which competes again in the
 * module (gsched_word_retry(), queued again at the front when it loses);
 * a waiter that loses after more than 1 ms turns on starvation mode, in
 * which unlock hands the lock to the first waiter (the word stays LOCKED)
 * and STARVING keeps newcomers out.
 *
 * RWMutex words
 * -------------
 * A __u32: READERS (the read locks held, low 29 bits), WRITER, and two
 * bits the module owns, RWAIT (readers queued) and WWAIT (writers
 * queued); the queue's @q holds readers, @wq writers. Go counts readers
 * in readerCount and makes a writer wait for readerWait departures on a
 * semaphore; here the module's queues are that semaphore and the word
 * says only who holds the lock and whether anybody waits. User space:
 *
 *   RLock    CAS v -> v + 1, only with no WRITER, WWAIT, RWAIT
 *   RUnlock  CAS v -> v - 1, only with READERS, no WRITER, and READERS
 *            above 1 or neither WWAIT nor RWAIT (not the last reader
 *            out while somebody waits)
 *   Lock     CAS 0 -> WRITER
 *   Unlock   CAS WRITER -> 0
 *
 * and everything else enters the module. Writer preference: a writer
 * that must wait sets WWAIT, which fails every new reader's CAS; in the
 * module a reader also stays out while @wq is not empty. The readers in
 * keep leaving with their CAS until the last one, which must enter the
 * module, where it hands the lock to the first writer (WRITER set for
 * it, the writer woken once, already owning the lock: no retry). A
 * writer's unlock lets every waiting reader in at once (READERS set to
 * their number, all woken), else hands over to the next writer, else
 * clears the word. A writer that gives up (context, another case) while
 * it was the only one keeping queued readers out lets them in.
 *
 * The lost-wakeup argument is the mutex's, on the same single word:
 *
 *   writer (module, under q lock)        last reader (user space)
 *   (A) CAS w: 1 -> 1|WWAIT              (B) CAS w: 1 -> 0
 *   queue itself, unlock, park           if that failed: enter the module,
 *                                        take q lock, hand over
 *
 * (B) expects a word without WWAIT, so either it comes first and (A)
 * fails, rereads a word with no readers and takes the lock, or (A) comes
 * first and (B) fails, the reader enters the module and, behind the q
 * lock, finds the writer queued. The same holds between a waiting
 * reader's (A) (setting RWAIT on a word with WRITER) and the writer's
 * Unlock CAS WRITER -> 0, and between a waiting writer's (A) and
 * Unlock. Readers that leave while others remain change only READERS:
 * they cannot be the one that must wake, and their CAS fails and
 * rereads when a waiter's (A) came first. The table lock closes the
 * no-queue window as for the mutex.
 *
 * A hand-off claims waiters, and a claim cannot be undone, so the module
 * first probes the word with a CAS of its value with itself (a fault
 * then costs nothing), claims, and stores the new value. Should the page
 * go away between probe and store (another thread's munmap, NUMA
 * balancing), it drops the queue's lock, faults the page in and stores
 * again, with @handing set: module operations on the word meanwhile get
 * -EAGAIN (the library retries), so none of them decides on the stale
 * word; user space's CASes fail on it, as its waiter bits are still set.
 * A word that stays unwritable is left stale: the program's own doing,
 * like a scribbled one. READERS is trusted for nothing beyond the
 * program's own semantics: the module only adds the readers it woke to
 * the count it read (clamped), or drops it.
 */
#include "gsched.h"

#include <linux/hash.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "trace.h"

#define STARVATION_NS		NSEC_PER_MSEC
/* CASes on a word that keeps changing under us: then -EAGAIN */
#define WORD_CAS_TRIES		64
/* faults on the word fixed up per operation: then -EFAULT */
#define WORD_FAULT_TRIES	3

#define M_LOCKED	GSCHED_MUTEX_LOCKED
#define M_WAITERS	GSCHED_MUTEX_WAITERS
#define M_STARVING	GSCHED_MUTEX_STARVING
#define WG_WAITERS	GSCHED_WG_WAITERS
#define WG_WAKING	GSCHED_WG_WAKING

static unsigned int gsched_max_words = 4096;
module_param_named(max_words, gsched_max_words, uint, 0644);
MODULE_PARM_DESC(max_words,
		 "Sync words with waiters per instance (default 4096)");

/*
 * Access to a word without sleeping, for callers that hold a spinlock:
 * -EFAULT when the page is not present or not writable.
 * word_cas*(): 0 when swapped; 1 when not, with *old the word's value.
 */
static int word_read32(u64 addr, u32 *val)
{
	u32 __user *p = u64_to_user_ptr(addr);
	int ret;

	pagefault_disable();
	ret = __get_user(*val, p);
	pagefault_enable();
	return ret;
}

static int word_read64(u64 addr, u64 *val)
{
	u64 __user *p = u64_to_user_ptr(addr);
	int ret;

	pagefault_disable();
	ret = __get_user(*val, p);
	pagefault_enable();
	return ret;
}

static int word_cas32(u64 addr, u32 *old, u32 new)
{
	u32 __user *p = u64_to_user_ptr(addr);
	int ret;

	pagefault_disable();
	ret = __try_cmpxchg_user(p, old, new, efault);
	pagefault_enable();
	return ret;
}

static int word_cas64(u64 addr, u64 *old, u64 new)
{
	u64 __user *p = u64_to_user_ptr(addr);
	int ret;

	pagefault_disable();
	ret = __try_cmpxchg_user(p, old, new, efault);
	pagefault_enable();
	return ret;
}

/* Fault the word's page in, writable. Process context, no lock held. */
static int word_fixup(u64 addr)
{
	struct mm_struct *mm = current->mm;
	int ret;

	mmap_read_lock(mm);
	ret = fixup_user_fault(mm, addr, FAULT_FLAG_WRITE, NULL);
	mmap_read_unlock(mm);
	return ret ? -EFAULT : 0;
}

#define RW_READERS	GSCHED_RW_READERS
#define RW_RWAIT	GSCHED_RW_RWAIT
#define RW_WWAIT	GSCHED_RW_WWAIT
#define RW_WRITER	GSCHED_RW_WRITER

static u32 word_size(u32 kind)
{
	return kind == GSCHED_SYNC_WORD_WG ? 8 : 4;
}

/*
 * Make the word present and writable (a COW page copied) with a CAS of
 * its value with itself, page faults allowed: cheaper than word_fixup()
 * when the page is there, as it nearly always is. No lock held.
 */
static int word_touch(u64 addr, u32 kind)
{
	int r;

	if (kind == GSCHED_SYNC_WORD_WG) {
		u64 __user *p = u64_to_user_ptr(addr);
		u64 v;

		if (get_user(v, p))
			return -EFAULT;
		r = __try_cmpxchg_user(p, &v, v, efault64);
	} else {
		u32 __user *p = u64_to_user_ptr(addr);
		u32 v;

		if (get_user(v, p))
			return -EFAULT;
		r = __try_cmpxchg_user(p, &v, v, efault32);
	}
	return r < 0 ? r : 0;
}

/* Whether the caller may name words of @inst: its own address space. */
static bool word_mm_ok(struct gsched_inst *inst)
{
	return current->mm && current->mm == READ_ONCE(inst->mm);
}

/**
 * gsched_word_check() - validate a word address from user space
 * @inst: the instance
 * @addr: the address
 * @kind: GSCHED_SYNC_WORD_MUTEX, _WG or _RW
 *
 * Context: process context.
 * Return: 0; -EINVAL for NULL or misaligned; -EFAULT for an address
 * outside user space; -EPERM from a thread of another process.
 */
int gsched_word_check(struct gsched_inst *inst, u64 addr, u32 kind)
{
	u32 size = word_size(kind);

	if (!addr || (addr & (size - 1)))
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(addr), size))
		return -EFAULT;
	if (!word_mm_ok(inst))
		return -EPERM;
	return 0;
}

/* The queue of @addr, or NULL. */
static struct gsched_sync *wtab_find(struct gsched_wtab *tab, u64 addr)
{
	struct gsched_sync *s;

	lockdep_assert_held(&tab->lock);
	hash_for_each_possible(tab->tbl, s, wnode, addr)
		if (s->uaddr == addr)
			return s;
	return NULL;
}

/**
 * gsched_word_get() - the wait queue of a word, made if needed
 * @inst: the instance
 * @addr: the word, checked with gsched_word_check()
 * @kind: GSCHED_SYNC_WORD_MUTEX, _WG or _RW
 *
 * Faults the word in writable first, so that the wait that follows
 * rarely meets a fault under its locks.
 *
 * Context: process context, no lock held.
 * Return: the queue with a reference (gsched_sync_put() drops it);
 * ERR_PTR(-EFAULT), ERR_PTR(-ENOMEM), ERR_PTR(-EAGAIN) beyond max_words,
 * ERR_PTR(-EINVAL) when the word is waited on as the other kind.
 */
struct gsched_sync *gsched_word_get(struct gsched_inst *inst, u64 addr,
				    u32 kind)
{
	struct gsched_wtab *tab = &inst->wtab;
	struct gsched_sync *s, *fresh = NULL;

	if (word_touch(addr, kind))
		return ERR_PTR(-EFAULT);
	for (;;) {
		spin_lock(&tab->lock);
		s = wtab_find(tab, addr);
		if (s) {
			if (s->kind == kind)
				refcount_inc(&s->obj.ref);
			else
				s = ERR_PTR(-EINVAL);
			break;
		}
		if (tab->nr >= READ_ONCE(gsched_max_words)) {
			s = ERR_PTR(-EAGAIN);
			break;
		}
		if (fresh) {
			hash_add(tab->tbl, &fresh->wnode, addr);
			tab->nr++;
			s = fresh;
			fresh = NULL;
			break;
		}
		spin_unlock(&tab->lock);
		fresh = gsched_sync_alloc(kind);
		if (!fresh)
			return ERR_PTR(-ENOMEM);
		fresh->uaddr = addr;
		fresh->winst = inst;
	}
	spin_unlock(&tab->lock);
	kfree(fresh);	/* never published */
	return s;
}

/**
 * gsched_word_put() - drop a reference to a word's queue
 * @s: the queue; freed, and out of the table, with its last reference
 *
 * Context: no spinlock of the module held.
 */
void gsched_word_put(struct gsched_sync *s)
{
	struct gsched_wtab *tab = &s->winst->wtab;

	/* refcount_dec_and_lock(), spelled out so that sparse follows it */
	if (refcount_dec_not_one(&s->obj.ref))
		return;
	spin_lock(&tab->lock);
	if (!refcount_dec_and_test(&s->obj.ref)) {
		spin_unlock(&tab->lock);
		return;
	}
	hash_del(&s->wnode);
	tab->nr--;
	spin_unlock(&tab->lock);
	WARN_ON_ONCE(!list_empty(&s->q));
	kfree(s);
}

/* Claim the first waiter of @q, a queue of @s, for @result into @woken. */
static bool word_claim_q(struct gsched_inst *self, struct gsched_sync *s,
			 struct list_head *q, s64 result,
			 struct list_head *woken)
{
	struct gsched_waiter *wt = gsched_dequeue_claim(q, &s->lock);

	if (!wt)
		return false;
	wt->wait->fired = wt->idx;
	wt->wait->result = result;
	wt->ok = true;
	gsched_wake_pin(self, wt->wait->task);
	list_add_tail(&wt->node, woken);
	return true;
}

static bool word_claim(struct gsched_inst *self, struct gsched_sync *s,
		       s64 result, struct list_head *woken)
{
	return word_claim_q(self, s, &s->q, result, woken);
}

static void word_wake_all(struct gsched_worker *w, struct gsched_inst *self,
			  struct list_head *woken)
{
	struct gsched_waiter *wt, *tmp;

	/* each waiter is freed by its task once woken: read next first */
	list_for_each_entry_safe(wt, tmp, woken, node) {
		list_del_init(&wt->node);
		gsched_wake_unpin(w, self, wt->wait->task);
	}
}

/*
 * The WAITERS and STARVING bits the module's state asks for (none without
 * a queue). @woken_one: the first waiter is about to be woken and leaves
 * the queue.
 */
static u32 mutex_bits(struct gsched_sync *s, bool woken_one)
{
	u32 v = 0;

	if (!s)
		return 0;
	if (woken_one ? !list_is_singular(&s->q) : !list_empty(&s->q))
		v |= M_WAITERS;
	if (s->starving)
		v |= M_STARVING;
	return v;
}

/*
 * Unlock, under @s's lock, or under the table lock when @s is NULL (no
 * queue). Returns -EFAULT with nothing changed, so the caller may fix the
 * fault and start over.
 */
static long mutex_unlock_locked(struct gsched_inst *self, struct gsched_sync *s,
				u64 addr, struct list_head *woken, u64 *value)
{
	struct gsched_waiter *wt = NULL;
	bool wake = false;
	u32 old, new;
	int i, r;

	r = word_read32(addr, &old);
	if (r)
		return r;
	if (!(old & M_LOCKED))
		return -EPERM;
	if (s && s->starving) {
		/* hand the lock straight to the first waiter */
		wt = gsched_dequeue_claim(&s->q, &s->lock);
		if (!wt || list_empty(&s->q) ||
		    ktime_get_ns() - wt->wait->since < STARVATION_NS)
			s->starving = false;
	} else if (s && !s->woken && !list_empty(&s->q)) {
		wake = true;
	}
	new = (wt ? M_LOCKED : 0) | mutex_bits(s, wake);
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		r = word_cas32(addr, &old, new);
		if (r <= 0)
			break;
		if (!wt && !(old & M_LOCKED))
			return -EPERM;	/* unlocked meanwhile: misuse */
	}
	if (wt) {
		/*
		 * The waiter owns the lock now, whatever became of the
		 * word: a fault or a scribbler leaves at worst stale bits
		 * (LOCKED is still set, as the hand-off wants).
		 */
		wt->wait->fired = wt->idx;
		wt->wait->result = 0;
		wt->ok = true;
		gsched_wake_pin(self, wt->wait->task);
		list_add_tail(&wt->node, woken);
		trace_gsched_mutex(self->id, 0, 1, 1);
		*value = new;
		return 0;
	}
	if (r)
		return r < 0 ? r : -EAGAIN;
	if (wake && word_claim(self, s, GSCHED_RES_RETRY, woken))
		s->woken = true;
	*value = new;
	return 0;
}

static long mutex_trylock_locked(struct gsched_sync *s, u64 addr, u64 *value)
{
	u32 old, new = 0;
	int i, r;

	r = word_read32(addr, &old);
	if (r)
		return r;
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		if ((old & M_LOCKED) ||
		    (s && s->starving && !list_empty(&s->q)))
			return -EBUSY;
		new = M_LOCKED | mutex_bits(s, false);
		r = word_cas32(addr, &old, new);
		if (r <= 0)
			break;
	}
	if (r)
		return r < 0 ? r : -EAGAIN;
	*value = new;
	return 0;
}

static long wg_add_locked(struct gsched_inst *self, struct gsched_sync *s,
			  u64 addr, s64 delta, struct list_head *woken,
			  u64 *value)
{
	bool zero_waiters = false;
	u64 old, new = 0;
	s64 v;
	int i, r;

	r = word_read64(addr, &old);
	if (r)
		return r;
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		u32 count = old >> GSCHED_WG_SHIFT;

		if (check_add_overflow((s64)count, delta, &v) || v < 0 ||
		    v > S32_MAX)
			return -ERANGE;
		if (delta > 0 && !count && s && s->waking)
			return -EBUSY;
		zero_waiters = !v && s && !list_empty(&s->q);
		new = (u64)v << GSCHED_WG_SHIFT;
		if (v && s && !list_empty(&s->q))
			new |= WG_WAITERS;
		if (zero_waiters || (s && s->waking))
			new |= WG_WAKING;
		r = word_cas64(addr, &old, new);
		if (r <= 0)
			break;
	}
	if (r)
		return r < 0 ? r : -EAGAIN;
	/* the counter reached zero: every waiter goes */
	if (zero_waiters)
		while (word_claim(self, s, 0, woken))
			s->waking++;
	*value = new;
	return 0;
}

/*
 * RWMutex words. The RWAIT and WWAIT bits @s's queues ask for (none
 * without a queue).
 */
static u32 rw_bits(struct gsched_sync *s)
{
	u32 v = 0;

	if (!s)
		return 0;
	if (!list_empty(&s->q))
		v |= RW_RWAIT;
	if (!list_empty(&s->wq))
		v |= RW_WWAIT;
	return v;
}

/*
 * Whether @old lets a reader (@rd) or a writer in now, with @s's queues as
 * the truth about waiters (a waiting writer keeps new readers out): 0 and
 * *new the word with the lock taken; -EBUSY; -EAGAIN when READERS is at
 * its maximum. Under @s's lock, or the table lock when @s is NULL.
 */
static int rw_take(struct gsched_sync *s, bool rd, u32 old, u32 *new)
{
	bool busy = s && (s->handing || !list_empty(&s->wq));

	if (rd) {
		if ((old & RW_WRITER) || busy)
			return -EBUSY;
		if ((old & RW_READERS) == RW_READERS)
			return -EAGAIN;
		*new = ((old & RW_READERS) + 1) | rw_bits(s);
		return 0;
	}
	if ((old & (RW_WRITER | RW_READERS)) || busy)
		return -EBUSY;
	*new = RW_WRITER | rw_bits(s);
	return 0;
}

/* Store the word a hand-off decided on, from @old. 0, 1 churn, < 0 fault. */
static int rw_store(struct gsched_sync *s, u64 addr, u32 *old, bool keep,
		    u32 n, bool writer, u32 *new)
{
	int i, r = 1;

	for (i = 0; i < WORD_CAS_TRIES; i++) {
		u32 count = keep ? *old & RW_READERS : 0;

		count = min_t(u32, count + n, RW_READERS);
		*new = (writer ? RW_WRITER : count) | rw_bits(s);
		r = word_cas32(addr, old, *new);
		if (r <= 0)
			break;
	}
	return r;
}

/*
 * Hand an rwmutex word's lock on, under @s's lock, from @old as last read:
 * to the first waiting writer, else every waiting reader (@writer_first),
 * or the other way round; @keep: the readers in the word keep their read
 * locks (else the word's count is dropped: the caller was the last reader
 * or the writer). The word is probed for writing before anybody is
 * claimed: 1 when it changed meanwhile (*@old is its value: decide again),
 * -EFAULT with nothing done. Once waiters are claimed they own the lock,
 * so a fault on the store is fixed up with @s's lock dropped and the store
 * done again, @s->handing keeping the module's takers out meanwhile (user
 * space's are kept out by the WAITERS bits still in the word). Only a word
 * that stays unwritable is left stale: that program's own doing.
 *
 * Context: @s's lock held; it may be dropped and taken again.
 * Return: 0, 1 or -EFAULT.
 */
static int rw_handoff(struct gsched_inst *self, struct gsched_sync *s,
		      u64 addr, u32 *old, bool writer_first, bool keep,
		      struct list_head *woken, u64 *value)
{
	bool writer = false;
	u32 n = 0, new = 0;
	int r, tries;

	r = word_cas32(addr, old, *old);
	if (r)
		return r;
	if (writer_first)
		writer = word_claim_q(self, s, &s->wq, 0, woken);
	if (!writer)
		while (word_claim_q(self, s, &s->q, 0, woken))
			n++;
	if (!writer_first && !n)
		writer = word_claim_q(self, s, &s->wq, 0, woken);
	for (tries = 0; ; tries++) {
		r = rw_store(s, addr, old, keep, n, writer, &new);
		if (r >= 0 || tries >= WORD_FAULT_TRIES)
			break;
		s->handing = true;
		spin_unlock(&s->lock);
		r = word_fixup(addr);
		spin_lock(&s->lock);
		s->handing = false;
		if (r || word_read32(addr, old))
			break;
	}
	*value = new;
	return 0;
}

static long rw_runlock_locked(struct gsched_inst *self, struct gsched_sync *s,
			      u64 addr, struct list_head *woken, u64 *value)
{
	u32 old, new, n;
	int i, r;

	if (s && s->handing)
		return -EAGAIN;	/* see rw_handoff() */
	r = word_read32(addr, &old);
	if (r)
		return r;
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		n = old & RW_READERS;
		if (!n)
			return -EPERM;
		/*
		 * The last reader out lets the waiting writer in (or
		 * readers queued behind a writer that has given up).
		 */
		if (n == 1 && s && !(old & RW_WRITER) &&
		    (!list_empty(&s->wq) || !list_empty(&s->q))) {
			r = rw_handoff(self, s, addr, &old, true, false, woken,
				       value);
			if (r <= 0)
				return r;
			continue;
		}
		new = (n - 1) | (old & RW_WRITER) | rw_bits(s);
		r = word_cas32(addr, &old, new);
		if (r < 0)
			return r;
		if (!r) {
			*value = new;
			return 0;
		}
	}
	return -EAGAIN;
}

static long rw_unlock_locked(struct gsched_inst *self, struct gsched_sync *s,
			     u64 addr, struct list_head *woken, u64 *value)
{
	u32 old, new;
	int i, r;

	if (s && s->handing)
		return -EAGAIN;	/* see rw_handoff() */
	r = word_read32(addr, &old);
	if (r)
		return r;
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		if (!(old & RW_WRITER))
			return -EPERM;
		/* every waiting reader gets in; else the next writer */
		if (s) {
			r = rw_handoff(self, s, addr, &old, false, false, woken,
				       value);
			if (r <= 0)
				return r;
			continue;
		}
		new = 0;
		r = word_cas32(addr, &old, new);
		if (r < 0)
			return r;
		if (!r) {
			*value = new;
			return 0;
		}
	}
	return -EAGAIN;
}

static long rw_trylock_locked(struct gsched_sync *s, u64 addr, bool rd,
			      u64 *value)
{
	u32 old, new;
	int i, r;

	r = word_read32(addr, &old);
	if (r)
		return r;
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		r = rw_take(s, rd, old, &new);
		if (r)
			return r;
		r = word_cas32(addr, &old, new);
		if (r < 0)
			return r;
		if (!r) {
			*value = new;
			return 0;
		}
	}
	return -EAGAIN;
}

/*
 * Pass 1 of an rwmutex word case: take the lock, or announce the waiter
 * ((A) of the argument at the top). Return as gsched_word_try().
 */
static bool rw_try(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;
	bool rd = c->kind == GSCHED_SEL_RLOCK_WORD;
	u32 old, new;
	int i, r, t;

	/* a hand-off's store is pending (rw_handoff()): come back */
	r = s->handing ? -EAGAIN : word_read32(s->uaddr, &old);
	for (i = 0; !r && i < WORD_CAS_TRIES; i++) {
		t = rw_take(s, rd, old, &new);
		if (t == -EAGAIN)
			break;
		if (!t) {
			r = word_cas32(s->uaddr, &old, new);
			if (!r)
				return true;
		} else {
			new = old | (rd ? RW_RWAIT : RW_WWAIT) | rw_bits(s);
			if (new == old)
				return false;
			r = word_cas32(s->uaddr, &old, new);
			if (!r)
				return false;
		}
		if (r > 0)
			r = 0;	/* another value: decide again */
	}
	/* too many readers, a fault, or a word that would not hold still */
	c->wait->result = -EAGAIN;
	return true;
}

/*
 * An rwmutex word waiter left its queue without being woken, under @s's
 * lock: a writer that was all that kept queued readers out lets them in
 * (as the handle rwmutex and the kernel's rwsem do); else the bits
 * follow the queues.
 */
static void rw_unqueued(struct gsched_inst *self, struct gsched_sync *s,
			struct list_head *woken)
{
	u64 value;
	u32 old;
	int i, r;

	if (s->handing || word_read32(s->uaddr, &old))
		return;	/* a pending hand-off recomputes the bits */
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		if (!(old & RW_WRITER) &&
		    list_empty(&s->wq) && !list_empty(&s->q)) {
			r = rw_handoff(self, s, s->uaddr, &old, false, true,
				       woken, &value);
			if (r <= 0)
				return;
			continue;
		}
		if ((old & (RW_RWAIT | RW_WWAIT)) == rw_bits(s) ||
		    word_cas32(s->uaddr, &old,
			       (old & ~(RW_RWAIT | RW_WWAIT)) | rw_bits(s)) <= 0)
			return;
	}
}

/**
 * gsched_word_try() - pass 1 of a wait for a word case
 * @c: a GSCHED_SEL_LOCK_WORD or GSCHED_SEL_WGWAIT_WORD case; its queue's
 *     lock is held
 *
 * Takes a free mutex, or finds a wait group at zero; otherwise sets
 * WAITERS in the word (the waiter half of the argument at the top: the
 * lock stays held until pass 2 has queued the waiter). When the word
 * cannot be accessed without a fault, or keeps changing, the case
 * completes now with -EAGAIN and nothing done: libgsched starts the
 * operation over, faulting the word in on the way.
 *
 * Context: the queue's lock held.
 * Return: true when the case completed.
 */
bool gsched_word_try(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;
	u64 addr = s->uaddr;
	int i, r;

	lockdep_assert_held(&s->lock);
	if (c->kind == GSCHED_SEL_RLOCK_WORD || c->kind == GSCHED_SEL_WLOCK_WORD)
		return rw_try(c);
	if (c->kind == GSCHED_SEL_LOCK_WORD) {
		u32 old, new;

		/* (A) of the argument at the top: take it, or set WAITERS */
		/* r: 0 read, 1 the CAS found another value, < 0 a fault */
		r = word_read32(addr, &old);
		for (i = 0; r >= 0 && i < WORD_CAS_TRIES; i++) {
			if (!(old & M_LOCKED) &&
			    !(s->starving && !list_empty(&s->q))) {
				new = M_LOCKED | mutex_bits(s, false);
				r = word_cas32(addr, &old, new);
				if (!r)
					return true;
				continue;
			}
			new = old | M_WAITERS | (s->starving ? M_STARVING : 0);
			if (new == old)
				return false;
			r = word_cas32(addr, &old, new);
			if (!r)
				return false;
		}
	} else {
		u64 old;

		/* (A) for a wait group: WAITERS only on a non-zero counter */
		r = word_read64(addr, &old);
		for (i = 0; r >= 0 && i < WORD_CAS_TRIES; i++) {
			if (!(old >> GSCHED_WG_SHIFT))
				return true;
			if (old & WG_WAITERS)
				return false;
			r = word_cas64(addr, &old, old | WG_WAITERS);
			if (!r)
				return false;
		}
	}
	/* a fault, or a word that would not hold still */
	c->wait->result = -EAGAIN;
	return true;
}

/**
 * gsched_word_unqueue() - take a word waiter off its queue
 * @c: the waiter, queued or already dequeued by a waker
 * @self: the waiter's instance
 *
 * A waiter that leaves without being woken (its context ended, another
 * case fired, its instance is going away) may leave the queue empty:
 * then the word's WAITERS (and a mutex's STARVING) are cleared, in the
 * owning process only. A fault leaves them set: stale bits cost the next
 * user one system call, nothing else. An rwmutex writer that leaves may
 * let the queued readers in (rw_unqueued()).
 *
 * Context: process context, no lock held.
 */
void gsched_word_unqueue(struct gsched_waiter *c, struct gsched_inst *self)
{
	struct gsched_sync *s = c->sync;
	LIST_HEAD(woken);
	bool was_queued;
	int i;

	spin_lock(&s->lock);
	was_queued = !list_empty(&c->node);
	list_del_init(&c->node);
	if (was_queued && s->kind == GSCHED_SYNC_WORD_RW) {
		if (word_mm_ok(s->winst))
			rw_unqueued(self, s, &woken);
		spin_unlock(&s->lock);
		word_wake_all(NULL, self, &woken);
		return;
	}
	if (!was_queued || !list_empty(&s->q))
		goto out;
	if (s->kind == GSCHED_SYNC_WORD_MUTEX) {
		u32 old;

		s->starving = false;
		if (!word_mm_ok(s->winst) || word_read32(s->uaddr, &old))
			goto out;
		for (i = 0; i < WORD_CAS_TRIES; i++)
			if (!(old & (M_WAITERS | M_STARVING)) ||
			    word_cas32(s->uaddr, &old,
				       old & ~(M_WAITERS | M_STARVING)) <= 0)
				break;
	} else {
		u64 old;

		if (!word_mm_ok(s->winst) || word_read64(s->uaddr, &old))
			goto out;
		for (i = 0; i < WORD_CAS_TRIES; i++)
			if (!(old & WG_WAITERS) ||
			    word_cas64(s->uaddr, &old, old & ~WG_WAITERS) <= 0)
				break;
	}
out:
	spin_unlock(&s->lock);
}

/**
 * gsched_word_retry() - a mutex word waiter woken in normal mode competes
 * @c: its GSCHED_SEL_LOCK_WORD case, off the queue
 *
 * Context: the worker resuming the task, in its address space; no lock
 * held.
 * Return: true when it got the lock; false when it lost (the mutex may
 * have entered starvation mode) and must wait again at the front.
 */
bool gsched_word_retry(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;
	bool got = false;
	u32 old, new;
	int i, r;

	spin_lock(&s->lock);
	s->woken = false;
	if (word_read32(s->uaddr, &old))
		goto out;	/* lost; the rerun meets the fault again */
	for (i = 0; i < WORD_CAS_TRIES; i++) {
		if (!(old & M_LOCKED)) {
			new = M_LOCKED | mutex_bits(s, false);
			r = word_cas32(s->uaddr, &old, new);
			got = !r;
			if (r <= 0)
				break;
			continue;
		}
		if (ktime_get_ns() - c->wait->since <= STARVATION_NS)
			break;
		/* keep newcomers out from now on: hand-off mode */
		s->starving = true;
		new = old | M_WAITERS | M_STARVING;
		if (new == old || word_cas32(s->uaddr, &old, new) <= 0)
			break;
	}
out:
	spin_unlock(&s->lock);
	return got;
}

/**
 * gsched_word_resumed() - a woken wait group word waiter has returned
 * @c: its GSCHED_SEL_WGWAIT_WORD case
 *
 * The last one out clears WAKING: the group may be reused.
 *
 * Context: the worker resuming the task, in its address space; no lock
 * held.
 */
void gsched_word_resumed(struct gsched_waiter *c)
{
	struct gsched_sync *s = c->sync;
	u64 old;
	int i;

	spin_lock(&s->lock);
	if (!WARN_ON_ONCE(!s->waking) && !--s->waking &&
	    word_mm_ok(s->winst) && !word_read64(s->uaddr, &old)) {
		for (i = 0; i < WORD_CAS_TRIES; i++)
			if (!(old & WG_WAKING) ||
			    word_cas64(s->uaddr, &old, old & ~WG_WAKING) <= 0)
				break;
	}
	spin_unlock(&s->lock);
}

/*
 * One non-blocking word operation: under the queue's lock when the word
 * has one, else under the table lock (see the top of the file); a fault
 * is fixed up with no lock held and the operation started over.
 */
static long word_op(struct gsched_worker *w, struct gsched_inst *inst,
		    struct gsched_word_op *op, u32 kind)
{
	struct gsched_wtab *tab = &inst->wtab;
	struct gsched_sync *s;
	LIST_HEAD(woken);
	long ret;
	int tries;

	for (tries = 0; ; tries++) {
		spin_lock(&tab->lock);
		s = wtab_find(tab, op->addr);
		if (s && s->kind != kind) {
			spin_unlock(&tab->lock);
			return -EINVAL;
		}
		if (s) {
			refcount_inc(&s->obj.ref);
			spin_unlock(&tab->lock);
			spin_lock(&s->lock);
		}
		switch (op->op) {
		case GSCHED_WORD_UNLOCK:
			ret = mutex_unlock_locked(inst, s, op->addr, &woken,
						  &op->value);
			break;
		case GSCHED_WORD_TRYLOCK:
			ret = mutex_trylock_locked(s, op->addr, &op->value);
			break;
		case GSCHED_WORD_RUNLOCK:
			ret = rw_runlock_locked(inst, s, op->addr, &woken,
						&op->value);
			break;
		case GSCHED_WORD_RWUNLOCK:
			ret = rw_unlock_locked(inst, s, op->addr, &woken,
					       &op->value);
			break;
		case GSCHED_WORD_RTRYLOCK:
		case GSCHED_WORD_RWTRYLOCK:
			ret = rw_trylock_locked(s, op->addr,
						op->op == GSCHED_WORD_RTRYLOCK,
						&op->value);
			break;
		default:
			ret = wg_add_locked(inst, s, op->addr, op->arg, &woken,
					    &op->value);
			break;
		}
		if (s) {
			spin_unlock(&s->lock);
			word_wake_all(w, inst, &woken);
			gsched_word_put(s);
		} else {
			spin_unlock(&tab->lock);
		}
		if (ret != -EFAULT || tries >= WORD_FAULT_TRIES)
			return ret;
		ret = word_fixup(op->addr);
		if (ret)
			return ret;
	}
}

/**
 * gsched_word_unlock() - unlock a mutex word for a cond wait that queued
 * @w: the worker
 * @addr: the mutex word, checked
 *
 * Context: process context, no lock held.
 * Return: 0 or a negative errno as GSCHED_WORD_UNLOCK; the caller makes it
 * the wait's result (wait.c, cond_word_unlock()).
 */
long gsched_word_unlock(struct gsched_worker *w, u64 addr)
{
	struct gsched_word_op op = { .op = GSCHED_WORD_UNLOCK, .addr = addr };
	long ret;
	int i;

	/* -EAGAIN (a word that kept changing) is retried: the caller can't */
	for (i = 0; i < WORD_FAULT_TRIES; i++) {
		ret = word_op(w, w->inst, &op, GSCHED_SYNC_WORD_MUTEX);
		if (ret != -EAGAIN)
			break;
	}
	return ret;
}

/**
 * gsched_word_locked() - whether a mutex word is locked now
 * @addr: the mutex word, checked
 *
 * Context: process context, no lock held.
 * Return: 1 locked, 0 unlocked, -EFAULT.
 */
int gsched_word_locked(u64 addr)
{
	u32 v;

	if (get_user(v, (u32 __user *)u64_to_user_ptr(addr)))
		return -EFAULT;
	return !!(v & M_LOCKED);
}

/**
 * gsched_word_ioc() - GSCHED_IOC_WORD
 * @inst: the instance
 * @op: the request, flags and reserved fields checked
 *
 * Context: process context.
 * Return: 0 or a negative errno (see struct gsched_word_op).
 */
long gsched_word_ioc(struct gsched_inst *inst, struct gsched_word_op *op)
{
	struct gsched_worker *w = NULL;
	u32 kind;
	long err;

	if (op->op < GSCHED_WORD_UNLOCK || op->op > GSCHED_WORD_OP_MAX)
		return -EINVAL;
	if (op->arg && op->op != GSCHED_WORD_ADD)
		return -EINVAL;
	if (op->op == GSCHED_WORD_ADD)
		kind = GSCHED_SYNC_WORD_WG;
	else if (op->op >= GSCHED_WORD_RUNLOCK)
		kind = GSCHED_SYNC_WORD_RW;
	else
		kind = GSCHED_SYNC_WORD_MUTEX;
	err = gsched_word_check(inst, op->addr, kind);
	if (err)
		return err;
	if (op->worker != GSCHED_NO_WORKER) {
		w = gsched_worker_get(inst, op->worker);
		if (IS_ERR(w))
			return PTR_ERR(w);
	}
	return word_op(w, inst, op, kind);
}

/**
 * gsched_words_init() - an instance's empty word table
 * @inst: the instance being created
 *
 * Context: process context.
 */
void gsched_words_init(struct gsched_inst *inst)
{
	spin_lock_init(&inst->wtab.lock);
	hash_init(inst->wtab.tbl);
}

/**
 * gsched_words_destroy() - check that no word queue outlived the tasks
 * @inst: the instance, after every task's wait was dropped
 *
 * Context: process context.
 */
void gsched_words_destroy(struct gsched_inst *inst)
{
	WARN_ON_ONCE(inst->wtab.nr);
}
