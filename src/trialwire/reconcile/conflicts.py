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

import re
from collections import defaultdict
from typing import Callable

from ..registries import REGISTRY_NAMES
from .aliases import AliasVerdict
from .claims import (ROMAN, UNNAMED, Claim, ConflictRow, claim_values, conflict_id, fmt_count, norm_phase,
                     norm_qualifier, propose, prov, support_text)
from .corpus import Corpus, key
from .identity import TrialIndex
from .readers import Items, Scan, TextReaders, text_result_docs
from .results import endpoint_result_rows
from .textfacts import age_groups


STATED_PHASE = re.compile(r"\bphase\s*([1-4]|IV|I{1,3})[ab]?(?:\s*/\s*([1-4]|I{1,3})[ab]?)?\b", re.I)


def stated_phase(sentence: str | None) -> str | None:
    """The one phase a sentence states, by its major number ("phase 2b" and "Phase II" are 2, "phase
    2/2b" is 2, "phase 1/2" is 1/2); None when it states none or several."""
    found = set()
    for m in STATED_PHASE.finditer(sentence or ""):
        majors = sorted({ROMAN.get(g.lower(), g) for g in m.groups() if g})
        found.add("/".join(majors))
    return found.pop() if len(found) == 1 else None


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
        facet = ""
        if ident is None and not r.get("trial"):
            # a drug's count: compared only with its counts for the same phase ("a phase 2b study of 274"
            # against "close to 300 in the phase 2 study"; "across both phase 3 trials,
            # nearly 1,500" against a phase 3 trial's, a scope difference), since the pages of one drug
            # report many unnamed studies (a psoriasis study of 100 patients); a trial count that
            # states no phase is compared with none
            phase = stated_phase(r.get("sentence"))
            if phase is None and level == "trial":
                continue
            facet = f"phase {phase}" if phase else ""
        q = norm_qualifier(r.get("qualifier"))
        out.append(Claim(subject, "sample_size", facet, str(int(r["n"])), fmt_count(r["n"], q),
                         level=level, num=float(r["n"]), qualifier=q, **prov(r)))
    for ident in trials.trials:
        for r in ident.rows:
            if r.get("enrolled") and (r["doc_id"], key(ident.label), int(r["enrolled"])) not in seen:
                seen.add((r["doc_id"], key(ident.label), int(r["enrolled"])))
                out.append(Claim(ident.label, "sample_size", "", str(int(r["enrolled"])), fmt_count(r["enrolled"], None),
                                 level="trial", num=float(r["enrolled"]), qualifier="exact", **prov(r)))
    return out


def phase_claims(trials: TrialIndex) -> list[Claim]:
    out = []
    for ident in trials.trials:
        for r in ident.rows:
            p = norm_phase(r.get("phase"))
            if p:
                out.append(Claim(ident.label, "phase", "", p, f"phase {p}", **prov(r)))
    return out


def nct_rows(corpus: Corpus, trials: TrialIndex) -> list[ConflictRow]:
    rows = []
    for ident, links, best in trials.nct_conflicts:
        rows += _link_row(corpus, ident.label, "nct_id", "", links, best, lambda values: (
            f"Sources link '{ident.label}' to {len(links)} different NCT ids; the trial is not merged with "
            f"the other id. {best} has the strongest support ({support_text(values, best)}); the other "
            f"link{'s are' if len(links) > 2 else ' is'} kept as evidence of an inconsistent page."))
    return rows


def registry_id_rows(corpus: Corpus, trials: TrialIndex) -> list[ConflictRow]:
    """One trial given two ids of one registry other than ClinicalTrials.gov (two EudraCT numbers):
    an `other` conflict, resolved and kept apart as NCT ids are (TrialIndex._join_registry_ids)."""
    rows = []
    for ident, registry, links, best in trials.id_conflicts:
        name = REGISTRY_NAMES.get(registry, registry)
        rows += _link_row(corpus, ident.label, "other", registry, links, best, lambda values: (
            f"Sources give '{ident.label}' {len(links)} different {name} ids; a trial has one. {best} has the "
            f"strongest support ({support_text(values, best)}) and is the id that joins other pages' mentions "
            f"of it; the other{'s are' if len(links) > 2 else ' is'} kept as evidence of an inconsistent page."))
    return rows


def _link_row(corpus: Corpus, subject: str, attribute: str, facet: str, links: dict[str, list],
              best: str, resolution: Callable[[list[dict]], str]) -> list[ConflictRow]:
    """The conflict row of a trial linked to several ids of one registry (LinkEvidence per id), when
    at least two documents give them; else none."""
    claims = [Claim(subject, attribute, facet, i, i, ev.doc_id, ev.quote) for i, evs in links.items() for ev in evs]
    if len({c.doc_id for c in claims}) < 2:
        return []
    values = claim_values(claims, corpus)
    return [ConflictRow(subject, attribute, facet, "conflict", values, best, resolution(values),
                        sorted({c.doc_id for c in claims}))]


def dose_claims(corpus: Corpus, trials: TrialIndex) -> list[Claim]:
    """Per document, the set of frequencies (and routes) it gives for one (drug, amount, unit),
    with the trials the dose is about (its own trial, else the trials the page names)."""
    sets: dict[tuple, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for r in corpus.facts["doses"]:
        if not r.get("drug") or r.get("amount") is None or not r.get("unit"):
            continue
        base = (r["drug"], f"{r['amount']:g} {r['unit'].lower()}")
        freq = (r.get("frequency") or "").upper()
        freq = {"QM": "Q4W"}.get(freq, freq)
        if freq and freq != "ONCE":
            sets[base + ("frequency",)][r["doc_id"]].append({**r, "_v": freq})
        if r.get("route"):
            sets[base + ("route",)][r["doc_id"]].append({**r, "_v": r["route"].lower()})
    out = []
    for (drug, amount, attr), per_doc in sets.items():
        for doc_id, rs in per_doc.items():
            vals = sorted({x["_v"] for x in rs})
            own = {t.trial_key for t in (trials.lookup(x.get("trial")) for x in rs) if t}
            context = frozenset(own or {t.trial_key for t in trials.trials_of_doc(doc_id)})
            c = Claim(drug, attr, amount, " + ".join(vals), f"{amount} {' + '.join(vals)}", **prov(rs[0]))
            c.level, c.context = "set", context
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
        out.append(Claim(subject, "population", "age_groups", value, age_label(value), level=level, **prov(r)))
    return out


def text_reading(corpus: Corpus, trials: TrialIndex, scans: dict[str, Scan]) -> Items:
    """(claim sentences, names of the document's trials) per document, in corpus order: what
    textfacts.claims_in reads."""
    items = []
    for doc_id in corpus.docs:
        doc_trials = trials.trials_of_doc(doc_id)
        items.append((scans[doc_id].claims, sorted({n for t in doc_trials for n in t.names if len(n) >= 3} |
                                                   {t.nct_id for t in doc_trials if t.nct_id})))
    return items


def text_fact_claims(corpus: Corpus, trials: TrialIndex, read: list[list]) -> list[Claim]:
    """Claims from the documents' texts; `read`: text_claims of each text_reading item, in order."""
    out = []
    drugs_of_doc: dict[str, list[dict]] = defaultdict(list)
    for r in corpus.facts["drugs"]:
        drugs_of_doc[r["doc_id"]].append(r)
    for (doc_id, doc), doc_claims in zip(corpus.docs.items(), read):
        doc_trials = trials.trials_of_doc(doc_id)
        drug = corpus.main_drug.get(doc_id)
        for tc in doc_claims:
            idents = list({id(t): t for t in (trials.lookup(n) for n in tc.trials) if t}.values())
            if tc.facet in ("disease_duration", "masking") and not idents:
                named = _drugs_named(tc.sentence, drugs_of_doc[doc_id])
                about = {drug} | {r.get("drug") for t in doc_trials for r in t.rows if r["doc_id"] == doc_id}
                if named and not named & about:
                    continue  # "an open-label trial of secretin" on a page about another drug's trials
                if 0 < len(doc_trials) <= 3:
                    idents = doc_trials  # a criterion or design sentence in a page about these trials
            if tc.facet.startswith("condition: "):
                subjects = [drug]  # compared per drug: which trial an effect statement means is unknown
            elif tc.attribute == "population" and tc.facet == "age_groups":
                subjects = [t.label for t in idents] if len(idents) == 1 else [drug]
            elif idents:
                subjects = [t.label for t in idents]
            else:
                subjects = [drug]
            for subject in subjects:
                if not subject:
                    continue
                level = UNNAMED if (tc.level == "trial" and subject == drug) else tc.level
                display = (age_label(tc.value) if tc.facet == "age_groups"
                           else tc.value if tc.facet == "masking" else tc.display)
                out.append(Claim(subject, tc.attribute, tc.facet, tc.value, display, doc_id, tc.sentence,
                                 tc.start, tc.end, 1.0, level=level))
    return out


def _drugs_named(sentence: str, drug_rows: list[dict]) -> set[str]:
    """Which of the document's drugs (drugs rows: canonical name and first surface form) the
    sentence names."""
    low = sentence.lower()
    return {r["drug"] for r in drug_rows
            if any(len(n) > 3 and re.search(rf"\b{re.escape(n.lower())}\b", low) for n in (r["drug"], r.get("mention") or ""))}


def _cross_doc(claims: list[Claim]) -> bool:
    """True when at least two values come from at least two documents (a disagreement inside
    one document only is not a cross-source conflict)."""
    return len({c.value for c in claims}) > 1 and len({c.doc_id for c in claims}) > 1


def _compatible(a: Claim, b: Claim, tol: float) -> bool:
    """Whether two counts can both be right: equal exact counts, an approximate count within
    `tol` of the other, a lower bound ("more than 850") not above the other value."""
    qa, qb = a.qualifier or "exact", b.qualifier or "exact"
    if qa == "lower_bound" and qb == "lower_bound":
        return True
    if qa == "lower_bound" or qb == "lower_bound":
        bound, other = (a, b) if qa == "lower_bound" else (b, a)
        slack = tol if (other.qualifier or "exact") == "approximate" else 0.0
        return other.num * (1 + slack) >= bound.num
    if qa == "exact" and qb == "exact":
        return a.num == b.num
    return abs(a.num - b.num) / max(a.num, b.num, 1) <= tol


def _incompatible_pairs(claims: list[Claim], tol: float) -> bool:
    """Any two claims from different documents that cannot both be right (distinct values only)."""
    distinct = {}
    for c in claims:
        distinct.setdefault((c.num, c.qualifier), []).append(c)
    keys = list(distinct)
    for i, ka in enumerate(keys):
        for kb in keys[i + 1:]:
            a, b = distinct[ka][0], distinct[kb][0]
            docs_a, docs_b = {c.doc_id for c in distinct[ka]}, {c.doc_id for c in distinct[kb]}
            if (docs_a | docs_b) != (docs_a & docs_b) or len(docs_a | docs_b) > 1:
                if not _compatible(a, b, tol):
                    return True
    return False


def _classify(claims: list[Claim], corpus: Corpus) -> tuple[str, str] | None:
    """(kind, why) for one group of claims, or None when the sources agree."""
    attr = claims[0].attribute
    tol = float(corpus.model.setting("conflicts", "approximate_tolerance", 0.05))
    levels = {c.level for c in claims}
    if attr in ("sample_size",) and len(levels - {None}) > 1:
        return "scope", ("The counts describe different scopes (" + " vs ".join(sorted(levels - {None})) +
                         "): a program or pooled count is not the enrolment of one trial, so both can be right.")
    if attr == "sample_size":
        if not _incompatible_pairs(claims, tol):
            return "rounding", ("The counts are compatible: approximate figures are within "
                                f"{tol:.0%} of the exact one, and lower bounds ('more than') are not exceeded.")
        return "conflict", "Sources give counts for the same enrolment that cannot all be right."
    if attr in ("frequency", "route"):
        # distinct (value set, trials) pairs only: the cost grows with distinct regimens, not documents
        distinct: dict[tuple, set[str]] = defaultdict(set)
        for c in claims:
            distinct[(c.value, c.context)].add(c.doc_id)
        keys = list(distinct)
        incomparable = any(
            not (sa <= sb or sb <= sa) and len(distinct[ka] | distinct[kb]) > 1
            and ((not ka[1] and not kb[1]) or bool(ka[1] & kb[1]))
            for i, ka in enumerate(keys) for kb in keys[i + 1:]
            for sa, sb in [(set(ka[0].split(" + ")), set(kb[0].split(" + ")))])
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
    if attr == "population" and claims[0].facet.startswith("condition: "):
        cond = claims[0].facet.split(": ", 1)[1]
        return "conflict", (f"One source describes a trial population that excludes people with {cond}; another "
                            f"states the drug's effect for people with {cond}. Check which trial the figures come from.")
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


def build_conflicts(corpus: Corpus, trials: TrialIndex, verdicts: list[AliasVerdict],
                    readers: TextReaders | None = None, release_texts: bool = False) -> list[ConflictRow]:
    """`readers`: started by the caller, and scanning the texts (see readers.py); by default, started here.
    `release_texts`: drop the corpus's texts once read (Corpus.release_texts): once the readers have
    them, all but those whose result figures are read here; after that, the rest. Reconciliation's
    memory peaks while the readers' scans come back and after."""
    with (readers or TextReaders(len(corpus.docs))) as readers:
        stated = [r["doc_id"] for r in corpus.facts["endpoint_results"]]
        if not readers.scanning:
            readers.scan_documents(corpus.docs, stated)
        if release_texts:
            corpus.release_texts(keep=text_result_docs(corpus.docs, stated))
        claims = (sample_size_claims(corpus, trials) + phase_claims(trials)
                  + dose_claims(corpus, trials) + population_claims(corpus, trials))
        rows = nct_rows(corpus, trials) + registry_id_rows(corpus, trials)
        scans = readers.scans()
        text_read = readers.read(text_reading(corpus, trials, scans))
        rows += endpoint_result_rows(corpus, trials, scans)
        if release_texts:
            corpus.release_texts()
        claims += text_fact_claims(corpus, trials, text_read())
    weak = float(corpus.model.setting("aliases", "weak_confidence", 0.5))
    groups: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for c in claims:
        groups[(key(c.subject), c.attribute, c.facet)].append(c)
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
    values = claim_values(cs, corpus)
    proposed, how = propose(kind, cs[0].attribute, values, cs)
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
        if not bad or len({d for v in vs for d in v.doc_ids}) < 2:
            continue  # a name used by one document only is not a disagreement between sources
        good = [v for v in vs if v.status != "unverified"]
        claims = [Claim(drug, "alias", "", v.alias, v.alias, d, (next((q["quote"] for q in v.quotes if q["doc_id"] == d), None)))
                  for v in vs for d in v.doc_ids]
        values = claim_values(claims, corpus)
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
