/* crn_stream.c: raw output of the counter-based draws (cysim/cy_crn.h) along
 * a walk over neighbouring keys, for an external battery (bench/crn_quality.sh
 * pipes it into `dieharder -g 200`, which reads raw 32-bit words on stdin).
 *
 *   crn_stream WALK [SEED [COUNT]]
 *
 * writes cy_crn_bits() of the n-th point of WALK for n = 0, 1, 2, ... as
 * 64-bit little-endian words (two 32-bit words each, low half first), COUNT
 * words or until stdout closes.  The walks (MODEL.md §10.1's arguments, one
 * varied by one at a time, all others fixed):
 *   index        source fixed, index n, purpose 0
 *   purpose      source fixed, index 0, purpose n (one block's SplitMix64)
 *   index_purpose  index n/8, purpose n%8 (a model's use: 8 per operation)
 *   code         code n = (c, a, b) counting up (neighbouring states i, j)
 *   kind         kind n%256 of state pair n/256 (neighbouring kinds)
 *   replication  key cy_stream_seed(SEED, n, 0)
 *   seed         key cy_stream_seed(SEED + n, 0, 0)
 * The default SEED is 20240601.  Not a benchmark: CMake builds it with the
 * benchmarks, bench/run.sh skips it (it is not named bench_*). */
#include "cysim/cy_crn.h"
#include "cysim/cy_rng.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BUF = 4096 };

typedef uint64_t (*walk_fn)(int64_t seed, uint64_t n);

/* The source every walk that holds it fixed uses: kind 3, alliance 0,
 * states (c, a, b) = (0, 1, 2). */
static uint64_t fixed_source(int64_t seed) {
  return cy_crn_source(cy_stream_seed(seed, 0, 0), cy_crn_code(3, 0, 0, 1, 2));
}

static uint64_t walk_index(int64_t seed, uint64_t n) {
  return cy_crn_bits(cy_crn_block(fixed_source(seed), n), 0);
}

static uint64_t walk_purpose(int64_t seed, uint64_t n) {
  return cy_crn_bits(cy_crn_block(fixed_source(seed), 0), (unsigned)n);
}

static uint64_t walk_index_purpose(int64_t seed, uint64_t n) {
  return cy_crn_bits(cy_crn_block(fixed_source(seed), n / 8),
                     (unsigned)(n % 8));
}

static uint64_t walk_code(int64_t seed, uint64_t n) {
  uint64_t code = cy_crn_code(3, (uint32_t)(n >> 24), (n >> 16) & 0xffu,
                              (n >> 8) & 0xffu, n & 0xffu);
  return cy_crn_bits(
      cy_crn_block(cy_crn_source(cy_stream_seed(seed, 0, 0), code), 0), 0);
}

static uint64_t walk_kind(int64_t seed, uint64_t n) {
  uint64_t p = n >> 8;
  uint64_t code = cy_crn_code(n & 0xffu, (uint32_t)(p >> 24), (p >> 16) & 0xffu,
                              (p >> 8) & 0xffu, p & 0xffu);
  return cy_crn_bits(
      cy_crn_block(cy_crn_source(cy_stream_seed(seed, 0, 0), code), 0), 0);
}

static uint64_t walk_replication(int64_t seed, uint64_t n) {
  uint64_t key = cy_stream_seed(seed, n, 0);
  return cy_crn_bits(
      cy_crn_block(cy_crn_source(key, cy_crn_code(3, 0, 0, 1, 2)), 0), 0);
}

static uint64_t walk_seed(int64_t seed, uint64_t n) {
  uint64_t key = cy_stream_seed((int64_t)((uint64_t)seed + n), 0, 0);
  return cy_crn_bits(
      cy_crn_block(cy_crn_source(key, cy_crn_code(3, 0, 0, 1, 2)), 0), 0);
}

static const struct {
  const char *name;
  walk_fn fn;
} walks[] = {{"index", walk_index},
             {"purpose", walk_purpose},
             {"index_purpose", walk_index_purpose},
             {"code", walk_code},
             {"kind", walk_kind},
             {"replication", walk_replication},
             {"seed", walk_seed}};

int main(int argc, char **argv) {
  walk_fn fn = NULL;
  for (size_t w = 0; argc > 1 && w < sizeof walks / sizeof walks[0]; w++)
    if (strcmp(argv[1], walks[w].name) == 0)
      fn = walks[w].fn;
  if (!fn) {
    fprintf(stderr, "usage: crn_stream index|purpose|index_purpose|code|kind|"
                    "replication|seed [SEED [COUNT]]\n");
    return 2;
  }
  int64_t seed = argc > 2 ? strtoll(argv[2], NULL, 0) : 20240601;
  uint64_t count = argc > 3 ? strtoull(argv[3], NULL, 0) : UINT64_MAX;
  static unsigned char buf[BUF * 8];
  for (uint64_t n = 0; n < count;) {
    size_t k = 0;
    for (; k < BUF && n < count; k++, n++) {
      uint64_t v = fn(seed, n);
      for (int b = 0; b < 8; b++)
        buf[8 * k + (size_t)b] = (unsigned char)(v >> (8 * b));
    }
    if (fwrite(buf, 8, k, stdout) != k)
      return errno == EPIPE ? 0 : 1; /* the battery has read enough */
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
