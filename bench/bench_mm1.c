/* bench_mm1.c: kernel throughput on the M/M/1 queue (rho = 0.9).
 *
 * Serves 1M customers (2M events: an arrival and a departure each) and
 * prints, machine-readably,
 *   RESULT mm1_events_per_s <value>
 *   RESULT mm1_customers_per_s <value>
 * bench/run.sh runs this 5 times and reports medians.  Optional argument:
 * the number of customers. */
#include "cysim/cy_error.h"
#include "cysim/cy_kernel.h"
#include "cysim/cy_rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { ARRIVAL = 0, DEPARTURE = 1 };

typedef struct mm1 {
  cy_xoshiro rng;
  double inv_lambda, inv_mu;
  double *fifo; /* arrival times in the system, ring of cap (power of 2) */
  size_t cap, head, n;
  uint64_t departed, target;
  double sum_w;
  int nomem;
} mm1;

static int fifo_grow(mm1 *m) {
  size_t cap = 2 * m->cap;
  double *f = malloc(cap * sizeof *f);
  if (!f)
    return CY_ENOMEM;
  for (size_t i = 0; i < m->n; i++)
    f[i] = m->fifo[(m->head + i) & (m->cap - 1)];
  free(m->fifo);
  m->fifo = f;
  m->cap = cap;
  m->head = 0;
  return CY_OK;
}

static void arrival(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  (void)obj;
  (void)arg;
  mm1 *m = ctx;
  double now = cy_kernel_now(k);
  cy_kernel_at(k, now + cy_xoshiro_exp(&m->rng) * m->inv_lambda, ARRIVAL, 0, 0);
  if (m->n == m->cap && fifo_grow(m) != CY_OK) {
    m->nomem = 1;
    cy_kernel_stop(k);
    return;
  }
  m->fifo[(m->head + m->n++) & (m->cap - 1)] = now;
  if (m->n == 1)
    cy_kernel_at(k, now + cy_xoshiro_exp(&m->rng) * m->inv_mu, DEPARTURE, 0, 0);
}

static void departure(cy_kernel *k, void *ctx, uint32_t obj, uint32_t arg) {
  (void)obj;
  (void)arg;
  mm1 *m = ctx;
  double now = cy_kernel_now(k);
  m->sum_w += now - m->fifo[m->head];
  m->head = (m->head + 1) & (m->cap - 1);
  if (--m->n > 0)
    cy_kernel_at(k, now + cy_xoshiro_exp(&m->rng) * m->inv_mu, DEPARTURE, 0, 0);
  if (++m->departed == m->target)
    cy_kernel_stop(k);
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Serves `customers` customers; returns the wall time, or -1 on failure. */
static double run(uint64_t customers, uint64_t *events, double *mean_w) {
  mm1 m = {
      .inv_lambda = 1.0 / 0.9, .inv_mu = 1.0, .cap = 1024, .target = customers};
  m.fifo = malloc(m.cap * sizeof *m.fifo);
  cy_kernel k;
  if (!m.fifo || cy_kernel_init(&k, 64, 0) != CY_OK) {
    free(m.fifo);
    return -1;
  }
  cy_xoshiro_seed(&m.rng, cy_stream_seed(1, 0, 0));
  cy_kernel_on(&k, ARRIVAL, arrival, &m);
  cy_kernel_on(&k, DEPARTURE, departure, &m);
  cy_kernel_at(&k, 0.0, ARRIVAL, 0, 0);

  double t0 = seconds();
  *events = cy_kernel_run(&k, INFINITY);
  double dt = seconds() - t0;
  *mean_w = m.sum_w / (double)customers;
  cy_kernel_fini(&k);
  free(m.fifo);
  return m.nomem || m.departed != customers ? -1 : dt;
}

int main(int argc, char **argv) {
  uint64_t customers = argc > 1 ? strtoull(argv[1], NULL, 10) : 1000000;
  uint64_t events;
  double mean_w;
  if (customers == 0) {
    fprintf(stderr, "usage: bench_mm1 [customers > 0]\n");
    return 2;
  }
  /* The timed run lasts only tens of milliseconds: an untimed run first
   * brings the clock frequency up and faults the pages in. */
  if (run(customers / 5 + 1, &events, &mean_w) < 0) {
    fprintf(stderr, "bench_mm1: out of memory\n");
    return 1;
  }
  double dt = run(customers, &events, &mean_w);
  if (dt < 0) {
    fprintf(stderr, "bench_mm1: out of memory\n");
    return 1;
  }
  /* The mean sojourn is printed so that the work cannot be optimised away
   * and a broken kernel shows (expected 1/(mu - lambda) = 10). */
  printf("# %llu customers, %llu events, %.4f s, mean time in system %.3f\n",
         (unsigned long long)customers, (unsigned long long)events, dt, mean_w);
  printf("RESULT mm1_events_per_s %.0f\n", (double)events / dt);
  printf("RESULT mm1_customers_per_s %.0f\n", (double)customers / dt);
  return 0;
}
