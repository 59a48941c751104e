"""Dose records from DOSE mentions: one row per (drug, amount, unit, route, frequency) stated,
so an amount given under two regimens ("every four or eight weeks") gives two rows."""
from __future__ import annotations

from dataclasses import replace

from spacy.tokens import Doc

from ..nlp.assertion import assertion_of
from ..nlp.mention import mentions
from .provenance import SentenceIndex
from .records import Dose, Record


def dose_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    rows: dict[tuple, Dose] = {}
    for m in mentions(doc, "DOSE"):
        d = m.data
        keys = [(d.get("drug"), d["amount"], d["unit"], d.get("route"), code, d.get("is_loading"))
                for code in d.get("frequencies") or [None]]
        if all(k in rows for k in keys):
            continue
        prov = index.prov(doc_id, m.start_char, m.end_char, m.component, m.confidence)
        prov = replace(prov, assertion=assertion_of(prov.sentence))
        for key in keys:
            code = key[4]
            if key in rows:
                continue
            rows[key] = Dose(prov,
                             drug=d.get("drug"), amount=float(d["amount"]), unit=d["unit"], route=d.get("route"),
                             frequency=code, is_loading=bool(d.get("is_loading")),
                             schedule_weeks=d.get("schedule_weeks"), trial=d.get("trial"), text=m.text)
    # a bare repeat (no route, no frequency) of a dose stated elsewhere with more detail adds nothing
    detailed = {(r.drug, r.amount, r.unit) for r in rows.values() if r.route or r.frequency}
    return [r for k, r in rows.items()
            if r.route or r.frequency or r.is_loading or (r.drug, r.amount, r.unit) not in detailed]
