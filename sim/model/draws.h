/* draws.h: the sources and purposes of the model's random numbers
 * (MODEL.md §10.1; sim/MODEL.md "Random numbers" states them for users).
 *
 * Every random number of a run is cy_crn_uniform(block, purpose) with
 * block = cy_crn_block(cy_crn_source(key, code), index): a pure function of
 * (replication key, source, index, purpose).  Nothing is drawn from a
 * sequential stream, so a draw made or skipped at one sweep point cannot
 * shift any other, and the same draw serves the same purpose at every point.
 *
 * These two lists are the only place the sources and purposes are named;
 * append to them, never renumber (every result depends on the numbers). */
#ifndef CYSIM_MODEL_DRAWS_H
#define CYSIM_MODEL_DRAWS_H

#include "cysim/cy_crn.h"

/* X(name, code arguments, index) */
#define CY__DRAW_SOURCES(X)                                                    \
  X(CLOCK, "attacker, target", "clock m of channel (attacker, target)")        \
  X(OP, "attacker, target", "operation n of channel (attacker, target)")       \
  X(RESPONSE, "responder, blamed", "response m of responder against blamed")   \
  X(SHARE_OP, "alliance, receiver, attacker, detector",                        \
    "operation n of channel (attacker, detector)")                             \
  X(SHARE_RESPONSE, "alliance, receiver, attacker, detector",                  \
    "response m of attacker against detector")                                 \
  X(REVIEW, "state", "review k of the state (for review policies)")

#define CY__DRAW_SOURCE_ENUM(name, args, index) CY__SRC_##name,
enum cy__draw_source {
  CY__SRC_NONE, /* code 0 is never used */
  CY__DRAW_SOURCES(CY__DRAW_SOURCE_ENUM) CY__SRC_COUNT
};
#undef CY__DRAW_SOURCE_ENUM

/* The uniforms of one operation (spontaneous or response) and of one
 * response decision, by purpose.  X(name, use). */
#define CY__DRAW_PURPOSES(X)                                                   \
  X(CLOCK, "the unit exponential of a channel clock")                          \
  X(TYPE, "operation type from attack.mix")                                    \
  X(SUCCESS, "success against the Tullock probability")                        \
  X(DETECT, "detection")                                                       \
  X(DWELL, "exponential dwell before a success is detected")                   \
  X(ATTRIBUTE, "attribution of a detected operation")                          \
  X(ATTRIBUTION_DELAY, "exponential delay from detection to blame")            \
  X(MISATTRIBUTE, "blaming an innocent state")                                 \
  X(BLAMED, "which innocent state is blamed")                                  \
  X(DAMAGE, "seed of the Gamma damage noise (damage_shape > 0)")               \
  X(DELAY, "exponential delay of a response")                                  \
  X(ESCALATE, "escalation of a response")                                      \
  X(SHARE, "an intel-sharing indicator")

#define CY__DRAW_PURPOSE_ENUM(name, use) CY__DRAW_##name,
enum cy__draw_purpose { CY__DRAW_PURPOSES(CY__DRAW_PURPOSE_ENUM) };
#undef CY__DRAW_PURPOSE_ENUM

#endif
