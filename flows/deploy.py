"""Serve the ingest flow (ingest, then reconcile) on a cron schedule.

    prefect server start                      # local server, SQLite under ~/.prefect
    PREFECT_API_URL=http://127.0.0.1:4200/api python flows/deploy.py --cron "0 * * * *" --source data/raw

`prefect.yaml` declares the same deployment for `prefect deploy --all` with a work pool.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest import ingest  # noqa: E402


def build_deployment(cron: str, sources: list[str], config: str | None, out: str, workers: int = 1,
                     reextract: bool = False):
    return ingest.to_deployment(name="trialwire-scheduled", cron=cron,
                                parameters={"source": sources, "out": out, "config": config, "lock_wait_s": 60.0,
                                            "runner": "process" if workers > 1 else "local", "workers": workers,
                                            "reextract": reextract})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cron", default="0 * * * *", help="schedule (default: hourly)")
    ap.add_argument("--source", action="append", default=None, help="folder/file/URL (repeatable)")
    ap.add_argument("--config", default=None, help="sources YAML")
    ap.add_argument("--out", default="data/processed")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="parsing processes (default: one per core)")
    ap.add_argument("--reextract", action="store_true",
                    help="every run also re-parses the documents an older pipeline_version extracted")
    a = ap.parse_args()
    from prefect import serve
    serve(build_deployment(a.cron, a.source or ([] if a.config else ["data/raw"]), a.config, a.out, a.workers,
                           a.reextract))


if __name__ == "__main__":
    main()
