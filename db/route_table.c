/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The holder of the current routing index: wait-free acquire/release for
 * readers on any thread, swap and reclaim for one writer at a time.
 *
 * The current index lives in one of ROUTE_SLOTS slots. One 64-bit word
 * holds the current slot (top bits) and how many readers have acquired it
 * (low bits): acquiring is a single fetch-and-add on that word, so a reader
 * never loops and never waits. Releasing decrements the slot's own count.
 * A swap exchanges the word, which tells the writer exactly how many
 * readers ever took the old index; it adds that number to the old slot's
 * count, and whoever brings the count to zero (the writer now, or the last
 * reader later) retires the index. Readers only mark it dead: freeing
 * 100 MB is left to the writer's thread (swap or reclaim), so a worker
 * never pays for it. This is "split reference counting" (A. Williams, C++
 * Concurrency in Action, 7.2.4) with a slot number in place of a pointer. */
#include "config.h"

#include "db/route_index.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define ROUTE_SLOTS      64 /* slot 0 stands for "no index yet" */
#define ROUTE_SLOT_SHIFT 58
#define ROUTE_COUNT_MASK ((UINT64_C(1) << ROUTE_SLOT_SHIFT) - 1)

struct route_slot {
	_Alignas(64) struct route_index *_Atomic ix; /* NULL = free */
	_Atomic int64_t refs;                        /* <= 0 while current; readers left once swapped out */
	atomic_int dead;                             /* set by the reader that released it last */
};

struct route_table {
	_Alignas(64) _Atomic uint64_t word; /* slot << ROUTE_SLOT_SHIFT | acquires */
	_Alignas(64) pthread_mutex_t lock;  /* writers only */
	struct route_slot slots[ROUTE_SLOTS];
};

int route_table_new(struct route_table **out)
{
	struct route_table *t = NULL;

	*out = NULL;
	if (posix_memalign((void **)&t, 64, sizeof(*t)) != 0)
		return -ENOMEM;
	memset(t, 0, sizeof(*t));
	atomic_init(&t->word, 0);
	for (unsigned i = 0; i < ROUTE_SLOTS; i++) {
		atomic_init(&t->slots[i].ix, NULL);
		atomic_init(&t->slots[i].refs, 0);
		atomic_init(&t->slots[i].dead, 0);
	}
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

static void route_slot_clear(struct route_slot *s)
{
	route_index_free(atomic_load_explicit(&s->ix, memory_order_relaxed));
	atomic_store_explicit(&s->refs, 0, memory_order_relaxed);
	atomic_store_explicit(&s->dead, 0, memory_order_relaxed);
	atomic_store_explicit(&s->ix, NULL, memory_order_relaxed);
}

/* Under the lock: free what the last readers marked dead. */
static int route_reclaim_locked(struct route_table *t)
{
	int n = 0;

	for (unsigned i = 1; i < ROUTE_SLOTS; i++) {
		struct route_slot *s = &t->slots[i];

		if (atomic_load_explicit(&s->dead, memory_order_acquire)) {
			route_slot_clear(s);
			n++;
		}
	}
	return n;
}

int route_table_reclaim(struct route_table *t)
{
	int n;

	pthread_mutex_lock(&t->lock);
	n = route_reclaim_locked(t);
	pthread_mutex_unlock(&t->lock);
	return n;
}

/* Under the lock: make slot i (0 = none) current and settle the old one. */
static void route_publish_locked(struct route_table *t, unsigned i)
{
	uint64_t old = atomic_exchange_explicit(&t->word, (uint64_t)i << ROUTE_SLOT_SHIFT, memory_order_acq_rel);
	unsigned j = (unsigned)(old >> ROUTE_SLOT_SHIFT);
	int64_t taken = (int64_t)(old & ROUTE_COUNT_MASK);
	struct route_slot *s = &t->slots[j];

	if (j == 0)
		return;
	/* refs was minus the releases so far; now it is the readers left. */
	if (atomic_fetch_add_explicit(&s->refs, taken, memory_order_acq_rel) + taken == 0)
		route_slot_clear(s);
}

int route_table_swap(struct route_table *t, struct route_index *ix)
{
	unsigned i;
	int rc = -EBUSY;

	pthread_mutex_lock(&t->lock);
	route_reclaim_locked(t);
	for (i = 1; i < ROUTE_SLOTS; i++)
		if (!atomic_load_explicit(&t->slots[i].ix, memory_order_relaxed))
			break;
	if (i < ROUTE_SLOTS) {
		atomic_store_explicit(&t->slots[i].refs, 0, memory_order_relaxed);
		atomic_store_explicit(&t->slots[i].dead, 0, memory_order_relaxed);
		atomic_store_explicit(&t->slots[i].ix, ix, memory_order_relaxed);
		route_publish_locked(t, i); /* its release orders the stores above */
		rc = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return rc;
}

void route_table_acquire(struct route_table *t, struct route_ref *ref)
{
	uint64_t w = atomic_fetch_add_explicit(&t->word, 1, memory_order_acquire);

	ref->slot = (unsigned)(w >> ROUTE_SLOT_SHIFT);
	ref->ix = ref->slot ? atomic_load_explicit(&t->slots[ref->slot].ix, memory_order_relaxed) : NULL;
}

void route_table_release(struct route_table *t, struct route_ref *ref)
{
	struct route_slot *s;

	if (ref->slot == 0 || ref->slot >= ROUTE_SLOTS)
		goto out;
	s = &t->slots[ref->slot];
	/* From 1 to 0 only after a swap (before it, refs stays <= 0). */
	if (atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1)
		atomic_store_explicit(&s->dead, 1, memory_order_release);
out:
	ref->ix = NULL;
	ref->slot = 0;
}

void route_table_free(struct route_table *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	route_publish_locked(t, 0);
	route_reclaim_locked(t);
	/* Every reader has released (the contract): nothing else is held. */
	for (unsigned i = 1; i < ROUTE_SLOTS; i++)
		if (atomic_load_explicit(&t->slots[i].ix, memory_order_relaxed))
			route_slot_clear(&t->slots[i]);
	pthread_mutex_unlock(&t->lock);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
