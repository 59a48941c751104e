"""Records for endpoints from a parsed Doc (first pass: to be filled in)."""
from __future__ import annotations

from spacy.tokens import Doc

from .provenance import SentenceIndex
from .records import Record


def endpoint_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    return []
