"""How a run is cut and finished: batch sizes near the end, the warm-up of reconciliation while the
last batches parse, reconciliation's text readers, and the exact prefilter in front of slow regexes."""
import pickle
import random
import re
from pathlib import Path

import pytest

from conftest import RAW
from trialwire import ingest
from trialwire.ingest import tail_sizes
from trialwire.store import Store
from trialwire.text.classify import PRESS_ANCHORS, classify_kind
from trialwire.text.literals import FOLDS_TO_ASCII, anchor_text, could_match, may_hold


@pytest.mark.parametrize("n", range(0, 130))
def test_the_last_documents_go_in_smaller_batches(n):
    sizes = tail_sizes(n, 64)
    assert sum(sizes) == n
    assert all(size <= 64 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # whichever worker is free takes the next, largest first
    if n >= 2 * ingest.TAIL_MIN_DOCS:
        assert len(sizes) >= 2 and sizes[-1] <= 16 and sizes[-2] <= 16  # the workers finish together
    if n >= 64:
        assert sizes[-2:] == [8, 8]
    assert all(size >= ingest.TAIL_MIN_DOCS for size in sizes) or len(sizes) == 1


def test_small_batches_are_cut_as_before():
    assert tail_sizes(3, 2) == [2, 1] and tail_sizes(7, 16) == [7] and tail_sizes(20, 16) == [16, 4]


def test_discovery_holds_one_batch_back_to_taper_the_end(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = (RAW / "01_trade_news_rocatinlimab.txt").read_text(encoding="utf-8")
    for i in range(150):
        (folder / f"a{i:03d}.txt").write_text(f"{text}\n\nNote {i}: article number {i} of the set.\n", encoding="utf-8")
    store = Store(tmp_path / "out")
    found = ingest.discover(store, [str(folder)], None, "r1")
    sizes = [len(pickle.loads(Path(s).read_bytes())) for s in found.spools]
    assert sizes == [64, 64, 11, 11] and found.new == 150


def test_reconciliation_is_warmed_once_while_the_last_batches_parse(prefect, tmp_path, monkeypatch):
    from trialwire import cli
    flows = cli.load_flow_module()
    events = []
    monkeypatch.setattr(ingest, "BATCH_DOCS", 2)  # 7 sample articles: 4 batches for 2 workers
    monkeypatch.setattr(ingest, "warm_reconcile", lambda: events.append("warm"))
    reconcile = flows.reconcile.fn

    def recording(out):
        events.append("reconcile")
        return reconcile(out)
    monkeypatch.setattr(flows.reconcile, "fn", recording)
    monkeypatch.setattr(cli, "load_flow_module", lambda: flows)
    monkeypatch.setattr(cli, "print_summary", lambda summary: None)
    assert cli.main(["ingest", str(RAW), "--out", str(tmp_path / "a"), "--quiet", "--runner", "process",
                     "--workers", "2"]) == 0
    assert events == ["warm", "reconcile"]
    events.clear()
    assert cli.main(["ingest", str(RAW), "--out", str(tmp_path / "b"), "--quiet", "--runner", "process",
                     "--workers", "2", "--no-reconcile"]) == 0
    assert events == []


def test_text_readers_start_at_once_and_read_as_this_process_would():
    from trialwire.reconcile.readers import PARALLEL_FROM_DOCS, TextReaders
    from trialwire.reconcile.resultfacts import result_rows, rows_in
    from trialwire.reconcile.textfacts import body_text, text_claims
    texts = {p.name: p.read_text(encoding="utf-8", errors="ignore") for p in sorted(RAW.iterdir()) if p.suffix == ".txt"}
    names = ["ROCKET-IGNITE", "ADvocate1"]
    with_results = sorted(texts)[::2]
    for expected_docs, parallel in ((PARALLEL_FROM_DOCS, True), (PARALLEL_FROM_DOCS - 1, False)):
        with TextReaders(expected_docs, cores=2) as readers:
            assert (readers.pool is not None) is parallel
            if parallel:
                assert len(readers.pool._processes) == 2  # spawned before any text
            readers.scan(texts, with_results)
            scans = readers.scans()
            assert list(scans) == list(texts)
            # the second round reads only the kept sentences, and finds every claim the whole text holds
            claims = readers.read([(scans[d].claims, names) for d in texts])()
            assert claims == [text_claims(t, names) for t in texts.values()]
            assert any(claims) and any(scans[d].results for d in with_results)
            for doc_id, text in texts.items():
                if doc_id not in with_results:
                    assert scans[doc_id].results is None
                    continue
                assert rows_in(scans[doc_id].results, body_text(text), doc_id, "rocatinlimab", ["dupilumab"], names) == \
                    result_rows(text, doc_id, "rocatinlimab", ["dupilumab"], names)


def test_row_count_comes_from_the_footers(tmp_path):
    from trialwire.cli import main
    out = tmp_path / "out"
    assert main(["ingest", str(RAW), "--out", str(out), "--quiet", "--runner", "local", "--no-reconcile"]) == 0
    store = Store(out)
    assert store.count_rows("documents") == store.read("documents", ["doc_id"]).num_rows > 0
    assert Store(tmp_path / "none").count_rows("documents") == 0


ALPHABET = "abcdefghiklmnoprstuvwyz ABCDEFGIKLNOPRSW-/(:.\n" + "\u0130\u0131\u017f\u212a\u00e9\u03c3\u00df"


def test_the_prefilter_never_rules_out_a_case_insensitive_match():
    rng = random.Random(7)
    anchors = ["press release", "business wire", "(nyse:", "kids", "iris", "sk"]
    for _ in range(20000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14)))
        for anchor in anchors:
            if re.search(re.escape(anchor), text, re.I):
                assert could_match(text, [anchor]), (text, anchor)
        for word in ("Kids", "IRIS", "\u03c3k", "Sk"):  # names as printed, any case, one not ASCII
            if re.search(re.escape(word), text, re.I):
                assert may_hold(anchor_text(text), word), (text, word)
    assert could_match("Press Release: ...", ["press release"]) and not could_match("a plain text", ["press release"])
    assert anchor_text("pre\u017f\u017f release") is None and FOLDS_TO_ASCII.search("\u212a")
    assert could_match("About us", ["\nabout "], prefix="\n") and not could_match("About us", ["\nabout "])
    assert not may_hold("a plain text", "Press") and may_hold(None, "Press")


def test_document_kind_is_what_the_full_regex_says(monkeypatch):
    from trialwire.text import classify
    texts = [p.read_text(encoding="utf-8", errors="ignore") for p in sorted(RAW.iterdir())]
    texts += ["About Amgen\nAmgen discovers medicines.", "about Kyowa Kirin", "PRE\u017fS RELEASE from the company",
              "Media Contact: J. Doe\nInvestor Relations: K. Roe", "Bu\u017fine\u017f\u017f Wire -- a note",
              "x\nABOUT TEVA PHARMA\n(NASDAQ: TEVA)", "The study, according to the authors, said little."]
    kinds = [classify_kind(text) for text in texts]
    monkeypatch.setattr(classify, "could_match", lambda *args, **kwargs: True)  # every text through the regex
    assert kinds == [classify_kind(text) for text in texts]
    assert kinds[-7:] == ["press_release", "press_release", "press_release", "press_release",
                          "press_release", "press_release", "news"]
    assert all(anchor == anchor.lower() and anchor.isascii() for anchor in PRESS_ANCHORS)


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    """A small regex over ALPHABET's letters: literals, classes, alternation, optional and repeated
    groups, \\b and lookarounds (what required_anchors reads)."""
    parts = []
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        if kind < 0.45 or depth > 2:
            parts.append(re.escape("".join(rng.choice("abcsk -.") for _ in range(rng.randint(1, 3)))))
        elif kind < 0.55:
            parts.append(rng.choice(["[ab]", "[a-c]", "[^a]", "\\w", "\\s", ".", "[-.]"]))
        elif kind < 0.7:
            parts.append("(?:" + "|".join(_random_pattern(rng, depth + 1) for _ in range(rng.randint(2, 3))) + ")")
        elif kind < 0.85:
            parts.append("(?:" + _random_pattern(rng, depth + 1) + ")" + rng.choice(["?", "*", "+", "{2}", "{1,2}"]))
        else:
            parts.append(rng.choice(["\\b", "(?=a)", "(?<!s)", "^", "$"]))
    return "".join(parts)


def test_anchors_read_from_a_pattern_never_rule_out_a_match():
    from trialwire.text.literals import required_anchors, search
    rng = random.Random(11)
    checked = 0
    for _ in range(3000):
        pattern = re.compile(_random_pattern(rng), re.I | re.M)
        anchors = required_anchors(pattern)
        for _ in range(20):
            text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 16)))
            if pattern.search(text):
                checked += 1
                assert anchors is None or could_match(text, anchors), (pattern.pattern, text, anchors)
                assert search(pattern, text, anchor_text(text))
    assert checked > 5000


def test_anchors_of_typical_patterns():
    from trialwire.text.literals import required_anchors
    anchors = required_anchors
    assert anchors(re.compile(r"\bpending (?:human |medical )?review\b", re.I)) == ("pending ",)
    assert anchors(re.compile(r"\bnot (?:yet )?been reviewed by\b", re.I)) == ("been reviewed by",)
    assert anchors(re.compile(r"(?:AI|A\.I\.)[- ](?:generated|written)", re.I)) == (
        "a.i. generated", "a.i. written", "a.i.-generated", "a.i.-written", "ai generated", "ai written",
        "ai-generated", "ai-written")
    assert anchors(re.compile(r"x(?=abc)y")) == ("xy",)  # a lookahead consumes nothing
    assert anchors(re.compile(r"generated|ai-generated")) == ("generated",)  # one covers the other
    assert anchors(re.compile(r"\w+|ab")) is None and anchors(re.compile(r"(?:ab)?c*")) is None
    # a non-ASCII letter is left to the regex (its case-insensitive matches are not all its lower case)
    assert anchors(re.compile("\u00e9t\u00e9", re.I)) == ("t",) and anchors(re.compile("\u03c3|s", re.I)) is None


def test_source_signals_are_what_the_full_patterns_say(monkeypatch):
    from trialwire.reconcile import credibility
    model = credibility.load_credibility_model()
    texts = [p.read_text(encoding="utf-8", errors="ignore") for p in sorted(RAW.iterdir())]
    texts += ["This answer was AI-generated and is pending human review.", "Medically reviewed by Jane Roe, PharmD.",
              "For informational purposes only; not medical advice.", "Generated by an artificial intelligence tool.",
              "PEND\u0130NG REVIEW", "Press release / GLOBE NEWSWIRE / today"]
    read = [(credibility.read_signals(t, None, None, None, model), credibility.decide_type(
        text=t, kind="other", url=None, site=None, signals=[], model=model)) for t in texts]
    monkeypatch.setattr(credibility, "anchor_text", lambda text: None)  # every text through the patterns
    assert read == [(credibility.read_signals(t, None, None, None, model), credibility.decide_type(
        text=t, kind="other", url=None, site=None, signals=[], model=model)) for t in texts]
    assert read[-6][0] == ["ai_generated", "pending_review", "no_byline"] and read[-1][1] == "company"
