"""`trialwire` command line: ingest, reconcile, report, datadict, verify."""
from __future__ import annotations

import argparse
import atexit
import importlib.util
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from .paths import PROJ_ROOT, STORE_MANIFEST


def offline_prefect_env() -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def load_flow_module():
    """flows/ingest.py holds the Prefect flow; src/ stays free of Prefect."""
    offline_prefect_env()
    spec = importlib.util.spec_from_file_location("trialwire_flows_ingest", PROJ_ROOT / "flows" / "ingest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def print_summary(summary: dict) -> None:
    rec = summary.get("reconcile") or {}
    lines = [
        f"trialwire run {summary['run_id']}: {summary['status']} in {summary['seconds']:.1f} s",
        f"  documents seen          {summary['documents_seen']:>7}",
        f"  read and parsed         {summary['documents_read']:>7}  ({summary['words']:,} words)",
        f"  skipped as unchanged    {summary['skipped_unchanged']:>7}"
        + (f"  ({summary['not_modified']} answered 304 Not Modified)" if summary.get("not_modified") else ""),
        f"  quarantined             {summary['quarantined']:>7}  {summary['quarantine_reasons'] or ''}",
        f"  facts written           {summary['facts']:>7}",
    ]
    if summary.get("reextracted"):
        lines.append(f"  re-extracted            {summary['reextracted']:>7}  (stored by an older pipeline_version; rows replaced)")
    if summary.get("quarantine_retried"):
        lines.append(f"  quarantined items retried {summary['quarantine_retried']:>5}  (quarantined by an older pipeline_version; read again)")
    if summary.get("stale_documents"):
        lines.append(f"  older pipeline_version  {summary['stale_documents']:>7}  stored documents; --reextract parses them again")
    if summary.get("orchestrator"):
        lines.append("  nothing new: no Prefect flow run started (--force-flow starts one anyway)")
    if summary.get("set_aside_corrupt"):
        lines.append(f"  damaged files set aside {len(summary['set_aside_corrupt']):>7}  (in _corrupt/; their documents were re-read)")
    if rec:
        lines.append(f"  reconciliation          {json.dumps(rec, default=str)[:200]}")
    print("\n".join(lines))


def cmd_ingest(a: argparse.Namespace) -> int:
    early = early_server(a)  # before this process loads anything else
    try:
        return _ingest(a, early)
    finally:
        if early is not None:
            early.stop()  # a no-op once the run has stopped it


def _ingest(a: argparse.Namespace, early) -> int:
    from .ingest import warm_flow_process
    from .startup import loading
    from .store import StoreLocked
    from .store.remote import output_root
    from .workers import early_workers
    sources = a.sources or ([] if a.config or a.reextract else ["data/raw"])  # --reextract alone: only that
    try:
        with output_root(a.out, work_dir=a.work_dir, quiet=a.quiet) as out:
            summary = None if a.force_flow else unchanged_run(out, sources, a.config, a)
            if summary is None:
                runner, n_workers = resolve_runner(a.runner, a.workers), workers(a.workers)
                # the parse workers load the pipeline while this process imports Prefect and the
                # server boots; this process loads the flow meanwhile
                with loading() as start_up, early_workers(runner, n_workers), prefect_api(early) as api:
                    flows = load_flow_module()
                    warm_flow_process()
                    api.wait_ready()
                    start_up.done()
                    summary = run_flow(flows, a, sources, out, runner, n_workers)
    except StoreLocked as exc:
        print(f"trialwire: {exc}; not started", file=sys.stderr)
        return 3
    print_summary(summary)
    return 0


def early_server(a: argparse.Namespace):
    """The temporary API server of a run that certainly starts a flow (a first run into a new
    local output folder, or --force-flow), started before the rest of this command loads: the
    server's boot is the longest step before the first batch, and this starts it ~0.4 s sooner.
    None where a server may be configured, or where unchanged input may need no flow at all."""
    if not may_start_server_early():
        return None
    if not a.force_flow and ("://" in a.out or (Path(a.out) / STORE_MANIFEST).exists()):
        return None
    offline_prefect_env()
    from .prefect_server import TemporaryServer
    return TemporaryServer().start()


class _ConfiguredAPI:
    def wait_ready(self) -> None:
        pass


def api_url_may_be_configured() -> bool:
    """Whether a Prefect API URL might be set, judged without importing Prefect: the variable, or a
    settings file that mentions one (profiles, .env, prefect.toml, pyproject.toml). False means
    none is, so the temporary server can start before Prefect's own settings are read."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    files = [Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser(),
             Path(".env"), Path("prefect.toml"), Path("pyproject.toml")]
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="ignore").lower()
        except OSError:
            continue
        if "api_url" in text or "api]" in text or "api.url" in text:
            return True
    return False


def may_start_server_early() -> bool:
    """Prefect has read no settings in this process and none of its settings sources can name a
    server: a temporary server may start before Prefect is imported."""
    return "prefect.settings" not in sys.modules and not api_url_may_be_configured()


@contextmanager
def prefect_api(early=None):
    """One Prefect API for the flow process and its Dask workers. Without PREFECT_API_URL every
    process that runs a task (each Dask worker) would start a temporary server of its own: seconds
    of CPU and ~220 MB each (parse workers of `--runner process` run no tasks and need none). So when no server is configured, start one temporary server for the
    run (prefect_server.py: without Prefect's own 3.5 s server import in this process, and booting
    while the caller loads the flow) and hand its URL to the workers; call `wait_ready()` before
    the flow runs. Where no settings file can name a server, it starts before this process
    imports Prefect (1.2 s of CPU sooner on the path to the first batch). `early`: one that the
    caller started already (early_server)."""
    offline_prefect_env()
    from .prefect_server import TemporaryServer
    speculate = early is None and may_start_server_early()
    early = TemporaryServer().start() if speculate else early
    try:
        from prefect.settings import get_current_settings
        settings = get_current_settings()
    except BaseException:
        if early is not None:
            early.stop()
        raise
    if settings.api.url:  # a configured server (or a test harness): use it
        if early is not None:
            early.stop()
        yield _ConfiguredAPI()
        return
    server = early or TemporaryServer().start()
    server.startup_timeout_s = float(settings.server.ephemeral.startup_timeout_seconds or 60)
    from prefect.context import refresh_global_settings_context
    from prefect.settings import temporary_settings
    try:
        # the process-wide settings, not a context-local override: Prefect's own threads (log and
        # event forwarding) read them, and without a URL they would start a second temporary server
        os.environ["PREFECT_API_URL"] = server.api_url
        refresh_global_settings_context()
        # No flow-run heartbeats: they let a long-lived server mark crashed runs, and this server
        # ends with the command; each flow run's exit waited up to 1 s for its heartbeat thread.
        with temporary_settings(updates={"flows.heartbeat_frequency": None}):
            yield server
    finally:
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker
        for worker in (APILogWorker, EventsWorker):  # deliver what is queued while the server is up
            worker.drain_all(timeout=10)
        os.environ.pop("PREFECT_API_URL", None)
        refresh_global_settings_context()
        server.stop()


def unchanged_run(out: Path, sources: list[str], config: str | None, a: argparse.Namespace) -> dict | None:
    """A re-run over unchanged local input records itself without starting Prefect (the API
    server's start-up and shutdown for nothing); anything new, remote or damaged runs the flow."""
    from .ingest import unchanged_run as check

    def reconciled(path: Path) -> bool:
        if a.no_reconcile:
            return True
        from .reconcile import current_summary
        return current_summary(path) is not None

    return check(out, sources, config, a.wait, reconciled, reextract=a.reextract)


def run_flow(flows, a: argparse.Namespace, sources: list[str], out: Path, runner: str, n_workers: int) -> dict:
    return flows.ingest(source=sources, out=str(out), config=a.config, progress=sys.stderr.isatty() and not a.quiet,
                        run_reconcile=not a.no_reconcile, lock_wait_s=a.wait, runner=runner, workers=n_workers,
                        dask_address=a.dask_address, reextract=a.reextract)


def workers(requested: int | None) -> int:
    return requested or os.cpu_count() or 1


def resolve_runner(runner: str, requested_workers: int | None) -> str:
    """`auto`: one worker process per core when there is more than one, else batches in the flow process."""
    if runner == "auto":
        runner = os.environ.get("TRIALWIRE_RUNNER", "auto")
    if runner == "auto":
        return "process" if workers(requested_workers) > 1 else "local"
    return runner


def cmd_reconcile(a: argparse.Namespace) -> int:
    from .reconcile import reconcile
    print(reconcile(a.out, a.decisions))
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    from .report import write_report
    paths = write_report(a.out)
    for path in paths:
        print(path)
    pages = paths[0].parent / "drugs"
    if pages.is_dir():
        print(f"{pages}/ ({sum(1 for _ in pages.glob('*.html')):,} drug pages, linked from report.html)")
    return 0


def cmd_datadict(a: argparse.Namespace) -> int:
    from .store.datadict import render_data_dictionary
    a.path.parent.mkdir(parents=True, exist_ok=True)
    a.path.write_text(render_data_dictionary())
    print(a.path)
    return 0


def cmd_verify(a: argparse.Namespace) -> int:
    from .store import Store
    problems = Store(a.out).verify()
    for p in problems:
        print(p)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="trialwire", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ingest", help="read sources, extract facts, write Parquet, reconcile")
    p.add_argument("sources", nargs="*", help="folders, files or URLs (default data/raw)")
    p.add_argument("--out", default="data/processed", help="output folder, or an fsspec URL such as s3://bucket/prefix")
    p.add_argument("--work-dir", type=Path, help="local mirror folder of a URL --out")
    p.add_argument("--config", help="sources YAML (config/sources.example.yaml)")
    p.add_argument("--no-reconcile", action="store_true")
    p.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another run's lock")
    p.add_argument("--runner", choices=["auto", "local", "process", "dask"], default="auto",
                   help="local: batches in the flow process; process: a pool of worker processes on this "
                        "machine; dask: a distributed cluster; auto (default): process when there is more "
                        "than one core (or $TRIALWIRE_RUNNER)")
    p.add_argument("--dask-address", help="scheduler address of a running distributed cluster")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes for --runner process or a LocalCluster (default: one per core)")
    p.add_argument("--force-flow", action="store_true",
                   help="start the Prefect flow even when nothing under local sources changed")
    p.add_argument("--reextract", action="store_true",
                   help="also parse again, from their stored text, the documents an older pipeline_version "
                        "extracted, replacing their rows in the same commit (after an upgrade); with no "
                        "SOURCE, only that")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_ingest)
    p = sub.add_parser("reconcile", help="re-run reconciliation over everything ingested")
    p.add_argument("--out", type=Path, default=Path("data/processed"))
    p.add_argument("--decisions", type=Path, default=None)
    p.set_defaults(func=cmd_reconcile)
    p = sub.add_parser("report", help="write the analyst report (HTML and Markdown)")
    p.add_argument("--out", type=Path, default=Path("data/processed"))
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("datadict", help="regenerate docs/DATA.md from the declared schemas")
    p.add_argument("--path", type=Path, default=PROJ_ROOT / "docs" / "DATA.md")
    p.set_defaults(func=cmd_datadict)
    p = sub.add_parser("verify", help="check every committed Parquet file")
    p.add_argument("--out", type=Path, default=Path("data/processed"))
    p.set_defaults(func=cmd_verify)
    return ap


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    return a.func(a)


class _ExitWithoutTeardown:
    """Once the command has finished, exit handlers run as usual, then the process ends without
    the interpreter's teardown: freeing every module and object one by one took 0.6 s after an
    ingest run (measured), time in which the command has nothing left to do."""

    def __init__(self) -> None:
        self.code: int | None = None
        atexit.register(self._exit)  # registered first, so it runs after every handler registered later

    def _exit(self) -> None:
        if self.code is not None:  # not after an exception: then Python exits its own way
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(self.code)


def run(argv: list[str] | None = None) -> int:
    """The `trialwire` command (console script): main(), then a quick exit."""
    leave = _ExitWithoutTeardown()
    leave.code = main(argv)
    return leave.code


if __name__ == "__main__":
    sys.exit(run())
