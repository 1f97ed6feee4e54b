/* merge.c: shards of one study into one file (see cy_merge.h).
 *
 * In steps, each a function below: open_inputs (every input through the
 * hardened reader, then compared with the first: same study), plan (who
 * holds each run, what is missing), open_output (lock, refusals, the copy
 * of the fullest input as OUT.h5.tmp), the blocks (one chunk of every
 * dataset each, in the writer's block order), the event log, the root
 * attributes, and the rename. */
#include "cysim/cy_merge.h"
#include "cysim/cy_study.h"
#include "h5io.h"
#include "h5layout.h"
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct input {
  const char *path;
  cy_h5r *r;
  const cy_h5r_meta *m;
  hid_t ds[CY_H5_N_DATASETS];
  /* Its chunks have the output's shape and filters: copied as stored. */
  bool raw[CY_H5_N_DATASETS];
  size_t held;     /* runs its status marks done */
  bool chunked;    /* a final file (not an OUT.h5.partial): a template */
  char *overrides; /* /provenance `overrides` ("" when absent) */
} input;

typedef struct merger {
  const cy_merge_opts *o;
  cy_merge_stats *st;
  input *in;
  size_t n;
  size_t tmpl; /* the input the output starts as a copy of */
  cy_h5_sizes z;
  size_t C, bpp; /* replications per chunk, blocks per point */
  size_t per[CY_H5_N_DATASETS];
  uint32_t *owner; /* [P*R] 1 + the first input holding the run, 0: none */
  uint8_t *multi;  /* [P*R] held by more than one input */
  cy_outfiles files;
  bool files_made;
  hid_t out;
  hid_t ods[CY_H5_N_DATASETS];
  unsigned char *buf[CY_H5_N_DATASETS]; /* one block of each dataset */
  unsigned char *rows;                  /* one input's rows of a block */
  /* The output's datasets are shuffled before deflate (the template's
   * choice: older cysim shuffled floats too). */
  bool shuffled[CY_H5_N_DATASETS];
  cy__h5_zip *zip;
  unsigned char *zb;
  size_t zcap;
} merger;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int nomem(cy_error *err) {
  return cy_error_set(err, CY_ENOMEM, "out of memory");
}

static const cy_h5_dataset *dataset(int f) { return &cy__h5_datasets[f]; }

static size_t elem_size(int f) { return cy_elem_size(dataset(f)->type); }

static bool present(const merger *g, int f) {
  return cy__h5_shape_present(dataset(f)->shape, &g->z);
}

/* ---- inputs ---- */

/* The overrides, which the reader leaves out, and whether the file is
 * chunked as a final file is (an interrupted run's OUT.h5.partial is
 * contiguous: its runs are merged, but it cannot be the template). */
static int read_overrides(input *in, cy_error *err) {
  hid_t d = H5Dopen2(cy__h5r_file_id(in->r), "summary/status", H5P_DEFAULT);
  hid_t pl = d < 0 ? -1 : H5Dget_create_plist(d);
  in->chunked = pl >= 0 && H5Pget_layout(pl) == H5D_CHUNKED;
  if (pl >= 0)
    H5Pclose(pl);
  if (d >= 0)
    H5Dclose(d);
  hid_t g = H5Gopen2(cy__h5r_file_id(in->r), "provenance", H5P_DEFAULT);
  int rc = CY_OK;
  if (g >= 0 && H5Aexists(g, "overrides") > 0)
    rc = cy__h5_get_attr_str(g, in->path, "overrides", &in->overrides, err);
  else if (!(in->overrides = strdup("")))
    rc = nomem(err);
  if (g >= 0)
    H5Gclose(g);
  return rc;
}

/* The first difference between two files' studies, or NULL. */
static const char *differs_in_sizes(const cy_h5r_meta *a,
                                    const cy_h5r_meta *b) {
  if (a->format_version != b->format_version)
    return "format version";
  if (a->seed != b->seed)
    return "seed";
  if (a->R != b->R)
    return "replication count";
  if (a->P != b->P || a->n_axes != b->n_axes)
    return "sweep";
  if (a->N != b->N || memcmp(a->states, b->states, a->N * CY_ID_MAX))
    return "states";
  if (a->K != b->K || memcmp(a->optypes, b->optypes, a->K * CY_ID_MAX))
    return "optypes";
  if (a->A != b->A ||
      (a->A && memcmp(a->alliances, b->alliances, a->A * CY_ID_MAX)))
    return "alliances";
  if (a->B != b->B || a->timeseries != b->timeseries ||
      (a->time_bounds &&
       memcmp(a->time_bounds, b->time_bounds, a->B * 2 * sizeof(double))))
    return "time bins";
  if (a->horizon != b->horizon || strcmp(a->start, b->start))
    return "horizon or start date";
  if (a->event_log != b->event_log)
    return "event log setting";
  return NULL;
}

/* Two designs of P points: method, sizes, seed, factors and points. */
static const char *differs_in_design(const cy_design *a, const cy_design *b,
                                     size_t P) {
  if (a->method != b->method || a->samples != b->samples ||
      a->n_factors != b->n_factors || a->seed != b->seed)
    return "design";
  if (a->method == CY_DESIGN_GRID)
    return NULL;
  size_t k = a->n_factors;
  if (memcmp(a->factors, b->factors, k * CY_ID_MAX) ||
      memcmp(a->matrix, b->matrix, P) ||
      memcmp(a->row, b->row, P * sizeof *a->row) ||
      memcmp(a->unit, b->unit, P * k * sizeof *a->unit))
    return "design";
  return NULL;
}

static const char *differs_in_points(const cy_h5r_meta *a,
                                     const cy_h5r_meta *b) {
  for (size_t x = 0; x < a->n_axes; x++) {
    const cy_h5r_axis *u = &a->axes[x], *v = &b->axes[x];
    if (strcmp(u->name, v->name) || strcmp(u->path, v->path) ||
        u->type != v->type)
      return "sweep axes";
    for (size_t p = 0; p < a->P; p++)
      if (u->str ? strcmp(u->str[p], v->str[p]) != 0
                 : memcmp(&u->num[p], &v->num[p], sizeof(double)) != 0)
        return "sweep values";
  }
  if (a->alliance_enabled && b->alliance_enabled &&
      memcmp(a->alliance_enabled, b->alliance_enabled, a->P * a->A))
    return "enabled alliances";
  return differs_in_design(&a->design, &b->design, a->P);
}

/* b is of a's study, or CY_EINPUT naming what differs. */
static int same_study(const input *a, const input *b, cy_error *err) {
  const char *what = differs_in_sizes(a->m, b->m);
  if (!what)
    what = differs_in_points(a->m, b->m);
  if (!what && strcmp(cy__h5r_scenario_text(a->r), cy__h5r_scenario_text(b->r)))
    what = "scenario text";
  if (!what && strcmp(a->overrides, b->overrides))
    what = "--set overrides";
  if (!what)
    return CY_OK;
  return cy_error_set(err, CY_EINPUT,
                      "%s: not a shard of the study in %s: another %s", b->path,
                      a->path, what);
}

static int open_inputs(merger *g, cy_error *err) {
  g->in = calloc(g->n, sizeof *g->in);
  if (!g->in)
    return nomem(err);
  int rc = CY_OK;
  for (size_t k = 0; !rc && k < g->n; k++) {
    input *in = &g->in[k];
    in->path = g->o->inputs[k];
    for (int f = 0; f < CY_H5_N_DATASETS; f++)
      in->ds[f] = -1;
    rc = cy__h5r_open(&in->r, in->path, err);
    if (!rc) {
      in->m = cy__h5r_meta_of(in->r);
      rc = read_overrides(in, err);
    }
    if (!rc && k > 0)
      rc = same_study(&g->in[0], in, err);
  }
  return rc;
}

/* ---- the plan ---- */

/* "3, 5-9, 12": the set entries of flags[0, n), into buf. */
static void ranges_text(const uint8_t *flags, size_t n, char *buf, size_t cap) {
  size_t len = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n && len < cap; i++) {
    if (!flags[i])
      continue;
    size_t e = i;
    while (e + 1 < n && flags[e + 1])
      e++;
    int w = e > i ? snprintf(buf + len, cap - len, "%s%zu-%zu", len ? ", " : "",
                             i, e)
                  : snprintf(buf + len, cap - len, "%s%zu", len ? ", " : "", i);
    len += w > 0 ? (size_t)w : 0;
    i = e;
  }
}

/* One line per missing task when every input is a shard of one split,
 * then one per point with missing runs. */
static void report_missing(merger *g) {
  if (!g->o->missing || !g->st->runs_missing)
    return;
  size_t R = g->z.R, runs = g->z.P * R;
  int64_t tasks = g->in[0].m->tasks;
  for (size_t k = 1; k < g->n; k++)
    if (g->in[k].m->tasks != tasks)
      tasks = 0;
  char line[1024];
  for (size_t t = 0; tasks > 0 && (int64_t)t < tasks; t++) {
    size_t lo, hi, miss = 0;
    cy_study_task_runs(runs, t, (size_t)tasks, &lo, &hi);
    for (size_t i = lo; i < hi; i++)
      miss += !g->owner[i];
    if (miss) {
      snprintf(line, sizeof line, "task %zu of %lld: %zu of its %zu runs", t,
               (long long)tasks, miss, hi - lo);
      g->o->missing(line, g->o->missing_ctx);
    }
  }
  uint8_t *flags = malloc(R);
  char *text = malloc(900);
  for (size_t p = 0; flags && text && p < g->z.P; p++) {
    size_t miss = 0;
    for (size_t r = 0; r < R; r++)
      miss += flags[r] = !g->owner[p * R + r];
    if (!miss)
      continue;
    ranges_text(flags, R, text, 900);
    snprintf(line, sizeof line, "point %zu: %zu replication%s: %s", p, miss,
             miss == 1 ? "" : "s", text);
    g->o->missing(line, g->o->missing_ctx);
  }
  free(flags);
  free(text);
}

/* Who holds each run; the template is the input holding most runs. */
static int plan(merger *g, cy_error *err) {
  g->z = (cy_h5_sizes){g->in[0].m->P, g->in[0].m->R, g->in[0].m->N,
                       g->in[0].m->K, g->in[0].m->A, g->in[0].m->B};
  size_t runs = g->z.P * g->z.R;
  g->owner = calloc(runs, sizeof *g->owner);
  g->multi = calloc(runs, 1);
  if (!g->owner || !g->multi)
    return nomem(err);
  for (size_t k = 0; k < g->n; k++) {
    const uint8_t *s = g->in[k].m->status;
    for (size_t i = 0; i < runs; i++) {
      if (!s[i])
        continue;
      g->in[k].held++;
      if (g->owner[i])
        g->multi[i] = 1;
      else
        g->owner[i] = (uint32_t)k + 1;
    }
    if (g->in[k].chunked &&
        (!g->in[g->tmpl].chunked || g->in[k].held > g->in[g->tmpl].held))
      g->tmpl = k;
  }
  cy_merge_stats *st = g->st;
  st->points = g->z.P;
  st->replications = g->z.R;
  st->runs_total = runs;
  for (size_t i = 0; i < runs; i++) {
    st->runs_present += g->owner[i] != 0;
    st->duplicates += g->multi[i];
  }
  st->runs_missing = runs - st->runs_present;
  report_missing(g);
  if (st->runs_missing && !g->o->allow_partial)
    return cy_error_set(err, CY_EINPUT,
                        "%zu of %zu runs are in no input (listed above); "
                        "run the missing tasks, or add --allow-partial to "
                        "merge what there is",
                        st->runs_missing, runs);
  return CY_OK;
}

/* ---- the output ---- */

/* Refuses an output that is one of the inputs, or exists without force. */
static int check_output(merger *g, cy_error *err) {
  const char *out = g->o->output;
  cy_path_kind kind = cy__path_kind_of(out);
  if (kind == CY_PATH_OTHER)
    return cy_error_set(err, CY_EINPUT,
                        "%s is a directory or a special file, not an output",
                        out);
  struct stat so, si;
  if (kind != CY_PATH_NONE && stat(out, &so) == 0)
    for (size_t k = 0; k < g->n; k++)
      if (stat(g->in[k].path, &si) == 0 && si.st_dev == so.st_dev &&
          si.st_ino == so.st_ino)
        return cy_error_set(err, CY_EINPUT,
                            "%s is also an input: merge into a new file", out);
  if (kind != CY_PATH_NONE && !g->o->force)
    return cy_error_set(err, CY_EEXIST, "%s exists; use --force to replace it",
                        out);
  return CY_OK;
}

/* The template's bytes into a new file (O_EXCL: no link followed). */
static int copy_file(const char *from, const char *to, cy_error *err) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  int out =
      in < 0 ? -1 : open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  int rc =
      in < 0 || out < 0
          ? cy_error_set(err, CY_EIO, "%s: cannot %s: %s", in < 0 ? from : to,
                         in < 0 ? "open" : "create", strerror(errno))
          : CY_OK;
  enum { BUF = 1 << 20 };
  char *buf = rc ? NULL : malloc(BUF);
  if (!rc && !buf)
    rc = nomem(err);
  for (ssize_t n; !rc && (n = read(in, buf, BUF)) != 0;) {
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 || write(out, buf, (size_t)n) != n)
      rc = cy_error_set(err, CY_EIO, "%s: cannot copy to %s: %s", from, to,
                        strerror(errno));
  }
  free(buf);
  if (out >= 0 && close(out) != 0 && !rc)
    rc = cy_error_set(err, CY_EIO, "%s: %s", to, strerror(errno));
  if (in >= 0)
    close(in);
  return rc;
}

/* The id of filter i of a dataset creation list (-1 when unreadable). */
static H5Z_filter_t filter_id(hid_t plist, int i) {
  unsigned flags, cd[16], config;
  size_t n = sizeof cd / sizeof cd[0];
  char name[64];
  return H5Pget_filter2(plist, (unsigned)i, &flags, &n, cd, sizeof name, name,
                        &config);
}

/* Dataset f of the output, its chunk shape and filters, and which inputs
 * store theirs alike (their chunks are then copied as stored). */
static int open_output_dataset(merger *g, int f, cy_error *err) {
  const char *name = dataset(f)->path;
  g->ods[f] = H5Dopen2(g->out, name, H5P_DEFAULT);
  if (g->ods[f] < 0)
    return cy__h5_fail(err, g->files.tmp, "open", name);
  hid_t op = H5Dget_create_plist(g->ods[f]);
  for (int i = 0; i < H5Pget_nfilters(op); i++)
    g->shuffled[f] |= filter_id(op, i) == H5Z_FILTER_SHUFFLE;
  hsize_t oc[5] = {0}, c[5];
  int nd = H5Pget_chunk(op, 5, oc);
  if (f == CY_H5_STATUS)
    g->C = nd == 2 && oc[1] > 0 ? (size_t)oc[1] : 0;
  int rc = nd < 2 || oc[0] != 1 || oc[1] != g->C
               ? cy_error_set(err, CY_EINPUT,
                              "%s: /%s is not chunked by point and a block of "
                              "replications as cysim writes it",
                              g->in[g->tmpl].path, name)
               : CY_OK;
  for (size_t k = 0; !rc && k < g->n; k++) {
    input *in = &g->in[k];
    in->ds[f] = H5Dopen2(cy__h5r_file_id(in->r), name, H5P_DEFAULT);
    if (in->ds[f] < 0)
      return cy__h5_fail(err, in->path, "open", name);
    hid_t ip = H5Dget_create_plist(in->ds[f]);
    bool same = ip >= 0 && H5Pget_chunk(ip, 5, c) == nd &&
                H5Pget_nfilters(ip) == H5Pget_nfilters(op);
    for (int i = 0; same && i < nd; i++)
      same = c[i] == oc[i];
    for (int i = 0; same && i < H5Pget_nfilters(op); i++)
      same = filter_id(ip, i) == filter_id(op, i);
    in->raw[f] = same;
    if (ip >= 0)
      H5Pclose(ip);
  }
  H5Pclose(op);
  return rc;
}

static int open_output(merger *g, cy_error *err) {
  if (!g->in[g->tmpl].chunked)
    return cy_error_set(err, CY_EINPUT,
                        "%s: every input is an interrupted run's partial "
                        "file; merge needs at least one finished file",
                        g->in[g->tmpl].path);
  int rc = cy__outfiles_init(&g->files, g->o->output, err);
  if (!rc)
    rc = cy__outfiles_lock(&g->files, err);
  if (!rc)
    rc = check_output(g, err);
  if (!rc)
    rc = cy__remove(g->files.tmp, err);
  if (!rc) {
    g->files_made = true;
    rc = copy_file(g->in[g->tmpl].path, g->files.tmp, err);
  }
  if (rc)
    return rc;
  g->out = H5Fopen(g->files.tmp, H5F_ACC_RDWR, H5P_DEFAULT);
  if (g->out < 0)
    return cy__h5_fail(err, g->files.tmp, "open", "/");
  for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++) {
    hsize_t d[3];
    int nd = cy__h5_shape_dims(dataset(f)->shape, &g->z, d, NULL);
    g->per[f] = 1;
    for (int i = 0; i < nd; i++)
      g->per[f] *= (size_t)d[i];
    if (present(g, f))
      rc = open_output_dataset(g, f, err);
  }
  if (rc)
    return rc;
  g->bpp = (g->z.R + g->C - 1) / g->C;
  size_t largest = 1;
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    if (present(g, f) && g->per[f] * elem_size(f) > largest)
      largest = g->per[f] * elem_size(f);
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    if (present(g, f) && !(g->buf[f] = malloc(g->C * g->per[f] * elem_size(f))))
      return nomem(err);
  g->zip = cy__h5_zip_alloc();
  return g->zip && (g->rows = malloc(g->C * largest)) ? CY_OK : nomem(err);
}

/* ---- blocks ---- */

/* Rows [r0, r0 + n) of point p of dataset f of input k into g->rows:
 * decoded, so a damaged chunk is refused here, never copied. */
static int read_rows(merger *g, size_t k, int f, size_t p, size_t r0, size_t n,
                     cy_error *err) {
  input *in = &g->in[k];
  hsize_t start[5] = {p, r0}, count[5] = {1, n};
  int nd = 2 + cy__h5_shape_dims(dataset(f)->shape, &g->z, count + 2, NULL);
  hid_t fs = H5Dget_space(in->ds[f]);
  hid_t ms = H5Screate_simple(nd, count, NULL);
  herr_t hr = H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
  if (hr >= 0)
    hr = H5Dread(in->ds[f], cy__h5_mem_type(dataset(f)->type), ms, fs,
                 H5P_DEFAULT, g->rows);
  H5Sclose(ms);
  H5Sclose(fs);
  return hr < 0 ? cy__h5_fail(err, in->path, "read", dataset(f)->path) : CY_OK;
}

/* Input k's chunk at (p, r0) of every dataset, as stored. */
static int copy_chunks(merger *g, size_t k, size_t p, size_t r0,
                       cy_error *err) {
  input *in = &g->in[k];
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (!present(g, f) || !g->per[f])
      continue;
    hsize_t off[5] = {p, r0, 0, 0, 0}, size = 0;
    uint32_t filters = 0;
    size_t most = g->C * g->per[f] * elem_size(f) * 2 + 4096;
    if (H5Dget_chunk_storage_size(in->ds[f], off, &size) < 0 || size == 0 ||
        size > most)
      return cy_error_set(err, CY_EINPUT,
                          "%s: /%s: the chunk of point %zu, replication %zu "
                          "is missing or damaged",
                          in->path, dataset(f)->path, p, r0);
    if (g->zcap < size) {
      unsigned char *t = realloc(g->zb, size);
      if (!t)
        return nomem(err);
      g->zb = t, g->zcap = size;
    }
    if (H5Dread_chunk(in->ds[f], H5P_DEFAULT, off, &filters, g->zb) < 0)
      return cy__h5_fail(err, in->path, "read a chunk of", dataset(f)->path);
    if (H5Dwrite_chunk(g->ods[f], H5P_DEFAULT, filters, off, size, g->zb) < 0)
      return cy__h5_fail(err, g->files.tmp, "write a chunk of",
                         dataset(f)->path);
  }
  return CY_OK;
}

/* Rows the block lacks hold fill values (NaN for floats, 0 for integers,
 * so status 0), as a shard's do; the padding of an edge chunk past R is
 * zeros, as the writer's is. */
static void fill_block(merger *g, size_t n) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (!present(g, f))
      continue;
    size_t esz = elem_size(f), vals = g->per[f] * n;
    memset(g->buf[f], 0, g->C * g->per[f] * esz);
    if (dataset(f)->type == CY_ELEM_F64)
      for (size_t v = 0; v < vals; v++)
        memcpy(g->buf[f] + v * esz, &(double){NAN}, esz);
  }
}

/* Input k's rows of the block into the buffers: each run from the first
 * input holding it, and compared there from any later one. */
static int take_rows(merger *g, size_t k, size_t p, size_t r0, size_t n,
                     cy_error *err) {
  const uint8_t *s = g->in[k].m->status + p * g->z.R + r0;
  const uint32_t *own = g->owner + p * g->z.R + r0;
  int rc = CY_OK;
  for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++) {
    if (!present(g, f) || !g->per[f] ||
        (rc = read_rows(g, k, f, p, r0, n, err)))
      continue;
    size_t bytes = g->per[f] * elem_size(f);
    for (size_t i = 0; !rc && i < n; i++) {
      unsigned char *dst = g->buf[f] + i * bytes, *src = g->rows + i * bytes;
      if (!s[i])
        continue;
      if (own[i] == k + 1)
        memcpy(dst, src, bytes);
      else if (memcmp(dst, src, bytes) != 0)
        rc = cy_error_set(err, CY_EINPUT,
                          "%s and %s hold different data for point %zu, "
                          "replication %zu (/%s): not results of one study",
                          g->in[own[i] - 1].path, g->in[k].path, p, r0 + i,
                          dataset(f)->path);
    }
  }
  return rc;
}

/* The block's chunks from the rows of every input that holds some. */
static int build_block(merger *g, size_t p, size_t r0, size_t n,
                       cy_error *err) {
  fill_block(g, n);
  int rc = CY_OK;
  for (size_t k = 0; !rc && k < g->n; k++)
    if (memchr(g->in[k].m->status + p * g->z.R + r0, 1, n))
      rc = take_rows(g, k, p, r0, n, err);
  for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++) {
    if (!present(g, f) || !g->per[f])
      continue;
    size_t zlen = 0;
    rc = cy__h5_deflate_chunk(g->zip, g->buf[f], g->C * g->per[f], elem_size(f),
                              g->shuffled[f], dataset(f)->type == CY_ELEM_F64,
                              &g->zb, &g->zcap, &zlen);
    hsize_t off[5] = {p, r0, 0, 0, 0};
    if (rc)
      rc = cy_error_set(err, rc, "%s: cannot compress a chunk (%s)",
                        g->files.tmp, cy_strerror(rc));
    else if (H5Dwrite_chunk(g->ods[f], H5P_DEFAULT, 0, off, zlen, g->zb) < 0)
      rc = cy__h5_fail(err, g->files.tmp, "write a chunk of", dataset(f)->path);
  }
  g->st->chunks_built++;
  return rc;
}

/* One block: kept from the template, copied as stored from the one input
 * that holds all its runs, or built.  Every input's rows are decoded once
 * (read_rows), so a damaged chunk is refused rather than copied. */
static int merge_block(merger *g, size_t seq, cy_error *err) {
  size_t p = seq / g->bpp, r0 = seq % g->bpp * g->C;
  size_t n = r0 + g->C <= g->z.R ? g->C : g->z.R - r0, base = p * g->z.R + r0;
  uint32_t first = g->owner[base];
  bool one = first != 0;
  for (size_t i = 0; one && i < n; i++)
    one = g->owner[base + i] == first && !g->multi[base + i];
  if (!one)
    return build_block(g, p, r0, n, err);
  size_t k = first - 1;
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    if (present(g, f) && !g->in[k].raw[f])
      return build_block(g, p, r0, n, err);
  int rc = CY_OK;
  for (int f = 0; !rc && f < CY_H5_N_DATASETS; f++)
    if (present(g, f) && g->per[f])
      rc = read_rows(g, k, f, p, r0, n, err);
  if (!rc && k != g->tmpl)
    rc = copy_chunks(g, k, p, r0, err);
  g->st->chunks_copied++;
  return rc;
}

static int merge_blocks(merger *g, cy_error *err) {
  int rc = CY_OK;
  for (size_t seq = 0; !rc && seq < g->z.P * g->bpp; seq++)
    rc = merge_block(g, seq, err);
  return rc;
}

/* ---- the event log ---- */

/* One input's /events columns, and where the next run's rows start. */
typedef struct ev_in {
  size_t n, at;
  unsigned char *col[CY_H5_N_EVENT_COLUMNS];
} ev_in;

static size_t col_size(int c) {
  return cy_elem_size(cy__h5_event_columns[c].type);
}

/* The run of row i (point * R + replication). */
static size_t row_run(const merger *g, const ev_in *e, size_t i) {
  uint32_t p, r;
  memcpy(&p, e->col[CY_H5_EV_POINT] + i * sizeof p, sizeof p);
  memcpy(&r, e->col[CY_H5_EV_REP] + i * sizeof r, sizeof r);
  return p < g->z.P && r < g->z.R ? (size_t)p * g->z.R + r : SIZE_MAX;
}

/* Input k's columns; its rows must be of runs it holds, in run order. */
static int read_events(merger *g, size_t k, ev_in *e, cy_error *err) {
  input *in = &g->in[k];
  int rc =
      cy__h5r_read_all(in->r, "events/point", CY_ELEM_U32, NULL, 0, &e->n, err);
  for (int c = 0; !rc && c < CY_H5_N_EVENT_COLUMNS; c++) {
    size_t got;
    if (!(e->col[c] = malloc((e->n ? e->n : 1) * col_size(c))))
      return nomem(err);
    char name[64];
    snprintf(name, sizeof name, "events/%s", cy__h5_event_columns[c].name);
    rc = cy__h5r_read_all(in->r, name, cy__h5_event_columns[c].type, e->col[c],
                          e->n, &got, err);
  }
  for (size_t i = 0, last = 0; !rc && i < e->n; i++) {
    size_t run = row_run(g, e, i);
    if (run == SIZE_MAX || run < last || !in->m->status[run])
      return cy_error_set(err, CY_EINPUT,
                          "%s: /events row %zu is not of a run the file "
                          "holds, in (point, replication) order",
                          in->path, i);
    last = run;
  }
  return rc;
}

/* Rows [*a, *e) of input e for run `run` (its cursor moves past them). */
static void rows_of(const merger *g, ev_in *e, size_t run, size_t *a,
                    size_t *b) {
  while (e->at < e->n && row_run(g, e, e->at) < run)
    e->at++;
  *a = e->at;
  while (e->at < e->n && row_run(g, e, e->at) == run)
    e->at++;
  *b = e->at;
}

static bool same_rows(const ev_in *x, size_t xa, const ev_in *y, size_t ya,
                      size_t n) {
  for (int c = 0; c < CY_H5_N_EVENT_COLUMNS; c++)
    if (memcmp(x->col[c] + xa * col_size(c), y->col[c] + ya * col_size(c),
               n * col_size(c)))
      return false;
  return true;
}

/* Every run's rows from its owner into out (NULL: count only), checked
 * against every other input that holds the run. */
static int gather_events(merger *g, ev_in *ev, ev_in *out, cy_error *err) {
  for (size_t k = 0; k < g->n; k++)
    ev[k].at = 0;
  size_t total = 0;
  for (size_t run = 0; run < g->z.P * g->z.R; run++) {
    if (!g->owner[run])
      continue;
    size_t o = g->owner[run] - 1, oa, ob;
    rows_of(g, &ev[o], run, &oa, &ob);
    for (size_t k = o + 1; g->multi[run] && k < g->n; k++) {
      size_t a, b;
      rows_of(g, &ev[k], run, &a, &b);
      if (g->in[k].m->status[run] &&
          (b - a != ob - oa || !same_rows(&ev[o], oa, &ev[k], a, b - a)))
        return cy_error_set(err, CY_EINPUT,
                            "%s and %s hold different event logs for point "
                            "%zu, replication %zu: not results of one study",
                            g->in[o].path, g->in[k].path, run / g->z.R,
                            run % g->z.R);
    }
    for (int c = 0; out && c < CY_H5_N_EVENT_COLUMNS; c++)
      memcpy(out->col[c] + total * col_size(c), ev[o].col[c] + oa * col_size(c),
             (ob - oa) * col_size(c));
    total += ob - oa;
  }
  if (out)
    out->n = total;
  else
    g->st->event_rows = total;
  return CY_OK;
}

static int write_event_column(merger *g, const char *name, cy_elem_type type,
                              size_t n, const void *buf, cy_error *err) {
  hid_t d = H5Dopen2(g->out, name, H5P_DEFAULT);
  hsize_t size[1] = {n};
  int rc = CY_OK;
  if (d < 0 || H5Dset_extent(d, size) < 0 ||
      (n && H5Dwrite(d, cy__h5_mem_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                     buf) < 0))
    rc = cy__h5_fail(err, g->files.tmp, "write", name);
  if (d >= 0)
    H5Dclose(d);
  return rc;
}

static int write_events(merger *g, const ev_in *out, cy_error *err) {
  uint64_t *rowno = malloc((out->n ? out->n : 1) * sizeof *rowno);
  if (!rowno)
    return nomem(err);
  for (size_t i = 0; i < out->n; i++)
    rowno[i] = i;
  int rc =
      write_event_column(g, "events/event", CY_ELEM_U64, out->n, rowno, err);
  free(rowno);
  for (int c = 0; !rc && c < CY_H5_N_EVENT_COLUMNS; c++) {
    char name[64];
    snprintf(name, sizeof name, "events/%s", cy__h5_event_columns[c].name);
    rc = write_event_column(g, name, cy__h5_event_columns[c].type, out->n,
                            out->col[c], err);
  }
  return rc;
}

/* /events: the owners' rows in (point, replication) order; each input's
 * rows are already in (point, replication, time) order. */
static int merge_events(merger *g, cy_error *err) {
  ev_in *ev = calloc(g->n, sizeof *ev), out = {0};
  int rc = ev ? CY_OK : nomem(err);
  for (size_t k = 0; !rc && k < g->n; k++)
    rc = read_events(g, k, &ev[k], err);
  if (!rc)
    rc = gather_events(g, ev, NULL, err);
  size_t total = g->st->event_rows;
  for (int c = 0; !rc && c < CY_H5_N_EVENT_COLUMNS; c++)
    if (!(out.col[c] = malloc((total ? total : 1) * col_size(c))))
      rc = nomem(err);
  if (!rc)
    rc = gather_events(g, ev, &out, err);
  if (!rc)
    rc = write_events(g, &out, err);
  for (int c = 0; c < CY_H5_N_EVENT_COLUMNS; c++) {
    free(out.col[c]);
    for (size_t k = 0; ev && k < g->n; k++)
      free(ev[k].col[c]);
  }
  free(ev);
  return rc;
}

/* ---- the end ---- */

/* The merged file's root attributes: complete when every run is in, the
 * merge's command line, and no task (it is no shard). */
static int finish_attrs(merger *g, cy_error *err) {
  const char *path = g->files.tmp;
  int rc =
      cy__h5_attr_i32(g->out, path, "complete", g->st->runs_missing == 0, err);
  if (!rc)
    rc = cy__h5_attr_str(g->out, path, "command_line",
                         g->o->command_line ? g->o->command_line : "", err);
  for (int i = 0; !rc && i < 2; i++) {
    const char *name = i ? "task" : "tasks";
    if (H5Aexists(g->out, name) > 0 && H5Adelete(g->out, name) < 0)
      rc = cy__h5_fail(err, path, "delete attribute", name);
  }
  return rc;
}

static int close_output(merger *g, cy_error *err) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    if (g->ods[f] >= 0)
      H5Dclose(g->ods[f]), g->ods[f] = -1;
  herr_t hr = H5Fclose(g->out);
  g->out = -1;
  int rc = hr < 0 ? cy__h5_fail(err, g->files.tmp, "close", "/") : CY_OK;
  if (!rc)
    rc = cy__fsync_file(g->files.tmp, err);
  if (!rc)
    rc = cy__move(g->files.tmp, g->files.out, g->o->force, err);
  if (!rc)
    g->files_made = false;
  return rc ? rc : cy__fsync_dir_of(g->files.out, err);
}

static void merger_fini(merger *g) {
  for (int f = 0; f < CY_H5_N_DATASETS; f++) {
    if (g->ods[f] >= 0)
      H5Dclose(g->ods[f]);
    for (size_t k = 0; g->in && k < g->n; k++)
      if (g->in[k].ds[f] >= 0)
        H5Dclose(g->in[k].ds[f]);
    free(g->buf[f]);
  }
  if (g->out >= 0)
    H5Fclose(g->out);
  if (g->files_made) /* a failed merge leaves no half-made file */
    cy__remove(g->files.tmp, NULL);
  cy__outfiles_fini(&g->files);
  for (size_t k = 0; g->in && k < g->n; k++) {
    cy__h5r_close(g->in[k].r);
    free(g->in[k].overrides);
  }
  free(g->in);
  free(g->owner);
  free(g->multi);
  free(g->rows);
  cy__h5_zip_free(g->zip);
  free(g->zb);
}

int cy_merge(const cy_merge_opts *o, cy_merge_stats *stats, cy_error *err) {
  double t0 = now();
  cy_merge_stats unused;
  if (!stats)
    stats = &unused;
  memset(stats, 0, sizeof *stats);
  cy_h5_errors h5_errors;
  cy__h5_errors_off(&h5_errors);
  merger g = {.o = o, .st = stats, .n = o->n_inputs, .out = -1};
  g.files.lock_fd = -1;
  for (int f = 0; f < CY_H5_N_DATASETS; f++)
    g.ods[f] = -1;
  int rc = o->n_inputs && o->output
               ? CY_OK
               : cy_error_set(err, CY_EINPUT,
                              "nothing to merge: give an "
                              "output and at least one input");
  if (!rc)
    rc = open_inputs(&g, err);
  if (!rc)
    rc = plan(&g, err);
  if (!rc)
    rc = open_output(&g, err);
  if (!rc)
    rc = merge_blocks(&g, err);
  if (!rc && g.in[0].m->event_log)
    rc = merge_events(&g, err);
  if (!rc)
    rc = finish_attrs(&g, err);
  if (!rc)
    rc = close_output(&g, err);
  merger_fini(&g);
  cy__h5_errors_restore(&h5_errors);
  stats->complete = !rc && stats->runs_missing == 0;
  stats->wall = now() - t0;
  return rc;
}
