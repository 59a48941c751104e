"""Every Parquet table trialwire writes, declared once. Writers, readers, tests and docs/DATA.md
all use these schemas; a column's meaning lives in its field metadata."""
from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


def col(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"doc": doc})


@dataclass(frozen=True)
class TableSpec:
    name: str
    doc: str
    schema: pa.Schema
    per_document: bool  # True: appended per run, partitioned by ingest_date; False: rebuilt by reconciliation

    def column_doc(self, column: str) -> str:
        meta = self.schema.field(column).metadata or {}
        return meta.get(b"doc", b"").decode()


STR, F64, I32, BOOL = pa.string(), pa.float64(), pa.int32(), pa.bool_()
TS = pa.timestamp("us", tz="UTC")
STR_LIST = pa.list_(pa.string())

RUN_COLUMNS = [
    col("run_id", STR, "Run that wrote the row (see the runs table).", nullable=False),
    col("pipeline_version", STR, "trialwire version plus fingerprints of the extraction code, knowledge base, rules and NER model.", nullable=False),
]

PROVENANCE = [
    col("doc_id", STR, "Content hash of the cleaned document text (documents.doc_id).", nullable=False),
    col("start_char", I32, "Start offset of the evidence span in documents.text (characters)."),
    col("end_char", I32, "End offset (exclusive) of the evidence span in documents.text."),
    col("sent_index", I32, "Index of the sentence holding the span, counting from 0."),
    col("sentence", STR, "The sentence holding the span, as cleaned text."),
    col("component", STR, "spaCy component or rule that produced the fact."),
    col("confidence", F64, "0..1; below 0.5 means a guess (drug-like name absent from the knowledge base, ...)."),
    col("assertion", STR, "How the text reports the fact: met, not_met, expected, hypothetical or null."),
] + RUN_COLUMNS


def per_doc(name: str, doc: str, columns: list[pa.Field]) -> TableSpec:
    return TableSpec(name, doc, pa.schema(columns + PROVENANCE), per_document=True)


CORPUS_RUN_COLUMNS = [
    RUN_COLUMNS[0],
    col("pipeline_version", STR, "'trialwire' and the version plus fingerprints of the reconciliation code, knowledge base and rules.", nullable=False),
]


def corpus(name: str, doc: str, columns: list[pa.Field]) -> TableSpec:
    return TableSpec(name, doc, pa.schema(columns + CORPUS_RUN_COLUMNS), per_document=False)


DOCUMENTS = TableSpec("documents", "One row per ingested document version.", pa.schema([
    col("doc_id", STR, "sha256 (first 32 hex) of the cleaned text: re-ingesting the same text gives the same id.", nullable=False),
    col("source", STR, "Path or URL the document was read from.", nullable=False),
    col("url", STR, "Canonical URL when known (HTML metadata, export field or sidecar .meta.json)."),
    col("raw_sha256", STR, "sha256 of the raw bytes; unchanged input is skipped by this hash.", nullable=False),
    col("kind", STR, "news, qa, press_release or other.", nullable=False),
    col("source_type", STR, "Credibility tier key: registry, journal, regulator, company, trade_news, general_news, qa_reviewed, qa_ai, other."),
    col("credibility", F64, "Source credibility 0..1 from models/credibility.yaml (tier, page signals, date)."),
    col("signals", STR_LIST, "Credibility signals read from the page (ai_generated, pending_review, no_byline, ...)."),
    col("title", STR, "Title from HTML metadata or the text itself."),
    col("published", pa.date32(), "Publication date, or the page's 'last updated' date when that is all it gives."),
    col("byline", STR, "Author or reviewer as printed."),
    col("site", STR, "Site or publisher name (host of the URL when nothing better)."),
    col("lang", STR, "ISO 639-1 language code detected from the text."),
    col("encoding", STR, "Character encoding the raw bytes were decoded with."),
    col("n_chars", I32, "Length of the cleaned text in characters."),
    col("n_words", I32, "Whitespace-separated words in the cleaned text."),
    col("version", I32, "1 for the first text seen at this source; +1 for each changed text at the same source."),
    col("previous_doc_id", STR, "doc_id of the previous version at the same source, if any."),
    col("text", STR, "Cleaned text: every *_char offset in other tables points into it."),
    col("ingested_at", TS, "When the run read the document."),
] + RUN_COLUMNS), per_document=True)

MENTIONS = per_doc("mentions", "Every entity span the NLP pipeline found, before records are built.", [
    col("label", STR, "DRUG, DRUG_CANDIDATE, CHEMICAL, DISEASE, CONDITION, ADVERSE_EVENT, TRIAL_ID, TRIAL_NAME, PHASE, DOSE, ROUTE, FREQUENCY, ENDPOINT, TIMEPOINT, SAMPLE_SIZE, RATIO, ..."),
    col("text", STR, "Span text as printed."),
    col("norm", STR, "Normalised value (canonical drug, NCT id, Q4W, 300 mg ...)."),
])

DRUGS = per_doc("drugs", "Drugs a document names, one row per (document, canonical drug).", [
    col("drug", STR, "Canonical name: lower-case INN, or the development code when no INN exists.", nullable=False),
    col("mention", STR, "First surface form seen in the document."),
    col("in_kb", BOOL, "True when the name resolved through the knowledge base (models/kb)."),
    col("kb_id", STR, "Knowledge-base concept id (UNII or DrugBank id) when in_kb."),
])

DRUG_ALIASES = per_doc("drug_aliases", "Other names a document uses for a drug (brand, code, unofficial name, misspelling).", [
    col("drug", STR, "Canonical drug (drugs.drug).", nullable=False),
    col("alias", STR, "The other name, as printed.", nullable=False),
    col("alias_type", STR, "brand, code, suffixed_name, synonym or unknown (not in the knowledge base)."),
    col("in_kb", BOOL, "True when the knowledge base lists this alias for this drug."),
    col("asserted_by", STR, "How the link was made: kb (both names resolve to one concept) or text (the document pairs them, e.g. 'X (Y)')."),
])

CONDITIONS = per_doc("conditions", "Indications: diseases the drug is studied for or treats.", [
    col("condition", STR, "Lower-case condition name as normalised.", nullable=False),
    col("mention", STR, "Surface form in the text."),
    col("drug", STR, "Canonical drug the indication belongs to, when one is clear."),
])

ADVERSE_EVENTS = per_doc("adverse_events", "Adverse events the text attributes to a drug.", [
    col("event", STR, "Lower-case adverse event name.", nullable=False),
    col("mention", STR, "Surface form in the text."),
    col("drug", STR, "Canonical drug the event is attributed to."),
])

REGISTRY_IDS_MEANING = (
    "Every registry id the text links to this trial, NCT id first, as each registry prints it: NCT05651711 "
    "(ClinicalTrials.gov), 2023-503584-29-00 (EU CT number, CTIS), 2019-004061-25 (EudraCT), ISRCTN12345678, "
    "jRCT2031210123, ChiCTR2000029308, ACTRN12620000445976 (ANZCTR), CTRI/2020/05/025114, DRKS00012345, "
    "UMIN000012345. A trial given by registry ids alone has trial null.")

TRIALS = per_doc("trials", "Trials a document names, one row per trial per document.", [
    col("trial", STR, "Longest name form in the document (ROCKET-IGNITE), null if only registry ids are given."),
    col("nct_id", STR, "ClinicalTrials.gov id linked to the trial by the text."),
    col("phase", STR, "1, 2, 2a, 2b, 3, 1/2, 2/3 or 4."),
    col("short_forms", STR_LIST, "Other names the document uses for the trial (IGNITE)."),
    col("eudract_id", STR, "EudraCT number when printed (an EU CT number from CTIS, 2023-503584-29-00, is not one: it is in registry_ids)."),
    col("isrctn_id", STR, "ISRCTN id when printed."),
    col("jrct_id", STR, "jRCT id when printed."),
    col("registry_ids", STR_LIST, REGISTRY_IDS_MEANING),
    col("enrolled", I32, "Enrolled size of this trial when stated."),
    col("arm_sizes", pa.list_(I32), "Per-arm sizes when stated."),
    col("randomization_ratio", STR, "Ratio as a:b[:c] when stated (3:2:2)."),
    col("ratio_matches_arms", BOOL, "Whether the ratio has as many parts as the trial has dose arms (incl. placebo)."),
    col("drug", STR, "Canonical drug studied, when clear."),
])

SAMPLE_SIZES = per_doc("sample_sizes", "Enrolment counts the text states, per trial or for a program.", [
    col("trial", STR, "Trial (trials.trial) or null for pooled/program counts."),
    col("n", I32, "Number of participants.", nullable=False),
    col("qualifier", STR, "exact, approximate (nearly, about, more than) or lower_bound."),
    col("scope", STR, "trial, program or arm."),
    col("population", STR, "Population phrase near the count (adults aged 18 years or older ...)."),
])

DOSES = per_doc("doses", "Doses and regimens, one row per (drug, amount, unit, frequency) stated.", [
    col("drug", STR, "Canonical drug."),
    col("amount", F64, "Amount per administration."),
    col("unit", STR, "mg, mg/kg, mcg, g, ml, iu (lower case)."),
    col("route", STR, "subcutaneous, intravenous, oral, topical, intramuscular, inhaled or intranasal."),
    col("frequency", STR, "QD, BID, TID, QW, Q2W, Q3W, Q4W, Q8W, Q12W, Q24W, QM or ONCE."),
    col("is_loading", BOOL, "True for a loading or initial dose."),
    col("schedule_weeks", pa.list_(I32), "Weeks of dosing when the text lists them (0, 2, 4, then every 4 weeks to 20)."),
    col("trial", STR, "Trial the dose belongs to, when clear."),
    col("text", STR, "The dose phrase as printed."),
])

ENDPOINTS = per_doc("endpoints", "Endpoints, one row per (endpoint, timepoint) per document.", [
    col("endpoint", STR, "Short name (EASI-75, vIGA-AD 0/1, PASI 90, HbA1c, CDR-SB ...).", nullable=False),
    col("timepoint_weeks", I32, "Assessment week, null when the text gives months or nothing."),
    col("role", STR, "primary, co-primary, key secondary, secondary, safety or null."),
    col("trial", STR, "Trial the endpoint belongs to, when clear."),
    col("drug", STR, "Canonical drug."),
])

ENDPOINT_RESULTS = per_doc("endpoint_results", "Reported results for an endpoint, per arm.", [
    col("endpoint", STR, "Endpoint (endpoints.endpoint)."),
    col("arm", STR, "Arm as printed (300 mg rocatinlimab, placebo ...)."),
    col("value", F64, "Result value."),
    col("unit", STR, "% , points, kg ..."),
    col("comparator", STR, "Comparator arm, usually placebo."),
    col("comparator_value", F64, "Comparator result value."),
    col("p_value", STR, "p-value as printed (p<0.001)."),
    col("timepoint_weeks", I32, "Assessment week."),
    col("trial", STR, "Trial."),
    col("drug", STR, "Canonical drug."),
])

QUARANTINE = TableSpec("quarantine", "Inputs that could not be read, with the reason; nothing is dropped silently.", pa.schema([
    col("source", STR, "Path or URL.", nullable=False),
    col("raw_sha256", STR, "sha256 of the bytes received (empty input has the empty hash)."),
    col("reason", STR, "empty, binary, undecodable, too_large, no_text, http_error, timeout, ... ", nullable=False),
    col("detail", STR, "Human-readable detail."),
    col("size_bytes", pa.int64(), "Bytes received."),
    col("quarantined_at", TS, "When."),
] + RUN_COLUMNS), per_document=True)

RUNS = TableSpec("runs", "One row per ingest run.", pa.schema([
    col("run_id", STR, "Unique run id (UTC timestamp plus random suffix).", nullable=False),
    col("started_at", TS, "Start time."),
    col("finished_at", TS, "End time."),
    col("status", STR, "completed or failed."),
    col("sources", STR_LIST, "Sources the run read."),
    col("docs_read", I32, "Documents read and processed."),
    col("docs_skipped", I32, "Documents skipped as unchanged (same raw hash already stored)."),
    col("docs_quarantined", I32, "Documents quarantined."),
    col("facts", I32, "Fact rows written (all per-document fact tables)."),
    col("pipeline_version", STR, "Pipeline version.", nullable=False),
]), per_document=True)

ALIASES = corpus("aliases", "Every (drug, alias) seen in any document, with a verdict and its reason.", [
    col("drug", STR, "Canonical drug.", nullable=False),
    col("alias", STR, "Alias as first printed.", nullable=False),
    col("status", STR, "confirmed, corroborated or unverified.", nullable=False),
    col("reason_code", STR, "in_kb, salt_form, near_miss_spelling, authoritative_source, independent_sources, low_credibility_only, single_source, analyst_decision."),
    col("reason", STR, "One sentence an analyst can read."),
    col("doc_ids", STR_LIST, "Documents that use the alias."),
    col("source_types", STR_LIST, "Their source types."),
    col("best_credibility", F64, "Highest credibility among those sources."),
    col("nearest_known", STR, "Closest known name of the drug (knowledge base or INN) to this alias."),
    col("similarity", F64, "rapidfuzz similarity 0..100 between alias and nearest_known."),
    col("decision", STR, "Analyst decision applied (accept / reject), if any."),
])

CONFLICTS = corpus("conflicts", "Disagreements between sources about one (subject, attribute).", [
    col("conflict_id", STR, "Stable id: hash of subject, attribute, facet and the competing values.", nullable=False),
    col("subject", STR, "Trial name (longest form) or canonical drug.", nullable=False),
    col("attribute", STR, "sample_size, nct_id, phase, dose, route, frequency, endpoint_result, population, alias, date, mechanism or other.", nullable=False),
    col("facet", STR, "What within the attribute the values describe, where the attribute alone does not say: the dose for route and frequency (300 mg), the endpoint and timepoint for endpoint_result (EASI-75 | week 16; week ? when not given), the stated phase for sample sizes of unnamed trials (phase 3), age_groups or condition: <name> for population, the registry for other registries' ids (eudract) and the design facet for other (masking). Null otherwise."),
    col("kind", STR, "conflict, rounding, scope or update.", nullable=False),
    col("values_json", STR, "JSON list of {value, doc_ids, credibility, published, quote, start_char, end_char}."),
    col("proposed_value", STR, "Resolution proposed by credibility weighting (or the analyst's pick)."),
    col("resolution", STR, "Why that value is proposed, or why the kind is not a conflict."),
    col("doc_ids", STR_LIST, "Documents involved."),
    col("decision", STR, "Analyst decision applied, if any."),
])

TRIAL_REGISTRY = corpus("trial_registry", "Resolved trials across all documents: one row per trial identity.", [
    col("trial_key", STR, "NCT id when known, else the normalised name, else (a trial given by other registry ids only) its alphabetically first registry id.", nullable=False),
    col("nct_id", STR, "ClinicalTrials.gov id."),
    col("registry_ids", STR_LIST, "Every registry id linked to this trial by any document, as in trials.registry_ids."),
    col("name", STR, "Longest name form seen."),
    col("names", STR_LIST, "Every name and short form linked to this trial."),
    col("phase", STR, "Phase most sources give."),
    col("drug", STR, "Canonical drug."),
    col("enrolled", I32, "Enrolment most credible source gives."),
    col("doc_ids", STR_LIST, "Documents naming the trial."),
    col("link_evidence", STR, "JSON list of {name, nct_id, doc_id, quote, status} for each name-to-NCT link, and of {name, registry_id, doc_id, quote, status} for each link to another registry's id; status linked or rejected (conflicting ... id)."),
])

TABLES: dict[str, TableSpec] = {t.name: t for t in [
    DOCUMENTS, MENTIONS, DRUGS, DRUG_ALIASES, CONDITIONS, ADVERSE_EVENTS, TRIALS, SAMPLE_SIZES,
    DOSES, ENDPOINTS, ENDPOINT_RESULTS, QUARANTINE, RUNS, ALIASES, CONFLICTS, TRIAL_REGISTRY]}
FACT_TABLES = ["mentions", "drugs", "drug_aliases", "conditions", "adverse_events", "trials",
               "sample_sizes", "doses", "endpoints", "endpoint_results"]
