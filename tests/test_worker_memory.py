"""A parsing process stops growing with what it reads once its vocab is warm: later batches run in a
spaCy memory zone and leave the vocab (and the NER model's own vocab) as they found it."""
import uuid
from datetime import date

from conftest import RAW
from trialwire import ingest
from trialwire.store import Store


def test_batches_after_warm_up_leave_the_vocab_as_they_found_it(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    article = sorted(RAW.glob("*.txt"))[0].read_text()
    for i in range(6):  # words no earlier test has parsed, so a cold batch must add them
        novel = " ".join(f"zor{uuid.uuid4().hex[:10]}mab" for _ in range(5))
        (inputs / f"a{i}.txt").write_text(f"{article}\n\nIn a later trial, {novel} were compared.\n")
    store = Store(tmp_path / "out")
    found = ingest.discover(store, [str(inputs)], None, "r1", batch_docs=2)
    assert len(found.spools) == 3
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
