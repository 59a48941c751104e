"""Rule component trialwire_trials: trial names and acronyms, programs, short forms, NCT links,
phases, enrolled and arm sizes, randomization ratios.

Names are found by shape, never from a list: ALLCAPS words (IGNITE), names with hyphenated or
numbered parts (ROCKET-IGNITE, SURMOUNT-1, TRAILBLAZER-ALZ 2, COAST 1), mixed-case acronyms
(ADvocate 1, ADhere) and Title + ACRONYM (Clarity AD). A shape becomes a trial in context: a
trial word after it ("the IGNITE study", "SURMOUNT-1 clinical trial"), a list ending in one
("ADvocate 1, ADvocate 2, and ADhere studies"), a list inside "trial (A, B or C)", a naming cue
("called ADvocate1 and ADvocate2"), an adjacent registry id ("ROCKET-SHUTTLE (NCT05724199)",
"BRIDGE-AD (EU CT 2023-503584-29-00)") or a phase right before it. A name followed by "program"
is a program and never a trial, as is the first part of hyphenated trial names (ROCKET of
ROCKET-IGNITE); hyphenated names that start with a program name are trials (ROCKET-SHUTTLE). A
later name equal to the last part of a full name is its short form (IGNITE -> ROCKET-IGNITE).

Research abstracts use the same shapes for other things, so some are not names: headings of
structured abstracts (DESIGN, OBJECTIVE), chemical formulas (CaCl2), genes, proteins and lab
values that their words mark as such ("IGFBP-3 levels", "expression of VEGFR-2") unless a trial
word follows (where the document so marks a name anywhere, only a trial word, a phase or a registry
id makes it a trial, not a naming cue, a list, an appositive or its shape),
short forms the text spells out as a phrase naming no trial ("a low-fat solid diet (LFSD)") unless
a trial word follows, short forms spelled out as an organisation, register or database ("Cancer and
Leukemia Group B (CALGB) trials"), names followed by "arm" or "group" ("AIDS Clinical Trials
Group"), plural acronyms (SREs), and trial words used otherwise ("on-study SRE", "to trial SFG",
the heading "STUDY AIM").

Names are also taken from "X, a phase 3 trial" / "X is a ... study", from Italian or German word
order ("studio di fase 3 LUCENT-1", "TRAILBLAZER-ALZ-2-Studie"), and a program name with a number
is one of its trials ("ADvocate program" -> ADvocate 1). "SOLO 1 and 2" names SOLO 2 as well.

Phases bind to the names right after or before them ("phase 3 ROCKET-IGNITE (...) and
ROCKET-HORIZON (...) trials", "Clarity AD Phase III trial"); an unbound phase in a sentence goes
to the sentence's unbound names; trials still without one inherit the phase of their program
("the Phase 3 ROCKET program") or, when every phase the document gives agrees (earlier trials
aside), that phase; otherwise the phase stays null.

The trial summary (one dict per trial) is left in `doc.user_data["trialwire.trials"]` and
`doc.user_data["trialwire.sample_sizes"]`; spans are TRIAL_NAME, PHASE, SAMPLE_SIZE and RATIO
mentions.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from spacy.language import Language
from spacy.tokens import Doc

from ..paths import MODELS_DIR
from ..registries import ID_START
from .assertion import assertion_of
from .mention import Mention, add_mention, mentions
from .numbers import DASH_CLASS, NUMBER, WORD_NUM, doc_text, parse_int, sentence_bounds

ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
PHASE_VALUE = r"(?:[1-4]|IV|I{1,3})(?:[ab])?"
PHASE_RE = re.compile(
    rf"\b(?:phase|fase)[\s{DASH_CLASS[1:-1]}]*(?P<a>{PHASE_VALUE})(?:\s*(?:/|{DASH_CLASS}|and|or)\s*(?P<b>{PHASE_VALUE}))?(?![\w])",
    re.I)
NO_NUMBER_AFTER = r"(?!\s*(?:%|percent|weeks?|months?|years?|days?|mg|mcg|g\b|ml|kg|lb|patients|participants|people|adults|,\d|\.\d))"


def name_pattern(title_stop: list[str], stop: set[str]) -> re.Pattern:
    not_title = "|".join(re.escape(w) for w in title_stop)
    caps_stop = "|".join(sorted((re.escape(w) for w in stop if w.isupper() or w.upper() == w), key=len, reverse=True))
    return re.compile(
        rf"(?<![\w\-/])(?P<name>"
        rf"[A-Z][a-z]+[A-Z][A-Za-z]*[ \-]?\d{{1,3}}(?![\w]|[.,]\d){NO_NUMBER_AFTER}|"  # CheckMate 227
        rf"(?:[A-Z]{{2,}}[A-Za-z0-9]*(?:-[A-Za-z0-9]+)+"     # ROCKET-IGNITE, SURMOUNT-1, TRAILBLAZER-ALZ
        rf"|[A-Z][A-Z0-9]{{2,}}(?:[ ](?!(?:{caps_stop})\b)[A-Z][A-Z0-9]{{1,}}(?![a-z\-]))*(?![a-z])"  # IGNITE, STEP UP
        rf"|[A-Z]{{2,}}[a-z]+[0-9]*"                         # ADvocate1, ADhere
        rf"|(?!(?:{not_title})\b)[A-Z][a-z]{{2,}} [A-Z]{{2,}}(?![a-z\-])"  # Clarity AD
        rf"|(?!(?:{not_title})\b)[A-Z][a-z]{{2,}}(?: (?!(?:{not_title})\b)[A-Z][a-z]+)?(?=[ {DASH_CLASS[1:-1]}]\d{{1,2}}\b))"  # Measure Up 1, Surmount-1
        rf"(?:[ {DASH_CLASS[1:-1]}]?[0-9]{{1,2}}[a-z]?(?![\w:/]|[.,]\d){NO_NUMBER_AFTER})?)"
        rf"(?![\w\-])")


SIBLING = re.compile(r"(?:\s*,\s*-?|\s+(?:and|or|&)\s+-?|\s*/\s*)(\d{1,2})\b"
                     r"(?=\s*(?:(?:,|and|or|&|/)\s*\d|trials?\b|stud(?:y|ies)\b|(?:are|were|have|had|showed|met)\b|[),;:]|\.(?!\d)|$))")
REGISTRY_AFTER = re.compile(rf"^\s*[(\[][^()\[\]]{{0,40}}?\b{ID_START}")
# "STEP 1, a phase 3 trial registered as NCT03548935": a registry id given in an appositive
REGISTERED_AS = re.compile(r"\s*,\s*(?:an?|the)\s+[^.()\n]{0,60}?\b(?:registered|listed)\s+(?:as|under|with)\s+"
                           r"(?:(?:ClinicalTrials\.gov|the)\s+)?(?:(?:number|identifier|ID)\s+)?", re.I)
REGISTRY_ID = re.compile(r"^(?:NCT|ISRCTN|jRCT|EudraCT|ChiCTR|ACTRN|DRKS|UMIN)\s?\d|^CTRI/|^\d{4}-\d{6}")
CLOSING = re.compile(r"^\s*[)\]]")
ARM_AFTER = re.compile(r"^[\s)\]]*(?:(?:study|trials?|research|oncology|cooperative|collaborative|clinical)\s+)*(?:arms?|groups?)\b", re.I)
ACROSS_STUDIES = re.compile(
    r"\b(?:across|in|from|of)\s+(?!an?\s)(?:the\s+|both\s+|all\s+|these\s+|its\s+|two\s+|three\s+|four\s+)?(?:[\w-]+\s+){0,2}"
    r"(?:studies|trials|program(?:me)?s?)\b|\bboth\s+(?:[\w-]+\s+){0,2}(?:studies|trials)\b|\bpooled\b", re.I)
# after a lone name inside "trial (A)": the bracket closes, perhaps after more of the name that the name
# pattern leaves out ("(GABG-IV D-93)", "(MANTICORE 101--Breast)", "(AVAIL CLS/CRT)") but no lower-case
# word ("(SRE rate)"), or a list or an id follows
LIST_GOES_ON = re.compile(r"^(?:[^()\[\]\s]{0,12}(?:\s+[^a-z\s()\[\]][^\s()\[\]]{0,12}){0,2}\s*[)\]]|\s*(?:[;,(\[]|and\b|or\b|$))")
# what may follow a name given after "trial," ("a third phase 3 trial, ECZTRA 3, tested"): the appositive closes
APPOSITIVE_CLOSES = re.compile(r"^\s*(?:[,;(\[)\]]|$)")
PHRASE_WORD = re.compile(r"\b(?!(?:and|the|for|with|from|into)\b)[a-z]{3,}\b")  # a lower-case content word
# a registry id still inside the bracket another one opened: "(NCT04123456; EudraCT 2019-001234-56)"
IN_BRACKET = re.compile(r"[(\[][^()\[\]\n]{0,40}$")
SAME_BRACKET_GAP = re.compile(r"[^()\[\]\n]{1,40}")


def _id_only_trials(text: str, ids: list[Mention], linked: set[int], infos: dict[str, TrialInfo],
                    doc_phase: str | None) -> list[dict]:
    """Trials the text gives by registry id alone. Ids of different registries in one bracket are
    one trial's ("(NCT04123456; EudraCT 2019-001234-56)"); any other id is a trial of its own ("registered
    as jRCT2031210123 and ChiCTR2000029308" names two). A group holding an id that a named trial
    already has adds its other ids to that trial instead."""
    groups: list[list[Mention]] = []
    for k, m in enumerate(ids):
        if k in linked:
            continue
        last = groups[-1] if groups else None
        if last and _registry(m) not in {_registry(o) for o in last} \
                and IN_BRACKET.search(text, max(0, last[0].start_char - 41), last[0].start_char) \
                and SAME_BRACKET_GAP.fullmatch(text, last[-1].end_char, m.start_char):
            last.append(m)
        else:
            groups.append([m])
    owner = {i.nct: i for i in infos.values() if i.nct}
    owner.update({v: i for i in infos.values() for v in i.ids.values()})
    out: list[dict] = []
    row_of: dict[str, dict] = {}
    for group in groups:
        by_reg = {}
        for m in group:
            by_reg.setdefault(_registry(m), m.norm)
        named = next((owner[m.norm] for m in group if m.norm in owner), None)
        if named is not None and named.nct not in (None, by_reg.get("nct", named.nct)):
            named = None  # a second NCT id: a trial of its own, as the text gives it
        if named is not None:
            for reg, norm in by_reg.items():
                if reg == "nct":
                    named.nct = named.nct or norm
                else:
                    named.ids.setdefault(reg, norm)
            continue
        row = next((row_of[m.norm] for m in group if m.norm in row_of), None)
        if row is None:
            row = {"trial": None, "nct_id": None, "phase": doc_phase, "start": group[0].start_char,
                   "end": group[-1].end_char, "short_forms": [], "ids": {}, "assertion": None,
                   "phase_how": "document" if doc_phase else None}
            out.append(row)
        for reg, norm in by_reg.items():
            if reg == "nct":
                row["nct_id"] = row["nct_id"] or norm
            else:
                row["ids"].setdefault(reg, norm)
            row_of[norm] = row
    return out


def _registry(m: Mention) -> str:
    return (m.data or {}).get("registry", "nct")


def name_key(s: str) -> str:
    return re.sub(rf"[\s{DASH_CLASS[1:-1]}_.]", "", s).lower()


def norm_phase(a: str, b: str | None = None) -> str:
    def one(x: str) -> str:
        x = x.lower()
        m = re.fullmatch(r"(iv|i{1,3}|[1-4])([ab])?", x)
        if not m:
            return x
        return ROMAN.get(m.group(1), m.group(1)) + (m.group(2) or "")
    return one(a) + (f"/{one(b)}" if b else "")


@dataclass
class Cand:
    start: int
    end: int
    text: str
    key: str
    sent: int
    role: str | None = None  # trial | program
    trial_key: str | None = None


@dataclass
class TrialInfo:
    key: str
    names: list[str] = field(default_factory=list)
    first: int = 0
    first_end: int = 0
    nct: str | None = None
    ids: dict = field(default_factory=dict)
    phase: str | None = None
    phase_how: str | None = None
    phase_span: tuple[int, int] | None = None
    enrolled: int | None = None
    enrolled_qualifier: str | None = None
    arm_sizes: list[int] | None = None
    ratio: str | None = None
    ratio_matches_arms: bool | None = None
    assertion: str | None = None
    link_span: tuple[int, int] | None = None  # where the text ties the name to its NCT id

    @property
    def name(self) -> str | None:
        return max(self.names, key=len) if self.names else None


# a cooperative group's protocol code: B-31, 40603, 1-98, 4/90, 2006-03, E1910, BC.1.3.005
PROTOCOL_CODE = rf"(?:[A-Z]{{1,3}}[{DASH_CLASS[1:-1]}.]?)?\d[\dA-Z]*(?:[/.{DASH_CLASS[1:-1]}]\d[\dA-Z]*)*"


def protocol_code(code: str) -> bool:
    """Three digits, or a letter and two: not a score or grade ("ECOG 0-1")."""
    digits = sum(ch.isdigit() for ch in code)
    return digits >= 3 or (code[0].isalpha() and digits >= 2)


class TrialFinder:
    def __init__(self, rules_path: Path, extra_stopwords: set[str] | None = None):
        r = yaml.safe_load(rules_path.read_text(encoding="utf-8"))
        alt = lambda xs: "|".join(f"(?:{x})" for x in xs)  # noqa: E731
        self.name_re = name_pattern(r.get("title_words_not_names", []),
                                    {str(x) for x in r["stopwords"]} | {str(x) for x in (extra_stopwords or set())})
        self.mod = alt(r["modifiers"])
        self.kw = alt(r["trial_keywords"])
        self.prog = alt(r["program_keywords"])
        paren = r"(?:[(\[][^()\[\]]{0,80}[)\]]\s*)?"
        mods = rf"(?:(?:{self.mod})[\s,]+){{0,5}}"
        self.program_after = re.compile(rf"^\s*{paren}{mods}(?:{self.prog})\b", re.I)
        self.trial_after = re.compile(rf"^\s*{paren}{mods}(?:{self.kw})\b", re.I)
        self.appositive = re.compile(rf"^[^\S\n]*,[^\S\n]*(?:is[^\S\n]+)?(?:an?|the)[^\S\n]+(?:[\w\-]+[^\S\n]+){{0,4}}?(?:{self.kw})\b", re.I)
        self.is_a = re.compile(rf"^[^\S\n]+(?:is|was|are|were)[^\S\n]+(?:(?:an?|the|two|both)[^\S\n]+)?(?:[\w\-]+[^\S\n,]+){{0,5}}?(?:{self.kw})\b", re.I)
        self.trial_word = re.compile(rf"\b(?:{self.kw}|{self.prog})\b", re.I)
        self.weak_after = re.compile(rf"^\s*{paren}{mods}(?:{alt(r.get('weak_keywords', []))})\b", re.I)
        # a trial-like shape that the words around it make a gene, protein, lab value or tool instead
        # ("IGFBP-3 were measured", "expression of VEGFR-2", "using SPSS-21"): only a trial word overrides
        self.molecule_after = re.compile(rf"^(?:\s*(?:,\s*(?:and|or)?|and|or|/)\s*[\w\-]+)*\s*(?:{alt(r.get('molecule_after', []))})\b", re.I)
        self.molecule_next = re.compile(rf"[^\S\n]*[)\]]?[^\S\n]*(?:{alt(r.get('molecule_after', []))})\b", re.I)
        self.molecule_before = re.compile(rf"\b(?:{alt(r.get('molecule_before', []))})(?:\s+of|\s+the)*[\s(\[]*"
                                          r"(?:[^\s,;()]+\s*(?:,\s*(?:and|or)?|and|or|/)\s*)*$", re.I)
        # "a third phase 3 trial, ECZTRA 3, tested ...": the name may follow the trial word after a comma
        # not "on-study SREs" (a compound) nor "decided to trial SFG" (the verb)
        self.kw_before = re.compile(rf"(?<![\w\-])(?<!\bto\s)(?:{alt(r.get('keywords_before', []))})(?P<comma>\s*,)?\s*$", re.I)
        self.phase_before = re.compile(rf"\bphase\s*{PHASE_VALUE}\s+(?:(?:{self.mod})\s+){{0,3}}$", re.I)
        self.list_gap = re.compile(rf"^\s*{paren}(?:,\s*(?:and|or)?|;|and|or|&)\s*-?$", re.I)
        self.list_open = re.compile(rf"(?:{self.kw})\s*[(\[]\s*$", re.I)
        self.naming = re.compile(rf"\b(?:{alt(r['naming_cues'])})\s+$", re.I)
        self.stop_patterns = [re.compile(x) for x in r.get("stop_patterns", [])]
        self.headings = {s.lower() for s in r.get("abstract_headings", [])}
        self.organisation_heads = set(r.get("organisation_heads", []))
        self.methods = set(r.get("method_abbreviations", []))
        groups = "|".join(re.escape(g) for g in sorted(r.get("cooperative_groups", []), key=len, reverse=True)) or "(?!)"
        code_sep = rf"[ \u00a0/{DASH_CLASS[1:-1]}]?"
        self.group_name = re.compile(rf"(?:{groups})(?:{code_sep}(?P<code>{PROTOCOL_CODE}))?")
        # not a measurement ("105 +/- 46 mg/dL", "250 mg")
        self.group_code_after = re.compile(rf"{code_sep}(?P<code>{PROTOCOL_CODE})(?![\w/{DASH_CLASS[1:-1]}])"
                                           rf"(?!\s*(?:\+/?-|±)){NO_NUMBER_AFTER}")
        self.stop = {s.lower() for s in r["stopwords"]} | {s.lower() for s in (extra_stopwords or set())}
        self.pooled = re.compile(alt(r["pooled_cues"]), re.I)
        pop = alt(r["population_words"])
        qual = alt(r["size_qualifiers"])
        self.size_re = re.compile(
            rf"(?:(?P<q>{qual})\s+)?(?<![\d,.])(?P<n>{NUMBER})\s+(?:(?:adult|adolescent|pediatric|paediatric|"
            rf"eligible|evaluable|randomi[sz]ed|enrolled|total|Japanese|Chinese|US|global)\s+){{0,2}}(?P<pop>{pop})\b", re.I)
        self.enrol_re = re.compile(rf"\b(?:enrol(?:l?ment)|sample\s+size)\s*:\s*(?P<n>{NUMBER})", re.I)
        self.arm_re = re.compile(r"\(\s*n\s*=\s*(\d[\d,]*)\s*\)", re.I)
        self.resp_re = re.compile(rf"\(\s*(?P<nums>{NUMBER}(?:\s*,\s*(?:and\s+)?{NUMBER})*(?:\s*,?\s*and\s+{NUMBER})?)\s*,\s*respectively\s*\)", re.I)
        self.rand_cue = re.compile(alt(r["randomization_cues"]), re.I)
        num = rf"(?:\d{{1,2}}|{WORD_NUM})"
        self.ratio_re = re.compile(
            rf"(?<![\d:.])(?P<r>\d{{1,2}}(?:\s*:\s*\d{{1,2}}){{1,5}})(?![\d:])"
            rf"|\b(?P<t>{num}(?:[\s{DASH_CLASS[1:-1]}]+to[\s{DASH_CLASS[1:-1]}]+{num}){{1,5}})\b", re.I)

    # ---------------------------------------------------------------- names
    def candidates(self, doc: Doc, starts: list[int]) -> list[Cand]:
        text = doc_text(doc)
        drug_spans = sorted((m.start_char, m.end_char) for m in mentions(doc) if m.label in ("DRUG", "DRUG_CANDIDATE"))
        drug_starts = [a for a, _ in drug_spans]
        drug_ends_max, top = [], -1
        for _, b in drug_spans:  # running maximum of drug-name ends, for an overlap test by bisection
            top = max(top, b)
            drug_ends_max.append(top)
        out = []
        hinted: set[str] = set()
        self.hinted = hinted
        title_stems: set[str] = set()  # stems of "Title Words N" names taken so far ("Measure Up")
        for m in self.name_re.finditer(text):
            s, e, name = m.start(), m.end(), m.group("name")
            german = re.match(r"^(.+?)-(?:Studie|Studien|Programm|Phase)$", name)
            if german:  # "TRAILBLAZER-ALZ-2-Studie": the name and a trial word in one compound
                name = german.group(1)
                e = s + len(name)
                hinted.add(name_key(name))
            if " " in name and not re.search(r"[a-z]", name):
                # "STEP UP T2D": several all-caps words; stopwords around it ("phase III OLYMPIA 2",
                # "IGNITE AD") are not part of it
                words = name.split(" ")
                while len(words) > 1 and words[0].lower() in self.stop:
                    s += len(words.pop(0)) + 1
                suffix = words.pop() if re.fullmatch(r"\d{1,2}[a-z]?", words[-1]) else None
                while len(words) > 1 and words[-1].lower() in self.stop:
                    words.pop()
                    suffix = None
                if len(words) > 1 and any(w.lower() in self.stop for w in words):
                    words, suffix = words[:1], None
                name = " ".join(words + ([suffix] if suffix else []))
                e = s + len(name)
            group_trial = self.group_trial(text, e, name)
            if group_trial == "":
                continue  # a cooperative group named alone ("the TURANDOT trial by CECOG")
            if group_trial:
                name, e = group_trial, s + len(group_trial)
                hinted.add(name_key(name))  # "NSABP B-31", "JCOG0603": the group's code names a trial
            elif self.never_a_name(text, s, name):
                continue
            k = bisect_right(drug_starts, e - 1)
            if k and drug_ends_max[k - 1] > s:
                continue  # overlaps a drug name
            if name.isupper() and len(name) > 2 and s > 0 and text[max(0, s - 40):s].isupper() and "\n" not in text[max(0, s - 40):s]:
                continue  # inside an all-caps heading or dateline
            if re.fullmatch(r"[A-Z][a-z]+(?: [A-Z][a-z]+)?[ ]\d{1,2}", name):
                line_after = text[e:e + 120].split("\n", 1)[0]
                if REGISTRY_AFTER.match(line_after) or self.appositive.match(line_after) \
                        or self.is_a.match(line_after):
                    title_stems.add(re.sub(r"\s?\d+$", "", name))  # "Measure Up 1 (NCT03569293)", "Measure Up 1, a phase 3 study"
                elif re.sub(r"\s?\d+$", "", name) in title_stems:
                    hinted.add(name_key(name))  # a sibling of a name already taken ("alongside Measure Up 2")
                elif not self.trial_after.match(line_after) and not re.match(
                        r"\s*(?:,|and|or)\s+[A-Z][a-z]+(?: [A-Z][a-z]+)? \d", text[e:e + 40]) and not \
                        self.trial_after.match(re.sub(r"^\s*(?:,|and|or)\s+[A-Z][a-z]+(?: [A-Z][a-z]+)? \d{1,2}", "", text[e:e + 120])):
                    continue  # "Measure Up 1" only right before a trial word ("the Measure Up 1 and Measure Up 2 trials")
                else:
                    title_stems.add(re.sub(r"\s?\d+$", "", name))
            out.append(Cand(s, e, name, name_key(name), bisect_right(starts, s) - 1))
            # "SOLO 1 and 2", "ADvocate 1 and 2": the bare number names the sibling trial
            num = re.match(r"^(.*?[A-Za-z])([\s-]?)(\d{1,2})$", name)
            if num:
                pos = e
                while True:
                    sib = SIBLING.match(text, pos, e + 40)
                    if not sib:
                        break
                    sibling = f"{num.group(1)}{num.group(2)}{sib.group(1)}"
                    out.append(Cand(sib.start(1), sib.end(1), sibling, name_key(sibling),
                                    bisect_right(starts, sib.start(1)) - 1))
                    pos = sib.end()
        return out

    def never_a_name(self, text: str, s: int, name: str) -> bool:
        first = re.split(rf"[\s{DASH_CLASS[1:-1]}]", name)[0]
        if name.lower() in self.stop or first.lower() in self.stop or re.sub(r"\s?\d+$", "", name).lower() in self.stop:
            return True
        if name.split()[0].lower() in self.headings:
            return True  # "DESIGN Randomised ... trial", "METHODS MARVEL is a ...": a heading, then the text
        method = re.fullmatch(r"[A-Z][a-z]+ (\S+)", name)
        if method and method.group(1) in self.methods:
            return True  # "Sequential CT studies": a method
        return bool(re.search(r"phase\s*$", text[max(0, s - 8):s], re.I) or REGISTRY_ID.match(name)
                    or any(p.search(name) for p in self.stop_patterns))

    def group_trial(self, text: str, e: int, name: str) -> str | None:
        """For a name that starts with a cooperative group: the group's trial it names, with its
        protocol code ("NSABP B-31", "GEICAM/2006-03"; the code may follow the name in the text), ""
        for the group named alone or with a grade ("ECOG 2": a performance status), and None for any
        other name (also "ABCSG-18": a two-digit number, which the name's shape and context decide)."""
        m = self.group_name.fullmatch(name)
        if not m:
            return None
        if m.group("code") is not None:
            if protocol_code(m.group("code")):
                return name
            return "" if re.fullmatch(rf"\d(?:{DASH_CLASS}\d)?", m.group("code")) else None
        after = self.group_code_after.match(text, e)
        return name + after.group(0) if after and protocol_code(after.group("code")) else ""

    def defined_otherwise(self, doc: Doc) -> set[str]:
        """Short forms the document spells out as a phrase that names no trial ("the active breathing
        coordinator (ABC)", "a low-fat solid diet (LFSD)"), from scispacy's abbreviation detector. A long
        form that is itself a name ("ROCKET-IGNITE (IGNITE)") does not count."""
        return {name_key(a.text) for a in getattr(doc._, "abbreviations", None) or []
                if PHRASE_WORD.search(a._.long_form.text) and not self.trial_word.search(a._.long_form.text)}

    def organisations(self, doc: Doc) -> set[str]:
        """Short forms the document spells out as an organisation, register or database: the head of
        the long form (its last word before "of", "on", "in", "for", ...; a trailing letter or number
        aside) is one ("Cancer and Leukemia Group B (CALGB)", "Cochrane Central Register of Controlled
        Trials (CENTRAL)"). Their trials are named otherwise (CALGB 9344)."""
        out = set()
        for a in getattr(doc._, "abbreviations", None) or []:
            words = re.split(r"\s+(?:of|on|in|for|to|with|at|from)\s+", a._.long_form.text, maxsplit=1)[0].split()
            while len(words) > 1 and re.fullmatch(r"[A-Z]|\d+|[IVX]+", words[-1]):
                words.pop()
            if words and words[-1] in self.organisation_heads:
                out.add(name_key(a.text))
        return out

    def classify(self, text: str, cands: list[Cand], defined_otherwise: set[str] = frozenset(),
                 organisations: set[str] = frozenset()) -> None:
        # chains of names joined by list separators: "A (x), B (y) and C trials"
        chains: list[list[Cand]] = []
        for c in cands:
            if chains and self.list_gap.match(text[chains[-1][-1].end:c.start]):
                chains[-1].append(c)
            else:
                chains.append([c])
        programs: set[str] = set()
        trials: set[str] = set()  # a trial word right after, a phase right before or a registry id next to it
        likely: set[str] = set()  # other cues (naming, lists, appositives) or the shape alone (strong_shape)
        named_before_trial_word: set[str] = set()
        # names the document also uses as a molecule, scale or arm: "PARP-1 suppression", "the QoR-15
        # questionnaire", "divalent metal transporter (DMT1)", "the IORT-EBRT group"
        marked = {c.key for c in cands if self.molecule_next.match(text, c.end) or self.molecule_before.search(
            text[max(0, c.start - 60):c.start].rsplit("\n", 1)[-1])}
        for chain in chains:
            last = chain[-1]
            after = text[last.end:last.end + 160].split("\n", 1)[0]
            before = text[max(0, chain[0].start - 60):chain[0].start].rsplit("\n", 1)[-1]
            pm = self.program_after.match(after)
            if pm:
                # "the SUSTAIN and PIONEER programmes": all; "ROCKET program": the last name only
                plural = re.search(r"(?:programs|programmes)\s*$", pm.group(0), re.I)
                programs.update(c.key for c in (chain if plural else [last]))
                continue
            role = None
            trial_word_after = bool(self.trial_after.match(CLOSING.sub("", after)))  # "(ABLE) Trial"
            if trial_word_after:
                named_before_trial_word.update(c.key for c in chain)
            if ARM_AFTER.match(after):
                marked.update(c.key for c in chain)
                continue  # "patients in the LFSD arm", "the SGI group": a study arm; "(EORTC) Study Group": a group
            kw_before = self.kw_before.search(before)
            if kw_before and kw_before.group("comma") and not APPOSITIVE_CLOSES.match(after):
                kw_before = None  # "In the current study, PEI improved ...": a clause, not an appositive name
            if kw_before and kw_before.group(0).strip(" ,").isupper() and last.text.isupper():
                kw_before = None  # "BACKGROUND AND STUDY AIM": a heading
            # "six trials (ZETA, ETA or THETA among them)"; a lone name only where the bracket closes (not "on study (SRE rate)")
            list_open = self.list_open.search(before) and (len(chain) > 1 or LIST_GOES_ON.match(after))
            if trial_word_after or self.phase_before.search(before):
                role = "trial"
            elif list_open or self.naming.search(before) or kw_before:
                role = "likely"
            elif self.molecule_after.match(after) or self.molecule_before.search(before):
                pass  # "PD-L1 was measured in the ... trial", "IGFBP-3 levels": only a trial word right after overrides
            elif self.appositive.match(after) or self.is_a.match(after):
                role = "likely"
            elif self.weak_after.match(after) and any(re.search(r"[\d\-]", c.text) for c in chain):
                role = "likely"
            for c in chain:
                a = text[c.end:c.end + 60]
                b = text[max(0, c.start - 40):c.start]
                if role == "trial" or REGISTRY_AFTER.match(a) or re.search(r"NCT\s?\d{8}\s*[)\]]?\s*[(\[]\s*$", b):
                    trials.add(c.key)
                elif role == "likely":
                    likely.add(c.key)
                elif strong_shape(c.text) and not chemical_formula(c.text) and not self.molecule_after.match(
                        text[c.end:c.end + 80].split("\n", 1)[0]):
                    likely.add(c.key)  # a molecule word before it puts the name in `marked`, which overrides
        # only a trial word, a phase or a registry id makes a trial of a name the document also uses as a
        # gene, scale or arm ("PARP-1 suppression ... PARP-1+/+ mice", "called DMT1 (IRE)", "the FACT-B, the
        # primary endpoint of the study")
        trials |= likely - marked
        # a short form the text spells out as something else is a trial only where a trial word follows it,
        # and one it spells out as an organisation never is ("Cancer and Leukemia Group B (CALGB) trials")
        trials -= (defined_otherwise - named_before_trial_word) | organisations
        trials |= {c.key for c in cands if c.key in getattr(self, "hinted", set())}
        # first parts of hyphenated trial names are programs when they stand alone
        for c in cands:
            if "-" in c.text and c.key in trials:
                head = name_key(re.split(r"-", c.text)[0])
                if any(x.key == head for x in cands):
                    programs.add(head)
        # hyphenated names that start with a program name are trials of it
        for c in cands:
            if "-" in c.text and name_key(c.text.split("-")[0]) in programs and c.key not in programs:
                trials.add(c.key)
        # a program name with a number is one of its trials ("ADvocate program" -> ADvocate 1)
        for c in cands:
            if any(re.fullmatch(rf"{re.escape(p)}\d{{1,2}}[a-z]?", c.key) for p in programs):
                trials.add(c.key)
        trials -= programs
        # short forms: a name equal to the last part of a hyphenated trial name
        short: dict[str, str] = {}
        for c in cands:
            if c.key in trials and "-" in c.text:
                tail = name_key(c.text.split("-")[-1])
                if len(tail) >= 4 and not tail.isdigit():
                    short.setdefault(tail, c.key)
        for c in cands:
            if c.key in trials:
                c.role, c.trial_key = "trial", short.get(c.key, c.key) if "-" not in c.text else c.key
            elif c.key in short:
                c.role, c.trial_key = "trial", short[c.key]
            elif c.key in programs:
                c.role = "program"
        # a short form that is itself listed as a trial resolves to the full name
        for c in cands:
            if c.role == "trial" and c.trial_key in short and c.trial_key not in {x.key for x in cands if "-" in x.text and x.key == c.trial_key}:
                c.trial_key = short[c.trial_key]


ELEMENTS = frozenset(
    "H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr Rb Sr "
    "Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm Yb Lu Hf Ta W "
    "Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No Lr".split())


def chemical_formula(name: str) -> bool:
    """CaCl2, NaHCO3, PaCO2: mixed case with a digit, and every capital starts an element symbol."""
    if not (re.search(r"[a-z]", name) and re.search(r"\d", name)):
        return False
    parts = re.findall(r"[A-Z][a-z]?\d*", name)
    return "".join(parts) == name and len(parts) >= 2 and all(re.sub(r"\d", "", p) in ELEMENTS for p in parts)


def strong_shape(name: str) -> bool:
    """ROCKET-IGNITE, ROCKET-Ignite (two alphabetic parts of four letters or more, the first all
    caps), KEYNOTE-189 (four capitals or more, a hyphen, a number) and CheckMate 227 (camel case
    with a number)."""
    if re.fullmatch(r"[A-Z]{4,}-\d{1,3}[a-z]?", name) or re.fullmatch(r"[A-Z][a-z]+[A-Z][A-Za-z]*[ \-]?\d{1,3}", name) \
            or re.fullmatch(r"[A-Z]{2,}[a-z]{3,}[ \-]?\d{1,2}", name):  # ADvocate1
        return True
    parts = name.split("-")
    return (len(parts) >= 2 and parts[0].isupper() and parts[0].isalpha() and len(parts[0]) >= 4
            and all(p.isalpha() and len(p) >= 4 and p[0].isupper() for p in parts[1:]))


def _chain_members(text: str, trial_cands: list[Cand], i: int, step: int, gap: re.Pattern) -> list[Cand]:
    out = [trial_cands[i]]
    j = i
    while 0 <= j + step < len(trial_cands):
        a, b = (trial_cands[j], trial_cands[j + step]) if step > 0 else (trial_cands[j + step], trial_cands[j])
        if not gap.match(text[a.end:b.start]):
            break
        j += step
        out.append(trial_cands[j])
    return out


def find_trials(finder: TrialFinder, doc: Doc, name: str) -> Doc:
    text = doc_text(doc)
    sents = sentence_bounds(doc, text)
    starts = [s0 for s0, _ in sents]
    sent_text = [text[s0:s1] for s0, s1 in sents]
    # a capitalised word inside a spelled-out short form of three words or more is part of a phrase
    # ("Sibutramine Cardiovascular OUTcomes (SCOUT) trial"), not a name; "ROCKET-IGNITE (IGNITE)" stays
    phrases = [(a._.long_form.start_char, a._.long_form.end_char) for a in getattr(doc._, "abbreviations", None) or []
               if len(a._.long_form) >= 3]
    cands = [c for c in finder.candidates(doc, starts)
             if not any(s0 <= c.start and c.end <= s1 and (c.start, c.end) != (s0, s1) for s0, s1 in phrases)]
    finder.classify(text, cands, finder.defined_otherwise(doc), finder.organisations(doc))
    tc = [c for c in cands if c.role == "trial"]
    infos: dict[str, TrialInfo] = {}
    for c in tc:
        info = infos.setdefault(c.trial_key, TrialInfo(c.trial_key, first=c.start, first_end=c.end))
        if c.text not in info.names:
            info.names.append(c.text)
    for c in cands:  # the full name may be seen only after its short form
        if c.role == "trial" and c.key == c.trial_key and c.text not in infos[c.key].names:
            infos[c.key].names.append(c.text)

    # registry ids linked to a name: "NAME (SHORT; NCT...)" or "NCT... (NAME)"
    ids = [m for m in mentions(doc, "TRIAL_ID")]
    linked: set[int] = set()
    link_after = re.compile(rf"[^\S\n]*(?:(?:{finder.mod})[^\S\n,]+){{0,5}}(?:{finder.kw})[^\S\n]*[(\[][^()\[\]]{{0,40}}", re.I)
    for k, m in enumerate(ids):
        reg = _registry(m)
        for c in tc:
            gap_after = text[c.end:m.start_char]
            gap_before = text[m.end_char:c.start] if c.start >= m.end_char else None
            if (c.end <= m.start_char and (re.fullmatch(r"\s*[(\[][^()\[\]]{0,40}", gap_after)
                                            or link_after.fullmatch(gap_after)
                                            or REGISTERED_AS.fullmatch(gap_after))) or \
                    (gap_before is not None and re.fullmatch(r"\s*[(\[]\s*", gap_before)):
                info = infos[c.trial_key]
                if reg == "nct":
                    if info.nct is None:
                        info.nct = m.norm
                        info.link_span = (min(c.start, m.start_char), max(c.end, m.end_char))
                else:
                    info.ids.setdefault(reg, m.norm)
                linked.add(k)
                break

    # phases
    phases = []
    for m in PHASE_RE.finditer(text):
        phases.append((m.start(), m.end(), norm_phase(m.group("a"), m.group("b")), m.group(0)))
    gap_mods = re.compile(rf"^\s*(?:(?:{finder.mod})[\s,]+){{0,4}}(?:(?:{finder.kw})\s*[(\[]\s*)?$", re.I)
    gap_back = re.compile(r"^\s*(?:[(\[][^()\[\]]{0,60}[)\]]\s*)?(?:'s\s+)?$")
    program_starts = {c.start for c in cands if c.role == "program"}
    unbound = []
    for ps, pe, val, surface in phases:
        add_mention(doc, Mention("PHASE", ps, pe, surface, val, name, 0.95))
        bound = False
        after_cands = [c for c in cands if c.start >= pe and c.start - pe <= 80 and c.role in ("trial", "program")]
        if after_cands and gap_mods.match(text[pe:after_cands[0].start]):
            first = after_cands[0]
            if first.role == "program":
                unbound.append((ps, val, True))
                continue
            i = tc.index(first)
            for c in _chain_members(text, tc, i, 1, finder.list_gap):
                info = infos[c.trial_key]
                if info.phase_how != "bound":
                    info.phase, info.phase_how, info.phase_span = val, "bound", (ps, pe)
            bound = True
        else:
            before_cands = [c for c in tc if c.end <= ps and ps - c.end <= 70]
            if before_cands and gap_back.match(text[before_cands[-1].end:ps]):
                c = before_cands[-1]
                info = infos[c.trial_key]
                if info.phase_how != "bound":
                    info.phase, info.phase_how, info.phase_span = val, "bound", (ps, pe)
                bound = True
            elif any(abs(ps - p) < 60 for p in program_starts):
                unbound.append((ps, val, True))
                continue
        if not bound:
            unbound.append((ps, val, False))
    for ps, val, _ in unbound:
        si = bisect_right(starts, ps) - 1
        for c in tc:
            if bisect_right(starts, c.start) - 1 == si:
                info = infos[c.trial_key]
                if info.phase is None:
                    info.phase, info.phase_how = val, "sentence"
    # trials the text places nowhere inherit the phase of their program ("the Phase 3 ROCKET
    # program"), or the one phase the document gives when all its phases agree (earlier trials aside)
    earlier = re.compile(r"\b(?:earlier|previous|prior|past|preceding|former)\s+(?:[\w-]+\s+){0,2}$", re.I)
    agreeing = {val for ps, _, val, _ in phases if not earlier.search(text[max(0, ps - 40):ps])}
    program_phases = [val for _, val, prog in unbound if prog]
    doc_phase = program_phases[0] if program_phases else (
        unbound[0][1] if unbound and len(agreeing) == 1 else None)
    if doc_phase:
        for info in infos.values():
            if info.phase is None:
                info.phase, info.phase_how = doc_phase, "document"

    for c in tc:
        info = infos[c.trial_key]
        add_mention(doc, Mention("TRIAL_NAME", c.start, c.end, c.text, info.name, name,
                                 0.9 if c.key == c.trial_key else 0.8,
                                 {"trial_key": info.key, "short_form": c.key != info.key}))
        a = assertion_of(sent_text[bisect_right(starts, c.start) - 1])
        if a in ("met", "not_met") or (a and not info.assertion):
            info.assertion = a

    id_only = _id_only_trials(text, ids, linked, infos, doc_phase)
    # a trial given by its id takes the one phase its own sentence states, before the document's
    # ("NeoPAL (NCT02400567) is a randomised phase II study" on a page about a phase 3 program)
    sentence_phases: dict[int, set[str]] = {}
    for ps, val, _ in unbound:
        sentence_phases.setdefault(bisect_right(starts, ps) - 1, set()).add(val)
    for row in id_only:
        own = sentence_phases.get(bisect_right(starts, row["start"]) - 1, set())
        if len(own) == 1:
            row["phase"], row["phase_how"] = next(iter(own)), "sentence"

    sizes = find_sizes(finder, doc, text, starts, tc, infos, name)
    find_ratios(finder, doc, text, starts, sents, tc, infos, name)

    # the drug a trial tests: the drug named most often in the sentences naming the trial
    drug_mentions = [(bisect_right(starts, m.start_char) - 1, m.norm) for m in mentions(doc)
                     if m.label == "DRUG" and m.norm]
    doc_counts = Counter(d for _, d in drug_mentions)
    trial_drug: dict[str, str | None] = {}
    for key in infos:
        sents_of = {bisect_right(starts, c.start) - 1 for c in tc if c.trial_key == key}
        local = Counter(d for si, d in drug_mentions if si in sents_of)
        trial_drug[key] = (local or doc_counts).most_common(1)[0][0] if (local or doc_counts) else None
    summary = []
    for info in sorted(infos.values(), key=lambda i: i.first):
        summary.append({"trial": info.name, "nct_id": info.nct, "phase": info.phase, "phase_how": info.phase_how,
                        "short_forms": [n for n in info.names if n != info.name and name_key(n) != name_key(info.name)],
                        "ids": info.ids, "enrolled": info.enrolled, "arm_sizes": info.arm_sizes,
                        "randomization_ratio": info.ratio, "ratio_matches_arms": info.ratio_matches_arms,
                        # a linked trial's evidence is the statement of the link, else its first mention
                        "start": (info.link_span or (info.first, 0))[0],
                        "end": (info.link_span or (0, info.first_end))[1], "assertion": info.assertion,
                        "drug": trial_drug.get(info.key)})
    doc.user_data["trialwire.trials"] = summary + id_only
    doc.user_data["trialwire.sample_sizes"] = sizes
    return doc


def find_sizes(finder: TrialFinder, doc: Doc, text: str, starts: list[int], tc: list[Cand],
               infos: dict[str, TrialInfo], name: str) -> list[dict]:
    sizes = []
    hits = [(m.start(), m.end(), m.group("n"), m.group("q"), m.group("pop")) for m in finder.size_re.finditer(text)]
    hits += [(m.start(), m.end(), m.group("n"), None, None) for m in finder.enrol_re.finditer(text)
             if not any(s <= m.start("n") < e for s, e, *_ in hits)]
    ends = {e for _, e, *_ in hits}
    for s, e, n_text, qual, pop in hits:
        bracket = text.rfind("(", max(0, s - 120), s)
        before_bracket = bracket
        while before_bracket > 0 and text[before_bracket - 1].isspace():
            before_bracket -= 1
        if bracket >= 0 and ")" not in text[bracket:s] and before_bracket in ends:
            continue  # "140 patients (52 men, 88 women)": a breakdown of the count before the bracket
        n = parse_int(n_text)
        if n is None or n < 10 or re.search(r"[%$€£]$", text[max(0, s - 3):s]) \
                or re.search(r"\bn\s*=\s*$", text[max(0, s - 6):s]) \
                or re.search(r"\bout\s+of\s*$", text[max(0, s - 10):s], re.I):
            continue
        if re.match(r"\s*(?:years?|kg|lb|mg|%)", text[e:e + 6]):
            continue
        si = bisect_right(starts, s) - 1
        s0 = starts[si]
        s1 = starts[si + 1] if si + 1 < len(starts) else len(text)
        sentence = text[max(s0, s - 250):min(s1, e + 250)]  # the clause around the count
        in_sent = [c for c in tc if s0 <= c.start < s1]
        before = [c for c in in_sent if c.start < s]
        keys_before = list(dict.fromkeys(c.trial_key for c in before))
        trial, scope = None, "trial"
        between = text[before[-1].end:s] if before else sentence
        # with no trial named, "in total" or "overall" is one study's total ("In total 140 patients were
        # randomized") and "a screening program" no trial program: a count across studies says so
        if finder.pooled.search(between) and (len(keys_before) > 1 or (
                re.search(r"\bacross\b|\bboth\b|\btogether\b|\bprogram", between, re.I) if keys_before
                else ACROSS_STUDIES.search(between))):
            scope = "program"
        elif len(keys_before) > 1:
            scope = "program"
        elif len(keys_before) == 1:
            trial = keys_before[0]
        else:
            keys_after = list(dict.fromkeys(c.trial_key for c in in_sent if c.start > s))
            if len(keys_after) == 1:
                trial = keys_after[0]
            else:
                prior = [c for c in tc if c.start < s0 and bisect_right(starts, c.start) - 1 >= si - 2]
                if prior and re.search(r"\b(?:this|the)\s+(?:study|trial)\b", sentence, re.I):
                    trial = prior[-1].trial_key
                elif len(infos) == 1 and re.search(r"enrol", sentence, re.I):
                    trial = next(iter(infos))
        qualifier = re.sub(r"\s+", " ", qual.lower()) if qual else None
        add_mention(doc, Mention("SAMPLE_SIZE", s, e, text[s:e], str(n), name, 0.8,
                                 {"n": n, "qualifier": qualifier, "trial": infos[trial].name if trial else None,
                                  "scope": scope, "population": pop}))
        if trial and infos[trial].enrolled is None:
            infos[trial].enrolled, infos[trial].enrolled_qualifier = n, qualifier
        sizes.append({"n": n, "trial": infos[trial].name if trial else None, "qualifier": qualifier,
                      "scope": scope, "population": pop.lower() if pop else None, "start": s, "end": e})
    return sizes


def find_ratios(finder: TrialFinder, doc: Doc, text: str, starts: list[int], sents, tc: list[Cand],
                infos: dict[str, TrialInfo], name: str) -> None:
    """Randomization ratios and arm sizes, each given to the trial named last before it in its sentence."""
    for s0, s1 in sents:
        st = text[s0:s1]
        if not finder.rand_cue.search(st):
            continue
        in_sent = [c for c in tc if s0 <= c.start < s1]

        def trial_before(pos: int) -> str | None:
            prior = [c for c in in_sent if c.start < s0 + pos]
            return prior[-1].trial_key if prior else (in_sent[0].trial_key if in_sent else None)

        # arm sizes: a run of "(n=328)" or one "(328, 217, and 222, respectively)"
        groups: list[tuple[int, list[int]]] = []
        last_end = None
        for m in finder.arm_re.finditer(st):
            n = int(m.group(1).replace(",", ""))
            if groups and last_end is not None and m.start() - last_end < 40 and not re.search(r"[.;]|\bwhile\b", st[last_end:m.start()]):
                groups[-1][1].append(n)
            else:
                groups.append((m.start(), [n]))
            last_end = m.end()
        for m in finder.resp_re.finditer(st):
            groups.append((m.start(), [parse_int(x) for x in re.findall(NUMBER, m.group("nums"))]))
        arms_of: dict[str, list[int]] = {}
        for pos, arms in groups:
            key = trial_before(pos)
            if key and len(arms) >= 2:
                arms_of.setdefault(key, arms)
                infos[key].arm_sizes = infos[key].arm_sizes or arms
        for m in finder.ratio_re.finditer(st):
            if m.group("r"):
                parts = [int(x) for x in re.findall(r"\d+", m.group("r"))]
                # a time like 10:30 or a score is not a ratio: it needs a randomization cue nearby
                if not finder.rand_cue.search(st[max(0, m.start() - 60):m.end() + 30]):
                    continue
            else:
                parts = [parse_int(x) for x in re.split(rf"[\s{DASH_CLASS[1:-1]}]+to[\s{DASH_CLASS[1:-1]}]+", m.group("t"), flags=re.I)]
                if not (re.search(r"randomi[sz]ed\s*$|assigned\s+(?:in\s+)?(?:an?\s+)?$|ratio\s+of\s*$", st[max(0, m.start() - 40):m.start()], re.I)
                        or re.match(r"\s*ratio", st[m.end():m.end() + 8], re.I)):
                    continue
            if any(p is None or p <= 0 for p in parts):
                continue
            ratio = ":".join(str(p) for p in parts)
            trial = trial_before(m.start())
            arms = arms_of.get(trial) if trial else (groups[0][1] if len(groups) == 1 else None)
            matches = None
            if arms:
                matches = len(arms) == len(parts)
            else:
                n_doses = len(re.findall(rf"\b{NUMBER}[\s-]*(?:mg|mcg|µg|g|ml)\b", st, re.I))
                n_arms = n_doses + (1 if re.search(r"placebo", st, re.I) else 0)
                if n_arms >= 2:
                    matches = n_arms == len(parts)
            add_mention(doc, Mention("RATIO", s0 + m.start(), s0 + m.end(), m.group(0), ratio, name, 0.9,
                                     {"parts": parts, "arm_sizes": arms or None, "matches_arms": matches,
                                      "trial": infos[trial].name if trial else None}))
            if trial:
                info = infos[trial]
                info.ratio, info.ratio_matches_arms = ratio, matches


def _rules(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else MODELS_DIR / p


def _endpoint_stopwords(path: Path) -> set[str]:
    """Endpoint names and abbreviations are never trial names."""
    import json
    out: set[str] = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                for s in [rec.get("name", "")] + rec.get("abbreviations", []):
                    if s and re.fullmatch(r"[A-Za-z0-9\-]+", s):
                        out.add(s)
    return out


@Language.factory("trialwire_trials", default_config={
    "rules": "rules/trials_rules.yaml", "endpoint_vocab": "rules/endpoints_vocab.jsonl"},
    assigns=["doc._.mentions"])
def make_trials(nlp: Language, name: str, rules: str, endpoint_vocab: str):
    finder = TrialFinder(_rules(rules), _endpoint_stopwords(_rules(endpoint_vocab)))

    def component(doc: Doc) -> Doc:
        return find_trials(finder, doc, name)
    return component
