"""Convert the shared biomedical corpora to spaCy DocBin files (+ unlabeled text for vectors).

All documents are tokenized with scispacy's ``combined_rule_tokenizer`` so the training
tokenization is exactly the one the shipped pipeline uses at inference time.

Outputs (under ``models/ner/corpus/``, git-ignored):
  bc5cdr_train.spacy / bc5cdr_dev.spacy / bc5cdr_test.spacy   one Doc per abstract (title + " " + abstract)
  ncbi_disease.spacy   NCBI-disease train+devel+test sentences, DISEASE only; tokens that match a
                       known chemical name are marked *missing* (not O), since NCBI never labels chemicals
  ade.spacy            ADE-corpus v2 positive sentences: drug -> CHEMICAL, adverse effect -> DISEASE;
                       all other tokens missing-free O except known chemical names (missing)
  unlabeled.txt        lower-cased, tokenized, one sentence/abstract per line, for floret vectors.
                       The BC5CDR *test* abstracts (and every other document with a BC5CDR test PMID)
                       are excluded, so the test set stays untouched.

Usage: python models/ner/convert.py [--shared PATH] [--out PATH]
"""
from __future__ import annotations

import argparse
import re
from collections import defaultdict
from pathlib import Path

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, DocBin, Span
from spacy.util import filter_spans

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_SHARED = REPO.parent / "shared"
LABELS = {"Chemical": "CHEMICAL", "Disease": "DISEASE"}


def make_nlp():
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = combined_rule_tokenizer(nlp)
    return nlp


# ----------------------------------------------------------------------------- BC5CDR
def read_pubtator(path: Path):
    """Yield (pmid, text, [(start, end, label)])."""
    block: list[str] = []
    for line in path.read_text(encoding="utf8").splitlines() + [""]:
        if line.strip():
            block.append(line)
            continue
        if not block:
            continue
        pmid, _, title = block[0].split("|", 2)
        _, _, abstract = block[1].split("|", 2)
        text = title + " " + abstract
        ents = []
        for row in block[2:]:
            parts = row.split("\t")
            if len(parts) >= 6 and parts[1].isdigit() and parts[4] in LABELS:
                s, e = int(parts[1]), int(parts[2])
                assert text[s:e] == parts[3], (pmid, parts)
                ents.append((s, e, LABELS[parts[4]]))
        yield pmid, text, ents
        block = []


def char_ents_to_spans(doc: Doc, ents) -> tuple[list[Span], int]:
    spans, n_expanded = [], 0
    for s, e, label in ents:
        span = doc.char_span(s, e, label=label)
        if span is None:
            span = doc.char_span(s, e, label=label, alignment_mode="expand")
            n_expanded += 1
        if span is not None and len(span):
            spans.append(span)
    return spans, n_expanded


def set_ents(doc: Doc, spans: list[Span], missing: list[Span] | None = None) -> int:
    kept = filter_spans(spans)
    if missing:
        taken = {i for sp in kept for i in range(sp.start, sp.end)}
        missing = [m for m in missing if not any(i in taken for i in range(m.start, m.end))]
        missing = filter_spans(missing)
    doc.set_ents(kept, missing=missing or [], default="outside")
    return len(spans) - len(kept)


def convert_bc5cdr(nlp, shared: Path, out: Path):
    files = {
        "train": "CDR_TrainingSet.PubTator.txt",
        "dev": "CDR_DevelopmentSet.PubTator.txt",
        "test": "CDR_TestSet.PubTator.txt",
    }
    pmids, texts, chem_names = {}, {}, set()
    for split, fname in files.items():
        db = DocBin(store_user_data=False)
        n_ent = n_exp = n_drop = 0
        pmids[split] = set()
        texts[split] = []
        for pmid, text, ents in read_pubtator(shared / "corpora/bc5cdr/pubtator" / fname):
            pmids[split].add(pmid)
            texts[split].append(text)
            doc = nlp.make_doc(text)
            spans, exp = char_ents_to_spans(doc, ents)
            n_drop += set_ents(doc, spans)
            n_ent += len(ents)
            n_exp += exp
            if split == "train":
                chem_names.update(text[s:e].lower() for s, e, lab in ents if lab == "CHEMICAL")
            db.add(doc)
        db.to_disk(out / f"bc5cdr_{split}.spacy")
        print(f"bc5cdr {split}: {len(db)} docs, {n_ent} mentions, {n_exp} expanded, {n_drop} overlap-dropped")
    return pmids, texts, chem_names


# ----------------------------------------------------------------------------- IOB helpers
NO_SPACE_BEFORE = {",", ".", ";", ":", ")", "]", "}", "%", "'", "-", "/", "?", "!"}
NO_SPACE_AFTER = {"(", "[", "{", "'", "-", "/"}


def detokenize(tokens: list[str]) -> tuple[str, list[int]]:
    """Join split-on-punctuation tokens into plausible running text; return text and token starts."""
    text, starts = "", []
    for i, tok in enumerate(tokens):
        if i > 0 and tok not in NO_SPACE_BEFORE and tokens[i - 1] not in NO_SPACE_AFTER:
            text += " "
        starts.append(len(text))
        text += tok
    return text, starts


def read_iob(path: Path):
    """Yield sentences as (tokens, tags) from a TAB-separated token/tag file."""
    toks, tags = [], []
    for line in path.read_text(encoding="utf8").splitlines():
        if not line.strip():
            if toks:
                yield toks, tags
            toks, tags = [], []
            continue
        parts = line.split("\t")
        toks.append(parts[0])
        tags.append(parts[-1])
    if toks:
        yield toks, tags


def iob_spans(tags: list[str]):
    spans, start, label = [], None, None
    for i, tag in enumerate(tags + ["O"]):
        if start is not None and (tag == "O" or tag.startswith("B-") or tag[2:] != label):
            spans.append((start, i, label))
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, label = i, tag[2:]
    return spans


def chem_missing(doc: Doc, matcher: PhraseMatcher) -> list[Span]:
    return [Span(doc, s, e) for _, s, e in matcher(doc)]


def convert_ncbi(nlp, shared: Path, out: Path, matcher, test_sents: set[str]):
    db = DocBin(store_user_data=False)
    n_ent = n_skip = 0
    lines = []
    for split in ("train", "devel", "test"):
        for toks, tags in read_iob(shared / "corpora/ncbi_disease/iob" / f"{split}.tsv"):
            text, starts = detokenize(toks)
            if norm(text) in test_sents:
                n_skip += 1
                continue
            doc = nlp.make_doc(text)
            ents = [(starts[s], starts[e - 1] + len(toks[e - 1]), "DISEASE") for s, e, _ in iob_spans(tags)]
            spans, _ = char_ents_to_spans(doc, ents)
            set_ents(doc, spans, missing=chem_missing(doc, matcher))
            n_ent += len(spans)
            db.add(doc)
            lines.append(text)
    db.to_disk(out / "ncbi_disease.spacy")
    print(f"ncbi-disease: {len(db)} sentences, {n_ent} mentions, {n_skip} skipped (also in BC5CDR test)")
    return lines


def convert_ade(nlp, shared: Path, out: Path, matcher, test_pmids: set[str]):
    sents: dict[tuple[str, str], set] = defaultdict(set)
    for line in (shared / "corpora/ade_corpus_v2/DRUG-AE.rel").read_text(encoding="utf8").splitlines():
        p = line.split("|")
        if len(p) < 8 or p[0] in test_pmids:
            continue
        sents[(p[0], p[1])].add((p[2], "DISEASE"))
        sents[(p[0], p[1])].add((p[5], "CHEMICAL"))
    db = DocBin(store_user_data=False)
    n_ent = 0
    for (_, sent), mentions in sents.items():
        doc = nlp.make_doc(sent)
        ents = []
        for mention, label in mentions:
            for m in re.finditer(re.escape(mention), sent):
                ents.append((m.start(), m.end(), label))
        spans, _ = char_ents_to_spans(doc, ents)
        set_ents(doc, spans, missing=chem_missing(doc, matcher))
        n_ent += len(spans)
        db.add(doc)
    db.to_disk(out / "ade.spacy")
    print(f"ade: {len(db)} sentences, {n_ent} mentions")
    texts = [s for (_, s) in sents]
    for line in (shared / "corpora/ade_corpus_v2/ADE-NEG.txt").read_text(encoding="utf8").splitlines():
        p = line.split(" ", 2)
        if len(p) == 3 and p[0] not in test_pmids:
            texts.append(p[2])
    return texts


def norm(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def unlabeled_texts(shared: Path, test_pmids: set[str]):
    texts = []
    for fname in ("dev.txt", "test.txt"):
        pmid, toks, skip = None, [], False
        for line in (shared / "corpora/ebmnlp_pico" / fname).read_text(encoding="utf8").splitlines():
            if line.startswith("-DOCSTART-"):
                m = re.search(r"\((\d+)\)", line)
                skip = bool(m and m.group(1) in test_pmids)
                continue
            if not line.strip():
                if toks and not skip:
                    texts.append(detokenize(toks)[0])
                toks = []
                continue
            toks.append(line.split(" ")[0])
        if toks and not skip:
            texts.append(detokenize(toks)[0])
    for txt in sorted((shared / "corpora/pico_corpus_breast_cancer/brat").glob("*.txt")):
        if txt.stem not in test_pmids:
            texts.append(txt.read_text(encoding="utf8"))
    return texts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--out", type=Path, default=HERE / "corpus")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    nlp = make_nlp()

    pmids, texts, chem_names = convert_bc5cdr(nlp, args.shared, args.out)
    test_pmids = pmids["test"]
    # sentences of the BC5CDR test abstracts (normalised), to drop overlapping NCBI sentences
    test_sents = set()
    for t in texts["test"]:
        for s in re.split(r"(?<=[.!?])\s+", t):
            test_sents.add(norm(s))

    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher.add("CHEM", list(nlp.tokenizer.pipe(sorted(n for n in chem_names if len(n) > 2))))

    ncbi_lines = convert_ncbi(nlp, args.shared, args.out, matcher, test_sents)
    ade_lines = convert_ade(nlp, args.shared, args.out, matcher, test_pmids)
    other = unlabeled_texts(args.shared, test_pmids)

    n_tok = 0
    with open(args.out / "unlabeled.txt", "w", encoding="utf8") as f:
        for text in texts["train"] + texts["dev"] + ncbi_lines + ade_lines + other:
            toks = [t.lower_ for t in nlp.make_doc(text.replace("\n", " ")) if not t.is_space]
            n_tok += len(toks)
            f.write(" ".join(toks) + "\n")
    print(f"unlabeled.txt: {n_tok} tokens (BC5CDR test abstracts excluded)")


if __name__ == "__main__":
    main()
