"""Provenance for a character span of a parsed Doc."""
from __future__ import annotations

from bisect import bisect_right

from spacy.tokens import Doc

from ..nlp.numbers import doc_text, span_bounds
from .records import Provenance


class SentenceIndex:
    """Maps character offsets to sentence index and text in O(log n)."""

    def __init__(self, doc: Doc):
        self.text = doc_text(doc)  # Doc.text and Span.text rebuild their string on every access
        self.bounds = span_bounds(doc) or [(0, len(self.text))]  # an empty doc: one empty sentence, as doc[:] was
        self.starts = [b[0] for b in self.bounds]
        self._texts: dict[int, str] = {}

    def locate(self, start_char: int) -> tuple[int, str]:
        i = max(0, bisect_right(self.starts, start_char) - 1)
        return i, self.sentence(i)

    def sentence(self, i: int) -> str:
        if i not in self._texts:
            start, end = self.bounds[i]
            self._texts[i] = self.text[start:end]
        return self._texts[i]

    def prov(self, doc_id: str, start: int | None, end: int | None, component: str,
             confidence: float = 1.0, assertion: str | None = None) -> Provenance:
        if start is None:
            return Provenance(doc_id, None, None, None, None, component, confidence, assertion)
        i, sent = self.locate(start)
        return Provenance(doc_id, start, end, i, sent, component, confidence, assertion)
