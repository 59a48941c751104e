"""Trial and sample-size records from the trial summary trialwire_trials leaves on the Doc:
one Trial row per trial per document (named, or NCT-only with `trial` null)."""
from __future__ import annotations

from spacy.tokens import Doc

from ..registries import ordered_ids
from ..qualifiers import schema_qualifier
from .provenance import SentenceIndex
from .records import Record, SampleSize, Trial


def trial_records(doc: Doc, index: SentenceIndex, doc_id: str) -> list[Record]:
    out: list[Record] = []
    for t in doc.user_data.get("trialwire.trials", []):
        conf = 0.9 if t.get("trial") else 0.8
        if t.get("phase_how") == "document":
            conf -= 0.1
        ids = t.get("ids") or {}
        out.append(Trial(index.prov(doc_id, t["start"], t["end"], "trialwire_trials", round(conf, 2), t.get("assertion")),
                         trial=t.get("trial"), nct_id=t.get("nct_id"), phase=t.get("phase"),
                         short_forms=list(t.get("short_forms") or []), eudract_id=ids.get("eudract"),
                         isrctn_id=ids.get("isrctn"), jrct_id=ids.get("jrct"),
                         registry_ids=ordered_ids(t.get("nct_id"), ids), enrolled=t.get("enrolled"),
                         arm_sizes=t.get("arm_sizes"), randomization_ratio=t.get("randomization_ratio"),
                         ratio_matches_arms=t.get("ratio_matches_arms"), drug=t.get("drug")))
    for s in doc.user_data.get("trialwire.sample_sizes", []):
        out.append(SampleSize(index.prov(doc_id, s["start"], s["end"], "trialwire_trials", 0.8),
                              n=s["n"], trial=s.get("trial"), qualifier=schema_qualifier(s.get("qualifier")), scope=s.get("scope"),
                              population=s.get("population")))
    return out
