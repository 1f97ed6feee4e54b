/* test_core_error.c: every error code of CY_ERROR_LIST has a name of its
 * own and an exit status of CY_EXIT_LIST, and the carrier behaves as
 * cy_error.h says.
 *
 * The checks walk the lists themselves, so a code added to cy_error.h is
 * checked without touching this file. */
#include "cysim/cy_error.h"
#include "testutil.h"

#include <stdbool.h>
#include <string.h>

typedef struct code_entry {
  const char *name;
  int value;
  const char *text;
  int exit_status;
} code_entry;

static const code_entry codes[] = {
#define ENTRY_(name, value, text, exit_status)                                 \
  {#name, value, text, exit_status},
    CY_ERROR_LIST(ENTRY_)
#undef ENTRY_
};
enum { N_CODES = sizeof codes / sizeof codes[0] };

static const int exit_statuses[] = {
#define ENTRY_(name, value, meaning) value,
    CY_EXIT_LIST(ENTRY_)
#undef ENTRY_
};
enum { N_EXIT = sizeof exit_statuses / sizeof exit_statuses[0] };

static bool is_exit_status(int status) {
  for (size_t i = 0; i < N_EXIT; i++)
    if (exit_statuses[i] == status)
      return true;
  return false;
}

/* Each code: its own value and name, the text and exit status the list
 * gives it, and an exit status that `cysim --help` documents. */
static void check_codes(void) {
  for (size_t i = 0; i < N_CODES; i++) {
    const code_entry *c = &codes[i];
    CHECK(c->value == 0 ? strcmp(c->name, "CY_OK") == 0 : c->value < 0,
          "%s = %d: only CY_OK is 0, every error is negative", c->name,
          c->value);
    CHECK(c->text && c->text[0], "%s has a name", c->name);
    CHECK(strcmp(cy_strerror(c->value), c->text) == 0,
          "cy_strerror(%s) is \"%s\"", c->name, c->text);
    CHECK(is_exit_status(c->exit_status), "%s exits with a listed status",
          c->name);
    CHECK(cy_exit_status(c->value) == c->exit_status,
          "cy_exit_status(%s) is %d", c->name, c->exit_status);
    for (size_t j = 0; j < i; j++) {
      CHECK(codes[j].value != c->value, "%s and %s share value %d",
            codes[j].name, c->name, c->value);
      /* CY_EINTERNAL and an unknown code may share "internal error";
       * listed codes may not share a name. */
      CHECK(strcmp(codes[j].text, c->text) != 0,
            "%s and %s share the name \"%s\"", codes[j].name, c->name, c->text);
    }
  }
}

/* The exit statuses the CLI documents, and what the scripts rely on. */
static void check_exit_statuses(void) {
  CHECK(cy_exit_status(CY_OK) == CY_EXIT_OK && CY_EXIT_OK == 0,
        "success exits 0");
  CHECK(cy_exit_status(CY_EINPUT) == CY_EXIT_USAGE && CY_EXIT_USAGE == 2,
        "invalid input exits 2");
  CHECK(cy_exit_status(CY_EINTR) == CY_EXIT_INTERRUPTED &&
            CY_EXIT_INTERRUPTED == 130,
        "interrupted exits 130");
  for (size_t i = 0; i < N_EXIT; i++)
    for (size_t j = 0; j < i; j++)
      CHECK(exit_statuses[i] != exit_statuses[j], "exit status %d listed once",
            exit_statuses[i]);
  /* A code outside the list (a caller's bug) is still reported. */
  CHECK(strcmp(cy_strerror(-1000), "internal error") == 0,
        "unknown code: internal error");
  CHECK(cy_exit_status(-1000) == CY_EXIT_FAILURE, "unknown code: exit 1");
}

static void check_carrier(void) {
  cy_error e;
  CHECK(cy_error_set(&e, CY_EIO, "%s: %d", "disk", 7) == CY_EIO,
        "cy_error_set returns the code");
  CHECK(e.code == CY_EIO && strcmp(e.msg, "disk: 7") == 0,
        "cy_error_set stores code and message");
  cy_error_clear(&e);
  CHECK(e.code == CY_OK && e.msg[0] == '\0', "cy_error_clear clears");
  CHECK(cy_error_set(NULL, CY_ENOMEM, "x") == CY_ENOMEM,
        "cy_error_set(NULL) returns the code");
  cy_error_clear(NULL);
  char big[2 * CY_ERROR_MSG_MAX];
  memset(big, 'a', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  cy_error_set(&e, CY_EINPUT, "%s", big);
  CHECK(strlen(e.msg) == CY_ERROR_MSG_MAX - 1, "a long message is truncated");
}

int main(void) {
  check_codes();
  check_exit_statuses();
  check_carrier();
  return cy_test_finish();
}
