"""Output at an S3 URL (moto's server on 127.0.0.1): runs work in a local mirror, publish part
files then the manifest last; readers through the manifest never see half a run; a second
machine pulls and skips unchanged input; a concurrent publish is refused."""
import os
import shutil
import socket

import pytest

from conftest import RAW
from trialwire.ingest import run_ingest
from trialwire.store import TABLES, Store

pytest.importorskip("s3fs")
moto_server = pytest.importorskip("moto.server")

from trialwire.store import remote  # noqa: E402

BUCKET = "trialwire-test"
PER_DOC = [t for t, spec in TABLES.items() if spec.per_document]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3():
    """moto's S3 server on a free local port, dummy credentials, one bucket; storage options."""
    saved = {k: os.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")}
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    options = {"key": "testing", "secret": "testing", "skip_instance_cache": True,
               "client_kwargs": {"endpoint_url": f"http://127.0.0.1:{port}", "region_name": "us-east-1"}}
    import boto3
    boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1").create_bucket(Bucket=BUCKET)
    yield options
    server.stop()
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    for path in RAW.iterdir():
        shutil.copy(path, folder / path.name)
    return folder


def ingest_to(url, mirror, inputs, options):
    with remote.output_root(url, work_dir=mirror, storage_options=options, quiet=True) as local:
        summary = run_ingest(local, [str(inputs)])
        Store(local).write_corpus_table("aliases", [])  # reconciliation's output is a corpus table
    return summary


@pytest.fixture(scope="module")
def published(s3, inputs, tmp_path_factory):
    url = f"s3://{BUCKET}/runs/first"
    mirror = tmp_path_factory.mktemp("mirror-a")
    summary = ingest_to(url, mirror, inputs, s3)
    return url, mirror, summary


def test_urls_and_local_paths():
    from pathlib import Path
    assert remote.is_remote("s3://b/k") and remote.is_remote(Path("s3://b/k")) and remote.is_remote("memory://x")
    assert remote.normalise_url(Path("s3://bucket/prefix")) == "s3://bucket/prefix"
    assert not remote.is_remote("data/processed") and not remote.is_remote("file:///tmp/x")
    with remote.output_root("some/local/out") as local:
        assert local == Path("some/local/out")


def test_published_tables_read_back_through_the_manifest(published, s3):
    url, mirror, summary = published
    assert summary["documents_read"] > 0
    local = Store(mirror)
    for table in PER_DOC:
        assert remote.read_table(url, table, storage_options=s3).num_rows == local.read(table).num_rows, table
    docs = remote.read_table(url, "documents", ["doc_id", "text"], storage_options=s3)
    assert docs.num_rows == summary["documents_read"]
    assert remote.read_table(url, "aliases", storage_options=s3).schema.equals(TABLES["aliases"].schema)
    fs, root = remote.filesystem(url, s3)
    manifest = remote.read_manifest(fs, root)
    assert set(manifest["files"]) >= {"documents", "mentions", "runs"}
    assert manifest["corpus"]["aliases"].startswith("_corpus/aliases-")
    assert fs.exists(f"{root}/aliases.parquet")


def test_a_second_machine_pulls_and_skips_unchanged_input(published, s3, inputs, tmp_path):
    url, mirror, first = published
    summary = ingest_to(url, tmp_path / "mirror-b", inputs, s3)
    assert summary["documents_read"] == 0 and summary["skipped_unchanged"] == first["documents_seen"]
    assert remote.read_table(url, "runs", storage_options=s3).num_rows == 2
    assert remote.read_table(url, "documents", storage_options=s3).num_rows == first["documents_read"]


def test_manifest_goes_last_and_a_failed_publish_leaves_the_previous_run(s3, inputs, tmp_path, monkeypatch):
    url = f"s3://{BUCKET}/runs/crash"
    mirror = tmp_path / "mirror"
    ingest_to(url, mirror, inputs, s3)
    before = remote.read_table(url, "documents", ["doc_id"], storage_options=s3).num_rows
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "new.txt").write_text("Tirzepatide 15 mg once weekly reduced body weight by 20.9% at week 72 in the "
                                   "phase 3 SURMOUNT-1 trial (NCT04184622), investigators reported on Tuesday.")
    fs, _ = remote.filesystem(url, s3)
    calls = []
    real_put, real_pipe = type(fs).put, type(fs).pipe_file

    def recording_put(self, lpath, rpath, *a, **kw):
        calls.extend(("put", r) for r in (rpath if isinstance(rpath, list) else [rpath]))
        return real_put(self, lpath, rpath, *a, **kw)

    def failing_pipe(self, path, *a, **kw):
        calls.append(("pipe", path))
        raise ConnectionError("network gone before the manifest")

    monkeypatch.setattr(type(fs), "put", recording_put)
    monkeypatch.setattr(type(fs), "pipe_file", failing_pipe)
    with pytest.raises(ConnectionError):
        ingest_to(url, mirror, extra, s3)
    assert calls[-1][0] == "pipe" and calls[-1][1].endswith("_manifest.json")
    assert any("documents/" in c[1] for c in calls if c[0] == "put")  # parts went up, unlisted
    assert remote.read_table(url, "documents", ["doc_id"], storage_options=s3).num_rows == before

    def recording_pipe(self, path, *a, **kw):
        calls.append(("pipe", path))
        return real_pipe(self, path, *a, **kw)

    monkeypatch.setattr(type(fs), "pipe_file", recording_pipe)
    calls.clear()
    summary = ingest_to(url, mirror, extra, s3)  # the pull drops the unpublished run; it is redone
    assert summary["documents_read"] == 1
    assert remote.read_table(url, "documents", ["doc_id"], storage_options=s3).num_rows == before + 1
    commit = calls.index(next(c for c in calls if c[1].endswith("_manifest.json")))
    assert all(c[0] == "put" for c in calls[:commit]) and any("part-" in c[1] for c in calls[:commit])
    assert all(c[1].endswith("/aliases.parquet") for c in calls[commit + 1:])  # plain copies after


def test_a_concurrent_publish_is_refused(published, s3, tmp_path):
    url, _, _ = published
    a, b = tmp_path / "a", tmp_path / "b"
    pulled_a = remote.pull(url, a, s3)
    pulled_b = remote.pull(url, b, s3)
    assert pulled_a["manifest_id"] == pulled_b["manifest_id"] and pulled_b["fetched"] > 0
    Store(a).write_corpus_table("aliases", [])
    remote.publish(a, url, s3, expect_manifest_id=pulled_a["manifest_id"])
    with pytest.raises(remote.ConcurrentPublish):
        remote.publish(b, url, s3, expect_manifest_id=pulled_b["manifest_id"])


def test_one_command_per_mirror(s3, tmp_path):
    from trialwire.store import StoreLocked
    url = f"s3://{BUCKET}/runs/locked"
    with remote.output_root(url, work_dir=tmp_path / "m", storage_options=s3, quiet=True):
        with pytest.raises(StoreLocked):
            with remote.output_root(url, work_dir=tmp_path / "m", storage_options=s3, quiet=True):
                pass


def summary_counts(stdout: str) -> dict[str, int]:
    counts = {}
    for line in stdout.splitlines():
        for label in ("documents seen", "read and parsed", "skipped as unchanged", "quarantined"):
            if line.strip().startswith(label):
                counts[label] = int(line.strip()[len(label):].split()[0].replace(",", ""))
    return counts


def test_the_command_line_ingests_into_an_s3_url_and_a_second_machine_skips_what_it_holds(s3, inputs, tmp_path):
    """`trialwire ingest SOURCES --out s3://...` as a user runs it: a fresh process, the real Prefect
    flow with its temporary API server, reconciliation; the endpoint and credentials come from the
    environment (AWS_ENDPOINT_URL). Then a second machine (another mirror folder) runs the same
    command: it pulls the published store and finds nothing new."""
    import subprocess
    import sys
    from conftest import ROOT
    env = {**os.environ, "AWS_ENDPOINT_URL": s3["client_kwargs"]["endpoint_url"], "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    url = f"s3://{BUCKET}/from-the-command-line"

    def ingest(machine: str) -> dict[str, int]:
        done = subprocess.run([sys.executable, "-m", "trialwire.cli", "ingest", str(inputs), "--out", url,
                               "--work-dir", str(tmp_path / machine), "--quiet"],
                              env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
        assert done.returncode == 0, done.stderr[-3000:]
        return summary_counts(done.stdout)

    first = ingest("machine-a")
    assert first["read and parsed"] > 0
    documents = remote.read_table(url, "documents", ["doc_id"], s3)
    assert documents.num_rows == first["read and parsed"]
    assert remote.read_table(url, "trials", ["trial"], s3).num_rows > 0
    assert remote.read_table(url, "trial_registry", None, s3).num_rows > 0  # reconciliation was published
    second = ingest("machine-b")
    assert second["read and parsed"] == 0 and second["skipped as unchanged"] == first["documents seen"]
    assert remote.read_table(url, "documents", ["doc_id"], s3).num_rows == documents.num_rows


def test_reextraction_on_another_machine_replaces_rows_and_the_old_parts_go_one_publish_later(
        s3, inputs, tmp_path, monkeypatch):
    import trialwire.ingest as ingest
    url = f"s3://{BUCKET}/runs/reextract"
    real = ingest.current_version
    monkeypatch.setattr(ingest, "current_version", lambda: "0.0.9+code.older")
    ingest_to(url, tmp_path / "machine-a", inputs, s3)
    monkeypatch.setattr(ingest, "current_version", real)
    fs, root = remote.filesystem(url, s3)
    old_parts = set(remote.read_manifest(fs, root)["files"]["mentions"])
    with remote.output_root(url, work_dir=tmp_path / "machine-b", storage_options=s3, quiet=True) as local:
        summary = run_ingest(local, [], reextract=True)
    assert summary["reextracted"] == 8
    docs = remote.read_table(url, "documents", storage_options=s3).to_pylist()
    assert len(docs) == 8 and {d["pipeline_version"] for d in docs} == {real()}
    mentions = remote.read_table(url, "mentions", storage_options=s3)
    assert mentions.num_rows == Store(tmp_path / "machine-b").count_rows("mentions")
    assert set(remote.read_manifest(fs, root)["superseded"]) >= old_parts
    fs.invalidate_cache()
    assert all(fs.exists(f"{root}/{rel}") for rel in old_parts)  # a reader of the last manifest still finds them
    with remote.output_root(url, work_dir=tmp_path / "machine-b", storage_options=s3, quiet=True) as local:
        assert run_ingest(local, [])["documents_read"] == 0
    fs.invalidate_cache()
    assert not any(fs.exists(f"{root}/{rel}") for rel in old_parts)
    assert remote.read_table(url, "mentions", storage_options=s3).num_rows == mentions.num_rows
