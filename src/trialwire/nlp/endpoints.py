"""Rule component trialwire_endpoints: endpoint names, roles, timepoints and reported results.

The vocabulary (models/rules/endpoints_vocab.jsonl, built from the shared scale seed list by
endpoints_build_vocab.py) gives each scale's short name, its acronyms (matched case-sensitively)
and full names (any case). What follows a scale decides the endpoint:
- a responder threshold: "EASI-75", "EASI 75", "Eczema Area and Severity Index [EASI]-75", or
  before it "75% improvement from baseline in EASI" -> EASI-75;
- a 0/1 responder: "IGA 0/1", "vIGA-AD score of 0 (clear) or 1 (almost clear)" -> vIGA-AD 0/1;
- an entry threshold ("EASI score >=16", "vIGA-AD score of 3 or 4") -> an inclusion criterion,
  not an endpoint;
- a parenthesised endpoint right after it ("... Index score (EASI-75)") -> only that one.
Descriptive phrases (models/rules/endpoints_phrases.tsv) add measures named without an acronym:
body weight change, ">=5% body weight reduction", brain amyloid, "clear or almost clear skin"
(IGA 0/1, or vIGA-AD 0/1 where the document uses vIGA-AD) and an unnamed "75% improvement"
(the responder scale of the document's disease, models/rules/endpoints_defaults.tsv).

Timepoints are the "at week N"/"at N weeks" of the endpoint's sentence (else its "for/over N
weeks"); an endpoint whose sentence has none takes the document's one assessment week when
there is one. Months give none. A reported figure takes the one assessment week of its own
clause when that clause states one, else its endpoint's.
"""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..paths import MODELS_DIR
from ..text.figures import in_range, range_spans
from .assertion import assertion_of
from .mention import Mention, add_mention, mentions
from .numbers import DASH_CLASS, NUMBER, doc_text, parse_number, sentence_bounds, week_mentions

TM = r"(?:\s*(?:™|®|\(TM\)|\(R\)|\*))*"
ZERO_ONE_TAIL = re.compile(
    rf"^{TM}(?:\s*scores?)?(?:\s+of)?\s*0\s*(?:\([^()]{{0,25}}\))?\s*(?:/|or|to|and|{DASH_CLASS})\s*1\b", re.I)
CRITERION_TAIL = re.compile(
    rf"^{TM}(?:\s*(?:score|scores|total\s+score))?\s*(?:of\s+)?(?:(?:≥|>=|&gt;=|>|≤|<=|<|=|at\s+least|greater\s+than|"
    rf"more\s+than|less\s+than)\s*\d|\d+(?:[.,]\d+)?\s*%?\s*(?:or\s+(?:higher|greater|more|above)|(?:to|{DASH_CLASS}|or)\s*\d))", re.I)
RESPONDER_BEFORE = re.compile(
    r"(?:≥|>=|&gt;=|at\s+least\s+(?:an?\s+)?|greater\s+than\s+|more\s+than\s+)?(\d{2,3})\s*(?:%|percent)\s+"
    r"(?:or\s+(?:greater|more)\s+)?(?:improvement|reduction|decrease|response)\s+(?:from\s+baseline\s+)?"
    r"in\s+(?:the\s+)?(?:total\s+)?$", re.I)
CHANGE_BEFORE = re.compile(r"(?:change|improvement|reduction|decrease)\s+(?:from\s+baseline\s+)?in\s+(?:the\s+)?(?:total\s+)?$", re.I)
ZERO_ONE_BEFORE = re.compile(r"scores?\s+of\s+0\s*(?:/|or|to|-)\s*1\s+on\s+(?:the\s+)?$", re.I)
PCT = re.compile(rf"(?<![\w.])(?P<sign>[-−–]?)(?P<v>{NUMBER})\s*(?:%|percent\b)")
INTERVAL_AFTER = re.compile(r"\s*(?:CI\b|confidence\s+interval|credible\s+interval)", re.I)  # "95% CI" is a level
P_VALUE = re.compile(r"\bp\s*(?:-?value)?\s*(?P<op>[<>=≤≥]|&lt;|&gt;)\s*(?P<v>0?[.·]\d+|1)", re.I)
COMPARATOR = re.compile(r"\b(?:vs\.?|versus|compared\s+(?:to|with)|relative\s+to)\s", re.I)
THRESHOLD_BEFORE = re.compile(r"(?:≥|>=|&gt;=|at\s+least|greater\s+than|more\s+than|or\s+greater)\s*(?:an?\s+)?$", re.I)
DIFFERENCE_AFTER = re.compile(r"\s*(?:\(?\s*)?(?:difference|treatment\s+difference|points?\b|percentage\s+points?|relative|slower|reduction\s+in\s+(?:the\s+)?(?:risk|decline))", re.I)
DIFFERENCE_BEFORE = re.compile(r"(?:\bdifference\s+(?:of|was|were)|\bplacebo[- ](?:adjusted|corrected|subtracted)"
                               r"(?:\s+difference)?(?:\s+(?:of|was))?|\bdelta\s+of)\s*(?:about\s+|approximately\s+)?$", re.I)
SENTENCE_GAP = re.compile(r"[.!?]\s|\n")
REMISSION_NEAR = re.compile(r"\bremission\b", re.I)
ARM_PHRASE = re.compile(r"\b(?:higher|lower|high|low|middle)[\s-]+dose(?:\s+group|\s+arm)?", re.I)
# where one clause of a sentence ends and the next begins: "At week 16, 38% ... vs 12% placebo, and
# 10% ... as early as week 4" reports each figure at its own clause's week
CLAUSE_BREAK = re.compile(r";|,\s+(?:and|while|whereas|but)\s+")


@dataclass
class EndpointHit:
    start: int
    end: int
    name: str
    kind: str  # responder | zero_one | plain | phrase
    scale: str | None = None
    weeks: list[int] = field(default_factory=list)
    role: str | None = None


def _rules(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else MODELS_DIR / p


def _tsv(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a, b = line.split("\t")[:2]
            out.append((a, b.strip()))
    return out


def _full_name_regex(name: str) -> str:
    """Words joined by any run of spaces or dashes; "Investigator's" also matches "Investigator"."""
    words = [w for w in re.split(rf"(?:\s|{DASH_CLASS})+", name) if w]
    out = []
    for w in words:
        x = re.escape(w)
        x = re.sub(r"['’]s$", "(?:['’]s)?", x) if re.search(r"['’]s$", w) else x.replace("'", "['’]").replace("’", "['’]")
        out.append(x)
    return rf"(?:\s*{DASH_CLASS}\s*|\s+)".join(out)


# the words right before an acronym's opening bracket: "a pressure-flow study (PFS"
DEFINED_AS = re.compile(r"(?P<phrase>(?:[A-Za-z][\w'’]*[\s\-]+){1,8}?[A-Za-z][\w'’]*)\s*(?P<bracket>[(\[])\s*$")


def _initials_match(phrase: str, acronym: str) -> bool:
    """Whether the last words of `phrase` start with the acronym's letters, in order ("pressure-flow
    study" / PFS); words such as "of" and "and" may be skipped."""
    letters = [c.lower() for c in acronym if c.isalpha()]
    words = [w for w in re.split(r"[\s\-]+", phrase) if w]
    i = len(letters) - 1
    for w in reversed(words):
        if i < 0:
            break
        if w[0].lower() == letters[i]:
            i -= 1
        elif w.lower() not in ("of", "and", "the", "in", "for", "to", "with"):
            return False
    return i < 0


def _shares_word(phrase: str, entry: dict) -> bool:
    """Whether the phrase shares a word with one of the scale's full names (by its first five letters):
    "pathologic complete remission" and "28-joint Disease Activity Score" still name their scales, where
    "pressure-flow study" shares nothing with progression-free survival."""
    stems = lambda text: {w[:5] for w in re.findall(r"[a-z]{4,}", text.lower())}  # noqa: E731
    return bool(stems(phrase) & set().union(*(stems(f) for f in entry.get("full_names", [])) or [set()]))


def _fkey(name: str) -> str:
    return re.sub(rf"(?:\s|{DASH_CLASS}|['’])+", "", re.sub(r"['’]s\b", "", name.lower()))


class EndpointFinder:
    def __init__(self, vocab: Path, phrases: Path, defaults: Path, roles: Path):
        self.entries = [json.loads(x) for x in vocab.read_text(encoding="utf-8").splitlines() if x.strip()]
        self.by_abbr: dict[str, dict] = {}
        self.by_full: dict[str, dict] = {}
        for e in self.entries:
            for a in e.get("abbreviations", []):
                self.by_abbr[a] = e
            for f in e.get("full_names", []):
                self.by_full[_fkey(f)] = e
        abbrs = sorted(self.by_abbr, key=len, reverse=True)
        self.abbr_re = re.compile(r"(?<![\w\-])(?:" + "|".join(re.escape(a) for a in abbrs) + r")(?![A-Za-z])")
        fulls = sorted({f for e in self.entries for f in e.get("full_names", [])}, key=len, reverse=True)
        self.full_re = re.compile(r"(?<![\w\-])(?:" + "|".join(_full_name_regex(f) for f in fulls) + r")(?![A-Za-z])", re.I)
        self.phrases = [(re.compile(p, re.I), n) for p, n in _tsv(phrases)]
        self.defaults = [(re.compile(p, re.I), s) for p, s in _tsv(defaults)]
        self.roles = [(re.compile(p, re.I), r) for p, r in _tsv(roles)]
        self.by_name = {e["name"]: e for e in self.entries}

    def _entry_for_full(self, surface: str) -> dict | None:
        return self.by_full.get(_fkey(surface))

    def scale_hits(self, text: str) -> list[tuple[int, int, dict]]:
        hits = []
        for m in self.full_re.finditer(text):
            e = self._entry_for_full(m.group(0))
            if e:
                hits.append([m.start(), m.end(), e])
        full_starts = [h[0] for h in hits]  # full-name hits come in text order
        full_ends = {h[1] for h in hits}
        acronyms, spelled_otherwise, spelled_as_scale = [], set(), set()
        for m in self.abbr_re.finditer(text):
            k = bisect_right(full_starts, m.start()) - 1
            if k >= 0 and hits[k][0] <= m.start() < hits[k][1]:
                continue  # an acronym inside a full name
            opening = DEFINED_AS.search(text, max(0, m.start() - 80), m.start())
            entry = self.by_abbr[m.group(0)]
            if opening and _initials_match(opening.group("phrase"), m.group(0)):
                if opening.end("phrase") in full_ends or _shares_word(opening.group("phrase"), entry):
                    spelled_as_scale.add(m.group(0))
                else:
                    spelled_otherwise.add(m.group(0))  # "a pressure-flow study (PFS)": not progression-free survival
            acronyms.append([m.start(), m.end(), entry])
        spelled_otherwise -= spelled_as_scale
        hits += [h for h in acronyms if text[h[0]:h[1]] not in spelled_otherwise]
        hits.sort(key=lambda h: h[0])
        # "Full Name (ABBR)" / "Full Name [ABBR]" is one mention of the full name's scale
        merged: list[list] = []
        for h in hits:
            if merged:
                p = merged[-1]
                gap = text[p[1]:h[0]]
                if re.fullmatch(r"\s*[(\[]\s*", gap) and re.match(rf"^{TM}\s*[)\]]", text[h[1]:h[1] + 12]):
                    close = re.match(rf"^{TM}\s*[)\]]", text[h[1]:h[1] + 12])
                    if p[2].get("name") == h[2].get("name") or not (h[2].get("responder_values") and
                                                                     re.match(r"[\s-]?\d", text[h[1]:h[1] + 3])):
                        p[1] = h[1] + close.end()
                        continue
            merged.append(h)
        return [(s, e, en) for s, e, en in merged]

    def find(self, text: str) -> list[EndpointHit]:
        out: list[EndpointHit] = []
        for s, e, entry in self.scale_hits(text):
            tail = text[e:e + 70]
            name = entry["name"]
            m = re.match(rf"^{TM}\s*[)\]]?[\s{DASH_CLASS[1:-1]}]?(\d{{1,3}})(?![\d.,]\d|\d|\s*%)\*?", tail)
            if m and int(m.group(1)) in entry.get("responder_values", []):
                out.append(EndpointHit(s, e + m.end(), f"{name}-{int(m.group(1))}", "responder", name))
                continue
            if entry.get("zero_one"):
                m = ZERO_ONE_TAIL.match(tail)
                if m:
                    out.append(EndpointHit(s, e + m.end(), f"{name} 0/1", "zero_one", name))
                    continue
                if re.match(rf"^{TM}\s+0/1\b", tail):
                    out.append(EndpointHit(s, e + tail.index("0/1") + 3, f"{name} 0/1", "zero_one", name))
                    continue
            before = text[max(0, s - 80):s]
            m = RESPONDER_BEFORE.search(before)
            if m and int(m.group(1)) in entry.get("responder_values", []):
                out.append(EndpointHit(s - (len(before) - m.start()), e, f"{name}-{int(m.group(1))}", "responder", name))
                continue
            if entry.get("zero_one") and ZERO_ONE_BEFORE.search(before):
                out.append(EndpointHit(s, e, f"{name} 0/1", "zero_one", name))
                continue
            if CRITERION_TAIL.match(tail):
                continue  # "EASI score >=16", "vIGA-AD score of 3 or 4": an entry criterion
            out.append(EndpointHit(s, e, name, "plain", name))
        # a scale right before a parenthesised endpoint only introduces it: "... Index score (EASI-75)"
        keep = []
        for h in out:
            if h.kind == "plain":
                nxt = next((o for o in out if o.start > h.end and o.start - h.end <= 25), None)
                if nxt and nxt.kind in ("responder", "zero_one") and \
                        re.fullmatch(r"\s*(?:scores?\s*)?(?:from\s+baseline\s*)?[(\[]\s*", text[h.end:nxt.start]):
                    continue
            keep.append(h)
        return keep

    def phrase_hits(self, text: str, hits: list[EndpointHit]) -> list[EndpointHit]:
        out = []
        default_scale = next((s for p, s in self.defaults if p.search(text)), None)
        has_viga = any(h.scale == "vIGA-AD" for h in hits)
        defined: list[EndpointHit] | None = None  # hits that a document ties to "remission"
        for pattern, template in self.phrases:
            for m in pattern.finditer(text):
                name = template
                if name != "NOT_ENDPOINT" and any(h.start <= m.start() < h.end or m.start() <= h.start < m.end()
                                                  for h in hits + out):
                    continue
                if name == "CLEAR_SKIN":
                    near = [h for h in hits if h.scale in ("IGA", "vIGA-AD", "rIGA") and
                            (abs(h.end - m.start()) <= 60 or abs(m.end() - h.start) <= 40)]
                    if near:
                        for h in near:
                            if h.kind == "plain":
                                h.name, h.kind = f"{h.scale} 0/1", "zero_one"
                        continue
                    name = "vIGA-AD 0/1" if has_viga else "IGA 0/1"
                elif name == "REMISSION":
                    # "clinical remission" again, at another week: the measure the document tied to
                    # remission ("clinical remission at week 12, assessed with the modified Mayo score")
                    if defined is None:  # computed once per document
                        defined = [h for h in hits if h.kind != "phrase" and REMISSION_NEAR.search(
                            text, max(0, h.start - 120), h.end + 120)]
                    if not defined or any(abs(h.start - m.start()) < 400 and not SENTENCE_GAP.search(
                            text, min(h.end, m.end()), max(h.start, m.start())) for h in defined):
                        continue  # the mention that defined it (same sentence)
                    name = defined[0].name
                elif name == "RESPONDER_DEFAULT":
                    if not default_scale:
                        continue
                    name = f"{default_scale}-{m.group(1)}"
                    if any(h.name == name and abs(h.start - m.end()) <= 80 for h in hits):
                        continue
                elif name == "{g1}":
                    # a scale the text defines that the vocabulary lacks: "Sleep Disturbance Numerical
                    # Rating Scale (SD-NRS)" -> SD-NRS, unless it is an entry criterion
                    if CRITERION_TAIL.match(text[m.end():m.end() + 40]) or m.group(1) in self.by_abbr \
                            or self.full_re.search(m.group(0)):
                        continue
                    name = m.group(1)
                elif "{n}" in name:
                    n = next((g for g in m.groups() if g), None)
                    if n is None:
                        continue
                    name = name.replace("{n}", n)
                out.append(EndpointHit(m.start(), m.end(), name, "phrase", None))
        return out


def _timepoints(text: str, hits: list[EndpointHit], starts: list[int], dosing_sents: set[int],
                harms: frozenset[int] = frozenset()) -> None:
    """`harms`: start offsets of names reported as adverse events; an endpoint that is also a harm
    (ARIA-E incidence) keeps only the weeks its own sentence gives, never the document's
    assessment week."""
    weeks = week_mentions(text)
    by_sent: dict[int, list] = {}
    for w in weeks:
        by_sent.setdefault(bisect_right(starts, w.start) - 1, []).append(w)
    hit_sents = {bisect_right(starts, h.start) - 1 for h in hits}
    at_in_endpoint_sents = Counter(v for si in hit_sents for w in by_sent.get(si, []) if w.kind == "at" for v in w.weeks)
    # weeks of sentences that state doses are titration or dosing times, not assessments
    any_weeks = Counter(v for w in weeks if w.kind in ("at", "duration")
                        and bisect_right(starts, w.start) - 1 not in dosing_sents for v in w.weeks)
    doc_week = None
    # the document's one assessment week: the most frequent "at week N" of endpoint sentences, or
    # else the only week the document gives at all
    if at_in_endpoint_sents:
        top = at_in_endpoint_sents.most_common(2)
        if len(top) == 1 or top[0][1] > top[1][1]:
            doc_week = top[0][0]
    elif len(any_weeks) == 1:
        doc_week = next(iter(any_weeks))
    semis = [m.start() for m in re.finditer(";", text)]
    hits_by_sent: dict[int, list[EndpointHit]] = {}
    for h in sorted(hits, key=lambda x: x.start):
        hits_by_sent.setdefault(bisect_right(starts, h.start) - 1, []).append(h)
    for h in hits:
        si = bisect_right(starts, h.start) - 1
        ws = by_sent.get(si, [])
        # a sentence joining clauses with ";" gives each clause its own weeks
        own = bisect_right(semis, h.start)
        clause = [w for w in ws if bisect_right(semis, w.start) == own]
        if any(w.kind == "at" for w in clause):
            ws = clause
        at = [v for w in ws if w.kind == "at" for v in w.weeks]
        if len(set(at)) > 1 and len(hits_by_sent.get(si, [])) > 1:
            # "remission by CDAI at week 24, ... and endoscopic remission by SES-CD at week 48": each
            # endpoint takes the week stated after it, before the next endpoint of the sentence
            # (else the one stated just before it)
            row = hits_by_sent[si]
            k = row.index(h)
            nxt = next((x.start for x in row[k + 1:] if x.start >= h.end), None)
            own = [v for w in ws if w.kind == "at" and w.start >= h.end and (nxt is None or w.start < nxt)
                   for v in w.weeks]
            if not own:
                prev_end = max((x.end for x in row[:k] if x.end <= h.start), default=-1)
                own = [v for w in ws if w.kind == "at" and prev_end <= w.start < h.start for v in w.weeks]
            if own:
                at = own
        if not at:
            at = [v for w in ws if w.kind == "duration" for v in w.weeks]
        if not at and not any(w.kind in ("length", "until") for w in ws) and doc_week is not None \
                and h.start not in harms:
            at = [doc_week]
        h.weeks = list(dict.fromkeys(at))


def _results(doc: Doc, text: str, hits: list[EndpointHit], sents, starts, name: str) -> None:
    """Percentages reported in an endpoint's sentence: each is an arm value, or the placebo
    (comparator) value when "placebo" sits right around it; treatment differences are left out."""
    doses = mentions(doc, "DOSE")
    done: set[tuple] = set()
    pct_cache: dict[int, list] = {}
    for h in hits:
        si = bisect_right(starts, h.start) - 1
        s0, s1 = sents[si]
        sentence = text[s0:s1]
        if si not in pct_cache:
            ranges = range_spans(sentence)
            pct_cache[si] = [m for m in PCT.finditer(sentence)
                             if not in_range(m.start(), ranges)
                             and not THRESHOLD_BEFORE.search(sentence[max(0, m.start() - 14):m.start()])
                             and not DIFFERENCE_AFTER.match(sentence[m.end():m.end() + 30])
                             and not DIFFERENCE_BEFORE.search(sentence[max(0, m.start() - 40):m.start()])
                             and not INTERVAL_AFTER.match(sentence[m.end():m.end() + 25])
                             and not re.match(r"\s*(?:reduction|improvement|decrease)\s+(?:from\s+baseline\s+)?in\b",
                                              sentence[m.end():m.end() + 40], re.I)]
        # the percentages of the endpoint's clause, not inside the endpoint's own name ("≥75%")
        found = [m for m in pct_cache[si] if not (h.start <= s0 + m.start() < h.end)
                 and abs(s0 + m.start() - h.start) < 400]
        if not found:
            continue
        arms, comps = [], []
        for i, m in enumerate(found):
            nxt = found[i + 1].start() if i + 1 < len(found) else len(sentence)
            after = sentence[m.end():min(nxt, m.end() + 40)]
            before = sentence[max(0, m.start() - 16):m.start()]
            value = parse_number(m.group("v")) * (-1 if m.group("sign") else 1)
            if re.match(r"^[\s*)\]]{0,4}(?:of\s+(?:those|patients|participants)\s+)?(?:in|with|for|on|taking|receiving|given)?\s*"
                        r"(?:the\s+)?(?:matching\s+)?placebo", after, re.I) \
                    or re.search(r"placebo\W{0,4}(?:group\W{0,3})?(?:=|:|\(|was|of)?\s*$", before, re.I):
                comps.append((m.start(), value))
            else:
                arms.append((m.start(), m.end(), value, after))
        pv = P_VALUE.search(sentence)
        p_value = f"{pv.group('op').replace('&lt;', '<').replace('&gt;', '>')}{pv.group('v')}" if pv else None
        near_doses = [d for d in doses if s0 <= d.start_char < s1]
        for pos, pend, value, after in arms[:6]:
            if (h.name, pos) in done:
                continue
            done.add((h.name, pos))
            arm = None
            follow = [d for d in near_doses if 0 <= d.start_char - (s0 + pend) <= 30
                      and not re.search(r"[;%]", text[s0 + pend:d.start_char])]
            seg_start = s0 + sentence.rfind(";", 0, pos) + 1
            lead = [d for d in near_doses if seg_start <= d.start_char < s0 + pos]
            if follow:
                arm = follow[0].norm
            elif lead:
                arm = lead[-1].norm
            elif near_doses:
                arm = min(near_doses, key=lambda d: abs(d.start_char - (s0 + pos))).norm
            else:
                a = ARM_PHRASE.search(sentence)
                arm = a.group(0).lower() if a else None
            comp = min(comps, key=lambda c: abs(c[0] - pos))[1] if comps else None
            week = _clause_week(sentence, pos)
            week = week if week is not None else h.weeks[0] if len(h.weeks) == 1 else None
            add_mention(doc, Mention("RESULT", s0 + pos, s0 + pend, sentence[pos:pend], h.name, name, 0.6, {
                "endpoint": h.name, "arm": arm, "value": value, "unit": "%",
                "comparator": "placebo" if comps else None, "comparator_value": comp, "p_value": p_value,
                "timepoint_weeks": week}))


def _clause_week(sentence: str, pos: int) -> int | None:
    """The one assessment week ("at week N", "at N weeks", "as early as week N") stated in the
    clause of the figure at `pos`, else None (then the endpoint's week applies)."""
    breaks = list(CLAUSE_BREAK.finditer(sentence))
    start = max((b.end() for b in breaks if b.end() <= pos), default=0)
    end = min((b.start() for b in breaks if b.start() >= pos), default=len(sentence))
    found = {v for w in week_mentions(sentence[start:end]) if w.kind == "at" for v in w.weeks}
    return found.pop() if len(found) == 1 else None


@Language.factory("trialwire_endpoints", default_config={
    "vocab": "rules/endpoints_vocab.jsonl", "phrases": "rules/endpoints_phrases.tsv",
    "defaults": "rules/endpoints_defaults.tsv", "roles": "rules/endpoints_roles.tsv"},
    assigns=["doc._.mentions"])
def make_endpoints(nlp: Language, name: str, vocab: str, phrases: str, defaults: str, roles: str):
    finder = EndpointFinder(_rules(vocab), _rules(phrases), _rules(defaults), _rules(roles))

    def component(doc: Doc) -> Doc:
        text = doc_text(doc)
        hits = finder.find(text)
        hits = sorted(hits + finder.phrase_hits(text, hits), key=lambda h: h.start)
        blocked = [b for b in hits if b.name == "NOT_ENDPOINT"]
        hits = [h for h in hits if h.name != "NOT_ENDPOINT"
                and not any(b.start <= h.start < b.end or h.start <= b.start < h.end for b in blocked)]
        # a responder scale named bare where the text also reports its responder endpoint
        # ("the Eczema Area and Severity Index (EASI) ... 42% reached EASI-75") only introduces it,
        # unless the bare mention is itself a change-from-baseline endpoint
        responders = {h.scale for h in hits if h.kind == "responder"}
        hits = [h for h in hits if not (h.kind == "plain" and h.scale in responders and not CHANGE_BEFORE.search(
            text[max(0, h.start - 60):h.start]))]
        if not hits:
            return doc
        sents = sentence_bounds(doc, text)
        starts = [s for s, _ in sents]
        dosing_sents = {bisect_right(starts, m.start_char) - 1 for m in mentions(doc)
                        if m.label in ("DOSE", "FREQUENCY")}
        harms = frozenset(m.start_char for m in mentions(doc, "ADVERSE_EVENT"))
        _timepoints(text, hits, starts, dosing_sents, harms)
        trials_by_sent: dict[int, list[Mention]] = {}
        for t in mentions(doc, "TRIAL_NAME"):
            trials_by_sent.setdefault(bisect_right(starts, t.start_char) - 1, []).append(t)
        roles_by_sent: dict[int, str | None] = {}
        for h in hits:
            si = bisect_right(starts, h.start) - 1
            sentence = text[sents[si][0]:sents[si][1]]
            if si not in roles_by_sent:
                roles_by_sent[si] = next((r for p, r in finder.roles if p.search(sentence)), None)
            h.role = roles_by_sent[si]
            tr = trials_by_sent.get(si, [])
            add_mention(doc, Mention("ENDPOINT", h.start, h.end, text[h.start:h.end], h.name, name,
                                     0.9 if h.kind != "phrase" else 0.75,
                                     {"timepoints": h.weeks, "role": h.role, "kind": h.kind, "scale": h.scale,
                                      "trial": tr[0].norm if len(tr) == 1 else None,
                                      "assertion": assertion_of(sentence)}))
        _results(doc, text, hits, sents, starts, name)
        return doc
    return component
