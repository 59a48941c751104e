"""Reconciliation over everything ingested into an output folder so far.

`reconcile(out)` reads the per-document tables (newest version of each source only), resolves
drug and trial identities, gives every alias a status with its reason, finds cross-source
conflicts and writes three corpus tables: `aliases`, `conflicts`, `trial_registry`.

Analyst decisions live in `out / "decisions.yaml"` unless another path is given::

    aliases:
      - {drug: rocatinlimab, alias: Rocatan, decision: reject, note: "AI page"}   # or accept
    conflicts:
      - {conflict_id: c-1a2b3c4d5e, pick: "769", note: "company release"}

They are applied on every run; see decisions.py and docs/RECONCILIATION.md.

Modules: run (one reconciliation, `reconcile()`), credibility (source model), corpus (loading), identity (trials), aliases (verdicts),
textfacts (population, masking and date statements read from text), conflicts, decisions.
"""
from __future__ import annotations

from importlib import import_module

# Loaded on first use (PEP 562), so that importing one light module of this package (credibility
# for discovery, textfacts in a text-reader process) does not import all of reconciliation with
# pyarrow: 0.5 s of CPU in each reader process, measured.
_EXPORTS = {
    "reconcile": "run", "current_summary": "run", "inputs_fingerprint": "run", "ReconcileSummary": "run",
    "load_credibility_model": "credibility", "assess_source": "credibility",
    "CredibilityModel": "credibility", "SourceAssessment": "credibility",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
