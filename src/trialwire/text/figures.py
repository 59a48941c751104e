"""Patterns over reported figures in plain text, shared by extraction (`nlp.endpoints`) and
reconciliation's text reader (`reconcile.resultfacts`). Here, not in `nlp`, because importing
that package loads spaCy, which the flow process never does."""
from __future__ import annotations

import re

# "15-20%", "15% to 22%", a confidence interval's "40.2-55.2%": a range is no arm's single figure.
# It starts at the first number's first digit, so both ends fall inside it.
PERCENT_RANGE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?\s?(?:%|percent)?\s?(?:to|-|–)\s?\d{1,3}(?:\.\d+)?\s?(?:%|percent)",
                           re.I)


def range_spans(sentence: str) -> list[tuple[int, int]]:
    return [m.span() for m in PERCENT_RANGE.finditer(sentence)]


def in_range(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)
