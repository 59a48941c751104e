"""Text cleaning that keeps meaning: entities, whitespace, glued citation markers."""
from __future__ import annotations

import html
import re

OTHER_SPACES = r"\t\u00a0\u2000-\u200a\u202f\u205f\u3000"  # tab, no-break and typographic spaces
# A lone " " is left alone (most whitespace): only runs and other space characters are replaced.
SPACES = re.compile(rf" [ {OTHER_SPACES}]+|[{OTHER_SPACES}][ {OTHER_SPACES}]*")
ZERO_WIDTH = re.compile(r"[\u200b-\u200d\ufeff]")
BLANK_LINES = re.compile(r"\n{3,}")
# Three marker patterns open with the punctuation they follow, which the replacement keeps (group 1),
# and two check the character before it by a lookbehind there: a pattern that opens with a
# character set is tried only where that character occurs, one that opens with a lookbehind at
# every position (2 to 17 times slower over a corpus, same matches). The letters before a marker
# glued to a word are matched possessively: they cannot end in a digit, so backtracking into them
# finds nothing.
# "subcutaneously.1,2" / "eczema.1-4" / "trials.5" : a marker glued after sentence punctuation
MARKER_AFTER_PUNCT = re.compile(r"([.,;:])(?<=[a-z\)\]%][.,;:])\d{1,3}+(?:\s?[,\u2013\-]\s?\d{1,3})*(?=\s|$|[\"”’])")
# "therapy5 " : a marker glued to a lower-case word (not to codes such as AMG451 or IL13)
MARKER_AFTER_WORD = re.compile(r"\b([a-z]{4,}+)\d{1,2}(?:[,\u2013\-]\d{1,2})*(?=[\s.,;:]|$)")
# "week 24.1,2" : two or more markers after a number ending a sentence (a decimal has one part)
MARKER_AFTER_NUMBER = re.compile(r"(\.)(?<=\d\.)\d{1,2}(?:\s?[,\u2013\-]\s?\d{1,2})+(?=\s|$)")
# a bare marker ending a bullet or paragraph: "... inhibitors. 1"
TRAILING_MARKER = re.compile(r"([.!?:)])[ ]+\d{1,2}(?:,\s?\d{1,2})*[ ]*$", re.M)


def normalise_whitespace(text: str) -> str:
    text = ZERO_WIDTH.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def detach_citation_markers(text: str) -> str:
    text = MARKER_AFTER_PUNCT.sub(r"\1", text)
    text = MARKER_AFTER_WORD.sub(r"\1", text)
    text = MARKER_AFTER_NUMBER.sub(r"\1", text)
    return TRAILING_MARKER.sub(r"\1", text)


def clean_text(text: str) -> str:
    if "&" in text:
        text = html.unescape(text)
    text = normalise_whitespace(text)
    detached = detach_citation_markers(text)
    return text if detached == text else normalise_whitespace(detached)
