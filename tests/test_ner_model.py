"""Fast regression check of the shipped BC5CDR NER model (models/ner/bc5cdr).

Scores the first 50 abstracts of the BC5CDR test set (repo's sibling ``shared`` folder) and fails if the
entity F1 drops below 0.80. Also checks the interface the pipeline relies on: components, labels and the
scispacy tokenizer surviving spacy.load.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MODEL = REPO / "models" / "ner" / "bc5cdr"
PUBTATOR = SHARED / "corpora" / "bc5cdr" / "pubtator" / "CDR_TestSet.PubTator.txt"


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    if not MODEL.exists():
        pytest.fail(f"model directory missing: {MODEL}")
    return spacy.load(MODEL)


def test_interface(nlp):
    from scispacy.custom_tokenizer import combined_rule_tokenizer
    import spacy

    assert nlp.pipe_names == ["tok2vec", "ner"]
    assert sorted(nlp.get_pipe("ner").labels) == ["CHEMICAL", "DISEASE"]
    fresh = spacy.blank("en")
    fresh.tokenizer = combined_rule_tokenizer(fresh)
    s = "Rocatinlimab (AMG 451) 300 mg"
    assert [t.text for t in nlp(s)] == [t.text for t in fresh(s)]


def test_model_size():
    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size <= 50 * 1024 * 1024


def test_bc5cdr_test_slice_f1(nlp):
    assert PUBTATOR.exists(), f"shared BC5CDR corpus not found at {PUBTATOR}"
    sys.path.insert(0, str(REPO / "models" / "ner"))
    from evaluate import evaluate

    res = evaluate(nlp, "test", limit=50, shared=SHARED)
    assert res["n_docs"] == 50
    print(f"F1 on 50 test abstracts: {res['ents_f']:.4f} (P {res['ents_p']:.4f} R {res['ents_r']:.4f})")
    assert res["ents_f"] >= 0.80, res
