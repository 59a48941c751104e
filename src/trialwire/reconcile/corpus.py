"""Everything reconciliation compares, read once from the store: the newest version of each source
and its facts, with each document's credibility (computed here when the documents table lacks it)."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Iterable

from ..kb import DrugKB, load_kb, name_key
from ..memory import release_freed_memory
from ..store import TABLES, Store
from .credibility import CredibilityModel, assess_source, url_host

# The fact tables reconciliation reads as rows. Endpoints, conditions and adverse events are not
# compared across sources (endpoint results are); they are 40% of the fact rows, and loading them
# cost memory and time for nothing. Mentions are only counted (`mention_counts`).
FACT_TABLES = ["drugs", "drug_aliases", "trials", "sample_sizes", "doses", "endpoint_results"]


@dataclass
class SourceDoc:
    doc_id: str
    source: str
    url: str | None
    kind: str
    source_type: str
    credibility: float
    signals: tuple[str, ...]
    title: str | None
    published: dt.date | None
    site: str | None
    text: str | None  # None once Corpus.release_texts() ran
    version: int
    previous_doc_id: str | None

    @cached_property  # asked once per claim: parsing the URL each time was 7% of reconciliation
    def origin(self) -> str:
        """Independence key: the site (URL host, else site name, else the source itself)."""
        host = url_host(self.url) or url_host(self.source)
        if host:
            return host
        if self.site:
            return re.sub(r"[^a-z0-9.]", "", self.site.lower()) or self.source
        return self.source

    @property
    def link(self) -> str:
        return self.url or self.source


@dataclass
class Corpus:
    docs: dict[str, SourceDoc]  # newest version per source only
    superseded: dict[str, list[str]]  # newest doc_id -> older doc_ids at the same source
    facts: dict[str, list[dict]]  # table -> rows of newest versions (FACT_TABLES)
    kb: DrugKB
    model: CredibilityModel
    main_drug: dict[str, str | None] = field(default_factory=dict)

    def doc(self, doc_id: str) -> SourceDoc | None:
        return self.docs.get(doc_id)

    def release_texts(self, keep: Iterable[str] = ()) -> None:
        """Drop the texts (most of the corpus's memory after the facts: 172 MB at 25,000 documents)
        of every document but those in `keep`, once nothing further reads them; a step that still
        does then fails loudly. Texts live in the C heap, outside Python's object arenas, so their
        pages go back to the system at once, for the claims that follow to grow into."""
        keep = set(keep)
        for doc_id, d in self.docs.items():
            if doc_id not in keep:
                d.text = None
        release_freed_memory()

    @cached_property
    def oldest_published(self) -> dt.date | None:
        """The oldest publication date of any document (recency weights count from it)."""
        return min((d.published for d in self.docs.values() if d.published), default=None)


def canonical_drug(name: str | None, kb: DrugKB) -> str | None:
    if not name:
        return None
    entry = kb.resolve(name)
    return entry.canonical_name if entry else name.strip().lower()


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


Sources = tuple[dict[str, SourceDoc], dict[str, list[str]]]  # Corpus.docs, Corpus.superseded
# What load_sources reads of the documents table besides the texts (read apart, by _texts).
SOURCE_COLUMNS = ["doc_id", "source", "url", "kind", "source_type", "credibility", "signals", "title", "published",
                  "byline", "site", "version", "previous_doc_id", "ingested_at"]


def load_corpus(out: Path, model: CredibilityModel, kb: DrugKB | None = None, sources: Sources | None = None) -> Corpus:
    """`sources`: load_sources(Store(out), model) when the caller has it already."""
    store = Store(out)
    kb = kb or load_kb()
    docs, superseded = sources or load_sources(store, model)
    facts = {}
    shared: dict[str, str] = {}  # one str object per distinct sentence, doc_id, run_id...
    for table in FACT_TABLES:
        facts[table] = [_share_strings(r, shared) for r in _read_facts(store, table).to_pylist() if r["doc_id"] in docs]
    for table in ("drugs", "drug_aliases", "doses", "endpoint_results", "trials"):
        for r in facts[table]:
            if r.get("drug"):
                r["drug"] = canonical_drug(r["drug"], kb)
    corpus = Corpus(docs, superseded, facts, kb, model)
    corpus.main_drug = _main_drugs(corpus, mention_counts(store, docs))
    return corpus


def load_sources(store: Store, model: CredibilityModel) -> Sources:
    """The newest version of each source, and the older versions it supersedes."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for row in store.read("documents", SOURCE_COLUMNS).to_pylist():
        by_source[row["source"]].append(row)
    newest, superseded = {}, {}
    for versions in by_source.values():
        versions.sort(key=lambda r: (r.get("version") or 1, r.get("ingested_at") or dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
        row = versions[-1]
        newest[row["doc_id"]] = row
        older = [v["doc_id"] for v in versions[:-1] if v["doc_id"] != row["doc_id"]]
        if older:
            superseded[row["doc_id"]] = older
    texts = _texts(store, newest)
    docs = {}
    for doc_id, row in newest.items():
        text, published = texts.get(doc_id) or "", _as_date(row.get("published"))
        stype, cred, signals = row.get("source_type"), row.get("credibility"), row.get("signals")
        if not stype or cred is None:
            a = assess_source(text=text, kind=row.get("kind") or "other", url=row.get("url"),
                              title=row.get("title"), byline=row.get("byline"), published=published,
                              site=row.get("site"), model=model)
            stype, cred, signals = stype or a.source_type, a.credibility if cred is None else cred, signals or a.signals
        docs[doc_id] = SourceDoc(
            doc_id, row["source"], row.get("url"), row.get("kind") or "other", stype, float(cred),
            tuple(signals or ()), row.get("title"), published, row.get("site"), text,
            row.get("version") or 1, row.get("previous_doc_id"))
    return docs, superseded


def _texts(store: Store, wanted: Iterable[str]) -> dict[str, str]:
    """The text of each wanted document, read one stored file at a time: the texts are nearly all
    of the documents table, and reading it whole, as Arrow and then as rows, left 148 MB more
    resident at 25,000 documents (507 against 359 MB once the documents were loaded)."""
    wanted, texts = set(wanted), {}
    for part in store.read_parts("documents", ["doc_id", "text"]):
        for doc_id, text in zip(part.column("doc_id").to_pylist(), part.column("text").to_pylist()):
            if doc_id in wanted:
                texts[doc_id] = text
    return texts


SHARED_COLUMNS = ("doc_id", "sentence", "drug", "trial")
# Columns that no step of reconciliation reads (provenance it does not quote, fields it does not
# compare). Left out, most rows fit Python's smaller dict (up to 10 keys: 272 bytes; 11 to 21: 464;
# a trials row had 22: 832).
UNUSED_COLUMNS = frozenset({
    "sent_index", "component", "assertion", "run_id", "pipeline_version",  # provenance
    "kb_id", "in_kb", "asserted_by", "eudract_id", "isrctn_id", "jrct_id", "arm_sizes", "randomization_ratio",
    "ratio_matches_arms", "is_loading", "schedule_weeks", "text", "p_value"})


def _share_strings(row: dict, shared: dict[str, str]) -> dict:
    """Arrow makes a new str for every row; facts from one sentence repeat it (and every row repeats
    its doc_id and run_id), so one shared object each keeps 200,000 rows in a few hundred MB."""
    for col in SHARED_COLUMNS:
        value = row.get(col)
        if isinstance(value, str):
            row[col] = shared.setdefault(value, value)
    return row


MENTION_COLUMNS = ["doc_id", "label", "norm"]
DRUG_LABELS = ["DRUG", "DRUG_CANDIDATE"]


def _read_facts(store: Store, table: str):
    """A fact table as Arrow, without the columns reconciliation never reads."""
    return store.read(table, [c for c in TABLES[table].schema.names if c not in UNUSED_COLUMNS])


def mention_counts(store: Store, docs: Iterable[str]) -> dict[str, Counter]:
    """How often each document mentions each drug name (`norm`), for the documents in `docs`.
    Mentions are about 110 rows per document, each with its sentence: as Python rows with every
    column they took gigabytes at 10,000 documents, and as one row per document and name still
    49 MB at 25,000. So they are counted in Arrow, one stored file at a time, and only the counts
    of known documents are kept."""
    import pyarrow as pa
    import pyarrow.compute as pc
    labels, wanted = pa.array(DRUG_LABELS), set(docs)
    counts: dict[str, Counter] = defaultdict(Counter)
    for part in store.read_parts("mentions", MENTION_COLUMNS):
        drugs = part.filter(pc.is_in(part["label"], value_set=labels))
        counted = drugs.group_by(["doc_id", "norm"], use_threads=False).aggregate([("label", "count")])
        # a document's mentions are in one file, but a store may hold them in several: they add up
        for doc_id, norm, n in zip(*(counted.column(c).to_pylist() for c in ("doc_id", "norm", "label_count"))):
            if doc_id in wanted and norm:
                counts[doc_id][norm] += n
    return counts


def _main_drugs(corpus: Corpus, mentions: dict[str, Counter]) -> dict[str, str | None]:
    """The drug a document is mostly about: most mentioned drug (drugs table order breaks ties)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for r in corpus.facts["drugs"]:
        counts[r["doc_id"]][r["drug"]] += 1
    for doc_id, names in mentions.items():
        for norm, n in names.items():
            drug = canonical_drug(norm, corpus.kb)
            if drug in counts[doc_id]:
                counts[doc_id][drug] += n
    for doc_id, doc in corpus.docs.items():
        # text frequency of each listed drug's known names gives a better tie-break than order
        low = doc.text.lower() if counts[doc_id] else ""
        for drug in list(counts[doc_id]):
            names = {drug, *corpus.kb.known_names(drug)}
            counts[doc_id][drug] += sum(low.count(n.lower()) for n in names if len(n) > 3)
    return {doc_id: (counts[doc_id].most_common(1)[0][0] if counts[doc_id] else None) for doc_id in corpus.docs}


def key(text: str | None) -> str:
    return name_key(text or "")
