"""A cheap, exact test before a slow case-insensitive regex: can any of its literal anchors occur?

Under re.IGNORECASE an ASCII letter in a pattern matches its other case and, of all non-ASCII
characters, only these four: İ ı (i), ſ (s) and the Kelvin sign (k). So when the text holds none
of them, "a case-insensitive match containing `anchor` is possible" is exactly `anchor in
text.lower()` (substring search runs at memory speed; a regex that opens with \\b or an
alternation of case-insensitive words is tried at every position).
"""
from __future__ import annotations

import re
from functools import lru_cache
from re import _constants, _parser  # the parser re itself uses (stable since Python 3.11)
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


# ---- anchors read from a pattern --------------------------------------------------------------------

MAX_ALTERNATIVES = 64  # strings kept per alternative set; more stop a run of literals there
_ZERO_WIDTH = {_constants.AT, _constants.ASSERT, _constants.ASSERT_NOT}
_REPEATS = {_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT}
Strings = frozenset  # of str


@lru_cache(maxsize=512)
def required_anchors(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Lower-case strings one of which every match of `pattern` contains, read from its syntax
    tree, for could_match (None when no such set exists, e.g. `\\w+`). Literal runs are joined across
    zero-width items (\\b, lookarounds): a match's characters stay adjacent there. Of the candidate
    sets, the one whose shortest string is longest is kept."""
    exact, required = _sequence(_parser.parse(pattern.pattern, pattern.flags))
    found = exact or required
    if not found:
        return None
    return tuple(sorted(a for a in found if not any(b != a and b in a for b in found)))  # "generated" covers "ai-generated"


def search(pattern: re.Pattern, text: str, low: str | None) -> re.Match | None:
    """`pattern.search(text)`, skipped when none of its required anchors is in `low` (anchor_text(text))."""
    anchors = required_anchors(pattern)
    if anchors is not None and low is not None and not any(anchor in low for anchor in anchors):
        return None
    return pattern.search(text)


def _better(a: Strings | None, b: Strings | None) -> Strings | None:
    if not b or "" in b:
        return a
    if not a:
        return b
    return max(a, b, key=lambda s: (min(map(len, s)), -len(s)))


def _sequence(items) -> tuple[Strings | None, Strings | None]:
    """(every string the items can match, when few; a required set) for a sequence of items."""
    run, complete, best = Strings({""}), True, None
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        exact, required = _item(op, av)
        if exact is not None and len(run) * len(exact) <= MAX_ALTERNATIVES:
            run = Strings(a + b for a in run for b in exact)
            continue
        complete = False
        best = _better(best, run)
        best = _better(best, required if exact is None else exact)
        run = Strings({""}) if exact is None else exact
    best = _better(best, run)
    return (run if complete else None), best


def _item(op, av) -> tuple[Strings | None, Strings | None]:
    if op is _constants.LITERAL:
        char = chr(av)
        return (Strings({char.lower()}), None) if char.isascii() or char.lower() == char.upper() else (None, None)
    if op is _constants.IN:
        chars = [chr(v) for o, v in av if o is _constants.LITERAL]
        if len(chars) != len(av) or len(chars) > 16 or not all(c.isascii() or c.lower() == c.upper() for c in chars):
            return None, None
        return Strings(c.lower() for c in chars), None
    if op is _constants.SUBPATTERN:
        return _sequence(av[3])
    if op is _constants.ATOMIC_GROUP:
        return _sequence(av)
    if op is _constants.BRANCH:
        branches = [_sequence(seq) for seq in av[1]]
        exact = None
        if all(e is not None for e, _ in branches):
            union = Strings().union(*(e for e, _ in branches))
            exact = union if len(union) <= MAX_ALTERNATIVES else None
        needed = [e or r for e, r in branches]
        required = None if any(not n or "" in n for n in needed) else Strings().union(*needed)
        return exact, required
    if op in _REPEATS:
        low, high, sub = av
        if low == 0:
            return None, None
        exact, required = _sequence(sub)
        return (exact, required) if low == high == 1 else (None, exact or required)
    return None, None  # any character, a category, a negated set, a back-reference
