"""Endpoint records (one row per endpoint and timepoint in a document) and endpoint results."""
from __future__ import annotations

from spacy.tokens import Doc

from ..nlp.mention import mentions
from .provenance import SentenceIndex
from .records import Endpoint, EndpointResult, Record

ROLE_RANK = {"co-primary": 0, "primary": 1, "key secondary": 2, "secondary": 3, "safety": 4, None: 9}


def endpoint_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    drugs = [m.norm for m in mentions(doc) if m.label == "DRUG" and m.norm]
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
                                  p_value=d.get("p_value"), timepoint_weeks=d.get("timepoint_weeks"), drug=top_drug))
    return out
