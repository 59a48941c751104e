"""A run stopped from outside: Ctrl-C in a terminal (SIGINT to the whole foreground process group)
and a command killed outright (SIGKILL to the CLI process only). Nothing is committed, and no
Prefect server or parse worker outlives the command."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from conftest import RAW, ROOT
from trialwire.store import Store

# the child restores Python's Ctrl-C handling (a process started in the background by a
# non-interactive shell inherits SIGINT ignored)
CLI = ("import signal, sys\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
       "from trialwire.cli import run\nsys.exit(run(sys.argv[1:]))\n")


@pytest.fixture(scope="module")
def articles(tmp_path_factory) -> Path:
    """320 distinct articles (five batches), from the samples with a sentence of their own each: a run
    still parsing seconds after its first batch, on a machine faster than this one too."""
    folder = tmp_path_factory.mktemp("articles")
    samples = []
    for path in sorted(RAW.glob("*.txt")):
        try:
            samples.append(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:  # the cp1252 sample is for the decoding tests
            continue
    for i in range(320):
        (folder / f"article-{i:03d}.txt").write_text(
            f"{samples[i % len(samples)]}\n\nSite {i} enrolled {100 + i} participants in the extension.\n")
    return folder


def start_ingest(articles: Path, out: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", TRIALWIRE_RUNNER="process")
    return subprocess.Popen([sys.executable, "-c", CLI, "ingest", str(articles), "--out", str(out), "--quiet",
                             "--workers", "2"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_parsing(process: subprocess.Popen, out: Path, timeout_s: float = 120) -> list[psutil.Process]:
    """Once the first batch is spooled and being parsed: the command's descendants."""
    deadline = time.monotonic() + timeout_s
    while not list(out.glob(".staging/*/batch-*.pkl")):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1][-3000:]
        time.sleep(0.1)
    time.sleep(1.0)
    assert process.poll() is None, "the run ended before it could be interrupted"
    return psutil.Process(process.pid).children(recursive=True)


def test_ctrl_c_crashes_the_flow_runs_on_a_live_server_and_exits_within_seconds(articles, tmp_path):
    out = tmp_path / "out"
    process = start_ingest(articles, out)
    descendants = wait_until_parsing(process, out)
    assert any("uvicorn" in " ".join(p.cmdline()) for p in descendants)  # the temporary API server
    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    _, stderr = process.communicate(timeout=120)
    # measured: 9 s (batches in progress finish); the server used to die with the command's
    # process group and the flow process then retried its calls to it for over two minutes
    assert time.monotonic() - started < 45
    assert process.returncode != 0 and "KeyboardInterrupt" in stderr
    assert "Crash detected" in stderr  # the flow runs' final state reached the server
    assert "Connection refused" not in stderr and "Unable to connect" not in stderr
    assert psutil.wait_procs(descendants, timeout=30)[1] == []
    assert not Store(out).files.get("documents")  # nothing of the run was committed


def test_a_killed_command_leaves_no_server_or_worker_behind(articles, tmp_path):
    out = tmp_path / "out"
    process = start_ingest(articles, out)
    descendants = wait_until_parsing(process, out)
    os.kill(process.pid, signal.SIGKILL)  # the CLI process only, as `kill -9` does
    process.communicate(timeout=60)
    # the server is in a session of its own: the kernel ends it when its parent dies; the workers
    # read end-of-file on their pipes
    assert psutil.wait_procs(descendants, timeout=30)[1] == []
    assert not Store(out).files.get("documents")
