"""The report's view model: plain dicts grouped per drug, read from the stored tables.

At tens of thousands of documents one value can be cited by thousands of quotes (10,000 documents:
64,512 quotes over 15,274 values, 3,075 for one value), so the view keeps the most credible few
per value, per trial link and per alias, and says how many more there are; the tables hold all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter, defaultdict
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from ..kb import name_key
from ..store import TABLES, Store

QUOTES_PER_VALUE = 5  # quotes shown per competing value, the most credible first
VALUES_WITH_QUOTES = 8  # values side by side with their quotes; any more are listed by weight, without quotes
QUOTES_PER_LINK = 2  # quotes shown per trial name-to-NCT link (each distinct link is shown)
DOCS_PER_ALIAS = 8  # source documents shown per alias
SOURCES_PER_PAGE = 2_000  # rows per page of the sources table, when the report has pages


def _latest_docs(docs: list[dict]) -> tuple[dict[str, dict], dict[str, dict]]:
    """All documents by id, and the newest version per source by id."""
    by_id = {d["doc_id"]: d for d in docs}
    newest: dict[str, dict] = {}
    for d in docs:
        cur = newest.get(d["source"])
        if cur is None or (d.get("version") or 1) > (cur.get("version") or 1):
            newest[d["source"]] = d
    return by_id, {d["doc_id"]: d for d in newest.values()}


def _json_list(text: str | None) -> list:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def most_credible_first(items: list[dict], docs: dict[str, dict]) -> list[dict]:
    """Distinct (document, quote) pairs: most credible source, then most confident, newest, then by id."""
    seen: set[tuple] = set()
    distinct = []
    for s in items:
        key = (s.get("doc_id"), s.get("quote"))
        if key not in seen:
            seen.add(key)
            distinct.append(s)

    def credibility(s: dict) -> float:
        c = s.get("credibility")
        return c if c is not None else (docs.get(s.get("doc_id") or "") or {}).get("credibility") or 0.0
    distinct.sort(key=lambda s: str(s.get("doc_id")))
    distinct.sort(key=lambda s: str(s.get("published") or (docs.get(s.get("doc_id") or "") or {}).get("published") or ""), reverse=True)
    distinct.sort(key=lambda s: (-credibility(s), -(s.get("confidence") or 0.0)))
    return distinct


def _cap_values(conflict: dict, docs: dict[str, dict]) -> None:
    """Values heaviest first (the proposed one always among those shown with quotes), each with its
    most credible quotes."""
    for v in conflict["values"]:
        ranked = most_credible_first(v.get("sources") or [], docs)
        v["sources_shown"], v["sources_more"] = ranked[:QUOTES_PER_VALUE], len(ranked[QUOTES_PER_VALUE:])
        v["documents"] = len({s.get("doc_id") for s in v.get("sources") or []})
        v.pop("sources", None)  # the rest are never shown: at 25,000 documents they held 1,000s per value
    proposed = conflict.get("proposed_value")
    values = sorted(conflict["values"], key=lambda v: (proposed is None or str(v.get("value")) != str(proposed),
                                                       -(v.get("weight") or 0.0), -v["documents"]))
    conflict["values_shown"], conflict["values_rest"] = values[:VALUES_WITH_QUOTES], values[VALUES_WITH_QUOTES:]


_LINK_ORDER = {"linked": 1}  # rejected links (conflicting registry ids) first: they are what an analyst checks


def _link_groups(evidence: list[dict], docs: dict[str, dict]) -> list[dict]:
    """Each distinct name -> registry id link (NCT, or another registry's) with its status, document
    count and its most credible quotes."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for e in evidence:
        groups[(e.get("name"), e.get("nct_id") or e.get("registry_id"), e.get("status"))].append(e)
    out = []
    for (name, linked, status), items in groups.items():
        ranked = most_credible_first(items, docs)
        out.append({"name": name, "linked_id": linked, "status": status, "documents": len({e.get("doc_id") for e in items}),
                    "shown": ranked[:QUOTES_PER_LINK], "more": len(ranked[QUOTES_PER_LINK:])})
    out.sort(key=lambda g: (_LINK_ORDER.get(g["status"], 0), -g["documents"], str(g["name"]), str(g["linked_id"])))
    return out


def _cap_alias_docs(alias: dict, docs: dict[str, dict]) -> None:
    ids = alias.get("doc_ids") or []
    ranked = sorted(ids, key=lambda i: (-((docs.get(i) or {}).get("credibility") or 0.0), i))
    alias["docs_shown"], alias["docs_more"] = ranked[:DOCS_PER_ALIAS], len(ranked[DOCS_PER_ALIAS:])


def slugs(names: list[str]) -> dict[str, str]:
    """A file name per drug: lower-case letters, digits and hyphens; a short hash where two would meet."""
    plain = {n: re.sub(r"[^a-z0-9]+", "-", n.lower()).strip("-")[:60] or "drug" for n in names}
    taken = Counter(plain.values())
    return {n: s if taken[s] == 1 else f"{s}-{hashlib.sha1(n.encode()).hexdigest()[:8]}" for n, s in plain.items()}


def registry_ids(trial: dict) -> list[str]:
    """A registry row's ids (a store reconciled before registry_ids existed has its NCT id only)."""
    return list(trial.get("registry_ids") or []) or [trial["nct_id"]] * bool(trial.get("nct_id"))


def trial_label(trial: dict) -> str:
    return trial.get("name") or next(iter(registry_ids(trial)), None) or trial["trial_key"]


def _subject_keys(drug: str, trials: list[dict]) -> set[str]:
    return {name_key(drug)} | {name_key(n) for t in trials
                               for n in [t.get("name"), t["trial_key"], *registry_ids(t), *(t.get("names") or [])] if n}


def _open_items(aliases: list[dict], conflicts: list[dict]) -> int:
    """What waits for an analyst: unverified aliases and true conflicts without a decision."""
    return (sum(1 for a in aliases if a["status"] == "unverified" and not a.get("decision"))
            + sum(1 for c in conflicts if c["kind"] == "conflict" and not c.get("decision")))


def build_view(store: Store, out: Path) -> dict:
    read = lambda t: store.read(t).to_pylist()  # noqa: E731
    # every column but the texts, which the report never shows (nearly all of the table's bytes)
    docs = store.read("documents", [c for c in TABLES["documents"].schema.names if c != "text"]).to_pylist()
    by_id, latest = _latest_docs(docs)
    aliases, conflicts, registry = read("aliases"), read("conflicts"), read("trial_registry")
    for c in conflicts:
        c["values"] = _json_list(c.get("values_json"))
        _cap_values(c, by_id)
    for t in registry:
        t["links"] = _link_groups(_json_list(t.get("link_evidence")), by_id)
    for a in aliases:
        _cap_alias_docs(a, by_id)

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

    aliases_of: dict[str, list[dict]] = defaultdict(list)
    for a in aliases:
        aliases_of[a["drug"]].append(a)
    trials_of: dict[str, list[dict]] = defaultdict(list)
    for t in registry:
        if t.get("drug"):
            trials_of[t["drug"]].append(t)
    names = sorted(set(drug_docs) | set(aliases_of) | set(trials_of))
    drugs_by_key: dict[str, list[str]] = defaultdict(list)
    for drug in names:
        for key in _subject_keys(drug, trials_of.get(drug, [])):
            drugs_by_key[key].append(drug)
    conflicts_of: dict[str, list[dict]] = defaultdict(list)
    other = []
    for c in conflicts:
        owners = drugs_by_key.get(name_key(c["subject"]), [])
        for drug in owners:
            conflicts_of[drug].append(c)
        if not owners:
            other.append(c)

    slug = slugs(names)
    drugs = []
    for drug in names:
        mine = sorted(conflicts_of.get(drug, []), key=_conflict_order)
        own_aliases = sorted(aliases_of.get(drug, []), key=lambda a: (_STATUS_ORDER.get(a["status"], 9), a["alias"].lower()))
        drugs.append({
            "drug": drug, "slug": slug[drug], "doc_ids": sorted(drug_docs.get(drug, set())),
            "aliases": own_aliases, "trials": trials_of.get(drug, []), "conflicts": mine,
            "conditions": conditions.get(drug, Counter()).most_common(8),
            "doses": doses.get(drug, Counter()).most_common(12),
            "alias_counts": Counter(a["status"] for a in own_aliases),
            "conflict_counts": Counter(c["kind"] for c in mine),
            "open": _open_items(own_aliases, mine),
        })
    unassigned_trials = [t for t in registry if not t.get("drug")]
    sidecar = out / "reports" / "_reconcile.json"
    problems = []
    if sidecar.exists():
        try:
            problems = json.loads(sidecar.read_text()).get("decision_problems", [])
        except (OSError, json.JSONDecodeError):
            problems = []
    changed = [d for d in latest.values() if (d.get("version") or 1) > 1]
    from ..version import pipeline_version
    current = pipeline_version()
    stale = sum(1 for d in latest.values() if d.get("pipeline_version") != current)
    return {
        "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "docs": by_id, "latest": latest, "drugs": drugs, "other_conflicts": sorted(other, key=_conflict_order),
        "unassigned_trials": unassigned_trials, "problems": problems, "changed": changed,
        "stale": stale, "pipeline_version": current,
        "counts": {
            "documents": len(latest), "aliases": Counter(a["status"] for a in aliases),
            "conflicts": Counter(c["kind"] for c in conflicts), "trials": len(registry)},
    }


def sources_in_order(view: dict) -> list[tuple[str, dict]]:
    """(doc_id, document) for the newest version of every source, by source."""
    return sorted(view["latest"].items(), key=lambda kv: str(kv[1].get("source")))


def source_chunks(view: dict) -> list[list[tuple[str, dict]]]:
    """sources_in_order cut into pages of SOURCES_PER_PAGE (at least one, maybe empty)."""
    rows, per_page = sources_in_order(view), SOURCES_PER_PAGE
    return [rows[i:i + per_page] for i in range(0, len(rows), per_page)] or [[]]


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
