"""Endpoints: names, responder forms, criteria, timepoints, results, assertion (test sentences)."""
from __future__ import annotations

import pytest

from trialwire.extract import doc_to_records
from trialwire.nlp.assertion import assertion_of


@pytest.fixture(scope="module")
def nlp():
    from trialwire.nlp import build_pipeline
    return build_pipeline()


def endpoints(nlp, text):
    return {(r.endpoint, r.timepoint_weeks) for r in doc_to_records(nlp(text), "t") if r.table == "endpoints"}


def test_responder_forms_and_zero_one(nlp):
    text = ("At week 24 the trial had two co-primary end points: EASI-75 (at least 75% improvement from baseline) "
            "and a vIGA-AD score of 0 to 1 (clear or almost clear skin).")
    assert endpoints(nlp, text) == {("EASI-75", 24), ("vIGA-AD 0/1", 24)}


def test_percent_improvement_in_long_name_is_the_responder(nlp):
    got = endpoints(nlp, "At week 16, 40% achieved a \u226575% reduction in Eczema Area and Severity Index score (EASI-75).")
    assert got == {("EASI-75", 16)}


def test_entry_criteria_are_not_endpoints(nlp):
    text = ("Adults had an Eczema Area and Severity Index (EASI) \u226516, a vIGA-AD score of 3 or 4 and "
            "an EASI score &gt;= 16 at entry.")
    assert endpoints(nlp, text) == set()


def test_clear_skin_months_and_alzheimer_scales(nlp):
    assert endpoints(nlp, "In psoriasis-free eczema trials, 38% had clear or almost clear skin at 16 weeks.") == {("IGA 0/1", 16)}
    got = endpoints(nlp, "The drug slowed decline on CDR-SB by 27% and on ADAS-Cog14 by 26% at 18 months.")
    assert got == {("CDR-SB", None), ("ADAS-Cog14", None)}


def test_weight_endpoints_with_middle_dot_and_document_week(nlp):
    text = ("Participants lost a mean of 20\u00b79% of their body weight at 72 weeks. "
            "In a key secondary endpoint, 57% achieved at least 20% body weight reductions.")
    got = endpoints(nlp, text)
    assert ("body weight change", 72) in got and ("\u226520% body weight reduction", 72) in got


def test_results_and_assertion(nlp):
    text = "The trial met its primary endpoint: EASI-75 was achieved by 42.1% with 300 mg vs 13.1% with placebo (p<0.001) at week 16."
    recs = doc_to_records(nlp(text), "t")
    ep = [r for r in recs if r.table == "endpoints"]
    assert ep and ep[0].prov.assertion == "met" and ep[0].role == "primary"
    res = [r for r in recs if r.table == "endpoint_results"]
    assert res and res[0].value == 42.1 and res[0].comparator == "placebo" and res[0].comparator_value == 13.1
    assert res[0].p_value == "<0.001"


def test_assertion_cues():
    assert assertion_of("The study did not meet its primary endpoint.") == "not_met"
    assert assertion_of("Results are expected in 2026.") == "expected"
    assert assertion_of("If approved, it could become the first option.") == "hypothetical"


def test_scale_forms_across_areas(nlp):
    text = ("At week 24, 58% reached ACR20 and 40% ACR 50; PASI 90 and PASI-100 were reached at week 16. "
            "sPGA 0/1 was also reported.")
    got = {e for e, _ in endpoints(nlp, text)}
    assert {"ACR-20", "ACR-50", "PASI-90", "PASI-100", "sPGA 0/1"} <= got
    got = endpoints(nlp, text)
    assert ("ACR-20", 24) in got and ("PASI-90", 16) in got and ("ACR-20", 16) not in got


def test_bare_scale_beside_its_responder_and_defined_scales(nlp):
    text = ("Severity was scored with the Eczema Area and Severity Index (EASI); 51% reached EASI-75 at week 16. "
            "Sleep, measured by the Sleep Disturbance Numerical Rating Scale (SD-NRS), also improved.")
    assert {e for e, _ in endpoints(nlp, text)} == {"EASI-75", "SD-NRS"}


def test_not_endpoints(nlp):
    text = ("The FDA issued a complete response letter (CRL). Side effects included nausea and weight loss. "
            "Patients with positive amyloid PET scans were enrolled.")
    assert endpoints(nlp, text) == set()


def test_lost_at_least_five_percent_and_harm_endpoint_takes_no_document_week(nlp):
    got = endpoints(nlp, "The primary endpoint was the percent change in body weight at week 72. Most people "
                         "lost at least 5% of their starting weight by week 72.")
    assert (">=5% body weight reduction", 72) in {(n.replace("≥", ">="), w) for n, w in got}


def test_clinical_remission_repeated_at_another_week(nlp):
    got = endpoints(nlp, "The primary end point was clinical remission at week 12, assessed with the modified Mayo "
                         "score. In the maintenance trial, 49.9% of patients were in clinical remission at week 40.")
    assert {w for n, w in got if n == "Mayo score"} == {12, 40}


def test_a_result_is_for_the_drug_its_sentence_names(nlp):
    """On a page about one drug, a figure whose sentence names only a comparator drug is that
    drug's; where the sentence names the page's drug, or no drug, it stays the page's."""
    text = ("Tirzepatide helped adults with obesity lose weight in SURMOUNT-1. People taking tirzepatide 15 mg "
            "averaged 20.9% weight loss at 72 weeks. For reference, semaglutide users saw a 14.9% weight loss "
            "in a separate study. Tirzepatide plus diet gave 22.5% weight loss in the efficacy analysis. "
            "The trial's completers averaged 19.5% weight loss.")
    got = {(r.value, r.drug) for r in doc_to_records(nlp(text), "t") if r.table == "endpoint_results"}
    assert (14.9, "semaglutide") in got
    assert {(20.9, "tirzepatide"), (22.5, "tirzepatide"), (19.5, "tirzepatide")} <= got
    assert all(drug == "tirzepatide" for value, drug in got if value != 14.9)


def test_a_difference_from_placebo_is_not_an_arms_result(nlp):
    """'a difference of 23.4% over the placebo arm' is the placebo-adjusted difference, whichever
    side of the figure the word stands on; only the arm's own rate is a result."""
    text = ("By week 24, EASI-75 was reached by 36.3% of the lower-dose arm, a difference of 23.4% over the "
            "placebo arm. The higher-dose arm reached EASI-75 in 42.3%, a 29.5% difference vs. placebo. "
            "A placebo-adjusted 12.1% of patients reached vIGA-AD 0/1 at week 24.")
    got = {r.value for r in doc_to_records(nlp(text), "t") if r.table == "endpoint_results"}
    assert got == {36.3, 42.3}


def test_ranges_and_interval_levels_are_not_results(nlp):
    """A range ("15-20%", "15% to 22%"), a confidence interval's bounds and its "95%" level are no
    arm's figure; the rates beside them are."""
    text = ("Weight loss on tirzepatide usually falls between 15-20% of total body weight by week 72. "
            "Average weight loss across users spanned 15% to 22% after 72 weeks. "
            "The pCR rate was 47% with the combination (95% CI, 30-65%) at week 24.")
    got = {r.value for r in doc_to_records(nlp(text), "t") if r.table == "endpoint_results"}
    assert got == {47.0}


def results(nlp, text):
    return [(r.value, r.timepoint_weeks) for r in doc_to_records(nlp(text), "t") if r.table == "endpoint_results"]


def test_each_clause_reports_its_own_week(nlp):
    assert results(nlp, "At week 16, 38% of adults on lebrikizumab reached clear or almost-clear skin (IGA 0/1), "
                        "compared with 12% on placebo, and 10% of treated adults got there as early as week 4.") == \
        [(38.0, 16), (10.0, 4)]
    assert results(nlp, "EASI-75 was reached by 58% at week 16; 72% of the responders kept it at week 52.") == \
        [(58.0, 16), (72.0, 52)]
    # one clause naming both weeks says nothing about which figure belongs to which
    assert results(nlp, "EASI-75 was reached by 58% at week 16 and by 72% at week 52.") == [(58.0, None), (72.0, None)]


def test_an_acronym_the_text_spells_out_as_something_else_is_not_the_scale(nlp):
    """PFS is progression-free survival in oncology, but "a pressure-flow study (PFS)" in urology and
    SVR "systemic vascular resistance" in a haemodynamic study: an acronym the text defines with
    words that share nothing with the scale's name is not that scale anywhere in the document,
    while a variant spelling of the scale's own name ("pathologic complete remission (pCR)",
    "28-joint Disease Activity Score (DAS28)") still is."""
    other = ("Men with an enlarged prostate had a pressure-flow study (PFS) before surgery; the PFS showed "
             "obstruction in most. Systemic vascular resistance (SVR) fell after the infusion, and SVR "
             "stayed low for an hour.")
    assert endpoints(nlp, other) == set()
    same = ("The primary endpoint was pathologic complete remission (pCR), and the 28-joint Disease Activity "
            "Score (DAS28) was recorded. Median PFS was longer with the combination.")
    assert {name for name, *_ in endpoints(nlp, same)} >= {"pCR", "DAS28", "PFS"}
