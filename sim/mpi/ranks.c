/* ranks.c: MPI set-up and rank 0's transport to the worker ranks (see
 * ranks.h and wire.h).
 *
 * The transport is cy_run()'s remote-worker interface over one duplicate
 * of MPI_COMM_WORLD: submit sends RUN to rank w + 1, poll looks for an
 * ANSWER from any rank, stop sends STOP to every rank.  Only cy_run()'s
 * proxy thread calls these while the run goes (MPI_THREAD_SERIALIZED);
 * open and close run on the main thread before and after. */
#include "ranks.h"
#include "wire.h"

#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>

/* Everything cysim sends goes over this duplicate of MPI_COMM_WORLD, made
 * by every rank in cy__mpi_init (a collective call, so it is made where
 * every rank surely is). */
static MPI_Comm comm = MPI_COMM_NULL;

MPI_Comm cy__mpi_comm(void) { return comm; }

bool cy__mpi_launched(void) {
  return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK");
}

int cy__mpi_init(int *rank, int *size, cy_error *err) {
  int provided;
  MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided);
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    return cy_error_set(err, CY_EINTERNAL,
                        "the MPI library offers thread level %d; cysim needs "
                        "MPI_THREAD_SERIALIZED (%d)",
                        provided, MPI_THREAD_SERIALIZED);
  }
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  MPI_Comm_rank(comm, rank);
  MPI_Comm_size(comm, size);
  return CY_OK;
}

void cy__mpi_finalize(void) {
  if (comm != MPI_COMM_NULL)
    MPI_Comm_free(&comm);
  MPI_Finalize();
}

/* ---- rank 0's transport ---- */

typedef struct mpi_remote {
  int size;
  unsigned char *buf; /* the last answer received */
  size_t cap;
} mpi_remote;

static int mpi_submit(void *ctx, unsigned w, size_t point, size_t rep,
                      cy_error *err) {
  (void)ctx;
  (void)err;
  uint64_t run[2] = {point, rep};
  /* 16 bytes go eagerly: the send returns without waiting for the rank. */
  MPI_Send(run, (int)sizeof run, MPI_BYTE, (int)w + 1, CY_MPI_RUN, comm);
  return CY_OK;
}

/* Receives the message st announced into m->buf; its length in *len. */
static int receive(mpi_remote *m, const MPI_Status *st, size_t *len,
                   cy_error *err) {
  int n;
  MPI_Get_count(st, MPI_BYTE, &n);
  if ((size_t)n > m->cap) {
    unsigned char *b = realloc(m->buf, (size_t)n);
    if (!b)
      return cy_error_set(err, CY_ENOMEM, "out of memory");
    m->buf = b;
    m->cap = (size_t)n;
  }
  MPI_Recv(m->buf, n, MPI_BYTE, st->MPI_SOURCE, st->MPI_TAG, comm,
           MPI_STATUS_IGNORE);
  *len = (size_t)n;
  return CY_OK;
}

static int mpi_poll(void *ctx, double wait, bool *got, cy_remote_answer *a,
                    cy_outcome *o, cy_error *err) {
  mpi_remote *m = ctx;
  double end = MPI_Wtime() + wait;
  MPI_Status st;
  int flag;
  *got = false;
  for (;;) {
    MPI_Iprobe(MPI_ANY_SOURCE, CY_MPI_ANSWER, comm, &flag, &st);
    if (flag)
      break;
    if (MPI_Wtime() >= end)
      return CY_OK;
    cy__mpi_nap();
  }
  size_t len = 0;
  int rc = receive(m, &st, &len, err);
  if (rc == CY_OK) {
    a->worker = (unsigned)st.MPI_SOURCE - 1;
    rc = cy__wire_unpack(m->buf, len, a, o, err);
  }
  if (rc != CY_OK) {
    cy_error e = *err;
    return cy_error_set(err, rc, "rank %d: %s", st.MPI_SOURCE, e.msg);
  }
  *got = true;
  return CY_OK;
}

/* Every worker's HELLO: the first error, or CY_EINPUT for a worker whose
 * study is not rank 0's. */
static int mpi_start(void *ctx, uint64_t fingerprint, cy_error *err) {
  mpi_remote *m = ctx;
  int rc = CY_OK;
  for (int r = 1; r < m->size; r++) {
    MPI_Status st;
    int flag;
    for (;;) {
      MPI_Iprobe(r, CY_MPI_HELLO, comm, &flag, &st);
      if (flag)
        break;
      cy__mpi_nap();
    }
    size_t len = 0;
    cy_error e;
    int status;
    uint64_t fp;
    if (receive(m, &st, &len, &e) != CY_OK ||
        cy__wire_unpack_hello(m->buf, len, &status, &fp, &e) != CY_OK)
      status = e.code;
    else if (status == CY_OK && fp != fingerprint) {
      cy_error who = e;
      status = cy_error_set(&e, CY_EINPUT,
                            "%s loaded another study than rank 0 (its "
                            "scenario files differ?): every rank must read "
                            "the same files",
                            who.msg);
    }
    if (status != CY_OK && rc == CY_OK) {
      *err = e;
      rc = status;
    }
  }
  return rc;
}

static int mpi_stop(void *ctx, cy_error *err) {
  (void)err;
  mpi_remote *m = ctx;
  for (int r = 1; r < m->size; r++)
    MPI_Send(NULL, 0, MPI_BYTE, r, CY_MPI_STOP, comm);
  return CY_OK;
}

static const cy_remote_type mpi_type = {.name = "MPI",
                                        .start = mpi_start,
                                        .submit = mpi_submit,
                                        .poll = mpi_poll,
                                        .stop = mpi_stop};

/* One transport per process (rank 0 runs one study): static, so that
 * opening it cannot fail while the worker ranks wait for it. */
static mpi_remote the_remote;

void cy__mpi_remote_open(cy_remote *r, unsigned depth) {
  mpi_remote *m = &the_remote;
  MPI_Comm_size(comm, &m->size);
  *r = (cy_remote){.type = &mpi_type,
                   .ctx = m,
                   .workers = (unsigned)m->size - 1,
                   .depth = depth};
}

void cy__mpi_remote_close(cy_remote *r) {
  mpi_remote *m = r->ctx;
  if (!m)
    return;
  for (int w = 1; w < m->size; w++)
    MPI_Send(NULL, 0, MPI_BYTE, w, CY_MPI_END, comm);
  /* Answers still on their way (after a failure) are dropped; each worker
   * sends END last. */
  for (int ended = 0; ended < m->size - 1;) {
    MPI_Status st;
    int flag;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st);
    if (!flag) {
      cy__mpi_nap();
      continue;
    }
    size_t len = 0;
    cy_error e;
    if (receive(m, &st, &len, &e) != CY_OK)
      MPI_Abort(comm, CY_EXIT_FAILURE); /* cannot even drain */
    ended += st.MPI_TAG == CY_MPI_END;
  }
  free(m->buf);
  m->buf = NULL;
  m->cap = 0;
  r->ctx = NULL;
}
