"""Prefect flow: ingest sources into Parquet, then reconcile.

    python flows/ingest.py [SOURCE ...] [--out DIR]      (same as `trialwire ingest`)
"""
from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NONE  # noqa: E402

from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402

from trialwire import ingest as core  # noqa: E402
from trialwire import run_artifacts  # noqa: E402
from trialwire.store import Store  # noqa: E402


def transient(task_, task_run, state) -> bool:
    """Retry I/O trouble only; a bug fails the same way twice."""
    try:
        state.result()
    except (OSError, TimeoutError, ConnectionError):
        return True
    except Exception:
        return False
    return False


@task(retries=2, retry_delay_seconds=1, retry_condition_fn=transient, cache_policy=NONE)
def discover(out: str, sources: list[str], config: str | None, run_id: str, progress: bool) -> core.Discovery:
    bar = core.progress_bar("reading", progress)
    found = core.discover(Store(Path(out)), sources, config, run_id, progress=bar.update if bar is not None else None)
    if bar is not None:
        bar.close()
    get_run_logger().info("discovered %d new, %d unchanged, %d quarantined %s", found.new, found.skipped,
                          found.quarantined, found.quarantine_reasons or "")
    return found


@task(retries=2, retry_delay_seconds=1, retry_condition_fn=transient, cache_policy=NONE)
def process_batch(out: str, spool: str, run_id: str, ingest_date, tag: str) -> core.BatchResult:
    result = core.process_batch(out, spool, run_id, ingest_date, tag)
    get_run_logger().info("batch %s: %d documents, %d words, %d facts", tag, result.docs, result.words, result.facts)
    return result


@task(cache_policy=NONE)
def reconcile(out: str) -> dict:
    from trialwire.reconcile import reconcile as run_reconcile
    summary = run_reconcile(Path(out))
    get_run_logger().info("reconciled: %s", summary)
    return summary if isinstance(summary, dict) else vars(summary)


@task(cache_policy=NONE)
def publish_artifacts(out: str, summary: dict, known_conflicts: set[str]) -> None:
    tables = run_artifacts.run_tables(Path(out), summary["run_id"], known_conflicts)
    create_markdown_artifact(run_artifacts.run_markdown(summary, tables), key="trialwire-run-summary",
                             description="Counts, quarantined items and new conflicts of this run")
    create_table_artifact(run_artifacts.counts_rows(summary), key="trialwire-run-counts")
    if tables["quarantined"]:
        create_table_artifact(tables["quarantined"], key="trialwire-quarantined")
    if tables["new_conflicts"]:
        create_table_artifact(tables["new_conflicts"], key="trialwire-new-conflicts")


@flow(name="trialwire-ingest", log_prints=True)
def ingest(source: str | list[str] = "data/raw", out: str = "data/processed", config: str | None = None,
           progress: bool = False, run_reconcile: bool = True, lock_wait_s: float = 0.0,
           concurrent: bool = False) -> dict:
    """Read new or changed documents from `source`, extract facts, commit them atomically, reconcile."""
    sources = [source] if isinstance(source, str) else list(source)
    if config and sources == ["data/raw"]:
        sources = []
    started, run_id = datetime.now(timezone.utc), core.new_run_id()
    store = Store(Path(out))
    with store.locked(wait_s=lock_wait_s):
        found = discover(out, sources, config, run_id, progress)
        found.set_aside = list(store.set_aside)
        known_conflicts = run_artifacts.conflict_ids(Path(out))
        jobs = [(out, spool, run_id, found.ingest_date, f"b{i:05d}") for i, spool in enumerate(found.spools)]
        # Concurrent batches only on a process-based runner (Dask): spaCy gains nothing from threads.
        futures = [process_batch.submit(*job) for job in jobs] if concurrent else None
        bar = core.progress_bar("parsing", progress, total=len(jobs), unit="batch")
        results = []
        for i, job in enumerate(jobs):
            results.append(futures[i].result() if futures else process_batch(*job))
            if bar is not None:
                bar.update(1)
        if bar is not None:
            bar.close()
        run = core.commit_run(store, found, results, started)
        summary = core.run_summary(run, found, results)
        if run_reconcile:
            summary["reconcile"] = reconcile(out)
        publish_artifacts(out, summary, known_conflicts)
    return summary


if __name__ == "__main__":
    from trialwire.cli import main
    sys.exit(main(["ingest", *sys.argv[1:]]))
