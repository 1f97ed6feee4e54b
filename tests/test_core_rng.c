/* test_core_rng.c: xoshiro256++ known answers, the GSL type, stream seeding,
 * and the moments and distribution of the ziggurat exponential.
 *
 * Statistical checks use fixed seeds and 5-sigma tolerances derived from the
 * estimator's variance: for n draws of X, Var(mean) = Var(X)/n and
 * Var(sample variance) ~= (mu4 - sigma^4)/n, mu4 the fourth central moment.
 *
 * The ziggurat tables are core's internals (core/ziggurat.h); the test links
 * the core library, which holds them. */
#include "core/ziggurat.h"
#include "cysim/cy_rng.h"
#include "testutil.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* An independent transcription of the reference xoshiro256plusplus.c
 * (Blackman & Vigna, prng.di.unimi.it), with its global state. */
static uint64_t ref_s[4];
static inline uint64_t ref_rotl(const uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}
static uint64_t ref_next(void) {
  const uint64_t result = ref_rotl(ref_s[0] + ref_s[3], 23) + ref_s[0];
  const uint64_t t = ref_s[1] << 17;
  ref_s[2] ^= ref_s[0];
  ref_s[3] ^= ref_s[1];
  ref_s[1] ^= ref_s[2];
  ref_s[0] ^= ref_s[3];
  ref_s[2] ^= t;
  ref_s[3] = ref_rotl(ref_s[3], 45);
  return result;
}

static void test_known_answers(void) {
  cy_xoshiro x = {{1, 2, 3, 4}};
  /* First outputs of the reference generator from state {1, 2, 3, 4}; the
   * first is rotl(1 + 4, 23) + 1 = 5 * 2^23 + 1 = 41943041 by hand. */
  const uint64_t want[4] = {UINT64_C(41943041), UINT64_C(58720359),
                            UINT64_C(3588806011781223),
                            UINT64_C(3591011842654386)};
  for (int i = 0; i < 4; i++) {
    uint64_t v = cy_xoshiro_next(&x);
    CHECK(v == want[i],
          "xoshiro256++ output %d from {1,2,3,4}: %llu, want %llu", i,
          (unsigned long long)v, (unsigned long long)want[i]);
  }
  /* Long run against the reference transcription, from a mixed state. */
  cy_xoshiro y = {{1, 2, 3, 4}};
  memcpy(ref_s, y.s, sizeof ref_s);
  int same = 1;
  for (int i = 0; i < 100000; i++)
    same &= cy_xoshiro_next(&y) == ref_next();
  CHECK(same, "100000 outputs equal the reference implementation");

  /* splitmix64 from state 0 (the reference splitmix64.c) first outputs
   * 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4: cy_xoshiro_seed uses it. */
  cy_xoshiro z;
  cy_xoshiro_seed(&z, 0);
  CHECK(z.s[0] == UINT64_C(0xe220a8397b1dcdaf) &&
            z.s[1] == UINT64_C(0x6e789e6aa1b965f4),
        "seeding by splitmix64: s0 %016llx s1 %016llx",
        (unsigned long long)z.s[0], (unsigned long long)z.s[1]);
}

static void test_gsl_type(void) {
  const gsl_rng_type *T = cy_rng_xoshiro256pp;
  CHECK(strcmp(T->name, "xoshiro256pp") == 0, "type name %s", T->name);
  CHECK(T->max == UINT64_MAX && T->min == 0, "range [0, 2^64 - 1]");
  CHECK(T->size == sizeof(cy_xoshiro), "state is a cy_xoshiro");
  gsl_rng *r = cy_rng_alloc(12345);
  CHECK(r != NULL, "alloc");
  if (!r)
    return;
  CHECK(strcmp(gsl_rng_name(r), "xoshiro256pp") == 0, "gsl_rng_name");
  /* gsl_rng_get/uniform are the inline generator on the same state. */
  cy_xoshiro x;
  cy_xoshiro_seed(&x, 12345);
  CHECK(memcmp(&x, cy_rng_state(r), sizeof x) == 0,
        "gsl_rng_set seeds like cy_xoshiro_seed");
  int same = 1;
  for (int i = 0; i < 1000; i++) {
    same &= gsl_rng_get(r) == cy_xoshiro_next(&x);
    same &= gsl_rng_uniform(r) == cy_xoshiro_uniform(&x);
  }
  CHECK(same, "gsl_rng_get/gsl_rng_uniform follow the xoshiro stream");
  /* The largest output maps below 1: uniform is on [0, 1). */
  CHECK((double)(UINT64_MAX >> 11) * 0x1.0p-53 < 1.0,
        "largest 53-bit value maps below 1");
  memcpy(cy_rng_state(r)->s, (uint64_t[4]){1, 2, 3, 4}, 32);
  CHECK(gsl_rng_get(r) == UINT64_C(41943041), "gsl_rng_get known answer");
  CHECK(gsl_rng_uniform(r) == (double)(UINT64_C(58720359) >> 11) * 0x1.0p-53,
        "gsl_rng_uniform = top 53 bits / 2^53");

  /* Full 64-bit seeds: s and s + 2^32 (and a negative int64) differ, where
   * mt19937 would fold them together. */
  gsl_rng *a = cy_rng_alloc(7), *b = cy_rng_alloc(7 + (UINT64_C(1) << 32));
  CHECK(a && b && gsl_rng_get(a) != gsl_rng_get(b),
        "gsl_rng_set: seeds 7 and 7 + 2^32 give different streams");
  gsl_rng_free(a);
  gsl_rng_free(b);
  gsl_rng_free(r);
}

static void test_streams(void) {
  /* Seeds of the streams: s vs s + 2^32, and 1000 replications x 4
   * purposes all distinct (the map is injective per stage; this checks the
   * wiring). */
  CHECK(cy_stream_seed(42, 0, 0) !=
            cy_stream_seed(42 + (INT64_C(1) << 32), 0, 0),
        "stream seeds for s and s + 2^32 differ");
  CHECK(cy_stream_seed(-1, 0, 0) != cy_stream_seed(INT64_C(0xffffffff), 0, 0),
        "negative seeds use all 64 bits");
  enum { R = 1000, P = 4 };
  static uint64_t seeds[R * P];
  for (int r = 0; r < R; r++)
    for (int p = 0; p < P; p++)
      seeds[r * P + p] = cy_stream_seed(42, (uint64_t)r, (uint64_t)p);
  int distinct = 1;
  for (int i = 0; i < R * P; i++)
    for (int j = i + 1; j < R * P; j++)
      distinct &= seeds[i] != seeds[j];
  CHECK(distinct, "4000 (replication, purpose) stream seeds are distinct");
  CHECK(cy_stream_seed(42, 3, 0) == cy_stream_seed(42, 3, 0),
        "stream seed is a function of (seed, replication, purpose)");

  /* Neighbouring replications give unrelated streams: the first 64 outputs
   * agree in about half their bits (Binomial(4096, 1/2): sd 32, so +-160). */
  cy_xoshiro x0, x1;
  cy_xoshiro_seed(&x0, cy_stream_seed(42, 0, 0));
  cy_xoshiro_seed(&x1, cy_stream_seed(42, 1, 0));
  int agree = 0;
  for (int i = 0; i < 64; i++)
    agree +=
        64 - __builtin_popcountll(cy_xoshiro_next(&x0) ^ cy_xoshiro_next(&x1));
  CHECK(abs(agree - 2048) <= 160,
        "replications 0 and 1: %d of 4096 bits agree (2048 +- 160)", agree);
}

/* Mean and variance of n draws within 5 sigma. */
static void check_moments(const char *what, const double *v, size_t n,
                          double mean, double var, double mu4) {
  double s = 0, ss = 0;
  for (size_t i = 0; i < n; i++)
    s += v[i];
  double m = s / (double)n;
  for (size_t i = 0; i < n; i++)
    ss += (v[i] - m) * (v[i] - m);
  double sv = ss / (double)(n - 1);
  char buf[128];
  snprintf(buf, sizeof buf, "%s mean", what);
  CHECK_NEAR(m, mean, 5.0 * sqrt(var / (double)n), buf);
  snprintf(buf, sizeof buf, "%s variance", what);
  CHECK_NEAR(sv, var, 5.0 * sqrt((mu4 - var * var) / (double)n), buf);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

enum { N = 1000000 };
static double draws[N];

static void test_uniform_and_exp(void) {
  cy_xoshiro x;
  cy_xoshiro_seed(&x, cy_stream_seed(2024, 0, 0));
  int in_range = 1;
  for (size_t i = 0; i < N; i++) {
    draws[i] = cy_xoshiro_uniform(&x);
    in_range &= draws[i] >= 0.0 && draws[i] < 1.0;
  }
  CHECK(in_range, "uniform draws in [0, 1)");
  /* U(0,1): mean 1/2, variance 1/12, mu4 = 1/80 */
  check_moments("uniform", draws, N, 0.5, 1.0 / 12.0, 1.0 / 80.0);
  in_range = 1;
  for (size_t i = 0; i < N; i++) {
    draws[i] = cy_xoshiro_uniform_pos(&x);
    in_range &= draws[i] > 0.0 && draws[i] < 1.0;
  }
  CHECK(in_range, "uniform_pos draws in (0, 1)");

  int nonneg = 1;
  size_t tail = 0;
  for (size_t i = 0; i < N; i++) {
    draws[i] = cy_xoshiro_exp(&x);
    nonneg &= draws[i] >= 0.0 && isfinite(draws[i]);
    tail += draws[i] > CY_ZIG_EXP_R;
  }
  CHECK(nonneg, "exponential draws finite and >= 0");
  /* Exp(1): mean 1, variance 1, mu4 = 9 */
  check_moments("ziggurat exponential", draws, N, 1.0, 1.0, 9.0);
  /* The tail beyond the ziggurat's base (r = 7.697) comes from a separate
   * branch: its frequency is exp(-r) = 4.54e-4, Binomial sd ~ 21 in 1e6. */
  double p = exp(-CY_ZIG_EXP_R);
  CHECK_NEAR((double)tail, N * p, 5.0 * sqrt(N * p * (1 - p)),
             "draws beyond the ziggurat base");

  /* Kolmogorov-Smirnov against 1 - exp(-x).  P(sqrt(n) D > d) ~ 2 exp(-2 d^2)
   * and we reject at p = 1e-6: d = sqrt(ln(2e6) / 2) = 2.693. */
  qsort(draws, N, sizeof draws[0], cmp_double);
  double D = 0;
  for (size_t i = 0; i < N; i++) {
    double F = -expm1(-draws[i]);
    double d1 = (double)(i + 1) / N - F, d2 = F - (double)i / N;
    if (d1 > D)
      D = d1;
    if (d2 > D)
      D = d2;
  }
  double dcrit = sqrt(log(2e6) / 2.0);
  CHECK(sqrt((double)N) * D < dcrit, "KS: sqrt(n) D = %.3f < %.3f",
        sqrt((double)N) * D, dcrit);

  /* Chi-square over 100 equiprobable bins: 99 degrees of freedom, mean 99,
   * sd sqrt(198) = 14.07; 5 sigma above: 169.4. */
  enum { B = 100 };
  long count[B] = {0};
  for (size_t i = 0; i < N; i++) {
    int b = (int)(-expm1(-draws[i]) * B);
    count[b < B ? b : B - 1]++;
  }
  double chi2 = 0, e = (double)N / B;
  for (int b = 0; b < B; b++)
    chi2 += (count[b] - e) * (count[b] - e) / e;
  CHECK(chi2 < 99 + 5 * sqrt(198.0), "chi-square %.1f < 169.4 (99 dof)", chi2);
}

/* gsl_ran_* draws on our type. */
static void test_gsl_distributions(void) {
  gsl_rng *r = cy_rng_alloc(cy_stream_seed(99, 0, 1));
  if (!r) {
    CHECK(0, "alloc");
    return;
  }
  enum { M = 200000 };
  static double v[M];
  for (size_t i = 0; i < M; i++)
    v[i] = gsl_ran_gaussian(r, 2.0);
  /* N(0, 4): mu4 = 3 sigma^4 = 48 */
  check_moments("gsl_ran_gaussian(sd 2)", v, M, 0.0, 4.0, 48.0);
  for (size_t i = 0; i < M; i++)
    v[i] = gsl_ran_gamma(r, 2.5, 2.0);
  /* Gamma(k=2.5, theta=2): mean 5, var 10, mu4 = 3 k (k + 2) theta^4 */
  check_moments("gsl_ran_gamma(2.5, 2)", v, M, 5.0, 10.0, 3 * 2.5 * 4.5 * 16.0);
  for (size_t i = 0; i < M; i++)
    v[i] = gsl_ran_exponential(r, 3.0);
  /* Exp(mean 3): var 9, mu4 = 9 * 81 */
  check_moments("gsl_ran_exponential(3)", v, M, 3.0, 9.0, 729.0);
  int ok = 1;
  for (size_t i = 0; i < M; i++) {
    unsigned long u = gsl_rng_uniform_int(r, 10);
    ok &= u < 10;
    v[i] = (double)u;
  }
  CHECK(ok, "gsl_rng_uniform_int(10) in 0..9");
  /* discrete uniform 0..9: mean 4.5, var 8.25, mu4 = (n^2-1)(3n^2-7)/240 */
  check_moments("gsl_rng_uniform_int(10)", v, M, 4.5, 8.25,
                99.0 * 293.0 / 240.0);
  gsl_rng_free(r);
}

/* FNV-1a over the tables' values, least significant byte first. */
static uint64_t fnv1a_u64(uint64_t h, uint64_t v) {
  for (int b = 0; b < 8; b++) {
    h ^= (v >> (8 * b)) & 0xff;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

static uint64_t tables_digest(void) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (int i = 0; i < CY_ZIG_EXP_LAYERS; i++) {
    uint64_t w, f;
    memcpy(&w, &cy__zig_exp_w[i], sizeof w);
    memcpy(&f, &cy__zig_exp_f[i], sizeof f);
    h = fnv1a_u64(fnv1a_u64(fnv1a_u64(h, cy__zig_exp_k[i]), w), f);
  }
  return h;
}

/* The tables are generated at build time (tools/gen_ziggurat.c) with the
 * host's libm.  They must be bit for bit the ones every result so far was
 * produced with: an exp() or log() that rounds one case differently would
 * silently change every run's draws.  The digest is of those tables. */
static void test_tables(void) {
  const uint64_t want = UINT64_C(0x1ac78117dc06a1e9);
  uint64_t got = tables_digest();
  CHECK(got == want,
        "ziggurat tables digest %016llx, want %016llx (the tables every "
        "result so far was produced with)",
        (unsigned long long)got, (unsigned long long)want);
  /* Layer areas: each layer of the ziggurat has area v; layer i's rectangle
   * is x_i * (f_{i-1} - f_i) (the layers are equal-area by construction). */
  int ok = 1;
  for (int i = 2; i < CY_ZIG_EXP_LAYERS; i++) {
    double xi = cy__zig_exp_w[i] * 9007199254740992.0;
    ok &= fabs(xi * (cy__zig_exp_f[i - 1] - cy__zig_exp_f[i]) - CY_ZIG_EXP_V) <
          1e-9;
  }
  CHECK(ok, "every layer has area v = %g", CY_ZIG_EXP_V);
}

int main(void) {
  gsl_set_error_handler_off();
  test_known_answers();
  test_gsl_type();
  test_streams();
  test_uniform_and_exp();
  test_gsl_distributions();
  test_tables();
  return cy_test_finish();
}
