"""Train floret (hashed subword) vectors on the unlabeled corpus text and convert them to a spaCy
vectors model (``spacy init vectors --mode floret --attr LOWER``).

Input  models/ner/corpus/unlabeled.txt (written by convert.py; BC5CDR test abstracts excluded)
Output models/ner/corpus/vectors/   (spaCy pipeline directory holding only the vectors table)

Usage: python models/ner/train_vectors.py [--dim 100] [--bucket 50000] [--epoch 10]
Needs the ``floret`` package (pip install floret) at training time only; the shipped model does not.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--bucket", type=int, default=50000)
    ap.add_argument("--epoch", type=int, default=10)
    ap.add_argument("--model", default="skipgram")
    args = ap.parse_args()

    import floret

    model = floret.train_unsupervised(
        str(args.corpus / "unlabeled.txt"),
        model=args.model,
        mode="floret",
        hashCount=2,
        bucket=args.bucket,
        minn=3,
        maxn=5,
        minCount=2,
        dim=args.dim,
        epoch=args.epoch,
        thread=int(os.environ.get("OMP_NUM_THREADS", "1")),
    )
    vec_file = args.corpus / "vectors.floret"
    model.save_floret_vectors(str(vec_file))
    subprocess.run(
        [sys.executable, "-m", "spacy", "init", "vectors", "en", str(vec_file),
         str(args.corpus / "vectors"), "--mode", "floret", "--attr", "LOWER"],
        check=True,
    )


if __name__ == "__main__":
    main()
