"""RSS/Atom feeds: fetch the feed, then fetch each item's link through the same fetcher and host rules."""
from __future__ import annotations

import calendar
import time
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any, Iterator
from urllib.parse import urljoin

import feedparser

from trialwire.sources.base import NotModified, RawDocument, SourceFailure, SourceItem
from trialwire.sources.http import HttpFetcher

# Harmless complaints: the feed parsed fine but its declared encoding or media type was off.
_TOLERATED_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class FeedSource:
    """Yields one item per feed entry (at most `max_items`), plus one `too_many_items` failure
    naming how many entries were skipped."""

    def __init__(self, feed_url: str, fetcher: HttpFetcher, max_items: int = 500) -> None:
        self.feed_url = feed_url
        self.fetcher = fetcher
        self.max_items = max_items

    def items(self) -> Iterator[SourceItem]:
        # the feed itself always whole: an item whose fetch failed last time is listed again
        feed = self.fetcher.fetch(self.feed_url, conditional=False)
        if isinstance(feed, SourceFailure):
            yield feed
            return
        parsed = feedparser.parse(feed.data, response_headers={"content-type": feed.content_type or ""})
        problem = parsed.get("bozo_exception")
        if (parsed.bozo and not isinstance(problem, _TOLERATED_BOZO)) or not parsed.version:
            detail = f"{type(problem).__name__}: {problem}" if problem else "not an RSS or Atom feed"
            yield SourceFailure(self.feed_url, "malformed_feed", detail, feed.data[:2000])
            return
        entries = parsed.entries
        if len(entries) > self.max_items:
            detail = f"{len(entries)} items; fetched the first {self.max_items}"
            yield SourceFailure(self.feed_url, "too_many_items", detail)
        base_url = feed.meta.get("url", self.feed_url)
        for number, entry in enumerate(entries[: self.max_items], start=1):
            yield self._fetch_entry(number, entry, base_url)

    def _fetch_entry(self, number: int, entry: Any, base_url: str) -> SourceItem:
        link = entry.get("link")
        if not link:
            return SourceFailure(f"{self.feed_url}#item{number}", "missing_link", "feed entry has no link")
        page = self.fetcher.fetch(urljoin(base_url, link))
        if isinstance(page, NotModified):
            return page
        if isinstance(page, RawDocument):
            return replace(page, meta={**entry_meta(entry, self.feed_url), **page.meta})
        return replace(page, detail=f"{page.detail} (item {number} of feed {self.feed_url})")


def entry_meta(entry: Any, feed_url: str) -> dict[str, str]:
    """What the feed says about an entry; the page's own metadata wins where it has any."""
    meta = {"feed_url": feed_url}
    for key in ("title", "author"):
        if entry.get(key):
            meta[key] = str(entry[key])
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    if published:
        meta["published"] = _iso(published)
    elif entry.get("published") or entry.get("updated"):
        meta["published"] = str(entry.get("published") or entry.get("updated"))
    return meta


def _iso(parsed: time.struct_time) -> str:
    return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc).isoformat()
