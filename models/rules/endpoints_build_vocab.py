"""Builds endpoints_vocab.jsonl from the shared endpoint-scale seed list and endpoints_overrides.yaml.

    python models/rules/endpoints_build_vocab.py [SEED_TSV]

One JSON object per scale: name (the short name written to the endpoints table), abbreviations
(matched case-sensitively), full_names (matched in any case), area, responder_values (percent
thresholds forming "EASI-75"-style names) and zero_one (forms "IGA 0/1").
"""
from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED = HERE.parents[2] / "shared" / "corpora" / "endpoint_scales" / "endpoint_scales_seed.tsv"


def build(seed: Path) -> list[dict]:
    ov = yaml.safe_load((HERE / "endpoints_overrides.yaml").read_text(encoding="utf-8"))
    exclude, drop, full_only = set(ov["exclude"]), set(ov["drop_variants"]), set(ov.get("full_name_only", []))
    entries: dict[str, dict] = {}
    with seed.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            abbr = row["abbreviation"].strip()
            if abbr in exclude:
                continue
            name = ov["rename"].get(abbr, abbr)
            base = re.sub(r"\s*\(.*\)$", "", abbr)
            variants = [v.strip() for v in (row.get("variants") or "").split("|") if v.strip() and v.strip() not in drop]
            responder = set(ov["responder_extra"].get(abbr, []))
            stem = re.sub(r"\d+$", "", base)
            abbrs, fulls = [base], [re.sub(r"\s*\(.*\)$", "", row["full_name"].strip())]
            for v in variants:
                if v.endswith(" 0/1"):
                    continue  # "IGA 0/1" is the scale read with its 0/1 threshold
                m = re.fullmatch(rf"{re.escape(stem)}[\s-]?(\d{{2,3}})", v)
                if m and stem:
                    responder.add(int(m.group(1)))
                    continue
                (abbrs if re.fullmatch(r"[\w\-/+()]+(?:\s[\w\-/+()]+)?", v) and not v.islower() else fulls).append(v)
            if responder and stem != base:
                # "ACR20" is the stem with a threshold: the stem is matched and the number read after it
                abbrs = [a for a in abbrs if not re.fullmatch(rf"{re.escape(stem)}[\s-]?\d.*", a)] + [stem]
            if abbr in full_only:
                abbrs = []
            entries[name] = {"name": name if not responder or stem == base else stem, "abbreviations": sorted(set(abbrs)),
                             "full_names": sorted(set(f for f in fulls if len(f) > 3)), "area": row["area"],
                             "responder_values": sorted(responder), "zero_one": base in ov["zero_one"]}
    for e in ov["extra"]:
        e = {"responder_values": [], "zero_one": e["name"] in ov["zero_one"], **e}
        entries[e["name"]] = e
    for name in ov["zero_one"]:
        if name in entries:
            entries[name]["zero_one"] = True
    return list(entries.values())


if __name__ == "__main__":
    seed = Path(sys.argv[1]) if len(sys.argv) > 1 else SEED
    out = HERE / "endpoints_vocab.jsonl"
    rows = build(seed)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} entries -> {out}")
