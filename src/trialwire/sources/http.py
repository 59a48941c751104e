"""Polite, bounded HTTP(S) fetching: allowed hosts only, timeouts, retries with backoff, a size cap,
content-type checks, redirects followed by hand and only to allowed hosts.

Uses the standard library's http.client (no proxy support, no compression: `max_bytes` counts the
bytes on the wire). Every outcome is a RawDocument, a SourceFailure or, for a conditional request
answered 304, NotModified; nothing raises.

Conditional requests: given the validators (ETag, Last-Modified) a previous run stored for a URL
whose bytes the store still holds, the first request sends If-None-Match / If-Modified-Since, and
a 304 costs no body. The caller decides which URLs qualify (sources.validators.usable).
"""
from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass, replace
from typing import Iterable, Iterator, Mapping
from urllib.parse import quote, urljoin, urlsplit

import trafilatura

from trialwire import __version__
from trialwire.sources.base import NotModified, RawDocument, SourceFailure, SourceItem

USER_AGENT = f"trialwire/{__version__} (+https://github.com/trialwire)"
DEFAULT_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "text/plain",
        "application/json",
        "application/xhtml+xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5
_READ_CHUNK = 16_384
_URL_SAFE = "/?&=%:@!$'()*+,;~-._"


@dataclass(frozen=True)
class HttpSettings:
    """`allowed_hosts` entries are host names (any port) or `host:port`; an empty set allows none.
    `timeout_s` bounds connecting and each read; `total_timeout_s` bounds one whole attempt."""

    timeout_s: float = 10.0
    total_timeout_s: float = 60.0
    retries: int = 2
    backoff_s: float = 0.5
    max_bytes: int = 5_000_000
    allowed_hosts: frozenset[str] = frozenset()
    allowed_content_types: frozenset[str] = DEFAULT_CONTENT_TYPES
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_hosts", frozenset(h.lower() for h in self.allowed_hosts))
        object.__setattr__(self, "allowed_content_types", frozenset(self.allowed_content_types))


@dataclass
class _Response:
    status: int
    headers: dict[str, str]
    body: bytes = b""


class _Transient(Exception):
    """A failure worth retrying (connection error, timeout, 429, 5xx)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class _Final(Exception):
    """A failure not worth retrying (4xx, wrong content type, too large, TLS)."""

    def __init__(self, failure: SourceFailure) -> None:
        super().__init__(failure.reason)
        self.failure = failure


class HttpFetcher:
    def __init__(self, settings: HttpSettings | None = None,
                 validators: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.settings = settings or HttpSettings()
        self.validators = validators or {}  # url -> {"etag": ..., "last_modified": ...}

    def host_allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        allowed = self.settings.allowed_hosts
        return host in allowed or (parts.port is not None and f"{host}:{parts.port}" in allowed)

    def fetch(self, url: str, conditional: bool = True) -> SourceItem:
        """GET `url`, following at most MAX_REDIRECTS redirects that stay on allowed hosts; with
        `conditional`, the first request carries the validators known for `url`."""
        current = url
        for hop in range(MAX_REDIRECTS + 1):
            problem = url_problem(current)
            if problem:
                return SourceFailure(url, "bad_url", f"{problem}: {current}")
            if not self.host_allowed(current):
                reason = "host_not_allowed" if current == url else "redirect_off_host"
                return SourceFailure(url, reason, f"host not in allowed_hosts: {current}")
            known = self.validators.get(url) if conditional and hop == 0 else None
            result = self._get_with_retries(current, condition_headers(known))
            if isinstance(result, SourceFailure):
                if current != url:
                    result = replace(result, source=url, detail=f"{result.detail} (at {current})")
                return result
            if result.status in REDIRECT_STATUSES:
                location = result.headers.get("location")
                if not location:
                    return SourceFailure(url, "http_error", f"{result.status} without Location")
                current = urljoin(current, location)
                continue
            if result.status == 304:
                return NotModified(url)
            return self._document(url, current, result)
        return SourceFailure(url, "too_many_redirects", f"more than {MAX_REDIRECTS} redirects")

    def _get_with_retries(self, url: str, extra_headers: dict[str, str] | None = None) -> _Response | SourceFailure:
        attempts = max(0, self.settings.retries) + 1
        last: _Transient | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(self.settings.backoff_s * 2 ** (attempt - 1))
            try:
                return self._get_once(url, extra_headers)
            except _Transient as exc:
                last = exc
            except _Final as exc:
                return exc.failure
        assert last is not None
        return SourceFailure(url, last.reason, f"{last.detail} (after {attempts} attempts)")

    def _get_once(self, url: str, extra_headers: dict[str, str] | None = None) -> _Response:
        parts = urlsplit(url)
        conn_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = conn_type(parts.hostname or "", parts.port, timeout=self.settings.timeout_s)
        target = quote((parts.path or "/") + (f"?{parts.query}" if parts.query else ""), safe=_URL_SAFE)
        headers = {
            "User-Agent": self.settings.user_agent,
            "Accept": ", ".join(sorted(self.settings.allowed_content_types)),
            "Accept-Encoding": "identity",
            **(extra_headers or {}),
        }
        deadline = time.monotonic() + self.settings.total_timeout_s
        try:
            conn.request("GET", target, headers=headers)
            resp = conn.getresponse()
            response = _Response(resp.status, {k.lower(): v for k, v in resp.getheaders()})
            if resp.status in REDIRECT_STATUSES or (resp.status == 304 and extra_headers):
                return response
            if resp.status == 429 or resp.status >= 500:
                raise _Transient("http_error", f"HTTP {resp.status}")
            if not 200 <= resp.status < 300:
                raise _Final(SourceFailure(url, "http_error", f"HTTP {resp.status}"))
            self._check_headers(url, response.headers)
            response.body = self._read_capped(url, resp, deadline)
            return response
        except (TimeoutError, socket.timeout) as exc:
            raise _Transient("timeout", f"timed out after {self.settings.timeout_s}s: {exc}") from exc
        except (ValueError, http.client.InvalidURL) as exc:  # a URL http.client cannot send
            raise _Final(SourceFailure(url, "bad_url", f"{type(exc).__name__}: {exc}")) from exc
        except ssl.SSLError as exc:
            raise _Final(SourceFailure(url, "tls_error", str(exc))) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise _Transient("connection_error", f"{type(exc).__name__}: {exc}") from exc
        finally:
            conn.close()

    def _check_headers(self, url: str, headers: dict[str, str]) -> None:
        media_type = media_type_of(headers.get("content-type"))
        if media_type not in self.settings.allowed_content_types:
            detail = f"content type {media_type or 'missing'!r} not allowed"
            raise _Final(SourceFailure(url, "bad_content_type", detail))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.settings.max_bytes:
            detail = f"Content-Length {declared} > max_bytes {self.settings.max_bytes}"
            raise _Final(SourceFailure(url, "too_large", detail))

    def _read_capped(self, url: str, resp: http.client.HTTPResponse, deadline: float) -> bytes:
        limit = self.settings.max_bytes
        chunks: list[bytes] = []
        size = 0
        while chunk := resp.read(min(_READ_CHUNK, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise _Final(SourceFailure(url, "too_large", f"body over max_bytes {limit}"))
            if time.monotonic() > deadline:
                raise _Transient("timeout", f"body not complete within {self.settings.total_timeout_s}s")
        return b"".join(chunks)

    def _document(self, requested: str, final: str, response: _Response) -> RawDocument:
        content_type = response.headers.get("content-type")
        meta = {"url": final}
        if media_type_of(content_type) in HTML_TYPES:
            meta.update(html_metadata(response.body, content_type, final))
        validators = {k: response.headers[h] for k, h in (("etag", "etag"), ("last_modified", "last-modified"))
                      if response.headers.get(h)}
        return RawDocument(requested, response.body, content_type=content_type, meta=meta, validators=validators)


def condition_headers(validators: Mapping[str, str] | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from a stored ETag / Last-Modified."""
    if not validators:
        return {}
    headers = {}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("last_modified"):
        headers["If-Modified-Since"] = validators["last_modified"]
    return headers


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched, or None."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a non-numeric or out-of-range port
    except ValueError as exc:
        return str(exc)
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    return None if parts.hostname else "no host"


def media_type_of(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def charset_of(content_type: str | None) -> str:
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return "utf-8"


def html_metadata(body: bytes, content_type: str | None, page_url: str) -> dict[str, str]:
    """Title, author, published date and canonical URL as trafilatura reads them from the page."""
    try:
        text = body.decode(charset_of(content_type), errors="replace")
    except LookupError:
        text = body.decode("utf-8", errors="replace")
    try:
        found = trafilatura.extract_metadata(text)
    except Exception:  # noqa: BLE001 - a metadata hiccup must not lose the document
        return {}
    if found is None:
        return {}
    values = {"title": found.title, "author": found.author, "published": found.date}
    meta = {key: value for key, value in values.items() if value}
    if found.url:
        meta["canonical_url"] = urljoin(page_url, found.url)
    return meta


class UrlListSource:
    """Fetches each URL in turn, lazily."""

    def __init__(self, urls: Iterable[str], fetcher: HttpFetcher) -> None:
        self.urls = urls
        self.fetcher = fetcher

    def items(self) -> Iterator[SourceItem]:
        for url in self.urls:
            yield self.fetcher.fetch(url.strip())
