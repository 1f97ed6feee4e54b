/* fuzz_results.c: libFuzzer harness for the output-file reader as `cysim
 * report` uses it (sim/io/h5in.c and sim/io/h5util.c through sim/io/report.c).
 *
 * Input: the bytes of a result file.  They are written to a file in a
 * private temporary folder, then cy_report_print() (the terminal report)
 * and cy_report_csv() (the --csv table) read it, printing into /dev/null.
 * Either may refuse the file; neither may crash, leak memory or leave a
 * file, group, dataset or attribute open (H5Fget_obj_count after each
 * input): HDF5 frees what an identifier holds only when it is closed, so
 * LeakSanitizer cannot see such a leak, and it keeps the file open.
 *
 * libhdf5's own crashes.  Debian's HDF5 1.10.8 crashes by itself on many
 * damaged files (e.g. freeing a garbage pointer while it iterates a damaged
 * link table), within a few hundred mutations; such crashes would end every
 * run before our reader is exercised.  So each input is first read by a
 * helper process (this program again, started with CYSIM_FUZZ_HELPER set,
 * serving one input after another).  If the helper dies of a sanitizer
 * report, or of a timeout, whose innermost frame outside the sanitizer
 * runtime and system libraries is in libhdf5 and, for a bad access to a
 * heap block, that block was not allocated by our code, the crash is
 * libhdf5's own: the input is skipped (return -1), counted, and saved with
 * the report in $CYSIM_FUZZ_HDF5_DIR when that is set (tests/fuzz/
 * hdf5_known/ keeps the ones we looked at).  Otherwise (no crash, or one
 * involving our code) the input is read again in this process, where
 * libFuzzer sees its coverage, leaks and crashes as usual.
 * CYSIM_FUZZ_DIRECT=1 reads in this process only, e.g. to reproduce an
 * hdf5_known input.
 *
 * Seeds: tests/fuzz/corpus_results/ (small real files from `cysim run`). */
#include "cysim/cy_report.h"

#include <fcntl.h>
#include <hdf5.h>
#include <sanitizer/common_interface_defs.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CYSIM_SRC
#error "CYSIM_SRC (the source tree) is needed to tell our frames from others"
#endif

enum {
  HELPER_TIMEOUT = 10, /* seconds for one input */
  EXIT_SANITIZER = 86,
  EXIT_TIMEOUT = 87,
};

static char dir[256];
static char input[300];
static char report_prefix[300];
static FILE *devnull;
static bool direct;
static const char *hdf5_dir;
static unsigned long n_hdf5;
static pid_t helper = -1;
static int to_helper = -1, from_helper = -1;

/* The reader, as `cysim report` and `cysim report --csv` use it. */
static void read_file(void) {
  cy_error err;
  cy_error_clear(&err);
  int rc = cy_report_print(input, devnull, &err);
  if (rc != CY_OK && (rc != err.code || !err.msg[0]))
    abort();
  cy_error_clear(&err);
  rc = cy_report_csv(input, NULL, devnull, &err);
  if (rc != CY_OK && (rc != err.code || !err.msg[0]))
    abort();
  ssize_t open_ids = H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
  if (open_ids != 0) {
    fprintf(stderr, "fuzz_results: %zd HDF5 object(s) left open\n", open_ids);
    abort();
  }
}

/* ---- the helper ---- */

static void helper_death(void) { _exit(EXIT_SANITIZER); }

static void helper_alarm(int sig) {
  (void)sig;
  __sanitizer_print_stack_trace(); /* into the report file */
  _exit(EXIT_TIMEOUT);
}

/* Serves inputs until its parent closes the pipe; never returns. */
static void helper_main(const char *spec) {
  int in, out;
  if (sscanf(spec, "%d,%d,%299[^,],%299s", &in, &out, input, report_prefix) !=
      4)
    _exit(2);
  __sanitizer_set_report_path(report_prefix);
  __sanitizer_set_death_callback(helper_death);
  signal(SIGALRM, helper_alarm);
  char c;
  while (read(in, &c, 1) == 1) {
    alarm(HELPER_TIMEOUT);
    read_file();
    alarm(0);
    if (write(out, &c, 1) != 1)
      break;
  }
  _exit(0);
}

static void start_helper(void) {
  int a[2], b[2];
  if (pipe(a) != 0 || pipe(b) != 0)
    abort();
  char spec[700];
  snprintf(spec, sizeof spec, "%d,%d,%s,%s", a[0], b[1], input, report_prefix);
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    abort();
  if (pid == 0) {
    close(a[1]);
    close(b[0]);
    setenv("CYSIM_FUZZ_HELPER", spec, 1);
    char *argv[] = {"fuzz_results", NULL};
    execv("/proc/self/exe", argv);
    _exit(127);
  }
  close(a[0]);
  close(b[1]);
  fcntl(a[1], F_SETFD, FD_CLOEXEC);
  fcntl(b[0], F_SETFD, FD_CLOEXEC);
  helper = pid;
  to_helper = a[1];
  from_helper = b[0];
}

static void stop_helper(void) {
  if (helper < 0)
    return;
  close(to_helper);
  close(from_helper);
  waitpid(helper, NULL, 0);
  helper = -1;
}

/* Whose is the first frame of the stack trace at *p (the lines "#N ...")
 * that is neither the sanitizer runtime nor a system library: 'H' libhdf5,
 * 'O' ours (a source file of this tree), 0 none.  Advances *p past it. */
static int first_frame(const char **p) {
  const char *s = *p;
  while ((s = strstr(s, "    #"))) {
    const char *eol = strchr(s, '\n');
    size_t n = eol ? (size_t)(eol - s) : strlen(s);
    char line[1024];
    snprintf(line, sizeof line, "%.*s", (int)n, s);
    s += n;
    if (strstr(line, "helper_alarm"))
      continue; /* the timeout's own handler */
    if (strstr(line, "libhdf5")) {
      *p = s;
      return 'H';
    }
    if (strstr(line, CYSIM_SRC "/sim/") || strstr(line, CYSIM_SRC "/tests/")) {
      *p = s;
      return 'O';
    }
  }
  *p += strlen(*p);
  return 0;
}

/* True when the report is a crash of libhdf5's own (see the top). */
static bool hdf5_own(const char *report) {
  const char *p = report;
  if (first_frame(&p) != 'H')
    return false;
  const char *alloc = strstr(report, "allocated by thread");
  if (!alloc)
    alloc = strstr(report, "freed by thread");
  return !alloc || first_frame(&alloc) != 'O';
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  while (b && (n += fread(b + n, 1, cap - n - 1, f)) == cap - 1) {
    char *nb = realloc(b, cap *= 2);
    if (!nb) {
      free(b);
      b = NULL;
    } else
      b = nb;
  }
  fclose(f);
  if (b)
    b[n] = '\0';
  return b;
}

static void save_hdf5_case(const uint8_t *data, size_t size,
                           const char *report) {
  if (!hdf5_dir)
    return;
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < size; i++)
    h = (h ^ data[i]) * 1099511628211ull;
  char path[1024];
  snprintf(path, sizeof path, "%s/hdf5-%016llx", hdf5_dir,
           (unsigned long long)h);
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(data, 1, size, f);
    fclose(f);
  }
  char txt[1100];
  snprintf(txt, sizeof txt, "%s.txt", path);
  if ((f = fopen(txt, "w"))) {
    fputs(report, f);
    fclose(f);
  }
}

/* Has the helper read the input.  True when it died of a crash of
 * libhdf5's own. */
static bool hdf5_crashes(const uint8_t *data, size_t size) {
  if (helper < 0)
    start_helper();
  char c = 'r';
  if (write(to_helper, &c, 1) == 1 && read(from_helper, &c, 1) == 1)
    return false;
  /* The helper died. */
  int status;
  pid_t pid = helper;
  close(to_helper);
  close(from_helper);
  while (waitpid(pid, &status, 0) < 0)
    ;
  helper = -1;
  char path[400];
  snprintf(path, sizeof path, "%s.%d", report_prefix, (int)pid);
  char *report = slurp(path);
  unlink(path);
  bool own = report && WIFEXITED(status) &&
             (WEXITSTATUS(status) == EXIT_SANITIZER ||
              WEXITSTATUS(status) == EXIT_TIMEOUT) &&
             hdf5_own(report);
  if (own) {
    n_hdf5++;
    save_hdf5_case(data, size, report);
  }
  free(report);
  return own;
}

static void cleanup(void) {
  stop_helper();
  unlink(input);
  rmdir(dir);
  if (n_hdf5)
    fprintf(stderr,
            "fuzz_results: %lu input(s) skipped: libhdf5 crashed on them by "
            "itself%s%s\n",
            n_hdf5, hdf5_dir ? "; saved in " : "", hdf5_dir ? hdf5_dir : "");
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  devnull = fopen("/dev/null", "w");
  if (!devnull || H5open() < 0)
    abort();
  const char *spec = getenv("CYSIM_FUZZ_HELPER");
  if (spec)
    helper_main(spec);
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/cysim-fuzz-results.XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror(dir);
    abort();
  }
  snprintf(input, sizeof input, "%s/input.h5", dir);
  snprintf(report_prefix, sizeof report_prefix, "%s/helper", dir);
  const char *d = getenv("CYSIM_FUZZ_DIRECT");
  direct = d && *d && strcmp(d, "0") != 0;
  hdf5_dir = getenv("CYSIM_FUZZ_HDF5_DIR");
  if (hdf5_dir && !*hdf5_dir)
    hdf5_dir = NULL;
  signal(SIGPIPE, SIG_IGN); /* a dead helper is noticed by read/write */
  atexit(cleanup);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fopen(input, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    perror(input);
    abort();
  }
  if (!direct && hdf5_crashes(data, size))
    return -1;
  read_file();
  return 0;
}
