/* cmd_run.c: `cysim run FILE [options]` (see run.h for the runner). */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "run.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out) {
  fprintf(out,
          "usage: cysim run FILE [options]\n"
          "\n"
          "Runs every sweep point and replication of scenario FILE into an "
          "HDF5 file.\n"
          "\n"
          "options:\n"
          "  -o, --output OUT.h5   output file (default: FILE's base name "
          "with .h5,\n"
          "                        in the current directory)\n"
          "  -n, --replications R  replications per point (overrides "
          "scenario.replications)\n"
          "      --seed S          seed (overrides scenario.seed)\n"
          "      --set PATH=VALUE  override a scenario setting (repeatable)\n"
          "  -j, --threads N       worker threads (default: all online "
          "cores)\n"
          "      --force           replace an existing OUT.h5 (only when "
          "this run\n"
          "                        completes), or start over an interrupted "
          "run\n"
          "      --resume          complete an interrupted run (same FILE, "
          "--set,\n"
          "                        --seed and -n as the interrupted run)\n"
          "      --event-log       also write the per-event log (/events)\n"
          "  -q, --quiet           no progress on stderr\n"
          "      --timing          print the time spent writing HDF5\n"
          "      --allow-large     run a study past the work caps (expected "
          "events,\n"
          "                        bins, memory, output: see `cysim validate "
          "--help`)\n"
          "  -h, --help            this help\n"
          "\n"
          "Files: OUT.h5 appears only when every run is done.  Until then "
          "finished\n"
          "runs are kept in OUT.h5.partial (an HDF5 file valid at every "
          "instant,\n"
          "whatever stops the process; --resume continues it), with "
          "OUT.h5.lock\n"
          "(held by the one process writing OUT.h5), OUT.h5.tmp (the "
          "compressed\n"
          "file being built) and, with --event-log, OUT.h5.partial.events.\n"
          "\n"
          "SIGINT/SIGTERM stop the run within about a second, even inside a "
          "long\n"
          "replication: finished runs stay in OUT.h5.partial and the exit "
          "status is\n"
          "130.  A second SIGINT/SIGTERM exits at once (the partial file is "
          "still\n"
          "valid).\n"
          "\n"
          "exit status: 0 complete, 1 runtime failure (e.g. disk full: "
          "finished runs\n"
          "are kept), 2 usage or input error, 130 interrupted.\n");
}

/* Set from the signal handler: a lock-free atomic is async-signal-safe.
 * The first signal asks the runner to stop; a second one exits at once,
 * which is safe because the partial file is valid at every instant. */
static atomic_int stop_flag;

static void on_signal(int sig) {
  (void)sig;
  if (atomic_exchange(&stop_flag, 1))
    _exit(CY_EXIT_INTERRUPTED);
}

/* Installs the handlers for the duration of the run (old ones kept). */
static void catch_signals(bool on, struct sigaction *old) {
  if (!on) {
    sigaction(SIGINT, &old[0], NULL);
    sigaction(SIGTERM, &old[1], NULL);
    return;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old[0]);
  sigaction(SIGTERM, &sa, &old[1]);
}

static bool parse_u64(const char *s, unsigned long long max,
                      unsigned long long *out) {
  char *end;
  errno = 0;
  if (*s == '-' || *s == '\0')
    return false;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || *end || v > max)
    return false;
  *out = v;
  return true;
}

/* FILE's base name without its extension, plus .h5. */
static char *default_output(const char *file) {
  const char *b = strrchr(file, '/');
  b = b ? b + 1 : file;
  const char *dot = strrchr(b, '.');
  size_t len = dot && dot != b ? (size_t)(dot - b) : strlen(b);
  char *out = malloc(len + 4);
  if (out) {
    memcpy(out, b, len);
    strcpy(out + len, ".h5");
  }
  return out;
}

static char *join_command_line(int argc, char **argv) {
  size_t len = 6;
  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 3;
  char *s = malloc(len);
  if (!s)
    return NULL;
  strcpy(s, "cysim");
  for (int i = 0; i < argc; i++) {
    strcat(s, " ");
    strcat(s, argv[i]);
  }
  return s;
}

int cy_cmd_run(int argc, char **argv) {
  enum { O_SEED = 256, O_SET, O_FORCE, O_RESUME, O_EVLOG, O_TIMING, O_LARGE };
  static const struct option opts[] = {
      {"output", required_argument, NULL, 'o'},
      {"replications", required_argument, NULL, 'n'},
      {"seed", required_argument, NULL, O_SEED},
      {"set", required_argument, NULL, O_SET},
      {"threads", required_argument, NULL, 'j'},
      {"force", no_argument, NULL, O_FORCE},
      {"resume", no_argument, NULL, O_RESUME},
      {"event-log", no_argument, NULL, O_EVLOG},
      {"quiet", no_argument, NULL, 'q'},
      {"timing", no_argument, NULL, O_TIMING},
      {"allow-large", no_argument, NULL, O_LARGE},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  cy_run_opts o = {0};
  const char **sets = calloc((size_t)argc + 1, sizeof *sets);
  char *output = NULL;
  bool timing = false;
  int status = CY_EXIT_USAGE;
  if (!sets) {
    fprintf(stderr, "cysim run: out of memory\n");
    return CY_EXIT_FAILURE;
  }
  /* Before getopt_long, which permutes argv. */
  char *cmdline = join_command_line(argc, argv);
  int c;
  unsigned long long v;
  while ((c = getopt_long(argc, argv, "o:n:j:qh", opts, NULL)) != -1) {
    switch (c) {
    case 'o':
      o.output = optarg;
      break;
    case 'n':
      if (!parse_u64(optarg, UINT32_MAX, &v) || v == 0) {
        fprintf(stderr, "cysim run: -n: '%s' is not a positive count\n",
                optarg);
        goto out;
      }
      o.replications = (uint32_t)v;
      break;
    case O_SEED: {
      char *end;
      errno = 0;
      long long s = strtoll(optarg, &end, 10);
      if (errno || *end || end == optarg) {
        fprintf(stderr, "cysim run: --seed: '%s' is not a 64-bit integer\n",
                optarg);
        goto out;
      }
      o.have_seed = true;
      o.seed = (int64_t)s;
      break;
    }
    case O_SET:
      if (!strchr(optarg, '=')) {
        fprintf(stderr, "cysim run: --set: '%s' is not PATH=VALUE\n", optarg);
        goto out;
      }
      sets[o.n_sets++] = optarg;
      break;
    case 'j':
      if (!parse_u64(optarg, 4096, &v) || v == 0) {
        fprintf(stderr,
                "cysim run: -j: '%s' is not a thread count in 1..4096\n",
                optarg);
        goto out;
      }
      o.threads = (unsigned)v;
      break;
    case O_FORCE:
      o.force = true;
      break;
    case O_RESUME:
      o.resume = true;
      break;
    case O_EVLOG:
      o.event_log = true;
      break;
    case 'q':
      o.quiet = true;
      break;
    case O_TIMING:
      timing = true;
      break;
    case O_LARGE:
      o.allow_large = true;
      break;
    case 'h':
      usage(stdout);
      status = CY_EXIT_OK;
      goto out;
    default:
      usage(stderr);
      goto out;
    }
  }
  if (optind != argc - 1) {
    fprintf(stderr, "cysim run: expected one scenario FILE\n");
    usage(stderr);
    goto out;
  }
  o.scenario = argv[optind];
  if (!o.output) {
    output = default_output(o.scenario);
    o.output = output;
  }
  o.sets = sets;
  o.command_line = cmdline;
  cy_error err;
  cy_error_clear(&err);
  cy_run_stats st;
  struct sigaction old[2];
  atomic_store(&stop_flag, 0);
  o.stop = &stop_flag;
  catch_signals(true, old);
  int rc = cy_run(&o, &st, &err);
  catch_signals(false, old);
  if (rc != CY_OK)
    fprintf(stderr, "cysim run: %s\n", err.msg[0] ? err.msg : cy_strerror(rc));
  if (timing && (rc == CY_OK || rc == CY_EINTR)) {
    double rate = st.wall > 0 ? (double)st.runs_done / st.wall : 0;
    fprintf(stderr,
            "cysim run: %zu runs (%zu points x %zu replications) on %u "
            "threads in %.3f s (%.1f runs/s, %.3g events/s); HDF5 writing "
            "%.3f s = %.2f%% of wall time (chunk compression on the "
            "workers: %.3f s)\n",
            st.runs_done, st.points, st.replications, st.threads, st.wall, rate,
            st.wall > 0 ? (double)st.events / st.wall : 0.0, st.h5_busy,
            st.wall > 0 ? 100.0 * st.h5_busy / st.wall : 0.0, st.compress_time);
  }
  status = cy_exit_status(rc);
out:
  free(cmdline);
  free(output);
  free(sets);
  return status;
}
