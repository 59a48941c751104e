"""Trial registry ids: how each registry prints them, read without spaCy (reconciliation and the
report use them in the flow process). The nlp component trialwire_trial_ids finds them in text."""
from __future__ import annotations

import re

# An EU CT number (2023-503584-29-00) starts like an EudraCT number (2019-004061-25): CTIS comes
# first, and an EudraCT number is never followed by another "-digits" part.
TRIAL_ID = re.compile(
    r"\b(?P<nct>NCT\s?\d{8})\b"
    r"|\b(?P<ctis>(?:EU\s?CT\s*(?:No\.?|number)?:?\s*)?\d{4}-\d{6}-\d{2}-\d{2})\b"
    r"|\b(?P<eudract>(?:EudraCT\s*(?:No\.?|number)?:?\s*)?\d{4}-\d{6}-\d{2})\b(?!-\d)"
    r"|\b(?P<isrctn>ISRCTN\s?\d{8})\b|\b(?P<jrct>jRCT\d{10})\b"
    r"|\b(?P<chictr>ChiCTR(?:-[A-Z]{2,4}-)?\d{8,10})\b|\b(?P<anzctr>ACTRN\d{14})\b"
    r"|\b(?P<ctri>CTRI/\d{4}/\d{2,3}/\d{6})\b|\b(?P<drks>DRKS\d{8})\b|\b(?P<umin>UMIN\d{9})\b")
NUMBER_ONLY = {"ctis": re.compile(r"\d{4}-\d{6}-\d{2}-\d{2}"), "eudract": re.compile(r"\d{4}-\d{6}-\d{2}")}
MIXED_CASE = {"jrct", "chictr"}  # printed by their registries as jRCT..., ChiCTR...
# the order a trial's ids are listed in (trials.registry_ids): ClinicalTrials.gov, then the EU, then the rest
REGISTRIES = ("nct", "ctis", "eudract", "isrctn", "jrct", "chictr", "anzctr", "ctri", "drks", "umin")
REGISTRY_NAMES = {"nct": "NCT", "ctis": "EU CT", "eudract": "EudraCT", "isrctn": "ISRCTN", "jrct": "jRCT",
                  "chictr": "ChiCTR", "anzctr": "ANZCTR", "ctri": "CTRI", "drks": "DRKS", "umin": "UMIN"}
# how any registry id begins (an EU CT or EudraCT number by its digits alone)
ID_START = r"(?:NCT\s?\d{8}|ISRCTN|EudraCT|EU\s?CT\b|jRCT\d|ChiCTR|ACTRN\d|CTRI/\d|DRKS\d|UMIN\d|\d{4}-\d{6}-\d{2})"


def normalise_id(kind: str, printed: str) -> str:
    norm = re.sub(r"\s", "", printed)
    if kind in NUMBER_ONLY:
        return NUMBER_ONLY[kind].search(norm).group(0)
    return norm if kind in MIXED_CASE else norm.upper()


def registry_of(norm: str) -> str:
    """The registry of a normalised id (an EU CT and an EudraCT number by their digits)."""
    m = TRIAL_ID.fullmatch(norm)
    return m.lastgroup if m else "other"


def ordered_ids(nct: str | None, ids: dict[str, str]) -> list[str]:
    """A trial's registry ids in REGISTRIES order, its NCT id first."""
    found = {"nct": nct, **ids} if nct else dict(ids)
    return [found[r] for r in REGISTRIES if found.get(r)]
