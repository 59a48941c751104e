"""Analyst report: built from stored tables only, self-contained, article text escaped."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from trialwire.reconcile import reconcile
from trialwire.reconcile.testing import StoreBuilder
from trialwire.report import write_report
from trialwire.store import Store

EVIL = "<script>alert(1)</script>"
AI_QA = f"""What is Rocatan? {EVIL}
Take care: this content is pending human review.
Rocatinlimab (Rocatan) {EVIL} is under study in the phase 3 ROCKET program for adults and adolescents.
"""
NEWS = """Rocatinlimab phase 3 results
By Jane Smith
In the double-blind phase 3 ROCKET-IGNITE (IGNITE; NCT05398445) trial, rocatinlimab (AMG 451) met both endpoints.
Patients were adults aged 18 years or older. The trial enrolled 769 adults.
"""
RECRUIT = """ROCKET-Ignite study page
ROCKET-IGNITE enrolled 700 participants. Masking: None (Open Label).
"""


def build(out: Path) -> dict:
    b = StoreBuilder(out)
    qa = b.doc("pages/qa.html", AI_QA, kind="qa", url="https://www.droracle.ai/articles/1",
               title=f"Rocatan {EVIL}", published=dt.date(2025, 11, 23))
    old = b.doc("pages/news.html", NEWS.replace("769", "760"), url="https://www.pharmacytimes.com/view/r",
                published=dt.date(2025, 12, 1), byline="Jane Smith")
    news = b.doc("pages/news.html", NEWS, url="https://www.pharmacytimes.com/view/r", published=dt.date(2026, 1, 2),
                 byline="Jane Smith", version=2, previous_doc_id=old)
    rec = b.doc("/data/raw/recruit.txt", RECRUIT, kind="qa", site="Dermatology Partners")
    for d in (qa, news, rec):
        b.fact("drugs", d, "ocatinlimab", drug="rocatinlimab", in_kb=True)
    b.fact("drug_aliases", qa, "Rocatan)", drug="rocatinlimab", alias="Rocatan", alias_type="unknown", in_kb=False)
    b.fact("drug_aliases", news, "AMG 451", drug="rocatinlimab", alias="AMG 451", alias_type="code", in_kb=True)
    b.fact("trials", news, "ROCKET-IGNITE (IGNITE", trial="ROCKET-IGNITE", nct_id="NCT05398445", phase="3",
           short_forms=["IGNITE"], drug="rocatinlimab")
    b.fact("trials", rec, "ROCKET-IGNITE", trial="ROCKET-IGNITE", phase="3", short_forms=[])
    b.fact("sample_sizes", news, "769", trial="ROCKET-IGNITE", n=769, qualifier="exact", scope="trial")
    b.fact("sample_sizes", rec, "700", trial="ROCKET-IGNITE", n=700, qualifier="exact", scope="trial")
    b.commit()
    return {"qa": qa, "news": news, "old": old, "recruit": rec}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    ids = build(out)
    reconcile(out)
    conflict = next(r for r in Store(out).read("conflicts").to_pylist() if r["attribute"] == "sample_size")
    (out / "decisions.yaml").write_text(
        "aliases:\n  - {drug: rocatinlimab, alias: Rocatan, decision: reject, note: no such brand}\n"
        f"conflicts:\n  - {{conflict_id: {conflict['conflict_id']}, pick: '769', note: company figure}}\n")
    reconcile(out)
    paths = write_report(out)
    return out, paths, ids


def test_writes_html_and_markdown(report):
    out, paths, _ = report
    assert [p.name for p in paths] == ["report.html", "report.md"]
    assert all(p.parent == out / "reports" and p.stat().st_size > 1000 for p in paths)


def test_article_text_is_escaped(report):
    html_text = report[1][0].read_text()
    assert EVIL not in html_text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "<script" not in html_text.lower()
    md_text = report[1][1].read_text()
    assert EVIL not in md_text and "&lt;script&gt;" in md_text


def test_self_contained(report):
    html_text = report[1][0].read_text()
    assert "<style>" in html_text
    assert not re.search(r"<link\b|<img\b[^>]*src=\"http|@import|<iframe", html_text, re.I)


def test_aliases_conflicts_and_decisions_shown(report):
    html_text = report[1][0].read_text()
    row = re.search(r'<tr class="alias-row" data-status="unverified"><td><b>Rocatan</b>.*?</tr>', html_text, re.S)
    assert row and "status-unverified" in row.group(0) and "analyst_decision" in row.group(0)
    assert "reject: no such brand" in row.group(0)
    assert "Analyst decision: pick 769: company figure" in html_text
    # competing values side by side, each with its quoted sentence and a link to the source
    assert '<div class="value">769</div>' in html_text and '<div class="value">700</div>' in html_text
    assert "ROCKET-IGNITE enrolled 700 participants." in html_text
    assert 'href="https://www.pharmacytimes.com/view/r"' in html_text
    assert 'href="file:///data/raw/recruit.txt"' in html_text


def test_each_conflict_offers_the_decision_to_paste(report, tmp_path):
    import html as html_lib

    from trialwire.reconcile.decisions import load_decisions
    out, paths, _ = report
    conflict = next(r for r in Store(out).read("conflicts").to_pylist() if r["attribute"] == "sample_size")
    stubs = re.findall(r'<details class="decide"><summary>.*?</summary><pre>(.*?)</pre></details>', paths[0].read_text(), re.S)
    assert len(stubs) == Store(out).count_rows("conflicts")
    stub = next(html_lib.unescape(s) for s in stubs if conflict["conflict_id"] in s)
    md_stub = re.search(r"```yaml\n(- conflict_id: " + conflict["conflict_id"] + r".*?)```", paths[1].read_text(), re.S)
    assert md_stub and md_stub.group(1).strip() == stub.strip()
    pasted = tmp_path / "decisions.yaml"
    pasted.write_text("conflicts:\n" + "\n".join("  " + line for line in stub.splitlines()) + "\n")
    decided = load_decisions(pasted)
    assert not decided.problems
    assert decided.conflicts[conflict["conflict_id"]]["pick"] == "769"  # the current decision's pick
    assert decided.conflicts[conflict["conflict_id"]]["subject"] == conflict["subject"]


def test_changed_source_is_marked_and_old_version_ignored(report):
    out, paths, ids = report
    html_text = paths[0].read_text()
    assert "changed: version 2" in html_text
    values = [r["values_json"] for r in Store(out).read("conflicts").to_pylist() if r["attribute"] == "sample_size"]
    assert values and "760" not in values[0]


def test_markdown_has_tables_and_quotes(report):
    md_text = report[1][1].read_text()
    assert "| Rocatan | **unverified** |" in md_text
    assert "ROCKET-IGNITE" in md_text and "Proposed: **769**" in md_text


def test_report_from_empty_store(tmp_path):
    paths = write_report(tmp_path)
    assert paths[0].exists() and "trialwire reconciliation report" in paths[0].read_text()


def test_report_never_reads_the_article_texts(report, monkeypatch):
    """The texts are nearly all of the documents table and the report shows none of them: at 25,000
    documents, reading them took the report's memory from 1.48 to 1.78 GB."""
    out, paths, _ = report
    undated = lambda p: re.sub(r"Generated .*? from the stored tables", "", p.read_text(encoding="utf-8"))  # noqa: E731
    before = [undated(p) for p in paths]
    whole_read = Store.read
    def read(self, table, columns=None):
        assert table != "documents" or (columns is not None and "text" not in columns), "texts read"
        return whole_read(self, table, columns)
    monkeypatch.setattr(Store, "read", read)
    again = write_report(out)
    assert [undated(p) for p in again] == before


def test_trials_show_every_registry_id_and_rejected_links(tmp_path):
    b = StoreBuilder(tmp_path)
    news = b.doc("news/h.txt", "Lebrikizumab's phase 3 HORIZON-AD trial (NCT05000001; EudraCT 2019-004061-25) enrolled "
                 "450 adults.", url="https://pharmawire.example/h", site="pharmawire.example")
    qa = b.doc("qa/h.txt", "Is HORIZON-AD registered?\nAnswers come from our Medical A.I. for doctors. HORIZON-AD "
               "(EudraCT 2021-000777-31) tests lebrikizumab.", kind="qa", url="https://askmed.example/q/1")
    for d in (news, qa):
        b.fact("drugs", d, "ebrikizumab", drug="lebrikizumab", in_kb=True)
    b.fact("trials", news, "HORIZON-AD", trial="HORIZON-AD", nct_id="NCT05000001", phase="3", short_forms=[],
           registry_ids=["NCT05000001", "2019-004061-25"], drug="lebrikizumab")
    b.fact("trials", qa, "HORIZON-AD", trial="HORIZON-AD", short_forms=[], registry_ids=["2021-000777-31"],
           drug="lebrikizumab")
    b.commit()
    reconcile(tmp_path)
    html_page, md_page = write_report(tmp_path)
    pages = "".join(p.read_text() for p in (tmp_path / "reports").rglob("*.html"))
    assert "<th>Registry ids</th>" in pages and "NCT05000001, 2019-004061-25" in pages
    assert "2021-000777-31</b> (rejected (conflicting EudraCT id)" in pages
    assert "NCT05000001, 2019-004061-25, phase 3" in "".join(p.read_text() for p in (tmp_path / "reports").rglob("*.md"))
