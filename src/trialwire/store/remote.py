"""The output store at any fsspec URL (s3://bucket/prefix, gs://..., az://..., memory://...).

Object stores have no rename and no lock, so a run never writes there directly. It works in a
local mirror folder with the transactional local store (`dataset.Store`), then publishes:

  pull(url, mirror)      the remote `_manifest.json` becomes the mirror's manifest, and every
                         file it lists that the mirror lacks (or holds at another size) is
                         downloaded; part files of an unpublished local run are deleted from
                         the mirror, so their documents are ingested again
  ... the run ...        discover, parse and commit into the mirror, as for a local --out
  publish(mirror, url)   uploads the part files the remote lacks, then each corpus table under a
                         content-addressed name (`_corpus/<table>-<sha>.parquet`), then the
                         manifest LAST, in one PUT (atomic on S3, GCS and Azure), then the plain
                         `<table>.parquet` copies for readers that open paths directly; part
                         files a re-extraction replaced are listed as `superseded` and deleted
                         by the next publish

A reader that goes through the manifest (`read_table`) sees the previous run or the new one,
never half of one: part files of an interrupted publish are unlisted, and corpus tables are
named by content in the manifest. Part files are immutable (their names carry the run id), so
a file present on both sides is not transferred again.

One writer per URL: the mirror's lock serialises runs on one machine, and `publish` refuses
(`ConcurrentPublish`) when the remote manifest changed since the pull. Run backfills from one
flow process and scale out with Dask workers (they write into the same mirror folder when it is
shared, or run the flow where the mirror lives), not with several flows against one URL.

The command line calls `output_root(out)`: a local path passes through untouched.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import sys
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from .dataset import MANIFEST, Store, StoreLocked, concat_parts, fsync_write, part_files, remove_unlisted
from .schemas import TABLES

CORPUS_DIR = "_corpus"
MIRRORS = Path(os.environ.get("TRIALWIRE_CACHE", Path.home() / ".cache" / "trialwire")) / "mirrors"
_COLLAPSED = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]+):/([^/])")  # Path("s3://b/k") -> "s3:/b/k"


class ConcurrentPublish(RuntimeError):
    """The remote manifest changed between pull and publish: another writer published first."""


def normalise_url(out: str | os.PathLike) -> str:
    text = os.fspath(out)
    return _COLLAPSED.sub(r"\1://\2", text) if "://" not in text else text


def is_remote(out: str | os.PathLike) -> bool:
    """True for any URL with a scheme other than file:// (s3://, gs://, memory://, ...)."""
    url = normalise_url(out)
    return "://" in url and not url.startswith("file://")


def filesystem(url: str, storage_options: dict[str, Any] | None = None):
    """(fsspec filesystem, root path inside it) with fresh listings. Credentials and endpoints
    come from storage_options or the usual environment (AWS_*, AWS_ENDPOINT_URL, ...)."""
    import fsspec

    fs, root = fsspec.core.url_to_fs(normalise_url(url), **(storage_options or {}))
    root = root.rstrip("/")
    fs.invalidate_cache()
    return fs, root


def mirror_dir(url: str, work_dir: Path | str | None = None) -> Path:
    """The local folder a URL's runs work in: work_dir when given, else a cache folder per URL."""
    if work_dir:
        return Path(work_dir)
    url = normalise_url(url).rstrip("/")
    return MIRRORS / hashlib.sha256(url.encode()).hexdigest()[:16]


def read_manifest(fs, root: str) -> dict | None:
    path = f"{root}/{MANIFEST}"
    try:
        return json.loads(fs.cat_file(path))
    except FileNotFoundError:
        return None


def _listing(fs, root: str) -> dict[str, int]:
    """Every object under root as {relative path: size}, in one recursive listing."""
    try:
        found = fs.find(root, detail=True)
    except FileNotFoundError:
        return {}
    prefix = root.rstrip("/") + "/"
    return {name[len(prefix):]: info.get("size") for name, info in found.items() if name.startswith(prefix)}


def _write_local_manifest(local_root: Path, files: dict[str, list[str]]) -> None:
    """Same format as Store._publish writes: {"format": 1, "files": {table: [relative paths]}}."""
    body = json.dumps({"format": 1, "files": files}, indent=1, sort_keys=True).encode()
    fsync_write(local_root / MANIFEST, body)


def pull(url: str, local_root: Path | str, storage_options: dict[str, Any] | None = None) -> dict:
    """Make the mirror match the remote manifest; returns what it did (and the manifest's id)."""
    fs, root = filesystem(url, storage_options)
    local_root = Path(local_root)
    local_root.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(fs, root)
    remote = _listing(fs, root) if manifest else {}
    files = (manifest or {}).get("files", {})
    fetched = 0
    gets: list[tuple[str, str]] = []
    for rels in files.values():
        for rel in rels:
            local = local_root / rel
            if not local.exists() or (remote.get(rel) is not None and local.stat().st_size != remote[rel]):
                local.parent.mkdir(parents=True, exist_ok=True)
                gets.append((f"{root}/{rel}", str(local)))
    for table, rel in (manifest or {}).get("corpus", {}).items():
        gets.append((f"{root}/{rel}", str(local_root / f"{table}.parquet")))
    if gets:
        tmp_pairs = [(r, str(Path(lp).with_name(f".{Path(lp).name}.pull"))) for r, lp in gets]
        fs.get([r for r, _ in tmp_pairs], [t for _, t in tmp_pairs])
        for (_, tmp), (_, final) in zip(tmp_pairs, gets):
            os.replace(tmp, final)
        fetched = len(gets)
    if manifest is not None or (local_root / MANIFEST).exists():
        _write_local_manifest(local_root, files)
    pruned = prune(local_root, files)
    return {"url": normalise_url(url), "mirror": str(local_root), "fetched": fetched, "pruned": pruned,
            "manifest_id": manifest_id(manifest)}


def prune(local_root: Path, files: dict[str, list[str]]) -> int:
    """Delete the mirror's part files the manifest does not list (a run that was never published)."""
    listed = {rel for rels in files.values() for rel in rels}
    return len(remove_unlisted(local_root, listed, part_files(local_root)))


def manifest_id(manifest: dict | None) -> str | None:
    if manifest is None:
        return None
    return hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def publish(local_root: Path | str, url: str, storage_options: dict[str, Any] | None = None,
            expect_manifest_id: str | None | bool = False) -> dict:
    """Upload the mirror's committed state: new part files, corpus tables, then the manifest.

    expect_manifest_id: the id `pull` returned (None for a store that did not exist); when given,
    a remote manifest that changed since then raises ConcurrentPublish before the manifest is
    written (the uploaded part files stay unlisted, invisible to readers).
    """
    fs, root = filesystem(url, storage_options)
    local_root = Path(local_root)
    store = Store(local_root)
    remote = _listing(fs, root)
    puts: list[tuple[str, str]] = []
    for table, rels in store.files.items():
        if table not in TABLES or not TABLES[table].per_document:
            continue
        for rel, path in zip(rels, store.paths(table)):
            if remote.get(rel) != path.stat().st_size:
                puts.append((str(path), f"{root}/{rel}"))
    corpus: dict[str, str] = {}
    plain: list[tuple[str, str]] = []
    for table, spec in TABLES.items():
        path = local_root / f"{table}.parquet"
        if spec.per_document or not path.exists():
            continue
        rel = f"{CORPUS_DIR}/{table}-{_file_digest(path)}.parquet"
        corpus[table] = rel
        if rel not in remote:
            puts.append((str(path), f"{root}/{rel}"))
        plain.append((str(path), f"{root}/{table}.parquet"))
    if puts:
        fs.put([lp for lp, _ in puts], [rp for _, rp in puts])
    current = read_manifest(fs, root)
    if expect_manifest_id is not False and manifest_id(current) != expect_manifest_id:
        raise ConcurrentPublish(f"{url} was published by another run since this run pulled it")
    previous = current or {}
    listed = {rel for rels in store.files.values() for rel in rels}
    # part files the last manifest listed and this one does not (replaced by a re-extraction):
    # kept one publish longer, like the last corpus tables, for readers that hold the last manifest
    superseded = sorted({rel for rels in previous.get("files", {}).values() for rel in rels} - listed)
    manifest = {"format": 1, "files": store.files, "corpus": corpus, "superseded": superseded,
                "published_at": datetime.now(timezone.utc).isoformat()}
    fs.pipe_file(f"{root}/{MANIFEST}", json.dumps(manifest, indent=1, sort_keys=True).encode())  # commit
    if plain:
        fs.put([lp for lp, _ in plain], [rp for _, rp in plain])
    keep = set(corpus.values()) | set(previous.get("corpus", {}).values())  # readers may hold the last one
    stale = [f"{root}/{rel}" for rel in remote if rel.startswith(CORPUS_DIR + "/") and rel not in keep]
    stale += [f"{root}/{rel}" for rel in previous.get("superseded", []) if rel in remote and rel not in listed]
    if stale:
        fs.rm(stale)
    return {"url": normalise_url(url), "uploaded": len(puts), "corpus_tables": len(corpus),
            "manifest_id": manifest_id(manifest)}


@contextmanager
def output_root(out: str | os.PathLike, work_dir: Path | str | None = None,
                storage_options: dict[str, Any] | None = None, quiet: bool = False) -> Iterator[Path]:
    """The local folder a command works in. A local `out` is yielded as it is. A URL is pulled into
    its mirror first and published when the block ends without an exception (not on failure:
    the remote keeps its previous state, and the next run pulls it again)."""
    if not is_remote(out):
        yield Path(os.fspath(out).removeprefix("file://"))
        return
    url = normalise_url(out)
    local = mirror_dir(url, work_dir)
    with mirror_session(local):  # pull, run and publish of one command; the run takes OUT/.lock itself
        with Store(local).locked(wait_s=0):  # recovers what a crashed run left before the pull
            pulled = pull(url, local, storage_options)
        yield local
        done = publish(local, url, storage_options, expect_manifest_id=pulled["manifest_id"])
    if not quiet:
        print(f"trialwire: published {done['uploaded']} file(s) and the manifest to {url} "
              f"(pulled {pulled['fetched']} into {local})", file=sys.stderr)


@contextmanager
def mirror_session(local_root: Path) -> Iterator[None]:
    """One command per mirror folder from its pull to its publish (`.remote.lock`)."""
    local_root.mkdir(parents=True, exist_ok=True)
    with open(local_root / ".remote.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreLocked(f"another trialwire run is using the mirror {local_root}") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def read_table(url: str, table: str, columns: list[str] | None = None,
               storage_options: dict[str, Any] | None = None) -> pa.Table:
    """A table's committed rows, read through the remote manifest, in the declared schema."""
    fs, root = filesystem(url, storage_options)
    spec = TABLES[table]
    schema = spec.schema if columns is None else pa.schema([spec.schema.field(c) for c in columns])
    manifest = read_manifest(fs, root) or {}
    rels = manifest.get("files", {}).get(table, []) if spec.per_document else \
        [manifest["corpus"][table]] if table in manifest.get("corpus", {}) else []
    parts = []
    for rel in rels:
        with fs.open(f"{root}/{rel}", "rb") as fh:
            parts.append(pq.read_table(fh, columns=columns, schema=schema))
    return concat_parts(parts, schema)
