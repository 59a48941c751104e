"""Throughput, memory and incremental cost of trialwire against bare spaCy, in one run.

    python bench/run.py --docs N [--json FILE] [--cores 1,2] [--repeat R] [--dir WORK] [--keep]

What it does, in this order, on this machine:
 1. builds (or reuses) the scaled corpus of N ~800-word articles (bench/corpus.py);
 2. BARE: the same spaCy pipeline (`build_pipeline()`, models/pipeline/config.cfg) over the same
    texts with nothing else: `nlp.pipe(texts)` in k fresh processes (k = each entry of --cores),
    each parsing every k-th text, started together behind a barrier after loading and a warm-up;
    words/s = all words / the slowest process's pass. k = 1 is the pipeline's own single-core
    speed. (`nlp.pipe(n_process=2)` is not usable as the 2-core baseline: it ships each Doc back
    through msgpack, and the abbreviation detector's Spans in doc.user_data do not serialise;
    k independent processes are also the strictest baseline, with no transfer cost at all);
 3. END TO END: the real command, `trialwire ingest CORPUS --out OUT --quiet` (cli.run, which
    loads flows/ingest.py like load_flow_module()), in a fresh Python process per run, timed from
    spawn to exit: interpreter and imports, Prefect start-up, pipeline load, discovery and text
    preparation, parsing, extraction, Parquet staging, commit, reconciliation (when
    trialwire.reconcile provides it) and shutdown. k = 1: the default runner (batches in the flow
    process; one core). k >= 2: the default runner on a multi-core machine, `--runner process
    --workers k` (batch tasks in threads of the flow process, each handing its batch to one of k
    worker processes that load the pipeline as they start). `--speedup` also runs `--runner dask
    --workers 1` and `--workers 2` (a LocalCluster);
 4. INCREMENTAL: the same command again over the unchanged corpus into the same OUT (a fresh
    process again, so both runs pay the same start-up): time / first run's time;
 5. PEAK RSS: a sampling thread sums the RSS of every process in each measured process tree
    (the CLI process, its Prefect server, Dask nanny and worker processes) every 0.1 s; the
    target is on this sum. Every second it also sums their PSS (Linux), which counts a page that
    forked parse workers share once: `peak_pss_mb`, the memory the run really holds.

--repeat R measures the headline pair (steps 2 and 3 at the largest k) R times, alternating bare
and end to end, and reports the pair with the median ratio (`ratio_runs` lists all): on a shared
virtual machine the same command's CPU time varies by several percent from one minute to the next.

Thread pools (OpenMP, BLAS) are pinned to one thread in every process, so "k processes" means
k cores. The JSON's top-level keys describe the largest k measured (both cores on the 2-core
target machine); `modes` holds every measurement. `other_cpu_pct` is the CPU that processes
outside the measured tree used during a phase (another job on the machine skews the numbers).
"""
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
             "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PYTHONWARNINGS", "ignore")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402

import psutil  # noqa: E402

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
import corpus  # noqa: E402

RESULT_TAG = "TRIALWIRE_BENCH_RESULT "
MB = 1024 * 1024


# ---- memory and CPU sampling ----------------------------------------------------------------------

def pss_bytes(pid: int) -> int | None:
    """Proportional set size: each shared page divided among the processes that map it (forked
    parse workers share the loaded pipeline's pages, which summed RSS counts once per worker)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


class TreeSampler(threading.Thread):
    """Peak summed RSS of a process tree (root + all descendants), sampled every `interval` s, and
    peak summed PSS every `pss_every` samples (reading it costs ~1.4 ms per process)."""

    def __init__(self, root_pid: int, include_root: bool = True, interval: float = 0.1, pss_every: int = 10):
        super().__init__(daemon=True)
        self.root_pid, self.include_root, self.interval = root_pid, include_root, interval
        self.pss_every, self.samples, self.peak_pss = pss_every, 0, 0
        self.peak_rss = 0
        self.peak_single = 0
        self.peak_procs = 0
        self.peak_breakdown: list[tuple[str, int]] = []
        self.cpu: dict[int, float] = {}
        self.roles: dict[int, str] = {}
        self._halt = threading.Event()

    def sample(self) -> None:
        try:
            root = psutil.Process(self.root_pid)
            procs = root.children(recursive=True) + ([root] if self.include_root else [])
        except psutil.Error:
            return
        total, seen = 0, []
        for p in procs:
            try:
                with p.oneshot():
                    rss = p.memory_info().rss
                    t = p.cpu_times()
                total += rss
                seen.append((p, rss))
                self.peak_single = max(self.peak_single, rss)
                self.cpu[p.pid] = t.user + t.system
                if p.pid not in self.roles:
                    self.roles[p.pid] = role(p)
            except psutil.Error:
                continue
        if self.samples % self.pss_every == 0:
            self.peak_pss = max(self.peak_pss, sum(pss_bytes(p.pid) or 0 for p, _ in seen))
        self.samples += 1
        if total > self.peak_rss:
            self.peak_rss = total
            self.peak_breakdown = [(role(p), round(rss / MB)) for p, rss in seen]
        self.peak_procs = max(self.peak_procs, len(procs))

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()

    def cpu_by_role(self) -> dict[str, float]:
        """CPU seconds per kind of process (bare workers, the flow process, the API server...)."""
        out: dict[str, float] = {}
        for pid, seconds in self.cpu.items():
            name = self.roles.get(pid, "?")
            out[name] = round(out.get(name, 0.0) + seconds, 1)
        return dict(sorted(out.items(), key=lambda kv: -kv[1]))


def role(p: psutil.Process) -> str:
    """What a process in the measured tree is, for the memory breakdown."""
    try:
        cmd = " ".join(p.cmdline())
    except psutil.Error:
        return "?"
    for needle, name in (("--child-e2e", "flow process (CLI)"), ("trialwire.cli", "flow process (CLI)"),
                         ("prefect", "Prefect server"),
                         ("uvicorn", "Prefect server"), ("_bare_worker", "bare nlp.pipe"),
                         ("multiprocessing.spawn", "spawned worker (Dask or nlp.pipe)"),
                         ("multiprocessing.forkserver", "forkserver"), ("resource_tracker", "resource tracker")):
        if needle in cmd:
            return name
    return cmd[:60]


def system_busy_s() -> float:
    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


class Phase:
    """Wall time, peak RSS of the measured tree and the CPU used by everything else."""

    def __init__(self, root_pid: int, include_root: bool):
        self.sampler = TreeSampler(root_pid, include_root)

    def __enter__(self) -> "Phase":
        self.busy0, self.t0 = system_busy_s(), time.perf_counter()
        self.sampler.start()
        return self

    def __exit__(self, *exc) -> None:
        self.sampler.stop()
        self.wall = time.perf_counter() - self.t0
        busy = system_busy_s() - self.busy0
        ours = sum(self.sampler.cpu.values())
        self.other_cpu_pct = max(0.0, 100.0 * (busy - ours) / self.wall) if self.wall else 0.0
        self.cpu_s = ours

    def stats(self) -> dict:
        return {"seconds": round(self.wall, 2), "peak_rss_mb": round(self.sampler.peak_rss / MB, 1),
                "peak_rss_single_process_mb": round(self.sampler.peak_single / MB, 1),
                "peak_pss_mb": round(self.sampler.peak_pss / MB, 1) if self.sampler.peak_pss else None,
                "processes": self.sampler.peak_procs, "peak_breakdown_mb": self.sampler.peak_breakdown,
                "cpu_s": round(self.cpu_s, 1), "cpu_by_role_s": self.sampler.cpu_by_role(),
                "other_cpu_pct": round(self.other_cpu_pct, 1)}


# ---- bare nlp.pipe ------------------------------------------------------------------------------

def _bare_worker(corpus_dir: str, n_docs: int, shard: int, k: int, batch_size: int, barrier, queue) -> None:
    from trialwire.nlp import build_pipeline

    texts = corpus.read_texts(corpus_dir, n_docs)[shard::k]
    nlp = build_pipeline()
    batch_size = batch_size or nlp.batch_size  # the config's [nlp] batch_size, as the flow's nlp.pipe uses
    for _ in nlp.pipe(texts[:8], batch_size=batch_size):  # warm-up: lazy tables, first allocations
        pass
    barrier.wait()
    t0 = time.perf_counter()
    tokens = 0
    for doc in nlp.pipe(texts, batch_size=batch_size):
        tokens += len(doc)
    dt = time.perf_counter() - t0
    queue.put({"shard": shard, "seconds": dt, "docs": len(texts), "tokens": tokens, "batch_size": batch_size,
               "words": sum(len(t.split()) for t in texts)})


def bare_pipe(corpus_dir: Path, n_docs: int, k: int, batch_size: int = 0, timeout: float = 7200) -> dict:
    """`nlp.pipe` over all texts split across k fresh processes (one core each)."""
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(k), ctx.Queue()
    procs = [ctx.Process(target=_bare_worker, args=(str(corpus_dir), n_docs, i, k, batch_size, barrier, queue))
             for i in range(k)]
    with Phase(os.getpid(), include_root=False) as phase:
        for p in procs:
            p.start()
        shards = [queue.get(timeout=timeout) for _ in procs]  # a crashed worker fails the run, not hangs it
        for p in procs:
            p.join()
    words = sum(s["words"] for s in shards)
    seconds = max(s["seconds"] for s in shards)
    what = "nlp.pipe, 1 process" if k == 1 else f"nlp.pipe, {k} processes ({k} shards of the texts)"
    return {"mode": f"bare-{k}", "what": what, "cores": k,
            "docs": sum(s["docs"] for s in shards), "words": words, "tokens": sum(s["tokens"] for s in shards),
            "batch_size": shards[0]["batch_size"], "pass_seconds": round(seconds, 2),
            "words_per_s": round(words / seconds, 1),
            "docs_per_s": round(n_docs / seconds, 2), **{f"phase_{k_}": v for k_, v in phase.stats().items()}}


RUNNER_WHAT = {"local": "trialwire ingest --runner local (batches in the flow process)",
               "process": "trialwire ingest (default runner: --runner process --workers {k})",
               "dask": "trialwire ingest --runner dask --workers {k}"}


def default_runner(k: int) -> str:
    """What `trialwire ingest` picks with k cores: batches in the flow process on one, a pool on more."""
    from trialwire.cli import resolve_runner
    return resolve_runner("auto", k)


# ---- end to end ---------------------------------------------------------------------------------

def child_e2e(argv: list[str]) -> None:
    """Runs inside the measured process: the real CLI, with the summary and phase times captured."""
    t_spawned = time.perf_counter()
    from trialwire import cli
    from trialwire import ingest as core

    marks: dict[str, float] = {}  # seconds spent in each step (summed over calls)
    starts: dict[str, float] = {}  # when each step first started, seconds after this process began

    def timed(name, fn):
        def wrapper(*a, **kw):
            t0 = time.perf_counter()
            starts.setdefault(name, t0 - t_spawned)
            try:
                return fn(*a, **kw)
            finally:
                marks[name] = marks.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    core.commit_run = timed("commit", core.commit_run)
    core.process_batch = timed("batches_in_flow_process", core.process_batch)
    core.get_pipeline = timed("pipeline_load_in_flow_process", core.get_pipeline)
    if reconcile_available():
        import trialwire.reconcile as rec

        def reconcile(*args, **kwargs):  # imports reconciliation when the command would, not now
            from trialwire.reconcile.run import reconcile as run
            return timed("reconcile", run)(*args, **kwargs)
        rec.reconcile = reconcile
    try:
        import trialwire.run_artifacts as artifacts
        artifacts.run_tables = timed("artifacts", artifacts.run_tables)
        artifacts.conflict_ids = timed("artifacts", artifacts.conflict_ids)
    except ImportError:
        pass
    captured: dict = {}
    cli.print_summary = lambda summary: captured.update(summary)
    marks["imports"] = time.perf_counter() - t_spawned
    t0 = time.perf_counter()
    rc = cli.run(argv)  # as the `trialwire` command: its exit is measured too
    marks["flow_call"] = time.perf_counter() - t0
    marks["process_until_exit"] = time.perf_counter() - t_spawned
    print(RESULT_TAG + json.dumps({"rc": rc, "summary": captured, "marks": marks,
                                   "starts": {k: round(v, 2) for k, v in starts.items()}}, default=str), flush=True)


def reconcile_available() -> bool:
    try:
        import trialwire.reconcile as rec
    except ImportError:
        return False
    return "reconcile" in getattr(rec, "__all__", ())


def e2e_run(corpus_dir: Path, out: Path, k: int, runner: str, reconcile: bool, env: dict, timeout: float) -> dict:
    argv = ["ingest", str(corpus_dir), "--out", str(out), "--quiet"]
    argv += ["--runner", runner] + (["--workers", str(k)] if runner != "local" else [])
    if not reconcile:
        argv.append("--no-reconcile")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child-e2e", *argv]
    with Phase(os.getpid(), include_root=False) as phase:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=timeout)
    result = next((json.loads(line[len(RESULT_TAG):]) for line in done.stdout.splitlines()
                   if line.startswith(RESULT_TAG)), None)
    if done.returncode != 0 or not result or result["rc"] != 0:
        raise RuntimeError(f"e2e run failed (exit {done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    summary, marks = result["summary"], result["marks"]
    marks["discover"] = summary.get("discover_seconds")  # in the flow body, interleaved with batches
    return {"seconds": round(phase.wall, 2), "summary": {k_: summary.get(k_) for k_ in (
                "documents_seen", "documents_read", "skipped_unchanged", "quarantined", "facts", "words")},
            "reconcile": summary.get("reconcile"),
            "phases_s": {k_: round(v, 2) for k_, v in marks.items()}, "phase_started_at_s": result.get("starts"),
            **{f"phase_{k_}": v for k_, v in phase.stats().items()}}


def e2e(corpus_dir: Path, work: Path, k: int, runner: str, reconcile: bool, env: dict, timeout: float,
        incremental: bool, n_docs: int, keep: bool, suffix: str = "", note: str = "") -> dict:
    out = work / f"out-{runner}-{k}{suffix}"
    shutil.rmtree(out, ignore_errors=True)
    first = e2e_run(corpus_dir, out, k, runner, reconcile, env, timeout)
    words = first["summary"]["words"] or 0
    if first["summary"]["documents_read"] != n_docs:
        raise RuntimeError(f"expected {n_docs} documents parsed, got {first['summary']}")
    res = {"mode": f"e2e-{runner}-{k}{suffix}", "cores": k, "runner": runner,
           "what": RUNNER_WHAT[runner].format(k=k) + note,
           "docs": n_docs, "words": words, "words_per_s": round(words / first["seconds"], 1),
           "docs_per_s": round(n_docs / first["seconds"], 2), "first_run": first,
           "output_mb": round(sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / MB, 1)}
    if incremental:
        again = e2e_run(corpus_dir, out, k, runner, reconcile, env, timeout)
        if again["summary"]["documents_read"] != 0:
            raise RuntimeError(f"incremental re-run parsed documents again: {again['summary']}")
        res["incremental_run"] = again
        res["incremental_fraction"] = round(again["seconds"] / first["seconds"], 4)
    if not keep:
        shutil.rmtree(out, ignore_errors=True)
    return res


def warm_up(work: Path, env: dict, reconcile: bool) -> None:
    """One tiny run first, so the Prefect database exists and caches are warm (not measured)."""
    tiny = work / "warmup-corpus"
    corpus.build_corpus(tiny, 3)
    e2e_run(tiny / "articles", work / "warmup-out", 1, "local", reconcile, env, 900)
    shutil.rmtree(work / "warmup-out", ignore_errors=True)


# ---- report -------------------------------------------------------------------------------------

def pipeline_facts() -> dict:
    from trialwire.nlp import pipeline_version
    from trialwire.version import resolve_model
    from trialwire.nlp.pipeline import load_pipeline_config

    cfg = load_pipeline_config()
    ner_spec = cfg["components"].get("trialwire_ner", {}).get("model")
    return {"pipeline_version": pipeline_version(), "components": list(cfg["nlp"]["pipeline"]),
            "ner_model": str(resolve_model(ner_spec)) if resolve_model(ner_spec) else None}


def table(result: dict) -> str:
    rows = [("mode", "what", "docs/s", "words/s", "seconds", "peak RSS MB", "other CPU %")]
    for m in result["modes"]:
        first = m.get("first_run", m)
        secs = first.get("seconds", m.get("pass_seconds"))
        rss = first.get("phase_peak_rss_mb")
        other = first.get("phase_other_cpu_pct")
        rows.append((m["mode"], m["what"], f"{m['docs_per_s']:,.1f}", f"{m['words_per_s']:,.0f}", f"{secs:,.1f}",
                     f"{rss:,.0f}", f"{other:.0f}"))
        if "incremental_run" in m:
            inc = m["incremental_run"]
            rows.append(("  re-run", "same command, unchanged input", "", "", f"{inc['seconds']:,.1f}",
                         f"{inc['phase_peak_rss_mb']:,.0f}", f"{inc['phase_other_cpu_pct']:.0f}"))
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) if i < 2 else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in rows]
    lines.insert(1, "-" * len(lines[0]))
    head = (f"trialwire benchmark: {result['docs']:,} docs, {result['words']:,} words "
            f"({result['mean_words']:.0f}/doc), {result['machine']['cpus']} CPUs, "
            f"NER model: {result['pipeline']['ner_model'] or 'none'}")
    summary = [f"e2e / bare nlp.pipe ({result['headline_cores']} core(s)): "
               f"{result['e2e_words_per_s']:,.0f} / {result['nlp_pipe_words_per_s']:,.0f} words/s = ratio "
               f"{result['ratio']:.3f}  (target >= 0.8)"
               + (f"; median of {len(result['ratio_runs'])} pairs: "
                  + ", ".join(f"{r:.3f}" for r in result["ratio_runs"]) if result.get("ratio_runs") else "")]
    for key, label, target in (("ratio_1core", "ratio on 1 core (default runner vs bare 1 process)", ">= 0.8"),
                               ("pipeline_words_per_s_1core", "pipeline words/s on one core", ">= 8,000"),
                               ("peak_rss_mb", "peak RSS of the e2e process tree, MB", "<= 1,500"),
                               ("peak_pss_mb", "peak PSS of the e2e process tree (shared pages counted once), MB", ""),
                               ("incremental_fraction", "incremental re-run / first run", "<= 0.05"),
                               ("speedup_1_to_2_workers", "speed-up dask 1 -> 2 workers", ""),
                               ("ratio_shared_api", "ratio with one running Prefect API server", ">= 0.8"),
                               ("reconcile_s", f"reconciliation seconds ({result.get('facts') or 0:,} facts)", "")):
        if result.get(key) is not None:
            v = result[key]
            summary.append(f"{label}: {v:,.3f} {('(target ' + target + ')') if target else ''}" if v < 100
                           else f"{label}: {v:,.0f} {('(target ' + target + ')') if target else ''}")
    return "\n".join([head, *lines, *summary])


def host(result: dict) -> str:
    """'2026-12-05, `6.18.44-fc-v1252`': the ratio differs between hosts of the same size (README,
    "Two hosts"), and the kernel release in Python's platform string names the host's build."""
    name = (result.get("machine") or {}).get("platform", "")
    m = re.match(r"Linux-(.+)-(?:x86_64|aarch64|arm64|i686|ppc64le|s390x)-with", name)
    return f"{str(result.get('started_at', ''))[:10]}, `{m.group(1) if m else name or 'n/a'}`"


def markdown(results: list[dict]) -> str:
    """The README table: one column per result file (e.g. 1,000 and 10,000 documents)."""
    def get(r, key, fmt):
        v = r.get(key)
        return "n/a" if v is None else format(v, fmt)

    def mode(r, name, field="words_per_s"):
        m = next((m for m in r["modes"] if m["mode"] == name), None)
        return "n/a" if m is None else format(m[field], ",.0f" if field == "words_per_s" else ",.1f")

    def secs(r, name):
        m = next((m for m in r["modes"] if m["mode"] == name), None)
        return "n/a" if m is None else f"{m['first_run']['seconds']:,.1f}"

    rows = [
        ("measured on (date, host: the virtual machine's kernel build)", host),
        ("documents / words", lambda r: f"{r['docs']:,} / {r['words']:,}"),
        ("bare `nlp.pipe`, 1 process: words/s", lambda r: mode(r, "bare-1")),
        ("e2e, default runner (1 core): words/s", lambda r: mode(r, "e2e-local-1")),
        ("ratio on 1 core", lambda r: get(r, "ratio_1core", ".3f")),
        ("bare `nlp.pipe`, 2 processes: words/s (`nlp_pipe_words_per_s`)",
         lambda r: get(r, "nlp_pipe_words_per_s", ",.0f")),
        ("e2e, default runner (`--runner process`, 2 workers): words/s (`e2e_words_per_s`)",
         lambda r: get(r, "e2e_words_per_s", ",.0f")),
        ("**ratio** e2e / bare, 2 cores (`ratio`, target >= 0.8)", lambda r: get(r, "ratio", ".3f")),
        ("e2e seconds / bare seconds, 2 cores",
         lambda r: f"{get(r, 'e2e_seconds', '.1f')} / {get(r, 'nlp_pipe_seconds', '.1f')}"),
        ("ratio of each pair (`--repeat`; `ratio` is the median's)",
         lambda r: ", ".join(f"{x:.3f}" for x in r["ratio_runs"]) if r.get("ratio_runs") else "n/a"),
        ("e2e docs/s, 2 workers", lambda r: get(r, "e2e_docs_per_s", ".1f")),
        ("e2e words/s, `--runner dask --workers 2`", lambda r: mode(r, "e2e-dask-2")),
        ("e2e words/s, 2 workers, one running Prefect API server (`--shared-api`)",
         lambda r: mode(r, "e2e-process-2-shared-api")),
        ("ratio with one running Prefect API server", lambda r: get(r, "ratio_shared_api", ".3f")),
        ("e2e seconds: dask 1 worker / 2 workers", lambda r: f"{secs(r, 'e2e-dask-1')} / {secs(r, 'e2e-dask-2')}"),
        ("speed-up 1 -> 2 workers", lambda r: get(r, "speedup_1_to_2_workers", ".2f")),
        ("pipeline words/s on one core (target >= 8,000)", lambda r: get(r, "pipeline_words_per_s_1core", ",.0f")),
        ("peak RSS of the e2e process tree, MB (`peak_rss_mb`, target <= 1,500)",
         lambda r: get(r, "peak_rss_mb", ",.0f")),
        ("peak PSS of the e2e process tree, MB (`peak_pss_mb`: shared pages counted once)",
         lambda r: get(r, "peak_pss_mb", ",.0f")),
        ("incremental re-run / first run (`incremental_fraction`, target <= 0.05)",
         lambda r: get(r, "incremental_fraction", ".3f")),
        ("reconciliation seconds / facts", lambda r: f"{get(r, 'reconcile_s', '.1f')} / {get(r, 'facts', ',')}"),
    ]
    head = "| measurement | " + " | ".join(f"{r['docs']:,} docs" for r in results) + " |"
    sep = "|---|" + "---:|" * len(results)
    body = [f"| {label} | " + " | ".join(fn(r) for r in results) + " |" for label, fn in rows]
    return "\n".join([head, sep, *body])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-e2e"]:
        child_e2e(argv[1:])
        return 0
    if argv[:1] == ["--report"]:
        print(markdown([json.loads(Path(p).read_text()) for p in argv[1:]]))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--json", type=Path, help="write the result here (bench/results/<docs>.json is a good place)")
    ap.add_argument("--dir", type=Path, help="work folder (corpus and outputs); default a temporary folder")
    ap.add_argument("--cores", default="1,2", help="comma-separated process counts to compare (default 1,2)")
    ap.add_argument("--speedup", action="store_true", help="also run --runner dask with 1 and 2 workers")
    ap.add_argument("--single-core-docs", type=int, default=300,
                    help="when 1 is not in --cores: texts for the one-core pipeline speed (default 300; 0: skip)")
    ap.add_argument("--batch-size", type=int, default=0,
                    help="nlp.pipe batch size of the bare pass (default: the pipeline config's, as the flow uses)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="measure the headline pair (bare and e2e at the largest --cores) this many times, "
                         "alternating; `ratio` is then the median pair's and `ratio_runs` lists every pair's")
    ap.add_argument("--no-incremental", action="store_true")
    ap.add_argument("--no-warmup", action="store_true", help="skip the unmeasured 3-document run first")
    ap.add_argument("--shared-api", action="store_true",
                    help="also run the headline command against one running Prefect API server (PREFECT_API_URL)")
    ap.add_argument("--no-reconcile", action="store_true", help="leave reconciliation out of the e2e runs")
    ap.add_argument("--timeout", type=float, default=7200, help="seconds per e2e run")
    ap.add_argument("--keep", action="store_true", help="keep the outputs (OUT folders) after the run")
    a = ap.parse_args(argv)
    cores = sorted({int(c) for c in a.cores.split(",")})

    tmp = None
    if a.dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="trialwire-bench-")
        a.dir = Path(tmp.name)
    work = a.dir.resolve()
    work.mkdir(parents=True, exist_ok=True)
    corpus_root = work / f"corpus-{a.docs}"
    t0 = time.perf_counter()
    info = corpus.build_corpus(corpus_root, a.docs)
    print(f"corpus: {a.docs:,} docs, {info['words']:,} words in {corpus_root} ({time.perf_counter() - t0:.0f} s)",
          flush=True)
    articles = corpus_root / "articles"
    env = dict(os.environ)
    env.setdefault("PREFECT_HOME", str(Path.home() / ".cache" / "trialwire" / "bench-prefect"))
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = env["PREFECT_HOME"]  # for the --shared-api server started here
    reconcile = reconcile_available() and not a.no_reconcile

    result: dict = {"docs": a.docs, "words": info["words"], "mean_words": info["mean_words"],
                    "corpus_sha256": info["sha256"], "started_at": datetime.now(timezone.utc).isoformat(),
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                "platform": platform.platform(),
                                "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
                                "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]},
                    "pipeline": pipeline_facts(), "reconcile_included": reconcile, "modes": []}
    if not a.no_warmup:
        print("warm-up run (not measured) ...", flush=True)
        warm_up(work, env, reconcile)

    if 1 not in cores and a.single_core_docs > 0:
        n1 = min(a.docs, a.single_core_docs)
        print(f"pipeline on one core, first {n1} texts ...", flush=True)
        one = bare_pipe(corpus_root, n1, 1, a.batch_size, a.timeout)
        result["pipeline_1core_sample"] = one
        result["pipeline_words_per_s_1core"] = one["words_per_s"]
    # each baseline next to its end-to-end run, so a drift in the machine's load hits both alike
    steps = [step for k in cores for step in (("bare", k, None, ""), ("e2e", k, default_runner(k), ""))]
    top = max(cores)
    for r in range(2, a.repeat + 1):  # a machine's drift between pairs shows in the spread of their ratios
        steps += [("bare", top, None, f"-r{r}"), ("e2e", top, default_runner(top), f"-r{r}")]
    if a.speedup:
        steps += [("e2e", 1, "dask", ""), ("e2e", 2, "dask", "")]
    by_mode: dict[str, dict] = {}
    for kind, k, runner, suffix in steps:
        if kind == "bare":
            print(f"bare nlp.pipe, {k} process(es){suffix} ...", flush=True)
            m = bare_pipe(corpus_root, a.docs, k, a.batch_size, a.timeout)
            m["mode"] += suffix
            print(f"  {m['words_per_s']:,.0f} words/s", flush=True)
        else:
            print(f"end to end: e2e-{runner}-{k}{suffix} ...", flush=True)
            incremental = (not a.no_incremental and k == top and runner == default_runner(k)) and not suffix
            m = e2e(articles, work, k, runner, reconcile, env, a.timeout, incremental, a.docs, a.keep, suffix=suffix)
            print(f"  {m['words_per_s']:,.0f} words/s in {m['first_run']['seconds']:.1f} s; phases "
                  f"{m['first_run']['phases_s']}" + (f"; re-run {m['incremental_run']['seconds']:.1f} s"
                                                     if "incremental_run" in m else ""), flush=True)
        by_mode[m["mode"]] = m
        result["modes"].append(m)
        summarise(result, by_mode, cores)
        if a.json:  # after every step: a run cut short still leaves its measurements
            a.json.parent.mkdir(parents=True, exist_ok=True)
            a.json.write_text(json.dumps(result, indent=1, default=str))
    if a.shared_api:
        run_with_shared_api(result, articles, work, cores, reconcile, env, a)
    result["finished_at"] = datetime.now(timezone.utc).isoformat()
    print()
    print(table(result))
    if a.json:
        a.json.write_text(json.dumps(result, indent=1, default=str))
        print(f"\nwrote {a.json}")
    if tmp is not None and not a.keep:
        tmp.cleanup()
    return 0


def run_with_shared_api(result: dict, articles: Path, work: Path, cores: list[int], reconcile: bool, env: dict,
                        a: argparse.Namespace) -> None:
    """Extra mode: the headline command against one already running Prefect API server whose URL
    every process inherits (PREFECT_API_URL), as with a deployed Prefect server; without it the
    command starts a temporary server for its run. Server start-up is reported apart."""
    from trialwire.prefect_server import TemporaryServer

    k = max(cores)
    runner = default_runner(k)
    t0 = time.perf_counter()
    server = TemporaryServer().start()
    server.wait_ready()
    startup = time.perf_counter() - t0
    try:
        print(f"end to end: e2e-{runner}-{k}-shared-api (server up in {startup:.1f} s) ...", flush=True)
        m = e2e(articles, work, k, runner, reconcile, dict(env, PREFECT_API_URL=server.api_url), a.timeout,
                False, a.docs, a.keep, suffix="-shared-api", note=", PREFECT_API_URL of a running server")
    finally:
        server.stop()
    m["api_server_startup_s"] = round(startup, 2)
    result["modes"].append(m)
    print(f"  {m['words_per_s']:,.0f} words/s in {m['first_run']['seconds']:.1f} s", flush=True)
    if result.get("headline_cores") == k:  # against the headline bare pass (the median pair's with --repeat)
        result["ratio_shared_api"] = round(m["words_per_s"] / result["nlp_pipe_words_per_s"], 4)


def headline_pairs(by_mode: dict[str, dict], k: int) -> list[tuple[dict, dict]]:
    """The (bare, e2e) measurements at k cores: the first pair, then --repeat's, in order."""
    pairs, runner = [], default_runner(k)
    for suffix in ["", *(f"-r{r}" for r in range(2, len(by_mode) + 2))]:
        bare, e2e_ = by_mode.get(f"bare-{k}{suffix}"), by_mode.get(f"e2e-{runner}-{k}{suffix}")
        if bare and e2e_:
            pairs.append((bare, e2e_))
    return pairs


def ratio(bare: dict, e2e_: dict) -> float:
    """End-to-end words/s over bare words/s, as the JSON keeps it."""
    return round(e2e_["words_per_s"] / bare["words_per_s"], 4)


def median_pair(pairs: list[tuple[dict, dict]]) -> tuple[dict, dict]:
    """The pair whose ratio is the median (the lower middle one for an even count)."""
    ranked = sorted(pairs, key=lambda p: ratio(*p))
    return ranked[(len(ranked) - 1) // 2]


def summarise(result: dict, by_mode: dict[str, dict], cores: list[int]) -> None:
    """The top-level keys, from the modes measured so far (largest core count first)."""
    if "bare-1" in by_mode:
        result["pipeline_words_per_s_1core"] = by_mode["bare-1"]["words_per_s"]
    for k in sorted(cores, reverse=True):
        pairs = headline_pairs(by_mode, k)
        if pairs:
            bare, e2e_ = median_pair(pairs)
            if len(pairs) > 1:
                result["ratio_runs"] = [ratio(*p) for p in pairs]
            result.update(
                e2e_seconds=e2e_["first_run"]["seconds"], nlp_pipe_seconds=bare["pass_seconds"],
                headline_cores=k,
                e2e_words_per_s=e2e_["words_per_s"],
                nlp_pipe_words_per_s=bare["words_per_s"],
                ratio=ratio(bare, e2e_),
                e2e_docs_per_s=e2e_["docs_per_s"],
                nlp_pipe_docs_per_s=bare["docs_per_s"],
                incremental_fraction=pairs[0][1].get("incremental_fraction"),  # only the first pair has a re-run
                facts=e2e_["first_run"]["summary"]["facts"],
                reconcile_s=e2e_["first_run"]["phases_s"].get("reconcile"),
            )
            break
    e2e_runs = [m for m in by_mode.values() if "first_run" in m]
    if e2e_runs:
        result["peak_rss_mb"] = max(m["first_run"]["phase_peak_rss_mb"] for m in e2e_runs)
        pss = [m["first_run"].get("phase_peak_pss_mb") for m in e2e_runs]
        result["peak_pss_mb"] = max((v for v in pss if v), default=None)
    if "bare-1" in by_mode and "e2e-local-1" in by_mode and max(cores) != 1:
        result["ratio_1core"] = ratio(by_mode["bare-1"], by_mode["e2e-local-1"])
    if "e2e-dask-1" in by_mode and "e2e-dask-2" in by_mode:
        result["speedup_1_to_2_workers"] = round(by_mode["e2e-dask-1"]["first_run"]["seconds"]
                                                 / by_mode["e2e-dask-2"]["first_run"]["seconds"], 3)


if __name__ == "__main__":
    sys.exit(main())
