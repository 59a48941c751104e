"""Facts no extraction table holds, read from the stored document text with small generic rules:
population age groups (with the level they describe: trial, program, indication), the disease
duration an inclusion criterion asks for, trial masking (double-blind / open-label), and
forward-looking dates (submission expected in H1 2026). Each is a `TextClaim` with its sentence
and offsets; conflicts.py compares them like any other fact."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"\u201c(\u2022-])|\s*\n\s*")
WORDNUM = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "eight": 8, "nine": 9,
           "twelve": 12, "eighteen": 18, "a": 1}

AGE_WORDS = {
    "adult": re.compile(r"\badults?\b", re.I),
    "adolescent": re.compile(r"\badolescents?\b|\bteen(?:ager)?s?\b", re.I),
    "child": re.compile(r"\bchild(?:ren)?\b|\bp(?:a)?ediatric\b|\bkids\b", re.I),
}
MIN_AGE = re.compile(r"(?:aged|age[sd]?|≥|>=|of)\s*(\d{1,2})\s*(?:years?|yrs?)?\s*(?:of age\s*)?(?:or|and)\s*(?:older|above|over)"
                     r"|(\d{1,2})\s*(?:years?|yrs?)?\s*(?:of age\s*)?(?:or|and)\s*(?:older|above|over)|(?:aged|age)\s*(\d{1,2})\s*\+|"
                     r"(?:aged|age)\s*(?:≥|>=)\s*(\d{1,2})", re.I)
STUDY_CONTEXT = re.compile(r"\b(?:trials?|stud(?:y|ies)|program(?:me)?s?|enrol(?:l)?ed|participants|patients were|"
                           r"randomi[sz]ed|being (?:studied|evaluated|tested)|approv\w+|indicated|population)\b", re.I)
PROGRAM = re.compile(r"\bprogram(?:me)?s?\b|\b(?:the|all|these|eight|several) (?:phase \w+ )?(?:clinical )?trials\b", re.I)
INDICATION = re.compile(r"\bapprov\w+|\bindicated\b|\blabel\b|\bprescrib\w+", re.I)
TRIAL_WORDS = re.compile(r"\b(?:patients|participants|subjects) (?:were|had|included)\b|\benrol(?:l)?(?:ed|ment)\b|"
                         r"\b(?:the|this) (?:trial|study)\b|\binclusion\b|\beligib", re.I)

DURATION = re.compile(
    r"(?:diagnos\w*|history|present|duration|onset|confirmed|documented|established|chronic|had (?:the disease|\w+ disease))"
    r"[^.;]{0,80}?(?:for\s+)?(?:at least|≥|>=|more than|over|a minimum of)\s*(\d+|one|two|three|six|twelve|a)\s*(month|year)s?",
    re.I)
MASKING = [
    ("open-label", re.compile(r"\bopen[- ]label\b|\bmasking:\s*none\b|\bunblinded\b", re.I)),
    ("single-blind", re.compile(r"\bsingle[- ]blind(?:ed)?\b|\bmasking:\s*single\b", re.I)),
    ("double-blind", re.compile(r"\bdouble[- ]blind(?:ed)?\b|\b(?:triple|quadruple)[- ]blind(?:ed)?\b|"
                                r"\bmasking:\s*(?:double|triple|quadruple)\b", re.I)),
]
EXTENSION = re.compile(r"\bextension\b|\blong[- ]term\b", re.I)
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DATE = re.compile(rf"\b(?:(?:{MONTHS})\s+(?:\d{{1,2}},?\s+)?(20\d\d)|(?:the\s+)?(first|second|1st|2nd)\s+half\s+(?:of\s+)?(20\d\d)|"
                  rf"\b(H[12]|Q[1-4])\s*(20\d\d)|\b(early|mid|late|end of)[- ](20\d\d)|\b(?:in|by|during)\s+(20\d\d))\b", re.I)
FORWARD = re.compile(r"\b(?:expect\w*|anticipat\w*|plan(?:s|ned)?\s+to|scheduled|due|target action date|PDUFA|"
                     r"estimated (?:primary )?completion|will (?:be )?(?:submit|file|report|present|read)\w*)\b", re.I)
EVENTS = [("submission", re.compile(r"\bsubmi\w+|\bfil(?:e|ing)\b|\bapplication\b", re.I)),
          ("approval", re.compile(r"\bapprov\w+|\bdecision\b|\bPDUFA\b|\baction date\b", re.I)),
          ("results", re.compile(r"\bresults?\b|\bread-?out\b|\bdata\b|\btop-?line\b", re.I)),
          ("completion", re.compile(r"\bcompletion\b|\bcomplete[ds]?\b", re.I)),
          ("launch", re.compile(r"\blaunch\w*\b|\bavailab\w+", re.I))]


@dataclass(frozen=True)
class TextClaim:
    attribute: str  # population, other, date
    facet: str  # age_groups, disease_duration, masking, submission ...
    value: str  # normalised value key
    display: str
    level: str | None  # trial, program, indication, drug
    trials: tuple[str, ...]  # trial names the sentence names
    start: int
    end: int
    sentence: str


Sentence = tuple[int, int, str]  # start and end offsets in the text, and the stripped sentence


def sentences(text: str) -> Iterator[Sentence]:
    text = text or ""
    pos = 0
    for m in [*BOUNDARY.finditer(text), None]:
        end = m.start() if m else len(text)
        chunk = text[pos:end]
        stripped = chunk.strip()
        if len(stripped) > 3:
            lead = len(chunk) - len(chunk.lstrip())
            yield pos + lead, pos + lead + len(stripped), stripped
        pos = m.end() if m else len(text)


def _num(tok: str) -> int:
    return int(tok) if tok.isdigit() else WORDNUM.get(tok.lower(), 0)


def age_groups(sentence: str) -> tuple[set[str], str | None]:
    m = MIN_AGE.search(sentence)
    if m:
        n = int(next(g for g in m.groups() if g))
        if n >= 18:
            return {"adult"}, m.group(0)
        if n >= 12:
            return {"adolescent", "adult"}, m.group(0)
        return {"child", "adolescent", "adult"}, m.group(0)
    groups = {g for g, rx in AGE_WORDS.items() if rx.search(sentence)}
    return groups, None


def _named(sentence: str, trial_names: list[str], rx: re.Pattern | None = None) -> tuple[str, ...]:
    """Trial names the sentence contains, as given in `trial_names` (longest match first)."""
    if rx is None:
        rx = names_regex(trial_names)
    if rx is None:
        return ()
    by_low = {n.lower(): n for n in trial_names}
    return tuple(sorted({by_low.get(m.group(0).lower(), m.group(0)) for m in rx.finditer(sentence)}))


def names_regex(names: list[str]) -> re.Pattern | None:
    names = sorted({n for n in names if n}, key=len, reverse=True)
    if not names:
        return None
    return re.compile("(?<![\\w-])(?:" + "|".join(re.escape(n) for n in names) + ")(?![\\w-])", re.I)


REFERENCES = re.compile(r"^\s*(?:references?|sources?|citations?|bibliography)\s*:?\s*$", re.I | re.M)


# Necessary words of each rule below, as groups that must all be present (any word of a group):
# a rule runs only on a sentence that passes its gate, and a sentence that passes no gate is not
# read at all; substring tests cost a fraction of the regex searches (most sentences pass none, and
# most of the rest pass one). Each group covers every branch of its rule's regexes.
STUDY_WORDS = ("trial", "stud", "program", "enrol", "participants", "patients were", "randomi", "being ",
               "approv", "indicated", "population")
CLAIM_GATES = {
    "population": (("adult", "adolesc", "teen", "child", "pediatric", "paediatric", "kids", "older", "above", "over",
                    "+", ">=", "≥"), STUDY_WORDS),  # _population: age_groups (AGE_WORDS, MIN_AGE) and STUDY_CONTEXT
    "condition excluded": (("not ha", "without", "free of"), ("enrol", "participants", "trial", "study", "evaluat",
                                                              "randomi", "included")),  # EXCLUDED, POPULATION_CONTEXT
    "condition included": (("with",), ("los", "weight", "improv", "reduc", "slow", "clear")),  # INCLUDED after EFFECT
    "duration": (("month", "year"), ("at least", "≥", ">=", "more than", "over", "a minimum of")),  # DURATION
    "masking": (("open-label", "open label", "unblinded", "masking", "blind"),),  # MASKING
    "dates": (("expect", "anticipat", "plan", "scheduled", "due", "target action date", "pdufa", "estimated", "will"),
              ("20",)),  # FORWARD and a year in DATE
}
GATE_BITS = {name: 1 << i for i, name in enumerate(CLAIM_GATES)}
ALL_GATES = sum(GATE_BITS.values())

GatedSentence = tuple[int, int, str, int]  # a Sentence and the bits (GATE_BITS) of the gates it passes


def passed_gates(sentence: str) -> int:
    """The bits (GATE_BITS) of the gates `sentence` passes; 0: no rule can read a claim in it."""
    low = sentence.lower()
    return sum(bit for name, bit in GATE_BITS.items()
               if all(any(word in low for word in group) for group in CLAIM_GATES[name]))


def body_text(text: str) -> str:
    """The text without a trailing reference list (which is never read)."""
    m = REFERENCES.search(text or "")
    return text[:m.start()] if m else (text or "")


def gated(sentence: Sentence) -> GatedSentence | None:
    """The sentence with the gates it passes, or None when it passes none."""
    gates = passed_gates(sentence[2])
    return (*sentence, gates) if gates else None


def claim_sentences(text: str) -> list[GatedSentence]:
    """The body's sentences that may hold a claim: what `claims_in` reads. Needs no trial names, so
    reconciliation's text readers run it while the corpus is still loading."""
    return [g for g in map(gated, sentences(body_text(text))) if g]


def text_claims(text: str, trial_names: list[str]) -> list[TextClaim]:
    """Claims from the body text (a trailing reference list is not read)."""
    return claims_in(claim_sentences(text), trial_names)


def claims_in(candidates: list[GatedSentence], trial_names: list[str]) -> list[TextClaim]:
    """Claims from `claim_sentences` of one text, given the names of the document's trials: each
    sentence is read by the rules whose gate it passes (RULES, in this order)."""
    out: list[TextClaim] = []
    rx = names_regex(trial_names)
    for start, end, sent, gates in candidates:
        named = _named(sent, trial_names, rx)
        for rule, bits in RULES:
            if gates & bits:
                out.extend(rule(sent, start, end, named))
    return out


def _population(sent, start, end, named) -> list[TextClaim]:
    groups, phrase = age_groups(sent)
    if not groups or not STUDY_CONTEXT.search(sent):
        return []
    if re.search(r"\bprevalen|\baffect(?:s|ing)\b|\bworldwide\b|\bglobally\b", sent, re.I) and not named:
        return []  # epidemiology, not a study population
    if INDICATION.search(sent) and not named:
        level = "indication"
    elif PROGRAM.search(sent) and len(named) != 1:
        level = "program"
    elif named or TRIAL_WORDS.search(sent):
        level = "trial"
    else:
        level = "drug"
    order = ["child", "adolescent", "adult"]
    value = "+".join(g for g in order if g in groups)
    display = phrase or " and ".join(f"{g}s" if g != "child" else "children" for g in order if g in groups)
    return [TextClaim("population", "age_groups", value, display, level, named, start, end, sent)]


EXCLUDED = re.compile(r"\b(?:who (?:do|did|does) not have|without|not having|free of)\s+(?:type [12]\s+)?"
                      r"([a-z][a-z'\-]{3,30})\b", re.I)
INCLUDED = re.compile(r"\b(?:people|patients|adults|those|individuals|participants) (?:living )?with\s+(?:type [12]\s+)?"
                      r"([a-z][a-z'\-]{3,30})\b", re.I)
EFFECT = re.compile(r"\blos[et]\w*\s+weight\b|\bweight (?:loss|reduction)\b|\bimprov\w+|\breduc\w+|\bslow\w*|"
                    r"\bclear(?:ed)? skin\b", re.I)
POPULATION_CONTEXT = re.compile(r"\b(?:enrol\w*|participants|trial|study|evaluat\w+|randomi[sz]ed|included)\b", re.I)
NOT_CONDITIONS = {"prior", "previous", "earlier", "adequate", "further", "additional", "concomitant", "treatment", "therapy", "placebo", "topical", "food", "meals", "water", "help",
                  "their", "other", "known", "any", "some", "those", "this", "that", "these", "the", "a", "an"}


def _condition_status(sent, start, end, named) -> list[TextClaim]:
    """A trial population that excludes a condition ("adults ... who do not have diabetes") and a
    statement that the drug's effect holds for people with it ("helps people with type 2 diabetes
    lose weight"): compared per drug and condition."""
    out = []
    if POPULATION_CONTEXT.search(sent):
        for m in EXCLUDED.finditer(sent):
            cond = m.group(1).lower()
            if cond not in NOT_CONDITIONS:
                out.append(TextClaim("population", f"condition: {cond}", "excluded",
                                     f"people with {cond} excluded", "trial", named, start, end, sent))
    if EFFECT.search(sent) and not INDICATION.search(sent):  # an approved indication is not a trial claim
        for m in INCLUDED.finditer(sent):
            cond = m.group(1).lower()
            if cond not in NOT_CONDITIONS and not EXCLUDED.search(sent[max(0, m.start() - 40):m.start()]):
                out.append(TextClaim("population", f"condition: {cond}", "included",
                                     f"effect stated for people with {cond}", "effect", named, start, end, sent))
    return out


def _duration(sent, start, end, named) -> list[TextClaim]:
    m = DURATION.search(sent)
    if not m:
        return []
    n, unit = _num(m.group(1)), m.group(2).lower()
    if not n:
        return []
    months = n * 12 if unit.startswith("year") else n
    display = f"disease present for at least {n} {unit}{'s' if n > 1 else ''}"
    return [TextClaim("population", "disease_duration", f"{months} months", display, "trial", named,
                      start, end, sent)]


def _masking(sent, start, end, named) -> list[TextClaim]:
    out = []
    if EXTENSION.search(sent) and not named:
        return []
    for value, rx in MASKING:
        m = rx.search(sent)
        if m:
            out.append(TextClaim("other", "masking", value, m.group(0), "trial", named, start, end, sent))
    return out


def _dates(sent, start, end, named) -> list[TextClaim]:
    if not FORWARD.search(sent):
        return []
    m = DATE.search(sent)
    if not m:
        return []
    event = next((name for name, rx in EVENTS if rx.search(sent)), None)
    if event is None:
        return []
    g = m.groups()
    if g[0]:
        value = m.group(0).strip()
    elif g[2]:
        value = f"H{1 if g[1].lower() in ('first', '1st') else 2} {g[2]}"
    elif g[4]:
        value = f"{g[3].upper()} {g[4]}"
    elif g[6]:
        value = f"{g[5].lower()} {g[6]}"
    else:
        value = g[7]
    value = re.sub(r"\s+", " ", value)
    return [TextClaim("date", event, value.lower(), value, None, named, start, end, sent)]


# Each rule and the gates (CLAIM_GATES) that admit a sentence to it; claims come out in this order.
RULES = ((_population, GATE_BITS["population"]), (_duration, GATE_BITS["duration"]),
         (_masking, GATE_BITS["masking"]), (_dates, GATE_BITS["dates"]),
         (_condition_status, GATE_BITS["condition excluded"] | GATE_BITS["condition included"]))
