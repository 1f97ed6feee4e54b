/* bench_crn.c: the cost of the counter-based draws (cysim/cy_crn.h, MODEL.md
 * §10.1) beside the sequential xoshiro256++ stream (cysim/cy_rng.h), in the
 * same run.  Prints, machine-readably, nanoseconds per draw (the median of 7
 * repetitions of 2^22 draws each):
 *   RESULT crn_source_ns       a source from (key, code)
 *   RESULT crn_block_ns        a block from (source, index)
 *   RESULT crn_uniform_ns      a uniform from (block, purpose)
 *   RESULT crn_exp_ns          a unit exponential by inversion from (block,
 *                              purpose): cy_crn_exp(), -log(1 - u)
 *   RESULT crn_exp_log1p_ns    the same with -log1p(-u), the variant
 *                              cy_crn_exp() does not use (log1p and log
 *                              round differently in the last bit for ~7%
 *                              of u; 1 - u is exact for u = k 2^-53)
 *   RESULT crn_op9_ns          one operation's draws: a block and 9 uniforms
 *                              (per operation, not per draw)
 *   RESULT xoshiro_uniform_ns  cy_xoshiro_uniform
 *   RESULT xoshiro_exp_ns      cy_xoshiro_exp (ziggurat)
 *   RESULT xoshiro_expinv_ns   -log(1 - cy_xoshiro_uniform) (inversion)
 *   RESULT philox_uniform_ns   a uniform from Philox4x32-10 (Salmon et al.
 *                              2011), the usual counter-based generator:
 *                              half a call (a call gives 128 bits)
 *   RESULT philox_op9_ns       one operation's 9 uniforms from Philox: 5
 *                              calls (per operation)
 * bench/run.sh runs this 5 times and reports medians.  The loops are scalar
 * (auto-vectorisation off where GCC allows): the model takes its draws one
 * at a time between other work, never in a vectorisable loop.  Optional
 * argument: log2 of the draws per repetition. */
#include "cysim/cy_crn.h"
#include "cysim/cy_rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__GNUC__) && !defined(__clang__)
#define SCALAR __attribute__((noinline, optimize("no-tree-vectorize")))
#else
#define SCALAR __attribute__((noinline))
#endif

enum { REPS = 7 };

/* The thread's CPU time, not the wall clock: on a shared machine the wall
 * clock also counts the time other processes hold the core. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Results are folded into a sink so the compiler cannot drop the loops. */
static volatile uint64_t sink_u;
static volatile double sink_d;

SCALAR static void crn_source(uint64_t m) {
  uint64_t key = cy_stream_seed(1, 0, 0), acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc ^= cy_crn_source(key, i);
  sink_u = acc;
}

SCALAR static void crn_block(uint64_t m) {
  uint64_t src = cy_crn_source(cy_stream_seed(1, 0, 0), 7), acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc ^= cy_crn_block(src, i);
  sink_u = acc;
}

/* Purposes of a run of blocks: the block advances every 16 purposes (by an
 * add: its derivation is measured apart). */
SCALAR static void crn_uniform(uint64_t m) {
  uint64_t block = cy_crn_block(cy_crn_source(cy_stream_seed(1, 0, 0), 7), 0);
  double acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc += cy_crn_uniform(block + (i >> 4), (unsigned)(i & 15));
  sink_d = acc;
}

SCALAR static void crn_exp(uint64_t m) {
  uint64_t block = cy_crn_block(cy_crn_source(cy_stream_seed(1, 0, 0), 7), 0);
  double acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc += cy_crn_exp(block + (i >> 4), (unsigned)(i & 15));
  sink_d = acc;
}

SCALAR static void crn_exp_log(uint64_t m) {
  uint64_t block = cy_crn_block(cy_crn_source(cy_stream_seed(1, 0, 0), 7), 0);
  double acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc += -log1p(-cy_crn_uniform(block + (i >> 4), (unsigned)(i & 15)));
  sink_d = acc;
}

/* m / 10 operations, each a block and 9 uniforms: the time is per
 * operation (m is scaled back in main). */
SCALAR static void crn_op9(uint64_t m) {
  uint64_t src = cy_crn_source(cy_stream_seed(1, 0, 0), 7);
  double acc = 0;
  for (uint64_t n = 0; n < m / 10; n++) {
    uint64_t block = cy_crn_block(src, n);
    for (unsigned p = 0; p < 9; p++)
      acc += cy_crn_uniform(block, p);
  }
  sink_d = acc;
}

static cy_xoshiro xo;

SCALAR static void xoshiro_uniform(uint64_t m) {
  double acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc += cy_xoshiro_uniform(&xo);
  sink_d = acc;
}

SCALAR static void xoshiro_exp(uint64_t m) {
  double acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc += cy_xoshiro_exp(&xo);
  sink_d = acc;
}

SCALAR static void xoshiro_expinv(uint64_t m) {
  double acc = 0;
  for (uint64_t i = 0; i < m; i++)
    acc += -log(1.0 - cy_xoshiro_uniform(&xo));
  sink_d = acc;
}

/* Philox4x32-10 (Random123's philox4x32_R with R = 10), for the
 * comparison only; main checks it against Random123's known answers. */
typedef struct philox_ctr {
  uint32_t v[4];
} philox_ctr;

static inline philox_ctr philox4x32_10(philox_ctr c, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; r++) {
    uint64_t p0 = (uint64_t)UINT32_C(0xD2511F53) * c.v[0];
    uint64_t p1 = (uint64_t)UINT32_C(0xCD9E8D57) * c.v[2];
    c = (philox_ctr){{(uint32_t)(p1 >> 32) ^ c.v[1] ^ k0, (uint32_t)p1,
                      (uint32_t)(p0 >> 32) ^ c.v[3] ^ k1, (uint32_t)p0}};
    k0 += UINT32_C(0x9E3779B9);
    k1 += UINT32_C(0xBB67AE85);
  }
  return c;
}

static int philox_known_answers(void) {
  static const uint32_t kat[3][10] = {
      {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
      {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
       0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
      {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0,
       0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}};
  int ok = 1;
  for (int i = 0; i < 3; i++) {
    philox_ctr c = {{kat[i][0], kat[i][1], kat[i][2], kat[i][3]}};
    c = philox4x32_10(c, kat[i][4], kat[i][5]);
    for (int w = 0; w < 4; w++)
      ok &= c.v[w] == kat[i][6 + w];
  }
  return ok;
}

static inline double philox_u(uint32_t hi, uint32_t lo) {
  return (double)((((uint64_t)hi << 32) | lo) >> 11) * 0x1.0p-53;
}

/* m / 2 calls, two uniforms each; counter (i, 0, 0, 0). */
SCALAR static void philox_uniform(uint64_t m) {
  double acc = 0;
  for (uint64_t i = 0; i < m / 2; i++) {
    philox_ctr c = philox4x32_10((philox_ctr){{(uint32_t)i, 0, 0, 0}},
                                 0x01234567, 0x89abcdef);
    acc += philox_u(c.v[0], c.v[1]) + philox_u(c.v[2], c.v[3]);
  }
  sink_d = acc;
}

/* m / 10 operations, 5 calls each: counter (index, 0, purpose pair, 0). */
SCALAR static void philox_op9(uint64_t m) {
  double acc = 0;
  for (uint64_t n = 0; n < m / 10; n++)
    for (uint32_t q = 0; q < 5; q++) {
      philox_ctr c = philox4x32_10((philox_ctr){{(uint32_t)n, 0, q, 0}},
                                   0x01234567, 0x89abcdef);
      acc += philox_u(c.v[0], c.v[1]) + (q < 4 ? philox_u(c.v[2], c.v[3]) : 0);
    }
  sink_d = acc;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static const struct {
  const char *name;
  void (*fn)(uint64_t m);
  double per; /* draws per unit reported (10 for an operation) */
} cases[] = {
    {"crn_source_ns", crn_source, 1},
    {"crn_block_ns", crn_block, 1},
    {"crn_uniform_ns", crn_uniform, 1},
    {"crn_exp_ns", crn_exp, 1},
    {"crn_exp_log1p_ns", crn_exp_log, 1},
    {"crn_op9_ns", crn_op9, 10},
    {"xoshiro_uniform_ns", xoshiro_uniform, 1},
    {"xoshiro_exp_ns", xoshiro_exp, 1},
    {"xoshiro_expinv_ns", xoshiro_expinv, 1},
    {"philox_uniform_ns", philox_uniform, 1},
    {"philox_op9_ns", philox_op9, 10},
};

int main(int argc, char **argv) {
  int lg = argc > 1 ? atoi(argv[1]) : 22;
  if (lg < 4 || lg > 40) {
    fprintf(stderr, "usage: bench_crn [log2 draws per repetition, 4..40]\n");
    return 2;
  }
  uint64_t m = UINT64_C(1) << lg;
  if (!philox_known_answers()) {
    fprintf(stderr, "bench_crn: Philox4x32-10 fails Random123's known "
                    "answers\n");
    return 1;
  }
  cy_xoshiro_seed(&xo, cy_stream_seed(1, 0, 1));
  /* Repetitions interleave the cases, so a burst of load on the shared
   * machine hits them alike. */
  enum { NCASES = sizeof cases / sizeof cases[0] };
  double t[NCASES][REPS];
  for (int r = 0; r < REPS; r++)
    for (int c = 0; c < NCASES; c++) {
      double t0 = now();
      cases[c].fn(m);
      t[c][r] = (now() - t0) * 1e9 / (double)m * cases[c].per;
    }
  for (int c = 0; c < NCASES; c++) {
    qsort(t[c], REPS, sizeof t[c][0], cmp_double);
    printf("RESULT %s %.3f\n", cases[c].name, t[c][REPS / 2]);
  }
  return 0;
}
