/* cy_policy.h: the policy registries.
 *
 * Attack, response and review policies are const type tables with function
 * pointers (like gsl_rng_type), one registry per kind, looked up by the name
 * a scenario uses.  The tables' layouts are private to the model
 * (sim/policy.h); this header only lets other modules (the scenario loader)
 * check names and list the valid ones. */
#ifndef CYSIM_CY_POLICY_H
#define CYSIM_CY_POLICY_H

#include <stddef.h>

typedef enum cy_policy_kind {
  CY_POLICY_ATTACK,
  CY_POLICY_RESPONSE,
  CY_POLICY_REVIEW,
} cy_policy_kind;

/* Number of registered policies of a kind, and the i-th one's name. */
size_t cy_policy_count(cy_policy_kind kind);
const char *cy_policy_name(cy_policy_kind kind, size_t i);
/* Index of the policy called name, or -1. */
int cy_policy_index(cy_policy_kind kind, const char *name);

#endif
