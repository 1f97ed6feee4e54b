/* fuzz_scenario.c: libFuzzer harness for the scenario loader (cy_study.h).
 *
 * Input: scenario text, optionally followed by a line "%%" and then --set
 * overrides, one "path=value" per line:
 *
 *   scenario = { name = "x"; horizon = 10.0; };
 *   states = ( ... );
 *   %%
 *   states.[0].offense=0.5
 *
 * The text is written to a file in a private temporary folder (the loader
 * takes a path) and loaded with cy_study_load(); a study that loads must
 * resolve every point (cy_study.h promises it), of which the first
 * MAX_POINTS are asked for again (cy_study_point).  Everything is freed,
 * so LeakSanitizer sees any leak of the loader.
 *
 * @include: the folder holds inc.cfg (a states fragment), loop.cfg (which
 * includes itself, so the depth limit is reached) and inc/ (a folder, not a
 * file); the input may include those or itself.  Inputs that @include an
 * absolute path or a path with ".." are skipped: they would read files
 * outside the folder (/dev/zero never ends). */
#define _GNU_SOURCE /* memmem */
#include "cysim/cy_scenario.h"
#include "cysim/cy_study.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_POINTS = 64, MAX_SETS = 32 };

static char dir[256];
static char input[300];

static void write_file(const char *name, const char *text) {
  char path[400];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
    perror(path);
    abort();
  }
}

static void cleanup(void) {
  static const char *const names[] = {"input.cfg", "inc.cfg", "loop.cfg"};
  char path[400];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  snprintf(path, sizeof path, "%s/inc", dir);
  rmdir(path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/cysim-fuzz-scenario.XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror(dir);
    abort();
  }
  snprintf(input, sizeof input, "%s/input.cfg", dir);
  write_file("inc.cfg",
             "states = ( { id = \"A\"; attack = { rate = 0.2; }; },\n"
             "           { id = \"B\"; } );\n");
  write_file("loop.cfg", "@include \"loop.cfg\"\n");
  char sub[300];
  snprintf(sub, sizeof sub, "%s/inc", dir);
  mkdir(sub, 0700);
  atexit(cleanup);
  return 0;
}

/* False when the text @includes a name that could leave the folder (see
 * the top). */
static bool includes_ok(const char *t, size_t n) {
  const char *end = t + n;
  for (const char *p = t; (p = memmem(p, (size_t)(end - p), "@include", 8));
       p += 8) {
    const char *q = memchr(p, '"', (size_t)(end - p));
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!q || (nl && nl < q))
      continue;
    const char *name = q + 1;
    const char *close = memchr(name, '"', (size_t)(end - name));
    size_t len = close ? (size_t)(close - name) : (size_t)(end - name);
    if ((len > 0 && name[0] == '/') || memmem(name, len, "..", 2))
      return false;
  }
  return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  const char *sep = memmem(text, size, "\n%%\n", 4);
  size_t text_len = sep ? (size_t)(sep - text) + 1 : size;
  if (!includes_ok(text, text_len))
    return -1;

  /* --set lines: copied so that each is a NUL-terminated string. */
  char *setbuf = NULL;
  const char *sets[MAX_SETS];
  size_t n_sets = 0;
  if (sep) {
    size_t off = (size_t)(sep - text) + 4, n = size - off;
    setbuf = malloc(n + 1);
    if (!setbuf)
      abort();
    memcpy(setbuf, text + off, n);
    setbuf[n] = '\0';
    for (char *save = NULL, *l = strtok_r(setbuf, "\n", &save);
         l && n_sets < MAX_SETS; l = strtok_r(NULL, "\n", &save))
      sets[n_sets++] = l;
  }

  FILE *f = fopen(input, "wb");
  if (!f || fwrite(text, 1, text_len, f) != text_len || fclose(f) != 0) {
    perror(input);
    abort();
  }

  cy_error err;
  cy_error_clear(&err);
  cy_study *st = NULL;
  int rc = cy_study_load(&st, input, sets, n_sets, &err);
  if (rc != CY_OK) {
    /* A refusal: no study, and a message. */
    if (st != NULL || rc != err.code || !err.msg[0] ||
        strlen(err.msg) >= sizeof err.msg)
      abort();
  } else {
    size_t np = cy_study_n_points(st);
    if (np < 1 || !cy_study_base(st) || !cy_study_text(st))
      abort();
    for (size_t i = 0; i < cy_study_n_warnings(st); i++)
      if (strlen(cy_study_warning(st, i)) == 0)
        abort();
    size_t na = cy_study_n_axes(st);
    for (size_t p = 0; p < np && p < MAX_POINTS; p++) {
      for (size_t a = 0; a < na; a++)
        if (cy_study_value_index(st, p, a) >= cy_study_axis(st, a)->n_values)
          abort();
      cy_scenario sc;
      /* Loading validated every point, so resolving one cannot fail. */
      if (cy_study_point(st, p, &sc, &err) != CY_OK) {
        fprintf(stderr, "point %zu of a loaded study fails: %s\n", p, err.msg);
        abort();
      }
      cy_scenario_fini(&sc);
    }
    cy_scenario sc;
    if (cy_study_point(st, np, &sc, &err) != CY_EINPUT)
      abort();
    cy_scenario_fini(&sc);
  }
  cy_study_free(st);
  free(setbuf);
  return 0;
}
