"""Shared fixtures: paths, one spaCy pipeline per test session."""
from __future__ import annotations

import os
import shutil
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


@pytest.fixture(scope="session")
def prefect():
    """One temporary Prefect API server for every flow test of the session."""
    from prefect.testing.utilities import prefect_test_harness
    with prefect_test_harness(server_startup_timeout=180):
        yield


def copy_samples(folder: Path) -> Path:
    """The sample articles, the seeds (when ../shared is present) and an empty file, into `folder`."""
    for path in [*RAW.iterdir(), *((SHARED / "seeds").iterdir() if (SHARED / "seeds").is_dir() else [])]:
        shutil.copy(path, folder / path.name)
    (folder / "empty.txt").write_bytes(b"")
    return folder
