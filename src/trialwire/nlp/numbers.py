"""Small parsers shared by the trial, dose and endpoint components: numbers (1,795 / 22·2 /
"two"), week mentions ("at week 24", "16 weeks", "24-week", "weeks 0, 2, and 4") and dosing
frequencies ("every 4 weeks" -> Q4W, "every four or eight weeks" -> Q4W + Q8W, "once monthly"
-> QM). The fixed frequency phrases live in models/rules/doses_frequencies.tsv; the patterns
with a number in them ("every N weeks", "Q2W", "every N months") are built here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..paths import RULES_DIR


def doc_text(doc) -> str:
    """`doc.text`, built once per Doc (spaCy rebuilds the string from its tokens on every access).
    Kept in doc.user_data with the token count it was built at; extraction reads it too."""
    cached = doc.user_data.get("trialwire.text")
    if cached is None or cached[0] != len(doc):
        cached = (len(doc), doc.text)
        doc.user_data["trialwire.text"] = cached
    return cached[1]


def _sentence_tokens(doc):
    """Token arrays (IDX, LENGTH, IS_SPACE) and each sentence's first and last token index, as
    `doc.sents` splits (a doc without sentence marks is one sentence). Reading arrays instead of
    iterating `doc.sents` (or reading `doc.text`) saves a Python object per token."""
    import numpy as np
    from spacy.attrs import IDX, IS_SPACE, LENGTH, SENT_START

    arr = doc.to_array([IDX, LENGTH, IS_SPACE, SENT_START]).astype(np.int64)
    first = np.concatenate(([0], np.nonzero(arr[1:, 3] == 1)[0] + 1))
    last = np.concatenate((first[1:] - 1, [len(doc) - 1]))
    return arr[:, 0], arr[:, 1], arr[:, 2], first.tolist(), last.tolist()


def sentence_bounds(doc, text: str | None = None) -> list[tuple[int, int]]:
    """(start_char, end_char) of each sentence without its trailing whitespace tokens."""
    if len(doc) == 0:
        return [(0, len(text if text is not None else doc_text(doc)))]
    idx, length, space, first, last = _sentence_tokens(doc)
    out = []
    # a sentence ends where its last non-space token ends
    for f, l in zip(first, last):
        while l > f and space[l]:
            l -= 1
        out.append((int(idx[f]), int(idx[l] + length[l])))
    return out


def span_bounds(doc) -> list[tuple[int, int]]:
    """(start_char, end_char) of each `doc.sents` span exactly (trailing whitespace tokens
    included), for provenance: `Span.start_char` / `Span.end_char` without the Spans."""
    if len(doc) == 0:
        return []
    idx, length, _, first, last = _sentence_tokens(doc)
    return [(int(idx[f]), int(idx[l] + length[l])) for f, l in zip(first, last)]


DASH = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\\-"
DASH_CLASS = f"[{DASH}]"

WORD_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "sixteen": 16, "twenty": 20,
    "twenty-four": 24, "fifty-two": 52,
    # Italian, German, French, Spanish: frequencies and doses do not depend on English
    "due": 2, "tre": 3, "quattro": 4, "sei": 6, "otto": 8, "dodici": 12,
    "zwei": 2, "drei": 3, "vier": 4, "sechs": 6, "acht": 8, "zwölf": 12,
    "deux": 2, "trois": 3, "quatre": 4, "huit": 8, "dos": 2, "tres": 3, "cuatro": 4, "ocho": 8,
}
WORD_NUM = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
# 1,795 / 1795 / 22.5 / 22·2 (middle-dot decimal)
NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?:[.\u00b7]\d+)?|\d+(?:[.\u00b7]\d+)?)"
# amounts also take a decimal comma ("2,5 mg" in Italian or German text; "1,000 mg" stays a thousand)
DOSE_NUMBER = r"(?:\d{1,3}(?:,\d{3})+(?![\d])|\d+(?:[.\u00b7]\d+|,\d{1,2}(?!\d))?)"
INT_OR_WORD = rf"(?:\d+|{WORD_NUM})"


def parse_number(text: str) -> float | None:
    """'1,795' -> 1795.0, '22·2' -> 22.2, 'two' -> 2.0; None when not a number."""
    s = text.strip().lower()
    if s in WORD_NUMBERS:
        return float(WORD_NUMBERS[s])
    s = s.replace("\u00b7", ".")
    s = s.replace(",", ".") if re.fullmatch(r"\d+,\d{1,2}", s) else s.replace(",", "")
    try:
        return float(s)
    except ValueError:
        return None


def parse_int(text: str) -> int | None:
    v = parse_number(text)
    return None if v is None else int(v)


def clean_amount(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------- weeks

@dataclass
class WeekMention:
    start: int
    end: int
    weeks: list[int]
    kind: str  # at | until | duration | schedule | length | frequency


WEEK_LIST = re.compile(
    r"\b(?:at\s+|on\s+)?weeks\s+(\d+(?:\s*,\s*\d+)*(?:\s*,?\s*(?:and|&)\s*\d+)?)\b"
    rf"|\b(?:at\s+)?weeks?\s+(\d+)\s+and\s+(?:weeks?\s+)?(\d+)\b", re.I)
WEEK_SINGLE = re.compile(
    rf"\b(?P<prep>for\s+at\s+least|for\s+up\s+to|at\s+least|at|by|through|thru|until|till|to|within|after|over|for|from|in|beyond|"
    rf"up\s+to|as\s+early\s+as|starting\s+at)?\s*"
    rf"(?:(?:week|wk|settimana|woche|semaine|semana)\s*(?P<n1>\d+|{WORD_NUM})\b"
    rf"|(?P<n2>\d+|{WORD_NUM})[\s{DASH}]*(?P<hy>{DASH_CLASS})?\s*(?:weeks?|settimane|wochen|semaines|semanas)\b)",
    re.I)


def week_mentions(text: str) -> list[WeekMention]:
    """Week expressions with their kind: at (an assessment time), until (end of a period),
    duration (for/over N weeks), length (a 24-week study), schedule (weeks 0, 2 and 4),
    frequency (every 4 weeks) and dose (the final dose at week 20)."""
    found: list[WeekMention] = []
    taken: list[tuple[int, int]] = []
    for m in EVERY_N.finditer(text):
        found.append(WeekMention(m.start(), m.end(), [], "frequency"))
        taken.append((m.start(), m.end()))
    for m in WEEK_LIST.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        nums = [int(n) for n in re.findall(r"\d+", m.group(0))]
        found.append(WeekMention(m.start(), m.end(), nums, "schedule"))
        taken.append((m.start(), m.end()))
    for m in WEEK_SINGLE.finditer(text):
        core = m.start("n1") if m.group("n1") else m.start("n2")
        if any(s <= core < e for s, e in taken):
            continue
        value = parse_int(m.group("n1") or m.group("n2"))
        if value is None:
            continue
        prep = re.sub(r"\s+", " ", (m.group("prep") or "").lower())
        if prep == "to" and re.search(r"baseline\s*$", text[max(0, m.start() - 12):m.start()], re.I):
            kind = "at"  # "change from baseline to week 68": the assessment time
        elif prep in {"through", "thru", "until", "till", "to", "up to"}:
            kind = "until"
        elif prep in {"for", "over", "from", "for at least", "for up to", "at least"}:
            kind = "duration"
        elif re.search(r"\bdos(?:e|es|ing)\s+(?:at|on|in)?\s*$", text[max(0, m.start() - 20):m.start() + len(m.group("prep") or "")], re.I):
            kind = "dose"
        elif m.group("hy") or (m.group("n2") and not prep and re.match(
                r"[\s\-]*(?:study|studies|trial|treatment|period|follow|extension|induction)", text[m.end():m.end() + 14], re.I)):
            kind = "length"
        else:
            kind = "at"
        found.append(WeekMention(m.start(), m.end(), [value], kind))
    found.sort(key=lambda w: w.start)
    return found


# ---------------------------------------------------------------- frequencies

@dataclass
class FrequencyMention:
    start: int
    end: int
    codes: list[str]
    text: str
    data: dict = field(default_factory=dict)


def _code_for_weeks(n: int) -> str:
    return "QW" if n == 1 else f"Q{n}W"


def _code_for_days(n: int) -> str | None:
    if n == 1:
        return "QD"
    if n % 7 == 0:
        return _code_for_weeks(n // 7)
    return None


EVERY_N = re.compile(
    rf"\b(?:once\s+)?(?:every|each|q|ogni|alle|toutes\s+les|cada)\s*(?P<a>\d+|{WORD_NUM}|other)"
    rf"(?:\s*(?:or|to|and|o|oder|ou|/|{DASH_CLASS})\s*(?:every\s+)?(?P<b>\d+|{WORD_NUM}))?\s*"
    rf"(?P<unit>weeks?|wks?|settimane|wochen|semaines|semanas|months?|mesi|monate|mois|meses|days?|giorni|tage|jours|días)\b",
    re.I)
Q_CODE = re.compile(r"\b(?:Q(?P<n>\d{1,2})W|Q(?P<d>\d{1,2})D|QW|QD|QM|BID|TID|QID)\b"
                    r"|(?<=[\dg])\s*/\s*(?P<per>week|wk|day|d|month)\b|\b(?-i:q(?P<n2>\d{1,2})w|qw|qd|bid|tid)\b", re.I)


@lru_cache(maxsize=4)
def _fixed_frequency_patterns(path: str) -> list[tuple[re.Pattern, str]]:
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pattern, code = line.split("\t")[:2]
        out.append((re.compile(rf"(?<![\w-])(?:{pattern})(?![\w])", re.I), code.strip()))
    return out


def frequency_mentions(text: str, rules: Path | None = None) -> list[FrequencyMention]:
    found: list[FrequencyMention] = []

    def overlaps(s: int, e: int) -> bool:
        return any(f.start < e and s < f.end for f in found)

    for m in EVERY_N.finditer(text):
        unit = m.group("unit").lower()
        codes = []
        for part in (m.group("a"), m.group("b")):
            if not part:
                continue
            n = 2 if part.lower() == "other" else parse_int(part)
            if n is None or n <= 0:
                continue
            if unit.startswith(("w", "s")):
                codes.append(_code_for_weeks(n))
            elif unit.startswith("m"):
                codes.append("QM" if n == 1 else _code_for_weeks(4 * n))
            else:
                c = _code_for_days(n)
                if c:
                    codes.append(c)
        if codes:
            found.append(FrequencyMention(m.start(), m.end(), codes, m.group(0)))
    for m in Q_CODE.finditer(text):
        if overlaps(m.start(), m.end()):
            continue
        tok = m.group(0).upper().strip()
        per = (m.group("per") or "").lower()
        if per:
            code = {"week": "QW", "wk": "QW", "day": "QD", "d": "QD", "month": "QM"}[per]
        elif m.group("n") or m.group("n2"):
            code = _code_for_weeks(int(m.group("n") or m.group("n2")))
        elif m.group("d"):
            code = _code_for_days(int(m.group("d"))) or tok
        else:
            code = tok
        found.append(FrequencyMention(m.start(), m.end(), [code], m.group(0)))
    path = rules or (RULES_DIR / "doses_frequencies.tsv")
    if path.exists():
        for pattern, code in _fixed_frequency_patterns(str(path)):
            for m in pattern.finditer(text):
                if not overlaps(m.start(), m.end()):
                    found.append(FrequencyMention(m.start(), m.end(), [code], m.group(0)))
    found.sort(key=lambda f: f.start)
    return _merge_restatements(text, found)


def _merge_restatements(text: str, found: list[FrequencyMention]) -> list[FrequencyMention]:
    """'every two weeks (Q2W)' and 'single monthly injection (... every four weeks)' state one
    regimen twice: the parenthesised code right after a phrase joins it. 'Every 4 weeks or every 8
    weeks' offers two: one mention with both codes, as 'every 4 or 8 weeks' gives."""
    out: list[FrequencyMention] = []
    for f in found:
        if out:
            prev = out[-1]
            gap = text[prev.end:f.start]
            if re.fullmatch(r"\s*[(\[]\s*", gap) and set(prev.codes) == set(f.codes):
                prev.end = max(prev.end, f.end)
                continue
            if re.fullmatch(r"\s*,?\s*or\s+", gap):  # "every 4 weeks or every 8 weeks": one dose, either schedule
                prev.codes = prev.codes + [c for c in f.codes if c not in prev.codes]
                prev.end, prev.text = f.end, text[prev.start:f.end]
                continue
        out.append(f)
    return out
