/* cmd_run.c: `cysim run FILE [options]` (see cy_run.h for the runner).
 *
 * Besides the options, what the library leaves to a program: the signal
 * handlers that turn Ctrl-C into a stop request, the allocator tuning, and
 * the progress display on stderr. */
#include "cmd.h"
#include "cysim/cy_error.h"
#include "cysim/cy_run.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef CYSIM_MPI
#include "mpi/ranks.h"
#endif

/* The MPI paragraph of the help, in MPI builds. */
static void usage_mpi(FILE *out) {
#ifdef CYSIM_MPI
  fprintf(out,
          "\n"
          "MPI: `mpirun -n N cysim run FILE ...` runs on N processes: rank 0 "
          "hands the\n"
          "runs out to the others and alone writes OUT.h5 (the same bytes "
          "as without\n"
          "MPI) and prints; there -j is rank 0's own compute threads "
          "(default 1; -j 0:\n"
          "none), each other rank computes on one thread.  Every rank must "
          "read the\n"
          "same FILE (checked).  --task/--tasks work alike (the ranks share "
          "the task's\n"
          "runs).  Ctrl-C on mpirun stops the run as above (mpirun exits 1, "
          "and kills\n"
          "the ranks 1 s later: finished runs are in OUT.h5.partial either "
          "way).\n");
#else
  (void)out;
#endif
}

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
          "      --task K          run only task K (0-based) of --tasks N: "
          "a shard for\n"
          "                        `cysim merge` (see below)\n"
          "      --tasks N         the number of tasks the runs are split "
          "into\n"
          "      --task auto       K and N from a Slurm job array: K = "
          "SLURM_ARRAY_TASK_ID\n"
          "                        - SLURM_ARRAY_TASK_MIN, N = "
          "SLURM_ARRAY_TASK_COUNT;\n"
          "                        with --tasks N, K = SLURM_ARRAY_TASK_ID\n"
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
          "Shards: the runs (point x replication, numbered point * R + "
          "replication)\n"
          "are split into N contiguous blocks (`cysim list FILE --tasks N` "
          "shows them);\n"
          "task K writes its block to OUT.h5 (default: FILE's base name with "
          "\n"
          ".shard-K-of-N.h5), a file of the usual layout whose "
          "/summary/status marks\n"
          "its runs.  A task whose shard is complete does nothing; one "
          "whose partial\n"
          "file is there continues it, so resubmitting a whole job array "
          "redoes only\n"
          "lost runs.  `cysim merge -o ALL.h5 SHARD...` joins the shards.\n"
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
  usage_mpi(out);
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

/* Process-wide, so here and not in the library. */
static void tune_allocator(void) {
#ifdef __GLIBC__
  /* HDF5 allocates and frees chunk and compression buffers on every write;
   * without this glibc hands the memory back to the kernel each time, and
   * the page faults and TLB shootdowns (one per worker thread) cost more
   * than the writing itself. */
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
#endif
}

/* ---- progress on stderr ---- */

typedef struct progress {
  bool tty;
  double last; /* elapsed time of the last bar drawn */
  int last_decile;
} progress;

static void fmt_duration(char *buf, size_t n, double s) {
  if (!(s >= 0) || s > 1e8) {
    snprintf(buf, n, "--:--");
    return;
  }
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, n, "%ld:%02ld", t / 60, t % 60);
}

/* A terminal: one bar redrawn in place, at most ten times a second. */
static void show_bar(progress *pg, const cy_run_progress *p, double evs,
                     const char *etas) {
  if (!p->final && p->elapsed - pg->last < 0.1)
    return;
  pg->last = p->elapsed;
  enum { W = 30 };
  char bar[W + 1];
  size_t fill =
      (size_t)((double)W * (double)p->runs_done / (double)p->runs_pending);
  for (size_t i = 0; i < W; i++)
    bar[i] = i < fill ? '#' : '.';
  bar[W] = '\0';
  fprintf(stderr, "\r[%s] %zu/%zu runs  %.3g events/s  %s %s  ", bar,
          p->runs_before + p->runs_done, p->runs_total, evs,
          p->final ? "elapsed" : "ETA", etas);
  if (p->final)
    fputc('\n', stderr);
  fflush(stderr);
}

/* Batch logs: one line per 10% of the pending runs. */
static void show_decile(progress *pg, const cy_run_progress *p, double evs,
                        char *etas, size_t n_etas) {
  int dec = (int)(10 * p->runs_done / p->runs_pending);
  if (dec <= pg->last_decile)
    return;
  pg->last_decile = dec;
  if (dec >= 10)
    fmt_duration(etas, n_etas, p->elapsed);
  fprintf(stderr, "cysim run: %3d%%  %zu/%zu runs  %.3g events/s  %s %s\n",
          dec * 10, p->runs_before + p->runs_done, p->runs_total, evs,
          dec >= 10 ? "elapsed" : "ETA", etas);
}

/* cy_run_opts.progress. */
static void show_progress(const cy_run_progress *p, void *ctx) {
  progress *pg = ctx;
  double el = p->elapsed;
  double evs = el > 0 ? (double)p->events / el : 0;
  double eta = p->runs_done ? el * (double)(p->runs_pending - p->runs_done) /
                                  (double)p->runs_done
                            : -1;
  char etas[32];
  fmt_duration(etas, sizeof etas, p->final ? el : eta);
  if (pg->tty)
    show_bar(pg, p, evs, etas);
  else
    show_decile(pg, p, evs, etas, sizeof etas);
}

/* ---- MPI jobs (CYSIM_MPI) ----
 *
 * Under mpirun, rank 0 runs the study as a plain `cysim run` would, with
 * the other ranks as remote workers (sim/mpi/ranks.h), and alone writes the
 * file and prints; ranks > 0 compute the runs rank 0 hands them.  A
 * program not started by mpirun never initialises MPI. */

#ifdef CYSIM_MPI
static struct {
  int rank, size; /* size 0: not an MPI job */
  cy_remote remote;
} mpi;

/* Rank 0's own compute threads without -j (it also writes the file):
 * one, like every other rank.  On 2 cores, flagship, `mpirun -n 2`: 3.3 s
 * with -j 1, as fast as a plain -j 2 run; -j 0 6.8 s (one rank computes);
 * -j 2 3.7 s (oversubscribed). */
enum { MPI_RANK0_THREADS = 1 };

/* Joins the MPI job, if mpirun started this process: -1 to go on, else
 * the exit status.  Ranks > 0 print nothing: their stdout and stderr go to
 * /dev/null, and their errors reach rank 0 in their answers. */
static int mpi_start(void) {
  if (!cy__mpi_launched())
    return -1;
  cy_error err;
  if (cy__mpi_init(&mpi.rank, &mpi.size, &err) != CY_OK) {
    fprintf(stderr, "cysim run: %s\n", err.msg);
    mpi.size = 0;
    return CY_EXIT_FAILURE;
  }
  if (mpi.rank > 0 && (!freopen("/dev/null", "w", stdout) ||
                       !freopen("/dev/null", "w", stderr)))
    return CY_EXIT_FAILURE;
  return -1;
}

static void mpi_end(void) {
  if (mpi.size)
    cy__mpi_finalize();
}

static bool mpi_job(void) { return mpi.size > 1; }
static bool mpi_worker(void) { return mpi.rank > 0; }

/* Rank 0: the other ranks as remote workers of o; -j 0 allowed. */
static void mpi_remote_open(cy_run_opts *o, bool threads_given) {
  if (!mpi_job())
    return;
  cy__mpi_remote_open(&mpi.remote, 0);
  o->remote = &mpi.remote;
  if (!threads_given)
    o->threads = MPI_RANK0_THREADS;
}

static void mpi_remote_close(void) {
  if (mpi_job())
    cy__mpi_remote_close(&mpi.remote);
}

static int mpi_serve(const cy_run_opts *o) {
  return cy__mpi_serve(o, &stop_flag);
}
#else
static int mpi_start(void) { return -1; }
static void mpi_end(void) {}
static bool mpi_job(void) { return false; }
static bool mpi_worker(void) { return false; }
static void mpi_remote_open(cy_run_opts *o, bool threads_given) {
  (void)o;
  (void)threads_given;
}
static void mpi_remote_close(void) {}
static int mpi_serve(const cy_run_opts *o) {
  (void)o;
  return CY_EXIT_FAILURE;
}
#endif

/* ---- options ---- */

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

/* FILE's base name without its extension, plus .h5, or for a shard
 * .shard-K-of-N.h5 with K as wide as N - 1, so that a glob lists the
 * shards in task order. */
static char *default_output(const char *file, const cy_run_opts *o) {
  const char *b = strrchr(file, '/');
  b = b ? b + 1 : file;
  const char *dot = strrchr(b, '.');
  int len = (int)(dot && dot != b ? (size_t)(dot - b) : strlen(b));
  char suffix[96] = ".h5";
  if (o->tasks) {
    int width = snprintf(NULL, 0, "%zu", o->tasks - 1);
    snprintf(suffix, sizeof suffix, ".shard-%0*zu-of-%zu.h5", width, o->task,
             o->tasks);
  }
  size_t n = (size_t)len + strlen(suffix) + 1;
  char *out = malloc(n);
  if (out)
    snprintf(out, n, "%.*s%s", len, b, suffix);
  return out;
}

/* What the command line asks for. */
typedef struct run_args {
  cy_run_opts o;
  const char **sets; /* o.sets, owned */
  bool timing;
  const char *task;   /* --task as given, or NULL */
  bool threads_given; /* -j */
} run_args;

enum {
  O_SEED = 256,
  O_SET,
  O_FORCE,
  O_RESUME,
  O_EVLOG,
  O_TIMING,
  O_LARGE,
  O_TASK,
  O_TASKS
};

/* An option with a value (or an unknown option): false, after saying why,
 * when the value is bad (or the option unknown). */
static bool take_value(run_args *a, int c, const char *arg) {
  unsigned long long v;
  switch (c) {
  case 'o':
    a->o.output = arg;
    return true;
  case 'n':
    if (!parse_u64(arg, UINT32_MAX, &v) || v == 0) {
      fprintf(stderr, "cysim run: -n: '%s' is not a positive count\n", arg);
      return false;
    }
    a->o.replications = (uint32_t)v;
    return true;
  case O_SEED: {
    char *end;
    errno = 0;
    long long s = strtoll(arg, &end, 10);
    if (errno || *end || end == arg) {
      fprintf(stderr, "cysim run: --seed: '%s' is not a 64-bit integer\n", arg);
      return false;
    }
    a->o.have_seed = true;
    a->o.seed = (int64_t)s;
    return true;
  }
  case O_SET:
    if (!strchr(arg, '=')) {
      fprintf(stderr, "cysim run: --set: '%s' is not PATH=VALUE\n", arg);
      return false;
    }
    a->sets[a->o.n_sets++] = arg;
    return true;
  case 'j':
    if (!parse_u64(arg, 4096, &v) || (v == 0 && !mpi_job())) {
      fprintf(stderr, "cysim run: -j: '%s' is not a thread count in 1..4096\n",
              arg);
      return false;
    }
    a->o.threads = (unsigned)v;
    a->threads_given = true;
    return true;
  case O_TASK:
    a->task = arg;
    return true;
  case O_TASKS:
    if (!parse_u64(arg, SIZE_MAX, &v) || v == 0) {
      fprintf(stderr, "cysim run: --tasks: '%s' is not a positive count\n",
              arg);
      return false;
    }
    a->o.tasks = (size_t)v;
    return true;
  default:
    usage(stderr);
    return false;
  }
}

/* The field a flag sets; NULL when c is not a flag. */
static bool *flag_of(run_args *a, int c) {
  switch (c) {
  case O_FORCE:
    return &a->o.force;
  case O_RESUME:
    return &a->o.resume;
  case O_EVLOG:
    return &a->o.event_log;
  case 'q':
    return &a->o.quiet;
  case O_TIMING:
    return &a->timing;
  case O_LARGE:
    return &a->o.allow_large;
  default:
    return NULL;
  }
}

/* An environment variable of a Slurm job array as a count; false, after
 * saying why, when it is not set or not a number. */
static bool slurm_var(const char *name, unsigned long long *v) {
  const char *s = getenv(name);
  if (!s || !*s) {
    fprintf(stderr,
            "cysim run: --task auto: %s is not set (not a task of a Slurm "
            "job array? give --task K --tasks N)\n",
            name);
    return false;
  }
  if (!parse_u64(s, SIZE_MAX, v)) {
    fprintf(stderr, "cysim run: --task auto: %s='%s' is not a count\n", name,
            s);
    return false;
  }
  return true;
}

/* --task auto: from a Slurm array task's environment.  With --tasks N the
 * array's indices are the task numbers (so `sbatch --array=3,5` redoes
 * tasks 3 and 5); without, the array's own count and first index give
 * them. */
static bool task_from_slurm(run_args *a) {
  unsigned long long id, min, count;
  if (!slurm_var("SLURM_ARRAY_TASK_ID", &id))
    return false;
  if (a->o.tasks) {
    a->o.task = (size_t)id;
    return true;
  }
  if (!slurm_var("SLURM_ARRAY_TASK_MIN", &min) ||
      !slurm_var("SLURM_ARRAY_TASK_COUNT", &count))
    return false;
  if (id < min || id - min >= count || count == 0) {
    fprintf(stderr,
            "cysim run: --task auto: SLURM_ARRAY_TASK_ID %llu is not one "
            "of the %llu tasks from SLURM_ARRAY_TASK_MIN %llu (an array "
            "with gaps? give --tasks N and number the array from 0)\n",
            id, count, min);
    return false;
  }
  a->o.task = (size_t)(id - min);
  a->o.tasks = (size_t)count;
  return true;
}

/* --task and --tasks into a->o; false, after saying why, when they do not
 * make a task. */
static bool resolve_task(run_args *a) {
  if (!a->task) {
    if (a->o.tasks)
      fprintf(stderr, "cysim run: --tasks N needs --task K (or auto)\n");
    return !a->o.tasks;
  }
  if (strcmp(a->task, "auto") == 0 && !task_from_slurm(a))
    return false;
  unsigned long long k;
  if (strcmp(a->task, "auto") != 0) {
    if (!parse_u64(a->task, SIZE_MAX, &k)) {
      fprintf(stderr,
              "cysim run: --task: '%s' is neither a task number nor "
              "'auto'\n",
              a->task);
      return false;
    }
    a->o.task = (size_t)k;
  }
  if (!a->o.tasks) {
    fprintf(stderr, "cysim run: --task %s needs --tasks N\n", a->task);
    return false;
  }
  if (a->o.task >= a->o.tasks) {
    fprintf(stderr, "cysim run: task %zu is not one of the %zu tasks 0..%zu\n",
            a->o.task, a->o.tasks, a->o.tasks - 1);
    return false;
  }
  return true;
}

/* Fills a from argv: -1 to go on and run, else the exit status (after
 * --help or a bad option, with usage printed). */
static int parse_args(int argc, char **argv, run_args *a) {
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
      {"task", required_argument, NULL, O_TASK},
      {"tasks", required_argument, NULL, O_TASKS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "o:n:j:qh", opts, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return CY_EXIT_OK;
    }
    bool *flag = flag_of(a, c);
    if (flag)
      *flag = true;
    else if (!take_value(a, c, optarg))
      return CY_EXIT_USAGE;
  }
  if (optind != argc - 1) {
    fprintf(stderr, "cysim run: expected one scenario FILE\n");
    usage(stderr);
    return CY_EXIT_USAGE;
  }
  a->o.scenario = argv[optind];
  return resolve_task(a) ? -1 : CY_EXIT_USAGE;
}

/* ---- the command ---- */

static void print_timing(const cy_run_stats *st) {
  double rate = st->wall > 0 ? (double)st->runs_done / st->wall : 0;
  fprintf(stderr,
          "cysim run: %zu runs (%zu points x %zu replications) on %u "
          "threads in %.3f s (%.1f runs/s, %.3g events/s); HDF5 writing "
          "%.3f s = %.2f%% of wall time (chunk compression on the "
          "workers: %.3f s)",
          st->runs_done, st->points, st->replications, st->threads, st->wall,
          rate, st->wall > 0 ? (double)st->events / st->wall : 0.0, st->h5_busy,
          st->wall > 0 ? 100.0 * st->h5_busy / st->wall : 0.0,
          st->compress_time);
  if (st->remote_workers)
    fprintf(stderr, "; %u remote workers (MPI ranks)", st->remote_workers);
  fputc('\n', stderr);
}

/* Runs the study with Ctrl-C and SIGTERM turned into a stop request. */
static int run_study(const run_args *a) {
  cy_run_opts o = a->o;
  progress pg = {.tty = isatty(STDERR_FILENO), .last = -1};
  o.progress = show_progress;
  o.progress_ctx = &pg;
  cy_error err;
  cy_error_clear(&err);
  cy_run_stats st;
  struct sigaction old[2];
  atomic_store(&stop_flag, 0);
  o.stop = &stop_flag;
  tune_allocator();
  catch_signals(true, old);
  mpi_remote_open(&o, a->threads_given);
  int rc = cy_run(&o, &st, &err);
  mpi_remote_close();
  catch_signals(false, old);
  if (rc != CY_OK)
    fprintf(stderr, "cysim run: %s\n", err.msg[0] ? err.msg : cy_strerror(rc));
  if (rc == CY_OK && st.was_complete && !o.quiet)
    fprintf(stderr, "cysim run: %s is complete; nothing to do\n", o.output);
  if (a->timing && (rc == CY_OK || rc == CY_EINTR))
    print_timing(&st);
  return cy_exit_status(rc);
}

/* A worker rank of an MPI job: serves rank 0 until it ends the job, with
 * Ctrl-C and SIGTERM (what mpirun sends on Ctrl-C) stopping the runs. */
static int serve_study(const run_args *a) {
  struct sigaction old[2];
  atomic_store(&stop_flag, 0);
  catch_signals(true, old);
  int status = mpi_serve(&a->o);
  catch_signals(false, old);
  return status;
}

static int run_command(int argc, char **argv);

int cy_cmd_run(int argc, char **argv) {
  int status = mpi_start();
  if (status < 0)
    status = run_command(argc, argv);
  mpi_end();
  return status;
}

static int run_command(int argc, char **argv) {
  run_args a = {.sets = calloc((size_t)argc + 1, sizeof *a.sets)};
  if (!a.sets) {
    fprintf(stderr, "cysim run: out of memory\n");
    return CY_EXIT_FAILURE;
  }
  /* Before getopt_long, which permutes argv. */
  char *cmdline = cy_cmd_join_args(argc, argv);
  char *output = NULL;
  int status = parse_args(argc, argv, &a);
  if (status < 0) {
    if (!a.o.output)
      a.o.output = output = default_output(a.o.scenario, &a.o);
    a.o.sets = a.sets;
    a.o.command_line = cmdline;
    status = mpi_worker() ? serve_study(&a) : run_study(&a);
  }
  free(cmdline);
  free(output);
  free(a.sets);
  return status;
}
