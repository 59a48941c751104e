"""What the run-time work of issue 7 changed, held to the behaviour it must keep:
- the temporary Prefect API server starts without Prefect's server code in this process, and
  before this process imports Prefect at all when no settings file can name a server;
- parse workers run at a lower CPU priority than the flow process and the API server (unless
  TRIALWIRE_WORKER_NICE says otherwise);
- reading an empty table does not import pandas (pyarrow's `Schema.empty_table` does);
- the flow process (discovery, version stamps) never imports spaCy;
- worker processes started early are the ones the flow uses, and are stopped when no flow does;
  they never import Prefect (the batch tasks run in the flow process and hand the parsing over),
  and a worker that dies is replaced so that the task's retry finds workers;
- the cheap pre-checks (sentence bounds from token arrays, each text-claim rule's word gate)
  give exactly what the slow paths gave, on realistic text."""
import subprocess
import sys
import time

import psutil
import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_temporary_server_answers_without_prefects_server_code_in_this_process():
    out = run_python(
        "import sys, urllib.request\n"
        "from trialwire.prefect_server import TemporaryServer\n"
        "server = TemporaryServer(60).start()\n"
        "print('prefect' in sys.modules)\n"
        "server.wait_ready()\n"
        "print(urllib.request.urlopen(server.api_url + '/health').status)\n"
        "print('prefect.server.api.server' in sys.modules)\n"
        "server.stop()\n"
        "print(server.process.poll() is not None)\n")
    assert out.split() == ["False", "200", "False", "True"]


def test_a_server_started_before_prefects_settings_were_read_is_stopped_when_they_name_one():
    out = run_python(
        "import os\n"
        "os.environ['PREFECT_API_URL'] = 'http://127.0.0.1:9/api'\n"
        "from trialwire import cli, prefect_server\n"
        "started, start = [], prefect_server.TemporaryServer.start\n"
        "prefect_server.TemporaryServer.start = lambda self: started.append(self) or start(self)\n"
        "cli.api_url_may_be_configured = lambda: False  # a source the cheap check cannot see\n"
        "with cli.prefect_api() as api:\n"
        "    print(type(api).__name__)\n"
        "print(len(started), started[0].process.poll() is not None)\n")
    assert out.split() == ["_ConfiguredAPI", "1", "True"]


def test_flow_runs_send_no_heartbeats_to_a_temporary_server_only():
    """Heartbeats tell a long-lived server which runs crashed; the temporary server ends with the
    command, and each flow run's exit waited for its heartbeat thread's 1-s sleep."""
    out = run_python(
        "import os\n"
        "os.environ.pop('PREFECT_API_URL', None)\n"
        "from trialwire import cli\n"
        "from prefect.settings import get_current_settings\n"
        "with cli.prefect_api() as api:\n"
        "    print(type(api).__name__, get_current_settings().flows.heartbeat_frequency)\n"
        "from prefect.settings import temporary_settings\n"
        "with temporary_settings(updates={'api.url': 'http://127.0.0.1:9/api'}), cli.prefect_api() as api:\n"
        "    print(type(api).__name__, get_current_settings().flows.heartbeat_frequency)\n")
    assert out.split() == ["TemporaryServer", "None", "_ConfiguredAPI", "180"]


@pytest.mark.parametrize("where, text, configured", [
    (None, None, False),
    ("profiles.toml", 'active = "local"\n[profiles.local]\nPREFECT_API_URL = "http://10.0.0.5:4200/api"\n', True),
    ("prefect.toml", '[api]\nurl = "http://10.0.0.5:4200/api"\n', True),
    ("pyproject.toml", '[tool.prefect.api]\nurl = "http://10.0.0.5:4200/api"\n', True),
    (".env", "PREFECT_API_URL=http://10.0.0.5:4200/api\n", True),
    ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["fastapi<0.151"]\n', False),
    ("env", None, True),
])
def test_api_url_may_be_configured_reads_every_place_prefect_does(tmp_path, monkeypatch, where, text, configured):
    from trialwire.cli import api_url_may_be_configured
    home, cwd = tmp_path / "home", tmp_path / "project"
    home.mkdir(), cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("PREFECT_HOME", str(home))
    for var in ("PREFECT_API_URL", "PREFECT_PROFILES_PATH"):
        monkeypatch.delenv(var, raising=False)
    if where == "env":
        monkeypatch.setenv("PREFECT_API_URL", "http://10.0.0.5:4200/api")
    elif where:
        (home if where == "profiles.toml" else cwd).joinpath(where).write_text(text)
    assert api_url_may_be_configured() is configured


def test_parse_workers_run_at_a_lower_priority_than_the_flow_process(monkeypatch):
    import os
    from trialwire import workers as pool
    assert pool.worker_nice() == pool.WORKER_NICE == 10
    workers = pool.ParseWorkers(1, pool.worker_nice()).start()
    try:
        assert workers.call(os.nice, 0) == min(19, os.nice(0) + pool.WORKER_NICE)
    finally:
        workers.stop()
    monkeypatch.setenv("TRIALWIRE_WORKER_NICE", "0")
    assert pool.worker_nice() == 0
    monkeypatch.setenv("TRIALWIRE_WORKER_NICE", "often")
    with pytest.raises(ValueError, match="TRIALWIRE_WORKER_NICE"):
        pool.worker_nice()


def test_reading_an_empty_table_does_not_import_pandas(tmp_path):
    out = run_python(
        "import sys\n"
        "from trialwire.store import Store\n"
        f"table = Store({str(tmp_path)!r}).read('conflicts', ['conflict_id'])\n"
        "print(table.num_rows, table.column_names, 'pandas' in sys.modules)\n")
    assert out.split() == ["0", "['conflict_id']", "False"]


def test_a_text_reader_process_reads_claims_without_importing_the_store_or_arrow():
    out = run_python(
        "import sys\n"
        "from trialwire.reconcile.readers import _claims_in, _scan\n"
        "scan = _scan(('The double-blind trial enrolled adults aged 18 years or older. It lost 12% of weight.', True))\n"
        "claims = _claims_in((scan.claims, []))\n"
        "print(sorted({c.facet for c in claims}), 'pyarrow' in sys.modules, 'trialwire.store' in sys.modules)\n")
    assert out.split("] ")[1].split() == ["False", "False"]
    assert "masking" in out and "age_groups" in out


def test_the_reconcile_package_still_offers_its_entry_points():
    import trialwire.reconcile as rec
    from trialwire.reconcile.run import reconcile

    assert rec.reconcile is reconcile and "reconcile" in dir(rec)
    with pytest.raises(AttributeError):
        rec.no_such_thing  # noqa: B018


def test_flow_process_work_never_imports_spacy(tmp_path):
    out = run_python(
        "import sys\n"
        "from pathlib import Path\n"
        "from trialwire import ingest\n"
        "from trialwire.store import Store\n"
        f"found = ingest.discover(Store(Path({str(tmp_path)!r})), [{str(ROOT / 'data' / 'raw')!r}], None, 'r1')\n"
        "print(found.new > 0, ingest.current_version().startswith('0.'), 'spacy' in sys.modules)\n")
    assert out.split() == ["True", "True", "False"]


def test_version_names_the_ner_model_spacy_would_load():
    """The spaCy-free version reads the same config entry and model meta that spaCy's loaders do."""
    import spacy
    from trialwire.nlp.pipeline import load_pipeline_config
    from trialwire.version import pipeline_version, resolve_model
    spec = load_pipeline_config()["components"]["trialwire_ner"]["model"]
    meta = spacy.util.load_meta(resolve_model(spec) / "meta.json")
    assert pipeline_version().endswith(f"+ner.{meta['name']}-{meta['version']}")


def spawned_children() -> set[int]:
    """Parse workers: spawned ones and those they forked (which show the same command line)."""
    return {p.pid for p in psutil.Process().children(recursive=True) if "spawn_main" in " ".join(p.cmdline())}


def test_early_workers_no_flow_took_are_stopped():
    from trialwire.workers import early_workers
    before = spawned_children()
    with early_workers("process", 2):
        # both started at once, before any task was submitted (a child shows "spawn_main" in its
        # command line only once it has exec'd: wait for that, not for any work)
        deadline = time.monotonic() + 10
        while len(started := spawned_children() - before) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(started) == 2
    gone = psutil.wait_procs([psutil.Process(pid) for pid in started if psutil.pid_exists(pid)], timeout=30)[1]
    assert gone == []


def test_flow_runs_its_batches_on_the_workers_started_early(prefect, tmp_path, monkeypatch):
    from trialwire import cli
    from trialwire import workers as pool
    flows = cli.load_flow_module()
    early: list[set[int]] = []
    start = flows.ParseWorkers.start

    def recording(self):
        before = spawned_children()
        started = start(self)
        deadline = time.monotonic() + 10  # until each child has exec'd (see the test above)
        while len(new := spawned_children() - before) < self.n and time.monotonic() < deadline:
            time.sleep(0.05)
        early.append(new)
        return started

    summaries = []
    monkeypatch.setattr(flows.ParseWorkers, "start", recording)
    monkeypatch.setattr(cli, "load_flow_module", lambda: flows)
    monkeypatch.setattr(cli, "print_summary", summaries.append)
    assert cli.main(["ingest", str(ROOT / "data" / "raw"), "--out", str(tmp_path), "--quiet",
                     "--no-reconcile", "--runner", "process", "--workers", "2"]) == 0
    used = {int(w.rsplit(":", 1)[1]) for w in summaries[0]["workers"]}
    assert len(early) == 1 and used and used <= early[0]
    assert not pool._early and not flows._parse_workers


def test_parse_workers_never_import_prefect_and_replace_a_dead_worker(tmp_path):
    """A batch parsed on a worker gives the rows the flow process gives; the worker has not imported
    Prefect; after a worker is killed the pool raises BrokenProcessPool once (the flow's retry
    condition takes it as transient) and the retry parses on a fresh worker."""
    import os
    import signal
    from concurrent.futures.process import BrokenProcessPool
    from trialwire import ingest as core
    from trialwire.store import Store
    from trialwire.workers import ParseWorkers
    store = Store(tmp_path)
    found = core.new_discovery(store, [str(ROOT / "data" / "raw")], None, "r1")
    spool = next(core.iter_spools(store, [str(ROOT / "data" / "raw")], None, found))
    workers = ParseWorkers(1).start()
    try:
        job = (str(tmp_path), spool, "r1", found.ingest_date, "b0")
        result = workers.process_batch(*job)
        pid = int(result.worker.rsplit(":", 1)[1])
        assert pid != os.getpid() and result.docs > 0 and result.facts > 0
        assert workers.call(eval, "'prefect' in __import__('sys').modules") is False
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(BrokenProcessPool):
            workers.process_batch(*job)
        again = workers.process_batch(*job)
        assert int(again.worker.rsplit(":", 1)[1]) != pid and again.facts == result.facts
    finally:
        workers.stop()


def test_parse_workers_load_the_pipeline_once_and_survive_losing_any_worker():
    """Two workers: one spawned that loads the pipeline, one forked from it (so the load is not
    repeated). Killing either costs one BrokenProcessPool; a fresh worker takes its place and
    stopping leaves no process behind."""
    import os
    import signal
    from concurrent.futures.process import BrokenProcessPool
    from trialwire.workers import ParseWorkers
    workers = ParseWorkers(2).start()
    try:
        first, second = workers.call(os.getpid), workers.call(os.getpid)
        assert first != second and psutil.Process(first).ppid() == os.getpid()
        assert psutil.Process(second).ppid() == first  # forked from the loaded worker
        assert workers.call(eval, "__import__('threading').active_count()") == 1  # safe to fork
        loads = ("(__import__('os').getpid(), id(__import__('trialwire.ingest').ingest.get_pipeline()), "
                 "__import__('trialwire.ingest').ingest.get_pipeline.cache_info().misses)")
        answers = {pid: (nlp, misses) for pid, nlp, misses in (workers.call(eval, loads) for _ in range(2))}
        # one load in all: the forked worker holds its parent's pipeline object, at the same address
        assert answers.keys() == {first, second} and len(set(answers.values())) == 1
        assert answers[first][1] == 1
        with pytest.raises(ZeroDivisionError):
            workers.call(divmod, 1, 0)  # an error in the worker is the caller's, the worker lives on
        os.kill(first, signal.SIGINT)  # Ctrl-C is the flow process's to handle
        assert {workers.call(os.getpid) for _ in range(2)} == {first, second}
        for victim in (second, first):
            process = psutil.Process(victim)
            os.kill(victim, signal.SIGKILL)
            if victim == second:  # reaped at once by the worker it was forked from: no zombie left
                assert psutil.wait_procs([process], timeout=5)[1] == []
            outcomes = []
            for _ in range(3):
                try:
                    outcomes.append(workers.call(os.getpid))
                except BrokenProcessPool:
                    outcomes.append("broken")
            assert outcomes.count("broken") == 1 and victim not in outcomes
        alive = {workers.call(os.getpid) for _ in range(4)}
        assert len(alive) == 2 and not {first, second} & alive
    finally:
        workers.stop()
    assert psutil.wait_procs([psutil.Process(p) for p in alive | {first, second} if psutil.pid_exists(p)],
                             timeout=30)[1] == []


def test_stopping_busy_workers_past_the_timeout_ends_the_forked_ones_too():
    """A batch that never finishes (a pathological document) must not outlive its run: stop() kills
    the loaded worker after its timeout, and the worker forked from it dies with it instead of
    parsing on, orphaned, with its memory."""
    import os
    import threading
    import time
    from trialwire.workers import ParseWorkers
    workers = ParseWorkers(2).start()
    first, second = workers.call(os.getpid), workers.call(os.getpid)
    assert psutil.Process(second).ppid() == first

    def hang() -> None:
        try:
            workers.call(time.sleep, 300)
        except Exception:  # noqa: BLE001 - the pool is stopped under it: EOF or a broken pool
            pass
    for _ in range(2):
        threading.Thread(target=hang, daemon=True).start()
    time.sleep(1)  # both workers are inside time.sleep now
    started = time.monotonic()
    workers.stop(timeout_s=1)
    assert time.monotonic() - started < 10
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(pid) for pid in (first, second)):
        time.sleep(0.1)
    assert not running(first) and not running(second)


def running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan waits as one until this container's init reaps it)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_process_that_exits_without_stopping_its_parse_workers_still_exits_and_ends_them():
    out = run_python(
        "import os\n"
        "from trialwire.workers import ParseWorkers\n"
        "if __name__ == '__main__':\n"
        "    workers = ParseWorkers(2).start()\n"
        "    print(workers.call(os.getpid), workers.call(os.getpid))\n")  # and no stop()
    pids = [psutil.Process(int(pid)) for pid in out.split() if psutil.pid_exists(int(pid))]
    assert psutil.wait_procs(pids, timeout=30)[1] == []


def realistic_texts() -> list[str]:
    from trialwire.sources.folder import FolderSource
    from trialwire.text import prepare
    texts = []
    for folder in (ROOT / "data" / "raw", ROOT / "tests" / "fixtures" / "articles", ROOT.parent / "shared" / "seeds"):
        if folder.exists():
            for item in FolderSource(str(folder)).items():
                try:
                    texts.append(prepare(item).text)
                except Exception:  # noqa: BLE001  damaged samples are the quarantine tests' business
                    continue
    assert len(texts) >= 8
    return texts


def test_sentence_bounds_from_token_arrays_match_doc_sents(nlp):
    from trialwire.nlp.numbers import span_bounds
    texts = realistic_texts() + ["", "one", "Dosing: 300 mg.\n\nWeek 24 results"]
    for doc in nlp.pipe(texts):
        expected = [(s.start_char, s.end_char) for s in doc.sents] if len(doc) else []
        assert span_bounds(doc) == expected
    unmarked = nlp.make_doc("No sentence marks. Two sentences though.")
    assert span_bounds(unmarked) == [(0, len(unmarked.text))]
    from trialwire.extract.provenance import SentenceIndex
    assert SentenceIndex(nlp("")).locate(0) == (0, "")  # provenance of an empty text still resolves


def test_word_gates_drop_no_text_claim(monkeypatch):
    from trialwire.reconcile import textfacts
    names = ["ROCKET-HORIZON", "ROCKET-IGNITE", "SURMOUNT-1", "NCT05398445", "Clarity AD", "ADvocate1"]
    texts = realistic_texts() + [
        "The phase 3 trial enrolled adults aged 18 years or older with moderate-to-severe atopic dermatitis.",
        "Participants had a documented history of the disease for at least 1 year before screening.",
        "ROCKET-IGNITE was a randomized, double-blind, placebo-controlled study.",
        "The company expects to file the application in the first half of 2026.",
        "The study included adults who do not have diabetes; the drug helps people with obesity lose weight.",
    ]
    gated = [textfacts.text_claims(t, names) for t in texts]
    monkeypatch.setattr(textfacts, "passed_gates", lambda sentence: textfacts.ALL_GATES)  # every rule reads every sentence
    ungated = [textfacts.text_claims(t, names) for t in texts]
    assert gated == ungated
    assert sum(map(len, gated)) >= 8  # the crafted sentences each still make their claim


def test_a_lost_worker_is_retried_and_a_bug_is_not():
    from concurrent.futures.process import BrokenProcessPool
    from prefect.states import Failed
    from trialwire.cli import load_flow_module
    flows = load_flow_module()
    assert flows.transient(None, None, Failed(data=BrokenProcessPool("a worker was killed")))
    assert flows.transient(None, None, Failed(data=OSError("disk went away")))
    assert not flows.transient(None, None, Failed(data=KeyError("doc_id")))


def test_a_failing_batch_fails_the_run_commits_nothing_and_leaves_no_worker(prefect, tmp_path, monkeypatch):
    """A bug in one batch (not retried) fails the flow run: nothing of the run is published, the
    parse workers are stopped on the way out, and a later run ingests everything."""
    from conftest import copy_samples
    from trialwire import workers as pool
    from trialwire import cli, ingest
    from trialwire.store import Store
    flows = cli.load_flow_module()
    (tmp_path / "in").mkdir()
    inputs = copy_samples(tmp_path / "in")
    out = tmp_path / "out"
    monkeypatch.setattr(ingest, "BATCH_DOCS", 2)
    monkeypatch.setattr(cli, "load_flow_module", lambda: flows)
    monkeypatch.setattr(cli, "print_summary", lambda summary: None)
    parse, calls = flows.ParseWorkers.process_batch, []

    def second_batch_has_a_bug(self, *job):
        calls.append(job[-1])
        if job[-1] == "b00001":
            raise ValueError("a bug in one batch")
        return parse(self, *job)

    monkeypatch.setattr(flows.ParseWorkers, "process_batch", second_batch_has_a_bug)
    before = spawned_children()
    argv = ["ingest", str(inputs), "--out", str(out), "--quiet", "--no-reconcile", "--runner", "process", "--workers", "2"]
    with pytest.raises(Exception):
        cli.main(argv)
    assert calls.count("b00001") == 1  # a bug is not retried
    assert not Store(out).files.get("documents")  # the run was never committed
    assert not flows._parse_workers and not pool._early
    left = [psutil.Process(pid) for pid in spawned_children() - before if psutil.pid_exists(pid)]
    assert psutil.wait_procs(left, timeout=30)[1] == []
    monkeypatch.setattr(flows.ParseWorkers, "process_batch", parse)
    assert cli.main(argv) == 0
    assert Store(out).read("documents", ["doc_id"]).num_rows > 0


def test_the_temporary_server_skips_block_registration_and_triggers_unless_told_otherwise(monkeypatch):
    from trialwire import prefect_server
    seen = []
    monkeypatch.setattr(prefect_server.subprocess, "Popen", lambda cmd, env, **kw: seen.append(env))
    for name in ("PREFECT_API_BLOCKS_REGISTER_ON_START", "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    prefect_server.TemporaryServer().start()
    monkeypatch.setenv("PREFECT_API_BLOCKS_REGISTER_ON_START", "true")
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "true")
    prefect_server.TemporaryServer().start()
    assert [env["PREFECT_API_BLOCKS_REGISTER_ON_START"] for env in seen] == ["false", "true"]
    assert [env["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] for env in seen] == ["false", "true"]
    assert "gc.set_threshold" in prefect_server.SERVE_UNTIL_PARENT_EXITS


def test_collection_thresholds_come_back_after_loading():
    import gc
    from trialwire.startup import LOADING_THRESHOLD, loading
    before = gc.get_threshold()
    with loading() as phase:
        assert gc.get_threshold() == LOADING_THRESHOLD
        phase.done()
        assert gc.get_threshold() == before
    with pytest.raises(ValueError), loading():
        raise ValueError
    assert gc.get_threshold() == before


@pytest.mark.parametrize("ends, code", [("return 7", 7), ("raise ValueError('boom')", 1)])
def test_the_command_exits_after_its_exit_handlers_without_the_teardown(tmp_path, ends, code):
    marker = tmp_path / "handler"
    script = (
        "import atexit, sys\n"
        "from trialwire import cli\n"
        "def main(argv=None):\n"
        f"    atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "    print('no newline at the end', end='')\n"
        f"    {ends}\n"
        "cli.main = main\n"
        "sys.exit(cli.run())\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == code and done.stdout == "no newline at the end"
    assert marker.read_text() == "ran"  # handlers registered while the command ran still run
    assert ("boom" in done.stderr) == (code == 1)


def test_a_first_run_starts_its_server_before_loading_anything_else(tmp_path, monkeypatch):
    from trialwire import cli, prefect_server
    monkeypatch.setattr(prefect_server.TemporaryServer, "start", lambda self: self)
    monkeypatch.setattr(cli, "api_url_may_be_configured", lambda: False)
    monkeypatch.delitem(sys.modules, "prefect.settings", raising=False)
    args = cli.build_parser().parse_args
    assert cli.early_server(args(["ingest", "--out", str(tmp_path / "new")])) is not None
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "_manifest.json").write_text("{}")
    assert cli.early_server(args(["ingest", "--out", str(tmp_path / "old")])) is None  # may need no flow
    assert cli.early_server(args(["ingest", "--out", str(tmp_path / "old"), "--force-flow"])) is not None
    assert cli.early_server(args(["ingest", "--out", "s3://bucket/prefix"])) is None
    monkeypatch.setattr(cli, "api_url_may_be_configured", lambda: True)
    assert cli.early_server(args(["ingest", "--out", str(tmp_path / "new")])) is None


def test_plain_text_discovery_and_a_parse_worker_never_import_the_html_extractor():
    """trafilatura costs 0.13 s to import; only HTML input needs it (then it is imported on use)."""
    out = run_python(
        "import sys\n"
        "from trialwire.sources.base import RawDocument\n"
        "from trialwire.text.document import prepare\n"
        "from trialwire import ingest\n"
        "ingest.warm_flow_process()\n"
        "ingest.get_pipeline()\n"  # what a parse worker loads
        "text = 'Amgen said the phase 3 ROCKET-HORIZON trial enrolled 726 adults with atopic dermatitis. ' * 4\n"
        "doc = prepare(RawDocument('plain.txt', text.encode(), content_type='text/plain'))\n"
        "print('trafilatura' in sys.modules, bool(doc.text))\n"
        "html = '<html><body><article><h1>Rocatinlimab</h1><p>' + text + '</p></article></body></html>'\n"
        "doc = prepare(RawDocument('page.html', html.encode(), content_type='text/html'))\n"
        "print('trafilatura' in sys.modules, 'ROCKET-HORIZON' in doc.text)\n")
    assert out.split() == ["False", "True", "True", "True"]


def test_freed_memory_goes_back_to_the_system_where_the_c_library_can():
    """reconcile() trims the allocator's free pages after loading the corpus and after the
    conflicts; with glibc that lowers resident memory, elsewhere it is a no-op."""
    import platform

    from trialwire.memory import release_freed_memory
    glibc = platform.libc_ver()[0] == "glibc"
    if not glibc:
        assert release_freed_memory() is False
        return
    me = psutil.Process()
    blocks = [bytearray(64 * 1024) for _ in range(3000)]  # 190 MB of small heap blocks, then freed
    del blocks[:-1]
    before = me.memory_info().rss
    assert release_freed_memory() is True
    assert me.memory_info().rss < before - 100 * 2**20
