"""Rule component trialwire_drugs (first pass: to be filled in)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("trialwire_drugs")
def make_drugs(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        return doc
    return component
