"""Trials: names by shape and context, programs, short forms, NCT links, phases, sizes, ratios."""
from __future__ import annotations

import pytest
import yaml

from trialwire.extract import doc_to_records
from trialwire.nlp.mention import mentions
from trialwire.paths import RULES_DIR


@pytest.fixture(scope="module")
def nlp():
    from trialwire.nlp import build_pipeline
    return build_pipeline()


def trials(nlp, text):
    return {(r.trial, r.nct_id, r.phase) for r in doc_to_records(nlp(text), "t") if r.table == "trials"}


def records(nlp, text, table):
    return [r for r in doc_to_records(nlp(text), "t") if r.table == table]


def test_names_short_forms_links_and_program(nlp):
    text = ("In the phase 3 ALPHA-ONE (ONE; NCT01234567) and ALPHA-TWO (TWO; NCT07654321) clinical trials, "
            "the drug worked. ONE enrolled 812 adults. Both belong to the ALPHA program.")
    assert trials(nlp, text) == {("ALPHA-ONE", "NCT01234567", "3"), ("ALPHA-TWO", "NCT07654321", "3")}


def test_list_before_trial_word_and_numbered_names(nlp):
    got = trials(nlp, "The approval was based on the BRAVO 1, BRAVO 2, and BRAvest studies.")
    assert {t for t, _, _ in got} == {"BRAVO 1", "BRAVO 2", "BRAvest"}


def test_phase_binding_and_inheritance_from_program(nlp):
    text = ("The late-stage KAPPA1 and KAPPA2 trials were positive, as was the phase 3 DELTA study. "
            "DELTA and the Phase III Sigma XR trial used roman numerals.")
    got = trials(nlp, text)
    assert ("KAPPA1", None, None) in got and ("DELTA", None, "3") in got and ("Sigma XR", None, "3") in got
    text = ("The Phase 3 OMEGA program includes six trials (ZETA, ETA or THETA among them). "
            "NCT01111111 is also listed.")
    got = trials(nlp, text)
    assert {("ZETA", None, "3"), ("ETA", None, "3"), ("THETA", None, "3"), (None, "NCT01111111", "3")} <= got
    assert not any(t == "OMEGA" for t, _, _ in got)


def test_phase_forms(nlp):
    for surface, phase in [("Phase 2/3", "2/3"), ("phase IIb", "2b"), ("Phase 1/2", "1/2"), ("phase III", "3")]:
        assert trials(nlp, f"The {surface} GAMMA-7 trial is ongoing.") == {("GAMMA-7", None, phase)}


def test_sizes_ratio_and_arms(nlp):
    text = ("In the RHO-9 study, patients were randomized in a 3-to-2-to-2 ratio to 300 mg (n=328), "
            "150 mg (n=217) or placebo (n=222). Nearly 1,500 patients were enrolled across both trials.")
    tr = records(nlp, text, "trials")
    assert tr[0].randomization_ratio == "3:2:2" and tr[0].ratio_matches_arms is True
    assert tr[0].arm_sizes == [328, 217, 222]
    sizes = records(nlp, text, "sample_sizes")
    assert any(s.n == 1500 and s.trial is None and s.qualifier == "approximate" for s in sizes)
    tr = records(nlp, "The SIGMA-2 study enrolled 2,539 participants; patients were randomized 3:1 to drug or placebo.",
                 "trials")
    assert tr[0].enrolled == 2539 and tr[0].randomization_ratio == "3:1"


def test_not_trials(nlp):
    text = "The FDA and the EMA reviewed data presented at AAD 2025 on EASI-75 and COVID-19 outcomes in a phase 2 trial."
    assert trials(nlp, text) == set()


def test_rule_files_are_strings():
    """YAML reads bare No/On/Off as booleans: every rule word must stay a string."""
    import yaml

    from trialwire.paths import RULES_DIR
    rules = yaml.safe_load((RULES_DIR / "trials_rules.yaml").read_text(encoding="utf-8"))
    for key, value in rules.items():
        if isinstance(value, list):
            assert all(isinstance(x, str) for x in value), key


def test_other_name_shapes(nlp):
    got = {t for t, _, _ in trials(nlp, "In the Measure Up 1 and Measure Up 2 trials and in CheckMate 227 and "
                                        "KEYNOTE-189, results held. Week 16 results and Type 2 diabetes data too.")}
    assert got == {"Measure Up 1", "Measure Up 2", "CheckMate 227", "KEYNOTE-189"}


def test_title_case_names_with_a_hyphen_and_number(nlp):
    """Some outlets write SURMOUNT-1 as Surmount-1: the same name as "Measure Up 1", with a hyphen.
    A capitalised word and a number is a trial name only with a trial cue, and never for words that
    number other things (Covid-19, Type-2, Phase-3, Week-16, Site-12, Her-2)."""
    got = trials(nlp, "In the Surmount-1 trial, tirzepatide lowered body weight by 20.9% at week 72. "
                      "Surmount-1 enrolled 2,539 adults; Surmount-2 (NCT04657003) is a phase 3 study too.")
    assert {(t, nct) for t, nct, _ in got} == {("Surmount-1", None), ("Surmount-2", "NCT04657003")}
    assert trials(nlp, "Lilly said Surmount-1 met its goals.") == set()  # no cue: not a name on shape alone
    got = trials(nlp, "A Covid-19 trial, a Type-2 diabetes study, a Phase-3 trial with Week-16 results, the "
                      "Site-12 study, a Her-2 study and a Beta-2 agonist trial were reported.")
    assert got == set()


def test_sibling_numbers_and_program_numbers(nlp):
    got = {t for t, _, _ in trials(nlp, "ZETAvance1 and -2 are phase 3 trials. In the ZETAvance program, "
                                        "ZETAvance 3 is planned.")}
    assert got == {"ZETAvance1", "ZETAvance2", "ZETAvance 3"}
    got = {t for t, _, _ in trials(nlp, "In the SOLO 1 and 2 trials, 38% responded; in SOLO 1, 43 percent did.")}
    assert got == {"SOLO 1", "SOLO 2"}


def test_title_word_names_by_registry_apposition_and_sibling(nlp):
    got = trials(nlp, "AbbVie reported results from Measure Up 1 (NCT03569293), a phase 3 study. It is one of "
                      "three phase 3 studies, alongside Measure Up 2.\nThe evidence comes from STEP 1, a phase 3 "
                      "trial registered as NCT03548935. A third phase 3 trial, ECZTRA 3, tested the drug.")
    names = {t: nct for t, nct, _ in got}
    assert names.get("Measure Up 1") == "NCT03569293" and "Measure Up 2" in names
    assert names.get("STEP 1") == "NCT03548935" and "ECZTRA 3" in names


def test_registry_ids_of_every_primary_registry_and_eu_ct_numbers_are_not_eudract(nlp):
    """An EU CT number (CTIS, since 2023) begins like an EudraCT number: reading it as one would put
    a wrong EudraCT id in the trials table."""
    text = ("The phase 3 HORIZON-AD trial (EudraCT 2019-004061-25) enrolled 450 adults with eczema. "
            "Its long-term extension, BRIDGE-AD (EU CT number 2023-503584-29-00), is still enrolling. "
            "Sister studies are registered as jRCT2031210123, ChiCTR2000029308, ACTRN12620000445976, "
            "CTRI/2020/05/025114, DRKS00012345, UMIN000012345 and ISRCTN 12345678.")
    doc = nlp(text)
    ids = {(m.norm, (m.data or {}).get("registry")) for m in doc._.mentions if m.label == "TRIAL_ID"}
    assert ids == {("2019-004061-25", "eudract"), ("2023-503584-29-00", "ctis"), ("jRCT2031210123", "jrct"),
                   ("ChiCTR2000029308", "chictr"), ("ACTRN12620000445976", "anzctr"),
                   ("CTRI/2020/05/025114", "ctri"), ("DRKS00012345", "drks"), ("UMIN000012345", "umin"),
                   ("ISRCTN12345678", "isrctn")}
    eudract = {r.trial: r.eudract_id for r in doc_to_records(doc, "t") if r.table == "trials"}
    assert eudract.get("HORIZON-AD") == "2019-004061-25"
    assert eudract.get("BRIDGE-AD") is None and "2023-503584-29" not in eudract.values()
    ids = {r.trial: r.registry_ids for r in doc_to_records(doc, "t") if r.table == "trials"}
    assert ids["HORIZON-AD"] == ["2019-004061-25"] and ids["BRIDGE-AD"] == ["2023-503584-29-00"]


def test_trials_given_by_registry_ids_alone(nlp):
    """Every registry's ids reach the trials table, not only the NCT id: ids of different registries
    in one bracket are one trial, a list of ids is a trial each, and a later bracket that repeats a
    named trial's NCT id adds its other ids to that trial."""
    text = ("Three sister studies are registered as jRCT2031210123, ChiCTR2000029308 and ACTRN12620000445976. "
            "A phase 2 dose-ranging study (NCT04123456; EudraCT 2019-001234-56) enrolled 120 adults, and "
            "two open-label extensions (NCT05000002, NCT05000003) follow them.\n"
            "The phase 3 HORIZON-AD trial (NCT05000001) enrolled 450 adults. Registry entries for it: "
            "(NCT05000001, EU CT 2023-503584-29-00).")
    rows = records(nlp, text, "trials")
    got = {(r.trial, tuple(r.registry_ids)) for r in rows}
    assert got == {(None, ("jRCT2031210123",)), (None, ("ChiCTR2000029308",)), (None, ("ACTRN12620000445976",)),
                   (None, ("NCT04123456", "2019-001234-56")), (None, ("NCT05000002",)), (None, ("NCT05000003",)),
                   ("HORIZON-AD", ("NCT05000001", "2023-503584-29-00"))}
    by_ids = {tuple(r.registry_ids): r for r in rows}
    assert by_ids[("NCT04123456", "2019-001234-56")].nct_id == "NCT04123456"
    assert by_ids[("NCT04123456", "2019-001234-56")].eudract_id == "2019-001234-56"
    assert by_ids[("ChiCTR2000029308",)].nct_id is None


def test_abstract_headings_molecules_and_lab_values_are_not_trials(nlp):
    """Shapes a trial name can take (IGFBP-3 like KEYNOTE-189, DESIGN like HERA) that research
    abstracts use for other things: structured-abstract headings, genes and proteins named with
    expression or levels, chemical formulas, blood-gas values, software versions."""
    text = ("OBJECTIVE To compare two exercise programmes after surgery.\n"
            "DESIGN Randomised, double-blind, placebo-controlled trial.\n"
            "SETTING Twelve outpatient clinics.\n"
            "METHODS Serum IGFBP-1, IGFBP-4 and IGFBP-3 were quantified by immunoassay, and the expression "
            "of VEGFR-2 and GLUT-1 was graded on tissue sections. Rats were given CaCl2 or NaHCO3, with PaCO2 "
            "kept near 5 kPa. A faulty PAX6 gene causes aniridia, and the transcription factor genes "
            "FOXC1 and FOXC2 shape the eye. Statistics were run in statistical software SPSS-21.\n"
            "TRIAL REGISTRATION NTR2405.")
    assert trials(nlp, text) == set()


def test_trial_names_next_to_the_same_words_are_still_trials(nlp):
    text = ("Results from KEYNOTE-189 showed longer survival, and PALOMA-2 results were positive. Expression "
            "of PD-L1 was measured in the KEYNOTE-189 trial. Serum levels fell in the phase 3 SURMOUNT-1 study. "
            "The DESIGN-2 trial used a double-blind design.")
    assert {t for t, _, _ in trials(nlp, text)} == {"KEYNOTE-189", "PALOMA-2", "SURMOUNT-1", "DESIGN-2"}


def test_short_forms_spelled_out_as_something_else_and_study_arms_are_not_trials(nlp):
    """Abstracts define short forms for devices, diets, procedures and arms, then use them where a
    trial name could stand ("results from the HPD", "patients in the HPD arm"); a short form spelled
    out as a phrase is a trial only where a trial word follows it, and a name followed by arm or
    group is an arm or a research group."""
    text = ("A portable cooling helmet (PCH) was compared with usual care in a randomized trial. In this "
            "trial, PCH did not reduce hair loss, and results from the PCH were shared with nurses.\n"
            "Patients were randomized to a high-protein diet (HPD) or usual diet; patients in the HPD arm "
            "gained muscle, and the HPD group reported less fatigue.\n"
            "Quality of life was scored with the questionnaire of the Nordic Oncology Research Consortium "
            "(NORC) Study Group.")
    assert trials(nlp, text) == set()


def test_a_trial_spelled_out_before_its_short_form_is_a_trial(nlp):
    """"Long Name (ACRONYM) Trial" is how abstracts introduce a trial; the capitalised words of the
    long form are not names of their own."""
    text = ("The Walking After Radiotherapy for Muscle (WARM) Trial compared two exercise plans. "
            "The Heart OUTcomes Prevention Evaluation (HOPE-X) study enrolled 900 adults.")
    assert {t for t, _, _ in trials(nlp, text)} == {"WARM", "HOPE-X"}


def test_a_trial_named_after_its_drug_is_no_alias_and_brand_marks_stay_outside(nlp):
    """"The Wider Use of Statins in Adults and Lovastatin (WUSAL) Study" pairs a drug with a bracketed
    name, but the name is the trial's; "Neulasta(®)" is the brand Neulasta, not "Neulasta("."""
    recs = doc_to_records(nlp("The Wider Use of Statins in Adults and Lovastatin (WUSAL) Study tested lovastatin "
                              "in 8,000 adults."), "t")
    assert not [r for r in recs if r.table == "drug_aliases"] and "WUSAL" in {r.trial for r in recs if r.table == "trials"}
    recs = doc_to_records(nlp("Women received pegfilgrastim (Neulasta(®), Amgen) for six cycles. Pegfilgrastim "
                              "was given a day after chemotherapy."), "t")
    assert {(r.drug, r.alias) for r in recs if r.table == "drug_aliases"} == {("pegfilgrastim", "Neulasta")}


def test_a_brand_that_the_text_spells_out_as_something_else_is_no_drug(nlp):
    """Pres is a brand of enalapril, but "posterior reversible encephalopathy syndrome (PRES)" is a
    syndrome wherever the document uses the short form; a short form spelled out as a drug stays one."""
    recs = doc_to_records(nlp("The patient developed posterior reversible encephalopathy syndrome (PRES). MRI "
                              "showed lesions typical of PRES. Enalapril was continued."), "t")
    assert {(r.drug, r.alias) for r in recs if r.table == "drug_aliases"} == set()
    recs = doc_to_records(nlp("Pegylated liposomal doxorubicin (PLD) was given every four weeks; PLD caused "
                              "hand-foot syndrome in some women."), "t")
    assert "doxorubicin" in {r.drug for r in recs if r.table == "drugs"}


def test_methods_written_before_study_are_not_trials(nlp):
    text = ("FISH studies located the deletion, an fMRI study mapped the response, and nerve conduction "
            "studies (NCS) were normal. The FIRE-2 study compared two doses.")
    assert {t for t, _, _ in trials(nlp, text)} == {"FIRE-2"}


def test_groups_registers_and_organisations_are_not_trials(nlp):
    """A cooperative group runs trials but is none ("AIDS Clinical Trials Group Protocol 320"), nor is a
    short form the text spells out as a group, register or organisation, even with a trial word after it;
    the group's numbered trial and a trial of its own name stay trials."""
    text = ("The AIDS Clinical Trials Group Protocol 320 compared three drugs. Patients came from two Southwest "
            "Oncology Group (SWOG) trials and the Cochrane Central Register of Controlled Trials (CENTRAL) was "
            "searched. The STRIDE-4 trial was run by the group.")
    assert {t for t, _, _ in trials(nlp, text)} == {"STRIDE-4"}
    text = "Women enrolled in the Breast Exercise and Walking Evaluation (BREWE) trial walked daily."
    assert {t for t, _, _ in trials(nlp, text)} == {"BREWE"}


def test_shapes_the_text_uses_as_molecules_scales_or_arms_are_not_trials(nlp):
    """A trial-like shape taken for its shape alone (PARP-1, VEGFR-2, QoR-15) is no trial when the same
    document marks it as a gene, receptor, questionnaire or arm anywhere; a plural acronym (SREs) never
    is; a trial word after it still makes a name a trial."""
    text = ("Knockout of PARP-1 protected the heart. PARP-1+/+ mice lost weight. Recovery was rated with the "
            "QoR-15 questionnaire, and QoR-15 totals rose by day 2. Patients in the IORT-EBRT group did well; "
            "IORT-EBRT was given once. Fewer on-study SREs were seen. The KESTREL-3 trial enrolled 400 women.")
    assert {t for t, _, _ in trials(nlp, text)} == {"KESTREL-3"}


def test_trial_words_used_otherwise_do_not_name_trials(nlp):
    """"on-study SRE" is an event during a study, "decided to trial SFG" a verb, "In this study, PEI
    helped" a clause and "on study (SRE rate)" a bracketed measure: none names a trial. "a phase 3
    trial, ORCA 2, compared" and names the pattern leaves short inside "trial (...)" still do."""
    text = ("Time to first on-study SRE was longer. The team decided to trial SFG in one patient. In this "
            "study, PEI improved knowledge. The rate of SRE on study (SRE rate) fell.")
    assert trials(nlp, text) == set()
    text = ("A phase 3 trial, ORCA 2, compared both doses. A randomized trial (GALE-IV D-93) followed, "
            "and a second trial (TANAGER 101--Breast) is ongoing.")
    assert {t for t, _, _ in trials(nlp, text)} == {"ORCA 2", "GALE-IV", "TANAGER"}


def test_weaker_cues_do_not_make_a_trial_of_a_molecule_or_scale(nlp):
    """A naming cue, an appositive or a keyword before a name are weaker than a trial word after it: they
    make no trial of a name the document uses as a transporter or questionnaire ("called ZIP14 (IRE)",
    "the FACT-G, the primary endpoint of the study"), nor does a heading ("BACKGROUND AND STUDY AIM").
    A trial named next to a molecule's list ("In KESTREL-7, PD-L1 expression ...") stays one."""
    text = ("Expression of the zinc transporter (ZIP14) rose. One transcript, called ZIP14 (IRE), doubled. "
            "Patients filled in the Functional Assessment of Cancer Therapy-General (FACT-G) questionnaire; "
            "the FACT-G, the primary endpoint of the study, did not change.")
    assert trials(nlp, text) == set()
    assert trials(nlp, "BACKGROUND AND STUDY AIM Endoscopists learn the technique over years.") == set()
    text = "In KESTREL-7, PD-L1 expression of 1% or more was required. KESTREL-7 enrolled 1,100 adults."
    assert {t for t, _, _ in trials(nlp, text)} == {"KESTREL-7"}


def test_a_total_without_a_trial_named_is_one_study_not_a_program(nlp):
    """"In total 140 patients were randomized" or "Overall, 96 women ..." with no trial named is one
    study's count, and "a smoking-cessation program" is no trial program; "across the two studies"
    and "in both phase 3 trials" are counts over several trials. "(n = 615 patients)" is an arm's."""
    scopes = lambda text: {(s.n, s.scope) for s in records(nlp, text, "sample_sizes")}  # noqa: E731
    assert scopes("In total 140 patients (52 men, 88 women) were randomized to diet or drug.") == {(140, "trial")}
    assert scopes("Overall, 96 women in a smoking-cessation program completed the survey.") == {(96, "trial")}
    assert scopes("Across the two studies, close to 1,500 adults received a dose.") == {(1500, "program")}
    assert scopes("In both phase 3 trials together, 1,240 adults took part.") == {(1240, "program")}
    assert scopes("Samples were genotyped (N = 1210 patients: drug group, n = 615 patients; placebo group, "
                  "n = 595 patients).") == {(1210, "trial")}


def test_a_trial_given_by_its_id_takes_the_phase_of_its_own_sentence(nlp):
    """On a page about a phase 3 program, a trial given only by its id in a sentence that calls it a
    phase II study is phase 2; one whose sentence states no phase takes the program's."""
    text = ("The phase 3 KESTREL program is under way. A separate study (NCT02400567) is a randomised "
            "phase II study of the drug. Another study (NCT02400568) tested it in adults.")
    assert trials(nlp, text) == {(None, "NCT02400567", "2"), (None, "NCT02400568", "3")}


def test_cooperative_group_trials_are_named_by_group_and_protocol_code(nlp):
    """A cooperative group names its trials by protocol code, in the text or in one token; the group
    alone ("the TURANDOT trial by CECOG"), with a performance status ("ECOG 2") or with a measurement
    ("NCI 105 +/- 46 mg/dL" is not even a group here) is no trial. Such codes are not drug codes."""
    names = lambda text: {t for t, _, _ in trials(nlp, text)}  # noqa: E731
    assert names("In the NSABP B-31 trial, adding trastuzumab to chemotherapy halved recurrences.") == {"NSABP B-31"}
    assert names("Results of CALGB 40603 showed that carboplatin raised pCR rates.") == {"CALGB 40603"}
    assert names("Investigators of the BIG 1-98 study compared letrozole with tamoxifen.") == {"BIG 1-98"}
    assert names("The Nordic Myeloma Study Group ran a randomized trial (NMSG 4/90) of melphalan "
                 "with or without interferon.") == {"NMSG 4/90"}
    assert names("Investigators presented the GEICAM/2006-03, a multicentre study, in Texas.") == {"GEICAM/2006-03"}
    assert names("The ECOG-ACRIN E1910 trial added blinatumomab to chemotherapy.") == {"ECOG-ACRIN E1910"}
    assert names("JCOG0603 randomized patients to hepatectomy alone or with chemotherapy.") == {"JCOG0603"}
    assert names("The TURANDOT trial by CECOG compared two bevacizumab combinations.") == {"TURANDOT"}
    assert names("The ACCRU study RU221408I tested minocycline for neuropathy.") == set()
    assert names("Adults with ECOG 0-1 or ECOG 2 were eligible for the CheckMate 227 study.") == {"CheckMate 227"}
    assert names("The DAHANCA 6 and DAHANCA 7 trials tested accelerated radiotherapy.") == {"DAHANCA 6", "DAHANCA 7"}
    drug_candidates = {m.text for m in mentions(nlp("CALGB 9342 enrolled women given AMG 451."))
                       if m.label == "DRUG_CANDIDATE"}
    assert "CALGB 9342" not in drug_candidates


def test_design_acronyms_roman_numerals_and_imaging_methods_are_not_names(nlp):
    names = lambda text: {t for t, _, _ in trials(nlp, text)}  # noqa: E731
    assert names("In this 26-week open-label extension (OLE) study, children kept taking the drug.") == set()
    assert names("Goserelin was tested against chemotherapy in Trial VIII of a breast cancer "
                 "study group.") == set()
    assert names("Sequential CT studies were done in 24 children with infantile spasms.") == set()
    assert names("The Clarity AD study met its primary endpoint.") == {"Clarity AD"}


def test_the_cooperative_groups_are_the_drug_codes_left_out():
    """One list in two rules files: trials_rules.yaml's groups, and the prefixes that drugs_code_patterns.tsv
    keeps from drug codes; a group added to one and not the other would be a trial and a drug code."""
    groups = {g.split("-")[0] for g in yaml.safe_load((RULES_DIR / "trials_rules.yaml").read_text())["cooperative_groups"]}
    excluded = set()
    for line in (RULES_DIR / "drugs_code_patterns.tsv").read_text().splitlines():
        if line.startswith("exclude_prefix\t"):
            excluded |= set(line.split("\t")[1].split(","))
    assert groups <= excluded
