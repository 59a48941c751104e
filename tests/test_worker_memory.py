"""A parsing process stops growing with what it reads once its vocab is warm: later batches run in a
spaCy memory zone and leave the vocab (and the NER model's own vocab) as they found it."""
from datetime import date

from conftest import copy_samples
from trialwire import ingest
from trialwire.store import Store


def test_batches_after_warm_up_leave_the_vocab_as_they_found_it(tmp_path, monkeypatch):
    (tmp_path / "in").mkdir()
    inputs = copy_samples(tmp_path / "in")
    store = Store(tmp_path / "out")
    found = ingest.discover(store, [str(inputs)], None, "r1", batch_docs=3)
    assert len(found.spools) >= 3
    nlp = ingest.get_pipeline()
    ner = nlp.get_pipe("trialwire_ner").model
    monkeypatch.setattr(ingest, "WARM_VOCAB_STRINGS", 10**9)  # cold: batches add their words
    before = len(nlp.vocab.strings)
    ingest.process_batch(str(store.root), found.spools[0], "r1", date.today(), "b0")
    assert len(nlp.vocab.strings) > before
    monkeypatch.setattr(ingest, "WARM_VOCAB_STRINGS", 0)  # warm: zones from now on
    sizes = (len(nlp.vocab.strings), len(ner.vocab.strings) if ner else 0)
    results = [ingest.process_batch(str(store.root), spool, "r1", date.today(), f"b{i}")
               for i, spool in enumerate(found.spools[1:], 1)]
    assert sum(r.facts for r in results) > 0
    assert (len(nlp.vocab.strings), len(ner.vocab.strings) if ner else 0) == sizes
