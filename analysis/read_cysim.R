#!/usr/bin/env Rscript
# read_cysim.R: a cysim result file (`cysim run` output, HDF5) as tidy R
# data frames, with hdf5r.
#
#   Rscript analysis/read_cysim.R OUT.h5 [--plot FILE.pdf|.png] [--csv FILE]
#
# prints the summary table's first rows, draws operations per replication by
# sweep point (box plots) to --plot (default OUT_ops.pdf beside the current
# directory's working files: the file's base name with _ops.pdf), and with
# --csv writes the whole summary table.  As a library:
#
#   source("analysis/read_cysim.R")
#   s <- cysim_summary("OUT.h5")           # one row per run and value
#   ops <- subset(s, metric == "ops")      # point, sweep values, replication,
#                                          # attacker, target, value
#   aggregate(value ~ point + attacker + target, ops, mean)
#
# Why the dimension names matter: HDF5 stores arrays in C order and hdf5r
# returns them with the dimensions reversed (a [point, replication,
# attacker, target] dataset arrives as [target, attacker, replication,
# point]), naming none.  cysim_dataset() reads each dimension's name from
# the dataset's own dimension scales (DIMENSION_LIST, in C order) and its
# labels from the scale (state ids, optype names, alliance ids, bin
# starts), so a reordered or new dimension cannot be mislabelled.

suppressPackageStartupMessages(library(hdf5r))

# The dimension names (C order) and scale values of dataset ds in file f.
cysim_dims <- function(f, ds) {
  refs <- ds$attr_open("DIMENSION_LIST")$read()
  lapply(refs, function(r) {
    scale <- r$dereference(obj = f)[[1]]
    name <- h5attr(scale, "NAME")
    list(name = name, values = scale[])
  })
}

# Dataset `name` (e.g. "summary/ops") as a long data frame: one column per
# dimension (C order, labelled by its scale) and `value`, in C order (the
# last dimension varies fastest).
cysim_dataset <- function(f, name) {
  ds <- f[[name]]
  dims <- cysim_dims(f, ds)
  arr <- ds$read()
  # hdf5r's first R dimension is the file's last: as.vector() runs through
  # the values in C order, and expand.grid() varies its first column
  # fastest, so the grid is built from the reversed (R-order) dimensions.
  rev_dims <- rev(dims)
  grid <- expand.grid(lapply(rev_dims, function(d) d$values),
                      KEEP.OUT.ATTRS = FALSE, stringsAsFactors = FALSE)
  names(grid) <- vapply(rev_dims, function(d) d$name, "")
  grid <- grid[, rev(names(grid)), drop = FALSE]
  grid$value <- as.numeric(as.vector(arr))
  grid
}

# The swept values, one row per point: `point` and one column per sweep
# axis, in the file's axis order (the `coordinates` attribute of
# /summary/ops), booleans as 0/1 as stored.
cysim_points <- function(f) {
  pts <- data.frame(point = f[["point"]][])
  ops <- f[["summary/ops"]]
  axes <- if (ops$attr_exists("coordinates"))
    strsplit(h5attr(ops, "coordinates"), " ")[[1]] else character(0)
  for (axis in axes)
    pts[[axis]] <- as.vector(f[["sweep"]][[axis]][])
  pts
}

# Every /summary outcome as one long table, the layout of `cysim report
# --csv --per-replication`: point, sweep values, replication, metric,
# attacker, target, optype, alliance (NA where a metric lacks it), value.
# Only runs with status 1; self-pairs (attacker == target) and alliances
# disabled at a point are left out.
cysim_summary <- function(path) {
  f <- H5File$new(path, mode = "r")
  on.exit(f$close_all())
  status <- cysim_dataset(f, "summary/status")
  done <- status[status$value == 1, c("point", "replication")]
  skip <- c("status", "seed", "alliance_enabled")
  enabled <- if (f$exists("summary/alliance_enabled"))
    cysim_dataset(f, "summary/alliance_enabled") else NULL
  parts <- list()
  for (metric in names(f[["summary"]])) {
    ds <- f[["summary"]][[metric]]
    if (metric %in% skip || !inherits(ds, "H5D") ||
        !ds$attr_exists("DIMENSION_LIST") ||
        cysim_dims(f, ds)[[1]]$name != "point" || length(ds$dims) < 2)
      next
    d <- merge(done, cysim_dataset(f, paste0("summary/", metric)))
    if (!is.null(d$attacker))
      d <- d[d$attacker != d$target, ]
    if (!is.null(d$alliance) && !is.null(enabled)) {
      on <- enabled[enabled$value == 1, c("point", "alliance")]
      d <- merge(d, on)
    }
    for (col in c("attacker", "target", "optype", "alliance"))
      if (is.null(d[[col]])) d[[col]] <- NA_character_
    d$metric <- metric
    parts[[metric]] <- d[, c("point", "replication", "metric", "attacker",
                             "target", "optype", "alliance", "value")]
  }
  pts <- cysim_points(f)
  s <- merge(pts, do.call(rbind, parts))
  s <- s[, c(names(pts), setdiff(names(s), names(pts)))]
  s <- s[order(s$point, s$metric, s$replication, s$attacker, s$target,
               s$optype, s$alliance), ]
  rownames(s) <- NULL
  s
}

# Operations per replication (summed over dyads) by point, as box plots.
cysim_plot_ops <- function(s, out) {
  ops <- subset(s, metric == "ops")
  tot <- aggregate(value ~ point + replication, ops, sum)
  if (grepl("\\.png$", out)) png(out, width = 6.5, height = 4, units = "in",
                                 res = 150) else pdf(out, 6.5, 4)
  boxplot(value ~ point, tot, xlab = "sweep point",
          ylab = "operations per replication (all dyads)",
          main = "Operations by sweep point")
  invisible(dev.off())
}

main <- function(args) {
  usage <- "usage: Rscript read_cysim.R OUT.h5 [--plot FILE.pdf|.png] [--csv FILE]"
  if (length(args) < 1 || args[1] %in% c("-h", "--help")) {
    cat(usage, "\n")
    quit(status = if (length(args) < 1) 2 else 0)
  }
  path <- args[1]
  opt <- function(flag, default) {
    i <- match(flag, args)
    if (is.na(i)) default else args[i + 1]
  }
  plot_file <- opt("--plot", sub("\\.h5$", "_ops.pdf", basename(path)))
  csv_file <- opt("--csv", NA)
  s <- cysim_summary(path)
  print(head(s, 10), row.names = FALSE)
  cat(sprintf("(%d rows; metrics: %s)\n", nrow(s),
              paste(unique(s$metric), collapse = ", ")))
  if (!is.na(csv_file))
    write.csv(transform(s, value = sprintf("%.17g", value)), csv_file,
              row.names = FALSE, na = "")
  cysim_plot_ops(s, plot_file)
  cat("plot:", plot_file, "\n")
}

if (sys.nframe() == 0L) main(commandArgs(trailingOnly = TRUE))
