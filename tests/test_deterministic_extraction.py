"""The same text gives the same facts in every process: nothing may depend on the order of a set
of strings, which changes with Python's per-process hash seed (batches run on any worker)."""
import json
import os
import subprocess
import sys

TEXT = ("In the phase 3 trial, patients received dupilumab or tralokinumab for 16 weeks. "
        "The primary end point was EASI-75 at week 16, reached by 44% of patients.")

SCRIPT = f"""
import json
from trialwire.ingest import get_pipeline
from trialwire.extract import doc_to_records
doc = get_pipeline()({TEXT!r})
print(json.dumps(sorted(str(r.to_row()) for r in doc_to_records(doc, "d1") if r.table.startswith("endpoint"))))
"""


def facts_with_hash_seed(seed: str) -> list[str]:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_endpoint_drug_is_the_same_under_any_hash_seed():
    runs = [facts_with_hash_seed(seed) for seed in ("1", "2", "3")]
    assert runs[0] and runs[0] == runs[1] == runs[2]
    assert all("'drug': 'dupilumab'" in row for row in runs[0])  # a tie goes to the first mentioned
