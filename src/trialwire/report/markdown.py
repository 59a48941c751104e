"""Markdown version of the analyst report (same view model as the HTML). Article text is
escaped too (< > & and table pipes), so a Markdown viewer that renders HTML runs nothing."""
from __future__ import annotations

import html

from .model import doc_label


def md(value) -> str:
    text = html.escape("" if value is None else str(value), quote=False)
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "\\`")


def _doc(view: dict, doc_id: str) -> str:
    d = view["docs"].get(doc_id) or {}
    target = d.get("url") or d.get("source") or doc_id
    title = md(doc_label(d, doc_id))
    return f"[{title}](<{md(target)}>) ({md(d.get('source_type'))}, {d.get('credibility') or 0:.2f})"


def render_markdown(view: dict) -> str:
    c = view["counts"]
    lines = ["# trialwire reconciliation report", "",
             f"Generated {view['generated']} from the stored tables. {c['documents']} documents, {c['trials']} trials; "
             f"aliases {dict(c['aliases'])}; conflicts {dict(c['conflicts'])}.", ""]
    if view["problems"]:
        lines += ["**Decisions file:**", *[f"- {md(p)}" for p in view["problems"]], ""]
    for d in view["drugs"]:
        lines += [f"## {md(d['drug'])}", "",
                  f"Conditions: {md(', '.join(f'{x} ({n})' for x, n in d['conditions']) or 'none')}  ",
                  f"Doses: {md(', '.join(f'{x} ({n})' for x, n in d['doses']) or 'none')}", "", "### Aliases", ""]
        if d["aliases"]:
            lines += ["| Alias | Status | Reason code | Reason | Sources | Nearest known (similarity) | Decision |",
                      "|---|---|---|---|---|---|---|"]
            for a in d["aliases"]:
                sim = f"{a['similarity']:.0f}" if a.get("similarity") is not None else ""
                lines.append(f"| {md(a['alias'])} | **{md(a['status'])}** | {md(a.get('reason_code'))} | {md(a.get('reason'))} | "
                             f"{'<br>'.join(_doc(view, x) for x in a.get('doc_ids') or [])} | {md(a.get('nearest_known'))} ({sim}) | "
                             f"{md(a.get('decision'))} |")
        lines += ["", "### Trials", ""]
        for t in d["trials"]:
            lines.append(f"- **{md(t.get('name') or t.get('nct_id'))}** NCT {md(t.get('nct_id'))}, phase {md(t.get('phase'))}, "
                         f"enrolled {md(t.get('enrolled'))}; names: {md(', '.join(t.get('names') or []))}")
            for e in t.get("evidence") or []:
                lines.append(f"  - {md(e.get('name'))} -> {md(e.get('nct_id'))} ({md(e.get('status'))}): "
                             f"> {md(e.get('quote'))} — {_doc(view, e.get('doc_id') or '')}")
        lines += ["", "### Conflicts and differences", ""]
        for x in d["conflicts"]:
            lines += _conflict(view, x)
    if view["other_conflicts"]:
        lines += ["## Other conflicts", ""]
        for x in view["other_conflicts"]:
            lines += _conflict(view, x)
    lines += ["## Sources", "", "| Document | Kind | Source type | Credibility | Signals | Published | Version |",
              "|---|---|---|---|---|---|---|"]
    for doc_id, d in sorted(view["latest"].items(), key=lambda kv: str(kv[1].get("source"))):
        changed = f"changed: v{d['version']}" if (d.get("version") or 1) > 1 else "1"
        lines.append(f"| {_doc(view, doc_id)} | {md(d.get('kind'))} | {md(d.get('source_type'))} | "
                     f"{d.get('credibility') or 0:.2f} | {md(', '.join(d.get('signals') or []))} | {md(d.get('published'))} | {changed} |")
    return "\n".join(lines) + "\n"


def _conflict(view: dict, c: dict) -> list[str]:
    out = [f"#### {md(c['subject'])} · {md(c['attribute'])} · **{md(c['kind'])}** (`{md(c['conflict_id'])}`)", "",
           "| Value | Weight | Sources and quotes |", "|---|---|---|"]
    for v in c.get("values") or []:
        quotes = "<br>".join(f"{_doc(view, s.get('doc_id') or '')}: “{md(s.get('quote'))}”" for s in v.get("sources") or [])
        out.append(f"| {md(v.get('value'))} | {md(v.get('weight'))} | {quotes} |")
    out += ["", f"Proposed: **{md(c.get('proposed_value'))}**. {md(c.get('resolution'))}"]
    if c.get("decision"):
        out.append(f"Analyst decision: {md(c['decision'])}")
    return out + [""]
