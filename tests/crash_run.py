"""Run one ingest without Prefect in this process (crash and concurrency tests run it as a subprocess).

    python tests/crash_run.py OUT [--config YAML] SOURCE...
"""
import sys
from pathlib import Path

from trialwire.ingest import run_ingest
from trialwire.store import StoreLocked

if __name__ == "__main__":
    args = sys.argv[1:]
    config = None
    if "--config" in args:
        i = args.index("--config")
        config = args[i + 1]
        del args[i:i + 2]
    out, *sources = args
    try:
        print(run_ingest(Path(out), sources, config=config))
    except StoreLocked as exc:
        print(exc, file=sys.stderr)
        sys.exit(3)
