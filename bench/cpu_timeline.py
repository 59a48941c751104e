"""CPU of every process of one `trialwire ingest` run, per second: where a run is CPU-bound and
where cores idle (docs/PERFORMANCE.md, "Where the time goes", uses it).

    python bench/cpu_timeline.py CORPUS [--out DIR] [-- extra ingest arguments]

Samples every 0.1 s with psutil, sums per process role (bench/run.py's names: the flow process,
the temporary Prefect API server, spawned workers and helpers) and prints the totals, then one
line per second: all CPU used in that second and its split by role. On 2 cores a second
near 2.0 is a second with both cores busy.
"""
from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time

import psutil

from run import role  # the benchmark's names for the processes of a run


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus")
    ap.add_argument("--out", help="output folder (default: a new temporary one, removed after)")
    ap.add_argument("extra", nargs="*", help="more `trialwire ingest` arguments, after --")
    a = ap.parse_args(argv)
    out = a.out or tempfile.mkdtemp(prefix="trialwire-cpu-")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_LOGGING_LEVEL": "WARNING"}
    started = time.monotonic()
    run = subprocess.Popen([sys.executable, "-m", "trialwire.cli", "ingest", a.corpus, "--out", out, "--quiet",
                            *a.extra], env=env, stdout=subprocess.DEVNULL)
    root = psutil.Process(run.pid)
    roles: dict[int, str] = {}
    last: dict[int, float] = {}
    per_second: dict[int, collections.Counter] = collections.defaultdict(collections.Counter)
    while run.poll() is None:
        second = int(time.monotonic() - started)
        try:
            processes = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for p in processes:
            try:
                times = p.cpu_times()
            except psutil.Error:
                continue
            if roles.get(p.pid, "?") == "?":
                roles[p.pid] = role(p)
            used = times.user + times.system
            per_second[second][roles[p.pid]] += used - last.get(p.pid, 0.0)
            last[p.pid] = used
        time.sleep(0.1)
    wall = time.monotonic() - started
    if not a.out:
        shutil.rmtree(out, ignore_errors=True)
    print(f"wall {wall:.2f} s, CPU {sum(last.values()):.1f} s (exit status {run.returncode})")
    for pid, used in sorted(last.items(), key=lambda kv: -kv[1]):
        print(f"  {roles[pid]:>34} {pid:>7} {used:7.2f} s")
    print("second  CPU  by role")
    for second in sorted(per_second):
        split = per_second[second]
        print(f"{second:6d} {sum(split.values()):4.2f}  "
              + " ".join(f"{k}={v:.2f}" for k, v in sorted(split.items()) if v > 0.05))
    return run.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
