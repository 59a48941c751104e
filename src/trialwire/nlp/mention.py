"""What rule and model components leave on a Doc: a list of `Mention`s in `doc._.mentions`.

Components append; nothing overwrites. Structured values (a dose's amount and unit, a trial's
phase) ride in `data`, so extraction never re-parses text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from spacy.tokens import Doc


@dataclass
class Mention:
    label: str
    start_char: int
    end_char: int
    text: str
    norm: str | None = None
    component: str = ""
    confidence: float = 1.0
    data: dict[str, Any] = field(default_factory=dict)


if not Doc.has_extension("mentions"):
    Doc.set_extension("mentions", default=None)


def mentions(doc: Doc, label: str | None = None) -> list[Mention]:
    found = doc._.mentions or []
    return found if label is None else [m for m in found if m.label == label]


def add_mention(doc: Doc, mention: Mention) -> None:
    if doc._.mentions is None:
        doc._.mentions = []
    doc._.mentions.append(mention)
