/* ranks.h: `cysim run` across the ranks of an MPI job -- what sim/mpi offers
 * the cysim program (sim/cli), the only module above it.
 *
 * Rank 0 runs cy_run() as a plain `cysim run` would, with the other ranks
 * as its remote workers (cy_run_opts.remote, a transport over MPI point to
 * point messages); ranks > 0 load the same study from the same command
 * line and compute the runs rank 0 hands them (cy__mpi_serve).  Rank 0
 * alone writes the file, which is therefore the same bytes as a
 * single-process run's.  The ranks must see the scenario file (and its
 * @includes) at the same path, and run the same cysim on the same kind of
 * machine (results travel in native byte order).
 *
 * MPI's process-wide state (MPI_Init_thread, MPI_Finalize) is the
 * program's to set, through cy__mpi_init and cy__mpi_finalize; the library
 * never calls MPI.  MPI failures abort the job (MPI_ERRORS_ARE_FATAL); a
 * worker rank's error (a scenario it cannot read, a failed run) reaches
 * rank 0 as the run's error, one message naming the rank and host. */
#ifndef CYSIM_MPI_RANKS_H
#define CYSIM_MPI_RANKS_H

#include "cysim/cy_error.h"
#include "cysim/cy_run.h"

#include <stdatomic.h>
#include <stdbool.h>

/* Whether a launcher started this process as a rank of an MPI job: the
 * environment has OMPI_COMM_WORLD_SIZE (Open MPI's mpirun) or PMIX_RANK (a
 * PMIx launcher, e.g. srun --mpi=pmix).  A program started otherwise does
 * not initialise MPI at all. */
bool cy__mpi_launched(void);

/* MPI_Init_thread asking for MPI_THREAD_SERIALIZED (cy_run's proxy thread
 * makes rank 0's calls, one at a time, never the main thread while it
 * does); *rank and *size of MPI_COMM_WORLD.  CY_EINTERNAL when the MPI
 * library offers less (MPI is then finalized). */
int cy__mpi_init(int *rank, int *size, cy_error *err);
void cy__mpi_finalize(void);

/* Rank 0: *r becomes the transport to ranks 1 .. size - 1 (r->workers =
 * size - 1, at most depth runs in flight each, 0: cy_run's default), for
 * cy_run_opts.remote.  Every
 * rank > 0 must be in cy__mpi_serve, and cy__mpi_remote_close must follow
 * (it ends them). */
void cy__mpi_remote_open(cy_remote *r, unsigned depth);
/* Rank 0: ends the worker ranks (cy__mpi_serve returns) and frees the
 * transport; after cy_run() returned, or when it was not called.  Answers
 * still on their way (after a failure) are received and dropped, so no
 * rank is left in a send. */
void cy__mpi_remote_close(cy_remote *r);

/* Ranks > 0: loads the study as o says (scenario, sets, replications,
 * seed, event_log: the rest is rank 0's) and computes the runs rank 0
 * hands out, on one thread, until rank 0 ends them.  A run stops within
 * about a second of *stop becoming non-zero (the program's signal handler)
 * or of rank 0's STOP, which sets *stop.  Prints nothing: every error goes
 * to rank 0 in the answers.  Returns the process exit status
 * (CY_EXIT_OK unless this rank could not answer). */
int cy__mpi_serve(const cy_run_opts *o, atomic_int *stop);

#endif
