"""Count qualifiers in the schema's words: the words before a count ("nearly", "more than") as
exact / approximate / lower_bound. Shared by extraction and reconciliation; imports no spaCy."""
from __future__ import annotations

import re

APPROXIMATE = re.compile(r"^(?:approx\w*\.?|about|around|nearly|almost|roughly|some|close to|~|circa|an? estimated|estimated"
                         r"|up to|fewer than|less than|just under|under)$", re.I)
LOWER_BOUND = re.compile(r"^(?:lower_bound|more than|over|just over|at least|greater than|exceeding|>|≥|upwards of)$", re.I)


def schema_qualifier(words: str | None) -> str | None:
    """The words before a count ("nearly", "more than") as the schema's exact / approximate / lower_bound."""
    if words is None:
        return None
    q = re.sub(r"\s+", " ", words.strip().lower())
    if q in ("", "exact", "a total of"):
        return "exact"
    if q == "approximate" or APPROXIMATE.match(q):
        return "approximate"
    return "lower_bound" if LOWER_BOUND.match(q) else "exact"
