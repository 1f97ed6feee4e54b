/* cy_rng.h: random streams.
 *
 * One generator, xoshiro256++ (Blackman & Vigna), used two ways: through the
 * inline cy_xoshiro_* functions on the hot path, and registered as a
 * gsl_rng_type so every gsl_ran_* distribution draws from the same stream.
 *
 * Every stream is derived from (seed, replication, purpose) by a strong
 * 64-bit mixer (the splitmix64 finaliser), so seeds s and s + 2^32 give
 * unrelated streams and seeding costs a few nanoseconds. */
#ifndef CYSIM_CY_RNG_H
#define CYSIM_CY_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef struct cy_xoshiro {
  uint64_t s[4];
} cy_xoshiro;

/* The gsl_rng_type: gsl_rng_alloc(cy_rng_xoshiro256pp).  Its state is a
 * cy_xoshiro; gsl_rng_set() takes a full 64-bit seed (unsigned long is 64
 * bits on the LP64 systems we support). */
extern const gsl_rng_type *cy_rng_xoshiro256pp;

/* The splitmix64 finaliser: a bijective 64-bit mixer. */
uint64_t cy_mix64(uint64_t z);

/* The seed of the stream for (seed, replication, purpose).  MODEL.md §6:
 * a replication's stream depends on (seed, replication) only; `purpose`
 * separates independent sub-streams of one replication (0 for the main). */
uint64_t cy_stream_seed(int64_t seed, uint64_t replication, uint64_t purpose);

/* Seeds x from a 64-bit value (expanded with splitmix64; never all zero). */
void cy_xoshiro_seed(cy_xoshiro *x, uint64_t seed);

/* Allocates a GSL generator of our type seeded with seed; NULL on ENOMEM.
 * Free with gsl_rng_free(). */
gsl_rng *cy_rng_alloc(uint64_t seed);

/* The xoshiro state inside a generator allocated with our type. */
static inline cy_xoshiro *cy_rng_state(gsl_rng *r) {
  return (cy_xoshiro *)r->state;
}

static inline uint64_t cy_rotl64(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

/* The next 64-bit output of xoshiro256++. */
static inline uint64_t cy_xoshiro_next(cy_xoshiro *x) {
  uint64_t *s = x->s;
  uint64_t result = cy_rotl64(s[0] + s[3], 23) + s[0];
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = cy_rotl64(s[3], 45);
  return result;
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double cy_xoshiro_uniform(cy_xoshiro *x) {
  return (double)(cy_xoshiro_next(x) >> 11) * 0x1.0p-53;
}

/* Uniform on (0, 1): never 0, safe under log(). */
static inline double cy_xoshiro_uniform_pos(cy_xoshiro *x) {
  return ((double)(cy_xoshiro_next(x) >> 11) + 0.5) * 0x1.0p-53;
}

/* Unit-mean exponential by the ziggurat method (Marsaglia & Tsang); multiply
 * by the mean.  Much faster than gsl_ran_exponential's -mean*log(u). */
double cy_xoshiro_exp(cy_xoshiro *x);

#endif
