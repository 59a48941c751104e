"""A parsing process stops growing with what it reads once its vocab is warm: later batches run in a
spaCy memory zone and leave the vocab (and the NER model's own vocab) as they found it."""
import uuid
from datetime import date
from pathlib import Path

import pytest

from conftest import RAW
from trialwire import ingest
from trialwire.store import Store


def test_batches_after_warm_up_leave_the_vocab_as_they_found_it(tmp_path, monkeypatch):
    inputs = tmp_path / "in"
    inputs.mkdir()
    article = sorted(RAW.glob("*.txt"))[0].read_text()
    for i in range(6):  # words no earlier test has parsed, so a cold batch must add them
        novel = " ".join(f"zor{uuid.uuid4().hex[:10]}mab" for _ in range(5))
        (inputs / f"a{i}.txt").write_text(f"{article}\n\nIn a later trial, {novel} were compared.\n")
    store = Store(tmp_path / "out")
    found = ingest.discover(store, [str(inputs)], None, "r1", batch_docs=2)
    assert len(found.spools) == 3
    nlp = ingest.get_pipeline()
    ner = nlp.get_pipe("trialwire_ner").model
    monkeypatch.setattr(ingest, "WARM_VOCAB_STRINGS", 10**9)  # cold: batches add their words
    before = len(nlp.vocab.strings)
    ingest.process_batch(str(store.root), found.spools[0], "r1", date.today(), "b0")
    assert len(nlp.vocab.strings) > before
    monkeypatch.setattr(ingest, "WARM_VOCAB_STRINGS", 0)  # warm: zones from now on
    sizes = (len(nlp.vocab.strings), len(ner.vocab.strings) if ner else 0)
    results = [ingest.process_batch(str(store.root), spool, "r1", date.today(), f"b{i}")
               for i, spool in enumerate(found.spools[1:], 1)]
    assert sum(r.facts for r in results) > 0
    assert (len(nlp.vocab.strings), len(ner.vocab.strings) if ner else 0) == sizes


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="needs Linux's /proc/PID/smaps_rollup")
def test_benchmark_counts_pages_forked_workers_share_once_in_pss_and_in_every_worker_in_rss():
    """bench/run.py's sampler: summed RSS counts a shared page in each process that maps it, summed
    PSS once. A process that fills 200 MB and forks two idle children shows ~600 MB of RSS and
    ~200 MB of PSS. (In a subprocess: importing the benchmark pins thread-pool variables.)"""
    import subprocess
    import sys
    from conftest import ROOT
    code = (
        "import os, sys, time\n"
        "sys.path.insert(0, 'bench')\n"
        "import run\n"
        "block = bytearray(200 * 1024 * 1024)\n"
        "for i in range(0, len(block), 4096): block[i] = 1\n"
        "kids = []\n"
        "for _ in range(2):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        time.sleep(3); os._exit(0)\n"
        "    kids.append(pid)\n"
        "time.sleep(0.3)\n"
        "sampler = run.TreeSampler(os.getpid(), pss_every=1)\n"
        "sampler.sample()\n"
        "for pid in kids: os.kill(pid, 9); os.waitpid(pid, 0)\n"
        "print(sampler.peak_rss >> 20, sampler.peak_pss >> 20)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    rss_mb, pss_mb = map(int, done.stdout.split())
    assert rss_mb > 600 and 200 < pss_mb < 400, (rss_mb, pss_mb)


def test_benchmark_repeat_reports_the_median_pair_and_every_pairs_ratio():
    """bench/run.py --repeat: the headline keys come from the (bare, e2e) pair whose ratio is the
    median, not from the first or the best pair, and `ratio_runs` keeps every pair's ratio in order;
    `incremental_fraction` comes from the first pair, the only one followed by a re-run.
    (In a subprocess: importing the benchmark pins thread-pool variables.)"""
    import json
    code = (
        "def bare(w, s): return {'words_per_s': w, 'docs_per_s': w / 800, 'pass_seconds': s}\n"
        "def e2e(w, s): return {'words_per_s': w, 'docs_per_s': w / 800, 'first_run': {'seconds': s,\n"
        "    'summary': {'facts': 7}, 'phases_s': {}, 'phase_peak_rss_mb': 900}}\n"
        "runner = run.default_runner(2)\n"
        "by_mode = {'bare-2': bare(20000, 40), f'e2e-{runner}-2': {**e2e(15000, 53), 'incremental_fraction': 0.015},\n"
        "           'bare-2-r2': bare(22000, 36), f'e2e-{runner}-2-r2': e2e(18000, 44),\n"
        "           'bare-2-r3': bare(21000, 38), f'e2e-{runner}-2-r3': e2e(16000, 50)}\n"
        "result = {}\n"
        "run.summarise(result, by_mode, [2])\n"
        "print(json.dumps(result))\n"
    )
    result = json.loads(with_bench(code).strip().splitlines()[-1])
    assert result["ratio_runs"] == [0.75, 0.8182, 0.7619]
    assert result["ratio"] == 0.7619  # the median pair's, the third
    assert (result["nlp_pipe_words_per_s"], result["e2e_words_per_s"]) == (21000, 16000)
    assert (result["e2e_seconds"], result["nlp_pipe_seconds"]) == (50, 38)
    assert result["incremental_fraction"] == 0.015  # measured after the first pair only, not the median one


def test_benchmark_table_names_the_host_each_result_was_measured_on():
    """The ratio differs between virtual machines of the same size, so the README table names each
    result file's host: the kernel release in Python's platform string. (In a subprocess, as above.)"""
    code = (
        "r = {'docs': 1000, 'words': 800000, 'modes': [], 'started_at': '2026-11-30T01:02:03+00:00',\n"
        "     'machine': {'platform': 'Linux-6.18.44-fc-v669-x86_64-with-glibc2.36'}}\n"
        "print(run.markdown([r, {**r, 'machine': {}}]).splitlines()[2])\n"
    )
    line = with_bench(code)
    assert line.strip().endswith("| 2026-11-30, `6.18.44-fc-v669` | 2026-11-30, `n/a` |")


def with_bench(code: str) -> str:
    """The output of `code` run with the benchmark imported as `run` (and json, sys), in a subprocess:
    importing the benchmark pins thread-pool variables."""
    import subprocess
    import sys
    from conftest import ROOT
    done = subprocess.run([sys.executable, "-c", "import json, sys\nsys.path.insert(0, 'bench')\nimport run\n" + code],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("named, expected", [(None, "system"), ("mimalloc", "mimalloc")])
def test_arrow_allocates_with_the_system_allocator_unless_the_environment_names_one(named, expected):
    """Importing trialwire picks Arrow's allocator (mimalloc kept 50 to 130 MB more resident per
    process for the same Parquet work); the processes a run starts (parse workers, text readers, a
    LocalCluster's workers) inherit the choice, and one the user named wins. In subprocesses: Arrow
    reads the setting once, when pyarrow is imported."""
    import os
    import subprocess
    import sys
    from conftest import ROOT
    code = (
        "import subprocess, sys\n"
        "import trialwire\n"
        "import pyarrow as pa\n"
        "child = subprocess.run([sys.executable, '-c', 'import pyarrow as pa; print(pa.default_memory_pool().backend_name)'],\n"
        "                       capture_output=True, text=True, check=True).stdout.strip()\n"
        "print(pa.default_memory_pool().backend_name, child)\n")
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if named:
        env["ARROW_DEFAULT_MEMORY_POOL"] = named
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [expected, expected]
