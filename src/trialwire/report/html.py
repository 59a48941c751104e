"""Self-contained HTML for the analyst report. Every value from the store goes through `esc`;
links are limited to http(s) and file URIs, so article text can never inject markup or script.

`render_index` writes the front page: counts, the decisions file's problems, a table of drugs with
what waits for review, and then either every drug's section (a small store) or links to one page per
drug (`render_drug_page`) and to the sources' pages (`render_sources_page`)."""
from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import urlparse

from ..paths import PROJ_ROOT
from ..reconcile.decisions import decision_stub
from .model import doc_label, registry_ids, sources_in_order, trial_label

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
nav a{margin-right:12px}code{font-size:13px}.num{text-align:right}
.open{font-weight:700;color:#cf222e}
.decide summary{color:#57606a;font-size:13px;cursor:pointer}.decide pre{background:#f6f8fa;padding:6px 10px;
border-radius:4px;font-size:13px;overflow-x:auto;user-select:all}
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


def _more(n: int, what: str) -> str:
    return f'<div class="muted more">and {n:,} more {what}</div>' if n else ""


def _aliases(view: dict, rows: list[dict]) -> str:
    if not rows:
        return '<p class="muted">No aliases asserted.</p>'
    body = []
    for a in rows:
        sources = "<br>".join(_doc_line(view, d) for d in a.get("docs_shown") or []) + _more(a.get("docs_more", 0), "documents")
        sim = f"{a['similarity']:.0f}" if a.get("similarity") is not None else ""
        decision = f'<div class="decision">Analyst: {esc(a["decision"])}</div>' if a.get("decision") else ""
        body.append(
            f'<tr class="alias-row" data-status="{esc(a["status"])}"><td><b>{esc(a["alias"])}</b></td>'
            f'<td>{badge("status", a["status"])}</td><td><code>{esc(a.get("reason_code"))}</code></td>'
            f'<td>{esc(a.get("reason"))}{decision}</td><td>{sources}</td>'
            f'<td>{esc(a.get("nearest_known"))} ({esc(sim)})</td></tr>')
    return ('<table class="aliases"><tr><th>Alias</th><th>Status</th><th>Reason code</th><th>Reason</th>'
            '<th>Sources (most credible first)</th><th>Nearest known name (similarity)</th></tr>' + "".join(body) + "</table>")


def _trials(view: dict, trials: list[dict]) -> str:
    if not trials:
        return '<p class="muted">No named trials.</p>'
    body = []
    for t in trials:
        ev = "".join(
            f'<li>{esc(g["name"])} &rarr; <b>{esc(g["linked_id"])}</b> ({esc(g["status"])}, {g["documents"]:,} document(s))'
            + "".join(f'<div>{_doc_line(view, e.get("doc_id") or "")}<blockquote>{esc(e.get("quote"))}</blockquote></div>'
                      for e in g["shown"])
            + _more(g["more"], "quotes") + "</li>"
            for g in t.get("links") or [])
        body.append(
            f'<tr><td><b>{esc(trial_label(t))}</b><br><span class="muted">{esc(", ".join(t.get("names") or []))}</span></td>'
            f'<td>{esc(", ".join(registry_ids(t)))}</td><td>{esc(t.get("phase"))}</td><td>{esc(t.get("enrolled"))}</td>'
            f'<td>{len(t.get("doc_ids") or [])}</td><td><ul>{ev}</ul></td></tr>')
    return ('<table class="trials"><tr><th>Trial (all names)</th><th>Registry ids</th><th>Phase</th><th>Enrolled</th>'
            '<th>Documents</th><th>Name-to-id links with evidence</th></tr>' + "".join(body) + "</table>")


def _conflict(view: dict, c: dict) -> str:
    sides = []
    for v in c.get("values_shown") or []:
        proposed = " proposed" if c.get("proposed_value") is not None and str(v.get("value")) == str(c.get("proposed_value")) else ""
        quotes = "".join(
            f'<div>{_doc_line(view, s.get("doc_id") or "")}<blockquote>{esc(s.get("quote"))}</blockquote></div>'
            for s in (v.get("sources_shown") or [])) + _more(v.get("sources_more", 0), "quotes (all in the conflicts table)")
        extra = f' &middot; status {esc(v["status"])}' if v.get("status") else ""
        levels = f' &middot; scope: {esc(", ".join(v.get("levels") or []))}' if v.get("levels") else ""
        sides.append(
            f'<div class="side{proposed}"><div class="value">{esc(v.get("value"))}</div>'
            f'<div class="muted">weight {esc(v.get("weight"))} &middot; {esc(v.get("independent_sources"))} independent '
            f'source(s) &middot; {esc(v.get("documents"))} document(s){extra}{levels}</div>{quotes}</div>')
    decision = f'<p class="decision">Analyst decision: {esc(c["decision"])}</p>' if c.get("decision") else ""
    return (f'<div class="card kind-row-{esc(c["kind"])}" id="{esc(c["conflict_id"])}">'
            f'<h4>{esc(c["subject"])} &middot; {esc(c["attribute"])} {badge("kind", c["kind"])} '
            f'<span class="muted"><code>{esc(c["conflict_id"])}</code></span></h4>'
            f'<div class="sides">{"".join(sides)}</div>{_other_values(c.get("values_rest") or [])}'
            f'<p><b>Proposed:</b> {esc(c.get("proposed_value") if c.get("proposed_value") is not None else "(none)")}</p>'
            f'<p>{esc(c.get("resolution"))}</p>{decision}'
            '<details class="decide"><summary>Record a decision: paste under <code>conflicts:</code> in '
            f'<code>decisions.yaml</code></summary><pre>{esc(decision_stub(c, indent=""))}</pre></details></div>')


def _other_values(values: list[dict]) -> str:
    if not values:
        return ""
    rows = "".join(f'<tr><td>{esc(v.get("value"))}</td><td class="num">{esc(v.get("weight"))}</td>'
                   f'<td class="num">{esc(v.get("independent_sources"))}</td><td class="num">{esc(v.get("documents"))}</td>'
                   f'<td>{esc(", ".join(v.get("levels") or []))}</td></tr>' for v in values)
    return (f'<details class="other-values"><summary>{len(values):,} more values, by weight (quotes in the conflicts table)</summary>'
            '<table><tr><th>Value</th><th>Weight</th><th>Independent sources</th><th>Documents</th><th>Scope</th></tr>'
            + rows + "</table></details>")


def _facts(d: dict) -> str:
    conds = ", ".join(f"{c} ({n})" for c, n in d["conditions"]) or "none recorded"
    doses = ", ".join(f"{x} ({n})" for x, n in d["doses"]) or "none recorded"
    return (f'<table class="facts"><tr><th>Documents</th><td>{len(d["doc_ids"])}</td></tr>'
            f'<tr><th>Conditions (documents)</th><td>{esc(conds)}</td></tr>'
            f'<tr><th>Doses (documents)</th><td>{esc(doses)}</td></tr></table>')


def drug_section(view: dict, d: dict) -> str:
    return (f'<section class="drug" id="drug-{esc(d["slug"])}"><h2>{esc(d["drug"])}</h2>'
            "<h3>Resolved facts</h3>" + _facts(d) + "<h3>Aliases</h3>" + _aliases(view, d["aliases"]) +
            "<h3>Trials</h3>" + _trials(view, d["trials"]) + "<h3>Conflicts and differences</h3>" +
            ("".join(_conflict(view, c) for c in d["conflicts"]) or '<p class="muted">None.</p>') + "</section>")


def _counts(counter, kinds: dict[str, str], cls: str) -> str:
    return " ".join(f'{badge(cls, k)}&nbsp;{counter[k]:,}' for k in kinds if counter.get(k)) or '<span class="muted">none</span>'


def _drug_table(view: dict, href) -> str:
    rows = "".join(
        f'<tr class="drug-row"><td><a href="{esc(href(d))}">{esc(d["drug"])}</a></td><td class="num">{len(d["doc_ids"]):,}</td>'
        f'<td>{_counts(d["alias_counts"], STATUS_COLOURS, "status")}</td><td class="num">{len(d["trials"]):,}</td>'
        f'<td>{_counts(d["conflict_counts"], KIND_COLOURS, "kind")}</td>'
        f'<td class="num{" open" if d["open"] else ""}">{d["open"]:,}</td></tr>'
        for d in view["drugs"])
    return ('<table class="drugs"><tr><th>Drug</th><th>Documents</th><th>Aliases</th><th>Trials</th>'
            '<th>Conflicts and differences</th><th>Open for review</th></tr>' + rows + "</table>"
            '<p class="muted">Open for review: unverified aliases and conflicts without an analyst decision.</p>')


def _other_section(view: dict) -> str:
    if not (view["other_conflicts"] or view["unassigned_trials"]):
        return ""
    return ('<section id="other"><h2>Other trials and conflicts</h2>' + _trials(view, view["unassigned_trials"]) +
            "".join(_conflict(view, c) for c in view["other_conflicts"]) + "</section>")


def _sources_table(rows: list[tuple[str, dict]], pager: str = "") -> str:
    body = []
    for doc_id, doc in rows:
        changed = (f'changed: version {doc["version"]}, previous {esc((doc.get("previous_doc_id") or "")[:10])}'
                   if (doc.get("version") or 1) > 1 else "")
        body.append(f'<tr><td>{link(doc, doc_id)}<br><span class="muted">{esc(doc.get("source"))}</span></td>'
                    f'<td>{esc(doc.get("kind"))}</td><td>{esc(doc.get("source_type"))}</td>'
                    f'<td>{esc("%.2f" % doc["credibility"] if doc.get("credibility") is not None else "")}</td>'
                    f'<td>{esc(", ".join(doc.get("signals") or []))}</td><td>{esc(doc.get("published"))}</td>'
                    f'<td>{changed}</td></tr>')
    return (f'<section id="sources"><h2>Sources</h2>{pager}<table><tr><th>Document</th><th>Kind</th><th>Source type</th>'
            '<th>Credibility</th><th>Signals</th><th>Published</th><th>Version</th></tr>' + "".join(body) + f"</table>{pager}</section>")


def _page(title: str, header: str, body: str) -> str:
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; img-src data:">'
            f'<title>{esc(title)}</title><style>{CSS}</style></head><body>{header}<main>{body}</main></body></html>')


def _header(view: dict, title: str, drug: dict | None = None) -> str:
    """The title and the counts: the store's, or one drug's on its own page."""
    counts = view["counts"] if drug is None else {
        "documents": len(drug["doc_ids"]), "trials": len(drug["trials"]),
        "aliases": drug["alias_counts"], "conflicts": drug["conflict_counts"]}
    summary = (f'{counts["documents"]:,} documents &middot; {counts["trials"]:,} trials &middot; aliases: '
               + (", ".join(f"{esc(k)} {v:,}" for k, v in sorted(counts["aliases"].items())) or "none")
               + " &middot; conflicts: " + (", ".join(f"{esc(k)} {v:,}" for k, v in sorted(counts["conflicts"].items())) or "none"))
    return (f'<header><h1>{esc(title)}</h1><div>{summary}</div>'
            f'<div class="muted" style="color:#d0d7de">Generated {esc(view["generated"])} from the stored tables.</div></header>')


def render_index(view: dict, sections: list[str] | None) -> str:
    """The front page: with `sections`, every drug's section follows the table; without, the table
    links to drugs/<slug>.html and the sources are on sources/1.html, 2.html, ..."""
    parts = []
    if view.get("stale"):
        parts.append(f'<div class="notice"><b>{view["stale"]:,} of {view["counts"]["documents"]:,} documents</b> were '
                     f'extracted by an older pipeline than this one (<code>{esc(view["pipeline_version"])}</code>): '
                     'their facts may differ from what it would extract. <code>trialwire ingest --reextract</code> '
                     'parses them again.</div>')
    if view["problems"]:
        parts.append('<div class="notice"><b>Decisions file:</b><ul>' +
                     "".join(f"<li>{esc(p)}</li>" for p in view["problems"]) + "</ul></div>")
    inline = sections is not None
    href = (lambda d: f'#drug-{d["slug"]}') if inline else (lambda d: f'drugs/{d["slug"]}.html')
    other = _other_section(view)
    parts.append('<nav><a href="#drugs">Drugs</a>' + ('<a href="#other">Other trials and conflicts</a>' if other else "")
                 + f'<a href="{"#sources" if inline else "sources/1.html"}">Sources</a></nav>')
    parts.append('<section id="drugs"><h2>Drugs</h2>' + _drug_table(view, href) + "</section>")
    if inline:
        parts.extend(sections)
    parts.append(other)
    if inline:
        parts.append(_sources_table(sources_in_order(view)))
    return _page("trialwire report", _header(view, "trialwire reconciliation report"), "".join(parts))


def render_drug_page(view: dict, section: str, drug: dict) -> str:
    nav = '<nav><a href="../report.html">All drugs</a><a href="../sources/1.html">Sources</a></nav>'
    name = drug["drug"]
    return _page(f"trialwire report: {name}", _header(view, f"trialwire reconciliation report: {name}", drug), nav + section)


def render_sources_page(view: dict, chunks: list[list[tuple[str, dict]]], number: int) -> str:
    """Page `number` (from 1) of the sources, as sources/<number>.html."""
    pager = ('<nav class="pager">Pages: ' + "".join(
        f"<b>{n}</b>" if n == number else f'<a href="{n}.html">{n}</a>' for n in range(1, len(chunks) + 1)) + "</nav>"
        if len(chunks) > 1 else "")
    return _page(f"trialwire report: sources, page {number}", _header(view, "trialwire reconciliation report: sources"),
                 '<nav><a href="../report.html">All drugs</a></nav>' + _sources_table(chunks[number - 1], pager))
