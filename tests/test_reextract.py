"""Re-extraction after an upgrade: documents an older pipeline_version extracted are parsed again
from their stored text and their rows replaced in one commit: never lost, never doubled."""
import os
import shutil
import signal
import subprocess
import sys
from collections import Counter

import pyarrow.dataset as ds
import pytest

import trialwire.ingest as ingest
from conftest import RAW, ROOT
from trialwire.reextract import REPLACED_TABLES, supersede
from trialwire.store import TABLES, Store
from trialwire.store.remote import filesystem, publish, read_manifest, read_table

OLD = "0.0.9+code.0ld0ld00"
VOLATILE = {"run_id", "pipeline_version", "ingested_at"}


def ingest_as(out, version, sources=(RAW,), reextract=False):
    """run_ingest with `version` as the running code's pipeline_version."""
    real = ingest.current_version
    ingest.current_version = (lambda: version) if version else real
    try:
        return ingest.run_ingest(out, [str(s) for s in sources], reextract=reextract)
    finally:
        ingest.current_version = real


def rows(out, table):
    """A table's rows read the way a data engineer would, from the folder (not the manifest)."""
    data = ds.dataset(out / table, partitioning="hive").to_table() if (out / table).is_dir() else None
    return [] if data is None else data.drop_columns(["ingest_date"]).to_pylist()


def content(out, table):
    return Counter(tuple(sorted((k, str(v)) for k, v in r.items() if k not in VOLATILE)) for r in rows(out, table))


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("fresh")
    ingest_as(out, None)
    return out


@pytest.fixture
def older(tmp_path):
    out = tmp_path / "out"
    ingest_as(out, OLD)
    return out


def test_reextract_replaces_an_older_versions_rows_with_what_a_fresh_ingest_writes(older, fresh):
    before = {d["doc_id"]: d for d in rows(older, "documents")}
    summary = ingest_as(older, None, reextract=True)
    assert summary["reextracted"] == len(before) == 8 and summary["stale_documents"] == 0
    after = {d["doc_id"]: d for d in rows(older, "documents")}
    assert after.keys() == before.keys()
    for doc_id, doc in after.items():
        assert doc["pipeline_version"] == ingest.current_version() != OLD
        for kept in ("version", "previous_doc_id", "ingested_at", "source", "raw_sha256", "text"):
            assert doc[kept] == before[doc_id][kept]
    for table in REPLACED_TABLES:  # read from the folder: the replaced files are gone from disk
        assert content(older, table) == content(fresh, table), table
        assert {r["pipeline_version"] for r in rows(older, table)} <= {ingest.current_version()}
    store = Store(older)
    assert store.verify() == []
    listed = {rel for rels in store.files.values() for rel in rels}
    assert {str(p.relative_to(older)) for p in older.rglob("part-*.parquet")} == listed
    assert len(ds.dataset(older / "documents", partitioning="hive").files) == len(store.files["documents"])


def test_reextraction_reports_progress_per_document(older):
    store, ticks = Store(older), []
    found = ingest.new_discovery(store, [], None, ingest.new_run_id())
    list(ingest.iter_all_spools(store, [], None, found, reextract=True, progress=ticks.append))
    assert sum(ticks) == found.reextracted == 8


def test_the_partition_of_a_reextracted_document_does_not_move(older):
    store = Store(older)
    days = {rel.split("/")[1] for rel in store.files["documents"]}
    ingest_as(older, None, reextract=True)
    assert {rel.split("/")[1] for rel in Store(older).files["documents"]} == days


def test_without_reextract_a_run_reports_stale_documents_and_changes_nothing(older):
    before = {t: content(older, t) for t in REPLACED_TABLES}
    summary = ingest_as(older, None)
    assert summary["stale_documents"] == 8 and summary["reextracted"] == 0 and summary["documents_read"] == 0
    assert {t: content(older, t) for t in REPLACED_TABLES} == before
    again = ingest_as(older, None, reextract=True)
    assert again["reextracted"] == 8
    third = ingest_as(older, None, reextract=True)
    assert third["reextracted"] == 0 and third["documents_read"] == 0 and third["stale_documents"] == 0


def test_new_documents_and_reextracted_ones_commit_together(tmp_path, older):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "new.txt").write_text(
        "Lebrikizumab, an IL-13 antibody, was studied in the phase 3 ADvocate 1 trial (NCT04146363) in "
        "adults and adolescents with moderate-to-severe atopic dermatitis; patients received 250 mg "
        "subcutaneously every 2 weeks after a 500 mg loading dose, and EASI-75 was assessed at week 16.")
    summary = ingest_as(older, None, sources=(RAW, extra), reextract=True)
    assert summary["reextracted"] == 8 and summary["documents_read"] == 9
    docs = rows(older, "documents")
    assert len(docs) == len({d["doc_id"] for d in docs}) == 9
    assert {d["pipeline_version"] for d in docs} == {ingest.current_version()}


def test_rows_of_other_documents_in_a_replaced_file_are_kept(older):
    store = Store(older)
    docs = sorted(d["doc_id"] for d in rows(older, "documents"))
    target, others = docs[0], set(docs[1:])
    before = {t: Counter(r["doc_id"] for r in rows(older, t)) for t in REPLACED_TABLES}
    found = ingest.new_discovery(store, [], None, ingest.new_run_id())
    supersede(store, found, {target})
    assert found.superseded and any(found.staged.values())
    ingest.commit_run(store, found, [], ingest.datetime.now(ingest.timezone.utc))
    for table in REPLACED_TABLES:
        after = Counter(r["doc_id"] for r in rows(older, table))
        assert target not in after
        assert after == Counter({d: n for d, n in before[table].items() if d in others}), table
    assert Store(older).verify() == []


def crash_run(out, *args, fault=None):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if fault:
        env["TRIALWIRE_FAULT"] = fault
    return subprocess.run([sys.executable, str(ROOT / "tests" / "crash_run.py"), str(out), *args, str(RAW)],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("fault", ["before_manifest", "during_renames", "during_deletes"])
def test_a_crash_while_committing_a_reextraction_neither_loses_nor_doubles_rows(tmp_path, fresh, fault):
    out = tmp_path / "out"
    assert crash_run(out, "--as-version", OLD).returncode == 0
    old = {t: content(out, t) for t in REPLACED_TABLES}
    crashed = crash_run(out, "--reextract", fault=fault)
    assert crashed.returncode == -signal.SIGKILL
    with Store(out).locked():  # the next run's recovery: finishes the commit or leaves the old one
        pass
    state = {t: content(out, t) for t in REPLACED_TABLES}
    new = {t: content(fresh, t) for t in REPLACED_TABLES}
    assert state == (old if fault == "before_manifest" else new)
    rerun = crash_run(out, "--reextract")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert {t: content(out, t) for t in REPLACED_TABLES} == new
    assert {d["pipeline_version"] for d in rows(out, "documents")} == {ingest.current_version()}
    assert Store(out).verify() == []


def test_the_prefect_flow_reextracts(prefect, older, fresh):
    from trialwire.cli import load_flow_module
    summary = load_flow_module().ingest(source=[str(RAW)], out=str(older), reextract=True,
                                        runner="local", run_reconcile=True)
    assert summary["reextracted"] == 8 and summary["documents_read"] == 8
    assert summary["reconcile"] and not summary["reconcile"].get("unchanged")
    for table in REPLACED_TABLES:
        assert content(older, table) == content(fresh, table), table


def test_the_summary_names_stale_and_reextracted_documents(capsys):
    from trialwire.cli import print_summary
    base = {"run_id": "r", "status": "completed", "seconds": 1.0, "documents_seen": 8, "documents_read": 0,
            "words": 0, "skipped_unchanged": 8, "quarantined": 0, "quarantine_reasons": {}, "facts": 0}
    print_summary({**base, "stale_documents": 8, "reextracted": 0})
    assert "8  stored documents; --reextract parses them again" in capsys.readouterr().out
    print_summary({**base, "stale_documents": 0, "reextracted": 8})
    assert "re-extracted                  8" in capsys.readouterr().out


def test_the_run_artifact_says_what_is_stale():
    from trialwire.run_artifacts import run_markdown
    summary = {"run_id": "r", "status": "completed", "seconds": 1.0, "documents_seen": 8, "stale_documents": 8}
    text = run_markdown(summary, {"quarantined": [], "new_conflicts": []})
    assert "| stale documents | 8 |" in text and "`trialwire ingest --reextract`" in text


def test_a_published_store_drops_replaced_part_files_one_publish_later(tmp_path):
    url = f"memory://trialwire-reextract-{os.getpid()}"
    mirror = tmp_path / "mirror"
    ingest_as(mirror, OLD)
    publish(mirror, url)
    fs, root = filesystem(url)
    old_parts = set(Store(mirror).files["mentions"])
    ingest_as(mirror, None, reextract=True)
    first = publish(mirror, url)
    manifest = read_manifest(fs, root)
    assert set(manifest["superseded"]) >= old_parts
    assert all(fs.exists(f"{root}/{rel}") for rel in old_parts)  # a reader of the last manifest still finds them
    docs = read_table(url, "documents").to_pylist()
    assert len(docs) == 8 and {d["pipeline_version"] for d in docs} == {ingest.current_version()}
    publish(mirror, url)
    assert not any(fs.exists(f"{root}/{rel}") for rel in old_parts)
    assert read_table(url, "mentions").num_rows == Store(mirror).count_rows("mentions")
    assert first["manifest_id"]
    shutil.rmtree(mirror)


def test_reextract_reads_again_what_an_older_version_quarantined(tmp_path, monkeypatch):
    import trialwire.text.document as document
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "brief.txt").write_text(  # 33 words: too short for the older code's 40-word floor
        "Tirzepatide, a GIP and GLP-1 receptor agonist, lowered body weight by up to 20.9% at 72 weeks "
        "in the SURMOUNT-1 trial of adults with obesity, the sponsor said in a short statement today.")
    (folder / "blank.txt").write_bytes(b"")
    out = tmp_path / "out"
    monkeypatch.setattr(document, "MIN_WORDS", 40)
    ingest_as(out, OLD, sources=(folder,))
    monkeypatch.setattr(document, "MIN_WORDS", 20)
    assert sorted(q["reason"] for q in rows(out, "quarantine")) == ["empty", "no_text"]
    plain = ingest_as(out, None, sources=(folder,))
    assert plain["documents_read"] == 0 and plain["quarantine_retried"] == 0  # only asked for, never by itself
    summary = ingest_as(out, None, sources=(folder,), reextract=True)
    assert summary["quarantine_retried"] == 2 and summary["documents_read"] == 1
    quarantined = rows(out, "quarantine")
    assert [(q["reason"], q["pipeline_version"]) for q in quarantined] == [("empty", ingest.current_version())]
    assert [d["source"].rsplit("/", 1)[-1] for d in rows(out, "documents")] == ["brief.txt"]
    again = ingest_as(out, None, sources=(folder,), reextract=True)
    assert again["quarantine_retried"] == 0 and again["documents_read"] == 0 and len(rows(out, "quarantine")) == 1


def test_the_report_says_when_facts_come_from_an_older_pipeline(older):
    from trialwire.reconcile import reconcile
    from trialwire.report import write_report
    reconcile(older)
    html_page, md_page = (p.read_text() for p in write_report(older))
    assert "<b>8 of 8 documents</b> were extracted by an older pipeline" in html_page
    assert "**8 of 8 documents** were extracted by an older pipeline" in md_page
    ingest_as(older, None, reextract=True)
    reconcile(older)
    assert all("extracted by an older pipeline" not in p.read_text() for p in write_report(older))
