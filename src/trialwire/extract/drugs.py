"""Drug and drug-alias records from the mentions `trialwire_drugs` left on a Doc.

One `Drug` row per (document, canonical drug) for interventions and explicit comparators, and
one `DrugAlias` row per other name the document prints for a kept drug (brand, code, suffixed
name, text-asserted name, misspelling), deduplicated by name key (case, spaces, hyphens).

Which drugs are kept: the most-mentioned drug, any drug named in the title or in two or more
sentences, and a drug named once in a sentence that compares it (drugs_roles.tsv "comparator").
A drug named once in passing (market history, another product of the sponsor) is left out.
A drug that every sentence names as a prior or background therapy (drugs_roles.tsv "background")
is left out. Drug-shaped names the KB does not know follow the same rules, with in_kb False and
low confidence.
"""
from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from spacy.tokens import Doc

from ..kb import load_kb, name_key
from ..nlp.drugs import read_tsv, rules_path
from ..nlp.mention import Mention, mentions
from .provenance import SentenceIndex
from .records import Drug, DrugAlias, Record


@lru_cache(maxsize=1)
def role_cues() -> dict[str, re.Pattern]:
    cues: dict[str, list[str]] = defaultdict(list)
    for row in read_tsv(rules_path("rules/drugs_roles.tsv")):
        if len(row) >= 2:
            cues[row[0]].append(row[1])
    return {k: re.compile("|".join(f"(?:{v})" for v in vs), re.I) for k, vs in cues.items()}


def drug_groups(doc: Doc) -> dict[str, list[Mention]]:
    """Canonical drug -> its mentions (KB drugs by canonical name, candidates by lower-case text)."""
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions(doc, "DRUG"):
        groups[m.norm].append(m)  # KB names, and later uses of names the text gave a drug
    for m in mentions(doc, "DRUG_CANDIDATE"):
        groups[m.norm or m.text.lower()].append(m)
    for m in mentions(doc, "ALIAS"):
        if m.norm in groups:
            groups[m.norm].append(m)
    return groups


def kept_drugs(doc: Doc, index: SentenceIndex) -> dict[str, list[Mention]]:
    groups = drug_groups(doc)
    if not groups:
        return {}
    sents = {d: {index.locate(m.start_char)[0] for m in ms} for d, ms in groups.items()}
    kb_groups = [d for d, ms in groups.items() if any(m.label == "DRUG" for m in ms)]
    primary = max(kb_groups or groups,
                  key=lambda d: (len(sents[d]), len(groups[d]), -min(m.start_char for m in groups[d])))
    cues = role_cues()
    kept = {}
    for d, ms in groups.items():
        in_title = 0 in sents[d]
        keep = d == primary or len(sents[d]) >= 2 or in_title
        if not keep and "comparator" in cues:
            keep = any(cues["comparator"].search(index.sentence(i)) for i in sents[d])
        if keep and d != primary and "background" in cues \
                and all(cues["background"].search(index.sentence(i)) for i in sents[d]):
            keep = False  # only ever a prior or background therapy
        if keep:
            kept[d] = ms
    return kept


def drug_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    kb = load_kb()
    out: list[Record] = []
    # "the Wider Use of Statins in Adults and Lovastatin (WUSAL) Study": the bracketed name is the trial's
    trial_names = {name_key(m.text) for m in mentions(doc, "TRIAL_NAME")}
    for drug, ms in kept_drugs(doc, index).items():
        ms = sorted(ms, key=lambda m: m.start_char)
        first = next((m for m in ms if m.label == "DRUG"), ms[0])
        in_kb = any(m.label == "DRUG" for m in ms)
        kb_id = next((m.data.get("kb_id") for m in ms if m.data.get("kb_id")), None)
        entry = kb.entries.get(kb_id) if kb_id else None
        conf = max(m.confidence for m in ms)
        out.append(Drug(index.prov(doc_id, first.start_char, first.end_char, first.component, conf),
                        drug=drug, mention=first.text, in_kb=in_kb, kb_id=kb_id))
        seen = {name_key(drug)}
        for m in ms:
            key = name_key(m.text)
            if key in seen or m.label == "DRUG_CANDIDATE":
                continue
            seen.add(key)
            if (m.label == "ALIAS" or m.data.get("via_alias")) and key in trial_names:
                continue
            if m.label == "ALIAS" or m.data.get("via_alias"):
                out.append(DrugAlias(index.prov(doc_id, m.start_char, m.end_char, m.component, m.confidence),
                                     drug=drug, alias=m.text, alias_type=m.data.get("alias_type", "unknown"),
                                     in_kb=False, asserted_by=m.data.get("asserted_by", "text")))
            else:
                atype = m.data.get("alias_type") or (entry.alias_type(m.text) if entry else None) or "synonym"
                out.append(DrugAlias(index.prov(doc_id, m.start_char, m.end_char, m.component, m.confidence),
                                     drug=drug, alias=m.text, alias_type=atype, in_kb=True, asserted_by="kb"))
    return out
