"""Alias verdicts: every (drug, alias) the documents assert gets a status, a reason code, a
sentence an analyst can read, its sources and the similarity to the nearest known name.

Order of rules (first that applies):
  in_kb                 the knowledge base (FDA UNII / DrugBank names) lists it for the drug, or
                        for a salt or ester form of it (Adriamycin: doxorubicin hydrochloride) -> confirmed
  salt_form             the drug's own name with salt, ester or hydrate words (sodium hyaluronate)
                                                                                            -> confirmed
  near_miss_spelling    not in the knowledge base and within `near_miss_similarity` of a known
                        name (rocantinlimab ~ rocatinlimab)                               -> unverified
  authoritative_source  a registry, journal, regulator or company source asserts it       -> confirmed
  independent_sources   two or more independent sites (different hosts), none authoritative,
                        each above `min_corroborating_credibility`                         -> corroborated
  low_credibility_only  every source is AI-written / unreviewed / below that credibility  -> unverified
  single_source         one ordinary source                                                 -> unverified
Facts with extraction confidence below `weak_confidence` are weak: listed, but they neither
confirm nor corroborate.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from ..kb import salt_words, without_salt
from .corpus import Corpus, key

US_SUFFIXED = re.compile(r"^[a-z]+-[a-z]{4}$")
LOW_TYPES = {"qa_ai"}
LOW_SIGNALS = {"ai_generated", "pending_review"}
_FAR = dt.date.max


@dataclass
class AliasVerdict:
    drug: str
    alias: str
    status: str
    reason_code: str
    reason: str
    doc_ids: list[str]
    source_types: list[str]
    best_credibility: float | None
    nearest_known: str | None
    similarity: float | None
    decision: str | None = None
    quotes: list[dict] = field(default_factory=list)

    def to_row(self) -> dict:
        return {k: getattr(self, k) for k in (
            "drug", "alias", "status", "reason_code", "reason", "doc_ids", "source_types",
            "best_credibility", "nearest_known", "similarity", "decision")}


def nearest_known(alias: str, names: list[str]) -> tuple[str | None, float | None]:
    best, score = None, None
    ak = key(alias)
    for n in names:
        s = fuzz.ratio(ak, key(n))
        if score is None or s > score:
            best, score = n, s
    return best, (round(float(score), 1) if score is not None else None)


def _describe(docs) -> str:
    parts = []
    for d in docs[:4]:
        sig = f", {'/'.join(s for s in d.signals if s in LOW_SIGNALS)}" if set(d.signals) & LOW_SIGNALS else ""
        parts.append(f"{d.origin} ({d.source_type}{sig}, credibility {d.credibility:.2f})")
    more = f" and {len(docs) - 4} more" if len(docs) > 4 else ""
    return "; ".join(parts) + more


def salt_named(alias: str, drug: str, salts: frozenset[str]) -> bool:
    """"sodium hyaluronate" or "chloral hydrate" for hyaluronate or chloral: the drug's own words
    with salt, ester or hydrate words before or after them."""
    words, drug_words = alias.lower().split(), drug.lower().split()
    rest = [w for w in words if w not in salts]
    return len(rest) < len(words) and rest == drug_words


def verdicts(corpus: Corpus) -> list[AliasVerdict]:
    model, kb = corpus.model, corpus.kb
    near = float(model.setting("aliases", "near_miss_similarity", 80))
    min_cred = float(model.setting("aliases", "min_corroborating_credibility", 0.3))
    weak = float(model.setting("aliases", "weak_confidence", 0.5))
    salts = salt_words()
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in corpus.facts["drug_aliases"]:
        if r.get("drug") and r.get("alias") and key(r["alias"]) != key(r["drug"]):
            groups[(r["drug"], key(r["alias"]))].append(r)
    out = []
    for (drug, _), rows in sorted(groups.items()):
        rows.sort(key=lambda r: ((corpus.doc(r["doc_id"]).published or _FAR), r["doc_id"], r.get("start_char") or 0))
        alias = max({r["alias"] for r in rows}, key=lambda a: (sum(r["alias"] == a for r in rows), a != a.upper()))
        doc_ids = list(dict.fromkeys(r["doc_id"] for r in rows))
        docs = [corpus.doc(d) for d in doc_ids]
        strong_docs = [corpus.doc(d) for d in dict.fromkeys(
            r["doc_id"] for r in rows if (r.get("confidence") if r.get("confidence") is not None else 1.0) >= weak)]
        entry = kb.by_canonical(drug) or kb.resolve(drug)
        known = kb.known_names(entry.canonical_name) if entry else [drug]
        other_known = [n for n in known if key(n) != key(alias)] or known
        nk, sim = nearest_known(alias, other_known)
        # listed exactly among the concept's names (a resolver's suffix rule alone is not a listing:
        # "glucagon-like" is not a suffixed name of glucagon)
        in_kb = bool(entry) and key(alias) in {key(n) for n in known}
        # a name the KB lists for a salt form of the drug ("Adriamycin" under doxorubicin hydrochloride,
        # "imatinib mesylate" itself) names the same substance
        salt_form = None if in_kb or not entry else kb.resolve(alias)
        if salt_form and (salt_form.concept_id == entry.concept_id
                          or key(without_salt(salt_form.canonical_name, salts)) != key(drug)):
            salt_form = None
        kind = entry.alias_type(alias) if entry else None
        authoritative = [d for d in strong_docs if model.is_authoritative(d.source_type)
                         and not set(d.signals) & LOW_SIGNALS]
        credible = [d for d in strong_docs if d.credibility >= min_cred and d.source_type not in LOW_TYPES
                    and not set(d.signals) & LOW_SIGNALS]
        origins = {d.origin for d in credible}
        suffixed = bool(US_SUFFIXED.match(alias.lower())) and key(alias).startswith(key(drug))
        if in_kb:
            nk, sim = next((n for n in known if key(n) == key(alias)), alias), 100.0
            status, code = "confirmed", "in_kb"
            reason = (f"'{alias}' is listed for {drug} in the FDA UNII / DrugBank names"
                      f"{f' as a {kind} name' if kind and kind != 'official' else ''}; used by {_describe(docs)}.")
        elif salt_form:
            nk, sim = alias, 100.0
            status, code = "confirmed", "in_kb"
            reason = (f"'{alias}' is listed in the FDA UNII / DrugBank names for {salt_form.canonical_name}, "
                      f"a salt or ester form of {drug}; used by {_describe(docs)}.")
        elif salt_named(alias, drug, salts):
            nk, sim = drug, 100.0
            status, code = "confirmed", "salt_form"
            reason = (f"'{alias}' is {drug} named with a salt, ester or hydrate word, the same active substance; "
                      f"used by {_describe(docs)}.")
        elif sim is not None and sim >= near and not suffixed and sim < 100:
            status, code = "unverified", "near_miss_spelling"
            reason = (f"'{alias}' is not a known name of {drug} but is a near-miss spelling of '{nk}' "
                      f"(similarity {sim:.0f}/100), likely a typo or transcription error; used by {_describe(docs)}.")
        elif authoritative:
            status, code = "confirmed", "authoritative_source"
            reason = (f"'{alias}' is asserted by an authoritative source: {_describe(authoritative)}; "
                      f"not in the knowledge base (nearest known name '{nk}', similarity {sim:.0f}).")
        elif len(origins) >= 2:
            status, code = "corroborated", "independent_sources"
            reason = (f"'{alias}' is used by {len(origins)} independent sites, none authoritative: "
                      f"{_describe(credible)}; not in the knowledge base.")
        elif not credible:
            status, code = "unverified", "low_credibility_only"
            reason = (f"'{alias}' appears only in low-credibility or generated sources: {_describe(docs)}; "
                      f"not in the FDA UNII / DrugBank names of {drug} (nearest known name '{nk}', "
                      f"similarity {sim:.0f}/100).")
        else:
            status, code = "unverified", "single_source"
            reason = (f"'{alias}' is used by one non-authoritative site only: {_describe(credible)}; "
                      f"not in the knowledge base (nearest known name '{nk}', similarity {sim:.0f}/100).")
        quotes = [{"doc_id": r["doc_id"], "quote": r.get("sentence"), "start_char": r.get("start_char"),
                   "end_char": r.get("end_char")} for r in rows]
        out.append(AliasVerdict(drug, alias, status, code, reason, doc_ids,
                                sorted({d.source_type for d in docs}),
                                max(d.credibility for d in docs) if docs else None, nk, sim, quotes=quotes))
    return out
