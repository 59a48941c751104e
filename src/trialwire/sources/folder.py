"""A local drop folder: every file is a document, a JSON/JSONL export holds several.

A sidecar `NAME.meta.json` ({"url": ..., "title": ..., "published": ...}) adds what a crawler
would have known about `NAME.txt`.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

from .base import RawDocument, SourceFailure, SourceItem

SKIP_SUFFIXES = (".meta.json",)
EXPORT_FIELDS = ("title", "url", "published", "author")


class FolderSource:
    def __init__(self, root: Path | str, max_bytes: int = 5_000_000):
        self.root, self.max_bytes = Path(root), max_bytes

    def files(self) -> Iterator[Path]:
        if self.root.is_file():
            yield self.root
            return
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if not name.startswith(".") and not name.endswith(SKIP_SUFFIXES):
                    yield Path(dirpath) / name

    def items(self) -> Iterator[SourceItem]:
        for path in self.files():
            size = path.stat().st_size
            if size > self.max_bytes:
                yield SourceFailure(str(path), "too_large", f"{size:,} bytes exceeds the {self.max_bytes:,}-byte limit")
                continue
            data = path.read_bytes()
            if path.suffix.lower() in (".json", ".jsonl") and data.strip()[:1] in (b"[", b"{"):
                yield from export_items(path, data)
            else:
                yield RawDocument(str(path), data, content_type=guess_type(path), meta=sidecar(path))


def guess_type(path: Path) -> str | None:
    return {".html": "text/html", ".htm": "text/html", ".txt": "text/plain", ".md": "text/plain"}.get(path.suffix.lower())


def sidecar(path: Path) -> dict[str, str]:
    meta_path = path.with_name(path.stem + ".meta.json")
    if not meta_path.exists():
        return {}
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return {k: str(v) for k, v in meta.items() if k in EXPORT_FIELDS and v}


def export_items(path: Path, data: bytes) -> Iterator[SourceItem]:
    """A JSON array (or JSON lines) of {title, url, published, body|text} records."""
    try:
        text = data.decode("utf-8")
        records = json.loads(text) if text.lstrip().startswith("[") else [
            json.loads(line) for line in text.splitlines() if line.strip()]
    except (UnicodeDecodeError, ValueError) as exc:
        yield SourceFailure(str(path), "bad_json", str(exc)[:300], data)
        return
    for i, rec in enumerate(records if isinstance(records, list) else [records]):
        body = rec.get("body") or rec.get("text") if isinstance(rec, dict) else None
        source = f"{path}#{i}"
        if not isinstance(body, str):
            yield SourceFailure(source, "bad_json", "record has no 'body' or 'text' string")
            continue
        meta = {k: str(rec[k]) for k in EXPORT_FIELDS if rec.get(k)}
        content_type = "text/html" if "<p" in body[:2000] or "<div" in body[:2000] else "text/plain"
        yield RawDocument(source, body.encode("utf-8"), content_type=content_type, meta=meta)
