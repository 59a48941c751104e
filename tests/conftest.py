"""Shared fixtures: paths, one spaCy pipeline per test session."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "tests" / "fixtures"
RAW = ROOT / "data" / "raw"
sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(scope="session")
def nlp():
    from trialwire.nlp import build_pipeline
    return build_pipeline()


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the repository")
    return SHARED
