"""Analyst decisions (OUT/decisions.yaml by default), applied on every reconciliation run.

Format (YAML, edited by hand; both sections optional)::

    aliases:
      - drug: rocatinlimab
        alias: Rocatan
        decision: reject          # accept -> confirmed, reject -> unverified (rejected)
        note: AI page; no such brand exists
    conflicts:
      - conflict_id: c-1a2b3c4d5e   # from the conflicts table or the report
        subject: ROCKET-IGNITE      # optional, with attribute: the decision follows its conflict
        attribute: sample_size      #   when new sources change the values (and so the id)
        pick: "769"               # the value to keep (any text)
        note: company release wins over the recruitment page

`conflicts` may also map each conflict_id to its pick (`c-1a2b3c4d5e: {pick: "769"}`). An entry
that cannot be read is reported in the run's decision problems and the others still apply.
Alias decisions match on the drug's canonical name and the alias after case, spaces and hyphens
are dropped. A decision whose alias or conflict no longer exists is reported back, not lost.
"""
from __future__ import annotations

import json
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
        if isinstance(c, dict) and c.get("conflict_id") and c.get("pick") is not None and not str(c["pick"]).strip():
            out.problems.append(f"conflicts[{i}] ({c['conflict_id']}): the pick is empty; not applied until filled in")
            continue
        if not isinstance(c, dict) or not c.get("conflict_id") or c.get("pick") is None:
            out.problems.append(f"conflicts[{i}]: needs conflict_id and pick")
            continue
        out.conflicts[str(c["conflict_id"])] = {"pick": str(c["pick"]), "note": c.get("note"),
                                                **{k: str(c[k]) for k in ("subject", "attribute", "facet") if c.get(k)}}
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
    """By conflict_id; a decision whose id no longer exists (new sources changed the values) still
    applies, flagged, to the conflict of its subject and attribute whose values include its pick."""
    by_id = {r.conflict_id: r for r in rows}
    applied, decided = 0, set(decisions.conflicts) & set(by_id)  # an exact id wins over a moved decision
    for cid, d in sorted(decisions.conflicts.items(), key=lambda item: item[0] not in by_id):
        r, moved = by_id.get(cid), False
        if r is None:
            r, why = _successor(rows, d, decided)
            if r is None:
                decisions.problems.append(f"conflict decision {cid} matches no current conflict ({why})")
                continue
            moved = True
        decided.add(r.conflict_id)
        applied += 1
        note = f": {d['note']}" if d.get("note") else ""
        proposed = f"Proposed was {r.proposed_value}." if r.proposed_value is not None else "Nothing was proposed."
        changed = (f" Recorded for {cid}; new sources changed the values since (now {_listed(r)}): check that it "
                   "still holds and record it under this conflict's id." if moved else "")
        r.decision = _text(f"pick {d['pick']}", d.get("note")) + (f" (recorded for {cid}; values changed since)" if moved else "")
        r.resolution = f"Analyst picked {d['pick']}{note}.{changed} ({proposed}) {r.resolution}"
        r.proposed_value = d["pick"]
    return applied


def _successor(rows: list[ConflictRow], d: dict, decided: set[str]) -> tuple[ConflictRow | None, str]:
    if not d.get("subject") or not d.get("attribute"):
        return None, "values changed? a decision that names its subject and attribute follows its conflict"
    same = [r for r in rows if key(r.subject) == key(d["subject"]) and r.attribute == d["attribute"]
            and (not d.get("facet") or r.facet == d["facet"]) and r.conflict_id not in decided]
    offered = [r for r in same if _offers(r, d["pick"])]
    if len(offered) == 1:
        return offered[0], ""
    if not offered:
        gone = f"the pick {d['pick']} is no longer among the values" if same else "no conflict about them remains"
        return None, f"{d['subject']} / {d['attribute']}: {gone}"
    return None, f"{d['subject']} / {d['attribute']}: {len(offered)} conflicts offer {d['pick']}; name the facet"


def _offers(r: ConflictRow, pick: str) -> bool:
    wanted = key(pick)
    return any(wanted in {key(str(v.get("value"))), key(str(v.get("key"))), *(key(str(s)) for s in v.get("shown_as") or [])}
               for v in r.values)


def _listed(r: ConflictRow, most: int = 5) -> str:
    shown = [str(v.get("value")) for v in r.values[:most]]
    return "; ".join(shown) + (f" and {len(r.values) - most} more" if len(r.values) > most else "")


def decision_stub(conflict: dict, indent: str = "  ") -> str:
    """The decisions.yaml entry that settles `conflict` (a conflicts-table row with its values), to
    paste under `conflicts:`: its id, subject and attribute (so the decision follows the conflict
    when new sources change its values), the current or proposed pick (empty where nothing is
    proposed: such an entry is reported, not applied, until the analyst fills it) and the other values."""
    values = [str(v.get("value")) for v in conflict.get("values") or conflict.get("values_shown") or []]
    pick = conflict.get("proposed_value")  # none proposed (a tie, a scope difference): left for the analyst
    others = [" ".join(v.split()) for v in values if v != str(pick)][:5]  # one comment line
    hint = f"  # {'or' if pick is not None else 'one of'}: {' | '.join(others)}" if others else ""
    lines = [f"- conflict_id: {conflict['conflict_id']}", f"  subject: {_quoted(conflict['subject'])}",
             f"  attribute: {conflict['attribute']}", f"  pick: {_quoted(pick if pick is not None else '')}{hint}",
             '  note: ""']
    return "\n".join(indent + line for line in lines)


def _quoted(text) -> str:
    return json.dumps(str(text), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
