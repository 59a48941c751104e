"""JSON-lines exports: one article object per line, read lazily.

Each line holds an object with a `body` (or `text`) string and optionally `title`, `url`,
`published`, `author` and any other scalar fields, which all go into `meta` as strings.
A line that is not such an object becomes a `bad_json` failure and reading goes on.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from trialwire.sources.base import RawDocument, SourceFailure, SourceItem

BODY_KEYS = ("body", "text")


class JsonLinesSource:
    def __init__(self, path: Path | str, max_line_bytes: int = 5_000_000) -> None:
        self.path = Path(path)
        self.max_line_bytes = max_line_bytes

    def items(self) -> Iterator[SourceItem]:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            yield SourceFailure(str(self.path), "unreadable", f"{type(exc).__name__}: {exc}")
            return
        with handle:
            number = 0
            while raw := handle.readline(self.max_line_bytes + 1):
                number += 1
                if len(raw) > self.max_line_bytes:
                    _skip_rest_of_line(handle, raw)
                    detail = f"line {number}: longer than {self.max_line_bytes} bytes"
                    yield SourceFailure(f"{self.path}#{number}", "too_large", detail)
                elif raw.strip():
                    yield self._parse_line(number, raw)

    def _parse_line(self, number: int, raw: bytes) -> SourceItem:
        where = f"{self.path}#{number}"
        try:
            record: Any = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return SourceFailure(where, "bad_json", f"line {number}: {exc}", raw[:2000])
        if not isinstance(record, dict):
            return SourceFailure(where, "bad_json", f"line {number}: not a JSON object", raw[:2000])
        body_key = next((key for key in BODY_KEYS if isinstance(record.get(key), str)), None)
        if body_key is None:
            detail = f"line {number}: no 'body' or 'text' string"
            return SourceFailure(where, "bad_json", detail, raw[:2000])
        meta = {
            key: str(value)
            for key, value in record.items()
            if key not in BODY_KEYS and isinstance(value, (str, int, float)) and not isinstance(value, bool)
        }
        meta["jsonl_line"] = where
        source = meta.get("url") or where
        return RawDocument(source, record[body_key].encode("utf-8"), content_type="text/plain", meta=meta)


def _skip_rest_of_line(handle: BinaryIO, read_so_far: bytes) -> None:
    while not read_so_far.endswith(b"\n") and (read_so_far := handle.readline(1 << 20)):
        pass
