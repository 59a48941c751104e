"""Registry identifiers: NCT, EudraCT, ISRCTN, jRCT."""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from .mention import Mention, add_mention

TRIAL_ID = re.compile(
    r"\b(?P<nct>NCT\s?\d{8})\b|\b(?P<eudract>(?:EudraCT\s*(?:No\.?|number)?:?\s*)?\d{4}-\d{6}-\d{2})\b"
    r"|\b(?P<isrctn>ISRCTN\s?\d{8})\b|\b(?P<jrct>jRCT\d{10})\b")


@Language.factory("trialwire_trial_ids")
def make_trial_ids(nlp: Language, name: str):
    def component(doc: Doc) -> Doc:
        for m in TRIAL_ID.finditer(doc.text):
            kind = m.lastgroup
            norm = re.sub(r"\s", "", m.group(kind)).upper() if kind != "jrct" else m.group(kind)
            if kind == "eudract":
                norm = re.search(r"\d{4}-\d{6}-\d{2}", norm).group(0)
            add_mention(doc, Mention("TRIAL_ID", m.start(), m.end(), m.group(0), norm, name,
                                     data={"registry": kind}))
        return doc
    return component
