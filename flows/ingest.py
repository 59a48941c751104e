"""Prefect flow: ingest sources into Parquet, then reconcile.

    python flows/ingest.py [SOURCE ...] [--out DIR]      (same as `trialwire ingest`)
"""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NONE  # noqa: E402
from prefect.futures import as_completed  # noqa: E402

from prefect.artifacts import create_markdown_artifact, create_table_artifact  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from trialwire import ingest as core  # noqa: E402
from trialwire import run_artifacts  # noqa: E402
from trialwire.store import Store  # noqa: E402
from trialwire.workers import BrokenProcessPool, ParseWorkers, take_early, worker_nice  # noqa: E402


def transient(task_, task_run, state) -> bool:
    """Retry I/O trouble and a lost worker only; a bug fails the same way twice."""
    try:
        state.result()
    except (OSError, TimeoutError, ConnectionError, BrokenProcessPool):
        return True
    except Exception:
        return False
    return False


@task(retries=2, retry_delay_seconds=1, retry_condition_fn=transient, cache_policy=NONE)
def process_batch(out: str, spool: str, run_id: str, ingest_date, tag: str) -> core.BatchResult:
    job = (out, spool, run_id, ingest_date, tag)
    workers = _parse_workers.get(run_id)  # none where the task runs on a Dask worker or for --runner local
    result = workers.process_batch(*job) if workers is not None else core.process_batch(*job)
    get_run_logger().info("batch %s: %d documents, %d words, %d facts", tag, result.docs, result.words, result.facts)
    return result


@task(cache_policy=NONE)
def reconcile(out: str) -> dict:
    from trialwire.reconcile import current_summary, inputs_fingerprint, reconcile as run_reconcile
    fingerprint = inputs_fingerprint(Path(out))
    kept = current_summary(Path(out), fingerprint=fingerprint)
    if kept is not None:  # nothing it reads has changed: same result, no need to recompute
        get_run_logger().info("reconciliation inputs unchanged since the last run; kept its tables")
        return {**kept, "unchanged": True}
    summary = run_reconcile(Path(out), fingerprint=fingerprint)
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


_parse_workers: dict[str, ParseWorkers] = {}  # run id -> the parse workers of that run, in this process


@contextmanager
def parse_workers(runner: str, workers: int, run_id: str):
    """For `--runner process`: `workers` processes on this machine that parse the batches of run
    `run_id` (the ones started early, or new ones), stopped on the way out so that their memory is
    free before reconciliation."""
    if runner != "process":
        yield
        return
    pool = take_early(workers) or ParseWorkers(workers, worker_nice()).start()
    _parse_workers[run_id] = pool
    try:
        yield
    finally:
        _parse_workers.pop(run_id, None)
        pool.stop()


def task_runner_for(runner: str, workers: int, dask_address: str | None = None):
    """local: batches run one after another in the flow process. process: batch tasks run in
    threads of the flow process, each handing its batch to one of `workers` parse worker processes
    (see parse_workers; one more thread than workers keeps the next batch queued, so a worker never
    waits for Prefect's bookkeeping). dask: a distributed cluster (`dask_address`) or a LocalCluster
    of `workers` single-threaded processes, where the tasks themselves run."""
    if runner == "process":
        return ThreadPoolTaskRunner(max_workers=workers + 1)
    if runner == "dask":
        from prefect_dask import DaskTaskRunner
        return DaskTaskRunner(address=dask_address) if dask_address else DaskTaskRunner(
            cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "dashboard_address": None})
    return ThreadPoolTaskRunner(max_workers=1)


def collect(pending: list, workers: int, when_draining=None) -> list[core.BatchResult]:
    """The batches' results, in order (the first failure raises as soon as it is known). Once fewer
    batches are unfinished than there are workers, a worker has nothing left to parse:
    `when_draining` runs then, in this thread, on the core that worker leaves."""
    unfinished = len(pending)
    for future in as_completed(pending):
        future.result()
        unfinished -= 1
        if when_draining is not None and 0 < unfinished < workers:
            when_draining()
            when_draining = None
    return [future.result() for future in pending]


@flow(name="trialwire-parse")
def parse(out: str, sources: list[str], config: str | None, run_id: str, set_aside: list[str],
          progress: bool = False, concurrent: bool = False, workers: int = 1,
          warm_reconcile: bool = False, reextract: bool = False) -> tuple[core.Discovery, list[core.BatchResult]]:
    """Discovery and parsing, a subflow so that its worker processes (and their memory) are gone
    before the parent reconciles. Discovery runs in the flow body, not as a task, so each batch is
    handed to the task runner the moment it is spooled: workers parse while later documents are read.
    `warm_reconcile`: load what reconciliation needs (core.warm_reconcile) while the last batches
    run, on a core the parse no longer uses (0.5 s less in the run's tail at 2 workers, measured).
    `reextract`: then parse again every stored document that another pipeline_version extracted."""
    store = Store(Path(out))
    found = core.new_discovery(store, sources, config, run_id)
    found.set_aside = list(set_aside)
    bar = core.progress_bar("documents", progress)
    pending, results = [], []
    for spool in core.iter_all_spools(store, sources, config, found, reextract, progress=bar.update if bar else None):
        job = (out, spool, run_id, found.ingest_date_of(spool), f"b{len(found.spools) - 1:05d}")
        if concurrent:
            pending.append(process_batch.submit(*job))
        else:
            results.append(process_batch(*job))
    get_run_logger().info("discovered %d new, %d unchanged, %d quarantined %s, %d re-extracted in %.1f s", found.new,
                          found.skipped, found.quarantined, found.quarantine_reasons or "", found.reextracted,
                          found.discover_seconds)
    if found.stale > found.reextracted:
        get_run_logger().warning("%d stored documents were extracted by another pipeline_version than %s; "
                                 "a run with reextract (--reextract) parses them again",
                                 found.stale - found.reextracted, core.current_version())
    results += collect(pending, workers, core.warm_reconcile if warm_reconcile else None)
    if bar is not None:
        bar.close()
    return found, results


@flow(name="trialwire-ingest", log_prints=True)
def ingest(source: str | list[str] = "data/raw", out: str = "data/processed", config: str | None = None,
           progress: bool = False, run_reconcile: bool = True, lock_wait_s: float = 0.0,
           runner: str = "local", workers: int = 1, dask_address: str | None = None, reextract: bool = False) -> dict:
    """Read new or changed documents from `source`, extract facts, commit them atomically, reconcile.
    `runner`/`workers`/`dask_address`: where batches are parsed (see task_runner_for). `reextract`:
    also parse again the stored documents another pipeline_version extracted (after an upgrade),
    replacing their rows in the same commit (trialwire.reextract)."""
    sources = [source] if isinstance(source, str) else list(source)
    if config and sources == ["data/raw"]:
        sources = []
    started, run_id = datetime.now(timezone.utc), core.new_run_id()
    store = Store(Path(out))
    with store.locked(wait_s=lock_wait_s):
        known_conflicts = run_artifacts.conflict_ids(Path(out))
        # Concurrent batches only on a process-based runner: spaCy gains nothing from threads.
        parse_on = parse.with_options(task_runner=task_runner_for(runner, workers, dask_address))
        with parse_workers(runner, workers, run_id):
            found, results = parse_on(out, sources, config, run_id, list(store.set_aside), progress,
                                      concurrent=runner in ("process", "dask"), workers=workers,
                                      warm_reconcile=run_reconcile, reextract=reextract)
        run = core.commit_run(store, found, results, started)
        summary = core.run_summary(run, found, results)
        if run_reconcile:
            summary["reconcile"] = reconcile(out)
        publish_artifacts(out, summary, known_conflicts)
    return summary


if __name__ == "__main__":
    from trialwire.cli import run
    sys.exit(run(["ingest", *sys.argv[1:]]))
