/* cy_kernel.h: the discrete-event kernel.
 *
 * The kernel orders events by (time, insertion sequence), so events at the
 * same time run first-in first-out, and dispatches each to the handler
 * registered for its kind.  It knows nothing of what the events mean: an
 * event carries a kind, an object index and one 32-bit argument.
 *
 * Tokens: an object that has at most one pending "next" event (an agent's
 * next operation, say) owns a token.  Token events live in a second heap
 * that knows each token's position: cy_kernel_token_at() moves the token's
 * pending event in place (or adds one) and cy_kernel_token_cancel() removes
 * it, so a reschedule leaves no stale entry behind.  Both heaps share one
 * sequence counter, so dispatch order is (time, sequence) across both.
 *
 * Storage: the caller owns the cy_kernel (init/fini); the kernel owns its
 * heaps and token table.  The token heap is sized once (n_tokens entries),
 * so cy_kernel_token_at() never allocates or fails; no allocation happens
 * per plain event once the heap has grown to the working size (the capacity
 * hint avoids even that). */
#ifndef CYSIM_CY_KERNEL_H
#define CYSIM_CY_KERNEL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum { CY_KERNEL_MAX_KINDS = 64 };

typedef struct cy_kernel cy_kernel;

/* A handler receives the kernel (to schedule follow-ups), the context given
 * at registration, and the event's object and argument.  For token events
 * arg is the kernel's generation stamp (bumped by every schedule and cancel
 * of the token since init or reset) and carries no user data. */
typedef void (*cy_handler_fn)(cy_kernel *k, void *ctx, uint32_t obj,
                              uint32_t arg);

/* One heap entry: 24 bytes.  `key` packs the insertion sequence (high 56
 * bits) and kind (low 8 bits); private to the kernel. */
typedef struct cy_event {
  double time;
  uint64_t key;
  uint32_t obj;
  uint32_t arg;
} cy_event;

/* Fields are private: read them through the accessors below. */
struct cy_kernel {
  cy_event *heap;
  size_t size, cap;
  uint64_t seq;
  double now;
  uint64_t processed;
  cy_event *theap; /* token events: n_tokens entries, never grown */
  size_t tsize;
  struct cy_token {
    uint32_t pos; /* index in theap, or UINT32_MAX when none pending */
    uint32_t gen;
  } * tok;
  uint32_t n_tokens;
  int stop;
  int interrupted;             /* the last run ended on *interrupt */
  const atomic_int *interrupt; /* polled by cy_kernel_run(), or NULL */
  /* Fused pop-then-push: the root of heap (1) or theap (2) is being
   * dispatched; 0 when none. */
  int root_pending;
  struct {
    cy_handler_fn fn;
    void *ctx;
  } handlers[CY_KERNEL_MAX_KINDS];
};

/* Prepares k with room for `capacity` pending events (grown on demand) and
 * `n_tokens` cancellation tokens.  Returns CY_OK or CY_ENOMEM; on failure k
 * needs no fini.  */
int cy_kernel_init(cy_kernel *k, size_t capacity, uint32_t n_tokens);
void cy_kernel_fini(cy_kernel *k);

/* Empties the queue and rewinds time, sequence and counters to zero; keeps
 * handlers, capacity and tokens (all pending token events are forgotten). */
void cy_kernel_reset(cy_kernel *k);

/* Registers fn for events of `kind` (< CY_KERNEL_MAX_KINDS). */
void cy_kernel_on(cy_kernel *k, unsigned kind, cy_handler_fn fn, void *ctx);

/* Schedules an event at absolute time t (t >= now) or after delay dt >= 0.
 * Returns CY_OK, or CY_ENOMEM when the heap could not grow. */
int cy_kernel_at(cy_kernel *k, double t, unsigned kind, uint32_t obj,
                 uint32_t arg);
int cy_kernel_after(cy_kernel *k, double dt, unsigned kind, uint32_t obj,
                    uint32_t arg);

/* (Re)schedules the single pending event of `token` (< n_tokens) at time t;
 * the previous pending event of the token, if any, is cancelled.  The event
 * is dispatched with obj = token.  Always returns CY_OK. */
int cy_kernel_token_at(cy_kernel *k, double t, unsigned kind, uint32_t token);
/* Cancels the pending event of `token`, if any. */
void cy_kernel_token_cancel(cy_kernel *k, uint32_t token);

/* Dispatches events in order while the queue is not empty, the next event's
 * time is < horizon and no handler called cy_kernel_stop().  Returns the
 * number of events dispatched by this call (cancelled events not counted).
 * When the horizon is reached (queue empty or next event at or after it),
 * now becomes horizon; an infinite horizon leaves now at the last event, and
 * a stop leaves it at the stopping event.  A stop requested before the call
 * is forgotten: each run starts unstopped.  Not re-entrant. */
uint64_t cy_kernel_run(cy_kernel *k, double horizon);

/* Asks cy_kernel_run() to return after the current event. */
void cy_kernel_stop(cy_kernel *k);

/* An outside stop request (another thread's, or a signal handler's):
 * cy_kernel_run() reads *flag every CY_KERNEL_POLL events and returns once
 * it is non-zero, with cy_kernel_interrupted() true.  A relaxed load every
 * few thousand events costs nothing measurable.  NULL (the default): never
 * polled. */
enum { CY_KERNEL_POLL = 4096 };
void cy_kernel_set_interrupt(cy_kernel *k, const atomic_int *flag);
int cy_kernel_interrupted(const cy_kernel *k);

static inline double cy_kernel_now(const cy_kernel *k) { return k->now; }
static inline uint64_t cy_kernel_processed(const cy_kernel *k) {
  return k->processed;
}
/* Events still to be dispatched: plain events plus live token events
 * (cancelled and superseded token events are removed at once), not counting
 * the event being dispatched. */
static inline size_t cy_kernel_pending(const cy_kernel *k) {
  return k->size + k->tsize - (k->root_pending != 0);
}

#endif
