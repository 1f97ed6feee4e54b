/* test_run_process_state.c: the library changes no process-wide state.
 *
 * A program that embeds cysim keeps its own GSL error handler, its HDF5
 * automatic error handler and its signal dispositions across cy_run (a
 * study run to completion, and one that fails on a damaged partial file)
 * and cy_report_print: each is set to a value of this program's before the
 * calls and must be exactly that value after them.  The HDF5 handler must
 * also not have been called: the library reports HDF5 failures through its
 * own messages. */
#include "cysim/cy_error.h"
#include "cysim/cy_report.h"
#include "cysim/cy_run.h"
#include "testutil.h"

#include <gsl/gsl_errno.h>
#include <hdf5.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void my_gsl_handler(const char *reason, const char *file, int line,
                           int gsl_errno) {
  (void)reason, (void)file, (void)line, (void)gsl_errno;
}

static int h5_calls;
static herr_t my_h5_handler(hid_t stack, void *data) {
  (void)stack, (void)data;
  h5_calls++;
  return 0;
}

static void my_signal_handler(int sig) { (void)sig; }

static void install_mine(void) {
  gsl_set_error_handler(my_gsl_handler);
  H5Eset_auto2(H5E_DEFAULT, my_h5_handler, &h5_calls);
  struct sigaction sa = {.sa_handler = my_signal_handler};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static void check_mine(const char *after) {
  gsl_error_handler_t *g = gsl_set_error_handler(my_gsl_handler);
  CHECK(g == my_gsl_handler, "%s: GSL's error handler is still ours", after);
  H5E_auto2_t func = NULL;
  void *data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  CHECK(func == my_h5_handler && data == &h5_calls,
        "%s: HDF5's automatic error handler is still ours", after);
  CHECK(h5_calls == 0, "%s: HDF5's handler was not called (%d calls)", after,
        h5_calls);
  int sigs[] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    struct sigaction sa;
    sigaction(sigs[i], NULL, &sa);
    CHECK(sa.sa_handler == my_signal_handler,
          "%s: signal %d still has our handler", after, sigs[i]);
  }
}

int main(void) {
  const char *src = getenv("CYSIM_SOURCE_DIR");
  const char *bin = getenv("CYSIM_TEST_BIN");
  if (!src || !bin) {
    fprintf(stderr, "CYSIM_SOURCE_DIR and CYSIM_TEST_BIN must be set\n");
    return 2;
  }
  char cfg[4096], dir[4096], out[4200], partial[4300];
  snprintf(cfg, sizeof cfg, "%s/tests/data/io_small.cfg", src);
  snprintf(dir, sizeof dir, "%s/process_state.XXXXXX", bin);
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  snprintf(out, sizeof out, "%s/out.h5", dir);
  install_mine();

  cy_error err;
  cy_run_stats stats;
  cy_run_opts o = {.scenario = cfg,
                   .output = out,
                   .quiet = true,
                   .threads = 2,
                   .command_line = "test_run_process_state"};
  int rc = cy_run(&o, &stats, &err);
  CHECK(rc == CY_OK, "cy_run: %s", rc ? err.msg : "ok");
  check_mine("after a complete cy_run");

  FILE *devnull = fopen("/dev/null", "w");
  rc = cy_report_print(out, devnull, &err);
  CHECK(rc == CY_OK, "cy_report_print: %s", rc ? err.msg : "ok");
  check_mine("after cy_report_print");

  /* A partial file that is not HDF5: --resume fails inside HDF5. */
  snprintf(partial, sizeof partial, "%s/bad.h5.partial", dir);
  FILE *f = fopen(partial, "w");
  fputs("not an HDF5 file\n", f);
  fclose(f);
  snprintf(out, sizeof out, "%s/bad.h5", dir);
  o.output = out;
  o.resume = true;
  rc = cy_run(&o, &stats, &err);
  CHECK(rc != CY_OK, "cy_run --resume on junk fails (%s)", err.msg);
  check_mine("after a failed cy_run");

  snprintf(partial, sizeof partial, "%s/bad.h5.partial", dir);
  rc = cy_report_print(partial, devnull, &err);
  CHECK(rc != CY_OK, "cy_report_print of junk fails (%s)", err.msg);
  check_mine("after a failed cy_report_print");
  fclose(devnull);

  char cmd[4400];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
  return cy_test_finish();
}
