"""Evaluate the packaged NER model on BC5CDR (test by default): P/R/F per label and overall.

    .venv/bin/python models/ner/evaluate.py                 # full BC5CDR test set (500 abstracts)
    .venv/bin/python models/ner/evaluate.py --limit 50      # first 50 test abstracts (the CI slice)
    .venv/bin/python models/ner/evaluate.py --split dev --model models/ner/training/r2_vec/model-best

Gold spans come straight from the PubTator character offsets, tokenized with the model's own tokenizer
(scispacy combined_rule_tokenizer); offsets that fall inside a token are expanded to whole tokens
(``alignment_mode="expand"``), exactly as in training. Scoring is spaCy's exact-span entity P/R/F.
No pre-built DocBin is needed, so this also works in a fresh clone (CI).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
FILES = {
    "train": "CDR_TrainingSet.PubTator.txt",
    "dev": "CDR_DevelopmentSet.PubTator.txt",
    "test": "CDR_TestSet.PubTator.txt",
}


def gold_examples(nlp, split: str = "test", limit: int | None = None, shared: Path = DEFAULT_SHARED):
    from spacy.training import Example

    sys.path.insert(0, str(HERE))
    from convert import char_ents_to_spans, read_pubtator, set_ents

    examples = []
    for i, (_, text, ents) in enumerate(read_pubtator(shared / "corpora/bc5cdr/pubtator" / FILES[split])):
        if limit is not None and i >= limit:
            break
        ref = nlp.make_doc(text)
        spans, _ = char_ents_to_spans(ref, ents)
        set_ents(ref, spans)
        examples.append(Example(nlp.make_doc(text), ref))
    return examples


def evaluate(nlp, split: str = "test", limit: int | None = None, shared: Path = DEFAULT_SHARED) -> dict:
    from spacy.scorer import Scorer

    examples = gold_examples(nlp, split, limit, shared)
    for eg, pred in zip(examples, nlp.pipe([eg.predicted for eg in examples], batch_size=64)):
        eg.predicted = pred
    scores = Scorer.score_spans(examples, "ents")
    return {
        "n_docs": len(examples),
        "ents_p": scores["ents_p"], "ents_r": scores["ents_r"], "ents_f": scores["ents_f"],
        "per_type": scores["ents_per_type"],
    }


def print_table(res: dict, title: str = ""):
    print(f"{title}  ({res['n_docs']} abstracts)")
    print(f"{'label':<10} {'P':>6} {'R':>6} {'F':>6}")
    for label in sorted(res["per_type"]):
        s = res["per_type"][label]
        print(f"{label:<10} {100 * s['p']:6.2f} {100 * s['r']:6.2f} {100 * s['f']:6.2f}")
    print(f"{'ALL':<10} {100 * res['ents_p']:6.2f} {100 * res['ents_r']:6.2f} {100 * res['ents_f']:6.2f}")
    print("anchor: scispacy en_ner_bc5cdr_md test F1 84.28")


def main():
    import spacy

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=HERE / "bc5cdr")
    ap.add_argument("--split", choices=sorted(FILES), default="test")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--json", type=Path, default=None, help="also write the scores as JSON here")
    args = ap.parse_args()
    nlp = spacy.load(args.model)
    res = evaluate(nlp, args.split, args.limit, args.shared)
    print_table(res, f"BC5CDR {args.split} - {args.model}")
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
