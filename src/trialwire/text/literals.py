"""A cheap, exact test before a slow case-insensitive regex: can any of its literal anchors occur?

Under re.IGNORECASE an ASCII letter in a pattern matches its other case and, of all non-ASCII
characters, only these four: İ ı (i), ſ (s) and the Kelvin sign (k). So when the text holds none
of them, "a case-insensitive match containing `anchor` is possible" is exactly `anchor in
text.lower()` (substring search runs at memory speed; a regex that opens with \\b or an
alternation of case-insensitive words is tried at every position).
"""
from __future__ import annotations

import re
from typing import Iterable

FOLDS_TO_ASCII = re.compile("[\u0130\u0131\u017f\u212a]")


def anchor_text(text: str) -> str | None:
    """text.lower() for exact `anchor in ...` tests, or None when `text` holds one of the four
    characters above (then only the regex can tell)."""
    return None if FOLDS_TO_ASCII.search(text) else text.lower()


def may_hold(low: str | None, word: str) -> bool:
    """Whether `word` can occur case-insensitively in the text whose anchor_text is `low`: False
    only when it certainly does not (a non-ASCII word is left to the regex)."""
    return low is None or not word.isascii() or word.lower() in low


def could_match(text: str, anchors: Iterable[str], prefix: str = "") -> bool:
    """False only when no anchor (lower-case ASCII) can occur in `prefix + text` case-insensitively
    (a prefix of "\n" lets an anchor stand for a line start at the very beginning too)."""
    low = anchor_text(text)
    if low is None:
        return True
    low = prefix + low
    return any(anchor in low for anchor in anchors)
