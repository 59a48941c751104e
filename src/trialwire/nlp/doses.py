"""Rule component trialwire_doses: amounts with units, route, frequency, loading doses and
dosing schedules, attached to a drug and a trial.

One DOSE mention per stated amount ("300 mg or 150 mg" gives two; "2.5-15 mg" gives both ends),
with `data` = {amount, unit, route, frequencies, is_loading, schedule_weeks, drug, trial}.
Frequencies bind, in this order: a frequency right after a dose or its list ("5 mg, 10 mg, or
15 mg of X once weekly"); a frequency right before a parenthesised dose list ("every four
weeks (150 mg or 600 mg)"); the one unbound frequency of the sentence; a following regimen
sentence without amounts ("doses at weeks 0, 2, and 4, followed by every 4 weeks until week
20"); a frequency right before the amount ("weekly 2.5 mg injections") binds to it. Escalation
intervals ("increase the dosage every 4 weeks") are not frequencies, nor is "single-dose pen".
Product strengths (250 mg/2 mL) are not doses, and g/mL/IU amounts count only next to a drug
name. Units, routes, frequency phrases and cue words are data in models/rules/doses_*.tsv.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from ..paths import MODELS_DIR
from .mention import Mention, add_mention, mentions
from .numbers import (DASH_CLASS, DOSE_NUMBER, FrequencyMention, clean_amount, doc_text, frequency_mentions,
                      parse_number, sentence_bounds, week_mentions)


def _rules(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else MODELS_DIR / p


def _read_tsv(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a, b = line.split("\t")[:2]
            rows.append((a, b.strip()))
    return rows


SAME_DOSE = re.compile(r"\bthe\s+same\s+(?:dose|doses|amount|regimen)(?:\s+(?:given|administered|injected|taken))?\s*$", re.I)


VOLUME_RATE = re.compile(r"\s*(?:/|per\s+)\s*(?:s|sec|second|min|minute|h|hr|hour)\b", re.I)
SPREAD_MARK = re.compile(r"(?:±|\+\s*/\s*[-\u2212]|\+-)\s*$")
SPREAD_BEFORE = re.compile(rf"(?<![\w.])(?P<mean>{DOSE_NUMBER})\s*{SPREAD_MARK.pattern}")


def _between(o: "DoseHit", h: "DoseHit", f: FrequencyMention) -> bool:
    """Whether dose `o` lies between dose `h` and the frequency `f` after it."""
    return h.end <= o.start < f.start


SEQUENCE = re.compile(r"\bthen\b|followed\s+by|\bthereafter\b", re.I)
MAINTENANCE_AFTER = re.compile(r"^\s*(?:after\s+that|thereafter|afterwards?|from\s+(?:then|week\s+\d+)\s+on|after\s+week\s+\d+)\b", re.I)


def _continue_schedule(text: str, sent_hits: list["DoseHit"], free: list[FrequencyMention]) -> None:
    """A schedule that no dose took and that the text marks as what follows ("..., and every four weeks
    after that") continues the nearest dose before it: that dose gets both schedules."""
    for f in free:
        if not MAINTENANCE_AFTER.match(text[f.end:f.end + 30]):
            continue
        before = [h for h in sent_hits if h.end <= f.start]
        if before:
            group = before[-1].group
            for h in sent_hits:
                if h.group == group:
                    h.codes = list(dict.fromkeys(h.codes + list(f.codes)))


def sent_of(starts: list[int], char: int) -> int:
    return max(0, bisect_right(starts, char) - 1)


@dataclass
class DoseHit:
    start: int
    end: int
    amount: float
    unit: str
    group: int
    sent: int
    text: str
    is_range: bool = False
    route: str | None = None
    codes: list[str] = field(default_factory=list)
    bound: bool = False
    is_loading: bool = False
    schedule: list[int] | None = None
    drug: str | None = None
    drug_text: str | None = None
    trial: str | None = None


class DoseFinder:
    def __init__(self, units: Path, routes: Path, frequencies: Path, cues: Path):
        unit_rows = _read_tsv(units)
        self.unit_norm = [(re.compile(rf"^(?:{p})$", re.I), n) for p, n in unit_rows]
        unit_alt = "|".join(f"(?:{p})" for p, _ in unit_rows)
        sep = rf"\s*(?:,\s*(?:or|and)?|or|and|to|{DASH_CLASS})\s*"
        self.dose_re = re.compile(
            rf"(?<![\w.,/$£€])(?P<nums>(?:{DOSE_NUMBER})(?:{sep}(?:{DOSE_NUMBER}))*)\s*{DASH_CLASS}?\s*"
            rf"(?P<unit>{unit_alt})(?![\w\u00b2])(?P<strength>\s*/\s*(?:\d+(?:\.\d+)?\s*)?(?:m[lL]|milli-?lit(?:er|re)s?|dL|dl|L)\b)?",
            re.I)
        self.num_re = re.compile(DOSE_NUMBER)
        self.range_re = re.compile(rf"^(?:{DOSE_NUMBER})\s*(?:to|{DASH_CLASS})\s*(?:{DOSE_NUMBER})$")
        self.routes = [(re.compile(rf"(?<![\w-])(?:{p})(?![\w-])", re.I), r) for p, r in _read_tsv(routes)]
        self.frequencies = frequencies
        cue_rows = _read_tsv(cues)
        self.loading = re.compile("|".join(p for p, c in cue_rows if c == "loading"), re.I)
        self.loading_after = re.compile(rf"^\s*(?:{'|'.join(p for p, c in cue_rows if c == 'loading_after')})", re.I)
        self.escalation = re.compile("|".join(p for p, c in cue_rows if c == "escalation"), re.I)
        self.single_loading = re.compile("|".join(p for p, c in cue_rows if c == "single_loading") or r"(?!x)x", re.I)
        self.regimen = re.compile("|".join(p for p, c in cue_rows if c == "regimen"), re.I)
        self.placebo_after = re.compile(r"^\s*(?:matching\s+)?placebo\b", re.I)

    def unit_of(self, surface: str) -> str:
        s = re.sub(r"\s+", "", surface)
        for pattern, norm in self.unit_norm:
            if pattern.match(s):
                return norm
        return s.lower()

    # ------------------------------------------------------------------ find
    def find(self, doc: Doc, text: str, bounds: list[tuple[int, int]], freqs: list[FrequencyMention]) -> list[DoseHit]:
        starts = [s for s, _ in bounds]
        hits: list[DoseHit] = []
        group = 0
        for m in self.dose_re.finditer(text):
            if m.group("strength"):
                continue  # 250 mg/2 mL, 150 mg/mL: a product strength
            if m.start() > 0 and text[m.start() - 1] == "/":
                continue
            unit = self.unit_of(m.group("unit"))
            if unit in ("g", "ml", "iu") and not self._drug_near(doc, m.start(), m.end()):
                continue  # "30 g of fiber", "2 mL of water": a dose only next to a drug name
            if unit == "ml" and VOLUME_RATE.match(text, m.end()):
                continue  # "a urinary flow of 4 to 15 ml per second", "saline at 10 ml/min": a flow, not a dose
            nums_text, nums_start = m.group("nums"), m.start("nums")
            spread = SPREAD_BEFORE.search(text, max(0, m.start() - 40), m.start())
            if spread and unit == "ml":
                continue  # "82 +/- 12 ml": a measured volume (mean and spread), not a dose
            if spread:  # "mean 238 +/- 319 mg": 319 is the spread; the unit belongs to the mean
                nums_text, nums_start = spread.group("mean"), spread.start("mean")
            elif SPREAD_MARK.search(text, max(0, m.start() - 10), m.start()):
                continue  # "20 mg ± 5 mg": the spread of a dose already read
            is_range = bool(self.range_re.match(nums_text.strip()))
            group += 1
            for nm in self.num_re.finditer(nums_text):
                value = parse_number(nm.group(0))
                if value is None or value <= 0:
                    continue
                s = nums_start + nm.start()
                hits.append(DoseHit(s, m.end("unit"), value, unit, group, sent_of(starts, s),
                                    text[s:m.end("unit")], is_range))
        self._merge_lists(text, hits, freqs)
        return hits

    @staticmethod
    def _drug_near(doc: Doc, start: int, end: int, window: int = 60) -> bool:
        return any(m.label in ("DRUG", "DRUG_CANDIDATE") and start - window <= m.start_char <= end + window
                   for m in mentions(doc))

    def _merge_lists(self, text: str, hits: list[DoseHit], freqs: list[FrequencyMention]) -> None:
        """'5 mg, 10 mg, or 15 mg' and '300-mg X, 150-mg X, or placebo' are one list; '125 mg Q4W,
        250 mg Q2W' are two doses, each with its own frequency."""
        word = r"(?:[A-Za-z][\w-]*)"
        list_gap = re.compile(rf"^\s*(?:{word}\s*)?(?:,\s*(?:or|and)?|or|and)\s*$")
        fstarts = sorted(f.start for f in freqs)
        remap: dict[int, int] = {}
        for i, cur in enumerate(hits):
            cur.group = remap.get(cur.group, cur.group)
            if i == 0:
                continue
            prev = hits[i - 1]
            if prev.group != cur.group and prev.sent == cur.sent:
                gap = text[prev.end:cur.start]
                k = bisect_right(fstarts, prev.end - 1)
                freq_between = k < len(fstarts) and fstarts[k] < cur.start
                if len(gap) <= 30 and list_gap.match(gap) and not freq_between:
                    remap[cur.group] = prev.group  # later hits of the same match follow
                    cur.group = prev.group

    # ------------------------------------------------------------------ attributes
    def annotate(self, doc: Doc, text: str, hits: list[DoseHit], bounds: list[tuple[int, int]],
                 freqs: list[FrequencyMention]) -> list[FrequencyMention]:
        starts = [s for s, _ in bounds]
        weeks = week_mentions(text)
        routes = []
        for pattern, route in self.routes:
            for m in pattern.finditer(text):
                if self.placebo_after.match(text[m.end():m.end() + 30]):
                    continue  # "subcutaneous placebo": the route of the placebo arm only
                routes.append((m.start(), m.end(), route, sent_of(starts, m.start())))
        drugs = sorted((m for m in mentions(doc) if m.label in ("DRUG", "DRUG_CANDIDATE") and m.norm),
                       key=lambda m: m.start_char)
        trials = [m for m in mentions(doc, "TRIAL_NAME")]
        by_group: dict[int, list[DoseHit]] = {}
        for h in hits:
            by_group.setdefault(h.group, []).append(h)

        # route: nearest route word of the sentence
        routes_by_sent: dict[int, list] = {}
        for r in routes:
            routes_by_sent.setdefault(r[3], []).append(r)
        for h in hits:
            cands = routes_by_sent.get(h.sent, [])
            if cands:
                h.route = min(cands, key=lambda r: abs(r[0] - h.start))[2]
        # drug: nearest drug mention in the sentence, else the last one before, else the most frequent
        counts: dict[str, int] = {}
        for d in drugs:
            counts[d.norm] = counts.get(d.norm, 0) + 1
        top = max(counts, key=counts.get) if counts else None
        drugs_by_sent: dict[int, list[Mention]] = {}
        for d in drugs:
            drugs_by_sent.setdefault(sent_of(starts, d.start_char), []).append(d)
        trials_by_sent: dict[int, list[Mention]] = {}
        for t in trials:
            trials_by_sent.setdefault(sent_of(starts, t.start_char), []).append(t)
        drug_starts = [d.start_char for d in drugs]
        for h in hits:
            same = drugs_by_sent.get(h.sent, [])
            if same:
                d = min(same, key=lambda d: (abs(d.start_char - h.start), d.start_char > h.start))
            else:
                # the drug of the last two sentences that the document names most often
                prior = [d for si in (h.sent - 2, h.sent - 1) for d in drugs_by_sent.get(si, [])]
                if prior:
                    d = max(reversed(prior), key=lambda d: counts[d.norm])
                else:
                    k = bisect_right(drug_starts, h.start)
                    d = drugs[k - 1] if k else None
            h.drug = d.norm if d else top
            h.drug_text = d.text if d else None
            tr = trials_by_sent.get(h.sent, [])
            if tr:
                prior = [t for t in tr if t.start_char < h.start]
                t = prior[-1] if prior else tr[0]
                h.trial = t.norm
        # a dose whose sentence names no route takes the route of the one or two sentences before it
        # ("X is a subcutaneous injection. Treatment starts with 500 mg ..."), when that sentence
        # names the same drug or no drug and no other route word comes in between
        # (a sentence with doses of its own passes its route only to a loading dose: "subcutaneous
        # X 300 mg weekly ... Both arms began with a 600-mg loading dose")
        dose_sents = {h.sent for h in hits}
        for h in hits:
            if h.route is not None:
                continue
            loading = bool(self.loading.search(text[max(0, h.start - 60):h.end + 40]))
            for si in (h.sent - 1, h.sent - 2):
                cands = routes_by_sent.get(si, [])
                sdrugs = {d.norm for d in drugs_by_sent.get(si, [])}
                if si < 0 or (sdrugs and h.drug not in sdrugs) or (si in dose_sents and not loading):
                    break
                if cands:
                    if len({r[2] for r in cands}) == 1 and "\n\n" not in text[cands[0][1]:h.start]:
                        h.route = cands[0][2]
                    break
        # "increase the dosage every 4 weeks", "in 2.5 mg increments every 4 weeks": an escalation
        # interval, not the frequency of a dose
        freqs = [f for f in freqs if not self.escalation.search(text[max(0, f.start - 45):f.start])]
        freqs_by_sent: dict[int, list[FrequencyMention]] = {}
        for f in freqs:
            freqs_by_sent.setdefault(sent_of(starts, f.start), []).append(f)
        weeks_by_sent: dict[int, list] = {}
        for w in weeks:
            weeks_by_sent.setdefault(sent_of(starts, w.start), []).append(w)
        hits_by_sent: dict[int, list[DoseHit]] = {}
        for h in hits:
            hits_by_sent.setdefault(h.sent, []).append(h)
        # frequency bound right after a dose list, or right before a parenthesised list
        bound_freqs: set[int] = set()
        after_gap = re.compile(r"^[\s)\]]*(?:(?:of|the|dose|doses|[A-Za-z][\w.-]*)\s+){0,3}?[\s(\[]*$")  # s.c., i.v.
        before_gap = re.compile(r"^\s*(?:[A-Za-z][\w-]*\s+){0,2}[(\[]\s*(?:[A-Za-z]+\s+)?$|^[^\S\n]+$")
        group_spans = sorted((by_group[g][0].start, g) for g in by_group)
        span_starts = [st for st, _ in group_spans]
        for fi, f in enumerate(freqs):
            fsent = sent_of(starts, f.start)
            best = None
            # only groups starting within reach of the frequency can bind to it
            lo = bisect_right(span_starts, f.start - 400)
            hi = bisect_right(span_starts, f.end + 30)
            for _, g in group_spans[lo:hi]:
                members = by_group[g]
                last, first = members[-1], members[0]
                if last.sent != fsent:
                    continue
                if 0 <= f.start - last.end <= 40 and after_gap.match(text[last.end:f.start]) \
                        and not re.search(r"placebo", text[last.end:f.start], re.I):
                    best = g
                elif 0 <= first.start - f.end <= 30 and before_gap.match(text[f.end:first.start]):
                    best = g
            if best is not None:
                bound_freqs.add(fi)
                for h in by_group[best]:
                    if not h.bound:
                        h.codes, h.bound = list(f.codes), True
        # "300 mg once weekly, the same dose every other week": the dose list just before takes
        # that frequency too (one more row per frequency)
        for fi, f in enumerate(freqs):
            if fi in bound_freqs or not SAME_DOSE.search(text[max(0, f.start - 40):f.start]):
                continue
            fsent = sent_of(starts, f.start)
            prior = [g for st, g in group_spans if st < f.start and by_group[g][0].sent == fsent]
            if prior:
                bound_freqs.add(fi)
                for h in by_group[prior[-1]]:
                    h.codes = list(dict.fromkeys(h.codes + list(f.codes)))
                    h.bound = True
        # the one unbound frequency of a sentence applies to its unbound doses
        bound_ids = {id(freqs[fi]) for fi in bound_freqs}
        for sent_i, sent_hits in hits_by_sent.items():
            free = [f for f in freqs_by_sent.get(sent_i, []) if id(f) not in bound_ids]
            codes = {tuple(f.codes) for f in free}
            used_free = False
            if len(codes) == 1:
                for h in sent_hits:
                    # not across a later step of the regimen: in "500 mg at weeks 0 and 2, then 250 mg every two
                    # weeks until week 16, and every four weeks after that" the last schedule is not the 500 mg's
                    if not h.bound and not any(_between(o, h, f) and SEQUENCE.search(text[min(h.end, o.end):max(h.start, o.start)])
                                               for f in free for o in sent_hits if o.group != h.group):
                        h.codes = list(next(iter(codes)))
                        used_free = True
            if free and not used_free:
                _continue_schedule(text, sent_hits, free)
        # loading doses and schedules of the dose's own sentence
        for h in hits:
            s0, s1 = bounds[h.sent]
            # a cue before or right after an earlier amount is that amount's ("After a 600 mg
            # loading dose, patients received 300 mg ...": the 300 mg is not a loading dose)
            prior_end = max((o.end for o in hits_by_sent[h.sent] if o.end <= h.start), default=s0)
            if prior_end > s0 and (own := self.loading_after.match(text[prior_end:prior_end + 40])):
                prior_end += own.end()
            before = text[max(s0, prior_end, h.start - 60):h.start]
            before = re.split(r"followed\s+by|\bthen\b|\bafter\b|;", before, flags=re.I)[-1]
            if self.loading.search(before) or self.loading_after.match(text[h.end:h.end + 40]):
                h.is_loading = True
            sched = [w for w in weeks_by_sent.get(h.sent, []) if w.kind == "schedule" and w.start >= h.end
                     and w.start - h.end < 40]
            if sched:
                h.schedule = sched[0].weeks
                if len(h.schedule) <= 2 and not h.codes:
                    h.is_loading = True
            if h.is_loading and not h.codes and (not h.schedule or len(h.schedule) == 1) and \
                    self.single_loading.search(text[max(s0, h.start - 40):min(s1, h.end + 30)]):
                h.codes = ["ONCE"]  # "a 600-mg loading dose on day 1": one dose
        # a regimen sentence without amounts applies to the doses stated just before it
        hit_sents = {h.sent for h in hits}
        for si, sfreqs in sorted(freqs_by_sent.items()):
            s0, s1 = bounds[si]
            if si in hit_sents or not self.regimen.search(text[s0:s1]):
                continue
            codes = list(dict.fromkeys(c for f in sfreqs for c in f.codes))
            schedule = regimen_schedule(text[s0:s1], weeks_by_sent.get(si, []), codes)
            sdrugs = {d.norm for d in drugs_by_sent.get(si, [])}
            for h in (h for k in (si - 3, si - 2, si - 1) for h in hits_by_sent.get(k, [])):
                if not h.codes and not h.is_loading:
                    if sdrugs and h.drug and h.drug not in sdrugs:
                        continue
                    h.codes = codes
                    h.schedule = h.schedule or schedule
        loading_sents = {h.sent for h in hits if h.is_loading}
        for h in hits:
            if h.codes and not h.schedule and h.sent not in loading_sents:
                s0, s1 = bounds[h.sent]
                sw = weeks_by_sent.get(h.sent, [])
                h.schedule = regimen_schedule(text[s0:s1], sw, h.codes) if any(w.kind == "schedule" for w in sw) else None
        return freqs


def regimen_schedule(sentence: str, weeks, codes: list[str]) -> list[int] | None:
    """'weeks 0, 2, and 4, followed by every 4 weeks until week 20' -> [0, 2, 4, 8, 12, 16, 20]."""
    sched = next((w for w in weeks if w.kind == "schedule"), None)
    if sched is None:
        return None
    out = list(sched.weeks)
    step = next((int(c[1:-1]) for c in codes if re.fullmatch(r"Q\d+W", c)), 1 if "QW" in codes else None)
    end = next((w.weeks[0] for w in weeks if w.kind in ("until", "dose") and w.start > sched.start and w.weeks), None)
    if step and end and out and end > out[-1] and (end - out[-1]) / step <= 60:
        out.extend(range(out[-1] + step, end + 1, step))
    return out


@Language.factory("trialwire_doses", default_config={
    "units": "rules/doses_units.tsv", "routes": "rules/doses_routes.tsv",
    "frequencies": "rules/doses_frequencies.tsv", "cues": "rules/doses_cues.tsv"},
    assigns=["doc._.mentions"])
def make_doses(nlp: Language, name: str, units: str, routes: str, frequencies: str, cues: str):
    finder = DoseFinder(_rules(units), _rules(routes), _rules(frequencies), _rules(cues))

    def component(doc: Doc) -> Doc:
        text = doc_text(doc)
        bounds = sentence_bounds(doc, text)
        freqs = frequency_mentions(text, finder.frequencies)
        hits = finder.find(doc, text, bounds, freqs)
        if not hits:
            return doc
        finder.annotate(doc, text, hits, bounds, freqs)
        for f in freqs:
            add_mention(doc, Mention("FREQUENCY", f.start, f.end, f.text, "+".join(f.codes), name, 0.9,
                                     {"codes": f.codes}))
        for h in hits:
            add_mention(doc, Mention(
                "DOSE", h.start, h.end, h.text, f"{clean_amount(h.amount)} {h.unit}", name,
                0.9 if h.drug else 0.6,
                {"amount": clean_amount(h.amount), "unit": h.unit, "route": h.route,
                 "frequencies": list(h.codes), "is_loading": h.is_loading, "schedule_weeks": h.schedule,
                 "drug": h.drug, "drug_text": h.drug_text, "trial": h.trial, "is_range": h.is_range}))
        return doc
    return component
