"""HttpFetcher and UrlListSource against a real HTTP server on 127.0.0.1."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Iterator

import pytest
from http_server import LocalServer, Route, redirect, send

from trialwire import __version__
from trialwire.sources.base import RawDocument, SourceFailure
from trialwire.sources.http import HttpFetcher, HttpSettings, UrlListSource

ARTICLE_HTML = """<!DOCTYPE html>
<html lang="en"><head>
<title>Phase 3 KESTREL-2 trial meets primary endpoint in HFpEF | Cardio Wire</title>
<meta name="author" content="Dana Whitfield">
<meta property="og:title" content="Phase 3 KESTREL-2 trial meets primary endpoint in HFpEF">
<meta property="article:published_time" content="2024-03-05T09:30:00Z">
<link rel="canonical" href="https://news.example.org/cardiology/kestrel-2-phase-3">
</head><body><article>
<h1>Phase 3 KESTREL-2 trial meets primary endpoint in HFpEF</h1>
<p>The randomized, double-blind KESTREL-2 study (NCT04987321) enrolled 1,214 adults with heart
failure with preserved ejection fraction. Patients given the investigational drug had 22% fewer
worsening heart failure events than those given placebo over 18 months.</p>
<p>Serious adverse events were similar between groups, the sponsor said on Tuesday.</p>
</article></body></html>"""

PLAIN_NOTE = "NCT05511122: enrollment in the phase 2 asthma study paused after a dosing review.\n"


class Counter:
    def __init__(self) -> None:
        self.value = 0


def serve_article(request: BaseHTTPRequestHandler) -> None:
    send(request, ARTICLE_HTML)


def flaky(fail_times: int, status: int) -> Route:
    calls = Counter()

    def route(request: BaseHTTPRequestHandler) -> None:
        calls.value += 1
        if calls.value <= fail_times:
            send(request, "<p>Service unavailable</p>", status=status, headers={"Retry-After": "0"})
        else:
            send(request, ARTICLE_HTML)

    return route


def slow(server_ref: list[LocalServer]) -> Route:
    def route(request: BaseHTTPRequestHandler) -> None:
        server_ref[0].stopping.wait(1.5)  # longer than the client's timeout; ends early at shutdown
        send(request, ARTICLE_HTML)

    return route


class StreamLog:
    def __init__(self) -> None:
        self.bytes_sent = 0
        self.done = threading.Event()


def endless_stream(log: StreamLog) -> Route:
    """2 MB with no Content-Length, 1 KB at a time; stops when the client hangs up."""

    def route(request: BaseHTTPRequestHandler) -> None:
        try:
            request.send_response(200)
            request.send_header("Content-Type", "text/plain; charset=utf-8")
            request.end_headers()
            chunk = (b"Trial update NCT01234567: interim readout pending. " * 20)[:1024]
            for _ in range(2048):
                request.wfile.write(chunk)
                request.wfile.flush()
                log.bytes_sent += len(chunk)
                time.sleep(0.002)
        except OSError:
            pass
        finally:
            log.done.set()

    return route


@pytest.fixture
def stream_log() -> StreamLog:
    return StreamLog()


@pytest.fixture
def server(stream_log: StreamLog) -> Iterator[LocalServer]:
    ref: list[LocalServer] = []
    routes: dict[str, Route] = {
        "/article": serve_article,
        "/trials/": serve_article,
        "/note.txt": lambda r: send(r, PLAIN_NOTE, content_type="text/plain; charset=utf-8"),
        "/slow": slow(ref),
        "/flaky-500": flaky(1, 500),
        "/flaky-429": flaky(1, 429),
        "/always-503": flaky(99, 503),
        "/gone": lambda r: send(r, "<p>Gone</p>", status=410),
        "/moved": lambda r: redirect(r, "/article", 301),
        "/loop": lambda r: redirect(r, "/loop"),
        "/chart.png": lambda r: send(r, b"\x89PNG\r\n\x1a\n" + b"\0" * 64, content_type="image/png"),
        "/huge-declared": lambda r: send(r, b"x" * 10, headers={"Content-Length": "900000000"}),
        "/endless": endless_stream(stream_log),
    }
    with LocalServer(routes) as local:
        ref.append(local)
        local.routes["/offhost"] = lambda r: redirect(r, local.url("/article", host="localhost"))
        yield local


def make_fetcher(**overrides: object) -> HttpFetcher:
    options: dict[str, object] = {
        "timeout_s": 2.0,
        "retries": 2,
        "backoff_s": 0.01,
        "allowed_hosts": frozenset({"127.0.0.1"}),
    }
    options.update(overrides)
    return HttpFetcher(HttpSettings(**options))  # type: ignore[arg-type]


def test_html_article_keeps_metadata_and_sends_user_agent(server: LocalServer) -> None:
    item = make_fetcher().fetch(server.url("/article"))
    assert isinstance(item, RawDocument)
    assert item.source == server.url("/article")
    assert item.data == ARTICLE_HTML.encode("utf-8")
    assert item.content_type == "text/html; charset=utf-8"
    assert item.meta["url"] == server.url("/article")
    assert "KESTREL-2" in item.meta["title"]
    assert item.meta["author"] == "Dana Whitfield"
    assert item.meta["published"].startswith("2024-03-05")
    assert item.meta["canonical_url"] == "https://news.example.org/cardiology/kestrel-2-phase-3"
    assert server.requests == [("/article", f"trialwire/{__version__} (+https://github.com/trialwire)")]


def test_plain_text_gets_no_html_metadata(server: LocalServer) -> None:
    item = make_fetcher().fetch(server.url("/note.txt"))
    assert isinstance(item, RawDocument)
    assert item.data.decode() == PLAIN_NOTE
    assert item.meta == {"url": server.url("/note.txt")}


def test_slow_response_times_out_after_bounded_retries(server: LocalServer) -> None:
    started = time.monotonic()
    item = make_fetcher(timeout_s=0.3, retries=1).fetch(server.url("/slow"))
    elapsed = time.monotonic() - started
    assert isinstance(item, SourceFailure)
    assert item.reason == "timeout"
    assert server.hits("/slow") == 2
    assert elapsed < 1.4


@pytest.mark.parametrize("path", ["/flaky-500", "/flaky-429"])
def test_transient_status_is_retried_then_succeeds(server: LocalServer, path: str) -> None:
    item = make_fetcher().fetch(server.url(path))
    assert isinstance(item, RawDocument)
    assert server.hits(path) == 2


def test_persistent_5xx_gives_up_after_retries(server: LocalServer) -> None:
    item = make_fetcher(retries=2).fetch(server.url("/always-503"))
    assert isinstance(item, SourceFailure)
    assert (item.reason, server.hits("/always-503")) == ("http_error", 3)
    assert "503" in item.detail


@pytest.mark.parametrize("path,status", [("/missing", "404"), ("/gone", "410")])
def test_client_errors_are_not_retried(server: LocalServer, path: str, status: str) -> None:
    item = make_fetcher(retries=3).fetch(server.url(path))
    assert isinstance(item, SourceFailure)
    assert item.reason == "http_error" and status in item.detail
    assert server.hits(path) == 1


def test_redirect_on_same_host_is_followed(server: LocalServer) -> None:
    item = make_fetcher().fetch(server.url("/moved"))
    assert isinstance(item, RawDocument)
    assert item.source == server.url("/moved")
    assert item.meta["url"] == server.url("/article")
    assert [path for path, _ in server.requests] == ["/moved", "/article"]


def test_redirect_to_other_host_is_refused(server: LocalServer) -> None:
    item = make_fetcher().fetch(server.url("/offhost"))
    assert isinstance(item, SourceFailure)
    assert item.reason == "redirect_off_host"
    assert "localhost" in item.detail
    assert server.hits("/article") == 0


def test_redirect_loop_is_bounded(server: LocalServer) -> None:
    item = make_fetcher().fetch(server.url("/loop"))
    assert isinstance(item, SourceFailure)
    assert item.reason == "too_many_redirects"
    assert server.hits("/loop") == 6


def test_declared_oversize_is_refused_before_reading(server: LocalServer) -> None:
    item = make_fetcher(max_bytes=1000).fetch(server.url("/huge-declared"))
    assert isinstance(item, SourceFailure)
    assert item.reason == "too_large" and "900000000" in item.detail


def test_streamed_oversize_stops_reading_early(server: LocalServer, stream_log: StreamLog) -> None:
    started = time.monotonic()
    item = make_fetcher(max_bytes=8_000).fetch(server.url("/endless"))
    assert isinstance(item, SourceFailure)
    assert item.reason == "too_large"
    assert server.hits("/endless") == 1
    assert stream_log.done.wait(5), "server kept streaming after the client hung up"
    assert stream_log.bytes_sent < 300_000  # of 2 MB offered
    assert time.monotonic() - started < 3


def test_wrong_content_type_is_refused(server: LocalServer) -> None:
    item = make_fetcher().fetch(server.url("/chart.png"))
    assert isinstance(item, SourceFailure)
    assert item.reason == "bad_content_type" and "image/png" in item.detail


def test_host_not_allowed_is_never_contacted(server: LocalServer) -> None:
    fetcher = make_fetcher(allowed_hosts=frozenset({"www.pharmacytimes.com"}))
    item = fetcher.fetch(server.url("/article"))
    assert isinstance(item, SourceFailure)
    assert item.reason == "host_not_allowed"
    assert server.requests == []


def test_host_with_port_entry_and_bad_scheme() -> None:
    fetcher = make_fetcher(allowed_hosts=frozenset({"127.0.0.1:8443"}))
    assert fetcher.host_allowed("https://127.0.0.1:8443/a")
    assert not fetcher.host_allowed("https://127.0.0.1:9000/a")
    item = fetcher.fetch("file:///etc/passwd")
    assert isinstance(item, SourceFailure) and item.reason == "bad_url"


def test_odd_urls_are_encoded_or_refused(server: LocalServer) -> None:
    fetcher = make_fetcher()
    assert isinstance(fetcher.fetch(server.url("/trials/étude 3?phase=3 b")), RawDocument)
    assert server.requests[0][0] == "/trials/%C3%A9tude%203"
    bad_port = fetcher.fetch("http://127.0.0.1:port/x")
    assert isinstance(bad_port, SourceFailure) and bad_port.reason == "bad_url"


def test_connection_refused_is_a_failure() -> None:
    with LocalServer({}) as gone:
        url = gone.url("/article")
    item = make_fetcher(retries=1).fetch(url)
    assert isinstance(item, SourceFailure)
    assert item.reason == "connection_error"


def test_url_list_is_lazy_and_continues_after_failures(server: LocalServer) -> None:
    urls = [server.url(p) for p in ("/article", "/missing", "/chart.png", "/note.txt")]
    items = UrlListSource(urls, make_fetcher()).items()
    first = next(items)
    assert isinstance(first, RawDocument)
    assert len(server.requests) == 1
    rest = list(items)
    assert [type(i).__name__ for i in rest] == ["SourceFailure", "SourceFailure", "RawDocument"]
