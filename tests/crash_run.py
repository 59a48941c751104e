"""Run one ingest without Prefect in this process (crash and concurrency tests run it as a subprocess).

    python tests/crash_run.py OUT [--config YAML] [--reextract] [--as-version V] SOURCE...

--as-version V: write V as the rows' pipeline_version, as an older release of trialwire would have.
"""
import sys
from pathlib import Path

import trialwire.ingest as ingest
from trialwire.store import StoreLocked


def option(args: list[str], name: str) -> str | None:
    if name not in args:
        return None
    i = args.index(name)
    value = args[i + 1]
    del args[i:i + 2]
    return value


if __name__ == "__main__":
    args = sys.argv[1:]
    config = option(args, "--config")
    version = option(args, "--as-version")
    if version:
        ingest.current_version = lambda: version
    reextract = "--reextract" in args
    if reextract:
        args.remove("--reextract")
    out, *sources = args
    try:
        print(ingest.run_ingest(Path(out), sources, config=config, reextract=reextract))
    except StoreLocked as exc:
        print(exc, file=sys.stderr)
        sys.exit(3)
