"""Words per second of the NER pass alone (tok2vec + ner) of models/ner/bc5cdr on ONE CPU core.

    .venv/bin/python bench/ner_speed.py [--model models/ner/bc5cdr] [--repeat 3] [--with-tokenizer]

Texts: the 500 BC5CDR dev abstracts (~120k tokens), tokenized once up front with the model's own tokenizer
so the timing covers only the neural components (unless --with-tokenizer). Thread pools are pinned to 1
before numpy is imported; torch is not involved. Prints the best of --repeat runs; the last line is the
bare number (words/s).
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def load_texts(shared: Path) -> list[str]:
    texts, lines = [], (shared / "corpora/bc5cdr/pubtator/CDR_DevelopmentSet.PubTator.txt").read_text().splitlines()
    title = None
    for line in lines:
        if "|t|" in line[:20]:
            title = line.split("|", 2)[2]
        elif "|a|" in line[:20]:
            texts.append(title + " " + line.split("|", 2)[2])
    return texts


def main():
    import spacy

    ap = argparse.ArgumentParser()
    ap.add_argument("--model", type=Path, default=REPO / "models/ner/bc5cdr")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--with-tokenizer", action="store_true", help="time tokenizer + NER instead of NER alone")
    ap.add_argument("--shared", type=Path, default=SHARED)
    args = ap.parse_args()

    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    nlp = spacy.load(args.model)
    texts = load_texts(args.shared)
    n_words = sum(len(d) for d in nlp.tokenizer.pipe(texts))
    list(nlp.pipe(texts[:20]))  # warm-up
    best = 0.0
    for _ in range(args.repeat):
        if args.with_tokenizer:
            t0 = time.perf_counter()
            for _doc in nlp.pipe(texts, batch_size=args.batch_size):
                pass
        else:
            docs = [nlp.make_doc(t) for t in texts]
            t0 = time.perf_counter()
            for name, proc in nlp.pipeline:
                docs = list(proc.pipe(docs, batch_size=args.batch_size))
        dt = time.perf_counter() - t0
        best = max(best, n_words / dt)
    what = "tokenizer+tok2vec+ner" if args.with_tokenizer else "tok2vec+ner (NER pass alone)"
    print(f"{n_words} words, {len(texts)} docs, {what}, 1 thread: best of {args.repeat} = {best:,.0f} words/s")
    print(f"{best:.0f}")


if __name__ == "__main__":
    main()
