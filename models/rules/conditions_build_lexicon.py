"""Rebuild the generated vocabularies under models/rules/ from the shared corpora.

    .venv/bin/python models/rules/conditions_build_lexicon.py [--shared ../shared]

Writes
- conditions_lexicon.tsv: disease surface form -> canonical name (lower case). BC5CDR disease
  mentions grouped by MeSH id (canonical = the most frequent form of the id), NCBI-disease
  mentions, then conditions_curated.tsv (curated indications and synonyms) on top.
- adverse_lexicon.tsv: adverse-effect surface form -> canonical name, from the ADE corpus
  (DRUG-AE.rel) with adverse_curated.tsv (curated event names and lay synonyms) on top.
- drugs_common_words.txt: single-word drug-KB names that are ordinary words: seen lower case
  at least MIN_COUNT times in the corpora text (BC5CDR, NCBI-disease, EBM-NLP, ADE) and never
  annotated as a chemical in BC5CDR.
Severity words (mild, moderate, severe, early ...) are stripped from the front of terms: the
component matches the disease and treats those words as context.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
MIN_COUNT = 3
MODIFIER = re.compile(r"^(?:(?:mild|moderate|severe|mild[- ]to[- ]moderate|moderate[- ]to[- ]severe|moderately|"
                      r"severely|early|early[- ]stage|late[- ]stage|uncontrolled|active|established|"
                      r"clinical(?:ly)?|significant|symptomatic)\s+)+")
BAD = re.compile(r"[^a-z0-9 '\-/,()\u2019]")
HARM_WORDS = re.compile(r"\b(?:adverse|side[- ]effects?|reactions? to)\b|^toxicity$")  # "serious adverse events"
SKIP_TERMS = {"disease", "diseases", "disorder", "disorders", "syndrome", "toxicity", "lesion", "lesions",
              "injury", "damage", "death", "deaths", "pain", "infection", "infections", "tumor", "tumors",
              "tumour", "cancer", "cancers", "symptoms", "inflammation", "fibrosis"}


def clean_term(t: str) -> str | None:
    t = t.strip().lower().replace("\u2019", "'")
    t = re.sub(r"\s+", " ", t)
    t = MODIFIER.sub("", t).strip(" ,.;:")
    if len(t) < 4 or BAD.search(t) or t in SKIP_TERMS or t.count(" ") > 5:
        return None
    if re.search(r"\d", t) and not re.search(r"type [12i]|[a-z]\d|\d[a-z]", t):
        return None
    return t


def bc5cdr(shared: Path):
    by_id: dict[str, Counter] = defaultdict(Counter)
    chemical_words: set[str] = set()
    texts = []
    for f in sorted((shared / "corpora/bc5cdr/pubtator").glob("CDR_*.PubTator.txt")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if "|t|" in line[:20] or "|a|" in line[:20]:
                texts.append(line.split("|", 2)[2])
                continue
            parts = line.split("\t")
            if len(parts) >= 6 and parts[1].isdigit():
                mention, kind, ident = parts[3], parts[4], parts[5]
                if kind == "Chemical":
                    chemical_words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z\-]+", mention))
                elif kind == "Disease" and ident != "-1":
                    term = clean_term(mention)
                    if term:
                        by_id[ident.split("|")[0]][term] += 1
    return by_id, chemical_words, texts


def iob_terms(path: Path) -> tuple[Counter, list[str]]:
    terms, words, cur = Counter(), [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t") if "\t" in line else line.split()
        if not parts or line.startswith("-DOCSTART-"):
            if cur:
                terms[" ".join(cur)] += 1
                cur = []
            continue
        tok, tag = parts[0], parts[-1]
        words.append(tok)
        if tag.startswith("B-"):
            if cur:
                terms[" ".join(cur)] += 1
            cur = [tok]
        elif tag.startswith("I-") and cur:
            cur.append(tok)
        else:
            if cur:
                terms[" ".join(cur)] += 1
            cur = []
    return terms, words


def detok(t: str) -> str:
    return re.sub(r"\s+([,)'])", r"\1", re.sub(r"\(\s+", "(", re.sub(r"\s*-\s*", "-", t)))


def disease_shape() -> re.Pattern:
    """The ner_shape rule of conditions_contexts.tsv: how a single-word disease name ends."""
    for line in (HERE / "conditions_contexts.tsv").read_text(encoding="utf-8").splitlines():
        if line.startswith("ner_shape\t"):
            return re.compile(line.split("\t", 1)[1])
    return re.compile(r"$^")


def shaped(term: str, shape: re.Pattern) -> bool:
    """Corpus terms of one word must look like a disease (-itis, -emia, ... or a head noun such as
    'syndrome'); corpus annotations also tag anatomy and findings ('cornea', 'lesion')."""
    return " " in term or bool(shape.search(term))


def key(term: str) -> str:
    """The component's match key (trialwire.nlp.conditions.condition_key)."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"['\u2019]s\b", "", term.lower().replace("\u2019", "'")))


def by_key(curated: list[tuple[str, str]], derived: dict[str, str]) -> dict[str, str]:
    """One entry per match key: curated entries win, then the first derived form in sorted order
    ("breast cancer" before "breast-cancer")."""
    out: dict[str, tuple[str, str]] = {}
    for term, canonical in curated:
        out.setdefault(key(term), (term, canonical))
    for term in sorted(derived):
        out.setdefault(key(term), (term, derived[term]))
    return dict(out.values())


def read_curated(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            parts = line.split("\t")
            term = parts[0].strip().lower()
            rows.append((term, (parts[1].strip().lower() if len(parts) > 1 and parts[1].strip() else term)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    a = ap.parse_args()
    by_id, chemical_words, texts = bc5cdr(a.shared)
    shape = disease_shape()
    lexicon: dict[str, str] = {}
    for ident, forms in by_id.items():
        # a term is its own canonical name; an abbreviation maps to its id's most frequent full form
        full = [t for t, _ in forms.most_common() if not re.fullmatch(r"[a-z0-9\-]{2,6}", t) or " " in t]
        for term in forms:
            if not shaped(term, shape):
                continue
            abbrev = re.fullmatch(r"[a-z0-9\-]{2,6}", term) is not None and " " not in term
            lexicon.setdefault(term, full[0] if abbrev and full else term)
    words: list[str] = []
    for part in ("train", "devel", "test"):
        p = a.shared / f"corpora/ncbi_disease/iob/{part}.tsv"
        if p.exists():
            terms, w = iob_terms(p)
            words.extend(w)
            for t in terms:
                term = clean_term(detok(t))
                if term and shaped(term, shape):
                    lexicon.setdefault(term, term)
    lexicon = by_key(read_curated(HERE / "conditions_curated.tsv"), lexicon)
    (HERE / "conditions_lexicon.tsv").write_text(
        "# generated by conditions_build_lexicon.py: term<TAB>canonical\n"
        + "".join(f"{t}\t{c}\n" for t, c in sorted(lexicon.items())), encoding="utf-8")

    adverse: dict[str, str] = {}
    ade = a.shared / "corpora/ade_corpus_v2/DRUG-AE.rel"
    for line in ade.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("|")
        if len(parts) >= 3:
            term = clean_term(parts[2])
            if term and shaped(term, shape) and not HARM_WORDS.search(term):
                adverse.setdefault(term, lexicon.get(term, term))
            texts.append(parts[1])
            if len(parts) >= 6:
                chemical_words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z\-]+", parts[5]))
    adverse = by_key(read_curated(HERE / "adverse_curated.tsv"), adverse)
    (HERE / "adverse_lexicon.tsv").write_text(
        "# generated by conditions_build_lexicon.py: term<TAB>canonical\n"
        + "".join(f"{t}\t{c}\n" for t, c in sorted(adverse.items())), encoding="utf-8")

    # ordinary words among single-word drug names
    sys.path.insert(0, str(REPO / "src"))
    from trialwire.kb import load_kb, name_key  # noqa: E402
    kb = load_kb()
    counts: Counter = Counter()
    drug_words = set(chemical_words)  # BC5CDR chemicals and ADE drugs, before EBM-NLP interventions
    for t in texts:
        counts.update(w for w in re.findall(r"\b[a-z][a-z\-]+\b", t))
    counts.update(w for w in words if w.islower())
    ebm = a.shared / "corpora/ebmnlp_pico"
    for p in sorted(ebm.glob("*.txt")):
        for line in p.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("-DOCSTART-"):
                if parts[-1].endswith("INT"):
                    chemical_words.add(parts[0].lower())  # intervention words are not "ordinary"
                elif parts[0].islower():
                    counts[parts[0]] += 1
    sys.path.insert(0, str(REPO / "src"))
    from trialwire.nlp.drugs import DrugRules  # noqa: E402
    rules = DrugRules.load(HERE / "drugs_stoplist.txt", HERE / "drugs_inn_stems.tsv", HERE / "drugs_code_patterns.tsv",
                           HERE / "drugs_not_aliases.txt", HERE / "drugs_alias_cues.tsv")
    chemical_words.update(w for w in counts if rules.stem_of(w))
    common = sorted(w for w, n in counts.items()
                    if n >= MIN_COUNT and w not in chemical_words and kb.resolve_key(name_key(w)) is not None)
    curated = [ln.strip().lower() for ln in (HERE / "drugs_common_words_curated.txt").read_text().splitlines()
               if ln.strip() and not ln.startswith("#")]
    ordinary = sorted(w for w, n in counts.items() if n >= MIN_COUNT and len(w) >= 3 and w not in drug_words
                      and not rules.stem_of(w) and re.fullmatch(r"[a-z]+", w))
    (HERE / "drugs_ordinary_words.txt").write_text(
        "# generated by conditions_build_lexicon.py: lower-case words seen at least 3 times in the corpora\n"
        "# and never as a chemical or intervention; a capitalised one is not taken for an unknown drug name\n"
        + "".join(f"{w}\n" for w in ordinary), encoding="utf-8")
    (HERE / "drugs_common_words.txt").write_text(
        "# generated by conditions_build_lexicon.py: ordinary words that are also drug-KB names\n"
        + "".join(f"{w}\n" for w in sorted(set(common) | set(curated))), encoding="utf-8")
    print(json.dumps({"conditions": len(lexicon), "adverse": len(adverse), "ordinary_words": len(ordinary),
                      "common_words": len(set(common) | set(curated))}))


if __name__ == "__main__":
    main()
