/* rng.c: xoshiro256++ as a gsl_rng_type, stream seeding, and the ziggurat
 * exponential.
 *
 * Why our own generator: GSL's mt19937 and taus2 take a seed through
 * `unsigned long` but fold it to 32 bits, so seeds s and s + 2^32 give the
 * same stream; scenario seeds are int64.  xoshiro256++ has 256 bits of state,
 * passes BigCrush and costs about a nanosecond per draw. */
#include "cysim/cy_rng.h"
#include "ziggurat.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* GSL's get() returns unsigned long and max is unsigned long: the full 64-bit
 * output is passed through only where long is 64 bits. */
_Static_assert(sizeof(unsigned long) == 8, "cysim needs LP64");

uint64_t cy_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* Each stage adds an odd multiple of a distinct constant before mixing: for a
 * fixed seed the map replication -> value is injective (an odd multiplier is
 * invertible mod 2^64 and cy_mix64 is a bijection), so two replications never
 * share a stream seed; likewise purposes within one replication.  The final
 * mix makes neighbouring inputs produce unrelated outputs. */
uint64_t cy_stream_seed(int64_t seed, uint64_t replication, uint64_t purpose) {
  uint64_t h = cy_mix64((uint64_t)seed + UINT64_C(0x9e3779b97f4a7c15));
  h = cy_mix64(h + replication * UINT64_C(0xd1b54a32d192ed03) +
               UINT64_C(0x632be59bd9b4e019));
  h = cy_mix64(h + purpose * UINT64_C(0x8cb92ba72f3d8dd7) +
               UINT64_C(0x2545f4914f6cdd1d));
  return h;
}

/* The seeding recommended by the xoshiro authors: four successive outputs of
 * splitmix64.  They are never all zero, the one forbidden state: cy_mix64 is
 * a bijection with cy_mix64(0) == 0, and of four consecutive values of the
 * Weyl sequence at most one is 0. */
void cy_xoshiro_seed(cy_xoshiro *x, uint64_t seed) {
  for (int i = 0; i < 4; i++) {
    seed += UINT64_C(0x9e3779b97f4a7c15);
    x->s[i] = cy_mix64(seed);
  }
}

static void xo_set(void *state, unsigned long seed) {
  cy_xoshiro_seed((cy_xoshiro *)state, (uint64_t)seed);
}

static unsigned long xo_get(void *state) {
  return (unsigned long)cy_xoshiro_next((cy_xoshiro *)state);
}

static double xo_get_double(void *state) {
  return cy_xoshiro_uniform((cy_xoshiro *)state);
}

static const gsl_rng_type xo_type = {"xoshiro256pp", /* name */
                                     UINT64_MAX,     /* max */
                                     0,              /* min */
                                     sizeof(cy_xoshiro),
                                     xo_set,
                                     xo_get,
                                     xo_get_double};

const gsl_rng_type *cy_rng_xoshiro256pp = &xo_type;

gsl_rng *cy_rng_alloc(uint64_t seed) {
  /* Not gsl_rng_alloc: out of memory, it calls GSL's error handler, whose
   * default aborts the process, and the library must not change that
   * handler (it is the program's).  The same two blocks, allocated here
   * with malloc, are what gsl_rng_free() frees. */
  gsl_rng *r = malloc(sizeof *r);
  void *state = calloc(1, xo_type.size);
  if (!r || !state) {
    free(r);
    free(state);
    return NULL;
  }
  r->type = &xo_type;
  r->state = state;
  gsl_rng_set(r, (unsigned long)seed);
  return r;
}

/* The ziggurat exponential.  Its tables (ziggurat.h) are generated at build
 * time by tools/gen_ziggurat.c.  One byte of a draw picks the layer. */
_Static_assert(CY_ZIG_EXP_LAYERS == 256, "the layer is the low 8 bits");

/* The slow path, taken about 1.1% of the time: the point fell outside the
 * layer's inner rectangle.  Layer 0 is the base strip, whose overhang is the
 * tail x > r; by memorylessness the tail is r plus a fresh exponential. */
static double zig_exp_slow(cy_xoshiro *x, uint64_t u, unsigned i) {
  for (;;) {
    if (i == 0)
      return CY_ZIG_EXP_R - log(cy_xoshiro_uniform_pos(x));
    double v = (double)u * cy__zig_exp_w[i];
    if (cy__zig_exp_f[i] +
            cy_xoshiro_uniform(x) * (cy__zig_exp_f[i - 1] - cy__zig_exp_f[i]) <
        exp(-v))
      return v;
    uint64_t r = cy_xoshiro_next(x);
    i = (unsigned)(r & 0xff);
    u = r >> 11;
    if (u < cy__zig_exp_k[i])
      return (double)u * cy__zig_exp_w[i];
  }
}

double cy_xoshiro_exp(cy_xoshiro *x) {
  /* The layer comes from the low 8 bits and the abscissa from the high 53,
   * so the two never share bits (the 32-bit original reused them). */
  uint64_t r = cy_xoshiro_next(x);
  unsigned i = (unsigned)(r & 0xff);
  uint64_t u = r >> 11;
  if (__builtin_expect(u < cy__zig_exp_k[i], 1))
    return (double)u * cy__zig_exp_w[i];
  return zig_exp_slow(x, u, i);
}
