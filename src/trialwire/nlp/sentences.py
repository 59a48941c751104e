"""Sentence boundaries the rule-based sentencizer gets wrong, set before it runs (it keeps
boundaries already set). Work is per match of a regex over the text, with a binary search over
token offsets, not per token.

`trialwire_line_breaks`: cleaned text keeps headings and bullets on their own lines, so the first
token after a run of newlines starts a sentence, and the newline token itself stays with the
sentence before it.

`trialwire_abbreviations`: the tokenizer splits the period off dosing and measurement
abbreviations ("10 mg/kg i.v. every 2 weeks", "220 lb. or more", "approx. 450 pts. enrolled"),
and the sentencizer would end a sentence at each. After such an abbreviation the next word does
not start a sentence when it begins with a lower-case letter or a digit; a capital still does
("... given p.o. Then ..."), the usual reading of an abbreviation at the end of a sentence.
"""
from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc

from .numbers import doc_text

NEWLINES = re.compile(r"\n+")
# dotted abbreviations (i.v., s.c., p.o., b.i.d., q.4.w.) and common clinical short forms; the
# period is followed, on the same line, by a word in lower case or a number
ABBREVIATION_DOT = re.compile(
    r"(?<![\w.])(?:[A-Za-z](?:\.[A-Za-z0-9]){1,4}"
    r"|(?i:lbs?|wks?|mos?|yrs?|hrs?|mins?|pts?|approx|vs|ca|cf|incl|resp|avg|max|est|mcg|tab|caps?|inj|susp))"
    r"\.[^\S\n]+(?=[a-z0-9])")


def mark_line_starts(doc: Doc) -> Doc:
    text = doc_text(doc)
    if len(doc) < 2 or "\n" not in text:
        return doc
    starts = doc.to_array([IDX]).ravel()
    n = len(doc)
    for m in NEWLINES.finditer(text):
        # token holding the newline (if it is its own whitespace token) and the token after it
        i = int(np.searchsorted(starts, m.end(), side="left"))
        j = int(np.searchsorted(starts, m.start(), side="right")) - 1
        if 0 < j < n and j != i and doc[j].is_space:
            doc[j].is_sent_start = False
        if 0 < i < n:
            doc[i].is_sent_start = True
    return doc


@Language.factory("trialwire_line_breaks", requires=["token.is_space"], assigns=["token.is_sent_start"])
def make_line_breaks(nlp: Language, name: str):
    return mark_line_starts


def join_after_abbreviations(doc: Doc) -> Doc:
    text = doc_text(doc)
    if "." not in text:
        return doc
    starts = None
    for m in ABBREVIATION_DOT.finditer(text):
        if starts is None:
            starts = doc.to_array([IDX]).ravel()
        i = int(np.searchsorted(starts, m.end(), side="left"))
        if 0 < i < len(doc) and starts[i] == m.end() and doc[i].is_sent_start is None:
            doc[i].is_sent_start = False
    return doc


@Language.factory("trialwire_abbreviations", assigns=["token.is_sent_start"])
def make_abbreviations(nlp: Language, name: str):
    return join_after_abbreviations
