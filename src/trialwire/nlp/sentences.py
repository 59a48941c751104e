"""Line breaks end sentences: cleaned text keeps headings and bullets on their own lines.

`trialwire_line_breaks` runs before spaCy's sentencizer (which keeps boundaries already set):
the first token after a run of newlines starts a sentence, and the newline token itself stays
with the sentence before it. Work is per newline (a regex over the text and a binary search
over token offsets), not per token.
"""
from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc

from .numbers import doc_text

NEWLINES = re.compile(r"\n+")


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
