"""Analyst report (HTML and Markdown) built from the stored tables only.

`write_report(out)` reads documents, drugs, conditions, doses and the reconciliation tables
(aliases, conflicts, trial_registry) through the store and writes out/reports/report.html and
report.md. A small store gets one page each. When the drugs' sections would pass `one_page_chars`,
the front page keeps the table of drugs and links to one page per drug (reports/drugs/<slug>.html
and .md) and to the sources, 2,000 to a page (reports/sources/1.html and .md, ...), so a store of tens of thousands of
documents gives pages a browser opens. The HTML is self-contained (inline CSS, no scripts, no
external resources) and every piece of article text passes through html.escape.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..store import Store
from ..store.dataset import fsync_write
from . import html, markdown
from .model import build_view, source_chunks

# About 2 MB of HTML: Chromium lays such a page out in about a second (the whole report of a
# 1,000-document store was 4 MB with every quote, 45 MB at 10,000 documents).
ONE_PAGE_CHARS = 2_000_000


def _write(path: Path, body: str) -> Path:
    fsync_write(path, body.encode("utf-8"))
    return path


def _write_folder(folder: Path, pages: Iterable[tuple[str, str]]) -> None:
    """Writes the pages into a fresh folder, then swaps it in for the old one: a drug that left the
    store leaves no page behind, and a crash while writing leaves the old pages whole."""
    new, old = folder.with_name(f".{folder.name}.new"), folder.with_name(f".{folder.name}.old")
    for stale in (new, old):
        shutil.rmtree(stale, ignore_errors=True)
    new.mkdir()
    for name, body in pages:
        (new / name).write_text(body, encoding="utf-8")
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def _drug_pages(view: dict, sections: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for d, (h, m) in zip(view["drugs"], sections):
        yield f"{d['slug']}.html", html.render_drug_page(view, h, d)
        yield f"{d['slug']}.md", markdown.render_drug_page(view, m, d)


def _source_pages(view: dict) -> Iterator[tuple[str, str]]:
    chunks = source_chunks(view)
    for number in range(1, len(chunks) + 1):
        yield f"{number}.html", html.render_sources_page(view, chunks, number)
        yield f"{number}.md", markdown.render_sources_page(view, chunks, number)


def write_report(out: Path, one_page_chars: int = ONE_PAGE_CHARS) -> list[Path]:
    """Writes the report; returns the front pages (report.html, report.md)."""
    out = Path(out)
    view = build_view(Store(out), out)
    folder = out / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    sections = [(html.drug_section(view, d), markdown.drug_section(view, d)) for d in view["drugs"]]
    paged = sum(len(h) for h, _ in sections) > one_page_chars
    if paged:
        _write_folder(folder / "drugs", _drug_pages(view, sections))
        _write_folder(folder / "sources", _source_pages(view))
        index = (html.render_index(view, None), markdown.render_index(view, None))
    else:
        index = (html.render_index(view, [h for h, _ in sections]), markdown.render_index(view, [m for _, m in sections]))
    written = [_write(folder / "report.html", index[0]), _write(folder / "report.md", index[1])]
    if not paged:  # pages an earlier, larger report left
        for name in ("drugs", "sources"):
            shutil.rmtree(folder / name, ignore_errors=True)
    return written


__all__ = ["write_report", "ONE_PAGE_CHARS"]
