"""Registry identifiers: ClinicalTrials.gov (NCT), the EU's CTIS (EU CT numbers) and EudraCT,
ISRCTN, jRCT, ChiCTR, ANZCTR (ACTRN), CTRI, DRKS and UMIN (patterns in trialwire.registries)."""
from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..registries import TRIAL_ID, normalise_id
from .mention import Mention, add_mention
from .numbers import doc_text


@Language.factory("trialwire_trial_ids")
def make_trial_ids(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        for m in TRIAL_ID.finditer(doc_text(doc)):
            kind = m.lastgroup
            norm = normalise_id(kind, m.group(kind))
            add_mention(doc, Mention("TRIAL_ID", m.start(), m.end(), m.group(0), norm, name,
                                     data={"registry": kind}))
        return doc
    return component
