"""Endpoint records (one row per endpoint and timepoint in a document) and endpoint results."""
from __future__ import annotations

from spacy.tokens import Doc

from ..nlp.mention import mentions
from .provenance import SentenceIndex
from .records import Endpoint, EndpointResult, Record

ROLE_RANK = {"co-primary": 0, "primary": 1, "key secondary": 2, "secondary": 3, "safety": 4, None: 9}


def result_drug(drug_mentions: list, index: SentenceIndex, start: int, main: str | None) -> str | None:
    """The drug a result figure at `start` is for: the page's `main` drug when its sentence names
    it or names no drug; otherwise a drug the sentence does name, the last before the figure, else
    the first after it ("Compare that to semaglutide, which averaged 14.9%" is semaglutide's
    figure on a tirzepatide page). `drug_mentions`: in text order."""
    lo, hi = index.bounds[index.locate(start)[0]]
    named = [m for m in drug_mentions if lo <= m.start_char < hi]
    if not named or any(m.norm == main for m in named):
        return main
    before = [m for m in named if m.start_char < start]
    return (before[-1] if before else named[0]).norm


def endpoint_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    named = [m for m in mentions(doc) if m.label == "DRUG" and m.norm]
    drug_mentions = sorted(named, key=lambda m: m.start_char)
    drugs = [m.norm for m in named]
    # most mentioned; a tie goes to the first mentioned (a set's order changes with the hash seed)
    top_drug = max(dict.fromkeys(drugs), key=drugs.count) if drugs else None
    rows: dict[tuple, dict] = {}
    for m in mentions(doc, "ENDPOINT"):
        d = m.data
        for week in d.get("timepoints") or [None]:
            key = (m.norm, week)
            cur = rows.get(key)
            if cur is None:
                rows[key] = {"m": m, "role": d.get("role"), "trial": d.get("trial"), "assertion": d.get("assertion")}
            else:
                if ROLE_RANK.get(d.get("role"), 9) < ROLE_RANK.get(cur["role"], 9):
                    cur["role"] = d.get("role")
                cur["trial"] = cur["trial"] or d.get("trial")
                if d.get("assertion") in ("met", "not_met") and cur["assertion"] not in ("met", "not_met"):
                    cur["assertion"] = d.get("assertion")
    timed = {name for name, week in rows if week is not None}
    out: list[Record] = []
    for (name, week), r in rows.items():
        if week is None and name in timed:
            continue  # the timed rows already carry this endpoint
        m = r["m"]
        out.append(Endpoint(index.prov(doc_id, m.start_char, m.end_char, m.component, m.confidence, r["assertion"]),
                            endpoint=name, timepoint_weeks=week, role=r["role"], trial=r["trial"], drug=top_drug))
    for m in mentions(doc, "RESULT"):
        d = m.data
        out.append(EndpointResult(index.prov(doc_id, m.start_char, m.end_char, m.component, m.confidence),
                                  endpoint=d.get("endpoint"), arm=d.get("arm"), value=d.get("value"), unit=d.get("unit"),
                                  comparator=d.get("comparator"), comparator_value=d.get("comparator_value"),
                                  p_value=d.get("p_value"), timepoint_weeks=d.get("timepoint_weeks"),
                                  drug=result_drug(drug_mentions, index, m.start_char, top_drug)))
    return out
