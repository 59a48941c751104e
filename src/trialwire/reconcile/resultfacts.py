"""Endpoint results read from the stored text, for documents whose extraction gave no
`endpoint_results` rows: a percentage in a sentence that names an endpoint, with its arm
(a dose in mg, placebo, a high/low dose group, or unspecified), its timepoint and qualifier.

Thresholds ("at least 5% weight reduction", "≥75% reduction"), ranges ("15% to 22%"),
placebo-adjusted differences and percentages about another drug of the page are not results of
the page's drug and are skipped. The rows look like endpoint_results rows, so conflicts.py
treats both the same way.
"""
from __future__ import annotations

import re

from ..text.figures import in_range, range_spans
from ..text.literals import anchor_text, may_hold
from .textfacts import Sentence, body_text, names_regex, sentences

ENDPOINTS: list[tuple[str, re.Pattern]] = [(name, re.compile(rx, re.I)) for name, rx in [
    ("weight loss >=N%", r"at least (\d+)\s?(?:%|percent)\s(?:of\s)?(?:body\s|total\s)?(?:weight|body weight)\s(?:loss|reductions?)"),
    ("EASI-90", r"\bEASI[- ]?90\b"),
    ("EASI-75", r"\bEASI[- ]?75\b|\b75\s?(?:%|percent)\s(?:or greater\s)?(?:improvement|reduction) in (?:the\s)?(?:EASI|disease severity)"),
    ("EASI-50", r"\bEASI[- ]?50\b"),
    ("IGA 0/1", r"\b(?:v|r)?IGA(?:-AD)?(?:\u2122)?\b[^.;]{0,40}?\b0\s?(?:/|or|to)\s?1\b|\bclear or almost[- ]clear\b"),
    ("PASI 90", r"\bPASI[- ]?90\b"),
    ("PASI 75", r"\bPASI[- ]?75\b"),
    ("body weight change", r"\bweight (?:loss|reduction)s?\b|\breductions? in body weight\b|\bof (?:their|total) body weight\b|"
                           r"\bpercent(?:age)? change in body weight\b|\bbody weight\b"),
    ("ARIA-E", r"\bARIA-E\b"),
    ("ARIA-H", r"\bARIA-H\b"),
    ("CDR-SB", r"\bCDR-SB\b"),
    ("HbA1c", r"\bHbA1c\b|\bA1C\b"),
]]
PERCENT = re.compile(r"(?<![\w.])(-?\d{1,3}(?:\.\d+)?)\s?(?:%|percent\b)", re.I)
THRESHOLD_BEFORE = re.compile(r"(?:at least|≥|>=|>|<|more than|greater than|over|less than|fewer than|"
                              r"difference (?:of|was)|placebo-adjusted|improvement of|delta of)\s*$", re.I)
APPROX_BEFORE = re.compile(r"(?:approximately|about|around|nearly|almost|roughly|~)\s*$", re.I)
NOT_RESULT_AFTER = re.compile(r"^\s*(?:or greater\s+)?(?:improvement|reduction|decrease|increase) (?:in|from)\b|^\s*(?:difference|"
                              r"points?\b|higher than|greater than|relative|of (?:the )?(?:total )?enrol|of (?:the )?(?:US )?"
                              r"(?:population|adults|children)|body surface|BSA|CI\b|confidence)", re.I)
DOSE = re.compile(r"(\d+(?:\.\d+)?)\s?(mg/kg|mg|mcg|µg)\b", re.I)
DOSE_WORDS = re.compile(r"\b(high(?:er)?|low(?:er)?)[- ]dose\b", re.I)
NUMWORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "six": 6, "eight": 8, "twelve": 12, "sixteen": 16,
            "twenty-four": 24, "fifty-two": 52}
_N = r"\d{1,3}|" + "|".join(sorted(NUMWORDS, key=len, reverse=True))
WEEK = re.compile(rf"\bweek\s({_N})\b|\b({_N})\s(?:weeks?|wks?)\b", re.I)
LONGER = re.compile(rf"\b({_N}|a)[- ](years?|months?)\b", re.I)


def _week(sent: str, pos: int) -> int | None:
    """A week in the value's own clause, else the sentence's first week."""
    lo = max(sent.rfind(",", 0, pos), sent.rfind(";", 0, pos)) + 1
    his = [i for i in (sent.find(",", pos), sent.find(";", pos)) if i >= 0]
    hi = min(his) if his else len(sent)
    longer = LONGER.search(sent[lo:hi])
    if longer:  # "at one year", "18 months": in weeks, so it never joins a week-16 group
        tok = longer.group(1).lower()
        n = int(tok) if tok.isdigit() else NUMWORDS.get(tok, 1)
        return round(n * (52 if longer.group(2).lower().startswith("year") else 52 / 12))
    weeks = list(WEEK.finditer(sent))
    best = next((m for m in weeks if lo <= m.start() < hi), weeks[0] if weeks else None)
    if best is None:
        return None
    tok = (best.group(1) or best.group(2)).lower()
    return int(tok) if tok.isdigit() else NUMWORDS.get(tok)


def _arm(sent: str, start: int, end: int, next_start: int, prev_end: int) -> str:
    after = sent[end:min(next_start, end + 45)]
    clause_start = max(sent.rfind(c, 0, start) for c in (",", ";", ":", "compared", "versus", " vs"))
    before = sent[max(clause_start, 0):start]
    if re.search(r"^\W{0,3}(?:\w+\W+){0,5}?(?:the\s)?placebo\b", after, re.I) or re.search(r"placebo\W{0,3}\(?\s*$", before, re.I):
        return "placebo"
    # "22.5% (15 mg)", "22.5% with the highest dose (15 mg)", "22.5% with 15 mg"
    m = (re.match(r"^\s*\(([^)]*)\)", after) or re.match(r"^[^%]*?(?:with|on|for|in) the\s[^%]{0,20}", after)
         or re.match(r"^\s*(?:with|on|at)\s+[^%,;]{0,12}", after))
    if m:
        d = DOSE.search(m.group(0)) or DOSE_WORDS.search(m.group(0))
        if d:
            return _dose_key(d)
    near = sent[max(prev_end, start - 40):start]
    d = list(DOSE.finditer(near)) or list(DOSE_WORDS.finditer(near))
    if d:
        return _dose_key(d[-1])
    w = DOSE_WORDS.search(after)
    return _dose_key(w) if w else ""


def _dose_key(m: re.Match) -> str:
    if m.re is DOSE_WORDS:
        return "high dose" if m.group(1).lower().startswith("high") else "low dose"
    return f"{float(m.group(1)):g} {m.group(2).lower().replace('µg', 'mcg')}"


def _endpoints(sent: str) -> list[tuple[str, int, int]]:
    """Endpoint mentions; a specific match hides a generic one that overlaps it."""
    found: list[tuple[str, int, int]] = []
    for name, rx in ENDPOINTS:
        for m in rx.finditer(sent):
            if any(m.start() < e and s < m.end() for _, s, e in found):
                continue
            label = name.replace("N", m.group(1)) if "N%" in name else name
            found.append((label, m.start(), m.end()))
    return found


ResultSentence = tuple[int, str, list[tuple[str, int, int]]]  # start offset, sentence, its endpoints


def result_sentence(sentence: Sentence) -> ResultSentence | None:
    """The sentence with its endpoint mentions when it may hold a result (a percentage and an
    endpoint): what `rows_in` reads. Needs no names, so the text readers run it early."""
    s0, _s1, sent = sentence
    if "%" not in sent and "percent" not in sent.lower():
        return None
    eps = _endpoints(sent)
    return (s0, sent, eps) if eps else None


def result_rows(text: str, doc_id: str, drug: str | None, other_drug_names: list[str],
                trial_names: list[str]) -> list[dict]:
    """endpoint_results-like rows (value, arm, endpoint, timepoint, trial, sentence, offsets)."""
    body = body_text(text)
    found = [r for r in map(result_sentence, sentences(body)) if r]
    return rows_in(found, body, doc_id, drug, other_drug_names, trial_names)


def rows_in(found: list[ResultSentence], body: str, doc_id: str, drug: str | None, other_drug_names: list[str],
            trial_names: list[str]) -> list[dict]:
    """`result_rows` from the result sentences of the body text `body`."""
    rows = []
    others = names_rx = None  # compiled for the first sentence with a result (most documents have none)
    for s0, sent, eps in found:
        if others is None:
            low = anchor_text(body)  # a name that is nowhere in the text needs no pattern
            others = [re.compile(rf"\b{re.escape(n)}\b", re.I) for n in other_drug_names
                      if len(n) > 3 and may_hold(low, n)]
            names_rx = names_regex(trial_names)
        ranges = range_spans(sent)
        values = list(PERCENT.finditer(sent))
        named = sorted({m.group(0).lower() for m in names_rx.finditer(sent)}) if names_rx else []
        other_spans = [mo.start() for rx in others for mo in rx.finditer(sent)]
        if len(named) > 1:
            continue  # figures for several trials in one sentence cannot be told apart
        for i, v in enumerate(values):
            if in_range(v.start(), ranges):
                continue
            before, after = sent[:v.start()], sent[v.end():]
            if THRESHOLD_BEFORE.search(before[-14:]) or NOT_RESULT_AFTER.search(after):
                continue
            if any(s <= v.start() < e for _, s, e in eps):
                continue  # the number is part of the endpoint's name (75% reduction in EASI)
            if other_spans and max((o for o in other_spans if o < v.start()), default=-1) > _last_mention(sent, drug, v.start()):
                continue  # closer to another drug's name: that drug's result
            ep = min(eps, key=lambda e: min(abs(e[1] - v.end()), abs(v.start() - e[2])))
            nxt = values[i + 1].start() if i + 1 < len(values) else len(sent)
            prev = values[i - 1].end() if i else 0
            rows.append({
                "doc_id": doc_id, "endpoint": ep[0], "arm": _arm(sent, v.start(), v.end(), nxt, prev),
                "value": float(v.group(1)), "unit": "%", "timepoint_weeks": _week(sent, v.start()),
                "trial": named[0] if len(named) == 1 else None, "drug": drug,
                "sentence": sent, "start_char": s0 + v.start(), "end_char": s0 + v.end(),
                "confidence": 0.6, "component": "resultfacts", "qualifier": "approximate" if APPROX_BEFORE.search(before[-16:]) else "exact",
                "_named_trials": len(named)})
    return rows


def _last_mention(sent: str, drug: str | None, pos: int) -> int:
    if not drug:
        return -1
    hits = [m.start() for m in re.finditer(re.escape(drug), sent[:pos], re.I)]
    return hits[-1] if hits else -1
