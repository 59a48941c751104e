"""Extraction stage: a parsed Doc to typed fact records with provenance."""
from __future__ import annotations

from spacy.tokens import Doc

from ..nlp.mention import mentions
from .conditions import condition_records
from .doses import dose_records
from .drugs import drug_records
from .endpoints import endpoint_records
from .provenance import SentenceIndex
from .records import RECORD_TYPES, MentionRecord, Record
from .trials import trial_records

AREAS = [drug_records, condition_records, trial_records, dose_records, endpoint_records]


def doc_to_records(doc: Doc, doc_id: str) -> list[Record]:
    index = SentenceIndex(doc)
    records: list[Record] = [
        MentionRecord(index.prov(doc_id, m.start_char, m.end_char, m.component, m.confidence),
                      label=m.label, text=m.text, norm=m.norm)
        for m in mentions(doc)]
    for area in AREAS:
        records.extend(area(doc, index, doc_id))
    return records


__all__ = ["doc_to_records", "RECORD_TYPES", "Record"]
