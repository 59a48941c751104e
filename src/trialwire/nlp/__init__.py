"""NLP stage: one spaCy pipeline (scispacy tokenizer, sentences, abbreviations, NER model,
rule components) that leaves `Mention`s on each Doc."""
from .mention import Mention, add_mention, mentions
from .pipeline import build_pipeline, pipeline_version

__all__ = ["Mention", "add_mention", "mentions", "build_pipeline", "pipeline_version"]
