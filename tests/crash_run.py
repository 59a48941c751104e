"""Run one ingest without Prefect in this process (used by crash tests as a subprocess)."""
import sys
from pathlib import Path

from trialwire.ingest import run_ingest

if __name__ == "__main__":
    out, *sources = sys.argv[1:]
    print(run_ingest(Path(out), sources))
