"""What every source yields: raw bytes with where they came from, or a failure to quarantine."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterator, Protocol, Union


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class RawDocument:
    """Bytes as fetched. `source` is the path or URL; `meta` carries what the source already knows
    (title, author, published, canonical_url, url) so that text cleaning need not guess it."""

    source: str
    data: bytes
    fetched_at: datetime = field(default_factory=utcnow)
    content_type: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    validators: dict[str, str] = field(default_factory=dict)  # HTTP etag / last_modified, for the next run


@dataclass(frozen=True)
class SourceFailure:
    """A document that could not be fetched or read; it goes to the quarantine table."""

    source: str
    reason: str
    detail: str = ""
    data: bytes = b""


@dataclass(frozen=True)
class NotModified:
    """An HTTP source answered 304 to the validators of bytes the store already holds."""

    source: str


SourceItem = Union[RawDocument, SourceFailure, NotModified]


class Source(Protocol):
    """A source lists items lazily so a large feed or folder never sits in memory whole."""

    def items(self) -> Iterator[SourceItem]: ...
