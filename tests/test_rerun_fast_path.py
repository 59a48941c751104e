"""A re-run over unchanged local input records itself without starting Prefect; anything that
could change the output (a new file, an edited decisions file) runs the flow again."""
from conftest import copy_samples
from trialwire.store import Store


def ingest(inputs, out) -> dict:
    from trialwire import cli
    captured, original = [], cli.print_summary
    cli.print_summary = captured.append
    try:
        assert cli.main(["ingest", str(inputs), "--out", str(out), "--quiet", "--runner", "local"]) == 0
    finally:
        cli.print_summary = original
    return captured[0]


def test_unchanged_input_skips_the_flow_and_changes_bring_it_back(prefect, tmp_path):
    (tmp_path / "in").mkdir()
    inputs = copy_samples(tmp_path / "in")
    out = tmp_path / "out"
    first = ingest(inputs, out)
    assert first["documents_read"] >= 8 and "orchestrator" not in first

    again = ingest(inputs, out)
    assert again["orchestrator"].startswith("none")
    assert again["documents_read"] == 0 and again["skipped_unchanged"] == again["documents_seen"] == first["documents_seen"]
    assert Store(out).read("runs").num_rows == 2  # the skipped run is still on record

    (out / "decisions.yaml").write_text("aliases: []\n")  # reconciliation is stale now
    edited = ingest(inputs, out)
    assert "orchestrator" not in edited and edited["documents_read"] == 0
    assert not edited["reconcile"].get("unchanged")

    (inputs / "new-article.txt").write_text(
        "Lebrikizumab, an IL-13 antibody, was tested in the ADvocate 1 trial (NCT04146363) in adults "
        "and adolescents with moderate-to-severe atopic dermatitis. Patients received 250 mg every two weeks.")
    grown = ingest(inputs, out)
    assert "orchestrator" not in grown and grown["documents_read"] == 1


def test_reconciliation_is_kept_when_its_inputs_are_unchanged(prefect, tmp_path):
    from trialwire.cli import load_flow_module
    (tmp_path / "in").mkdir()
    inputs = copy_samples(tmp_path / "in")
    out = tmp_path / "out"
    flows = load_flow_module()
    flows.ingest(source=[str(inputs)], out=str(out))
    second = flows.ingest(source=[str(inputs)], out=str(out))  # the flow itself, as a deployment runs it
    assert second["documents_read"] == 0 and second["reconcile"]["unchanged"] is True
