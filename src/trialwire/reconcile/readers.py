"""Processes that read the stored texts for reconciliation while the flow process does the rest:
reading every text is most of reconciliation's time, and each document is independent.

Reading happens in two rounds. `scan` needs nothing but the texts, so it starts as soon as the
documents are loaded and runs while the flow process loads the facts and builds the trial index:
it splits each text into sentences and keeps the few that may hold a text claim or a result
figure (about one in ten). `read` then needs the names of each document's trials and reads the
text claims (textfacts.claims_in) of the kept sentences only; the flow process reads the result
figures (resultfacts.rows_in) of the kept result sentences itself.

`TextReaders` is opened when reconciliation starts, before the corpus is loaded, so that starting
the processes (a fresh interpreter importing this package) overlaps the loading; measured on
2 cores at 1,000 documents, 0.1 to 0.15 s less than starting them when the texts are ready
(both processes compete with the loading for the cores).
Small corpora are read in this process (200 documents: 0.1 s faster than in parallel).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Callable, Iterable, TypeVar

from .resultfacts import ResultSentence, result_sentence
from .textfacts import GatedSentence, TextClaim, body_text, claims_in, gated, sentences

PARALLEL_FROM_DOCS = 500  # measured on 2 cores: 200 docs 0.1 s slower in parallel, 1,000 docs 0.4 s faster

Items = list[tuple[list[GatedSentence], list[str]]]  # (a text's claim sentences, names of the document's trials)
T = TypeVar("T")


@dataclass(frozen=True)
class Scan:
    """The sentences of one text that may hold a claim: text claims, and result figures when asked
    for (None otherwise)."""
    claims: list[GatedSentence]
    results: list[ResultSentence] | None


def scan(text: str, results: bool) -> Scan:
    kept: list[GatedSentence] = []
    found: list[ResultSentence] = []
    for s in sentences(body_text(text)):
        if g := gated(s):
            kept.append(g)
        if results and (r := result_sentence(s)):
            found.append(r)
    return Scan(kept, found if results else None)


def text_result_docs(doc_ids: Iterable[str], stated: Iterable[str]) -> set[str]:
    """The documents whose result figures are read from their text: those of `doc_ids` with no
    stored endpoint_results rows (`stated`: the doc_id of each stored row)."""
    return set(doc_ids) - set(stated)


class TextReaders:
    def __init__(self, expected_docs: int, cores: int | None = None) -> None:
        self.cores = min(cores or os.cpu_count() or 1, 8)
        self.pool: ProcessPoolExecutor | None = None
        self._scanned: Callable[[], list[Scan]] | None = None
        self._scan_ids: list[str] = []
        self._scans: dict[str, Scan] | None = None
        if expected_docs >= PARALLEL_FROM_DOCS and self.cores >= 2:
            # spawn, not fork: the flow process has threads, and forked children would count its pages again
            self.pool = ProcessPoolExecutor(max_workers=self.cores, mp_context=multiprocessing.get_context("spawn"))
            for _ in range(self.cores):  # each submit starts a process (none is idle yet): all import now
                self.pool.submit(_ready)

    @property
    def scanning(self) -> bool:
        return self._scanned is not None

    def scan(self, texts: dict[str, str], with_results: Iterable[str]) -> None:
        """Starts scanning each text (doc_id -> text); result sentences only for `with_results`."""
        wanted = set(with_results)
        self._scan_ids, self._scans = list(texts), None
        self._scanned = self._map(_scan, [(text, doc_id in wanted) for doc_id, text in texts.items()])

    def scan_documents(self, docs: dict, stated: Iterable[str]) -> None:
        """scan() of each document's text (doc_id -> a document with `.text`), with result sentences
        for those without stored endpoint_results (`stated`: the doc_id of each stored row)."""
        self.scan({doc_id: doc.text for doc_id, doc in docs.items()}, text_result_docs(docs, stated))

    def scans(self) -> dict[str, Scan]:
        """doc_id -> Scan of every text given to `scan` (waits for them)."""
        if self._scanned is None:
            raise RuntimeError("TextReaders.scan() was not called")
        if self._scans is None:
            self._scans = dict(zip(self._scan_ids, self._scanned()))
        return self._scans

    def read(self, items: Items) -> Callable[[], list[list[TextClaim]]]:
        """Starts reading; returns a function that returns claims_in of each item, in order."""
        return self._map(_claims_in, items)

    def _map(self, fn: Callable[[tuple], T], items: list[tuple]) -> Callable[[], list[T]]:
        if self.pool is None:
            return lambda: [fn(item) for item in items]
        pending = self.pool.map(fn, items, chunksize=max(1, len(items) // (self.cores * 8)))
        return lambda: list(pending)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None

    def __enter__(self) -> "TextReaders":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _ready() -> None:
    """Runs first in each process: by then it has imported what reading needs."""


def _scan(item: tuple[str, bool]) -> Scan:
    return scan(*item)


def _claims_in(item: tuple[list[GatedSentence], list[str]]) -> list[TextClaim]:
    return claims_in(*item)
