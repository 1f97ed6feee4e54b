/* ziggurat.h: the ziggurat tables of cy_xoshiro_exp() (internal to core).
 *
 * Marsaglia & Tsang, "The ziggurat method for generating random variables",
 * J. Stat. Soft. 5(8), 2000: procedure zigset for the unit exponential with
 * 256 layers, scaled for 53-bit integers instead of 32-bit ones.  The tables
 * are constants rather than computed at first use so that threads need no
 * synchronisation and the hot path no "initialised?" test.
 *
 * tools/gen_ziggurat.c computes them from the two parameters below and the
 * build compiles its output (ziggurat_tables.c in the build tree) into core.
 * Every number must stay bit-identical: the tables decide every exponential
 * draw, so a changed last bit changes results for a fixed seed.
 * tests/test_core_rng.c checks them against a digest of the tables all
 * results so far were produced with. */
#ifndef CYSIM_CORE_ZIGGURAT_H
#define CYSIM_CORE_ZIGGURAT_H

#include <stdint.h>

/* r: the right edge of the base layer, where the tail begins.
 * v: the area of each layer (and of the base strip with its tail). */
#define CY_ZIG_EXP_R 7.697117470131487
#define CY_ZIG_EXP_V 3.949659822581572e-3

enum { CY_ZIG_EXP_LAYERS = 256 };

/* cy__zig_exp_k[i]: acceptance bound for a 53-bit integer in layer i
 * cy__zig_exp_w[i]: x_i / 2^53, maps that integer to an abscissa
 * cy__zig_exp_f[i]: exp(-x_i) */
extern const uint64_t cy__zig_exp_k[CY_ZIG_EXP_LAYERS];
extern const double cy__zig_exp_w[CY_ZIG_EXP_LAYERS];
extern const double cy__zig_exp_f[CY_ZIG_EXP_LAYERS];

#endif
