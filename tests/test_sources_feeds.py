"""FeedSource against RSS and Atom feeds served from 127.0.0.1."""
from __future__ import annotations

import time
from functools import lru_cache
from http.server import BaseHTTPRequestHandler
from typing import Iterator

import pytest
from http_server import LocalServer, Route, send

from trialwire.sources.base import RawDocument, SourceFailure
from trialwire.sources.feeds import FeedSource
from trialwire.sources.http import HttpFetcher, HttpSettings

FULL_PAGE = """<html><head><title>FDA accepts filing for oral GLP-1 candidate</title>
<meta name="author" content="Priya Raman">
<meta property="article:published_time" content="2024-05-14">
<link rel="canonical" href="https://news.example.org/metabolic/glp1-filing"></head>
<body><article><h1>FDA accepts filing for oral GLP-1 candidate</h1>
<p>The application rests on the phase 3 ORBIT-1 trial (NCT05102233), in which 68 weeks of
treatment lowered body weight by 13.1% versus 2.4% with placebo.</p></article></body></html>"""

BARE_PAGE = """<html><body><div><p>Enrollment has finished in a phase 2 study (NCT05877410) of an
inhaled antiviral for adults hospitalized with RSV; topline data are expected next spring.</p>
</div></body></html>"""


def rss(base: str, links: list[str]) -> str:
    items = "".join(
        f"<item><title>Feed title {n}</title><link>{link}</link>"
        f"<author>desk{n}@example.org (Desk {n})</author>"
        f"<pubDate>Wed, 1{n} Sep 2024 08:00:00 GMT</pubDate></item>"
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Trial news</title><link>{base}</link><description>d</description>{items}</channel></rss>"
    )


def atom(links: list[str]) -> str:
    entries = "".join(
        f"<entry><title>Atom entry {n}</title><link href='{link}'/><id>urn:trial:{n}</id>"
        f"<updated>2024-06-0{n + 1}T12:00:00Z</updated><author><name>Reporter {n}</name></author></entry>"
        for n, link in enumerate(links)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Oncology wire</title><id>urn:trial:feed</id><updated>2024-06-01T00:00:00Z</updated>{entries}</feed>"
    )


@lru_cache(maxsize=1)
def ten_thousand_item_feed(base: str) -> bytes:
    return rss(base, [f"{base}/news/{n}" for n in range(10_000)]).encode("utf-8")


def feed_route(body: str) -> Route:
    return lambda request: send(request, body, content_type="application/rss+xml")


def page_route(request: BaseHTTPRequestHandler) -> None:
    send(request, FULL_PAGE if request.path.endswith("/full") else BARE_PAGE)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer({"/news/": page_route}) as local:
        base = local.url("")
        feeds = {
            "/rss": rss(base, [f"{base}/news/full", "/news/bare"]),
            "/atom": atom([f"{base}/news/full", f"{base}/news/bare"]),
            "/mixed": rss(base, [local.url("/news/full", host="localhost"), "/nowhere", f"{base}/news/bare"]),
            "/truncated": rss(base, [f"{base}/news/full"])[:-40],
        }
        for path, body in feeds.items():
            local.routes[path] = feed_route(body)
        local.routes["/big"] = lambda r: send(r, ten_thousand_item_feed(base), content_type="application/rss+xml")
        local.routes["/not-a-feed"] = lambda r: send(r, BARE_PAGE)
        yield local


def fetcher() -> HttpFetcher:
    return HttpFetcher(HttpSettings(timeout_s=2, retries=1, backoff_s=0.01, allowed_hosts=frozenset({"127.0.0.1"})))


def test_rss_items_are_fetched_and_entry_meta_fills_gaps(server: LocalServer) -> None:
    full, bare = list(FeedSource(server.url("/rss"), fetcher()).items())
    assert isinstance(full, RawDocument) and isinstance(bare, RawDocument)
    assert b"NCT05102233" in full.data and b"NCT05877410" in bare.data
    assert full.meta["title"] == "FDA accepts filing for oral GLP-1 candidate"  # the page wins
    assert full.meta["author"] == "Priya Raman"
    assert full.meta["published"] == "2024-05-14"
    assert full.meta["canonical_url"] == "https://news.example.org/metabolic/glp1-filing"
    assert bare.meta["title"] == "Feed title 1"  # the page has none: the feed's
    assert bare.meta["published"] == "2024-09-11T08:00:00+00:00"
    assert "Desk 1" in bare.meta["author"]
    assert bare.meta["url"] == server.url("/news/bare")  # relative link resolved against the feed
    assert bare.meta["feed_url"] == server.url("/rss")


def test_atom_entries_are_fetched(server: LocalServer) -> None:
    items = list(FeedSource(server.url("/atom"), fetcher()).items())
    assert all(isinstance(item, RawDocument) for item in items)
    assert items[1].meta["title"] == "Atom entry 1"
    assert items[1].meta["author"] == "Reporter 1"
    assert items[1].meta["published"].startswith("2024-06-02")
    assert server.hits("/news/") == 2


def test_item_failures_do_not_stop_the_feed(server: LocalServer) -> None:
    off_host, missing, bare = list(FeedSource(server.url("/mixed"), fetcher()).items())
    assert isinstance(off_host, SourceFailure) and off_host.reason == "host_not_allowed"
    assert "item 1 of feed" in off_host.detail
    assert isinstance(missing, SourceFailure) and missing.reason == "http_error"
    assert isinstance(bare, RawDocument)


def test_malformed_feed_is_one_failure(server: LocalServer) -> None:
    (item,) = FeedSource(server.url("/truncated"), fetcher()).items()
    assert isinstance(item, SourceFailure) and item.reason == "malformed_feed"
    assert server.hits("/news/") == 0


def test_html_page_is_not_a_feed(server: LocalServer) -> None:
    (item,) = FeedSource(server.url("/not-a-feed"), fetcher()).items()
    assert isinstance(item, SourceFailure) and item.reason == "malformed_feed"


def test_unreachable_feed_is_one_failure(server: LocalServer) -> None:
    (item,) = FeedSource(server.url("/no-such-feed"), fetcher()).items()
    assert isinstance(item, SourceFailure) and item.reason == "http_error"


def test_ten_thousand_items_are_bounded(server: LocalServer) -> None:
    started = time.monotonic()
    items = list(FeedSource(server.url("/big"), fetcher(), max_items=3).items())
    failures = [i for i in items if isinstance(i, SourceFailure)]
    documents = [i for i in items if isinstance(i, RawDocument)]
    assert [f.reason for f in failures] == ["too_many_items"]
    assert "10000" in failures[0].detail
    assert [d.meta["title"] for d in documents] == ["Feed title 0", "Feed title 1", "Feed title 2"]
    assert server.hits("/news/") == 3
    assert time.monotonic() - started < 10
