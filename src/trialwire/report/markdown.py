"""Markdown version of the analyst report (same view model and same pages as the HTML). Article
text is escaped too (< > & and table pipes), so a Markdown viewer that renders HTML runs nothing."""
from __future__ import annotations

import html

from ..reconcile.decisions import decision_stub
from .model import doc_label, registry_ids, sources_in_order, trial_label


def md(value) -> str:
    text = html.escape("" if value is None else str(value), quote=False)
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "\\`")


def _doc(view: dict, doc_id: str) -> str:
    d = view["docs"].get(doc_id) or {}
    target = d.get("url") or d.get("source") or doc_id
    title = md(doc_label(d, doc_id))
    return f"[{title}](<{md(target)}>) ({md(d.get('source_type'))}, {d.get('credibility') or 0:.2f})"


def _more(n: int, what: str) -> str:
    return f" … and {n:,} more {what}" if n else ""


def drug_section(view: dict, d: dict) -> str:
    lines = [f"## {md(d['drug'])}", "",
             f"Documents: {len(d['doc_ids']):,}  ",
             f"Conditions: {md(', '.join(f'{x} ({n})' for x, n in d['conditions']) or 'none')}  ",
             f"Doses: {md(', '.join(f'{x} ({n})' for x, n in d['doses']) or 'none')}", "", "### Aliases", ""]
    if d["aliases"]:
        lines += ["| Alias | Status | Reason code | Reason | Sources | Nearest known (similarity) | Decision |",
                  "|---|---|---|---|---|---|---|"]
        for a in d["aliases"]:
            sim = f"{a['similarity']:.0f}" if a.get("similarity") is not None else ""
            sources = "<br>".join(_doc(view, x) for x in a.get("docs_shown") or []) + _more(a.get("docs_more", 0), "documents")
            lines.append(f"| {md(a['alias'])} | **{md(a['status'])}** | {md(a.get('reason_code'))} | {md(a.get('reason'))} | "
                         f"{sources} | {md(a.get('nearest_known'))} ({sim}) | {md(a.get('decision'))} |")
    lines += ["", "### Trials", ""]
    lines += _trials(view, d["trials"])
    lines += ["", "### Conflicts and differences", ""]
    for x in d["conflicts"]:
        lines += _conflict(view, x)
    return "\n".join(lines) + "\n"


def _trials(view: dict, trials: list[dict]) -> list[str]:
    lines = []
    for t in trials:
        lines.append(f"- **{md(trial_label(t))}** {md(', '.join(registry_ids(t)) or 'no registry id')}, phase {md(t.get('phase'))}, "
                     f"enrolled {md(t.get('enrolled'))}; names: {md(', '.join(t.get('names') or []))}")
        for g in t.get("links") or []:
            lines.append(f"  - {md(g['name'])} -> {md(g['linked_id'])} ({md(g['status'])}, {g['documents']:,} document(s))"
                         + _more(g["more"], "quotes"))
            lines += [f"    - > {md(e.get('quote'))} — {_doc(view, e.get('doc_id') or '')}" for e in g["shown"]]
    return lines


def _conflict(view: dict, c: dict) -> list[str]:
    out = [f"#### {md(c['subject'])} · {md(c['attribute'])} · **{md(c['kind'])}** (`{md(c['conflict_id'])}`)", "",
           "| Value | Weight | Documents | Sources and quotes (most credible first) |", "|---|---|---|---|"]
    for v in c.get("values_shown") or []:
        quotes = "<br>".join(f"{_doc(view, s.get('doc_id') or '')}: “{md(s.get('quote'))}”" for s in v.get("sources_shown") or [])
        out.append(f"| {md(v.get('value'))} | {md(v.get('weight'))} | {md(v.get('documents'))} | "
                   f"{quotes}{_more(v.get('sources_more', 0), 'quotes')} |")
    rest = c.get("values_rest") or []
    if rest:
        out += ["", f"{len(rest):,} more values, by weight (value, weight, documents): "
                + "; ".join(f"{md(v.get('value'))} ({md(v.get('weight'))}, {md(v.get('documents'))})" for v in rest)]
    proposed = md(c.get("proposed_value")) if c.get("proposed_value") is not None else "(none)"
    out += ["", f"Proposed: **{proposed}**. {md(c.get('resolution'))}"]
    if c.get("decision"):
        out.append(f"Analyst decision: {md(c['decision'])}")
    out += ["", "Record a decision (under `conflicts:` in `decisions.yaml`):", "", "```yaml",
            decision_stub(c, indent=""), "```"]
    return out + [""]


def _sources(view: dict, rows: list[tuple[str, dict]]) -> list[str]:
    lines = ["## Sources", "", "| Document | Kind | Source type | Credibility | Signals | Published | Version |",
             "|---|---|---|---|---|---|---|"]
    for doc_id, d in rows:
        changed = f"changed: v{d['version']}" if (d.get("version") or 1) > 1 else "1"
        lines.append(f"| {_doc(view, doc_id)} | {md(d.get('kind'))} | {md(d.get('source_type'))} | "
                     f"{d.get('credibility') or 0:.2f} | {md(', '.join(d.get('signals') or []))} | {md(d.get('published'))} | {changed} |")
    return lines


def _header(view: dict, title: str) -> list[str]:
    c = view["counts"]
    return [f"# {title}", "",
            f"Generated {view['generated']} from the stored tables. {c['documents']:,} documents, {c['trials']:,} trials; "
            f"aliases {dict(c['aliases'])}; conflicts {dict(c['conflicts'])}.", ""]


def render_index(view: dict, sections: list[str] | None) -> str:
    """As the HTML front page: every drug's section inline, or a table linking to drugs/<slug>.md."""
    lines = _header(view, "trialwire reconciliation report")
    if view.get("stale"):
        lines += [f"**{view['stale']:,} of {view['counts']['documents']:,} documents** were extracted by an older "
                  f"pipeline than this one (`{view['pipeline_version']}`): `trialwire ingest --reextract` parses them "
                  "again.", ""]
    if view["problems"]:
        lines += ["**Decisions file:**", *[f"- {md(p)}" for p in view["problems"]], ""]
    inline = sections is not None
    lines += ["## Drugs", "", "| Drug | Documents | Aliases | Trials | Conflicts and differences | Open for review |",
              "|---|---|---|---|---|---|"]
    for d in view["drugs"]:
        name = md(d["drug"]) if inline else f"[{md(d['drug'])}](drugs/{d['slug']}.md)"
        aliases = ", ".join(f"{k} {n:,}" for k, n in sorted(d["alias_counts"].items())) or "none"
        kinds = ", ".join(f"{k} {n:,}" for k, n in sorted(d["conflict_counts"].items())) or "none"
        lines.append(f"| {name} | {len(d['doc_ids']):,} | {aliases} | {len(d['trials']):,} | {kinds} | {d['open']:,} |")
    lines.append("")
    if inline:
        lines += sections
    if view["other_conflicts"] or view["unassigned_trials"]:
        lines += ["## Other trials and conflicts", "", *_trials(view, view["unassigned_trials"]), ""]
        for x in view["other_conflicts"]:
            lines += _conflict(view, x)
    lines += _sources(view, sources_in_order(view)) if inline else ["Sources: [sources/1.md](sources/1.md)"]
    return "\n".join(lines) + "\n"


def render_drug_page(view: dict, section: str, drug: dict) -> str:
    return (f"# trialwire reconciliation report: {md(drug['drug'])}\n\nGenerated {view['generated']} from the stored tables. "
            "[All drugs](../report.md) · [Sources](../sources/1.md)\n\n" + section)


def render_sources_page(view: dict, chunks: list[list[tuple[str, dict]]], number: int) -> str:
    pager = ["Pages: " + " ".join(f"**{n}**" if n == number else f"[{n}]({n}.md)" for n in range(1, len(chunks) + 1)), ""]
    return "\n".join(_header(view, "trialwire reconciliation report: sources") + ["[All drugs](../report.md)", ""]
                     + (pager if len(chunks) > 1 else []) + _sources(view, chunks[number - 1])) + "\n"
