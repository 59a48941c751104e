"""One reconciliation: load the stored corpus, resolve identities, judge aliases, find conflicts,
apply analyst decisions and write the corpus tables (see the package docstring)."""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..memory import release_freed_memory
from ..store import Store
from ..version import reconcile_version
from .aliases import AliasVerdict, verdicts
from .conflicts import ConflictRow, build_conflicts
from .corpus import Corpus, load_corpus, load_sources
from .credibility import load_credibility_model
from .decisions import apply_alias_decisions, apply_conflict_decisions, load_decisions
from .identity import TrialIndex
from .readers import TextReaders


@dataclass(frozen=True)
class ReconcileSummary:
    aliases: dict[str, int]  # status -> count
    conflicts: dict[str, int]  # kind -> count
    trials: int
    documents: int = 0
    decisions_applied: int = 0
    decision_problems: tuple[str, ...] = field(default_factory=tuple)


def _run_columns(out: Path) -> dict:
    run_id = "reconcile"
    try:
        runs = Store(out).read("runs", columns=["run_id"]).column("run_id").to_pylist()
        run_id = runs[-1] if runs else run_id
    except Exception:  # noqa: BLE001 - a missing runs table only loses the run id
        pass
    return {"run_id": run_id, "pipeline_version": f"trialwire {reconcile_version()}"}


def enrolled_by_trial(conflict_rows: list[ConflictRow], trials: TrialIndex, corpus: Corpus) -> dict[str, int]:
    """Most credible exact trial-level count per trial (the proposed value when sources disagree)."""
    best: dict[str, tuple[float, int]] = {}
    for r in corpus.facts["sample_sizes"]:
        ident = trials.lookup(r.get("trial"))
        if ident is None or (r.get("scope") or "trial") != "trial" or r.get("qualifier") not in (None, "exact"):
            continue
        doc = corpus.doc(r["doc_id"])
        cand = (doc.credibility if doc else 0.0, int(r["n"]))
        if ident.trial_key not in best or cand > best[ident.trial_key]:
            best[ident.trial_key] = cand
    out = {k: v[1] for k, v in best.items()}
    for row in conflict_rows:
        if row.attribute == "sample_size" and row.kind in ("conflict", "rounding") and row.proposed_value:
            ident = trials.lookup(row.subject)
            digits = "".join(ch for ch in str(row.proposed_value) if ch.isdigit())
            if ident and digits:
                out[ident.trial_key] = int(digits)
    return out


def inputs_fingerprint(out: Path, decisions_path: Path | None = None) -> str:
    """What reconciliation reads: the committed per-document files, the decisions file, the
    credibility model, and the code, KB and rules it runs with (version.reconcile_version).
    Unchanged fingerprint = unchanged result."""
    from ..paths import CREDIBILITY_CONFIG
    from ..store import TABLES
    out = Path(out)
    store = Store(out)
    h = hashlib.sha256(reconcile_version().encode())
    for table in sorted(TABLES):
        if TABLES[table].per_document and table != "runs":
            h.update(("\0".join([table, *store.files.get(table, [])])).encode())
    for path in (decisions_path or out / "decisions.yaml", CREDIBILITY_CONFIG):
        h.update(Path(path).read_bytes() if Path(path).is_file() else b"-")
    return h.hexdigest()[:24]


def current_summary(out: Path, decisions_path: Path | None = None, fingerprint: str | None = None) -> dict | None:
    """The last reconciliation's summary when its inputs (`fingerprint`, computed when not given)
    have not changed since, else None."""
    try:
        side = json.loads((Path(out) / "reports" / "_reconcile.json").read_text())
    except (OSError, ValueError):
        return None
    if side.get("inputs") != (fingerprint or inputs_fingerprint(out, decisions_path)) or "summary" not in side:
        return None
    return side["summary"]


def reconcile(out: Path, decisions_path: Path | None = None, fingerprint: str | None = None) -> ReconcileSummary:
    """`fingerprint`: inputs_fingerprint(out, decisions_path) when the caller has it already."""
    out = Path(out)
    fingerprint = fingerprint or inputs_fingerprint(out, decisions_path)
    model = load_credibility_model()
    store = Store(out)
    with TextReaders(store.count_rows("documents")) as readers:  # they start while the corpus loads
        sources = load_sources(store, model)
        readers.scan_documents(sources[0], store.read("endpoint_results", ["doc_id"]).column("doc_id").to_pylist())
        corpus = load_corpus(out, model, sources=sources)  # while the readers scan the texts
        release_freed_memory()  # the Arrow tables and rows the corpus was built from
        trials = TrialIndex(corpus)
        alias_verdicts: list[AliasVerdict] = verdicts(corpus)
        decisions = load_decisions(decisions_path or out / "decisions.yaml")
        applied = apply_alias_decisions(alias_verdicts, decisions)
        conflict_rows = build_conflicts(corpus, trials, alias_verdicts, readers, release_texts=True)
    release_freed_memory()  # the claims the conflicts were built from
    applied += apply_conflict_decisions(conflict_rows, decisions)

    run = _run_columns(out)
    store = Store(out)
    store.write_corpus_table("aliases", ({**v.to_row(), **run} for v in alias_verdicts))
    store.write_corpus_table("conflicts", ({**c.to_row(), **run} for c in conflict_rows))
    registry = trials.registry_rows(enrolled_by_trial(conflict_rows, trials, corpus))
    store.write_corpus_table("trial_registry", ({**r, **run} for r in registry))
    summary = ReconcileSummary(
        aliases=dict(Counter(v.status for v in alias_verdicts)),
        conflicts=dict(Counter(c.kind for c in conflict_rows)),
        trials=len(registry), documents=len(corpus.docs), decisions_applied=applied,
        decision_problems=tuple(decisions.problems))
    _write_sidecar(out, decisions.problems, fingerprint, summary)
    return summary


def _write_sidecar(out: Path, problems: list[str], fingerprint: str, summary: ReconcileSummary) -> None:
    """Small JSON for what the tables cannot hold: decision-file problems (the report shows them),
    and the inputs fingerprint with the summary, so a run that changed nothing can skip reconciling."""
    path = out / "reports" / "_reconcile.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name("._reconcile.json.tmp")
    tmp.write_text(json.dumps({"decision_problems": problems, "inputs": fingerprint,
                               "summary": asdict(summary)}, indent=1))
    tmp.replace(path)

