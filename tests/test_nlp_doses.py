"""Doses: amounts, units, routes, frequencies, loading doses, schedules (sentences written for the tests)."""
from __future__ import annotations

import pytest

from trialwire.extract import doc_to_records
from trialwire.nlp.numbers import frequency_mentions, parse_number, week_mentions


@pytest.fixture(scope="module")
def nlp():
    from trialwire.nlp import build_pipeline
    return build_pipeline()


def doses(nlp, text):
    return {(r.drug, r.amount, r.unit, r.route, r.frequency)
            for r in doc_to_records(nlp(text), "t") if r.table == "doses"}


def test_list_with_or_route_after_and_regimen_sentence(nlp):
    text = ("Patients were randomized to receive 300 mg or 150 mg rocatinlimab or placebo subcutaneously. "
            "Dosing was at weeks 0, 2, and 4, followed by every 4 weeks until the final dose at week 20.")
    got = doses(nlp, text)
    assert ("rocatinlimab", 300.0, "mg", "subcutaneous", "Q4W") in got
    assert ("rocatinlimab", 150.0, "mg", "subcutaneous", "Q4W") in got
    rows = [r for r in doc_to_records(nlp(text), "t") if r.table == "doses"]
    assert rows[0].schedule_weeks == [0, 2, 4, 8, 12, 16, 20]


def test_three_item_list_shares_a_trailing_frequency(nlp):
    got = doses(nlp, "Tirzepatide 5 mg, 10 mg, or 15 mg once weekly reduced body weight.")
    assert {a for _, a, _, _, f in got if f == "QW"} == {5.0, 10.0, 15.0}


def test_two_stated_frequencies_give_two_rows(nlp):
    got = doses(nlp, "The extension gives lebrikizumab (150 mg and 300 mg) every four or eight weeks.")
    assert {(a, f) for _, a, _, _, f in got} == {(150.0, "Q4W"), (150.0, "Q8W"), (300.0, "Q4W"), (300.0, "Q8W")}


def test_frequency_before_a_parenthesised_list(nlp):
    got = doses(nlp, "The arms were rocatinlimab given every four weeks (150 or 600 mg), rocatinlimab given every "
                     "two weeks (300 mg or 600 mg), and subcutaneous placebo.")
    assert {(a, f) for _, a, _, _, f in got} == {(150.0, "Q4W"), (600.0, "Q4W"), (300.0, "Q2W"), (600.0, "Q2W")}
    assert all(r is None for _, _, _, r, _ in got)  # the route belongs to the placebo only


def test_strength_is_not_a_dose_and_loading_dose(nlp):
    text = ("Ebglyss 250 mg/2 mL injection is approved. The starting dose is 500 mg at Week 0 and Week 2, "
            "followed by 250 mg every two weeks; maintenance is 250 mg once monthly.")
    recs = [r for r in doc_to_records(nlp(text), "t") if r.table == "doses"]
    got = {(r.amount, r.frequency, r.is_loading) for r in recs}
    assert (500.0, None, True) in got
    assert (250.0, "Q2W", False) in got and (250.0, "QM", False) in got
    assert not any(r.unit == "ml" for r in recs)


def test_units_ranges_and_intravenous(nlp):
    got = doses(nlp, "Lecanemab 10 mg/kg was given biweekly via intravenous infusion; doses of 2.5–15 mg were explored.")
    assert ("lecanemab", 10.0, "mg/kg", "intravenous", "Q2W") in got
    assert {a for _, a, _, _, _ in got} >= {2.5, 15.0}


def test_injection_alone_gives_no_route_and_typo_every_1_weeks(nlp):
    got = doses(nlp, "The drug is given as an injection of 250 mg every 1 weeks.")
    assert (250.0, None, "QW") in {(a, r, f) for _, a, _, r, f in got}


def test_number_and_frequency_parsers():
    assert parse_number("22\u00b72") == 22.2 and parse_number("1,795") == 1795 and parse_number("two") == 2
    codes = [f.codes for f in frequency_mentions("twice daily, once-weekly, every 3 months, Q2W, a single dose")]
    assert codes == [["BID"], ["QW"], ["Q12W"], ["Q2W"], ["ONCE"]]
    kinds = [(w.weeks, w.kind) for w in week_mentions("at week 24 and through week 52 in a 16-week study")]
    assert kinds == [([24], "at"), ([52], "until"), ([16], "length")]


def test_each_dose_keeps_its_own_frequency_and_lowercase_codes(nlp):
    got = doses(nlp, "Adults were randomized to lebrikizumab 125 mg Q4W, 250 mg Q4W, 250 mg q2w, or placebo Q2W.")
    assert {(a, f) for _, a, _, _, f in got} == {(125.0, "Q4W"), (250.0, "Q4W"), (250.0, "Q2W")}
    got = doses(nlp, "Semaglutide is approved at 1.0 mg/week for diabetes.")
    assert ("semaglutide", 1.0, "mg", None, "QW") in got


def test_non_english_doses(nlp):
    got = doses(nlp, "Nello studio i pazienti hanno ricevuto mirikizumab 300 mg per via endovenosa ogni 4 settimane. "
                     "Die Dosis von Mirikizumab betrug 2,5 mg täglich.")
    assert ("mirikizumab", 300.0, "mg", "intravenous", "Q4W") in got
    assert ("mirikizumab", 2.5, "mg", None, "QD") in got


def test_food_grams_are_not_doses(nlp):
    assert doses(nlp, "Eat 30 g of fiber and drink 500 mL of water every day.") == set()


def test_packaging_and_escalation_are_not_frequencies(nlp):
    text = ("Treatment starts with weekly 2.5 mg injections of tirzepatide, increasing to 5 mg after four weeks, "
            "with the option to increase the dosage every 4 weeks. It comes in a prefilled single-dose pen: "
            "2.5 mg/0.5 milliliters. The maintenance dose is 5 mg to 15 mg per week.")
    got = doses(nlp, text)
    assert ("tirzepatide", 2.5, "mg", None, "QW") in got and ("tirzepatide", 15.0, "mg", None, "QW") in got
    assert not any(f in ("ONCE", "Q4W") for _, _, _, _, f in got)


def test_same_dose_single_loading_dose_and_route_of_sentence_before(nlp):
    got = doses(nlp, "Patients were assigned to subcutaneous dupilumab 300 mg once weekly, the same dose every "
                     "other week, or placebo. Both arms began with a 600-mg loading dose on day 1.")
    assert {("dupilumab", 300.0, "mg", "subcutaneous", "QW"), ("dupilumab", 300.0, "mg", "subcutaneous", "Q2W"),
            ("dupilumab", 600.0, "mg", "subcutaneous", "ONCE")} <= got
    got = doses(nlp, "Ebglyss is a subcutaneous injection. Treatment of lebrikizumab starts with two loading "
                     "doses of 500 mg, followed by 250 mg every two weeks.")
    assert ("lebrikizumab", 500.0, "mg", "subcutaneous", None) in got
    assert ("lebrikizumab", 250.0, "mg", "subcutaneous", "Q2W") in got


def loading(nlp, text):
    return {(r.amount, r.frequency, r.is_loading) for r in doc_to_records(nlp(text), "t") if r.table == "doses"}


def test_a_loading_cue_belongs_to_its_own_amount_and_dotted_routes_bind_the_frequency(nlp):
    """The loading dose is the 600 mg wherever the sentence puts it; "s.c." between an amount and
    its frequency binds like "subcutaneously"; "i.v." does not end the sentence before the
    frequency."""
    for text in ("After a 600 mg loading dose, patients received 300 mg subcutaneously every 4 weeks.",
                 "Patients received 300 mg subcutaneously every 4 weeks after a 600 mg loading dose.",
                 "Patients received 300 mg s.c. every 4 weeks after a 600 mg loading dose.",
                 "Patients got a loading dose of 600 mg, then 300 mg every 4 weeks."):
        assert loading(nlp, text) == {(600.0, "ONCE", True), (300.0, "Q4W", False)}, text
    assert doses(nlp, "The dose was 10 mg/kg i.v. every 2 weeks.") == {(None, 10.0, "mg/kg", "intravenous", "Q2W")}


def test_a_spread_is_not_a_dose_and_a_flow_is_not_a_volume_dose(nlp):
    """Abstracts report doses as mean +/- SD and measure flows in ml per second: the SD is not a
    dose, the mean takes the unit printed after the SD, a measured volume with its spread is no
    dose at all, and a flow rate is not a dose of the drug named next to it."""
    text = ("Slow-release morphine was taken once a day (mean 240 +/- 95 mg) or twice a day by other "
            "patients (mean 120 +/- 60 mg). The mean tamoxifen dose was 20 mg ± 5 mg daily.\n"
            "Men on silodosin with a peak urinary flow of 4 to 15 ml per second were eligible. Saline ran at "
            "10 ml/min before bisoprolol, and stroke volume under bisoprolol was 82 ± 12 ml.")
    got = {(drug, amount, unit) for drug, amount, unit, _, _ in doses(nlp, text)}
    assert got == {("morphine", 240.0, "mg"), ("morphine", 120.0, "mg"), ("tamoxifen", 20.0, "mg")}


def test_the_drug_a_vocabulary_lists_twice_is_still_a_drug(nlp):
    """UNII names zoledronic acid and DrugBank lists it again as an alias of "zoledronic acid
    anhydrous": the name resolves to the concept it names, and the dose goes to it rather than
    to another drug in the sentence."""
    text = ("After a year on pamidronate, the women were given 4 mg of zoledronic acid by infusion every 12 weeks.")
    got = {(drug, amount, unit) for drug, amount, unit, _, _ in doses(nlp, text)}
    assert got == {("zoledronic acid", 4.0, "mg")}


def test_alternative_schedules_and_a_maintenance_step(nlp):
    """"Every 4 or every 12 weeks" and "every 4 weeks or every 8 weeks" offer one dose two schedules; a
    schedule the text adds "after that" continues the dose before it and is not the loading dose's."""
    text = ("Zoledronic acid 4 mg was infused every 4 or every 12 weeks, depending on the arm. "
            "Rocatinlimab 300 mg was injected every 4 weeks or every 8 weeks.\n"
            "Lebrikizumab starts with 500 mg at weeks 0 and 2, then 250 mg every two weeks until week 16, "
            "and every four weeks after that.")
    got = {(drug, amount, freq) for drug, amount, _, _, freq in doses(nlp, text)}
    assert got == {("zoledronic acid", 4.0, "Q4W"), ("zoledronic acid", 4.0, "Q12W"),
                   ("rocatinlimab", 300.0, "Q4W"), ("rocatinlimab", 300.0, "Q8W"),
                   ("lebrikizumab", 500.0, None), ("lebrikizumab", 250.0, "Q2W"), ("lebrikizumab", 250.0, "Q4W")}
