"""Indications and adverse events (trialwire_conditions + extract.conditions). Sentences are our own."""
from __future__ import annotations

import pytest

from trialwire.extract.conditions import condition_records
from trialwire.extract.provenance import SentenceIndex
from trialwire.extract.records import AdverseEvent, Condition
from trialwire.nlp.conditions import condition_key
from trialwire.nlp.pipeline import build_pipeline

UPSTREAM = ["trialwire_line_breaks", "sentencizer", "abbreviation_detector", "trialwire_trial_ids",
            "trialwire_ner", "trialwire_drugs", "trialwire_conditions"]


@pytest.fixture(scope="module")
def nlp():
    return build_pipeline(overrides={"nlp.pipeline": UPSTREAM, "components.trialwire_ner.model": None})


def facts(nlp, text):
    doc = nlp(text)
    recs = condition_records(doc, SentenceIndex(doc), "d1")
    return ({r.condition for r in recs if isinstance(r, Condition)},
            {r.event for r in recs if isinstance(r, AdverseEvent)}, recs)


def test_key_ignores_case_hyphen_and_possessive():
    assert condition_key("Alzheimer’s Disease") == condition_key("alzheimer disease")
    assert condition_key("Type-2 diabetes") == condition_key("type 2 diabetes")


def test_indication_with_severity_and_synonym(nlp):
    conds, events, _ = facts(nlp, "The agency approved lebrikizumab for the treatment of moderate-to-severe "
                                  "eczema in adults. Lebrikizumab is injected.")
    assert conds == {"atopic dermatitis"} and events == set()


def test_adverse_events_attributed_to_drug(nlp):
    conds, events, recs = facts(nlp, "Rocatinlimab was tested in patients with atopic dermatitis.\n"
                                     "The most common adverse events with rocatinlimab were fever, chills "
                                     "and canker sores.")
    assert conds == {"atopic dermatitis"}
    assert events == {"pyrexia", "chills", "aphthous ulcer"}
    assert {r.drug for r in recs if isinstance(r, AdverseEvent)} == {"rocatinlimab"}


def test_indication_is_never_an_adverse_event(nlp):
    conds, events, _ = facts(nlp, "Rocatinlimab is also being studied for asthma and prurigo nodularis.\n"
                                  "Side effects of rocatinlimab included headache and asthma.")
    assert {"asthma", "prurigo nodularis"} <= conds
    assert "asthma" not in events and "headache" in events


def test_list_under_a_side_effects_heading(nlp):
    _, events, _ = facts(nlp, "Semaglutide helps people with obesity.\nCommon side effects include:\n"
                              "Nausea\nThrowing up (vomiting)\nLow blood sugar\n")
    assert {"nausea", "vomiting", "hypoglycemia"} <= events


def test_negated_and_background_diseases_are_not_conditions(nlp):
    conds, events, _ = facts(nlp, "Tirzepatide was studied in adults with obesity who do not have diabetes.\n"
                                  "Obesity raises the risk of heart disease, said a doctor.")
    assert conds == {"obesity"} and events == set()


def test_abbreviation_defined_in_document(nlp):
    conds, _, _ = facts(nlp, "Lecanemab slows early Alzheimer's disease (AD). People with AD were enrolled.")
    assert conds == {"alzheimer's disease"}


def test_indication_of_another_unreported_product_is_dropped(nlp):
    conds, _, _ = facts(nlp, "Lebrikizumab was approved for atopic dermatitis. Lebrikizumab is an antibody.\n"
                             "The firm also sells baricitinib to treat alopecia areata.")
    assert conds == {"atopic dermatitis"}


def test_symptoms_are_not_indications(nlp):
    conds, events, _ = facts(nlp, "Rocatinlimab reduced itch and skin pain in atopic dermatitis patients.")
    assert conds == {"atopic dermatitis"} and events == set()


def test_assertion_of_possible_harms_and_planned_indications(nlp):
    _, _, recs = facts(nlp, "Rocatinlimab is being studied for asthma.\nRocatinlimab may cause headache.\n"
                            "Rocatinlimab treats atopic dermatitis.")
    by_name = {getattr(r, "condition", None) or r.event: r.prov.assertion for r in recs}
    assert by_name == {"asthma": "expected", "atopic dermatitis": None, "headache": "hypothetical"}


def test_company_boilerplate_states_no_indication(nlp):
    conds, _, _ = facts(nlp, "Lebrikizumab was approved for atopic dermatitis. Lebrikizumab is injected.\n"
                             "About Acme\nAcme is a global medicine company that markets medicines for diabetes "
                             "and obesity. Learn more at acme.example.")
    assert conds == {"atopic dermatitis"}


def test_rows_are_attributed_to_the_drug_of_their_sentence(nlp):
    _, _, recs = facts(nlp, "Semaglutide and tirzepatide were compared in our invented trial of obesity.\n"
                            "Semaglutide caused headache. Semaglutide was weekly.\n"
                            "Tirzepatide side effects included nausea.")
    by_event = {r.event: r.drug for r in recs if isinstance(r, AdverseEvent)}
    assert by_event == {"headache": "semaglutide", "nausea": "tirzepatide"}


def test_undefined_short_form_of_a_named_condition(nlp):
    doc = nlp("Rocatinlimab is studied in atopic dermatitis. Adults with moderate-to-severe AD took part.")
    ad = [m for m in doc._.mentions if m.text == "AD"]
    assert len(ad) == 1 and ad[0].norm == "atopic dermatitis" and ad[0].data["context"] == "indication"


def test_harms_under_a_safety_heading_and_comparative_cue(nlp):
    # sentences under a "Safety" / "Side effects" heading or a Q&A question about side effects are harms;
    # "X were reported more often with DRUG than with placebo" too; a rarer event is not a harm
    _, events, _ = facts(nlp, "Rocatinlimab was tested in patients with atopic dermatitis.\n\nSafety\n"
                              "Injection-site reactions were also reported. Skin infections were less common "
                              "with the drug.\n\nHow it works\nIt blocks OX40.\n")
    assert events == {"injection site reaction"}
    _, events, _ = facts(nlp, "Pyrexia, chills and aphthous ulcers were reported more often with rocatinlimab "
                              "than with placebo.")
    assert events == {"pyrexia", "chills", "aphthous ulcer"}
    _, events, _ = facts(nlp, "Q: What side effects should I expect?\n\nA: Some people feel unwell.\n\n"
                              "Call your doctor if you have severe stomach pain, as this can be a sign of "
                              "pancreatitis.\n")
    assert events == {"pancreatitis"}


def test_non_english_harms_and_indications(nlp):
    conds, events, _ = facts(nlp, "Tralokinumab wurde zur Behandlung von Erwachsenen mit atopischer Dermatitis "
                                  "zugelassen. Zu den häufigsten Nebenwirkungen zählten Konjunktivitis und "
                                  "Reaktionen an der Injektionsstelle.")
    assert conds == {"atopic dermatitis"}
    assert events == {"conjunctivitis", "injection site reaction"}
    conds, _, _ = facts(nlp, "Nemolizumab è approvato per la dermatite atopica ed è indicato anche per il "
                             "prurigo nodulare.")
    assert conds == {"atopic dermatitis", "prurigo nodularis"}


def test_severity_words_of_active_disease(nlp):
    conds, _, _ = facts(nlp, "Upadacitinib is approved for adults with moderately to severely active rheumatoid "
                             "arthritis.")
    assert conds == {"rheumatoid arthritis"}
