/* policy.c: TEMPORARY name-only registry written by the lead so the loader
 * links; the model work replaces it with const type tables (same API). */
#include "cysim/cy_policy.h"

#include <string.h>

static const char *const attack[] = {"hostility", "uniform", "value",
                                     "retaliatory"};
static const char *const response[] = {"none", "proportional", "escalating"};
static const char *const review[] = {"periodic"};

static const char *const *table(cy_policy_kind k, size_t *n) {
  switch (k) {
  case CY_POLICY_ATTACK:
    *n = 4;
    return attack;
  case CY_POLICY_RESPONSE:
    *n = 3;
    return response;
  default:
    *n = 1;
    return review;
  }
}

size_t cy_policy_count(cy_policy_kind kind) {
  size_t n;
  table(kind, &n);
  return n;
}
const char *cy_policy_name(cy_policy_kind kind, size_t i) {
  size_t n;
  const char *const *t = table(kind, &n);
  return i < n ? t[i] : NULL;
}
int cy_policy_index(cy_policy_kind kind, const char *name) {
  size_t n;
  const char *const *t = table(kind, &n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i], name) == 0)
      return (int)i;
  return -1;
}
