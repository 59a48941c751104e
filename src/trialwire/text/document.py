"""RawDocument to Document: decode, main text, clean, metadata, kind, language, credibility."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlparse

from ..sources.base import RawDocument
from .classify import classify_kind
from .clean import clean_text
from .decode import MAX_BYTES, Unreadable, decode_bytes
from .html import extract_html, is_html
from .meta import byline_from_text, detect_language, parse_date, published_from_text, title_from_text

MIN_WORDS = 20


@dataclass(frozen=True)
class Document:
    doc_id: str
    source: str
    raw_sha256: str
    text: str
    kind: str
    url: str | None = None
    title: str | None = None
    published: date | None = None
    byline: str | None = None
    site: str | None = None
    lang: str | None = None
    encoding: str | None = None
    source_type: str | None = None
    credibility: float | None = None
    signals: tuple[str, ...] = field(default_factory=tuple)
    fetched_at: datetime | None = None

    @property
    def n_words(self) -> int:
        return len(self.text.split())


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text_id(text: str) -> str:
    return sha256(text.encode("utf-8"))[:32]


def host_of(url: str | None) -> str | None:
    host = urlparse(url).hostname if url and "://" in url else None
    return host.removeprefix("www.") if host else None


def prepare(raw: RawDocument, max_bytes: int = MAX_BYTES) -> Document:
    """Raises Unreadable with a quarantine reason when the bytes do not hold an article."""
    decoded = decode_bytes(raw.data, raw.content_type, max_bytes)
    meta = dict(raw.meta)
    text = decoded.text
    if is_html(text, raw.content_type):
        extract = extract_html(text, meta.get("url"))
        text = extract.text
        for key, value in (("title", extract.title), ("author", extract.author), ("published", extract.published),
                           ("canonical_url", extract.canonical_url), ("site", extract.site)):
            if value and not meta.get(key):
                meta[key] = value
    text = clean_text(text)
    if len(text.split()) < MIN_WORDS:
        raise Unreadable("no_text", f"only {len(text.split())} words of text after cleaning")
    url = meta.get("canonical_url") or meta.get("url") or (raw.source if "://" in raw.source else None)
    title = meta.get("title") or title_from_text(text)
    published = parse_date(meta.get("published")) or published_from_text(text)
    byline = meta.get("author") or byline_from_text(text)
    site = meta.get("site") if meta.get("site") not in (None, title) else host_of(url)
    kind = classify_kind(text, title)
    doc = Document(doc_id=text_id(text), source=raw.source, raw_sha256=sha256(raw.data), text=text, kind=kind,
                   url=url, title=title, published=published, byline=byline, site=site,
                   lang=detect_language(text), encoding=decoded.encoding, fetched_at=raw.fetched_at)
    return assess(doc)


def assess(doc: Document) -> Document:
    from dataclasses import replace

    from ..reconcile.credibility import assess_source
    a = assess_source(text=doc.text, kind=doc.kind, url=doc.url, title=doc.title, byline=doc.byline,
                      published=doc.published, site=doc.site)
    return replace(doc, source_type=a.source_type, credibility=a.credibility, signals=tuple(a.signals))
