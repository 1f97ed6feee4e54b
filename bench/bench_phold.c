/* bench_phold.c: kernel throughput on PHOLD (Fujimoto 1990), the standard
 * synthetic discrete-event benchmark.
 *
 * 1024 logical processes (LPs) start with one event each at an exponential
 * time.  Each event sends one new event, to a uniformly chosen LP with
 * probability 1/4 (remote) and to its own LP otherwise, at now + lookahead +
 * Exp(mean 1), lookahead 1.  The run ends at time 10000 (about 5.1M events:
 * 1024 LPs * 10000 / mean increment 2).  Prints
 *   RESULT phold_events_per_s <value>
 * Optional arguments: end time, number of LPs. */
#include "cysim/cy_error.h"
#include "cysim/cy_kernel.h"
#include "cysim/cy_rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef struct phold {
  cy_xoshiro rng;
  uint32_t n_lp;
  double lookahead, mean;
  uint64_t remote;
} phold;

static void on_event(cy_kernel *k, void *ctx, uint32_t lp, uint32_t arg) {
  (void)arg;
  phold *p = ctx;
  uint64_t u = cy_xoshiro_next(&p->rng);
  uint32_t dest = lp;
  /* Top 2 bits zero: probability 1/4.  The low 32 bits pick the LP by
   * multiply-shift (bias < n_lp / 2^32). */
  if ((u >> 62) == 0) {
    dest = (uint32_t)(((u & 0xffffffffu) * p->n_lp) >> 32);
    p->remote++;
  }
  double t =
      cy_kernel_now(k) + p->lookahead + p->mean * cy_xoshiro_exp(&p->rng);
  cy_kernel_at(k, t, 0, dest, 0);
}

static double seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
  double end = argc > 1 ? atof(argv[1]) : 10000.0;
  long n_lp = argc > 2 ? atol(argv[2]) : 1024;
  if (!(end > 0) || n_lp < 1 || n_lp > 1L << 24) {
    fprintf(stderr, "usage: bench_phold [end_time > 0] [n_lp 1..2^24]\n");
    return 2;
  }
  phold p = {.n_lp = (uint32_t)n_lp, .lookahead = 1.0, .mean = 1.0};
  cy_xoshiro_seed(&p.rng, cy_stream_seed(1, 0, 0));
  cy_kernel k;
  if (cy_kernel_init(&k, (size_t)n_lp, 0) != CY_OK) {
    fprintf(stderr, "bench_phold: out of memory\n");
    return 1;
  }
  cy_kernel_on(&k, 0, on_event, &p);
  for (uint32_t i = 0; i < p.n_lp; i++)
    cy_kernel_at(&k, p.mean * cy_xoshiro_exp(&p.rng), 0, i, 0);

  double t0 = seconds();
  uint64_t events = cy_kernel_run(&k, end);
  double dt = seconds() - t0;
  /* The remote fraction is printed so that the work cannot be optimised
   * away and a broken generator shows (expected 0.25). */
  printf("# %ld LPs, end %g, %llu events, %.4f s, remote fraction %.4f\n", n_lp,
         end, (unsigned long long)events, dt,
         (double)p.remote / (double)events);
  printf("RESULT phold_events_per_s %.0f\n", (double)events / dt);
  cy_kernel_fini(&k);
  return 0;
}
