"""Claims and conflict rows: what every comparison in conflicts.py and results.py works on, and
the credibility weighting that proposes a value for a row."""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..qualifiers import schema_qualifier
from .corpus import Corpus, SourceDoc, key

UNNAMED = "trials (unnamed)"
PHASE = re.compile(r"(?:phase\s*)?([1-4]|i{1,3}v?|iv)\s*([ab])?(?:\s*/\s*([1-4]|i{1,3}))?", re.I)
ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}


@dataclass
class Claim:
    subject: str
    attribute: str
    facet: str
    value: str  # comparison key
    display: str
    doc_id: str
    quote: str | None = None
    start: int | None = None
    end: int | None = None
    confidence: float = 1.0
    level: str | None = None
    num: float | None = None
    qualifier: str | None = None
    decimals: int = 0
    context: frozenset = frozenset()  # trials the statement is about (doses: the page's trials)
    arm: str = ""  # endpoint results: '15 mg', 'placebo', 'high dose' or '' (not stated)
    trial: str | None = None
    week: int | None = None
    unit: str = ""


@dataclass
class ConflictRow:
    subject: str
    attribute: str
    facet: str
    kind: str
    values: list[dict]
    proposed_value: str | None
    resolution: str
    doc_ids: list[str]
    conflict_id: str = ""
    decision: str | None = None
    extra: dict = field(default_factory=dict)

    def to_row(self) -> dict:
        return {"conflict_id": self.conflict_id, "subject": self.subject, "attribute": self.attribute,
                "facet": self.facet or None, "kind": self.kind, "values_json": json.dumps(self.values, ensure_ascii=False, default=str),
                "proposed_value": self.proposed_value, "resolution": self.resolution,
                "doc_ids": self.doc_ids, "decision": self.decision}


def conflict_id(subject: str, attribute: str, facet: str, values: list[str]) -> str:
    raw = "|".join([key(subject), attribute, facet, *sorted(values)])
    return "c-" + hashlib.sha1(raw.encode()).hexdigest()[:10]


def prov(r: dict) -> dict:
    return {"doc_id": r["doc_id"], "quote": r.get("sentence"), "start": r.get("start_char"),
            "end": r.get("end_char"), "confidence": 1.0 if r.get("confidence") is None else r["confidence"]}


def norm_qualifier(q: str | None) -> str:
    """The schema's qualifier, also for rows written before extraction normalised it."""
    return schema_qualifier(q) or "exact"


def fmt_count(n: float, qualifier: str | None) -> str:
    s = f"{int(n):,}" if float(n).is_integer() else f"{n:g}"
    return {"approximate": f"about {s}", "lower_bound": f"more than {s}"}.get(qualifier or "", s)


def decimals_of(x: float, quote: str | None) -> int:
    if quote:
        for m in re.finditer(r"\d+(?:\.(\d+))?", quote):
            try:
                if abs(float(m.group(0)) - abs(x)) < 1e-9:
                    return len(m.group(1) or "")
            except ValueError:
                continue
    s = f"{abs(x):g}"
    return len(s.split(".")[1]) if "." in s else 0


def norm_phase(p: str | None) -> str | None:
    if not p:
        return None
    m = PHASE.fullmatch(str(p).strip())
    if not m:
        return str(p).strip().lower()
    a = ROMAN.get(m.group(1).lower(), m.group(1))
    b = ROMAN.get((m.group(3) or "").lower(), m.group(3) or "")
    return f"{a}{(m.group(2) or '').lower()}" + (f"/{b}" if b else "")


def source_weight(doc: SourceDoc | None, confidence: float, weak_factor: float, weak: float) -> float:
    if doc is None:
        return 0.0
    return doc.credibility * (weak_factor if confidence < weak else 1.0)


def claim_values(claims: list[Claim], corpus: Corpus) -> list[dict]:
    model = corpus.model
    weak_factor = float(model.setting("conflicts", "weak_factor", 0.5))
    weak = float(model.setting("aliases", "weak_confidence", 0.5))
    recency = float(model.setting("conflicts", "recency_weight", 0.1))
    oldest = corpus.oldest_published  # once per corpus: per call, it made this quadratic in documents
    by_value: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_value[c.value].append(c)
    values = []
    for value, cs in by_value.items():
        best: dict[str, float] = {}
        for c in cs:
            doc = corpus.doc(c.doc_id)
            origin = doc.origin if doc else c.doc_id
            best[origin] = max(best.get(origin, 0.0), source_weight(doc, c.confidence, weak_factor, weak))
        docs = [corpus.doc(c.doc_id) for c in cs]
        pubs = [d.published for d in docs if d and d.published]
        newest = max(pubs) if pubs else None
        bonus = recency * ((newest - oldest).days / 365.0) if newest and oldest else 0.0
        displays = list(dict.fromkeys(c.display for c in cs))
        values.append({
            "value": displays[0] if len(displays) == 1 else value, "key": value,
            "shown_as": displays, "doc_ids": list(dict.fromkeys(c.doc_id for c in cs)),
            "sources": [{"doc_id": c.doc_id, "quote": c.quote, "start_char": c.start, "end_char": c.end,
                         "level": c.level, "confidence": c.confidence,
                         "credibility": corpus.doc(c.doc_id).credibility if corpus.doc(c.doc_id) else None,
                         "source_type": corpus.doc(c.doc_id).source_type if corpus.doc(c.doc_id) else None,
                         "published": str(corpus.doc(c.doc_id).published) if corpus.doc(c.doc_id) and corpus.doc(c.doc_id).published else None,
                         "link": corpus.doc(c.doc_id).link if corpus.doc(c.doc_id) else None}
                        for c in cs],
            "credibility": round(max((d.credibility for d in docs if d), default=0.0), 3),
            "published": str(newest) if newest else None,
            "weight": round(sum(best.values()) + bonus, 3), "independent_sources": len(best),
            "levels": sorted({c.level for c in cs if c.level}),
        })
    values.sort(key=lambda v: (-v["weight"], v["key"]))
    return values


def support_text(values: list[dict], value: str) -> str:
    v = next((x for x in values if x["key"] == value or x["value"] == value), None)
    if v is None:
        return ""
    return (f"{v['independent_sources']} independent source{'s' if v['independent_sources'] != 1 else ''}, "
            f"best credibility {v['credibility']:.2f}, weight {v['weight']:.2f}")


def rounds_to(a: Claim, b: Claim) -> bool:
    d = min(a.decimals, b.decimals)
    return round(a.num, d) == round(b.num, d) or abs(a.num - b.num) <= 0.5 * 10 ** (-d) + 1e-9


def propose(kind: str, attr: str, values: list[dict], claims: list[Claim]) -> tuple[str | None, str]:
    if not values:
        return None, ""
    if kind == "update":
        newest = max(values, key=lambda v: (v["published"] or "", v["weight"]))
        return newest["value"], f"Proposed the newest value ({newest['published']})."
    if kind == "rounding":
        exact = [v for v in values if not str(v["value"]).startswith(("about", "more than"))]
        pick = max(exact or values, key=lambda v: (len(str(v["key"])), v["weight"]))
        return pick["value"], "Proposed the most precise value."
    if kind == "scope":
        return None, "No single value: each holds at its own scope."
    top = values[0]
    runner = values[1] if len(values) > 1 else None
    if runner is not None and runner["weight"] >= top["weight"]:
        # an order of values that weigh the same would be alphabetical: not a reason to offer
        tied = [v for v in values if v["weight"] >= top["weight"]]
        return None, ("No value proposed: " + " and ".join(f"{v['value']} ({support_text(values, v['key'])})" for v in tied)
                      + " weigh the same; an analyst's decision settles it.")
    margin = f" over {runner['value']} ({support_text(values, runner['key'])})" if runner else ""
    return top["value"], f"Proposed {top['value']} by credibility weighting ({support_text(values, top['key'])}){margin}."
