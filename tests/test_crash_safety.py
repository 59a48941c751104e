"""Kill a run at the worst moments; the previous output must stay readable and nothing may duplicate."""
import os
import shutil
import signal
import subprocess
import sys

import pytest

from conftest import RAW, ROOT
from trialwire.store import Store


def run(out, sources, fault=None):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    if fault:
        env["TRIALWIRE_FAULT"] = fault
    return subprocess.run([sys.executable, str(ROOT / "tests" / "crash_run.py"), str(out), *map(str, sources)],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
    for i, path in enumerate(sorted(RAW.iterdir())):
        shutil.copy(path, (first if i < 4 else second) / path.name)
    return first, second


def snapshot(out):
    store = Store(out)
    assert store.verify() == []
    return sorted(store.read("documents", ["doc_id"]).column("doc_id").to_pylist())


@pytest.mark.parametrize("fault", ["before_manifest", "during_renames"])
def test_sigkill_mid_commit_keeps_old_output_then_rerun_completes(tmp_path, corpus, fault):
    first, second = corpus
    out = tmp_path / "out"
    assert run(out, [first]).returncode == 0
    before = snapshot(out)
    crashed = run(out, [first, second], fault=fault)
    assert crashed.returncode == -signal.SIGKILL
    after_crash = snapshot(Store(out).root)
    if fault == "before_manifest":
        assert after_crash == before  # the new run never became visible
    rerun = run(out, [first, second])
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    final = snapshot(out)
    assert len(final) == len(set(final)) > len(before)
    with Store(out).locked():
        assert not list(out.rglob(".part-*")) and not list((out / ".staging").iterdir())
    assert run(out, [first, second]).returncode == 0
    assert snapshot(out) == final  # a further run adds nothing
