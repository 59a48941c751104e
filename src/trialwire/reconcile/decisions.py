"""Analyst decisions (OUT/decisions.yaml by default), applied on every reconciliation run.

Format (YAML, edited by hand; both sections optional)::

    aliases:
      - drug: rocatinlimab
        alias: Rocatan
        decision: reject          # accept -> confirmed, reject -> unverified (rejected)
        note: AI page; no such brand exists
    conflicts:
      - conflict_id: c-1a2b3c4d5e   # from the conflicts table or the report
        pick: "769"               # the value to keep (any text)
        note: company release wins over the recruitment page

`conflicts` may also map each conflict_id to its pick (`c-1a2b3c4d5e: {pick: "769"}`). An entry
that cannot be read is reported in the run's decision problems and the others still apply.
Alias decisions match on the drug's canonical name and the alias after case, spaces and hyphens
are dropped. A decision whose alias or conflict no longer exists is reported back, not lost.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .aliases import AliasVerdict
from .conflicts import ConflictRow
from .corpus import key


@dataclass
class Decisions:
    aliases: dict[tuple[str, str], dict] = field(default_factory=dict)
    conflicts: dict[str, dict] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_decisions(path: Path | None) -> Decisions:
    out = Decisions()
    if path is None or not Path(path).exists():
        return out
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        out.problems.append(f"{path}: not valid YAML ({exc})")
        return out
    if not isinstance(data, dict):
        out.problems.append(f"{path}: expected the sections aliases: and conflicts:, found {type(data).__name__}")
        return out
    for i, a in enumerate(_entries(data, "aliases", out)):
        decision = str(a.get("decision", "")).strip().lower() if isinstance(a, dict) else ""
        if not decision or not a.get("drug") or not a.get("alias") or decision not in ("accept", "reject"):
            out.problems.append(f"aliases[{i}]: needs drug, alias and decision accept|reject")
            continue
        out.aliases[(key(a["drug"]), key(a["alias"]))] = {"decision": decision, "note": a.get("note")}
    conflicts = data.get("conflicts")
    if isinstance(conflicts, dict):  # also accepted: {conflict_id: {pick: ..., note: ...}}
        conflicts = [{"conflict_id": cid, **(c if isinstance(c, dict) else {"pick": c})} for cid, c in conflicts.items()]
        data = {**data, "conflicts": conflicts}
    for i, c in enumerate(_entries(data, "conflicts", out)):
        if not isinstance(c, dict) or not c.get("conflict_id") or c.get("pick") is None:
            out.problems.append(f"conflicts[{i}]: needs conflict_id and pick")
            continue
        out.conflicts[str(c["conflict_id"])] = {"pick": str(c["pick"]), "note": c.get("note")}
    return out


def _entries(data: dict, section: str, out: Decisions) -> list:
    """A section's list of entries; anything else is reported, not applied (nor a crash)."""
    entries = data.get(section) or []
    if not isinstance(entries, list):
        out.problems.append(f"{section}: expected a list of entries, found {type(entries).__name__}")
        return []
    return entries


def _text(decision: str, note: str | None) -> str:
    return f"{decision}: {note}" if note else decision


def apply_alias_decisions(verdicts: list[AliasVerdict], decisions: Decisions) -> int:
    applied, used = 0, set()
    for v in verdicts:
        d = decisions.aliases.get((key(v.drug), key(v.alias)))
        if d is None:
            continue
        used.add((key(v.drug), key(v.alias)))
        applied += 1
        v.decision = _text(d["decision"], d.get("note"))
        was = f"{v.status} ({v.reason_code})"
        v.status = "confirmed" if d["decision"] == "accept" else "unverified"
        v.reason_code = "analyst_decision"
        v.reason = (f"Analyst {'accepted' if d['decision'] == 'accept' else 'rejected'} '{v.alias}'"
                    f"{': ' + d['note'] if d.get('note') else ''}. Before the decision: {was}. {v.reason}")
    for k in decisions.aliases.keys() - used:
        decisions.problems.append(f"alias decision for {k[0]} / {k[1]} matches no alias in the corpus")
    return applied


def apply_conflict_decisions(rows: list[ConflictRow], decisions: Decisions) -> int:
    applied, used = 0, set()
    for r in rows:
        d = decisions.conflicts.get(r.conflict_id)
        if d is None:
            continue
        used.add(r.conflict_id)
        applied += 1
        r.decision = _text(f"pick {d['pick']}", d.get("note"))
        proposed = f"Proposed was {r.proposed_value}." if r.proposed_value is not None else "Nothing was proposed."
        r.resolution = f"Analyst picked {d['pick']}{': ' + d['note'] if d.get('note') else ''}. ({proposed}) {r.resolution}"
        r.proposed_value = d["pick"]
    for cid in decisions.conflicts.keys() - used:
        decisions.problems.append(f"conflict decision {cid} matches no current conflict (values changed?)")
    return applied
