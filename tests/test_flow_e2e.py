"""The real Prefect flow on the sample articles and the seeds; Parquet read back with pyarrow."""
import json
import subprocess
import sys

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from conftest import ROOT, SHARED, copy_samples
from trialwire.store import TABLES

CONTRACT = ["documents", "drugs", "drug_aliases", "conditions", "trials", "doses", "endpoints",
            "adverse_events", "aliases", "conflicts"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = copy_samples(tmp_path_factory.mktemp("inputs"))
    (folder / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    (folder / "broken.txt").write_bytes("Tirzepatide “SURMOUNT-1” ".encode() + b"\xff\xfe\xfa" * 40)
    return folder


@pytest.fixture(scope="module")
def first_run(prefect, inputs, tmp_path_factory):
    from trialwire.cli import load_flow_module
    out = tmp_path_factory.mktemp("out")
    summary = load_flow_module().ingest(source=[str(inputs)], out=str(out))
    return out, summary


def read(out, table):
    path = out / f"{table}.parquet"
    return pq.read_table(path) if path.exists() else ds.dataset(out / table, partitioning="hive").to_table()


def test_every_contract_table_is_written_with_its_schema(first_run):
    out, summary = first_run
    assert summary["documents_read"] == 10 and summary["quarantined"] == 3
    for table in CONTRACT + ["mentions", "quarantine", "runs", "trial_registry", "endpoint_results"]:
        data = read(out, table)
        for field in TABLES[table].schema:
            assert data.schema.field(field.name).type == field.type, (table, field.name)
    docs = read(out, "documents").to_pylist()
    assert {d["kind"] for d in docs} >= {"news", "qa", "press_release"}
    assert all(len(d["doc_id"]) == 32 and d["pipeline_version"] for d in docs)


def test_bad_inputs_are_quarantined_with_reasons(first_run):
    out, _ = first_run
    reasons = {r["source"].rsplit("/", 1)[-1]: r["reason"] for r in read(out, "quarantine").to_pylist()}
    assert reasons == {"empty.txt": "empty", "picture.png": "binary", "broken.txt": "invalid_utf8"}


def test_facts_keep_provenance(first_run):
    out, _ = first_run
    docs = {d["doc_id"]: d["text"] for d in read(out, "documents").to_pylist()}
    trials = read(out, "trials").to_pylist()
    assert any(t["nct_id"] == "NCT05398445" for t in trials)
    for row in read(out, "mentions").to_pylist()[:200]:
        assert docs[row["doc_id"]][row["start_char"]:row["end_char"]] == row["text"]
        assert row["text"] in row["sentence"]


def test_second_run_adds_nothing_and_keeps_ids(first_run, inputs):
    from trialwire.cli import load_flow_module
    out, _ = first_run
    before = {t: read(out, t).num_rows for t in TABLES if TABLES[t].per_document and t != "runs"}
    ids = sorted(read(out, "documents").column("doc_id").to_pylist())
    summary = load_flow_module().ingest(source=[str(inputs)], out=str(out))
    assert summary["documents_read"] == 0 and summary["skipped_unchanged"] == 13
    after = {t: read(out, t).num_rows for t in before}
    assert after == before
    assert sorted(read(out, "documents").column("doc_id").to_pylist()) == ids
    assert read(out, "runs").num_rows == 2


def test_console_command_and_scorer(first_run, tmp_path):
    out, _ = first_run
    seeds_out = tmp_path / "seeds"
    cli = [sys.executable, "-m", "trialwire.cli"]
    done = subprocess.run(cli + ["ingest", str(SHARED / "seeds"), "--out", str(seeds_out)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "read and parsed" in done.stdout and "quarantined" in done.stdout
    score = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(seeds_out),
                            str(SHARED / "eval" / "seeds_gold"), "--json", str(tmp_path / "s.json")],
                           capture_output=True, text=True, timeout=120)
    assert score.returncode == 0, score.stderr
    assert json.loads((tmp_path / "s.json").read_text())["documents_scored"] == 2


def test_data_dictionary_is_current():
    from trialwire.store.datadict import render_data_dictionary
    assert (ROOT / "docs" / "DATA.md").read_text() == render_data_dictionary(), "run `trialwire datadict`"


def test_run_publishes_artifacts(first_run):
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    out, summary = first_run

    async def artifacts(key):
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))

    [markdown] = [a for a in asyncio.run(artifacts("trialwire-run-summary")) if summary["run_id"] in a.data]
    assert "Quarantined (3)" in markdown.data and "picture.png" in markdown.data
    assert asyncio.run(artifacts("trialwire-run-counts"))
    assert any("picture.png" in str(a.data) for a in asyncio.run(artifacts("trialwire-quarantined")))


def test_scheduled_deployment_has_the_cron_schedule():
    import importlib.util
    spec = importlib.util.spec_from_file_location("trialwire_deploy", ROOT / "flows" / "deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    deployment = module.build_deployment("15 3 * * *", ["data/raw"], None, "data/processed")
    assert deployment.name == "trialwire-scheduled"
    assert deployment.schedules[0].schedule.cron == "15 3 * * *"
    assert deployment.parameters["out"] == "data/processed"
    assert deployment.parameters["reextract"] is False  # re-parsing a whole store is asked for, not scheduled
