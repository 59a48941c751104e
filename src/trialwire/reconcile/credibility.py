"""Source credibility: a configurable model (models/credibility.yaml) that weighs evidence.

`assess_source` decides a source type (host list, then site name, then text cues and the
document kind), reads signals from the page (AI-written, pending review, disclaimer, expert
review, no byline, stale) and returns a credibility in 0..1 = tier score x signal factors.
It never drops a source: low credibility only lowers the weight of what the source says.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from urllib.parse import urlparse

import yaml

from ..paths import CREDIBILITY_CONFIG
from ..text.literals import anchor_text, search

SOURCE_TYPES = ("registry", "journal", "regulator", "company", "trade_news", "general_news",
                "qa_reviewed", "qa_ai", "other")
BYLINE = re.compile(r"^\s*(?:by|written by|author[s]?:)\s+[A-Z][\w.'\-]+(?:\s+[A-Z][\w.'\-]+){0,3}",
                    re.MULTILINE | re.IGNORECASE)


@dataclass(frozen=True)
class Signal:
    name: str
    factor: float
    patterns: tuple[re.Pattern, ...] = ()
    exempt: frozenset[str] = frozenset()
    after_days: int | None = None

    @cached_property
    def any_pattern(self) -> re.Pattern | None:
        """All patterns as one alternation: one scan of the text instead of one per pattern."""
        if not self.patterns:
            return None
        return re.compile("|".join(f"(?:{p.pattern})" for p in self.patterns), re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class CredibilityModel:
    tiers: dict[str, float]
    authoritative: frozenset[str]
    hosts: dict[str, str]  # host suffix -> source type
    site_keys: dict[str, str]  # "pharmacytimes" -> trade_news
    signals: dict[str, Signal]
    cancels: dict[str, tuple[str, ...]]
    type_cues: dict[str, tuple[re.Pattern, ...]]
    floor: float = 0.02
    settings: dict = field(default_factory=dict)  # aliases / conflicts sections, raw

    def setting(self, section: str, key: str, default):
        return (self.settings.get(section) or {}).get(key, default)

    def is_authoritative(self, source_type: str | None) -> bool:
        return source_type in self.authoritative


@dataclass(frozen=True)
class SourceAssessment:
    source_type: str
    credibility: float
    signals: tuple[str, ...]


def _compile(patterns) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE | re.MULTILINE) for p in patterns or [])


def _site_key(host: str) -> str:
    parts = host.split(".")
    label = parts[-2] if len(parts) >= 2 else parts[0]
    return re.sub(r"[^a-z0-9]", "", label.lower())


@lru_cache(maxsize=4)
def _load(path: Path) -> CredibilityModel:
    cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    hosts, site_keys = {}, {}
    for stype, suffixes in (cfg.get("hosts") or {}).items():
        for suffix in suffixes or []:
            hosts[suffix.lower()] = stype
            site_keys.setdefault(_site_key(suffix.lower()), stype)
    signals = {}
    for name, spec in (cfg.get("signals") or {}).items():
        signals[name] = Signal(name, float(spec.get("factor", 1.0)), _compile(spec.get("patterns")),
                               frozenset(spec.get("exempt") or []), spec.get("after_days"))
    return CredibilityModel(
        tiers={k: float(v) for k, v in cfg["tiers"].items()},
        authoritative=frozenset(cfg.get("authoritative") or []),
        hosts=hosts, site_keys=site_keys, signals=signals,
        cancels={k: tuple(v) for k, v in (cfg.get("cancels") or {}).items()},
        type_cues={k: _compile(v) for k, v in (cfg.get("type_cues") or {}).items()},
        floor=float(cfg.get("floor", 0.02)),
        settings={k: cfg.get(k) or {} for k in ("aliases", "conflicts")})


def load_credibility_model(path: Path | None = None) -> CredibilityModel:
    return _load(Path(path).resolve()) if path else _load_default()


@lru_cache(maxsize=1)
def _load_default() -> CredibilityModel:  # once per process: discovery rates every source with it
    return _load(Path(CREDIBILITY_CONFIG).resolve())


def url_host(url: str | None) -> str | None:
    if not url or "://" not in url:
        return None
    host = (urlparse(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else (host or None)


def type_from_host(host: str | None, model: CredibilityModel) -> str | None:
    if not host:
        return None
    labels = host.split(".")
    for i in range(len(labels)):  # the longest listed suffix first: a.b.gov.uk, b.gov.uk, gov.uk, uk
        stype = model.hosts.get(".".join(labels[i:]))
        if stype:
            return stype
    return None


def type_from_site(site: str | None, model: CredibilityModel) -> str | None:
    if not site:
        return None
    if "." in site and " " not in site.strip():
        return type_from_host(site.lower().removeprefix("www."), model)
    return model.site_keys.get(re.sub(r"[^a-z0-9]", "", site.lower()))


def read_signals(text: str, title: str | None, byline: str | None, published: dt.date | None,
                 model: CredibilityModel, today: dt.date | None = None) -> list[str]:
    body = f"{title or ''}\n{text or ''}"
    low = anchor_text(body)  # most pages hold no signal: a substring test rules each out (literals.py)
    found = [name for name, sig in model.signals.items() if sig.any_pattern and search(sig.any_pattern, body, low)]
    if "no_byline" in model.signals and not (byline or "").strip() and not BYLINE.search(text or ""):
        found.append("no_byline")
    stale = model.signals.get("stale")
    if stale and stale.after_days and published:
        if ((today or dt.date.today()) - published).days > stale.after_days:
            found.append("stale")
    for signal, cancelled_by in model.cancels.items():
        if signal in found and any(c in found for c in cancelled_by):
            found.remove(signal)
    return found


def decide_type(*, text: str, kind: str, url: str | None, site: str | None, signals: list[str],
                model: CredibilityModel) -> str:
    stype = type_from_host(url_host(url), model) or type_from_site(site, model)
    if stype:
        return stype
    head = (text or "")[:3000]
    low = anchor_text(head)
    for cue_type, patterns in model.type_cues.items():
        if any(search(p, head, low) for p in patterns):
            return cue_type
    if kind == "press_release":
        return "company"
    if kind == "qa":
        if "ai_generated" in signals or "pending_review" in signals:
            return "qa_ai"
        return "qa_reviewed" if "reviewed_by_expert" in signals else "qa_ai"
    if kind == "news":
        return "general_news"
    return "other"


def assess_source(*, text: str, kind: str, url: str | None, title: str | None, byline: str | None,
                  published: dt.date | None, site: str | None,
                  model: CredibilityModel | None = None) -> SourceAssessment:
    model = model or load_credibility_model()
    if isinstance(published, dt.datetime):
        published = published.date()
    signals = read_signals(text, title, byline, published, model)
    stype = decide_type(text=text, kind=kind, url=url, site=site, signals=signals, model=model)
    score = model.tiers.get(stype, model.tiers.get("other", 0.35))
    for name in signals:
        sig = model.signals[name]
        if stype not in sig.exempt:
            score *= sig.factor
    score = min(1.0, max(model.floor, score))
    return SourceAssessment(stype, round(score, 3), tuple(signals))
