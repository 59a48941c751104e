"""Rule component trialwire_conditions (first pass: to be filled in)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("trialwire_conditions", default_config={"lexicon": "", "adverse_lexicon": "", "contexts": "", "max_ngram": 6})
def make_conditions(nlp: Language, name: str, lexicon: str, adverse_lexicon: str, contexts: str, max_ngram: int):
    def component(doc: Doc) -> Doc:
        return doc
    return component
