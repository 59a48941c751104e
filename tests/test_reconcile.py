"""Reconciliation on small stores built in a temporary folder (no NLP pipeline needed)."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from trialwire.reconcile import reconcile
from trialwire.reconcile.testing import StoreBuilder
from trialwire.store import TABLES, Store

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_NEWS = SEEDS / "000_d9d605af51a8c166.txt"
SEED_QA = SEEDS / "004_3d3ec858bae390bf.txt"

AI_QA = """Rocatan: what it is and how it is used
For education only. Take care: this content is pending human review.
Rocatinlimab (Rocatan) in atopic dermatitis
Rocatinlimab, an investigational antibody against the OX40 receptor that rebalances T cells, is under study in the phase 3 ROCKET program for adults and adolescents with moderate-to-severe atopic dermatitis.
Answers come from our Medical A.I. for doctors in practice.
"""
TRADE = """Rocatinlimab phase 3 trials succeed
By Jane Smith
In the double-blind, placebo-controlled phase 3 ROCKET-IGNITE (IGNITE; NCT05398445) trial, rocatinlimab (AMG 451) improved skin clearance.
Enrolment was open to adults aged 18 years or older whose atopic dermatitis had been diagnosed for at least 1 year.
The trial enrolled 769 adults.
"""
TRANSCRIPT = """Interview: rocantinlimab and the ROCKET program
Captions were auto-generated.
We studied rocantinlimab in IGNITE, NCT05724199, and in SHUTTLE, NCT05724199, for 24 weeks.
"""
PRESS = """NEWS RELEASE
THOUSAND OAKS, Calif. /PRNewswire/ -- Amgen announced that rocatinlimab, also known as RCT-451X, met both co-primary endpoints in ROCKET-IGNITE. The study enrolled 769 adults.
"""
BLOG_A = """Rocatinlimab, nicknamed Rocatix by patients, is an OX40 antibody.
By Ann Lee
"""
BLOG_B = """Patients call rocatinlimab Rocatix. It blocks OX40.
By Tom Ray
"""


def _verdicts(b, out) -> dict:
    """Commit the builder's store, reconcile it and give each (drug, alias) its (status, reason_code)."""
    b.commit()
    reconcile(out)
    return {(a["drug"], a["alias"]): (a["status"], a["reason_code"]) for a in rows(out, "aliases")}


def _conflicts(b, out, **where) -> list[dict]:
    """Commit the builder's store, reconcile it and give the conflict rows whose columns hold the given values."""
    b.commit()
    reconcile(out)
    return [r for r in rows(out, "conflicts") if all(r[k] == v for k, v in where.items())]


def _alias(b, doc, alias, drug="rocatinlimab", **kw):
    b.fact("drug_aliases", doc, alias, drug=drug, alias=alias, alias_type=kw.pop("alias_type", "unknown"),
           in_kb=kw.pop("in_kb", False), asserted_by="text", **kw)


@pytest.fixture(scope="module")
def rocket(tmp_path_factory):
    out = tmp_path_factory.mktemp("rocket")
    b = StoreBuilder(out)
    qa = b.doc("seeds/004.txt", AI_QA, kind="qa", url="https://www.droracle.ai/articles/545208",
               published=dt.date(2025, 11, 23))
    trade = b.doc("news/trade.txt", TRADE, kind="news", url="https://www.pharmacytimes.com/view/roca",
                  published=dt.date(2026, 1, 21), byline="Jane Smith")
    tr = b.doc("news/interview.txt", TRANSCRIPT, kind="qa", url="https://ajmc-mirror.vercel.app/view/x",
               published=dt.date(2025, 10, 30))
    pr = b.doc("press/amgen.txt", PRESS, kind="press_release", url="https://www.prnewswire.com/news/amgen-1",
               published=dt.date(2025, 3, 1))
    ba = b.doc("blogs/a.txt", BLOG_A, kind="news", url="https://eczemablog-one.example.org/post/1", byline="Ann Lee")
    bb = b.doc("blogs/b.txt", BLOG_B, kind="news", url="https://skinforum-two.example.net/t/2", byline="Tom Ray")
    for d in (qa, trade, tr, pr, ba, bb):
        b.fact("drugs", d, "ocatinlimab", drug="rocatinlimab", mention="rocatinlimab", in_kb=True)
    _alias(b, qa, "Rocatan")
    _alias(b, trade, "AMG 451", alias_type="code", in_kb=True)
    _alias(b, tr, "rocantinlimab")
    _alias(b, pr, "RCT-451X")
    _alias(b, ba, "Rocatix")
    _alias(b, bb, "Rocatix")
    b.fact("trials", trade, "ROCKET-IGNITE (IGNITE; NCT05398445)", trial="ROCKET-IGNITE", nct_id="NCT05398445",
           phase="3", short_forms=["IGNITE"], drug="rocatinlimab")
    b.fact("trials", tr, "IGNITE, NCT05724199", trial="IGNITE", nct_id="NCT05724199", phase="3", short_forms=[])
    b.fact("trials", tr, "SHUTTLE, NCT05724199", trial="SHUTTLE", nct_id="NCT05724199", phase="3", short_forms=[])
    b.fact("trials", pr, "ROCKET-IGNITE", trial="ROCKET-IGNITE", nct_id=None, phase="3", short_forms=[])
    b.fact("trials", qa, "ROCKET phase 3", trial=None, nct_id="NCT05398445", phase="3", short_forms=[])
    b.fact("sample_sizes", trade, "769 adults", trial="ROCKET-IGNITE", n=769, qualifier="exact", scope="trial")
    b.fact("sample_sizes", pr, "769 adults", trial="IGNITE", n=769, qualifier="exact", scope="trial")
    b.commit()
    summary = reconcile(out)
    return out, summary, {"qa": qa, "trade": trade, "transcript": tr, "press": pr}


def rows(out: Path, table: str) -> list[dict]:
    return Store(out).read(table).to_pylist()


def alias(out, name):
    return next(r for r in rows(out, "aliases") if r["alias"].lower() == name.lower())


def test_tables_have_declared_schemas(rocket):
    out, summary, _ = rocket
    for table in ("aliases", "conflicts", "trial_registry"):
        got = pq.read_schema(out / f"{table}.parquet").remove_metadata()
        assert got.equals(TABLES[table].schema.remove_metadata())
    assert summary.trials == len(rows(out, "trial_registry"))


def test_rocatan_unverified_with_reason_and_similarity(rocket):
    r = alias(rocket[0], "Rocatan")
    assert r["status"] == "unverified"
    assert r["reason_code"] == "low_credibility_only"
    assert "low-credibility" in r["reason"] and "droracle.ai" in r["reason"]
    assert r["nearest_known"] == "rocatinlimab" and 50 < r["similarity"] < 80
    assert r["source_types"] == ["qa_ai"]


def test_amg451_confirmed_from_knowledge_base(rocket):
    r = alias(rocket[0], "AMG 451")
    assert (r["status"], r["reason_code"]) == ("confirmed", "in_kb")
    assert r["similarity"] == 100


def test_alias_confirmed_by_company_release(rocket):
    r = alias(rocket[0], "RCT-451X")
    assert (r["status"], r["reason_code"]) == ("confirmed", "authoritative_source")
    assert r["source_types"] == ["company"]


def test_alias_corroborated_by_two_independent_sites(rocket):
    r = alias(rocket[0], "Rocatix")
    assert (r["status"], r["reason_code"]) == ("corroborated", "independent_sources")
    assert len(r["doc_ids"]) == 2


def test_near_miss_misspelling_unverified(rocket):
    r = alias(rocket[0], "rocantinlimab")
    assert (r["status"], r["reason_code"]) == ("unverified", "near_miss_spelling")
    assert r["similarity"] >= 90 and r["nearest_known"] == "rocatinlimab"


def test_same_site_twice_is_not_corroboration(tmp_path):
    b = StoreBuilder(tmp_path)
    d1 = b.doc("a.txt", BLOG_A, url="https://sameblog.example.org/1")
    d2 = b.doc("b.txt", BLOG_B, url="https://sameblog.example.org/2")
    for d in (d1, d2):
        _alias(b, d, "Rocatix")
    b.commit()
    reconcile(tmp_path)
    assert alias(tmp_path, "Rocatix")["status"] == "unverified"


def test_trial_identity_merges_names_and_nct(rocket):
    reg = {r["trial_key"]: r for r in rows(rocket[0], "trial_registry")}
    ignite = reg["NCT05398445"]
    assert ignite["name"] == "ROCKET-IGNITE"
    assert {"ROCKET-IGNITE", "IGNITE"} <= set(ignite["names"])
    evidence = json.loads(ignite["link_evidence"])
    assert any(e["nct_id"] == "NCT05398445" and e["status"] == "linked" and e["quote"] for e in evidence)
    assert any(e["nct_id"] == "NCT05724199" and e["status"].startswith("rejected") for e in evidence)
    # the wrong link does not merge IGNITE into SHUTTLE's id
    assert reg["NCT05724199"]["name"] == "SHUTTLE"
    assert ignite["enrolled"] == 769


def test_two_nct_ids_for_one_name_is_a_conflict(rocket):
    c = [r for r in rows(rocket[0], "conflicts") if r["attribute"] == "nct_id"]
    assert len(c) == 1 and c[0]["kind"] == "conflict" and c[0]["subject"] == "ROCKET-IGNITE"
    assert c[0]["proposed_value"] == "NCT05398445"
    values = {v["key"] for v in json.loads(c[0]["values_json"])}
    assert values == {"NCT05398445", "NCT05724199"}


def test_alias_conflict_row_lists_unverified_names(rocket):
    c = next(r for r in rows(rocket[0], "conflicts") if r["attribute"] == "alias")
    assert c["kind"] == "conflict" and c["subject"] == "rocatinlimab"
    assert "Rocatan" in c["resolution"] and "rocantinlimab" in c["resolution"]


def test_seed_population_scope_is_explained(tmp_path):
    b = StoreBuilder(tmp_path)
    news = b.doc(str(SEED_NEWS), SEED_NEWS.read_text(), url="https://www.pharmacytimes.com/view/x")
    qa = b.doc(str(SEED_QA), SEED_QA.read_text(), kind="qa")
    for d in (news, qa):
        b.fact("drugs", d, "Rocatinlimab", drug="rocatinlimab", mention="Rocatinlimab", in_kb=True)
    b.fact("trials", news, "ROCKET-IGNITE (IGNITE; NCT05398445)", trial="ROCKET-IGNITE", nct_id="NCT05398445",
           phase="3", short_forms=["IGNITE"])
    b.fact("trials", news, "ROCKET-HORIZON (HORIZON; NCT05651711)", trial="ROCKET-HORIZON",
           nct_id="NCT05651711", phase="3", short_forms=["HORIZON"])
    pop = _conflicts(b, tmp_path, attribute="population", subject="rocatinlimab")
    assert pop and pop[0]["kind"] == "scope"
    assert "program" in pop[0]["resolution"] and "adolescent" in pop[0]["resolution"]
    assert not [r for r in rows(tmp_path, "conflicts") if r["kind"] == "conflict" and r["attribute"] == "population"]


def _sample_store(tmp_path, a: tuple[int, str], b_: tuple[int, str]):
    b = StoreBuilder(tmp_path)
    d1 = b.doc("one.txt", f"SURMOUNT-1 enrolled {a[0]} adults.\nBy A B", url="https://site-one.example.com/1")
    d2 = b.doc("two.txt", f"The SURMOUNT-1 trial had {b_[0]} participants.\nBy C D", url="https://site-two.example.com/2")
    b.fact("sample_sizes", d1, str(a[0]), trial="SURMOUNT-1", n=a[0], qualifier=a[1], scope="trial")
    b.fact("sample_sizes", d2, str(b_[0]), trial="SURMOUNT-1", n=b_[0], qualifier=b_[1], scope="trial")
    b.fact("trials", d1, "SURMOUNT-1", trial="SURMOUNT-1", nct_id="NCT04184622", phase="3")
    b.fact("trials", d2, "SURMOUNT-1", trial="SURMOUNT-1", phase="3")
    return _conflicts(b, tmp_path, attribute="sample_size")


def test_sample_size_rounding(tmp_path):
    c = _sample_store(tmp_path, (2500, "approximate"), (2539, "exact"))
    assert len(c) == 1 and c[0]["kind"] == "rounding" and c[0]["proposed_value"] == "2,539"


def test_sample_size_real_conflict(tmp_path):
    c = _sample_store(tmp_path, (700, "exact"), (769, "exact"))
    assert len(c) == 1 and c[0]["kind"] == "conflict"
    assert c[0]["subject"] == "SURMOUNT-1"
    # two sources of the same credibility: nothing to choose between them but the alphabet
    assert c[0]["proposed_value"] is None
    assert "700 (1 independent source" in c[0]["resolution"] and "769 (1 independent source" in c[0]["resolution"]
    assert "weigh the same; an analyst's decision settles it" in c[0]["resolution"]
    (tmp_path / "decisions.yaml").write_text(f"conflicts:\n  - conflict_id: {c[0]['conflict_id']}\n    pick: '769'\n")
    reconcile(tmp_path)
    decided = next(r for r in rows(tmp_path, "conflicts") if r["attribute"] == "sample_size")
    assert decided["proposed_value"] == "769" and "(Nothing was proposed.)" in decided["resolution"]


def test_trial_vs_program_count_is_scope(tmp_path):
    b = StoreBuilder(tmp_path)
    d1 = b.doc("one.txt", "Nearly 1,500 patients took part across both phase 3 trials.", url="https://a.example.com/1")
    d2 = b.doc("two.txt", "The phase 3 trial of rocatinlimab enrolled 769 patients.", url="https://b.example.com/2")
    for d in (d1, d2):
        b.fact("drugs", d, None, drug="rocatinlimab", in_kb=True)
    b.fact("sample_sizes", d1, "1,500", trial=None, n=1500, qualifier="approximate", scope="program")
    b.fact("sample_sizes", d2, "769", trial=None, n=769, qualifier="exact", scope="trial")
    c = _conflicts(b, tmp_path, attribute="sample_size")
    assert [r["kind"] for r in c] == ["scope"]


def test_counts_of_unnamed_trials_are_compared_only_within_one_phase(tmp_path):
    """A drug's pages report many studies they do not name: a phase 2b study of 274 against "close to
    300 in the phase 2 study" is one trial told two ways (a conflict); a psoriasis study of 100 that
    states no phase, and a phase 3 count, are other studies and are compared with neither."""
    b = StoreBuilder(tmp_path)
    texts = {"a": "Rocatinlimab's phase 2b study randomized 274 people with eczema.",
             "b": "Close to 300 adults took part in the phase 2 rocatinlimab study.",
             "c": "An early study of rocatinlimab in psoriasis enrolled 100 patients.",
             "d": "The phase 3 trial of rocatinlimab enrolled 726 adolescents."}
    values = {"a": (274, "exact"), "b": (300, "approximate"), "c": (100, "exact"), "d": (726, "exact")}
    for name, text in texts.items():
        d = b.doc(f"{name}.txt", text, url=f"https://{name}.example.com/1")
        b.fact("drugs", d, None, drug="rocatinlimab", in_kb=True)
        n, q = values[name]
        b.fact("sample_sizes", d, str(n), trial=None, n=n, qualifier=q, scope="trial")
    c = _conflicts(b, tmp_path, attribute="sample_size")
    assert [(r["kind"], sorted(v["value"] for v in json.loads(r["values_json"]))) for r in c] == [
        ("conflict", ["274", "about 300"])]


def test_newer_source_supersedes_a_date(tmp_path):
    b = StoreBuilder(tmp_path)
    old = b.doc("old.txt", "Kyowa Kirin expects to submit the application for rocatinlimab in the first half of 2025.",
                url="https://news-a.example.com/1", published=dt.date(2024, 6, 1))
    new = b.doc("new.txt", "Kyowa Kirin now plans to submit the application for rocatinlimab in the first half of 2026.",
                url="https://news-b.example.com/2", published=dt.date(2026, 2, 1))
    for d in (old, new):
        b.fact("drugs", d, "rocatinlimab", drug="rocatinlimab", in_kb=True)
    c = _conflicts(b, tmp_path, attribute="date")
    assert len(c) == 1 and c[0]["kind"] == "update"
    assert c[0]["proposed_value"] == "H1 2026"


def test_frequency_conflict_vs_subset(tmp_path):
    b = StoreBuilder(tmp_path)
    texts = {"a": "250 mg every 1 weeks until week 16, then 250 mg every four weeks.",
             "b": "250 mg every two weeks until week 16, then 250 mg every four weeks.",
             "c": "Maintenance is 250 mg every four weeks."}
    freqs = {"a": ["QW", "Q4W"], "b": ["Q2W", "Q4W"], "c": ["Q4W"]}
    for name, text in texts.items():
        d = b.doc(f"{name}.txt", text, url=f"https://{name}-site.example.com/x")
        for f in freqs[name]:
            b.fact("doses", d, "250 mg", drug="lebrikizumab", amount=250.0, unit="mg", route="subcutaneous", frequency=f)
    c = _conflicts(b, tmp_path, attribute="frequency")
    assert len(c) == 1 and c[0]["kind"] == "conflict" and c[0]["subject"] == "lebrikizumab"
    assert c[0]["facet"] == "250 mg"  # the dose whose frequency the sources give differently
    assert not [r for r in rows(tmp_path, "conflicts") if r["attribute"] == "route"]


def test_endpoint_rounding_and_conflict(tmp_path):
    b = StoreBuilder(tmp_path)
    d1 = b.doc("a.txt", "In Clarity AD, ARIA-E occurred in 12.5% of lecanemab patients.", url="https://a.example.com/1",
               published=dt.date(2022, 9, 28))
    d2 = b.doc("b.txt", "In Clarity AD, ARIA-E occurred in 12.6% of lecanemab patients.", url="https://b.example.com/2",
               published=dt.date(2022, 11, 30))
    d3 = b.doc("c.txt", "Clarity AD: ARIA-E in about 13% of treated patients.", url="https://c.example.com/3")
    for d, v in ((d1, 12.5), (d2, 12.6), (d3, 13.0)):
        b.fact("endpoint_results", d, "ARIA-E", endpoint="ARIA-E", arm="lecanemab", value=v, unit="%",
               trial="Clarity AD", drug="lecanemab")
        b.fact("trials", d, "Clarity AD", trial="Clarity AD", phase="3")
    c = _conflicts(b, tmp_path, attribute="endpoint_result")
    assert len(c) == 1 and c[0]["kind"] == "conflict" and c[0]["subject"] == "Clarity AD"
    assert c[0]["facet"] == "ARIA-E | week ?"  # the endpoint and timepoint (none given)


def test_internal_contradiction_only_is_not_a_conflict(tmp_path):
    b = StoreBuilder(tmp_path)
    d = b.doc("a.txt", "SHUTTLE was double-blind. Masking: None (Open Label).", url="https://a.example.com/1")
    b.fact("trials", d, "SHUTTLE", trial="SHUTTLE", phase="3")
    b.commit()
    reconcile(tmp_path)
    assert not rows(tmp_path, "conflicts")


def test_masking_conflict_across_documents(tmp_path):
    b = StoreBuilder(tmp_path)
    d1 = b.doc("a.txt", "ROCKET-IGNITE is a double-blind, placebo-controlled trial.", url="https://a.example.com/1")
    d2 = b.doc("b.txt", "ROCKET-Ignite study. Masking: None (Open Label).", url="https://b.example.com/2")
    for d in (d1, d2):
        b.fact("trials", d, "ROCKET-I", trial="ROCKET-IGNITE", phase="3")
    c = _conflicts(b, tmp_path, attribute="other")
    assert len(c) == 1 and c[0]["kind"] == "conflict" and c[0]["subject"] == "ROCKET-IGNITE"
    assert c[0]["facet"] == "masking"


def test_newest_version_of_a_source_is_used(tmp_path):
    b = StoreBuilder(tmp_path)
    v1 = b.doc("page.html", "Rocatinlimab, also called Rocatoo, is an antibody.", url="https://page.example.com/a")
    v2 = b.doc("page.html", "Rocatinlimab is an antibody (updated).", url="https://page.example.com/a",
               version=2, previous_doc_id=v1)
    _alias(b, v1, "Rocatoo")
    b.fact("drugs", v2, "Rocatinlimab", drug="rocatinlimab", in_kb=True)
    b.commit()
    reconcile(tmp_path)
    assert not rows(tmp_path, "aliases")


def test_decisions_applied_on_next_run(rocket, tmp_path):
    out = rocket[0]
    conflict = next(r for r in rows(out, "conflicts") if r["attribute"] == "nct_id")
    decisions = tmp_path / "decisions.yaml"
    decisions.write_text(
        "aliases:\n"
        "  - {drug: rocatinlimab, alias: rocatan, decision: reject, note: AI page, no such brand}\n"
        "  - {drug: rocatinlimab, alias: Rocatix, decision: accept}\n"
        "  - {drug: rocatinlimab, alias: Nonexistent, decision: accept}\n"
        "conflicts:\n"
        f"  - {{conflict_id: {conflict['conflict_id']}, pick: NCT05398445, note: registry checked}}\n")
    summary = reconcile(out, decisions)
    try:
        r = alias(out, "Rocatan")
        assert (r["status"], r["reason_code"]) == ("unverified", "analyst_decision")
        assert r["decision"].startswith("reject") and "AI page" in r["decision"]
        assert alias(out, "Rocatix")["status"] == "confirmed"
        c = next(x for x in rows(out, "conflicts") if x["conflict_id"] == conflict["conflict_id"])
        assert c["decision"].startswith("pick NCT05398445") and c["proposed_value"] == "NCT05398445"
        assert summary.decisions_applied == 3
        assert any("Nonexistent".lower() in p.lower() for p in summary.decision_problems)
    finally:
        reconcile(out)  # leave the shared store as the other tests expect it


def _surmount_doc(b, name: str, n: int):
    d = b.doc(f"{name}.txt", f"In SURMOUNT-1, {n} adults were randomised.\nBy {name.title()} Writer",
              url=f"https://{name}.example.com/surmount")
    b.fact("sample_sizes", d, str(n), trial="SURMOUNT-1", n=n, qualifier="exact", scope="trial")
    b.fact("trials", d, "SURMOUNT-1", trial="SURMOUNT-1", phase="3")


def test_a_decision_follows_its_conflict_when_new_sources_change_the_values(tmp_path):
    from trialwire.reconcile.decisions import decision_stub, load_decisions
    (c,) = _sample_store(tmp_path, (700, "exact"), (769, "exact"))
    stub = decision_stub({**c, "values": json.loads(c["values_json"])})
    assert "subject: \"SURMOUNT-1\"" in stub and "attribute: sample_size" in stub
    assert 'pick: ""  # one of: 700 | 769' in stub  # a tie: nothing proposed, the analyst chooses
    path = tmp_path / "decisions.yaml"
    path.write_text("conflicts:\n" + stub + "\n")  # pasted as it is: reported, not applied
    assert load_decisions(path).problems == [
        f"conflicts[0] ({c['conflict_id']}): the pick is empty; not applied until filled in"]
    path.write_text("conflicts:\n" + re.sub(r'pick: "[^"]*"', 'pick: "769"', stub) + "\n")
    assert load_decisions(path).conflicts[c["conflict_id"]] == {
        "pick": "769", "note": "", "subject": "SURMOUNT-1", "attribute": "sample_size"}
    assert reconcile(tmp_path).decisions_applied == 1
    b = StoreBuilder(tmp_path, run_id="run-2")
    _surmount_doc(b, "third", 767)  # a new source: a third value, so a new conflict id
    b.commit()
    summary = reconcile(tmp_path)
    (now,) = [r for r in rows(tmp_path, "conflicts") if r["attribute"] == "sample_size"]
    assert now["conflict_id"] != c["conflict_id"] and summary.decisions_applied == 1 and not summary.decision_problems
    assert now["proposed_value"] == "769" and "values changed since" in now["decision"]
    assert f"Recorded for {c['conflict_id']}; new sources changed the values since" in now["resolution"]
    path.write_text(f"conflicts:\n  - {{conflict_id: {c['conflict_id']}, subject: SURMOUNT-1, attribute: sample_size, "
                    "pick: '750'}\n")  # a pick no current value offers is not applied
    summary = reconcile(tmp_path)
    assert summary.decisions_applied == 0
    assert "the pick 750 is no longer among the values" in summary.decision_problems[0]


def test_a_decision_without_subject_is_not_moved(tmp_path):
    (c,) = _sample_store(tmp_path, (700, "exact"), (769, "exact"))
    (tmp_path / "decisions.yaml").write_text(f"conflicts:\n  - {{conflict_id: {c['conflict_id']}, pick: '769'}}\n")
    b = StoreBuilder(tmp_path, run_id="run-2")
    _surmount_doc(b, "third", 767)
    b.commit()
    summary = reconcile(tmp_path)
    assert summary.decisions_applied == 0 and "matches no current conflict" in summary.decision_problems[0]


def test_a_hand_edited_decisions_file_with_mistakes_reports_them_and_applies_the_rest(tmp_path):
    from trialwire.reconcile.decisions import load_decisions
    path = tmp_path / "decisions.yaml"
    path.write_text("aliases:\n  - rocatan\n  - {drug: rocatinlimab, alias: Rocatan, decision: reject}\n"
                    "conflicts:\n  c-1a2b3c4d5e: {pick: '769', note: company release}\n  c-ffffffffff: NCT05398445\n")
    d = load_decisions(path)
    assert d.aliases == {("rocatinlimab", "rocatan"): {"decision": "reject", "note": None}}
    assert d.conflicts == {"c-1a2b3c4d5e": {"pick": "769", "note": "company release"},
                           "c-ffffffffff": {"pick": "NCT05398445", "note": None}}
    assert d.problems == ["aliases[0]: needs drug, alias and decision accept|reject"]
    for text, problem in (("- just a list\n", "expected the sections"), ("aliases: rocatan\n", "aliases: expected a list"),
                          ("conflicts:\n  - c-1a2b3c4d5e\n", "conflicts[0]: needs conflict_id and pick")):
        path.write_text(text)
        assert any(problem in p for p in load_decisions(path).problems), text


def test_weak_facts_do_not_corroborate(tmp_path):
    b = StoreBuilder(tmp_path)
    d1 = b.doc("a.txt", BLOG_A, url="https://one.example.org/1")
    d2 = b.doc("b.txt", BLOG_B, url="https://two.example.net/2")
    _alias(b, d1, "Rocatix", confidence=0.3)
    _alias(b, d2, "Rocatix", confidence=0.3)
    b.commit()
    reconcile(tmp_path)
    assert alias(tmp_path, "Rocatix")["status"] == "unverified"


def test_results_read_from_text_when_extraction_gave_none(tmp_path):
    b = StoreBuilder(tmp_path)
    a = b.doc("a.txt", "SURMOUNT-1 results for tirzepatide: on the top dose (15 mg weekly) people shed 22.5% of their "
                       "body weight on average by week 72. Semaglutide, by comparison, averaged 14.9% weight loss.",
              url="https://a.example.com/1")
    c = b.doc("c.txt", "For the efficacy estimand, weight reductions were 16.0% (5 mg) and 22.5% (15 mg) at 72 weeks, "
                       "and 89% (5 mg) achieved at least 5% body weight reductions.", url="https://c.example.com/3")
    d = b.doc("d.txt", "Across its trials, tirzepatide produced average weight loss of 20.9% by week 72.",
              url="https://d.example.com/4")
    for doc in (a, c, d):
        b.fact("drugs", doc, "irzepatide", drug="tirzepatide", in_kb=True)
    b.fact("drugs", a, "semaglutide", drug="semaglutide", mention="semaglutide", in_kb=True, confidence=0.9)
    for doc in (a, c):
        b.fact("trials", doc, "SURMOUNT-1", trial="SURMOUNT-1", phase="3")
    res = _conflicts(b, tmp_path, attribute="endpoint_result")
    assert [(r["subject"], r["kind"]) for r in res] == [("tirzepatide", "conflict")]
    values = {v["value"] for v in json.loads(res[0]["values_json"])}
    assert "20.9%" in values and "22.5% (15 mg)" in values
    assert not any("14.9" in v for v in values)  # semaglutide's figure is not tirzepatide's
    assert not any(v.startswith("5%") for v in values)  # a responder threshold is not a result


def test_each_text_is_split_into_sentences_once(tmp_path, monkeypatch):
    """The text readers' scan keeps the sentences that may hold a claim or a result; the text claims
    and the result figures are then read from those, not from the whole text again."""
    from trialwire.reconcile import readers, results
    b = StoreBuilder(tmp_path)
    texts = ["The double-blind SURMOUNT-1 trial enrolled adults aged 18 years or older. People on tirzepatide "
             "15 mg shed 22.5% of their body weight on average by week 72.",
             "In SURMOUNT-1, an open-label study, tirzepatide 15 mg produced average weight loss of 20.9% by week 72.",
             "Tirzepatide is a once-weekly injection. Lilly expects to file in the second half of 2026."]
    docs = [b.doc(f"{i}.txt", t, url=f"https://site{i}.example.com/a") for i, t in enumerate(texts)]
    for doc in docs:
        b.fact("drugs", doc, "irzepatide", drug="tirzepatide", in_kb=True)
    for doc in docs[:2]:
        b.fact("trials", doc, "SURMOUNT-1", trial="SURMOUNT-1", phase="3")
    b.commit()
    split = []
    real = readers.sentences
    monkeypatch.setattr(readers, "sentences", lambda text: split.append(text) or real(text))
    monkeypatch.setattr(results, "result_rows", lambda *a: pytest.fail("a text was read again for its results"))
    reconcile(tmp_path)
    assert len(split) == len(texts)
    found = {(r["attribute"], r["kind"]) for r in rows(tmp_path, "conflicts")}
    assert ("endpoint_result", "conflict") in found  # 22.5% against 20.9%, read from the texts
    assert ("other", "conflict") in found  # double-blind against open-label, a text claim


def surmount_pages(b: StoreBuilder, *texts: str, anchor: str = "SURMOUNT-1") -> list[str]:
    """One page per text, each on its own site, naming tirzepatide and the SURMOUNT-1 trial."""
    docs = [b.doc(f"{i}.txt", text, url=f"https://site{i}.example.com/page") for i, text in enumerate(texts)]
    for doc in docs:
        b.fact("drugs", doc, anchor, drug="tirzepatide", in_kb=True)
        b.fact("trials", doc, "SURMOUNT-1", trial="SURMOUNT-1", phase="3")
    return docs


def test_texts_are_released_once_read_and_results_still_come_from_them(tmp_path, monkeypatch):
    """Texts are most of the corpus's memory after the facts. Those no later step reads are dropped
    when the conflicts start; the ones whose result figures are read from the text (no stored
    endpoint_results) after those figures are read, before the claims are compared."""
    from trialwire.reconcile import conflicts
    b = StoreBuilder(tmp_path)
    stated, unstated = surmount_pages(b, "In SURMOUNT-1, tirzepatide 15 mg produced average weight loss of 22.5% by week 72.",
                                      "In SURMOUNT-1, tirzepatide 15 mg produced average weight loss of 20.9% by week 72.")
    b.fact("endpoint_results", stated, "22.5%", drug="tirzepatide", trial="SURMOUNT-1", endpoint="body weight change",
           value=22.5, unit="%", arm="15 mg", timepoint_weeks=72)
    b.commit()
    held = {}
    real_results, real_claims = conflicts.endpoint_result_rows, conflicts.text_fact_claims

    def results_spy(corpus, *args):
        held["reading results"] = {d: doc.text is not None for d, doc in corpus.docs.items()}
        return real_results(corpus, *args)

    def claims_spy(corpus, *args):
        held["comparing"] = {d: doc.text is not None for d, doc in corpus.docs.items()}
        return real_claims(corpus, *args)
    monkeypatch.setattr(conflicts, "endpoint_result_rows", results_spy)
    monkeypatch.setattr(conflicts, "text_fact_claims", claims_spy)
    reconcile(tmp_path)
    assert held["reading results"] == {stated: False, unstated: True}
    assert held["comparing"] == {stated: False, unstated: False}
    res = [r for r in rows(tmp_path, "conflicts") if r["attribute"] == "endpoint_result"]
    assert {v["value"] for r in res for v in json.loads(r["values_json"])} == {"22.5% (15 mg)", "20.9% (15 mg)"}


def test_efficacy_estimand_is_a_scope_difference(tmp_path):
    b = StoreBuilder(tmp_path)
    surmount_pages(b, "For the efficacy estimand, SURMOUNT-1 weight loss with 15 mg was 22.5% at 72 weeks.",
                   "For the treatment-regimen estimand, SURMOUNT-1 weight loss with 15 mg was 20.9% at 72 weeks.")
    res = _conflicts(b, tmp_path, attribute="endpoint_result")
    assert [(r["subject"], r["kind"]) for r in res] == [("SURMOUNT-1", "scope")]
    assert "estimand" in res[0]["resolution"]


def test_unlabelled_figures_that_repeat_an_estimand_are_compared_with_it(tmp_path):
    """A page that names no analysis but copies the efficacy estimand's 15 mg figure is reporting
    that analysis: its different 5 mg figure is a conflict, not a scope difference. A page that
    repeats none of the estimand's figures stays apart, as a scope difference."""
    efficacy = "For the efficacy estimand, SURMOUNT-1 weight loss was 16.0% with 5 mg and 22.5% with 15 mg at 72 weeks."
    pages = {"copies": "In SURMOUNT-1, weight loss at 72 weeks was 13.0% with 5 mg and 22.5% with 15 mg.",
             "apart": "In SURMOUNT-1, weight loss at 72 weeks was 15.0% with 5 mg and 20.9% with 15 mg."}
    found = {}
    for name, text in pages.items():
        out = tmp_path / name
        b = StoreBuilder(out)
        surmount_pages(b, efficacy, text)
        b.commit()
        reconcile(out)
        found[name] = [r for r in rows(out, "conflicts") if r["attribute"] == "endpoint_result"]
    (copies,), (apart,) = found["copies"], found["apart"]
    assert copies["kind"] == "conflict" and copies["proposed_value"] in ("16% (5 mg)", "22.5% (15 mg)")
    assert "site1.example.com names no analysis but repeats the efficacy estimand's figure" in copies["resolution"]
    assert {v["value"] for v in json.loads(copies["values_json"])} >= {"13% (5 mg)", "16% (5 mg)"}
    assert apart["kind"] == "scope" and "efficacy estimand vs whole trial" in apart["resolution"]


def test_a_figure_takes_the_dose_that_follows_it():
    """'16.0% with 5 mg and 22.5% with 15 mg': each figure's arm is the dose after it, not the
    nearest dose before it (which gave 22.5% to 5 mg)."""
    from trialwire.reconcile.resultfacts import result_rows
    text = "In SURMOUNT-1, weight loss at 72 weeks was 16.0% with 5 mg and 22.5% with 15 mg."
    found = {(r["value"], r["arm"]) for r in result_rows(text, "d", "tirzepatide", [], ["SURMOUNT-1"])}
    assert found == {(16.0, "5 mg"), (22.5, "15 mg")}


def test_a_range_of_figures_is_no_result():
    """'15% to 22%' and '15-20%' give no figure: both ends, not only the second, belong to the range."""
    from trialwire.reconcile.resultfacts import result_rows
    text = ("In SURMOUNT-1, average weight loss on tirzepatide spanned 15% to 22% by week 72, and the usual "
            "range was 15-20% of body weight.")
    assert result_rows(text, "d", "tirzepatide", [], ["SURMOUNT-1"]) == []


def test_excluded_population_vs_effect_claim(tmp_path):
    b = StoreBuilder(tmp_path)
    trial = b.doc("a.txt", "The SURMOUNT-1 study enrolled 2,539 adults with obesity who do not have diabetes.",
                  url="https://a.example.com/1")
    claim = b.doc("b.txt", "Tirzepatide is a medicine that helps people with type 2 diabetes lose weight.",
                  url="https://b.example.com/2")
    label = b.doc("c.txt", "The FDA approved it to improve blood sugar in adults with type 2 diabetes.",
                  url="https://c.example.com/3")
    for d in (trial, claim, label):
        b.fact("drugs", d, None, drug="tirzepatide", in_kb=True)
    c = _conflicts(b, tmp_path, attribute="population")
    assert len(c) == 1 and c[0]["kind"] == "conflict" and c[0]["subject"] == "tirzepatide"
    docs = {d for v in json.loads(c[0]["values_json"]) for d in v["doc_ids"]}
    assert docs == {trial, claim}  # the approved indication is not a trial claim


def test_unknown_name_on_one_page_is_no_alias_conflict(tmp_path):
    b = StoreBuilder(tmp_path)
    d = b.doc("a.txt", BLOG_A, url="https://one.example.org/1")
    _alias(b, d, "Rocatix")
    b.commit()
    reconcile(tmp_path)
    assert alias(tmp_path, "Rocatix")["status"] == "unverified"
    assert not [r for r in rows(tmp_path, "conflicts") if r["attribute"] == "alias"]


def test_facts_that_are_not_compared_across_sources_are_not_loaded(tmp_path):
    """Endpoints, conditions and adverse events (40% of the fact rows of a benchmark corpus) are
    not compared across sources: loading them would cost reconciliation memory for nothing."""
    from trialwire.reconcile.corpus import load_corpus
    from trialwire.reconcile.credibility import load_credibility_model
    b = StoreBuilder(tmp_path)
    d = b.doc("news/trade.txt", TRADE, kind="news", url="https://www.pharmacytimes.com/view/roca")
    b.fact("drugs", d, "rocatinlimab", drug="rocatinlimab", mention="rocatinlimab", in_kb=True)
    b.fact("conditions", d, "atopic dermatitis", condition="atopic dermatitis", mention="atopic dermatitis")
    b.fact("endpoints", d, "skin clearance", endpoint="skin clearance", role="primary")
    b.commit()
    corpus = load_corpus(tmp_path, load_credibility_model())
    assert {"drugs", "trials", "sample_sizes", "doses", "endpoint_results"} <= set(corpus.facts)
    assert not {"conditions", "endpoints", "adverse_events"} & set(corpus.facts)
    assert [r["drug"] for r in corpus.facts["drugs"]] == ["rocatinlimab"]


def test_weighing_a_conflicts_values_does_not_walk_every_document_again(tmp_path):
    """Each conflict's values get a recency bonus counted from the corpus's oldest publication
    date: found once per corpus, since per conflict it made reconciliation quadratic in documents."""
    from trialwire.reconcile.claims import Claim, claim_values
    from trialwire.reconcile.corpus import load_corpus
    from trialwire.reconcile.credibility import load_credibility_model
    b = StoreBuilder(tmp_path)
    old = b.doc("news/old.txt", TRADE, kind="news", url="https://www.pharmacytimes.com/view/a",
                published=dt.date(2024, 1, 1))
    new = b.doc("press/new.txt", PRESS, kind="press_release", url="https://www.prnewswire.com/news/b",
                published=dt.date(2026, 1, 1))
    b.commit()
    corpus = load_corpus(tmp_path, load_credibility_model())

    class CountingDocs(dict):
        walks = 0

        def values(self):
            CountingDocs.walks += 1
            return super().values()
    corpus.docs = CountingDocs(corpus.docs)
    claims = [Claim("ROCKET-IGNITE", "sample_size", "", "769", "769", old),
              Claim("ROCKET-IGNITE", "sample_size", "", "770", "770", new)]
    first = claim_values(claims, corpus)
    for _ in range(5):
        assert claim_values(claims, corpus) == first
    assert CountingDocs.walks <= 1
    newer = next(v for v in first if v["key"] == "770")
    older = next(v for v in first if v["key"] == "769")
    recency = float(corpus.model.setting("conflicts", "recency_weight", 0.1))
    # the newer source's bonus counts two years from the oldest date, the older source's none
    assert newer["weight"] - round(corpus.doc(new).credibility, 3) == pytest.approx(recency * 731 / 365, abs=2e-3)
    assert older["weight"] == pytest.approx(corpus.doc(old).credibility, abs=2e-3)


def test_a_pages_main_drug_counts_its_drug_mentions_and_nothing_else(tmp_path):
    """Mentions are read as one count per document and name; only drug labels count, and they
    outweigh the text frequency and the drugs table's order that would pick the other drug."""
    from trialwire.reconcile.corpus import load_corpus, mention_counts
    from trialwire.reconcile.credibility import load_credibility_model
    text = ("Tralokinumab, like tralokinumab before it, was compared with dupilumab in adults with "
            "atopic dermatitis; the page is about dupilumab's new data.")
    b = StoreBuilder(tmp_path)
    d = b.doc("news/page.txt", text, kind="news", url="https://www.pharmacytimes.com/view/p")
    b.fact("drugs", d, "Tralokinumab", drug="tralokinumab", mention="Tralokinumab", in_kb=True)
    b.fact("drugs", d, "dupilumab", drug="dupilumab", mention="dupilumab", in_kb=True)
    for label, norm, times in (("DRUG", "dupilumab", 3), ("DISEASE", "tralokinumab", 5)):
        for _ in range(times):
            b.fact("mentions", d, norm, label=label, text=norm, norm=norm)
    b.commit()
    corpus = load_corpus(tmp_path, load_credibility_model())
    assert corpus.main_drug[d] == "dupilumab"
    assert mention_counts(Store(tmp_path), [d]) == {d: {"dupilumab": 3}}


def test_reconciliation_reads_texts_and_mentions_one_stored_file_at_a_time(tmp_path, monkeypatch):
    """The documents table is nearly all text, and mentions are about 110 rows per document: read
    whole, as Arrow and then as rows, they were most of reconciliation's peak memory. Both are now
    read file by file; a newer version of a source still replaces its text, and a name's mention
    counts add up across files."""
    from trialwire.reconcile.corpus import load_corpus, mention_counts
    from trialwire.reconcile.credibility import load_credibility_model
    first = ("Dupilumab was compared with placebo in adults with moderate-to-severe atopic dermatitis; "
             "dupilumab met its primary end point at week 16.")
    revised = first + " The sponsor later corrected the enrolment figure."
    other = "Lebrikizumab 250 mg every four weeks kept skin clearance in most patients at one year."
    b = StoreBuilder(tmp_path, run_id="run-1")
    old = b.doc("news/dupi.txt", first, url="https://www.pharmacytimes.com/view/dupi")
    b.fact("drugs", old, "Dupilumab", drug="dupilumab", mention="Dupilumab", in_kb=True)
    b.commit()
    b = StoreBuilder(tmp_path, run_id="run-2", ingest_date=dt.date(2026, 1, 2))
    new = b.doc("news/dupi.txt", revised, url="https://www.pharmacytimes.com/view/dupi", version=2,
                previous_doc_id=old)
    leb = b.doc("news/leb.txt", other, url="https://www.healio.com/news/leb")
    b.fact("drugs", new, "Dupilumab", drug="dupilumab", mention="Dupilumab", in_kb=True)
    b.fact("drugs", leb, "Lebrikizumab", drug="lebrikizumab", mention="Lebrikizumab", in_kb=True)
    for _ in range(2):
        b.fact("mentions", new, "dupilumab", label="DRUG", text="dupilumab", norm="dupilumab")
    b.fact("mentions", leb, "Lebrikizumab", label="DRUG", text="Lebrikizumab", norm="lebrikizumab")
    b.commit()
    b = StoreBuilder(tmp_path, run_id="run-3", ingest_date=dt.date(2026, 1, 3))
    b.texts[new] = revised  # one more stored file holding a mention of the same page
    b.fact("mentions", new, "dupilumab", label="DRUG", text="dupilumab", norm="dupilumab")
    b.commit()
    assert len(Store(tmp_path).paths("mentions")) == 2

    whole_read = Store.read
    def read(self, table, columns=None):
        assert table != "mentions", "mentions read whole"
        assert table != "documents" or (columns is not None and "text" not in columns), "texts read whole"
        return whole_read(self, table, columns)
    monkeypatch.setattr(Store, "read", read)
    corpus = load_corpus(tmp_path, load_credibility_model())
    assert {d: doc.text for d, doc in corpus.docs.items()} == {new: revised, leb: other}
    assert corpus.superseded == {new: [old]}
    assert mention_counts(Store(tmp_path), corpus.docs) == {new: {"dupilumab": 3}, leb: {"lebrikizumab": 1}}
    assert "mentions" not in corpus.facts  # counted, never held as rows
    assert corpus.main_drug == {new: "dupilumab", leb: "lebrikizumab"}


def test_no_reconciliation_step_reads_a_column_load_corpus_leaves_out(tmp_path):
    """load_corpus leaves out the columns no step reads (their rows then fit a smaller dict: 25,000
    documents peaked 1,083 -> 992 MB with the mention counts below): a step that starts reading one
    would get None from every row instead, so reading one fails here."""
    import re
    from trialwire.reconcile import corpus as corpus_module
    from trialwire.reconcile.corpus import UNUSED_COLUMNS, load_corpus
    from trialwire.reconcile.credibility import load_credibility_model
    folder = Path(corpus_module.__file__).parent
    reads = re.compile(r"""(?:(?<=[\w)\]])\[|\.get\()\s*["']([a-z_]+)["']""")  # row["x"], row.get("x")
    for path in sorted(folder.glob("*.py")):
        if path.name == "testing.py":
            continue
        found = {m.group(1) for m in reads.finditer(path.read_text())} & UNUSED_COLUMNS
        assert not found, f"{path.name} reads {sorted(found)}, which load_corpus leaves out (UNUSED_COLUMNS)"
    b = StoreBuilder(tmp_path)
    d = b.doc("news/t.txt", "ROCKET-IGNITE (NCT05398445) enrolled 769 adults on rocatinlimab.")
    b.fact("trials", d, "ROCKET-IGNITE", trial="ROCKET-IGNITE", nct_id="NCT05398445", phase="3", short_forms=[],
           eudract_id="2022-000123-45", drug="rocatinlimab")
    b.commit()
    row = load_corpus(tmp_path, load_credibility_model()).facts["trials"][0]
    # 12 of the trials table's 24 columns: a dict of 464 bytes, as for any of 11 to 21 keys
    assert row["nct_id"] == "NCT05398445" and not set(row) & UNUSED_COLUMNS and len(row) <= 12


def test_other_registry_ids_join_a_trial_across_documents(tmp_path):
    """A page that gives a trial only by its EudraCT number is the trial another page names with
    that number; the registry lists every id any page links to it, and an id-only trial of its own
    gets a row keyed by its id."""
    b = StoreBuilder(tmp_path)
    d1 = b.doc("news/horizon.txt", "The phase 3 HORIZON-AD trial (EudraCT 2019-004061-25) enrolled 450 adults with eczema.")
    b.fact("trials", d1, "HORIZON-AD", trial="HORIZON-AD", phase="3", short_forms=[], eudract_id="2019-004061-25",
           registry_ids=["2019-004061-25"])
    d2 = b.doc("registry/entry.txt", "A phase 3 study, NCT05000001 (EudraCT 2019-004061-25), tests the drug in eczema.",
               kind="registry")
    b.fact("trials", d2, "NCT05000001", nct_id="NCT05000001", phase="3", short_forms=[],
           registry_ids=["NCT05000001", "2019-004061-25"])
    d3 = b.doc("news/other.txt", "A separate phase 2 study is registered as ChiCTR2000029308.")
    b.fact("trials", d3, "ChiCTR2000029308", phase="2", short_forms=[], registry_ids=["ChiCTR2000029308"])
    b.commit()
    reconcile(tmp_path)
    reg = {r["trial_key"]: r for r in rows(tmp_path, "trial_registry")}
    assert set(reg) == {"NCT05000001", "ChiCTR2000029308"}
    horizon = reg["NCT05000001"]
    assert horizon["name"] == "HORIZON-AD" and horizon["registry_ids"] == ["NCT05000001", "2019-004061-25"]
    assert set(horizon["doc_ids"]) == {d1, d2} and horizon["phase"] == "3"
    assert reg["ChiCTR2000029308"]["registry_ids"] == ["ChiCTR2000029308"] and reg["ChiCTR2000029308"]["name"] is None
    assert not [c for c in rows(tmp_path, "conflicts") if c["attribute"] in ("nct_id", "phase")]


def test_a_store_written_before_registry_ids_still_reconciles(tmp_path):
    """Part files written before trials.registry_ids existed lack the column: they read as null and
    the registry falls back to the NCT id."""
    b = StoreBuilder(tmp_path)
    d = b.doc("news/t.txt", "ROCKET-IGNITE (NCT05398445) enrolled 769 adults on rocatinlimab.")
    b.fact("trials", d, "ROCKET-IGNITE", trial="ROCKET-IGNITE", nct_id="NCT05398445", phase="3", short_forms=[])
    b.commit()
    for path in Store(tmp_path).paths("trials"):
        pq.write_table(pq.read_table(path).drop_columns(["registry_ids"]), path)
    reconcile(tmp_path)
    reg = rows(tmp_path, "trial_registry")
    assert [(r["trial_key"], r["registry_ids"]) for r in reg] == [("NCT05398445", ["NCT05398445"])]


def test_a_wrong_registry_id_on_one_page_does_not_merge_two_trials(tmp_path):
    """Two pages give HORIZON-AD one EudraCT number; a third (an AI-written Q&A page) gives it the
    number of BRIDGE-AD. The better-supported number wins, the trials stay apart, the wrong link is
    kept as rejected evidence and reported as a conflict, as a second NCT id would be."""
    b = StoreBuilder(tmp_path)
    right = "2019-004061-25"
    wrong = "2021-000777-31"
    for i, site in enumerate(("dermtimes.example", "pharmawire.example")):
        d = b.doc(f"news/h{i}.txt", f"The phase 3 HORIZON-AD trial (EudraCT {right}) enrolled 450 adults with eczema "
                  f"(report {i}).", url=f"https://{site}/horizon", site=site)
        b.fact("trials", d, "HORIZON-AD", trial="HORIZON-AD", phase="3", short_forms=[], registry_ids=[right])
    qa = b.doc("qa/h.txt", "Is HORIZON-AD registered?\nAnswers come from our Medical A.I. for doctors. HORIZON-AD "
               f"(EudraCT {wrong}) is a phase 3 trial.", kind="qa", url="https://askmed.example/q/1")
    b.fact("trials", qa, "HORIZON-AD", trial="HORIZON-AD", phase="3", short_forms=[], registry_ids=[wrong])
    d = b.doc("news/bridge.txt", f"Its extension study, BRIDGE-AD (EudraCT {wrong}), is enrolling.",
              url="https://pharmawire.example/bridge", site="pharmawire.example")
    b.fact("trials", d, "BRIDGE-AD", trial="BRIDGE-AD", short_forms=[], registry_ids=[wrong])
    b.commit()
    reconcile(tmp_path)
    reg = {r["name"]: r for r in rows(tmp_path, "trial_registry")}
    assert set(reg) == {"HORIZON-AD", "BRIDGE-AD"}
    assert reg["HORIZON-AD"]["registry_ids"] == [right] and reg["BRIDGE-AD"]["registry_ids"] == [wrong]
    assert qa not in reg["BRIDGE-AD"]["doc_ids"]
    evidence = json.loads(reg["HORIZON-AD"]["link_evidence"])
    assert {(e["registry_id"], e["status"]) for e in evidence} == {
        (right, "linked"), (wrong, "rejected (conflicting EudraCT id)")}
    c = [r for r in rows(tmp_path, "conflicts") if r["attribute"] == "other"]
    assert len(c) == 1 and c[0]["subject"] == "HORIZON-AD" and c[0]["proposed_value"] == right
    assert c[0]["facet"] == "eudract"  # the registry whose ids disagree
    assert "EudraCT" in c[0]["resolution"] and set(c[0]["doc_ids"]) >= {qa}


def test_names_of_a_salt_form_confirm_the_drug_alias(tmp_path):
    """The KB lists brands and codes under the salt a product contains (Gleevec under imatinib
    mesylate, Adriamycin under doxorubicin hydrochloride): a page that calls imatinib Gleevec is
    right, and an analyst should not be asked to check it; a metabolite (norfluoxetine) is not the drug."""
    b = StoreBuilder(tmp_path)
    d = b.doc("news/cml.txt", "Imatinib (Gleevec) changed the outlook of chronic myeloid leukaemia; imatinib mesylate "
              "tablets are taken daily. Fluoxetine and its metabolite norfluoxetine were measured.",
              url="https://healthwire.example/cml")
    for alias in ("Gleevec", "imatinib mesylate"):
        _alias(b, d, alias, drug="imatinib")
    _alias(b, d, "norfluoxetine", drug="fluoxetine")
    got = _verdicts(b, tmp_path)
    assert got[("imatinib", "Gleevec")] == ("confirmed", "in_kb")
    assert got[("imatinib", "imatinib mesylate")] == ("confirmed", "in_kb")
    assert got[("fluoxetine", "norfluoxetine")][0] == "unverified"
    reason = next(a["reason"] for a in rows(tmp_path, "aliases") if a["alias"] == "Gleevec")
    assert "imatinib mesylate, a salt or ester form of imatinib" in reason


def test_a_drug_named_with_its_salt_word_is_the_same_substance(tmp_path):
    """"sodium valproate" on a page about valproate, or "chloral hydrate" for chloral, is the drug named
    with its salt or hydrate: confirmed, not a new alias an analyst must check; another word is not."""
    b = StoreBuilder(tmp_path)
    d = b.doc("news/epilepsy.txt", "Sodium valproate tablets were swapped for valproate syrup; chloral hydrate "
              "was given at night.", url="https://epilepsy-news.example/a")
    _alias(b, d, "sodium valproate", drug="valproate")
    _alias(b, d, "chloral hydrate", drug="chloral")
    _alias(b, d, "valproate syrup", drug="valproate")
    got = _verdicts(b, tmp_path)
    assert got[("valproate", "sodium valproate")] == ("confirmed", "salt_form")
    assert got[("chloral", "chloral hydrate")] == ("confirmed", "salt_form")
    assert got[("valproate", "valproate syrup")][1] != "salt_form"


def test_a_design_sentence_about_another_drug_says_nothing_of_the_pages_trial(tmp_path):
    """A page about one trial that also describes another drug's study ("An earlier open-label
    study of adalimumab ...") gives no masking for its own trial; an unnamed design sentence that
    names no other drug still counts for it."""
    b = StoreBuilder(tmp_path)
    d1 = b.doc("a.txt", "KESTREL-2 tested rocatinlimab against placebo. KESTREL-2 is a double-blind trial.",
               url="https://a.example.com/1")
    d2 = b.doc("b.txt", "KESTREL-2 tested rocatinlimab against placebo. An earlier open-label study of adalimumab "
               "enrolled 60 adults.", url="https://b.example.com/2")
    d3 = b.doc("c.txt", "KESTREL-2 tested rocatinlimab against placebo. The study was single-blind.",
               url="https://c.example.com/3")
    for d in (d1, d2, d3):
        b.fact("drugs", d, "rocatinlimab", drug="rocatinlimab", mention="rocatinlimab")
        b.fact("trials", d, "KESTREL-2", trial="KESTREL-2", phase="3", drug="rocatinlimab")
    b.fact("drugs", d2, "adalimumab", drug="adalimumab", mention="adalimumab")
    c = _conflicts(b, tmp_path, facet="masking")
    assert len(c) == 1 and {v["value"] for v in json.loads(c[0]["values_json"])} == {"double-blind", "single-blind"}
