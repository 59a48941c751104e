"""JsonLinesSource and the sources YAML loader."""
from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Iterator

import pytest
from http_server import LocalServer, send

from trialwire.sources.base import RawDocument, SourceFailure
from trialwire.sources.config import load_sources
from trialwire.sources.feeds import FeedSource
from trialwire.sources.http import UrlListSource
from trialwire.sources.jsonl import JsonLinesSource

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "config" / "sources.example.yaml"

GOOD_RECORD = {
    "title": "Biosimilar trial reports equivalence in plaque psoriasis",
    "body": "In the phase 3 EQUI-PSO study (NCT04455100), PASI 75 response at week 16 was 81% in both arms.",
    "url": "https://qa.example.org/answers/7781",
    "published": "2024-02-20",
    "author": "Lena Ortiz",
    "votes": 12,
    "tags": ["dermatology"],
}


def write_jsonl(path: Path) -> Path:
    lines = [
        json.dumps(GOOD_RECORD),
        '{"title": "Truncated export", "body": "NCT0',
        "",
        json.dumps(["not", "an", "object"]),
        json.dumps({"title": "No body here"}),
        json.dumps({"text": "Q: Is NCT03344556 still recruiting? A: Yes, at 40 sites in Europe."}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "export.jsonl")
    items = list(JsonLinesSource(path).items())
    assert [type(i).__name__ for i in items] == [
        "RawDocument", "SourceFailure", "SourceFailure", "SourceFailure", "RawDocument"
    ]
    first, truncated, not_object, no_body, text_only = items
    assert isinstance(first, RawDocument) and isinstance(text_only, RawDocument)
    assert first.source == GOOD_RECORD["url"]
    assert first.data == str(GOOD_RECORD["body"]).encode("utf-8")
    assert first.content_type == "text/plain"
    assert first.meta["title"] == GOOD_RECORD["title"]
    assert (first.meta["author"], first.meta["published"], first.meta["votes"]) == ("Lena Ortiz", "2024-02-20", "12")
    assert "tags" not in first.meta and "body" not in first.meta
    assert first.meta["jsonl_line"] == f"{path}#1"
    for failure, line in ((truncated, 2), (not_object, 4), (no_body, 5)):
        assert isinstance(failure, SourceFailure)
        assert failure.reason == "bad_json"
        assert failure.detail.startswith(f"line {line}:")
        assert failure.source == f"{path}#{line}"
        assert failure.data
    assert text_only.source == f"{path}#6"
    assert b"NCT03344556" in text_only.data


def test_jsonl_overlong_line_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"body": "x" * 500}) + "\n" + json.dumps({"body": "short NCT01112223"}) + "\n")
    long_line, short = JsonLinesSource(path, max_line_bytes=100).items()
    assert isinstance(long_line, SourceFailure) and long_line.reason == "too_large"
    assert isinstance(short, RawDocument) and short.source == f"{path}#2"
    (missing,) = JsonLinesSource(tmp_path / "absent.jsonl").items()
    assert isinstance(missing, SourceFailure) and missing.reason == "unreadable"


class FakeFolderSource:
    def __init__(self, root: Path | str, max_bytes: int = 5_000_000) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes


@pytest.fixture
def fake_folder_module(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("trialwire.sources.folder")
    module.FolderSource = FakeFolderSource  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "trialwire.sources.folder", module)


def test_config_builds_every_kind(tmp_path: Path, fake_folder_module: None) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "urls.txt").write_text("# trial pages\nhttps://a.example.org/1\n\nhttps://a.example.org/2\n")
    config = tmp_path / "sources.yaml"
    config.write_text(
        """
http: {timeout_s: 3, retries: 1, backoff_s: 0.1, max_bytes: 123456, user_agent: test-agent}
sources:
  - {kind: folder, path: raw}
  - {kind: urls, urls: ["https://b.example.org/x"]}
  - {kind: urls, file: lists/urls.txt}
  - {kind: feed, url: "https://feeds.example.org/rss", max_items: 7}
  - {kind: jsonl, path: /abs/export.jsonl}
"""
    )
    folder, urls, url_file, feed, jsonl = load_sources(config)
    assert isinstance(folder, FakeFolderSource)
    assert (folder.root, folder.max_bytes) == (tmp_path / "raw", 123456)
    assert isinstance(urls, UrlListSource) and isinstance(url_file, UrlListSource)
    assert list(url_file.urls) == ["https://a.example.org/1", "https://a.example.org/2"]
    assert isinstance(feed, FeedSource) and feed.max_items == 7
    assert isinstance(jsonl, JsonLinesSource) and jsonl.path == Path("/abs/export.jsonl")
    settings = urls.fetcher.settings
    assert (settings.timeout_s, settings.retries, settings.max_bytes, settings.user_agent) == (3, 1, 123456, "test-agent")
    assert settings.allowed_hosts == {"a.example.org", "b.example.org", "feeds.example.org"}
    assert feed.fetcher is urls.fetcher


def test_example_config_loads(fake_folder_module: None) -> None:
    kinds = [type(source).__name__ for source in load_sources(EXAMPLE_CONFIG)]
    assert kinds == ["FakeFolderSource", "UrlListSource", "FeedSource", "JsonLinesSource"]


@pytest.mark.parametrize(
    "text,message",
    [
        ("sources: [{kind: ftp, url: 'ftp://x'}]", "unknown kind 'ftp'"),
        ("sources: [{kind: feed}]", "missing url"),
        ("sources: [{kind: jsonl, path: a.jsonl, colour: red}]", "unknown key(s) ['colour']"),
        ("sources: [{kind: urls}]", "exactly one of 'urls' or 'file'"),
        ("http: {timeout: 3}\nsources: []", "unknown key(s) ['timeout']"),
        ("sorces: []", "unknown key(s) ['sorces']"),
        ("sources: {kind: folder}", "must be a list"),
    ],
)
def test_config_mistakes_are_clear(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "sources.yaml"
    config.write_text(text)
    with pytest.raises(ValueError) as error:
        load_sources(config)
    assert message in str(error.value)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    page = "<html><head><title>Phase 1 gene therapy dosing resumes</title></head><body><p>NCT05990011</p></body></html>"
    with LocalServer({"/story": lambda r: send(r, page)}) as local:
        yield local


def test_run_over_all_sources_continues_past_failures(tmp_path: Path, server: LocalServer) -> None:
    write_jsonl(tmp_path / "export.jsonl")
    config = tmp_path / "sources.yaml"
    config.write_text(
        f"""
http: {{timeout_s: 2, retries: 0}}
allowed_hosts: [127.0.0.1]
sources:
  - {{kind: urls, urls: ["{server.url('/story')}", "{server.url('/gone')}", "https://elsewhere.example.org/a"]}}
  - {{kind: jsonl, path: export.jsonl}}
"""
    )
    items = [item for source in load_sources(config) for item in source.items()]
    reasons = [item.reason for item in items if isinstance(item, SourceFailure)]
    titles = [item.meta.get("title") for item in items if isinstance(item, RawDocument)]
    assert reasons == ["http_error", "host_not_allowed", "bad_json", "bad_json", "bad_json"]
    assert titles == ["Phase 1 gene therapy dosing resumes", GOOD_RECORD["title"], None]
