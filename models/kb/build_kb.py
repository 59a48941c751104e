"""Build models/kb/drugs.jsonl (scispacy KnowledgeBase jsonl format) from ../shared/corpora/drug_aliases.

    python models/kb/build_kb.py [--corpora ../shared/corpora/drug_aliases]

Keeps official names (INN/USAN, incl. US suffixed names), brand names and development codes from
the FDA UNII names list, plus DrugBank common names and code-like synonyms. Chemical "common names"
and systematic names are left out: they make the file large and match ordinary words.
A sidecar alias_types.jsonl records whether each alias is a brand, code or official name.
Food additive numbers (EU E-numbers and Codex INS numbers with three digits: "E 120", "E-171",
"INS-120") are left out too: they are not drug names, and in trial reports "E120" is an arm's
label (epirubicin 120 mg/m2), which the E-number made carminic acid.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODE = re.compile(r"^[A-Z]{1,6}[- ]?\d{2,7}[A-Z]?$")
TYPE_NAMES = {"of": "official", "bn": "brand", "cd": "code", "db": "official"}
ADDITIVE_NUMBER = re.compile(r"^(?:E|INS)[- ]?\d{3}[A-Z]?$", re.I)  # four-digit E codes are Eisai's (E2020)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, default=HERE.parents[1].parent / "shared/corpora/drug_aliases")
    a = ap.parse_args()

    canonical: dict[str, str] = {}
    names: dict[str, dict[str, str]] = defaultdict(dict)
    with open(a.corpora / "unii_drug_aliases.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            kind = row["name_type"]
            if kind not in TYPE_NAMES:
                continue
            cid = row["drugbank_id"] or row["unii"]
            canonical.setdefault(cid, row["display_name"].lower())
            names[cid].setdefault(row["name"], TYPE_NAMES[kind])
    with open(a.corpora / "drugbank_vocabulary.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cid = row["DrugBank ID"]
            common = row["Common name"].strip()
            if not common or len(common) > 40:
                continue
            canonical.setdefault(cid, common.lower())
            names[cid].setdefault(common, "official")
            for syn in (s.strip() for s in row["Synonyms"].split("|")):
                if CODE.match(syn):
                    names[cid].setdefault(syn, "code")

    out_kb = HERE / "drugs.jsonl"
    out_types = HERE / "alias_types.jsonl"
    with open(out_kb, "w", encoding="utf-8") as kb, open(out_types, "w", encoding="utf-8") as ty:
        for cid in sorted(names):
            canon = canonical[cid]
            if len(canon) > 60 or "," in canon:
                continue
            aliases = sorted(n for n in names[cid] if n.lower() != canon and not ADDITIVE_NUMBER.match(n))
            kb.write(json.dumps({"concept_id": cid, "canonical_name": canon, "aliases": aliases,
                                 "types": ["T121"], "definition": ""}, ensure_ascii=False) + "\n")
            ty.write(json.dumps({"concept_id": cid, "alias_types": {n: names[cid][n] for n in aliases}},
                                ensure_ascii=False) + "\n")
    print(f"wrote {out_kb} and {out_types}")


if __name__ == "__main__":
    main()
