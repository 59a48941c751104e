"""What a run tells its operators: counts, quarantined items and new conflicts, as Markdown and table
rows (flows/ingest.py publishes them as Prefect artifacts)."""
from __future__ import annotations

from pathlib import Path

from .store import Store


def conflict_ids(out: Path) -> set[str]:
    return set(Store(out).read("conflicts", ["conflict_id"]).column("conflict_id").to_pylist())


def run_tables(out: Path, run_id: str, known_conflicts: set[str]) -> dict[str, list[dict]]:
    store = Store(out)
    quarantined = [{"source": q["source"], "reason": q["reason"], "detail": q["detail"]}
                   for q in store.read("quarantine", ["source", "reason", "detail", "run_id"]).to_pylist()
                   if q["run_id"] == run_id]
    conflicts = [{"subject": c["subject"], "attribute": c["attribute"], "kind": c["kind"],
                  "proposed": c["proposed_value"] if c["proposed_value"] is not None else "(none)"}
                 for c in store.read("conflicts", ["conflict_id", "subject", "attribute", "kind", "proposed_value"]).to_pylist()
                 if c["conflict_id"] not in known_conflicts]
    return {"quarantined": quarantined, "new_conflicts": conflicts}


def counts_rows(summary: dict) -> list[dict]:
    keys = ["documents_seen", "documents_read", "skipped_unchanged", "quarantined", "facts", "words",
            "not_modified", "reextracted", "quarantine_retried", "stale_documents"]
    return [{"measure": k.replace("_", " "), "value": summary.get(k, 0)} for k in keys]


def run_markdown(summary: dict, tables: dict[str, list[dict]]) -> str:
    lines = [f"# trialwire run {summary['run_id']}", "", f"Status **{summary['status']}** in {summary['seconds']:.1f} s.", "",
             "| measure | value |", "|---|---|"]
    lines += [f"| {r['measure']} | {r['value']:,} |" for r in counts_rows(summary)]
    if summary.get("stale_documents"):
        lines += ["", f"{summary['stale_documents']:,} stored documents were extracted by an older pipeline_version; "
                  "a run with `reextract` (`trialwire ingest --reextract`) parses them again."]
    for title, rows in (("Quarantined", tables["quarantined"]), ("New conflicts", tables["new_conflicts"])):
        lines += ["", f"## {title} ({len(rows)})", ""]
        if rows:
            cols = list(rows[0])
            lines += ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
            lines += ["| " + " | ".join(str(r[c]).replace("|", "/")[:120] for c in cols) + " |" for r in rows[:200]]
    return "\n".join(lines) + "\n"
