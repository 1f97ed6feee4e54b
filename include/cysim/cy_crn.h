/* cy_crn.h: counter-based random numbers for common random numbers.
 *
 * MODEL.md §10.1: every random number of a run is a pure function of
 * (seed, replication, source, index, purpose), so that the same draw serves
 * the same purpose at every sweep point and no draw can shift another.
 * This header is that function.  It knows nothing of the model: a "source"
 * is a 64-bit code the caller builds (cy_crn_code()), an "index" counts the
 * caller's uses of the source, a "purpose" numbers the uniforms one use
 * takes.
 *
 * Construction (sim/MODEL.md, "Random numbers", gives the argument):
 *   key    = cy_stream_seed(seed, replication, 0)     the replication key
 *   source = M(key ^ M(code + C1))                    cy_crn_source()
 *   block  = M(source ^ M(index * C2 + C3))           cy_crn_block()
 *   bits   = M(block + (purpose + 1) * G)             cy_crn_bits()
 * where M is the splitmix64 finaliser (a bijection of 64-bit words), C2 is
 * odd and G is the golden-ratio increment of SplitMix64.  For a fixed key,
 * code -> source and (for a fixed source) index -> block are bijections, so
 * two uses of one source never share a block; the purposes of a block are
 * the outputs of a SplitMix64 generator started at that block (Steele, Lea
 * & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
 *
 * Everything is inline and allocation-free: a uniform costs one M once the
 * block is known, a block two. */
#ifndef CYSIM_CY_CRN_H
#define CYSIM_CY_CRN_H

#include <math.h>
#include <stdint.h>

/* The splitmix64 finaliser (the same function as cy_mix64(), inline). */
static inline uint64_t cy_crn_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* A source code from a kind (< 256) and up to four small indices:
 * a, b, c < 256 (states) and d < 2^32 (an alliance, say).  Distinct
 * arguments give distinct codes. */
static inline uint64_t cy_crn_code(unsigned kind, uint32_t d, unsigned c,
                                   unsigned a, unsigned b) {
  return (uint64_t)(kind & 0xffu) << 56 | (uint64_t)d << 24 |
         (uint64_t)(c & 0xffu) << 16 | (uint64_t)(a & 0xffu) << 8 |
         (uint64_t)(b & 0xffu);
}

static inline uint64_t cy_crn_source(uint64_t key, uint64_t code) {
  return cy_crn_mix(key ^ cy_crn_mix(code + UINT64_C(0x2545f4914f6cdd1d)));
}

static inline uint64_t cy_crn_block(uint64_t source, uint64_t index) {
  return cy_crn_mix(source ^ cy_crn_mix(index * UINT64_C(0xd1b54a32d192ed03) +
                                        UINT64_C(0x632be59bd9b4e019)));
}

/* 64 random bits for one purpose of a block. */
static inline uint64_t cy_crn_bits(uint64_t block, unsigned purpose) {
  return cy_crn_mix(block +
                    (uint64_t)(purpose + 1u) * UINT64_C(0x9e3779b97f4a7c15));
}

/* Uniform on [0, 1) with 53 random bits. */
static inline double cy_crn_uniform(uint64_t block, unsigned purpose) {
  return (double)(cy_crn_bits(block, purpose) >> 11) * 0x1.0p-53;
}

/* Unit-mean exponential by inversion, -log(1 - u) (MODEL.md §10.1), from
 * the purpose's uniform; finite (at most 53 ln 2 = 36.7) since u < 1.
 * log(1 - u) rather than log1p(-u): 2.6 times faster in glibc, and 1 - u is
 * exact (u is a multiple of 2^-53 in [0, 1)).  0.0 - x rather than -x so
 * that u = 0 gives +0, not -0. */
static inline double cy_crn_exp(uint64_t block, unsigned purpose) {
  return 0.0 - log(1.0 - cy_crn_uniform(block, purpose));
}

#endif
