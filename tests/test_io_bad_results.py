#!/usr/bin/python3
"""test_io_bad_results.py: `cysim report` distrusts every result file.

Two small real runs are the material: io_small.cfg with 3 replications
(P=2, R=3, N=3, K=3, A=1, B=25, time series on) and io_plain.cfg with 3
replications (P=1, R=3, N=2, A=0, event log on).  Copies are broken with
h5py or by hand (one mutation per file) and `cysim report` must, for each:
exit 2 with a one-line message holding a distinctive fragment (the file,
the object, what is wrong), print nothing on stdout, not crash (no exit
code >= 128, no signal, no sanitizer report: build with
-DCYSIM_SANITIZE=address,undefined to check the last).  A few files are
legitimate and must still be read (a symlink, an extra attribute, format
version 2, fixed-length labels, NaN data, ...).  A subset is run again with
`--csv FILE` (exit 2, FILE not created) and `--csv` (nothing on stdout).

Last, single bytes of a copy are damaged at ~100 spread offsets: every
outcome must be exit 0 or 2, except crashes and hangs inside Debian's
libhdf5 1.10.8 itself, recognised by their backtrace (gdb, or the ASan
report) and accepted only when the libhdf5 function is listed in
tests/results_bad/KNOWN_HDF5_CRASHES.md (and, in a sanitizer build,
libhdf5's own leaks on its error paths: tests/results_bad/lsan_libhdf5.supp).
"""
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

CYSIM = os.environ["CYSIM"]
SRC = os.environ["CYSIM_SOURCE_DIR"]
DATA = os.path.join(SRC, "tests", "data")
KNOWN_MD = os.path.join(SRC, "tests", "results_bad", "KNOWN_HDF5_CRASHES.md")
tmp = tempfile.mkdtemp(prefix="bad_results.", dir=os.environ.get("CYSIM_TEST_BIN"))
failures = []


def check(cond, what):
    print(("ok: " if cond else "FAILED: ") + what)
    if not cond:
        failures.append(what)
    return cond


# An ASan build reserves terabytes of address space; others get a 4 GiB
# ceiling, so that an attempt to allocate from a hostile size fails (and
# shows as a wrong exit code) instead of swapping the machine.
ASAN = b"libasan" in subprocess.run(["ldd", CYSIM], capture_output=True).stdout


def limit():
    if not ASAN:
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


# Under ASan the same ceiling, by its own means: a huge malloc returns NULL
# (as it does in a release build) instead of aborting with a report.
ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = ":".join(filter(None, [
    os.environ.get("ASAN_OPTIONS"), "allocator_may_return_null=1",
    "max_allocation_size_mb=2048"]))


# For damaged bytes only: libhdf5's own leaks on its error paths.
ENV_DAMAGE = dict(ENV)
ENV_DAMAGE["LSAN_OPTIONS"] = ":".join(filter(None, [
    os.environ.get("LSAN_OPTIONS"),
    "suppressions=" + os.path.join(SRC, "tests", "results_bad", "lsan_libhdf5.supp"),
    "print_suppressions=0"]))
# Their sanitizer reports go to stderr, where this test classifies them
# (libhdf5's own known crashes are tolerated), not to the suite's log
# directory, whose every report fails the build.
ENV_DAMAGE["ASAN_OPTIONS"] = ENV["ASAN_OPTIONS"] + ":log_path=stderr"


def report(path, *extra, timeout=60, env=ENV):
    """(exit code or "timeout", stdout bytes, stderr text)."""
    try:
        p = subprocess.run([CYSIM, "report", path, *extra], capture_output=True,
                           timeout=timeout, preexec_fn=limit, env=env)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return "timeout", b"", ""


SANITIZER = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def message_lines(err):
    """stderr without ASan's "==pid==WARNING: failed to allocate" notes,
    and without the two lines Debian's libhdf5 prints at exit when a damaged
    object header left a file it cannot close ("HDF5: infinite loop closing
    library" and its list of interfaces; see KNOWN_HDF5_CRASHES.md)."""
    lines = [ln for ln in err.splitlines() if not ln.startswith("==")]
    if "HDF5: infinite loop closing library" in lines:
        at = lines.index("HDF5: infinite loop closing library")
        del lines[at:at + 2]
    return lines


def sane(rc, err):
    """No crash: a plain exit code below 128, no sanitizer report."""
    return rc != "timeout" and 0 <= rc < 128 and not any(s in err for s in SANITIZER)


def run_cysim(cfg, out, *args):
    subprocess.run([CYSIM, "run", os.path.join(DATA, cfg), "-o", out, "--quiet",
                    "--force", *args], check=True)


small = os.path.join(tmp, "small.h5")
plain = os.path.join(tmp, "plain.h5")
run_cysim("io_small.cfg", small, "-n", "3")
run_cysim("io_plain.cfg", plain, "-n", "3")
with h5py.File(small, "r") as f:
    assert f["summary/ops"].shape == (2, 3, 3, 3), f["summary/ops"].shape
    assert f["timeseries/ops"].shape == (2, 3, 25, 3, 3)
    assert list(f["sweep"]) == ["compliance", "states__2__attack_rate"]
with h5py.File(plain, "r") as f:
    assert f["summary/ops"].shape == (1, 3, 2, 2) and "alliance" not in f
    NEV = f["events/event"].shape[0]
    assert NEV > 2

# ---- mutations ----------------------------------------------------------

VSTR = h5py.string_dtype()


def replace(f, name, data=None, **kw):
    del f[name]
    return f.create_dataset(name, data=data, **kw)


def zeros(f, name, shape, dtype=None):
    replace(f, name, np.zeros(shape, dtype or f[name].dtype))


def labels(f, name, values, dtype=VSTR):
    replace(f, name, np.array(values, dtype=object if dtype is VSTR else dtype),
            dtype=dtype)


def never_written(f, name, shape, dtype):
    """A dataset with no storage: vlen strings read back as NULL."""
    del f[name]
    f.create_dataset(name, shape=shape, dtype=dtype)


def huge(f, name, n, dtype):
    """A chunked dataset of n values of which none is stored: costs
    nothing in the file, everything to a reader that trusts its shape."""
    del f[name]
    f.create_dataset(name, shape=(n,), maxshape=(None,), chunks=(1024,),
                     dtype=dtype)


def resize_all(f, P, R, B=None):
    """A consistent file with P points, R replications (and B bins): every
    scale and dataset re-made chunked and unwritten."""
    del f["point"]
    f.create_dataset("point", data=np.arange(P, dtype="i8"))
    huge(f, "replication", R, "i8")
    if B is not None:
        huge(f, "time", B, "f8")
    if P != f["summary/status"].shape[0]:
        del f["sweep"]
    if "summary/alliance_enabled" in f:
        zeros(f, "summary/alliance_enabled", (P, f["alliance"].shape[0]))
    for g in ("summary", "timeseries"):
        for name in list(f[g]):
            d = f[g][name]
            # Only the [point, replication, ...] datasets of the layout (not
            # the group's coordinates, nor alliance_enabled).
            if d.ndim < 2 or name in ("alliance_enabled", "time_bounds"):
                continue
            rest = d.shape[2:]
            if g == "timeseries" and B is not None:
                rest = (B,) + rest[1:]
            dt = d.dtype
            del f[g][name]
            f[g].create_dataset(name, shape=(P, R) + rest, dtype=dt,
                                chunks=(1, min(R, 64)) + tuple(min(x, 64) for x in rest))


def as_v1(f):
    f.attrs["format_version"] = np.int32(1)
    for name in ("summary/fear_final", "summary/alliance_enabled", "time_bounds"):
        del f[name]


def set_attr(name, value):
    def m(f):
        f.attrs[name] = value
    return m


def del_attr(name):
    def m(f):
        del f.attrs[name]
    return m


def null_vlen_attr(f):
    del f.attrs["format"]
    tid = h5py.h5t.C_S1.copy()
    tid.set_size(h5py.h5t.VARIABLE)
    h5py.h5a.create(f.id, b"format", tid, h5py.h5s.create(h5py.h5s.SCALAR))


def three_labels(f):
    for s in ("state", "attacker", "target"):
        labels(f, s, ["US", "RU", "CN"])


def status_value(v, dtype="u1"):
    def m(f):
        s = f["summary/status"][()].astype(dtype)
        s[-1, -1] = v
        replace(f, "summary/status", s)
    return m


def external_storage(f):
    ext = os.path.join(tmp, "external.bin")
    open(ext, "wb").write(bytes(2 * 3 * 9 * 4))
    del f["summary/ops"]
    f.create_dataset("summary/ops", shape=(2, 3, 3, 3), dtype="u4",
                     external=[(ext, 0, h5py.h5f.UNLIMITED)])


def virtual(f):
    lay = h5py.VirtualLayout(shape=(2, 3, 3, 3), dtype="f8")
    lay[:] = h5py.VirtualSource(small, "summary/damage", shape=(2, 3, 3, 3))
    del f["summary/damage"]
    f.create_virtual_dataset("summary/damage", lay, fillvalue=0)


def external_link(f):
    del f["summary/ops"]
    f["summary/ops"] = h5py.ExternalLink(small, "/summary/ops")


def soft_link_group(f):
    f.move("summary", "summary_real")
    f["summary"] = h5py.SoftLink("/summary_real")


def nan_data(f):
    d = f["summary/damage"][()]
    d[:] = np.nan
    f["summary/damage"][...] = d
    f["summary/alliance_ended"][...] = 1
    e = f["summary/alliance_end_day"][()]
    e[:] = np.nan
    e[0, 0, 0] = np.inf
    f["summary/alliance_end_day"][...] = e


def hostile_labels(f):
    # Long (truncated to 63 bytes) and with terminal escapes (shown as ?).
    vals = ["\x1b[31mUS", "R" * 200, "C\nN"]
    for s in ("state", "attacker", "target"):
        labels(f, s, vals)


def damaged_chunk(f):
    ci = f["summary/ops"].id.get_chunk_info(0)
    name = f.filename
    f.close()
    with open(name, "r+b") as raw:
        raw.seek(ci.byte_offset + 2)
        raw.write(b"\x55" * max(1, ci.size - 6))


# (name, base file, mutation of the open file, fragment expected in the
# message).  Fragments follow the file name: "<path>: <fragment>...".
P_R_NN = "(point, replication, attacker, target)"
CASES = [
    # shapes and ranks of each dataset family
    ("ops_shape", small, lambda f: zeros(f, "summary/ops", (2, 3, 2, 2)),
     "/summary/ops has shape [2,3,2,2], expected [2,3,3,3] " + P_R_NN),
    ("status_rank1", small, lambda f: zeros(f, "summary/status", (6,)),
     "/summary/status has shape [6], expected [2,3] (point, replication)"),
    ("damage_rank5", small, lambda f: zeros(f, "summary/damage", (2, 3, 3, 3, 1)),
     "/summary/damage has shape [2,3,3,3,1], expected [2,3,3,3]"),
    ("ops_by_type_shape", small, lambda f: zeros(f, "summary/ops_by_type", (2, 3, 2)),
     "expected [2,3,3] (point, replication, optype)"),
    ("alliance_ended_shape", small,
     lambda f: zeros(f, "summary/alliance_ended", (2, 3, 2)),
     "/summary/alliance_ended has shape [2,3,2], expected [2,3,1] (point, replication, alliance)"),
    ("timeseries_shape", small, lambda f: zeros(f, "timeseries/ops", (2, 3, 24, 3, 3)),
     "expected [2,3,25,3,3] (point, replication, time, attacker, target)"),
    ("events_scalar", small, lambda f: replace(f, "summary/events", np.uint64(5)),
     "/summary/events is a scalar"),
    ("seed_null_space", small, lambda f: replace(f, "summary/seed", h5py.Empty("i8")),
     "/summary/seed is empty (a null dataspace)"),
    ("rank_32", small, lambda f: zeros(f, "summary/ops", (1,) * 32),
     "/summary/ops has shape [1,1,1,1"),
    # types
    ("status_float", small, lambda f: zeros(f, "summary/status", (2, 3), "f8"),
     "/summary/status is a float, expected an unsigned integer"),
    ("status_signed", small, lambda f: zeros(f, "summary/status", (2, 3), "i1"),
     "/summary/status is a signed integer, expected an unsigned integer"),
    ("ops_string", small,
     lambda f: replace(f, "summary/ops", np.full((2, 3, 3, 3), b"x", dtype="S1")),
     "/summary/ops is text, expected an integer"),
    ("ops_compound", small,
     lambda f: zeros(f, "summary/ops", (2, 3, 3, 3), np.dtype([("a", "u4"), ("b", "f8")])),
     "/summary/ops is a compound, expected an integer"),
    ("damage_integer", small, lambda f: zeros(f, "summary/damage", (2, 3, 3, 3), "i4"),
     "/summary/damage is a signed integer, expected a float"),
    ("status_2", small, status_value(2),
     "/summary/status is 2 at point 1, replication 2; expected 0 (missing) or 1 (done)"),
    ("status_300_uint16", small, status_value(300, "u2"),
     "/summary/status is 255 or more at point 1, replication 2"),
    # scales
    ("three_labels_over_2x2", plain, three_labels,
     "/summary/ops has shape [1,3,2,2], expected [1,3,3,3] " + P_R_NN),
    ("attacker_shorter", small, lambda f: labels(f, "attacker", ["US", "RU"]),
     "scales /attacker, /target and /state have 2, 3 and 3 values; they must agree"),
    ("target_other_labels", small, lambda f: labels(f, "target", ["US", "XX", "CN"]),
     'scale /target[1] is "XX" but /state[1] is "RU"'),
    ("point_2d", small, lambda f: zeros(f, "point", (2, 1), "i8"),
     "/point has shape [2,1], expected 1 dimension (a dimension scale)"),
    ("replication_float", small, lambda f: zeros(f, "replication", (3,), "f8"),
     "/replication is a float, expected an integer"),
    ("state_integer", small, lambda f: zeros(f, "state", (3,), "i8"),
     "/state is a signed integer, expected text"),
    ("state_null_vlen", small, lambda f: never_written(f, "state", (3,), VSTR),
     "/state[0] is a NULL string"),
    ("optype_missing", small, lambda f: f.__delitem__("optype"),
     "scale /optype is missing"),
    ("time_missing", small, lambda f: f.__delitem__("time"), "scale /time is missing"),
    ("alliance_scale_missing", small, lambda f: f.__delitem__("alliance"),
     "/summary/alliance_ended is present but the file has no /alliance scale"),
    ("one_state", small, lambda f: [labels(f, s, ["US"]) for s in ("state", "attacker", "target")],
     "scale /state has 1 values; a study has 2 to 256 states"),
    # missing datasets and groups
    ("ops_missing", small, lambda f: f.__delitem__("summary/ops"), "/summary/ops is missing"),
    ("breaches_missing", small, lambda f: f.__delitem__("summary/breaches"),
     "/summary/breaches is missing"),
    ("timeseries_ops_missing", small, lambda f: f.__delitem__("timeseries/ops"),
     "/timeseries/ops is missing"),
    ("summary_is_dataset", small,
     lambda f: (f.__delitem__("summary"), f.create_dataset("summary", data=[1])),
     "/summary is a dataset, expected a group"),
    ("scenario_text_missing", small, lambda f: f.__delitem__("provenance/scenario_text"),
     "/provenance/scenario_text is missing"),
    ("scenario_text_integer", small,
     lambda f: replace(f, "provenance/scenario_text", np.int64(1)),
     "/provenance/scenario_text is a signed integer, expected text"),
    # root attributes
    ("format_missing", small, del_attr("format"),
     "not a cysim output file (no root attribute 'format')"),
    ("format_netcdf", small, set_attr("format", np.bytes_("netcdf")),
     "not a cysim output file (root attribute 'format' is \"netcdf\""),
    ("format_integer", small, set_attr("format", np.int64(1)),
     "root attribute 'format' is a signed integer, expected text"),
    ("format_null_vlen", small, null_vlen_attr, "root attribute 'format' is a NULL string"),
    ("format_version_0", small, set_attr("format_version", np.int32(0)),
     "root attribute 'format_version' is 0; this cysim reads versions 1 and 2"),
    ("format_version_3", small, set_attr("format_version", np.int32(3)),
     "root attribute 'format_version' is 3"),
    ("format_version_text", small, set_attr("format_version", "1"),
     "root attribute 'format_version' is text, expected an integer"),
    ("format_version_array", small, set_attr("format_version", np.array([1, 1], "i4")),
     "root attribute 'format_version' holds 2 values, expected one"),
    ("format_version_float", small, set_attr("format_version", np.float64(1)),
     "root attribute 'format_version' is a float, expected an integer"),
    ("format_version_empty", small, set_attr("format_version", h5py.Empty("i4")),
     "root attribute 'format_version' holds 0 values, expected one"),
    ("complete_7", small, set_attr("complete", np.int32(7)),
     "root attribute 'complete' is 7, expected 0 or 1"),
    ("horizon_nan", small, set_attr("horizon", np.float64("nan")),
     "root attribute 'horizon' is nan, expected a finite number of days > 0"),
    ("horizon_negative", small, set_attr("horizon", np.float64(-1)),
     "root attribute 'horizon' is -1"),
    ("horizon_text", small, set_attr("horizon", np.bytes_("730")),
     "root attribute 'horizon' is text, expected a float"),
    ("seed_missing", small, del_attr("seed"), "root attribute 'seed' is missing"),
    ("seed_float", small, set_attr("seed", np.float64(3)),
     "root attribute 'seed' is a float, expected an integer"),
    ("start_bad_date", small, set_attr("start", np.bytes_("2015-13-45")),
     "root attribute 'start' is \"2015-13-45\", expected a date YYYY-MM-DD"),
    ("scenario_name_missing", small, del_attr("scenario_name"),
     "root attribute 'scenario_name' is missing"),
    # sweep axes
    ("sweep_wrong_length", small, lambda f: zeros(f, "sweep/compliance", (3,)),
     "/sweep/compliance has shape [3], expected [2] (point)"),
    ("sweep_2d", small, lambda f: zeros(f, "sweep/compliance", (2, 1)),
     "/sweep/compliance has shape [2,1], expected [2] (point)"),
    ("sweep_compound", small,
     lambda f: zeros(f, "sweep/compliance", (2,), np.dtype([("a", "f8")])),
     "/sweep/compliance is a compound, expected numbers or text"),
    ("sweep_null_vlen", small, lambda f: never_written(f, "sweep/compliance", (2,), VSTR),
     "/sweep/compliance[0] is a NULL string"),
    ("sweep_soft_link", small,
     lambda f: f.__setitem__("sweep/alias", h5py.SoftLink("/sweep/compliance")),
     "/sweep/alias is a soft link; the reader follows only hard links"),
    ("sweep_long_name", small, lambda f: f.create_dataset("sweep/" + "x" * 80, data=[1.0, 2.0]),
     "a sweep axis name is at most 63 bytes long"),
    # sizes that would cost memory if trusted
    ("huge_point", small, lambda f: huge(f, "point", 1 << 40, "i8"),
     "scale /point has 1099511627776 values; a study has 1 to 10000000 sweep points"),
    ("huge_replication", small, lambda f: huge(f, "replication", 1 << 33, "i8"),
     "scale /replication has 8589934592 values"),
    ("huge_state", small, lambda f: [huge(f, s, 1 << 20, VSTR) for s in ("state", "attacker", "target")],
     "scale /state has 1048576 values; a study has 2 to 256 states"),
    ("huge_alliance", small, lambda f: huge(f, "alliance", 1 << 40, VSTR),
     "scale /alliance has 1099511627776 values"),
    ("huge_status_consistent", small, lambda f: resize_all(f, 3, (1 << 32) - 1),
     "/summary/status would need 12 GiB of memory, more than the 8 GiB the reader allows"),
    ("huge_timeseries_overflow", small, lambda f: resize_all(f, 2, (1 << 32) - 1, (1 << 32) - 1),
     "/timeseries/ops declares more values than can be addressed"),
    ("report_buffers_too_big", small, lambda f: resize_all(f, 1, 1 << 26),
     "reporting one sweep point needs 19.1 GiB of memory, more than the 8 GiB limit"),
    # links and storage outside the file
    ("external_storage", small, external_storage,
     "/summary/ops keeps its data in external files; the reader does not follow them"),
    ("virtual_dataset", small, virtual,
     "/summary/damage is a virtual dataset (its data lives in other files)"),
    ("external_link", small, external_link,
     "/summary/ops is an external link; the reader follows only hard links"),
    ("soft_link_group", small, soft_link_group, "/summary is a soft link"),
    # the event log
    ("events_unequal", plain, lambda f: zeros(f, "events/time", (NEV - 1,)),
     f"/events/time has {NEV - 1} rows but /events/event has {NEV}"),
    ("events_column_missing", plain, lambda f: f.__delitem__("events/blamed"),
     "/events/blamed is missing"),
    ("events_2d", plain, lambda f: zeros(f, "events/kind", (NEV, 1)),
     f"/events/kind has shape [{NEV},1], expected 1 dimension (event)"),
    ("events_string", plain,
     lambda f: replace(f, "events/kind", np.full((NEV,), b"x", dtype="S1")),
     "/events/kind is text, expected an integer"),
    # format version 2's datasets, checked before they are read
    ("time_bounds_shape", small, lambda f: zeros(f, "time_bounds", (25, 3)),
     "/time_bounds has shape [25,3], expected [25,2] (time, nv)"),
    ("time_bounds_text", small,
     lambda f: replace(f, "time_bounds", np.full((25, 2), b"x", dtype="S1")),
     "/time_bounds is text, expected a float"),
    ("time_bounds_missing", small, lambda f: f.__delitem__("time_bounds"),
     "/time_bounds is missing (format version 2)"),
    ("time_bounds_nan", small,
     lambda f: f["time_bounds"].__setitem__((24, 1), np.nan),
     "/time_bounds[24, 1] is nan, expected a finite day"),
    ("alliance_enabled_float", small,
     lambda f: zeros(f, "summary/alliance_enabled", (2, 1), "f8"),
     "/summary/alliance_enabled is a float, expected an unsigned integer"),
    ("alliance_enabled_shape", small,
     lambda f: zeros(f, "summary/alliance_enabled", (2, 3), "u1"),
     "/summary/alliance_enabled has shape [2,3], expected [2,1] (point, alliance)"),
    ("alliance_enabled_value", small,
     lambda f: f["summary/alliance_enabled"].__setitem__((1, 0), 7),
     "/summary/alliance_enabled is 7 at point 1, alliance 0; expected 0 or 1"),
    ("fear_final_missing_v2", small, lambda f: f.__delitem__("summary/fear_final"),
     "/summary/fear_final is missing"),
    # data HDF5 cannot decode
    ("damaged_chunk", small, damaged_chunk, "/summary/ops cannot be read at point 0"),
]

# Legitimate files that must still be read: (name, base, mutation, fragment
# of stdout).
ACCEPTED = [
    ("extra_root_attribute", small, set_attr("note", "added by hand"), "scenario \"io_small\""),
    # A version 1 file: no fear_final, time_bounds nor alliance_enabled.
    ("format_version_1", small, as_v1, "== point 1"),
    ("fixed_length_labels", small,
     lambda f: [labels(f, s, [b"US", b"RU", b"CN"], "S2") for s in ("state", "attacker", "target")],
     "RU->CN"),
    ("string_sweep_vlen", small, lambda f: labels(f, "sweep/compliance", ["low", "high"]),
     "compliance = high"),
    ("string_sweep_fixed", small,
     lambda f: labels(f, "sweep/compliance", [b"lo", b"hi"], "S2"), "compliance = hi"),
    ("nan_data", small, nan_data, "ru_cn"),
    ("status_all_zero", small, lambda f: f["summary/status"].__setitem__(Ellipsis, 0),
     "0 of 6 runs done"),
    ("hostile_labels", small, hostile_labels, "?[31mUS->" + "R" * 63),
]


def make(name, base, mutate):
    path = os.path.join(tmp, name + ".h5")
    shutil.copyfile(base, path)
    f = h5py.File(path, "r+")
    try:
        mutate(f)
    finally:
        if f.id.valid:
            f.close()
    return path


def expect_error(label, path, fragment, csv=False):
    rc, out, err = report(path)
    if not check(sane(rc, err), f"{label}: no crash (exit {rc})"):
        print(err)
        return
    check(rc == 2, f"{label}: exit 2 (got {rc})")
    check(out == b"", f"{label}: nothing on stdout")
    lines = message_lines(err)
    check(len(lines) == 1 and lines[0].startswith("cysim report: " + path + ": "),
          f"{label}: one line naming the file")
    if not check(fragment in err, f"{label}: message has '{fragment}'"):
        print("   message: " + err.strip())
    if csv:
        out_csv = os.path.join(tmp, label + ".csv")
        rc, out, err = report(path, "--csv", out_csv)
        check(sane(rc, err) and rc == 2 and fragment in err,
              f"{label}: --csv FILE exits 2 with the message")
        check(not os.path.exists(out_csv), f"{label}: --csv FILE not created")
        rc, out, err = report(path, "--csv")
        check(rc == 2 and out == b"", f"{label}: --csv to stdout prints nothing")


CSV_TOO = {"ops_shape", "status_float", "three_labels_over_2x2", "damaged_chunk",
           "format_version_3", "huge_status_consistent", "sweep_null_vlen",
           "events_unequal", "external_link"}

n_hostile = 0
for name, base, mutate, fragment in CASES:
    path = make(name, base, mutate)
    expect_error(name, path, fragment, csv=name in CSV_TOO)
    n_hostile += 1

for name, base, mutate, fragment in ACCEPTED:
    path = make(name, base, mutate)
    rc, out, err = report(path, timeout=60)
    check(sane(rc, err) and rc == 0, f"{name}: read (exit {rc}) {err.strip()}")
    text = out.decode("utf-8", "replace")
    if not check(fragment in text, f"{name}: report shows '{fragment}'"):
        print(text)
    check("\x1b" not in text, f"{name}: no control characters on stdout")
    rc, out, err = report(path, "--csv", timeout=60)
    check(sane(rc, err) and rc == 0, f"{name}: --csv reads it (exit {rc})")

# ---- the file itself ----------------------------------------------------

size = os.path.getsize(small)
for cut in (100, 1000, 2048, size // 2, size - 1):
    path = os.path.join(tmp, f"truncated_{cut}.h5")
    with open(small, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read(cut))
    expect_error(f"truncated at {cut} bytes", path, "cannot open: HDF5 cannot read it",
                 csv=cut == size // 2)
    n_hostile += 1

path = os.path.join(tmp, "empty.h5")
open(path, "wb").close()
expect_error("zero bytes", path, "cannot open: the file is empty, not an HDF5 file", csv=True)
path = os.path.join(tmp, "text.h5")
open(path, "w").write("not HDF5 at all\n" * 100)
expect_error("a text file", path, "cannot open: not an HDF5 file")
path = os.path.join(tmp, "foreign.h5")
with h5py.File(path, "w") as f:
    f["x"] = np.arange(10)
    f.attrs["title"] = "someone else's data"
expect_error("a foreign HDF5 file", path, "not a cysim output file (no root attribute 'format')")
path = os.path.join(tmp, "a_directory.h5")
os.mkdir(path)
expect_error("a directory", path, "cannot open: Is a directory", csv=True)
path = os.path.join(tmp, "missing.h5")
expect_error("a missing path", path, "cannot open: No such file or directory", csv=True)
path = os.path.join(tmp, "dangling.h5")
os.symlink(os.path.join(tmp, "nowhere.h5"), path)
expect_error("a dangling symlink", path, "cannot open: No such file or directory")
path = os.path.join(tmp, "fifo.h5")
os.mkfifo(path)
expect_error("a FIFO", path, "cannot open: not a regular file")
n_hostile += 7
if os.geteuid() != 0:
    path = make("unreadable", small, lambda f: None)
    os.chmod(path, 0)
    expect_error("an unreadable file", path, "cannot open: Permission denied")
    n_hostile += 1

path = os.path.join(tmp, "link.h5")
os.symlink(small, path)
rc, out, err = report(path)
check(rc == 0 and b"== point 1" in out, f"a symlink to a result file is read (exit {rc})")

print(f"{n_hostile} hostile files tested")

# ---- byte damage ----------------------------------------------------------


def known_functions():
    """The libhdf5 functions KNOWN_HDF5_CRASHES.md lists (`| `name` |` rows)."""
    with open(KNOWN_MD) as md:
        return set(re.findall(r"^\|\s*`([A-Za-z0-9_]+)`", md.read(), re.M))


def innermost_hdf5(frames):
    """The innermost named function of the crash when it is in libhdf5
    (libc's memcpy and libhdf5's unnamed static functions skipped); None
    when the crash is elsewhere (cysim's own code)."""
    for line in frames:
        # libc (its debug info has relative paths: ./malloc/, ../sysdeps/)
        # and the sanitizer runtime are not where a crash comes from.
        if re.search(r"libc\.so| at \.\.?/|\bmem(cpy|move|set)|__GI_|raise|abort"
                     r"|interceptor|__sanitizer::|__asan::|libsanitizer", line):
            continue
        m = re.search(r" in (\S+) \(", line)
        if not m or "libhdf5" not in line:
            return None
        if m.group(1) != "??":
            return m.group(1)
    return None


def backtrace(path, timeout):
    """Frames of the crash (or of the hang, interrupted after `timeout`)."""
    if not shutil.which("gdb"):
        return []
    p = subprocess.run(["timeout", "-s", "INT", str(timeout), "gdb", "-q", "-batch",
                        "-ex", "run", "-ex", "bt 12", "--args", CYSIM, "report", path],
                       capture_output=True, text=True, errors="replace", env=ENV_DAMAGE)
    return [ln for ln in p.stdout.splitlines() if ln.startswith("#")]


known = known_functions()
check(len(known) > 0, "KNOWN_HDF5_CRASHES.md lists libhdf5 functions")
data = open(small, "rb").read()
step = max(1, len(data) // 100)
offsets = list(range(7, len(data), step))
# The length and heap index of /state's first label, which Debian's
# libhdf5 trusts (see KNOWN_HDF5_CRASHES.md): exercise them every time.
with h5py.File(small, "r") as f:
    at = f["state"].id.get_offset()
    if at is not None:
        offsets += [at + 3, at + 15]
outcomes = {"exit 0": 0, "exit 2": 0, "known libhdf5": 0}
for off in offsets:
    b = bytearray(data)
    b[off] ^= 0xFF
    path = os.path.join(tmp, "damaged.h5")
    with open(path, "wb") as out:
        out.write(b)
    rc, out, err = report(path, timeout=10, env=ENV_DAMAGE)
    if rc in (0, 2) and sane(rc, err):
        outcomes[f"exit {rc}"] += 1
        if rc == 2:
            check(out == b"" and len(message_lines(err)) == 1,
                  f"byte {off} damaged: one line, nothing on stdout") or print(err)
        continue
    # A crash or a hang: whose?
    if ASAN and "ERROR: AddressSanitizer" in err:
        frames = [ln.strip() for ln in err.splitlines() if re.match(r"\s+#\d+ ", ln)]
    else:
        frames = backtrace(path, 10)
    fn = innermost_hdf5(frames)
    if fn in known:
        outcomes["known libhdf5"] += 1
        print(f"known libhdf5 failure: byte {off} damaged: {rc} in {fn}")
        continue
    check(False, f"byte {off} damaged: exit {rc}, not a known libhdf5 crash "
          f"(innermost {fn}); record it in KNOWN_HDF5_CRASHES.md if it is libhdf5's")
    print("\n".join(frames) or err)
print(f"byte damage: {len(offsets)} files: {outcomes}")

if failures:
    print(f"{len(failures)} checks FAILED; kept {tmp}")
    sys.exit(1)
shutil.rmtree(tmp)
print("all ok")
