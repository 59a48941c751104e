from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from trialwire.extract.records import RECORD_TYPES
from trialwire.store import TABLES, CorruptOutput, Store, StoreLocked

RUN = {"run_id": "r1", "pipeline_version": "test"}


def drug_row(doc_id, drug):
    return {"doc_id": doc_id, "drug": drug, **RUN}


def test_every_record_type_matches_its_declared_table():
    for record_type in RECORD_TYPES:
        columns = set(TABLES[record_type.table].schema.names)
        fields = set(record_type.__dataclass_fields__) - {"prov"}
        assert fields <= columns, (record_type.table, fields - columns)


def test_written_files_carry_exactly_the_declared_schema(tmp_path):
    store = Store(tmp_path)
    writer = store.begin("r1", date(2026, 1, 2))
    writer.add("drugs", [drug_row("d1", "rocatinlimab")])
    writer.commit()
    [path] = store.paths("drugs")
    assert "ingest_date=2026-01-02" in str(path)
    assert pq.read_schema(path).remove_metadata().equals(TABLES["drugs"].schema.remove_metadata())


def test_unknown_column_is_rejected(tmp_path):
    writer = Store(tmp_path).begin("r1", date.today())
    writer.add("drugs", [{**drug_row("d", "x"), "colour": "red"}])
    with pytest.raises(ValueError, match="colour"):
        writer.commit()


def test_uncommitted_files_are_invisible_and_rolled_back(tmp_path):
    store = Store(tmp_path)
    w = store.begin("r1", date.today())
    w.add("drugs", [drug_row("d1", "lecanemab")])
    w.commit()
    staged = store.stage("drugs", [drug_row("d2", "donanemab")], "r2-b0", date.today())
    assert Store(tmp_path).read("drugs").column("drug").to_pylist() == ["lecanemab"]
    import pyarrow.dataset as ds
    assert ds.dataset(tmp_path / "drugs", partitioning="hive").to_table().num_rows == 1  # naive readers too
    with Store(tmp_path).locked() as again:
        assert again.read("drugs").num_rows == 1
    assert not (tmp_path / staged).exists()
    assert not list((tmp_path / "drugs").rglob(".part-*"))


def test_corrupt_committed_file_is_reported_not_read(tmp_path):
    store = Store(tmp_path)
    w = store.begin("r1", date.today())
    w.add("drugs", [drug_row(f"d{i}", "tirzepatide") for i in range(100)])
    w.commit()
    [path] = store.paths("drugs")
    path.write_bytes(path.read_bytes()[:200])  # truncated, as by a crash on a non-atomic writer
    assert any("unreadable" in p for p in store.verify())
    with pytest.raises(CorruptOutput):
        store.read("drugs")


def test_table_read_file_by_file_keeps_order_and_a_bounded_lookahead(tmp_path, monkeypatch):
    store = Store(tmp_path)
    names = ["lecanemab", "donanemab", "tirzepatide", "lebrikizumab", "rocatinlimab", "dupilumab", "semaglutide"]
    for i, name in enumerate(names):
        w = store.begin(f"r{i}", date.today())
        w.add("drugs", [drug_row(f"d{i}", name)])
        w.commit()
    decoded, in_memory, most = [], [0], [0]
    read_part = Store._read_part
    def counting(path, columns, schema):
        decoded.append(path)
        in_memory[0] += 1
        most[0] = max(most[0], in_memory[0])
        return read_part(path, columns, schema)
    monkeypatch.setattr(Store, "_read_part", staticmethod(counting))
    seen = []
    for part in Store(tmp_path).read_parts("drugs", ["drug"], ahead=2):
        seen.extend(part.column("drug").to_pylist())
        in_memory[0] -= 1
    assert most[0] <= 2 and len(decoded) == len(names)  # each file once, never more than two held
    assert seen == names == Store(tmp_path).read("drugs").column("drug").to_pylist()
    assert list(Store(tmp_path / "empty").read_parts("drugs")) == []


def test_corpus_table_replaced_atomically(tmp_path):
    store = Store(tmp_path)
    rows = [{"drug": "rocatinlimab", "alias": "AMG 451", "status": "confirmed", **RUN}]
    store.write_corpus_table("aliases", rows)
    assert store.read("aliases").num_rows == 1
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(pa.ArrowInvalid):
        store.write_corpus_table("aliases", [{"drug": "x", **RUN}])  # status is required
    assert store.read("aliases").num_rows == 1
    assert not list(tmp_path.glob(".*.tmp"))


def test_corpus_table_streams_rows_in_chunks(tmp_path):
    """Any iterable of rows, written a chunk at a time: all rows arrive, in order, and a bad row
    in a later chunk leaves the previous table whole."""
    from trialwire.store.dataset import CORPUS_CHUNK_ROWS
    store = Store(tmp_path)
    n = CORPUS_CHUNK_ROWS * 2 + 5
    rows = ({"drug": "rocatinlimab", "alias": f"AMG {i}", "status": "confirmed", **RUN} for i in range(n))
    store.write_corpus_table("aliases", rows)
    table = store.read("aliases")
    assert table.column("alias").to_pylist() == [f"AMG {i}" for i in range(n)]
    assert pq.ParquetFile(store.root / "aliases.parquet").metadata.num_row_groups == 3

    def late_bad_row():
        yield from ({"drug": "x", "alias": "y", "status": "confirmed", **RUN} for _ in range(CORPUS_CHUNK_ROWS))
        yield {"drug": "x", **RUN}  # status is required
    with pytest.raises(pa.ArrowInvalid):
        store.write_corpus_table("aliases", late_bad_row())
    assert store.read("aliases").num_rows == n
    assert not list(tmp_path.glob(".*.tmp"))


def test_corpus_table_gives_back_each_chunks_memory(tmp_path, monkeypatch):
    """glibc kept each written chunk's memory rather than reuse it for the next one (150 MB over the
    conflicts at 25,000 documents), so the writer trims after every chunk."""
    from trialwire.store import dataset
    from trialwire.store.dataset import CORPUS_CHUNK_ROWS
    trims = []
    monkeypatch.setattr(dataset, "release_freed_memory", lambda: trims.append(1) or True)
    rows = ({"drug": "rocatinlimab", "alias": f"AMG {i}", "status": "confirmed", **RUN}
            for i in range(CORPUS_CHUNK_ROWS * 3 + 1))
    Store(tmp_path).write_corpus_table("aliases", rows)
    assert len(trims) == 4


def test_second_writer_is_refused(tmp_path):
    first = Store(tmp_path)
    with first.locked():
        with pytest.raises(StoreLocked):
            with Store(tmp_path).locked(wait_s=0.3):
                pass
    with Store(tmp_path).locked():
        pass
