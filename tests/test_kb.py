from trialwire.kb import load_kb, name_key


def test_codes_match_with_or_without_space_or_hyphen():
    kb = load_kb()
    assert {kb.resolve(n).canonical_name for n in ["AMG 451", "AMG-451", "amg451", "KHK4083"]} == {"rocatinlimab"}
    assert kb.resolve("LY3298176").canonical_name == "tirzepatide"
    assert kb.resolve("AMG 451").alias_type("AMG 451") == "code"
    assert name_key("vIGA-AD 0/1") == "vigaad0/1"


def test_brands_and_us_suffixed_names():
    kb = load_kb()
    assert kb.resolve("Ebglyss").canonical_name == "lebrikizumab"
    assert kb.resolve("Ebglyss").alias_type("EBGLYSS") == "brand"
    assert kb.resolve("adalimumab-atto").canonical_name == "adalimumab"  # suffix not listed, stem is
    assert kb.resolve("glucagon-like") is None  # an ordinary hyphenated word, not a suffixed biologic


def test_invented_name_is_unknown():
    assert load_kb().resolve("Rocatan") is None


def test_a_name_two_concepts_share_resolves_to_the_one_it_names():
    """UNII and DrugBank list some substances twice ("levofloxacin" / "levofloxacin anhydrous", the
    latter with the alias "Levofloxacin"): the concept whose own name it is wins; a name that is
    only an alias of several concepts stays ambiguous."""
    from trialwire.kb import DrugKB, KBEntry
    kb = load_kb()
    for name in ("zoledronic acid", "levofloxacin", "Tenofovir", "ceftazidime"):
        assert kb.resolve(name).canonical_name == name.lower()
    entries = [KBEntry("A", "exampletide", ("XT-1",), {}), KBEntry("B", "exampletide anhydrous", ("exampletide", "XT-1"), {}),
               KBEntry("C", "othermab", ("OM-7",), {}), KBEntry("D", "othermab pegol", ("OM-7",), {})]
    small = DrugKB(entries, "test")
    assert small.resolve("exampletide").concept_id == "A" and small.resolve("XT-1") is None
    assert small.resolve("OM-7") is None
