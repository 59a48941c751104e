"""The report's view model: plain dicts grouped per drug, read from the stored tables."""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ..kb import name_key
from ..store import TABLES, Store


def _latest_docs(docs: list[dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """All documents by id, and the newest version per source by id."""
    by_id = {d["doc_id"]: d for d in docs}
    newest: dict[str, dict] = {}
    for d in docs:
        cur = newest.get(d["source"])
        if cur is None or (d.get("version") or 1) > (cur.get("version") or 1):
            newest[d["source"]] = d
    return by_id, {d["doc_id"]: d for d in newest.values()}


def build_view(store: Store, out: Path) -> dict:
    read = lambda t: store.read(t).to_pylist()  # noqa: E731
    # every column but the texts, which the report never shows (nearly all of the table's bytes)
    docs = store.read("documents", [c for c in TABLES["documents"].schema.names if c != "text"]).to_pylist()
    by_id, latest = _latest_docs(docs)
    aliases, conflicts, registry = read("aliases"), read("conflicts"), read("trial_registry")
    for c in conflicts:
        try:
            c["values"] = json.loads(c.get("values_json") or "[]")
        except json.JSONDecodeError:
            c["values"] = []
    for t in registry:
        try:
            t["evidence"] = json.loads(t.get("link_evidence") or "[]")
        except json.JSONDecodeError:
            t["evidence"] = []

    drug_docs: dict[str, set[str]] = defaultdict(set)
    for r in store.read("drugs", columns=["doc_id", "drug"]).to_pylist():
        if r["doc_id"] in latest:
            drug_docs[r["drug"]].add(r["doc_id"])
    conditions: dict[str, Counter] = defaultdict(Counter)
    for r in store.read("conditions", columns=["doc_id", "condition", "drug"]).to_pylist():
        if r["doc_id"] in latest and r.get("drug"):
            conditions[r["drug"]][r["condition"]] += 1
    doses: dict[str, Counter] = defaultdict(Counter)
    for r in store.read("doses", columns=["doc_id", "drug", "amount", "unit", "route", "frequency"]).to_pylist():
        if r["doc_id"] in latest and r.get("drug") and r.get("amount") is not None:
            label = " ".join(str(x) for x in (f"{r['amount']:g}", r.get("unit"), r.get("route"), r.get("frequency")) if x)
            doses[r["drug"]][label] += 1

    names = set(drug_docs) | {a["drug"] for a in aliases} | {t["drug"] for t in registry if t.get("drug")}
    trial_subjects: dict[str, str] = {}
    for t in registry:
        for n in [t.get("name"), t.get("nct_id"), *(t.get("names") or [])]:
            if n and t.get("drug"):
                trial_subjects[name_key(n)] = t["drug"]
    drugs = []
    placed = set()
    for drug in sorted(names):
        trials = [t for t in registry if t.get("drug") == drug]
        subj_keys = {name_key(drug)} | {name_key(n) for t in trials for n in [t.get("name"), t.get("nct_id"), *(t.get("names") or [])] if n}
        mine = [c for c in conflicts if name_key(c["subject"]) in subj_keys]
        placed.update(c["conflict_id"] for c in mine)
        drugs.append({
            "drug": drug, "doc_ids": sorted(drug_docs.get(drug, set())),
            "aliases": sorted([a for a in aliases if a["drug"] == drug], key=lambda a: (_STATUS_ORDER.get(a["status"], 9), a["alias"].lower())),
            "trials": trials, "conflicts": sorted(mine, key=_conflict_order),
            "conditions": conditions.get(drug, Counter()).most_common(8),
            "doses": doses.get(drug, Counter()).most_common(12),
        })
    other = sorted([c for c in conflicts if c["conflict_id"] not in placed], key=_conflict_order)
    unassigned_trials = [t for t in registry if not t.get("drug")]
    sidecar = out / "reports" / "_reconcile.json"
    problems = []
    if sidecar.exists():
        try:
            problems = json.loads(sidecar.read_text()).get("decision_problems", [])
        except (OSError, json.JSONDecodeError):
            problems = []
    changed = [d for d in latest.values() if (d.get("version") or 1) > 1]
    return {
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "docs": by_id, "latest": latest, "drugs": drugs, "other_conflicts": other,
        "unassigned_trials": unassigned_trials, "problems": problems, "changed": changed,
        "counts": {
            "documents": len(latest), "aliases": Counter(a["status"] for a in aliases),
            "conflicts": Counter(c["kind"] for c in conflicts), "trials": len(registry)},
    }


def doc_label(doc: dict | None, doc_id: str) -> str:
    """Title, else the site and page name, else the source file name, else the id."""
    doc = doc or {}
    if doc.get("title"):
        return doc["title"]
    target = doc.get("url") or doc.get("source") or ""
    if target:
        host = urlparse(target).hostname or ""
        tail = PurePosixPath(urlparse(target).path).name or ""
        return " / ".join(p for p in (host.removeprefix("www."), tail) if p) or target
    return doc_id[:10]


_STATUS_ORDER = {"unverified": 0, "corroborated": 1, "confirmed": 2}
_KIND_ORDER = {"conflict": 0, "update": 1, "scope": 2, "rounding": 3}


def _conflict_order(c: dict) -> tuple:
    return (_KIND_ORDER.get(c["kind"], 9), c["subject"].lower(), c["attribute"])
