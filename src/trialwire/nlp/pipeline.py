"""Builds the spaCy pipeline from one config file, `models/pipeline/config.cfg`.

The config is a regular spaCy config: `[nlp]` names the registered scispacy tokenizer
(`trialwire.scispacy_tokenizer.v1`) and the component order, `[components.*]` give each
component's settings (rule files under models/, the NER model path or package name). Relative
paths in component settings are resolved against the models folder by the components.
"""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from scispacy.abbreviation import AbbreviationDetector  # noqa: F401  registers the factory
from scispacy.custom_tokenizer import combined_rule_tokenizer
from spacy.language import Language
from spacy.util import load_config, load_model_from_config, registry

# Known-harmless noise: scispacy's abbreviation detector has an empty global matcher (W036), and
# spaCy compiles a tokenizer regex that newer Pythons flag as a possible set union.
warnings.filterwarnings("ignore", message=r"\[W036\]")
warnings.filterwarnings("ignore", message="Possible set union", category=FutureWarning)

from ..paths import PIPELINE_CONFIG
from ..version import pipeline_version  # noqa: F401  re-exported: trialwire.nlp.pipeline_version
from . import conditions, doses, drugs, endpoints, ner, sentences, trial_ids, trials  # noqa: F401  factories


@registry.tokenizers("trialwire.scispacy_tokenizer.v1")
def scispacy_tokenizer():
    """scispacy's combined rule tokenizer (keeps "AMG-451", "mg/kg", "IL-13" whole)."""
    def create(nlp: Language):
        if getattr(nlp, "tokenizer", None) is None:
            # combined_rule_tokenizer reads the default tokenizer's token_match; during
            # Language.__init__ there is none yet, so make the default one first.
            nlp.tokenizer = registry.tokenizers.get("spacy.Tokenizer.v1")()(nlp)
        return combined_rule_tokenizer(nlp)
    return create


def load_pipeline_config(path: Path | str | None = None, overrides: dict[str, Any] | None = None):
    """The pipeline config with dotted-key overrides, e.g. {"components.trialwire_ner.model": None}."""
    return load_config(Path(path or PIPELINE_CONFIG), overrides=overrides or {}, interpolate=True)


def build_pipeline(config_path: Path | str | None = None, overrides: dict[str, Any] | None = None) -> Language:
    config = load_pipeline_config(config_path, overrides)
    return load_model_from_config(config, auto_fill=True, validate=True)
