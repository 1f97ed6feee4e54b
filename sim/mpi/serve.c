/* serve.c: a worker rank (ranks > 0; see ranks.h and wire.h).
 *
 * Two threads: the main thread alone calls MPI -- it receives runs into a
 * queue, sends the answers and sleeps between looks (CY_MPI_NAP_NS) rather
 * than block in MPI, which would spin on the core the other thread needs
 * -- and one thread computes the queued runs in order (cy_run_worker_run,
 * what rank 0's own threads compute) and packs each answer.  A study that
 * does not load here is every run's answer: rank 0 stops the run with that
 * message. */
#include "ranks.h"
#include "wire.h"

#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct job {
  size_t point, rep;
} job;

/* A packed answer, and its send once started. */
typedef struct packet {
  unsigned char *buf;
  size_t len;
  MPI_Request req;
} packet;

/* A growable array of n items of `size` bytes. */
static void push(void **items, size_t *n, size_t *cap, const void *item,
                 size_t size) {
  if (*n == *cap) {
    size_t c = *cap ? 2 * *cap : 16;
    void *p = realloc(*items, c * size);
    if (!p)
      abort(); /* a few bytes: nothing sensible is left to do */
    *items = p;
    *cap = c;
  }
  memcpy((char *)*items + *n * size, item, size);
  (*n)++;
}

typedef struct server {
  char who[MPI_MAX_PROCESSOR_NAME + 32]; /* "rank 3 (host)" */
  cy_run_worker *rw;                     /* NULL: the study did not load */
  cy_error load_err;
  atomic_int *stop;
  pthread_mutex_t mu;
  pthread_cond_t cv_job, cv_ready;
  job *jobs; /* jobs[head .. n_jobs - 1] wait */
  size_t head, n_jobs, cap_jobs;
  packet *ready; /* packed by the computing thread, to send */
  size_t n_ready, cap_ready;
  bool quit; /* the computing thread exits */
  /* The main thread's sends in progress. */
  packet *sending;
  size_t n_sending, cap_sending;
} server;

/* Computes run j into o (if the study loaded) and packs its answer. */
static packet answer(server *sv, cy_outcome *o, const cy_error *o_err, job j) {
  cy_error e;
  cy_error_clear(&e);
  int status;
  if (!sv->rw)
    e = sv->load_err;
  else if (o_err->code)
    e = *o_err;
  status = e.code;
  if (status == CY_OK)
    status = atomic_load(sv->stop)
                 ? CY_EINTR
                 : cy_run_worker_run(sv->rw, j.point, j.rep, sv->stop, o, &e);
  char msg[CY_ERROR_MSG_MAX + sizeof sv->who + 2];
  snprintf(msg, sizeof msg, "%s: %s", sv->who, e.msg);
  packet p = {.req = MPI_REQUEST_NULL};
  if (cy__wire_pack(j.point, j.rep, status, o, msg, &p.buf, &p.len) != CY_OK &&
      cy__wire_pack(j.point, j.rep, CY_ENOMEM, o, "out of memory", &p.buf,
                    &p.len) != CY_OK)
    abort();
  return p;
}

static void *compute(void *arg) {
  server *sv = arg;
  cy_outcome o;
  memset(&o, 0, sizeof o);
  cy_error o_err;
  cy_error_clear(&o_err);
  if (sv->rw)
    cy_run_worker_outcome_init(sv->rw, &o, &o_err);
  pthread_mutex_lock(&sv->mu);
  for (;;) {
    while (!sv->quit && sv->head == sv->n_jobs)
      pthread_cond_wait(&sv->cv_job, &sv->mu);
    if (sv->quit)
      break;
    job j = sv->jobs[sv->head++];
    pthread_mutex_unlock(&sv->mu);
    packet p = answer(sv, &o, &o_err, j);
    pthread_mutex_lock(&sv->mu);
    push((void **)&sv->ready, &sv->n_ready, &sv->cap_ready, &p, sizeof p);
    pthread_cond_signal(&sv->cv_ready);
  }
  pthread_mutex_unlock(&sv->mu);
  cy_outcome_fini(&o);
  return NULL;
}

/* Takes every message rank 0 has sent; true once END came. */
static bool receive_all(server *sv, MPI_Comm comm) {
  for (;;) {
    int flag;
    MPI_Status st;
    MPI_Iprobe(0, MPI_ANY_TAG, comm, &flag, &st);
    if (!flag)
      return false;
    uint64_t run[2] = {0, 0}; /* RUN's; STOP and END are empty */
    MPI_Recv(run, (int)sizeof run, MPI_BYTE, 0, st.MPI_TAG, comm,
             MPI_STATUS_IGNORE);
    if (st.MPI_TAG == CY_MPI_END)
      return true;
    if (st.MPI_TAG == CY_MPI_STOP) {
      atomic_store(sv->stop, 1);
      continue;
    }
    job j = {(size_t)run[0], (size_t)run[1]};
    pthread_mutex_lock(&sv->mu);
    if (sv->head == sv->n_jobs)
      sv->head = sv->n_jobs = 0;
    push((void **)&sv->jobs, &sv->n_jobs, &sv->cap_jobs, &j, sizeof j);
    pthread_cond_signal(&sv->cv_job);
    pthread_mutex_unlock(&sv->mu);
  }
}

/* Starts the sends of the packed answers and frees those that completed. */
static void send_ready(server *sv, MPI_Comm comm) {
  pthread_mutex_lock(&sv->mu);
  for (size_t i = 0; i < sv->n_ready; i++)
    push((void **)&sv->sending, &sv->n_sending, &sv->cap_sending, &sv->ready[i],
         sizeof *sv->ready);
  size_t first_new = sv->n_sending - sv->n_ready;
  sv->n_ready = 0;
  pthread_mutex_unlock(&sv->mu);
  for (size_t i = first_new; i < sv->n_sending; i++) {
    packet *p = &sv->sending[i];
    MPI_Isend(p->buf, (int)p->len, MPI_BYTE, 0, CY_MPI_ANSWER, comm, &p->req);
  }
  size_t kept = 0;
  for (size_t i = 0; i < sv->n_sending; i++) {
    int done;
    MPI_Test(&sv->sending[i].req, &done, MPI_STATUS_IGNORE);
    if (done)
      free(sv->sending[i].buf);
    else
      sv->sending[kept++] = sv->sending[i];
  }
  sv->n_sending = kept;
}

/* Sleeps until an answer is packed, or CY_MPI_NAP_NS. */
static void wait_a_little(server *sv) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += CY_MPI_NAP_NS;
  if (ts.tv_nsec >= 1000000000L)
    ts.tv_sec++, ts.tv_nsec -= 1000000000L;
  pthread_mutex_lock(&sv->mu);
  if (sv->n_ready == 0)
    pthread_cond_timedwait(&sv->cv_ready, &sv->mu, &ts);
  pthread_mutex_unlock(&sv->mu);
}

/* After END: stops the computing thread, sends what it packed (rank 0
 * drops answers after END) and END back, and waits for every send. */
static void finish(server *sv, pthread_t t, MPI_Comm comm) {
  atomic_store(sv->stop, 1);
  pthread_mutex_lock(&sv->mu);
  sv->quit = true;
  pthread_cond_signal(&sv->cv_job);
  pthread_mutex_unlock(&sv->mu);
  pthread_join(t, NULL);
  send_ready(sv, comm);
  MPI_Send(NULL, 0, MPI_BYTE, 0, CY_MPI_END, comm);
  while (sv->n_sending) {
    cy__mpi_nap();
    send_ready(sv, comm);
  }
}

/* The first message: whether the study loaded, and which it is. */
static void hello(const server *sv, MPI_Comm comm) {
  char msg[CY_ERROR_MSG_MAX + sizeof sv->who + 2];
  if (sv->rw)
    snprintf(msg, sizeof msg, "%s", sv->who);
  else
    snprintf(msg, sizeof msg, "%s: %s", sv->who, sv->load_err.msg);
  unsigned char *buf;
  size_t len;
  if (cy__wire_pack_msg(sv->rw ? cy_run_worker_fingerprint(sv->rw) : 0, 0,
                        sv->rw ? CY_OK : sv->load_err.code, msg, &buf,
                        &len) != CY_OK)
    abort();
  MPI_Send(buf, (int)len, MPI_BYTE, 0, CY_MPI_HELLO, comm);
  free(buf);
}

static void serve_fini(server *sv) {
  pthread_mutex_destroy(&sv->mu);
  pthread_cond_destroy(&sv->cv_job);
  pthread_cond_destroy(&sv->cv_ready);
  free(sv->jobs);
  free(sv->ready);
  free(sv->sending);
  cy_run_worker_free(sv->rw);
}

int cy__mpi_serve(const cy_run_opts *o, atomic_int *stop) {
  MPI_Comm comm = cy__mpi_comm();
  server sv;
  memset(&sv, 0, sizeof sv);
  sv.stop = stop;
  int rank, len;
  char host[MPI_MAX_PROCESSOR_NAME];
  MPI_Comm_rank(comm, &rank);
  MPI_Get_processor_name(host, &len);
  snprintf(sv.who, sizeof sv.who, "rank %d (%s)", rank, host);
  cy_error_clear(&sv.load_err);
  cy_run_worker_alloc(&sv.rw, o, &sv.load_err);
  hello(&sv, comm);
  pthread_mutex_init(&sv.mu, NULL);
  pthread_cond_init(&sv.cv_job, NULL);
  pthread_cond_init(&sv.cv_ready, NULL);
  pthread_t t;
  if (pthread_create(&t, NULL, compute, &sv) != 0) {
    serve_fini(&sv);
    MPI_Abort(comm, CY_EXIT_FAILURE); /* rank 0 would wait for answers */
  }
  while (!receive_all(&sv, comm)) {
    send_ready(&sv, comm);
    wait_a_little(&sv);
  }
  finish(&sv, t, comm);
  serve_fini(&sv);
  return CY_EXIT_OK;
}
