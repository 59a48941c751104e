"""The pipeline version string stamped on every row, computed without importing spaCy: the flow
process stamps runs and quarantine rows and never parses, and importing spaCy there cost 0.9 s
and its memory. `nlp.pipeline` and `nlp.ner` use these same functions."""
from __future__ import annotations

import hashlib
import importlib.metadata
import json
from functools import lru_cache
from pathlib import Path

from . import __version__
from .kb import kb_fingerprint
from .paths import MODELS_DIR, PIPELINE_CONFIG, PROJ_ROOT, RULES_DIR


@lru_cache(maxsize=4)  # pipeline_version and reconcile_version both use it (the rules files, ~4 ms)
def rules_fingerprint(config_path: Path) -> str:
    h = hashlib.sha256(config_path.read_bytes() if config_path.exists() else b"")
    if RULES_DIR.exists():
        for p in sorted(RULES_DIR.rglob("*")):
            if p.is_file() and p.suffix in {".txt", ".tsv", ".jsonl", ".json", ".yaml", ".yml"}:
                h.update(p.name.encode())
                h.update(p.read_bytes())
    return h.hexdigest()[:8]


# The packages whose code decides a document's text and facts: rows they produced differently carry
# a different pipeline_version, without a release number to remember to raise.
EXTRACTION_PACKAGES = ("text", "nlp", "extract")
EXTRACTION_MODULES = ("kb.py", "qualifiers.py", "registries.py")  # spaCy-free modules extraction shares with reconciliation


# The packages whose code decides the corpus tables (aliases, conflicts, trial_registry): a store
# whose inputs are unchanged is reconciled again when this code, the KB or the rules change.
RECONCILE_PACKAGES = ("reconcile", "store")


def _modules_fingerprint(packages: tuple[str, ...], modules: tuple[str, ...], package_dir: Path) -> str:
    h = hashlib.sha256()
    for name in packages:
        for p in sorted((package_dir / name).rglob("*.py")):
            h.update(p.relative_to(package_dir).as_posix().encode())
            h.update(p.read_bytes())
    for name in modules:
        h.update(name.encode())
        h.update((package_dir / name).read_bytes())
    return h.hexdigest()[:8]


@lru_cache(maxsize=4)
def code_fingerprint(package_dir: Path = Path(__file__).parent) -> str:
    return _modules_fingerprint(EXTRACTION_PACKAGES, EXTRACTION_MODULES, package_dir)


@lru_cache(maxsize=4)
def reconcile_version(package_dir: Path = Path(__file__).parent) -> str:
    """Package version + reconciliation code, KB and rules fingerprints."""
    code = _modules_fingerprint(RECONCILE_PACKAGES, EXTRACTION_MODULES, package_dir)
    return f"{__version__}+reconcile.{code}+kb.{kb_fingerprint()}+rules.{rules_fingerprint(PIPELINE_CONFIG)}"


def _installed(name: str) -> bool:
    try:
        importlib.metadata.distribution(name)
        return True
    except Exception:  # noqa: BLE001  as spacy.util.is_package: any failure means "not a package"
        return False


def resolve_model(spec: str | None) -> str | Path | None:
    """A model directory (absolute, or relative to models/ or the project root) or an installed
    package name; None when neither exists."""
    if not spec:
        return None
    p = Path(spec)
    for cand in ([p] if p.is_absolute() else [MODELS_DIR / p, PROJ_ROOT / p]):
        if (cand / "config.cfg").exists() or (cand / "meta.json").exists():
            return cand
    return spec if _installed(spec) else None


def model_version(spec: str | None) -> str | None:
    """`name-version` of the NER model the component would load, or None."""
    where = resolve_model(spec)
    if where is None:
        return None
    try:
        meta = json.loads((Path(where) / "meta.json").read_text(encoding="utf8")) if isinstance(where, Path) \
            else {"name": where, "version": importlib.metadata.version(where)}
    except Exception:  # noqa: BLE001  unreadable meta still names the model
        meta = {}
    name = meta.get("name") or (where.name if isinstance(where, Path) else str(where))
    if isinstance(where, Path) and name == "pipeline":
        name = where.name
    return f"{name}-{meta.get('version', '0')}"


@lru_cache(maxsize=4)
def pipeline_version(config_path: Path | str | None = None) -> str:
    """Package version + extraction code, KB, rules/config fingerprints + NER model name-version
    when present."""
    from confection import Config  # the parser spaCy's own load_config uses

    path = Path(config_path or PIPELINE_CONFIG)
    version = f"{__version__}+code.{code_fingerprint()}+kb.{kb_fingerprint()}+rules.{rules_fingerprint(path)}"
    try:
        config = Config().from_disk(path, interpolate=True)
        ner_spec = config["components"].get("trialwire_ner", {}).get("model")
    except Exception:  # noqa: BLE001  a broken config fails in build_pipeline, not here
        ner_spec = None
    ner_version = model_version(ner_spec)
    return version + (f"+ner.{ner_version}" if ner_version else "")
