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
