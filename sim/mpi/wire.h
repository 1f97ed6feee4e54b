/* wire.h: the messages between rank 0 and the worker ranks (private to
 * sim/mpi).
 *
 * Rank w -> rank 0 first: HELLO, a wire_head with status CY_OK and the
 * study's fingerprint in `point` (cy_run_worker_fingerprint), or the error
 * of loading it, then the message: "rank W (HOST)", or with the error
 * "rank W (HOST): what went wrong".
 * Rank 0 -> rank w (w = 1 ..): RUN (two uint64: point, replication), STOP
 * (drop the runs you hold; answer each), END (no more runs: exit).  Rank w
 * -> rank 0: ANSWER, bytes: a wire_head, then with status CY_OK every
 * outcome field's values in CY_OUTCOME_FIELDS order and the event log
 * record by record, each record's columns in CY_LOG_FIELDS order (no
 * padding), else the error message (msg_len bytes, no NUL).  Values travel
 * in the sender's byte order: the ranks run the same binary on one kind of
 * machine.  MPI keeps the order of the messages between two ranks, so a
 * STOP or END arrives after every RUN sent before it. */
#ifndef CYSIM_MPI_WIRE_H
#define CYSIM_MPI_WIRE_H

#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"
#include "cysim/cy_run.h"

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

/* The communicator of every message (a duplicate of MPI_COMM_WORLD that
 * cy__mpi_init makes). */
MPI_Comm cy__mpi_comm(void);

/* Message tags.  END also goes back, empty, as a worker's last message:
 * rank 0 receives (and drops) answers until every worker's END is in, so
 * no rank is left waiting on a send. */
enum { CY_MPI_RUN = 1, CY_MPI_STOP, CY_MPI_END, CY_MPI_ANSWER, CY_MPI_HELLO };

/* How long a rank sleeps between looks for messages.  Blocking MPI calls
 * would spin on a core (Open MPI polls), which the computing threads need;
 * answers and runs wait at most this long, which the runs kept in flight
 * per worker (cy_remote.depth) cover. */
#define CY_MPI_NAP_NS 500000L

/* Sleeps CY_MPI_NAP_NS. */
void cy__mpi_nap(void);

typedef struct cy_wire_head {
  uint64_t point, rep;
  int64_t status;   /* a cy_error code */
  uint64_t log_len; /* records of the event log (status CY_OK) */
  uint64_t msg_len; /* bytes of the message (other status) */
} cy_wire_head;

/* An answer with the results of run (point, rep) in o, or (status not
 * CY_OK) the message msg: a malloc'ed buffer in *buf, *len bytes.
 * CY_ENOMEM. */
int cy__wire_pack(size_t point, size_t rep, int status, const cy_outcome *o,
                  const char *msg, unsigned char **buf, size_t *len);

/* A HELLO or an error answer: the head, then msg. */
int cy__wire_pack_msg(uint64_t point, uint64_t rep, int status, const char *msg,
                      unsigned char **buf, size_t *len);

/* Reads a HELLO of len bytes: *status, *fingerprint, and the message into
 * err->msg.  CY_EINPUT when the bytes are not one. */
int cy__wire_unpack_hello(const unsigned char *buf, size_t len, int *status,
                          uint64_t *fingerprint, cy_error *err);

/* Reads an answer of len bytes into *a (but a->worker) and, with status
 * CY_OK, into o (sized for the study; its log grows as needed); with another
 * status the message goes to err.  CY_EINPUT when the bytes are not an
 * answer of o's sizes (err says what), CY_ENOMEM. */
int cy__wire_unpack(const unsigned char *buf, size_t len, cy_remote_answer *a,
                    cy_outcome *o, cy_error *err);

#endif
