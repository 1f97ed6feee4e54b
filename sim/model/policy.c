/* policy.c: the policy type tables and their registries (see policy.h).
 *
 * Each policy sees only its context; nothing here knows the model. */
#include "policy.h"

#include <math.h>
#include <string.h>

/* ---- attack policies: w_ij of MODEL.md §2 ---- */

static double weight_by_hostility(const cy_attack_context *ctx, size_t target) {
  return target == ctx->attacker ? 0.0 : ctx->hostility[target];
}

static void weigh_by_hostility(const cy_attack_context *ctx, double *weight) {
  for (size_t target = 0; target < ctx->n_states; target++)
    weight[target] = weight_by_hostility(ctx, target);
}

static double weight_uniformly(const cy_attack_context *ctx, size_t target) {
  return target == ctx->attacker ? 0.0 : 1.0 / (double)(ctx->n_states - 1);
}

static void weigh_uniformly(const cy_attack_context *ctx, double *weight) {
  double each = 1.0 / (double)(ctx->n_states - 1);
  for (size_t target = 0; target < ctx->n_states; target++)
    weight[target] = target == ctx->attacker ? 0.0 : each;
}

/* The sum of the other states' values, in state order (weights() and
 * weight() add in the same order, so they agree bit for bit). */
static double others_value(const cy_attack_context *ctx) {
  double total = 0.0;
  for (size_t target = 0; target < ctx->n_states; target++)
    if (target != ctx->attacker)
      total += ctx->value[target];
  return total;
}

static double value_share(const cy_attack_context *ctx, size_t target,
                          double total) {
  return (target == ctx->attacker || !(total > 0.0))
             ? 0.0
             : ctx->value[target] / total;
}

static double weight_by_value(const cy_attack_context *ctx, size_t target) {
  return value_share(ctx, target, others_value(ctx));
}

static void weigh_by_value(const cy_attack_context *ctx, double *weight) {
  double total = others_value(ctx);
  for (size_t target = 0; target < ctx->n_states; target++)
    weight[target] = value_share(ctx, target, total);
}

/* Retaliatory states never attack on their own: they act only through
 * their response policy. */
static double weight_nothing(const cy_attack_context *ctx, size_t target) {
  (void)ctx;
  (void)target;
  return 0.0;
}

static void weigh_nothing(const cy_attack_context *ctx, double *weight) {
  for (size_t target = 0; target < ctx->n_states; target++)
    weight[target] = 0.0;
}

static const cy_attack_policy_type attack_hostility = {
    .name = "hostility",
    .weights = weigh_by_hostility,
    .weight = weight_by_hostility};
static const cy_attack_policy_type attack_uniform = {
    .name = "uniform", .weights = weigh_uniformly, .weight = weight_uniformly};
static const cy_attack_policy_type attack_value = {
    .name = "value", .weights = weigh_by_value, .weight = weight_by_value};
static const cy_attack_policy_type attack_retaliatory = {
    .name = "retaliatory", .weights = weigh_nothing, .weight = weight_nothing};

/* ---- response policies: MODEL.md §4 ---- */

static int respond_never(const cy_response_context *ctx) {
  (void)ctx;
  return -1;
}

static int respond_in_kind(const cy_response_context *ctx) {
  return ctx->optype;
}

static int respond_escalating(const cy_response_context *ctx) {
  return cy_crn_uniform(ctx->draws, CY__DRAW_ESCALATE) <
                 ctx->spec->response.escalate
             ? ctx->more_severe
             : ctx->optype;
}

static const cy_response_policy_type response_none = {.name = "none",
                                                      .choose = respond_never};
static const cy_response_policy_type response_proportional = {
    .name = "proportional", .choose = respond_in_kind};
static const cy_response_policy_type response_escalating = {
    .name = "escalating", .choose = respond_escalating};

/* ---- review policies: MODEL.md §5 ---- */

/* Relaxation of the state's hostility row toward its baseline over one
 * review interval: h <- b + (h - b) exp(-interval / tau). */
static bool review_relax(const cy_review_context *ctx) {
  double tau = ctx->attr[CY_ATTR_RELAXATION];
  double kept = tau > 0.0 ? exp(-ctx->spec->review.interval / tau) : 0.0;
  const double *baseline = ctx->baseline;
  double *hostility = ctx->hostility;
  bool wrote = false;
  for (size_t other = 0; other < ctx->n_states; other++) {
    if (other == ctx->state || hostility[other] == baseline[other])
      continue;
    hostility[other] =
        baseline[other] + (hostility[other] - baseline[other]) * kept;
    wrote = true;
  }
  return wrote;
}

static const cy_review_policy_type review_periodic = {.name = "periodic",
                                                      .review = review_relax};

/* ---- the registries: each kind's list, the one place a policy is listed
 * (in the order `cysim validate` and the loader's messages give them) ---- */

static const cy_attack_policy_type *const attack_policies[] = {
    &attack_hostility,
    &attack_uniform,
    &attack_value,
    &attack_retaliatory,
};
static const cy_response_policy_type *const response_policies[] = {
    &response_none,
    &response_proportional,
    &response_escalating,
};
static const cy_review_policy_type *const review_policies[] = {
    &review_periodic,
};

#define COUNT(list) (sizeof(list) / sizeof((list)[0]))

/* The name of the i-th entry of a list; the lists differ in type, so each
 * gets its own accessor for the kind table below. */
#define NAME_AT(list)                                                          \
  static const char *list##_name(size_t i) { return list[i]->name; }
NAME_AT(attack_policies)
NAME_AT(response_policies)
NAME_AT(review_policies)

/* What cy_policy_count/name/index need of each kind, so that they are
 * written once for every kind. */
static const struct policy_kind {
  const char *name; /* the scenario group */
  size_t count;
  const char *(*name_at)(size_t i);
} kinds[CY_POLICY_KIND_COUNT] = {
    [CY_POLICY_ATTACK] = {.name = "attack",
                          .count = COUNT(attack_policies),
                          .name_at = attack_policies_name},
    [CY_POLICY_RESPONSE] = {.name = "response",
                            .count = COUNT(response_policies),
                            .name_at = response_policies_name},
    [CY_POLICY_REVIEW] = {.name = "review",
                          .count = COUNT(review_policies),
                          .name_at = review_policies_name},
};

static const struct policy_kind *kind_of(cy_policy_kind kind) {
  return (unsigned)kind < CY_POLICY_KIND_COUNT ? &kinds[kind] : NULL;
}

const char *cy_policy_kind_name(cy_policy_kind kind) {
  const struct policy_kind *k = kind_of(kind);
  return k ? k->name : NULL;
}

size_t cy_policy_count(cy_policy_kind kind) {
  const struct policy_kind *k = kind_of(kind);
  return k ? k->count : 0;
}

const char *cy_policy_name(cy_policy_kind kind, size_t i) {
  const struct policy_kind *k = kind_of(kind);
  return k && i < k->count ? k->name_at(i) : NULL;
}

int cy_policy_index(cy_policy_kind kind, const char *name) {
  const struct policy_kind *k = kind_of(kind);
  if (!k || !name)
    return -1;
  for (size_t i = 0; i < k->count; i++)
    if (strcmp(k->name_at(i), name) == 0)
      return (int)i;
  return -1;
}

const cy_attack_policy_type *cy__attack_policy_find(const char *name) {
  int i = cy_policy_index(CY_POLICY_ATTACK, name);
  return i < 0 ? NULL : attack_policies[i];
}

const cy_response_policy_type *cy__response_policy_find(const char *name) {
  int i = cy_policy_index(CY_POLICY_RESPONSE, name);
  return i < 0 ? NULL : response_policies[i];
}

const cy_review_policy_type *cy__review_policy_find(const char *name) {
  int i = cy_policy_index(CY_POLICY_REVIEW, name);
  return i < 0 ? NULL : review_policies[i];
}
