/* policy.c: the policy type tables and their registries (see policy.h). */
#include "policy.h"

#include <string.h>

/* ---- attack policies: w_ij of MODEL.md §2 ---- */

static void w_hostility(size_t n, size_t i, const double *h_row,
                        const double *value, double *w) {
  (void)value;
  for (size_t j = 0; j < n; j++)
    w[j] = j == i ? 0.0 : h_row[j];
}

static void w_uniform(size_t n, size_t i, const double *h_row,
                      const double *value, double *w) {
  (void)h_row;
  (void)value;
  double u = 1.0 / (double)(n - 1);
  for (size_t j = 0; j < n; j++)
    w[j] = j == i ? 0.0 : u;
}

static void w_value(size_t n, size_t i, const double *h_row,
                    const double *value, double *w) {
  (void)h_row;
  double total = 0.0;
  for (size_t j = 0; j < n; j++)
    if (j != i)
      total += value[j];
  for (size_t j = 0; j < n; j++)
    w[j] = (j == i || !(total > 0.0)) ? 0.0 : value[j] / total;
}

/* Retaliatory states never attack on their own: they act only through
 * their response policy. */
static void w_retaliatory(size_t n, size_t i, const double *h_row,
                          const double *value, double *w) {
  (void)i;
  (void)h_row;
  (void)value;
  for (size_t j = 0; j < n; j++)
    w[j] = 0.0;
}

static const cy_attack_policy_type attack_hostility = {.name = "hostility",
                                                       .weights = w_hostility};
static const cy_attack_policy_type attack_uniform = {.name = "uniform",
                                                     .weights = w_uniform};
static const cy_attack_policy_type attack_value = {.name = "value",
                                                   .weights = w_value};
static const cy_attack_policy_type attack_retaliatory = {
    .name = "retaliatory", .weights = w_retaliatory};

/* ---- response policies: MODEL.md §4 ---- */

static int r_none(int k, int next, double escalate, cy_xoshiro *x) {
  (void)k;
  (void)next;
  (void)escalate;
  (void)x;
  return -1;
}

static int r_proportional(int k, int next, double escalate, cy_xoshiro *x) {
  (void)next;
  (void)escalate;
  (void)x;
  return k;
}

static int r_escalating(int k, int next, double escalate, cy_xoshiro *x) {
  /* Draw even when next == k so the stream use does not depend on k. */
  return cy_xoshiro_uniform(x) < escalate ? next : k;
}

static const cy_response_policy_type response_none = {.name = "none",
                                                      .choose = r_none};
static const cy_response_policy_type response_proportional = {
    .name = "proportional", .choose = r_proportional};
static const cy_response_policy_type response_escalating = {
    .name = "escalating", .choose = r_escalating};

/* ---- review policies: MODEL.md §5 ---- */

static const cy_review_policy_type review_periodic = {
    .name = "periodic", .review = cy_model_review_periodic};

/* ---- registries: one line per policy ---- */

static const cy_attack_policy_type *const attack_registry[] = {
    &attack_hostility,
    &attack_uniform,
    &attack_value,
    &attack_retaliatory,
};
static const cy_response_policy_type *const response_registry[] = {
    &response_none,
    &response_proportional,
    &response_escalating,
};
static const cy_review_policy_type *const review_registry[] = {
    &review_periodic,
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

size_t cy_policy_count(cy_policy_kind kind) {
  switch (kind) {
  case CY_POLICY_ATTACK:
    return COUNT(attack_registry);
  case CY_POLICY_RESPONSE:
    return COUNT(response_registry);
  case CY_POLICY_REVIEW:
    return COUNT(review_registry);
  }
  return 0;
}

const char *cy_policy_name(cy_policy_kind kind, size_t i) {
  if (i >= cy_policy_count(kind))
    return NULL;
  switch (kind) {
  case CY_POLICY_ATTACK:
    return attack_registry[i]->name;
  case CY_POLICY_RESPONSE:
    return response_registry[i]->name;
  case CY_POLICY_REVIEW:
    return review_registry[i]->name;
  }
  return NULL;
}

int cy_policy_index(cy_policy_kind kind, const char *name) {
  if (!name)
    return -1;
  size_t n = cy_policy_count(kind);
  for (size_t i = 0; i < n; i++)
    if (strcmp(cy_policy_name(kind, i), name) == 0)
      return (int)i;
  return -1;
}

const cy_attack_policy_type *cy_attack_policy_find(const char *name) {
  int i = cy_policy_index(CY_POLICY_ATTACK, name);
  return i < 0 ? NULL : attack_registry[i];
}

const cy_response_policy_type *cy_response_policy_find(const char *name) {
  int i = cy_policy_index(CY_POLICY_RESPONSE, name);
  return i < 0 ? NULL : response_registry[i];
}

const cy_review_policy_type *cy_review_policy_find(const char *name) {
  int i = cy_policy_index(CY_POLICY_REVIEW, name);
  return i < 0 ? NULL : review_registry[i];
}
