"""Every project path, built once from the project root."""
from __future__ import annotations

import os
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = Path(os.environ.get("TRIALWIRE_MODELS", PROJ_ROOT / "models"))
DATA_DIR = PROJ_ROOT / "data"
RAW_DIR = DATA_DIR / "raw"
PROCESSED_DIR = DATA_DIR / "processed"
SHARED_DIR = PROJ_ROOT.parent / "shared"
KB_DIR = MODELS_DIR / "kb"
RULES_DIR = MODELS_DIR / "rules"
PIPELINE_CONFIG = MODELS_DIR / "pipeline" / "config.cfg"
NER_MODEL_DIR = MODELS_DIR / "ner" / "bc5cdr"
CREDIBILITY_CONFIG = MODELS_DIR / "credibility.yaml"
STORE_MANIFEST = "_manifest.json"  # in an output folder: the committed files (store/dataset.py)
