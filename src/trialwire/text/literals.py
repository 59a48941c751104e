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


def could_match(text: str, anchors: Iterable[str], lowered: str | None = None) -> bool:
    """False only when no anchor (lower-case ASCII) can occur in `text` case-insensitively;
    `lowered`: text.lower(), when the caller has it."""
    if FOLDS_TO_ASCII.search(text):
        return True
    low = text.lower() if lowered is None else lowered
    return any(anchor in low for anchor in anchors)
