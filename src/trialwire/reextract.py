"""Re-extraction: documents stored by another pipeline_version parsed again from their stored
text, their old rows replaced in the same commit that adds the new ones.

The stored text is the cleaned text (its hash is the doc_id), so everything after cleaning runs
again: kind, language and credibility (from the text and its metadata), the NLP pipeline and
extraction. A change to decoding, HTML extraction or cleaning reaches a document only when its
source is read again (a changed text is a new document version). A document keeps its doc_id,
version, previous_doc_id, ingested_at and ingest_date partition; its rows get the run's run_id
and the current pipeline_version.

What another pipeline_version quarantined is read again too, when its source still offers it
(ingest.KnownDocuments `retry`): it becomes a document, or is quarantined again under the current
version; either way its old quarantine row goes in the same commit (supersede_quarantine).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import pyarrow as pa
import pyarrow.compute as pc

from .ingest import Discovery, write_spool
from .store import TABLES, Store
from .text import Document
from .text.classify import classify_kind
from .text.document import assess
from .text.meta import detect_language

# Tables whose rows belong to one document and so are replaced with it (not runs or quarantine).
REPLACED_TABLES = tuple(name for name, spec in TABLES.items()
                        if spec.per_document and "doc_id" in spec.schema.names)
DOCUMENT_COLUMNS = ["doc_id", "source", "raw_sha256", "text", "kind", "url", "title", "published", "byline",
                    "site", "encoding", "version", "previous_doc_id", "ingested_at", "pipeline_version"]


def partition_date(rel: str) -> date:
    """The ingest_date of a part file's hive partition folder."""
    for folder in Path(rel).parts:
        if folder.startswith("ingest_date="):
            return date.fromisoformat(folder.removeprefix("ingest_date="))
    raise ValueError(f"{rel}: not in an ingest_date= partition")


def document_from_row(row: dict) -> Document:
    """The Document a stored row came from, with what is derived from its text derived again."""
    doc = Document(doc_id=row["doc_id"], source=row["source"], raw_sha256=row["raw_sha256"], text=row["text"],
                   kind=row["kind"], url=row["url"], title=row["title"], published=row["published"],
                   byline=row["byline"], site=row["site"], lang=detect_language(row["text"]),
                   encoding=row["encoding"], fetched_at=row["ingested_at"])
    return assess(replace(doc, kind=classify_kind(doc.text, doc.title)))


def iter_stale_spools(store: Store, found: Discovery, version: str, batch_docs: int,
                      progress: Callable[[int], None] | None = None) -> Iterator[str]:
    """Spool every stored document whose rows another pipeline_version wrote, in batches of one
    ingest_date each (`found.spool_dates`), one documents file at a time; then work out which
    committed files the new rows replace (`found.superseded`, and `found.staged` for the rows of
    other documents that shared a file with a stale one)."""
    stale: set[str] = set()
    batch: list[tuple[Document, int, str | None]] = []
    batch_date: date | None = None

    def flush() -> str:
        path = write_spool(store, found, batch)
        found.spool_dates[path] = batch_date
        found.reextracted += len(batch)
        batch.clear()
        return path

    for rel, path in zip(store.files.get("documents", []), store.paths("documents")):
        part = store.read_file("documents", path, DOCUMENT_COLUMNS)
        part = part.filter(pc.not_equal(part["pipeline_version"], version))
        day = partition_date(rel)
        for row in part.to_pylist():
            if batch and (len(batch) >= batch_docs or day != batch_date):
                yield flush()
            batch_date = day
            batch.append((document_from_row(row), row["version"], row["previous_doc_id"]))
            stale.add(row["doc_id"])
            if progress:
                progress(1)
    if batch:
        yield flush()
    if stale:
        supersede(store, found, stale)


def supersede(store: Store, found: Discovery, stale: set[str]) -> None:
    """Every committed file holding a row of a `stale` document is replaced at the commit."""
    value_set = pa.array(sorted(stale), pa.string())
    for table in REPLACED_TABLES:
        _replace_files(store, found, table, lambda path: pc.is_in(
            store.read_file(table, path, ["doc_id"])["doc_id"], value_set=value_set))


def supersede_quarantine(store: Store, found: Discovery) -> None:
    """The quarantine rows of the items read again this run (`found.retried`) are replaced at the commit."""
    value_set = pa.array([f"{h}\0{s}" for h, s in sorted(found.retried)], pa.string())

    def retried(path: Path) -> pa.ChunkedArray:
        rows = store.read_file("quarantine", path, ["raw_sha256", "source"])
        return pc.is_in(pc.binary_join_element_wise(rows["raw_sha256"], rows["source"], "\0"), value_set=value_set)

    _replace_files(store, found, "quarantine", retried)


def _replace_files(store: Store, found: Discovery, table: str, hit_of: Callable[[Path], pa.ChunkedArray]) -> None:
    """Each committed file of `table` with a row `hit_of` marks leaves the manifest at the commit
    (`found.superseded`); its unmarked rows are staged again, so nothing but the marked rows goes."""
    for rel, path in zip(store.files.get(table, []), store.paths(table)):
        hit = hit_of(path)
        if not pc.any(hit).as_py():
            continue
        found.superseded.append(rel)
        if pc.all(hit).as_py():
            continue
        rest = store.read_file(table, path).filter(pc.invert(hit))
        tag = f"{found.run_id}-k{len(found.superseded):05d}"
        found.staged.setdefault(table, []).append(store.stage_table(table, rest, tag, partition_date(rel)))
