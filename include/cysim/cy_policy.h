/* cy_policy.h: the policy registries.
 *
 * Attack, response and review policies are const type tables with function
 * pointers (like gsl_rng_type), one registry per kind, looked up by the name
 * a scenario uses.  The tables' layouts are private to the model
 * (sim/model/policy.h); this header only lets other modules (the scenario
 * loader, `cysim validate`) check names and list the valid ones.  The names
 * are static strings: nobody frees them. */
#ifndef CYSIM_CY_POLICY_H
#define CYSIM_CY_POLICY_H

#include <stddef.h>

typedef enum cy_policy_kind {
  CY_POLICY_ATTACK,
  CY_POLICY_RESPONSE,
  CY_POLICY_REVIEW,
} cy_policy_kind;
/* Outside the enum so that switches over the kinds stay exhaustive. */
enum { CY_POLICY_KIND_COUNT = CY_POLICY_REVIEW + 1 };

/* The kind's scenario group: "attack", "response" or "review" (the key
 * `states.[i].<kind>.policy` names the policy). */
const char *cy_policy_kind_name(cy_policy_kind kind);

/* Number of registered policies of a kind, and the i-th one's name (NULL
 * when i is out of range). */
size_t cy_policy_count(cy_policy_kind kind);
const char *cy_policy_name(cy_policy_kind kind, size_t i);
/* Index of the policy called name, or -1 (also for a NULL name). */
int cy_policy_index(cy_policy_kind kind, const char *name);

#endif
