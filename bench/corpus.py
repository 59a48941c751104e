"""A scaled, deterministic benchmark corpus: N news-length articles (~800 words each).

    python bench/corpus.py --docs 1000 --dir /tmp/tw-corpus-1000

Each article is composed from real text: a headline and a run of paragraphs from one of the
sample articles in data/raw/ (drug names, trial ids, doses, end points), followed by abstracts
from the unlabeled texts in ../shared/corpora (BC5CDR, NCBI-disease, ADE, EBM-NLP and PICO
abstracts) until the article reaches its drawn length (mean 800 words, 500 to 1,100). The draw
is seeded by the article number, so the same N gives the same bytes on every machine; every
article's text (and so its doc_id) is unique. Texts are written already cleaned
(`clean_text`), so what `nlp.pipe` sees in the bare baseline is exactly what the flow parses.

Layout: DIR/articles/<shard>/a-<n>.txt with a `.meta.json` sidecar (url, published) as a
crawler would write it, 1,000 articles per shard folder; DIR/corpus.json records what was built
and is checked before a folder is reused.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPORA = SHARED / "corpora"
RAW = REPO / "data" / "raw"
CORPUS_FORMAT = 2
SHARD = 1000
SITES = ("www.fiercebiotech.example", "www.medscape.example", "www.biopharmadive.example",
         "www.statnews.example", "www.healio.example", "www.pharmatimes.example")
MEAN_WORDS, SD_WORDS, MIN_WORDS, MAX_WORDS = 800, 130, 500, 1100

# ---- the text pools -----------------------------------------------------------------------------

NO_SPACE_BEFORE = re.compile(r" ([.,;:%)\]}!?])")
NO_SPACE_AFTER = re.compile(r"([(\[{]) ")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def detokenize(tokens: list[str]) -> str:
    text = " ".join(tokens)
    text = NO_SPACE_BEFORE.sub(r"\1", text)
    text = NO_SPACE_AFTER.sub(r"\1", text)
    return text.replace(" - ", "-").replace(" / ", "/").replace(" ' s", "'s")


def pubtator_abstracts(path: Path) -> list[str]:
    out, title = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if "|t|" in line[:20]:
            title = line.split("|", 2)[2].strip()
        elif "|a|" in line[:20]:
            out.append(f"{title}\n\n{line.split('|', 2)[2].strip()}")
    return out


def conll_documents(path: Path) -> list[str]:
    """EBM-NLP: `-DOCSTART- (PMID)` then `token POS _ label` lines."""
    docs, tokens = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("-DOCSTART-"):
            if tokens:
                docs.append(detokenize(tokens))
            tokens = []
        elif line.strip():
            tokens.append(line.split(" ", 1)[0])
    if tokens:
        docs.append(detokenize(tokens))
    return docs


def iob_passages(path: Path, sentences_per_passage: int = 8) -> list[str]:
    """NCBI-disease IOB has no document breaks: passages of consecutive sentences."""
    sents, tokens = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            tokens.append(line.split("\t", 1)[0])
        elif tokens:
            sents.append(detokenize(tokens))
            tokens = []
    return [" ".join(sents[i:i + sentences_per_passage]) for i in range(0, len(sents), sentences_per_passage)]


def ade_passages(path: Path) -> list[str]:
    """ADE-NEG sentences (PMID NEG sentence) grouped by PMID: case-report fragments."""
    by_pmid: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            by_pmid.setdefault(parts[0], []).append(parts[2].strip())
    return [" ".join(s) for s in by_pmid.values() if sum(len(x.split()) for x in s) >= 40]


@lru_cache(maxsize=1)
def abstract_pool() -> tuple[str, ...]:
    pool: list[str] = []
    bc5 = CORPORA / "bc5cdr" / "pubtator"
    for name in ("CDR_DevelopmentSet.PubTator.txt", "CDR_TestSet.PubTator.txt"):
        if (bc5 / name).exists():
            pool += pubtator_abstracts(bc5 / name)
    brat = CORPORA / "pico_corpus_breast_cancer" / "brat"
    if brat.is_dir():
        pool += [p.read_text(encoding="utf-8").strip() for p in sorted(brat.glob("*.txt"))]
    for name in ("dev.txt", "test.txt"):
        if (CORPORA / "ebmnlp_pico" / name).exists():
            pool += conll_documents(CORPORA / "ebmnlp_pico" / name)
    for name in ("train.tsv", "devel.tsv", "test.tsv"):
        if (CORPORA / "ncbi_disease" / "iob" / name).exists():
            pool += iob_passages(CORPORA / "ncbi_disease" / "iob" / name)
    if (CORPORA / "ade_corpus_v2" / "ADE-NEG.txt").exists():
        pool += ade_passages(CORPORA / "ade_corpus_v2" / "ADE-NEG.txt")
    pool = [p for p in pool if len(p.split()) >= 40]
    if not pool:
        raise SystemExit(f"no abstracts found under {CORPORA}")
    return tuple(pool)


@lru_cache(maxsize=1)
def sample_articles() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(headline, paragraphs) of each sample article in data/raw, as the text stage cleans it."""
    from trialwire.sources.folder import FolderSource
    from trialwire.text import Unreadable, prepare

    out = []
    for item in FolderSource(RAW).items():
        try:
            doc = prepare(item)
        except (Unreadable, AttributeError):
            continue
        paras = [p.strip() for p in doc.text.split("\n\n") if p.strip()]
        title = doc.title or paras[0].split("\n", 1)[0]
        body = [p for p in paras if p != title and len(p.split()) >= 12]
        if body:
            out.append((title, tuple(body)))
    return tuple(out)


# ---- composing one article ----------------------------------------------------------------------

def trim_to_words(text: str, words: int) -> str:
    """The leading sentences of `text` holding about `words` words (at least one sentence)."""
    out, count = [], 0
    for sent in SENTENCE_END.split(text):
        out.append(sent)
        count += len(sent.split())
        if count >= words:
            break
    return " ".join(out)


def compose(n: int, seed: int = 7) -> tuple[str, dict]:
    """Article number n: its text and sidecar metadata. Pure function of (n, seed)."""
    from trialwire.text.clean import clean_text

    rng = random.Random(seed * 1_000_003 + n)
    pool, samples = abstract_pool(), sample_articles()
    target = int(min(MAX_WORDS, max(MIN_WORDS, rng.gauss(MEAN_WORDS, SD_WORDS))))
    title, body = samples[rng.randrange(len(samples))]
    start = rng.randrange(len(body))
    lead = list(body[start:start + rng.randint(2, 5)])
    published = date(2024, 1, 1) + timedelta(days=rng.randrange(700))
    parts = [title, f"Published {published:%B} {published.day}, {published.year}", *lead]
    words = sum(len(p.split()) for p in parts)
    while words < target:
        abstract = pool[rng.randrange(len(pool))]
        need = target - words
        if len(abstract.split()) > need + 60:
            abstract = trim_to_words(abstract, need)
        parts.append(abstract)
        words += len(abstract.split())
    text = clean_text("\n\n".join(parts))
    site = SITES[rng.randrange(len(SITES))]
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower())[:60].strip("-")
    meta = {"url": f"https://{site}/news/{published:%Y/%m}/{slug}-{n}", "published": published.isoformat()}
    return text, meta


def corpus_texts(n_docs: int, seed: int = 7) -> list[tuple[str, dict]]:
    """The N unique (text, meta) pairs; a colliding draw is redrawn under the next number."""
    seen, out, k = set(), [], 0
    while len(out) < n_docs:
        text, meta = compose(k, seed)
        k += 1
        h = hashlib.sha256(text.encode()).digest()
        if h not in seen:
            seen.add(h)
            out.append((text, meta))
    return out


def article_path(root: Path, i: int) -> Path:
    return root / "articles" / f"{i // SHARD:03d}" / f"a-{i:06d}.txt"


def build_corpus(root: Path | str, n_docs: int, seed: int = 7) -> dict:
    """Write the corpus under root (reused when root/corpus.json says it is the same one)."""
    root = Path(root)
    stamp = {"format": CORPUS_FORMAT, "docs": n_docs, "seed": seed}
    info_path = root / "corpus.json"
    if info_path.exists():
        info = json.loads(info_path.read_text())
        if {k: info.get(k) for k in stamp} == stamp:
            return info
    if (root / "articles").exists():
        shutil.rmtree(root / "articles")
    digest, words, chars = hashlib.sha256(), 0, 0
    for i, (text, meta) in enumerate(corpus_texts(n_docs, seed)):
        path = article_path(root, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.with_name(path.stem + ".meta.json").write_text(json.dumps(meta), encoding="utf-8")
        digest.update(text.encode())
        words += len(text.split())
        chars += len(text)
    info = {**stamp, "words": words, "chars": chars, "mean_words": round(words / max(n_docs, 1), 1),
            "sha256": digest.hexdigest(), "articles": str(root / "articles")}
    info_path.write_text(json.dumps(info, indent=1))
    return info


def read_texts(root: Path | str, n_docs: int) -> list[str]:
    return [article_path(Path(root), i).read_text(encoding="utf-8") for i in range(n_docs)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    print(json.dumps(build_corpus(a.dir, a.docs, a.seed), indent=1))


if __name__ == "__main__":
    main()
