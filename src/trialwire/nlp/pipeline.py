"""Builds the spaCy pipeline."""
from __future__ import annotations

from functools import lru_cache

import spacy
from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  registers the factory
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.language import Language

from .. import __version__
from ..kb import load_kb
from . import conditions, doses, drugs, endpoints, trial_ids, trials  # noqa: F401  register factories


def build_pipeline() -> Language:
    nlp = spacy.blank("en")
    nlp.tokenizer = combined_rule_tokenizer(nlp)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("abbreviation_detector")
    for name in ["trialwire_trial_ids", "trialwire_drugs", "trialwire_conditions",
                 "trialwire_trials", "trialwire_doses", "trialwire_endpoints"]:
        nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=1)
def pipeline_version() -> str:
    return f"{__version__}+kb.{load_kb().fingerprint}"
