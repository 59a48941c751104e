"""Statistical NER (BC5CDR: CHEMICAL, DISEASE) as mentions, when a model is present.

`trialwire_ner` keeps the loaded model inside the component and runs its pipes (tok2vec, ner) on
a copy of the Doc built from the same words and spaces, so the character offsets are identical;
entities come back as `CHEMICAL` / `DISEASE` mentions. The drug and condition components decide
what they mean (drug candidate, indication, adverse event). Without a model the component is a
no-op and says so once in the log.
"""
from __future__ import annotations

import logging
from contextlib import contextmanager

import spacy
from spacy.attrs import ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc

from ..version import model_version, resolve_model
from .mention import Mention, add_mention

log = logging.getLogger(__name__)
_WARNED: set[str] = set()
NER_LABELS = ("CHEMICAL", "DISEASE")
TRIM = " \t\n\r\u2022\u00b7*-\u2013\u2014.,;:!?\"'\u201c\u201d\u2018\u2019()[]"


class NerComponent:
    def __init__(self, name: str, model: str | None, labels: list[str]):
        self.name = name
        self.spec = model
        self.labels = set(labels)
        self.model = None
        self.version = None
        where = resolve_model(model)
        if where is None:
            if (model or "") not in _WARNED:
                _WARNED.add(model or "")
                log.warning("NER model %r not found: the pipeline runs without statistical NER", model)
            return
        self.model = spacy.load(where)
        self.version = model_version(model)
        self.pipes = [proc for _, proc in self.model.pipeline]

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    @contextmanager
    def memory_zone(self, mem=None):
        """Entered by nlp.memory_zone(): the words the model's own vocab learns from a batch's
        copies are freed with the batch, so a long-running worker's memory stays flat."""
        if self.model is None:
            yield
            return
        with self.model.memory_zone():
            yield

    def pipe(self, docs, batch_size: int = 64):
        """Batched: copies of a batch go through the model's pipes together (spaCy calls this
        from nlp.pipe), which is what makes the neural part fast."""
        if self.model is None:
            yield from docs
            return
        for batch in spacy.util.minibatch(docs, size=batch_size):
            copies = [self.copy(d) for d in batch]
            for proc in self.pipes:
                copies = list(proc.pipe(copies, batch_size=batch_size)) if hasattr(proc, "pipe") \
                    else [proc(c) for c in copies]
            for doc, copy in zip(batch, copies):
                self.add_entities(doc, copy)
                yield doc

    def copy(self, doc: Doc) -> Doc:
        """The same words and spaces in the model's vocab (one array read, no Token objects)."""
        strings = doc.vocab.strings
        arr = doc.to_array([ORTH, SPACY]).tolist()
        return Doc(self.model.vocab, words=[strings[o] for o, _ in arr], spaces=[bool(sp) for _, sp in arr])

    def add_entities(self, doc: Doc, copy: Doc) -> None:
        for ent in copy.ents:
            if ent.label_ not in self.labels:
                continue
            t = ent.text
            if "\n" in t.strip():
                continue  # an entity never runs across a line break (heading + bullet)
            # trim whitespace, bullets and trailing punctuation the model took in
            lead = len(t) - len(t.lstrip(TRIM))
            t = t.strip(TRIM)
            if not t:
                continue
            s = ent.start_char + lead
            add_mention(doc, Mention(ent.label_, s, s + len(t), t, t.lower(), self.name, 0.6,
                                     {"model": self.version}))


@Language.factory("trialwire_ner", default_config={"model": "ner/bc5cdr", "labels": list(NER_LABELS)},
                  assigns=["doc._.mentions"])
def make_ner(nlp: Language, name: str, model: str | None, labels: list[str]):
    """`model` (the pipeline's NER-model option): a model folder (relative to models/ or the
    project root, or absolute) or an installed package name such as en_ner_bc5cdr_md; null or a
    missing folder runs without NER."""
    return NerComponent(name, model, labels)
