"""Drug names, candidates and aliases (trialwire_drugs + extract.drugs). Sentences are our own."""
from __future__ import annotations

import pytest

from trialwire.extract.drugs import drug_records
from trialwire.extract.provenance import SentenceIndex
from trialwire.extract.records import Drug, DrugAlias
from trialwire.nlp.mention import mentions
from trialwire.nlp.pipeline import build_pipeline

UPSTREAM = ["trialwire_line_breaks", "sentencizer", "abbreviation_detector", "trialwire_trial_ids",
            "trialwire_ner", "trialwire_drugs", "trialwire_conditions"]


@pytest.fixture(scope="module")
def nlp():
    # the configured pipeline up to this area's components, without a statistical NER model
    return build_pipeline(overrides={"nlp.pipeline": UPSTREAM, "components.trialwire_ner.model": None})


def norms(doc, label):
    return {m.norm for m in mentions(doc, label)}


def records(nlp, text):
    doc = nlp(text)
    recs = drug_records(doc, SentenceIndex(doc), "d1")
    return ({r.drug for r in recs if isinstance(r, Drug)},
            {(r.drug, r.alias) for r in recs if isinstance(r, DrugAlias)}, recs)


@pytest.mark.parametrize("name", ["AMG 451", "AMG-451", "AMG451", "KHK4083", "rocatinlimab", "Rocatinlimab"])
def test_code_and_inn_spellings_resolve_to_one_drug(nlp, name):
    doc = nlp(f"Our team gave {name} to twelve volunteers.")
    assert norms(doc, "DRUG") == {"rocatinlimab"}


def test_brand_and_us_suffixed_names_are_aliases(nlp):
    drugs, aliases, _ = records(nlp, "Ebglyss (lebrikizumab-lbkz) is given every four weeks. "
                                     "We wrote that lebrikizumab blocks a cytokine.")
    assert drugs == {"lebrikizumab"}
    assert aliases == {("lebrikizumab", "Ebglyss"), ("lebrikizumab", "lebrikizumab-lbkz")}


def test_stoplist_and_ordinary_words_are_not_drugs(nlp):
    doc = nlp("Today the program compared placebo with water and oxygen in May.")
    assert norms(doc, "DRUG") == set()


def test_unknown_inn_stem_and_code_are_low_confidence_candidates(nlp):
    doc = nlp("Zentorelimab and XQZ-2231 were dosed; the NCT01234567 study met EADV 2025 goals; IL-13 rose. "
              "Write to Thousand Oaks, CA 91320 (PMCID: PMC1234567).")
    cands = {m.text: m for m in mentions(doc, "DRUG_CANDIDATE")}
    assert set(cands) == {"Zentorelimab", "XQZ-2231"}
    assert all(m.confidence < 0.6 and m.data["in_kb"] is False for m in cands.values())


def test_text_asserted_alias_not_in_kb(nlp):
    drugs, aliases, recs = records(nlp, "What is Vorantex?\nRocatinlimab (Vorantex) targets OX40.")
    assert drugs == {"rocatinlimab"}
    assert ("rocatinlimab", "Vorantex") in aliases
    alias = next(r for r in recs if isinstance(r, DrugAlias) and r.alias == "Vorantex")
    assert alias.in_kb is False and alias.asserted_by == "text" and alias.alias_type == "unknown"


def test_also_known_as_and_formerly(nlp):
    _, aliases, _ = records(nlp, "Tirzepatide, also known as Mountrex, lowers weight.")
    assert ("tirzepatide", "Mountrex") in aliases
    _, aliases, _ = records(nlp, "Lecanemab, formerly Amylora, clears amyloid.")
    assert ("lecanemab", "Amylora") in aliases


def test_sponsor_in_parentheses_is_not_an_alias(nlp):
    _, aliases, _ = records(nlp, "Rocatinlimab (Amgen) and rocatinlimab (150 mg) were tested.")
    assert aliases == set()


def test_misspelling_is_an_alias_not_a_new_drug(nlp):
    drugs, aliases, _ = records(nlp, "Rocatinlimab was well tolerated. Later rocantilimab was given again.")
    assert drugs == {"rocatinlimab"}
    assert ("rocatinlimab", "rocantilimab") in aliases


def test_passing_mention_dropped_comparator_kept(nlp):
    text = ("Tirzepatide lowered weight in our made-up trial.\n"
            "Tirzepatide was given weekly.\n"
            "The sponsor also sells baricitinib for hair loss.\n"
            "Tirzepatide worked better than semaglutide in the same trial.")
    drugs, _, _ = records(nlp, text)
    assert drugs == {"tirzepatide", "semaglutide"}


def test_one_row_per_drug_and_aliases_deduplicated(nlp):
    drugs, aliases, recs = records(nlp, "EBGLYSS works. Ebglyss is lebrikizumab. Lebrikizumab is injected.")
    assert [r.drug for r in recs if isinstance(r, Drug)] == ["lebrikizumab"]
    assert len(aliases) == 1


@pytest.mark.parametrize("text", [
    "Rocatinlimab (AMG 451) wird in einer Phase-3-Studie bei atopischer Dermatitis untersucht; 300 mg subkutan.",
    "Il lebrikizumab (Ebglyss) è stato approvato per la dermatite atopica; dose di 250 mg ogni 4 settimane.",
])
def test_german_and_italian_drug_names(nlp, text):
    doc = nlp(text)
    assert norms(doc, "DRUG") & {"rocatinlimab", "lebrikizumab"}


def test_drug_mentions_carry_canonical_norm_and_kb_id(nlp):
    doc = nlp("Patients received Mounjaro 5 mg.")
    (m,) = mentions(doc, "DRUG")
    assert m.norm == "tirzepatide" and m.data["kb_id"] and m.data["alias_type"] == "brand"


def test_title_names_the_drug_by_another_name(nlp):
    drugs, aliases, recs = records(nlp, "What is Quantrel and how does it work?\n"
                                        "Rocatinlimab is an antibody. Rocatinlimab targets OX40.")
    assert drugs == {"rocatinlimab"}
    assert ("rocatinlimab", "Quantrel") in aliases
    assert next(r for r in recs if isinstance(r, DrugAlias)).asserted_by == "title"


def test_title_about_a_disease_is_not_an_alias(nlp):
    _, aliases, _ = records(nlp, "What is Eczema and how is it treated?\nRocatinlimab is an antibody.")
    assert aliases == set()


def test_salt_forms_report_the_inn(nlp):
    doc = nlp("Enlicitide lowered LDL cholesterol; codeine sulfate was a rescue medicine.")
    assert {"enlicitide", "codeine"} <= norms(doc, "DRUG")


def test_prior_and_background_therapies_are_not_rows(nlp):
    drugs, _, _ = records(nlp, "Lebrikizumab improved eczema in our invented study.\n"
                               "Patients with an inadequate response to methotrexate were enrolled.\n"
                               "Rescue methotrexate was permitted. Lebrikizumab was injected.")
    assert drugs == {"lebrikizumab"}


def test_misspelt_brand_is_an_alias(nlp):
    _, aliases, _ = records(nlp, "Maridebart cafraglutide (MariTide) cut weight.\nLater MiraTide kept working. "
                                 "Maridebart cafraglutide is monthly. Mountain air helps.")
    assert aliases == {("maridebart cafraglutide", "MariTide"), ("maridebart cafraglutide", "MiraTide")}


def test_later_uses_of_an_asserted_name_are_drug_mentions(nlp):
    doc = nlp("Rocatinlimab (Vorantex) targets OX40. Vorantex 300 mg was injected.")
    later = [m for m in mentions(doc, "DRUG") if m.text == "Vorantex"]
    assert len(later) == 1 and later[0].norm == "rocatinlimab" and later[0].data["in_kb"] is False


def test_unknown_code_in_parentheses_is_an_alias_not_a_drug(nlp):
    drugs, aliases, _ = records(nlp, "Deucravacitinib (QRT-918273) was tested in psoriasis. Deucravacitinib is oral.")
    assert drugs == {"deucravacitinib"}
    assert aliases == {("deucravacitinib", "QRT-918273")}


def test_more_than_a_number_is_not_a_comparison(nlp):
    drugs, _, _ = records(nlp, "Lebrikizumab improved eczema. Lebrikizumab is injected monthly.\n"
                               "The sponsor, which also sells Mounjaro, has more than 40,000 staff.\n"
                               "Lebrikizumab worked better than dupilumab in our invented analysis.")
    assert drugs == {"lebrikizumab", "dupilumab"}


def test_short_inn_capitalised_brand_and_numbers(nlp):
    drugs, aliases, _ = records(nlp, "Efgartigimod alfa was studied in 1.600 patients. Later, efgartigimod was "
                                     "well tolerated.")
    assert drugs == {"efgartigimod alfa"}
    drugs, aliases, _ = records(nlp, "AbbVie announced results for upadacitinib (RINVOQ) in adults.")
    assert drugs == {"upadacitinib"} and ("upadacitinib", "RINVOQ") in aliases


def test_arm_labels_are_not_food_additive_numbers(nlp):
    # "E100" and "E120" name arms by drug and dose here; as E-numbers they were curcumin and carmine
    drugs, _, _ = records(nlp, "Women with node-positive breast cancer were randomised to epirubicin 100 mg/m2 "
                               "every 3 weeks (E100; n=150) or epirubicin 120 mg/m2 with filgrastim (E120; n=148).")
    assert drugs == {"epirubicin", "filgrastim"}


def test_four_digit_company_codes_still_resolve(nlp):
    doc = nlp("Eisai first tested E2020 in patients with mild Alzheimer's disease.")
    assert norms(doc, "DRUG") == {"donepezil"}


def test_a_short_form_of_a_combination_is_no_alias_of_its_last_drug(nlp):
    """"anastrozole-abemaciclib (ANABEM)" names the pair, not abemaciclib; a brand after the second drug of
    a pair joined by a word ("fulvestrant plus abemaciclib (Verzenio)") is still that drug's."""
    _, aliases, _ = records(nlp, "Women received anastrozole-abemaciclib (ANABEM) until progression.")
    assert aliases == set()
    _, aliases, _ = records(nlp, "Women received fulvestrant plus abemaciclib (Verzenio) until progression.")
    assert aliases == {("abemaciclib", "Verzenio")}
