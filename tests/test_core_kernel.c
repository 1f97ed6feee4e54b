/* test_core_kernel.c: the event kernel's ordering, cancellation, horizon,
 * growth, reset and stop, each against values worked out by hand or by a
 * straightforward reference (a sort). */
#include "cysim/cy_error.h"
#include "cysim/cy_kernel.h"
#include "cysim/cy_rng.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

enum { LOG_MAX = 1 << 16 };

/* Every handler appends (kind, obj, arg, now) to the log. */
typedef struct logbook {
  size_t n;
  unsigned kind[LOG_MAX];
  uint32_t obj[LOG_MAX], arg[LOG_MAX];
  double t[LOG_MAX];
  /* behaviour knobs for the handlers */
  int stop_at_obj;      /* kind 2 calls cy_kernel_stop when obj matches */
  int followups;        /* kind 3 schedules this many follow-ups */
  uint32_t resched_tok; /* kind 4 reschedules this token */
} logbook;

static void log_event(logbook *lb, unsigned kind, cy_kernel *k, uint32_t obj,
                      uint32_t arg) {
  if (lb->n < LOG_MAX) {
    lb->kind[lb->n] = kind;
    lb->obj[lb->n] = obj;
    lb->arg[lb->n] = arg;
    lb->t[lb->n] = cy_kernel_now(k);
    lb->n++;
  }
}

static void h0(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  log_event(ctx, 0, k, obj, arg);
}
static void h1(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  log_event(ctx, 1, k, obj, arg);
}
static void h2_stop(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  logbook *lb = ctx;
  log_event(lb, 2, k, obj, arg);
  if ((int)obj == lb->stop_at_obj)
    cy_kernel_stop(k);
}
/* Schedules `followups` events of kind 0 at now + 1, now + 1, now + 0.5, ...
 * (so the fused root replacement and ordinary pushes both happen). */
static void h3_spawn(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  logbook *lb = ctx;
  log_event(lb, 3, k, obj, arg);
  for (int i = 0; i < lb->followups; i++)
    cy_kernel_after(k, i == 2 ? 0.5 : 1.0, 0, obj * 10 + (uint32_t)i, 0);
}
/* A token event that reschedules another token: cancellation from inside a
 * handler. */
static void h4_token(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  logbook *lb = ctx;
  log_event(lb, 4, k, obj, arg);
  if (obj != lb->resched_tok)
    cy_kernel_token_at(k, cy_kernel_now(k) + 5.0, 4, lb->resched_tok);
}

static void setup(cy_kernel *k, logbook *lb, size_t cap, uint32_t tokens) {
  memset(lb, 0, sizeof *lb);
  lb->stop_at_obj = -1;
  CHECK(cy_kernel_init(k, cap, tokens) == CY_OK, "init");
  cy_kernel_on(k, 0, h0, lb);
  cy_kernel_on(k, 1, h1, lb);
  cy_kernel_on(k, 2, h2_stop, lb);
  cy_kernel_on(k, 3, h3_spawn, lb);
  cy_kernel_on(k, 4, h4_token, lb);
}

/* Events pushed in scrambled time order come out sorted by time. */
static void test_order(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 0);
  double times[] = {5.0, 1.0, 3.0, 2.0, 4.0, 0.5, 9.0, 7.0};
  for (uint32_t i = 0; i < 8; i++)
    cy_kernel_at(&k, times[i], i % 2, i, 100 + i);
  CHECK(cy_kernel_pending(&k) == 8, "8 pending, got %zu",
        cy_kernel_pending(&k));
  uint64_t n = cy_kernel_run(&k, 100.0);
  CHECK(n == 8, "run returns 8 dispatched, got %llu", (unsigned long long)n);
  CHECK(cy_kernel_processed(&k) == 8, "processed 8");
  /* expected order by time: 0.5(5) 1(1) 2(3) 3(2) 4(4) 5(0) 7(7) 9(6) */
  uint32_t want[] = {5, 1, 3, 2, 4, 0, 7, 6};
  int ok = lb.n == 8;
  for (size_t i = 0; ok && i < 8; i++)
    ok = lb.obj[i] == want[i] && lb.arg[i] == 100 + want[i] &&
         lb.t[i] == times[want[i]] && lb.kind[i] == want[i] % 2;
  CHECK(ok, "events dispatched in time order with their kind, obj, arg");
  CHECK(cy_kernel_now(&k) == 100.0, "horizon reached: now = 100, got %g",
        cy_kernel_now(&k));

  /* Magnitudes across the whole double range, subnormals and -0.0 (equal to
   * 0.0, so it ties FIFO with it). */
  cy_kernel_reset(&k);
  lb.n = 0;
  double wide[] = {1e300, 5e-324, 1.0, -0.0, 1e-300, 0.0, 2.5e-308, 1e10};
  for (uint32_t i = 0; i < 8; i++)
    cy_kernel_at(&k, wide[i], 0, i, 0);
  cy_kernel_run(&k, 1.0 / 0.0);
  uint32_t want_wide[] = {3, 5, 1, 6, 4, 2, 7, 0};
  ok = lb.n == 8;
  for (size_t i = 0; ok && i < 8; i++)
    ok = lb.obj[i] == want_wide[i];
  CHECK(ok, "order over the double range: -0.0 ties with 0.0, subnormals "
            "before normals");
  cy_kernel_fini(&k);
}

/* Equal times run in insertion order (FIFO), interleaved with other times,
 * and an event scheduled at `now` from a handler runs after those already
 * queued at `now`. */
static void test_fifo(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 0);
  for (uint32_t i = 0; i < 20; i++)
    cy_kernel_at(&k, (i % 2) ? 1.0 : 2.0, 0, i, 0);
  cy_kernel_run(&k, 10.0);
  /* odd objs at t=1 in increasing order, then even objs at t=2 */
  int ok = lb.n == 20;
  for (uint32_t i = 0; ok && i < 10; i++)
    ok = lb.obj[i] == 2 * i + 1 && lb.obj[10 + i] == 2 * i;
  CHECK(ok, "ties at the same time run first-in first-out");

  cy_kernel_reset(&k);
  lb.n = 0;
  lb.followups = 1;
  /* obj 1 spawns obj 10 at t=1+1=2; obj 2 already sits at t=2 and was
   * inserted first, so it runs first. */
  cy_kernel_at(&k, 1.0, 3, 1, 0);
  cy_kernel_at(&k, 2.0, 0, 2, 0);
  cy_kernel_run(&k, 10.0);
  CHECK(lb.n == 3 && lb.obj[0] == 1 && lb.obj[1] == 2 && lb.obj[2] == 10,
        "follow-up at an occupied time runs after the earlier insertion");
  cy_kernel_fini(&k);
}

/* Handlers that schedule 0, 1 or several follow-ups (the fused root
 * replacement, then ordinary pushes): compared with the order obtained by a
 * reference (time, insertion) sort of the same events. */
static void test_fused(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 0);
  lb.followups = 3;
  /* kind 3 at t=0 spawns objs 0,1 at t=1 and obj 2 at t=0.5 (kind 0). */
  cy_kernel_at(&k, 0.0, 3, 0, 0);
  cy_kernel_at(&k, 0.75, 0, 99, 0);
  cy_kernel_run(&k, 10.0);
  uint32_t want[] = {0, 2, 99, 0, 1};
  double want_t[] = {0.0, 0.5, 0.75, 1.0, 1.0};
  int ok = lb.n == 5;
  for (size_t i = 0; ok && i < 5; i++)
    ok = lb.obj[i] == want[i] && lb.t[i] == want_t[i];
  CHECK(ok, "several follow-ups from one handler keep (time, seq) order");
  CHECK(cy_kernel_processed(&k) == 5, "5 processed");
  cy_kernel_fini(&k);
}

/* Token reschedule and cancel: only the latest event of a token runs. */
static void test_tokens(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 4);
  cy_kernel_token_at(&k, 3.0, 1, 0); /* superseded below */
  cy_kernel_token_at(&k, 1.0, 1, 0); /* superseded below */
  cy_kernel_token_at(&k, 2.0, 1, 0); /* the one that runs */
  cy_kernel_token_at(&k, 1.5, 1, 1); /* cancelled below */
  cy_kernel_token_cancel(&k, 1);
  cy_kernel_token_at(&k, 2.5, 0, 2); /* runs */
  cy_kernel_at(&k, 0.5, 0, 7, 42);   /* plain event, obj 7 >= n_tokens */
  /* Token events are moved or removed in place (no stale entries): pending
   * are token 0 (at 2.0), token 2 and the plain event. */
  CHECK(cy_kernel_pending(&k) == 3, "3 pending (superseded/cancelled gone)");
  uint64_t n = cy_kernel_run(&k, 10.0);
  CHECK(n == 3, "3 live events dispatched (cancelled not counted), got %llu",
        (unsigned long long)n);
  CHECK(cy_kernel_processed(&k) == 3, "processed counts live events only");
  CHECK(lb.n == 3 && lb.obj[0] == 7 && lb.arg[0] == 42 && lb.t[0] == 0.5,
        "plain event untouched by generation checks");
  CHECK(lb.n == 3 && lb.obj[1] == 0 && lb.t[1] == 2.0 && lb.kind[1] == 1,
        "token 0 runs once, at its last scheduled time 2.0");
  CHECK(lb.n == 3 && lb.obj[2] == 2 && lb.t[2] == 2.5 && lb.kind[2] == 0,
        "token 2 runs with its own kind");
  CHECK(cy_kernel_pending(&k) == 0, "queue drained");

  /* Rescheduling from a handler: token 3's event at t=1 reschedules token 0
   * (pending at t=2) to t=6; token 0 then runs once, at 6. */
  cy_kernel_reset(&k);
  lb.n = 0;
  lb.resched_tok = 0;
  cy_kernel_token_at(&k, 2.0, 4, 0);
  cy_kernel_token_at(&k, 1.0, 4, 3);
  n = cy_kernel_run(&k, 10.0);
  CHECK(n == 2 && lb.n == 2 && lb.obj[0] == 3 && lb.obj[1] == 0 &&
            lb.t[1] == 6.0,
        "reschedule from a handler cancels the earlier event (n=%llu)",
        (unsigned long long)n);
  cy_kernel_fini(&k);
}

/* The horizon is exclusive; now becomes the horizon; a later run continues. */
static void test_horizon(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 0);
  for (uint32_t i = 0; i < 10; i++)
    cy_kernel_at(&k, (double)i, 0, i, 0);
  uint64_t n = cy_kernel_run(&k, 5.0);
  CHECK(n == 5, "events at t=0..4 run before horizon 5 (exclusive), got %llu",
        (unsigned long long)n);
  CHECK(cy_kernel_now(&k) == 5.0, "now = horizon 5, got %g", cy_kernel_now(&k));
  CHECK(cy_kernel_pending(&k) == 5, "5 left pending");
  cy_kernel_after(&k, 0.25, 0, 50, 0); /* relative to now = 5 */
  n = cy_kernel_run(&k, 7.0);
  CHECK(n == 3 && lb.obj[5] == 5 && lb.obj[6] == 50 && lb.t[6] == 5.25 &&
            lb.obj[7] == 6,
        "second run: t=5, the relative event at 5.25, t=6");
  n = cy_kernel_run(&k, 1.0 / 0.0);
  CHECK(n == 3, "infinite horizon runs the rest");
  CHECK(cy_kernel_now(&k) == 9.0,
        "infinite horizon leaves now at the last event, got %g",
        cy_kernel_now(&k));
  CHECK(cy_kernel_run(&k, 20.0) == 0 && cy_kernel_now(&k) == 20.0,
        "empty queue: run advances now to the horizon");
  cy_kernel_fini(&k);
}

/* Growth far beyond the initial capacity, against a reference sort of
 * random times (with many exact ties to exercise the sequence order). */
typedef struct ref_ev {
  double t;
  uint32_t seq;
} ref_ev;
static int ref_cmp(const void *a, const void *b) {
  const ref_ev *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return (x->seq > y->seq) - (x->seq < y->seq);
}
static void test_growth(void) {
  enum { N = 50000 };
  cy_kernel k;
  static logbook lb;
  static ref_ev ref[N];
  setup(&k, &lb, 16, 0);
  cy_xoshiro x;
  cy_xoshiro_seed(&x, 7);
  int rc = CY_OK;
  for (uint32_t i = 0; i < N; i++) {
    /* times on a grid of 1000 values: about 50 ties per time */
    ref[i].t = (double)(cy_xoshiro_next(&x) % 1000) * 0.125;
    ref[i].seq = i;
    rc |= cy_kernel_at(&k, ref[i].t, 0, i, 0);
  }
  CHECK(rc == CY_OK, "50000 pushes from capacity 16 succeed");
  CHECK(k.cap >= N, "heap grew to %zu", k.cap);
  qsort(ref, N, sizeof ref[0], ref_cmp);
  uint64_t n = cy_kernel_run(&k, 1e9);
  int ok = n == N && lb.n == N;
  size_t bad = 0;
  for (size_t i = 0; ok && i < N; i++)
    if (lb.obj[i] != ref[i].seq || lb.t[i] != ref[i].t)
      bad++;
  CHECK(ok && bad == 0, "50000 events match a (time, insertion) sort: %zu bad",
        bad);
  cy_kernel_fini(&k);
}

/* Reset empties the queue and rewinds time, counters and generations. */
static void test_reset(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 2);
  cy_kernel_at(&k, 3.0, 0, 1, 0);
  cy_kernel_token_at(&k, 4.0, 0, 1);
  cy_kernel_run(&k, 3.5);
  CHECK(cy_kernel_now(&k) == 3.5 && cy_kernel_processed(&k) == 1,
        "before reset: now 3.5, 1 processed");
  cy_kernel_reset(&k);
  CHECK(cy_kernel_now(&k) == 0.0 && cy_kernel_processed(&k) == 0 &&
            cy_kernel_pending(&k) == 0,
        "after reset: now 0, nothing processed or pending");
  lb.n = 0;
  cy_kernel_token_at(&k, 1.0, 1, 1);
  cy_kernel_run(&k, 10.0);
  CHECK(lb.n == 1 && lb.obj[0] == 1 && lb.arg[0] == 1 && lb.kind[0] == 1,
        "handlers kept; token generation restarts at 1 (arg %u)",
        lb.n ? lb.arg[0] : 0);
  cy_kernel_fini(&k);
}

/* Stop returns after the current event; time stays at that event. */
static void test_stop(void) {
  cy_kernel k;
  static logbook lb;
  setup(&k, &lb, 16, 0);
  lb.stop_at_obj = 3;
  for (uint32_t i = 0; i < 6; i++)
    cy_kernel_at(&k, 1.0 + i, 2, i, 0);
  uint64_t n = cy_kernel_run(&k, 100.0);
  CHECK(n == 4, "stop in the 4th event: 4 dispatched, got %llu",
        (unsigned long long)n);
  CHECK(cy_kernel_now(&k) == 4.0, "stopped: now stays at 4, got %g",
        cy_kernel_now(&k));
  CHECK(cy_kernel_pending(&k) == 2, "2 left pending");
  n = cy_kernel_run(&k, 100.0);
  CHECK(n == 2 && cy_kernel_now(&k) == 100.0, "a new run resumes after a stop");
  cy_kernel_fini(&k);
}

/* Random reschedules and cancels from inside handlers, checked against a
 * reference: each token's expected (time, order of scheduling), and each
 * dispatched event must be the smallest live one. */
enum { RT = 64 };
typedef struct rtest {
  cy_xoshiro rng;
  double t[RT]; /* INFINITY when the token has no live event */
  uint64_t seq[RT], next_seq;
  uint64_t dispatched, bad, ops;
} rtest;

static void r_sched(cy_kernel *k, rtest *r, uint32_t tok, double t) {
  cy_kernel_token_at(k, t, 5, tok);
  r->t[tok] = t;
  r->seq[tok] = r->next_seq++;
}

static void h5_random(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  (void)arg;
  rtest *r = ctx;
  double now = cy_kernel_now(k);
  r->dispatched++;
  int ok = r->t[obj] == now;
  for (uint32_t j = 0; j < RT; j++)
    if (j != obj &&
        (r->t[j] < now || (r->t[j] == now && r->seq[j] < r->seq[obj])))
      ok = 0;
  r->bad += !ok;
  r->t[obj] = 1.0 / 0.0;
  if (r->ops++ < 200000 && cy_xoshiro_next(&r->rng) % 8 != 0)
    r_sched(k, r, obj, now + 0.5 * (double)(cy_xoshiro_next(&r->rng) % 8));
  /* 0-3 operations: reschedule a random token (ties at now included, and
   * times on a coarse grid so ties are common) or cancel one. */
  int nops = (int)(cy_xoshiro_next(&r->rng) % 4);
  for (int i = 0; i < nops && r->ops < 200000; i++, r->ops++) {
    uint64_t u = cy_xoshiro_next(&r->rng);
    uint32_t tok = (uint32_t)(u % RT);
    if ((u >> 32) % 5 == 0) {
      cy_kernel_token_cancel(k, tok);
      r->t[tok] = 1.0 / 0.0;
    } else {
      r_sched(k, r, tok, now + (double)((u >> 40) % 8) * 0.5);
    }
  }
}

static void test_random_tokens(void) {
  cy_kernel k;
  static rtest r;
  memset(&r, 0, sizeof r);
  cy_xoshiro_seed(&r.rng, 3);
  CHECK(cy_kernel_init(&k, 4, RT) == CY_OK, "init");
  cy_kernel_on(&k, 5, h5_random, &r);
  for (uint32_t j = 0; j < RT; j++)
    r_sched(&k, &r, j, (double)(j % 7));
  /* several runs to successive horizons, as a model would */
  uint64_t n = 0;
  for (int h = 1; h <= 2000 && cy_kernel_pending(&k) > 0; h++)
    n += cy_kernel_run(&k, h * 50.0);
  n += cy_kernel_run(&k, 1.0 / 0.0);
  int live = 0;
  for (uint32_t j = 0; j < RT; j++)
    live += r.t[j] != 1.0 / 0.0;
  CHECK(r.dispatched > 10000, "random token test ran %llu events",
        (unsigned long long)r.dispatched);
  CHECK(n == r.dispatched, "run counts equal handler calls");
  CHECK(r.bad == 0, "%llu events out of order or stale",
        (unsigned long long)r.bad);
  CHECK(live == 0 && cy_kernel_pending(&k) == 0,
        "every live event ran, the queue is empty");
  cy_kernel_fini(&k);
}

int main(void) {
  test_order();
  test_fifo();
  test_fused();
  test_tokens();
  test_horizon();
  test_growth();
  test_reset();
  test_stop();
  test_random_tokens();
  return cy_test_finish();
}
