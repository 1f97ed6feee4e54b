#!/usr/bin/env python3
"""tools/same_outputs.py DIR_A DIR_B

Compares the result files that tools/capture_cysim.py captured from two runs
of the test scripts (two builds): the same files must exist on both sides,
with the same objects, every dataset equal in shape, type and bytes, and
every attribute equal -- except the root's `command_line`, which names the
test's temporary folder.  Prints one line per difference; exits 1 if any."""
import os
import sys

import h5py
import numpy as np


def walk(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj))
    out["/"] = f
    return out


def attrs(obj, skip):
    return {k: obj.attrs[k] for k in obj.attrs if k not in skip}


def plain(v, f):
    """v with object references replaced by the paths they name (their
    addresses may differ between equal files) and strings kept as strings."""
    if isinstance(v, h5py.Reference):
        return f[v].name if v else None
    if isinstance(v, np.ndarray) and v.dtype.kind == "O":
        return [plain(x, f) for x in v.ravel().tolist()], v.shape
    if isinstance(v, (list, tuple)):
        return [plain(x, f) for x in v]
    if isinstance(v, np.void) and v.dtype.names:
        return [plain(v[k], f) for k in v.dtype.names]
    return v


def same(a, b, fa, fb):
    a, b = plain(a, fa), plain(b, fb)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.names and a.dtype.hasobject:
            return a.dtype == b.dtype and a.shape == b.shape and all(
                same(x, y, fa, fb) for x, y in zip(a.ravel(), b.ravel()))
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, tuple) and isinstance(b, tuple):
        return a == b
    return type(a) is type(b) and (a == b if not isinstance(a, np.generic) else a.tobytes() == b.tobytes())


def compare(pa, pb):
    diffs = []
    with h5py.File(pa, "r") as fa, h5py.File(pb, "r") as fb:
        oa, ob = walk(fa), walk(fb)
        if set(oa) != set(ob):
            diffs.append(f"objects differ: {sorted(set(oa) ^ set(ob))}")
        for name in sorted(set(oa) & set(ob)):
            skip = {"command_line"} if name == "/" else set()
            xa, xb = attrs(oa[name], skip), attrs(ob[name], skip)
            if set(xa) != set(xb) or any(not same(xa[k], xb[k], fa, fb) for k in xa):
                diffs.append(f"{name}: attributes differ")
            if isinstance(oa[name], h5py.Dataset):
                if not same(oa[name][()], ob[name][()], fa, fb):
                    diffs.append(f"{name}: data differ")
    return diffs


def main(da, db):
    fa, fb = sorted(os.listdir(da)), sorted(os.listdir(db))
    bad = 0
    for name in sorted(set(fa) ^ set(fb)):
        print(f"only in {'A' if name in fa else 'B'}: {name}")
        bad += 1
    for name in sorted(set(fa) & set(fb)):
        for d in compare(os.path.join(da, name), os.path.join(db, name)):
            print(f"{name}: {d}")
            bad += 1
    print(f"{len(set(fa) & set(fb))} files compared, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
