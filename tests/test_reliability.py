"""Unattended-run guarantees: random SIGKILLs, two runs at once, damaged Parquet, hostile inputs,
changed articles. Runs go through the same steps as the flow (tests/crash_run.py), minus Prefect."""
import ast
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from conftest import FIXTURES, RAW, ROOT, SHARED
from http_server import LocalServer, send
from trialwire.store import Store

RUNNER = [sys.executable, str(ROOT / "tests" / "crash_run.py")]
ENV = {**os.environ, "PYTHONWARNINGS": "ignore"}


def start(out, *sources):
    return subprocess.Popen(RUNNER + [str(out), *map(str, sources)], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def documents(out):
    store = Store(out)
    assert store.verify() == []
    return store.read("documents", ["doc_id", "source", "version"]).to_pylist()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About 30 documents: the sample articles, the seeds, the fixtures, and numbered variants."""
    folder = tmp_path_factory.mktemp("corpus")
    originals = [p for p in RAW.iterdir()] + list((SHARED / "seeds").iterdir()) + list((FIXTURES / "articles").iterdir())
    for path in originals:
        shutil.copy(path, folder / path.name)
    for i, path in enumerate(sorted(p for p in originals if p.suffix == ".txt" and "cp1252" not in p.name)):
        text = path.read_text(encoding="utf-8")
        (folder / f"variant_{i:02d}.txt").write_text(f"Follow-up {i}: an update on this story.\n{text}", encoding="utf-8")
    return folder


def expected_docs(corpus, tmp_path):
    clean = tmp_path / "clean"
    done = subprocess.run(RUNNER + [str(clean), str(corpus)], env=ENV, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return sorted(d["doc_id"] for d in documents(clean))


def test_random_sigkills_lose_and_duplicate_nothing(corpus, tmp_path):
    want = expected_docs(corpus, tmp_path)
    out, rng, kills = tmp_path / "out", random.Random(7), 0
    for _ in range(8):
        proc = start(out, corpus)
        time.sleep(rng.uniform(0.5, 4.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(timeout=120)
        docs = documents(out)  # readable after every kill
        assert len({d["doc_id"] for d in docs}) == len(docs)
    assert kills >= 4
    final = start(out, corpus)
    assert final.wait(timeout=300) == 0, final.stderr.read()[-2000:]
    assert sorted(d["doc_id"] for d in documents(out)) == want


def test_two_runs_at_once_one_waits_out_neither_corrupts(corpus, tmp_path):
    out = tmp_path / "out"
    first, second = start(out, corpus), start(out, corpus)
    codes = sorted([first.wait(timeout=300), second.wait(timeout=300)])
    assert codes in ([0, 0], [0, 3])
    docs = documents(out)
    assert len({d["doc_id"] for d in docs}) == len(docs) > 20


def test_damaged_parquet_is_detected_set_aside_and_reingested(corpus, tmp_path):
    out = tmp_path / "out"
    assert subprocess.run(RUNNER + [str(out), str(corpus)], env=ENV, timeout=300).returncode == 0
    want = sorted(d["doc_id"] for d in documents(out))
    doc_file = Store(out).paths("documents")[0]  # one batch's file (a small run has a few batches)
    doc_file.write_bytes(doc_file.read_bytes()[: doc_file.stat().st_size // 3])  # an old crash's truncation
    assert any("unreadable" in p for p in Store(out).verify())
    rerun = subprocess.run(RUNNER + [str(out), str(corpus)], env=ENV, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    set_aside = ast.literal_eval(rerun.stdout.strip().splitlines()[-1])["set_aside_corrupt"]
    assert any(p.startswith("documents/") for p in set_aside) and any(p.startswith("mentions/") for p in set_aside)
    assert sorted(d["doc_id"] for d in documents(out)) == want
    assert list((out / "_corrupt").rglob("*.parquet"))
    drugs = Store(out).read("mentions", ["doc_id"]).column("doc_id").to_pylist()
    assert set(drugs) <= set(want)


def test_hostile_inputs_are_quarantined_and_the_run_goes_on(tmp_path):
    folder = tmp_path / "drop"
    folder.mkdir()
    shutil.copy(RAW / "01_trade_news_rocatinlimab.txt", folder)
    (folder / "zero.txt").write_bytes(b"")
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 40)
    (folder / "bad_utf8.txt").write_bytes("Lecanemab “Clarity AD” ".encode() + b"\xc3\x28\xa0\xa1" * 30)
    with open(folder / "huge.txt", "wb") as fh:  # 50 MB of text, refused by size before it is read
        fh.write(b"Tirzepatide lowered body weight in SURMOUNT-1. " * 1_100_000)
    (folder / "scripts.html").write_text("<html><head><script>track()</script></head><body>"
                                         "<script>var x = 'only scripts';</script></body></html>")
    items = "".join(f"<item><title>Item {i}</title><link>/a/{i}</link></item>" for i in range(10_000))
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    article = "<html><body><article><p>" + "Lebrikizumab 250 mg every four weeks kept EASI-75 responses in ADvocate 1. " * 5 + "</p></article></body></html>"
    routes = {"/feed.xml": lambda r: send(r, feed, content_type="application/rss+xml"),
              "/a/": lambda r: send(r, article.replace("ADvocate 1", f"ADvocate 1 {r.path}"))}
    with LocalServer(routes) as server:
        config = tmp_path / "sources.yaml"
        config.write_text(f"allowed_hosts: [127.0.0.1]\nsources:\n  - {{kind: folder, path: {folder}}}\n"
                          f"  - {{kind: feed, url: '{server.url('/feed.xml')}', max_items: 5}}\n")
        done = subprocess.run(RUNNER + [str(tmp_path / "out"), "--config", str(config)], env=ENV,
                              capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    reasons = {}
    for row in Store(tmp_path / "out").read("quarantine").to_pylist():
        reasons[row["source"].rsplit("/", 1)[-1]] = row["reason"]
    assert reasons["zero.txt"] == "empty" and reasons["binary.bin"] == "binary"
    assert reasons["bad_utf8.txt"] == "invalid_utf8" and reasons["huge.txt"] == "too_large"
    assert reasons["scripts.html"] == "no_text" and "too_many_items" in reasons.values()
    assert len(documents(tmp_path / "out")) == 1 + 5  # the good article and five feed items


def test_changed_article_is_a_new_linked_version(tmp_path):
    folder, out = tmp_path / "drop", tmp_path / "out"
    folder.mkdir()
    page = folder / "story.txt"
    page.write_text((RAW / "07_qa_tirzepatide.txt").read_text())
    subprocess.run(RUNNER + [str(out), str(folder)], env=ENV, check=True, timeout=300)
    page.write_text(page.read_text() + "\nUpdate: the article was corrected on review.\n")
    subprocess.run(RUNNER + [str(out), str(folder)], env=ENV, check=True, timeout=300)
    docs = sorted(Store(out).read("documents", ["doc_id", "version", "previous_doc_id"]).to_pylist(),
                  key=lambda d: d["version"])
    assert [d["version"] for d in docs] == [1, 2]
    assert docs[1]["previous_doc_id"] == docs[0]["doc_id"]
