"""Assertion of a fact from the wording of its sentence: met, not_met, expected, hypothetical.

Cues are data (models/rules/endpoints_assertion_cues.tsv), checked in file order; the first
cue found wins, so "did not meet" is read before "met". No cue gives None.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ..paths import RULES_DIR

ASSERTION_CUES = RULES_DIR / "endpoints_assertion_cues.tsv"


@lru_cache(maxsize=4)
def _cues(path: str) -> list[tuple[re.Pattern, str]]:
    out = []
    p = Path(path)
    if not p.exists():
        return out
    for line in p.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            pattern, label = line.split("\t")[:2]
            out.append((re.compile(pattern, re.I), label.strip()))
    return out


@lru_cache(maxsize=4096)
def assertion_of(sentence: str | None, path: str = str(ASSERTION_CUES)) -> str | None:
    if not sentence:
        return None
    for pattern, label in _cues(path):
        if pattern.search(sentence):
            return label
    return None
