"""HTTP validators (ETag, Last-Modified) of fetched URLs, kept beside the store for conditional
requests on the next run: OUT/_http_validators.json, {url: {etag, last_modified, raw_sha256}}.

A 304 means "the bytes you fetched last time", so a URL's validators are only used while the
store holds those bytes (`raw_sha256` among its documents, or quarantined from that URL): a lost,
set-aside or unpublished document is fetched whole again. The file is written after the run's
commit, so a crash before it costs at most a full fetch, never a document.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Mapping

from ..store.dataset import fsync_write

VALIDATORS_FILE = "_http_validators.json"


def load_validators(root: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((Path(root) / VALIDATORS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or damaged: every URL is fetched whole
    return {url: v for url, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def usable(validators: Mapping[str, dict[str, str]], holds: Callable[[str, str], bool]) -> dict[str, dict[str, str]]:
    """The validators whose bytes the store holds: holds(raw_sha256, url)."""
    return {url: v for url, v in validators.items() if v.get("raw_sha256") and holds(v["raw_sha256"], url)}


def save_validators(root: Path, updates: Mapping[str, dict[str, str]]) -> None:
    """Merge `updates` into the file, atomically."""
    if not updates:
        return
    merged = {**load_validators(root), **updates}
    fsync_write(Path(root) / VALIDATORS_FILE, json.dumps(merged, indent=0, sort_keys=True).encode("utf-8"))
