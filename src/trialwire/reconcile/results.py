"""Endpoint results across sources: each figure with its arm (15 mg, high dose, placebo, or not
stated), timepoint and level (whole trial, pooled, subgroup, estimand). Stored endpoint_results
rows are used, and figures read from the text (resultfacts.py) for documents that have none.

Figures attributed to a trial are compared under the trial. A figure whose sentence names no
trial is compared with the drug's trial figures, under the drug, only when the corpus knows a
single trial of the drug. Comparisons run on distinct values, not on pairs of claims.
"""
from __future__ import annotations

import re
from collections import defaultdict

from ..text.literals import anchor_text, may_hold
from .claims import Claim, ConflictRow, claim_values, decimals_of, propose, prov, rounds_to
from .corpus import Corpus, canonical_drug, key
from .identity import TrialIndex
from .readers import Scan, text_result_docs
from .resultfacts import result_rows, rows_in
from .textfacts import body_text

SCOPE_CUES = [
    ("efficacy estimand", re.compile(r"\befficacy estimand", re.I)),
    ("treatment-regimen estimand", re.compile(r"\btreatment[- ]regimen estimand", re.I)),
    ("pooled / averaged across trials", re.compile(
        r"\bpooled\b|\baverage of (?:the )?(?:two|both|three|\d) (?:trials|studies)\b|\baveraged? across\b|"
        r"\bcombined (?:analysis|data|results)\b|\bacross (?:both|the two|two|all) (?:trials|studies)\b", re.I)),
    ("subgroup", re.compile(r"\bsubgroup\b|\bsub-group\b|\bpost[- ]hoc\b|\bin (?:the )?subset\b", re.I)),
]
UNSTATED_LEVEL = "whole trial"  # a figure whose sentence names no analysis
DOSE_IN_ARM = re.compile(r"(\d+(?:\.\d+)?)\s*(mg/kg|mg|mcg|µg|g)\b", re.I)


def _arm_key(arm: str | None, drug: str | None = None) -> str:
    """'300 mg rocatinlimab' -> '300 mg'; 'placebo group' -> 'placebo'; the drug alone -> ''."""
    if not arm:
        return ""
    if re.search(r"placebo", arm, re.I):
        return "placebo"
    m = DOSE_IN_ARM.search(arm)
    if m:
        return f"{float(m.group(1)):g} {m.group(2).lower()}"
    w = re.search(r"\b(high(?:er|est)?|low(?:er|est)?)[- ]dose", arm, re.I)
    if w:
        return "high dose" if w.group(1).lower().startswith("high") else "low dose"
    low = arm.strip().lower()
    if drug and (drug in low or low in ("active", "treatment", "treated")):
        return ""
    return low


def _scope_cue(text: str | None) -> str | None:
    for label, rx in SCOPE_CUES:
        if text and rx.search(text):
            return label
    return None


def _result_inputs(corpus: Corpus, trials: TrialIndex, scans: dict[str, Scan]) -> list[dict]:
    """Stored endpoint_results, plus results read from the text of documents that have none.
    `scans`: the text readers' scans (readers.scan), whose result sentences are used; a text scanned
    without them is read here."""
    rows = [dict(r) for r in corpus.facts["endpoint_results"]]
    from_text = text_result_docs(corpus.docs, (r["doc_id"] for r in rows))
    names_by_doc: dict[str, set[str]] = defaultdict(set)
    for r in corpus.facts["drugs"]:
        names_by_doc[r["doc_id"]].update(n for n in (r.get("drug"), r.get("mention")) if n)
    for doc_id, doc in corpus.docs.items():
        if doc_id not in from_text:
            continue
        drug = corpus.main_drug.get(doc_id)
        others = sorted(n for n in names_by_doc[doc_id] if drug and key(n) != key(drug)
                        and canonical_drug(n, corpus.kb) != drug)
        tnames = sorted({n for t in trials.trials_of_doc(doc_id) for n in t.names if len(n) >= 3})
        scanned = scans.get(doc_id)
        if scanned is None or scanned.results is None:
            rows.extend(result_rows(doc.text, doc_id, drug, others, tnames))
        else:
            rows.extend(rows_in(scanned.results, body_text(doc.text), doc_id, drug, others, tnames))
    return rows


def endpoint_result_claims(corpus: Corpus, trials: TrialIndex, scans: dict[str, Scan]) -> list[Claim]:
    claims = []
    cues: dict[str | None, str | None] = {}  # sentence -> its scope cue: a sentence often gives several figures
    for r in _result_inputs(corpus, trials, scans):
        drug = r.get("drug") or corpus.main_drug.get(r["doc_id"])
        if not r.get("endpoint") or not drug:
            continue
        sentence = r.get("sentence")
        if sentence not in cues:
            cues[sentence] = _scope_cue(sentence)
        level = cues[sentence] or UNSTATED_LEVEL
        ident = trials.lookup(r.get("trial"))
        if ident is None and not r.get("trial"):
            doc_trials = trials.trials_of_doc(r["doc_id"])
            named = _trials_in(r.get("sentence"), doc_trials) if "_named_trials" not in r else []
            if len(named) > 1:
                continue  # figures for several trials in one sentence cannot be told apart
            if named:
                ident = named[0]
            elif not r.get("_named_trials"):
                ident = doc_trials[0] if len(doc_trials) == 1 else None
        for arm, val in ((r.get("arm"), r.get("value")), (r.get("comparator"), r.get("comparator_value"))):
            if val is None:
                continue
            arm_key = _arm_key(arm, drug)
            unit = (r.get("unit") or "").strip()
            shown = f"{val:g}{unit if unit == '%' else (' ' + unit if unit else '')}"
            c = Claim(drug, "endpoint_result", r["endpoint"], f"{abs(val):g}{unit} [{arm_key or 'arm not stated'}]",
                      f"{shown} ({arm_key})" if arm_key else shown, level=level,
                      num=abs(float(val)), decimals=decimals_of(val, r.get("sentence")),
                      qualifier=r.get("qualifier") or "exact", **prov(r))
            c.arm, c.trial, c.week = arm_key, (ident.label if ident else None), r.get("timepoint_weeks")
            c.unit = unit
            claims.append(c)
    return claims


def _trials_in(sentence: str | None, doc_trials: list) -> list:
    if not sentence:
        return []
    low = anchor_text(sentence)
    return [t for t in doc_trials if any(_names(sentence, low, n) for n in t.names if len(n) >= 3)]


def _names(sentence: str, low: str | None, name: str) -> bool:
    """`name` as a whole word in `sentence` (any case); `low`: anchor_text(sentence)."""
    return may_hold(low, name) and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence, re.I) is not None


def _agree(a: Claim, b: Claim) -> bool:
    if "approximate" in (a.qualifier, b.qualifier) and abs(a.num - b.num) <= 1.0:
        return True
    return rounds_to(a, b)


def _distinct(claims: list[Claim]) -> dict[tuple, set[str]]:
    """(arm, value, decimals, qualifier) -> documents: comparisons run on distinct values, not claims."""
    out: dict[tuple, set[str]] = defaultdict(set)
    for c in claims:
        out[(c.arm, c.num, c.decimals, c.qualifier)].add(c.doc_id)
    return out


def _probe(k: tuple) -> Claim:
    return Claim("", "", "", "", "", "", arm=k[0], num=k[1], decimals=k[2], qualifier=k[3])


def read_as_stated(claims: list[Claim]) -> dict[str, str]:
    """doc_id -> the named analysis (an estimand, pooled, a subgroup) that a document's unlabelled
    figures are compared in: the one whose figure for the same arm another document states and this
    one repeats, when there is exactly one such analysis. A page that copies the efficacy
    estimand's 22.5% for 15 mg without naming it is reporting that analysis, so its other 15 mg
    figure contradicts the estimand's instead of standing apart as the whole trial's."""
    # arm -> ((arm, num, decimals, qualifier), level) -> documents
    stated: dict[str, dict[tuple, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in claims:
        if c.level != UNSTATED_LEVEL and c.arm:
            stated[c.arm][((c.arm, c.num, c.decimals, c.qualifier), c.level)].add(c.doc_id)
    if not stated:
        return {}
    levels: dict[str, set[str]] = defaultdict(set)
    for k, docs in _distinct([c for c in claims if c.level == UNSTATED_LEVEL and c.arm in stated]).items():
        probe = _probe(k)
        for (s_key, level), s_docs in stated[k[0]].items():
            if _agree(probe, _probe(s_key)):
                for doc in docs:
                    if s_docs - {doc}:
                        levels[doc].add(level)
    return {doc: next(iter(found)) for doc, found in levels.items() if len(found) == 1}


def _result_conflict(claims: list[Claim], focus: set[int] | None = None,
                     read_as: dict[str, str] | None = None) -> bool:
    """Two documents disagree at the same level: another document gives the same arm and none of
    its figures matches, or a figure with no arm matches no active-arm figure of the other
    documents. `read_as`: the level of each document's unlabelled figures (read_as_stated). Works
    on distinct values per level, so the cost grows with values, not pairs of claims."""
    read_as = read_as or {}

    def level_of(c: Claim) -> str:
        return read_as.get(c.doc_id, c.level) if c.level == UNSTATED_LEVEL else c.level
    by_level: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_level[level_of(c)].append(c)
    focus_keys = None
    if focus is not None:
        focus_keys = {(level_of(c), c.arm, c.num, c.decimals, c.qualifier, c.doc_id) for c in claims if id(c) in focus}
    for level, group in by_level.items():
        values = _distinct(group)
        probes = {k: _probe(k) for k in values}
        arm_docs: dict[str, set[str]] = defaultdict(set)
        for k, docs in values.items():
            arm_docs[k[0]] |= docs
        active = {k: d for k, d in values.items() if k[0] not in ("placebo", "")}
        active_docs = set().union(*active.values()) if active else set()
        for k, docs in values.items():
            agreeing_same = set().union(*(d for j, d in values.items() if j[0] == k[0] and _agree(probes[k], probes[j])))
            agreeing_active = set().union(*(d for j, d in active.items() if _agree(probes[k], probes[j]))) if not k[0] else set()
            for doc in docs:
                if focus_keys is not None and (level, *k, doc) not in focus_keys:
                    continue
                # another document gives this arm, and none of its figures matches
                if (arm_docs[k[0]] - {doc}) - agreeing_same:
                    return True
                if not k[0] and (active_docs - {doc}) and not (agreeing_active - {doc}):
                    return True
    return False


def endpoint_result_rows(corpus: Corpus, trials: TrialIndex, scans: dict[str, Scan]) -> list[ConflictRow]:
    groups: dict[tuple, list[Claim]] = defaultdict(list)
    for c in endpoint_result_claims(corpus, trials, scans):
        groups[(c.subject, key(c.facet), c.unit)].append(c)
    rows = []
    weak = float(corpus.model.setting("aliases", "weak_confidence", 0.5))
    per_drug = trials.trials_per_drug()
    for (drug, _, _), cs in sorted(groups.items()):
        weeks = {c.week for c in cs} - {None}
        only = next(iter(weeks)) if len(weeks) == 1 else None
        by_week: dict[int | None, list[Claim]] = defaultdict(list)
        for c in cs:
            by_week[c.week if c.week is not None else only].append(c)
        for week, wcs in by_week.items():
            wcs = [c for c in wcs if c.confidence >= weak]
            facet = f"{wcs[0].facet} | week {week if week is not None else '?'}" if wcs else ""
            for c in wcs:
                c.facet = facet
            by_trial: dict[str | None, list[Claim]] = defaultdict(list)
            for c in wcs:
                by_trial[c.trial].append(c)
            for trial, tcs in by_trial.items():
                if trial is None:
                    continue
                for c in tcs:
                    c.subject = trial
                row = _result_row(tcs, corpus, None)
                if row:
                    rows.append(row)
            loose = by_trial.get(None, [])
            # a figure no trial is named for is compared with the drug's trial figures only when
            # the corpus knows one trial of the drug: otherwise which trial it belongs to is unknown
            if loose and per_drug.get(drug, 0) <= 1:
                everything = [Claim(**{**c.__dict__, "subject": drug}) for c in wcs]
                focus = {id(c) for c, src in zip(everything, wcs) if src.trial is None}
                row = _result_row(everything, corpus, focus)
                if row:
                    rows.append(row)
    return rows


def _read_as_text(corpus: Corpus, read_as: dict[str, str], shown: int = 3) -> str:
    """Why unlabelled figures were compared in a named analysis, for the first `shown` pages."""
    parts = []
    for doc_id, level in sorted(read_as.items())[:shown]:
        doc = corpus.doc(doc_id)
        parts.append(f"{doc.origin if doc else doc_id} names no analysis but repeats the {level}'s figure")
    more = f" (and {len(read_as) - shown:,} more pages)" if len(read_as) > shown else ""
    return "; ".join(parts) + more + ", so its figures are read as that analysis."


def _result_row(cs: list[Claim], corpus: Corpus, focus: set[int] | None) -> ConflictRow | None:
    if len({c.doc_id for c in cs}) < 2 or len({c.value for c in cs}) < 2:
        return None
    if _result_conflict(cs, focus):
        kind, why = "conflict", "Sources report different results for the same endpoint, timepoint and arm."
    elif (read_as := read_as_stated(cs)) and _result_conflict(cs, focus, read_as):
        kind, why = "conflict", ("Sources report different results for the same endpoint, timepoint and arm "
                                 "in the same analysis: " + _read_as_text(corpus, read_as))
    elif focus is not None:
        return None  # unattributed figures that agree with some trial figure: nothing to report
    else:
        values = list(_distinct(cs).items())
        pairs_disagree = any(ka[0] == kb[0] and len(da | db) > 1 and not _agree(_probe(ka), _probe(kb))
                             for i, (ka, da) in enumerate(values) for kb, db in values[i + 1:])
        if not pairs_disagree:
            return None
        kind, why = "scope", ("The differing figures are for different analyses (" +
                              " vs ".join(sorted({c.level for c in cs})) + "), so they do not contradict each other.")
    values = claim_values(cs, corpus)
    active = [v for v in values if "[placebo]" not in str(v["key"])]
    proposed, how = propose(kind, "endpoint_result", active or values, cs)
    return ConflictRow(cs[0].subject, "endpoint_result", cs[0].facet, kind, values, proposed,
                       f"endpoint_result [{cs[0].facet}]: {why} {how}".strip(), sorted({c.doc_id for c in cs}))
