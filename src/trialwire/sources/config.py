"""Load a sources YAML file into Source objects.

Format (see config/sources.example.yaml)::

    http:                      # optional; every key optional
      timeout_s: 10            # connect and per-read timeout
      total_timeout_s: 60      # one whole attempt, body included
      retries: 2               # extra attempts on connection errors, timeouts, 429 and 5xx only
      backoff_s: 0.5           # sleep before retry n is backoff_s * 2**(n-1)
      max_bytes: 5000000       # larger bodies (and folder files) are refused as too_large
      user_agent: "trialwire/0.1.0 (+https://github.com/trialwire)"
      allowed_content_types: [text/html, text/plain]   # default: HTML, text, JSON, RSS/Atom/XML
    allowed_hosts: [www.pharmacytimes.com, 127.0.0.1]  # host or host:port; redirects elsewhere fail
    sources:
      - {kind: folder, path: data/raw}
      - {kind: urls, urls: ["https://www.pharmacytimes.com/view/some-article"]}
      - {kind: urls, file: urls.txt}          # one URL a line; blank lines and # comments skipped
      - {kind: feed, url: "https://www.pharmacytimes.com/rss", max_items: 200}
      - {kind: jsonl, path: exports/articles.jsonl}

Without `allowed_hosts`, the hosts of the configured `urls` and `feed` URLs are allowed (so feed
items on another host are refused). Relative paths resolve against the YAML file's folder.
Mistakes in the file raise ValueError naming the entry.
"""
from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import urlsplit

import yaml

from trialwire.sources.base import Source
from trialwire.sources.feeds import FeedSource
from trialwire.sources.http import HttpFetcher, HttpSettings, UrlListSource
from trialwire.sources.jsonl import JsonLinesSource

TOP_LEVEL_KEYS = {"http", "allowed_hosts", "sources"}
KIND_KEYS = {
    "folder": {"path", "max_bytes"},
    "urls": {"urls", "file"},
    "feed": {"url", "max_items"},
    "jsonl": {"path"},
}


def load_sources(config_path: Path | str, validators: Mapping[str, Mapping[str, str]] | None = None) -> list[Source]:
    """`validators`: url -> stored ETag / Last-Modified for conditional requests (HttpFetcher)."""
    config_path = Path(config_path)
    config = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    if not isinstance(config, dict):
        raise ValueError(f"{config_path}: expected a mapping with a 'sources' list")
    _reject_unknown(set(config), TOP_LEVEL_KEYS, f"{config_path}")
    entries = config.get("sources") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(f"{config_path}: 'sources' must be a list of mappings")
    base_dir = config_path.resolve().parent
    for number, entry in enumerate(entries, start=1):
        _check_entry(entry, f"{config_path}: source {number}")
    url_lists = {id(e): _entry_urls(e, base_dir) for e in entries if e["kind"] == "urls"}
    hosts = config.get("allowed_hosts")
    if hosts is None:
        configured = [u for urls in url_lists.values() for u in urls]
        configured += [e["url"] for e in entries if e["kind"] == "feed"]
        hosts = [urlsplit(u).hostname or "" for u in configured]
    settings = http_settings(config.get("http") or {}, hosts, f"{config_path}: http")
    fetcher = HttpFetcher(settings, validators)
    builders: dict[str, Callable[[dict[str, Any]], Source]] = {
        "folder": lambda e: _folder_source(
            _resolve(e["path"], base_dir), int(e.get("max_bytes", settings.max_bytes))
        ),
        "urls": lambda e: UrlListSource(url_lists[id(e)], fetcher),
        "feed": lambda e: FeedSource(e["url"], fetcher, int(e.get("max_items", 500))),
        "jsonl": lambda e: JsonLinesSource(_resolve(e["path"], base_dir)),
    }
    return [builders[entry["kind"]](entry) for entry in entries]


def http_settings(values: Mapping[str, Any], allowed_hosts: list[str], where: str = "http") -> HttpSettings:
    if not isinstance(values, Mapping):
        raise ValueError(f"{where}: expected a mapping")
    known = {f.name for f in fields(HttpSettings)} - {"allowed_hosts"}
    _reject_unknown(set(values), known, where)
    if not isinstance(allowed_hosts, list) or not all(isinstance(h, str) for h in allowed_hosts):
        raise ValueError(f"{where}: 'allowed_hosts' must be a list of host names")
    options = dict(values)
    if "allowed_content_types" in options:
        options["allowed_content_types"] = frozenset(options["allowed_content_types"])
    return HttpSettings(allowed_hosts=frozenset(allowed_hosts), **options)


def _check_entry(entry: dict[str, Any], where: str) -> None:
    kind = entry.get("kind")
    if kind not in KIND_KEYS:
        raise ValueError(f"{where}: unknown kind {kind!r}; expected one of {sorted(KIND_KEYS)}")
    _reject_unknown(set(entry) - {"kind"}, KIND_KEYS[kind], f"{where} ({kind})")
    required = {"folder": ["path"], "feed": ["url"], "jsonl": ["path"]}.get(kind, [])
    missing = [key for key in required if not isinstance(entry.get(key), str) or not entry[key]]
    if kind == "urls" and ("urls" in entry) == ("file" in entry):
        raise ValueError(f"{where} (urls): give exactly one of 'urls' or 'file'")
    if missing:
        raise ValueError(f"{where} ({kind}): missing {', '.join(missing)} (a non-empty string)")


def _entry_urls(entry: dict[str, Any], base_dir: Path) -> list[str]:
    if "file" in entry:
        lines = _resolve(entry["file"], base_dir).read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    urls = entry["urls"]
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise ValueError(f"urls source: 'urls' must be a list of strings, got {urls!r}")
    return urls


def _folder_source(path: Path, max_bytes: int) -> Source:
    from trialwire.sources.folder import FolderSource  # written separately; imported only when used

    source: Source = FolderSource(path, max_bytes=max_bytes)
    return source


def _resolve(path: str, base_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base_dir / candidate


def _reject_unknown(keys: set[str], known: set[str], where: str) -> None:
    unknown = keys - known
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; expected some of {sorted(known)}")
