from conftest import FIXTURES, RAW
from trialwire.sources.base import RawDocument
from trialwire.text import Unreadable, prepare
from trialwire.text.classify import classify_kind
from trialwire.text.clean import clean_text
from trialwire.text.meta import published_from_text


def test_citation_markers_are_detached_without_touching_codes_or_decimals():
    text = clean_text("given subcutaneously.1,2 The disease, eczema.1-4 responds to therapy5 and AMG451 "
                      "or IL13 at 3.5 mg. Improvement at week 24.1,2\nBullet point ends here. 1")
    assert "subcutaneously. The" in text and "eczema. responds" in text
    assert "therapy and" in text and "AMG451" in text and "IL13" in text and "3.5 mg" in text
    assert "week 24.\n" in text and text.endswith("ends here.")


def test_noise_fixture_keeps_numbers_and_normalises_spaces():
    text = clean_text((FIXTURES / "articles" / "citations_and_noise.txt").read_text(encoding="utf-8"))
    assert "\u00a0" not in text and ">=" in text and "&gt;" not in text
    assert "12·6%" in text and "300 mg or 150 mg" in text and "(AMG 451)" in text


def test_kinds_of_the_sample_articles():
    kinds = {}
    for name in ["01_trade_news_rocatinlimab.txt", "02_qa_rocatan.txt", "03_press_release_lebrikizumab.txt",
                 "07_qa_tirzepatide.txt"]:
        doc = prepare(RawDocument(str(RAW / name), (RAW / name).read_bytes()))
        kinds[name[:2]] = doc.kind
    assert kinds == {"01": "news", "02": "qa", "03": "press_release", "07": "qa"}


def test_html_page_loses_navigation_and_scripts_and_keeps_metadata():
    path = RAW / "04_web_tirzepatide.html"
    doc = prepare(RawDocument(str(path), path.read_bytes(), content_type="text/html"))
    assert "SURMOUNT-1" in doc.text and "function(" not in doc.text and "cookie" not in doc.text.lower()
    assert doc.title and "SURMOUNT-1" in doc.title
    assert doc.published is not None and doc.byline and doc.url.startswith("https://")


def test_html_with_only_scripts_is_no_text():
    html = b"<html><head><script>var a = 1; function track(){}</script></head><body><script>x()</script></body></html>"
    try:
        prepare(RawDocument("page.html", html, content_type="text/html"))
    except Unreadable as exc:
        assert exc.reason == "no_text"
    else:
        raise AssertionError("a page of scripts must not become a document")


def test_last_updated_date_and_qa_kind_from_text():
    text = "What is Exampleumab?\nLast updated: November 23, 2025\nQ: What is it?\nA: An antibody."
    assert str(published_from_text(text)) == "2025-11-23"
    assert classify_kind(text, "What is Exampleumab?") == "qa"


def test_language_marked_for_german_and_italian():
    for name, lang in [("german_news.txt", "de"), ("italian_news.txt", "it")]:
        path = FIXTURES / "articles" / name
        assert prepare(RawDocument(str(path), path.read_bytes())).lang == lang
