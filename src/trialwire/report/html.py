"""Self-contained HTML for the analyst report. Every value from the store goes through `esc`;
links are limited to http(s) and file URIs, so article text can never inject markup or script."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlparse

from ..paths import PROJ_ROOT
from .model import doc_label

STATUS_COLOURS = {"confirmed": "#1a7f37", "corroborated": "#0969da", "unverified": "#cf222e"}
KIND_COLOURS = {"conflict": "#8250df", "update": "#9a6700", "scope": "#1b7c83", "rounding": "#57606a"}

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#24292f;color:#fff;padding:18px 28px}header h1{margin:0 0 4px;font-size:22px}
main{padding:8px 28px 40px;max-width:1400px}
h2{border-bottom:2px solid #d0d7de;padding-bottom:4px;margin-top:34px}h3{margin:22px 0 8px}
table{border-collapse:collapse;width:100%;margin:6px 0 14px}th,td{border:1px solid #d0d7de;padding:5px 8px;
vertical-align:top;text-align:left}th{background:#f6f8fa}
.badge{display:inline-block;padding:2px 9px;border-radius:11px;color:#fff;font-weight:600;font-size:13px;white-space:nowrap}
""" + "".join(f".status-{k}{{background:{v}}}" for k, v in STATUS_COLOURS.items()) + \
    "".join(f".kind-{k}{{background:{v}}}" for k, v in KIND_COLOURS.items()) + """
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:12px 0;background:#fff}
.card.kind-row-conflict{border-left:6px solid #8250df}.muted{color:#57606a;font-size:13px}
blockquote{margin:4px 0;padding:4px 10px;border-left:3px solid #d0d7de;background:#f6f8fa;font-size:13px}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:10px}
.side{border:1px solid #d0d7de;border-radius:6px;padding:8px}.side.proposed{border:2px solid #1a7f37}
.value{font-size:17px;font-weight:700}.decision{background:#fff8c5;padding:4px 8px;border-radius:4px}
.notice{background:#fff8c5;border:1px solid #d4a72c;padding:8px 12px;border-radius:6px}
nav a{margin-right:12px}code{font-size:13px}
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def safe_href(link: str | None) -> str | None:
    if not link:
        return None
    scheme = urlparse(link).scheme.lower()
    if scheme in ("http", "https"):
        return link
    if scheme in ("", "file") or re.match(r"^[a-zA-Z]:[\\/]", link):
        path = Path(link[7:] if link.startswith("file://") else link)
        if not path.is_absolute():
            path = PROJ_ROOT / path  # sources are recorded relative to the project root
        return path.resolve().as_uri()
    return None


def link(doc: dict | None, doc_id: str, text: str | None = None) -> str:
    label = esc(text or doc_label(doc, doc_id))
    href = safe_href((doc or {}).get("url") or (doc or {}).get("source"))
    return f'<a href="{esc(href)}">{label}</a>' if href else label


def badge(kind: str, value: str) -> str:
    cls = re.sub(r"[^a-z_]", "", value.lower())
    return f'<span class="badge {kind}-{cls}">{esc(value)}</span>'


def _doc_line(view: dict, doc_id: str) -> str:
    d = view["docs"].get(doc_id)
    if d is None:
        return esc(doc_id)
    bits = [d.get("source_type") or d.get("kind"), f"credibility {d['credibility']:.2f}" if d.get("credibility") is not None else None,
            str(d["published"]) if d.get("published") else None]
    changed = " (changed: version %s)" % d["version"] if (d.get("version") or 1) > 1 else ""
    return f'{link(d, doc_id)} <span class="muted">{esc(", ".join(b for b in bits if b))}{esc(changed)}</span>'


def _aliases(view: dict, rows: list[dict]) -> str:
    if not rows:
        return '<p class="muted">No aliases asserted.</p>'
    body = []
    for a in rows:
        sources = "<br>".join(_doc_line(view, d) for d in a.get("doc_ids") or [])
        sim = f"{a['similarity']:.0f}" if a.get("similarity") is not None else ""
        decision = f'<div class="decision">Analyst: {esc(a["decision"])}</div>' if a.get("decision") else ""
        body.append(
            f'<tr class="alias-row" data-status="{esc(a["status"])}"><td><b>{esc(a["alias"])}</b></td>'
            f'<td>{badge("status", a["status"])}</td><td><code>{esc(a.get("reason_code"))}</code></td>'
            f'<td>{esc(a.get("reason"))}{decision}</td><td>{sources}</td>'
            f'<td>{esc(a.get("nearest_known"))} ({esc(sim)})</td></tr>')
    return ('<table class="aliases"><tr><th>Alias</th><th>Status</th><th>Reason code</th><th>Reason</th>'
            '<th>Sources</th><th>Nearest known name (similarity)</th></tr>' + "".join(body) + "</table>")


def _trials(view: dict, trials: list[dict]) -> str:
    if not trials:
        return '<p class="muted">No named trials.</p>'
    body = []
    for t in trials:
        ev = "".join(
            f'<li>{esc(e.get("name"))} &rarr; <b>{esc(e.get("nct_id"))}</b> ({esc(e.get("status"))}) in '
            f'{_doc_line(view, e.get("doc_id") or "")}<blockquote>{esc(e.get("quote"))}</blockquote></li>'
            for e in t.get("evidence") or [])
        body.append(
            f'<tr><td><b>{esc(t.get("name") or t.get("nct_id"))}</b><br><span class="muted">{esc(", ".join(t.get("names") or []))}</span></td>'
            f'<td>{esc(t.get("nct_id"))}</td><td>{esc(t.get("phase"))}</td><td>{esc(t.get("enrolled"))}</td>'
            f'<td>{len(t.get("doc_ids") or [])}</td><td><ul>{ev}</ul></td></tr>')
    return ('<table class="trials"><tr><th>Trial (all names)</th><th>NCT id</th><th>Phase</th><th>Enrolled</th>'
            '<th>Documents</th><th>Name-to-NCT links with evidence</th></tr>' + "".join(body) + "</table>")


def _conflict(view: dict, c: dict) -> str:
    sides = []
    for v in c.get("values") or []:
        proposed = " proposed" if c.get("proposed_value") is not None and str(v.get("value")) == str(c.get("proposed_value")) else ""
        quotes = "".join(
            f'<div>{_doc_line(view, s.get("doc_id") or "")}<blockquote>{esc(s.get("quote"))}</blockquote></div>'
            for s in (v.get("sources") or []))
        extra = f' &middot; status {esc(v["status"])}' if v.get("status") else ""
        levels = f' &middot; scope: {esc(", ".join(v.get("levels") or []))}' if v.get("levels") else ""
        sides.append(
            f'<div class="side{proposed}"><div class="value">{esc(v.get("value"))}</div>'
            f'<div class="muted">weight {esc(v.get("weight"))} &middot; {esc(v.get("independent_sources"))} independent '
            f'source(s){extra}{levels}</div>{quotes}</div>')
    decision = f'<p class="decision">Analyst decision: {esc(c["decision"])}</p>' if c.get("decision") else ""
    return (f'<div class="card kind-row-{esc(c["kind"])}" id="{esc(c["conflict_id"])}">'
            f'<h4>{esc(c["subject"])} &middot; {esc(c["attribute"])} {badge("kind", c["kind"])} '
            f'<span class="muted"><code>{esc(c["conflict_id"])}</code></span></h4>'
            f'<div class="sides">{"".join(sides)}</div>'
            f'<p><b>Proposed:</b> {esc(c.get("proposed_value") if c.get("proposed_value") is not None else "(none)")}</p>'
            f'<p>{esc(c.get("resolution"))}</p>{decision}</div>')


def _facts(d: dict) -> str:
    conds = ", ".join(f"{c} ({n})" for c, n in d["conditions"]) or "none recorded"
    doses = ", ".join(f"{x} ({n})" for x, n in d["doses"]) or "none recorded"
    return (f'<table class="facts"><tr><th>Documents</th><td>{len(d["doc_ids"])}</td></tr>'
            f'<tr><th>Conditions (documents)</th><td>{esc(conds)}</td></tr>'
            f'<tr><th>Doses (documents)</th><td>{esc(doses)}</td></tr></table>')


def render_html(view: dict) -> str:
    counts = view["counts"]
    summary = (f'{counts["documents"]} documents &middot; {counts["trials"]} trials &middot; aliases: '
               + ", ".join(f"{esc(k)} {v}" for k, v in sorted(counts["aliases"].items()))
               + " &middot; conflicts: " + ", ".join(f"{esc(k)} {v}" for k, v in sorted(counts["conflicts"].items())))
    parts = [f'<header><h1>trialwire reconciliation report</h1><div>{summary}</div>'
             f'<div class="muted" style="color:#d0d7de">Generated {esc(view["generated"])} from the stored tables.</div></header><main>']
    if view["problems"]:
        parts.append('<div class="notice"><b>Decisions file:</b><ul>' +
                     "".join(f"<li>{esc(p)}</li>" for p in view["problems"]) + "</ul></div>")
    parts.append("<nav>" + "".join(f'<a href="#drug-{esc(d["drug"])}">{esc(d["drug"])}</a>' for d in view["drugs"]) +
                 '<a href="#sources">Sources</a></nav>')
    for d in view["drugs"]:
        parts.append(f'<section class="drug" id="drug-{esc(d["drug"])}"><h2>{esc(d["drug"])}</h2>')
        parts.append("<h3>Resolved facts</h3>" + _facts(d))
        parts.append("<h3>Aliases</h3>" + _aliases(view, d["aliases"]))
        parts.append("<h3>Trials</h3>" + _trials(view, d["trials"]))
        parts.append("<h3>Conflicts and differences</h3>" +
                     ("".join(_conflict(view, c) for c in d["conflicts"]) or '<p class="muted">None.</p>'))
        parts.append("</section>")
    if view["other_conflicts"] or view["unassigned_trials"]:
        parts.append('<section><h2>Other trials and conflicts</h2>' + _trials(view, view["unassigned_trials"]) +
                     "".join(_conflict(view, c) for c in view["other_conflicts"]) + "</section>")
    rows = []
    for doc_id, doc in sorted(view["latest"].items(), key=lambda kv: str(kv[1].get("source"))):
        changed = (f'changed: version {doc["version"]}, previous {esc((doc.get("previous_doc_id") or "")[:10])}'
                   if (doc.get("version") or 1) > 1 else "")
        rows.append(f'<tr><td>{link(doc, doc_id)}<br><span class="muted">{esc(doc.get("source"))}</span></td>'
                    f'<td>{esc(doc.get("kind"))}</td><td>{esc(doc.get("source_type"))}</td>'
                    f'<td>{esc("%.2f" % doc["credibility"] if doc.get("credibility") is not None else "")}</td>'
                    f'<td>{esc(", ".join(doc.get("signals") or []))}</td><td>{esc(doc.get("published"))}</td>'
                    f'<td>{changed}</td></tr>')
    parts.append('<section id="sources"><h2>Sources</h2><table><tr><th>Document</th><th>Kind</th><th>Source type</th>'
                 '<th>Credibility</th><th>Signals</th><th>Published</th><th>Version</th></tr>' + "".join(rows) +
                 "</table></section></main>")
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">'
            f'<title>trialwire report</title><style>{CSS}</style></head><body>' + "".join(parts) + "</body></html>")
