"""Condition (indication) and adverse-event records from `trialwire_conditions` mentions.

Conditions: one row per (document, canonical condition) that the document names in an
indication context at least once, or - when it never names it as a harm - names in its title or in
two or more sentences; never a name only negated ("without diabetes"). Adverse events: one
row per canonical event named in a harms context and not kept as an indication of the same
document (asthma studied as an indication is not an adverse event). Each row is attributed to the
document's main drug, unless the fact's sentence names only other reported drugs: then to the one
named nearest before it.
"""
from __future__ import annotations

from collections import defaultdict

from spacy.tokens import Doc

from ..nlp.mention import Mention, mentions
from .drugs import kept_drugs
from .provenance import SentenceIndex
from .records import AdverseEvent, Condition, Record


def condition_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    by_canon: dict[str, list[Mention]] = defaultdict(list)
    kept = kept_drugs(doc, index)
    drug = max(kept, key=lambda d: (len(kept[d]), -min(m.start_char for m in kept[d]))) if kept else None
    # sentences that name only drugs this document does not report (another product's indication)
    sent_drugs: dict[int, set[str]] = defaultdict(set)
    for m in mentions(doc):
        if m.label in ("DRUG", "DRUG_CANDIDATE"):
            sent_drugs[index.locate(m.start_char)[0]].add(m.norm)
    other_drug_sents = {k for k, ds in sent_drugs.items() if not ds & set(kept)}
    named = sorted((m.start_char, d) for d, ms in kept.items() for m in ms)

    def drug_of(m: Mention) -> str | None:
        """The main drug when the fact's sentence names it or names no drug; otherwise the drug
        that sentence names (the nearest before the fact when there are several)."""
        sent_start, sent_end = index.bounds[index.locate(m.start_char)[0]]
        here = [(s, d) for s, d in named if sent_start <= s < sent_end]
        if not here or drug in {d for _, d in here}:
            return drug
        before = [d for s, d in here if s < m.start_char]
        return (before or [here[0][1]])[-1]

    for m in mentions(doc, "CONDITION") + mentions(doc, "ADVERSE_EVENT"):
        if m.data.get("reportable", True) and m.data.get("sent_index") not in other_drug_sents:
            by_canon[m.norm].append(m)
    out: list[Record] = []
    conditions = set()
    for canon, ms in by_canon.items():
        ms = sorted(ms, key=lambda m: m.start_char)
        live = [m for m in ms if not m.data.get("negated")]
        ind = [m for m in live if m.data.get("context") == "indication"]
        plain = [m for m in live if m.data.get("context") == "mention"]
        from_conditions = [m for m in plain if not m.data.get("adverse_lexicon")]
        in_title = [m for m in from_conditions if m.data.get("sent_index") == 0]
        harm = any(m.data.get("context") == "adverse" for m in live)
        # named as a harm and never as an indication: an adverse event, not a condition
        keep = ind or (not harm and (in_title or len({m.data.get("sent_index") for m in from_conditions}) >= 2))
        if keep:
            first = (ind or in_title or from_conditions)[0]
            conditions.add(canon)
            asserted = [m.data.get("assertion") for m in (ind or in_title or from_conditions)]
            assertion = "expected" if asserted and all(a == "expected" for a in asserted) else None
            out.append(Condition(index.prov(doc_id, first.start_char, first.end_char, first.component,
                                            first.confidence, assertion), condition=canon, mention=first.text,
                                 drug=drug_of(first)))
    for canon, ms in by_canon.items():
        if canon in conditions:
            continue
        adv = [m for m in ms if m.data.get("context") == "adverse" and not m.data.get("negated")]
        if adv:
            first = min(adv, key=lambda m: m.start_char)
            assertion = "hypothetical" if all(m.data.get("assertion") == "hypothetical" for m in adv) else None
            out.append(AdverseEvent(index.prov(doc_id, first.start_char, first.end_char, first.component,
                                               first.confidence, assertion), event=canon, mention=first.text,
                                    drug=drug_of(first)))
    return out
