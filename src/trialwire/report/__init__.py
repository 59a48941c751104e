"""Analyst report (HTML and Markdown) built from the stored tables only.

`write_report(out)` reads documents, drugs, conditions, doses and the reconciliation tables
(aliases, conflicts, trial_registry) through the store and writes out/reports/report.html and
out/reports/report.md. The HTML is self-contained (inline CSS, no scripts, no external
resources) and every piece of article text passes through html.escape.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..store import Store
from .html import render_html
from .markdown import render_markdown
from .model import build_view


def write_report(out: Path) -> list[Path]:
    out = Path(out)
    view = build_view(Store(out), out)
    folder = out / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, body in (("report.html", render_html(view)), ("report.md", render_markdown(view))):
        path = folder / name
        tmp = folder / f".{name}.tmp"
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


__all__ = ["write_report"]
