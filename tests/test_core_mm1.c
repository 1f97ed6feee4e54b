/* test_core_mm1.c: validates the kernel on the M/M/1 queue, whose answers
 * are known in closed form.
 *
 * With arrival rate lambda = 0.9 and service rate mu = 1 (rho = 0.9), the
 * time a customer spends in the system under FIFO is exponential with rate
 * mu - lambda: mean W = 1/(mu - lambda) = 10 and P(W > 20) = exp(-2).  The
 * server is busy a fraction rho of the time.
 *
 * Successive sojourn times are strongly correlated at rho = 0.9 (the
 * relaxation time is about 1/(mu (1 - sqrt(rho))^2) = 380 time units), so
 * the tolerance comes from batch means: after a warm-up, B = 30 batches of
 * 50000 customers (about 55000 time units each, over 100 relaxation times,
 * so batch means are nearly independent).  The check is |mean - expected| <=
 * 5 standard errors of the mean of the batch means, s / sqrt(B); for a
 * t distribution with 29 degrees of freedom that fails with probability
 * below 1e-4 if the kernel is right. */
#include "cysim/cy_error.h"
#include "cysim/cy_kernel.h"
#include "cysim/cy_rng.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>

enum { ARRIVAL = 0, DEPARTURE = 1 };
enum { WARMUP = 20000, BATCHES = 30, BATCH = 50000 };

typedef struct mm1 {
  cy_xoshiro rng;
  double lambda, mu;
  /* arrival times of customers in the system, a ring buffer */
  double *fifo;
  size_t cap, head, n;
  int overflow;
  /* statistics */
  uint64_t departed;
  double busy_since, busy_time, stat_start;
  double sum_w[BATCHES], over2w[BATCHES], busy[BATCHES];
  double batch_start;
} mm1;

static void arrival(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  (void)obj;
  (void)arg;
  mm1 *m = ctx;
  double now = cy_kernel_now(k);
  cy_kernel_after(k, cy_xoshiro_exp(&m->rng) / m->lambda, ARRIVAL, 0, 0);
  if (m->n == m->cap) {
    m->overflow = 1; /* far beyond any plausible queue length at rho 0.9 */
    cy_kernel_stop(k);
    return;
  }
  m->fifo[(m->head + m->n++) & (m->cap - 1)] = now;
  if (m->n == 1) {
    m->busy_since = now;
    cy_kernel_after(k, cy_xoshiro_exp(&m->rng) / m->mu, DEPARTURE, 0, 0);
  }
}

static void departure(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  (void)obj;
  (void)arg;
  mm1 *m = ctx;
  double now = cy_kernel_now(k);
  double w = now - m->fifo[m->head];
  m->head = (m->head + 1) & (m->cap - 1);
  m->n--;
  if (m->n > 0)
    cy_kernel_after(k, cy_xoshiro_exp(&m->rng) / m->mu, DEPARTURE, 0, 0);
  else
    m->busy_time += now - m->busy_since;

  uint64_t c = m->departed++;
  if (c < WARMUP)
    return;
  uint64_t b = (c - WARMUP) / BATCH;
  if (c == WARMUP) {
    /* busy-time accounting restarts at the first measured departure */
    m->busy_time = 0;
    m->busy_since = now;
    m->batch_start = now;
  }
  m->sum_w[b] += w;
  m->over2w[b] += w > 2.0 / (m->mu - m->lambda);
  if ((c - WARMUP) % BATCH == BATCH - 1) {
    /* close the batch: busy fraction over its time span */
    double busy = m->busy_time + (m->n > 0 ? now - m->busy_since : 0.0);
    m->busy[b] = busy / (now - m->batch_start);
    m->busy_time = 0;
    m->busy_since = now;
    m->batch_start = now;
    if (b == BATCHES - 1)
      cy_kernel_stop(k);
  }
}

/* Mean of the B batch values and 5 standard errors of it. */
static void batch_check(const double *v, double scale, double expected,
                        const char *what) {
  double s = 0, ss = 0;
  for (int b = 0; b < BATCHES; b++)
    s += v[b] * scale;
  double mean = s / BATCHES;
  for (int b = 0; b < BATCHES; b++)
    ss += (v[b] * scale - mean) * (v[b] * scale - mean);
  double se = sqrt(ss / (BATCHES - 1) / BATCHES);
  CHECK(se > 0, "%s: batch means vary", what);
  CHECK_NEAR(mean, expected, 5.0 * se, what);
  printf("%s: %.5f (expected %.5f, standard error %.5f)\n", what, mean,
         expected, se);
}

int main(void) {
  static mm1 m;
  m.lambda = 0.9;
  m.mu = 1.0;
  m.cap = 1 << 16;
  m.fifo = malloc(m.cap * sizeof *m.fifo);
  CHECK(m.fifo != NULL, "alloc");
  if (!m.fifo)
    return cy_test_finish();
  cy_xoshiro_seed(&m.rng, cy_stream_seed(1, 0, 0));

  cy_kernel k;
  CHECK(cy_kernel_init(&k, 16, 0) == CY_OK, "init");
  cy_kernel_on(&k, ARRIVAL, arrival, &m);
  cy_kernel_on(&k, DEPARTURE, departure, &m);
  cy_kernel_at(&k, 0.0, ARRIVAL, 0, 0);
  uint64_t n = cy_kernel_run(&k, INFINITY);

  uint64_t customers = WARMUP + (uint64_t)BATCHES * BATCH;
  CHECK(!m.overflow, "queue stayed below %zu", m.cap);
  CHECK(m.departed == customers, "%llu customers served, want %llu",
        (unsigned long long)m.departed, (unsigned long long)customers);
  /* every departure is one event and every arrival one: arrivals = departed
   * + those still in the system */
  CHECK(n == 2 * m.departed + m.n, "events = 2 * departed + in system");
  CHECK(cy_kernel_processed(&k) == n, "processed counter agrees");

  double W = 1.0 / (m.mu - m.lambda);
  batch_check(m.sum_w, 1.0 / BATCH, W, "mean time in system (1/(mu-lambda))");
  batch_check(m.over2w, 1.0 / BATCH, exp(-2.0), "P(W > 2/(mu-lambda))");
  batch_check(m.busy, 1.0, m.lambda / m.mu, "server utilisation rho");

  cy_kernel_fini(&k);
  free(m.fifo);
  return cy_test_finish();
}
