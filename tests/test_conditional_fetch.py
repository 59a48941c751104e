"""Scheduled runs over HTTP sources: a page the store already holds is asked for with its ETag or
Last-Modified and a 304 costs no body; a changed page is fetched whole and stored as a new version;
a page whose bytes the store lost is fetched whole again."""
from __future__ import annotations

import json
import shutil
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from http_server import LocalServer, send

from trialwire.ingest import run_ingest
from trialwire.sources.base import NotModified, RawDocument
from trialwire.sources.http import HttpFetcher, HttpSettings
from trialwire.sources.validators import VALIDATORS_FILE
from trialwire.store import Store

PAGE = """<!DOCTYPE html><html><head><title>Lebrikizumab maintenance data {edition}</title></head><body><article>
<h1>Lebrikizumab maintenance data {edition}</h1>
<p>In the phase 3 ADvocate 1 study (NCT04146363), adults and adolescents with moderate-to-severe atopic
dermatitis who reached EASI-75 at week 16 were re-randomized to lebrikizumab 250 mg every 4 weeks or
every 2 weeks, or to placebo, and followed to week 52. {extra}</p>
<p>Conjunctivitis was the most frequent adverse event reported with lebrikizumab in the study.</p>
</article></body></html>"""


class Page:
    """One page with an ETag (`/etag`) or a Last-Modified date (`/dated`) that honours conditional requests."""

    def __init__(self, outlet: str) -> None:
        self.outlet, self.edition, self.extra = outlet, 1, ""
        self.bodies_sent = 0
        self.conditional_seen: list[dict[str, str]] = []

    def body(self) -> str:
        return PAGE.format(edition=f"({self.outlet}, edition {self.edition})", extra=self.extra)

    def route(self, kind: str):
        def serve(request: BaseHTTPRequestHandler) -> None:
            etag, modified = f'"ed-{self.edition}"', f"Mon, 0{self.edition} Dec 2026 08:00:00 GMT"
            asked = {k: request.headers[k] for k in ("If-None-Match", "If-Modified-Since") if request.headers.get(k)}
            self.conditional_seen.append(asked)
            if (kind == "etag" and asked.get("If-None-Match") == etag) or \
                    (kind == "dated" and asked.get("If-Modified-Since") == modified):
                send(request, b"", status=304, content_type=None)
                return
            self.bodies_sent += 1
            send(request, self.body(), headers={"ETag": etag} if kind == "etag" else {"Last-Modified": modified})
        return serve


@pytest.fixture
def site():
    pages = {"etag": Page("Derm Weekly"), "dated": Page("Skin Trials Digest")}
    with LocalServer({"/etag": pages["etag"].route("etag"), "/dated": pages["dated"].route("dated")}) as server:
        yield server, pages


def config_for(tmp_path: Path, server: LocalServer) -> str:
    path = tmp_path / "sources.yaml"
    path.write_text(f"""
http: {{timeout_s: 5, retries: 0}}
allowed_hosts: [127.0.0.1]
sources:
  - {{kind: urls, urls: ["{server.url('/etag')}", "{server.url('/dated')}"]}}
""")
    return str(path)


def test_a_second_run_asks_conditionally_and_a_304_costs_no_body(tmp_path, site):
    server, pages = site
    out, config = tmp_path / "out", config_for(tmp_path, server)
    first = run_ingest(out, [], config=config)
    assert first["documents_read"] == 2 and all(p.bodies_sent == 1 for p in pages.values())
    stored = json.loads((out / VALIDATORS_FILE).read_text())
    assert stored[server.url("/etag")]["etag"] == '"ed-1"'
    assert stored[server.url("/dated")]["last_modified"].startswith("Mon, 01 Dec 2026")
    second = run_ingest(out, [], config=config)
    assert second["documents_read"] == 0 and second["skipped_unchanged"] == 2 and second["not_modified"] == 2
    assert all(p.bodies_sent == 1 for p in pages.values())  # no body sent twice
    assert pages["etag"].conditional_seen[-1] == {"If-None-Match": '"ed-1"'}
    assert pages["dated"].conditional_seen[-1] == {"If-Modified-Since": "Mon, 01 Dec 2026 08:00:00 GMT"}
    assert Store(out).count_rows("documents") == 2


def test_a_changed_page_is_fetched_whole_and_stored_as_its_next_version(tmp_path, site):
    server, pages = site
    out, config = tmp_path / "out", config_for(tmp_path, server)
    run_ingest(out, [], config=config)
    pages["etag"].edition, pages["etag"].extra = 2, "Most week-16 responders kept their response at week 52."
    third = run_ingest(out, [], config=config)
    assert third["documents_read"] == 1 and third["not_modified"] == 1 and pages["etag"].bodies_sent == 2
    versions = {d["version"] for d in Store(out).read("documents", ["source", "version"]).to_pylist()
                if d["source"] == server.url("/etag")}
    assert versions == {1, 2}
    assert json.loads((out / VALIDATORS_FILE).read_text())[server.url("/etag")]["etag"] == '"ed-2"'


def test_validators_are_not_used_for_bytes_the_store_does_not_hold(tmp_path, site):
    server, pages = site
    out, config = tmp_path / "out", config_for(tmp_path, server)
    run_ingest(out, [], config=config)
    kept = (out / VALIDATORS_FILE).read_bytes()
    shutil.rmtree(out)  # the output is rebuilt from scratch, but an old validators file came back
    out.mkdir()
    (out / VALIDATORS_FILE).write_bytes(kept)
    again = run_ingest(out, [], config=config)
    assert again["documents_read"] == 2 and again["not_modified"] == 0
    assert pages["etag"].conditional_seen[-1] == {} and pages["etag"].bodies_sent == 2


def test_a_damaged_validators_file_means_whole_fetches(tmp_path, site):
    server, pages = site
    out, config = tmp_path / "out", config_for(tmp_path, server)
    run_ingest(out, [], config=config)
    (out / VALIDATORS_FILE).write_text("{not json")
    again = run_ingest(out, [], config=config)
    assert again["documents_read"] == 0 and again["skipped_unchanged"] == 2 and again["not_modified"] == 0
    assert json.loads((out / VALIDATORS_FILE).read_text())  # rewritten whole by that run


def test_the_fetcher_sends_validators_only_on_the_first_request_and_when_asked(site):
    server, pages = site
    url = server.url("/etag")
    fetcher = HttpFetcher(HttpSettings(timeout_s=5, retries=0, allowed_hosts=frozenset({"127.0.0.1"})),
                          validators={url: {"etag": '"ed-1"'}})
    assert isinstance(fetcher.fetch(url), NotModified)
    whole = fetcher.fetch(url, conditional=False)
    assert isinstance(whole, RawDocument) and whole.validators == {"etag": '"ed-1"'}
    assert pages["etag"].conditional_seen == [{"If-None-Match": '"ed-1"'}, {}]


def test_a_feed_is_read_whole_and_its_items_conditionally(tmp_path, site):
    server, pages = site
    feed_asks: list[dict[str, str]] = []

    def feed(request: BaseHTTPRequestHandler) -> None:
        feed_asks.append({k: v for k, v in request.headers.items() if k.startswith("If-")})
        items = "".join(f"<item><title>{p}</title><link>{server.url('/' + p)}</link></item>" for p in ("etag", "dated"))
        send(request, f'<?xml version="1.0"?><rss version="2.0"><channel><title>Derm</title>{items}</channel></rss>',
             content_type="application/rss+xml", headers={"ETag": '"feed-1"'})

    server.routes["/feed.xml"] = feed
    config = tmp_path / "sources.yaml"
    config.write_text(f"allowed_hosts: [127.0.0.1]\nsources:\n  - {{kind: feed, url: \"{server.url('/feed.xml')}\"}}\n")
    out = tmp_path / "out"
    assert run_ingest(out, [], config=str(config))["documents_read"] == 2
    second = run_ingest(out, [], config=str(config))
    assert second["not_modified"] == 2 and second["documents_read"] == 0
    assert feed_asks == [{}, {}]  # an item whose fetch failed last time is listed again
    assert all(p.bodies_sent == 1 for p in pages.values())
