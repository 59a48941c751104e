"""Trial identity across documents: the NCT id is the key; names, short forms and the ids of other
registries link to it.

1. Names and non-NCT registry ids (EU CT, EudraCT, ISRCTN, ChiCTR ...) a single trials row gives
   together are one group (union-find over name keys and ids); a short name that is the last part
   of exactly one longer name (IGNITE / ROCKET-IGNITE) joins it. So a page that gives only
   "EudraCT 2019-004061-25" joins the trial another page names with that number.
2. Each group collects its NCT links with their evidence. One NCT: linked. Several: the
   best-supported (credibility of independent sources) wins, the others are `nct_id` conflicts,
   not merges; the losing NCT keeps its own identity.
3. Groups that end up on the same NCT are one trial.
Everything is dictionary grouping: O(n log n) in trial rows.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from ..registries import REGISTRY_NAMES, registry_of
from .corpus import Corpus, key


@dataclass
class LinkEvidence:
    name: str | None
    linked_id: str  # the NCT id, or another registry's id
    doc_id: str
    quote: str | None
    credibility: float


@dataclass
class TrialIdentity:
    trial_key: str
    nct_id: str | None
    names: list[str] = field(default_factory=list)
    other_ids: set[str] = field(default_factory=set)  # registry ids besides the NCT id
    doc_ids: set[str] = field(default_factory=set)
    links: list[LinkEvidence] = field(default_factory=list)
    rejected_links: list[LinkEvidence] = field(default_factory=list)
    id_links: list[LinkEvidence] = field(default_factory=list)  # to ids of other registries
    rejected_id_links: list[LinkEvidence] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        return max(self.names, key=lambda n: (len(n), n.isupper(), n)) if self.names else None

    @property
    def label(self) -> str:
        return self.name or self.nct_id or self.trial_key

    @property
    def registry_ids(self) -> list[str]:
        return [self.nct_id] * bool(self.nct_id) + sorted(self.other_ids)


class UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _names(row: dict) -> list[str]:
    return [n for n in [row.get("trial"), *(row.get("short_forms") or [])] if n and n.strip()]


def _other_ids(row: dict) -> list[str]:
    nct = (row.get("nct_id") or "").upper()
    return [i for i in row.get("registry_ids") or [] if i.upper() != nct]


def _anchor(row: dict) -> str | None:
    """The union-find node a row hangs on: its first name's key, else its first other registry id
    (marked, so no id can be taken for a name); None for a row with neither."""
    names, ids = _names(row), _other_ids(row)
    return key(names[0]) if names else (ID_NODE + key(ids[0]) if ids else None)


ID_NODE = "#"


@dataclass
class RegistryLinks:
    """What joining the ids of other registries found, per name group (its root before the join)."""
    ids_of: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # id node -> printed ids
    kept: dict[str, list[LinkEvidence]] = field(default_factory=lambda: defaultdict(list))
    rejected: dict[str, list[LinkEvidence]] = field(default_factory=lambda: defaultdict(list))
    conflicts: list[tuple[str, str, dict[str, list[LinkEvidence]], str]] = field(default_factory=list)


class TrialIndex:
    """Resolved trials plus a lookup from any name or NCT id to its identity."""

    def __init__(self, corpus: Corpus):
        self.corpus = corpus
        self.trials: list[TrialIdentity] = []
        self.by_key: dict[str, TrialIdentity] = {}
        self.nct_conflicts: list[tuple[TrialIdentity, dict[str, list[LinkEvidence]], str]] = []
        # one trial given two ids of one registry: (trial, registry, links per id, best-supported id)
        self.id_conflicts: list[tuple[TrialIdentity, str, dict[str, list[LinkEvidence]], str]] = []
        self._build(corpus.facts["trials"])

    # ---- construction -----------------------------------------------------------------
    def _build(self, rows: list[dict]) -> None:
        uf, printed = UnionFind(), defaultdict(Counter)
        for row in rows:
            names = _names(row)
            for n in names:
                printed[key(n)][n.strip()] += 1
                uf.union(key(n), key(names[0]))
        self._join_suffixes(uf, list(printed))
        joined = self._join_registry_ids(uf, rows)
        ids_of = joined.ids_of
        # NCT links per group
        group_links: dict[str, dict[str, list[LinkEvidence]]] = defaultdict(lambda: defaultdict(list))
        for row in rows:
            nct = (row.get("nct_id") or "").upper() or None
            anchor = _anchor(row)
            if nct and anchor:
                group_links[uf.find(anchor)][nct].append(self._evidence(row, nct))
        group_nct: dict[str, str] = {}
        rejected: dict[str, list[LinkEvidence]] = defaultdict(list)
        for group, links in group_links.items():
            best = max(links, key=lambda n: (self._support(links[n]), len(links[n]), n))
            group_nct[group] = best
            if len(links) > 1:
                for nct, evs in links.items():
                    if nct != best:
                        rejected[group].extend(evs)
        # identities: one per NCT, then one per group without an NCT, keyed by its smallest name key
        # (the key it had before registry ids joined groups) or, with no name, by its smallest id
        ident_of_group: dict[str, TrialIdentity] = {}
        for group, nct in group_nct.items():
            ident = self._get_nct(nct)
            ident_of_group[group] = ident
            ident.links.extend(group_links[group][nct])
            ident.rejected_links.extend(rejected.get(group, []))
        members: dict[str, list[str]] = defaultdict(list)
        for node in sorted(set(printed) | set(ids_of)):
            members[uf.find(node)].append(node)
        for group, nodes in sorted(members.items(), key=lambda g: _group_key(g[1], ids_of)):
            if group not in ident_of_group:
                ident = TrialIdentity(trial_key=_group_key(nodes, ids_of), nct_id=None)
                self.trials.append(ident)
                ident_of_group[group] = ident
        for k, forms in printed.items():
            ident = ident_of_group[uf.find(k)]
            self.by_key[k] = ident
            ident.names.extend(f for f in forms if f not in ident.names)
        for node, printed_ids in ids_of.items():
            ident = ident_of_group[uf.find(node)]
            ident.other_ids |= printed_ids
            for i in printed_ids:
                self.by_key.setdefault(key(i), ident)
        for row in rows:
            anchor = _anchor(row)
            nct = (row.get("nct_id") or "").upper() or None
            if anchor:
                ident = ident_of_group[uf.find(anchor)]
            elif nct:
                ident = self._get_nct(nct)
            else:
                continue
            ident.rows.append(row)
            ident.doc_ids.add(row["doc_id"])
        for group, evs in joined.kept.items():
            ident_of_group[uf.find(group)].id_links.extend(evs)
        for group, evs in joined.rejected.items():
            ident_of_group[uf.find(group)].rejected_id_links.extend(evs)
        self.id_conflicts = [(ident_of_group[uf.find(g)], registry, links, best)
                             for g, registry, links, best in joined.conflicts]
        for ident in self.trials:
            ident.names = _dedupe_printed(ident.names)
        self.nct_conflicts = [
            (ident_of_group[g], links, best)
            for g, links in ((g, group_links[g]) for g in group_links) if len(links) > 1
            for best in [group_nct[g]]]

    def _join_registry_ids(self, uf: UnionFind, rows: list[dict]) -> RegistryLinks:
        """Joins each name group with its ids of other registries, and the ids an id-only row gives
        together. Where one group is given two ids of one registry, the best-supported joins it and the
        others are kept as rejected evidence (an `other` conflict), as for NCT ids: one wrong page does
        not merge two trials."""
        links: dict[str, dict[str, dict[str, list[LinkEvidence]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(list)))
        row_groups = [uf.find(key(_names(row)[0])) if _names(row) else None for row in rows]
        for row, group in zip(rows, row_groups):
            if group is not None:
                for i in _other_ids(row):
                    links[group][registry_of(i)][i].append(self._evidence(row, i))
        out, rejected = RegistryLinks(), set()
        for group, registries in links.items():
            for registry, by_id in registries.items():
                best = max(by_id, key=lambda i: (self._support(by_id[i]), len(by_id[i]), i))
                out.kept[group].extend(by_id[best])
                for i, evs in by_id.items():
                    if i != best:
                        rejected.add((group, i))
                        out.rejected[group].extend(evs)
                if len(by_id) > 1:
                    out.conflicts.append((group, registry, dict(by_id), best))
        for row, group in zip(rows, row_groups):
            ids = [i for i in _other_ids(row) if (group, i) not in rejected]
            nodes = [group] * (group is not None) + [ID_NODE + key(i) for i in ids]
            for i in ids:
                out.ids_of[ID_NODE + key(i)].add(i)
            for node in nodes:
                uf.union(node, nodes[0])
        return out

    def _evidence(self, row: dict, linked_id: str) -> LinkEvidence:
        doc = self.corpus.doc(row["doc_id"])
        return LinkEvidence(next(iter(_names(row) or _other_ids(row))), linked_id, row["doc_id"],
                            row.get("sentence"), doc.credibility if doc else 0.0)

    def _join_suffixes(self, uf: UnionFind, keys: list[str]) -> None:
        """IGNITE joins ROCKET-IGNITE when exactly one longer name ends with it."""
        by_tail: dict[str, set[str]] = defaultdict(set)
        corpus_names = {k for k in keys}
        for row in self.corpus.facts["trials"]:
            for n in _names(row):
                parts = [p for p in n.replace("\u2013", "-").split("-") if p.strip()]
                if len(parts) >= 2:
                    by_tail[key(parts[-1])].add(key(n))
        for tail, longer in by_tail.items():
            roots = {uf.find(k) for k in longer}
            if tail in corpus_names and len(roots) == 1 and len(tail) >= 4:
                uf.union(tail, next(iter(longer)))

    def _support(self, evs: list[LinkEvidence]) -> float:
        best: dict[str, float] = {}
        for ev in evs:
            doc = self.corpus.doc(ev.doc_id)
            origin = doc.origin if doc else ev.doc_id
            best[origin] = max(best.get(origin, 0.0), ev.credibility)
        return sum(best.values())

    def _get_nct(self, nct: str) -> TrialIdentity:
        ident = self.by_key.get(key(nct))
        if ident is None:
            ident = TrialIdentity(trial_key=nct, nct_id=nct)
            self.trials.append(ident)
            self.by_key[key(nct)] = ident
        return ident

    # ---- lookup -------------------------------------------------------------------------
    def lookup(self, name_or_nct: str | None) -> TrialIdentity | None:
        if not name_or_nct:
            return None
        return self.by_key.get(key(name_or_nct))

    def trials_of_doc(self, doc_id: str) -> list[TrialIdentity]:
        if not hasattr(self, "_by_doc"):
            self._by_doc: dict[str, list[TrialIdentity]] = defaultdict(list)
            for t in self.trials:
                for d in t.doc_ids:
                    self._by_doc[d].append(t)
        return self._by_doc.get(doc_id, [])

    def drug_of(self, t: TrialIdentity) -> str | None:
        """The drug a trial studies: the rows' drug, else the main drug of the pages naming it."""
        votes = Counter()
        for r in t.rows:
            doc = self.corpus.doc(r["doc_id"])
            w = doc.credibility if doc else 0.1
            if r.get("drug"):
                votes[r["drug"]] += w
            elif self.corpus.main_drug.get(r["doc_id"]):
                votes[self.corpus.main_drug[r["doc_id"]]] += w * 0.5
        return votes.most_common(1)[0][0] if votes else None

    def trials_per_drug(self) -> Counter:
        return Counter(d for d in (self.drug_of(t) for t in self.trials) if d)

    def registry_rows(self, enrolled: dict[str, int]) -> list[dict]:
        out = []
        for t in sorted(self.trials, key=lambda t: t.label.lower()):
            phases, drugs = Counter(), Counter()
            for r in t.rows:
                doc = self.corpus.doc(r["doc_id"])
                w = doc.credibility if doc else 0.1
                if r.get("phase"):
                    phases[str(r["phase"])] += w
                if r.get("drug"):
                    drugs[r["drug"]] += w
                elif self.corpus.main_drug.get(r["doc_id"]):
                    drugs[self.corpus.main_drug[r["doc_id"]]] += w * 0.5
            evidence = [{"name": e.name, "nct_id": e.linked_id, "doc_id": e.doc_id, "quote": e.quote,
                         "status": "linked"} for e in t.links]
            evidence += [{"name": e.name, "nct_id": e.linked_id, "doc_id": e.doc_id, "quote": e.quote,
                          "status": "rejected (conflicting NCT id)"} for e in t.rejected_links]
            evidence += [{"name": e.name, "registry_id": e.linked_id, "doc_id": e.doc_id, "quote": e.quote,
                          "status": "linked"} for e in t.id_links]
            evidence += [{"name": e.name, "registry_id": e.linked_id, "doc_id": e.doc_id, "quote": e.quote,
                          "status": f"rejected (conflicting {REGISTRY_NAMES.get(registry_of(e.linked_id), 'registry')} id)"}
                         for e in t.rejected_id_links]
            out.append({
                "trial_key": t.trial_key, "nct_id": t.nct_id, "registry_ids": t.registry_ids,
                "name": t.name, "names": t.names,
                "phase": phases.most_common(1)[0][0] if phases else None,
                "drug": drugs.most_common(1)[0][0] if drugs else None,
                "enrolled": enrolled.get(t.trial_key) or _row_enrolled(t, self.corpus),
                "doc_ids": sorted(t.doc_ids), "link_evidence": json.dumps(evidence, ensure_ascii=False),
            })
        return out


def _group_key(nodes: list[str], ids_of: dict[str, set[str]]) -> str:
    names = [n for n in nodes if not n.startswith(ID_NODE)]
    return min(names) if names else min(i for n in nodes for i in ids_of[n])


def _row_enrolled(t: TrialIdentity, corpus: Corpus) -> int | None:
    best = None
    for r in t.rows:
        if r.get("enrolled"):
            doc = corpus.doc(r["doc_id"])
            cand = (doc.credibility if doc else 0.0, r["enrolled"])
            best = max(best, cand) if best else cand
    return best[1] if best else None


def _dedupe_printed(names: list[str]) -> list[str]:
    seen, out = set(), []
    for n in sorted(names, key=lambda n: (-len(n), n)):
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out
