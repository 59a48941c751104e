"""Cross-source conflicts: every fact becomes a `Claim` keyed by (subject, attribute, facet); claims
are grouped by that key (a dictionary, so O(n log n) overall) and each group whose documents
disagree becomes one row, classified as

  conflict  sources disagree about the same fact at the same scope
  rounding  the values agree once the more precise one is rounded (42% vs 42.3%; about 2,500 vs 2,539)
  scope     the values describe different things: trial vs program, subgroup or pooled vs whole
            trial, different estimands, one source listing fewer regimens than another
  update    a time-varying fact (an expected date) that a newer source supersedes

A disagreement inside one document only is not a cross-source conflict. Each row proposes a value
by credibility weighting: per value, the best credibility of each independent site (weak facts
count `weak_factor`), plus a small bonus for recency.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from .aliases import AliasVerdict
from .corpus import Corpus, SourceDoc, key
from .identity import TrialIndex
from .textfacts import age_groups, text_claims

SCOPE_CUES = [
    ("efficacy estimand", re.compile(r"\befficacy estimand\b", re.I)),
    ("treatment-regimen estimand", re.compile(r"\btreatment[- ]regimen estimand\b", re.I)),
    ("pooled / averaged across trials", re.compile(r"\bpooled\b|\baverage[ds]?\b|\bcombined (?:analysis|data)\b|"
                                                  r"\bacross (?:both|the two|two) (?:trials|studies)\b", re.I)),
    ("subgroup", re.compile(r"\bsubgroup\b|\bsub-group\b|\bpost[- ]hoc\b|\bin (?:the )?subset\b", re.I)),
]
DOSE_IN_ARM = re.compile(r"(\d+(?:\.\d+)?)\s*(mg/kg|mg|mcg|µg|g)\b", re.I)
PHASE = re.compile(r"(?:phase\s*)?([1-4]|i{1,3}v?|iv)\s*([ab])?(?:\s*/\s*([1-4]|i{1,3}))?", re.I)
UNNAMED = "trials (unnamed)"
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
                "kind": self.kind, "values_json": json.dumps(self.values, ensure_ascii=False, default=str),
                "proposed_value": self.proposed_value, "resolution": self.resolution,
                "doc_ids": self.doc_ids, "decision": self.decision}


def conflict_id(subject: str, attribute: str, facet: str, values: list[str]) -> str:
    raw = "|".join([key(subject), attribute, facet, *sorted(values)])
    return "c-" + hashlib.sha1(raw.encode()).hexdigest()[:10]


# ---- claims from the fact tables ---------------------------------------------------------
def _prov(r: dict) -> dict:
    return {"doc_id": r["doc_id"], "quote": r.get("sentence"), "start": r.get("start_char"),
            "end": r.get("end_char"), "confidence": 1.0 if r.get("confidence") is None else r["confidence"]}


def _fmt_n(n: float, qualifier: str | None) -> str:
    s = f"{int(n):,}" if float(n).is_integer() else f"{n:g}"
    return {"approximate": f"about {s}", "lower_bound": f"more than {s}"}.get(qualifier or "", s)


def _decimals(x: float, quote: str | None) -> int:
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


def sample_size_claims(corpus: Corpus, trials: TrialIndex) -> list[Claim]:
    out, seen = [], set()
    for r in corpus.facts["sample_sizes"]:
        if r.get("scope") == "arm" or r.get("n") is None:
            continue
        ident = trials.lookup(r.get("trial"))
        subject = ident.label if ident else (r.get("trial") or corpus.main_drug.get(r["doc_id"]))
        if not subject:
            continue
        level = "trial" if (r.get("scope") or "trial") == "trial" else r["scope"]
        seen.add((r["doc_id"], key(subject), int(r["n"])))
        out.append(Claim(subject, "sample_size", "", str(int(r["n"])), _fmt_n(r["n"], r.get("qualifier")),
                         level=level, num=float(r["n"]), qualifier=r.get("qualifier") or "exact", **_prov(r)))
    for ident in trials.trials:
        for r in ident.rows:
            if r.get("enrolled") and (r["doc_id"], key(ident.label), int(r["enrolled"])) not in seen:
                seen.add((r["doc_id"], key(ident.label), int(r["enrolled"])))
                out.append(Claim(ident.label, "sample_size", "", str(int(r["enrolled"])), _fmt_n(r["enrolled"], None),
                                 level="trial", num=float(r["enrolled"]), qualifier="exact", **_prov(r)))
    return out


def phase_claims(trials: TrialIndex) -> list[Claim]:
    out = []
    for ident in trials.trials:
        for r in ident.rows:
            p = norm_phase(r.get("phase"))
            if p:
                out.append(Claim(ident.label, "phase", "", p, f"phase {p}", **_prov(r)))
    return out


def nct_rows(corpus: Corpus, trials: TrialIndex) -> list[ConflictRow]:
    rows = []
    for ident, links, best in trials.nct_conflicts:
        claims = [Claim(ident.label, "nct_id", "", nct, nct, ev.doc_id, ev.quote) for nct, evs in links.items()
                  for ev in evs]
        if len({c.doc_id for c in claims}) < 2:
            continue
        values = _values(claims, corpus)
        rows.append(ConflictRow(
            ident.label, "nct_id", "", "conflict", values, best,
            f"Sources link '{ident.label}' to {len(links)} different NCT ids; the trial is not merged with "
            f"the other id. {best} has the strongest support ({_support_text(values, best)}); the other "
            f"link{'s are' if len(links) > 2 else ' is'} kept as evidence of an inconsistent page.",
            sorted({c.doc_id for c in claims})))
    return rows


def _arm_key(arm: str | None) -> str:
    if not arm:
        return ""
    if re.search(r"placebo", arm, re.I):
        return "placebo"
    m = DOSE_IN_ARM.search(arm)
    return f"{m.group(1)} {m.group(2).lower()}" if m else arm.strip().lower()


def _scope_cue(text: str | None) -> str | None:
    for label, rx in SCOPE_CUES:
        if text and rx.search(text):
            return label
    return None


def endpoint_result_claims(corpus: Corpus, trials: TrialIndex) -> list[Claim]:
    groups: dict[tuple, list[tuple[dict, str | None, float, str]]] = defaultdict(list)
    for r in corpus.facts["endpoint_results"]:
        drug = r.get("drug") or corpus.main_drug.get(r["doc_id"])
        if not r.get("endpoint") or not drug:
            continue
        ident = trials.lookup(r.get("trial"))
        tlabel = ident.label if ident else (r.get("trial") or None)
        for arm, val in ((r.get("arm"), r.get("value")), (r.get("comparator"), r.get("comparator_value"))):
            if val is None:
                continue
            groups[(drug, key(r["endpoint"]), _arm_key(arm), (r.get("unit") or "").strip())].append(
                (r, tlabel, float(val), arm or ""))
    out = []
    for (drug, _, arm, unit), items in groups.items():
        # a missing timepoint joins the only stated one
        tps = {r.get("timepoint_weeks") for r, *_ in items} - {None}
        only_tp = next(iter(tps)) if len(tps) == 1 else None
        by_trial: dict[str | None, list] = defaultdict(list)
        for it in items:
            by_trial[it[1]].append(it)
        named = [t for t in by_trial if t]
        if len(named) <= 1:
            parts = [(named[0] if named and None not in by_trial else drug, items)]
        else:
            parts = [(t, by_trial[t]) for t in named] + ([(drug, by_trial[None])] if None in by_trial else [])
        for subject, its in parts:
            for r, tlabel, val, arm_text in its:
                tp = r.get("timepoint_weeks") or only_tp
                facet = f"{r['endpoint']} | week {tp if tp is not None else '?'} | {arm or 'all'}"
                shown = f"{abs(val):g}{unit if unit == '%' else (' ' + unit if unit else '')}"
                label = shown + (f" ({tlabel})" if tlabel and tlabel != subject else "")
                c = Claim(subject, "endpoint_result", facet, shown, label, level=_scope_cue(r.get("sentence")) or "whole trial",
                          num=abs(val), decimals=_decimals(val, r.get("sentence")), **_prov(r))
                out.append(c)
    return out


def dose_claims(corpus: Corpus, trials: TrialIndex) -> list[Claim]:
    """Per document, the set of frequencies (and routes) it gives for one (drug, trial, amount, unit)."""
    sets: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in corpus.facts["doses"]:
        if not r.get("drug") or r.get("amount") is None or not r.get("unit"):
            continue
        ident = trials.lookup(r.get("trial"))
        tlabel = ident.label if ident else ""
        base = (r["drug"], tlabel, f"{r['amount']:g} {r['unit'].lower()}")
        freq = (r.get("frequency") or "").upper()
        freq = {"QM": "Q4W"}.get(freq, freq)
        if freq and freq != "ONCE":
            sets[base + ("frequency",)][r["doc_id"]].append({**r, "_v": freq})
        if r.get("route"):
            sets[base + ("route",)][r["doc_id"]].append({**r, "_v": r["route"].lower()})
    out = []
    for (drug, tlabel, amount, attr), per_doc in sets.items():
        facet = f"{amount}" + (f" | {tlabel}" if tlabel else "")
        for doc_id, rs in per_doc.items():
            vals = sorted({x["_v"] for x in rs})
            first = rs[0]
            c = Claim(drug, attr, facet, " + ".join(vals), f"{amount} {' + '.join(vals)}", **_prov(first))
            c.level = "set"
            out.append(c)
    return out


def age_label(value: str) -> str:
    """'adolescent+adult' -> 'adolescents and adults'; 'adult' -> 'adults only'."""
    words = {"child": "children", "adolescent": "adolescents", "adult": "adults"}
    parts = [words.get(p, p) for p in value.split("+")]
    return parts[0] + " only" if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def population_claims(corpus: Corpus, trials: TrialIndex) -> list[Claim]:
    """Age groups from the population phrase next to a stated sample size."""
    out = []
    for r in corpus.facts["sample_sizes"]:
        if not r.get("population"):
            continue
        groups, phrase = age_groups(r["population"])
        if not groups:
            continue
        ident = trials.lookup(r.get("trial"))
        drug = corpus.main_drug.get(r["doc_id"])
        subject = ident.label if ident else drug
        if not subject:
            continue
        level = "trial" if ident else (r.get("scope") if r.get("scope") in ("program",) else UNNAMED)
        value = "+".join(g for g in ("child", "adolescent", "adult") if g in groups)
        out.append(Claim(subject, "population", "age_groups", value, age_label(value), level=level, **_prov(r)))
    return out


def text_fact_claims(corpus: Corpus, trials: TrialIndex) -> list[Claim]:
    out = []
    for doc_id, doc in corpus.docs.items():
        doc_trials = trials.trials_of_doc(doc_id)
        names = sorted({n for t in doc_trials for n in t.names if len(n) >= 3} |
                       {t.nct_id for t in doc_trials if t.nct_id})
        drug = corpus.main_drug.get(doc_id)
        for tc in text_claims(doc.text, names):
            idents = list({id(t): t for t in (trials.lookup(n) for n in tc.trials) if t}.values())
            if tc.facet in ("disease_duration", "masking") and not idents and 0 < len(doc_trials) <= 3:
                idents = doc_trials  # a criterion or design sentence in a page about these trials
            if tc.attribute == "population" and tc.facet == "age_groups":
                subjects = [t.label for t in idents] if len(idents) == 1 else [drug]
            elif idents:
                subjects = [t.label for t in idents]
            else:
                subjects = [drug]
            for subject in subjects:
                if not subject:
                    continue
                level = UNNAMED if (tc.level == "trial" and subject == drug) else tc.level
                display = age_label(tc.value) if tc.facet == "age_groups" else tc.display
                out.append(Claim(subject, tc.attribute, tc.facet, tc.value, display, doc_id, tc.sentence,
                                 tc.start, tc.end, 1.0, level=level))
    return out


# ---- grouping and classification -----------------------------------------------------------
def _weight(doc: SourceDoc | None, confidence: float, weak_factor: float, weak: float) -> float:
    if doc is None:
        return 0.0
    return doc.credibility * (weak_factor if confidence < weak else 1.0)


def _values(claims: list[Claim], corpus: Corpus) -> list[dict]:
    model = corpus.model
    weak_factor = float(model.setting("conflicts", "weak_factor", 0.5))
    weak = float(model.setting("aliases", "weak_confidence", 0.5))
    recency = float(model.setting("conflicts", "recency_weight", 0.1))
    dates = [d.published for d in corpus.docs.values() if d.published]
    oldest = min(dates) if dates else None
    by_value: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_value[c.value].append(c)
    values = []
    for value, cs in by_value.items():
        best: dict[str, float] = {}
        for c in cs:
            doc = corpus.doc(c.doc_id)
            origin = doc.origin if doc else c.doc_id
            best[origin] = max(best.get(origin, 0.0), _weight(doc, c.confidence, weak_factor, weak))
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


def _support_text(values: list[dict], value: str) -> str:
    v = next((x for x in values if x["key"] == value or x["value"] == value), None)
    if v is None:
        return ""
    return (f"{v['independent_sources']} independent source{'s' if v['independent_sources'] != 1 else ''}, "
            f"best credibility {v['credibility']:.2f}, weight {v['weight']:.2f}")


def _cross_doc(claims: list[Claim]) -> bool:
    """True when at least two values come from at least two documents (a disagreement inside
    one document only is not a cross-source conflict)."""
    return len({c.value for c in claims}) > 1 and len({c.doc_id for c in claims}) > 1


def _numeric_clusters(claims: list[Claim], tol: float) -> list[list[Claim]]:
    exact = sorted({c.num for c in claims if c.qualifier in (None, "exact")})
    clusters: dict[float, list[Claim]] = {v: [] for v in exact}
    loose: list[list[Claim]] = []
    for c in claims:
        if c.qualifier in (None, "exact"):
            clusters[c.num].append(c)
            continue
        if c.qualifier == "lower_bound":
            cands = [v for v in exact if v >= c.num and (v - c.num) / max(v, 1) <= max(tol, 0.2)]
        else:
            cands = [v for v in exact if abs(v - c.num) / max(v, 1) <= tol]
        if cands:
            clusters[min(cands, key=lambda v: abs(v - c.num))].append(c)
        else:
            home = next((g for g in loose if abs(g[0].num - c.num) / max(c.num, 1) <= tol), None)
            (home.append(c) if home is not None else loose.append([c]))
    return [g for g in clusters.values() if g] + loose


def _rounds_to(a: Claim, b: Claim) -> bool:
    d = min(a.decimals, b.decimals)
    return round(a.num, d) == round(b.num, d) or abs(a.num - b.num) <= 0.5 * 10 ** (-d) + 1e-9


def _classify(claims: list[Claim], corpus: Corpus) -> tuple[str, str] | None:
    """(kind, why) for one group of claims, or None when the sources agree."""
    attr = claims[0].attribute
    tol = float(corpus.model.setting("conflicts", "approximate_tolerance", 0.05))
    levels = {c.level for c in claims}
    if attr in ("sample_size",) and len(levels - {None}) > 1:
        return "scope", ("The counts describe different scopes (" + " vs ".join(sorted(levels - {None})) +
                         "): a program or pooled count is not the enrolment of one trial, so both can be right.")
    if attr == "sample_size":
        clusters = _numeric_clusters(claims, tol)
        if len(clusters) == 1:
            return "rounding", ("The counts agree within rounding: the approximate figure is within "
                                f"{tol:.0%} of the exact one.")
        return "conflict", "Sources give different counts for the same enrolment."
    if attr == "endpoint_result":
        lv = {c.level for c in claims}
        if len(lv) > 1:
            return "scope", ("The figures are for different analyses (" + " vs ".join(sorted(lv)) +
                             "), so they do not contradict each other.")
        nums = sorted(claims, key=lambda c: c.num)
        if all(_rounds_to(nums[0], c) for c in nums[1:]):
            return "rounding", "The figures agree once the more precise one is rounded."
        return "conflict", "Sources report different results for the same endpoint, timepoint and arm."
    if attr in ("frequency", "route"):
        sets = [set(c.value.split(" + ")) for c in claims]
        incomparable = any(not (a <= b or b <= a) for i, a in enumerate(sets) for b in sets[i + 1:])
        if incomparable:
            return "conflict", f"Sources give different {attr} values for the same dose."
        return "scope", f"One source lists fewer {attr} values for this dose (a subset), e.g. only maintenance dosing."
    if attr == "phase":
        vals = {c.value for c in claims}
        bases = {v[0] for v in vals}
        if len(bases) == 1 and "/" not in "".join(vals):
            return "rounding", "One source gives the phase less precisely (2 vs 2b)."
        if any("/" in v for v in vals) and any(v.split("/")[-1] in vals or v.split("/")[0] in vals for v in vals):
            return "scope", "A seamless phase (2/3) vs one of its parts."
        return "conflict", "Sources give different phases for the same trial."
    if attr in ("population", "other"):
        lv = {c.level for c in claims}
        if lv != {"trial"}:
            return "scope", _population_scope_text(claims)
        what = "trial population" if attr == "population" else f"trial's {claims[0].facet or 'design'}"
        return "conflict", f"Sources describe the {what} differently for the same named trial."
    if attr == "date":
        pubs = {c.doc_id: corpus.doc(c.doc_id).published for c in claims if corpus.doc(c.doc_id)}
        by_value: dict[str, set] = defaultdict(set)
        for c in claims:
            by_value[c.value].add(pubs.get(c.doc_id))
        if None not in set().union(*by_value.values()) and len({max(v) for v in by_value.values()}) == len(by_value):
            return "update", "An expected date changed over time; the newest source supersedes the older ones."
        return "conflict", "Sources give different dates for the same expected event."
    return "conflict", "Sources disagree."


def _population_scope_text(claims: list[Claim]) -> str:
    parts = []
    for level in ("trial", UNNAMED, "program", "indication", "drug"):
        vals = sorted({c.display for c in claims if c.level == level})
        if vals:
            what = {"trial": "a named trial", UNNAMED: "the trials a page reports (trial level, not named)",
                    "program": "the whole development program",
                    "indication": "the approved indication", "drug": "the drug in general"}[level]
            parts.append(f"{' / '.join(vals)} describes {what}")
    return ("Different scopes, not a contradiction: " + "; ".join(parts) +
            ". A program can include groups (e.g. adolescents) that an individual adult trial excludes.")


def _propose(kind: str, attr: str, values: list[dict], claims: list[Claim]) -> tuple[str | None, str]:
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
    margin = f" over {runner['value']} ({_support_text(values, runner['key'])})" if runner else ""
    return top["value"], f"Proposed {top['value']} by credibility weighting ({_support_text(values, top['key'])}){margin}."


def build_conflicts(corpus: Corpus, trials: TrialIndex, verdicts: list[AliasVerdict]) -> list[ConflictRow]:
    claims = (sample_size_claims(corpus, trials) + phase_claims(trials) + endpoint_result_claims(corpus, trials)
              + dose_claims(corpus, trials) + population_claims(corpus, trials)
              + text_fact_claims(corpus, trials))
    weak = float(corpus.model.setting("aliases", "weak_confidence", 0.5))
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        groups[(key(c.subject), c.attribute, c.facet)].append(c)
    rows = nct_rows(corpus, trials)
    for (_, attr, facet), cs in sorted(groups.items()):
        strong = [c for c in cs if c.confidence >= weak]
        if len({c.value for c in strong}) < 2 or not _cross_doc(strong):
            continue
        if attr == "sample_size" and len({c.level for c in strong}) > 1:
            # within-level disagreements first, then one scope row across levels
            for level in sorted({c.level for c in strong}):
                sub = [c for c in strong if c.level == level]
                if len({c.value for c in sub}) > 1 and _cross_doc(sub):
                    rows.append(_row(sub, corpus))
        rows.append(_row(strong, corpus))
    rows.extend(alias_rows(corpus, verdicts))
    for r in rows:
        r.conflict_id = conflict_id(r.subject, r.attribute, r.facet, [str(v["key"]) for v in r.values])
    return rows


def _row(cs: list[Claim], corpus: Corpus) -> ConflictRow:
    kind, why = _classify(cs, corpus)
    values = _values(cs, corpus)
    proposed, how = _propose(kind, cs[0].attribute, values, cs)
    facet = cs[0].facet
    label = f" [{facet}]" if facet else ""
    return ConflictRow(cs[0].subject, cs[0].attribute, facet, kind, values, proposed,
                       f"{cs[0].attribute}{label}: {why} {how}".strip(), sorted({c.doc_id for c in cs}))


def alias_rows(corpus: Corpus, verdicts: list[AliasVerdict]) -> list[ConflictRow]:
    """A drug whose sources use names that cannot be verified: one `alias` row per drug."""
    by_drug: dict[str, list[AliasVerdict]] = defaultdict(list)
    for v in verdicts:
        by_drug[v.drug].append(v)
    rows = []
    for drug, vs in sorted(by_drug.items()):
        bad = [v for v in vs if v.status == "unverified"]
        if not bad:
            continue
        good = [v for v in vs if v.status != "unverified"]
        claims = [Claim(drug, "alias", "", v.alias, v.alias, d, (next((q["quote"] for q in v.quotes if q["doc_id"] == d), None)))
                  for v in vs for d in v.doc_ids]
        values = _values(claims, corpus)
        for val in values:
            verdict = next(v for v in vs if v.alias == val["key"])
            val["status"], val["reason_code"] = verdict.status, verdict.reason_code
        names = ", ".join(f"'{v.alias}' ({v.reason_code.replace('_', ' ')})" for v in bad)
        keep = ", ".join(v.alias for v in good) or drug
        rows.append(ConflictRow(
            drug, "alias", "", "conflict", values, keep,
            f"alias: sources call {drug} by names that cannot be verified: {names}. Proposed: keep "
            f"{keep}; the unverified names stay listed with their status and are not merged as confirmed.",
            sorted({d for v in vs for d in v.doc_ids})))
    return rows
