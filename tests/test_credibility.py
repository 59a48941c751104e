"""Source credibility model: tiers from hosts, site names, kind and text cues; page signals."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from trialwire.reconcile.credibility import (SOURCE_TYPES, SourceAssessment, assess_source,
                                             load_credibility_model)

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def assess(text="Plain article text.\nBy Jane Doe", kind="news", url=None, site=None, byline=None, published=None,
           title=None):
    return assess_source(text=text, kind=kind, url=url, title=title, byline=byline, published=published, site=site)


def test_model_loads_with_every_tier():
    model = load_credibility_model()
    assert set(model.tiers) == set(SOURCE_TYPES)
    order = ["registry", "journal", "regulator", "company", "trade_news", "general_news", "qa_ai"]
    scores = [model.tiers[t] for t in order]
    assert scores == sorted(scores, reverse=True)
    assert model.authoritative == {"registry", "journal", "regulator", "company"}


@pytest.mark.parametrize("url,expected", [
    ("https://clinicaltrials.gov/study/NCT05398445", "registry"),
    ("https://www.thelancet.com/journals/lancet/article/x", "journal"),
    ("https://www.nejm.org/doi/full/10.1056/x", "journal"),
    ("https://www.fda.gov/news-events/press-announcements/x", "regulator"),
    ("https://www.ema.europa.eu/en/medicines/x", "regulator"),
    ("https://www.amgen.com/newsroom/press-releases/2025/09/x", "company"),
    ("https://www.prnewswire.com/news-releases/x.html", "company"),
    ("https://www.pharmacytimes.com/view/x", "trade_news"),
    ("https://www.fiercepharma.com/pharma/x", "trade_news"),
    ("https://www.reuters.com/business/x", "general_news"),
    ("https://www.droracle.ai/articles/545208/x", "qa_ai"),
])
def test_type_from_host(url, expected):
    a = assess(url=url)
    assert isinstance(a, SourceAssessment) and a.source_type == expected


def test_the_longest_listed_host_suffix_decides():
    import dataclasses
    from trialwire.reconcile.credibility import load_credibility_model, type_from_host
    model = dataclasses.replace(load_credibility_model(), hosts={"gov": "other", "nih.gov": "journal",
                                                                 "clinicaltrials.gov": "registry"})
    assert type_from_host("clinicaltrials.gov", model) == "registry"
    assert type_from_host("pubmed.ncbi.nlm.nih.gov", model) == "journal"
    assert type_from_host("fda.gov", model) == "other"
    assert type_from_host("notnih.gov", model) == "other"  # whole labels only
    assert type_from_host("nih.gov.example.com", model) is None and type_from_host("", model) is None


def test_site_name_when_url_unknown():
    assert assess(site="Pharmacy Times").source_type == "trade_news"


def test_kind_and_text_fill_in_without_url():
    assert assess(kind="press_release").source_type == "company"
    wire = "INDIANAPOLIS, Sept. 13, 2024 /PRNewswire/ -- Lilly announced today."
    assert assess(text=wire, kind="news").source_type == "company"
    assert assess(kind="news").source_type == "general_news"
    assert assess(kind="other").source_type == "other"


def test_ai_qa_seed_is_lowest_tier_with_signals():
    a = assess(text=(SEEDS / "004_3d3ec858bae390bf.txt").read_text(), kind="qa")
    assert a.source_type == "qa_ai"
    assert {"ai_generated", "pending_review", "disclaimer"} <= set(a.signals)
    assert "reviewed_by_expert" not in a.signals  # an advisory-board claim on a page pending review
    assert a.credibility < 0.1


def test_reviewed_qa_beats_unreviewed():
    text = (RAW / "07_qa_tirzepatide.txt").read_text()
    reviewed = assess(text=text, kind="qa")
    assert reviewed.source_type == "qa_reviewed" and "reviewed_by_expert" in reviewed.signals
    unreviewed = assess(text="Q: What is it?\nA: A drug.", kind="qa")
    assert unreviewed.source_type == "qa_ai"
    assert reviewed.credibility > unreviewed.credibility


def test_byline_and_staleness():
    fresh = assess(text="Rocatinlimab news.", byline="Jane Doe", published=dt.date.today(),
                   url="https://www.pharmacytimes.com/x")
    anonymous = assess(text="Rocatinlimab news.", url="https://www.pharmacytimes.com/x")
    old = assess(text="Rocatinlimab news.", byline="Jane Doe", published=dt.date(2015, 1, 1),
                 url="https://www.pharmacytimes.com/x")
    assert "no_byline" in anonymous.signals and "no_byline" not in fresh.signals
    assert "stale" in old.signals
    assert fresh.credibility > anonymous.credibility and fresh.credibility > old.credibility


def test_no_byline_exempt_for_authoritative_types():
    a = assess(text="Study record.", url="https://clinicaltrials.gov/study/NCT1")
    assert "no_byline" in a.signals and a.credibility == load_credibility_model().tiers["registry"]


def test_ai_signal_lowers_even_a_trade_site():
    plain = assess(url="https://www.biospace.com/x", byline="A B")
    ai = assess(text="This summary was generated by AI from press materials.", url="https://www.biospace.com/x",
                byline="A B")
    assert ai.source_type == plain.source_type == "trade_news"
    assert "ai_generated" in ai.signals and ai.credibility < plain.credibility


def test_custom_model_file(tmp_path):
    cfg = tmp_path / "cred.yaml"
    cfg.write_text("tiers: {registry: 0.9, journal: 0.9, regulator: 0.9, company: 0.9, trade_news: 0.9,\n"
                   "  general_news: 0.9, qa_reviewed: 0.9, qa_ai: 0.9, other: 0.2}\n"
                   "hosts: {qa_ai: [example.org]}\nsignals: {}\n")
    model = load_credibility_model(cfg)
    a = assess_source(text="x", kind="news", url="https://www.example.org/a", title=None, byline=None,
                      published=None, site=None, model=model)
    assert (a.source_type, a.credibility, a.signals) == ("qa_ai", 0.9, ())
