"""The output folder as a transactional Parquet store.

Layout under OUT:
  <table>/ingest_date=YYYY-MM-DD/part-<run_id>-<n>.parquet   per-document tables (hive partitions)
  <table>.parquet                                             corpus tables, replaced whole
  _manifest.json                                              the committed file list: the commit point
  _http_validators.json                                       ETag / Last-Modified per URL (sources/validators.py)
  .lock                                                       one writer at a time

A run stages its part files under hidden names (pyarrow and pandas skip names starting with '.'),
writes the manifest with os.replace, then renames the staged files (and deletes the files a
re-extraction replaced). Recovery at the next open finishes renames the manifest lists and deletes
staged or committed part files it does not list, so a crash at any point leaves either the
previous run's output or the new run's, never half of one.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from ..memory import release_freed_memory
from ..paths import STORE_MANIFEST
from .schemas import TABLES, TableSpec

MANIFEST = STORE_MANIFEST
READ_THREADS = 8  # files `read` decodes at once


def fault_point(name: str) -> None:
    """Crash-test hook: TRIALWIRE_FAULT=<name> kills the process here, as a power cut would."""
    if os.environ.get("TRIALWIRE_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class StoreLocked(RuntimeError):
    """Another run holds the output folder."""


class CorruptOutput(RuntimeError):
    """A committed Parquet file cannot be read (truncated or damaged by an old crash)."""


def fsync_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def part_files(root: Path) -> list[Path]:
    """Every part file of the per-document tables under `root`: committed (part-*) and staged (.part-*)."""
    return [path for table, spec in TABLES.items() if spec.per_document and (root / table).is_dir()
            for path in (root / table).rglob("*part-*.parquet")]


def remove_unlisted(root: Path, listed: set[str], parts: Iterable[Path]) -> list[str]:
    """Delete the committed part files among `parts` that the manifest (`listed`) does not list: replaced
    by a re-extraction, or in a mirror, written by a run that was never published. Returns them."""
    removed = []
    for path in parts:
        rel = str(path.relative_to(root))
        if not path.name.startswith(".") and rel not in listed:
            path.unlink()
            removed.append(rel)
    return removed


def concat_parts(parts: list[pa.Table], schema: pa.Schema) -> pa.Table:
    """The parts of one table as one; no parts is an empty table of `schema` (not
    `schema.empty_table()`: that imports pandas, 0.3 s, into a process that may never need it)."""
    return pa.concat_tables(parts) if parts else pa.Table.from_batches([], schema=schema)


def conform(spec: TableSpec, rows: list[dict]) -> pa.Table:
    """Rows (dicts) as a table of exactly the declared schema; unknown keys are an error."""
    names = set(spec.schema.names)
    for row in rows[:1]:
        extra = set(row) - names
        if extra:
            raise ValueError(f"{spec.name}: columns not in the schema: {sorted(extra)}")
    return pa.Table.from_pylist(rows, schema=spec.schema)


@dataclass
class Store:
    root: Path
    files: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        self.files = self._load_manifest()

    # ---- manifest -------------------------------------------------------------------------
    def _load_manifest(self) -> dict[str, list[str]]:
        path = self.root / MANIFEST
        if not path.exists():
            return {}
        return json.loads(path.read_text())["files"]

    def _publish(self, files: dict[str, list[str]]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"format": 1, "files": files}, indent=1, sort_keys=True).encode()
        fsync_write(self.root / MANIFEST, body)
        self.files = files

    def recover(self) -> list[str]:
        """Finish or roll back what a crashed run left; returns what it did, for the log."""
        actions = []
        listed = {rel for rels in self.files.values() for rel in rels}
        parts = part_files(self.root)
        for staged in (p for p in parts if p.name.startswith(".")):
            final = staged.with_name(staged.name[1:])
            rel = str(final.relative_to(self.root))
            if rel in listed:
                os.replace(staged, final)
                actions.append(f"completed {rel}")
            else:
                staged.unlink()
                actions.append(f"removed uncommitted {rel}")
        # committed files a re-extraction replaced, left by a crash before their deletion
        actions += [f"removed superseded {rel}" for rel in remove_unlisted(self.root, listed, parts)]
        staging = self.root / ".staging"
        if staging.is_dir():
            for spool in staging.iterdir():
                shutil.rmtree(spool, ignore_errors=True)
                actions.append(f"removed spool {spool.name}")
        for tmp in self.root.glob(".*.tmp"):
            tmp.unlink()
            actions.append(f"removed {tmp.name}")
        return actions

    def set_aside_corrupt(self) -> list[str]:
        """Move damaged committed files (and their batch siblings in other tables) to _corrupt/ and
        drop them from the manifest, so their documents are re-ingested instead of half-read."""
        problems = [p.split(":", 1)[0] for p in self.verify()]
        if not problems:
            return []
        bad_tags = {Path(p).name.removeprefix("part-").removesuffix(".parquet") for p in problems}
        files, moved = {}, []
        for table, rels in self.files.items():
            files[table] = []
            for rel in rels:
                if Path(rel).name.removeprefix("part-").removesuffix(".parquet") in bad_tags:
                    src, dst = self.root / rel, self.root / "_corrupt" / rel
                    if src.exists():
                        dst.parent.mkdir(parents=True, exist_ok=True)
                        os.replace(src, dst)
                    moved.append(rel)
                else:
                    files[table].append(rel)
        self._publish(files)
        return moved

    # ---- locking --------------------------------------------------------------------------
    @contextmanager
    def locked(self, wait_s: float = 0.0) -> Iterator["Store"]:
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    fh.close()
                    raise StoreLocked(f"another trialwire run is writing to {self.root}")
                time.sleep(0.2)
        try:
            self.files = self._load_manifest()
            self.recovered = self.recover()
            self.set_aside = self.set_aside_corrupt()
            yield self
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    # ---- reading --------------------------------------------------------------------------
    def paths(self, table: str) -> list[Path]:
        spec = TABLES[table]
        if not spec.per_document:
            path = self.root / f"{table}.parquet"
            return [path] if path.exists() else []
        return [self._committed(self.root / rel) for rel in self.files.get(table, [])]

    @staticmethod
    def _committed(final: Path) -> Path:
        """A listed file whose rename a crash interrupted is still readable under its staged name."""
        if not final.exists():
            staged = final.with_name("." + final.name)
            if staged.exists():
                return staged
        return final

    def read(self, table: str, columns: list[str] | None = None) -> pa.Table:
        """The committed rows of a table, in its declared schema; a damaged file raises."""
        parts = list(self.read_parts(table, columns, ahead=READ_THREADS))
        return concat_parts(parts, self._schema(table, columns))

    def read_parts(self, table: str, columns: list[str] | None = None, ahead: int = 4) -> Iterator[pa.Table]:
        """The committed rows of a table one file at a time, for a caller that keeps a little of
        each: at most `ahead` files' columns are in memory at once, decoded by threads while the
        caller works on the one before (a table is many small batch files, and Arrow decodes
        without the GIL)."""
        schema = self._schema(table, columns)
        pending: deque = deque()
        with ThreadPoolExecutor(max_workers=max(1, min(ahead, os.cpu_count() or 1))) as pool:
            for path in self.paths(table):
                pending.append(pool.submit(self._read_part, path, columns, schema))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def read_file(self, table: str, path: Path, columns: list[str] | None = None) -> pa.Table:
        """One committed file of `table` (a path from `paths`), in the declared schema."""
        return self._read_part(path, columns, self._schema(table, columns))

    @staticmethod
    def _schema(table: str, columns: list[str] | None) -> pa.Schema:
        spec = TABLES[table]
        return spec.schema if columns is None else pa.schema([spec.schema.field(c) for c in columns])

    @staticmethod
    def _read_part(path: Path, columns: list[str] | None, schema: pa.Schema) -> pa.Table:
        try:
            return pq.read_table(path, columns=columns, schema=schema)
        except (OSError, pa.ArrowInvalid) as exc:
            raise CorruptOutput(f"{path}: {exc}") from exc

    def count_rows(self, table: str) -> int:
        """Committed rows of a table, from the Parquet footers (no column is read)."""
        try:
            return sum(pq.ParquetFile(path).metadata.num_rows for path in self.paths(table))
        except (OSError, pa.ArrowInvalid) as exc:
            raise CorruptOutput(f"{table}: {exc}") from exc

    def verify(self) -> list[str]:
        """Problems with committed files (missing, truncated, wrong schema); empty when healthy."""
        problems = []
        for table in TABLES:
            for path in self.paths(table):
                try:
                    meta = pq.read_metadata(path)
                    got = pq.read_schema(path)
                    if not got.remove_metadata().equals(TABLES[table].schema.remove_metadata()):
                        problems.append(f"{path}: schema differs from the declared one")
                    elif meta.num_rows < 0:
                        problems.append(f"{path}: bad row count")
                except FileNotFoundError:
                    problems.append(f"{path}: listed in the manifest but missing")
                except (OSError, pa.ArrowInvalid) as exc:
                    problems.append(f"{path}: unreadable ({exc})")
        return problems

    # ---- writing --------------------------------------------------------------------------
    def begin(self, run_id: str, ingest_date: date) -> "RunWriter":
        return RunWriter(self, run_id, ingest_date)

    def stage(self, table: str, rows: list[dict], tag: str, ingest_date: date) -> str:
        """Write rows as a hidden part file; returns the path (relative to root) it will have once committed."""
        spec = TABLES[table]
        assert spec.per_document, f"{table} is a corpus table"
        return self.stage_table(table, conform(spec, rows), tag, ingest_date)

    def stage_table(self, table: str, data: pa.Table, tag: str, ingest_date: date) -> str:
        """`stage` for rows that are already a table of the declared schema."""
        folder = self.root / table / f"ingest_date={ingest_date.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        staged = folder / f".part-{tag}.parquet"
        pq.write_table(data, staged)
        with open(staged, "rb") as fh:
            os.fsync(fh.fileno())
        return str(staged.with_name(staged.name[1:]).relative_to(self.root))

    def commit(self, staged: dict[str, list[str]], superseded: Iterable[str] = ()) -> None:
        """Publish staged files: the manifest swap is the commit point, the renames follow.
        `superseded`: committed files the staged ones replace (a re-extraction's old rows); they
        leave the manifest in the same swap and are deleted after the renames (or, after a crash,
        by the next `recover`), so no reader of the manifest sees a document's rows twice."""
        gone = set(superseded)
        files = {k: [rel for rel in v if rel not in gone] for k, v in self.files.items()}
        for table, rels in staged.items():
            files.setdefault(table, []).extend(rels)
        fault_point("before_manifest")
        self._publish(files)
        for i, rel in enumerate(r for rels in staged.values() for r in rels):
            if i == 1:
                fault_point("during_renames")
            final = self.root / rel
            os.replace(final.with_name("." + final.name), final)
        for i, rel in enumerate(sorted(gone)):
            if i == 1:
                fault_point("during_deletes")
            (self.root / rel).unlink(missing_ok=True)

    def write_corpus_table(self, table: str, rows: Iterable[dict] | pa.Table) -> Path:
        """Replace corpus table `table` atomically. Rows (any iterable of dicts) are converted and
        written CORPUS_CHUNK_ROWS at a time, so a table never exists whole as Python rows and as
        Arrow at once: at 10,000 documents the conflicts' evidence is 36 MB of JSON, and writing it
        in one piece raised reconciliation's peak memory by 140 MB. Each written chunk's memory is
        given back (release_freed_memory): glibc kept it instead of reusing it for the next chunk,
        and at 25,000 documents RSS grew by 150 MB over the writing of the conflicts."""
        spec = TABLES[table]
        assert not spec.per_document, f"{table} is a per-document table"
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.root / f"{table}.parquet"
        tmp = self.root / f".{table}.parquet.tmp"
        chunks = [rows] if isinstance(rows, pa.Table) else (conform(spec, chunk) for chunk in chunked(rows))
        try:
            with pq.ParquetWriter(tmp, spec.schema) as writer:
                for data in chunks:
                    writer.write_table(data.cast(spec.schema) if not data.schema.equals(spec.schema) else data)
                    del data
                    release_freed_memory()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
        except BaseException:
            tmp.unlink(missing_ok=True)  # the table as it was stays; no half-written file is left
            raise
        os.replace(tmp, final)
        return final


CORPUS_CHUNK_ROWS = 64


def chunked(rows: Iterable[dict], size: int = CORPUS_CHUNK_ROWS) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class RunWriter:
    """Buffers one run's rows per table and stages bounded part files; `commit` publishes them."""

    def __init__(self, store: Store, run_id: str, ingest_date: date, rows_per_file: int = 50_000):
        self.store, self.run_id, self.ingest_date, self.rows_per_file = store, run_id, ingest_date, rows_per_file
        self.buffers: dict[str, list[dict]] = {}
        self.staged: dict[str, list[str]] = {}
        self.counts: dict[str, int] = {}
        self.parts = 0

    def add(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        self.buffers.setdefault(table, []).extend(rows)
        self.counts[table] = self.counts.get(table, 0) + len(rows)
        if len(self.buffers[table]) >= self.rows_per_file:
            self.flush(table)

    def flush(self, table: str | None = None) -> None:
        for name in [table] if table else list(self.buffers):
            rows = self.buffers.pop(name, [])
            if rows:
                self.parts += 1
                rel = self.store.stage(name, rows, f"{self.run_id}-{self.parts:05d}", self.ingest_date)
                self.staged.setdefault(name, []).append(rel)

    def commit(self) -> None:
        self.flush()
        self.store.commit(self.staged)
        self.staged = {}
