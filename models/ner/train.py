"""One command from the raw shared corpora to the packaged BC5CDR NER model.

    .venv/bin/python models/ner/train.py all          # convert -> vectors -> final training -> package -> evaluate
    .venv/bin/python models/ner/train.py run NAME     # one named experiment (train on BC5CDR train, score on dev)
    .venv/bin/python models/ner/train.py final [--base-run NAME] [--max-steps N] [--no-package]
                                                      # final training only (reuses corpus/ and vectors if present)
    .venv/bin/python models/ner/train.py package DIR  # package a trained pipeline DIR -> models/ner/bc5cdr
    .venv/bin/python models/ner/train.py list         # list the named experiments and their recorded dev scores

Steps of ``all``:
  1. convert.py        shared corpora -> models/ner/corpus/*.spacy (+ unlabeled.txt)
  2. train_vectors.py  floret vectors on the unlabeled text (BC5CDR test excluded) -> corpus/vectors
  3. spacy train       configs/ner.cfg with the FINAL settings, on BC5CDR train+dev (+ extra corpora),
                       fixed number of steps chosen on dev; model-last is kept
  4. package           -> models/ner/bc5cdr (tokenizer = scispacy combined_rule_tokenizer; config cleaned
                       of training-only paths so spacy.load needs nothing but spaCy)
  5. evaluate.py       P/R/F per label on the BC5CDR test set

Every run's dev score is appended to models/ner/training/runs.jsonl. Training is single-threaded on CPU
(OMP/MKL/OPENBLAS_NUM_THREADS=1 are set here).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

for _v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
TRAINING = HERE / "training"
CONFIGS = HERE / "configs"
PACKAGED = HERE / "bc5cdr"
PY = sys.executable

VEC = {"components.tok2vec.model.embed.include_static_vectors": "true"}
ROWS = {"components.tok2vec.model.embed.rows": "[20000,5000,5000,2500]"}
H128 = {"components.ner.model.hidden_width": "128"}

# Named experiments. All train on BC5CDR train (+ extra sets), early-stop on BC5CDR dev.
RUNS: dict[str, dict] = {
    "r1_base": dict(train=["bc5cdr_train"], vectors=False, overrides={}),
    "r2_vec": dict(train=["bc5cdr_train"], vectors=True, overrides=dict(VEC)),
    "r3_vec_ncbi": dict(train=["bc5cdr_train", "ncbi_disease"], vectors=True, overrides=dict(VEC)),
    # r4 was never run: r3 (NCBI) and r7 (ADE) each lowered dev F1 on their own
    "r4_vec_ncbi_ade": dict(train=["bc5cdr_train", "ncbi_disease", "ade"], vectors=True, overrides=dict(VEC)),
    "r5_vec_rows": dict(train=["bc5cdr_train"], vectors=True, overrides={**VEC, **ROWS}),
    "r6_vec_rows_h128": dict(train=["bc5cdr_train"], vectors=True, overrides={**VEC, **ROWS, **H128}),
    "r7_vec_ade": dict(train=["bc5cdr_train", "ade"], vectors=True, overrides=dict(VEC)),
    "r8_vec_rows_d6": dict(train=["bc5cdr_train"], vectors=True,
                           overrides={**VEC, **ROWS, "components.tok2vec.model.encode.depth": "6"}),
}

# Settings of the shipped model (chosen on dev; see MODEL_CARD.md). Trained on train+dev for a fixed
# number of steps (no early stopping possible once dev is in the training data).
FINAL = dict(base_run="r5_vec_rows", extra_train=["bc5cdr_dev"], max_steps=3400)


def sh(cmd: list[str], log: Path | None = None):
    print("+", " ".join(cmd), flush=True)
    if log is None:
        subprocess.run(cmd, check=True)
        return
    with open(log, "w") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT)


def ensure_corpus(force: bool = False):
    if force or not (CORPUS / "bc5cdr_train.spacy").exists():
        sh([PY, str(HERE / "convert.py"), "--out", str(CORPUS)])
    if not (CORPUS / "base").exists():
        from convert import make_nlp  # noqa: E402  (same folder)

        make_nlp().to_disk(CORPUS / "base")


def ensure_vectors(force: bool = False):
    if force or not (CORPUS / "vectors").exists():
        sh([PY, str(HERE / "train_vectors.py"), "--corpus", str(CORPUS)])


def make_set(name: str, parts: list[str]) -> Path:
    d = CORPUS / "sets" / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    for p in parts:
        shutil.copy(CORPUS / f"{p}.spacy", d / f"{p}.spacy")
    return d


def spacy_train(name: str, train_parts: list[str], vectors: bool, overrides: dict, max_steps: int | None = None):
    out = TRAINING / name
    train_dir = make_set(name, train_parts)
    cmd = [PY, "-m", "spacy", "train", str(CONFIGS / "ner.cfg"), "--output", str(out),
           "--paths.train", str(train_dir), "--paths.dev", str(CORPUS / "bc5cdr_dev.spacy"),
           "--paths.base", str(CORPUS / "base")]
    if vectors:
        cmd += ["--paths.vectors", str(CORPUS / "vectors")]
    for k, v in overrides.items():
        cmd += [f"--{k}", str(v)]
    if max_steps is not None:
        # fixed-length run (dev is part of the training data): no early stopping, rare dev evaluation
        cmd += ["--training.max_steps", str(max_steps), "--training.patience", "0",
                "--training.eval_frequency", "1000"]
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    sh(cmd, log=out / "train.log")
    return out, time.time() - t0


def record(name: str, out: Path, seconds: float, spec: dict):
    meta = json.loads((out / "model-best" / "meta.json").read_text())
    perf = meta.get("performance", {})
    row = {
        "run": name, "train": spec["train"], "vectors": spec["vectors"], "overrides": spec["overrides"],
        "dev_ents_p": round(100 * perf.get("ents_p", 0), 2), "dev_ents_r": round(100 * perf.get("ents_r", 0), 2),
        "dev_ents_f": round(100 * perf.get("ents_f", 0), 2),
        "per_type": {k: {m: round(100 * x, 2) for m, x in v.items()} for k, v in perf.get("ents_per_type", {}).items()},
        "train_minutes": round(seconds / 60, 1),
    }
    with open(TRAINING / "runs.jsonl", "a") as f:
        f.write(json.dumps(row) + "\n")
    print(json.dumps(row, indent=1))


def run_experiment(name: str):
    spec = RUNS[name]
    ensure_corpus()
    if spec["vectors"]:
        ensure_vectors()
    out, secs = spacy_train(name, spec["train"], spec["vectors"], spec["overrides"])
    record(name, out, secs, spec)


def package(model_dir: Path, dest: Path = PACKAGED):
    """Copy a trained pipeline to ``dest`` with the scispacy tokenizer and a config free of training paths."""
    import spacy
    from convert import make_nlp

    nlp = spacy.load(model_dir)
    # re-attach a fresh combined_rule_tokenizer bound to this vocab (identical rules)
    from scispacy.custom_tokenizer import combined_rule_tokenizer

    nlp.tokenizer = combined_rule_tokenizer(nlp)
    cfg = nlp.config
    cfg["paths"] = {k: None for k in cfg["paths"]}
    cfg["initialize"]["before_init"] = None
    cfg["initialize"]["vectors"] = None
    cfg["initialize"]["init_tok2vec"] = None
    cfg["corpora"]["train"]["path"] = None
    cfg["corpora"]["dev"]["path"] = None
    nlp.meta["name"] = "trialwire_bc5cdr"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = ("BC5CDR CHEMICAL/DISEASE NER (CNN tok2vec + floret vectors), "
                               "scispacy combined_rule_tokenizer. See models/ner/MODEL_CARD.md")
    nlp.meta["license"] = "CC BY 4.0 (training data); see MODEL_CARD.md"
    if dest.exists():
        shutil.rmtree(dest)
    nlp.to_disk(dest)
    # sanity: reload and compare tokenization with a fresh combined_rule_tokenizer
    nlp2 = spacy.load(dest)
    fresh = make_nlp()
    s = "Rocatinlimab (AMG 451) 300 mg"
    assert [t.text for t in nlp2(s)] == [t.text for t in fresh(s)], "tokenizer mismatch"
    assert nlp2.pipe_names == ["tok2vec", "ner"], nlp2.pipe_names
    assert sorted(nlp2.get_pipe("ner").labels) == ["CHEMICAL", "DISEASE"]
    size = sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) / 1e6
    print(f"packaged {model_dir} -> {dest} ({size:.1f} MB)")
    assert size <= 50, "model exceeds 50 MB"


def final(base_run: str | None = None, max_steps: int | None = None, do_package: bool = True):
    ensure_corpus()
    base_run = base_run or FINAL["base_run"]
    max_steps = max_steps or FINAL["max_steps"]
    base = RUNS[base_run]
    if base["vectors"]:
        ensure_vectors()
    spec = dict(base, train=base["train"] + FINAL["extra_train"])
    out, secs = spacy_train(f"final_{base_run}", spec["train"], spec["vectors"], spec["overrides"],
                            max_steps=max_steps)
    print(f"final training ({base_run} settings on train+dev, {max_steps} steps): {secs / 60:.1f} min")
    if do_package:
        package(out / "model-last")
        sh([PY, str(HERE / "evaluate.py")])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("all")
    r = sub.add_parser("run")
    r.add_argument("name", choices=sorted(RUNS))
    sub.add_parser("list")
    f = sub.add_parser("final", help="final training on train+dev (corpus/vectors reused if present)")
    f.add_argument("--base-run", choices=sorted(RUNS), default=None)
    f.add_argument("--max-steps", type=int, default=None)
    f.add_argument("--no-package", action="store_true")
    p = sub.add_parser("package")
    p.add_argument("model_dir", type=Path)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    TRAINING.mkdir(parents=True, exist_ok=True)
    if args.cmd == "all":
        ensure_corpus(force=True)
        ensure_vectors(force=True)
        final()
    elif args.cmd == "final":
        final(args.base_run, args.max_steps, not args.no_package)
    elif args.cmd == "run":
        run_experiment(args.name)
    elif args.cmd == "package":
        package(args.model_dir)
    elif args.cmd == "list":
        runs = TRAINING / "runs.jsonl"
        for name in RUNS:
            print(name, RUNS[name])
        if runs.exists():
            print(runs.read_text())


if __name__ == "__main__":
    main()
