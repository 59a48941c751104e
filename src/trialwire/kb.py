"""The drug knowledge base (models/kb/drugs.jsonl, scispacy jsonl format) as fast name lookups.

Names are matched by `name_key`: case, spaces, hyphens and dots removed, so "AMG 451", "AMG-451"
and "amg451" are one key. A key shared by several concepts is ambiguous and resolves to none,
unless it is the canonical name of exactly one of them: the vocabularies list one substance twice
(UNII's "zoledronic acid", DrugBank's "zoledronic acid anhydrous" with the alias "Zoledronic acid"),
and the concept named so wins (135 names, tenofovir and levofloxacin among them).
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .paths import KB_DIR, RULES_DIR

_DROP = re.compile(r"[\s\-\u2010-\u2015\u00ad_.]")
# FDA's four-letter suffixes for biologics (lebrikizumab-lbkz, filgrastim-sndz): only after a
# biologic stem, so "glucagon-like" stays an ordinary word.
US_SUFFIX = re.compile(r"^(?P<base>[a-z]+(?:mab|cept|ase|stim|kin|tropin|poetin|ermin|plase))-[a-z]{4}$")


SALT_WORDS = RULES_DIR / "drugs_salt_words.txt"


@lru_cache(maxsize=2)
def salt_words(path: Path = SALT_WORDS) -> frozenset[str]:
    """Salt, ester and hydrate words that follow an INN in knowledge-base names ("sulfate")."""
    return frozenset(ln.strip().lower() for ln in path.read_text(encoding="utf-8").splitlines()
                     if ln.strip() and not ln.lstrip().startswith("#"))


def without_salt(canonical: str, salts: frozenset[str]) -> str:
    """"codeine sulfate" -> "codeine": the INN without salt, ester or hydrate words (one word left)."""
    words = canonical.lower().split()
    n = len(words)
    while n > 1 and words[n - 1] in salts:
        n -= 1
    return " ".join(words[:n]) if n == 1 and n < len(words) else canonical.lower()


def name_key(name: str) -> str:
    return _DROP.sub("", unicodedata.normalize("NFKC", name).lower())


@dataclass(frozen=True)
class KBEntry:
    concept_id: str
    canonical_name: str
    aliases: tuple[str, ...]
    alias_types: dict

    def alias_type(self, name: str) -> str | None:
        key = name_key(name)
        if key == name_key(self.canonical_name):
            return "official"
        return next((t for a, t in self.alias_types.items() if name_key(a) == key), None)


class DrugKB:
    def __init__(self, entries: list[KBEntry], fingerprint: str):
        self.entries = {e.concept_id: e for e in entries}
        self.fingerprint = fingerprint
        by_key: dict[str, set[str]] = {}
        for e in entries:
            for name in (e.canonical_name, *e.aliases):
                key = name_key(name)
                if len(key) >= 3:
                    by_key.setdefault(key, set()).add(e.concept_id)
        canonical_of: dict[str, set[str]] = {}
        for e in entries:
            canonical_of.setdefault(name_key(e.canonical_name), set()).add(e.concept_id)
        self._by_key = {}
        for k, ids in by_key.items():
            named = ids if len(ids) == 1 else canonical_of.get(k, set()) & ids
            if len(named) == 1:
                self._by_key[k] = next(iter(named))
        self._by_canonical = {e.canonical_name: e for e in entries}

    @classmethod
    def load(cls, folder: Path = KB_DIR) -> "DrugKB":
        kb_path, types_path = folder / "drugs.jsonl", folder / "alias_types.jsonl"
        types = {}
        if types_path.exists():
            for line in types_path.read_text(encoding="utf-8").splitlines():
                rec = json.loads(line)
                types[rec["concept_id"]] = rec["alias_types"]
        raw = kb_path.read_bytes()
        entries = []
        for line in raw.decode("utf-8").splitlines():
            rec = json.loads(line)
            entries.append(KBEntry(rec["concept_id"], rec["canonical_name"], tuple(rec["aliases"]),
                                   types.get(rec["concept_id"], {})))
        return cls(entries, fingerprint(raw))

    def resolve(self, name: str) -> KBEntry | None:
        key = name_key(name)
        cid = self._by_key.get(key)
        if cid is None:
            m = US_SUFFIX.match(name.lower().strip())
            if m:
                cid = self._by_key.get(name_key(m.group("base")))
        return self.entries[cid] if cid else None

    def resolve_key(self, key: str) -> KBEntry | None:
        cid = self._by_key.get(key)
        return self.entries[cid] if cid else None

    def by_canonical(self, canonical: str) -> KBEntry | None:
        return self._by_canonical.get(canonical)

    def known_names(self, canonical: str) -> list[str]:
        e = self._by_canonical.get(canonical)
        return [] if e is None else [e.canonical_name, *e.aliases]


@lru_cache(maxsize=2)
def load_kb(folder: Path = KB_DIR) -> DrugKB:
    return DrugKB.load(folder)


@lru_cache(maxsize=2)
def kb_fingerprint(folder: Path = KB_DIR) -> str:
    """The same fingerprint as load_kb().fingerprint, without building the KB (for version strings
    in processes that never resolve a name, such as the flow process)."""
    return fingerprint((folder / "drugs.jsonl").read_bytes())


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]
