"""Rule component trialwire_trials (first pass: to be filled in)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("trialwire_trials")
def make_trials(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        return doc
    return component
