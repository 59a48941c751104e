"""The pipeline is built from models/pipeline/config.cfg; NER plugs in from a model folder.

The NER test trains a throwaway two-label model (a few sentences of our own) in a temporary
folder, points a copy of the config at it and checks that its entities arrive as mentions and
feed the drug and condition components.
"""
from __future__ import annotations

import json
import random
import re

import pytest
import spacy
from spacy.training import Example
from spacy.util import load_config

from trialwire.nlp.mention import mentions
from trialwire.nlp.pipeline import build_pipeline, pipeline_version
from trialwire.paths import PIPELINE_CONFIG

UPSTREAM = ["trialwire_line_breaks", "sentencizer", "abbreviation_detector", "trialwire_trial_ids",
            "trialwire_ner", "trialwire_drugs", "trialwire_conditions"]


# `nlp` is the session-wide configured pipeline from conftest.py


def test_components_follow_the_config(nlp):
    config = load_config(PIPELINE_CONFIG)
    assert nlp.pipe_names == list(config["nlp"]["pipeline"])
    assert nlp.pipe_names.index("trialwire_ner") < nlp.pipe_names.index("trialwire_drugs")
    assert nlp.pipe_names.index("trialwire_drugs") < nlp.pipe_names.index("trialwire_doses")


def test_scispacy_tokenizer_from_registry(nlp):
    assert [t.text for t in nlp.make_doc("Give AMG-451 at 2 mg/kg.")][:3] == ["Give", "AMG-451", "at"]


def test_line_breaks_end_sentences(nlp):
    doc = nlp.get_pipe("trialwire_line_breaks")(nlp.make_doc("Key Takeaways\nDrug works well\n\n- It is safe. Done"))
    doc = nlp.get_pipe("sentencizer")(doc)
    assert [s.text.strip() for s in doc.sents] == ["Key Takeaways", "Drug works well", "- It is safe.", "Done"]


def test_a_period_after_a_dosing_or_measurement_abbreviation_ends_no_sentence(nlp):
    """The tokenizer splits the period off "i.v.", "s.c.", "lb." and the like; before a word in lower
    case or a number the sentence goes on, before a capital it ends."""
    doc = nlp("Patients weighing 220 lb. or more received 10 mg/kg i.v. every 2 weeks, or 300 mg s.c. "
              "q.4.w. for 16 wks. and b.i.d. oral dosing. About approx. 450 pts. enrolled. "
              "It was given p.o. Then it stopped.")
    assert [s.text for s in doc.sents] == [
        "Patients weighing 220 lb. or more received 10 mg/kg i.v. every 2 weeks, or 300 mg s.c. q.4.w. "
        "for 16 wks. and b.i.d. oral dosing.", "About approx. 450 pts. enrolled.", "It was given p.o.",
        "Then it stopped."]


def test_version_names_code_kb_and_rules():
    v = pipeline_version()
    assert "+code." in v and "+kb." in v and "+rules." in v


def _package_tree(root, packages, module_in_each):
    """A stand-in for the trialwire package: `packages` with one module each, the modules extraction
    shares with reconciliation, and a report package."""
    from trialwire.version import EXTRACTION_MODULES
    for name in packages:
        (root / name).mkdir()
        (root / name / module_in_each).write_text("THRESHOLD = 0.5\n")
    for name in EXTRACTION_MODULES:
        (root / name).write_text("PATTERN = 'NCT'\n")
    (root / "report").mkdir()


def test_code_fingerprint_follows_the_extraction_code(tmp_path):
    """Rows extracted by different code carry a different version; code outside the extraction
    packages (the report, say) does not change it."""
    from trialwire.version import EXTRACTION_PACKAGES, code_fingerprint
    _package_tree(tmp_path, EXTRACTION_PACKAGES, "rules.py")
    first = code_fingerprint(tmp_path)
    (tmp_path / "report" / "html.py").write_text("STYLE = 'dark'\n")
    code_fingerprint.cache_clear()
    assert code_fingerprint(tmp_path) == first
    (tmp_path / "nlp" / "rules.py").write_text("THRESHOLD = 0.6\n")
    code_fingerprint.cache_clear()
    second = code_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "registries.py").write_text("PATTERN = 'ISRCTN'\n")  # shared with reconciliation, outside nlp/
    code_fingerprint.cache_clear()
    assert code_fingerprint(tmp_path) != second


def test_missing_ner_model_is_a_noop():
    nlp = build_pipeline(overrides={"nlp.pipeline": UPSTREAM, "components.trialwire_ner.model": "no/such/model"})
    assert nlp.get_pipe("trialwire_ner").model is None
    doc = nlp("Rocatinlimab was given.")
    assert not mentions(doc, "CHEMICAL") and mentions(doc, "DRUG")


TRAIN = [
    ("Vexitrol caused quuxitis in two patients.", [(0, 8, "CHEMICAL"), (16, 24, "DISEASE")]),
    ("Patients with quuxitis were given vexitrol daily.", [(14, 22, "DISEASE"), (34, 42, "CHEMICAL")]),
    ("We approved vexitrol for the treatment of quuxitis.", [(12, 20, "CHEMICAL"), (42, 50, "DISEASE")]),
    ("The trial enrolled adults and children.", []),
]


@pytest.fixture(scope="module")
def tiny_ner(tmp_path_factory):
    random.seed(0)
    spacy.util.fix_random_seed(0)
    model = spacy.blank("en")
    model.add_pipe("tok2vec", config={"model": {"@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None,
                                                "width": 32, "depth": 1, "embed_size": 300, "window_size": 1,
                                                "maxout_pieces": 2, "subword_features": True}})
    ner = model.add_pipe("ner", config={"model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
        "hidden_width": 32, "maxout_pieces": 2, "use_upper": True, "nO": None,
        "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 32, "upstream": "*"}}})
    for label in ("CHEMICAL", "DISEASE"):
        ner.add_label(label)
    examples = [Example.from_dict(model.make_doc(t), {"entities": e}) for t, e in TRAIN]
    opt = model.initialize(lambda: examples)
    for _ in range(60):  # a few dozen passes over four sentences: well under a second
        random.shuffle(examples)
        model.update(examples, sgd=opt, drop=0.0)
        if all({(e.start_char, e.end_char, e.label_) for e in model(t).ents} == set(map(tuple, gold))
               for t, gold in TRAIN):
            break
    model.meta["name"] = "tiny_ner"
    model.meta["version"] = "0.0.1"
    path = tmp_path_factory.mktemp("ner") / "tiny_ner"
    model.to_disk(path)
    return path


def test_ner_entities_become_mentions(tiny_ner, tmp_path):
    text = PIPELINE_CONFIG.read_text()
    cfg = tmp_path / "config.cfg"
    cfg.write_text(re.sub(r'(?m)^model = ".*"$', f'model = "{tiny_ner}"', text))
    nlp = build_pipeline(cfg, overrides={"nlp.pipeline": UPSTREAM})
    assert nlp.get_pipe("trialwire_ner").model is not None
    assert "+ner.tiny_ner-0.0.1" in pipeline_version(cfg)
    doc = nlp("Adults with quuxitis were given vexitrol daily.\nWe approved vexitrol for the treatment of quuxitis.")
    ents = {(m.label, m.text) for m in mentions(doc) if m.component == "trialwire_ner"}
    assert ("DISEASE", "quuxitis") in ents
    for m in mentions(doc):
        assert doc.text[m.start_char:m.end_char] == m.text
    # an unknown disease from NER in an indication context becomes a condition
    assert "quuxitis" in {m.norm for m in mentions(doc, "CONDITION")}


@pytest.mark.parametrize("text", ["", " ", "\n\n", "• \n •", "Rocatinlimab\n", "x" * 3000])
def test_edge_inputs_run_through_every_component(nlp, text):
    from trialwire.extract import doc_to_records
    doc = nlp(text)
    assert doc.text == text
    doc_to_records(doc, "edge")


def test_pipe_batches_match_single_calls(nlp):
    texts = ["Lebrikizumab (Ebglyss) treats atopic dermatitis.", "", "Tirzepatide can cause nausea."]
    batched = [[(m.label, m.start_char, m.end_char) for m in d._.mentions or []] for d in nlp.pipe(texts)]
    single = [[(m.label, m.start_char, m.end_char) for m in nlp(t)._.mentions or []] for t in texts]
    assert batched == single


def test_reconcile_version_follows_the_reconciliation_code(tmp_path):
    """A store whose inputs are unchanged is reconciled again after reconciliation's code changes
    (its fingerprint holds reconcile_version), not only after a release number is raised; the
    report's code does not count."""
    from trialwire.version import RECONCILE_PACKAGES, reconcile_version
    _package_tree(tmp_path, RECONCILE_PACKAGES, "claims.py")
    first = reconcile_version(tmp_path)
    assert "+reconcile." in first and "+kb." in first and "+rules." in first
    (tmp_path / "report" / "html.py").write_text("STYLE = 'dark'\n")
    reconcile_version.cache_clear()
    assert reconcile_version(tmp_path) == first
    (tmp_path / "reconcile" / "claims.py").write_text("THRESHOLD = 0.6\n")
    reconcile_version.cache_clear()
    assert reconcile_version(tmp_path) != first
    reconcile_version.cache_clear()


def test_reconciliation_runs_again_when_its_version_changes(tmp_path, monkeypatch):
    from trialwire.reconcile import current_summary, inputs_fingerprint, reconcile, run
    from trialwire.reconcile.testing import StoreBuilder
    b = StoreBuilder(tmp_path)
    b.doc("a.txt", "Rocatinlimab is an antibody.", url="https://a.example.com/1")
    b.commit()
    reconcile(tmp_path)
    assert current_summary(tmp_path) is not None
    monkeypatch.setattr(run, "reconcile_version", lambda: "0.1.0+reconcile.changed")
    assert inputs_fingerprint(tmp_path) != json.loads((tmp_path / "reports" / "_reconcile.json").read_text())["inputs"]
    assert current_summary(tmp_path) is None
