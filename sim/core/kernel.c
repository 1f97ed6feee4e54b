/* kernel.c: the event queue and dispatch loop.
 *
 * The queue is an implicit 4-ary min-heap of 24-byte cy_event entries
 * ordered by (time, key), key = (sequence << 8) | kind.  Sequences are unique,
 * so the order is total and ties in time run first-in first-out.  Four
 * children rather than two halve the depth, hence the chain of dependent
 * loads on the way down; on PHOLD with 1024 pending events it measured a
 * few per cent faster than a binary heap.
 *
 * Two things keep the per-event cost low:
 *  - Fused pop-then-push.  While a handler runs, its event stays at the root
 *    (root_pending).  The first event the handler schedules replaces the root
 *    and sinks once; only if it schedules nothing is the root popped after
 *    the call.  Most handlers schedule exactly one follow-up, so most events
 *    cost one sift instead of two.
 *  - Bottom-up sifting (Floyd's trick for heapsort).  The hole left at the
 *    root moves down along the smallest child to a leaf (three comparisons
 *    per level, two of them independent), then the new entry rises from
 *    there.  A follow-up is usually later than most pending events, so it
 *    rises little; the textbook sift would also compare the new entry at
 *    every level on the way down.
 *
 * Token events live in a second, indexed heap (theap): each token knows the
 * position of its one pending event, every move within theap updates it, and
 * cy_kernel_token_at() moves the event in place (up or down) while
 * cy_kernel_token_cancel() removes it.  Why: a model that rescales many
 * channels per event (v2: a review rescales up to N-1 of them) used to push
 * one event per rescale and drop the superseded entry when it surfaced
 * (lazy cancellation), so the main heap filled with stale entries, each
 * costing a push and a pop.  In place, a rescale is one short sift in a heap
 * of at most n_tokens entries, which never grows (no allocation) and holds
 * no stale entries.  Plain events keep the main heap and its code unchanged;
 * dispatch takes the smaller of the two roots, and both heaps draw keys from
 * one sequence counter, so the order is still (time, key) overall, exactly
 * as with one heap.  The fused pop-then-push works per heap: the first event
 * scheduled into the dispatched event's heap replaces its root. */
#include "cysim/cy_kernel.h"

#include "cysim/cy_error.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { KIND_BITS = 8, ARITY = 4, ROOT_PLAIN = 1, ROOT_TOKEN = 2 };
#define NO_POS UINT32_MAX

_Static_assert(sizeof(cy_event) == 24, "cy_event must stay 24 bytes");
_Static_assert((int)CY_KERNEL_MAX_KINDS <= 1 << KIND_BITS,
               "kinds must fit the key's kind byte");

/* Times are never negative (t >= now >= 0, and push() turns -0.0 into +0.0),
 * and non-negative doubles order like their bit patterns read as unsigned
 * integers.  So (time, key) compares as one 128-bit unsigned integer: a
 * compare and a subtract-with-borrow, no floating-point compare and no
 * branch.  Branches matter here: the choice between two children is a coin
 * toss for the predictor. */
__extension__ typedef unsigned __int128 u128;

static inline u128 ev_rank(const cy_event *e) {
  uint64_t tb;
  memcpy(&tb, &e->time, sizeof tb);
  return ((u128)tb << 64) | e->key;
}

static inline int ev_less(const cy_event *a, const cy_event *b) {
  return ev_rank(a) < ev_rank(b);
}

/* Places e in the hole at index i, moving it towards the root. */
static inline void sift_up(cy_event *h, size_t i, cy_event e) {
  while (i > 0) {
    size_t p = (i - 1) / ARITY;
    if (!ev_less(&e, &h[p]))
      break;
    h[i] = h[p];
    i = p;
  }
  h[i] = e;
}

/* Fills the hole at the root of the n-entry heap h with e. */
static inline void fill_root(cy_event *h, size_t n, cy_event e) {
  size_t i = 0, c;
  while ((c = ARITY * i + 1) + ARITY <= n) {
    size_t a = c + ev_less(&h[c + 1], &h[c]);
    size_t b = c + 2 + ev_less(&h[c + 3], &h[c + 2]);
    size_t m = a ^ ((a ^ b) & -(size_t)ev_less(&h[b], &h[a]));
    h[i] = h[m];
    i = m;
  }
  if (c < n) {
    size_t m = c;
    for (size_t j = c + 1; j < n; j++)
      if (ev_less(&h[j], &h[m]))
        m = j;
    h[i] = h[m];
    i = m;
  }
  sift_up(h, i, e);
}

static inline void pop_root(cy_kernel *k) {
  size_t n = --k->size;
  if (n > 0)
    fill_root(k->heap, n, k->heap[n]);
}

static int grow(cy_kernel *k) {
  size_t cap = k->cap ? 2 * k->cap : 64;
  cy_event *h = realloc(k->heap, cap * sizeof *h);
  if (!h)
    return CY_ENOMEM;
  k->heap = h;
  k->cap = cap;
  return CY_OK;
}

static inline int push(cy_kernel *k, double t, uint64_t kind, uint32_t obj,
                       uint32_t arg) {
  assert(isfinite(t) && t >= k->now);
  /* t + 0.0 turns -0.0 into +0.0 so that equal times compare equal bitwise
   * too; harmless otherwise. */
  cy_event e = {t + 0.0, (k->seq++ << KIND_BITS) | kind, obj, arg};
  if (k->root_pending == ROOT_PLAIN) {
    k->root_pending = 0;
    fill_root(k->heap, k->size, e);
    return CY_OK;
  }
  if (k->size == k->cap && grow(k) != CY_OK)
    return CY_ENOMEM;
  sift_up(k->heap, k->size++, e);
  return CY_OK;
}

/* ---- the token heap: as above, plus each token's position ---- */

static inline void t_place(cy_kernel *k, size_t i, cy_event e) {
  k->theap[i] = e;
  k->tok[e.obj].pos = (uint32_t)i;
}

static inline void t_sift_up(cy_kernel *k, size_t i, cy_event e) {
  cy_event *h = k->theap;
  while (i > 0) {
    size_t p = (i - 1) / ARITY;
    if (!ev_less(&e, &h[p]))
      break;
    t_place(k, i, h[p]);
    i = p;
  }
  t_place(k, i, e);
}

/* Fills the hole at index i of the n-entry token heap with e: the hole sinks
 * along the smallest children to a leaf, then e rises from there (possibly
 * above i, so this is right whether e is later or earlier than the entry it
 * replaces, but t_fix() takes the short way up for earlier ones). */
static inline void t_fill(cy_kernel *k, size_t n, size_t i, cy_event e) {
  cy_event *h = k->theap;
  size_t c;
  while ((c = ARITY * i + 1) + ARITY <= n) {
    size_t a = c + ev_less(&h[c + 1], &h[c]);
    size_t b = c + 2 + ev_less(&h[c + 3], &h[c + 2]);
    size_t m = a ^ ((a ^ b) & -(size_t)ev_less(&h[b], &h[a]));
    t_place(k, i, h[m]);
    i = m;
  }
  if (c < n) {
    size_t m = c;
    for (size_t j = c + 1; j < n; j++)
      if (ev_less(&h[j], &h[m]))
        m = j;
    t_place(k, i, h[m]);
    i = m;
  }
  t_sift_up(k, i, e);
}

/* Puts e in place of the entry at index i of the n-entry token heap. */
static inline void t_fix(cy_kernel *k, size_t n, size_t i, cy_event e) {
  if (i > 0 && ev_less(&e, &k->theap[(i - 1) / ARITY]))
    t_sift_up(k, i, e);
  else
    t_fill(k, n, i, e);
}

/* Pops the token heap's root, whose token has already forgotten it. */
static inline void t_pop_root(cy_kernel *k) {
  size_t n = --k->tsize;
  if (n > 0)
    t_fill(k, n, 0, k->theap[n]);
}

static void tokens_clear(cy_kernel *k) {
  k->tsize = 0;
  for (uint32_t i = 0; i < k->n_tokens; i++) {
    k->tok[i].pos = NO_POS;
    k->tok[i].gen = 0;
  }
}

int cy_kernel_init(cy_kernel *k, size_t capacity, uint32_t n_tokens) {
  memset(k, 0, sizeof *k);
  if (capacity < 16)
    capacity = 16;
  size_t nt = n_tokens ? n_tokens : 1;
  k->heap = malloc(capacity * sizeof *k->heap);
  k->theap = malloc(nt * sizeof *k->theap);
  k->tok = malloc(nt * sizeof *k->tok);
  if (!k->heap || !k->theap || !k->tok) {
    free(k->heap);
    free(k->theap);
    free(k->tok);
    return CY_ENOMEM;
  }
  k->cap = capacity;
  k->n_tokens = n_tokens;
  tokens_clear(k);
  return CY_OK;
}

void cy_kernel_fini(cy_kernel *k) {
  free(k->heap);
  free(k->theap);
  free(k->tok);
  k->heap = k->theap = NULL;
  k->tok = NULL;
  k->size = k->cap = k->tsize = 0;
}

void cy_kernel_reset(cy_kernel *k) {
  k->size = 0;
  k->seq = 0;
  k->now = 0.0;
  k->processed = 0;
  k->stop = 0;
  k->root_pending = 0;
  /* Generations zeroed so that a run after reset sees the same stamps as a
   * run on a fresh kernel. */
  tokens_clear(k);
}

void cy_kernel_on(cy_kernel *k, unsigned kind, cy_handler_fn fn, void *ctx) {
  assert(kind < CY_KERNEL_MAX_KINDS);
  k->handlers[kind].fn = fn;
  k->handlers[kind].ctx = ctx;
}

int cy_kernel_at(cy_kernel *k, double t, unsigned kind, uint32_t obj,
                 uint32_t arg) {
  assert(kind < CY_KERNEL_MAX_KINDS);
  return push(k, t, kind, obj, arg);
}

int cy_kernel_after(cy_kernel *k, double dt, unsigned kind, uint32_t obj,
                    uint32_t arg) {
  assert(dt >= 0.0);
  assert(kind < CY_KERNEL_MAX_KINDS);
  return push(k, k->now + dt, kind, obj, arg);
}

/* Never fails: theap has room for every token's one event. */
int cy_kernel_token_at(cy_kernel *k, double t, unsigned kind, uint32_t token) {
  assert(kind < CY_KERNEL_MAX_KINDS);
  assert(token < k->n_tokens);
  assert(isfinite(t) && t >= k->now);
  uint32_t g = ++k->tok[token].gen;
  cy_event e = {t + 0.0, (k->seq++ << KIND_BITS) | kind, token, g};
  uint32_t i = k->tok[token].pos;
  if (i != NO_POS) {
    t_fix(k, k->tsize, i, e);
  } else if (k->root_pending == ROOT_TOKEN) {
    k->root_pending = 0;
    t_fill(k, k->tsize, 0, e);
  } else {
    assert(k->tsize < k->n_tokens);
    t_sift_up(k, k->tsize++, e);
  }
  return CY_OK;
}

void cy_kernel_token_cancel(cy_kernel *k, uint32_t token) {
  assert(token < k->n_tokens);
  k->tok[token].gen++; /* stamps as with lazy cancellation */
  uint32_t i = k->tok[token].pos;
  if (i == NO_POS)
    return;
  k->tok[token].pos = NO_POS;
  size_t n = --k->tsize;
  /* A dispatched token root (root_pending) has no position, so i is not 0
   * then and the last entry is not that root. */
  if (i < n)
    t_fix(k, n, i, k->theap[n]);
}

/* The heap whose root is next (ROOT_PLAIN or ROOT_TOKEN), or 0 if both are
 * empty. */
static inline int next_heap(const cy_kernel *k) {
  if (k->tsize == 0)
    return k->size ? ROOT_PLAIN : 0;
  if (k->size == 0 || ev_less(&k->theap[0], &k->heap[0]))
    return ROOT_TOKEN;
  return ROOT_PLAIN;
}

uint64_t cy_kernel_run(cy_kernel *k, double horizon) {
  uint64_t n = 0;
  int which;
  assert(!k->root_pending); /* not re-entrant */
  k->stop = 0;
  k->interrupted = 0;
  while ((which = next_heap(k)) != 0) {
    const cy_event *root = which == ROOT_PLAIN ? &k->heap[0] : &k->theap[0];
    if (!(root->time < horizon))
      break;
    unsigned kind = (unsigned)(root->key & 0xff);
    uint32_t obj = root->obj, arg = root->arg;
    assert(kind < CY_KERNEL_MAX_KINDS && k->handlers[kind].fn != NULL);
    if (which == ROOT_TOKEN)
      k->tok[obj].pos = NO_POS; /* being dispatched: no longer pending */
    k->now = root->time;
    k->root_pending = which;
    k->handlers[kind].fn(k, k->handlers[kind].ctx, obj, arg);
    if (k->root_pending == ROOT_PLAIN)
      pop_root(k);
    else if (k->root_pending == ROOT_TOKEN)
      t_pop_root(k);
    k->root_pending = 0;
    k->processed++;
    n++;
    if (k->stop)
      return n;
    if (k->interrupt && n % CY_KERNEL_POLL == 0 &&
        atomic_load_explicit(k->interrupt, memory_order_relaxed)) {
      k->interrupted = 1;
      return n;
    }
  }
  /* An infinite horizon means "until the queue is empty": time stays at the
   * last event so that the caller can still schedule. */
  if (isfinite(horizon) && horizon > k->now)
    k->now = horizon;
  return n;
}

void cy_kernel_stop(cy_kernel *k) { k->stop = 1; }

void cy_kernel_set_interrupt(cy_kernel *k, const atomic_int *flag) {
  k->interrupt = flag;
}

int cy_kernel_interrupted(const cy_kernel *k) { return k->interrupted; }
