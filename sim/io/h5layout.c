/* h5layout.c: see h5layout.h. */
#include "h5layout.h"

#include <string.h>

#define DATASET(member_, dataset_, shape_, type_, ...)                         \
  {.path = dataset_, .shape = CY_SHAPE_##shape_, .type = CY_ELEM_##type_},
const cy_h5_dataset cy__h5_datasets[CY_H5_N_DATASETS] = {
    [CY_H5_STATUS] = {"summary/status", CY_SHAPE_SCALAR, CY_ELEM_U8},
    [CY_H5_SEED] = {"summary/seed", CY_SHAPE_SCALAR, CY_ELEM_I64},
    CY_OUTCOME_FIELDS(DATASET)};
#undef DATASET

#define VAR(path_, units_, long_name_, description_)                           \
  {path_, units_, long_name_, description_},
static const cy_h5_var vars[] = {CY_FILE_VARIABLES(VAR)};
#undef VAR

/* /design (sim/MODEL.md, "Study designs"): apart from CY_FILE_VARIABLES,
 * whose names a sweep axis may not take, because /design is a group of
 * its own where no axis goes. */
static const cy_h5_var design_vars[] = {
    {"design/factor", NULL, "design factor",
     "sampled factor: a zip group's tag, else the sweep axis's name"},
    {"design/matrix", "1", "design matrix",
     "matrix of the point (flag_meanings): A, B, or AB_i, A with factor i "
     "taken from B"},
    {"design/row", "1", "design row", "row of the point within its matrix"},
    {"design/unit", "1", "unit coordinate",
     "coordinate of the point in the unit cube, per factor, in [0, 1)"},
};

const cy_h5_var *cy__h5_var(const char *path) {
  if (strncmp(path, "sweep/", 6) == 0)
    path = "sweep/";
  for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
    if (strcmp(vars[i].path, path) == 0)
      return &vars[i];
  for (size_t i = 0; i < sizeof design_vars / sizeof design_vars[0]; i++)
    if (strcmp(design_vars[i].path, path) == 0)
      return &design_vars[i];
  return NULL;
}

const char *const cy__h5_root_coords[] = {
    "point",  "replication", "attacker", "target",      "state", "alliance",
    "optype", "time",        "nv",       "time_bounds", NULL};

/* /events holds no point dimension (its point is a column), so no sweep
 * values; its state and alliance scales label the index columns attacker,
 * target, blamed and other (its optype is a column: the optype labels are
 * the root's and /summary's). */
const cy_h5_group cy__h5_groups[CY_H5_N_GROUPS] = {
    [CY_H5_G_SUMMARY] = {"summary",
                         {"point", "replication", "attacker", "target",
                          "optype", "alliance", NULL},
                         true},
    [CY_H5_G_TIMESERIES] = {"timeseries",
                            {"point", "replication", "time", "nv",
                             "time_bounds", "attacker", "target", NULL},
                            true},
    [CY_H5_G_EVENTS] = {"events", {"state", "alliance", NULL}, false},
};

/* Per shape: its dimension scales (the number of names is the rank) and
 * the message text naming every dimension. */
static const struct {
  int rank;
  const char *scales[3];
  const char *text;
} shapes[CY_SHAPE_COUNT] = {
    [CY_SHAPE_SCALAR] = {0, {NULL}, "point, replication"},
    [CY_SHAPE_NN] = {2,
                     {"attacker", "target"},
                     "point, replication, attacker, target"},
    [CY_SHAPE_K] = {1, {"optype"}, "point, replication, optype"},
    [CY_SHAPE_A] = {1, {"alliance"}, "point, replication, alliance"},
    [CY_SHAPE_BNN] = {3,
                      {"time", "attacker", "target"},
                      "point, replication, time, attacker, target"},
};

bool cy__h5_shape_present(cy_outcome_shape s, const cy_h5_sizes *z) {
  if (s == CY_SHAPE_A)
    return z->A > 0;
  if (s == CY_SHAPE_BNN)
    return z->B > 0;
  return true;
}

int cy__h5_shape_dims(cy_outcome_shape s, const cy_h5_sizes *z, hsize_t *dims,
                      const char **scales) {
  switch (s) {
  case CY_SHAPE_NN:
    dims[0] = z->N, dims[1] = z->N;
    break;
  case CY_SHAPE_K:
    dims[0] = z->K;
    break;
  case CY_SHAPE_A:
    dims[0] = z->A;
    break;
  case CY_SHAPE_BNN:
    dims[0] = z->B, dims[1] = z->N, dims[2] = z->N;
    break;
  default:
    break;
  }
  for (int i = 0; scales && i < shapes[s].rank; i++)
    scales[i] = shapes[s].scales[i];
  return shapes[s].rank;
}

const char *cy__h5_shape_text(cy_outcome_shape s) { return shapes[s].text; }

#define COLUMN(member_, type_, ...)                                            \
  {.name = #member_, .type = CY_ELEM_##type_, .log_field = LOG_##member_},
#define LOG_INDEX(member, ...) LOG_##member,
enum { CY_LOG_FIELDS(LOG_INDEX) };
const cy_h5_column cy__h5_event_columns[CY_H5_N_EVENT_COLUMNS] = {
    [CY_H5_EV_POINT] = {"point", CY_ELEM_U32, -1},
    [CY_H5_EV_REP] = {"replication", CY_ELEM_U32, -1},
    CY_LOG_FIELDS(COLUMN)};
#undef COLUMN
#undef LOG_INDEX

hid_t cy__h5_file_type(cy_elem_type t) {
  switch (t) {
  case CY_ELEM_U8:
    return H5T_STD_U8LE;
  case CY_ELEM_I16:
    return H5T_STD_I16LE;
  case CY_ELEM_U32:
    return H5T_STD_U32LE;
  case CY_ELEM_I32:
    return H5T_STD_I32LE;
  case CY_ELEM_U64:
    return H5T_STD_U64LE;
  case CY_ELEM_I64:
    return H5T_STD_I64LE;
  case CY_ELEM_F64:
    break;
  }
  return H5T_IEEE_F64LE;
}

hid_t cy__h5_mem_type(cy_elem_type t) {
  switch (t) {
  case CY_ELEM_U8:
    return H5T_NATIVE_UINT8;
  case CY_ELEM_I16:
    return H5T_NATIVE_INT16;
  case CY_ELEM_U32:
    return H5T_NATIVE_UINT32;
  case CY_ELEM_I32:
    return H5T_NATIVE_INT32;
  case CY_ELEM_U64:
    return H5T_NATIVE_UINT64;
  case CY_ELEM_I64:
    return H5T_NATIVE_INT64;
  case CY_ELEM_F64:
    break;
  }
  return H5T_NATIVE_DOUBLE;
}
