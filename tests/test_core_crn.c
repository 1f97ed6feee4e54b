/* test_core_crn.c: the counter-based draws of cysim/cy_crn.h (MODEL.md
 * §10.1): exact properties, and a battery of uniformity and independence
 * checks ACROSS NEIGHBOURING KEYS.
 *
 * The model takes its draws at (seed, replication, source, index, purpose)
 * points that differ by one in one argument (operation n and n + 1 of a
 * channel, states i and i + 1, replication r and r + 1, ...), so those are
 * the walks tested: along each walk the n-th point's draw is taken for
 * n = 0 .. N - 1 with every other argument fixed, and the sequence must look
 * like independent uniforms.
 *
 * Tolerances.  Every statistic below is, for independent uniforms, a
 * standard normal z (a count's or a correlation's deviation over its sd) or
 * a chi-square with a stated number of degrees of freedom.  The whole
 * battery is held to a family-wise level ALPHA = 1e-4 by Bonferroni: each
 * of at most K_MAX = 1024 statistics is tested two-sided at ALPHA / K_MAX
 * (|z| <= 5.33; chi-square between its ALPHA / (2 K_MAX) and
 * 1 - ALPHA / (2 K_MAX) quantiles, from GSL), and the test checks that it
 * used no more than K_MAX.  So a sound generator fails this test with
 * probability below 1e-4 for a random choice of SEED; the seed is fixed, so
 * the test is deterministic. */
#include "cysim/cy_crn.h"
#include "cysim/cy_rng.h"
#include "testutil.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { N = 1 << 20, K_MAX = 1024, BINS = 1024, GRID = 64 };
static const double ALPHA = 1e-4;
static const int64_t SEED = 20240601;
static const uint64_t G = UINT64_C(0x9e3779b97f4a7c15);

static int n_stats;        /* statistics tested so far, at most K_MAX */
static double min_p = 1.0; /* the smallest two-sided p-value seen */

static double alpha_each(void) { return ALPHA / K_MAX; }

static void check_z(double z, const char *walk, const char *what) {
  double crit = gsl_cdf_ugaussian_Qinv(alpha_each() / 2);
  n_stats++;
  min_p = fmin(min_p, 2 * gsl_cdf_ugaussian_Q(fabs(z)));
  CHECK(fabs(z) <= crit, "walk %s, %s: z = %.3f, want |z| <= %.3f", walk, what,
        z, crit);
}

static void check_chi2(double chi2, double dof, const char *walk,
                       const char *what) {
  double lo = gsl_cdf_chisq_Pinv(alpha_each() / 2, dof);
  double hi = gsl_cdf_chisq_Qinv(alpha_each() / 2, dof);
  n_stats++;
  min_p = fmin(
      min_p, 2 * fmin(gsl_cdf_chisq_P(chi2, dof), gsl_cdf_chisq_Q(chi2, dof)));
  CHECK(chi2 >= lo && chi2 <= hi,
        "walk %s, %s: chi-square %.1f (%g dof), want in [%.1f, %.1f]", walk,
        what, chi2, dof, lo, hi);
}

/* ---- The walks: the block of the n-th point (its purposes p are
 * cy_crn_bits(block, p)). ---- */

/* The source the walks hold fixed: kind 3, alliance 0, states (0, 1, 2). */
static uint64_t fixed_key(void) { return cy_stream_seed(SEED, 0, 0); }
static uint64_t fixed_code(void) { return cy_crn_code(3, 0, 0, 1, 2); }

static uint64_t walk_index(uint64_t n) {
  return cy_crn_block(cy_crn_source(fixed_key(), fixed_code()), n);
}

/* One block's purposes 0, 1, 2, ...: purpose n of block b is purpose 0 of
 * "block" b + n G (cy_crn_bits adds (purpose + 1) G). */
static uint64_t walk_purpose(uint64_t n) {
  return cy_crn_block(cy_crn_source(fixed_key(), fixed_code()), 0) + n * G;
}

/* Codes (c, a, b) = n in base 256: n and n + 1 are neighbouring states j,
 * n and n + 256 neighbouring states i. */
static uint64_t walk_code(uint64_t n) {
  uint64_t code =
      cy_crn_code(3, 0, (n >> 16) & 0xffu, (n >> 8) & 0xffu, n & 0xffu);
  return cy_crn_block(cy_crn_source(fixed_key(), code), 0);
}

/* Kinds 0..255 of state pair n / 256: n and n + 1 are neighbouring kinds. */
static uint64_t walk_kind(uint64_t n) {
  uint64_t m = n >> 8;
  uint64_t code =
      cy_crn_code(n & 0xffu, 0, (m >> 16) & 0xffu, (m >> 8) & 0xffu, m & 0xffu);
  return cy_crn_block(cy_crn_source(fixed_key(), code), 0);
}

static uint64_t walk_replication(uint64_t n) {
  uint64_t key = cy_stream_seed(SEED, n, 0);
  return cy_crn_block(cy_crn_source(key, fixed_code()), 0);
}

static uint64_t walk_seed(uint64_t n) {
  uint64_t key = cy_stream_seed((int64_t)((uint64_t)SEED + n), 0, 0);
  return cy_crn_block(cy_crn_source(key, fixed_code()), 0);
}

typedef struct walk {
  const char *name;
  uint64_t (*block)(uint64_t n);
  int purposes;  /* test purposes p vs p + 1 (not for the purpose walk) */
  uint64_t lag2; /* a second neighbour to correlate with, or 0 */
  const char *lag2_what;
} walk;

static const walk walks[] = {
    {"index", walk_index, 1, 0, NULL},
    {"purpose", walk_purpose, 0, 0, NULL},
    {"code", walk_code, 1, 256, "u(i, j) vs u(i + 1, j)"},
    {"kind", walk_kind, 1, 256, "u(kind, i, j) vs u(kind, i, j + 1)"},
    {"replication", walk_replication, 1, 0, NULL},
    {"seed", walk_seed, 1, 0, NULL},
};

static uint64_t blocks[N];
static uint64_t bits[N];
static double u[N], v[N];

static double to_uniform(uint64_t b) { return (double)(b >> 11) * 0x1.0p-53; }

/* ---- The statistics. ---- */

/* Chi-square of the leading log2(BINS) bits over BINS equiprobable bins. */
static void uniformity(const char *name) {
  static long count[BINS];
  memset(count, 0, sizeof count);
  for (size_t n = 0; n < N; n++)
    count[(size_t)(u[n] * BINS)]++;
  double e = (double)N / BINS, chi2 = 0;
  for (int b = 0; b < BINS; b++)
    chi2 += (count[b] - e) * (count[b] - e) / e;
  check_chi2(chi2, BINS - 1, name, "uniformity over 1024 bins");
}

/* Each of the 64 bits is set with probability 1/2 (Binomial(N, 1/2), sd
 * sqrt(N)/2); with `xor_next`, each bit differs between neighbours n and
 * n + 1 with probability 1/2 (the neighbours' bits are independent). */
static void bit_frequencies(const char *name, int xor_next) {
  /* Histograms of the 8 bytes, then bit counts from them (8 increments a
   * word, not 64: the test also runs unoptimised under the sanitizers). */
  static long byte[8][256];
  long ones[64] = {0};
  memset(byte, 0, sizeof byte);
  size_t m = xor_next ? N - 1 : N;
  for (size_t n = 0; n < m; n++) {
    uint64_t b = xor_next ? bits[n] ^ bits[n + 1] : bits[n];
    for (int k = 0; k < 8; k++)
      byte[k][(b >> (8 * k)) & 0xffu]++;
  }
  for (int k = 0; k < 64; k++)
    for (int v = 0; v < 256; v++)
      ones[k] += (v >> (k % 8) & 1) ? byte[k / 8][v] : 0;
  for (int k = 0; k < 64; k++) {
    char what[64];
    snprintf(what, sizeof what, "%s bit %d", xor_next ? "flips of" : "ones in",
             k);
    check_z((ones[k] - m / 2.0) / (sqrt((double)m) / 2), name, what);
  }
}

/* Pearson correlation of x[i] and y[i] for m pairs: for independent
 * variables sqrt(m) r is asymptotically standard normal. */
static void correlation(const double *x, const double *y, size_t m,
                        const char *name, const char *what) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < m; i++) {
    sx += x[i];
    sy += y[i];
  }
  double mx = sx / (double)m, my = sy / (double)m;
  for (size_t i = 0; i < m; i++) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  check_z(sqrt((double)m) * sxy / sqrt(sxx * syy), name, what);
}

/* Serial test: the non-overlapping pairs (u[2m], u[2m + 1]) over a GRID x
 * GRID grid, N / 2 pairs, GRID^2 - 1 degrees of freedom. */
static void pairs(const char *name) {
  static long count[GRID * GRID];
  memset(count, 0, sizeof count);
  for (size_t n = 0; n + 1 < N; n += 2)
    count[(size_t)(u[n] * GRID) * GRID + (size_t)(u[n + 1] * GRID)]++;
  double e = (double)(N / 2) / (GRID * GRID), chi2 = 0;
  for (int c = 0; c < GRID * GRID; c++)
    chi2 += (count[c] - e) * (count[c] - e) / e;
  check_chi2(chi2, GRID * GRID - 1, name, "pairs on a 64 x 64 grid");
}

static void battery(const walk *w) {
  for (size_t n = 0; n < N; n++) {
    blocks[n] = w->block(n);
    bits[n] = cy_crn_bits(blocks[n], 0);
    u[n] = to_uniform(bits[n]);
  }
  uniformity(w->name);
  bit_frequencies(w->name, 0);
  bit_frequencies(w->name, 1);
  correlation(u, u + 1, N - 1, w->name, "u(n) vs u(n + 1)");
  pairs(w->name);
  if (w->lag2)
    correlation(u, u + w->lag2, N - w->lag2, w->name, w->lag2_what);
  /* Purposes p and p + 1 of the same point, p = 0..7 (an operation's
   * resolution takes 9 purposes). */
  for (unsigned p = 0; w->purposes && p < 8; p++) {
    for (size_t n = 0; n < N; n++) {
      u[n] = cy_crn_uniform(blocks[n], p);
      v[n] = cy_crn_uniform(blocks[n], p + 1);
    }
    char what[64];
    snprintf(what, sizeof what, "u(n, p=%u) vs u(n, p=%u)", p, p + 1);
    correlation(u, v, N, w->name, what);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* cy_crn_exp along the index walk against Exp(1): mean 1 (sd 1/sqrt(N)),
 * variance 1 (sd sqrt((mu4 - 1)/N), mu4 = 9), Kolmogorov-Smirnov
 * (P(sqrt(N) D > d) ~ 2 exp(-2 d^2)) and 100 equiprobable bins. */
static void exponential(void) {
  uint64_t src = cy_crn_source(fixed_key(), fixed_code());
  double s = 0, ss = 0;
  for (size_t n = 0; n < N; n++)
    s += u[n] = cy_crn_exp(cy_crn_block(src, n), 2);
  double m = s / N;
  for (size_t n = 0; n < N; n++)
    ss += (u[n] - m) * (u[n] - m);
  check_z((m - 1) * sqrt((double)N), "index", "exponential mean");
  check_z((ss / (N - 1) - 1) / sqrt(8.0 / N), "index", "exponential variance");
  qsort(u, N, sizeof u[0], cmp_double);
  double D = 0;
  for (size_t n = 0; n < N; n++) {
    double F = -expm1(-u[n]);
    D = fmax(D, fmax((double)(n + 1) / N - F, F - (double)n / N));
  }
  double dcrit = sqrt(log(2 / alpha_each()) / 2);
  n_stats++;
  CHECK(sqrt((double)N) * D <= dcrit,
        "exponential KS: sqrt(N) D = %.3f <= %.3f", sqrt((double)N) * D, dcrit);
  long count[100] = {0};
  for (size_t n = 0; n < N; n++) {
    int b = (int)(-expm1(-u[n]) * 100);
    count[b < 100 ? b : 99]++;
  }
  double e = N / 100.0, chi2 = 0;
  for (int b = 0; b < 100; b++)
    chi2 += (count[b] - e) * (count[b] - e) / e;
  check_chi2(chi2, 99, "index", "exponential over 100 equiprobable bins");
}

/* ---- Exact properties. ---- */

/* The reference splitmix64 (Vigna, prng.di.unimi.it/splitmix64.c). */
static uint64_t ref_splitmix64(uint64_t *x) {
  uint64_t z = (*x += G);
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* The inverse of x -> x ^ (x >> s), and of multiplication by an odd a. */
static uint64_t unxorshift(uint64_t y, int s) {
  uint64_t x = y;
  for (int k = 0; k < 64 / s + 1; k++)
    x = y ^ (x >> s);
  return x;
}
static uint64_t inverse_odd(uint64_t a) {
  uint64_t x = a; /* Newton: each step doubles the correct low bits */
  for (int k = 0; k < 6; k++)
    x *= 2 - a * x;
  return x;
}
static uint64_t unmix(uint64_t z) {
  z = unxorshift(z, 31) * inverse_odd(UINT64_C(0x94d049bb133111eb));
  z = unxorshift(z, 27) * inverse_odd(UINT64_C(0xbf58476d1ce4e5b9));
  return unxorshift(z, 30);
}

static void test_splitmix(void) {
  /* The first outputs of splitmix64 from state 0. */
  CHECK(cy_crn_bits(0, 0) == UINT64_C(0xe220a8397b1dcdaf) &&
            cy_crn_bits(0, 1) == UINT64_C(0x6e789e6aa1b965f4),
        "purposes of block 0 are splitmix64 from 0: %016llx %016llx",
        (unsigned long long)cy_crn_bits(0, 0),
        (unsigned long long)cy_crn_bits(0, 1));
  int same = 1, inv = 1;
  for (uint64_t i = 0; i < 1000; i++) {
    uint64_t block = cy_mix64(i), x = block;
    for (unsigned p = 0; p < 16; p++)
      same &= cy_crn_bits(block, p) == ref_splitmix64(&x);
    same &= cy_crn_mix(i * G) == cy_mix64(i * G);
    inv &= unmix(cy_crn_mix(i * G + 1)) == i * G + 1;
  }
  CHECK(same, "cy_crn_bits(b, p) is the p-th splitmix64 output from b; "
              "cy_crn_mix is cy_mix64");
  CHECK(inv, "the test's inverse of the finaliser inverts it");
}

/* FNV-1a of the words, least significant byte first. */
static uint64_t fnv1a(uint64_t h, uint64_t w) {
  for (int b = 0; b < 8; b++) {
    h ^= (w >> (8 * b)) & 0xffu;
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}

/* The construction's outputs are part of every v2 result (MODEL.md §10.1):
 * a change to a constant, to the order of the stages or to the code layout
 * changes every run.  The digest pins them: 2 seeds x 3 replications x 4
 * codes x 100 indices x 9 purposes. */
static void test_known_answers(void) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  const uint64_t codes[4] = {cy_crn_code(0, 0, 0, 0, 1),
                             cy_crn_code(1, 0, 0, 2, 1),
                             cy_crn_code(2, 7, 3, 2, 1), fixed_code()};
  for (int64_t seed = -1; seed <= 1; seed += 2)
    for (uint64_t r = 0; r < 3; r++)
      for (int c = 0; c < 4; c++) {
        uint64_t src = cy_crn_source(cy_stream_seed(seed, r, 0), codes[c]);
        for (uint64_t n = 0; n < 100; n++)
          for (unsigned p = 0; p < 9; p++)
            h = fnv1a(h, cy_crn_bits(cy_crn_block(src, n), p));
      }
  const uint64_t want = UINT64_C(0xd2c38a35bac095f4);
  CHECK(h == want, "digest of the construction's outputs %016llx, want %016llx",
        (unsigned long long)h, (unsigned long long)want);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static int all_distinct(uint64_t *w, size_t m) {
  qsort(w, m, sizeof w[0], cmp_u64);
  for (size_t i = 1; i < m; i++)
    if (w[i] == w[i - 1])
      return 0;
  return 1;
}

static void test_exact(void) {
  uint64_t src = cy_crn_source(fixed_key(), fixed_code());
  CHECK(cy_crn_bits(cy_crn_block(src, 12345), 4) ==
            cy_crn_bits(cy_crn_block(cy_crn_source(cy_stream_seed(SEED, 0, 0),
                                                   cy_crn_code(3, 0, 0, 1, 2)),
                                     12345),
                        4),
        "a pure function: the same arguments give the same bits");
  /* Bijections: index -> block for one source, code -> source for one key
   * (distinctness is guaranteed; this checks the wiring). */
  enum { M = 1000001 };
  static uint64_t w[N]; /* N = 2^20 > M */
  for (size_t n = 0; n < M; n++)
    w[n] = cy_crn_block(src, n);
  CHECK(all_distinct(w, M), "blocks of indices 0..10^6 of one source distinct");
  for (size_t n = 0; n < N; n++)
    w[n] = cy_crn_source(fixed_key(),
                         cy_crn_code(n & 0xffu, (uint32_t)(n >> 8), 0, 0, 0));
  CHECK(all_distinct(w, N), "sources of 2^20 codes of one key distinct");
  /* The code's fields tile the 64 bits, so distinct arguments (in range)
   * give distinct codes. */
  uint64_t f[5] = {cy_crn_code(255, 0, 0, 0, 0),
                   cy_crn_code(0, UINT32_MAX, 0, 0, 0),
                   cy_crn_code(0, 0, 255, 0, 0), cy_crn_code(0, 0, 0, 255, 0),
                   cy_crn_code(0, 0, 0, 0, 255)};
  uint64_t all = 0, overlap = 0;
  for (int i = 0; i < 5; i++) {
    overlap |= all & f[i];
    all |= f[i];
  }
  CHECK(all == UINT64_MAX && overlap == 0, "code fields tile the word");
}

/* The uniform's extremes, reached by inverting the finaliser: bits 0 give
 * u = 0 and exp 0; bits 2^64 - 1 give u = 1 - 2^-53 and exp 53 ln 2. */
static void test_extremes(void) {
  uint64_t b0 = unmix(0) - G, b1 = unmix(UINT64_MAX) - G;
  CHECK(cy_crn_bits(b0, 0) == 0 && cy_crn_bits(b1, 0) == UINT64_MAX,
        "blocks reaching the extreme bits");
  double u0 = cy_crn_uniform(b0, 0), u1 = cy_crn_uniform(b1, 0);
  CHECK(u0 == 0.0 && u1 == 1.0 - 0x1.0p-53, "u in [0, 1): %.17g, %.17g", u0,
        u1);
  double e0 = cy_crn_exp(b0, 0), e1 = cy_crn_exp(b1, 0);
  CHECK(e0 == 0.0 && !signbit(e0), "exp at u = 0: %g (+0)", e0);
  CHECK(isfinite(e1) && fabs(e1 - 53 * log(2.0)) <= 1e-13 * e1,
        "exp at u = 1 - 2^-53: %.17g, want 53 ln 2 = %.17g", e1, 53 * log(2.0));
  /* The smallest positive u, 2^-53, gives exp ~ 2^-53 > 0. */
  uint64_t b2 = unmix(UINT64_C(1) << 11) - G;
  double e2 = cy_crn_exp(b2, 0);
  CHECK(e2 > 0 && fabs(e2 - 0x1.0p-53) <= 1e-15 * e2, "exp at u = 2^-53: %g",
        e2);
}

int main(void) {
  test_splitmix();
  test_known_answers();
  test_exact();
  test_extremes();
  for (size_t w = 0; w < sizeof walks / sizeof walks[0]; w++)
    battery(&walks[w]);
  exponential();
  CHECK(n_stats <= K_MAX, "%d statistics, at most K_MAX = %d", n_stats, K_MAX);
  /* For K independent p-values the smallest is about 1/K: far below that
   * (but above the threshold) would be worth a look. */
  printf("%d statistics at family-wise level %g; smallest p-value %.3g\n",
         n_stats, ALPHA, min_p);
  return cy_test_finish();
}
