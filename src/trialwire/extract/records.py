"""Typed fact records, one class per Parquet fact table (store/schemas.py declares the columns).

Every record carries `Provenance`; `to_row` flattens it into the table's provenance columns.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache


@dataclass(frozen=True)
class Provenance:
    doc_id: str
    start_char: int | None
    end_char: int | None
    sent_index: int | None
    sentence: str | None
    component: str
    confidence: float = 1.0
    assertion: str | None = None


@dataclass(frozen=True)
class Record:
    prov: Provenance

    table = ""

    def to_row(self) -> dict:
        # Flat scalar fields only, so getattr over cached names (dataclasses.asdict deep-copies: slow).
        row = {name: getattr(self, name) for name in field_names(type(self))}
        prov = self.prov
        row.update((name, getattr(prov, name)) for name in field_names(Provenance))
        return row


@cache
def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name != "prov")


@dataclass(frozen=True)
class MentionRecord(Record):
    label: str = ""
    text: str = ""
    norm: str | None = None
    table = "mentions"


@dataclass(frozen=True)
class Drug(Record):
    drug: str = ""
    mention: str | None = None
    in_kb: bool = False
    kb_id: str | None = None
    table = "drugs"


@dataclass(frozen=True)
class DrugAlias(Record):
    drug: str = ""
    alias: str = ""
    alias_type: str | None = None
    in_kb: bool = False
    asserted_by: str | None = None
    table = "drug_aliases"


@dataclass(frozen=True)
class Condition(Record):
    condition: str = ""
    mention: str | None = None
    drug: str | None = None
    table = "conditions"


@dataclass(frozen=True)
class AdverseEvent(Record):
    event: str = ""
    mention: str | None = None
    drug: str | None = None
    table = "adverse_events"


@dataclass(frozen=True)
class Trial(Record):
    trial: str | None = None
    nct_id: str | None = None
    phase: str | None = None
    short_forms: list[str] = field(default_factory=list)
    eudract_id: str | None = None
    isrctn_id: str | None = None
    jrct_id: str | None = None
    registry_ids: list[str] = field(default_factory=list)
    enrolled: int | None = None
    arm_sizes: list[int] | None = None
    randomization_ratio: str | None = None
    ratio_matches_arms: bool | None = None
    drug: str | None = None
    table = "trials"


@dataclass(frozen=True)
class SampleSize(Record):
    n: int = 0
    trial: str | None = None
    qualifier: str | None = None
    scope: str | None = None
    population: str | None = None
    table = "sample_sizes"


@dataclass(frozen=True)
class Dose(Record):
    drug: str | None = None
    amount: float | None = None
    unit: str | None = None
    route: str | None = None
    frequency: str | None = None
    is_loading: bool = False
    schedule_weeks: list[int] | None = None
    trial: str | None = None
    text: str | None = None
    table = "doses"


@dataclass(frozen=True)
class Endpoint(Record):
    endpoint: str = ""
    timepoint_weeks: int | None = None
    role: str | None = None
    trial: str | None = None
    drug: str | None = None
    table = "endpoints"


@dataclass(frozen=True)
class EndpointResult(Record):
    endpoint: str | None = None
    arm: str | None = None
    value: float | None = None
    unit: str | None = None
    comparator: str | None = None
    comparator_value: float | None = None
    p_value: str | None = None
    timepoint_weeks: int | None = None
    trial: str | None = None
    drug: str | None = None
    table = "endpoint_results"


RECORD_TYPES: list[type[Record]] = [MentionRecord, Drug, DrugAlias, Condition, AdverseEvent, Trial,
                                    SampleSize, Dose, Endpoint, EndpointResult]
