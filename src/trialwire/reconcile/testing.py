"""Build small, realistic stores for tests: documents plus facts whose offsets point into the text.

    b = StoreBuilder(tmp_path)
    d = b.doc("seed/004.txt", text, kind="qa", url="https://www.droracle.ai/a/1")
    b.fact("drug_aliases", d, "Rocatan", drug="rocatinlimab", alias="Rocatan")
    b.commit()

`fact(table, doc, anchor, **columns)` finds `anchor` in the document text and fills the
provenance columns (offsets, sentence, component, confidence) from it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from ..store import Store
from .credibility import assess_source

RUN = {"run_id": "test-run", "pipeline_version": "test"}


class StoreBuilder:
    def __init__(self, root: Path, run_id: str = "test-run", ingest_date: dt.date = dt.date(2026, 1, 1)):
        self.root = Path(root)
        self.run_id, self.ingest_date = run_id, ingest_date
        self.rows: dict[str, list[dict]] = {}
        self.texts: dict[str, str] = {}

    def doc(self, source: str, text: str, *, kind: str = "news", url: str | None = None,
            title: str | None = None, published: dt.date | None = None, byline: str | None = None,
            site: str | None = None, version: int = 1, previous_doc_id: str | None = None,
            assess: bool = True) -> str:
        doc_id = hashlib.sha256(text.encode()).hexdigest()[:32]
        a = assess_source(text=text, kind=kind, url=url, title=title, byline=byline, published=published,
                          site=site) if assess else None
        self.rows.setdefault("documents", []).append({
            "doc_id": doc_id, "source": source, "url": url, "raw_sha256": doc_id, "kind": kind,
            "source_type": a.source_type if a else None, "credibility": a.credibility if a else None,
            "signals": list(a.signals) if a else None, "title": title or text.strip().splitlines()[0][:120],
            "published": published, "byline": byline, "site": site, "lang": "en", "encoding": "utf-8",
            "n_chars": len(text), "n_words": len(text.split()), "version": version,
            "previous_doc_id": previous_doc_id, "text": text,
            "ingested_at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc), "run_id": self.run_id,
            "pipeline_version": "test"})
        self.texts[doc_id] = text
        return doc_id

    def fact(self, table: str, doc_id: str, anchor: str | None = None, *, confidence: float = 0.9,
             component: str = "test", **columns) -> dict:
        text = self.texts[doc_id]
        start = text.find(anchor) if anchor else -1
        prov = {"doc_id": doc_id, "start_char": None, "end_char": None, "sent_index": None, "sentence": None,
                "component": component, "confidence": confidence, "assertion": None,
                "run_id": self.run_id, "pipeline_version": "test"}
        if start >= 0:
            s0 = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
            ends = [i for i in (text.find(". ", start), text.find("\n", start)) if i >= 0]
            s1 = min(ends) + 1 if ends else len(text)
            prov.update(start_char=start, end_char=start + len(anchor), sent_index=text.count("\n", 0, start),
                        sentence=text[s0:s1].strip())
        row = {**prov, **columns}
        self.rows.setdefault(table, []).append(row)
        return row

    def commit(self) -> Path:
        writer = Store(self.root).begin(self.run_id, self.ingest_date)
        for table, rows in self.rows.items():
            writer.add(table, rows)
        writer.commit()
        self.rows = {}
        return self.root
