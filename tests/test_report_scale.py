"""The report at scale: the most credible quotes first with a count of the rest, the heaviest values
side by side and the rest listed, and, past a size, one page per drug and pages of sources that
replace the old pages whole."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

import trialwire.report as report_module
from trialwire.reconcile import reconcile
from trialwire.reconcile.testing import StoreBuilder
from trialwire.report import write_report
from trialwire.report.model import QUOTES_PER_VALUE, VALUES_WITH_QUOTES, most_credible_first, slugs

REGISTRY = """ROCKET-IGNITE (NCT05398445) study record
ROCKET-IGNITE enrolled 769 participants with moderate-to-severe atopic dermatitis.
"""


def news(i: int) -> str:
    return (f"Rocatinlimab update {i}\nIn report {i}, rocatinlimab met its co-primary endpoints in ROCKET-IGNITE, "
            f"which enrolled 726 adults across clinic group {i}.\n")


def psoriasis_qa(i: int, n: int) -> str:
    return f"Patient question {i}\nThe ORBIT-7 study of tildrakizumab enrolled {n} patients with plaque psoriasis.\n"


def build(out: Path, programs: int = 1) -> None:
    b = StoreBuilder(out)
    reg = b.doc("registry/ignite.txt", REGISTRY, kind="registry", url="https://clinicaltrials.gov/study/NCT05398445")
    b.fact("sample_sizes", reg, "769", trial="ROCKET-IGNITE", n=769, qualifier="exact", scope="trial")
    b.fact("trials", reg, "ROCKET-IGNITE", trial="ROCKET-IGNITE", nct_id="NCT05398445", phase="3",
           short_forms=[], drug="rocatinlimab")
    for i in range(12):  # twelve news pages agree with each other, not with the registry
        d = b.doc(f"news/{i}.html", news(i), url=f"https://news{i}.example.com/rocatinlimab",
                  published=dt.date(2025, 1, 1 + i))
        b.fact("drugs", d, "rocatinlimab", drug="rocatinlimab", in_kb=True)
        b.fact("sample_sizes", d, "726", trial="ROCKET-IGNITE", n=726, qualifier="exact", scope="trial")
    for i, n in enumerate(range(300, 311)):  # eleven Q&A pages, eleven different enrolments
        d = b.doc(f"qa/{i}.html", psoriasis_qa(i, n), kind="qa", url=f"https://qa.example.com/{i}")
        b.fact("drugs", d, "tildrakizumab", drug="tildrakizumab", in_kb=True)
        b.fact("sample_sizes", d, str(n), trial="ORBIT-7", n=n, qualifier="exact", scope="trial")
        b.fact("trials", d, "ORBIT-7", trial="ORBIT-7", phase="3", short_forms=[], drug="tildrakizumab")
    for extra in ("guselkumab", "risankizumab")[:programs - 1]:
        d = b.doc(f"news/{extra}.html", f"{extra.title()} news\n{extra.title()} is approved for plaque psoriasis.\n")
        b.fact("drugs", d, extra.title(), drug=extra, in_kb=True)
    b.commit()
    reconcile(out)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("scale")
    build(out)
    return out


def card(html_text: str, subject: str) -> str:
    return re.search(rf'<div class="card[^"]*" id="c-\w+"><h4>{subject} &middot; sample_size.*?(?=<div class="card|</section>)',
                     html_text, re.S).group(0)


def test_a_value_shows_its_most_credible_quotes_and_counts_the_rest(store):
    html_text = write_report(store)[0].read_text()
    ignite = card(html_text, "ROCKET-IGNITE")
    side = re.search(r'<div class="side[^"]*"><div class="value">726</div>.*?(?=<div class="side|<p><b>Proposed)', ignite, re.S).group(0)
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", side)
    assert len(quotes) == QUOTES_PER_VALUE and "and 7 more quotes" in side and "12 document(s)" in side
    # equally credible news pages: the newest first
    assert [re.search(r"report (\d+)", q).group(1) for q in quotes] == ["11", "10", "9", "8", "7"]
    md_text = (store / "reports" / "report.md").read_text()
    assert "… and 7 more quotes" in md_text


def test_most_credible_first_dedupes_and_orders():
    docs = {"reg": {"credibility": 0.95}, "qa": {"credibility": 0.2}, "news": {"credibility": 0.45, "published": dt.date(2025, 3, 1)}}
    items = [{"doc_id": "qa", "quote": "a"}, {"doc_id": "news", "quote": "b"}, {"doc_id": "reg", "quote": "c"},
             {"doc_id": "news", "quote": "b"}, {"doc_id": "news", "quote": "d", "confidence": 0.99}]
    assert [(s["doc_id"], s["quote"]) for s in most_credible_first(items, docs)] == [
        ("reg", "c"), ("news", "d"), ("news", "b"), ("qa", "a")]


def test_many_values_the_heaviest_side_by_side_the_rest_listed(store):
    html_text = write_report(store)[0].read_text()
    orbit = card(html_text, "ORBIT-7")
    sides = re.findall(r'<div class="side[^"]*"><div class="value">(\d+)</div>', orbit)
    assert len(sides) == VALUES_WITH_QUOTES
    rest = re.search(r'<details class="other-values"><summary>3 more values.*?</details>', orbit, re.S)
    assert rest and len(re.findall(r"<tr><td>\d+</td>", rest.group(0))) == 3
    assert sorted(sides + re.findall(r"<tr><td>(\d+)</td>", rest.group(0))) == [str(n) for n in range(300, 311)]
    # eleven values of one Q&A page each weigh the same: none is proposed, none marked
    assert "<b>Proposed:</b> (none)" in orbit and 'class="side proposed"' not in orbit
    ignite = card(html_text, "ROCKET-IGNITE")
    proposed = re.search(r"<b>Proposed:</b> (\d+)", ignite).group(1)
    assert proposed == "726" and 'class="side proposed"><div class="value">726' in ignite


def test_small_store_is_one_page(store):
    paths = write_report(store)
    html_text = paths[0].read_text()
    assert '<section class="drug" id="drug-rocatinlimab">' in html_text and '<a href="#drug-rocatinlimab">' in html_text
    assert not (store / "reports" / "drugs").exists() and not (store / "reports" / "sources").exists()


def test_large_store_gets_a_page_per_drug_and_pages_of_sources(tmp_path, monkeypatch):
    build(tmp_path, programs=2)
    monkeypatch.setattr(report_module.model, "SOURCES_PER_PAGE", 10)
    index = write_report(tmp_path, one_page_chars=1)[0]
    folder = index.parent
    html_text = index.read_text()
    assert '<section class="drug"' not in html_text and "ROCKET-IGNITE enrolled" not in html_text
    links = re.findall(r'<tr class="drug-row"><td><a href="([^"]+)">', html_text)
    assert links == ["drugs/guselkumab.html", "drugs/rocatinlimab.html", "drugs/tildrakizumab.html"]
    for link in links:
        page = (folder / link).read_text()
        assert '<a href="../report.html">All drugs</a>' in page and '<a href="../sources/1.html">Sources</a>' in page
        md_page = (folder / link).with_suffix(".md").read_text()
        assert "[All drugs](../report.md)" in md_page and "[Sources](../sources/1.md)" in md_page
    page = (folder / "drugs" / "rocatinlimab.html").read_text()
    assert "ROCKET-IGNITE enrolled 769 participants" in page and "1 trials" in page
    # 26 sources, 10 to a page
    assert sorted(p.name for p in (folder / "sources").iterdir()) == ["1.html", "1.md", "2.html", "2.md", "3.html", "3.md"]
    assert '<a href="sources/1.html">Sources</a>' in html_text
    assert '<b>2</b>' in (folder / "sources" / "2.html").read_text()
    assert "[rocatinlimab](drugs/rocatinlimab.md)" in (folder / "report.md").read_text()
    # a page left from an earlier report is gone after the next one; a one-page report removes the folders
    (folder / "drugs" / "left-over.html").write_text("old")
    write_report(tmp_path, one_page_chars=1)
    assert not (folder / "drugs" / "left-over.html").exists()
    write_report(tmp_path)
    assert not (folder / "drugs").exists() and not (folder / "sources").exists()


def test_a_crash_while_writing_pages_keeps_the_last_report(tmp_path, monkeypatch):
    build(tmp_path)
    write_report(tmp_path, one_page_chars=1)
    folder = tmp_path / "reports"
    before = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    calls = []

    def fail_on_second(view, section, drug):
        calls.append(drug["drug"])
        if len(calls) == 2:
            raise OSError("disk full")
        return "new page"
    monkeypatch.setattr(report_module.html, "render_drug_page", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        write_report(tmp_path, one_page_chars=1)
    after = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file() and ".drugs.new" not in p.parts}
    assert after == before


def test_slugs_are_safe_file_names_and_distinct():
    got = slugs(["Drug A", "drug-a", "../../etc/passwd", "AMG 451", "α-interferon", ""])
    assert got["AMG 451"] == "amg-451" and got["../../etc/passwd"] == "etc-passwd"
    assert got["Drug A"] != got["drug-a"] and got["Drug A"].startswith("drug-a-")
    assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in got.values()) and len(set(got.values())) == 6
