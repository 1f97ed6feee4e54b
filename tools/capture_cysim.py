#!/usr/bin/python3
"""tools/capture_cysim.py ARGS...: stands in for cysim in a test script
(CYSIM=tools/capture_cysim.py) and runs $CYSIM_REAL with ARGS, passing on
the signals a test sends (SIGINT, SIGTERM) and its exit status.  After a
successful `run`, copies the result file to $CYSIM_CAPTURE/<key>-<n>.h5,
where key names the test ($CYSIM_CAPTURE_TEST) and the run's content (the
scenario file's text and the arguments that are not paths), so that the
suites of two builds capture comparable files (tools/same_outputs.py).

Python, not bash: a test starts cysim in the background, where SIGINT is
ignored on entry, and bash cannot trap a signal ignored on entry."""
import hashlib
import os
import shutil
import signal
import subprocess
import sys

args = sys.argv[1:]
child = subprocess.Popen([os.environ["CYSIM_REAL"]] + args)
for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, lambda s, _f: child.send_signal(s))
rc = child.wait()
if rc < 0:  # died of a signal: die of it too, so the test sees the same
    signal.signal(-rc, signal.SIG_DFL)
    os.kill(os.getpid(), -rc)
if rc != 0 or not args or args[0] != "run":
    sys.exit(rc)
out, key, skip = None, [], False
valueless = {"-q", "--quiet", "--force", "--resume", "--timing", "--allow-large"}
i = 1
while i < len(args):
    a = args[i]
    if a in ("-o", "--output") and i + 1 < len(args):
        out, i = args[i + 1], i + 2
        continue
    if a.startswith("--output="):
        out = a.split("=", 1)[1]
    elif a in ("-j", "--jobs"):
        i += 1
    elif a.startswith(("-j", "--jobs=", "--progress")) or a in valueless:
        pass
    elif os.path.isfile(a):
        key.append(hashlib.sha1(open(a, "rb").read()).hexdigest()[:12])
    else:
        key.append(a)
    i += 1
if out and os.path.isfile(out):
    base = os.environ.get("CYSIM_CAPTURE_TEST", "test") + "-" + \
        hashlib.sha1(" ".join(key).encode()).hexdigest()[:12]
    n = 0
    while os.path.exists(os.path.join(os.environ["CYSIM_CAPTURE"], f"{base}-{n}.h5")):
        n += 1
    shutil.copyfile(out, os.path.join(os.environ["CYSIM_CAPTURE"], f"{base}-{n}.h5"))
sys.exit(0)
