/* cy_scenario.h: one resolved scenario, as plain C data.
 *
 * The scenario loader (sim/scenario/study.c, the only module that sees
 * libconfig) fills these structs from a file, with every default of MODEL.md §9
 * applied, every reference resolved to an index and every range checked; the
 * model reads them and never needs to validate again.  A scenario is one sweep
 * point: cy_study (cy_study.h) produces one per point.
 *
 * Ownership: cy_scenario_init() zeroes caller storage; cy_scenario_fini()
 * frees every array the scenario points to. */
#ifndef CYSIM_CY_SCENARIO_H
#define CYSIM_CY_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
  CY_MAX_STATES = 256,
  CY_MIN_STATES = 2,
  CY_MAX_OPTYPES = 16,
  CY_ID_MAX = 64, /* ids and names, including the terminating NUL */
  /* Time-series bins a scenario may have: horizon / output.bin must stay
   * below this (2^31 - 1) when output.timeseries is on, so that every bin
   * count and index converts to an integer exactly. */
  CY_MAX_BINS = 2147483647,
};

typedef struct cy_optype {
  char name[CY_ID_MAX];
  double damage;     /* fraction of target value lost on success */
  double difficulty; /* q: multiplies the defender's defense */
  double severity;   /* hostility step when attributed */
} cy_optype;

typedef struct cy_state_spec {
  char id[CY_ID_MAX];
  double offense, defense, detection, attribution, misattribution;
  double exposure, value;
  double dwell;             /* mean days an undetected success stays hidden */
  double attribution_delay; /* mean days from detection to public blame */
  double relaxation;        /* tau, days */
  struct {
    char policy[CY_ID_MAX];     /* name in the attack policy registry */
    double rate;                /* lambda: operations per day at full weight */
    double mix[CY_MAX_OPTYPES]; /* per optype index; sums to 1 */
    double deterrence;          /* kappa >= 0 (MODEL.md §10.3); 0: none */
    double deterrence_memory;   /* tau_F > 0, days */
  } attack;
  struct {
    char policy[CY_ID_MAX]; /* name in the response policy registry */
    double escalation, delay, escalate;
  } response;
  struct {
    char policy[CY_ID_MAX]; /* name in the review policy registry */
    double interval;
  } review;
} cy_state_spec;

enum {
  CY_CLAUSE_NONAGGRESSION = 1u << 0,
  CY_CLAUSE_INTEL_SHARING = 1u << 1,
  CY_CLAUSE_MUTUAL_DEFENCE = 1u << 2,
  CY_CLAUSE_TECH_TRANSFER = 1u << 3,
  CY_CLAUSE_WORKING_GROUP = 1u << 4,
};

typedef enum cy_breach_rule {
  CY_BREACH_GRIM,
  CY_BREACH_TOLERANCE,
  CY_BREACH_NEVER,
} cy_breach_rule;
/* Outside the enum so that switches over the rules stay exhaustive. */
enum { CY_BREACH_COUNT = CY_BREACH_NEVER + 1 };

/* The scenario names of cy_breach_rule values ("grim", ...). */
extern const char *const cy_breach_rule_names[CY_BREACH_COUNT];

typedef struct cy_alliance_spec {
  char id[CY_ID_MAX];
  size_t n_members;
  int *members;     /* initial members: state indices, ascending, unique */
  double from;      /* activity window [from, until) in days; -INFINITY */
  double until;     /* (active from -warmup) / INFINITY when not given */
  bool enabled;     /* false: the alliance never acts (MODEL.md §10.4) */
  unsigned clauses; /* CY_CLAUSE_* bits */
  struct {
    double compliance, displacement;
    cy_breach_rule breach;
    uint32_t threshold;
    double window;
  } nonaggression;
  struct {
    double share, boost, ttl;
  } intel_sharing;
  struct {
    double solidarity;
    bool collective_response;
  } mutual_defence;
  struct {
    double rate;
  } tech_transfer;
  struct {
    double dampening, collapse_hostility;
  } working_group;
} cy_alliance_spec;

typedef enum cy_timeline_kind {
  CY_TL_SANCTIONS,
  CY_TL_INDICTMENT,
  CY_TL_ISOLATION,
  CY_TL_JOIN,
  CY_TL_LEAVE,
  CY_TL_END_ALLIANCE,
  CY_TL_SET,
} cy_timeline_kind;
enum { CY_TL_COUNT = CY_TL_SET + 1 };

/* The scenario names of cy_timeline_kind values (`event = "sanctions"`). */
extern const char *const cy_timeline_kind_names[CY_TL_COUNT];

/* State attributes a `set` timeline event may change. */
typedef enum cy_state_attr {
  CY_ATTR_OFFENSE,
  CY_ATTR_DEFENSE,
  CY_ATTR_DETECTION,
  CY_ATTR_ATTRIBUTION,
  CY_ATTR_MISATTRIBUTION,
  CY_ATTR_EXPOSURE,
  CY_ATTR_VALUE,
  CY_ATTR_DWELL,
  CY_ATTR_ATTRIBUTION_DELAY,
  CY_ATTR_RELAXATION,
  CY_ATTR_ATTACK_RATE,
  CY_ATTR_COUNT
} cy_state_attr;

/* The scenario names of cy_state_attr values, e.g. "attack.rate". */
extern const char *const cy_state_attr_names[CY_ATTR_COUNT];

typedef struct cy_timeline_spec {
  double at; /* day */
  cy_timeline_kind kind;
  int by, on;       /* sanctions, indictment: state indices */
  double hostility; /* sanctions, indictment: step for on->by and by->on */
  int state;        /* isolation, join, leave, set */
  double level;     /* isolation */
  int alliance;     /* join, leave, end_alliance */
  cy_state_attr attribute; /* set */
  double value;            /* set */
} cy_timeline_spec;

typedef struct cy_scenario {
  char name[CY_ID_MAX];
  char start[16]; /* ISO date "YYYY-MM-DD", or "" when not given */
  double horizon; /* days, > 0 */
  double warmup;  /* W >= 0: each replication starts at day -W (§10.2) */
  uint32_t replications;
  int64_t seed;
  double decisiveness; /* m */
  double default_hostility;

  size_t n_states;
  cy_state_spec *states; /* [n_states] */
  double *baseline;      /* [n_states * n_states]: b[i*N+j], i toward j */

  size_t n_optypes;
  cy_optype optypes[CY_MAX_OPTYPES];

  size_t n_alliances;
  cy_alliance_spec *alliances; /* [n_alliances] */

  size_t n_timeline;
  cy_timeline_spec *timeline; /* [n_timeline], sorted by `at`, stable */

  struct {
    double bin;      /* days per time-series bin */
    bool timeseries; /* write /timeseries/ops */
    bool event_log;  /* write /events */
  } output;
  /* `scenario.damage_shape`: shape of the Gamma noise on damage (mean kept
   * at value * damage); 0 = deterministic damage.  Added by the model work;
   * zero from cy_scenario_init() means deterministic. */
  double damage_shape;
} cy_scenario;

void cy_scenario_init(cy_scenario *s);
void cy_scenario_fini(cy_scenario *s);

/* Index of the state / alliance / optype with this id, or -1. */
int cy_scenario_state_index(const cy_scenario *s, const char *id);
int cy_scenario_alliance_index(const cy_scenario *s, const char *id);
int cy_scenario_optype_index(const cy_scenario *s, const char *name);

/* MODEL.md §9 defaults, for the loader and for tests that build scenarios
 * in C.  cy_scenario_defaults() sets scalars and the three default optypes
 * (no states, alliances or timeline); cy_state_spec_defaults() fills one
 * state (mix: all on optype 0); cy_alliance_spec_defaults() sets every
 * clause's parameters (clauses = 0, from = -INFINITY, until = INFINITY,
 * enabled). */
void cy_scenario_defaults(cy_scenario *s);
void cy_state_spec_defaults(cy_state_spec *st);
void cy_alliance_spec_defaults(cy_alliance_spec *a);

/* Calendar helpers for scenario.start: cy_date_parse() stores in *days the
 * day number (days since 1970-01-01) of a strict "YYYY-MM-DD" date (a real
 * calendar day) and returns 0, or returns -1; cy_date_format() writes the
 * date `days` after 1970-01-01 into buf (11 bytes). */
int cy_date_parse(const char *text, long *days);
void cy_date_format(long days, char buf[11]);

/* Number of time-series bins: ceil(horizon / bin); 0 when bin is not > 0;
 * CY_MAX_BINS + 1 when the quotient exceeds CY_MAX_BINS or is not a number
 * (the loader refuses such a scenario when it writes time series), so the
 * double never converts out of range. */
size_t cy_scenario_bins(const cy_scenario *s);

#endif
