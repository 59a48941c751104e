"""Ingest as plain functions: discover -> process batches -> commit. flows/ingest.py wraps each
step in a Prefect task; nothing here imports Prefect.

A run holds the output lock from discovery to commit. Discovery reads sources lazily, skips
unchanged input by raw hash (a set lookup), prepares text and spools bounded batches of Documents
to OUT/.staging/<run_id>/; each batch task parses its spool and stages part files; the commit
publishes them all at once with the run's row.
"""
from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import pickle
import secrets
import shutil
import socket
import time
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

from .sources.base import NotModified, RawDocument, SourceFailure, SourceItem
from .sources.validators import load_validators, save_validators, usable
from .startup import loading
from .store import FACT_TABLES, TABLES, Store
from .text import Document, Unreadable, prepare, sha256

BATCH_DOCS = 64
# The first batches go out the moment they are full (the workers are waiting). Every later one is
# held until the next batch's worth of documents has been read, so that discovery sees the end
# coming and cuts the last documents into smaller batches (tail_sizes): the parse workers then
# finish together, instead of one idling while another parses a whole last batch (a batch of 64
# articles is about 5 s of a core).
UNHELD_BATCHES = 2
TAIL_MIN_DOCS = 8


def tail_sizes(n: int, batch_docs: int) -> list[int]:
    """Batch sizes for a run's last `n` documents (fewer than two batches' worth), largest first:
    the last two batches share at most a quarter batch, the two before them at most half a batch,
    the rest go in batches of at most half a batch; no batch below TAIL_MIN_DOCS. Whichever worker
    is free takes the next batch, so the workers finish at most one last batch apart (8 articles,
    about 0.6 s). Batches too small to taper are cut as before."""
    if n <= 0:
        return []
    if batch_docs < 4 * TAIL_MIN_DOCS:
        return [batch_docs] * (n // batch_docs) + ([n % batch_docs] if n % batch_docs else [])
    sizes: list[int] = []
    for share in (batch_docs // 4, batch_docs // 2):  # the last pair, then the pair before it
        if n <= 0:
            break
        take = n if n - min(n, share) < TAIL_MIN_DOCS else min(n, share)
        sizes += _even(take, 2)
        n -= take
    sizes += _even(n, -(-n // (batch_docs // 2)))
    return sorted(sizes, reverse=True)


def _even(n: int, parts: int) -> list[int]:
    """`n` split into at most `parts` near-equal sizes, none below TAIL_MIN_DOCS (unless n is)."""
    parts = max(1, min(parts, n // TAIL_MIN_DOCS))
    q, r = divmod(n, parts)
    return [q + 1] * r + [q] * (parts - r) if n else []


def new_run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


@lru_cache(maxsize=1)
def get_pipeline():
    """One spaCy pipeline per process (a Dask or process-pool worker loads it once)."""
    from .nlp import build_pipeline
    return build_pipeline()


def warm_worker(nice: int = 0) -> None:
    """What a parse worker does first (workers.ParseWorkers, which forks the pool's other workers
    after it): load the pipeline while the API server boots and discovery runs.
    `nice` > 0 lowers the worker's CPU priority, so that on a machine with as many workers as cores
    the API server, the flow process's discovery and task hand-offs run the moment they can and
    parsing takes the rest (the start-up loads then no longer delay the server's boot)."""
    if nice > 0:
        os.nice(nice)
    with loading():
        get_pipeline()
        warm_arrow()  # before ParseWorkers forks the pool's other workers from this one: they inherit it
    # Registered before any batch runs, so it runs after the exit handlers of anything a batch
    # starts: then skip tearing down spaCy module by module (the flow waits for the pool to shut
    # down, ~0.3 s per worker measured; every result is back by then).
    atexit.register(os._exit, 0)


def warm_flow_process() -> None:
    """Import what discovery, the first store reads and the flow call need, while the API server
    boots: ~0.6 s that would otherwise lie between the server being ready and the first batch, or
    in the run's tail (measured)."""
    import pyarrow.parquet  # noqa: F401
    from .reconcile import credibility  # noqa: F401  (discovery rates each source)
    from .sources import folder  # noqa: F401
    current_version()
    warm_arrow()
    # What Prefect imports on a flow's first call: its engine, the flow-graph module (graphviz) and
    # the parameter encoder (fastapi); 0.2 s. Internal names, hence only tried.
    for module in ("prefect.flow_engine", "prefect.utilities.visualization", "fastapi.encoders"):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)


def warm_reconcile() -> None:
    """What reconciliation loads before it reads the store: its modules (0.3 s), the drug KB (0.4 s) and
    the credibility model; each is cached for the process."""
    from .kb import load_kb
    from .reconcile import load_credibility_model, run  # noqa: F401  (run: all of reconciliation's modules)
    load_kb()
    load_credibility_model()


def warm_arrow() -> None:
    """pyarrow imports pandas when a process builds its first table (0.2 s of CPU, measured): pay
    it while the API server boots, not in the middle of a batch or in the run's tail."""
    import pyarrow as pa
    pa.table({"warm": [0]})


def current_version() -> str:
    from .version import pipeline_version
    return pipeline_version()


def open_sources(specs: Iterable[str], config: str | None = None,
                 validators: Mapping[str, dict[str, str]] | None = None) -> Iterator[SourceItem]:
    """Folder or file paths, http(s) URLs, and/or a sources YAML, as one lazy stream. `validators`:
    url -> ETag / Last-Modified for conditional HTTP requests (sources/validators.py)."""
    from .sources.folder import FolderSource
    for spec in specs:
        if spec.startswith(("http://", "https://")):
            from .sources.http import HttpFetcher, UrlListSource
            yield from UrlListSource([spec], HttpFetcher(validators=validators)).items()
        else:
            if not Path(spec).exists():
                yield SourceFailure(spec, "not_found", "no such file or folder")
                continue
            yield from FolderSource(spec).items()
    if config:
        from .sources.config import load_sources
        for source in load_sources(Path(config), validators):
            yield from source.items()


@dataclass
class Discovery:
    run_id: str
    ingest_date: date
    spools: list[str] = field(default_factory=list)
    staged: dict[str, list[str]] = field(default_factory=dict)
    seen: int = 0
    new: int = 0
    skipped: int = 0
    quarantined: int = 0
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    set_aside: list[str] = field(default_factory=list)  # damaged files moved to _corrupt/ at start
    discover_seconds: float = 0.0
    stale: int = 0  # stored documents whose rows another pipeline_version wrote, before this run
    reextracted: int = 0  # of those, parsed again by this run (--reextract)
    spool_dates: dict[str, date] = field(default_factory=dict)  # a re-extracted batch's partition
    superseded: list[str] = field(default_factory=list)  # committed files the re-extracted rows replace
    not_modified: int = 0  # HTTP sources that answered 304 (counted in skipped too)
    retried: set[tuple[str, str]] = field(default_factory=set)  # (raw_sha256, source) quarantined by older code, read again
    validators: dict[str, dict[str, str]] = field(default_factory=dict)  # saved after the commit

    def ingest_date_of(self, spool: str) -> date:
        return self.spool_dates.get(spool, self.ingest_date)


@dataclass
class BatchResult:
    staged: dict[str, list[str]]
    docs: int
    facts: int
    words: int
    peak_rss_mb: int = 0  # of the process that parsed the batch, so far (a worker's high-water mark)
    worker: str = ""  # host:pid of the process that parsed it


class KnownDocuments:
    """What the store already holds, for O(1) skip and version checks."""

    def __init__(self, store: Store, pipeline_version: str | None = None, retry_quarantined: bool = False):
        """`retry_quarantined` (with --reextract): what another pipeline_version quarantined is not
        known, so it is read again when its source still offers it (`retry`)."""
        docs = store.read("documents", ["doc_id", "source", "raw_sha256", "version", "pipeline_version"]).to_pylist()
        self.stale = sum(d["pipeline_version"] != pipeline_version for d in docs) if pipeline_version else 0
        quarantined = store.read("quarantine", ["raw_sha256", "source", "pipeline_version"]).to_pylist()
        self.retry = {(q["raw_sha256"], q["source"]) for q in quarantined
                      if retry_quarantined and pipeline_version and q["pipeline_version"] != pipeline_version}
        self.raw = {d["raw_sha256"] for d in docs} | \
            {(q["raw_sha256"], q["source"]) for q in quarantined} - self.retry
        self.doc_ids = {d["doc_id"] for d in docs}
        self.latest: dict[str, tuple[str, int]] = {}
        for d in docs:
            if d["version"] and d["version"] >= self.latest.get(d["source"], ("", 0))[1]:
                self.latest[d["source"]] = (d["doc_id"], d["version"])

    def holds(self, item: SourceItem, raw_hash: str) -> bool:
        """These bytes are stored: as a document (from any source) or quarantined from this source;
        a fetch failure only as quarantined from this source."""
        if isinstance(item, SourceFailure):
            return (raw_hash, item.source) in self.raw
        return self.holds_bytes(raw_hash, item.source)

    def holds_bytes(self, raw_hash: str, source: str) -> bool:
        return raw_hash in self.raw or (raw_hash, source) in self.raw


def quarantine_row(item: SourceFailure | RawDocument, reason: str, detail: str, run_id: str, version: str) -> dict:
    data = item.data
    return {"source": item.source, "raw_sha256": sha256(data), "reason": reason, "detail": detail[:500],
            "size_bytes": len(data), "quarantined_at": datetime.now(timezone.utc),
            "run_id": run_id, "pipeline_version": version}


def write_spool(store: Store, found: Discovery, batch: list[tuple[Document, int, str | None]]) -> str:
    """Spool one batch of (document, version, previous_doc_id) under OUT/.staging/<run_id>/ for a
    parse task; returns its path, also appended to `found.spools`."""
    path = store.root / ".staging" / found.run_id / f"batch-{len(found.spools):05d}.pkl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL))
    found.spools.append(str(path))
    return str(path)


def iter_spools(store: Store, specs: list[str], config: str | None, found: Discovery,
                batch_docs: int | None = None, progress: Callable[[int], None] | None = None,
                retry_quarantined: bool = False) -> Iterator[str]:
    """Read sources lazily and yield each spooled batch as soon as it is full, so parsing can start
    while later documents are still being read. Fills `found` (counts, staged quarantine) as it goes.
    `retry_quarantined`: read again what another pipeline_version quarantined (KnownDocuments)."""
    t0 = time.perf_counter()
    batch_docs = batch_docs or BATCH_DOCS
    version = current_version()
    known = KnownDocuments(store, version, retry_quarantined)
    found.stale = known.stale
    batch: list[tuple[Document, int, str | None]] = []
    quarantine: list[dict] = []

    def flush(size: int) -> str:
        path = write_spool(store, found, batch[:size])
        del batch[:size]
        return path

    conditional = usable(load_validators(store.root), known.holds_bytes)
    for item in open_sources(specs, config, conditional):
        found.seen += 1
        if progress:
            progress(1)
        if isinstance(item, NotModified):
            found.skipped += 1
            found.not_modified += 1
            continue
        raw_hash = sha256(item.data)
        if (raw_hash, item.source) in known.retry:
            found.retried.add((raw_hash, item.source))
        if isinstance(item, RawDocument) and item.validators:
            found.validators[item.source] = {**item.validators, "raw_sha256": raw_hash}
        if known.holds(item, raw_hash):
            found.skipped += 1
            continue
        if isinstance(item, SourceFailure):
            known.raw.add((raw_hash, item.source))
            quarantine.append(quarantine_row(item, item.reason, item.detail, found.run_id, version))
            continue
        try:
            doc = prepare(item)
        except Unreadable as exc:
            known.raw.add((raw_hash, item.source))
            quarantine.append(quarantine_row(item, exc.reason, exc.detail, found.run_id, version))
            continue
        known.raw.add(raw_hash)
        if doc.doc_id in known.doc_ids:  # same text, other bytes (re-encoded, re-fetched)
            found.skipped += 1
            continue
        known.doc_ids.add(doc.doc_id)
        prev_id, prev_version = known.latest.get(doc.source, (None, 0))
        known.latest[doc.source] = (doc.doc_id, prev_version + 1)
        batch.append((doc, prev_version + 1, prev_id))
        found.new += 1
        held = batch_docs if len(found.spools) >= UNHELD_BATCHES else 0
        if len(batch) >= batch_docs + held:
            found.discover_seconds += time.perf_counter() - t0
            yield flush(batch_docs)
            t0 = time.perf_counter()
    for size in tail_sizes(len(batch), batch_docs):
        found.discover_seconds += time.perf_counter() - t0
        yield flush(size)
        t0 = time.perf_counter()
    found.quarantined = len(quarantine)
    for q in quarantine:
        found.quarantine_reasons[q["reason"]] = found.quarantine_reasons.get(q["reason"], 0) + 1
    if quarantine:
        found.staged["quarantine"] = [store.stage("quarantine", quarantine, f"{found.run_id}-q", found.ingest_date)]
    found.discover_seconds += time.perf_counter() - t0


def iter_all_spools(store: Store, specs: list[str], config: str | None, found: Discovery, reextract: bool = False,
                    progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """New and changed documents first (iter_spools); with `reextract`, then every stored document
    that another pipeline_version extracted (reextract.iter_stale_spools)."""
    yield from iter_spools(store, specs, config, found, progress=progress, retry_quarantined=reextract)
    if found.retried:
        from .reextract import supersede_quarantine
        supersede_quarantine(store, found)
    if reextract and found.stale:
        from .reextract import iter_stale_spools
        t0 = time.perf_counter()
        for spool in iter_stale_spools(store, found, current_version(), BATCH_DOCS, progress):
            found.discover_seconds += time.perf_counter() - t0
            yield spool
            t0 = time.perf_counter()
        found.discover_seconds += time.perf_counter() - t0


def new_discovery(store: Store, specs: list[str], config: str | None, run_id: str) -> Discovery:
    found = Discovery(run_id, datetime.now(timezone.utc).date(), sources=list(specs) + ([config] if config else []))
    found.set_aside = list(getattr(store, "set_aside", []))
    return found


def discover(store: Store, specs: list[str], config: str | None, run_id: str,
             batch_docs: int | None = None, progress: Callable[[int], None] | None = None) -> Discovery:
    """All of discovery at once (spools every batch before any is parsed)."""
    found = new_discovery(store, specs, config, run_id)
    for _ in iter_spools(store, specs, config, found, batch_docs, progress):
        pass
    return found


WARM_VOCAB_STRINGS = 50_000


def vocab_zone(nlp):
    """Every new word a batch meets becomes a permanent vocab entry, so a worker grows with what it
    reads (about 3 MB per batch of 64 articles at first). Once the vocab holds the common words
    (1,000 to 2,000 articles), batches run in a memory zone, which frees what they add (records hold plain
    values only); zones from the first batch on would re-create even common words in every batch,
    measured 8% slower."""
    if len(nlp.vocab.strings) < WARM_VOCAB_STRINGS:
        return contextlib.nullcontext()
    return nlp.memory_zone()


def peak_rss_mb() -> int:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def document_row(doc: Document, version: int, previous: str | None, run_id: str, pipeline_version: str) -> dict:
    row = {k: v for k, v in asdict(doc).items() if k != "fetched_at"}
    row.update(signals=list(doc.signals), n_chars=len(doc.text), n_words=doc.n_words, version=version,
               previous_doc_id=previous, ingested_at=doc.fetched_at or datetime.now(timezone.utc),
               run_id=run_id, pipeline_version=pipeline_version)
    return row


def process_batch(out: str, spool: str, run_id: str, ingest_date: date, tag: str) -> BatchResult:
    """Parse one spooled batch and stage its rows; safe to retry (same tag overwrites the same files)."""
    from .extract import doc_to_records  # here, not at the top: the flow process never imports spaCy
    store = Store(Path(out))
    batch: list[tuple[Document, int, str | None]] = pickle.loads(Path(spool).read_bytes())
    nlp, version = get_pipeline(), current_version()
    rows: dict[str, list[dict]] = {"documents": []}
    words = 0
    with vocab_zone(nlp):
        for (doc, ver, prev), parsed in zip(batch, nlp.pipe(d.text for d, _, _ in batch)):
            words += doc.n_words
            rows["documents"].append(document_row(doc, ver, prev, run_id, version))
            for record in doc_to_records(parsed, doc.doc_id):
                row = record.to_row()
                row.update(run_id=run_id, pipeline_version=version)
                rows.setdefault(record.table, []).append(row)
    staged = {table: [store.stage(table, table_rows, f"{run_id}-{tag}", ingest_date)]
              for table, table_rows in rows.items() if table_rows}
    facts = sum(len(v) for k, v in rows.items() if k in FACT_TABLES and k != "mentions")
    return BatchResult(staged, len(batch), facts, words, peak_rss_mb(), f"{socket.gethostname()}:{os.getpid()}")


def commit_run(store: Store, found: Discovery, results: list[BatchResult], started: datetime,
               status: str = "completed") -> dict:
    staged = {k: list(v) for k, v in found.staged.items()}
    for result in results:
        for table, rels in result.staged.items():
            staged.setdefault(table, []).extend(rels)
    run = {"run_id": found.run_id, "started_at": started, "finished_at": datetime.now(timezone.utc),
           "status": status, "sources": found.sources, "docs_read": sum(r.docs for r in results),
           "docs_skipped": found.skipped, "docs_quarantined": found.quarantined,
           "facts": sum(r.facts for r in results), "pipeline_version": current_version()}
    staged["runs"] = [store.stage("runs", [run], found.run_id, found.ingest_date)]
    for table in TABLES.values():  # every table exists from the first run on, empty or not
        if table.per_document and not store.files.get(table.name) and not staged.get(table.name):
            staged[table.name] = [store.stage(table.name, [], found.run_id, found.ingest_date)]
    store.commit(staged, superseded=found.superseded)
    save_validators(store.root, found.validators)  # after the commit: only for bytes the store holds
    shutil.rmtree(store.root / ".staging" / found.run_id, ignore_errors=True)
    return run


def progress_bar(desc: str, enabled: bool, total: int | None = None, unit: str = "doc"):
    if not enabled:
        return None
    from tqdm import tqdm
    return tqdm(desc=desc, total=total, unit=unit, leave=False)


def run_summary(run: dict, found: Discovery, results: list[BatchResult]) -> dict:
    return {"run_id": run["run_id"], "status": run["status"], "documents_seen": found.seen,
            "documents_read": run["docs_read"], "skipped_unchanged": run["docs_skipped"],
            "quarantined": run["docs_quarantined"], "quarantine_reasons": found.quarantine_reasons,
            "facts": run["facts"], "words": sum(r.words for r in results),
            "seconds": (run["finished_at"] - run["started_at"]).total_seconds(),
            "discover_seconds": round(found.discover_seconds, 3),
            "parser_peak_rss_mb": max((r.peak_rss_mb for r in results), default=0),
            "workers": sorted({r.worker for r in results}),
            "set_aside_corrupt": found.set_aside, "reextracted": found.reextracted,
            "not_modified": found.not_modified, "quarantine_retried": len(found.retried),
            "stale_documents": found.stale - found.reextracted}


def local_only(specs: list[str], config: str | None) -> bool:
    return not config and not any(spec.startswith(("http://", "https://")) for spec in specs)


def unchanged_run(out: Path, specs: list[str], config: str | None, lock_wait_s: float = 0.0,
                  reconciled: Callable[[Path], bool] = lambda out: True, reextract: bool = False) -> dict | None:
    """The no-op check a re-run makes before starting any orchestrator: when every item of the
    local sources is already stored (or quarantined) byte for byte, nothing was set aside as
    damaged, reconciliation is current and (with `reextract`) no stored document is stale, record
    the run and return its summary; else None (something to do: run the flow). Reads and hashes
    every file, parses none."""
    if not local_only(specs, config):  # fetching remote sources twice would cost more than it saves
        return None
    started, store = datetime.now(timezone.utc), Store(Path(out))
    with store.locked(wait_s=lock_wait_s):
        if store.set_aside or not store.files.get("documents") or not reconciled(Path(out)):
            return None
        known = KnownDocuments(store, current_version(), retry_quarantined=reextract)
        if reextract and (known.stale or known.retry):
            return None
        found = new_discovery(store, specs, config, new_run_id())
        found.stale = known.stale
        for item in open_sources(specs, config):
            if not known.holds(item, sha256(item.data)):
                return None
            found.seen += 1
            found.skipped += 1
        run = commit_run(store, found, [], started)
    return {**run_summary(run, found, []), "orchestrator": "none (nothing new)"}


def run_ingest(out: Path, sources: list[str], config: str | None = None, lock_wait_s: float = 0.0,
               reextract: bool = False) -> dict:
    """The flow's steps without an orchestrator: for crash tests, benchmarks and embedding."""
    started, run_id = datetime.now(timezone.utc), new_run_id()
    store = Store(Path(out))
    with store.locked(wait_s=lock_wait_s):
        found = new_discovery(store, sources, config, run_id)
        results = [process_batch(str(out), spool, run_id, found.ingest_date_of(spool), f"b{i:05d}")
                   for i, spool in enumerate(iter_all_spools(store, sources, config, found, reextract))]
        run = commit_run(store, found, results, started)
    return run_summary(run, found, results)
