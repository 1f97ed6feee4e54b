/* path.c: setting paths as --set and sweep axes write them.
 *
 * A path is keys joined by '.'; an element of a list or array is [N], its
 * index from 0, or, in a list whose elements have an `id` (states,
 * alliances), [ID]: states.[RU].offense.  A bracket is one component up to
 * its ']', so an id may hold a dot.  The schema (resolve.c) says whether a
 * path can name a setting; this file finds what it names in the tree, so
 * that --set (set.c) and sweep axes (sweep.c) read paths alike. */
#include "scenario_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cy__path_next(const char **p, char *comp, size_t n) {
  const char *s = *p;
  if (!*s)
    return 0;
  const char *end = s[0] == '[' ? strchr(s, ']') : strchr(s, '.');
  if (s[0] == '[' && end)
    end++; /* the ']' belongs to the component */
  else if (s[0] == '[')
    return -1;
  if (!end)
    end = s + strlen(s);
  size_t len = (size_t)(end - s);
  if (len == 0 || len >= n || (*end && *end != '.') || (*end == '.' && !end[1]))
    return -1;
  memcpy(comp, s, len);
  comp[len] = '\0';
  *p = *end ? end + 1 : end;
  return 1;
}

void cy__path_append(char *path, size_t n, const char *comp) {
  size_t len = strlen(path);
  if (snprintf(path + len, n - len, "%s%s", len ? "." : "", comp) < 0)
    path[len] = '\0';
}

bool cy__path_index(const char *comp, long *idx) {
  const char *d = comp + 1 + (comp[1] == '-');
  if (comp[0] != '[' || !isdigit((unsigned char)*d))
    return false;
  while (isdigit((unsigned char)*d))
    d++;
  if (strcmp(d, "]") != 0)
    return false;
  *idx = strtol(comp + 1, NULL, 10);
  return true;
}

/* The element of list l whose `id` is the string id, or NULL. */
static config_setting_t *elem_by_id(const config_setting_t *l, const char *id,
                                    size_t id_len) {
  int len = config_setting_length(l);
  for (int i = 0; i < len; i++) {
    config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
    const config_setting_t *s =
        config_setting_is_group(e) ? config_setting_get_member(e, "id") : NULL;
    const char *v = s && config_setting_type(s) == CONFIG_TYPE_STRING
                        ? config_setting_get_string(s)
                        : NULL;
    if (v && strlen(v) == id_len && memcmp(v, id, id_len) == 0)
      return e;
  }
  return NULL;
}

/* "RU, CN, US": the ids of l's elements (the first few). */
static void list_ids(const config_setting_t *l, char *buf, size_t n) {
  enum { SHOWN = 10 };
  int len = config_setting_length(l);
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0, shown = 0; i < len && used + 1 < n; i++) {
    const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
    const config_setting_t *s =
        config_setting_is_group(e) ? config_setting_get_member(e, "id") : NULL;
    if (!s || config_setting_type(s) != CONFIG_TYPE_STRING)
      continue;
    int w = shown == SHOWN
                ? snprintf(buf + used, n - used, ", ...")
                : snprintf(buf + used, n - used, "%s%s", shown ? ", " : "",
                           config_setting_get_string(s));
    if (w < 0 || shown++ == SHOWN)
      break;
    used += (size_t)w;
  }
}

config_setting_t *cy__path_elem(const config_setting_t *agg, const char *walked,
                                const char *comp, char *why, size_t n) {
  int len = config_setting_is_aggregate(agg) ? config_setting_length(agg) : 0;
  long idx;
  if (cy__path_index(comp, &idx)) {
    if (idx >= 0 && idx < len)
      return config_setting_get_elem(agg, (unsigned)idx);
    snprintf(why, n, "%s has %d element%s, no %s", walked, len,
             len == 1 ? "" : "s", comp);
    return NULL;
  }
  const char *id = comp + 1;
  size_t id_len = strlen(id) - 1; /* without the ']' */
  config_setting_t *e = len ? elem_by_id(agg, id, id_len) : NULL;
  if (e)
    return e;
  char ids[300];
  list_ids(agg, ids, sizeof ids);
  if (*ids)
    snprintf(why, n, "no element of %s has id \"%.*s\" (ids: %s)", walked,
             (int)id_len, id, ids);
  else
    snprintf(why, n, "no element of %s has id \"%.*s\" (it has no ids)", walked,
             (int)id_len, id);
  return NULL;
}

config_setting_t *cy__path_lookup(const config_t *cfg, const char *path,
                                  char *why, size_t n) {
  config_setting_t *cur = config_root_setting(cfg);
  char walked[256] = "", comp[256];
  const char *p = path;
  int r;
  why[0] = '\0';
  while ((r = cy__path_next(&p, comp, sizeof comp)) > 0) {
    config_setting_t *next;
    if (comp[0] == '[')
      next = cy__path_elem(cur, walked, comp, why, n);
    else
      next = config_setting_is_group(cur) ? config_setting_get_member(cur, comp)
                                          : NULL;
    if (!next)
      return NULL;
    cy__path_append(walked, sizeof walked, comp);
    cur = next;
  }
  return r < 0 ? NULL : cur;
}

void cy__path_hint(const char *path, size_t bad, char *buf, size_t n) {
  buf[0] = '\0';
  char list[256], comp[256], probe[300];
  const char *p = path + bad;
  cy_kind k, id_kind;
  size_t b;
  long idx;
  if (bad < 2 || bad > sizeof list || path[bad - 1] != '.' ||
      cy__path_next(&p, comp, sizeof comp) <= 0 || cy__path_index(comp, &idx))
    return;
  memcpy(list, path, bad - 1);
  list[bad - 1] = '\0';
  if (cy__schema_kind(list, &k, &b, NULL, 0) != 0 ||
      (k != CY_K_LIST && k != CY_K_ARRAY))
    return;
  snprintf(probe, sizeof probe, "%s.[0].id", list);
  if (k == CY_K_ARRAY)
    snprintf(buf, n, "%s is an array: name an element by its index, %s.[0]",
             list, list);
  else if (cy__schema_kind(probe, &id_kind, &b, NULL, 0) != 0)
    snprintf(buf, n,
             "%s is a list whose elements have no id: name one by its "
             "index, %s.[0]",
             list, list);
  else
    snprintf(buf, n, "%s is a list: name an element as %s.[%s] or %s.[0]", list,
             list, comp[0] == '[' ? "ID" : comp, list);
}
