"""The ingest flow on parse worker processes (the default runner on a multi-core machine: batch
tasks in threads of the flow process, parsing in trialwire.workers.ParseWorkers) and on Dask (prefect-dask's DaskTaskRunner against a distributed LocalCluster
of 2 worker processes, one thread each) writes the same rows as the local runner; the batches are
shared by the workers, and each worker loads the spaCy pipeline once however many batches it parses."""
import pytest

from conftest import copy_samples
from trialwire.store import TABLES, Store

distributed = pytest.importorskip("distributed")
pytest.importorskip("prefect_dask")

pytestmark = pytest.mark.slow
BATCH_DOCS = 2  # small batches: ~10 documents make ~5 batches, more than one per worker


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return copy_samples(tmp_path_factory.mktemp("inputs"))


@pytest.fixture(scope="module")
def small_batches():
    """Discovery runs in the flow process (not on a worker), so patching it there is enough."""
    from trialwire import ingest
    original = ingest.BATCH_DOCS
    ingest.BATCH_DOCS = BATCH_DOCS
    yield
    ingest.BATCH_DOCS = original


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as cl, Client(cl) as client:
        yield cl, client


def per_document_rows(out) -> dict[str, int]:
    store = Store(out)
    return {t: store.read(t).num_rows for t, spec in TABLES.items() if spec.per_document and t != "runs"}


def mention_keys(out) -> set:
    rows = Store(out).read("mentions", ["doc_id", "start_char", "end_char", "label"]).to_pylist()
    return {(r["doc_id"], r["start_char"], r["end_char"], r["label"]) for r in rows}


@pytest.fixture(scope="module")
def local_out(prefect, inputs, small_batches, tmp_path_factory):
    from trialwire.cli import main
    out = tmp_path_factory.mktemp("local")
    assert main(["ingest", str(inputs), "--out", str(out), "--quiet", "--no-reconcile", "--runner", "local"]) == 0
    return out


@pytest.fixture(scope="module")
def process_run(prefect, inputs, small_batches, tmp_path_factory):
    """The default runner on a multi-core machine: 2 parse worker processes."""
    from trialwire import cli
    out = tmp_path_factory.mktemp("process")
    summaries, original = [], cli.print_summary
    cli.print_summary = summaries.append
    try:
        assert cli.main(["ingest", str(inputs), "--out", str(out), "--quiet", "--no-reconcile",
                         "--runner", "process", "--workers", "2"]) == 0
    finally:
        cli.print_summary = original
    return out, summaries[0]


@pytest.fixture(scope="module")
def dask_out(prefect, inputs, small_batches, cluster, tmp_path_factory):
    from trialwire.cli import main
    cl, _ = cluster
    out = tmp_path_factory.mktemp("dask")
    code = main(["ingest", str(inputs), "--out", str(out), "--quiet", "--no-reconcile",
                 "--runner", "dask", "--dask-address", cl.scheduler_address])
    assert code == 0
    return out


def test_dask_runner_writes_the_same_rows_as_the_local_runner(local_out, dask_out):
    local, dask = per_document_rows(local_out), per_document_rows(dask_out)
    assert local["documents"] >= 8 and local["quarantine"] == 1
    assert dask == local
    assert mention_keys(dask_out) == mention_keys(local_out)
    assert Store(dask_out).verify() == []


def test_each_worker_loads_the_pipeline_once(dask_out, cluster):
    docs = Store(dask_out).read("documents", ["doc_id"]).num_rows
    _, client = cluster

    def pipeline_loads():
        from trialwire.ingest import get_pipeline
        info = get_pipeline.cache_info()
        return {"loads": info.misses, "batches": info.hits + info.misses}

    per_worker = client.run(pipeline_loads)
    assert len(per_worker) == 2
    batches = sum(w["batches"] for w in per_worker.values())
    assert batches == -(-docs // BATCH_DOCS)  # every batch ran on a worker, none in the flow process
    assert all(w["loads"] == (1 if w["batches"] else 0) for w in per_worker.values()), per_worker
    assert any(w["batches"] > 1 for w in per_worker.values()), per_worker  # a worker reused its pipeline


def test_process_pool_runner_writes_the_same_rows_on_two_workers(local_out, process_run):
    out, summary = process_run
    assert per_document_rows(out) == per_document_rows(local_out)
    assert mention_keys(out) == mention_keys(local_out)
    assert summary["parser_peak_rss_mb"] > 0
    assert Store(out).verify() == []


def test_process_pool_workers_share_the_batches(process_run):
    """Every batch ran in one of the two worker processes, never in the flow process."""
    import os
    workers = process_run[1]["workers"]
    assert len(workers) == 2 and not any(w.endswith(f":{os.getpid()}") for w in workers)


def test_reextraction_on_two_parse_workers_gives_the_local_runners_rows(prefect, inputs, small_batches, local_out,
                                                                         tmp_path, monkeypatch):
    """Discovery spools the stale documents in the flow process; the workers parse them with their
    own (current) pipeline_version, into the partitions the documents already had."""
    from trialwire import cli, ingest
    out = tmp_path / "older"
    real = ingest.current_version
    monkeypatch.setattr(ingest, "current_version", lambda: "0.0.9+code.older")
    ingest.run_ingest(out, [str(inputs)])
    monkeypatch.setattr(ingest, "current_version", real)
    summaries = []
    monkeypatch.setattr(cli, "print_summary", summaries.append)
    assert cli.main(["ingest", "--reextract", "--out", str(out), "--quiet", "--no-reconcile",
                     "--runner", "process", "--workers", "2"]) == 0
    assert summaries[0]["reextracted"] == per_document_rows(local_out)["documents"]
    assert len(summaries[0]["workers"]) == 2
    assert per_document_rows(out) == per_document_rows(local_out)
    assert mention_keys(out) == mention_keys(local_out)
    assert set(Store(out).read("documents", ["pipeline_version"])["pipeline_version"].to_pylist()) == {real()}
    assert Store(out).verify() == []
