"""Document metadata read from the text itself when the source gave none."""
from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from dateutil import parser as dateparser

MONTHS = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
DATE = rf"(?:{MONTHS} \d{{1,2}},? \d{{4}}|\d{{1,2}} {MONTHS} \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
LABELLED_DATE = re.compile(rf"(?:Last updated|Updated|Published|Posted|Date)\s*(?:on)?\s*[:\-]?\s*({DATE})", re.I)
ANY_DATE = re.compile(DATE)
BREADCRUMB = re.compile(r"\s[·|»›]\s")
BYLINE = re.compile(r"^(?:By|Written by|Reviewed by|Medically reviewed by|Author:)\s+([A-Z][^\n]{2,80})$", re.M)


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return dateparser.parse(value, fuzzy=True, default=None).date()
    except (ValueError, OverflowError, TypeError, AttributeError):
        return None


def published_from_text(text: str) -> date | None:
    head = text[:3000]
    m = LABELLED_DATE.search(head) or ANY_DATE.search(head[:600])
    return parse_date(m.group(1) if m and m.groups() else (m.group(0) if m else None))


def title_from_text(text: str) -> str | None:
    for line in text.split("\n")[:8]:
        line = line.strip()
        if (12 <= len(line) <= 200 and len(line.split()) >= 4 and not line.endswith(".")
                and not BREADCRUMB.search(line) and not line.lower().startswith(("by ", "http"))):
            return line
    return None


def byline_from_text(text: str) -> str | None:
    m = BYLINE.search(text[:3000])
    return BREADCRUMB.split(m.group(1))[0].strip() if m else None


@lru_cache(maxsize=1)
def _detector():
    from langdetect import DetectorFactory
    DetectorFactory.seed = 0  # deterministic results
    from langdetect import detect
    return detect


def detect_language(text: str) -> str | None:
    sample = text[:2000]
    if len(sample.split()) < 5:
        return None
    try:
        return _detector()(sample)
    except Exception:  # langdetect raises on text without features
        return None
