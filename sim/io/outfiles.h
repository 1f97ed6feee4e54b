/* outfiles.h: the files beside an output, and the writer's lock (private).
 *
 * A run never writes OUT.h5 in place.  It works in files beside it:
 *
 *   OUT.h5.lock            held with an exclusive flock() by the one writer
 *   OUT.h5.partial         the crash-safe working file (HDF5): --resume
 *                          continues it; removed once OUT.h5 is in place
 *   OUT.h5.partial.new     OUT.h5.partial while its metadata is being
 *                          written; linked to .partial once on disk
 *   OUT.h5.partial.events  the event-log journal (only with --event-log)
 *   OUT.h5.tmp             the compressed final file being built; renamed
 *                          onto OUT.h5 when complete
 *
 * Only the lock holder creates, renames or removes any of them.  None of
 * them is ever opened through a symbolic link.  Nothing here includes HDF5:
 * these are plain POSIX files. */
#ifndef CYSIM_SIM_RUN_FILES_H
#define CYSIM_SIM_RUN_FILES_H

#include "cysim/cy_error.h"
#include "cysim/cy_outcome.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cy_outfiles {
  char *out, *lock, *partial, *partial_new, *journal, *tmp;
  int lock_fd; /* -1 unless locked */
} cy_outfiles;

/* Builds the names for output `out` into caller storage; fini frees them
 * (and releases the lock if held).  CY_ENOMEM or CY_OK. */
int cy__outfiles_init(cy_outfiles *f, const char *out, cy_error *err);
void cy__outfiles_fini(cy_outfiles *f);

/* Takes the exclusive lock on OUT.h5.lock without waiting: CY_EBUSY with a
 * message when another process holds it, CY_EIO with strerror when the lock
 * file cannot be made.  Released (and the lock file removed) by fini. */
int cy__outfiles_lock(cy_outfiles *f, cy_error *err);

typedef enum cy_path_kind {
  CY_PATH_NONE,    /* nothing there */
  CY_PATH_FILE,    /* a regular file */
  CY_PATH_SYMLINK, /* a symbolic link (dangling or not) */
  CY_PATH_OTHER    /* a directory, device, FIFO, ... */
} cy_path_kind;

/* What is at `path`, without following a final symbolic link. */
cy_path_kind cy__path_kind_of(const char *path);

/* Removes `path` if present; CY_OK when it is gone, CY_EIO otherwise. */
int cy__remove(const char *path, cy_error *err);

/* fsync()s a file by name (opened read-only, no symlink followed), and the
 * directory that holds `path`, so a rename in it is durable. */
int cy__fsync_file(const char *path, cy_error *err);
int cy__fsync_dir_of(const char *path, cy_error *err);

/* Puts `from` at `to`: with `replace`, rename(); without, link() + unlink()
 * so an existing `to` is never replaced (CY_EEXIST).  A symbolic link at
 * `to` is replaced as a name, never written through. */
int cy__move(const char *from, const char *to, bool replace, cy_error *err);

/* ---- the event-log journal ----
 *
 * The final /events rows are written in (point, replication, time) order
 * when the study completes, so a run's log rows must survive until then:
 * each run's rows are appended to the journal, with a CRC-32, before the
 * partial file's status marks the run done.  A torn last record (the
 * process died while appending) fails its check and is cut off when the
 * journal is reopened. */
typedef struct cy_journal cy_journal;

/* Creates a new journal (O_EXCL) or reopens an existing one, dropping a
 * torn tail.  CY_EIO with strerror on failure. */
int cy__journal_open(cy_journal **out, const char *path, bool create,
                     cy_error *err);
/* Appends the rows of run (point, rep). */
int cy__journal_append(cy_journal *j, uint32_t point, uint32_t rep,
                       const cy_log_record *rows, size_t n, cy_error *err);
/* fdatasync()s the journal. */
int cy__journal_sync(cy_journal *j, cy_error *err);
/* Calls fn for the last record of every run whose status[point * R + rep]
 * is 1, in (point, replication) order; rows are valid during the call. */
int cy__journal_each(cy_journal *j, const uint8_t *status, size_t P, size_t R,
                     int (*fn)(void *ctx, uint32_t point, uint32_t rep,
                               const cy_log_record *rows, size_t n),
                     void *ctx, cy_error *err);
void cy__journal_close(cy_journal *j);

#endif
